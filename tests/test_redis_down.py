"""Redis unreachable: the CRM degrades, it does not fail.

Each test runs twice: with the cache and the Celery broker at a port nothing listens on, and
with a redis-server this test starts itself and kills (SIGKILL) part-way through. Then the
email sign-in, the Xero tab of a linked contact and of a deal, Refresh, Search, Integrations
and a signed webhook all answer without a 500, the tab shows Xero's data (fetched directly,
single-flight and rate-limited per process), Integrations says what is down, a webhook is
handled in-process, and the outage is logged as a warning.

Expected figures come from the sandbox's own rows, never from the CRM's selectors.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass

import kombu.pools
import pytest
import redis
from django.core.cache import cache
from django.test import Client

from crm_xero import cache as shared_cache
from crm_xero.celery import app
from linking.xero import budget
from linking.xero import cache as xero_cache
from linking.xero.errors import XeroError
from sandbox import dbguard, seed
from sandbox.models import Invoice as XeroInvoice
from tests.factories import PASSWORD, OpportunityFactory, OrganizationFactory
from tests.linking.test_cache import THREADS, SlowFetch, all_at_once, unavailable
from tests.linking.test_webhooks import (
    KEY,
    WEBHOOK_PATH,
    an_authorised_invoice,
    by_testid,
    delivery,
    figures_of,
    figures_shown,
    link,
    mark_paid,
    money,
    xero_contact,
    xero_event,
    xero_signature,
)
from tests.sessions import sign_in_with_sso

pytestmark = pytest.mark.django_db(transaction=True)

AU = seed.AU_TENANT_ID


def free_port() -> int:
    """A port nothing listens on (the OS just handed it out and it was closed again)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def answers(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=0.2).ping())
    except redis.exceptions.ConnectionError:
        return False


@dataclass
class RedisUnderTest:
    """The Redis the CRM is configured with: `kill()` makes it unreachable (if it was not)."""

    url: str
    process: subprocess.Popen | None

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
        assert not answers(self.url)

    def pause(self) -> None:
        """Freeze it (SIGSTOP): it accepts connections but answers nothing, like a hung Redis."""
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.process.send_signal(signal.SIGCONT)

    def restart(self, workdir) -> None:
        """Kill it and start a new, empty one on the same port."""
        self.kill()
        self.process = start_redis(int(self.url.rsplit(":", 1)[1].split("/")[0]), workdir)


def start_redis(port: int, workdir) -> subprocess.Popen:
    if shutil.which("redis-server") is None:
        reason = "redis-server is not installed"
        if os.environ.get("CRM_REQUIRE_SERVICES") == "1":
            pytest.fail(f"{reason}, and CRM_REQUIRE_SERVICES=1 says it must be there")
        pytest.skip(reason)
    command = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    command += ["--appendonly", "no", "--dir", str(workdir)]
    process = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while not answers(f"redis://127.0.0.1:{port}/0"):
        assert process.poll() is None, "redis-server exited"
        assert time.monotonic() < deadline, "redis-server did not start"
        time.sleep(0.05)
    return process


def _reset_broker_connections() -> None:
    """Celery keeps its broker connections and producers pooled: let them be made anew. kombu
    shares pools by broker URL, so a pool closed here would be handed out again to the next
    test (a real worker's): close and forget them all."""
    kombu.pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


def use_redis(settings, url: str) -> None:
    """Point the cache and the broker at `url`, configured as settings.py does for REDIS_URL,
    with a worker expected (tasks are queued, not run in-process)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "crm_xero.cache.FallbackRedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "crm_xero",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 2.0},
        }
    }
    settings.CELERY_BROKER_URL = url
    _reset_broker_connections()
    app.conf.broker_url = url
    app.conf.task_always_eager = False


@pytest.fixture
def redis_server(settings, tmp_path):
    """A redis-server of this test's own, which the CRM uses until the test kills it."""
    port = free_port()
    process = start_redis(port, tmp_path)
    url = f"redis://127.0.0.1:{port}/0"
    broker_url = app.conf.broker_url
    use_redis(settings, url)
    redis = RedisUnderTest(url, process)
    yield redis
    process = redis.process  # a restart() replaced it: stop the one running now
    if process is not None and process.poll() is None:
        process.send_signal(signal.SIGCONT)
        process.kill()
        process.wait(timeout=10)
    _reset_broker_connections()
    app.conf.broker_url = broker_url


@pytest.fixture(params=["closed port", "killed mid-test"])
def redis_gone(request, settings, tmp_path):
    """Redis at a closed port from the start, or a real one that `kill()` takes away."""
    if request.param == "killed mid-test":
        yield request.getfixturevalue("redis_server")
        return
    url = f"redis://127.0.0.1:{free_port()}/0"
    broker_url = app.conf.broker_url
    use_redis(settings, url)
    yield RedisUnderTest(url, None)
    _reset_broker_connections()
    app.conf.broker_url = broker_url


@pytest.fixture
def webhook_key(settings) -> str:
    settings.XERO_WEBHOOK_KEY = KEY
    return KEY


def tab(client: Client, record, suffix: str = "", *, method: str = "get", **params) -> str:
    url = f"/xero/tab/{record._meta.model_name}/{record.pk}/{suffix}"
    response = getattr(client, method)(url, params)
    assert response.status_code == 200, response.content[:500]
    return response.content.decode()


def warnings_of(caplog, logger: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == logger and r.levelname == "WARNING"]


# ------------------------------------------------------------------------------------- sign-in


def test_the_email_sign_in_works_and_the_outage_is_logged(redis_gone, password_user, caplog):
    client = Client()
    # Before Redis goes (when it was there at all), allauth's rate limit counts in Redis.
    assert client.get("/accounts/login/").status_code == 200
    redis_gone.kill()
    caplog.set_level(logging.WARNING)

    response = client.post("/accounts/login/", {"login": password_user.email, "password": PASSWORD})

    assert response.status_code == 302, response.content[:500]
    assert client.get("/").wsgi_request.user == password_user
    down = [w for w in warnings_of(caplog, "crm_xero.cache") if "is unreachable" in w]
    assert len(down) == 1, down  # once, not for every cache operation of the sign-in
    assert down[0].startswith(f"Redis at {redis_gone.url} is unreachable (ConnectionError")
    assert "per process meanwhile" in down[0]


def test_sign_in_rate_limits_still_count_within_the_process(redis_gone, password_user, settings):
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "3/m/ip"}
    redis_gone.kill()
    client = Client()
    for _ in range(3):
        wrong = client.post("/accounts/login/", {"login": password_user.email, "password": "no"})
        assert wrong.status_code == 200
        assert "Too many failed login attempts" not in wrong.content.decode()
    right = client.post("/accounts/login/", {"login": password_user.email, "password": PASSWORD})
    assert right.status_code == 200
    assert "Too many failed login attempts. Try again later." in right.content.decode()


# ------------------------------------------------------------------------------- the Xero tabs


def test_the_contact_tab_refresh_and_search_answer_from_xero(
    redis_gone, sso_user_client, sandbox_connection, xero_sandbox
):
    city = xero_contact(seed.BIG_CUSTOMER_NAME)
    org = OrganizationFactory(name="City Agency Holdings")
    link(org, sandbox_connection, city)
    assert figures_shown(tab(sso_user_client, org)) == figures_of(city)
    redis_gone.kill()

    shown = tab(sso_user_client, org)
    assert figures_shown(shown) == figures_of(city)
    assert "Xero contact: City Agency" in shown
    calls = xero_sandbox.api_calls(AU)
    assert figures_shown(tab(sso_user_client, org)) == figures_of(city)
    assert xero_sandbox.api_calls(AU) == calls  # kept in this process meanwhile

    refreshed = tab(sso_user_client, org, "refresh", method="post")
    assert figures_shown(refreshed) == figures_of(city)
    assert xero_sandbox.api_calls(AU) > calls  # Refresh asked Xero again

    unlinked = OrganizationFactory(name="Marine Systems")
    matched = tab(sso_user_client, unlinked)
    assert 'data-testid="xero-match"' in matched and "Marine Systems" in matched
    searched = tab(sso_user_client, unlinked, q="Young Bros")
    assert 'data-testid="xero-match"' in searched and "Young Bros Transport" in searched


def test_the_deal_tab_shows_its_linked_invoices(redis_gone, sso_user_client, sandbox_connection):
    from tests.linking.test_reads import item_link

    city = xero_contact(seed.BIG_CUSTOMER_NAME)
    with dbguard.guard():
        invoices = list(
            XeroInvoice.objects.filter(
                contact=city, type="ACCREC", status="AUTHORISED", currency="AUD"
            ).order_by("number")[:2]
        )
    assert len(invoices) == 2
    deal = OpportunityFactory(name="Harbour Lights Festival")
    for invoice in invoices:
        item_link(deal, sandbox_connection, invoice)
    redis_gone.kill()

    shown = tab(sso_user_client, deal)

    assert by_testid(shown, "xero-invoices-total") == money(sum(i.total for i in invoices))
    for invoice in invoices:
        assert invoice.number in shown


def test_one_process_opening_a_cold_tab_at_once_asks_xero_once(
    redis_gone, sandbox_connection, xero_sandbox, sso_user
):
    """Without Redis, single-flight still holds among the threads of one process."""
    contact = xero_contact("Young Bros Transport")
    org = OrganizationFactory(name="Young Bros (CRM)")
    link(org, sandbox_connection, contact)
    redis_gone.kill()
    clients = []
    for _ in range(8):
        client = Client()
        sign_in_with_sso(client, sso_user)
        clients.append(client)
    xero_sandbox.set_latency(300)  # everyone arrives while the first answer is on its way
    before = xero_sandbox.api_calls(AU)

    responses = all_at_once(lambda n: tab(clients[n], org), threads=8)

    assert not [r for r in responses if isinstance(r, Exception)], responses
    # The contact, one page of invoices and (issue 12) one of credit notes.
    assert xero_sandbox.api_calls(AU) - before == 3
    assert all(figures_shown(page) == figures_of(contact) for page in responses)


def test_twenty_threads_loading_one_entry_fetch_it_once_while_redis_is_down(redis_gone):
    """The entry's lock is this process's own meanwhile: one thread fetches, the rest wait."""
    redis_gone.kill()
    fetch = SlowFetch({"answer": 42})

    entries = all_at_once(lambda _: xero_cache.load("test:one-flight", fetch))

    assert fetch.calls == [None]
    assert [e.value for e in entries] == [{"answer": 42}] * THREADS


def test_a_failed_fetch_is_the_answer_for_every_waiting_thread_while_redis_is_down(redis_gone):
    redis_gone.kill()
    fetch = SlowFetch(fails_with=unavailable())

    outcomes = all_at_once(lambda _: xero_cache.load("test:failing", fetch))

    assert len(fetch.calls) == 1
    assert all(isinstance(o, XeroError) and o.status == 503 for o in outcomes), outcomes


def test_xero_saying_wait_while_the_broker_is_down_shows_the_last_known_figures(
    redis_gone, sso_user_client, sandbox_connection, xero_sandbox, settings, caplog
):
    contact = xero_contact("Young Bros Transport")
    org = OrganizationFactory(name="Young Bros (CRM)")
    link(org, sandbox_connection, contact)
    redis_gone.kill()
    known = figures_shown(tab(sso_user_client, org))
    settings.XERO_CACHE_TTL = 0  # stale at once
    xero_sandbox.set_rate_limits(minute=xero_sandbox.api_calls(AU))  # Xero answers 429
    caplog.set_level(logging.WARNING)

    for _ in range(2):
        page = tab(sso_user_client, org)
        assert figures_shown(page) == known
        assert re.search(r"Showing what Xero said [^:]+: Xero is busy — try again in \d+", page)

    # The refetch for after the wait could not be queued: said once, not tried for each tab.
    down = warnings_of(caplog, "linking.broker")
    assert len(down) == 1 and down[0].startswith("The Celery broker at "), down


def test_the_rate_budget_still_holds_within_the_process(redis_gone, settings):
    settings.XERO_RATE_PER_MINUTE = 2
    redis_gone.kill()
    for _ in range(2):
        with budget.call(AU):
            pass
    with pytest.raises(XeroError) as busy, budget.call(AU):
        pass
    assert busy.value.retry_after and busy.value.code == "rate_limit_budget"
    assert budget.headroom(AU) is None  # nothing seen yet: no error either


# ------------------------------------------------------------------- Integrations and webhooks


def test_integrations_says_the_cache_and_the_task_queue_are_down(
    redis_gone, sso_admin_client, sandbox_connection
):
    if redis_gone.process is not None:
        page = sso_admin_client.get("/integrations/").content.decode()
        assert 'data-testid="cache-down"' not in page and 'data-testid="broker-down"' not in page
    redis_gone.kill()

    response = sso_admin_client.get("/integrations/")

    assert response.status_code == 200
    page = response.content.decode()
    assert sandbox_connection.tenant_name in page
    assert "The cache (Redis) is unreachable" in page
    assert "The task queue (Celery's broker) is unreachable" in page


def test_a_signed_webhook_is_answered_200_and_applied_in_process(
    redis_gone, sso_user_client, sandbox_connection, xero_sandbox, webhook_key, caplog
):
    redis_gone.kill()
    city = xero_contact(seed.BIG_CUSTOMER_NAME)
    org = OrganizationFactory(name="City Agency Holdings")
    link(org, sandbox_connection, city)
    before = figures_of(city)
    assert figures_shown(tab(sso_user_client, org)) == before
    invoice = an_authorised_invoice(city)
    mark_paid(invoice)  # in Xero
    assert figures_shown(tab(sso_user_client, org)) == before  # cached, no webhook yet
    caplog.set_level(logging.WARNING)

    body = delivery([xero_event(AU, "INVOICE", invoice.invoice_id)])
    started = time.monotonic()
    response = Client().post(
        WEBHOOK_PATH,
        data=body,
        content_type="application/json",
        headers={"x-xero-signature": xero_signature(body, KEY)},
    )

    assert (response.status_code, response.content) == (200, b"")
    assert time.monotonic() - started < 5  # Xero's limit for an answer
    assert figures_shown(tab(sso_user_client, org)) == figures_of(city) != before
    down = warnings_of(caplog, "linking.broker")
    assert any(w.startswith("The Celery broker at ") and "is unreachable" in w for w in down)


# ----------------------------------------------------------------- the cache backend on its own


def test_redis_answering_again_forgets_what_was_written_meanwhile(
    redis_server, settings, monkeypatch, caplog
):
    """A hung Redis (SIGSTOP) keeps its data; when it answers again, entries written during the
    outage are deleted there (its copy predates them) and counters raised meanwhile catch up."""
    monkeypatch.setattr(shared_cache, "RETRY_AFTER", 0.2)
    settings.CACHES = {
        "default": {
            **settings.CACHES["default"],
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    cache.set("entry", "before the outage")
    cache.set("untouched", "kept")
    cache.set("counter", 5)
    caplog.set_level(logging.WARNING)
    redis_server.pause()
    try:
        cache.set("entry", "during the outage")
        assert cache.get("entry") == "during the outage"  # from this process's local cache
        cache.add("counter", 0)
        assert cache.incr("counter", 2) == 2  # counted locally from here on
        assert cache.get("untouched") is None  # Redis cannot be asked
    finally:
        redis_server.resume()
    time.sleep(0.3)  # past RETRY_AFTER: the next operation asks Redis again

    assert cache.get("entry") is None  # not the value from before the outage
    assert cache.get("untouched") == "kept"
    assert cache.get("counter") == 7
    messages = warnings_of(caplog, "crm_xero.cache")
    assert messages[0].startswith(f"Redis at {redis_server.url} is unreachable (TimeoutError")
    assert messages[-1].startswith(f"Redis at {redis_server.url} answers again after ")
    assert "forgot 1 entries written meanwhile" in messages[-1]


def test_a_restarted_redis_is_used_again_at_once_without_an_outage(redis_server, tmp_path, caplog):
    cache.set("entry", "kept in Redis")
    assert cache.get("entry") == "kept in Redis"  # a pooled connection is open now
    redis_server.restart(tmp_path)
    caplog.set_level(logging.WARNING)

    cache.set("entry", "after the restart")  # the pooled connection died: a new one is made

    assert redis.Redis.from_url(redis_server.url).exists(
        "crm_xero:1:entry"
    )  # in Redis, not locally
    assert cache.get("entry") == "after the restart"
    assert warnings_of(caplog, "crm_xero.cache") == []


def test_a_down_redis_is_warned_about_once_a_minute_and_tried_again_every_few_seconds(
    redis_gone, monkeypatch, caplog
):
    redis_gone.kill()
    caplog.set_level(logging.WARNING)
    outage = caches_outage()
    attempts = []  # each time Redis was tried and did not answer
    real_failed = outage.failed
    monkeypatch.setattr(outage, "failed", lambda exc: attempts.append(exc) or real_failed(exc))
    for _ in range(50):
        assert cache.get("anything", "default") == "default"
    assert len(attempts) == 1  # the rest went straight to the local cache
    assert len(warnings_of(caplog, "crm_xero.cache")) == 1

    outage.retry_at = 0  # as if RETRY_AFTER had passed
    cache.get("anything")
    assert len(attempts) == 2
    assert len(warnings_of(caplog, "crm_xero.cache")) == 1  # within the minute: no new warning
    outage.retry_at, outage.warned_at = 0, time.monotonic() - shared_cache.REPEAT_WARNING
    cache.get("anything")
    still = warnings_of(caplog, "crm_xero.cache")
    assert len(still) == 2 and f"Redis at {redis_gone.url} is still unreachable, since" in still[1]


def caches_outage() -> shared_cache.Outage:
    from django.core.cache import caches

    return caches["default"].outage


def test_a_password_in_the_redis_url_is_not_logged():
    assert shared_cache.redacted("redis://:s3cret@redis:6379/0") == "redis://:***@redis:6379/0"
    assert shared_cache.redacted("redis://app:s3cret@redis/0") == "redis://app:***@redis/0"
    assert shared_cache.redacted("redis://redis:6379/0") == "redis://redis:6379/0"
