"""Reads: a record's link and Xero matches, the money figures, and the list of invoices and bills.

The figures are pure functions over the seam's dataclasses, in Decimal.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from urllib.parse import quote

from django.conf import settings
from django.db import models
from django.utils import timezone

from crm_xero import cache as shared_cache
from linking import broker, figures, xero
from linking.matching import Match, contact_matches, contact_search
from linking.models import PendingXeroConsent, XeroConnection, XeroLink
from linking.records import kind_of, record_profile
from linking.xero import CreditNote, Invoice, XeroError

ZERO = Decimal("0.00")
STATUS_LABELS = {
    "DRAFT": "Draft",
    "SUBMITTED": "Awaiting approval",
    "AUTHORISED": "Awaiting payment",
    "PAID": "Paid",
    "VOIDED": "Voided",
    "DELETED": "Deleted",
}
BREAKDOWN_STATUSES = ("DRAFT", "SUBMITTED", "AUTHORISED", "PAID")
SHOW_CHOICES = (
    ("all", "All"),
    ("invoices", "Invoices"),
    ("bills", "Bills"),
    ("outstanding", "Outstanding"),
    ("paid", "Paid"),
    ("draft", "Draft"),
    ("overdue", "Overdue"),
    ("credit_notes", "Credit notes"),
)
PAGE_SIZE = 25


def contact_link_get(*, record: models.Model, connection: XeroConnection) -> XeroLink | None:
    """The record's link to a Xero contact in the connected organisation, if any."""
    return XeroLink.objects.filter(
        **{kind_of(record): record},
        tenant_id=connection.tenant_id,
        xero_type=XeroLink.XeroType.CONTACT,
    ).first()


# A linked Xero contact with its invoices, bills and credit notes, as the seam answers it.
Account = xero.Account


def contact_account(
    *, connection: XeroConnection, contact_id: str, refresh: bool = False
) -> Account:
    """The contact, its invoices and bills, and its credit notes: from the cache when fresh (or
    `refresh`)."""
    return xero.contact_account(connection, contact_id, refresh=refresh)


@dataclass(frozen=True)
class StatusLine:
    status: str
    label: str
    count: int
    total: Decimal


@dataclass(frozen=True)
class Summary:
    """The money a Xero contact represents, in the organisation's base currency."""

    currency: str
    invoices_total: Decimal
    bills_total: Decimal
    lifetime_value: Decimal
    twelve_month_value: Decimal
    invoice_statuses: tuple[StatusLine, ...]
    bill_statuses: tuple[StatusLine, ...]
    other_currencies: tuple[tuple[str, int], ...]  # (currency, items) left out of the figures

    @property
    def net(self) -> Decimal:
        return self.invoices_total - self.bills_total

    @property
    def other_currencies_note(self) -> str:
        """E.g. "3 items in USD, EUR are not included"."""
        if not self.other_currencies:
            return ""
        count = sum(n for _, n in self.other_currencies)
        codes = ", ".join(code for code, _ in self.other_currencies)
        items = "item" if count == 1 else "items"
        verb = "is" if count == 1 else "are"
        return f"{count} {items} in {codes} {verb} not included"


def twelve_month_start(today: date) -> date:
    """The first day of the last 365 days up to and including today."""
    return today - timedelta(days=364)


def invoice_summary(*, invoices: list[Invoice], base_currency: str, today: date) -> Summary:
    """The figures over items in the base currency; other currencies are counted, not added.

    One pass over the items: a big customer has thousands.
    """
    start = twelve_month_start(today)
    counts: Counter[tuple[str, str]] = Counter()
    totals: dict[tuple[str, str], Decimal] = {}
    recent = ZERO  # sales invoices authorised or paid in the last 12 months
    others: Counter[str] = Counter()
    for item in invoices:
        if item.currency != base_currency:
            if item.status not in ("VOIDED", "DELETED"):
                others[item.currency] += 1
            continue
        key = (item.type, item.status)
        counts[key] += 1
        totals[key] = totals.get(key, ZERO) + item.total
        if (
            item.type == "ACCREC"
            and item.status in ("AUTHORISED", "PAID")
            and item.date
            and start <= item.date <= today
        ):
            recent += item.total

    def total(type: str, *statuses: str) -> Decimal:
        return sum((totals.get((type, status), ZERO) for status in statuses), ZERO)

    def lines(type: str) -> tuple[StatusLine, ...]:
        return tuple(
            StatusLine(status, STATUS_LABELS[status], counts[(type, status)], total(type, status))
            for status in BREAKDOWN_STATUSES
        )

    return Summary(
        currency=base_currency,
        invoices_total=total("ACCREC", "AUTHORISED", "SUBMITTED"),
        bills_total=total("ACCPAY", "SUBMITTED"),
        lifetime_value=total("ACCREC", "AUTHORISED", "PAID"),
        twelve_month_value=recent,
        invoice_statuses=lines("ACCREC"),
        bill_statuses=lines("ACCPAY"),
        other_currencies=tuple(sorted(others.items(), key=lambda kv: (-kv[1], kv[0]))),
    )


def filter_items(
    invoices: list[Invoice],
    show: str,
    *,
    today: date | None = None,
    credit_notes: list[CreditNote] = (),
) -> list[Invoice | CreditNote]:
    """The items the "Show" filter asks for, newest first; credit notes under All and
    Credit notes only. Overdue counts from `today` (the organisation's)."""
    if show == "credit_notes":
        return sorted(credit_notes, key=lambda i: (i.date or date.min, i.number), reverse=True)
    today = today or timezone.localdate()
    keep = {
        "invoices": lambda i: i.type == "ACCREC",
        "bills": lambda i: i.type == "ACCPAY",
        "outstanding": lambda i: i.status in ("SUBMITTED", "AUTHORISED"),
        "paid": lambda i: i.status == "PAID",
        "draft": lambda i: i.status == "DRAFT",
        "overdue": lambda i: figures.days_overdue(i, today) > 0,
    }.get(show, lambda i: True)
    items: list[Invoice | CreditNote] = [i for i in invoices if keep(i)]
    if show == "all":
        items.extend(credit_notes)
    return sorted(items, key=lambda i: (i.date or date.min, i.number), reverse=True)


def xero_url(connection: XeroConnection, path: str) -> str:
    """A deep link into Xero's web app for this organisation.

    https://developer.xero.com/documentation/api-guides/deep-link-xero
    """
    return (
        f"{settings.XERO_WEB_URL}/organisationlogin/default.aspx"
        f"?shortcode={quote(connection.short_code, safe='!')}"
        f"&redirecturl={quote(path, safe='/?=.')}"
    )


def contact_url(connection: XeroConnection, contact_id: str) -> str:
    return xero_url(connection, f"/Contacts/View/{contact_id}")


def item_url(connection: XeroConnection, item: Invoice | CreditNote) -> str:
    if isinstance(item, CreditNote):
        ledger = "AccountsReceivable" if item.is_sales else "AccountsPayable"
        return xero_url(
            connection, f"/{ledger}/ViewCreditNote.aspx?creditNoteID={item.credit_note_id}"
        )
    if item.is_bill:
        return xero_url(connection, f"/AccountsPayable/Edit.aspx?InvoiceID={item.invoice_id}")
    return xero_url(connection, f"/AccountsReceivable/View.aspx?InvoiceID={item.invoice_id}")


# Opportunities and projects: the invoices and bills linked to them.

FIND_LIMIT = 100


def item_links(*, record: models.Model, connection: XeroConnection) -> list[XeroLink]:
    """The record's links to invoices and bills in the connected organisation."""
    return list(
        XeroLink.objects.filter(
            **{kind_of(record): record},
            tenant_id=connection.tenant_id,
            xero_type=XeroLink.XeroType.INVOICE,
        ).order_by("-created_at")
    )


@dataclass(frozen=True)
class DealItems:
    """A deal's linked invoices and bills as Xero has them, and links to items it no longer has."""

    items: list[Invoice]
    missing: list[XeroLink]
    updated_at: datetime
    problem: XeroError | None = None


def linked_items(
    *, connection: XeroConnection, links: list[XeroLink], refresh: bool = False
) -> DealItems:
    """The linked items: from the cache when fresh (or `refresh`), the rest fetched at once."""
    found = xero.items(connection, [str(link.xero_id) for link in links], refresh=refresh)
    gone = set(found.missing)
    return DealItems(
        items=found.found,
        missing=[link for link in links if str(link.xero_id) in gone],
        updated_at=datetime.fromtimestamp(found.checked_at, UTC),
        problem=found.problem,
    )


def find_items(
    *,
    connection: XeroConnection,
    bills: bool,
    text: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> list[Invoice]:
    """Sales invoices by invoice number, or bills by reference (Xero's InvoiceNumber on a bill).

    Optionally within invoice dates; the first FIND_LIMIT results, newest first.
    """
    text = text.strip()
    items = xero.find_invoices(
        connection,
        types=["ACCPAY" if bills else "ACCREC"],
        search_term=text,
        date_from=date_from,
        date_to=date_to,
        limit=FIND_LIMIT,
    )
    if text:
        # searchTerm also looks at the Reference; the person asked for the number.
        items = [i for i in items if text.casefold() in i.number.casefold()]
    return items


def deal_default_contact(*, record: models.Model, connection: XeroConnection) -> XeroLink | None:
    """The Xero contact linked to the deal's organization, else to its contact."""
    for party in (record.organization, record.contact):
        if party is not None:
            link = contact_link_get(record=party, connection=connection)
            if link is not None:
                return link
    return None


def item_link_get(*, record: models.Model, link_id: int | None) -> XeroLink | None:
    """The record's link to one invoice or bill, by the link's id."""
    if link_id is None:
        return None
    return XeroLink.objects.filter(
        **{kind_of(record): record}, xero_type=XeroLink.XeroType.INVOICE, pk=link_id
    ).first()


def items_found(
    *,
    record: models.Model,
    connection: XeroConnection,
    bills: bool,
    text: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> list[tuple[Invoice, bool]]:
    """What Find… shows a deal (see `find_items`): each item, and whether the deal links it."""
    found = find_items(
        connection=connection, bills=bills, text=text, date_from=date_from, date_to=date_to
    )
    linked = {str(link.xero_id) for link in item_links(record=record, connection=connection)}
    return [(item, item.invoice_id in linked) for item in found]


# A deal's invoice draft: what its form starts with.


def deal_invoice_lines(record: models.Model) -> list[dict]:
    """The lines an invoice draft from a deal starts with: an opportunity's line items, else one
    line of its value; a project (or an opportunity with neither) one line with its name."""
    if kind_of(record) == "opportunity":
        lines = [
            {
                "description": line.description,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "item_code": line.item_code,
                "account_code": line.account_code,
                "tax_type": line.tax_type,
            }
            for line in record.line_items.all()
        ]
        if lines:
            return lines
        if record.value:
            return [{"description": record.name, "quantity": 1, "unit_price": record.value}]
    return [{"description": record.name, "quantity": 1}]


def deal_invoice_defaults(*, record: models.Model, connection: XeroConnection) -> dict:
    """The deal invoice form's starting header: the deal's currency (else the organisation's),
    an opportunity's name as the reference, the Xero contact of `deal_default_contact`."""
    defaults = {"currency": getattr(record, "currency", "") or connection.base_currency}
    if kind_of(record) == "opportunity":
        defaults["reference"] = record.name
    if (default := deal_default_contact(record=record, connection=connection)) is not None:
        defaults.update(contact_id=str(default.xero_id), contact_name=default.xero_name)
    return defaults


def deal_party_name(record: models.Model) -> str:
    """The name New Xero Contact proposes on a deal: its organization's, else its contact's."""
    if record.organization is not None:
        return record.organization.name
    if record.contact is not None:
        return record.contact.full_name
    return ""


def contact_name(*, connection: XeroConnection, contact_id: object, name: str | None) -> str:
    """The chosen Xero contact's name; a contact picked from the search's list comes back
    without one, so Xero is asked for it (nothing when Xero cannot say)."""
    contact_id = xero.xero_id(contact_id or "")
    if name or not contact_id:
        return name or ""
    try:
        return xero.contact(connection, contact_id).value.name  # from the cache when fresh
    except XeroError:
        return ""


def contact_candidates(
    *, connection: XeroConnection, record: models.Model, text: str = ""
) -> list[Match]:
    """What the match view lists: the contacts found by the text asked, else the record's
    likely matches (`contact_matches`)."""
    if text:
        return contact_search(connection=connection, text=text, profile=record_profile(record))
    return contact_matches(connection=connection, profile=record_profile(record))


# The Integrations page.


def integrations_overview(*, user, connection: XeroConnection | None) -> dict:
    """What the Integrations page shows of the Xero connection (if any): its API headroom, the
    admin's consent waiting for an organisation, the webhook key, the cache's and the worker
    broker's reachability."""
    return {
        "connection": connection,
        "headroom": xero.headroom(connection.tenant_id) if connection else None,
        "webhook_key_set": bool(settings.XERO_WEBHOOK_KEY),
        "cache_ttl_minutes": max(1, settings.XERO_CACHE_TTL // 60),
        "pending": PendingXeroConsent.objects.filter(user=user).last(),
        "cache_down": not shared_cache.is_reachable(),
        "broker_down": not broker.is_reachable(),
    }
