"""The Xero tab's door: one URL for every record, showing the contact tab or the deal tab."""

from __future__ import annotations

from django.views.decorators.http import require_POST

from linking.records import CONTACT_KINDS
from linking.views._common import gate
from linking.views.contact_tab import contact_tab
from linking.views.deal_tab import deal_tab


def xero_tab(request, kind: str, pk: int, *, refresh: bool = False):
    """The Xero tab of a record, as an HTML fragment loaded by htmx."""
    record, connection, refusal = gate(request, kind, pk)
    if refusal:
        return refusal
    if kind not in CONTACT_KINDS:
        return deal_tab(request, record, kind, connection, refresh=refresh)
    return contact_tab(request, record, kind, connection, refresh=refresh)


@require_POST
def xero_refresh(request, kind: str, pk: int):
    """Refresh: the tab with everything it shows asked of Xero again now."""
    return xero_tab(request, kind, pk, refresh=True)
