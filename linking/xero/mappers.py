"""Xero's JSON answers mapped to the seam's dataclasses: exactly one function per type.

Every read and write asks the SDK for the raw answer (`_preload_content=False`) and maps it here,
so that a type has one reading, whichever call returned it. Amounts are exact Decimals (the JSON
is parsed with `parse_float=Decimal`), dates come as "/Date(1539993600000+0000)/" or ISO 8601.
https://developer.xero.com/documentation/api/accounting/requests-and-responses
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from linking.xero.types import (
    Address,
    Allocation,
    AppliedCredit,
    BrandingTheme,
    Contact,
    ContactDefaults,
    ContactPerson,
    CreditNote,
    Currency,
    Invoice,
    Item,
    LedgerAccount,
    LineItem,
    Organisation,
    Payment,
    PaymentTerm,
    Phone,
    TaxRate,
    Tenant,
    TrackingCategory,
    TrackingChoice,
    TrackingOption,
)

_MS_DATE = re.compile(r"/Date\((-?\d+)([+-]\d{4})?\)/")
Json = dict[str, Any]


def text(value: Any) -> str:
    return "" if value is None else str(value)


def decimal(value: Any) -> Decimal:
    return Decimal(str(value)) if value is not None else Decimal("0")


def maybe_decimal(value: Any) -> Decimal | None:
    return Decimal(str(value)) if value is not None else None


def timestamp(value: Any) -> datetime | None:
    """A Xero JSON date: "/Date(1539993600000+0000)/" (ms since the epoch, UTC) or ISO 8601."""
    if not value:
        return None
    if match := _MS_DATE.fullmatch(str(value)):
        return datetime.fromtimestamp(int(match.group(1)) / 1000, tz=UTC)
    parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def day(value: Any) -> date | None:
    parsed = timestamp(value)
    return parsed.astimezone(UTC).date() if parsed else None


def phone(data: Json) -> Phone | None:
    """A phone in Xero's parts, or None when all are empty (Xero lists every PhoneType)."""
    found = Phone(
        type=text(data.get("PhoneType")) or "DEFAULT",
        number=text(data.get("PhoneNumber")),
        area_code=text(data.get("PhoneAreaCode")),
        country_code=text(data.get("PhoneCountryCode")),
    )
    return None if found.is_empty else found


def address(data: Json) -> Address:
    """An address with its lines in place (AddressLine1..4, trailing empty ones left off)."""
    lines = [text(data.get(f"AddressLine{n}")) for n in (1, 2, 3, 4)]
    while lines and not lines[-1]:
        lines.pop()
    return Address(
        type=text(data.get("AddressType")) or "STREET",
        lines=tuple(lines),
        city=text(data.get("City")),
        region=text(data.get("Region")),
        postal_code=text(data.get("PostalCode")),
        country=text(data.get("Country")),
        attention_to=text(data.get("AttentionTo")),
    )


def contact_person(data: Json) -> ContactPerson:
    return ContactPerson(
        first_name=text(data.get("FirstName")),
        last_name=text(data.get("LastName")),
        email=text(data.get("EmailAddress")),
        include_in_emails=bool(data.get("IncludeInEmails")),
    )


def contact(data: Json) -> Contact:
    phones = [phone(p) for p in data.get("Phones") or []]
    addresses = [address(a) for a in data.get("Addresses") or []]
    return Contact(
        contact_id=text(data.get("ContactID")),
        name=text(data.get("Name")),
        first_name=text(data.get("FirstName")),
        last_name=text(data.get("LastName")),
        email=text(data.get("EmailAddress")),
        status=text(data.get("ContactStatus")) or "ACTIVE",
        is_customer=bool(data.get("IsCustomer")),
        is_supplier=bool(data.get("IsSupplier")),
        phones=tuple(p for p in phones if p),
        addresses=tuple(a for a in addresses if not a.is_empty),
        updated_at=timestamp(data.get("UpdatedDateUTC")),
        persons=tuple(contact_person(p) for p in data.get("ContactPersons") or []),
        defaults=contact_defaults(data),
    )


def line_item(data: Json) -> LineItem:
    return LineItem(
        description=text(data.get("Description")),
        quantity=decimal(data.get("Quantity")),
        unit_amount=decimal(data.get("UnitAmount")),
        account_code=text(data.get("AccountCode")),
        line_amount=maybe_decimal(data.get("LineAmount")),
        item_code=text(data.get("ItemCode")),
        tax_type=text(data.get("TaxType")),
        tax_amount=maybe_decimal(data.get("TaxAmount")),
        discount_rate=maybe_decimal(data.get("DiscountRate")),
        tracking=tuple(tracking_choice(t) for t in data.get("Tracking") or []),
    )


def _document(data: Json) -> dict[str, Any]:
    """What invoices, bills and credit notes have alike: party, dates, currency, amounts."""
    party = data.get("Contact") or {}
    return {
        "type": text(data.get("Type")),
        "status": text(data.get("Status")),
        "reference": text(data.get("Reference")),
        "contact_id": text(party.get("ContactID")),
        "contact_name": text(party.get("Name")),
        "date": day(data.get("Date")),
        "currency": text(data.get("CurrencyCode")),
        "currency_rate": maybe_decimal(data.get("CurrencyRate") or None),  # 0: none given
        "sub_total": decimal(data.get("SubTotal")),
        "total_tax": decimal(data.get("TotalTax")),
        "total": decimal(data.get("Total")),
        "updated_at": timestamp(data.get("UpdatedDateUTC")),
        "fully_paid_on": day(data.get("FullyPaidOnDate")),
    }


def invoice(data: Json) -> Invoice:
    """A sales invoice or a bill (GET/PUT /Invoices)."""
    return Invoice(
        invoice_id=text(data.get("InvoiceID")),
        number=text(data.get("InvoiceNumber")),
        due_date=day(data.get("DueDate")),
        amount_due=decimal(data.get("AmountDue")),
        amount_paid=decimal(data.get("AmountPaid")),
        amount_credited=decimal(data.get("AmountCredited")),
        line_items=tuple(line_item(item) for item in data.get("LineItems") or []),
        **_in_full(data),
        payments=tuple(payment(p) for p in data.get("Payments") or []),
        credits=applied_credits(data),
        has_attachments=bool(data.get("HasAttachments")),
        **_document(data),
    )


def credit_note(data: Json) -> CreditNote:
    """A sales or purchase credit note (GET /CreditNotes)."""
    return CreditNote(
        credit_note_id=text(data.get("CreditNoteID")),
        number=text(data.get("CreditNoteNumber")),
        remaining_credit=decimal(data.get("RemainingCredit")),
        line_items=tuple(line_item(item) for item in data.get("LineItems") or []),
        **_in_full(data),
        allocations=tuple(allocation(a) for a in data.get("Allocations") or []),
        payments=tuple(payment(p) for p in data.get("Payments") or []),
        **_document(data),
    )


def _texts(data: Json, **keys: str) -> dict[str, str]:
    """Text fields by the JSON key each is read from."""
    return {name: text(data.get(key)) for name, key in keys.items()}


def organisation(data: Json) -> Organisation:
    """The connected organisation (GET /Organisation), with Xero's timezone name."""
    return Organisation(
        **_texts(
            data,
            organisation_id="OrganisationID",
            name="Name",
            legal_name="LegalName",
            base_currency="BaseCurrency",
            country_code="CountryCode",
            short_code="ShortCode",
            timezone="Timezone",
        )
    )


# GET /connections' keys, in the order of Tenant's fields (connection_id, tenant_id, ...).
_TENANT_KEYS = ("id", "tenantId", "tenantName", "tenantType", "authEventId")


def tenant(data: Json) -> Tenant:
    """One of a token's connections (Identity API, GET /connections: camelCase keys)."""
    return Tenant(*(text(data.get(key)) for key in _TENANT_KEYS))


# ------------------------------------------------------------- one invoice or credit note in full
# What GET /Invoices/{id} and GET /CreditNotes/{id} answer beyond a list's summary.


def _in_full(data: Json) -> dict[str, Any]:
    """How an invoice's or credit note's lines are to be read, and its branding theme."""
    return {
        "line_amount_types": text(data.get("LineAmountTypes")),
        "branding_theme_id": text(data.get("BrandingThemeID")),
    }


def tracking_choice(data: Json) -> TrackingChoice:
    """A line's option of a tracking category (LineItem.Tracking[])."""
    return TrackingChoice(
        **_texts(
            data,
            category_id="TrackingCategoryID",
            option_id="TrackingOptionID",
            category_name="Name",
            option_name="Option",
        )
    )


def payment(data: Json) -> Payment:
    """A payment applied to an invoice, or a refund out of a credit note (Payments[])."""
    return Payment(
        payment_id=text(data.get("PaymentID")),
        date=day(data.get("Date")),
        amount=decimal(data.get("Amount")),
        reference=text(data.get("Reference")),
    )


# The credits an invoice lists, by the key they come under: (kind, id key, number key).
_CREDITS = (
    ("CreditNotes", "Credit note", "CreditNoteID", "CreditNoteNumber"),
    ("Prepayments", "Prepayment", "PrepaymentID", "Reference"),
    ("Overpayments", "Overpayment", "OverpaymentID", "Reference"),
)


def applied_credits(data: Json) -> tuple[AppliedCredit, ...]:
    """The credit notes, prepayments and overpayments applied to an invoice: what each applied
    (AppliedAmount; the credit's Total when Xero leaves that out)."""
    return tuple(
        AppliedCredit(
            kind=kind,
            credit_id=text(credit.get(id_key)),
            number=text(credit.get(number_key)),
            date=day(credit.get("Date")),
            amount=decimal(credit.get("AppliedAmount", credit.get("Total"))),
        )
        for collection, kind, id_key, number_key in _CREDITS
        for credit in data.get(collection) or []
    )


def allocation(data: Json) -> Allocation:
    """Part of a credit note allocated to an invoice (CreditNote.Allocations[])."""
    target = data.get("Invoice") or {}
    return Allocation(
        invoice_id=text(target.get("InvoiceID")),
        invoice_number=text(target.get("InvoiceNumber")),
        date=day(data.get("Date")),
        amount=decimal(data.get("Amount")),
    )


def online_invoice_url(data: Json) -> str:
    """The link of GET /Invoices/{id}/OnlineInvoice (OnlineInvoices[].OnlineInvoiceUrl)."""
    return text(data.get("OnlineInvoiceUrl"))


# ------------------------------------------------ issue 13: reference data for invoice drafts
# GET /Items, /Accounts, /TaxRates, /TrackingCategories, /BrandingThemes, /Currencies, the
# organisation's PaymentTerms and a contact's sales defaults, as xero_accounting.yaml names them.
# https://developer.xero.com/documentation/api/accounting/items (and accounts, taxrates, ...)


def item(data: Json) -> Item:
    """An item, seen from the sales side (SalesDetails); an item not sold has none."""
    sales = data.get("SalesDetails") or {}
    return Item(
        item_id=text(data.get("ItemID")),
        code=text(data.get("Code")),
        name=text(data.get("Name")),
        description=text(data.get("Description")),
        is_sold=data.get("IsSold") is not False,  # Xero's default is true
        unit_price=maybe_decimal(sales.get("UnitPrice")),
        account_code=text(sales.get("AccountCode")),
        tax_type=text(sales.get("TaxType")),
    )


def account(data: Json) -> LedgerAccount:
    """An account of the chart of accounts."""
    return LedgerAccount(
        account_id=text(data.get("AccountID")),
        code=text(data.get("Code")),
        name=text(data.get("Name")),
        type=text(data.get("Type")),
        status=text(data.get("Status")) or "ACTIVE",
        tax_type=text(data.get("TaxType")),
        class_=text(data.get("Class")),
    )


def tax_rate(data: Json) -> TaxRate:
    """A tax rate; EffectiveRate is a percentage (10.0 for 10%)."""
    return TaxRate(
        name=text(data.get("Name")),
        tax_type=text(data.get("TaxType")),
        status=text(data.get("Status")) or "ACTIVE",
        effective_rate=decimal(data.get("EffectiveRate")),
        can_apply_to_revenue=bool(data.get("CanApplyToRevenue")),
    )


def tracking_option(data: Json) -> TrackingOption:
    return TrackingOption(
        tracking_option_id=text(data.get("TrackingOptionID")),
        name=text(data.get("Name")),
        status=text(data.get("Status")) or "ACTIVE",
    )


def tracking_category(data: Json) -> TrackingCategory:
    """A tracking category with all its options (archived ones too, when Xero lists them)."""
    return TrackingCategory(
        tracking_category_id=text(data.get("TrackingCategoryID")),
        name=text(data.get("Name")),
        status=text(data.get("Status")) or "ACTIVE",
        options=tuple(tracking_option(o) for o in data.get("Options") or []),
    )


def branding_theme(data: Json) -> BrandingTheme:
    return BrandingTheme(
        branding_theme_id=text(data.get("BrandingThemeID")),
        name=text(data.get("Name")),
        sort_order=int(data.get("SortOrder") or 0),
    )


def currency(data: Json) -> Currency:
    return Currency(code=text(data.get("Code")), description=text(data.get("Description")))


def payment_term(data: Json | None) -> PaymentTerm | None:
    """One side of PaymentTerms ({"Day": 20, "Type": "OFFOLLOWINGMONTH"}), or None when unset."""
    if not data or not data.get("Type"):
        return None
    return PaymentTerm(day=int(data.get("Day") or 0), type=text(data.get("Type")))


def sales_payment_term(data: Json) -> PaymentTerm | None:
    """An organisation's or contact's PaymentTerms.Sales."""
    return payment_term((data.get("PaymentTerms") or {}).get("Sales"))


_DEFAULT_KEYS = (
    "PaymentTerms",
    "DefaultCurrency",
    "SalesDefaultLineAmountType",
    "AccountsReceivableTaxType",
    "SalesDefaultAccountCode",
    "BrandingTheme",
)


def contact_defaults(data: Json) -> ContactDefaults | None:
    """What a new sales invoice to the contact starts with; None when Xero said none of it
    (lists without paging leave these fields out)."""
    if not any(data.get(key) for key in _DEFAULT_KEYS):
        return None
    return ContactDefaults(
        sales_payment_term=sales_payment_term(data),
        default_currency=text(data.get("DefaultCurrency")),
        sales_default_line_amount_type=text(data.get("SalesDefaultLineAmountType")),
        accounts_receivable_tax_type=text(data.get("AccountsReceivableTaxType")),
        sales_default_account_code=text(data.get("SalesDefaultAccountCode")),
        branding_theme_id=text((data.get("BrandingTheme") or {}).get("BrandingThemeID")),
    )
