"""Xero's per-tenant rate limits as one budget shared by every web and worker process.

Xero allows an app 60 calls a minute, 5,000 a day and 5 at once per tenant, and answers 429 with
Retry-After beyond that. https://developer.xero.com/documentation/guides/oauth2/limits/
The counters live in Django's cache (Redis in production, so all processes share them):
- a sliding-window estimate of the calls in the last minute (this minute's count plus the
  previous minute's, weighted by how much of it is still inside the window);
- up to XERO_RATE_CONCURRENT call slots, each a key taken with an atomic `add`;
- a "blocked until" time set by a 429 (or by Xero reporting no calls left), honoured by all.
A call the budget cannot allow now is refused at once with XeroError(retry_after=...): the
caller serves cached data or the busy message and lets a task retry; nobody sleeps on it.
Background work (webhook refetches, inside `with background():`) yields to people opening tabs:
it may only use the minute while a share of it stays free for them, and only some of the slots.
"""

from __future__ import annotations

import math
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.core.cache import cache

from linking.xero.errors import XeroError
from linking.xero.types import RateLimits

WINDOW = 60  # seconds
SLOT_POLL = 0.02  # seconds between looks for a free call slot
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


def _count_call(tenant_id: object, now: float, *, background: bool = False) -> None:
    """Count one call against the minute, or refuse it if the window is full (for background
    work: if it would eat into the users' share)."""
    limit = settings.XERO_RATE_PER_MINUTE
    if background:
        limit -= users_reserve()
    minute, into = divmod(now, WINDOW)
    current_key = _key(tenant_id, f"minute:{int(minute)}")
    cache.add(current_key, 0, timeout=3 * WINDOW)
    current = cache.incr(current_key)
    previous = cache.get(_key(tenant_id, f"minute:{int(minute) - 1}"), 0)
    weight = 1 - into / WINDOW
    if current + previous * weight <= limit:
        return
    cache.decr(current_key)
    code = "rate_limit_background" if background else "rate_limit_budget"
    raise _busy(_seconds_until_room(limit, current - 1, previous, into), code)


def _seconds_until_room(limit: int, current: int, previous: int, into: float) -> int:
    """When the sliding estimate first leaves room for one more call."""
    if previous and current + 1 <= limit:
        # previous * (1 - t/WINDOW) + current + 1 <= limit, solved for t.
        t = WINDOW * (1 - (limit - current - 1) / previous)
        return math.ceil(max(t - into, 1))
    return math.ceil(WINDOW - into) + 1


def _take_slot(tenant_id: object, holder: str, *, slots: int | None = None) -> str:
    """One of the tenant's concurrent-call slots (of the first `slots`), waiting briefly for a
    call to finish."""
    hold = settings.XERO_CONNECT_TIMEOUT + settings.XERO_READ_TIMEOUT + 5
    deadline = time.monotonic() + SLOT_WAIT
    while True:
        for n in range(slots or settings.XERO_RATE_CONCURRENT):
            key = _key(tenant_id, f"slot:{n}")
            if cache.add(key, holder, timeout=hold):
                return key
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
    holder = uuid.uuid4().hex
    slots = max(1, settings.XERO_RATE_CONCURRENT - USERS_SLOTS) if behind else None
    slot = _take_slot(tenant_id, holder, slots=slots)
    try:
        _count_call(tenant_id, time.time(), background=behind)
        yield
    finally:
        release(slot, holder)


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
    """Delete a slot or lock key only while it is still ours (it may have expired and been
    taken by another process)."""
    if cache.get(key) == holder:
        cache.delete(key)


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
