"""Xero webhooks: signed deliveries of thin events, and the intent-to-receive probe.

https://developer.xero.com/documentation/guides/webhooks/overview
The body is `{"events":[...],"firstEventSequence":n,"lastEventSequence":m,"entropy":"..."}`
(shape per xero-webhooks.yaml) and `x-xero-signature` is base64(HMAC-SHA256(key, raw body)).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import secrets
import string
import threading
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import requests
from django.conf import settings
from django.db import transaction
from django.db.models import F

from sandbox import dbguard, knobs
from sandbox.models import CreditNote, Knobs

log = logging.getLogger(__name__)

CATEGORIES = {"CONTACT": "Contacts", "INVOICE": "Invoices", "CREDITNOTE": "CreditNotes"}
EVENT_TYPES = ("CREATE", "UPDATE")
TIMEOUT_SECONDS = 5


@dataclass(frozen=True)
class Delivery:
    """One POST to a webhook receiver and what it answered (status None: no answer)."""

    url: str
    body: bytes
    signature: str
    status: int | None
    response_text: str = ""
    error: str = ""


@dataclass(frozen=True)
class IntentResult:
    """The intent-to-receive probe: the receiver must answer 200 when signed, 401 when not."""

    signed: Delivery
    badly_signed: Delivery

    @property
    def ok(self) -> bool:
        return self.signed.status == 200 and self.badly_signed.status == 401


def sign(body: bytes, key: str) -> str:
    """The x-xero-signature header value for a raw body."""
    digest = hmac.new(key.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def verify(body: bytes, key: str, signature: str) -> bool:
    """True if `signature` is the body's signature under `key` (constant-time comparison)."""
    return hmac.compare_digest(sign(body, key), signature)


def event(
    tenant_id: uuid.UUID | str,
    category: str,
    resource_id: uuid.UUID | str,
    event_type: str = "UPDATE",
    *,
    base_url: str | None = None,
    when: datetime | None = None,
    data: dict[str, str] | None = None,
) -> dict[str, Any]:
    """One thin event: which record of which tenant was created or updated.

    A CREDITNOTE event also carries the credit note's `data` (Type and Status), as Xero's do;
    without `data` they are read from the sandbox's credit note, if it has one by that id."""
    if category not in CATEGORIES or event_type not in EVENT_TYPES:
        raise ValueError(f"Unsupported event {category} {event_type}")
    base = (base_url or settings.XERO_API_URL).rstrip("/")
    moment = (when or datetime.now(UTC)).astimezone(UTC)
    body = {
        "resourceUrl": f"{base}/api.xro/2.0/{CATEGORIES[category]}/{resource_id}",
        "resourceId": str(resource_id),
        "eventDateUtc": moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}",
        "eventType": event_type,
        "eventCategory": category,
        "tenantId": str(tenant_id),
        "tenantType": "ORGANISATION",
    }
    if category == "CREDITNOTE":
        data = data or _credit_note_data(resource_id)
        if data:
            body["data"] = {"Type": data["Type"], "Status": data["Status"]}
    return body


def _credit_note_data(resource_id: uuid.UUID | str) -> dict[str, str] | None:
    try:
        key = uuid.UUID(str(resource_id))
    except ValueError:
        return None
    with dbguard.guard():
        row = CreditNote.objects.filter(credit_note_id=key).values("type", "status").first()
    return {"Type": row["type"], "Status": row["status"]} if row else None


def payload(events: Sequence[dict[str, Any]], *, first_sequence: int | None = None) -> dict:
    """The delivery body for events, numbered from `first_sequence` (default: the next ones)."""
    if first_sequence is None:
        first_sequence = _take_sequence(max(1, len(events)))
    return {
        "events": list(events),
        "firstEventSequence": first_sequence,
        "lastEventSequence": first_sequence + max(0, len(events) - 1),
        "entropy": "".join(secrets.choice(string.ascii_uppercase) for _ in range(20)),
    }


def _take_sequence(count: int) -> int:
    """Reserve `count` event sequence numbers; returns the first."""
    with dbguard.guard(), transaction.atomic():
        Knobs.objects.get_or_create(pk=1)
        Knobs.objects.filter(pk=1).update(webhook_sequence=F("webhook_sequence") + count)
        last = Knobs.objects.values_list("webhook_sequence", flat=True).get(pk=1)
    return last - count + 1


def encode(body: dict[str, Any]) -> bytes:
    """The raw bytes that get signed and sent."""
    return json.dumps(body, separators=(",", ":")).encode()


def deliver(url: str, body: bytes, signature: str) -> Delivery:
    """POST a body with a signature header; never raises for network errors."""
    headers = {"Content-Type": "application/json", "x-xero-signature": signature}
    try:
        answer = requests.post(url, data=body, headers=headers, timeout=TIMEOUT_SECONDS)
    except requests.RequestException as exc:
        return Delivery(url, body, signature, None, error=str(exc))
    return Delivery(url, body, signature, answer.status_code, answer.text[:2000])


def send_events(url: str, key: str, events: Sequence[dict[str, Any]]) -> Delivery:
    """Sign and deliver events to a receiver."""
    body = encode(payload(events))
    return deliver(url, body, sign(body, key))


def intent_to_receive(url: str, key: str) -> IntentResult:
    """Xero's probe: an empty event list sent correctly signed, then badly signed."""
    # https://developer.xero.com/documentation/guides/webhooks/configuring-your-server#intent-to-receive
    body = encode(payload([], first_sequence=0))
    signed = deliver(url, body, sign(body, key))
    bad_key = secrets.token_urlsafe(32)
    return IntentResult(signed, deliver(url, body, sign(body, bad_key)))


def notify(
    tenant_id: uuid.UUID,
    category: str,
    changes: Iterable[tuple[uuid.UUID, str]],
    *,
    base_url: str,
) -> None:
    """Deliver events for API changes in the background, if a webhook URL and key are set."""
    row = knobs.current()
    changes = list(changes)
    if not (row.webhook_url and row.webhook_key and changes):
        return
    events = [
        event(tenant_id, category, resource_id, kind, base_url=base_url)
        for resource_id, kind in changes
    ]
    body = encode(payload(events))
    url, signature = row.webhook_url, sign(body, row.webhook_key)

    def start() -> None:
        thread = threading.Thread(target=_deliver_logged, args=(url, body, signature), daemon=True)
        thread.start()

    transaction.on_commit(start)


def _deliver_logged(url: str, body: bytes, signature: str) -> None:
    delivery = deliver(url, body, signature)
    log.info("Sandbox webhook to %s answered %s %s", url, delivery.status, delivery.error)
