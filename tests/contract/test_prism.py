"""Contract test: the seam's requests, checked by Stoplight Prism against Xero's official specs.

Prism serves ../shared/xero/*.yaml and answers with the spec's examples; with --errors, a request
that breaks the spec is answered 422 and marked with an sl-violations header. A small proxy in
front strips Xero's /api.xro/2.0 prefix (Prism serves the paths without the server's base path)
and records what Prism said.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
from datetime import date, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import urllib3
from django.utils import timezone

from linking.xero import client
from linking.xero.types import (
    Address,
    ContactDraft,
    InvoiceDraft,
    LineItem,
    Phone,
    TokenSet,
    TrackingChoice,
)
from tests.linking.conftest import make_connection
from tests.xero_spec import SPEC_DIR

ROOT = Path(__file__).resolve().parents[2]
PRISM = ROOT / ".tools" / "prism" / "node_modules" / ".bin" / "prism"
CONTACT_ID = "00000000-0000-0000-0000-000000000000"

pytestmark = pytest.mark.django_db


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_prism(spec: str, *options: str) -> tuple[subprocess.Popen, int]:
    port = _free_port()
    process = subprocess.Popen(
        [str(PRISM), "mock", str(SPEC_DIR / spec), "--host", "127.0.0.1", "--port", str(port),
         "--errors", *options],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    return process, port


def _wait_until_listening(port: int, process: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"Prism exited with {process.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.3)
    pytest.fail("Prism did not start in time")


class ProxyToPrism:
    """Forwards to Prism, stripping /api.xro/2.0, and keeps each answer's status and violations."""

    def __init__(self, accounting_port: int, identity_port: int) -> None:
        self.answers: list[tuple[str, str, int, str]] = []
        pool = urllib3.PoolManager(retries=False)
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def _forward(self) -> None:
                prefix = "/api.xro/2.0"
                if self.path.startswith(prefix):
                    target = f"http://127.0.0.1:{accounting_port}{self.path[len(prefix) :]}"
                else:
                    target = f"http://127.0.0.1:{identity_port}{self.path}"
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                response = pool.request(self.command, target, body=body, headers=headers)
                violations = response.headers.get("sl-violations", "")
                if response.status >= 400:
                    violations = violations or response.data.decode()[:2000]
                proxy.answers.append((self.command, self.path, response.status, violations))
                self.send_response(response.status)
                for name in ("Content-Type",):
                    if name in response.headers:
                        self.send_header(name, response.headers[name])
                self.send_header("Content-Length", str(len(response.data)))
                self.end_headers()
                self.wfile.write(response.data)

            do_GET = do_POST = do_PUT = do_DELETE = _forward

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"


@pytest.fixture(scope="module")
def prism():
    if not PRISM.exists():
        pytest.fail("Prism is missing: the README's test command installs it into .tools/prism.")
    if not (SPEC_DIR / "xero_accounting.yaml").exists():
        pytest.fail(f"Xero's specs are missing from {SPEC_DIR} (../shared/xero beside the clone).")
    accounting, accounting_port = _start_prism("xero_accounting.yaml")
    # The identity spec's example for GET /Connections is a JSON string, not the array its schema
    # says, so Prism answers from the schema instead (--dynamic).
    identity, identity_port = _start_prism("xero-identity.yaml", "--dynamic")
    try:
        _wait_until_listening(identity_port, identity)
        _wait_until_listening(accounting_port, accounting)
        proxy = ProxyToPrism(accounting_port, identity_port)
        yield proxy
        proxy.httpd.shutdown()
    finally:
        for process in (accounting, identity):
            process.terminate()
            process.wait(timeout=10)


@pytest.fixture
def connection(prism, settings):
    settings.XERO_API_URL = prism.url
    prism.answers.clear()
    return make_connection()


def _assert_prism_accepted(prism) -> None:
    assert prism.answers, "no request reached Prism"
    rejected = [a for a in prism.answers if a[2] >= 400 or a[3]]
    assert rejected == []


def test_organisation_request_meets_the_spec(prism, connection):
    assert client.get_organisation(connection).base_currency == "NZD"
    _assert_prism_accepted(prism)


def test_contact_requests_meet_the_spec(prism, connection):
    client.search_contacts(connection, search_term="kat", page=2, page_size=50)
    client.search_contacts(connection, where='Name.ToLower()=="acme"', include_archived=True)
    client.search_contacts(connection, ids=[CONTACT_ID])
    client.get_contact(connection, CONTACT_ID)
    draft = ContactDraft(
        name="Acme Ltd",
        first_name="Ann",
        last_name="Acme",
        email="ann@acme.test",
        phones=(Phone("DEFAULT", "+61 2 9000 0000"), Phone("MOBILE", "+61 400 000 000")),
        addresses=(Address("STREET", ("1 Queen St", "Level 2"), "Brisbane", "QLD", "4000", "AU"),),
    )
    client.create_contact(connection, draft, idempotency_key="contract-1")
    client.update_contact(connection, CONTACT_ID, draft, idempotency_key="contract-2")
    _assert_prism_accepted(prism)


def test_invoice_requests_meet_the_spec(prism, connection):
    client.list_invoices(
        connection,
        contact_ids=[CONTACT_ID],
        types=["ACCREC", "ACCPAY"],
        statuses=["AUTHORISED", "SUBMITTED"],
        numbers=["INV-0001"],
        date_from=date(2025, 1, 1),
        date_to=date(2025, 12, 31),
        search_term="INV",
        modified_since=timezone.now() - timedelta(days=1),
    )
    client.get_invoice(connection, CONTACT_ID)
    draft = InvoiceDraft(
        contact_id=CONTACT_ID,
        date=date(2026, 11, 25),
        due_date=date(2026, 12, 25),
        reference="Opportunity 1",
        currency="AUD",
        line_items=(LineItem("Consulting", Decimal("2"), Decimal("150.00"), "200"),),
    )
    client.create_invoice_draft(connection, draft, idempotency_key="contract-3")
    _assert_prism_accepted(prism)


def test_credit_note_requests_meet_the_spec(prism, connection):
    client.list_credit_notes(
        connection,
        contact_id=CONTACT_ID,
        ids=[CONTACT_ID],
        modified_since=timezone.now() - timedelta(days=1),
    )
    _assert_prism_accepted(prism)


def test_identity_requests_meet_the_spec(prism, connection, settings):
    tokens = TokenSet("a", "r", timezone.now() + timedelta(minutes=30), [])
    assert isinstance(client.list_tenants(tokens), list)
    client.delete_connection(connection)
    _assert_prism_accepted(prism)


def test_the_consents_connections_are_asked_for_by_auth_event_id(prism, connection):
    import base64
    import json

    event = "818ba6b2-9f2c-4a1f-8a3d-1b0c2a7e5f44"
    claims = {"authentication_event_id": event}
    payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    tokens = TokenSet(f"e30.{payload}.sig", "r", timezone.now() + timedelta(minutes=30), [])
    assert isinstance(client.list_tenants(tokens), list)
    method, path = prism.answers[0][:2]
    assert (method, path.lower()) == ("GET", f"/connections?autheventid={event}")
    _assert_prism_accepted(prism)


def test_prism_rejects_a_request_that_breaks_the_spec(prism, connection):
    """The contract test can fail: a call without xero-tenant-id is refused."""
    http = urllib3.PoolManager()
    response = http.request(
        "GET", f"{prism.url}/api.xro/2.0/Organisation", headers={"Authorization": "Bearer x"}
    )
    assert response.status == 422


if shutil.which("node") is None:  # pragma: no cover - the test command needs Node.js
    pytest.fail("Node.js is needed for the Prism contract test", pytrace=False)


def test_invoice_detail_requests_meet_the_spec(prism, connection):
    # Issue 13: one invoice, its online link and one credit note, in full.
    assert client.get_invoice(connection, CONTACT_ID).number
    assert client.get_online_invoice_url(connection, CONTACT_ID).startswith("https://")
    assert client.get_credit_note(connection, CONTACT_ID).number


def test_invoice_composer_requests_meet_the_spec(prism, connection):
    """Issue 13: the reference data reads, and a draft sent with every field."""
    client.list_items(connection)
    client.list_accounts(connection)
    client.list_tax_rates(connection)
    client.list_tracking_categories(connection)
    client.list_branding_themes(connection)
    client.list_currencies(connection)
    client.get_invoice_settings(connection)
    draft = InvoiceDraft(
        contact_id=CONTACT_ID,
        date=date(2026, 11, 25),
        due_date=date(2026, 12, 20),
        reference="Every field",
        currency="AUD",
        line_amount_types="Inclusive",
        branding_theme_id=CONTACT_ID,
        status="SUBMITTED",
        line_items=(
            LineItem(
                "Cable",
                Decimal("12.5"),
                Decimal("2.4550"),
                "210",
                item_code="HW-CABLE",
                tax_type="OUTPUT",
                discount_rate=Decimal("10"),
                tracking=(
                    TrackingChoice(category_id=CONTACT_ID, option_id=CONTACT_ID),
                    TrackingChoice(category_name="Region", option_name="North"),
                ),
            ),
        ),
    )
    client.create_invoice_draft(connection, draft, idempotency_key="contract-13")
    _assert_prism_accepted(prism)
