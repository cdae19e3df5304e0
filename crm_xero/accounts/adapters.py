"""Sign-up rules: password accounts only when CRM_OPEN_SIGNUP is on; SSO for allowed domains."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        return settings.CRM_OPEN_SIGNUP


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request, sociallogin) -> bool:
        allowed = settings.SSO_ALLOWED_DOMAINS
        if not allowed:
            return True
        email = (sociallogin.user.email or "").lower()
        return email.rpartition("@")[2] in allowed
