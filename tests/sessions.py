"""Signing test clients and browsers in as a session that SSO authenticated.

`force_login` alone makes a session with no authentication record, which the SSO gate treats as
a password session; these add the record allauth writes when a provider signs someone in.
"""

from __future__ import annotations

import time

from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY
from django.conf import settings
from django.test import Client

from crm_xero.accounts.sso import sso_provider_ids

USER_SESSION_KEY = "account_authentication_methods_user"  # allauth's, beside the records


def sso_account(user, provider: str = "google"):
    """The user's SSO account (one is created with `provider` when there is none)."""
    from tests.factories import SocialAccountFactory

    account = user.socialaccount_set.filter(provider__in=sso_provider_ids()).first()
    return account or SocialAccountFactory(user=user, provider=provider)


def sign_in_with_sso(client: Client, user, provider: str = "google") -> Client:
    """Sign `client` in as `user`, as if through their SSO provider."""
    account = sso_account(user, provider)
    client.force_login(user)
    session = client.session
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {
            "method": "socialaccount",
            "at": time.time(),
            "provider": account.provider,
            "uid": account.uid,
        }
    ]
    session[USER_SESSION_KEY] = str(user.pk)
    session.save()
    return client


def sign_in_with_password_session(client: Client, user) -> Client:
    """Sign `client` in as `user` the way the email + password form does (a password record)."""
    client.force_login(user)
    session = client.session
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "password", "at": time.time(), "email": user.email}
    ]
    session[USER_SESSION_KEY] = str(user.pk)
    session.save()
    return client


def sso_session_cookie(user, provider: str = "google") -> dict:
    """The session cookie of an SSO-authenticated session, for a browser context."""
    client = sign_in_with_sso(Client(), user, provider)
    return {
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
    }
