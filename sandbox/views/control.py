"""The sandbox's control page at /sandbox/: a developer tool, never deployed, no login.

It shows the seeded tenants and connections, edits the knobs, resets the rate-limit counters,
seeds data, raises credit notes and records payments as a bookkeeper would in Xero (announced by
webhook when the webhook knobs are set), and sends signed webhooks or the intent-to-receive
probe to a receiver.
"""

from __future__ import annotations

import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt

from sandbox import actions, dbguard, knobs, seed, webhooks
from sandbox.models import App, Connection, Contact, CreditNote, Invoice, Organisation, XeroUser
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
            credit_note_count=Count("creditnote", distinct=True),
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
    if action == "credit_note":
        return _raise_credit_note(request)
    if action == "payment":
        return _record_payment(request)
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


def _amount(value: str | None) -> Decimal | None:
    try:
        amount = Decimal((value or "").strip())
    except InvalidOperation:
        return None
    return amount if amount.is_finite() else None


def _tenant_invoice(tenant: Organisation, number: str) -> Invoice | None:
    rows = Invoice.objects.filter(organisation=tenant)
    key = _uuid(number)
    return (rows.filter(invoice_id=key) if key else rows.filter(number=number)).first()


def _raise_credit_note(request: HttpRequest) -> tuple[str, bool]:
    data = request.POST
    amount = _amount(data.get("amount"))
    number = data.get("invoice", "").strip()
    with dbguard.guard():
        tenant = Organisation.objects.filter(organisation_id=_uuid(data.get("tenant"))).first()
        if tenant is None or amount is None or amount <= 0:
            return "Give a tenant, a contact and an amount above 0.", False
        name = data.get("contact", "").strip()
        contact = Contact.objects.filter(organisation=tenant, name__iexact=name).first()
        if contact is None:
            return f"{tenant.name} has no contact named {name!r}.", False
        invoice = _tenant_invoice(tenant, number) if number else None
        if number and invoice is None:
            return f"{tenant.name} has no invoice {number}.", False
        try:
            raised = actions.raise_credit_note(
                tenant,
                contact,
                amount,
                kind=data.get("type", "ACCRECCREDIT"),
                allocate_to=invoice,
                base_url=_base(request),
            )
        except actions.ActionError as exc:
            return f"Not raised: {exc}", False
    note = raised.credit_note
    applied = f", {note.total - note.remaining_credit} allocated to {invoice}" if invoice else ""
    return (
        f"Raised {note.type} {note.number or note.credit_note_id} for {contact.name}: "
        f"{note.currency} {note.total}{applied}.",
        True,
    )


def _record_payment(request: HttpRequest) -> tuple[str, bool]:
    data = request.POST
    given = data.get("amount", "").strip()
    amount = _amount(given) if given else None
    if given and amount is None:
        return "The amount must be a number.", False
    with dbguard.guard():
        tenant = Organisation.objects.filter(organisation_id=_uuid(data.get("tenant"))).first()
        number = data.get("invoice", "").strip()
        invoice = _tenant_invoice(tenant, number) if tenant and number else None
        if invoice is None:
            return "Give a tenant and one of its invoice numbers.", False
        try:
            actions.pay_invoice(invoice, amount, base_url=_base(request))
        except actions.ActionError as exc:
            return f"Not paid: {exc}", False
    return (
        f"Paid {invoice}: {invoice.status}, {invoice.currency} {invoice.amount_due} still due.",
        True,
    )


def _base(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _latest_resource(tenant: Organisation, category: str) -> uuid.UUID | None:
    model = {"CONTACT": Contact, "INVOICE": Invoice, "CREDITNOTE": CreditNote}.get(category)
    if model is None:
        return None
    row = model.objects.filter(organisation=tenant).order_by("-updated", "-pk").first()
    if row is None:
        return None
    column = {"CONTACT": "contact_id", "INVOICE": "invoice_id"}.get(category, "credit_note_id")
    return getattr(row, column)


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
        try:
            events = [
                webhooks.event(
                    tenant.organisation_id, category, resource, event_type, base_url=_base(request)
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
