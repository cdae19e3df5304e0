"""Plain values returned by the Xero seam: no SDK models leave linking.xero."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

# Inside a class with a field named `date`, that name is the field: its annotations say Date.
Date = date


@dataclass(frozen=True)
class TokenSet:
    access_token: str
    refresh_token: str
    expires_at: datetime
    scopes: list[str]
    id_token: str = ""


@dataclass(frozen=True)
class Tenant:
    """One of a token's connections (GET /connections)."""

    connection_id: str
    tenant_id: str
    tenant_name: str
    tenant_type: str = "ORGANISATION"
    auth_event_id: str = ""


@dataclass(frozen=True)
class Organisation:
    organisation_id: str
    name: str
    base_currency: str
    country_code: str
    short_code: str
    legal_name: str = ""
    timezone: str = ""  # Xero's Windows-style name, e.g. AUSEASTERNSTANDARDTIME


@dataclass(frozen=True)
class RateLimits:
    """The X-*Limit-Remaining headers of a response."""

    minute: int | None = None
    day: int | None = None
    app_minute: int | None = None


@dataclass(frozen=True)
class Phone:
    """One of a contact's phones, in Xero's parts: PhoneNumber, PhoneAreaCode, PhoneCountryCode."""

    type: str  # DEFAULT, DDI, MOBILE or FAX
    number: str  # PhoneNumber only: `display` is the whole number as people read it
    area_code: str = ""
    country_code: str = ""

    @property
    def display(self) -> str:
        """The whole number as people read it, e.g. "61 07 8905 9959"."""
        return " ".join(p for p in (self.country_code, self.area_code, self.number) if p)

    @property
    def is_empty(self) -> bool:
        return not (self.number or self.area_code or self.country_code)


@dataclass(frozen=True)
class Address:
    type: str  # STREET or POBOX
    # AddressLine1..4 in place: an empty line before a filled one stays, so that what Xero holds
    # can be sent back exactly as Xero gave it.
    lines: tuple[str, ...] = ()
    city: str = ""
    region: str = ""
    postal_code: str = ""
    country: str = ""
    attention_to: str = ""

    @property
    def is_empty(self) -> bool:
        return not any(
            (*self.lines, self.city, self.region, self.postal_code, self.country, self.attention_to)
        )


@dataclass(frozen=True)
class ContactPerson:
    """One of a contact's people (ContactPersons[]): Xero keeps up to 5."""

    first_name: str = ""
    last_name: str = ""
    email: str = ""
    include_in_emails: bool = False

    @property
    def name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p)


@dataclass(frozen=True)
class Contact:
    contact_id: str
    name: str
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    status: str = "ACTIVE"
    is_customer: bool = False
    is_supplier: bool = False
    phones: tuple[Phone, ...] = ()
    addresses: tuple[Address, ...] = ()
    updated_at: datetime | None = None
    persons: tuple[ContactPerson, ...] = ()  # ContactPersons (GET /Contacts/{id} only)
    # What a new sales invoice to the contact starts with (GET /Contacts/{id} only).
    defaults: ContactDefaults | None = None

    @property
    def is_archived(self) -> bool:
        return self.status == "ARCHIVED"


@dataclass(frozen=True)
class ContactDraft:
    """What to create or add to a Xero contact; empty fields are left out of the request."""

    name: str = ""
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    phones: tuple[Phone, ...] = ()
    addresses: tuple[Address, ...] = ()
    # Xero replaces the whole list of ContactPersons with the one sent: send all, or none.
    persons: tuple[ContactPerson, ...] = ()


@dataclass(frozen=True)
class TrackingChoice:
    """A line's option of one tracking category (LineItem.Tracking[])."""

    category_id: str = ""  # TrackingCategoryID
    option_id: str = ""  # TrackingOptionID
    category_name: str = ""  # Name
    option_name: str = ""  # Option


@dataclass(frozen=True)
class LineItem:
    description: str
    quantity: Decimal
    unit_amount: Decimal
    account_code: str = ""
    line_amount: Decimal | None = None
    item_code: str = ""  # ItemCode
    tax_type: str = ""  # TaxType
    tax_amount: Decimal | None = None  # TaxAmount
    discount_rate: Decimal | None = None  # DiscountRate, a percentage
    tracking: tuple[TrackingChoice, ...] = ()


@dataclass(frozen=True)
class Payment:
    """A payment applied to an invoice (Invoice.Payments[])."""

    payment_id: str
    date: Date | None = None
    amount: Decimal = Decimal("0")
    reference: str = ""


@dataclass(frozen=True)
class AppliedCredit:
    """A credit note, prepayment or overpayment allocated to an invoice (Invoice.CreditNotes[]
    and friends): its number, date and the amount applied."""

    kind: str  # "Credit note", "Prepayment" or "Overpayment"
    credit_id: str = ""
    number: str = ""
    date: Date | None = None
    amount: Decimal = Decimal("0")


@dataclass(frozen=True)
class Invoice:
    """A sales invoice (type ACCREC) or a bill (ACCPAY)."""

    invoice_id: str
    type: str
    status: str
    number: str = ""
    reference: str = ""
    contact_id: str = ""
    contact_name: str = ""
    date: Date | None = None
    due_date: Date | None = None
    currency: str = ""
    sub_total: Decimal = Decimal("0")
    total_tax: Decimal = Decimal("0")
    total: Decimal = Decimal("0")
    amount_due: Decimal = Decimal("0")
    amount_paid: Decimal = Decimal("0")
    updated_at: datetime | None = None
    line_items: tuple[LineItem, ...] = ()
    amount_credited: Decimal = Decimal("0")
    # Xero's CurrencyRate: units of `currency` per unit of the base currency (1 in the base).
    currency_rate: Decimal | None = None
    fully_paid_on: Date | None = None  # Xero's FullyPaidOnDate
    # Known only for one invoice read by id (GET /Invoices/{id}), not in summary lists:
    line_amount_types: str = ""  # Exclusive, Inclusive or NoTax
    branding_theme_id: str = ""
    payments: tuple[Payment, ...] = ()
    credits: tuple[AppliedCredit, ...] = ()
    has_attachments: bool = False

    @property
    def is_bill(self) -> bool:
        return self.type == "ACCPAY"


@dataclass(frozen=True)
class CreditNote:
    """A sales credit note (type ACCRECCREDIT) or a purchase one (ACCPAYCREDIT)."""

    credit_note_id: str
    type: str
    status: str
    number: str = ""
    reference: str = ""
    contact_id: str = ""
    contact_name: str = ""
    date: Date | None = None
    currency: str = ""
    currency_rate: Decimal | None = None
    sub_total: Decimal = Decimal("0")
    total_tax: Decimal = Decimal("0")
    total: Decimal = Decimal("0")
    remaining_credit: Decimal = Decimal("0")  # not yet allocated or refunded
    updated_at: datetime | None = None
    fully_paid_on: Date | None = None
    # Known only for one credit note read by id (GET /CreditNotes/{id}), not in lists:
    line_items: tuple[LineItem, ...] = ()
    line_amount_types: str = ""  # Exclusive, Inclusive or NoTax
    branding_theme_id: str = ""
    allocations: tuple[Allocation, ...] = ()  # to invoices
    payments: tuple[Payment, ...] = ()  # refunds paid out of it

    @property
    def is_sales(self) -> bool:
        return self.type == "ACCRECCREDIT"


@dataclass(frozen=True)
class InvoiceDraft:
    contact_id: str
    line_items: tuple[LineItem, ...]
    date: Date | None = None
    due_date: Date | None = None
    reference: str = ""
    currency: str = ""
    type: str = "ACCREC"
    line_amount_types: str = "Exclusive"  # Exclusive, Inclusive or NoTax
    branding_theme_id: str = ""
    status: str = "DRAFT"  # DRAFT, or SUBMITTED ("Submit for approval")


# ----------------------------------------------------------- reference data for invoice drafts
# Each type below is what one of Xero's settings endpoints says, by the field names of
# xero_accounting.yaml (named beside each field), so the JSON mappers are one line a field.

REVENUE_ACCOUNT_TYPES = frozenset({"REVENUE", "SALES", "OTHERINCOME"})


@dataclass(frozen=True)
class Item:
    """One of GET /Items, seen from the sales side (its `SalesDetails`)."""

    item_id: str  # ItemID
    code: str  # Code
    name: str = ""  # Name
    description: str = ""  # Description (the sales description)
    is_sold: bool = True  # IsSold (Xero's default is true)
    unit_price: Decimal | None = None  # SalesDetails.UnitPrice (4 dp with unitdp=4)
    account_code: str = ""  # SalesDetails.AccountCode
    tax_type: str = ""  # SalesDetails.TaxType

    @property
    def label(self) -> str:
        return f"{self.code} — {self.name}" if self.name else self.code


@dataclass(frozen=True)
class LedgerAccount:
    """One of GET /Accounts (the chart of accounts)."""

    account_id: str  # AccountID
    code: str  # Code
    name: str = ""  # Name
    type: str = ""  # Type: REVENUE, SALES, OTHERINCOME, EXPENSE, BANK, ...
    status: str = "ACTIVE"  # Status: ACTIVE, ARCHIVED or DELETED
    tax_type: str = ""  # TaxType: the account's default tax type
    class_: str = ""  # Class: ASSET, EQUITY, EXPENSE, LIABILITY or REVENUE

    @property
    def is_revenue(self) -> bool:
        return self.class_ == "REVENUE" or self.type in REVENUE_ACCOUNT_TYPES

    @property
    def is_active(self) -> bool:
        return self.status == "ACTIVE"

    @property
    def label(self) -> str:
        return f"{self.code} — {self.name}" if self.name else self.code


@dataclass(frozen=True)
class TaxRate:
    """One of GET /TaxRates."""

    name: str  # Name, e.g. "GST on Income"
    tax_type: str  # TaxType, e.g. OUTPUT
    status: str = "ACTIVE"  # Status: ACTIVE, DELETED, ARCHIVED or PENDING
    effective_rate: Decimal = Decimal("0")  # EffectiveRate, a percentage (10.0000 for 10%)
    can_apply_to_revenue: bool = False  # CanApplyToRevenue

    @property
    def is_active(self) -> bool:
        return self.status == "ACTIVE"

    @property
    def percent(self) -> str:
        """The rate as people write it: "10%", "12.5%", "0%"."""
        text = format(self.effective_rate.normalize(), "f") if self.effective_rate else "0"
        return f"{text}%"

    @property
    def label(self) -> str:
        return f"{self.name} ({self.percent})"


@dataclass(frozen=True)
class TrackingOption:
    tracking_option_id: str  # TrackingOptionID
    name: str  # Name
    status: str = "ACTIVE"  # Status: ACTIVE, ARCHIVED or DELETED

    @property
    def is_active(self) -> bool:
        return self.status == "ACTIVE"


@dataclass(frozen=True)
class TrackingCategory:
    """One of GET /TrackingCategories (Xero allows two active at once)."""

    tracking_category_id: str  # TrackingCategoryID
    name: str  # Name
    status: str = "ACTIVE"  # Status: ACTIVE, ARCHIVED or DELETED
    options: tuple[TrackingOption, ...] = ()  # Options

    @property
    def is_active(self) -> bool:
        return self.status == "ACTIVE"

    @property
    def active_options(self) -> tuple[TrackingOption, ...]:
        return tuple(option for option in self.options if option.is_active)

    def option(self, tracking_option_id: str) -> TrackingOption | None:
        return next((o for o in self.options if o.tracking_option_id == tracking_option_id), None)


@dataclass(frozen=True)
class BrandingTheme:
    """One of GET /BrandingThemes; the default theme has the lowest SortOrder (0)."""

    branding_theme_id: str  # BrandingThemeID
    name: str  # Name
    sort_order: int = 0  # SortOrder


@dataclass(frozen=True)
class Currency:
    """One of GET /Currencies: the currencies the organisation has enabled."""

    code: str  # Code, ISO 4217
    description: str = ""  # Description, e.g. "Australian Dollar"


PAYMENT_TERM_TYPES = (
    "DAYSAFTERBILLDATE",
    "DAYSAFTERBILLMONTH",
    "OFCURRENTMONTH",
    "OFFOLLOWINGMONTH",
)


def _ordinal(day: int) -> str:
    suffix = "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


@dataclass(frozen=True)
class PaymentTerm:
    """Payment terms (Xero's `Bill` schema, PaymentTerms.Sales): e.g. Day 20, OFFOLLOWINGMONTH.

    Types as Xero's invoice settings name them: DAYSAFTERBILLDATE "day(s) after the invoice
    date", DAYSAFTERBILLMONTH "day(s) after the end of the invoice month", OFCURRENTMONTH "of
    the current month", OFFOLLOWINGMONTH "of the following month".
    """

    day: int  # Day (0-31)
    type: str  # Type, one of PAYMENT_TERM_TYPES

    @property
    def label(self) -> str:
        plural = "" if self.day == 1 else "s"
        if self.type == "DAYSAFTERBILLDATE":
            return f"{self.day} day{plural} after the invoice date"
        if self.type == "DAYSAFTERBILLMONTH":
            return f"{self.day} day{plural} after the end of the invoice month"
        if self.type == "OFCURRENTMONTH":
            return f"{_ordinal(self.day)} of the current month"
        if self.type == "OFFOLLOWINGMONTH":
            return f"{_ordinal(self.day)} of the following month"
        return f"{self.day} {self.type}"


@dataclass(frozen=True)
class ContactDefaults:
    """What GET /Contacts/{ContactID} says a new sales invoice to the contact starts with.

    Xero returns these only when a contact is fetched by id (or with paging / summaryOnly).
    """

    sales_payment_term: PaymentTerm | None = None  # PaymentTerms.Sales
    default_currency: str = ""  # DefaultCurrency
    sales_default_line_amount_type: str = (
        ""  # SalesDefaultLineAmountType: INCLUSIVE, EXCLUSIVE, NONE
    )
    accounts_receivable_tax_type: str = ""  # AccountsReceivableTaxType
    sales_default_account_code: str = ""  # SalesDefaultAccountCode
    branding_theme_id: str = ""  # BrandingTheme.BrandingThemeID


@dataclass(frozen=True)
class ReferenceData:
    """Everything an invoice draft is checked against, for one organisation."""

    items: tuple[Item, ...] = ()
    accounts: tuple[LedgerAccount, ...] = ()
    tax_rates: tuple[TaxRate, ...] = ()
    tracking_categories: tuple[TrackingCategory, ...] = ()
    branding_themes: tuple[BrandingTheme, ...] = ()
    currencies: tuple[Currency, ...] = ()
    base_currency: str = ""  # Organisation.BaseCurrency
    payment_term: PaymentTerm | None = None  # Organisation.PaymentTerms.Sales

    def item(self, code: str) -> Item | None:
        """The item with this code (Xero's codes match whatever their case)."""
        wanted = code.strip().upper()
        return next((i for i in self.items if i.code.upper() == wanted), None)

    def account(self, code: str) -> LedgerAccount | None:
        wanted = code.strip().upper()
        return next((a for a in self.accounts if a.code.upper() == wanted), None)

    def tax_rate(self, tax_type: str) -> TaxRate | None:
        wanted = tax_type.strip().upper()
        return next((r for r in self.tax_rates if r.tax_type.upper() == wanted), None)

    def tracking_category(self, tracking_category_id: str) -> TrackingCategory | None:
        return next(
            (c for c in self.tracking_categories if c.tracking_category_id == tracking_category_id),
            None,
        )

    def branding_theme(self, branding_theme_id: str) -> BrandingTheme | None:
        return next(
            (t for t in self.branding_themes if t.branding_theme_id == branding_theme_id), None
        )

    @property
    def currency_codes(self) -> frozenset[str]:
        """The organisation's currencies, its base currency always among them."""
        codes = {c.code.upper() for c in self.currencies}
        if self.base_currency:
            codes.add(self.base_currency.upper())
        return frozenset(codes)

    @property
    def default_branding_theme(self) -> BrandingTheme | None:
        """Xero's default theme: the lowest SortOrder (0 in Xero), then the name."""
        if not self.branding_themes:
            return None
        return min(self.branding_themes, key=lambda t: (t.sort_order, t.name))


# ------------------------------------------------------------- one invoice or credit note in full


@dataclass(frozen=True)
class Allocation:
    """Part of a credit note allocated to an invoice (CreditNote.Allocations[])."""

    invoice_id: str = ""  # Invoice.InvoiceID
    invoice_number: str = ""  # Invoice.InvoiceNumber
    date: Date | None = None
    amount: Decimal = Decimal("0")
