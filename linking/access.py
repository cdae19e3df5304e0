"""Who may see Xero data (SSO sessions) and manage the connection (SSO administrators)."""

from __future__ import annotations

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import reverse

from crm_xero.accounts.sso import is_sso_session, sso_context


def sso_admin_required(view):
    """Admins only (403 otherwise); an admin whose session did not sign in through SSO is told
    to sign in with SSO first."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_staff:
            raise PermissionDenied("Only CRM administrators can manage integrations.")
        if not is_sso_session(request):
            next_url = reverse("linking:integrations")
            context = {"admin": True, "sso": sso_context(request, next_url=next_url)}
            return render(request, "linking/sso_required.html", context, status=403)
        return view(request, *args, **kwargs)

    return wrapper
