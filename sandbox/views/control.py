"""The sandbox's control page at /sandbox/: a developer tool, never deployed, no login.

It shows the seeded tenants and connections, edits the knobs, resets the rate-limit counters,
seeds data, and sends signed webhooks or the intent-to-receive probe to a receiver.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt

from sandbox import dbguard, knobs, seed, webhooks
from sandbox.models import App, Connection, Contact, Invoice, Organisation, XeroUser
from sandbox.ratelimit import LIMITER

NUMERIC_KNOBS = (
    "latency_ms",
    "fail_next_count",
    "fail_next_status",
    "minute_limit",
    "day_limit",
    "concurrent_limit",
    "app_minute_limit",
    "access_token_lifetime",
    "refresh_grace_seconds",
)


@login_not_required
@csrf_exempt
def control(request: HttpRequest) -> HttpResponse:
    """GET shows the page; POST runs the chosen action and shows the page with its result."""
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    result, status = "", 200
    if request.method == "POST":
        result, ok = _run(request.POST.get("action", ""), request)
        status = 200 if ok else 400
    with dbguard.guard():
        return render(request, "sandbox/control.html", _context(result), status=status)


@login_not_required
def stats(request: HttpRequest) -> JsonResponse:
    """Accounting requests this process received, and peak concurrency, per tenant (JSON)."""
    return JsonResponse(LIMITER.snapshot())


def _context(result: str) -> dict[str, Any]:
    return {
        "result": result,
        "knobs": knobs.current(),
        "scopes": knobs.FAILURE_SCOPES,
        "organisations": Organisation.objects.annotate(
            contact_count=Count("contact", distinct=True),
            invoice_count=Count("invoice", distinct=True),
        ),
        "apps": App.objects.all(),
        "users": XeroUser.objects.prefetch_related("organisations"),
        "connections": Connection.objects.select_related("app", "user", "organisation"),
        "default_invoices": seed.DEFAULT_BIG_CUSTOMER_INVOICES,
    }


def _run(action: str, request: HttpRequest) -> tuple[str, bool]:
    """Perform a control-page action; the message to show and whether it succeeded."""
    data = request.POST
    if action == "knobs":
        return _save_knobs(data)
    if action == "reset":
        knobs.reset()
        return "Knobs reset to defaults; rate-limit counters cleared.", True
    if action == "reset_rate_limits":
        knobs.reset_rate_limits()
        return "Rate-limit counters cleared.", True
    if action == "seed":
        count = _int(data.get("invoices"), seed.DEFAULT_BIG_CUSTOMER_INVOICES)
        with dbguard.guard():
            summary = seed.seed(big_customer_invoices=count)
        return f"Seeded: {summary}.", True
    if action == "webhook":
        return _send_webhook(request)
    if action == "intent":
        return _intent(data)
    return f"Unknown action {action!r}.", False


def _int(value: str | None, default: int) -> int:
    try:
        return int(value or default)
    except ValueError:
        return default


def _save_knobs(data: Any) -> tuple[str, bool]:
    values: dict[str, Any] = {}
    for name in NUMERIC_KNOBS:
        if data.get(name, "") != "":
            try:
                values[name] = int(data[name])
            except ValueError:
                return f"{name} must be a whole number.", False
    values["fail_next_scope"] = data.get("fail_next_scope", "api")
    values["webhook_url"] = data.get("webhook_url", "").strip()
    values["webhook_key"] = data.get("webhook_key", "").strip()
    try:
        knobs.set_knobs(**values)
    except (ValidationError, ValueError) as exc:
        return f"Not saved: {exc}", False
    return "Knobs saved.", True


def _latest_resource(tenant: Organisation, category: str) -> uuid.UUID | None:
    model = Contact if category == "CONTACT" else Invoice
    row = model.objects.filter(organisation=tenant).order_by("-updated", "-pk").first()
    if row is None:
        return None
    return row.contact_id if category == "CONTACT" else row.invoice_id


def _send_webhook(request: HttpRequest) -> tuple[str, bool]:
    data = request.POST
    url, key = data.get("url", "").strip(), data.get("key", "")
    category, event_type = data.get("category", "CONTACT"), data.get("event_type", "UPDATE")
    with dbguard.guard():
        tenant = Organisation.objects.filter(organisation_id=_uuid(data.get("tenant"))).first()
        if tenant is None or not url or not key:
            return "Give a URL, a webhook key and a tenant.", False
        resource = _uuid(data.get("resource_id")) or _latest_resource(tenant, category)
        if resource is None:
            return "That tenant has no such record to announce.", False
        base = request.build_absolute_uri("/").rstrip("/")
        try:
            events = [
                webhooks.event(
                    tenant.organisation_id, category, resource, event_type, base_url=base
                )
            ]
        except ValueError as exc:
            return str(exc), False
    delivery = webhooks.send_events(url, key, events)
    answer = delivery.status if delivery.status is not None else f"no answer ({delivery.error})"
    return f"Sent {category} {event_type} for {resource} to {url}: receiver answered {answer}.", (
        delivery.status == 200
    )


def _intent(data: Any) -> tuple[str, bool]:
    url, key = data.get("url", "").strip(), data.get("key", "")
    if not url or not key:
        return "Give a URL and a webhook key.", False
    result = webhooks.intent_to_receive(url, key)
    verdict = "passed" if result.ok else "FAILED"
    return (
        f"Intent to receive {verdict}: correctly signed -> {result.signed.status} (want 200), "
        f"badly signed -> {result.badly_signed.status} (want 401).",
        result.ok,
    )


def _uuid(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID((value or "").strip())
    except ValueError:
        return None
