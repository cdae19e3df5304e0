"""The naive baseline, installed into a web process: what Xero's starter apps do on every render.

`GET /Organisation` (base currency and short code), `GET /Contacts/{id}`, then `GET /Invoices`
page after page: one call after another, no cache, no rate budget of its own (only Xero's limits).
It goes through the project's seam and renders the project's template: only the fetching differs.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from django.utils import timezone


def install() -> None:
    """Replace the tab's fetching with the naive one, for the rest of this process."""
    from linking import selectors
    from linking.xero import budget
    from linking.xero import client as xero

    def account(*, connection, contact_id, refresh=False):
        xero.get_organisation(connection)  # base currency and short code, every time
        contact = xero.get_contact(connection, contact_id)
        invoices = xero.list_invoices(connection, contact_ids=[contact_id])
        return selectors.Account(contact, invoices, timezone.now(), None)

    def sequential(calls: list[Callable], **_):
        return [call() for call in calls]

    selectors.contact_account = account
    xero.parallel = sequential
    budget.call = lambda tenant_id: contextlib.nullcontext()
