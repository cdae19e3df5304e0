"""What a bookkeeper does in Xero's web app, for the control page and for tests: raise a credit
note (optionally allocating it to an invoice) and record a payment on an invoice.

Each change is saved as the API would save it and announced with signed webhooks when the
webhook knobs are set (CREDITNOTE for the credit note, INVOICE for an invoice it changed).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from sandbox import creditnotes, invoices, organisations, webhooks
from sandbox.models import Contact, CreditNote, Invoice, Organisation


class ActionError(Exception):
    """Xero would refuse this change; the message says why."""


@dataclass(frozen=True)
class Raised:
    """A credit note raised, and the invoice its credit went to (if any)."""

    credit_note: CreditNote
    invoice: Invoice | None


def raise_credit_note(
    organisation: Organisation,
    contact: Contact,
    amount: Decimal,
    *,
    kind: str = "ACCRECCREDIT",
    description: str = "Credit",
    allocate_to: Invoice | None = None,
    base_url: str | None = None,
) -> Raised:
    """An AUTHORISED credit note for `amount` (tax exclusive) in the contact's currency; with
    `allocate_to`, as much of its credit as the invoice still owes is allocated to it."""
    if kind not in creditnotes.TYPES:
        raise ActionError(f"Credit note type {kind} is not supported.")
    element = {
        "Type": kind,
        "Status": "AUTHORISED",
        "Contact": {"ContactID": str(contact.contact_id)},
        "CurrencyCode": allocate_to.currency if allocate_to else organisation.base_currency,
        "LineItems": [{"Description": description, "Quantity": 1, "UnitAmount": str(amount),
                       "AccountCode": "200" if kind == "ACCRECCREDIT" else "429"}],
    }  # fmt: skip
    [outcome] = creditnotes.validate_batch(organisation, [element])
    if outcome.errors:
        raise ActionError(" ".join(outcome.errors))
    note = outcome.invoice
    with transaction.atomic():
        note.save()
        changed_invoice = None
        if allocate_to is not None:
            allocate_to.refresh_from_db()
            share = min(note.remaining_credit, allocate_to.amount_due)
            errors = creditnotes.allocation_errors(note, allocate_to, share)
            if errors:
                raise ActionError(" ".join(errors))
            creditnotes.allocate(note, allocate_to, share, organisations.local_today(organisation))
            changed_invoice = allocate_to
        _announce(organisation, "CREDITNOTE", note.credit_note_id, "CREATE", base_url)
        if changed_invoice is not None:
            _announce(organisation, "INVOICE", changed_invoice.invoice_id, "UPDATE", base_url)
    return Raised(note, changed_invoice)


def pay_invoice(
    invoice: Invoice,
    amount: Decimal | None = None,
    *,
    day: date | None = None,
    base_url: str | None = None,
) -> Invoice:
    """Record a payment (default: all that is due); paid in full, the invoice becomes PAID."""
    with transaction.atomic():
        invoice.refresh_from_db()
        amount = invoice.amount_due if amount is None else invoices.round_cents(amount)
        if invoice.status != "AUTHORISED":
            raise ActionError("Payments can only be made against AUTHORISED invoices.")
        if amount <= 0 or amount > invoice.amount_due:
            raise ActionError(
                f"The payment must be more than 0 and at most the amount due "
                f"({invoice.amount_due})."
            )
        organisation = invoice.organisation
        paid_on = day or organisations.local_today(organisation)
        invoices.add_payment(invoice, amount, paid_on, uuid.uuid4())
        invoice.updated = timezone.now()
        invoice.save()
        _announce(organisation, "INVOICE", invoice.invoice_id, "UPDATE", base_url)
    return invoice


def _announce(
    organisation: Organisation,
    category: str,
    resource_id: uuid.UUID,
    kind: str,
    base_url: str | None,
) -> None:
    webhooks.notify(
        organisation.organisation_id,
        category,
        [(resource_id, kind)],
        base_url=base_url or settings.XERO_API_URL,
    )
