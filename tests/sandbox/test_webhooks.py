"""Webhooks: signed deliveries a receiver can verify, and the intent-to-receive probe."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from sandbox import seed, webhooks
from tests.sandbox.helpers import api

KEY = "a-webhook-key-from-the-xero-app=="


class Receiver:
    """A webhook endpoint as Xero's docs describe it: 200 if the signature verifies, else 401."""

    def __init__(self, key: str, *, always_ok: bool = False) -> None:
        self.key, self.always_ok = key, always_ok
        self.deliveries: list[tuple[bytes, str]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                signature = self.headers.get("x-xero-signature", "")
                receiver.deliveries.append((body, signature))
                expected = base64.b64encode(
                    hmac.new(receiver.key.encode(), body, hashlib.sha256).digest()
                ).decode()
                ok = receiver.always_ok or hmac.compare_digest(expected, signature)
                self.send_response(200 if ok else 401)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/xero/webhooks"

    def events(self) -> list[dict]:
        return [e for body, _ in self.deliveries for e in json.loads(body)["events"]]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver(KEY)
    receiver.thread.start()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


def test_a_delivery_is_signed_so_the_receiver_can_verify_it(xero_sandbox, receiver) -> None:
    event = xero_sandbox.webhook_event(seed.AU_TENANT_ID, "INVOICE", seed.BIG_CUSTOMER_ID, "CREATE")
    delivery = xero_sandbox.send_webhook(receiver.url, KEY, [event])
    assert delivery.status == 200
    body, signature = receiver.deliveries[0]
    assert body == delivery.body and signature == delivery.signature
    assert webhooks.verify(body, KEY, signature)
    payload = json.loads(body)
    assert set(payload) == {"events", "firstEventSequence", "lastEventSequence", "entropy"}
    sent = payload["events"][0]
    assert sent["resourceUrl"] == f"{xero_sandbox.url}/api.xro/2.0/Invoices/{seed.BIG_CUSTOMER_ID}"
    assert (sent["eventCategory"], sent["eventType"], sent["tenantType"]) == (
        "INVOICE",
        "CREATE",
        "ORGANISATION",
    )
    assert sent["tenantId"] == str(seed.AU_TENANT_ID)
    second = xero_sandbox.send_webhook(receiver.url, KEY, [event, event])
    numbers = json.loads(second.body)
    assert numbers["firstEventSequence"] == payload["lastEventSequence"] + 1
    assert numbers["lastEventSequence"] == numbers["firstEventSequence"] + 1


def test_a_receiver_with_another_key_refuses(xero_sandbox, receiver) -> None:
    event = xero_sandbox.webhook_event(seed.NZ_TENANT_ID, "CONTACT", seed.BIG_CUSTOMER_ID)
    assert xero_sandbox.send_webhook(receiver.url, "some-other-key", [event]).status == 401


def test_intent_to_receive(xero_sandbox, receiver) -> None:
    result = xero_sandbox.intent_to_receive(receiver.url, KEY)
    assert (result.signed.status, result.badly_signed.status, result.ok) == (200, 401, True)
    assert json.loads(result.signed.body)["events"] == []
    assert result.signed.body == result.badly_signed.body
    assert result.signed.signature != result.badly_signed.signature
    lax = Receiver(KEY, always_ok=True)
    lax.thread.start()
    try:
        assert xero_sandbox.intent_to_receive(lax.url, KEY).ok is False
    finally:
        lax.server.shutdown()
        lax.server.server_close()


def test_an_unreachable_receiver_is_reported_not_raised(xero_sandbox) -> None:
    delivery = webhooks.send_events("http://127.0.0.1:9/nowhere", KEY, [])
    assert delivery.status is None and delivery.error


def test_api_changes_are_announced_when_a_webhook_is_configured(xero_sandbox, receiver) -> None:
    xero_sandbox.set_knobs(webhook_url=receiver.url, webhook_key=KEY)
    tokens = xero_sandbox.mint_tokens()
    answer = api(xero_sandbox, tokens, "PUT", "/Contacts", json={"Contacts": [{"Name": "Hooked"}]})
    contact_id = answer.json()["Contacts"][0]["ContactID"]
    deadline = time.monotonic() + 5
    while not receiver.deliveries and time.monotonic() < deadline:
        time.sleep(0.02)
    [event] = receiver.events()
    assert (event["resourceId"], event["eventCategory"], event["eventType"]) == (
        contact_id,
        "CONTACT",
        "CREATE",
    )
    body, signature = receiver.deliveries[0]
    assert webhooks.verify(body, KEY, signature)


def test_the_control_page_sends_a_webhook_and_the_probe(xero_sandbox, receiver) -> None:
    form = {"url": receiver.url, "key": KEY, "tenant": str(seed.NZ_TENANT_ID),
            "category": "CONTACT", "event_type": "UPDATE"}  # fmt: skip
    sent = requests.post(
        f"{xero_sandbox.url}/sandbox/", data={**form, "action": "webhook"}, timeout=10
    )
    assert sent.status_code == 200 and "receiver answered 200" in sent.text
    [event] = receiver.events()
    assert event["tenantId"] == str(seed.NZ_TENANT_ID)
    probe = requests.post(
        f"{xero_sandbox.url}/sandbox/", data={**form, "action": "intent"}, timeout=10
    )
    assert probe.status_code == 200 and "Intent to receive passed" in probe.text
