"""Reads: a record's link and Xero matches, the money figures, and the list of invoices and bills.

The figures are pure functions over the seam's dataclasses, in Decimal.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import quote, urlencode

from django.conf import settings
from django.db import models
from django.utils import timezone

from crm_xero import cache as shared_cache
from crm_xero.quantities import plain_decimal
from linking import broker, figures, xero
from linking.matching import Match, contact_matches, contact_search
from linking.models import PendingXeroConsent, XeroConnection, XeroLink
from linking.records import Deal, Party, kind_of, record_profile
from linking.xero import CreditNote, Invoice, XeroError

if TYPE_CHECKING:
    from crm_xero.accounts.models import User
    from crm_xero.crm.models import Opportunity

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
PAGE_SIZES = (25, 50, 100)
# The items table's sortable columns: (the URL's value, the header's words).
SORT_COLUMNS = (
    ("number", "Number / reference"),
    ("date", "Date"),
    ("due", "Due"),
    ("status", "Status"),
    ("total", "Total"),
    ("amount_due", "Amount due"),
)
# Status sorts by where an item is in its life, not by the label's spelling.
STATUS_ORDER = {status: n for n, status in enumerate(STATUS_LABELS)}
QUERY_MAX = 100


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
    credit_notes: Sequence[CreditNote] = (),
    ordered: bool = True,
) -> list[Invoice | CreditNote]:
    """The items the "Show" filter asks for, newest first (unordered when not `ordered`);
    credit notes under All and Credit notes only. Overdue counts from `today` (the
    organisation's)."""
    if show == "credit_notes":
        notes: list[Invoice | CreditNote] = list(credit_notes)
        return _newest_first(notes) if ordered else notes
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
    return _newest_first(items) if ordered else items


def _newest_first(items: list[Invoice | CreditNote]) -> list[Invoice | CreditNote]:
    return sorted(items, key=lambda i: (i.date or date.min, i.number), reverse=True)


@dataclass(frozen=True)
class ListView:
    """What the items table shows: the Show filter, sort column and direction, the text filter,
    the page and its size, as the URL has them (`from_query`: anything invalid is the default)."""

    show: str = "all"
    sort: str = "date"
    dir: str = "desc"
    q: str = ""
    page: int = 1
    size: int = PAGE_SIZE

    @classmethod
    def from_query(
        cls, params: Mapping[str, object], *, shows: Sequence[tuple[str, str]] = SHOW_CHOICES
    ) -> ListView:
        def one(name: str) -> str:
            value = params.get(name, "")
            return value.strip() if isinstance(value, str) else ""

        show, sort, direction = one("show"), one("sort"), one("dir")
        size = _whole(one("size"))
        return cls(
            show=show if show in dict(shows) else cls.show,
            sort=sort if sort in dict(SORT_COLUMNS) else cls.sort,
            dir=direction if direction in ("asc", "desc") else cls.dir,
            q=" ".join(one("q").split())[:QUERY_MAX],
            page=page_number(one("page")),
            size=size if size in PAGE_SIZES else PAGE_SIZE,
        )

    def params(self, **changes: Any) -> dict[str, str]:
        """This view's query parameters (only those not at their default), with `changes`."""
        view = replace(self, **changes)
        defaults = ListView()
        return {
            name: str(getattr(view, name))
            for name in ("show", "sort", "dir", "q", "page", "size")
            if getattr(view, name) != getattr(defaults, name)
        }

    def query(self, **changes: Any) -> str:
        return urlencode(self.params(**changes))


def _whole(text: str) -> int | None:
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None


def page_number(text: object, *, last: int | None = None) -> int:
    """A page number from the URL: a whole number from 1 (to `last`), else 1."""
    number = _whole(text.strip()) if isinstance(text, str) else None
    return number if number and (last is None or number <= last) else 1


def sort_items(
    items: list[Invoice | CreditNote], *, sort: str = "date", descending: bool = True
) -> list[Invoice | CreditNote]:
    """The items in one sort by a SORT_COLUMNS key, then by number; an item without the value
    (no due date) comes last either way."""
    value = _SORT_VALUES.get(sort, _SORT_VALUES["date"])
    keyed = [(value(item), item) for item in items]
    missing = [item for v, item in keyed if v is None]
    present = [(v, item) for v, item in keyed if v is not None]
    present.sort(key=lambda pair: (pair[0], pair[1].number), reverse=descending)
    return [item for _, item in present] + missing


def _natural(text: str) -> tuple[int | str, ...]:
    """INV-9 before INV-10: digits compare as numbers."""
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", text.casefold()))


def amount_due_of(item: Invoice | CreditNote) -> Decimal:
    """What the Amount due column shows: an invoice's amount due, a credit note's credit left."""
    return item.remaining_credit if isinstance(item, CreditNote) else item.amount_due


_SORT_VALUES = {
    "number": lambda i: _natural(i.number or i.reference),
    "date": lambda i: i.date,
    "due": lambda i: getattr(i, "due_date", None),
    "status": lambda i: STATUS_ORDER.get(i.status, len(STATUS_ORDER)),
    "total": lambda i: i.total,
    "amount_due": amount_due_of,
}
_AMOUNT = re.compile(r"[-+]?\d+(\.\d{0,2})?")


def search_items(items: list[Invoice | CreditNote], text: str) -> list[Invoice | CreditNote]:
    """The items whose number or reference contains the text (any case), or, when the text is
    an amount ("1,234.50", "$1234.5", "1234"), whose total or amount due written with two
    decimals begins with it: "1234.5" finds 1,234.50 and 1,234.56, "1,234.50" exactly 1,234.50."""
    words = " ".join(text.split()).casefold()
    if not words:
        return items
    amount = words.replace(",", "").replace(" ", "").lstrip("$")
    amount = amount if _AMOUNT.fullmatch(amount) else ""

    def found(item: Invoice | CreditNote) -> bool:
        if words in item.number.casefold() or words in item.reference.casefold():
            return True
        return bool(amount) and any(
            f"{money:.2f}".startswith(amount) for money in (item.total, amount_due_of(item))
        )

    return [item for item in items if found(item)]


def list_items(
    invoices: list[Invoice],
    view: ListView,
    *,
    today: date | None = None,
    credit_notes: Sequence[CreditNote] = (),
) -> list[Invoice | CreditNote]:
    """The items table's rows before paging: the Show filter, the text filter, one sort."""
    shown = filter_items(invoices, view.show, today=today, credit_notes=credit_notes, ordered=False)
    return sort_items(search_items(shown, view.q), sort=view.sort, descending=view.dir == "desc")


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

FIND_PAGE_SIZE = 100  # Xero's own page size for GET /Invoices
FIND_PAGES = 1000  # a page number beyond this is page 1 (Xero would answer an empty page)


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


@dataclass(frozen=True)
class FoundItems:
    """A page of what Find… found: each item and whether the deal links it, and the pages."""

    results: list[tuple[Invoice, bool]]
    page: int
    more: bool


def find_items(
    *,
    connection: XeroConnection,
    bills: bool,
    text: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    page: int = 1,
) -> xero.Found:
    """Sales invoices by invoice number, or bills by reference (Xero's InvoiceNumber on a bill).

    Optionally within invoice dates; newest first, a page of Xero's (FIND_PAGE_SIZE) at a time.
    """
    text = text.strip()
    found = xero.find_invoices(
        connection,
        types=["ACCPAY" if bills else "ACCREC"],
        search_term=text,
        date_from=date_from,
        date_to=date_to,
        page=page,
        page_size=FIND_PAGE_SIZE,
    )
    if text:
        # searchTerm also looks at the Reference; the person asked for the number. Xero pages
        # before this, so a page can hold fewer than FIND_PAGE_SIZE and still have a next one.
        items = [i for i in found.items if text.casefold() in i.number.casefold()]
        return replace(found, items=items)
    return found


def deal_default_contact(*, record: Deal, connection: XeroConnection) -> XeroLink | None:
    """The Xero contact linked to the deal's organization, else to its contact."""
    parties: tuple[Party | None, ...] = (record.organization, record.contact)
    for party in parties:
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
    page: int = 1,
) -> FoundItems:
    """What Find… shows a deal (see `find_items`): a page of items, each with whether the deal
    links it."""
    found = find_items(
        connection=connection,
        bills=bills,
        text=text,
        date_from=date_from,
        date_to=date_to,
        page=page,
    )
    linked = {str(link.xero_id) for link in item_links(record=record, connection=connection)}
    return FoundItems(
        results=[(item, item.invoice_id in linked) for item in found.items],
        page=found.page,
        more=found.more,
    )


# A deal's invoice draft: what its form starts with.


def deal_invoice_lines(record: Deal) -> list[dict[str, object]]:
    """The lines an invoice draft from a deal starts with: an opportunity's line items, else one
    line of its value; a project (or an opportunity with neither) one line with its name."""
    if kind_of(record) == "opportunity":
        record = cast("Opportunity", record)
        lines: list[dict[str, object]] = [
            {
                "description": line.description,
                "quantity": plain_decimal(line.quantity),  # "2", not "2.0000"
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


def deal_invoice_defaults(*, record: Deal, connection: XeroConnection) -> dict[str, str]:
    """The deal invoice form's starting header: the deal's currency (else the organisation's),
    an opportunity's name as the reference, the Xero contact of `deal_default_contact`."""
    defaults = {"currency": getattr(record, "currency", "") or connection.base_currency}
    if kind_of(record) == "opportunity":
        defaults["reference"] = record.name
    if (default := deal_default_contact(record=record, connection=connection)) is not None:
        defaults.update(contact_id=str(default.xero_id), contact_name=default.xero_name)
    return defaults


def deal_party_name(record: Deal) -> str:
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


def contact_candidates(*, connection: XeroConnection, record: Party, text: str = "") -> list[Match]:
    """What the match view lists: the contacts found by the text asked, else the record's
    likely matches (`contact_matches`)."""
    if text:
        return contact_search(connection=connection, text=text, profile=record_profile(record))
    return contact_matches(connection=connection, profile=record_profile(record))


# The Integrations page.


def integrations_overview(*, user: User, connection: XeroConnection | None) -> dict[str, object]:
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
