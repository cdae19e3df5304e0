"""The Xero tab of an opportunity or project: its linked invoices and bills, finding and
linking them, an invoice draft for the deal."""

from __future__ import annotations

import uuid

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm_xero.params import record_id
from linking import selectors, services, tasks
from linking.forms import (
    ContactPickerForm,
    DealInvoiceForm,
    FindItemsForm,
    InvoiceDraftForm,
    InvoiceLineFormSet,
    NewXeroContactForm,
)
from linking.models import XeroLink
from linking.records import kind_of
from linking.views._common import (
    deal_action,
    error_words,
    freshness,
    line_items,
    page_of,
    refetch_when_allowed,
    tab_url,
)
from linking.xero import InvoiceDraft, XeroError, xero_id


def deal_tab(request, record, kind, connection, *, refresh=False, **extra):
    """The tab of an opportunity or project: its linked invoices and bills, with totals."""
    context = {
        "record": record,
        "kind": kind,
        "connection": connection,
        "tab_url": tab_url(kind, record),
        **extra,
    }
    try:
        links = selectors.item_links(record=record, connection=connection)
        linked = selectors.linked_items(connection=connection, links=links, refresh=refresh)
    except XeroError as exc:
        context["error"] = exc
        return render(request, "linking/tab_error.html", context)
    ids = [str(link.xero_id) for link in links]
    refetch_when_allowed(
        linked.problem, lambda after: tasks.items_refetch_later(connection, ids, after=after)
    )
    by_id = {str(link.xero_id): link for link in links}
    show, page = page_of(request, linked.items)
    context.update(
        summary=selectors.invoice_summary(
            invoices=linked.items,
            base_currency=connection.base_currency,
            today=timezone.localdate(),
        ),
        freshness=freshness(linked.updated_at, linked.problem),
        show=show,
        show_choices=selectors.SHOW_CHOICES,
        page=page,
        rows=[
            (item, selectors.item_url(connection, item), by_id.get(item.invoice_id))
            for item in page.object_list
        ],
        missing=linked.missing,
        status_labels=selectors.STATUS_LABELS,
    )
    return render(request, "linking/tab_deal.html", context)


@require_GET
@deal_action
def deal_find(request, record, kind, connection):
    """Find…: sales invoices by number or bills by reference, optionally within dates."""
    form = FindItemsForm(request.GET if "q" in request.GET else None)
    bills = request.GET.get("type") == "bills"
    context = {
        "record": record,
        "kind": kind,
        "tab_url": tab_url(kind, record),
        "form": form,
        "bills": bills,
        "searched": False,
    }
    if form.is_bound and form.is_valid():
        try:
            results = selectors.find_items(
                connection=connection,
                bills=bills,
                text=form.cleaned_data["q"],
                date_from=form.cleaned_data["date_from"],
                date_to=form.cleaned_data["date_to"],
            )
        except XeroError as exc:
            context["problem"] = error_words(exc)
        else:
            linked = {
                str(link.xero_id)
                for link in selectors.item_links(record=record, connection=connection)
            }
            context.update(
                searched=True,
                results=[(item, item.invoice_id in linked) for item in results],
                limit=selectors.FIND_LIMIT,
            )
    return render(request, "linking/tab_deal_find.html", context)


@require_POST
@deal_action
def deal_link(request, record, kind, connection):
    """Link: link a found invoice or bill to the record; a second link is refused politely."""
    try:
        link = services.item_link_create(
            user=request.user,
            record=record,
            connection=connection,
            invoice_id=request.POST.get("invoice_id", ""),
        )
    except (XeroError, services.LinkError) as exc:
        return deal_tab(request, record, kind, connection, problem=error_words(exc))
    return deal_tab(
        request, record, kind, connection, notice=f"Linked {link.xero_name} to this {kind}."
    )


@require_http_methods(["GET", "POST"])
@deal_action
def deal_unlink(request, record, kind, connection):
    """Unlink one invoice or bill: ask first, then remove the link only."""
    link_id = record_id(request.GET.get("link") or request.POST.get("link"))
    if link_id is None:
        raise Http404("No such invoice or bill is linked to this record.")
    link = get_object_or_404(
        XeroLink.objects.filter(**{kind: record}, xero_type=XeroLink.XeroType.INVOICE),
        pk=link_id,
    )
    if request.method == "GET":
        context = {"record": record, "kind": kind, "link": link, "tab_url": tab_url(kind, record)}
        return render(request, "linking/tab_deal_unlink_confirm.html", context)
    services.link_delete(user=request.user, link=link)
    notice = f"Unlinked {link.xero_name}. Nothing was changed in Xero."
    return deal_tab(request, record, kind, connection, notice=notice)


def _deal_lines(record, currency: str) -> list[dict]:
    """Line items for a deal's invoice draft: the opportunity's lines, else its value."""
    if kind_of(record) == "opportunity":
        lines = [
            {
                "description": line.description,
                "quantity": line.quantity,
                "unit_amount": line.unit_price,
                "account_code": line.account_code,
            }
            for line in record.line_items.all()
        ]
        if lines:
            return lines
        if record.value:
            return [{"description": record.name, "quantity": 1, "unit_amount": record.value}]
    return [{"description": record.name, "quantity": 1}]


@require_http_methods(["GET", "POST"])
@deal_action
def deal_invoice(request, record, kind, connection):
    """Create invoice draft for a deal: choose the Xero contact, edit the lines, create, link."""
    default = selectors.deal_default_contact(record=record, connection=connection)
    currency = getattr(record, "currency", "") or connection.base_currency
    data = request.POST if request.method == "POST" else None
    initial = InvoiceDraftForm.initial_for(currency=currency)
    if kind == "opportunity":
        initial["reference"] = record.name
    if default is not None:
        initial.update(contact_id=str(default.xero_id), contact_name=default.xero_name)
    form = DealInvoiceForm(data, initial=initial)
    lines = InvoiceLineFormSet(data, prefix="lines", initial=_deal_lines(record, currency))
    context = {
        "record": record,
        "kind": kind,
        "form": form,
        "lines": lines,
        "tab_url": tab_url(kind, record),
        "new_contact_name": _party_name(record),
        "token": uuid.uuid4().hex,
    }
    if data is None or not (form.is_valid() and lines.is_valid()):
        context["contact_name"] = _chosen_name(connection, form)
        return render(request, "linking/tab_deal_invoice_form.html", context)
    draft = InvoiceDraft(
        contact_id=form.cleaned_data["contact_id"],
        date=form.cleaned_data["date"],
        due_date=form.cleaned_data["due_date"],
        reference=form.cleaned_data["reference"],
        currency=form.cleaned_data["currency"],
        line_items=line_items(lines),
    )
    try:
        invoice, _ = services.deal_invoice_create(
            user=request.user,
            record=record,
            connection=connection,
            draft=draft,
            token=form.cleaned_data["token"],
        )
    except (XeroError, services.LinkError) as exc:
        context["problem"] = error_words(exc)
        context["contact_name"] = _chosen_name(connection, form)
        return render(request, "linking/tab_deal_invoice_form.html", context)
    number = f" {invoice.number}" if invoice.number else ""
    notice = (
        f"Draft invoice{number} for {invoice.currency} {invoice.total:,.2f} created in Xero "
        f"and linked to this {kind}."
    )
    return deal_tab(request, record, kind, connection, notice=notice)


def _chosen_name(connection, form) -> str:
    """The chosen Xero contact's name; a contact picked from the search's list comes back
    without one, so ask Xero for it (nothing when Xero cannot say)."""
    contact_id, name = xero_id(form["contact_id"].value()), form["contact_name"].value()
    if name or not contact_id:
        return name or ""
    return selectors.contact_name(connection=connection, contact_id=contact_id)


def _party_name(record) -> str:
    if record.organization is not None:
        return record.organization.name
    if record.contact is not None:
        return record.contact.full_name
    return ""


@require_http_methods(["GET", "POST"])
@deal_action
def deal_contact_picker(request, record, kind, connection):
    """The invoice form's contact picker: search Xero contacts (GET) or create one (POST)."""
    context = {"record": record, "kind": kind, "tab_url": tab_url(kind, record)}
    try:
        if request.method == "POST":
            new = NewXeroContactForm(request.POST)
            if not new.is_valid():
                context["picker_problem"] = " ".join(new.errors.get("new_contact_name", []))
            else:
                contact = services.deal_contact_create(
                    user=request.user,
                    record=record,
                    connection=connection,
                    name=new.cleaned_data["new_contact_name"],
                    token=new.cleaned_data["contact_token"] or uuid.uuid4().hex,
                )
                context.update(
                    chosen=selectors.Match(contact, True),
                    picker_notice=f"Created {contact.name} in Xero.",
                )
        else:
            search = ContactPickerForm(request.GET)
            text = search.cleaned_data["contact_q"] if search.is_valid() else ""
            context["query"] = text
            if text:
                context["matches"] = selectors.contact_search(connection=connection, text=text)
    except XeroError as exc:
        context["picker_problem"] = error_words(exc)
    context["new_contact_name"] = request.POST.get("new_contact_name") or _party_name(record)
    context["token"] = uuid.uuid4().hex
    return render(request, "linking/tab_deal_contact_picker.html", context)
