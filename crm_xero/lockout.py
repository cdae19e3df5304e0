"""Failed sign-ins are counted per account *and* client address, so a stranger cannot lock the
owner out by typing wrong passwords for their email address.

allauth limits failed logins with ACCOUNT_RATE_LIMITS["login_failed"] = "10/m/ip,5/5m/key":
10 a minute from one address (whatever account) and 5 in 5 minutes per *key*. allauth's key is
the site and the login (the email) alone; this adapter adds the client address to it, so the 5
are counted per (account, address) pair. The client address is allauth's: REMOTE_ADDR, or the
one the trusted proxy reports (ALLAUTH_TRUSTED_PROXY_COUNT / ALLAUTH_TRUSTED_CLIENT_IP_HEADER,
set from TRUSTED_PROXY_COUNT / TRUSTED_CLIENT_IP_HEADER); IPv6 addresses count per /64.
"""

from __future__ import annotations

import logging
from typing import Any

from allauth.core.internal import ratelimit
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import HttpRequest

from crm_xero.accounts.adapters import AccountAdapter as BaseAccountAdapter

logger = logging.getLogger(__name__)


class AccountAdapter(BaseAccountAdapter):
    """The CRM's account adapter with the failed-login key per account and client address."""

    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials: Any) -> str:
        # allauth uses this key for "login_failed": consumed before each password check,
        # rolled back after a correct one, cleared after a password reset (for the address the
        # reset was done from).
        account = super()._get_login_attempts_cache_key(request, **credentials)
        return f"{account}|{ratelimit.get_ip(request)}"

    def get_client_ip(self, request: HttpRequest) -> str:
        """allauth's client address, but a request whose X-Forwarded-For has fewer entries than
        ALLAUTH_TRUSTED_PROXY_COUNT (one that did not come through every trusted proxy) counts
        by the address it came from, with a warning, instead of failing with an error."""
        try:
            return super().get_client_ip(request)
        except ImproperlyConfigured:
            logger.warning(
                "X-Forwarded-For has fewer addresses than TRUSTED_PROXY_COUNT; "
                "counting sign-ins by REMOTE_ADDR for this request"
            )
            address = request.META.get("REMOTE_ADDR")
            if not address:
                raise PermissionDenied("Unable to determine client IP address") from None
            return address
