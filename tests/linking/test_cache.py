"""The Xero cache's single flight: of everyone who finds an entry missing or stale at once, one
asks Xero and the others wait for that answer, a failure included; when Xero cannot be asked now,
the last known entry comes back marked stale.

First with a stand-in fetch, then through the real stack against the sandbox (threads opening the
same tab at once, each with its own database connection, closed when the thread ends).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django import db
from django.core.cache import cache as django_cache
from django.test import Client

from linking.xero import cache as xero_cache
from linking.xero import reads
from linking.xero.errors import XeroError
from sandbox import seed
from tests.linking.test_reads import (
    expected_figures,
    linked_org,
    rows_of,
    shown_figures,
    tab_url,
    xero_contact,
)
from tests.sessions import sign_in_with_sso

AU = seed.AU_TENANT_ID
THREADS = 20


def all_at_once(work: Callable[[int], Any], threads: int = THREADS) -> list[Any]:
    """Run work(n) in `threads` threads released together; each one's result or exception."""
    barrier = threading.Barrier(threads)

    def run(n: int) -> Any:
        try:
            barrier.wait()
            return work(n)
        except Exception as exc:  # the outcome under test
            return exc
        finally:
            db.connections.close_all()  # this thread's own connections

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(run, range(threads)))


class SlowFetch:
    """A fetch that takes a while, counts its calls, and answers or fails."""

    def __init__(self, answer: object = None, *, fails_with: XeroError | None = None) -> None:
        self.answer, self.fails_with = answer, fails_with
        self.calls: list[object] = []
        self.lock = threading.Lock()

    def __call__(self, previous):
        with self.lock:
            self.calls.append(previous)
        time.sleep(0.3)
        if self.fails_with is not None:
            raise self.fails_with
        return self.answer


def unavailable() -> XeroError:
    return XeroError(
        "Xero is unavailable right now (HTTP 503).", status=503, retryable=True, code="unavailable"
    )


# --------------------------------------------------------------------------- with a stand-in


def test_twenty_threads_loading_one_missing_entry_fetch_it_once_and_all_get_it():
    fetch = SlowFetch({"answer": 42})

    entries = all_at_once(lambda _: xero_cache.load("test:one-flight", fetch))

    assert fetch.calls == [None]
    assert [e.value for e in entries] == [{"answer": 42}] * THREADS
    assert len({e.checked_at for e in entries}) == 1
    assert all(e.problem is None and not e.stale for e in entries)
    assert xero_cache.get("test:one-flight").value == {"answer": 42}


def test_a_stale_entry_is_fetched_once_and_the_fetch_is_given_the_previous_entry(settings):
    previous = xero_cache.put("test:stale", "old", checked_at=time.time() - 3600)
    fetch = SlowFetch("new")

    entries = all_at_once(lambda _: xero_cache.load("test:stale", fetch))

    assert fetch.calls == [previous]
    assert {e.value for e in entries} == {"new"}


@pytest.mark.parametrize(
    "failure",
    [unavailable(), XeroError("Not found in Xero.", status=404, code="not_found")],
    ids=["retryable", "not-retryable"],
)
def test_a_failed_fetch_is_the_answer_for_everyone_who_waited_for_it(failure):
    fetch = SlowFetch(fails_with=failure)

    outcomes = all_at_once(lambda _: xero_cache.load("test:failing", fetch))

    assert len(fetch.calls) == 1
    assert all(isinstance(o, XeroError) for o in outcomes), outcomes
    assert {(o.message, o.status, o.code, o.retryable) for o in outcomes} == {
        (failure.message, failure.status, failure.code, failure.retryable)
    }
    assert xero_cache.get("test:failing") is None


def test_a_waiter_that_looked_just_before_the_failure_landed_takes_it_as_its_answer(
    monkeypatch,
):
    """The fetch fails between a waiter's look for an answer and its next try for the lock: the
    waiter was waiting for that answer, so it must get the failure, not ask Xero again."""
    key, failure = "test:interleaved", unavailable()
    fetching, fail_now, first_done = threading.Event(), threading.Event(), threading.Event()
    calls: list[str] = []

    def failing_fetch(_previous):
        calls.append("first")
        fetching.set()
        fail_now.wait(5)
        raise failure

    def second_fetch(_previous):
        calls.append("second")
        return "fetched again"

    class LookHeldUntilTheFetchEnds:
        """Django's cache, but the waiter's first look at the failure is held (with what it
        saw) until the fetching thread has finished."""

        def __getattr__(self, name: str):
            return getattr(django_cache, name)

        def get(self, cache_key, *args, **kwargs):
            value = django_cache.get(cache_key, *args, **kwargs)
            waiter = threading.current_thread().name == "waiter"
            if cache_key == f"{key}:failed" and waiter and not first_done.is_set():
                fail_now.set()
                first_done.wait(5)
            return value

    monkeypatch.setattr(xero_cache, "cache", LookHeldUntilTheFetchEnds())
    outcomes: dict[str, object] = {}

    def load(name: str, fetch) -> None:
        try:
            outcomes[name] = xero_cache.load(key, fetch)
        except XeroError as exc:
            outcomes[name] = exc
        finally:
            if name == "fetcher":
                first_done.set()

    fetcher = threading.Thread(target=load, args=("fetcher", failing_fetch), name="fetcher")
    fetcher.start()
    assert fetching.wait(5)
    waiter = threading.Thread(target=load, args=("waiter", second_fetch), name="waiter")
    waiter.start()
    fetcher.join(10)
    waiter.join(10)

    assert outcomes["fetcher"] is failure
    assert calls == ["first"], "the waiter asked Xero again instead of taking the failure"
    assert isinstance(outcomes["waiter"], XeroError)
    assert (outcomes["waiter"].message, outcomes["waiter"].status) == (failure.message, 503)


def test_someone_who_asks_after_a_failure_was_answered_asks_xero_again():
    failing = SlowFetch(fails_with=unavailable())
    with pytest.raises(XeroError):
        xero_cache.load("test:again", failing)
    working = SlowFetch("answer")

    assert xero_cache.load("test:again", working).value == "answer"
    assert working.calls == [None]


def test_a_retryable_failure_gives_back_the_cached_entry_marked_stale():
    entry = xero_cache.put("test:keep", "known", checked_at=time.time() - 3600)
    problem = unavailable()

    def fetch(_previous):
        raise problem

    answer = xero_cache.load("test:keep", fetch)

    assert (answer.value, answer.checked_at) == ("known", entry.checked_at)
    assert answer.problem is problem
    assert answer.stale
    assert xero_cache.get("test:keep") == entry  # what is stored is unchanged


def test_a_busy_xero_also_answers_a_refresh_with_the_cached_entry():
    entry = xero_cache.put("test:refresh", "known")  # fresh
    busy = XeroError("Xero is busy — try again in 7 seconds.", status=429, retry_after=7)

    def fetch(_previous):
        raise busy

    answer = xero_cache.load("test:refresh", fetch, refresh=True)

    assert (answer.value, answer.checked_at, answer.problem) == ("known", entry.checked_at, busy)


@pytest.mark.parametrize(
    "failure",
    [
        XeroError("Not found in Xero.", status=404, code="not_found"),
        XeroError("Xero refused the request.", status=400, code="validation"),
        XeroError("Xero refused access.", status=403, reconnect=True, code="forbidden"),
    ],
    ids=["not-found", "validation", "forbidden"],
)
def test_a_failure_a_retry_cannot_mend_is_raised_even_with_an_entry_cached(failure):
    xero_cache.put("test:raise", "known", checked_at=time.time() - 3600)

    def fetch(_previous):
        raise failure

    with pytest.raises(XeroError) as raised:
        xero_cache.load("test:raise", fetch)
    assert raised.value is failure


# -------------------------------------------------------------- through the real stack (sandbox)


def test_twenty_people_opening_one_cold_tab_cost_xero_the_calls_of_one(
    sandbox_connection, xero_sandbox, sso_user
):
    org, contact = linked_org(sandbox_connection, "Young Bros Transport")
    expected = expected_figures(rows_of(contact))
    clients = []
    for _ in range(THREADS):
        client = Client()
        sign_in_with_sso(client, sso_user)
        clients.append(client)
    xero_sandbox.set_latency(300)  # everyone arrives while the first answer is on its way
    before = xero_sandbox.api_calls(AU)

    responses = all_at_once(lambda n: clients[n].get(tab_url(org)))

    assert not [r for r in responses if isinstance(r, Exception)], responses
    # The contact, one page of invoices and (issue 12) one of credit notes.
    assert xero_sandbox.api_calls(AU) - before == 3
    assert [r.status_code for r in responses] == [200] * THREADS
    for response in responses:
        assert shown_figures(response.content.decode()) == expected


def test_twenty_reads_of_a_failing_contact_ask_xero_once_and_all_get_its_answer(
    sandbox_connection, xero_sandbox
):
    contact_id = str(xero_contact("Young Bros Transport").contact_id)
    xero_sandbox.set_latency(300)
    xero_sandbox.fail_next(THREADS, status=503)  # every call that reached Xero would fail
    before = xero_sandbox.api_calls(AU)

    outcomes = all_at_once(lambda _: reads.contact(sandbox_connection, contact_id))

    assert xero_sandbox.api_calls(AU) - before == 1
    assert all(isinstance(o, XeroError) for o in outcomes), outcomes
    assert {(o.status, o.retryable) for o in outcomes} == {(503, True)}
    assert {o.message for o in outcomes} == {outcomes[0].message}
    assert "HTTP 503" in outcomes[0].message


def test_xero_failing_a_stale_read_gives_the_last_known_contact_marked_stale(
    sandbox_connection, xero_sandbox, settings
):
    contact = xero_contact("Young Bros Transport")
    known = reads.contact(sandbox_connection, str(contact.contact_id))
    settings.XERO_CACHE_TTL = 0
    xero_sandbox.fail_next(1, status=503)

    answer = reads.contact(sandbox_connection, str(contact.contact_id))

    assert answer.value == known.value
    assert answer.value.name == "Young Bros Transport"
    assert answer.checked_at == known.checked_at
    assert (answer.problem.status, answer.problem.retryable) == (503, True)

    xero_sandbox.fail_next(1, status=404)
    with pytest.raises(XeroError) as raised:
        reads.contact(sandbox_connection, str(contact.contact_id))
    assert raised.value.code == "not_found"


# ----------------------------------------------------------------- writes during a fetch


def _invoice(invoice_id: str, *, minutes: int = 0):
    from datetime import UTC, datetime, timedelta
    from decimal import Decimal

    from linking.xero.types import Invoice

    return Invoice(
        invoice_id=invoice_id,
        type="ACCREC",
        status="AUTHORISED",
        number=invoice_id.upper(),
        reference="",
        contact_id="c-1",
        contact_name="C",
        date=None,
        due_date=None,
        currency="AUD",
        sub_total=Decimal("10"),
        total_tax=Decimal("1"),
        total=Decimal("11"),
        amount_due=Decimal("11"),
        amount_paid=Decimal("0"),
        updated_at=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=minutes),
    )


def test_a_write_through_during_a_fetch_is_not_lost_to_what_the_fetch_read_before():
    """A draft created while someone's tab fetches the list: the fetch read the list without it."""
    key = xero_cache.key(AU, "contact-invoices", "c-1")
    xero_cache.put(key, reads.ContactInvoices((_invoice("a"),), 0.0), checked_at=0.0)  # stale
    fetch = SlowFetch(reads.ContactInvoices((_invoice("a"),), time.time()))
    loading = threading.Thread(target=xero_cache.load, args=(key, fetch))
    loading.start()
    time.sleep(0.1)  # the fetch is under way

    created = _invoice("b")
    xero_cache.update(
        key, lambda entry: entry and xero_cache.Cached(entry.value.merged([created]), 1.0)
    )
    loading.join()

    kept = {i.invoice_id for i in xero_cache.get(key).value.items}
    assert kept == {"a", "b"}
    assert len(fetch.calls) == 1


def test_a_write_that_cannot_wait_for_the_fetch_leaves_the_fetched_entry_stale(monkeypatch):
    monkeypatch.setattr(xero_cache, "UPDATE_WAIT", 0.05)
    key = xero_cache.key(AU, "contact", "c-2")
    fetch = SlowFetch("what the fetch read before the write")
    loading = threading.Thread(target=xero_cache.load, args=(key, fetch))
    loading.start()
    time.sleep(0.1)
    xero_cache.update(key, lambda entry: xero_cache.Cached("the write", time.time()))
    loading.join()
    entry = xero_cache.get(key)
    assert entry.value == "what the fetch read before the write"
    assert entry.stale  # so the next read asks Xero again


def test_a_merged_change_never_replaces_a_newer_copy_of_the_invoice():
    newer, older = _invoice("a", minutes=5), _invoice("a", minutes=1)
    merged = reads.ContactInvoices((newer,), 0.0).merged([older, _invoice("b")])
    assert {i.invoice_id: i.updated_at for i in merged.items} == {
        "a": newer.updated_at,
        "b": _invoice("b").updated_at,
    }


# ------------------------------------------------------------------------- writes behind a render


def _background_writes_done() -> None:
    """One writer thread: once this no-op has run, what was submitted before it (and its
    logging) is done."""
    xero_cache.write_behind(lambda: None).result(timeout=10)


def test_an_exception_in_a_background_write_is_logged_with_its_traceback(caplog):
    def failing() -> None:
        raise RuntimeError("the cache refused the write")

    caplog.set_level(logging.ERROR, logger="linking.xero.cache")
    xero_cache.write_behind(failing)
    _background_writes_done()

    [record] = [r for r in caplog.records if r.name == "linking.xero.cache"]
    assert (record.levelname, record.getMessage()) == ("ERROR", "A background cache write failed")
    assert record.exc_info[1].args == ("the cache refused the write",)
    assert "in failing" in caplog.text  # the traceback


def test_the_invoice_owners_index_failing_beside_a_render_is_logged_and_the_invoices_come(
    sandbox_connection, monkeypatch, caplog
):
    contact = xero_contact("Young Bros Transport")

    def refused(_entries) -> None:
        raise ConnectionError("the index could not be written")

    monkeypatch.setattr(xero_cache, "put_plain", refused)
    caplog.set_level(logging.ERROR, logger="linking.xero.cache")

    listed = reads.contact_invoices(sandbox_connection, str(contact.contact_id))
    _background_writes_done()

    assert len(listed.value.items) == len(rows_of(contact)) > 0
    logged = [r for r in caplog.records if r.name == "linking.xero.cache"]
    assert [r.getMessage() for r in logged] == ["A background cache write failed"]
    assert str(logged[0].exc_info[1]) == "the index could not be written"


# ------------------------------------------------ issue 13: a full invoice dropped by a webhook


def test_an_invalidated_entry_is_gone_and_a_fetch_under_way_stores_it_stale():
    key = xero_cache.key(AU, "invoice-detail", "i-1")
    xero_cache.put(key, "the invoice as it was")
    xero_cache.invalidate([key])
    assert xero_cache.get(key) is None
    # A fetch that began before the webhook's event may have read the invoice before it changed.
    fetch = SlowFetch("what the fetch read before the change")
    loading = threading.Thread(target=xero_cache.load, args=(key, fetch))
    loading.start()
    time.sleep(0.1)
    xero_cache.invalidate([key])
    loading.join()
    entry = xero_cache.get(key)
    assert entry is not None and entry.stale  # so the next opening asks Xero again
