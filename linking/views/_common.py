"""What the Xero tab's views share: the gate (SSO, a live connection), the action decorators,
the context every fragment and both item lists are rendered with, and how an error reads."""

from __future__ import annotations

from dataclasses import replace
from functools import wraps

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timesince

from crm_xero.accounts.sso import is_sso_session, sso_context
from linking import selectors, services
from linking.models import XeroLink
from linking.records import CONTACT_KINDS, get_record
from linking.xero import Invoice, XeroError


def gate(request, kind: str, pk: int):
    """(record, connection, None) when the user may see this record's Xero tab, else a response."""
    record = get_record(kind, pk)
    context: dict[str, object] = {"record": record, "kind": kind}
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


def freshness(updated_at, problem) -> dict:
    """What the tab says about how current its Xero data is."""
    age = (timezone.now() - updated_at).total_seconds()
    words = "just now" if age < 60 else f"{timesince(updated_at)} ago"
    return {"updated_at": updated_at, "words": words, "problem": problem}


def refetch_when_allowed(problem, queue) -> None:
    """Xero said wait: have a worker fetch what the tab shows when it may, not this request."""
    if problem is not None and problem.retry_after:
        queue(after=problem.retry_after)


def tab_action(*, deals: bool):
    """A Xero tab action by an SSO user with Xero connected, on an organization or contact
    (deals=False) or on an opportunity or project (deals=True); other kinds are a 404."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, kind: str, pk: int):
            if (kind in CONTACT_KINDS) == deals:
                raise Http404("No such action for this record.")
            record, connection, refusal = gate(request, kind, pk)
            if refusal:
                return refusal
            return view(request, record, kind, connection)

        return wrapper

    return decorator


contact_action = tab_action(deals=False)
deal_action = tab_action(deals=True)


def answered_in(tab, *, deals: bool):
    """A tab action (see `tab_action`) whose view returns what the tab then says (`notice`,
    `problem`) or a page of its own; a refusal by Xero or by the rules of links is the tab
    again with the reason."""

    def decorator(view):
        @wraps(view)
        def answering(request, record, kind: str, connection):
            try:
                said = view(request, record, kind, connection)
            except (XeroError, services.LinkError) as exc:
                said = {"problem": error_words(exc)}
            if isinstance(said, HttpResponse):
                return said
            return tab(request, record, kind, connection, **said)

        return tab_action(deals=deals)(answering)

    return decorator


def error_words(exc: Exception) -> str:
    if not isinstance(exc, XeroError):
        return str(exc)
    # Quoted as Xero's only when it is Xero's own words; the app's own ("Xero is busy — ...",
    # "Xero is unavailable right now ...", a network failure) are shown as they are.
    return f"Xero: {exc.message}" if exc.xero_said else exc.message


def tab_url(kind: str, record) -> str:
    return reverse("linking:xero_tab", args=[kind, record.pk])


def tab_context(record, kind: str, **more) -> dict:
    """What every fragment of the tab is rendered with: the record, its kind, the tab's URL."""
    return {"record": record, "kind": kind, "tab_url": tab_url(kind, record), **more}


def page_of(request, items, *, today=None, credit_notes=(), shows=selectors.SHOW_CHOICES):
    """The view the URL asks for (anything invalid is its default) and its page of items; a page
    past the last is the last."""
    view = selectors.ListView.from_query(request.GET, shows=shows)
    listed = selectors.list_items(items, view, today=today, credit_notes=credit_notes)
    page = Paginator(listed, view.size).get_page(view.page)
    return replace(view, page=page.number), page


# Page numbers shown around the current one in the pager (besides the first and the last).
PAGER_SPREAD = 2


def list_controls(record, kind: str, view: selectors.ListView, page) -> dict:
    """The URLs of the table's sort buttons and pager (the tab's, with the view's state), and the
    record page's URL of this view, pushed into the browser's history."""
    url = tab_url(kind, record)

    def get(**changes) -> str:
        query = view.query(**changes)
        return f"{url}?{query}" if query else url

    sorts = {}
    for key, _words in selectors.SORT_COLUMNS:
        current = view.sort == key
        # A first click sorts text and dates A→Z / oldest first, money largest first.
        first = "desc" if key in ("total", "amount_due", "date", "due") else "asc"
        then = ("asc" if view.dir == "desc" else "desc") if current else first
        sorts[key] = {
            "url": get(sort=key, dir=then, page=1),
            "aria_sort": ("descending" if view.dir == "desc" else "ascending") if current else "",
            "next": "descending" if then == "desc" else "ascending",
        }
    last = page.paginator.num_pages
    around = range(max(1, page.number - PAGER_SPREAD), min(last, page.number + PAGER_SPREAD) + 1)
    numbers: list[int | None] = []
    for number in sorted({1, last, *around}):
        if numbers and numbers[-1] is not None and number - numbers[-1] > 1:
            numbers.append(None)  # a gap: "…"
        numbers.append(number)
    state = "&".join(filter(None, [TAB_PARAM, view.query()]))
    return {
        "view": view,
        "sorts": sorts,
        "pager": [(n, get(page=n) if n else "") for n in numbers],
        "first_url": get(page=1),
        "last_url": get(page=last),
        "previous_url": get(page=page.number - 1) if page.has_previous() else "",
        "next_url": get(page=page.number + 1) if page.has_next() else "",
        "page_sizes": selectors.PAGE_SIZES,
        "list_url": f"{record.get_absolute_url()}?{state}#xero",
    }


LIST_HEADER = "X-Xero-List"
TAB_PARAM = "tab=xero"  # the record page opens its Xero tab (static/js/app.js)


def pushed(request, response: HttpResponse, context: dict) -> HttpResponse:
    """A change of the items table's view (a request marked by its controls) is pushed into the
    browser's history as the record page's URL of the view, so Back, reload and a copied link
    come back to it; the tab shown again after an action (a POST: Refresh, Link, Copy, ...)
    puts the URL of what it shows in place of the current one."""
    url = context.get("list_url")
    if url and request.headers.get(LIST_HEADER):
        response["HX-Push-Url"] = url
    elif url and request.method == "POST":
        response["HX-Replace-Url"] = url
    return response


def items_context(
    request,
    connection,
    items,
    *,
    record,
    kind: str,
    updated_at,
    problem,
    today,
    links=(),
    credit_notes=(),
    show_choices=selectors.SHOW_CHOICES,
) -> dict:
    """What both tabs show of a list of invoices and bills: the summary, how current it is, the
    Show filter, sorting, the text filter, and a page of rows (item, its page in Xero, its link
    on a deal); `today` is the organisation's."""
    by_id: dict[str | None, XeroLink] = {str(link.xero_id): link for link in links}
    view, page = page_of(request, items, today=today, credit_notes=credit_notes, shows=show_choices)
    return {
        "today": today,
        "summary": selectors.invoice_summary(
            invoices=items, base_currency=connection.base_currency, today=timezone.localdate()
        ),
        "freshness": freshness(updated_at, problem),
        "show": view.show,
        "show_choices": show_choices,
        "page": page,
        "rows": [
            (item, selectors.item_url(connection, item), by_id.get(_invoice_id(item)))
            for item in page.object_list
        ],
        "status_labels": selectors.STATUS_LABELS,
        **list_controls(record, kind, view, page),
    }


def _invoice_id(item) -> str | None:
    """A listed invoice's or bill's id (what a deal's links are to); a credit note has none."""
    return item.invoice_id if isinstance(item, Invoice) else None


def draft_notice(invoice, *, linked_to: str = "") -> str:
    """What the tab says after an invoice draft was created (and linked to the deal): Xero's
    number and total, e.g. "INV-0042 for AUD 9,239.78 created as a draft in Xero."."""
    number = invoice.number or "An invoice"
    linked = f" and linked to this {linked_to}" if linked_to else ""
    amount = f"{invoice.currency} {invoice.total:,.2f}"
    if invoice.status == "SUBMITTED":
        return f"{number} for {amount} created in Xero and submitted for approval{linked}."
    return f"{number} for {amount} created as a draft in Xero{linked}."
