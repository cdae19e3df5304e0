"""Background calls (webhook refetches) yield to people opening tabs in the rate budget: they
may use a minute only while a share of it stays free for users, only some of the concurrent
slots, and not while Xero itself reports fewer calls left than that share."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache

from linking.xero import budget, fanout
from linking.xero.errors import XeroError
from linking.xero.types import RateLimits
from tests.linking.conftest import TENANT_ID
from tests.linking.test_budget import MINUTE, FrozenClock


@pytest.fixture
def clock(time_machine) -> FrozenClock:
    return FrozenClock(time_machine, MINUTE)


def outcome(*, background: bool, tenant: object = TENANT_ID) -> str:
    """ "ok", or the code of the refusal, for one call made now."""
    try:
        if background:
            with budget.background(), budget.call(tenant):
                return "ok"
        with budget.call(tenant):
            return "ok"
    except XeroError as exc:
        return exc.code


def test_background_calls_leave_a_third_of_the_minute_to_users(settings, clock):
    settings.XERO_RATE_PER_MINUTE = 9
    assert budget.users_reserve() == 3
    assert [outcome(background=True) for _ in range(7)] == ["ok"] * 6 + ["rate_limit_background"]
    # Users still have their share, and only then is the minute used up for them too.
    assert [outcome(background=False) for _ in range(4)] == ["ok"] * 3 + ["rate_limit_budget"]


def test_a_refused_background_call_says_when_there_is_room_again(settings, clock):
    settings.XERO_RATE_PER_MINUTE = 9
    for _ in range(6):
        assert outcome(background=True) == "ok"
    with pytest.raises(XeroError) as raised, budget.background(), budget.call(TENANT_ID):
        pass
    refused = raised.value
    assert (refused.status, refused.code, refused.retryable) == (429, "rate_limit_background", True)
    assert refused.retry_after == 61  # this minute's calls leave the window then
    clock.now += 120
    assert outcome(background=True) == "ok"


def test_users_calls_count_against_what_background_work_may_use(settings, clock):
    settings.XERO_RATE_PER_MINUTE = 9
    for _ in range(5):
        assert outcome(background=False) == "ok"
    assert [outcome(background=True) for _ in range(2)] == ["ok", "rate_limit_background"]
    assert [outcome(background=False) for _ in range(4)] == ["ok"] * 3 + ["rate_limit_budget"]


def test_each_tenant_has_its_own_background_share(settings, clock):
    settings.XERO_RATE_PER_MINUTE = 3
    assert [outcome(background=True, tenant="a") for _ in range(3)] == [
        "ok",
        "ok",
        "rate_limit_background",
    ]
    assert outcome(background=True, tenant="b") == "ok"


def test_background_calls_hold_back_while_xero_reports_little_left_this_minute(settings, clock):
    settings.XERO_RATE_PER_MINUTE = 55  # users keep 18
    seen = datetime.now(UTC) - timedelta(seconds=20)
    cache.set(
        budget._key(TENANT_ID, "headroom"),
        {"limits": RateLimits(minute=12, day=4000), "seen_at": seen},
    )
    with pytest.raises(XeroError) as raised, budget.background(), budget.call(TENANT_ID):
        pass
    assert raised.value.code == "rate_limit_background"
    assert 39 <= raised.value.retry_after <= 41  # until that report is a minute old
    assert outcome(background=False) == "ok"  # people are not held back by it

    old = datetime.now(UTC) - timedelta(seconds=61)
    cache.set(budget._key(TENANT_ID, "headroom"), {"limits": RateLimits(minute=12), "seen_at": old})
    assert outcome(background=True) == "ok"


def test_background_calls_leave_two_of_the_concurrent_slots_to_users(settings):
    settings.XERO_RATE_CONCURRENT = 5
    release = threading.Event()
    holding = threading.Semaphore(0)
    results: list[str] = []

    def hold(background: bool) -> None:
        try:
            if background:
                with budget.background(), budget.call(TENANT_ID):
                    holding.release()
                    release.wait(10)
            else:
                with budget.call(TENANT_ID):
                    holding.release()
                    release.wait(10)
            results.append("ok")
        except XeroError as exc:
            results.append(exc.code)

    threads = [threading.Thread(target=hold, args=(True,)) for _ in range(3)]
    for thread in threads:
        thread.start()
    for _ in threads:
        assert holding.acquire(timeout=5)
    # A fourth background call finds no slot of its own (after SLOT_WAIT) ...
    started = time.monotonic()
    assert outcome(background=True) == "rate_limit_concurrent"
    assert time.monotonic() - started >= budget.SLOT_WAIT * 0.9
    # ... while two people's calls still get theirs at once.
    users = [threading.Thread(target=hold, args=(False,)) for _ in range(2)]
    for thread in users:
        thread.start()
    for _ in users:
        assert holding.acquire(timeout=1)
    release.set()
    for thread in threads + users:
        thread.join(5)
    assert results == ["ok"] * 5


def test_calls_run_in_parallel_inside_background_work_are_background_too(settings, clock):
    settings.XERO_RATE_PER_MINUTE = 3  # background work gets 2

    def one_call() -> str:
        return outcome(background=False)  # marks nothing itself: inherits the caller's context

    with budget.background():
        answers = fanout.parallel([one_call, one_call, one_call])
    assert sorted(answers) == ["ok", "ok", "rate_limit_background"]
    assert outcome(background=False) == "ok"  # the users' one
