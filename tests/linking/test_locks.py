"""Named locks: redis-py's Lock when the cache is Redis (a redis-server of the test's own), a
process-local lock per name otherwise, and while Redis is unreachable. A lock is let go only by
its holder: one that expired and was taken by another process stays the other's."""

from __future__ import annotations

import logging
import threading
import time

import pytest
from django.core.cache import cache

from linking.xero import budget, locks
from tests.linking.test_cache import all_at_once
from tests.test_redis_down import free_port, redis_gone, redis_server, start_redis  # noqa: F401


@pytest.fixture(params=["local memory", "redis"])
def backend(request, settings, tmp_path) -> str:
    """Where locks and the rate budget live: this process's memory (the cache is local), or a
    redis-server of the test's own (the cache is crm_xero.cache.FallbackRedisCache)."""
    if request.param == "redis":
        port = free_port()
        process = start_redis(port, tmp_path)
        request.addfinalizer(lambda: process.kill() or process.wait(timeout=10))
        location = f"redis://127.0.0.1:{port}/0"
        backend = {"BACKEND": "crm_xero.cache.FallbackRedisCache", "LOCATION": location}
    else:
        backend = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    settings.CACHES = {"default": {**backend, "KEY_PREFIX": "crm_xero"}}
    return request.param


def raw_redis():
    """The redis-py client of the cache (a FallbackRedisCache that answers)."""
    from django.core.cache import caches

    return caches["default"].redis()


def test_a_lock_is_held_by_one_at_a_time_and_free_again_when_let_go(backend):
    first, second = locks.Lock("test:lock", hold=5), locks.Lock("test:lock", hold=5)
    assert first.acquire()
    started = time.monotonic()
    assert not second.acquire(timeout=0.2)
    assert time.monotonic() - started >= 0.18  # it waited for the lock
    first.release()
    assert second.acquire()
    second.release()


def test_a_waiting_taker_gets_the_lock_as_soon_as_it_is_let_go(backend):
    holder = locks.Lock("test:handover", hold=5)
    assert holder.acquire()
    threading.Timer(0.2, holder.release).start()
    started = time.monotonic()

    waiter = locks.Lock("test:handover", hold=5)
    assert waiter.acquire(timeout=5)

    assert time.monotonic() - started < 2
    waiter.release()


def test_a_lock_that_expired_and_was_taken_by_another_is_not_deleted_by_the_first(
    redis_server,  # noqa: F811
    caplog,
):
    first = locks.Lock("test:expiring", hold=0.2)
    assert first.acquire()
    time.sleep(0.3)  # the first holder took too long: its lock expired in Redis
    second = locks.Lock("test:expiring", hold=30)
    assert second.acquire()
    caplog.set_level(logging.WARNING)

    first.release()

    assert raw_redis().exists(cache.make_key("test:expiring"))
    assert not locks.Lock("test:expiring", hold=30).acquire()  # still the second's
    assert "The lock test:expiring expired before its holder let it go" in caplog.text
    second.release()
    assert locks.Lock("test:expiring", hold=30).acquire()


def test_release_lock_deletes_a_key_only_while_it_holds_the_releasers_token(backend):
    assert cache.add("test:taken", "first holder", timeout=30)
    # It expired, and another process took it:
    cache.delete("test:taken")
    assert cache.add("test:taken", "second holder", timeout=30)

    budget.release("test:taken", "first holder")
    assert cache.get("test:taken") == "second holder"

    budget.release("test:taken", "second holder")
    assert cache.get("test:taken") is None


def test_without_redis_the_threads_of_a_process_still_take_a_lock_one_at_a_time(
    redis_gone,  # noqa: F811
):
    redis_gone.kill()
    inside: list[int] = []
    most = [0]
    guard = threading.Lock()

    def work(_n: int) -> bool:
        with locks.held("test:down", wait=10, hold=5) as taken:
            with guard:
                inside.append(1)
                most[0] = max(most[0], len(inside))
            time.sleep(0.02)
            with guard:
                inside.pop()
            return taken

    assert all(all_at_once(work, threads=8))
    assert most[0] == 1


def test_a_lock_taken_in_redis_is_let_go_without_an_error_when_redis_went_away(
    redis_server,  # noqa: F811
):
    lock = locks.Lock("test:gone", hold=30)
    assert lock.acquire()
    redis_server.kill()

    lock.release()  # no error: the lock ends with Redis

    # Meanwhile this process's own lock stands in.
    assert locks.Lock("test:gone", hold=30).acquire()
