"""What the Xero tab's views share: the gate (SSO, a live connection), the action decorators,
paging, freshness and how an error reads."""

from __future__ import annotations

from functools import wraps

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timesince

from crm_xero.accounts.sso import is_sso_session, sso_context
from linking import selectors, services
from linking.records import CONTACT_KINDS, get_record
from linking.xero import LineItem, XeroError


def gate(request, kind: str, pk: int):
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


def error_words(exc: Exception) -> str:
    if not isinstance(exc, XeroError):
        return str(exc)
    # Quoted as Xero's only when it is Xero's own words; the app's own ("Xero is busy — ...",
    # "Xero is unavailable right now ...", a network failure) are shown as they are.
    return f"Xero: {exc.message}" if exc.xero_said else exc.message


def tab_url(kind: str, record) -> str:
    return reverse("linking:xero_tab", args=[kind, record.pk])


def page_of(request, items):
    show = request.GET.get("show", "all")
    show = show if show in dict(selectors.SHOW_CHOICES) else "all"
    page = Paginator(selectors.filter_items(items, show), selectors.PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return show, page


def line_items(lines) -> tuple[LineItem, ...]:
    """An invoice draft's line items from its lines formset (deleted and empty rows left out)."""
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
