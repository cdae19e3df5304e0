"""The Xero tab of an organization or contact: match and link, the linked contact's money,
copying details, an invoice draft."""

from __future__ import annotations

import uuid

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_http_methods, require_POST

from linking import chart, figures, recent, selectors, services, tasks
from linking.copying import describe, describe_refusals
from linking.forms import InvoiceDraftForm, SearchForm
from linking.timezones import organisation_today
from linking.views import composer as composer_views
from linking.views._common import (
    answered_in,
    contact_action,
    draft_notice,
    error_words,
    items_context,
    pushed,
    refetch_when_allowed,
    tab_context,
)
from linking.xero import XeroError


def contact_tab(request, record, kind, connection, *, refresh=False, **extra):
    """The tab of an organization or contact: matches to link, or the linked contact's money."""
    link = selectors.contact_link_get(record=record, connection=connection)
    context = tab_context(record, kind, connection=connection, **extra)
    try:
        if link is None:
            return _match_view(request, record, connection, context)
        return _linked_view(request, link, connection, context, refresh=refresh)
    except XeroError as exc:
        context["error"] = exc
        return render(request, "linking/tab_error.html", context)


contact_answer = answered_in(contact_tab, deals=False)


def _match_view(request, record, connection, context):
    form = SearchForm(request.GET or None)
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    context.update(query=query, search_form=form if query else SearchForm(), token=uuid.uuid4().hex)
    try:
        context["matches"] = selectors.contact_candidates(
            connection=connection, record=record, text=query
        )
    except XeroError as exc:
        if exc.reconnect:
            raise  # nothing can be asked of Xero until an admin reconnects: the tab says so
        # The search failed, not the tab: Search and New Xero Contact stay beside Try again.
        context.update(matches=[], search_problem=error_words(exc))
    return render(request, "linking/tab_match.html", context)


def _linked_view(request, link, connection, context, *, refresh=False):
    context["link"] = link
    try:
        account = selectors.contact_account(
            connection=connection, contact_id=str(link.xero_id), refresh=refresh
        )
    except XeroError as exc:
        if exc.code != "not_found":
            raise
        return render(request, "linking/tab_gone.html", context)
    refetch_when_allowed(
        account.problem,
        lambda after: tasks.refetch_later(connection, str(link.xero_id), after=after),
    )
    today = organisation_today(connection.timezone)
    context.update(
        contact=account.contact,
        contact_url=selectors.contact_url(connection, account.contact.contact_id),
        **items_context(
            request,
            connection,
            account.invoices,
            record=context["record"],
            kind=context["kind"],
            updated_at=account.updated_at,
            problem=account.problem,
            today=today,
            credit_notes=account.credit_notes,
        ),
        figures=figures.contact_figures(
            invoices=account.invoices,
            credit_notes=account.credit_notes,
            base_currency=connection.base_currency,
            today=today,
        ),
        rules=figures.rules(figures.CONTACT_RULES),
    )
    # Issue 12: the 12-month chart, and what Xero showed changed (linking/chart.py, recent.py).
    if account.problem is None:  # older data shown while Xero is busy tells nothing new
        recent.contact_seen(
            connection, str(link.xero_id), [*account.invoices, *account.credit_notes]
        )
    context.update(
        chart=chart.twelve_months(
            invoices=account.invoices,
            base_currency=connection.base_currency,
            today=today,
        ),
        recent=recent.for_contact(connection, str(link.xero_id)),
    )
    return pushed(request, render(request, "linking/tab_linked.html", context), context)


@require_POST
@contact_answer
def xero_link(request, record, kind, connection):
    """Add Link: link the record to the chosen Xero contact."""
    link = services.link_create(
        user=request.user,
        record=record,
        connection=connection,
        xero_contact_id=request.POST.get("xero_contact_id", ""),
    )
    return {"notice": f"Linked to {link.xero_name} in Xero."}


@require_POST
@contact_answer
def xero_new_contact(request, record, kind, connection):
    """New Xero Contact: create it from the record's details and link it."""
    token = request.POST.get("token") or uuid.uuid4().hex
    link = services.xero_contact_create(
        user=request.user, record=record, connection=connection, token=token
    )
    return {"notice": f"Created {link.xero_name} in Xero and linked it."}


def _link_or_404(record, connection):
    link = selectors.contact_link_get(record=record, connection=connection)
    if link is None:
        raise Http404("This record is not linked to Xero.")
    return link


@require_http_methods(["GET", "POST"])
@contact_answer
def xero_unlink(request, record, kind, connection):
    """Unlink: ask first, then remove the link only."""
    link = _link_or_404(record, connection)
    if request.method == "GET":
        context = tab_context(record, kind, link=link)
        return render(request, "linking/tab_unlink_confirm.html", context)
    services.link_delete(user=request.user, link=link)
    return {"notice": f"Unlinked from {link.xero_name}. Nothing was changed in Xero."}


def _copy(request, record, connection, copy, words: str) -> dict:
    """What the tab says after a copy: what was copied (notice), what could not be (problem),
    and what was left as the other side has it (kept, one line each)."""
    link = _link_or_404(record, connection)
    plan = copy(user=request.user, record=record, link=link, connection=connection)
    said: dict[str, object] = {}
    refusals = describe_refusals(plan)
    if plan.copied or not refusals:
        said["notice"] = describe(plan, direction=words)
    if refusals:
        said["problem"] = refusals
    if plan.kept:
        said["kept"] = plan.kept
    return said


@require_POST
@contact_answer
def xero_copy_to(request, record, kind, connection):
    """Copy details to Xero: add the record's details where the Xero contact has none."""
    return _copy(request, record, connection, services.details_copy_to_xero, "to Xero")


@require_POST
@contact_answer
def xero_copy_from(request, record, kind, connection):
    """Copy details from Xero: add the Xero contact's details where the record has none."""
    return _copy(request, record, connection, services.details_copy_from_xero, "from Xero")


@require_http_methods(["GET", "POST"])
@contact_action
def xero_invoice(request, record, kind, connection):
    """Create invoice draft: the composer (GET; Work out total, Refresh, Use for every line),
    then the invoice in Xero, checked first (POST)."""
    link = _link_or_404(record, connection)
    context = tab_context(record, kind, link=link)
    try:
        found, action = composer_views.compose(
            request, connection, form_class=InvoiceDraftForm, contact_id=str(link.xero_id)
        )
    except XeroError as exc:
        context["error"] = exc
        return render(request, "linking/tab_error.html", context)
    template = "linking/tab_invoice_form.html"
    if request.method != "POST" or action or not found.check():
        return composer_views.render_composer(request, template, context, found)
    try:
        invoice = services.invoice_draft_create(
            user=request.user,
            record=record,
            connection=connection,
            draft=found.form.draft(found.lines, contact_id=str(link.xero_id)),
            token=found.form.cleaned_data["token"],
        )
    except XeroError as exc:
        context["problem"] = found.place_refusal(exc)
        return composer_views.render_composer(request, template, context, found)
    return contact_tab(request, record, kind, connection, notice=draft_notice(invoice))
