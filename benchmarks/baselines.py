"""Two baselines, installed into a web process in place of the tab's fetching (benchmarks only).

Both go through the project's seam (`linking.selectors.contact_account`, which the tab's view
calls) and render the project's template: only the fetching differs. Neither caches anything nor
shares a rate budget (only Xero's own limits apply), and neither calls `GET /Organisation` per
render (the base currency and short code are on the connection row, as in the project).

- lean: what a careful integration without a cache does: `GET /Contacts/{id}`, then
  `GET /Invoices?ContactIDs=…` 1,000 a page with summaryOnly, one call after another, read with
  the project's own JSON reader.
- starter: Xero's starter-app pattern (github.com/XeroAPI/xero-python-oauth2-starter): the SDK's
  `get_contact` and `get_invoices(contact_i_ds=…, page=n)` at Xero's default page size (100, with
  line items, as a paged list comes), deserialised into the SDK's models, one page after another.
"""

from __future__ import annotations

import contextlib

from django.utils import timezone

STARTER_PAGE_SIZE = 100  # Xero's default for a paged GET /Invoices


def _install(fetch_invoices) -> None:
    from linking import selectors
    from linking.xero import budget, reads
    from linking.xero import client as xero

    def account(*, connection, contact_id, refresh=False):
        contact = xero.get_contact(connection, contact_id)
        invoices = fetch_invoices(connection, contact_id)
        return selectors.Account(contact, invoices, timezone.now(), None)

    selectors.contact_account = account

    def one_after_another(calls, **_):
        return [call() for call in calls]

    xero.parallel = reads.parallel = one_after_another  # each module's own name for fanout's
    budget.call = lambda tenant_id: contextlib.nullcontext()  # only Xero's limits


def install_lean() -> None:
    """Contact, then invoice pages of 1,000, sequentially, for the rest of this process."""
    from linking.xero import client as xero

    _install(
        lambda connection, contact_id: xero.list_invoices(connection, contact_ids=[contact_id])
    )


def install_starter() -> None:
    """The SDK's models at its default page size, sequentially, for the rest of this process."""
    from linking.xero import client as xero
    from linking.xero import mappers

    def invoices(connection, contact_id):
        found, page = [], 1
        api = xero._api_client({})
        while True:
            answer = xero._call(
                connection,
                lambda api, page=page: api.get_invoices(
                    str(connection.tenant_id),
                    contact_i_ds=[contact_id],
                    page=page,
                    _request_timeout=xero._timeout(),
                ),
            )
            batch = answer.invoices or []
            # The SDK's models, then back to the seam's type (as a starter app maps to its own).
            found.extend(
                mappers.invoice(api.sanitize_for_serialization(invoice)) for invoice in batch
            )
            if len(batch) < STARTER_PAGE_SIZE:
                return found
            page += 1

    _install(invoices)
