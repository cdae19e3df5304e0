"""The Integrations page and the Xero OAuth views: connect, callback, choose, check,
disconnect."""

from __future__ import annotations

import secrets
import time

from django.contrib import messages
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from linking import selectors, services, xero
from linking.access import sso_admin_required
from linking.models import PendingXeroConsent
from linking.views._common import error_words
from linking.xero import XeroError

OAUTH_SESSION_KEY = "xero_oauth"


OAUTH_MAX_AGE = 600  # seconds a consent may take


@require_GET
@sso_admin_required
def integrations(request):
    """The Integrations page: the Xero connection's state, or a button to make one."""
    context = selectors.integrations_overview(
        user=request.user, connection=services.connection_get()
    )
    context["webhook_url"] = request.build_absolute_uri(reverse("linking:xero_webhook"))
    return render(request, "linking/integrations.html", context)


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
    if not _is_our_flow(flow, request.GET.get("state", "")):
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


def _is_our_flow(flow: dict | None, state: str) -> bool:
    """The callback answers the consent this session started (same state), in time."""
    return bool(
        flow
        and state
        and secrets.compare_digest(state.encode(), flow["state"].encode())
        and time.time() - flow["started"] <= OAUTH_MAX_AGE
    )


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
            messages.error(request, error_words(exc))
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
