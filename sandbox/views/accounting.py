"""The Accounting API endpoints under /api.xro/2.0: Organisation, Contacts, Invoices (with their
PDF and online invoice), CreditNotes (and their Allocations), and the settings invoice lines use:
Items, Accounts, TaxRates, TrackingCategories, BrandingThemes, Currencies.

https://developer.xero.com/documentation/api/accounting/overview
Every view runs behind `gateway.accounting`, which authenticates, checks the tenant and the rate
limits, and replays Idempotency-Key repeats.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.utils import timezone

from sandbox import (
    contacts,
    creditnotes,
    invoices,
    organisations,
    pdf,
    query,
    reference,
    webhooks,
    wire,
)
from sandbox.gateway import ApiContext, accounting, body
from sandbox.models import (
    Account,
    BrandingTheme,
    Contact,
    CreditNote,
    Currency,
    Invoice,
    Item,
    TaxRate,
    TrackingCategory,
    TrackingOption,
)
from sandbox.where import QueryParseError

SETTINGS_READ = {"accounting.settings", "accounting.settings.read"}
CONTACTS_READ = {"accounting.contacts", "accounting.contacts.read"}
CONTACTS_WRITE = {"accounting.contacts"}
INVOICES_READ = {
    "accounting.invoices",
    "accounting.invoices.read",
    "accounting.transactions",
    "accounting.transactions.read",
}
INVOICES_WRITE = {"accounting.invoices", "accounting.transactions"}


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _summarize_errors(request: HttpRequest) -> bool:
    value = query.param(request.GET, "summarizeErrors")
    return value is None or value.strip().lower() != "false"


def _unit_places(request: HttpRequest) -> int:
    return 4 if query.param(request.GET, "unitdp") == "4" else 2


def _elements(request: HttpRequest, collection: str) -> list[Any] | HttpResponse:
    try:
        return body(request, collection)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return wire.bad_request("The request body is not valid JSON.")


# ------------------------------------------------------------------------------ Organisation


@accounting(read=SETTINGS_READ, write=set())
def organisation(request: HttpRequest, ctx: ApiContext) -> HttpResponse:
    """GET /Organisation."""
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    payload = wire.envelope(Organisations=[organisations.serialize(ctx.organisation)])
    return wire.json_response(payload)


# ---------------------------------------------------------------------------------- Contacts


@accounting(read=CONTACTS_READ, write=CONTACTS_WRITE)
def contact_collection(request: HttpRequest, ctx: ApiContext) -> HttpResponse:
    """GET /Contacts (list), PUT /Contacts (create), POST /Contacts (create or update)."""
    if request.method == "GET":
        return _list_contacts(request, ctx)
    if request.method in ("PUT", "POST"):
        elements = _elements(request, "Contacts")
        if isinstance(elements, HttpResponse):
            return elements
        return _save_contacts(request, ctx, contacts.validate_batch(ctx.organisation, elements))
    return HttpResponseNotAllowed(["GET", "PUT", "POST"])


@accounting(read=CONTACTS_READ, write=CONTACTS_WRITE)
def contact_item(request: HttpRequest, ctx: ApiContext, contact_id: str) -> HttpResponse:
    """GET /Contacts/{ContactID} and POST /Contacts/{ContactID} (update given fields)."""
    contact = _find_contact(ctx, contact_id)
    if contact is None:
        return wire.not_found()
    if request.method == "GET":
        balances = contacts.balances_for([contact])[contact.pk]
        data = contacts.serialize(contact, balances=balances)
        return wire.json_response(wire.envelope(Contacts=[data]))
    if request.method == "POST":
        elements = _elements(request, "Contacts")
        if isinstance(elements, HttpResponse):
            return elements
        outcomes = contacts.validate_batch(ctx.organisation, elements[:1], path_contact=contact)
        return _save_contacts(request, ctx, outcomes)
    return HttpResponseNotAllowed(["GET", "POST"])


def _find_contact(ctx: ApiContext, key: str) -> Contact | None:
    """A contact by ContactID or, as Xero also allows, by ContactNumber."""
    rows = Contact.objects.filter(organisation=ctx.organisation)
    try:
        return rows.filter(contact_id=uuid.UUID(key)).first()
    except ValueError:
        return rows.filter(contact_number=key).first()


def _list_params(
    request: HttpRequest, fields: dict, entity: str, order: tuple[str, ...]
) -> query.ListParams | HttpResponse:
    """The list parameters of a GET, or Xero's 400 for a `where` or `order` it cannot parse."""
    try:
        return query.parse_params(request.GET, request.headers, fields, entity, order)
    except QueryParseError as exc:
        return wire.query_parse_exception(exc.message)


def _list_contacts(request: HttpRequest, ctx: ApiContext) -> HttpResponse:
    params = _list_params(request, contacts.FIELDS, "Contact", ("name",))
    if isinstance(params, HttpResponse):
        return params
    rows = Contact.objects.filter(organisation=ctx.organisation)
    if not query.flag(request.GET, "includeArchived"):
        rows = rows.filter(status="ACTIVE")
    ids = query.id_list(request.GET, "IDs")
    if ids is not None:
        rows = rows.filter(contact_id__in=ids)
    if params.search_term:
        rows = rows.filter(search_text__contains=params.search_term.lower())
    if params.modified_since:
        rows = rows.filter(updated__gt=params.modified_since)
    page = query.paginate(rows, params)
    with_balances = params.page is not None and not params.summary_only
    balances = contacts.balances_for(page.rows) if with_balances else {}
    items = [
        contacts.serialize(c, summary=params.summary_only, balances=balances.get(c.pk))
        for c in page.rows
    ]
    return wire.json_response(_listing("Contacts", items, page.pagination))


def _listing(collection: str, items: list[Any], pagination: dict | None) -> dict[str, Any]:
    if pagination is None:
        return wire.envelope(**{collection: items})
    return wire.envelope(pagination=pagination, **{collection: items})


def _save_contacts(
    request: HttpRequest, ctx: ApiContext, outcomes: list[contacts.Outcome]
) -> HttpResponse:
    return _save(
        request,
        ctx,
        outcomes,
        collection="Contacts",
        category="CONTACT",
        store=_store_contact,
        render=lambda o: contacts.serialize(o.contact),
        error=contacts.error_element,
    )


def _store_contact(outcome: contacts.Outcome) -> uuid.UUID:
    outcome.contact.save()
    return outcome.contact.contact_id


def _save(
    request: HttpRequest,
    ctx: ApiContext,
    outcomes: list[Any],
    *,
    collection: str,
    category: str,
    store: Callable[[Any], uuid.UUID],
    render: Callable[[Any], dict[str, Any]],
    error: Callable[[Any], dict[str, Any]],
) -> HttpResponse:
    """Save valid elements; with summarizeErrors (the default) one invalid element fails all."""
    summarize = _summarize_errors(request)
    failing = [o for o in outcomes if o.errors]
    if failing and summarize:
        return wire.validation_exception([error(o) for o in failing])
    items, changes = [], []
    with transaction.atomic():
        for outcome in outcomes:
            if outcome.errors:
                items.append({**error(outcome), "StatusAttributeString": "ERROR"})
                continue
            changes.append((store(outcome), "CREATE" if outcome.created else "UPDATE"))
            item = render(outcome)
            if not summarize:
                item["StatusAttributeString"] = "OK"
            items.append(item)
        webhooks.notify(
            ctx.organisation.organisation_id, category, changes, base_url=_base_url(request)
        )
    return wire.json_response(wire.envelope(**{collection: items}))


# ---------------------------------------------------------------------------------- Invoices


@accounting(read=INVOICES_READ, write=INVOICES_WRITE)
def invoice_collection(request: HttpRequest, ctx: ApiContext) -> HttpResponse:
    """GET /Invoices (list), PUT /Invoices (create), POST /Invoices (create or update)."""
    if request.method == "GET":
        return _list_invoices(request, ctx)
    if request.method in ("PUT", "POST"):
        elements = _elements(request, "Invoices")
        if isinstance(elements, HttpResponse):
            return elements
        outcomes = invoices.validate_batch(
            ctx.organisation, elements, unit_places=_unit_places(request)
        )
        return _save_invoices(request, ctx, outcomes)
    return HttpResponseNotAllowed(["GET", "PUT", "POST"])


@accounting(read=INVOICES_READ, write=INVOICES_WRITE)
def invoice_item(request: HttpRequest, ctx: ApiContext, invoice_id: str) -> HttpResponse:
    """GET /Invoices/{InvoiceID or InvoiceNumber} and POST /Invoices/{InvoiceID} (update)."""
    invoice = _find_invoice(ctx, invoice_id)
    if invoice is None:
        return wire.not_found()
    if request.method == "GET":
        if _wants_pdf(request):
            return _invoice_pdf(ctx, invoice)
        return wire.json_response(wire.envelope(Invoices=[_invoice_in_full(invoice, request)]))
    if request.method == "POST":
        elements = _elements(request, "Invoices")
        if isinstance(elements, HttpResponse):
            return elements
        outcomes = invoices.validate_batch(
            ctx.organisation,
            elements[:1],
            unit_places=_unit_places(request),
            path_invoice=invoice,
        )
        return _save_invoices(request, ctx, outcomes)
    return HttpResponseNotAllowed(["GET", "POST"])


def _wants_pdf(request: HttpRequest) -> bool:
    """Xero answers GET /Invoices/{id} as a PDF when the Accept header asks for one."""
    accept = request.headers.get("Accept", "").lower()
    return "application/pdf" in accept and "application/json" not in accept


def _invoice_pdf(ctx: ApiContext, invoice: Invoice) -> HttpResponse:
    """The invoice rendered as a PDF (no Content-Disposition: the SDK then picks a unique
    temporary file name for it)."""
    theme = None
    if invoice.document.get("BrandingThemeID"):
        theme = BrandingTheme.objects.filter(
            organisation=ctx.organisation,
            branding_theme_id=invoice.document["BrandingThemeID"],
        ).first()
    labels = {
        rate.tax_type: f"{rate.rate.normalize():f}%" if rate.rate else rate.name
        for rate in TaxRate.objects.filter(organisation=ctx.organisation)
    }
    content = pdf.render_invoice(invoice, ctx.organisation, theme.name if theme else "", labels)
    return HttpResponse(content, content_type="application/pdf")


@accounting(read=INVOICES_READ, write=INVOICES_WRITE)
def online_invoice(request: HttpRequest, ctx: ApiContext, invoice_id: str) -> HttpResponse:
    """GET /Invoices/{InvoiceID}/OnlineInvoice: the link a customer opens to view and pay a
    sales invoice; there is none for bills or for invoices not yet approved (or voided)."""
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    invoice = _find_invoice(ctx, invoice_id)
    if invoice is None:
        return wire.not_found()
    if invoice.type != "ACCREC" or invoice.status not in ("AUTHORISED", "PAID"):
        element = {
            "InvoiceID": str(invoice.invoice_id),
            "ValidationErrors": [
                {
                    "Message": "An online invoice can only be retrieved for a sales invoice "
                    "that is AUTHORISED or PAID."
                }
            ],
        }
        return wire.validation_exception([element])
    url = f"{_base_url(request)}/in/{invoice.invoice_id.hex}"
    return wire.json_response(wire.envelope(OnlineInvoices=[{"OnlineInvoiceUrl": url}]))


def _find_invoice(ctx: ApiContext, key: str) -> Invoice | None:
    rows = Invoice.objects.select_related("contact").filter(organisation=ctx.organisation)
    try:
        return rows.filter(invoice_id=uuid.UUID(key)).first()
    except ValueError:
        return rows.filter(number=key).order_by("pk").first()


def _list_invoices(request: HttpRequest, ctx: ApiContext) -> HttpResponse:
    params = _list_params(request, invoices.FIELDS, "Invoice", ("date", "number"))
    if isinstance(params, HttpResponse):
        return params
    rows = Invoice.objects.filter(organisation=ctx.organisation).defer("search_text")
    for name, column in (("IDs", "invoice_id__in"), ("ContactIDs", "contact__contact_id__in")):
        ids = query.id_list(request.GET, name)
        if ids is not None:
            rows = rows.filter(**{column: ids})
    numbers = query.text_list(request.GET, "InvoiceNumbers")
    if numbers is not None:
        rows = rows.filter(number__in=numbers)
    statuses = query.text_list(request.GET, "Statuses")
    if statuses is not None:
        rows = rows.filter(status__in=[s.upper() for s in statuses])
    if params.search_term:
        rows = rows.filter(search_text__contains=params.search_term.lower())
    if params.modified_since:
        rows = rows.filter(updated__gt=params.modified_since)
    page = query.paginate(rows, params)
    unit_places = _unit_places(request)
    references = _contact_references({invoice.contact_id for invoice in page.rows})
    credited = [i.pk for i in page.rows if i.amount_credited] if not params.summary_only else []
    applied = creditnotes.applied(credited) if credited else {}
    items = [
        invoices.serialize(
            invoice,
            references[invoice.contact_id],
            lines=params.page is not None,
            summary=params.summary_only,
            unit_places=unit_places,
            credit_notes=applied.get(invoice.pk),
        )
        for invoice in page.rows
    ]
    return wire.json_response(_listing("Invoices", items, page.pagination))


def _contact_references(pks: set[int]) -> dict[int, dict[str, Any]]:
    """The short contacts that list answers embed, by contact pk (one query for the page)."""
    rows = Contact.objects.filter(pk__in=pks).only("pk", "contact_id", "name")
    return {contact.pk: contacts.reference(contact) for contact in rows}


def _save_invoices(
    request: HttpRequest, ctx: ApiContext, outcomes: list[invoices.Outcome]
) -> HttpResponse:
    return _save(
        request,
        ctx,
        outcomes,
        collection="Invoices",
        category="INVOICE",
        store=_store_invoice,
        render=lambda o: {**_invoice_in_full(o.invoice, request), "StatusAttributeString": "OK"},
        error=invoices.error_element,
    )


def _invoice_in_full(invoice: Invoice, request: HttpRequest) -> dict[str, Any]:
    """An invoice as a single GET or a create/update answers it: full contact, credit notes."""
    return invoices.serialize(
        invoice,
        invoices.full_contact(invoice),
        unit_places=_unit_places(request),
        credit_notes=creditnotes.applied([invoice.pk]).get(invoice.pk),
    )


def _store_invoice(outcome: invoices.Outcome) -> uuid.UUID:
    outcome.invoice.save()
    invoices.mark_contact_roles(outcome.invoice)
    outcome.invoice.contact.refresh_from_db()
    return outcome.invoice.invoice_id


# ------------------------------------------------------------------------------- CreditNotes


@accounting(read=INVOICES_READ, write=INVOICES_WRITE)
def credit_note_collection(request: HttpRequest, ctx: ApiContext) -> HttpResponse:
    """GET /CreditNotes (list), PUT /CreditNotes (create), POST /CreditNotes (create or update)."""
    if request.method == "GET":
        return _list_credit_notes(request, ctx)
    if request.method in ("PUT", "POST"):
        elements = _elements(request, "CreditNotes")
        if isinstance(elements, HttpResponse):
            return elements
        outcomes = creditnotes.validate_batch(
            ctx.organisation, elements, unit_places=_unit_places(request)
        )
        return _save_credit_notes(request, ctx, outcomes)
    return HttpResponseNotAllowed(["GET", "PUT", "POST"])


@accounting(read=INVOICES_READ, write=INVOICES_WRITE)
def credit_note_item(request: HttpRequest, ctx: ApiContext, credit_note_id: str) -> HttpResponse:
    """GET /CreditNotes/{CreditNoteID or number} and POST /CreditNotes/{CreditNoteID} (update)."""
    note = creditnotes.find(ctx.organisation, credit_note_id)
    if note is None:
        return wire.not_found()
    if request.method == "GET":
        data = _credit_note_in_full(note, request)
        return wire.json_response(wire.envelope(CreditNotes=[data]))
    if request.method == "POST":
        elements = _elements(request, "CreditNotes")
        if isinstance(elements, HttpResponse):
            return elements
        outcomes = creditnotes.validate_batch(
            ctx.organisation, elements[:1], unit_places=_unit_places(request), path_note=note
        )
        return _save_credit_notes(request, ctx, outcomes)
    return HttpResponseNotAllowed(["GET", "POST"])


def _list_credit_notes(request: HttpRequest, ctx: ApiContext) -> HttpResponse:
    params = _list_params(request, creditnotes.FIELDS, "CreditNote", ("date", "number"))
    if isinstance(params, HttpResponse):
        return params
    rows = CreditNote.objects.filter(organisation=ctx.organisation).defer("search_text")
    if params.modified_since:
        rows = rows.filter(updated__gt=params.modified_since)
    page = query.paginate(rows, params)
    references = _contact_references({note.contact_id for note in page.rows})
    allocations = creditnotes.allocations_by_note(page.rows)
    items = [
        creditnotes.serialize(
            note,
            references[note.contact_id],
            allocations.get(note.pk, ()),
            lines=params.page is not None,
            unit_places=_unit_places(request),
        )
        for note in page.rows
    ]
    return wire.json_response(_listing("CreditNotes", items, page.pagination))


def _credit_note_in_full(note: CreditNote, request: HttpRequest) -> dict[str, Any]:
    allocations = creditnotes.allocations_by_note([note]).get(note.pk, ())
    return creditnotes.serialize(
        note, creditnotes.full_contact(note), allocations, unit_places=_unit_places(request)
    )


def _save_credit_notes(
    request: HttpRequest, ctx: ApiContext, outcomes: list[creditnotes.Outcome]
) -> HttpResponse:
    return _save(
        request,
        ctx,
        outcomes,
        collection="CreditNotes",
        category="CREDITNOTE",
        store=_store_credit_note,
        render=lambda o: {
            **_credit_note_in_full(o.invoice, request),
            "StatusAttributeString": "OK",
        },
        error=creditnotes.error_element,
    )


def _store_credit_note(outcome: creditnotes.Outcome) -> uuid.UUID:
    outcome.invoice.save()
    return outcome.invoice.credit_note_id


@accounting(read=INVOICES_READ, write=INVOICES_WRITE)
def credit_note_allocations(
    request: HttpRequest, ctx: ApiContext, credit_note_id: str
) -> HttpResponse:
    """PUT /CreditNotes/{CreditNoteID}/Allocations: apply credit to invoices of the contact."""
    if request.method != "PUT":
        return HttpResponseNotAllowed(["PUT"])
    note = creditnotes.find(ctx.organisation, credit_note_id)
    if note is None:
        return wire.not_found()
    elements = _elements(request, "Allocations")
    if isinstance(elements, HttpResponse):
        return elements
    with transaction.atomic():
        made, failing = [], []
        for element in elements:
            invoice, amount, day, errors = _allocation_request(ctx, element)
            errors = errors or creditnotes.allocation_errors(note, invoice, amount)
            if errors:
                failing.append(_allocation_error(element, errors))
                continue
            made.append(creditnotes.allocate(note, invoice, amount, day))
        if failing:
            transaction.set_rollback(True)
            return wire.validation_exception(failing)
        base = _base_url(request)
        org_id = ctx.organisation.organisation_id
        webhooks.notify(org_id, "CREDITNOTE", [(note.credit_note_id, "UPDATE")], base_url=base)
        changed = [(a.invoice.invoice_id, "UPDATE") for a in made]
        webhooks.notify(org_id, "INVOICE", changed, base_url=base)
    reference = {"CreditNoteID": str(note.credit_note_id), "ID": str(note.credit_note_id)}
    items = [
        {**creditnotes.allocation_item(a), "CreditNote": {**reference, "LineItems": []}}
        for a in made
    ]
    return wire.json_response(wire.envelope(Allocations=items))


def _allocation_request(
    ctx: ApiContext, element: Any
) -> tuple[Invoice | None, Any, Any, list[str]]:
    """The invoice, amount and date one submitted allocation names, or its errors."""
    if not isinstance(element, dict):
        return None, None, None, ["An allocation must be a JSON object."]
    given = element.get("Invoice")
    key = given.get("InvoiceID") if isinstance(given, dict) else None
    invoice = _find_invoice(ctx, str(key)) if key else None
    try:
        amount = wire.money(wire.parse_decimal(element.get("Amount")))
    except ValueError:
        return invoice, None, None, ["Allocation Amount must be a number."]
    try:
        day = wire.parse_date(element["Date"]) if element.get("Date") else None
    except ValueError:
        return invoice, amount, None, ["Date is not a valid date."]
    return invoice, amount, day or timezone.now().date(), []


def _allocation_error(element: Any, errors: list[str]) -> dict[str, Any]:
    echoed = wire.scrub(dict(element)) if isinstance(element, dict) else {}
    return {**echoed, "ValidationErrors": [{"Message": message} for message in errors]}


# --------------------------------------------------------- settings: the data lines refer to


def _settings_list(
    request: HttpRequest,
    rows: Any,
    *,
    fields: dict,
    entity: str,
    order: tuple[str, ...],
    modified: bool = False,
) -> list[Any] | HttpResponse:
    """The rows of a settings list after `where`, `order` and (where Xero honours it for the
    resource) If-Modified-Since; Xero's 400 for a bad where or order."""
    params = _list_params(request, fields, entity, order)
    if isinstance(params, HttpResponse):
        return params
    if modified and params.modified_since:
        rows = rows.filter(updated__gt=params.modified_since)
    unpaged = query.ListParams(
        where=params.where,
        order=params.order,
        page=None,
        page_size=params.page_size,
        modified_since=None,
        summary_only=False,
        search_term="",
    )
    return query.paginate(rows, unpaged).rows


@accounting(read=SETTINGS_READ, write=set())
def item_collection(request: HttpRequest, ctx: ApiContext) -> HttpResponse:
    """GET /Items: where, order (Code by default), unitdp, If-Modified-Since."""
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    rows = _settings_list(
        request,
        Item.objects.filter(organisation=ctx.organisation),
        fields=reference.ITEM_FIELDS,
        entity="Item",
        order=("code",),
        modified=True,
    )
    if isinstance(rows, HttpResponse):
        return rows
    places = _unit_places(request)
    items = [reference.serialize_item(item, places) for item in rows]
    return wire.json_response(wire.envelope(Items=items))


@accounting(read=SETTINGS_READ, write=set())
def item_item(request: HttpRequest, ctx: ApiContext, item_id: str) -> HttpResponse:
    """GET /Items/{ItemID or Code}."""
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    rows = Item.objects.filter(organisation=ctx.organisation)
    try:
        item = rows.filter(item_id=uuid.UUID(item_id)).first()
    except ValueError:
        item = rows.filter(code=item_id).first()
    if item is None:
        return wire.not_found()
    data = reference.serialize_item(item, _unit_places(request))
    return wire.json_response(wire.envelope(Items=[data]))


@accounting(read=SETTINGS_READ, write=set())
def account_collection(request: HttpRequest, ctx: ApiContext) -> HttpResponse:
    """GET /Accounts: where (e.g. `Class=="REVENUE"`), order (Code), If-Modified-Since."""
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    rows = _settings_list(
        request,
        Account.objects.filter(organisation=ctx.organisation),
        fields=reference.ACCOUNT_FIELDS,
        entity="Account",
        order=("code",),
        modified=True,
    )
    if isinstance(rows, HttpResponse):
        return rows
    accounts = [reference.serialize_account(account) for account in rows]
    return wire.json_response(wire.envelope(Accounts=accounts))


@accounting(read=SETTINGS_READ, write=set())
def account_item(request: HttpRequest, ctx: ApiContext, account_id: str) -> HttpResponse:
    """GET /Accounts/{AccountID}."""
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    try:
        key = uuid.UUID(account_id)
    except ValueError:
        return wire.not_found()
    account = Account.objects.filter(organisation=ctx.organisation, account_id=key).first()
    if account is None:
        return wire.not_found()
    return wire.json_response(wire.envelope(Accounts=[reference.serialize_account(account)]))


@accounting(read=SETTINGS_READ, write=set())
def tax_rate_collection(request: HttpRequest, ctx: ApiContext) -> HttpResponse:
    """GET /TaxRates: where (e.g. `Status=="ACTIVE"`), order (Name by default)."""
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    rows = TaxRate.objects.filter(organisation=ctx.organisation)
    wanted = query.param(request.GET, "TaxType")
    if wanted:
        rows = rows.filter(tax_type=wanted.strip().upper())
    found = _settings_list(
        request, rows, fields=reference.TAX_RATE_FIELDS, entity="TaxRate", order=("name",)
    )
    if isinstance(found, HttpResponse):
        return found
    rates = [reference.serialize_tax_rate(rate) for rate in found]
    return wire.json_response(wire.envelope(TaxRates=rates))


@accounting(read=SETTINGS_READ, write=set())
def tax_rate_item(request: HttpRequest, ctx: ApiContext, tax_type: str) -> HttpResponse:
    """GET /TaxRates/{TaxType}."""
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    rate = TaxRate.objects.filter(
        organisation=ctx.organisation, tax_type=tax_type.strip().upper()
    ).first()
    if rate is None:
        return wire.not_found()
    return wire.json_response(wire.envelope(TaxRates=[reference.serialize_tax_rate(rate)]))


def _tracking_answer(categories: list[TrackingCategory], include_archived: bool) -> HttpResponse:
    options: dict[int, list[TrackingOption]] = {}
    for option in TrackingOption.objects.filter(category__in=categories).order_by("name"):
        if include_archived or option.status == "ACTIVE":
            options.setdefault(option.category_id, []).append(option)
    items = [
        reference.serialize_tracking_category(category, options.get(category.pk, []))
        for category in categories
    ]
    return wire.json_response(wire.envelope(TrackingCategories=items))


@accounting(read=SETTINGS_READ, write=set())
def tracking_category_collection(request: HttpRequest, ctx: ApiContext) -> HttpResponse:
    """GET /TrackingCategories: ACTIVE categories and options, or with includeArchived=true
    the ARCHIVED ones too; where and order (Name by default)."""
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    include_archived = query.flag(request.GET, "includeArchived")
    rows = TrackingCategory.objects.filter(organisation=ctx.organisation)
    if not include_archived:
        rows = rows.filter(status="ACTIVE")
    found = _settings_list(
        request,
        rows.exclude(status="DELETED"),
        fields=reference.TRACKING_FIELDS,
        entity="TrackingCategory",
        order=("name",),
    )
    if isinstance(found, HttpResponse):
        return found
    return _tracking_answer(list(found), include_archived)


@accounting(read=SETTINGS_READ, write=set())
def tracking_category_item(
    request: HttpRequest, ctx: ApiContext, tracking_category_id: str
) -> HttpResponse:
    """GET /TrackingCategories/{TrackingCategoryID}, with all its options."""
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    try:
        key = uuid.UUID(tracking_category_id)
    except ValueError:
        return wire.not_found()
    category = TrackingCategory.objects.filter(
        organisation=ctx.organisation, tracking_category_id=key
    ).first()
    if category is None:
        return wire.not_found()
    return _tracking_answer([category], include_archived=True)


@accounting(read=SETTINGS_READ, write=set())
def branding_theme_collection(request: HttpRequest, ctx: ApiContext) -> HttpResponse:
    """GET /BrandingThemes, by SortOrder (0 is the default theme)."""
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    themes = BrandingTheme.objects.filter(organisation=ctx.organisation)
    items = [reference.serialize_theme(theme) for theme in themes]
    return wire.json_response(wire.envelope(BrandingThemes=items))


@accounting(read=SETTINGS_READ, write=set())
def branding_theme_item(
    request: HttpRequest, ctx: ApiContext, branding_theme_id: str
) -> HttpResponse:
    """GET /BrandingThemes/{BrandingThemeID}."""
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    try:
        key = uuid.UUID(branding_theme_id)
    except ValueError:
        return wire.not_found()
    theme = BrandingTheme.objects.filter(
        organisation=ctx.organisation, branding_theme_id=key
    ).first()
    if theme is None:
        return wire.not_found()
    return wire.json_response(wire.envelope(BrandingThemes=[reference.serialize_theme(theme)]))


@accounting(read=SETTINGS_READ, write=set())
def currency_collection(request: HttpRequest, ctx: ApiContext) -> HttpResponse:
    """GET /Currencies: the organisation's enabled currencies (base included); where, order."""
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    found = _settings_list(
        request,
        Currency.objects.filter(organisation=ctx.organisation),
        fields=reference.CURRENCY_FIELDS,
        entity="Currency",
        order=("code",),
    )
    if isinstance(found, HttpResponse):
        return found
    items = [reference.serialize_currency(currency) for currency in found]
    return wire.json_response(wire.envelope(Currencies=items))
