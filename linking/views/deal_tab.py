"""The Xero tab of an opportunity or project: its linked invoices and bills, finding and
linking them, an invoice draft for the deal."""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm_xero.params import record_id
from linking import figures, recent, selectors, services, tasks
from linking.forms import (
    ContactPickerForm,
    DealInvoiceForm,
    FindItemsForm,
    NewXeroContactForm,
)
from linking.timezones import organisation_today
from linking.views import composer as composer_views
from linking.views._common import (
    answered_in,
    deal_action,
    draft_notice,
    error_words,
    items_context,
    pushed,
    refetch_when_allowed,
    tab_context,
)
from linking.xero import XeroError


def deal_tab(request, record, kind, connection, *, refresh=False, **extra):
    """The tab of an opportunity or project: its linked invoices and bills, with totals."""
    context = tab_context(record, kind, connection=connection, **extra)
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
    today = organisation_today(connection.timezone)
    context.update(
        figures=figures.deal_figures(
            invoices=linked.items, base_currency=connection.base_currency, today=today
        ),
        rules=figures.rules(figures.DEAL_RULES),
        missing=linked.missing,
        **items_context(
            request,
            connection,
            linked.items,
            record=record,
            kind=kind,
            updated_at=linked.updated_at,
            problem=linked.problem,
            today=today,
            links=links,
            show_choices=[c for c in selectors.SHOW_CHOICES if c[0] != "credit_notes"],
        ),
    )
    # Issue 12: what Xero showed changed on the linked items (linking/recent.py).
    if linked.problem is None:
        recent.items_seen(connection, linked.items)
    context["recent"] = recent.for_items(connection, ids)
    return pushed(request, render(request, "linking/tab_deal.html", context), context)


deal_answer = answered_in(deal_tab, deals=True)


@require_GET
@deal_action
def deal_find(request, record, kind, connection):
    """Find…: sales invoices by number or bills by reference, optionally within dates."""
    form = FindItemsForm(request.GET if "q" in request.GET else None)
    bills = request.GET.get("type") == "bills"
    context = tab_context(record, kind, form=form, bills=bills, searched=False)
    if form.is_bound and form.is_valid():
        try:
            found = selectors.items_found(
                record=record,
                connection=connection,
                bills=bills,
                text=form.cleaned_data["q"],
                date_from=form.cleaned_data["date_from"],
                date_to=form.cleaned_data["date_to"],
                page=selectors.page_number(request.GET.get("page"), last=selectors.FIND_PAGES),
            )
        except XeroError as exc:
            context["problem"] = error_words(exc)
        else:
            context.update(
                searched=True,
                found=found,
                results=found.results,
                query=_find_query(form, bills=bills),
            )
    return render(request, "linking/tab_deal_find.html", context)


def _find_query(form: FindItemsForm, *, bills: bool) -> str:
    """The search asked (without its page), for the Next and Previous of its results."""
    data = form.cleaned_data
    return urlencode(
        {
            "type": "bills" if bills else "invoices",
            "q": data["q"],
            "date_from": data["date_from"].isoformat() if data["date_from"] else "",
            "date_to": data["date_to"].isoformat() if data["date_to"] else "",
        }
    )


@require_POST
@deal_answer
def deal_link(request, record, kind, connection):
    """Link: link a found invoice or bill to the record; a second link is refused politely."""
    invoice_id = request.POST.get("invoice_id", "")
    link = services.item_link_create(
        user=request.user, record=record, connection=connection, invoice_id=invoice_id
    )
    return {"notice": f"Linked {link.xero_name} to this {kind}."}


@require_http_methods(["GET", "POST"])
@deal_answer
def deal_unlink(request, record, kind, connection):
    """Unlink one invoice or bill: ask first, then remove the link only."""
    link_id = record_id(request.GET.get("link") or request.POST.get("link"))
    link = selectors.item_link_get(record=record, link_id=link_id)
    if link is None:
        raise Http404("No such invoice or bill is linked to this record.")
    if request.method == "GET":
        context = tab_context(record, kind, link=link)
        return render(request, "linking/tab_deal_unlink_confirm.html", context)
    services.link_delete(user=request.user, link=link)
    return {"notice": f"Unlinked {link.xero_name}. Nothing was changed in Xero."}


@require_http_methods(["GET", "POST"])
@deal_action
def deal_invoice(request, record, kind, connection):
    """Create invoice draft for a deal: choose the Xero contact, compose the lines (prefilled
    from the opportunity's), check, create, link."""
    defaults = selectors.deal_invoice_defaults(record=record, connection=connection)
    context = tab_context(
        record,
        kind,
        new_contact_name=selectors.deal_party_name(record),
        token=uuid.uuid4().hex,
    )
    try:
        found, action = composer_views.compose(
            request,
            connection,
            form_class=DealInvoiceForm,
            contact_id=defaults.get("contact_id", ""),
            initial_lines=selectors.deal_invoice_lines(record),
            initial=defaults,
        )
    except XeroError as exc:
        context["error"] = exc
        return render(request, "linking/tab_error.html", context)
    if request.method != "POST" or action or not found.check():
        return _invoice_form(request, connection, found, context)
    try:
        invoice, _ = services.deal_invoice_create(
            user=request.user,
            record=record,
            connection=connection,
            draft=found.form.draft(found.lines, contact_id=found.form.cleaned_data["contact_id"]),
            token=found.form.cleaned_data["token"],
        )
    except XeroError as exc:
        context["problem"] = found.place_refusal(exc)
        return _invoice_form(request, connection, found, context)
    except services.LinkError as exc:
        context["problem"] = error_words(exc)
        return _invoice_form(request, connection, found, context)
    notice = draft_notice(invoice, linked_to=kind)
    return deal_tab(request, record, kind, connection, notice=notice)


def _invoice_form(request, connection, found, context):
    """The deal invoice form again, naming the Xero contact chosen so far."""
    form = found.form
    context["contact_name"] = selectors.contact_name(
        connection=connection,
        contact_id=form["contact_id"].value(),
        name=form["contact_name"].value(),
    )
    return composer_views.render_composer(
        request, "linking/tab_deal_invoice_form.html", context, found
    )


@require_http_methods(["GET", "POST"])
@deal_action
def deal_contact_picker(request, record, kind, connection):
    """The invoice form's contact picker: search Xero contacts (GET) or create one (POST)."""
    context = tab_context(record, kind)
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
    context["new_contact_name"] = request.POST.get("new_contact_name") or selectors.deal_party_name(
        record
    )
    context["token"] = uuid.uuid4().hex
    return render(request, "linking/tab_deal_contact_picker.html", context)
