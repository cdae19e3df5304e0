"""What Xero's API gateway does before and after every Accounting call.

Order: injected failure, bearer token (401), scope (401), tenant (403), rate limits (429),
latency, then the endpoint (with Idempotency-Key replay for PUT and POST). Rate-limit headers go
on every answer that got as far as the rate limiter.
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from sandbox import dbguard, knobs, oauth, wire
from sandbox.models import Grant, IdempotencyRecord, Knobs, Organisation
from sandbox.ratelimit import LIMITER

# https://developer.xero.com/documentation/guides/idempotent-requests
IDEMPOTENCY_WINDOW = timedelta(minutes=6)
IDEMPOTENCY_KEY_MAX = 128
REPLAY_WAIT_SECONDS = 15.0
REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


@dataclass(frozen=True)
class ApiContext:
    """The authorised caller of an Accounting call."""

    grant: Grant
    organisation: Organisation
    knobs: Knobs


Endpoint = Callable[..., HttpResponse]


def injected_failure(status: int, scope: str) -> HttpResponse:
    """A Xero-like answer for a failure injected by the fail-next knob."""
    if status == 400:
        return wire.api_exception(
            10, "ValidationException", "A validation exception occurred (injected by sandbox)", []
        )
    if status == 401:
        return wire.unauthorized("AuthenticationUnsuccessful")
    if status == 403:
        return wire.forbidden()
    if status == 404:
        return wire.not_found()
    if status == 429:
        headers = {"Retry-After": "60", "X-Rate-Limit-Problem": "minute"}
        return wire.problem(429, "Too Many Requests", "Rate limit exceeded", headers=headers)
    if scope == "token":
        return wire.json_response({"error": "temporarily_unavailable"}, status=status)
    title = REASONS.get(status, "Error")
    return wire.problem(status, title, f"{title} (injected by sandbox)")


def accounting(*, read: set[str], write: set[str]) -> Callable[[Endpoint], Endpoint]:
    """Wrap an Accounting endpoint in Xero's gateway; `read`/`write` are the scopes allowed."""

    def decorate(endpoint: Endpoint) -> Endpoint:
        @functools.wraps(endpoint)
        @login_not_required
        @csrf_exempt
        def view(request: HttpRequest, **kwargs: Any) -> HttpResponse:
            LIMITER.count_request(request.headers.get("xero-tenant-id", ""))
            allowed = read if request.method in ("GET", "HEAD") else write
            with dbguard.guard():
                settings_row = knobs.current()
                gate = _admit(request, settings_row, allowed)
            if isinstance(gate, HttpResponse):
                _sleep(settings_row)
                return gate
            return _call_limited(request, gate, endpoint, kwargs)

        return view

    return decorate


def _admit(
    request: HttpRequest, settings_row: Knobs, scopes: set[str]
) -> ApiContext | HttpResponse:
    """The caller's context, or the failure/401/403 answer that stops the call."""
    failure = knobs.consume_failure(settings_row, "api")
    if failure is not None:
        return injected_failure(failure, "api")
    try:
        grant = oauth.authenticate(request.headers.get("Authorization", ""))
    except oauth.Unauthorized as exc:
        return wire.unauthorized(exc.detail)
    if not scopes & grant.scope_set:
        return wire.unauthorized("AuthorizationUnsuccessful")
    organisation = oauth.connected_organisation(grant, request.headers.get("xero-tenant-id", ""))
    if organisation is None:
        return wire.forbidden()
    return ApiContext(grant, organisation, settings_row)


def _call_limited(
    request: HttpRequest, ctx: ApiContext, endpoint: Endpoint, kwargs: dict[str, Any]
) -> HttpResponse:
    """Run the endpoint inside the rate limiter, adding the limit headers to the answer."""
    app_key, tenant_key = ctx.grant.app.client_id, str(ctx.organisation.organisation_id)
    decision = LIMITER.acquire(app_key, tenant_key, knobs.limits(ctx.knobs))
    if not decision.allowed:
        headers = {
            **decision.headers,
            "Retry-After": str(decision.retry_after),
            "X-Rate-Limit-Problem": decision.problem or "",
        }
        return wire.problem(
            429, "Too Many Requests", f"Rate limit exceeded: {decision.problem}", headers=headers
        )
    try:
        _sleep(ctx.knobs)
        response = _dispatch(request, ctx, endpoint, kwargs)
    finally:
        LIMITER.release(app_key, tenant_key)
    for name, value in decision.headers.items():
        response[name] = value
    return response


def _sleep(settings_row: Knobs) -> None:
    if settings_row.latency_ms:
        time.sleep(settings_row.latency_ms / 1000)


def _dispatch(
    request: HttpRequest, ctx: ApiContext, endpoint: Endpoint, kwargs: dict[str, Any]
) -> HttpResponse:
    key = request.headers.get("Idempotency-Key", "").strip()
    if request.method not in ("PUT", "POST") or not key:
        with dbguard.guard():
            return endpoint(request, ctx, **kwargs)
    if len(key) > IDEMPOTENCY_KEY_MAX:
        return wire.api_exception(
            10,
            "ValidationException",
            f"Idempotency-Key must be {IDEMPOTENCY_KEY_MAX} characters or fewer",
            [],
        )
    return idempotent(ctx.organisation, key, lambda: endpoint(request, ctx, **kwargs))


def idempotent(
    organisation: Organisation, key: str, produce: Callable[[], HttpResponse]
) -> HttpResponse:
    """The first answer for (tenant, key) within six minutes; later calls replay its bytes."""
    with dbguard.guard():
        record = _claim(organisation, key)
        if record is not None:
            try:
                response = produce()
            except BaseException:
                record.delete()
                raise
            _remember(record, response)
            return response
    return _replay(organisation, key, produce)


def _claim(organisation: Organisation, key: str) -> IdempotencyRecord | None:
    """A new pending record for the key, or None if a live one exists."""
    cutoff = timezone.now() - IDEMPOTENCY_WINDOW
    IdempotencyRecord.objects.filter(
        organisation=organisation, key=key, created__lt=cutoff
    ).delete()
    try:
        with transaction.atomic():
            return IdempotencyRecord.objects.create(organisation=organisation, key=key)
    except IntegrityError:
        return None


def _remember(record: IdempotencyRecord, response: HttpResponse) -> None:
    if response.status_code >= 500:
        record.delete()
        return
    record.completed = True
    record.status = response.status_code
    record.content_type = response.get("Content-Type", "")
    record.content = response.content
    record.save(update_fields=["completed", "status", "content_type", "content"])


def _replay(
    organisation: Organisation, key: str, produce: Callable[[], HttpResponse]
) -> HttpResponse:
    """Wait for the first call with this key to finish, then answer with its exact bytes."""
    deadline = time.monotonic() + REPLAY_WAIT_SECONDS
    while time.monotonic() < deadline:
        with dbguard.guard():
            record = IdempotencyRecord.objects.filter(organisation=organisation, key=key).first()
            if record is None:
                return idempotent(organisation, key, produce)
            if record.completed:
                return HttpResponse(
                    bytes(record.content), status=record.status, content_type=record.content_type
                )
        time.sleep(0.05)
    return wire.problem(409, "Conflict", "A request with this Idempotency-Key is in progress")


def body(request: HttpRequest, collection: str) -> list[Any]:
    """The submitted elements: `{"Contacts": [...]}`, a bare list, or a single object."""
    data = json.loads(request.body or b"{}", parse_float=Decimal)
    if isinstance(data, dict) and isinstance(data.get(collection), list):
        return data[collection]
    if isinstance(data, list):
        return data
    return [data]
