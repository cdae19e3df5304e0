"""An invoice, bill or credit note inside the CRM (issue 13), opened from a record's Xero tab.

Every SSO user may read one, with or without a Xero login, when it is visible from the record:
in the linked contact's list (organizations, contacts) or linked to the deal (opportunities,
projects), in the connected organisation. Anything else is a 404, asked of nobody. The page is a
fragment swapped into the tab by htmx, and a whole page at the same URL (a reload, a new tab, no
JS). From it: Download PDF (Xero's rendering, streamed, never stored), Copy online invoice link,
View in Xero.
"""

from __future__ import annotations

import io
import re
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.middleware import HtmxDetails

from crm_xero.accounts.sso import is_sso_session, sso_context
from linking import selectors, services, xero
from linking.models import XeroConnection
from linking.records import CONTACT_KINDS, get_record
from linking.views._common import error_words, freshness, tab_url
from linking.xero import CreditNote, Invoice, XeroError

ONLINE_STATUSES = ("AUTHORISED", "PAID")
AMOUNT_TYPES = {"Exclusive": "Tax exclusive", "Inclusive": "Tax inclusive", "NoTax": "No tax"}
GONE = "no longer exists in Xero"


class HtmxRequest(HttpRequest):
    """A request as django-htmx's middleware leaves it."""

    htmx: HtmxDetails


@dataclass(frozen=True)
class Place:
    """Where a detail is opened from: the record, its kind, and the live connection."""

    record: Any  # a CRM record (linking.records): a model with get_absolute_url
    kind: str
    connection: XeroConnection


def _fragment(request: HtmxRequest) -> bool:
    """Whether htmx swaps the answer into a page (else it is the page: a reload, a new tab, no
    JS, or htmx restoring a history entry it kept no copy of)."""
    return bool(request.htmx) and not request.htmx.history_restore_request


def _page_context(request: HtmxRequest, record: Any, kind: str) -> dict[str, Any]:
    record_url = f"{record.get_absolute_url()}#xero"
    current = urlsplit(request.htmx.current_url or "").path if _fragment(request) else ""
    return {
        "record": record,
        "kind": kind,
        "tab_url": tab_url(kind, record),
        "record_url": record_url,
        # Back swaps the tab's list in where the detail was swapped into the tab; from a page of
        # its own (the detail's own URL in the address bar) it is a link to the record.
        "whole_page": not _fragment(request) or current == request.path,
    }


def _answer(
    request: HtmxRequest, template: str, context: dict[str, Any], *, status: int = 200
) -> HttpResponse:
    """The fragment for htmx, else the same inside a whole page (a reload, a new tab, no JS)."""
    if _fragment(request):
        return render(request, template, context, status=status)
    context["fragment"] = template
    return render(request, "linking/detail_page.html", context, status=status)


def _place(request: HtmxRequest, kind: str, pk: int) -> Place | HttpResponse:
    """The record and connection when this session may read Xero data here, else the tab's own
    refusal: an SSO sign-in offer (403), or the panel saying Xero is not connected."""
    record = get_record(kind, pk)
    context = _page_context(request, record, kind)
    if not is_sso_session(request):
        context["sso"] = sso_context(request, next_url=context["record_url"])
        return _answer(request, "linking/tab_sso_required.html", context, status=403)
    connection = services.connection_get()
    if connection is None:
        return _answer(request, "linking/tab_not_connected.html", context)
    if connection.needs_reconnect:
        context["connection"] = connection
        return _answer(request, "linking/tab_connected.html", context)
    return Place(record, kind, connection)


def _listed(place: Place, ident: str, *, credit_note: bool) -> Invoice | CreditNote | None:
    """The record's own summary of the item (from the tab's cache when fresh), or Http404 when the
    record does not show it; None when it is linked to the deal but Xero no longer has it."""
    connection = place.connection
    if place.kind in CONTACT_KINDS:
        link = selectors.contact_link_get(record=place.record, connection=connection)
        if link is None:
            raise Http404("This record is not linked to Xero.")
        account = selectors.contact_account(connection=connection, contact_id=str(link.xero_id))
        found: Invoice | CreditNote | None
        if credit_note:
            found = next((n for n in account.credit_notes if n.credit_note_id == ident), None)
        else:
            found = next((i for i in account.invoices if i.invoice_id == ident), None)
        if found is None:
            raise Http404("This record shows no such item.")
        return found
    links = selectors.item_links(record=place.record, connection=connection)
    if credit_note or ident not in {str(link.xero_id) for link in links}:
        raise Http404("No such invoice or bill is linked to this record.")
    items = xero.items(connection, [ident])
    return items.found[0] if items.found else None


def _number(item: Invoice | CreditNote) -> str:
    return item.number or item.reference


def pdf_filename(number: str) -> str:
    """The download's file name: the number with anything but letters, digits, dots, dashes and
    underscores made a dash (no path, quote or control character can reach the header)."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", number).strip("-.")[:100]
    return f"{stem or 'invoice'}.pdf"


def _detail(
    request: HtmxRequest, kind: str, pk: int, ident: uuid.UUID, *, credit_note: bool
) -> HttpResponse:
    place = _place(request, kind, pk)
    if isinstance(place, HttpResponse):
        return place
    context = _page_context(request, place.record, kind)
    item_id = str(ident)
    context.update(credit_note=credit_note, item_id=item_id)
    try:
        listed = _listed(place, item_id, credit_note=credit_note)
        if listed is None:
            context["gone"] = GONE
        else:
            context["listed"] = listed
            _fill(
                context, place, item_id, credit_note=credit_note, refresh=request.method == "POST"
            )
    except XeroError as exc:
        if exc.code == "not_found":
            context["gone"] = GONE
        else:
            context["error"] = exc
    return _answer(request, "linking/invoice_detail.html", context)


def _fill(
    context: dict[str, Any], place: Place, item_id: str, *, credit_note: bool, refresh: bool
) -> None:
    """The item in full, and what its page offers."""
    connection = place.connection
    loaded = (
        xero.credit_note_detail(connection, item_id, refresh=refresh)
        if credit_note
        else xero.invoice_detail(connection, item_id, refresh=refresh)
    )
    item = loaded.value
    urls = _urls(place, item_id, credit_note=credit_note)
    context.update(
        item=item,
        urls=urls,
        xero_url=selectors.item_url(connection, item),
        freshness=freshness(loaded.updated_at, loaded.problem),
        status_label=selectors.STATUS_LABELS.get(item.status, item.status.title()),
        amount_types=AMOUNT_TYPES.get(item.line_amount_types, item.line_amount_types),
        lines=[_line(line) for line in item.line_items],
    )
    if isinstance(item, Invoice):
        context["online_link"] = item.type == "ACCREC" and item.status in ONLINE_STATUSES
        context["pdf"] = True


def _urls(place: Place, item_id: str, *, credit_note: bool) -> dict[str, str]:
    args = [place.kind, place.record.pk, item_id]
    if credit_note:
        return {"detail": reverse("linking:xero_credit_note_detail", args=args)}
    return {
        "detail": reverse("linking:xero_invoice_detail", args=args),
        "pdf": reverse("linking:xero_invoice_pdf", args=args),
        "online_link": reverse("linking:xero_online_invoice_link", args=args),
    }


@dataclass(frozen=True)
class Line:
    """A line as the page shows it: quantity without trailing zeros, tracking as words."""

    description: str
    quantity: str
    unit_amount: Any
    discount: str
    account_code: str
    tax_type: str
    tax_amount: Any
    tracking: str
    line_amount: Any
    item_code: str


def _plain(number: Any) -> str:
    """A Decimal as people write it: 2, 1.5, 0.25 (no exponent, no trailing zeros)."""
    if number is None:
        return ""
    text = format(number.normalize(), "f")
    return text if "." not in text else text.rstrip("0").rstrip(".")


def _line(line: xero.LineItem) -> Line:
    return Line(
        description=line.description,
        quantity=_plain(line.quantity),
        unit_amount=line.unit_amount,
        discount=f"{_plain(line.discount_rate)}%" if line.discount_rate else "",
        account_code=line.account_code,
        tax_type=line.tax_type,
        tax_amount=line.tax_amount,
        tracking=", ".join(
            f"{t.category_name}: {t.option_name}" if t.category_name else t.option_name
            for t in line.tracking
        ),
        line_amount=line.line_amount,
        item_code=line.item_code,
    )


@require_http_methods(["GET", "POST"])
def invoice_detail(request: HtmxRequest, kind: str, pk: int, invoice_id: uuid.UUID) -> HttpResponse:
    """An invoice or bill in full (GET; POST: asked of Xero again now, the Refresh button)."""
    return _detail(request, kind, pk, invoice_id, credit_note=False)


@require_http_methods(["GET", "POST"])
def credit_note_detail(
    request: HtmxRequest, kind: str, pk: int, credit_note_id: uuid.UUID
) -> HttpResponse:
    """A credit note in full (GET; POST: asked of Xero again now)."""
    return _detail(request, kind, pk, credit_note_id, credit_note=True)


@require_GET
def invoice_pdf(
    request: HtmxRequest, kind: str, pk: int, invoice_id: uuid.UUID
) -> HttpResponseBase:
    """Download PDF: Xero's rendering of the invoice or bill, streamed as an attachment named
    by its number; kept nowhere (not on disk, not in the cache, not by the browser's cache)."""
    place = _place(request, kind, pk)
    if isinstance(place, HttpResponse):
        return place
    item_id = str(invoice_id)
    context = _page_context(request, place.record, kind)
    context.update(credit_note=False, item_id=item_id)
    try:
        listed = _listed(place, item_id, credit_note=False)
        if listed is None:
            raise XeroError(GONE, code="not_found")
        content = xero.invoice_pdf(place.connection, item_id)
    except XeroError as exc:
        if exc.code == "not_found":
            context["gone"] = GONE
            return _answer(request, "linking/invoice_detail.html", context, status=404)
        context["error"] = exc
        return _answer(request, "linking/invoice_detail.html", context, status=502)
    response = FileResponse(
        io.BytesIO(content),
        as_attachment=True,
        filename=pdf_filename(_number(listed)),
        content_type="application/pdf",
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def online_invoice_link(
    request: HtmxRequest, kind: str, pk: int, invoice_id: uuid.UUID
) -> HttpResponse:
    """Copy online invoice link: the link Xero gives customers to view and pay the invoice,
    asked of Xero on each click, shown as text with a Copy button (or Xero's refusal)."""
    place = _place(request, kind, pk)
    if isinstance(place, HttpResponse):
        return place
    item_id = str(invoice_id)
    context: dict[str, Any] = {"item_id": item_id}
    try:
        if _listed(place, item_id, credit_note=False) is None:
            raise XeroError(GONE, code="not_found")
        context["url"] = xero.online_invoice_url(place.connection, item_id)
    except XeroError as exc:
        context["problem"] = (
            f"This invoice {GONE}." if exc.code == "not_found" else error_words(exc)
        )
    return render(request, "linking/_online_link.html", context)
