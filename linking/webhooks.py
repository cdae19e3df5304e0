"""Xero's webhook deliveries: verify the signature over the raw body, then hand events to a task.

https://developer.xero.com/documentation/guides/webhooks/configuring-your-server
Xero wants 200 with an empty body for a correctly signed delivery and 401 for anything else,
within 5 seconds, so nothing here calls Xero; its "intent to receive" check sends signed and
badly signed empty event lists.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from linking import broker, tasks

log = logging.getLogger(__name__)

EVENT_FIELDS = ("tenantId", "eventCategory", "eventType", "resourceId", "eventDateUtc")


def signature_of(body: bytes, key: str) -> str:
    """base64(HMAC-SHA256(key, body)): what Xero sends as x-xero-signature."""
    digest = hmac.new(key.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def is_signed(body: bytes, signature: str, key: str) -> bool:
    """Whether the signature is the key's over exactly these bytes (compared in constant time)."""
    if not key or not signature:
        return False
    expected = signature_of(body, key).encode()
    return hmac.compare_digest(expected, signature.encode("latin-1", "replace"))


def events_of(body: bytes) -> list[dict]:
    """The events of a delivery, with only the fields we use; nothing for a body that is not one."""
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):  # not JSON, or nested too deep to parse
        return []
    events = payload.get("events") if isinstance(payload, dict) else None
    if not isinstance(events, list):
        return []
    return [
        {name: str(event.get(name, "")) for name in EVENT_FIELDS}
        for event in events
        if isinstance(event, dict)
    ]


@csrf_exempt
@login_not_required
@require_POST
def xero_webhook(request: HttpRequest) -> HttpResponse:
    """Receive one delivery: 401 unless signed with XERO_WEBHOOK_KEY, else queue it and say 200."""
    if not is_signed(
        request.body, request.headers.get("x-xero-signature", ""), settings.XERO_WEBHOOK_KEY
    ):
        return HttpResponse(status=401)
    if events := events_of(request.body):
        transaction.on_commit(lambda: _hand_over(events))
    return HttpResponse(status=200)


def _hand_over(events: list[dict]) -> None:
    """Queue the events for a worker. Without one (in-process tasks, the demo) or when the
    broker cannot be reached, they are handled here and now, and a failure is logged: the
    delivery was good, so Xero still gets its 200."""
    if not tasks.webhook_events.app.conf.task_always_eager:
        if broker.send(tasks.webhook_events, (events,)):
            return
        log.info("Handling %d Xero webhook events in-process: no broker", len(events))
        try:
            tasks.webhook_events.apply((events,), throw=True)
        except Exception:
            log.exception("Handling Xero webhook events in-process failed")
        return
    try:
        tasks.webhook_events.delay(events)
    except Exception:
        log.exception("Handling Xero webhook events in-process failed")
