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
    type: str  # DEFAULT, DDI, MOBILE or FAX
    number: str


@dataclass(frozen=True)
class Address:
    type: str  # STREET or POBOX
    lines: tuple[str, ...] = ()
    city: str = ""
    region: str = ""
    postal_code: str = ""
    country: str = ""

    @property
    def is_empty(self) -> bool:
        return not any((*self.lines, self.city, self.region, self.postal_code, self.country))


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


@dataclass(frozen=True)
class LineItem:
    description: str
    quantity: Decimal
    unit_amount: Decimal
    account_code: str = ""
    line_amount: Decimal | None = None


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
