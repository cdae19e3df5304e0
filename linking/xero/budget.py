"""Xero's per-tenant rate limits as one budget shared by every web and worker process.

Xero allows an app 60 calls a minute, 5,000 a day and 5 at once per tenant, and answers 429 with
Retry-After beyond that. https://developer.xero.com/documentation/guides/oauth2/limits/
With Redis (the cache is crm_xero.cache.FallbackRedisCache), all processes share:
- the calls of the last 60 seconds: the `limits` package's moving window, on the cache's own
  Redis connections (each call's time is kept, so no 60 seconds ever hold more than the budget);
- up to XERO_RATE_CONCURRENT call slots: a sorted set of the holders' tokens, scored by when each
  hold expires, taken by one Lua script and given back (by its holder only) with ZREM;
- a "blocked until" time set by a 429 (or by Xero reporting no calls left), honoured by all.
Without Redis, or while it is unreachable, the window and the slots are this process's own
(limits' memory storage, a table of holders): the budget still holds among its threads.
A call the budget cannot allow now is refused at once with XeroError(retry_after=...): the
caller serves cached data or the busy message and lets a task retry; nobody sleeps on it.
Background work (webhook refetches, inside `with background():`) yields to people opening tabs:
it may only use the minute while a share of it stays free for them, and only some of the slots.
"""

from __future__ import annotations

import math
import threading
import time
import uuid
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.core.cache import cache
from limits import RateLimitItemPerMinute
from limits.storage import MemoryStorage, RedisStorage
from limits.strategies import MovingWindowRateLimiter
from redis import Redis

from crm_xero.cache import FallbackRedisCache, on_redis
from linking.xero import locks
from linking.xero.errors import XeroError
from linking.xero.types import RateLimits

WINDOW = 60  # seconds
SLOT_POLL = 0.02  # seconds between looks for a free call slot in Redis
# The longest a call waits for one of the tenant's slots (a call holds one for well under a
# second, usually): longer, and the caller is told Xero is busy, to show cached data instead.
SLOT_WAIT = 2.0
# Background calls leave this share of each minute's budget, and this many of the concurrent
# slots, to people opening tabs (a tab makes two calls at once).
USERS_SHARE = 1 / 3
USERS_SLOTS = 2


def _key(tenant_id: object, name: str) -> str:
    return f"xero:budget:{tenant_id}:{name}"


def _busy(seconds: int, code: str) -> XeroError:
    seconds = max(1, int(seconds))
    return XeroError(
        f"Xero is busy — try again in {seconds} second{'s' if seconds != 1 else ''}.",
        status=429,
        retry_after=seconds,
        code=code,
    )


def blocked_for(tenant_id: object, *, now: float | None = None) -> int:
    """Seconds until Xero may be called again after a 429 (0: not blocked)."""
    until = cache.get(_key(tenant_id, "blocked_until"))
    now = time.time() if now is None else now
    return math.ceil(until - now) if until and until > now else 0


def block(tenant_id: object, seconds: int, *, now: float | None = None) -> None:
    """Hold every process's calls to this tenant for `seconds` (Xero said Retry-After)."""
    now = time.time() if now is None else now
    cache.set(_key(tenant_id, "blocked_until"), now + seconds, timeout=int(seconds) + 1)


# ------------------------------------------------------------------- the calls of the minute


class _PerMinute(RateLimitItemPerMinute):
    """`amount` calls in any 60 seconds, counted in one window per tenant whatever the amount:
    people's calls and background work's (allowed fewer of them) fill the same window."""

    def key_for(self, *identifiers: bytes | str | int | float) -> str:
        return ":".join([*map(str, identifiers), self.namespace])


class _Memory(MemoryStorage):
    """limits' memory storage, whose moving window starts, as RedisStorage's does, at the
    oldest of the newest `limit` calls: when that one leaves, there is room for one more."""

    def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        start, count = super().get_moving_window(key, limit, expiry)
        events = self.events.get(key, [])  # the newest first
        if count > limit and len(events) >= limit:
            return events[limit - 1].atime, limit
        return start, count


_memory = _Memory()
# One per cache backend (Django makes one per thread), gone with it.
_in_redis: weakref.WeakKeyDictionary[FallbackRedisCache, RedisStorage] = weakref.WeakKeyDictionary()


def _redis_storage(backend: FallbackRedisCache, client: Redis) -> RedisStorage:
    """limits' Redis storage on the cache's own connections (its timeouts, its database)."""
    storage = _in_redis.get(backend)
    if storage is None or storage.storage.connection_pool is not client.connection_pool:
        storage = RedisStorage(
            "redis://",
            connection_pool=client.connection_pool,
            key_prefix=backend.make_key("xero:budget"),
        )
        _in_redis[backend] = storage
    return storage


def _count_call(tenant_id: object, *, background: bool = False) -> None:
    """Count one call against the tenant's last 60 seconds, or refuse it if they are full (for
    background work: if it would eat into the users' share)."""
    limit = settings.XERO_RATE_PER_MINUTE
    if background:
        limit -= users_reserve()
    item = _PerMinute(max(1, limit), namespace="minute")

    def count(limiter: MovingWindowRateLimiter) -> int:
        """0 once counted, else the seconds until there is room."""
        if limiter.hit(item, str(tenant_id)):
            return 0
        room_at = limiter.get_window_stats(item, str(tenant_id)).reset_time
        # The oldest call in the way still counts at exactly WINDOW seconds old.
        return max(1, int(room_at - time.time()) + 1)

    wait = on_redis(
        lambda backend, client: count(MovingWindowRateLimiter(_redis_storage(backend, client))),
        lambda: count(MovingWindowRateLimiter(_memory)),
    )
    if wait:
        code = "rate_limit_background" if background else "rate_limit_budget"
        raise _busy(wait, code)


def _clear_minute(tenant_id: object) -> None:
    """Forget the calls counted in the tenant's window (for tests that set up with calls)."""
    item = _PerMinute(1, namespace="minute")
    on_redis(
        lambda backend, client: _redis_storage(backend, client).clear(item.key_for(str(tenant_id))),
        lambda: _memory.clear(item.key_for(str(tenant_id))),
    )


# ---------------------------------------------------------------------- calls at the same time

# KEYS[1]: the tenant's slots, a sorted set of holders' tokens scored by when their hold ends
# (Redis's clock, in ms). ARGV: the token, the slots it may use, the hold (ms). 1 if taken.
_TAKE_SLOT = """
local now = redis.call('TIME')
local ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ms)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
    return 0
end
redis.call('ZADD', KEYS[1], ms + tonumber(ARGV[3]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]))
return 1
"""


class _LocalSlots:
    """This process's slots, per tenant: holders' tokens and when their hold ends."""

    def __init__(self) -> None:
        self.changed = threading.Condition()
        self.held: dict[str, dict[str, float]] = {}

    def take(self, key: str, holder: str, *, slots: int, hold: float, wait: float) -> bool:
        deadline = time.monotonic() + wait
        with self.changed:
            while True:
                now = time.monotonic()
                held = self.held.setdefault(key, {})
                for other, until in list(held.items()):
                    if until <= now:
                        del held[other]
                if len(held) < slots:
                    held[holder] = now + hold
                    return True
                if now >= deadline:
                    return False
                self.changed.wait(deadline - now)

    def release(self, key: str, holder: str) -> None:
        with self.changed:
            held = self.held.get(key, {})
            if held.pop(holder, None) is not None:
                if not held:
                    del self.held[key]
                self.changed.notify_all()


_local_slots = _LocalSlots()


@dataclass
class _Slot:
    """A slot held by `holder`, in Redis or in this process."""

    key: str
    holder: str
    in_redis: bool

    def release(self) -> None:
        """Give the slot back; only this holder's token is removed (one step: ZREM)."""
        if self.in_redis:
            on_redis(
                lambda backend, client: client.zrem(backend.make_key(self.key), self.holder),
                lambda: None,  # unreachable now: the hold ends by itself
            )
        else:
            _local_slots.release(self.key, self.holder)


def _take_slot(tenant_id: object, *, slots: int) -> _Slot:
    """One of the tenant's first `slots` concurrent-call slots, waiting briefly for a call to
    finish."""
    key, holder = _key(tenant_id, "slots"), uuid.uuid4().hex
    hold = settings.XERO_CONNECT_TIMEOUT + settings.XERO_READ_TIMEOUT + 5
    deadline = time.monotonic() + SLOT_WAIT

    def in_redis(backend: FallbackRedisCache, client: Redis) -> bool:
        taken = client.register_script(_TAKE_SLOT)(
            keys=[backend.make_key(key)], args=[holder, slots, int(hold * 1000)]
        )
        return bool(taken)

    while True:
        taken = on_redis(in_redis, lambda: None)
        if taken is None:  # no Redis (or it just went away): this process's slots
            left = max(0.0, deadline - time.monotonic())
            if _local_slots.take(key, holder, slots=slots, hold=hold, wait=left):
                return _Slot(key, holder, in_redis=False)
            raise _busy(1, "rate_limit_concurrent")
        if taken:
            return _Slot(key, holder, in_redis=True)
        if time.monotonic() >= deadline:
            raise _busy(1, "rate_limit_concurrent")
        time.sleep(SLOT_POLL)


@contextmanager
def call(tenant_id: object) -> Iterator[None]:
    """Hold a slot for one Xero call counted against the tenant's minute budget.

    Raises XeroError (retry_after set) at once when Xero asked us to wait or the minute is used.
    Inside `with background():` the call also yields to users (code "rate_limit_background").
    """
    if wait := blocked_for(tenant_id):
        raise _busy(wait, "rate_limit_blocked")
    behind = _background.get()
    if behind and (wait := _users_short_for(tenant_id)):
        raise _busy(wait, "rate_limit_background")
    concurrent = settings.XERO_RATE_CONCURRENT
    slot = _take_slot(tenant_id, slots=max(1, concurrent - USERS_SLOTS) if behind else concurrent)
    try:
        _count_call(tenant_id, background=behind)
        yield
    finally:
        slot.release()


# Background work: calls that nobody is waiting for yield to those someone is.

_background: ContextVar[bool] = ContextVar("xero_budget_background", default=False)


@contextmanager
def background() -> Iterator[None]:
    """Count the Xero calls made inside (in this thread, and in threads started with a copy of
    its context) as background work: each may use the minute only while `users_reserve()` calls
    of it stay free, and only the slots but USERS_SLOTS; otherwise it is refused (code
    "rate_limit_background", with retry_after), to be tried again later."""
    token = _background.set(True)
    try:
        yield
    finally:
        _background.reset(token)


def users_reserve() -> int:
    """Calls of each minute's budget that background work leaves to people opening tabs."""
    return int(settings.XERO_RATE_PER_MINUTE * USERS_SHARE)


def _users_short_for(tenant_id: object) -> int:
    """Seconds to hold background calls back because Xero itself last reported fewer calls left
    this minute than the users' reserve (0: it did not, or not within the last minute)."""
    seen: dict[str, Any] | None = cache.get(_key(tenant_id, "headroom"))
    if not seen or seen["limits"].minute is None or seen["limits"].minute >= users_reserve():
        return 0
    age = (datetime.now(UTC) - seen["seen_at"]).total_seconds()
    return math.ceil(WINDOW - age) if age < WINDOW else 0


def release(key: str, holder: str) -> None:
    """Delete a lock key taken with `cache.add(key, holder)` only while it is still ours (it may
    have expired and been taken by another process), in one step on Redis."""
    locks.release_key(key, holder)


def observe(tenant_id: object, limits: RateLimits, *, retry_after: int | None = None) -> None:
    """Remember the headroom Xero reported; a 429's Retry-After blocks every process."""
    if retry_after:
        block(tenant_id, retry_after)
    elif limits.day == 0:
        # Xero says no calls are left today; its next answer would be a 429 with Retry-After.
        block(tenant_id, WINDOW)
    if limits != RateLimits():
        seen = {"limits": limits, "seen_at": datetime.now(UTC)}
        cache.set(_key(tenant_id, "headroom"), seen, timeout=24 * 3600)


@dataclass(frozen=True)
class Headroom:
    """What Xero last said about a tenant's remaining calls, and when."""

    limits: RateLimits
    seen_at: datetime
    blocked_for: int


def headroom(tenant_id: object) -> Headroom | None:
    seen: dict[str, Any] | None = cache.get(_key(tenant_id, "headroom"))
    if not seen:
        return None
    return Headroom(seen["limits"], seen["seen_at"], blocked_for(tenant_id))
