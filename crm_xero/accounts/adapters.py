"""Sign-up rules: password accounts only when CRM_OPEN_SIGNUP is on; SSO for allowed domains."""

from __future__ import annotations

import re

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialApp
from django.conf import settings
from django.http import Http404


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        return settings.CRM_OPEN_SIGNUP


_PROVIDER_ID = re.compile(r"[-\w]{1,200}", re.ASCII)  # provider ids: letters, digits, - and _


class ProviderNotConfigured(SocialApp.DoesNotExist, Http404):
    """No app is configured for this provider here: a 404 for its sign-in URLs (allauth serves
    them for every installed provider), still a SocialApp.DoesNotExist for code that asks."""


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def get_app(self, request, provider, client_id=None):
        if not _PROVIDER_ID.fullmatch(str(provider)):  # e.g. /accounts/oidc/<any text>/login/
            raise ProviderNotConfigured("No such sign-in provider.")
        try:
            return super().get_app(request, provider, client_id=client_id)
        except SocialApp.DoesNotExist:
            raise ProviderNotConfigured(f"Sign-in with {provider} is not set up here.") from None

    def is_open_for_signup(self, request, sociallogin) -> bool:
        allowed = settings.SSO_ALLOWED_DOMAINS
        if not allowed:
            return True
        email = (sociallogin.user.email or "").lower()
        return email.rpartition("@")[2] in allowed
