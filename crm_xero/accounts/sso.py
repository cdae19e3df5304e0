"""Who counts as signed in through SSO: this session was authenticated by Google, Microsoft or
an OpenID Connect provider.

What counts is how *this session* signed in (allauth's authentication records for the session),
not which accounts the user has linked: a password sign-in of a user who also has an SSO account
is a password session, so one guessed password cannot stand in for the SSO provider and whatever
MFA it enforces.
"""

from __future__ import annotations

from allauth.account.authentication import get_authentication_records
from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.models import SocialAccount
from django.conf import settings
from django.http import HttpRequest

_CACHE_ATTR = "_crm_sso_provider"


def sso_provider_ids() -> frozenset[str]:
    """The SocialAccount.provider values that count as SSO.

    An OpenID Connect account is stored under its app's provider_id (e.g. "xero"), so those ids
    come from the configured apps.
    """
    oidc_apps = settings.SOCIALACCOUNT_PROVIDERS.get("openid_connect", {}).get("APPS", [])
    return frozenset({"google", "microsoft", "openid_connect"}) | {
        app["provider_id"] for app in oidc_apps if app.get("provider_id")
    }


def session_sso_provider(request: HttpRequest) -> str | None:
    """The SSO provider id this session signed in with, or None for any other session.

    The newest SSO record of the session counts, and only while that provider account is still
    linked to the signed-in user. Worked out once per request.
    """
    if hasattr(request, _CACHE_ATTR):
        return getattr(request, _CACHE_ATTR)
    provider = None
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        ids = sso_provider_ids()
        records = [
            r
            for r in get_authentication_records(request, user)
            if isinstance(r, dict)
            and r.get("method") == "socialaccount"
            and r.get("provider") in ids
            and r.get("uid")
        ]
        for record in reversed(records):
            if SocialAccount.objects.filter(
                user=user, provider=record["provider"], uid=record["uid"]
            ).exists():
                provider = record["provider"]
                break
    setattr(request, _CACHE_ATTR, provider)
    return provider


def is_sso_session(request: HttpRequest) -> bool:
    """True when the current session was signed in through an SSO provider."""
    return session_sso_provider(request) is not None


def has_sso_account(user) -> bool:
    """True when the user has an SSO account linked (whatever this session signed in with)."""
    if not user.is_authenticated:
        return False
    return user.socialaccount_set.filter(provider__in=sso_provider_ids()).exists()


def configured_sso_providers(request: HttpRequest) -> list:
    """The SSO providers configured on this server (allauth provider objects), in order."""
    ids = sso_provider_ids()
    return [p for p in get_adapter().list_providers(request) if p.id in ids]


def provider_names(providers) -> str:
    """'Google', 'Google or Microsoft', 'Google, Microsoft or Xero'; '' when none."""
    names = [p.name for p in providers]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " or " + names[-1]


def sso_context(request, *, next_url: str = "") -> dict:
    """What the "sign in with SSO" panel says and offers: only the providers configured here."""
    providers = configured_sso_providers(request)
    names = provider_names(providers)
    linked = has_sso_account(request.user)
    how = (
        "You signed in with your email address and password this time."
        if linked
        else "You signed in with an email address and password."
    )
    shown = f"single sign-on ({names})" if names else "single sign-on"
    explanation = f"Xero data is shown only to people who signed in with {shown}. {how}"
    if not providers:
        explanation += " No single sign-on provider is configured on this server yet."
    return {
        "providers": providers,
        "names": names,
        "linked": linked,
        "how": how,
        "explanation": explanation,
        "next": next_url or request.get_full_path(),
    }
