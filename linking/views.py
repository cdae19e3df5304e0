"""Thin views: check access, call one service or selector, render."""

from __future__ import annotations

import logging
import secrets
import time

from django.contrib import messages
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm_xero.accounts.sso import is_sso_user
from linking import services
from linking.access import sso_admin_required
from linking.models import PendingXeroConsent
from linking.records import get_record
from linking.xero import oauth
from linking.xero.errors import XeroError

log = logging.getLogger(__name__)

OAUTH_SESSION_KEY = "xero_oauth"
OAUTH_MAX_AGE = 600  # seconds a consent may take


def xero_tab(request, kind: str, pk: int):
    """The Xero tab of a record, as an HTML fragment loaded by htmx."""
    record = get_record(kind, pk)
    context = {"record": record, "kind": kind}
    if not is_sso_user(request.user):
        return render(request, "linking/tab_sso_required.html", context)
    connection = services.connection_get()
    if connection is None:
        return render(request, "linking/tab_not_connected.html", context)
    context["connection"] = connection
    return render(request, "linking/tab_connected.html", context)


@require_GET
@sso_admin_required
def integrations(request):
    """The Integrations page: the Xero connection's state, or a button to make one."""
    return render(
        request,
        "linking/integrations.html",
        {
            "connection": services.connection_get(),
            "pending": PendingXeroConsent.objects.filter(user=request.user).last(),
        },
    )


@require_POST
@sso_admin_required
def xero_connect(request):
    """Send the admin to Xero's consent page, with state bound to this session and PKCE."""
    verifier, challenge = oauth.new_pkce_pair()
    state = secrets.token_urlsafe(32)
    request.session[OAUTH_SESSION_KEY] = {
        "state": state,
        "verifier": verifier,
        "started": time.time(),
    }
    return redirect(oauth.authorization_url(state=state, code_challenge=challenge))


@require_GET
@sso_admin_required
def xero_callback(request):
    """Where Xero sends the admin back: check state, then connect."""
    flow = request.session.pop(OAUTH_SESSION_KEY, None)  # one use only
    state = request.GET.get("state", "")
    if (
        not flow
        or not state
        or not secrets.compare_digest(state, flow["state"])
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
        messages.error(request, f"Could not connect to Xero: {exc.message}")
        return redirect("linking:integrations")
    if outcome.pending:
        return redirect("linking:xero_choose")
    messages.success(request, f"Connected to {outcome.connection.tenant_name}.")
    return redirect("linking:integrations")


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
            messages.error(request, f"Could not connect to Xero: {exc.message}")
        else:
            messages.success(request, f"Connected to {connection.tenant_name}.")
            return redirect("linking:integrations")
    return render(request, "linking/choose_organisation.html", {"pending": pending})


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
