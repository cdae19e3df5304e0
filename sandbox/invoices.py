"""Invoices and bills: validation, totals, saving and serialisation in Xero's shape.

https://developer.xero.com/documentation/api/accounting/invoices
Lines are checked against the organisation's accounts, tax rates, items and tracking
categories (sandbox.reference) and priced with Xero's rules: line amounts rounded to cents, tax
per line at the line's tax rate, inclusive amounts split, discounts applied first. Amounts are
Decimals rounded half up to cents.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Model
from django.db.models.functions import Length
from django.utils import timezone

from sandbox import contacts, reference, wire
from sandbox.models import Contact, Invoice, Organisation
from sandbox.where import Field

TYPES = ("ACCREC", "ACCPAY")
STATUSES = ("DRAFT", "SUBMITTED", "AUTHORISED", "PAID", "VOIDED", "DELETED")
CREATE_STATUSES = ("DRAFT", "SUBMITTED", "AUTHORISED")
# https://developer.xero.com/documentation/api/accounting/types#invoice-status-codes
TRANSITIONS = {
    "DRAFT": {"DRAFT", "SUBMITTED", "AUTHORISED", "DELETED"},
    "SUBMITTED": {"SUBMITTED", "DRAFT", "AUTHORISED", "DELETED"},
    "AUTHORISED": {"AUTHORISED", "VOIDED"},
    "PAID": set(),
    "VOIDED": set(),
    "DELETED": set(),
}
LINE_AMOUNT_TYPES = {"exclusive": "Exclusive", "inclusive": "Inclusive", "notax": "NoTax"}
# Units of the foreign currency per unit of the base currency, as Xero's CurrencyRate.
RATES = {
    "AUD": {"NZD": "1.090000", "USD": "0.650000", "EUR": "0.600000", "GBP": "0.510000"},
    "NZD": {"AUD": "0.920000", "USD": "0.590000", "EUR": "0.550000", "GBP": "0.470000"},
}
CENT = Decimal("0.01")
QUANTITY = Decimal("0.0001")
# Beyond this a total would not fit Xero's (and the sandbox's) amount columns.
AMOUNT_LIMIT = Decimal("1000000000000")
TOO_LARGE = "Line item amounts must be less than 1,000,000,000,000."
ZERO = Decimal("0.00")
NIL_GUID = "00000000-0000-0000-0000-000000000000"

FIELDS = {
    "Type": Field("string", "type"),
    "InvoiceID": Field("guid", "invoice_id"),
    "InvoiceNumber": Field("string", "number"),
    "Reference": Field("string", "reference"),
    "Status": Field("string", "status"),
    "Date": Field("date", "date"),
    "DueDate": Field("date", "due_date"),
    "ExpectedPaymentDate": Field("date", "expected_payment_date"),
    "PlannedPaymentDate": Field("date", "planned_payment_date"),
    "FullyPaidOnDate": Field("date", "fully_paid_on_date"),
    "UpdatedDateUTC": Field("datetime", "updated"),
    "CurrencyCode": Field("string", "currency"),
    "CurrencyRate": Field("number", "currency_rate"),
    "LineAmountTypes": Field("string", "line_amount_types"),
    "SubTotal": Field("number", "sub_total"),
    "TotalTax": Field("number", "total_tax"),
    "Total": Field("number", "total"),
    "AmountDue": Field("number", "amount_due"),
    "AmountPaid": Field("number", "amount_paid"),
    "AmountCredited": Field("number", "amount_credited"),
    "SentToContact": Field("bool", "sent_to_contact"),
    "Contact.ContactID": Field("guid", "contact__contact_id"),
    "Contact.Name": Field("string", "contact__name"),
    "Contact.ContactNumber": Field("string", "contact__contact_number"),
}


@dataclass
class Outcome:
    """One submitted invoice after validation: the unsaved row, or the error messages."""

    submitted: Mapping[str, Any]
    invoice: Invoice | None = None
    errors: list[str] = field(default_factory=list)
    created: bool = False


def round_cents(value: Decimal) -> Decimal:
    """Half-up rounding to cents."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


# ------------------------------------------------------------------------------- serialising


def serialize(
    invoice: Invoice,
    contact: Mapping[str, Any],
    *,
    lines: bool = True,
    summary: bool = False,
    unit_places: int = 2,
    credit_notes: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The invoice as Xero returns it; `lines=False` leaves out LineItems (unpaged lists);
    `credit_notes` are the credit notes allocated to it (sandbox.creditnotes.applied)."""
    doc = invoice.document
    data: dict[str, Any] = {
        "Type": invoice.type,
        "InvoiceID": str(invoice.invoice_id),
        "InvoiceNumber": invoice.number,
        "Reference": invoice.reference,
    }
    if not summary:
        data["Payments"] = [payment_item(p) for p in doc.get("Payments", [])]
        data["CreditNotes"] = credit_notes or []
        data["Prepayments"] = []
        data["Overpayments"] = []
    data.update(
        AmountDue=wire.money(invoice.amount_due),
        AmountPaid=wire.money(invoice.amount_paid),
        AmountCredited=wire.money(invoice.amount_credited),
        SentToContact=invoice.sent_to_contact,
        CurrencyRate=wire.number(invoice.currency_rate, 6),
        IsDiscounted=any(line.get("DiscountRate") for line in doc.get("LineItems", [])),
        HasAttachments=False,
        HasErrors=False,
        Contact=contact,
        DateString=wire.date_string(invoice.date),
        Date=wire.ms_date(invoice.date),
    )
    if invoice.due_date:
        data["DueDateString"] = wire.date_string(invoice.due_date)
        data["DueDate"] = wire.ms_date(invoice.due_date)
    for name, column in (
        ("ExpectedPaymentDate", "expected_payment_date"),
        ("PlannedPaymentDate", "planned_payment_date"),
    ):
        if getattr(invoice, column):
            data[name] = wire.ms_date(getattr(invoice, column))
    data["Status"] = invoice.status
    data["LineAmountTypes"] = invoice.line_amount_types
    if lines and not summary:
        data["LineItems"] = [line_item(line, unit_places) for line in doc.get("LineItems", [])]
    if doc.get("BrandingThemeID"):
        data["BrandingThemeID"] = doc["BrandingThemeID"]
    data.update(
        SubTotal=wire.money(invoice.sub_total),
        TotalTax=wire.money(invoice.total_tax),
        Total=wire.money(invoice.total),
        UpdatedDateUTC=wire.ms_datetime(invoice.updated),
        CurrencyCode=invoice.currency,
    )
    if invoice.fully_paid_on_date:
        data["FullyPaidOnDate"] = wire.ms_date(invoice.fully_paid_on_date)
    if doc.get("Url"):
        data["Url"] = doc["Url"]
    return data


def payment_item(payment: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "PaymentID": payment["PaymentID"],
        "Date": wire.ms_date(date.fromisoformat(payment["Date"])),
        "Amount": wire.money(payment["Amount"]),
        "CurrencyRate": wire.number(payment.get("CurrencyRate", "1"), 6),
        "HasAccount": False,
        "HasValidationErrors": False,
    }


def line_item(line: Mapping[str, Any], unit_places: int) -> dict[str, Any]:
    data: dict[str, Any] = {"Description": line.get("Description", "")}
    if line.get("ItemCode"):
        data["ItemCode"] = line["ItemCode"]
    if line.get("Item"):
        data["Item"] = line["Item"]
    data.update(
        UnitAmount=wire.number(line["UnitAmount"], unit_places),
        TaxType=line["TaxType"],
        TaxAmount=wire.money(line["TaxAmount"]),
        LineAmount=wire.money(line["LineAmount"]),
    )
    if line.get("AccountCode"):
        data["AccountCode"] = line["AccountCode"]
    data["Tracking"] = line.get("Tracking", [])
    data["Quantity"] = wire.number(line["Quantity"], 4)
    if line.get("DiscountRate"):
        data["DiscountRate"] = wire.money(line["DiscountRate"])
    data["LineItemID"] = line["LineItemID"]
    data["ValidationErrors"] = []
    return data


# ---------------------------------------------------------------------------- the arithmetic


def default_tax_type(organisation: Organisation, invoice_type: str, line_amount_types: str) -> str:
    """The tax type a line gets when neither it, its item nor its account names one."""
    if line_amount_types == "NoTax":
        return reference.NO_TAX
    if invoice_type.startswith("ACCREC"):
        return organisation.sales_tax_type
    return organisation.purchases_tax_type


def price_line(
    catalogue: reference.Catalogue,
    raw: Mapping[str, Any],
    invoice_type: str,
    line_amount_types: str,
    unit_places: int,
    errors: list[str],
    contact: Contact | None = None,
) -> dict[str, Any] | None:
    """A stored line item (amounts as strings) from a submitted one, or None on errors.

    Xero's rules: an ItemCode fills what the line leaves out (description, unit price,
    account, tax type) from the item's sales (or purchase) details; a missing TaxType comes
    from the item, else the account, else the contact's default, else the organisation's.
    Quantity has 4 decimal places, UnitAmount `unit_places`, DiscountRate 2; LineAmount is
    Quantity x UnitAmount less the discount, rounded to cents; tax is worked out per line and
    rounded to cents (extracted from the amount when amounts are tax inclusive)."""
    if not isinstance(raw, Mapping):
        errors.append("A line item must be a JSON object.")
        return None
    try:
        given_amount = _decimal_or_none(raw.get("LineAmount"))
        quantity = _decimal_or_none(raw.get("Quantity"))
        unit = _decimal_or_none(raw.get("UnitAmount"))
        discount = _decimal_or_none(raw.get("DiscountRate")) or Decimal("0")
        given_tax = _decimal_or_none(raw.get("TaxAmount"))
    except ValueError as exc:
        errors.append(f"Line item amounts must be numbers ({exc}).")
        return None
    given = (given_amount, quantity, unit, discount, given_tax)
    if any(value is not None and abs(value) >= AMOUNT_LIMIT for value in given):
        errors.append(TOO_LARGE)
        return None
    sales = invoice_type.startswith("ACCREC")
    item_code = str(raw.get("ItemCode") or "").strip()
    item = catalogue.items.get(item_code.upper()) if item_code else None
    if item_code and item is None:
        errors.append(f"Item code '{item_code}' is not valid.")
    if item is not None and not (item.is_sold if sales else item.is_purchased):
        side = "sold" if sales else "purchased"
        errors.append(f"Item code '{item_code}' is not {side}: it cannot be used on this document.")
        item = None
    if item is not None:
        item_price = item.sales_unit_price if sales else item.purchase_unit_price
        item_account = item.sales_account if sales else item.purchase_account
        item_tax = item.sales_tax_type if sales else item.purchase_tax_type
        item_text = item.description if sales else item.purchase_description
    else:
        item_price, item_account, item_tax, item_text = None, "", "", ""
    description = wire.clean_text(str(raw.get("Description") or "")).strip() or item_text
    if unit is None and given_amount is None and item_price is not None:
        unit = item_price
    if not description and unit is None and given_amount is None:
        errors.append("Description needs to be at least 1 char long")
        return None
    quantity = (Decimal("1") if quantity is None else quantity).quantize(
        QUANTITY, rounding=ROUND_HALF_UP
    )
    if unit is None:
        unit = given_amount / quantity if given_amount is not None and quantity else Decimal("0")
    unit = unit.quantize(Decimal(1).scaleb(-unit_places), rounding=ROUND_HALF_UP)
    discount = round_cents(discount)
    if not 0 <= discount <= 100:
        errors.append("The DiscountRate must be between 0 and 100.")
    amount = line_amount(quantity, unit, discount)
    if abs(amount) >= AMOUNT_LIMIT:
        errors.append(TOO_LARGE)
        return None
    if given_amount is not None and round_cents(given_amount) != amount:
        errors.append(
            f"The line total {round_cents(given_amount)} does not match the expected "
            f"line total {amount}"
        )
    account = str(raw.get("AccountCode") or "").strip() or item_account
    if account:
        errors.extend(reference.account_errors(catalogue, account))
        known = catalogue.accounts.get(account.upper())
        account = known.code if known is not None else account
    known_account = catalogue.accounts.get(account.upper()) if account else None
    tax_type = (
        str(raw.get("TaxType") or "").strip().upper()
        or item_tax
        or (known_account.tax_type if known_account is not None else "")
        or (_contact_tax_type(contact, sales) if contact is not None else "")
        or default_tax_type(catalogue.organisation, invoice_type, line_amount_types)
    )
    if line_amount_types == "NoTax":
        tax_type = reference.NO_TAX
    errors.extend(reference.tax_type_errors(catalogue, tax_type, invoice_type, account))
    tracking = reference.tracking(catalogue, raw.get("Tracking"), errors)
    rate = catalogue.rate(tax_type)
    if given_tax is not None:
        tax = round_cents(given_tax)
    else:
        tax = line_tax(amount, rate, line_amount_types)
    line = {
        "LineItemID": str(raw.get("LineItemID") or uuid.uuid4()),
        "Description": description,
        "Quantity": str(quantity),
        "UnitAmount": str(unit),
        "AccountCode": account,
        "TaxType": tax_type,
        "TaxAmount": str(tax),
        "LineAmount": str(amount),
        "Tracking": tracking,
    }
    if item is not None:
        line["ItemCode"] = item.code
        line["Item"] = {"ItemID": str(item.item_id), "Name": item.name, "Code": item.code}
    elif item_code:
        line["ItemCode"] = item_code
    if discount:
        line["DiscountRate"] = str(discount)
    return line


def line_amount(quantity: Decimal, unit: Decimal, discount: Decimal) -> Decimal:
    """Quantity x UnitAmount less DiscountRate percent, rounded half up to cents."""
    return round_cents(quantity * unit * (100 - discount) / 100)


def line_tax(amount: Decimal, rate: Decimal, line_amount_types: str) -> Decimal:
    """A line's tax at `rate` (0.1 for 10%): on top of exclusive amounts, extracted from
    inclusive ones (amount x rate / (1 + rate)), none for NoTax; rounded half up to cents."""
    if line_amount_types == "NoTax":
        return ZERO
    if line_amount_types == "Inclusive":
        return round_cents(amount * rate / (1 + rate))
    return round_cents(amount * rate)


def _contact_tax_type(contact: Contact, sales: bool) -> str:
    name = "AccountsReceivableTaxType" if sales else "AccountsPayableTaxType"
    return str((contact.document or {}).get(name) or "")


def _decimal_or_none(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    return wire.parse_decimal(value)


def apply_totals(invoice: Invoice, lines: list[dict[str, Any]]) -> None:
    """SubTotal, TotalTax, Total and AmountDue from the lines (SubTotal + TotalTax = Total)."""
    line_totals(invoice, lines)
    settle(invoice)


def line_totals(invoice: Invoice | Any, lines: list[dict[str, Any]]) -> None:
    """SubTotal, TotalTax and Total of an invoice or credit note from its lines."""
    amounts = sum((Decimal(line["LineAmount"]) for line in lines), ZERO)
    tax = sum((Decimal(line["TaxAmount"]) for line in lines), ZERO)
    if invoice.line_amount_types == "Inclusive":
        invoice.sub_total, invoice.total = amounts - tax, amounts
    else:
        invoice.sub_total, invoice.total = amounts, amounts + tax
    invoice.total_tax = tax


def settle(invoice: Invoice) -> None:
    """AmountDue: Total less payments and credits; nothing is due on a voided or deleted one."""
    if invoice.status in ("VOIDED", "DELETED"):
        invoice.amount_due = ZERO
    else:
        invoice.amount_due = invoice.total - invoice.amount_paid - invoice.amount_credited


def add_payment(invoice: Invoice, amount: Decimal, day: date, payment_id: uuid.UUID) -> None:
    """Record a payment on an invoice; paid in full, it becomes PAID on that day."""
    invoice.document = dict(invoice.document)
    record = payment_record(payment_id, day, amount, invoice.currency_rate)
    invoice.document["Payments"] = [*invoice.document.get("Payments", []), record]
    invoice.amount_paid += amount
    settle_in_full(invoice, day)


def payment_record(
    payment_id: uuid.UUID, day: date, amount: Decimal, rate: Decimal
) -> dict[str, str]:
    """A payment (or a credit note's refund) as the document JSON keeps it."""
    return {
        "PaymentID": str(payment_id),
        "Date": day.isoformat(),
        "Amount": str(amount),
        "CurrencyRate": str(rate),
    }


def settle_in_full(invoice: Invoice, day: date) -> None:
    """AmountDue again; an AUTHORISED invoice with nothing left due becomes PAID on `day`."""
    settle(invoice)
    if invoice.status == "AUTHORISED" and invoice.amount_due <= 0 and invoice.total > 0:
        invoice.status = "PAID"
        invoice.fully_paid_on_date = day


RATES_OF = {base: {base, *rates} for base, rates in RATES.items()}


def currency_rate(organisation: Organisation, currency: str) -> Decimal:
    """The sandbox's fixed rate of `currency` against the base currency."""
    if currency == organisation.base_currency:
        return Decimal("1")
    return Decimal(RATES[organisation.base_currency][currency])


def next_number(
    organisation: Organisation,
    model: type[Model] = Invoice,
    kind: str = "ACCREC",
    prefix: str = "INV-",
) -> str:
    """The next automatic sales number (INV-nnnn, or CN-nnnn for credit notes) after the
    highest one."""
    last = (
        model.objects.filter(
            organisation=organisation, type=kind, number__regex=rf"^{prefix}[0-9]+$"
        )
        .annotate(width=Length("number"))
        .order_by("-width", "-number")
        .values_list("number", flat=True)
        .first()
    )
    following = int(last[len(prefix) :]) + 1 if last else 1
    return f"{prefix}{following:04d}"


def search_text(invoice: Invoice) -> str:
    """The lowercased text that searchTerm matches: InvoiceNumber and Reference."""
    return "\n".join(p.lower() for p in (invoice.number, invoice.reference) if p)


# -------------------------------------------------------------------------------- validating


class Builder:
    """Applies one submitted invoice to a new or existing row, collecting Xero's errors.

    Credit notes (sandbox.creditnotes) use it too, through the class attributes and the
    `new_row`, `settle_row` and `allocated` hooks; `self.invoice` is then the credit note."""

    noun = "Invoice"
    model: type[Model] = Invoice
    id_field, id_column = "InvoiceID", "invoice_id"
    not_an_object = "An invoice must be a JSON object."
    types = TYPES
    transitions = TRANSITIONS
    numbered_type, number_prefix, number_field = "ACCREC", "INV-", "InvoiceNumber"
    due_days: int | None = 30
    date_fields = (
        ("Date", "date"),
        ("DueDate", "due_date"),
        ("ExpectedPaymentDate", "expected_payment_date"),
        ("PlannedPaymentDate", "planned_payment_date"),
    )

    def __init__(
        self,
        organisation: Organisation,
        data: Mapping[str, Any],
        existing: Any,
        catalogue: reference.Catalogue | None = None,
    ) -> None:
        self.organisation = organisation
        self.catalogue = catalogue or reference.Catalogue.load(organisation)
        self.data = data
        self.existing = existing
        self.errors: list[str] = []
        self.invoice = existing or self.new_row()
        self.invoice.document = dict(self.invoice.document)

    def new_row(self) -> Any:
        """A new row with the defaults of a created document."""
        return Invoice(
            organisation=self.organisation,
            invoice_id=uuid.uuid4(),
            status="DRAFT",
            line_amount_types="Exclusive",
            currency=self.organisation.base_currency,
            currency_rate=Decimal("1"),
            amount_paid=ZERO,
            amount_credited=ZERO,
            date=timezone.now().date(),
            document={},
        )

    def settle_row(self) -> None:
        """What is left to pay (or, on a credit note, to allocate) after the totals changed."""
        settle(self.invoice)

    def allocated(self) -> Decimal:
        """Payments and credits against the row (a document with one cannot be voided)."""
        return self.invoice.amount_paid + self.invoice.amount_credited

    def has(self, name: str) -> bool:
        return name in self.data and self.data[name] is not None

    def build(self, unit_places: int, numbers_taken: set[str]) -> Outcome:
        self.type_and_status()
        self.contact()
        self.dates()
        self.currency()
        self.branding_theme()
        self.texts(numbers_taken)
        if not self.errors:
            self.lines(unit_places)
        self.invoice.updated = timezone.now()
        self.invoice.search_text = search_text(self.invoice)
        return Outcome(self.data, self.invoice, self.errors, created=self.existing is None)

    def type_and_status(self) -> None:
        invoice = self.invoice
        if self.existing is None:
            kind = str(self.data.get("Type") or "").upper()
            if not kind:
                self.errors.append(f"{self.noun} Type must be specified")
            elif kind not in self.types:
                self.errors.append(f"{self.noun} Type {kind} is not supported")
            invoice.type = kind
        status = str(self.data.get("Status") or invoice.status).upper()
        if self.existing is None and status not in CREATE_STATUSES:
            self.errors.append(f"{self.noun} not of valid status for creation")
        elif self.existing is not None and status not in self.transitions[self.existing.status]:
            self.errors.append(f"{self.noun} not of valid status for modification")
        elif self.existing is not None and status == "VOIDED" and self.allocated():
            self.errors.append(
                "This document cannot be voided as it has a payment allocated to it."
            )
        invoice.status = status
        if self.has("LineAmountTypes"):
            key = str(self.data["LineAmountTypes"]).lower()
            if key not in LINE_AMOUNT_TYPES:
                self.errors.append("LineAmountTypes must be Exclusive, Inclusive or NoTax.")
            else:
                invoice.line_amount_types = LINE_AMOUNT_TYPES[key]

    def contact(self) -> None:
        given = self.data.get("Contact")
        if given is None and self.existing is not None:
            return
        contact_id = given.get("ContactID") if isinstance(given, Mapping) else None
        if not contact_id:
            self.errors.append("A Contact must be specified for this type of transaction")
            return
        try:
            key = uuid.UUID(str(contact_id))
        except ValueError:
            key = None
        found = Contact.objects.filter(organisation=self.organisation, contact_id=key).first()
        if key is None or found is None:
            self.errors.append(f"The contact with ContactID {contact_id} could not be found.")
            return
        self.invoice.contact = found

    def dates(self) -> None:
        invoice = self.invoice
        for name, column in self.date_fields:
            if self.has(name):
                try:
                    setattr(invoice, column, wire.parse_date(self.data[name]))
                except ValueError:
                    self.errors.append(f"{name} is not a valid date.")
        due_days = self.due_days
        if due_days and invoice.due_date is None and invoice.status in ("SUBMITTED", "AUTHORISED"):
            invoice.due_date = self.terms_due_date() or invoice.date + timedelta(days=due_days)

    def terms_due_date(self) -> date | None:
        """The due date from the contact's payment terms, else the organisation's."""
        side = "Sales" if self.invoice.type.startswith("ACCREC") else "Bills"
        contact = getattr(self.invoice, "contact", None) if self.invoice.contact_id else None
        for terms in (
            (contact.document or {}).get("PaymentTerms") if contact is not None else None,
            (self.organisation.document or {}).get("PaymentTerms"),
        ):
            if isinstance(terms, Mapping):
                due = reference.due_date(self.invoice.date, terms.get(side))
                if due is not None:
                    return due
        return None

    def currency(self) -> None:
        invoice = self.invoice
        if self.has("CurrencyCode"):
            code = str(self.data["CurrencyCode"]).upper()
            allowed = {self.organisation.base_currency, *self.catalogue.currencies}
            if code not in allowed or code not in RATES_OF[self.organisation.base_currency]:
                self.errors.append(f"The currency {code} is not enabled for this organisation.")
                return
            invoice.currency = code
            invoice.currency_rate = currency_rate(self.organisation, code)
        if self.has("CurrencyRate") and invoice.currency != self.organisation.base_currency:
            try:
                rate = wire.parse_decimal(self.data["CurrencyRate"])
            except ValueError:
                rate = Decimal("0")
            if rate <= 0 or rate >= AMOUNT_LIMIT:
                self.errors.append("CurrencyRate must be a positive number.")
            else:
                invoice.currency_rate = rate.quantize(Decimal("0.000001"))

    def branding_theme(self) -> None:
        """BrandingThemeID: one of the organisation's themes; new sales documents get the
        default theme (SortOrder 0) when none is given, as in Xero."""
        doc = self.invoice.document
        if self.has("BrandingThemeID"):
            theme = self.catalogue.theme(self.data["BrandingThemeID"])
            if theme is None:
                self.errors.append(
                    f"The BrandingThemeID '{self.data['BrandingThemeID']}' is not valid."
                )
                return
            doc["BrandingThemeID"] = str(theme.branding_theme_id)
        elif self.existing is None and str(self.invoice.type).startswith("ACCREC"):
            theme = self.catalogue.default_theme()
            if theme is not None:
                doc["BrandingThemeID"] = str(theme.branding_theme_id)

    def texts(self, numbers_taken: set[str]) -> None:
        invoice = self.invoice
        if self.has("Reference"):
            invoice.reference = wire.clean_text(str(self.data["Reference"])).strip()[:255]
        if self.has("Url"):
            invoice.document["Url"] = str(self.data["Url"])
        if self.has("SentToContact"):
            invoice.sent_to_contact = bool(self.data["SentToContact"])
        numbered = invoice.type == self.numbered_type
        if self.has(self.number_field):
            number = wire.clean_text(str(self.data[self.number_field])).strip()
            if len(number) > 255:
                self.errors.append(f"{self.number_field} must be 255 characters or less.")
            changed = self.existing is None or number != self.existing.number
            if numbered and changed and number.lower() in numbers_taken:
                self.errors.append(f"{self.noun} # must be unique.")
            invoice.number = number
        elif self.existing is None and numbered and not self.errors:
            invoice.number = self.unused_number(numbers_taken)
        if numbered and invoice.number:
            numbers_taken.add(invoice.number.lower())

    def lines(self, unit_places: int) -> None:
        invoice = self.invoice
        if self.has("LineItems") or self.existing is None:
            raw_lines = self.data.get("LineItems") or []
            if not isinstance(raw_lines, list):
                self.errors.append("LineItems must be a list.")
                return
            contact = invoice.contact if invoice.contact_id else None
            priced = [
                price_line(
                    self.catalogue,
                    raw,
                    invoice.type,
                    invoice.line_amount_types,
                    unit_places,
                    self.errors,
                    contact,
                )
                for raw in raw_lines
            ]
            invoice.document["LineItems"] = [line for line in priced if line]
        if invoice.status == "AUTHORISED" and not invoice.document.get("LineItems"):
            self.errors.append(f"An approved {self.noun.lower()} must have at least one line item.")
        line_totals(invoice, invoice.document.get("LineItems", []))
        self.settle_row()

    def unused_number(self, taken: set[str]) -> str:
        """The next automatic number that no row (saved or earlier in the batch) has."""
        prefix, model = self.number_prefix, type(self.invoice)
        number = next_number(self.organisation, model, self.numbered_type, prefix)
        while number.lower() in taken:
            number = f"{prefix}{int(number[len(prefix) :]) + 1:04d}"
        return number


def numbers_in_use(
    organisation: Organisation, model: type[Model] = Invoice, kind: str = "ACCREC"
) -> set[str]:
    """Lowercased sales invoice (or credit note) numbers already used in the organisation."""
    rows = model.objects.filter(organisation=organisation, type=kind).exclude(number="")
    return {n.lower() for n in rows.values_list("number", flat=True)}


def validate_batch(
    organisation: Organisation,
    items: list[Any],
    *,
    unit_places: int = 2,
    path_invoice: Any = None,
    builder: type[Builder] = Builder,
) -> list[Outcome]:
    """Validate submitted invoices (or, with creditnotes.Builder, credit notes) in order, each
    seeing the numbers the earlier ones took."""
    taken = numbers_in_use(organisation, builder.model, builder.numbered_type)
    catalogue = reference.Catalogue.load(organisation)
    outcomes = []
    for item in items:
        if not isinstance(item, Mapping):
            outcomes.append(Outcome({}, errors=[builder.not_an_object]))
            continue
        existing = path_invoice or _existing(organisation, item, builder)
        outcomes.append(builder(organisation, item, existing, catalogue).build(unit_places, taken))
    return outcomes


def _existing(organisation: Organisation, item: Mapping[str, Any], builder: type[Builder]) -> Any:
    """The row that a submitted element's InvoiceID (or CreditNoteID) names, if any."""
    if not item.get(builder.id_field):
        return None
    try:
        key = uuid.UUID(str(item[builder.id_field]))
    except ValueError:
        return None
    rows = builder.model.objects.select_related("contact").filter(organisation=organisation)
    return rows.filter(**{builder.id_column: key}).first()


def error_element(outcome: Outcome, id_field: str = "InvoiceID") -> dict[str, Any]:
    """A failing element as Xero echoes it: the submitted invoice (or credit note) plus
    ValidationErrors."""
    element = wire.scrub(dict(outcome.submitted))
    element.setdefault(id_field, NIL_GUID)
    element["HasErrors"] = True
    element["ValidationErrors"] = [{"Message": message} for message in outcome.errors]
    return element


def mark_contact_roles(invoice: Invoice) -> None:
    """IsCustomer / IsSupplier follow from having sales invoices / bills."""
    column = "is_customer" if invoice.type == "ACCREC" else "is_supplier"
    Contact.objects.filter(pk=invoice.contact_id, **{column: False}).update(**{column: True})


def full_contact(invoice: Invoice) -> dict[str, Any]:
    """The invoice's contact in full (single GET and create answers)."""
    return contacts.serialize(invoice.contact)
