"""Credit notes and their allocations to invoices, in Xero's shape.

https://developer.xero.com/documentation/api/accounting/creditnotes
A sales credit note (ACCRECCREDIT) is allocated to sales invoices (ACCREC) of its contact, a
purchase one (ACCPAYCREDIT) to bills (ACCPAY). An allocation raises the invoice's AmountCredited
(so AmountDue = Total - AmountPaid - AmountCredited stays true) and lowers the credit note's
RemainingCredit; whichever reaches zero becomes PAID. Validation, totals and numbering (CN-nnnn)
are the invoices' own (`invoices.Builder`).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import UTC, date
from decimal import Decimal
from typing import Any

from django.db.models import Sum
from django.utils import timezone

from sandbox import contacts, invoices, wire
from sandbox.models import Allocation, CreditNote, Invoice, Organisation
from sandbox.where import Field

TYPES = ("ACCRECCREDIT", "ACCPAYCREDIT")
INVOICE_TYPE = {"ACCRECCREDIT": "ACCREC", "ACCPAYCREDIT": "ACCPAY"}
ZERO = invoices.ZERO
_SHARED_FIELDS = (
    "Type", "Reference", "Status", "Date", "DueDate", "FullyPaidOnDate", "UpdatedDateUTC",
    "CurrencyCode", "CurrencyRate", "SubTotal", "TotalTax", "Total", "SentToContact",
    "Contact.ContactID", "Contact.Name", "Contact.ContactNumber",
)  # fmt: skip
FIELDS = {
    "CreditNoteID": Field("guid", "credit_note_id"),
    "CreditNoteNumber": Field("string", "number"),
    "RemainingCredit": Field("number", "remaining_credit"),
    **{name: invoices.FIELDS[name] for name in _SHARED_FIELDS},
}
Outcome = invoices.Outcome


# ------------------------------------------------------------------------------- serialising


def serialize(
    note: CreditNote,
    contact: Mapping[str, Any],
    allocations: Iterable[Allocation] = (),
    *,
    lines: bool = True,
    unit_places: int = 2,
) -> dict[str, Any]:
    """The credit note as Xero returns it; `lines=False` leaves out LineItems (unpaged lists)."""
    doc = note.document
    data: dict[str, Any] = {
        "CreditNoteID": str(note.credit_note_id),
        "CreditNoteNumber": note.number,
        "Payments": [invoices.payment_item(p) for p in doc.get("Payments", [])],
        "ID": str(note.credit_note_id),
        "CurrencyRate": wire.number(note.currency_rate, 6),
        "Type": note.type,
        "Reference": note.reference,
        "RemainingCredit": wire.money(note.remaining_credit),
        "Allocations": [allocation_item(a) for a in allocations],
        "HasAttachments": False,
        "SentToContact": note.sent_to_contact,
        "Contact": contact,
        "DateString": wire.date_string(note.date),
        "Date": wire.ms_date(note.date),
    }
    if note.due_date:
        data["DueDateString"] = wire.date_string(note.due_date)
        data["DueDate"] = wire.ms_date(note.due_date)
    data["Status"] = note.status
    data["LineAmountTypes"] = note.line_amount_types
    if lines:
        data["LineItems"] = [
            invoices.line_item(line, unit_places) for line in doc.get("LineItems", [])
        ]
    if doc.get("BrandingThemeID"):
        data["BrandingThemeID"] = doc["BrandingThemeID"]
    data.update(
        SubTotal=wire.money(note.sub_total),
        TotalTax=wire.money(note.total_tax),
        Total=wire.money(note.total),
        UpdatedDateUTC=wire.ms_datetime(note.updated),
        UpdatedDateUTCString=note.updated.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S+00:00"),
        CurrencyCode=note.currency,
    )
    if note.fully_paid_on_date:
        data["FullyPaidOnDate"] = wire.ms_date(note.fully_paid_on_date)
    data["HasErrors"] = False
    return data


def allocation_item(allocation: Allocation) -> dict[str, Any]:
    """An allocation as a credit note lists it (with the invoice it went to)."""
    invoice = allocation.invoice
    return {
        "AllocationID": str(allocation.allocation_id),
        "Amount": wire.money(allocation.amount),
        "Date": wire.ms_date(allocation.date),
        "Invoice": {
            "InvoiceID": str(invoice.invoice_id),
            "InvoiceNumber": invoice.number,
            "Payments": [],
            "CreditNotes": [],
            "Prepayments": [],
            "Overpayments": [],
            "HasErrors": False,
            "IsDiscounted": False,
            "LineItems": [],
        },
    }


def allocations_by_note(notes: Iterable[CreditNote]) -> dict[int, list[Allocation]]:
    """The allocations of these credit notes, by credit note pk (one query)."""
    found: dict[int, list[Allocation]] = defaultdict(list)
    rows = Allocation.objects.filter(credit_note__in=[n.pk for n in notes])
    for allocation in rows.select_related("invoice").only(
        "allocation_id", "amount", "date", "credit_note_id", "invoice__invoice_id",
        "invoice__number",
    ):  # fmt: skip
        found[allocation.credit_note_id].append(allocation)
    return found


def applied(invoice_pks: Iterable[int]) -> dict[int, list[dict[str, Any]]]:
    """The credit notes allocated to each invoice, as an invoice's CreditNotes lists them."""
    found: dict[int, list[dict[str, Any]]] = defaultdict(list)
    rows = Allocation.objects.filter(invoice__in=list(invoice_pks)).select_related("credit_note")
    for allocation in rows:
        note = allocation.credit_note
        found[allocation.invoice_id].append(
            {
                "CreditNoteID": str(note.credit_note_id),
                "CreditNoteNumber": note.number,
                "ID": str(note.credit_note_id),
                "AppliedAmount": wire.money(allocation.amount),
                "DateString": wire.date_string(allocation.date),
                "Date": wire.ms_date(allocation.date),
                "LineItems": [],
                "Total": wire.money(note.total),
            }
        )
    return found


# ------------------------------------------------------------------------------ the arithmetic


def allocated(note: CreditNote) -> Decimal:
    """What has been allocated from a saved credit note so far."""
    if note.pk is None:
        return ZERO
    total = Allocation.objects.filter(credit_note=note).aggregate(sum=Sum("amount"))["sum"]
    return total or ZERO


def settle(note: CreditNote, allocated_amount: Decimal) -> None:
    """RemainingCredit: Total less allocations; none is left on a voided or deleted one."""
    if note.status in ("VOIDED", "DELETED"):
        note.remaining_credit = ZERO
    else:
        note.remaining_credit = note.total - allocated_amount


def allocation_errors(note: CreditNote, invoice: Invoice | None, amount: Decimal) -> list[str]:
    """Xero's reasons for refusing to allocate `amount` of a credit note to an invoice."""
    if invoice is None:
        return ["Invoice could not be found."]
    errors = []
    if note.status != "AUTHORISED":
        errors.append("Only an AUTHORISED credit note can be allocated.")
    if invoice.status != "AUTHORISED":
        errors.append("Invoice must be AUTHORISED to have a credit note allocated to it.")
    if INVOICE_TYPE[note.type] != invoice.type:
        errors.append(f"A {note.type} credit note cannot be allocated to an {invoice.type}.")
    if invoice.contact_id != note.contact_id:
        errors.append("The credit note and the invoice must be for the same contact.")
    if invoice.currency != note.currency:
        errors.append("The credit note and the invoice must be in the same currency.")
    if amount <= 0:
        errors.append("Allocation amount must be greater than zero.")
    if amount > note.remaining_credit:
        errors.append("Allocation amount cannot be more than the credit note's remaining credit.")
    if amount > invoice.amount_due:
        errors.append("Allocation amount cannot be more than the invoice's amount due.")
    return errors


def allocate(
    note: CreditNote,
    invoice: Invoice,
    amount: Decimal,
    day: date,
    *,
    allocation_id: uuid.UUID | None = None,
    when: Any = None,
) -> Allocation:
    """Apply `amount` of the credit note to the invoice and save all three rows (the caller
    checked `allocation_errors` first)."""
    moment = when or timezone.now()
    allocation = Allocation.objects.create(
        allocation_id=allocation_id or uuid.uuid4(),
        credit_note=note,
        invoice=invoice,
        amount=amount,
        date=day,
    )
    invoice.amount_credited += amount
    invoices.settle_in_full(invoice, day)
    invoice.updated = moment
    invoice.save()
    settle(note, allocated(note))
    if note.remaining_credit <= 0:
        note.status, note.fully_paid_on_date = "PAID", day
    note.updated = moment
    note.save()
    return allocation


# -------------------------------------------------------------------------------- validating


class Builder(invoices.Builder):
    """Applies one submitted credit note to a new or existing row (the invoices' rules)."""

    noun = "Credit Note"
    model = CreditNote
    id_field, id_column = "CreditNoteID", "credit_note_id"
    not_an_object = "A credit note must be a JSON object."
    types = TYPES
    numbered_type, number_prefix, number_field = "ACCRECCREDIT", "CN-", "CreditNoteNumber"
    due_days = None
    date_fields = (("Date", "date"), ("DueDate", "due_date"))

    def new_row(self) -> CreditNote:
        return CreditNote(
            organisation=self.organisation,
            credit_note_id=uuid.uuid4(),
            status="DRAFT",
            line_amount_types="Exclusive",
            currency=self.organisation.base_currency,
            currency_rate=Decimal("1"),
            remaining_credit=ZERO,
            date=timezone.now().date(),
            document={},
        )

    def allocated(self) -> Decimal:
        return allocated(self.invoice)

    def settle_row(self) -> None:
        taken = self.allocated()
        settle(self.invoice, taken)
        if self.invoice.remaining_credit < 0:
            self.errors.append("The credit note total cannot be less than the amount allocated.")


def validate_batch(
    organisation: Organisation,
    items: list[Any],
    *,
    unit_places: int = 2,
    path_note: CreditNote | None = None,
) -> list[Outcome]:
    """Validate submitted credit notes in order (each seeing the numbers the earlier ones took)."""
    return invoices.validate_batch(
        organisation, items, unit_places=unit_places, path_invoice=path_note, builder=Builder
    )


def find(organisation: Organisation, key: Any) -> CreditNote | None:
    """A credit note of the organisation by CreditNoteID or, as Xero allows, by number."""
    if not key:
        return None
    rows = CreditNote.objects.select_related("contact").filter(organisation=organisation)
    try:
        return rows.filter(credit_note_id=uuid.UUID(str(key))).first()
    except ValueError:
        return rows.filter(number=str(key)).order_by("pk").first()


def error_element(outcome: Outcome) -> dict[str, Any]:
    """A failing element as Xero echoes it: the submitted credit note plus ValidationErrors."""
    return invoices.error_element(outcome, "CreditNoteID")


def full_contact(note: CreditNote) -> dict[str, Any]:
    """The credit note's contact in full (single GET and create answers)."""
    return contacts.serialize(note.contact)
