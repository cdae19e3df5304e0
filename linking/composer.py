"""The invoice composer's rules: totals, defaults and checks for a sales invoice draft.

Pure functions over the seam's dataclasses (`linking.xero.ReferenceData` and friends) and the
two values below (`DraftHeader`, `DraftLine`): no Django models, no Xero calls, `Decimal`
throughout, so the form, the preview and the tests all use one copy of each rule.

Xero's rules, as its guide "Rounding in Xero" states them
(https://developer.xero.com/documentation/api-guides/rounding-in-xero) and the API's LineItem
schema defines LineAmount (xero_accounting.yaml):

- A line's amount is Quantity x UnitAmount x (100 - DiscountRate) / 100, rounded to cents.
  Quantities and unit prices carry at most 4 decimal places (unit prices need `unitdp=4` on
  the request, otherwise Xero rounds them to 2), discount rates 2; every summary value
  (LineAmount, TaxAmount, SubTotal, TotalTax, Total) has 2.
- Tax is worked out per line at the line's rate and rounded to cents, then summed: on top of
  the amount when amounts are tax exclusive, extracted from it when they are tax inclusive
  (amount x rate / (100 + rate)), none when there is no tax.
- SubTotal is the sum of the amounts without tax, TotalTax the sum of the lines' tax, Total
  SubTotal + TotalTax (for inclusive amounts, the sum of the line amounts).
- Rounding is half up (half away from zero), as Xero rounds cents. Xero's guide does not name
  the mode; the sandbox rounds the same way, and the property test holds the two together.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import NamedTuple

from linking import xero

Date = date  # for fields named `date`, where the name hides the type

EXCLUSIVE = "Exclusive"
INCLUSIVE = "Inclusive"
NO_TAX = "NoTax"
# Xero's LineAmountTypes, with the words its invoice screen uses for them.
AMOUNT_TYPES = {EXCLUSIVE: "Tax exclusive", INCLUSIVE: "Tax inclusive", NO_TAX: "No tax"}
# A contact's SalesDefaultLineAmountType, in the invoice's LineAmountTypes.
CONTACT_AMOUNT_TYPES = {"EXCLUSIVE": EXCLUSIVE, "INCLUSIVE": INCLUSIVE, "NONE": NO_TAX}

DEFAULT_TERM_DAYS = 30
CENT = Decimal("0.01")
QUANTITY_PLACES = 4
UNIT_PRICE_PLACES = 4
DISCOUNT_PLACES = 2
DESCRIPTION_MAX = 4000  # Xero's limit on a line's Description
REFERENCE_MAX = 255
ZERO = Decimal("0.00")
LARGEST = Decimal("1e12")  # no quantity, price or amount on a CRM invoice comes near it
# Digits kept while working out a line: enough that no figure below LARGEST is ever rounded
# before its final rounding to cents (the default 28 would be, for the largest).
PRECISION = 60
HUNDRED = Decimal("100")

NON_FIELD = "__all__"  # Django's NON_FIELD_ERRORS
LINE_PREFIX = "lines"  # the formset prefix of the lines


# ------------------------------------------------------------------------------- the draft


@dataclass(frozen=True)
class DraftLine:
    """One line as the form holds it; None or "" where the person left a field empty."""

    description: str = ""
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    discount_rate: Decimal | None = None  # a percentage, 0 to 100
    item_code: str = ""
    account_code: str = ""
    tax_type: str = ""
    # (TrackingCategoryID, TrackingOptionID) pairs, at most one per category.
    tracking: tuple[tuple[str, str], ...] = ()

    @property
    def is_blank(self) -> bool:
        """Nothing typed or picked: an unused row of the form."""
        return not (
            self.description.strip()
            or self.item_code.strip()
            or self.quantity is not None
            or self.unit_price is not None
            or self.discount_rate
        )


@dataclass(frozen=True)
class DraftHeader:
    contact_id: str = ""
    date: Date | None = None
    due_date: Date | None = None
    reference: str = ""
    currency: str = ""
    amount_type: str = EXCLUSIVE  # Xero's LineAmountTypes
    branding_theme_id: str = ""


def line_field(index: int, name: str) -> str:
    """The form's name for a line's field, as a Django formset names it: "lines-0-account_code"."""
    return f"{LINE_PREFIX}-{index}-{name}"


def tracking_field(index: int, tracking_category_id: str) -> str:
    """The form's name for a line's option of one tracking category."""
    return line_field(index, f"tracking_{tracking_category_id}")


# ------------------------------------------------------------------------------- totals


class TaxTotal(NamedTuple):
    """One rate's tax over the invoice, as Xero shows it: ("GST on Income (10%)", 12.34)."""

    label: str
    amount: Decimal


@dataclass(frozen=True)
class LinePreview:
    index: int  # the line's place in the lines given (blank lines have no preview)
    amount: Decimal  # Xero's LineAmount: what the line shows, with or without tax as typed
    tax: Decimal  # Xero's TaxAmount
    tax_type: str = ""


@dataclass(frozen=True)
class Preview:
    """The figures Xero will show for the draft, worked out before it is sent."""

    amount_type: str
    lines: tuple[LinePreview, ...] = ()
    subtotal: Decimal = ZERO  # SubTotal: without tax
    taxes: tuple[TaxTotal, ...] = ()  # tax per rate, in the order the rates first appear
    total_tax: Decimal = ZERO  # TotalTax
    total: Decimal = ZERO  # Total

    @property
    def amount_type_label(self) -> str:
        return AMOUNT_TYPES.get(self.amount_type, self.amount_type)


def cents(value: Decimal) -> Decimal:
    """`value` rounded half up (away from zero) to cents, as Xero rounds money."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _places(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _number(value: Decimal | None) -> Decimal | None:
    """`value` if it is a finite number within Xero's range, else None (refused by `validate`)."""
    if value is None or not value.is_finite() or abs(value) >= LARGEST:
        return None
    return value


def line_amount(
    quantity: Decimal | None, unit_price: Decimal | None, discount_rate: Decimal | None = None
) -> Decimal:
    """Xero's LineAmount: quantity x unit price less the discount %, rounded half up to cents.

    Quantity and unit price are first rounded to Xero's 4 places and the discount to 2; a
    missing quantity counts as 1 (as Xero takes it), a missing price or discount as 0, and so
    does a value that is no finite number below a trillion (`validate` refuses those).
    """
    quantity, unit_price, discount_rate = map(_number, (quantity, unit_price, discount_rate))
    with localcontext(prec=PRECISION):
        quantity = _places(Decimal(1) if quantity is None else quantity, QUANTITY_PLACES)
        unit = _places(unit_price or ZERO, UNIT_PRICE_PLACES)
        discount = _places(discount_rate or ZERO, DISCOUNT_PLACES)
        return cents(quantity * unit * (HUNDRED - discount) / HUNDRED)


def line_tax(amount: Decimal, rate: Decimal, amount_type: str) -> Decimal:
    """The tax of a line of `amount` at `rate` percent, rounded half up to cents.

    Exclusive: amount x rate / 100 on top; Inclusive: amount x rate / (100 + rate) taken out
    of the amount; NoTax: none.
    """
    if amount_type == NO_TAX or not rate:
        return ZERO
    with localcontext(prec=PRECISION):
        if amount_type == INCLUSIVE:
            return cents(amount * rate / (HUNDRED + rate))
        return cents(amount * rate / HUNDRED)


def totals(
    lines: Iterable[DraftLine], amount_type: str, tax_rates: Iterable[xero.TaxRate]
) -> Preview:
    """The draft's line amounts, subtotal, tax per rate and total by Xero's rules.

    Blank lines are left out; a tax type the organisation lacks counts as no tax (`validate`
    refuses it before anything is sent).
    """
    rates = {rate.tax_type.upper(): rate for rate in tax_rates}
    priced: list[LinePreview] = []
    per_rate: dict[str, Decimal] = {}  # tax per tax type, in the order the types appear
    for index, line in enumerate(lines):
        if line.is_blank:
            continue
        amount = line_amount(line.quantity, line.unit_price, line.discount_rate)
        tax_type = line.tax_type.strip().upper()
        rate = rates.get(tax_type)
        tax = ZERO
        if rate is not None and amount_type != NO_TAX:
            tax = line_tax(amount, rate.effective_rate, amount_type)
            if rate.effective_rate:
                per_rate[tax_type] = per_rate.get(tax_type, ZERO) + tax
        priced.append(LinePreview(index=index, amount=amount, tax=tax, tax_type=tax_type))
    amounts = sum((line.amount for line in priced), ZERO)
    total_tax = sum((line.tax for line in priced), ZERO)
    if amount_type == INCLUSIVE:
        subtotal, total = amounts - total_tax, amounts
    else:
        subtotal, total = amounts, amounts + total_tax
    return Preview(
        amount_type=amount_type,
        lines=tuple(priced),
        subtotal=subtotal,
        taxes=tuple(TaxTotal(rates[t].label, amount) for t, amount in per_rate.items()),
        total_tax=total_tax,
        total=total,
    )


# ------------------------------------------------------------------------------- defaults


@dataclass(frozen=True)
class Defaults:
    """What a new draft starts with, and where its due date came from (shown on the form)."""

    due_date: date
    due_date_source: str  # e.g. "from the contact's payment terms (20th of the following month)"
    currency: str
    amount_type: str
    branding_theme_id: str = ""


def _day_of_month(year: int, month: int, day: int) -> date:
    """Day `day` of a month, clamped to the month (a 31st is the 30th in June, the 28th or
    29th in February; a 0 is the 1st)."""
    last = calendar.monthrange(year, month)[1]
    return date(year, month, max(1, min(day, last)))


def due_date(invoice_date: date, term: xero.PaymentTerm) -> date:
    """The due date that payment terms give an invoice dated `invoice_date`.

    As Xero's invoice settings define the four types: DAYSAFTERBILLDATE, n days after the
    invoice date; DAYSAFTERBILLMONTH, n days after the last day of the invoice's month;
    OFCURRENTMONTH, day n of the invoice's month; OFFOLLOWINGMONTH, day n of the next month
    (both clamped to the month's last day). An unknown type is taken as days after the date.
    """
    if term.type == "DAYSAFTERBILLMONTH":
        last = calendar.monthrange(invoice_date.year, invoice_date.month)[1]
        return invoice_date.replace(day=last) + timedelta(days=term.day)
    if term.type == "OFCURRENTMONTH":
        return _day_of_month(invoice_date.year, invoice_date.month, term.day)
    if term.type == "OFFOLLOWINGMONTH":
        year, month = divmod(invoice_date.year * 12 + invoice_date.month, 12)
        return _day_of_month(year, month + 1, term.day)
    return invoice_date + timedelta(days=term.day)


def default_due_date(
    invoice_date: date,
    *,
    contact: xero.ContactDefaults | None,
    reference_data: xero.ReferenceData,
) -> tuple[date, str]:
    """The due date from the contact's sales payment terms, else the organisation's, else 30
    days; with the words that say which."""
    contact_term = contact.sales_payment_term if contact is not None else None
    if contact_term is not None:
        return due_date(invoice_date, contact_term), (
            f"from the contact's payment terms ({contact_term.label})"
        )
    if reference_data.payment_term is not None:
        term = reference_data.payment_term
        return due_date(invoice_date, term), f"from the organisation's payment terms ({term.label})"
    return (
        invoice_date + timedelta(days=DEFAULT_TERM_DAYS),
        f"{DEFAULT_TERM_DAYS} days after the invoice date (no payment terms set in Xero)",
    )


def default_currency(
    contact: xero.ContactDefaults | None, reference_data: xero.ReferenceData
) -> str:
    """The contact's default currency when the organisation has it, else the base currency."""
    wanted = (contact.default_currency if contact is not None else "").strip().upper()
    if wanted and wanted in reference_data.currency_codes:
        return wanted
    return reference_data.base_currency.upper()


def default_amount_type(contact: xero.ContactDefaults | None) -> str:
    """The contact's SalesDefaultLineAmountType as LineAmountTypes, else tax exclusive."""
    given = (contact.sales_default_line_amount_type if contact is not None else "").upper()
    return CONTACT_AMOUNT_TYPES.get(given, EXCLUSIVE)


def defaults(
    *,
    invoice_date: date,
    reference_data: xero.ReferenceData,
    contact: xero.ContactDefaults | None = None,
) -> Defaults:
    """A new draft's due date (and its source), currency, amount type and branding theme, as
    Xero's own invoice screen would start it for this contact."""
    due, source = default_due_date(invoice_date, contact=contact, reference_data=reference_data)
    return Defaults(
        due_date=due,
        due_date_source=source,
        currency=default_currency(contact, reference_data),
        amount_type=default_amount_type(contact),
        branding_theme_id=default_branding_theme_id(contact, reference_data),
    )


def default_branding_theme_id(
    contact: xero.ContactDefaults | None, reference_data: xero.ReferenceData
) -> str:
    """The contact's branding theme when Xero still has it, else Xero's default theme."""
    wanted = contact.branding_theme_id if contact is not None else ""
    if wanted and reference_data.branding_theme(wanted) is not None:
        return wanted
    theme = reference_data.default_branding_theme
    return theme.branding_theme_id if theme is not None else ""


def line_tax_type(
    *,
    item: xero.Item | None = None,
    account: xero.LedgerAccount | None = None,
    contact: xero.ContactDefaults | None = None,
) -> str:
    """A line's default tax type: the item's, else the account's, else the contact's
    AccountsReceivableTaxType ("" when none of them says)."""
    for tax_type in (
        item.tax_type if item is not None else "",
        account.tax_type if account is not None else "",
        contact.accounts_receivable_tax_type if contact is not None else "",
    ):
        if tax_type:
            return tax_type
    return ""


def line_account_code(
    *, item: xero.Item | None = None, contact: xero.ContactDefaults | None = None
) -> str:
    """A line's default account: the item's sales account, else the contact's
    SalesDefaultAccountCode."""
    if item is not None and item.account_code:
        return item.account_code
    return contact.sales_default_account_code if contact is not None else ""


def line_from_item(
    item: xero.Item,
    *,
    reference_data: xero.ReferenceData,
    contact: xero.ContactDefaults | None = None,
    quantity: Decimal = Decimal("1"),
) -> DraftLine:
    """The line that picking `item` fills in: description, unit price, account and tax rate."""
    account_code = line_account_code(item=item, contact=contact)
    account = reference_data.account(account_code) if account_code else None
    return DraftLine(
        description=item.description or item.name,
        quantity=quantity,
        unit_price=item.unit_price,
        item_code=item.code,
        account_code=account_code,
        tax_type=line_tax_type(item=item, account=account, contact=contact),
    )


# ------------------------------------------------------------------------------- choices


def item_choices(items: Iterable[xero.Item]) -> list[xero.Item]:
    """The items a sales line may use (those Xero sells), by code."""
    return sorted((i for i in items if i.is_sold), key=lambda i: (i.code.upper(), i.code))


def revenue_accounts(accounts: Iterable[xero.LedgerAccount]) -> list[xero.LedgerAccount]:
    """Active revenue accounts, by code: the accounts a sales line may use."""
    return sorted(
        (a for a in accounts if a.is_active and a.is_revenue),
        key=lambda a: (a.code.upper(), a.code),
    )


def revenue_tax_rates(tax_rates: Iterable[xero.TaxRate]) -> list[xero.TaxRate]:
    """Active tax rates that apply to revenue, by name."""
    return sorted(
        (r for r in tax_rates if r.is_active and r.can_apply_to_revenue),
        key=lambda r: (r.name.lower(), r.tax_type),
    )


def active_tracking_categories(
    categories: Iterable[xero.TrackingCategory],
) -> list[xero.TrackingCategory]:
    """Active categories with only their active options (one select each on a line)."""
    return [
        xero.TrackingCategory(
            tracking_category_id=c.tracking_category_id,
            name=c.name,
            status=c.status,
            options=c.active_options,
        )
        for c in categories
        if c.is_active
    ]


# ------------------------------------------------------------------------------- checks


@dataclass
class _Problems:
    found: dict[str, str] = field(default_factory=dict)

    def add(self, name: str, message: str) -> None:
        self.found.setdefault(name, message)  # the first problem of a field is the one shown


def _too_precise(value: Decimal, places: int) -> bool:
    return value != value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _check_header(
    header: DraftHeader, reference_data: xero.ReferenceData, problems: _Problems
) -> None:
    if header.amount_type not in AMOUNT_TYPES:
        problems.add("amount_type", "Choose Tax exclusive, Tax inclusive or No tax.")
    currency = header.currency.strip().upper()
    if currency and currency not in reference_data.currency_codes:
        problems.add(
            "currency",
            f"{currency} is not one of this organisation's currencies in Xero "
            "(add it under Currencies in Xero first).",
        )
    theme_id = header.branding_theme_id
    if theme_id and reference_data.branding_theme(theme_id) is None:
        problems.add("branding_theme_id", "That branding theme is not in Xero any more.")
    if len(header.reference) > REFERENCE_MAX:
        problems.add("reference", f"A reference can be at most {REFERENCE_MAX} characters.")


def _checked_number(
    index: int, line: DraftLine, name: str, places: int, problems: _Problems, *, missing: str
) -> Decimal | None:
    """The line's number `name` when usable; else None, with the problem noted (`missing`
    names an empty field that must be filled, "" one that may stay empty)."""
    value: Decimal | None = getattr(line, name)
    field_name = line_field(index, name)
    if value is None:
        if missing:
            problems.add(field_name, missing)
    elif not value.is_finite():
        problems.add(field_name, "Enter a number.")
    elif _number(value) is None:
        problems.add(field_name, "That number is too large for Xero.")
    elif _too_precise(value, places):
        problems.add(field_name, f"This can have at most {places} decimal places.")
    else:
        return value
    return None


def _check_numbers(index: int, line: DraftLine, problems: _Problems) -> None:
    quantity = _checked_number(
        index, line, "quantity", QUANTITY_PLACES, problems, missing="Enter a quantity."
    )
    if quantity is not None and not quantity:
        problems.add(line_field(index, "quantity"), "The quantity can't be 0.")
    _checked_number(
        index, line, "unit_price", UNIT_PRICE_PLACES, problems, missing="Enter a unit price."
    )
    discount = _checked_number(index, line, "discount_rate", DISCOUNT_PLACES, problems, missing="")
    if discount is not None and not ZERO <= discount <= HUNDRED:
        problems.add(line_field(index, "discount_rate"), "A discount is between 0 and 100%.")


def _check_item(
    index: int, line: DraftLine, reference_data: xero.ReferenceData, problems: _Problems
) -> xero.Item | None:
    code = line.item_code.strip()
    if not code:
        return None
    item = reference_data.item(code)
    if item is None:
        problems.add(line_field(index, "item_code"), f"Item {code} is not in Xero's item list.")
    elif not item.is_sold:
        problems.add(
            line_field(index, "item_code"),
            f"Item {item.code} is not sold in Xero, so it can't go on a sales invoice.",
        )
        return None
    return item


def _check_account(
    index: int, line: DraftLine, reference_data: xero.ReferenceData, problems: _Problems
) -> xero.LedgerAccount | None:
    name = line_field(index, "account_code")
    code = line.account_code.strip()
    if not code:
        problems.add(name, "Choose an account.")
        return None
    account = reference_data.account(code)
    if account is None:
        problems.add(name, f"Account {code} is not in Xero's chart of accounts.")
        return None
    if account.status == "ARCHIVED":
        problems.add(name, f"Account {account.code} is archived in Xero.")
    elif not account.is_active:
        problems.add(name, f"Account {account.code} has been deleted in Xero.")
    elif not account.is_revenue:
        problems.add(
            name, f"Account {account.label} is not a revenue account, so it can't take sales."
        )
    return account


def _check_tax_type(
    index: int,
    line: DraftLine,
    account: xero.LedgerAccount | None,
    reference_data: xero.ReferenceData,
    problems: _Problems,
) -> None:
    name = line_field(index, "tax_type")
    tax_type = line.tax_type.strip()
    if not tax_type:
        problems.add(name, "Choose a tax rate.")
        return
    rate = reference_data.tax_rate(tax_type)
    if rate is None:
        problems.add(name, f"Tax rate {tax_type} is not one of this organisation's tax rates.")
    elif not rate.is_active:
        problems.add(name, f"Tax rate {rate.label} is {rate.status.lower()} in Xero.")
    elif not rate.can_apply_to_revenue:
        where = f"account {account.label}" if account is not None else "a sales invoice"
        problems.add(name, f"Tax rate {rate.label} does not apply to revenue, so not to {where}.")


def _check_tracking(
    index: int, line: DraftLine, reference_data: xero.ReferenceData, problems: _Problems
) -> None:
    seen: set[str] = set()
    for category_id, option_id in line.tracking:
        if not option_id:
            continue
        name = tracking_field(index, category_id)
        category = reference_data.tracking_category(category_id)
        if category is None or not category.is_active:
            label = f"Tracking category {category.name}" if category else "That tracking category"
            problems.add(name, f"{label} is not active in Xero.")
            continue
        if category_id in seen:
            problems.add(name, f"A line takes one option of {category.name}.")
            continue
        seen.add(category_id)
        option = category.option(option_id)
        if option is None:
            problems.add(name, f"That option is not one of {category.name}'s options in Xero.")
        elif not option.is_active:
            problems.add(name, f"{option.name} is no longer an active option of {category.name}.")


def _check_line(
    index: int,
    line: DraftLine,
    header: DraftHeader,
    reference_data: xero.ReferenceData,
    problems: _Problems,
) -> None:
    item = _check_item(index, line, reference_data, problems)
    if not line.description.strip() and item is None:
        problems.add(line_field(index, "description"), "Enter a description or pick an item.")
    elif len(line.description) > DESCRIPTION_MAX:
        problems.add(
            line_field(index, "description"),
            f"A description can be at most {DESCRIPTION_MAX:,} characters.",
        )
    _check_numbers(index, line, problems)
    account = _check_account(index, line, reference_data, problems)
    if header.amount_type != NO_TAX:
        _check_tax_type(index, line, account, reference_data, problems)
    _check_tracking(index, line, reference_data, problems)


def validate(
    draft_lines: Sequence[DraftLine], header: DraftHeader, reference_data: xero.ReferenceData
) -> dict[str, str]:
    """What Xero would refuse, or finance would fix, before anything is sent: {field: message}.

    Fields are the header's attribute names, `line_field(i, name)` / `tracking_field(i, id)`
    for line i (its index in `draft_lines`), and `NON_FIELD` for the draft as a whole. Blank
    lines (unused rows) are skipped. Lines may be negative (a refund line, as Xero allows),
    but not the invoice's total: Xero approves no negative invoice (that is a credit note).
    """
    problems = _Problems()
    _check_header(header, reference_data, problems)
    used = [(i, line) for i, line in enumerate(draft_lines) if not line.is_blank]
    if not used:
        problems.add(NON_FIELD, "Add at least one line.")
    for index, line in used:
        _check_line(index, line, header, reference_data, problems)
    if used and not any(name.startswith(f"{LINE_PREFIX}-") for name in problems.found):
        preview = totals((line for _, line in used), header.amount_type, reference_data.tax_rates)
        if preview.total < 0:
            problems.add(
                NON_FIELD,
                "The total is negative: Xero takes that as a credit note, not an invoice.",
            )
    return problems.found
