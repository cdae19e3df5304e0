"""`manage.py check --deploy`: the built-in Xero sandbox and its public secrets never in production.

The sandbox's client id, client secret and webhook key are in this repository (crm_xero/settings.py,
sandbox/seed.py): anyone can sign a webhook delivery with the key and have it accepted.
"""

from __future__ import annotations

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register

# What settings.py falls back to without XERO_CLIENT_ID (public, like the sandbox itself).
SANDBOX_WEBHOOK_KEY = "sandbox-webhook-key-not-for-production"
SANDBOX_CLIENT_SECRET = "sandbox-client-secret-not-for-production"


@register(Tags.security, deploy=True)
def xero_not_the_sandbox(app_configs=None, **kwargs) -> list[CheckMessage]:
    """With DEBUG off, Xero must be a real Xero app's, with its own webhook key."""
    if settings.DEBUG:
        return []
    errors: list[CheckMessage] = []
    if settings.XERO_USES_SANDBOX or settings.XERO_CLIENT_SECRET == SANDBOX_CLIENT_SECRET:
        errors.append(
            Error(
                "DEBUG is false but the CRM talks to the built-in Xero sandbox, whose client id "
                "and secret are public (XERO_CLIENT_ID is not set).",
                hint=(
                    "Set XERO_CLIENT_ID and XERO_CLIENT_SECRET to those of your Xero app "
                    "(https://developer.xero.com/app/manage), or DEBUG=true for a trial."
                ),
                id="linking.E001",
            )
        )
    if settings.XERO_WEBHOOK_KEY == SANDBOX_WEBHOOK_KEY:
        errors.append(
            Error(
                "DEBUG is false but XERO_WEBHOOK_KEY is the sandbox's public webhook key: anyone "
                "can sign a webhook delivery that the CRM accepts.",
                hint="Set XERO_WEBHOOK_KEY to the key your Xero app's Webhooks settings show.",
                id="linking.E002",
            )
        )
    return errors
