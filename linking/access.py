"""Who may see Xero data (SSO users) and manage the connection (SSO administrators)."""

from __future__ import annotations

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from crm_xero.accounts.sso import is_sso_user

SSO_EXPLANATION = (
    "Xero data is shown only to people who signed in with single sign-on (Google, Microsoft or "
    "Xero). You signed in with an email address and password."
)


def sso_admin_required(view):
    """Admins only (403 otherwise); a password-only admin is told to sign in with SSO first."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_staff:
            raise PermissionDenied("Only CRM administrators can manage integrations.")
        if not is_sso_user(request.user):
            return render(request, "linking/sso_required.html", {"admin": True}, status=403)
        return view(request, *args, **kwargs)

    return wrapper
