"""Recent changes in Xero: what a webhook's refetch, a tab or a Refresh shows changed on the
invoices, bills and credit notes of a record's Xero contact or deal, kept in the database.

How a change is told: the CRM keeps, per tenant and item, what it last saw of each item a tab
shows (XeroItemSeen: status and AmountPaid). When the item is seen again, `changes(before,
after)` (pure) compares the two. Items are seen again

- by a webhook (linking/tasks.py calls `webhook_seen` for invoices and bills,
  `webhook_credit_notes_seen` for credit notes, after the seam refetched what the delivery
  named): only items with a row are looked at, through `xero.items` or
  `xero.cached_credit_notes`, which answer from the cache the refetch has just filled (no Xero
  call for what the seam refetched);
- by a contact tab (`contact_seen`): the first time a contact's list is seen it becomes the
  baseline (no changes). Later, only items whose Xero UpdatedDateUTC is after the newest one the
  contact's rows hold are compared (one indexed query on the warm path), so a change merged
  in by If-Modified-Since or a Refresh is caught too, and an item new since the baseline counts
  as a change (approved, paid in full);
- by a deal tab (`items_seen`): its linked items (few); one not seen before is a baseline.

A change is one XeroChange row, unique per tenant, item, kind and the item's state that showed
it (the same change seen twice is one row); each contact keeps its newest KEEP rows.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import ParamSpec, Protocol

from django.db import DatabaseError, transaction
from django.db.models import Max
from django.utils import timezone

from linking import xero
from linking.models import XeroChange, XeroConnection, XeroItemSeen
from linking.xero import CreditNote, Invoice, XeroError

log = logging.getLogger(__name__)
P = ParamSpec("P")


def _beside_the_tab(look: Callable[P, list[Change]]) -> Callable[P, list[Change]]:
    """What a tab records of Xero's changes must never cost the person the tab: a database that
    cannot take the rows now (SQLite busy with another writer, say) is logged and skipped."""

    @functools.wraps(look)
    def quietly(*args: P.args, **kwargs: P.kwargs) -> list[Change]:
        try:
            with transaction.atomic():
                return look(*args, **kwargs)
        except DatabaseError:
            log.warning("Recent changes in Xero not recorded this time", exc_info=True)
            return []

    return quietly


KEEP = 20  # changes kept per tenant and Xero contact; older ones are pruned
SHOWN = 8  # changes a tab lists
ZERO = Decimal("0.00")
Kind = XeroChange.Kind


class State(Protocol):
    status: str
    amount_paid: Decimal


@dataclass(frozen=True)
class Change:
    kind: str
    xero_id: str
    item_type: str
    number: str
    contact_id: str
    on: date
    currency: str
    amount: Decimal | None
    total: Decimal
    marker: str


def _local_day(moment: datetime | None) -> date:
    """The day of a Xero timestamp in the site's timezone (today when Xero gave none)."""
    if moment is None:
        return timezone.localdate()
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=UTC)
    return timezone.localdate(moment)


def _marker(after: Invoice | CreditNote, paid: Decimal) -> str:
    stamp = after.updated_at.isoformat() if after.updated_at else ""
    return f"{after.status}|{paid}|{stamp}"


def _paid_of(item: Invoice | CreditNote) -> Decimal:
    return item.amount_paid if isinstance(item, Invoice) else ZERO


def changes(before: State | None, after: Invoice | CreditNote) -> list[Change]:
    """What changed from `before` (what the CRM last saw; None: an item new since it started
    watching) to `after`: approved (DRAFT/SUBMITTED → AUTHORISED), part paid (AmountPaid rose,
    still AUTHORISED), paid in full (→ PAID), voided (→ VOIDED), and for credit notes, raised
    (→ AUTHORISED or PAID)."""
    if isinstance(after, CreditNote):
        return _credit_note_changes(before, after)
    was = before.status if before is not None else None
    was_paid = before.amount_paid if before is not None else ZERO
    kinds: list[tuple[str, date, Decimal | None]] = []
    updated_on = _local_day(after.updated_at)
    approved_now = was in ("DRAFT", "SUBMITTED") and after.status in ("AUTHORISED", "PAID")
    if approved_now or (was is None and after.status == "AUTHORISED"):
        kinds.append((Kind.APPROVED, updated_on, None))
    if after.status == "AUTHORISED" and after.amount_paid > was_paid:
        kinds.append((Kind.PART_PAID, updated_on, after.amount_paid))
    if after.status == "PAID" and was != "PAID":
        kinds.append((Kind.PAID, after.fully_paid_on or updated_on, after.amount_paid))
    if after.status == "VOIDED" and was is not None and was != "VOIDED":
        kinds.append((Kind.VOIDED, updated_on, None))
    return [_change(after, kind, on, amount) for kind, on, amount in kinds]


def _credit_note_changes(before: State | None, after: CreditNote) -> list[Change]:
    if after.status not in ("AUTHORISED", "PAID"):
        return []
    if before is not None and before.status not in ("DRAFT", "SUBMITTED"):
        return []
    return [_change(after, Kind.CREDIT_NOTE, after.date or _local_day(after.updated_at), None)]


def _change(item: Invoice | CreditNote, kind: str, on: date, amount: Decimal | None) -> Change:
    return Change(
        kind=kind,
        xero_id=_id_of(item),
        item_type=item.type,
        number=item.number,
        contact_id=xero.xero_id(item.contact_id) or "",
        on=on,
        currency=item.currency,
        amount=amount,
        total=item.total,
        marker=_marker(item, _paid_of(item)),
    )


def _id_of(item: Invoice | CreditNote) -> str:
    """The item's Xero id in canonical form ("" when it is not a GUID)."""
    return (
        xero.xero_id(item.credit_note_id if isinstance(item, CreditNote) else item.invoice_id) or ""
    )


# Recording what was seen.


def _seen_rows(connection: XeroConnection, ids: list[str]) -> dict[str, XeroItemSeen]:
    rows = XeroItemSeen.objects.filter(tenant_id=connection.tenant_id, xero_id__in=ids)
    return {str(row.xero_id): row for row in rows}


def _seen(
    connection: XeroConnection,
    items: Iterable[Invoice | CreditNote],
    *,
    owner: str | None = None,
    new_are_changes: bool = False,
) -> list[Change]:
    """Compare the items with what was last seen of them, record the changes, remember the
    items. `owner`: the Xero contact whose whole list this is (its rows then carry Xero's
    UpdatedDateUTC, which the next look at the list starts after)."""
    items = [item for item in items if _id_of(item)]
    if not items:
        return []
    rows = _seen_rows(connection, [_id_of(item) for item in items])
    found: list[Change] = []
    keep: list[XeroItemSeen] = []
    for item in items:
        row = rows.get(_id_of(item))
        if row is not None or new_are_changes:
            found.extend(changes(row, item))
        if row is None or (row.status, row.amount_paid) != (item.status, _paid_of(item)) or owner:
            keep.append(
                XeroItemSeen(
                    tenant_id=connection.tenant_id,
                    xero_id=_id_of(item),
                    contact_id=owner,
                    status=item.status,
                    amount_paid=_paid_of(item),
                    updated_at=item.updated_at if owner else None,
                )
            )
    fields = ["status", "amount_paid", *(["contact_id", "updated_at"] if owner else [])]
    with transaction.atomic():
        XeroItemSeen.objects.bulk_create(
            keep,
            batch_size=500,
            update_conflicts=True,
            unique_fields=["tenant_id", "xero_id"],
            update_fields=fields,
        )
        _record(connection, found)
    return found


def _record(connection: XeroConnection, found: list[Change]) -> None:
    XeroChange.objects.bulk_create(
        [
            XeroChange(
                tenant_id=connection.tenant_id,
                contact_id=change.contact_id or None,
                xero_id=change.xero_id,
                item_type=change.item_type,
                number=change.number,
                kind=change.kind,
                on=change.on,
                currency=change.currency,
                amount=change.amount,
                total=change.total,
                marker=change.marker,
            )
            for change in found
        ],
        ignore_conflicts=True,
    )
    for contact_id in {change.contact_id for change in found if change.contact_id}:
        theirs = XeroChange.objects.filter(tenant_id=connection.tenant_id, contact_id=contact_id)
        newest = list(theirs.values_list("pk", flat=True)[:KEEP])
        theirs.exclude(pk__in=newest).delete()


@_beside_the_tab
def contact_seen(
    connection: XeroConnection, contact_id: str, items: Iterable[Invoice | CreditNote]
) -> list[Change]:
    """A contact tab showed the contact's whole list: record what changed since it was last
    seen (the first sight is the baseline)."""
    rows = XeroItemSeen.objects.filter(tenant_id=connection.tenant_id, contact_id=contact_id)
    newest = rows.aggregate(newest=Max("updated_at"))["newest"]
    items = list(items)
    if newest is None and not rows.exists():
        _seen(connection, items, owner=contact_id)  # the baseline
        return []
    # Only what Xero changed since then (UpdatedDateUTC), so the warm tab does not look at
    # thousands of rows.
    later = [
        item
        for item in items
        if item.updated_at is not None and (newest is None or item.updated_at > newest)
    ]
    return _seen(connection, later, owner=contact_id, new_are_changes=True)


@_beside_the_tab
def items_seen(connection: XeroConnection, items: Iterable[Invoice | CreditNote]) -> list[Change]:
    """A deal tab showed its linked items: record what changed on those seen before."""
    return _seen(connection, items)


def webhook_seen(connection: XeroConnection, ids: Iterable[str]) -> list[Change]:
    """After the seam refetched what a webhook named: record what changed on the items among
    them that a tab showed before. Called in the webhook's background budget; Xero's refusal
    (busy) leaves the comparison to the next tab opening."""
    wanted = [i for i in (xero.xero_id(str(i)) for i in ids) if i]
    known = list(_seen_rows(connection, wanted))
    if not known:
        return []
    try:
        found = xero.items(connection, known)
    except XeroError:
        return []
    if found.problem is not None:
        return []
    return _seen(connection, found.found)


def webhook_credit_notes_seen(connection: XeroConnection, ids: Iterable[str]) -> list[Change]:
    """After the seam refetched the credit notes a webhook named: record what changed on those a
    tab showed before (a draft now authorised: raised). They are read from the cached lists the
    refetch has just updated (xero.cached_credit_notes): no Xero call. A credit note new to the
    CRM is in no cached list yet; the contact's next opening asks Xero and records it."""
    wanted = [i for i in (xero.xero_id(str(i)) for i in ids) if i]
    known = list(_seen_rows(connection, wanted))
    if not known:
        return []
    return _seen(connection, xero.cached_credit_notes(connection, known))


# Reading them for a tab.


def for_contact(connection: XeroConnection, contact_id: str) -> list[XeroChange]:
    """The newest changes on the Xero contact's items, newest first."""
    return list(
        XeroChange.objects.filter(tenant_id=connection.tenant_id, contact_id=contact_id)[:SHOWN]
    )


def for_items(connection: XeroConnection, ids: Iterable[str]) -> list[XeroChange]:
    """The newest changes on these items (a deal's linked ones), newest first."""
    wanted = [i for i in (xero.xero_id(str(i)) for i in ids) if i]
    if not wanted:
        return []
    return list(
        XeroChange.objects.filter(tenant_id=connection.tenant_id, xero_id__in=wanted)[:SHOWN]
    )
