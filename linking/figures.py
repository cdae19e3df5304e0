# ruff: noqa: RUF001 -- the tab shows real en dashes and minus signs in its labels and rules
"""The Xero tab's money figures beyond the four totals of `selectors.invoice_summary`: what is
still owed and how late, ageing, days to pay, credit notes, other currencies, and a deal's figures.

Pure functions over the seam's dataclasses, in Decimal, one pass over the items (a big customer
has thousands). Each figure's rule is stated once, in RULES, and shown on the tab as written.

- Base-currency figures count only items in the organisation's base currency; an item in another
  currency goes to its currency's row, never into a base figure.
- VOIDED and DELETED items count nowhere.
- "Today" is the organisation's today (linking.timezones.organisation_today).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from linking.xero import CreditNote, Invoice

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
DAY = Decimal("1")
MIN_PAID_FOR_DAYS_TO_PAY = 3
AGEING_BUCKETS = (
    ("current", "Current (not yet due)"),
    ("1-30", "1–30 days past due"),
    ("31-60", "31–60 days past due"),
    ("61-90", "61–90 days past due"),
    ("over-90", "Over 90 days past due"),
)
COUNTED_CREDIT_STATUSES = ("AUTHORISED", "PAID")

# Each figure's rule, one line each: the tab's "How these are worked out".
RULES = {
    "invoices_total": "Sales invoices awaiting approval or payment (Submitted + Authorised): "
    "their totals, whatever has been paid on them.",
    "bills_total": "Bills awaiting approval (Submitted): their totals.",
    "lifetime_value": "Sales invoices authorised or paid, ever: their totals.",
    "net_of_credit_notes": "Lifetime value minus the totals of authorised and paid sales credit "
    "notes.",
    "twelve_month_value": "Sales invoices authorised or paid dated in the last 365 days (today − "
    "364 days to today): their totals.",
    "outstanding": "Amount due on authorised sales invoices: what is still owed after payments "
    "and credit notes.",
    "overdue": "The part of Outstanding on invoices whose due date has passed (today in the "
    "organisation's timezone); with their count and the oldest one's days overdue.",
    "ageing": "Outstanding split by days past the due date: Current (not yet due, or no due "
    "date), 1–30, 31–60, 61–90, over 90.",
    "payables_ageing": "Amount due on authorised bills, split the same way.",
    "days_to_pay": "Average days from invoice date to paid in full (Xero's FullyPaidOnDate) over "
    "sales invoices paid in full in the last 365 days, any currency, rounded to the nearest day "
    f"(halves up); shown from {MIN_PAID_FOR_DAYS_TO_PAY} such invoices.",
    "credit_notes": "Sales credit notes authorised or paid: their totals, and the credit not yet "
    "allocated or refunded (Xero's RemainingCredit).",
    "currencies": "Items in other currencies, in their own currency, by the same rules; "
    "≈ base currency converts each item at its own Xero rate (amount ÷ CurrencyRate, to the cent) "
    "and is approximate: it is never added to the figures above.",
    "excluded": "Voided and deleted items count nowhere.",
    # The 12-month chart (linking/chart.py), base currency only.
    "chart_invoiced": "Per month, for this month and the 11 before: totals of sales invoices "
    "authorised or paid, by the month of their invoice date.",
    "chart_paid": "Per month, likewise: totals of sales invoices paid in full, by the month Xero "
    "says they were fully paid (FullyPaidOnDate).",
    # The opportunity / project tab.
    "net": "Invoices awaiting payment or approval minus bills awaiting approval.",
    "deal_invoiced": "Linked sales invoices authorised or paid: their totals.",
    "deal_pending": "Linked sales invoices in draft or awaiting approval, not yet invoiced: "
    "their totals.",
    "deal_paid": "Paid so far on linked sales invoices (Xero's AmountPaid).",
    "deal_outstanding": "Amount due on linked authorised sales invoices.",
    "deal_overdue": "The part of that past its due date, with the count and the oldest one's days.",
    "deal_bills": "Linked bills authorised or paid: their totals.",
    "deal_margin": "Invoiced minus bills (both authorised or paid).",
}
CONTACT_RULES = (
    ("Invoiced, awaiting payment or approval", "invoices_total"),
    ("Bills awaiting approval", "bills_total"),
    ("Lifetime value", "lifetime_value"),
    ("Net of credit notes", "net_of_credit_notes"),
    ("Last 12 months", "twelve_month_value"),
    ("Outstanding", "outstanding"),
    ("Overdue", "overdue"),
    ("Ageing", "ageing"),
    ("Payables ageing", "payables_ageing"),
    ("Average days to pay", "days_to_pay"),
    ("Credit notes", "credit_notes"),
    ("Other currencies", "currencies"),
    ("12-month chart: invoiced", "chart_invoiced"),
    ("12-month chart: paid", "chart_paid"),
    ("Not counted", "excluded"),
)
DEAL_RULES = (
    ("Invoiced, awaiting payment or approval", "invoices_total"),
    ("Bills awaiting approval", "bills_total"),
    ("Net", "net"),
    ("Invoiced", "deal_invoiced"),
    ("Not yet invoiced", "deal_pending"),
    ("Paid", "deal_paid"),
    ("Outstanding", "deal_outstanding"),
    ("Overdue", "deal_overdue"),
    ("Bills", "deal_bills"),
    ("Margin", "deal_margin"),
    ("Other currencies", "currencies"),
    ("Not counted", "excluded"),
)


def rules(which: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    """(figure name, its rule) for the tab's disclosure."""
    return tuple((name, RULES[key]) for name, key in which)


# ------------------------------------------------------------------------- one item's state


def days_overdue(item: Invoice | CreditNote, today: date) -> int:
    """Days past DueDate of an authorised invoice or bill with something still due; else 0."""
    if not isinstance(item, Invoice):
        return 0
    if item.status != "AUTHORISED" or item.amount_due <= 0 or item.due_date is None:
        return 0
    return max(0, (today - item.due_date).days)


def is_part_paid(item: Invoice | CreditNote) -> bool:
    """An authorised invoice or bill with a payment made and something still due."""
    return (
        isinstance(item, Invoice)
        and item.status == "AUTHORISED"
        and item.amount_paid > 0
        and item.amount_due > 0
    )


def bucket_of(days_past_due: int) -> str:
    """The ageing bucket's key for days past due (0 or less: current)."""
    if days_past_due <= 0:
        return "current"
    if days_past_due <= 30:
        return "1-30"
    if days_past_due <= 60:
        return "31-60"
    if days_past_due <= 90:
        return "61-90"
    return "over-90"


def in_base(amount: Decimal, rate: Decimal | None) -> Decimal | None:
    """An amount in another currency converted at Xero's rate on its item, to the cent
    (half up); None without a usable rate."""
    if rate is None or rate <= 0:
        return None
    return (amount / rate).quantize(CENT, rounding=ROUND_HALF_UP)


# ------------------------------------------------------------------------------- the figures


@dataclass(frozen=True)
class Bucket:
    key: str
    label: str
    amount: Decimal
    count: int


@dataclass(frozen=True)
class Ageing:
    buckets: tuple[Bucket, ...]

    @property
    def total(self) -> Decimal:
        return sum((b.amount for b in self.buckets), ZERO)


@dataclass(frozen=True)
class Overdue:
    amount: Decimal
    count: int
    oldest_days: int  # 0 when nothing is overdue


@dataclass(frozen=True)
class Approx:
    """An other-currency amount converted to the base currency; `missing` items had no rate."""

    amount: Decimal
    missing: int = 0


@dataclass(frozen=True)
class CurrencyRow:
    """One other currency's figures, in that currency, with approximate base-currency amounts."""

    currency: str
    count: int  # invoices and bills, not voided or deleted
    outstanding: Decimal
    overdue: Decimal
    overdue_count: int
    lifetime_value: Decimal  # sales invoices authorised or paid: totals
    credit_notes: Decimal
    approx_outstanding: Approx
    approx_overdue: Approx
    approx_lifetime_value: Approx
    approx_credit_notes: Approx

    @property
    def missing_rates(self) -> bool:
        return any(
            a.missing
            for a in (
                self.approx_outstanding,
                self.approx_overdue,
                self.approx_lifetime_value,
                self.approx_credit_notes,
            )
        )


@dataclass(frozen=True)
class CreditNotes:
    count: int
    total: Decimal
    remaining: Decimal


@dataclass(frozen=True)
class DaysToPay:
    """Average days to pay in full over `count` invoices; `days` is None below the minimum."""

    days: Decimal | None
    count: int


@dataclass(frozen=True)
class ContactFigures:
    currency: str
    outstanding: Decimal
    overdue: Overdue
    ageing: Ageing
    has_bills: bool
    payables_outstanding: Decimal
    payables_overdue: Overdue
    payables_ageing: Ageing
    days_to_pay: DaysToPay
    credit_notes: CreditNotes
    lifetime_value: Decimal
    net_of_credit_notes: Decimal
    currencies: tuple[CurrencyRow, ...]


@dataclass(frozen=True)
class DealFigures:
    currency: str
    invoiced: Decimal
    pending: Decimal
    paid: Decimal
    outstanding: Decimal
    overdue: Overdue
    bills: Decimal
    margin: Decimal
    currencies: tuple[CurrencyRow, ...]


# ------------------------------------------------------------------------------ the one pass


@dataclass
class _Ledger:
    """Running sums of one type (sales or bills) in one currency."""

    due: dict[str, Decimal] = field(default_factory=lambda: {k: ZERO for k, _ in AGEING_BUCKETS})
    due_count: dict[str, int] = field(default_factory=lambda: {k: 0 for k, _ in AGEING_BUCKETS})
    overdue: Decimal = ZERO
    overdue_count: int = 0
    oldest: int = 0

    def add(self, item: Invoice, today: date) -> None:
        days = (today - item.due_date).days if item.due_date else 0
        key = bucket_of(days)
        self.due[key] += item.amount_due
        if item.amount_due > 0:
            self.due_count[key] += 1
        late = days_overdue(item, today)
        if late:
            self.overdue += item.amount_due
            self.overdue_count += 1
            self.oldest = max(self.oldest, late)

    @property
    def outstanding(self) -> Decimal:
        return sum(self.due.values(), ZERO)

    def ageing(self) -> Ageing:
        return Ageing(
            tuple(
                Bucket(key, label, self.due[key], self.due_count[key])
                for key, label in AGEING_BUCKETS
            )
        )

    def overdue_figure(self) -> Overdue:
        return Overdue(self.overdue, self.overdue_count, self.oldest)


@dataclass
class _Converted:
    amount: Decimal = ZERO
    missing: int = 0

    def add(self, amount: Decimal, rate: Decimal | None) -> None:
        converted = in_base(amount, rate)
        if converted is None:
            self.missing += 1
        else:
            self.amount += converted

    def value(self) -> Approx:
        return Approx(self.amount, self.missing)


@dataclass
class _Tally:
    """Every figure's running sums for one currency."""

    count: int = 0
    has_bills: bool = False
    sales: _Ledger = field(default_factory=_Ledger)
    bills_due: _Ledger = field(default_factory=_Ledger)
    invoiced: Decimal = ZERO  # ACCREC AUTHORISED + PAID totals (lifetime value)
    pending: Decimal = ZERO  # ACCREC DRAFT + SUBMITTED totals
    paid: Decimal = ZERO  # ACCREC AUTHORISED + PAID AmountPaid
    bills: Decimal = ZERO  # ACCPAY AUTHORISED + PAID totals
    credit_count: int = 0
    credit_total: Decimal = ZERO
    credit_remaining: Decimal = ZERO
    approx_outstanding: _Converted = field(default_factory=_Converted)
    approx_overdue: _Converted = field(default_factory=_Converted)
    approx_invoiced: _Converted = field(default_factory=_Converted)
    approx_credit: _Converted = field(default_factory=_Converted)

    def add_invoice(self, item: Invoice, today: date, *, convert: bool) -> None:
        self.count += 1
        sales = item.type == "ACCREC"
        if not sales:
            self.has_bills = True
        if item.status == "AUTHORISED":
            (self.sales if sales else self.bills_due).add(item, today)
            if sales and convert:
                self.approx_outstanding.add(item.amount_due, item.currency_rate)
                if days_overdue(item, today):
                    self.approx_overdue.add(item.amount_due, item.currency_rate)
        if item.status in ("AUTHORISED", "PAID"):
            if sales:
                self.invoiced += item.total
                self.paid += item.amount_paid
                if convert:
                    self.approx_invoiced.add(item.total, item.currency_rate)
            else:
                self.bills += item.total
        elif sales and item.status in ("DRAFT", "SUBMITTED"):
            self.pending += item.total

    def add_credit_note(self, note: CreditNote, *, convert: bool) -> None:
        if note.is_sales and note.status in COUNTED_CREDIT_STATUSES:
            self.credit_count += 1
            self.credit_total += note.total
            self.credit_remaining += note.remaining_credit
            if convert:
                self.approx_credit.add(note.total, note.currency_rate)

    def row(self, currency: str) -> CurrencyRow:
        return CurrencyRow(
            currency=currency,
            count=self.count,
            outstanding=self.sales.outstanding,
            overdue=self.sales.overdue,
            overdue_count=self.sales.overdue_count,
            lifetime_value=self.invoiced,
            credit_notes=self.credit_total,
            approx_outstanding=self.approx_outstanding.value(),
            approx_overdue=self.approx_overdue.value(),
            approx_lifetime_value=self.approx_invoiced.value(),
            approx_credit_notes=self.approx_credit.value(),
        )


def _counted(status: str) -> bool:
    return status not in ("VOIDED", "DELETED")


@dataclass
class _PayDays:
    """Days from invoice date to paid in full, over the last 365 days' paid sales invoices."""

    start: date
    today: date
    days: int = 0
    count: int = 0

    def add(self, item: Invoice) -> None:
        if (
            item.type == "ACCREC"
            and item.status == "PAID"
            and item.date is not None
            and item.fully_paid_on is not None
            and self.start <= item.fully_paid_on <= self.today
        ):
            self.days += (item.fully_paid_on - item.date).days
            self.count += 1

    def value(self) -> DaysToPay:
        if self.count < MIN_PAID_FOR_DAYS_TO_PAY:
            return DaysToPay(None, self.count)
        mean = Decimal(self.days) / self.count
        return DaysToPay(mean.quantize(DAY, rounding=ROUND_HALF_UP), self.count)


def _tallies(
    invoices: Iterable[Invoice],
    credit_notes: Iterable[CreditNote],
    *,
    base_currency: str,
    today: date,
) -> tuple[_Tally, dict[str, _Tally], _PayDays]:
    """One pass over the items: the base currency's sums, each other currency's, days to pay."""
    base, others = _Tally(), dict[str, _Tally]()
    pay_days = _PayDays(start=today - timedelta(days=364), today=today)
    for item in invoices:
        if not _counted(item.status):
            continue
        pay_days.add(item)
        if item.currency == base_currency:
            base.add_invoice(item, today, convert=False)
        else:
            others.setdefault(item.currency, _Tally()).add_invoice(item, today, convert=True)
    for note in credit_notes:
        if not _counted(note.status):
            continue
        if note.currency == base_currency:
            base.add_credit_note(note, convert=False)
        else:
            others.setdefault(note.currency, _Tally()).add_credit_note(note, convert=True)
    return base, others, pay_days


def _rows(others: dict[str, _Tally]) -> tuple[CurrencyRow, ...]:
    """Other currencies, most items first, then by code; a currency with nothing counted in any
    column is left out."""
    rows = [tally.row(code) for code, tally in others.items() if tally.count or tally.credit_count]
    return tuple(sorted(rows, key=lambda r: (-r.count, r.currency)))


def days_to_pay(invoices: Iterable[Invoice], today: date) -> DaysToPay:
    """Average days to pay in full (see RULES["days_to_pay"])."""
    pay_days = _PayDays(start=today - timedelta(days=364), today=today)
    for item in invoices:
        pay_days.add(item)
    return pay_days.value()


def contact_figures(
    *,
    invoices: list[Invoice],
    credit_notes: list[CreditNote],
    base_currency: str,
    today: date,
) -> ContactFigures:
    """A Xero contact's figures beyond the four totals (see RULES)."""
    base, others, pay_days = _tallies(
        invoices, credit_notes, base_currency=base_currency, today=today
    )
    credits = CreditNotes(base.credit_count, base.credit_total, base.credit_remaining)
    return ContactFigures(
        currency=base_currency,
        outstanding=base.sales.outstanding,
        overdue=base.sales.overdue_figure(),
        ageing=base.sales.ageing(),
        has_bills=base.has_bills or any(t.has_bills for t in others.values()),
        payables_outstanding=base.bills_due.outstanding,
        payables_overdue=base.bills_due.overdue_figure(),
        payables_ageing=base.bills_due.ageing(),
        days_to_pay=pay_days.value(),
        credit_notes=credits,
        lifetime_value=base.invoiced,
        net_of_credit_notes=base.invoiced - credits.total,
        currencies=_rows(others),
    )


def deal_figures(*, invoices: list[Invoice], base_currency: str, today: date) -> DealFigures:
    """An opportunity's or project's figures over its linked invoices and bills (see RULES)."""
    base, others, _ = _tallies(invoices, (), base_currency=base_currency, today=today)
    return DealFigures(
        currency=base_currency,
        invoiced=base.invoiced,
        pending=base.pending,
        paid=base.paid,
        outstanding=base.sales.outstanding,
        overdue=base.sales.overdue_figure(),
        bills=base.bills,
        margin=base.invoiced - base.bills,
        currencies=_rows(others),
    )
