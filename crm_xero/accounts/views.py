from __future__ import annotations

from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.models import SocialApp
from django.shortcuts import render

from crm_xero.accounts.sso import (
    is_sso_session,
    session_sso_provider,
    sso_context,
    sso_provider_ids,
)


def _provider_name(account) -> str:
    try:
        return account.get_provider().name
    except SocialApp.DoesNotExist:  # the provider is no longer configured on this server
        return account.provider.replace("_", " ").title()


def profile(request):
    """The signed-in user's profile: linked SSO accounts, and buttons to link more."""
    accounts = list(request.user.socialaccount_set.all())
    linked = {a.provider for a in accounts}
    providers = get_adapter().list_providers(request)
    return render(
        request,
        "accounts/profile.html",
        {
            "accounts": [
                (_provider_name(a), a.extra_data.get("email") or a.uid)
                for a in accounts
                if a.provider in sso_provider_ids()
            ],
            "linkable": [p for p in providers if p.id not in linked],
            "is_sso": is_sso_session(request),
            "sso_provider": session_sso_provider(request),
            "sso": sso_context(request, next_url=request.path),
        },
    )
