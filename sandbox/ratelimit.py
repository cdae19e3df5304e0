"""Xero's API rate limits, counted in the memory of the sandbox process.

https://developer.xero.com/documentation/guides/oauth2/limits/
Per app and tenant: 60 calls in a rolling minute, 5,000 in a rolling day, 5 in progress at once;
per app: 10,000 calls a minute across tenants. Every Accounting response carries the remaining
counts; a refused call gets 429 with Retry-After and X-Rate-Limit-Problem.
"""

from __future__ import annotations

import math
import threading
import time
from collections import Counter, defaultdict, deque
from dataclasses import dataclass, field

MINUTE = 60.0
DAY = 86_400.0


@dataclass(frozen=True)
class Limits:
    """Budgets: per-tenant calls a minute, a day and at once; app calls a minute."""

    minute: int = 60
    day: int = 5000
    concurrent: int = 5
    app_minute: int = 10_000


@dataclass(frozen=True)
class Decision:
    """Whether a call may proceed; if not, which limit it hit and when to retry (seconds)."""

    allowed: bool
    problem: str | None = None
    retry_after: int = 0
    headers: dict[str, str] = field(default_factory=dict)


class RateLimiter:
    """Rolling-window counters keyed by (app, tenant) and by app; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._minute: dict[tuple[str, str], deque[float]] = defaultdict(deque)
        self._day: dict[tuple[str, str], deque[float]] = defaultdict(deque)
        self._app: dict[str, deque[float]] = defaultdict(deque)
        self._running: Counter[tuple[str, str]] = Counter()
        self._requests: Counter[str] = Counter()
        self._peak: Counter[str] = Counter()

    def reset(self) -> None:
        """Forget every call counted so far (calls in progress keep their slots)."""
        with self._lock:
            self._minute.clear()
            self._day.clear()
            self._app.clear()
            self._requests.clear()
            self._peak.clear()

    def count_request(self, tenant: str) -> None:
        """Count an Accounting API request as it arrives, whatever it is answered."""
        with self._lock:
            self._requests[tenant.lower()] += 1

    def requests(self, tenant: str | None = None) -> int:
        """Accounting API requests received since the last reset (for one tenant, or all)."""
        with self._lock:
            if tenant is None:
                return sum(self._requests.values())
            return self._requests[str(tenant).lower()]

    def snapshot(self) -> dict[str, dict[str, int]]:
        """Requests received and peak concurrency per tenant since the last reset."""
        with self._lock:
            return {"requests": dict(self._requests), "peak_concurrency": dict(self._peak)}

    def peak_concurrency(self, tenant: str) -> int:
        """The most calls a tenant had in progress at once since the last reset."""
        with self._lock:
            return self._peak[str(tenant).lower()]

    def acquire(self, app: str, tenant: str, limits: Limits, now: float | None = None) -> Decision:
        """Count a call if every budget allows it (and hold a concurrency slot until release)."""
        now = time.monotonic() if now is None else now
        key = (app, tenant)
        with self._lock:
            minute, day, app_minute = self._minute[key], self._day[key], self._app[app]
            _prune(minute, now - MINUTE)
            _prune(day, now - DAY)
            _prune(app_minute, now - MINUTE)
            refusal = self._refusal(key, minute, day, app_minute, limits, now)
            if refusal is None:
                for window in (minute, day, app_minute):
                    window.append(now)
                self._running[key] += 1
                peak = self._peak[tenant.lower()]
                self._peak[tenant.lower()] = max(peak, self._running[key])
            headers = {
                "X-DayLimit-Remaining": str(max(0, limits.day - len(day))),
                "X-MinLimit-Remaining": str(max(0, limits.minute - len(minute))),
                "X-AppMinLimit-Remaining": str(max(0, limits.app_minute - len(app_minute))),
            }
        if refusal is None:
            return Decision(True, headers=headers)
        problem, retry_after = refusal
        return Decision(False, problem, retry_after, headers)

    def release(self, app: str, tenant: str) -> None:
        """Give back the concurrency slot taken by an allowed acquire()."""
        with self._lock:
            key = (app, tenant)
            self._running[key] = max(0, self._running[key] - 1)

    def _refusal(
        self,
        key: tuple[str, str],
        minute: deque[float],
        day: deque[float],
        app_minute: deque[float],
        limits: Limits,
        now: float,
    ) -> tuple[str, int] | None:
        if len(day) >= limits.day:
            return "day", _wait(day, DAY, now)
        if len(app_minute) >= limits.app_minute:
            return "appminute", _wait(app_minute, MINUTE, now)
        if len(minute) >= limits.minute:
            return "minute", _wait(minute, MINUTE, now)
        if self._running[key] >= limits.concurrent:
            return "concurrent", 1
        return None


def _prune(window: deque[float], cutoff: float) -> None:
    while window and window[0] <= cutoff:
        window.popleft()


def _wait(window: deque[float], span: float, now: float) -> int:
    """Whole seconds until the oldest counted call leaves the window (at least 1)."""
    if not window:
        return 1
    return max(1, math.ceil(window[0] + span - now))


LIMITER = RateLimiter()
