"""Who counts as signed in through SSO: a Google, Microsoft or OpenID Connect account."""

from __future__ import annotations

from django.conf import settings


def sso_provider_ids() -> frozenset[str]:
    """The SocialAccount.provider values that count as SSO.

    An OpenID Connect account is stored under its app's provider_id (e.g. "xero"), so those ids
    come from the configured apps.
    """
    oidc_apps = settings.SOCIALACCOUNT_PROVIDERS.get("openid_connect", {}).get("APPS", [])
    return frozenset({"google", "microsoft", "openid_connect"}) | {
        app["provider_id"] for app in oidc_apps if app.get("provider_id")
    }


def is_sso_user(user) -> bool:
    """True when the user has a social account from one of the SSO providers."""
    if not user.is_authenticated:
        return False
    return user.socialaccount_set.filter(provider__in=sso_provider_ids()).exists()
