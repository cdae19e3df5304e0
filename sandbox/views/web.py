"""A stand-in for Xero's web app (go.xero.com): the deep links that open a record in Xero.

https://developer.xero.com/documentation/api-guides/deep-link-xero
`/organisationlogin/default.aspx?shortcode={ShortCode}&redirecturl={path}` with path
`/Contacts/View/{ContactID}`, `/AccountsReceivable/View.aspx?InvoiceID={InvoiceID}` (a sales
invoice), `/AccountsPayable/Edit.aspx?InvoiceID={InvoiceID}` (a bill) or
`/AccountsReceivable/ViewCreditNote.aspx?creditNoteID={CreditNoteID}` (a credit note; Accounts
Payable for a purchase one). Xero signs the person in
to the organisation with that short code and shows the record; the sandbox has no sign-in, so it
shows a read-only page with the record's key fields, or a 404 page when the short code, the path
or the id does not name a record of that organisation. No cookies, no forms.
"""

from __future__ import annotations

import re
import uuid
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt

from sandbox import dbguard
from sandbox.models import Contact, CreditNote, Invoice, Organisation

CONTACT_PATH = re.compile(r"^/contacts/view/(?P<id>[^/?#]+)/?$", re.IGNORECASE)
# Path (lower case) -> the invoice type it shows.
INVOICE_PATHS = {
    "/accountsreceivable/view.aspx": "ACCREC",
    "/accountspayable/edit.aspx": "ACCPAY",
}
CREDIT_NOTE_PATHS = {
    "/accountsreceivable/viewcreditnote.aspx": "ACCRECCREDIT",
    "/accountspayable/viewcreditnote.aspx": "ACCPAYCREDIT",
}
STATUS_LABELS = {
    "DRAFT": "Draft",
    "SUBMITTED": "Awaiting approval",
    "AUTHORISED": "Awaiting payment",
    "PAID": "Paid",
    "VOIDED": "Voided",
    "DELETED": "Deleted",
    "ACTIVE": "Active",
    "ARCHIVED": "Archived",
}


@login_not_required
@csrf_exempt  # GET only: a POST is answered 405, as by the rest of the sandbox
def deep_link(request: HttpRequest) -> HttpResponse:
    """GET /organisationlogin/default.aspx: the record a deep link names, or a 404 page."""
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    short_code = request.GET.get("shortcode", "").strip()
    target = request.GET.get("redirecturl", "").strip()
    with dbguard.guard():
        organisation = (
            Organisation.objects.filter(short_code=short_code).first() if short_code else None
        )
        if organisation is None:
            return _not_found(request, "No organisation has that short code.")
        context = _record(organisation, target)
    if context is None:
        return _not_found(
            request, f"Nothing at {target or '(no redirecturl)'} in {organisation.name}."
        )
    return render(request, "sandbox/web_record.html", {"organisation": organisation, **context})


def _not_found(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "sandbox/web_not_found.html", {"message": message}, status=404)


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _record(organisation: Organisation, target: str) -> dict[str, Any] | None:
    """The template context for the record the redirect URL names, or None."""
    parts = urlsplit(target)
    if match := CONTACT_PATH.match(parts.path):
        contact_id = _uuid(match["id"])
        contact = (
            Contact.objects.filter(organisation=organisation, contact_id=contact_id).first()
            if contact_id
            else None
        )
        return _contact_context(contact) if contact else None
    query = {k.lower(): v for k, v in parse_qs(parts.query).items()}
    if note_type := CREDIT_NOTE_PATHS.get(parts.path.lower()):
        note_id = _uuid((query.get("creditnoteid") or [""])[0])
        rows = CreditNote.objects.select_related("contact").filter(organisation=organisation)
        note = rows.filter(credit_note_id=note_id, type=note_type).first() if note_id else None
        return _invoice_context(note) if note else None
    invoice_type = INVOICE_PATHS.get(parts.path.lower())
    if invoice_type is None:
        return None
    invoice_id = _uuid((query.get("invoiceid") or [""])[0])
    invoice = (
        Invoice.objects.select_related("contact")
        .filter(organisation=organisation, invoice_id=invoice_id, type=invoice_type)
        .first()
        if invoice_id
        else None
    )
    return _invoice_context(invoice) if invoice else None


def _contact_context(contact: Contact) -> dict[str, Any]:
    doc = contact.document
    phones = [(p.get("PhoneType", ""), _phone(p)) for p in doc.get("Phones") or [] if _phone(p)]
    addresses = [
        (a.get("AddressType", ""), _address_lines(a))
        for a in doc.get("Addresses") or []
        if _address_lines(a)
    ]
    fields = [
        ("Contact name", contact.name),
        ("First name", contact.first_name),
        ("Last name", contact.last_name),
        ("Email", contact.email),
        ("Contact number", contact.contact_number),
        ("Status", STATUS_LABELS.get(contact.status, contact.status)),
        ("Customer", "Yes" if contact.is_customer else "No"),
        ("Supplier", "Yes" if contact.is_supplier else "No"),
    ]
    fields += [(f"Phone ({kind.lower()})", number) for kind, number in phones]
    fields += [(f"Address ({kind.lower()})", ", ".join(lines)) for kind, lines in addresses]
    return {
        "heading": f"Contact: {contact.name}",
        "record_id": contact.contact_id,
        "fields": [(label, value) for label, value in fields if value],
        "lines": [],
    }


def _phone(phone: dict[str, Any]) -> str:
    parts = (phone.get("PhoneCountryCode"), phone.get("PhoneAreaCode"), phone.get("PhoneNumber"))
    return " ".join(str(p) for p in parts if p)


def _address_lines(address: dict[str, Any]) -> list[str]:
    lines = [address.get(f"AddressLine{n}") for n in range(1, 5)]
    locality = " ".join(str(address[f]) for f in ("City", "Region", "PostalCode") if address.get(f))
    return [str(p) for p in (*lines, locality, address.get("Country")) if p]


def _invoice_context(invoice: Invoice | CreditNote) -> dict[str, Any]:
    """The page of an invoice, a bill or (with its remaining credit) a credit note."""
    is_bill = invoice.type.startswith("ACCPAY")
    noun = {"ACCPAY": "Bill", "ACCREC": "Invoice"}.get(invoice.type, "Credit note")
    heading = noun + (f" {invoice.number}" if invoice.number else "")
    if isinstance(invoice, CreditNote):
        amounts = [("Remaining credit", f"{invoice.remaining_credit:,.2f}")]
    else:
        amounts = [
            ("Amount paid", f"{invoice.amount_paid:,.2f}"),
            (
                "Amount credited",
                f"{invoice.amount_credited:,.2f}" if invoice.amount_credited else "",
            ),
            ("Amount due", f"{invoice.amount_due:,.2f}"),
        ]
    fields = [
        ("From" if is_bill else "To", invoice.contact.name),
        # On a bill, the "Reference" Xero's web app shows is the API's InvoiceNumber.
        ("Reference", invoice.number if is_bill else invoice.reference),
        ("Date", invoice.date.isoformat()),
        ("Due date", invoice.due_date.isoformat() if invoice.due_date else ""),
        ("Status", STATUS_LABELS.get(invoice.status, invoice.status)),
        ("Currency", invoice.currency),
        ("Subtotal", f"{invoice.sub_total:,.2f}"),
        ("Total tax", f"{invoice.total_tax:,.2f}"),
        ("Total", f"{invoice.total:,.2f}"),
        *amounts,
    ]
    lines = [
        {
            "description": line.get("Description", ""),
            "quantity": line.get("Quantity", ""),
            "unit_amount": line.get("UnitAmount", ""),
            "account_code": line.get("AccountCode", ""),
            "amount": line.get("LineAmount", ""),
        }
        for line in invoice.document.get("LineItems") or []
    ]
    return {
        "heading": heading,
        "record_id": getattr(invoice, "invoice_id", None) or invoice.credit_note_id,
        "fields": [(label, value) for label, value in fields if value],
        "lines": lines,
    }


@login_not_required
@csrf_exempt  # GET only
def online_invoice(request: HttpRequest, token: str) -> HttpResponse:
    """GET /in/{token}: the online invoice (in.xero.com) a customer opens, read only."""
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    invoice_id = _uuid(token)
    with dbguard.guard():
        invoice = (
            Invoice.objects.select_related("contact", "organisation")
            .filter(invoice_id=invoice_id, type="ACCREC", status__in=("AUTHORISED", "PAID"))
            .first()
            if invoice_id
            else None
        )
        if invoice is None:
            return _not_found(request, "This online invoice does not exist.")
        context = _invoice_context(invoice)
    return render(
        request,
        "sandbox/web_record.html",
        {"organisation": invoice.organisation, **context, "online": True},
    )
