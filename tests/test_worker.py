"""A real Celery worker process applies a webhook delivery: the web side only queues it.

Needs PostgreSQL (the worker shares the test database) and Redis (broker and cache). Without
them the test is skipped, unless CRM_REQUIRE_SERVICES=1 (CI) says they must be there.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import connection as db_connection
from django.test import Client

from crm_xero.celery import app
from linking import tasks
from sandbox import seed
from tests.factories import OrganizationFactory
from tests.linking.test_webhook_coalescing import invoice_ids, wait_for_invoice_index
from tests.linking.test_webhooks import (
    KEY,
    WEBHOOK_PATH,
    an_authorised_invoice,
    change_email,
    delivery,
    email_shown,
    figures_of,
    figures_shown,
    link,
    mark_paid,
    open_tab,
    xero_contact,
    xero_event,
    xero_signature,
)

pytestmark = pytest.mark.django_db(transaction=True)

AU = seed.AU_TENANT_ID
ROOT = Path(__file__).resolve().parent.parent
READY_WITHIN = 30  # seconds for the worker to start
APPLIED_WITHIN = 30  # seconds for the worker to apply the delivery


@pytest.fixture
def services() -> None:
    """PostgreSQL and Redis, or a skip (a failure when CRM_REQUIRE_SERVICES=1)."""
    missing = []
    if not django_settings.REDIS_URL:
        missing.append("Redis (REDIS_URL)")
    if db_connection.vendor != "postgresql":
        missing.append("PostgreSQL (DATABASE_URL)")
    if not missing:
        return
    reason = f"a real worker needs {' and '.join(missing)}"
    if os.environ.get("CRM_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason}, and CRM_REQUIRE_SERVICES=1 says they must be there")
    pytest.skip(reason)


def database_url() -> str:
    """The URL of the database this test uses (the test database, not the configured one)."""
    conf = db_connection.settings_dict
    user, password = conf.get("USER") or "", conf.get("PASSWORD") or ""
    auth = ""
    if user:
        auth = quote(user, safe="")
        if password:
            auth += ":" + quote(password, safe="")
        auth += "@"
    host = quote(conf.get("HOST") or "localhost", safe="")
    port = f":{conf['PORT']}" if conf.get("PORT") else ""
    return f"postgres://{auth}{host}{port}/{quote(conf['NAME'], safe='')}"


class Worker:
    """A `celery worker` subprocess and its log."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.name = f"test-{uuid.uuid4().hex[:8]}@%h"
        self.log_path = log_path
        self.log_file = log_path.open("wb")
        command = [
            str(Path(sys.executable).with_name("celery")),
            *("-A", "crm_xero", "worker", "--pool=solo", "--concurrency=1", "-l", "info"),
            *("-n", self.name, "--without-gossip", "--without-mingle"),
        ]
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
        )

    def log(self) -> str:
        self.log_file.flush()
        return self.log_path.read_text(errors="replace")

    def wait_until_ready(self) -> None:
        deadline = time.monotonic() + READY_WITHIN
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"The worker exited with {self.process.returncode}:\n{self.log()}")
            if app.control.ping(timeout=0.5) and " ready." in self.log():
                return
            time.sleep(0.2)
        pytest.fail(f"The worker was not ready within {READY_WITHIN} s:\n{self.log()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.log_file.close()


@pytest.fixture
def worker(services, xero_sandbox, settings, tmp_path) -> Iterator[Worker]:
    """A worker on the test database, the test's Redis and the sandbox, with an empty queue."""
    settings.XERO_WEBHOOK_KEY = KEY
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "crm_xero.settings",
        "DATABASE_URL": database_url(),
        "REDIS_URL": django_settings.REDIS_URL,
        "SECRET_KEY": django_settings.SECRET_KEY,
        "XERO_SANDBOX_URL": xero_sandbox.url,
        "XERO_LOGIN_URL": xero_sandbox.url,
        "XERO_IDENTITY_URL": xero_sandbox.url,
        "XERO_API_URL": xero_sandbox.url,
        "XERO_WEBHOOK_KEY": KEY,
    }
    if django_settings.XERO_TOKEN_KEYS:
        env["XERO_TOKEN_KEYS"] = ",".join(django_settings.XERO_TOKEN_KEYS)
    app.control.purge()
    started = Worker(env, tmp_path / "worker.log")
    try:
        started.wait_until_ready()
        yield started
    finally:
        started.stop()
        print(f"--- worker log ---\n{started.log_path.read_text(errors='replace')}")


def test_a_real_worker_applies_a_webhook_and_the_tab_shows_it_without_calling_xero(
    worker, sso_user_client, sandbox_connection, xero_sandbox
):
    city = xero_contact(seed.BIG_CUSTOMER_NAME)
    org = OrganizationFactory(name="City Agency Holdings")
    link(org, sandbox_connection, city)
    old_figures = figures_shown(open_tab(sso_user_client, org))
    assert old_figures == figures_of(city)

    invoice = an_authorised_invoice(city)
    mark_paid(invoice)
    new_figures = figures_of(city)
    assert new_figures != old_figures
    assert figures_shown(open_tab(sso_user_client, org)) == old_figures  # cached
    calls = xero_sandbox.api_calls(AU)

    body = delivery([xero_event(AU, "INVOICE", invoice.invoice_id)])
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False  # the view queues to Redis, for the worker
    try:
        answer = sso_user_client.post(
            WEBHOOK_PATH,
            data=body,
            content_type="application/json",
            headers={"x-xero-signature": xero_signature(body, KEY)},
        )
        assert (answer.status_code, answer.content) == (200, b"")
        assert xero_sandbox.api_calls(AU) == calls  # the web side asked Xero nothing

        deadline = time.monotonic() + APPLIED_WITHIN
        while True:
            seen_before = xero_sandbox.api_calls(AU)
            shown = figures_shown(open_tab(sso_user_client, org))
            if shown == new_figures:
                # The tab itself made no call: it shows what the worker put in the cache.
                assert xero_sandbox.api_calls(AU) == seen_before
                break
            if time.monotonic() > deadline:
                break
            time.sleep(0.25)
    finally:
        app.conf.task_always_eager = eager

    assert shown == new_figures, f"not applied within {APPLIED_WITHIN} s:\n{worker.log()}"
    assert xero_sandbox.api_calls(AU) == calls + 1  # the worker's one call for the invoice
    assert "WebhookOutcome(contacts=0, invoices=1, ignored=0)" in worker.log()


def test_a_real_worker_coalesces_100_deliveries_into_a_few_xero_calls(
    worker, sso_user_client, sandbox_connection, xero_sandbox
):
    city = xero_contact(seed.BIG_CUSTOMER_NAME)
    org = OrganizationFactory(name="City Agency Holdings")
    link(org, sandbox_connection, city)
    marine = xero_contact("Marine Systems")
    marine_org = OrganizationFactory(name="Marine Systems")
    link(marine_org, sandbox_connection, marine)
    assert figures_shown(open_tab(sso_user_client, org)) == figures_of(city)
    ids = invoice_ids(city)
    wait_for_invoice_index(city, ids)

    mark_paid(an_authorised_invoice(city))
    change_email(city, "payables@cityagency.example")
    new_figures = figures_of(city)
    calls = xero_sandbox.api_calls(AU)
    user_calls = 0
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False  # the view queues to Redis, for the worker
    try:
        for n in range(100):
            named = [ids[(5 * n + k) % len(ids)] for k in range(5)]
            body = delivery(
                [xero_event(AU, "CONTACT", city.contact_id)]
                + [xero_event(AU, "INVOICE", i) for i in named]
            )
            answer = Client().post(
                WEBHOOK_PATH,
                data=body,
                content_type="application/json",
                headers={"x-xero-signature": xero_signature(body, KEY)},
            )
            assert (answer.status_code, answer.content) == (200, b"")
            if n == 50:  # someone opens another tab meanwhile
                before = xero_sandbox.api_calls(AU)
                page = open_tab(sso_user_client, marine_org)
                assert "Xero is busy" not in page
                assert figures_shown(page) == figures_of(marine)
                user_calls = xero_sandbox.api_calls(AU) - before

        # Every delivery taken off the queue, and every flush they scheduled done.
        deadline = time.monotonic() + APPLIED_WITHIN
        while True:
            log = worker.log()
            flushes = re.findall(r"webhook_flush\[([0-9a-f-]+)\] received", log)
            if (
                len(re.findall(r"webhook_events\[[0-9a-f-]+\] succeeded", log)) == 100
                and flushes
                and all(f"webhook_flush[{task}] succeeded" in log for task in flushes)
                and cache.get(tasks._flush_mark(str(AU))) is None
            ):
                break
            assert time.monotonic() < deadline, f"not applied:\n{log}"
            time.sleep(0.25)
    finally:
        app.conf.task_always_eager = eager

    webhook_calls = xero_sandbox.api_calls(AU) - calls - user_calls
    assert webhook_calls <= 10, log
    assert " retry: " not in log  # no task retried
    page = open_tab(sso_user_client, org)
    assert figures_shown(page) == new_figures
    assert email_shown(page) == "payables@cityagency.example"
    assert xero_sandbox.api_calls(AU) == calls + user_calls + webhook_calls  # from the cache
