"""Thin views: check access, call one service or selector, render."""

from __future__ import annotations

import logging
import secrets
import time
import uuid
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timesince
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm_xero import cache as shared_cache
from crm_xero.accounts.sso import is_sso_session, sso_context
from crm_xero.params import record_id
from linking import broker, selectors, services, tasks, xero
from linking.access import sso_admin_required
from linking.copying import describe
from linking.forms import (
    ContactPickerForm,
    DealInvoiceForm,
    FindItemsForm,
    InvoiceDraftForm,
    InvoiceLineFormSet,
    NewXeroContactForm,
    SearchForm,
)
from linking.models import PendingXeroConsent, XeroLink
from linking.records import CONTACT_KINDS, get_record, kind_of, record_profile
from linking.xero import InvoiceDraft, LineItem, XeroError, xero_id

log = logging.getLogger(__name__)

OAUTH_SESSION_KEY = "xero_oauth"
OAUTH_MAX_AGE = 600  # seconds a consent may take


def _gate(request, kind: str, pk: int):
    """(record, connection, None) when the user may see this record's Xero tab, else a response."""
    record = get_record(kind, pk)
    context = {"record": record, "kind": kind}
    if not is_sso_session(request):
        context["sso"] = sso_context(request, next_url=f"{record.get_absolute_url()}#xero")
        return record, None, render(request, "linking/tab_sso_required.html", context)
    connection = services.connection_get()
    if connection is None:
        return record, None, render(request, "linking/tab_not_connected.html", context)
    if connection.needs_reconnect:
        context["connection"] = connection
        return record, None, render(request, "linking/tab_connected.html", context)
    return record, connection, None


def xero_tab(request, kind: str, pk: int, *, refresh: bool = False):
    """The Xero tab of a record, as an HTML fragment loaded by htmx."""
    record, connection, refusal = _gate(request, kind, pk)
    if refusal:
        return refusal
    if kind not in CONTACT_KINDS:
        return _deal_tab(request, record, kind, connection, refresh=refresh)
    return _contact_tab(request, record, kind, connection, refresh=refresh)


@require_POST
def xero_refresh(request, kind: str, pk: int):
    """Refresh: the tab with everything it shows asked of Xero again now."""
    return xero_tab(request, kind, pk, refresh=True)


def _contact_tab(request, record, kind, connection, *, refresh=False, **extra):
    """The tab of an organization or contact: matches to link, or the linked contact's money."""
    link = selectors.contact_link_get(record=record, connection=connection)
    context = {
        "record": record,
        "kind": kind,
        "connection": connection,
        "tab_url": reverse("linking:xero_tab", args=[kind, record.pk]),
        **extra,
    }
    try:
        if link is None:
            return _match_view(request, record, connection, context)
        return _linked_view(request, link, connection, context, refresh=refresh)
    except XeroError as exc:
        context["error"] = exc
        return render(request, "linking/tab_error.html", context)


def _match_view(request, record, connection, context):
    form = SearchForm(request.GET or None)
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    if query:
        matches = selectors.contact_search(connection=connection, text=query)
    else:
        matches = selectors.contact_matches(connection=connection, profile=record_profile(record))
    context.update(
        matches=matches,
        query=query,
        search_form=form if query else SearchForm(),
        token=uuid.uuid4().hex,
    )
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
    _refetch_when_allowed(
        account.problem,
        lambda after: tasks.refetch_later(connection, str(link.xero_id), after=after),
    )
    contact = account.contact
    show, page = _page_of(request, account.invoices)
    context.update(
        contact=contact,
        contact_url=selectors.contact_url(connection, contact.contact_id),
        summary=selectors.invoice_summary(
            invoices=account.invoices,
            base_currency=connection.base_currency,
            today=timezone.localdate(),
        ),
        freshness=_freshness(account.updated_at, account.problem),
        show=show,
        show_choices=selectors.SHOW_CHOICES,
        page=page,
        rows=[(item, selectors.item_url(connection, item), None) for item in page.object_list],
        status_labels=selectors.STATUS_LABELS,
    )
    return render(request, "linking/tab_linked.html", context)


def _freshness(updated_at, problem) -> dict:
    """What the tab says about how current its Xero data is."""
    age = (timezone.now() - updated_at).total_seconds()
    words = "just now" if age < 60 else f"{timesince(updated_at)} ago"
    return {"updated_at": updated_at, "words": words, "problem": problem}


def _refetch_when_allowed(problem, queue) -> None:
    """Xero said wait: have a worker fetch what the tab shows when it may, not this request."""
    if problem is not None and problem.retry_after:
        queue(after=problem.retry_after)


def _tab_action(*, deals: bool):
    """A Xero tab action by an SSO user with Xero connected, on an organization or contact
    (deals=False) or on an opportunity or project (deals=True); other kinds are a 404."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, kind: str, pk: int):
            if (kind in CONTACT_KINDS) == deals:
                raise Http404("No such action for this record.")
            record, connection, refusal = _gate(request, kind, pk)
            if refusal:
                return refusal
            return view(request, record, kind, connection)

        return wrapper

    return decorator


_action = _tab_action(deals=False)
_deal_action = _tab_action(deals=True)


@require_POST
@_action
def xero_link(request, record, kind, connection):
    """Add Link: link the record to the chosen Xero contact."""
    try:
        link = services.link_create(
            user=request.user,
            record=record,
            connection=connection,
            xero_contact_id=request.POST.get("xero_contact_id", ""),
        )
    except (XeroError, services.LinkError) as exc:
        return _contact_tab(request, record, kind, connection, problem=_words(exc))
    notice = f"Linked to {link.xero_name} in Xero."
    return _contact_tab(request, record, kind, connection, notice=notice)


@require_POST
@_action
def xero_new_contact(request, record, kind, connection):
    """New Xero Contact: create it from the record's details and link it."""
    try:
        link = services.xero_contact_create(
            user=request.user,
            record=record,
            connection=connection,
            token=request.POST.get("token") or uuid.uuid4().hex,
        )
    except (XeroError, services.LinkError) as exc:
        return _contact_tab(request, record, kind, connection, problem=_words(exc))
    notice = f"Created {link.xero_name} in Xero and linked it."
    return _contact_tab(request, record, kind, connection, notice=notice)


def _link_or_404(record, connection):
    link = selectors.contact_link_get(record=record, connection=connection)
    if link is None:
        raise Http404("This record is not linked to Xero.")
    return link


@require_http_methods(["GET", "POST"])
@_action
def xero_unlink(request, record, kind, connection):
    """Unlink: ask first, then remove the link only."""
    link = _link_or_404(record, connection)
    if request.method == "GET":
        context = {
            "record": record,
            "kind": kind,
            "link": link,
            "tab_url": reverse("linking:xero_tab", args=[kind, record.pk]),
        }
        return render(request, "linking/tab_unlink_confirm.html", context)
    services.link_delete(user=request.user, link=link)
    notice = f"Unlinked from {link.xero_name}. Nothing was changed in Xero."
    return _contact_tab(request, record, kind, connection, notice=notice)


def _copy(request, record, kind, connection, copy, words: str):
    link = _link_or_404(record, connection)
    try:
        plan = copy(user=request.user, record=record, link=link, connection=connection)
    except XeroError as exc:
        return _contact_tab(request, record, kind, connection, problem=_words(exc))
    extra = {}
    if plan.copied or not plan.refused:
        # "Nothing to copy ... already has everything" would be untrue beside a refusal.
        extra["notice"] = describe(plan, direction=words)
    if plan.refused:
        extra["problem"] = "Not copied: " + "; ".join(plan.refused) + "."
    return _contact_tab(request, record, kind, connection, **extra)


@require_POST
@_action
def xero_copy_to(request, record, kind, connection):
    """Copy details to Xero: add the record's details where the Xero contact has none."""
    return _copy(request, record, kind, connection, services.details_copy_to_xero, "to Xero")


@require_POST
@_action
def xero_copy_from(request, record, kind, connection):
    """Copy details from Xero: add the Xero contact's details where the record has none."""
    return _copy(request, record, kind, connection, services.details_copy_from_xero, "from Xero")


@require_http_methods(["GET", "POST"])
@_action
def xero_invoice(request, record, kind, connection):
    """Create invoice draft: the form (GET), then a DRAFT sales invoice in Xero (POST)."""
    link = _link_or_404(record, connection)
    data = request.POST if request.method == "POST" else None
    form = InvoiceDraftForm(
        data, initial=InvoiceDraftForm.initial_for(currency=connection.base_currency)
    )
    lines = InvoiceLineFormSet(data, prefix="lines")
    context = {
        "record": record,
        "kind": kind,
        "link": link,
        "form": form,
        "lines": lines,
        "tab_url": reverse("linking:xero_tab", args=[kind, record.pk]),
    }
    if data is None or not (form.is_valid() and lines.is_valid()):
        return render(request, "linking/tab_invoice_form.html", context)
    draft = InvoiceDraft(
        contact_id=str(link.xero_id),
        date=form.cleaned_data["date"],
        due_date=form.cleaned_data["due_date"],
        reference=form.cleaned_data["reference"],
        currency=form.cleaned_data["currency"],
        line_items=tuple(
            LineItem(
                description=line["description"],
                quantity=line["quantity"],
                unit_amount=line["unit_amount"],
                account_code=line["account_code"],
            )
            for line in lines.cleaned_data
            if line and not line.get("DELETE")
        ),
    )
    try:
        invoice = services.invoice_draft_create(
            user=request.user,
            record=record,
            connection=connection,
            draft=draft,
            token=form.cleaned_data["token"],
        )
    except XeroError as exc:
        context["problem"] = _words(exc)
        return render(request, "linking/tab_invoice_form.html", context)
    number = f" {invoice.number}" if invoice.number else ""
    notice = f"Draft invoice{number} for {invoice.currency} {invoice.total:,.2f} created in Xero."
    return _contact_tab(request, record, kind, connection, notice=notice)


def _words(exc: Exception) -> str:
    if not isinstance(exc, XeroError):
        return str(exc)
    # A rate limit's message is ours ("Xero is busy — ..."); anything else is Xero's own words.
    return exc.message if exc.retry_after else f"Xero: {exc.message}"


@require_GET
@sso_admin_required
def integrations(request):
    """The Integrations page: the Xero connection's state, or a button to make one."""
    connection = services.connection_get()
    return render(
        request,
        "linking/integrations.html",
        {
            "connection": connection,
            "headroom": xero.headroom(connection.tenant_id) if connection else None,
            "webhook_url": request.build_absolute_uri(reverse("linking:xero_webhook")),
            "webhook_key_set": bool(settings.XERO_WEBHOOK_KEY),
            "cache_ttl_minutes": max(1, settings.XERO_CACHE_TTL // 60),
            "pending": PendingXeroConsent.objects.filter(user=request.user).last(),
            "cache_down": not shared_cache.is_reachable(),
            "broker_down": not broker.is_reachable(),
        },
    )


@require_POST
@sso_admin_required
def xero_connect(request):
    """Send the admin to Xero's consent page, with state bound to this session and PKCE."""
    verifier, challenge = xero.new_pkce_pair()
    state = secrets.token_urlsafe(32)
    request.session[OAUTH_SESSION_KEY] = {
        "state": state,
        "verifier": verifier,
        "started": time.time(),
    }
    return redirect(xero.authorization_url(state=state, code_challenge=challenge))


@require_GET
@sso_admin_required
def xero_callback(request):
    """Where Xero sends the admin back: check state, then connect."""
    flow = request.session.pop(OAUTH_SESSION_KEY, None)  # one use only
    state = request.GET.get("state", "")
    if (
        not flow
        or not state
        or not secrets.compare_digest(state.encode(), flow["state"].encode())
        or time.time() - flow["started"] > OAUTH_MAX_AGE
    ):
        return _bad_callback(request)
    if error := request.GET.get("error"):
        if error == "access_denied":
            messages.info(request, "You cancelled in Xero, so nothing was connected.")
        else:
            messages.error(request, f"Xero did not connect: {error}.")
        return redirect("linking:integrations")
    code = request.GET.get("code", "")
    if not code:
        return _bad_callback(request)
    try:
        outcome = services.connection_complete(
            user=request.user, code=code, code_verifier=flow["verifier"]
        )
    except XeroError as exc:
        messages.error(request, _connect_refusal(exc))
        return redirect("linking:integrations")
    if outcome.pending:
        return redirect("linking:xero_choose")
    messages.success(request, f"Connected to {outcome.connection.tenant_name}.")
    return redirect("linking:integrations")


def _connect_refusal(exc: XeroError) -> str:
    """What a failed Connect says: a refused sign-in (the code exchange) speaks for itself."""
    if exc.code == "invalid_code":
        return exc.message
    return f"Could not connect to Xero: {exc.message}"


def _bad_callback(request):
    html = render_to_string("linking/callback_invalid.html", request=request)
    return HttpResponseBadRequest(html)


@require_http_methods(["GET", "POST"])
@sso_admin_required
def xero_choose(request):
    """Pick which of the consented organisations this CRM uses."""
    pending = get_object_or_404(
        PendingXeroConsent.objects.filter(user=request.user).order_by("-pk")[:1]
    )
    if request.method == "POST":
        try:
            connection = services.connection_choose(
                user=request.user, pending=pending, tenant_id=request.POST.get("tenant_id", "")
            )
        except XeroError as exc:
            messages.error(request, _connect_refusal(exc))
            if not PendingXeroConsent.objects.filter(pk=pending.pk).exists():
                return redirect("linking:integrations")  # the consent is used up
        else:
            messages.success(request, f"Connected to {connection.tenant_name}.")
            return redirect("linking:integrations")
    live = services.connection_get()
    return render(
        request,
        "linking/choose_organisation.html",
        {
            "pending": pending,
            "live": live,
            "checked": str(live.tenant_id) if live else pending.tenants[0]["tenant_id"],
        },
    )


@require_POST
@sso_admin_required
def xero_check(request):
    """Ask Xero for the organisation again: shows whether the connection works."""
    connection = services.connection_get()
    if connection:
        try:
            services.connection_check(connection=connection)
        except XeroError as exc:
            messages.error(request, f"Xero: {exc.message}")
        else:
            messages.success(request, f"The connection to {connection.tenant_name} works.")
    return redirect("linking:integrations")


@require_http_methods(["GET", "POST"])
@sso_admin_required
def xero_disconnect(request):
    """Confirm, then disconnect: delete the connection in Xero, revoke the token, forget it."""
    connection = services.connection_get()
    if connection is None:
        return redirect("linking:integrations")
    if request.method == "POST":
        name = connection.tenant_name
        try:
            services.connection_disconnect(user=request.user, connection=connection)
        except XeroError as exc:
            messages.error(request, f"Could not disconnect: {exc.message}")
        else:
            messages.success(request, f"Disconnected from {name}.")
        return redirect("linking:integrations")
    return render(request, "linking/disconnect_confirm.html", {"connection": connection})


# Opportunities and projects: the invoices and bills linked to them.


def _tab_url(kind: str, record) -> str:
    return reverse("linking:xero_tab", args=[kind, record.pk])


def _page_of(request, items):
    show = request.GET.get("show", "all")
    show = show if show in dict(selectors.SHOW_CHOICES) else "all"
    page = Paginator(selectors.filter_items(items, show), selectors.PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return show, page


def _deal_tab(request, record, kind, connection, *, refresh=False, **extra):
    """The tab of an opportunity or project: its linked invoices and bills, with totals."""
    context = {
        "record": record,
        "kind": kind,
        "connection": connection,
        "tab_url": _tab_url(kind, record),
        **extra,
    }
    try:
        links = selectors.item_links(record=record, connection=connection)
        linked = selectors.linked_items(connection=connection, links=links, refresh=refresh)
    except XeroError as exc:
        context["error"] = exc
        return render(request, "linking/tab_error.html", context)
    ids = [str(link.xero_id) for link in links]
    _refetch_when_allowed(
        linked.problem, lambda after: tasks.items_refetch_later(connection, ids, after=after)
    )
    by_id = {str(link.xero_id): link for link in links}
    show, page = _page_of(request, linked.items)
    context.update(
        summary=selectors.invoice_summary(
            invoices=linked.items,
            base_currency=connection.base_currency,
            today=timezone.localdate(),
        ),
        freshness=_freshness(linked.updated_at, linked.problem),
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
@_deal_action
def deal_find(request, record, kind, connection):
    """Find…: sales invoices by number or bills by reference, optionally within dates."""
    form = FindItemsForm(request.GET if "q" in request.GET else None)
    bills = request.GET.get("type") == "bills"
    context = {
        "record": record,
        "kind": kind,
        "tab_url": _tab_url(kind, record),
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
            context["problem"] = _words(exc)
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
@_deal_action
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
        return _deal_tab(request, record, kind, connection, problem=_words(exc))
    return _deal_tab(
        request, record, kind, connection, notice=f"Linked {link.xero_name} to this {kind}."
    )


@require_http_methods(["GET", "POST"])
@_deal_action
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
        context = {"record": record, "kind": kind, "link": link, "tab_url": _tab_url(kind, record)}
        return render(request, "linking/tab_deal_unlink_confirm.html", context)
    services.link_delete(user=request.user, link=link)
    notice = f"Unlinked {link.xero_name}. Nothing was changed in Xero."
    return _deal_tab(request, record, kind, connection, notice=notice)


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
@_deal_action
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
        "tab_url": _tab_url(kind, record),
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
        line_items=_line_items(lines),
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
        context["problem"] = _words(exc)
        context["contact_name"] = _chosen_name(connection, form)
        return render(request, "linking/tab_deal_invoice_form.html", context)
    number = f" {invoice.number}" if invoice.number else ""
    notice = (
        f"Draft invoice{number} for {invoice.currency} {invoice.total:,.2f} created in Xero "
        f"and linked to this {kind}."
    )
    return _deal_tab(request, record, kind, connection, notice=notice)


def _chosen_name(connection, form) -> str:
    """The chosen Xero contact's name; a contact picked from the search's list comes back
    without one, so ask Xero for it (nothing when Xero cannot say)."""
    contact_id, name = xero_id(form["contact_id"].value()), form["contact_name"].value()
    if name or not contact_id:
        return name or ""
    try:
        return xero.get_contact(connection, contact_id).name
    except XeroError:
        return ""


def _party_name(record) -> str:
    if record.organization is not None:
        return record.organization.name
    if record.contact is not None:
        return record.contact.full_name
    return ""


def _line_items(lines) -> tuple[LineItem, ...]:
    return tuple(
        LineItem(
            description=line["description"],
            quantity=line["quantity"],
            unit_amount=line["unit_amount"],
            account_code=line["account_code"],
        )
        for line in lines.cleaned_data
        if line and not line.get("DELETE")
    )


@require_http_methods(["GET", "POST"])
@_deal_action
def deal_contact_picker(request, record, kind, connection):
    """The invoice form's contact picker: search Xero contacts (GET) or create one (POST)."""
    context = {"record": record, "kind": kind, "tab_url": _tab_url(kind, record)}
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
        context["picker_problem"] = _words(exc)
    context["new_contact_name"] = request.POST.get("new_contact_name") or _party_name(record)
    context["token"] = uuid.uuid4().hex
    return render(request, "linking/tab_deal_contact_picker.html", context)
