"""The cache backend: Redis, and a process-local cache while Redis cannot be reached.

Everything that uses Django's cache (cached Xero data, the single-flight locks, the Xero rate
budget, allauth's sign-in rate limits, the refetch markers) goes through this backend, so none
of it fails when Redis is down: an operation that meets a refused connection or a timeout is
done on a local-memory cache of this process instead, and a warning is logged (once when Redis
goes, then at most once a minute while it stays away, and once when it is back). What Django's
cache API does not do (redis-py's Lock, the rate budget's scripts) goes through `on_redis()`,
which shares that outage and falls back the same way. Meanwhile the locks, counters and cached
data are per process: each process fetches from Xero for itself, single-flight among its own
threads (process-local locks), and counts its own calls against the rate budget.

While Redis is down, it is tried again every RETRY_AFTER seconds, not on every operation, so
requests do not each wait for a connection attempt. When it answers again, the keys written
meanwhile are deleted from Redis (what it holds for them may predate a change seen during the
outage, e.g. a webhook's invalidation) and counters raised meanwhile are raised there too; the
local copies are dropped.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis import Redis
from redis.backoff import ConstantBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry

log = logging.getLogger(__name__)

T = TypeVar("T")

UNREACHABLE = (RedisConnectionError, RedisTimeoutError)
RETRY_AFTER = 5.0  # seconds between attempts to reach a Redis that was down
REPEAT_WARNING = 60.0  # seconds between "still unreachable" warnings
MAX_REMEMBERED = 10_000  # keys written during an outage that are forgotten in Redis afterwards
LOCAL_ENTRIES = 20_000
# Unless OPTIONS say otherwise: a Redis that does not answer costs a request at most this long
# (connect, then each command), and a command that meets a broken connection is retried once on
# a fresh one (a pooled connection dies with a Redis restart); a timeout is not retried.
DEFAULT_OPTIONS: dict[str, Any] = {
    "socket_connect_timeout": 0.5,
    "socket_timeout": 2.0,
    "retry": Retry(ConstantBackoff(0.05), 1, supported_errors=(RedisConnectionError,)),
}


def redacted(url: str) -> str:
    """The URL without its password, for log lines and pages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = f"{parts.username}:***@" if parts.username else ":***@"
    return urlunsplit(parts._replace(netloc=user + netloc))


# What an outage left to do when Redis answers again: since when, keys written, counters raised,
# and whether more keys were written than remembered.
Done = tuple[float, set[tuple[str, int | None]], dict[tuple[str, int | None], int], bool]


@dataclass
class Outage:
    """Whether this process currently finds a service unreachable, and what it did meanwhile.

    One per Redis (or broker) URL, shared by every thread of the process (Django makes a cache
    instance per thread). `meanwhile` says in the warning what happens while it is down."""

    name: str
    where: str
    meanwhile: str
    logger: str = __name__
    lock: threading.Lock = field(default_factory=threading.Lock)
    recovering: threading.Lock = field(default_factory=threading.Lock)
    down_since: float | None = None
    retry_at: float = 0.0
    warned_at: float = 0.0
    reason: str = ""
    written: set[tuple[str, int | None]] = field(default_factory=set)
    raised: dict[tuple[str, int | None], int] = field(default_factory=lambda: defaultdict(int))
    overflowed: bool = False

    @property
    def down(self) -> bool:
        return self.down_since is not None

    def skip(self) -> bool:
        """Whether not to try the service now (it was down a moment ago)."""
        return self.down_since is not None and time.monotonic() < self.retry_at

    def failed(self, exc: Exception) -> None:
        """Note a failure to reach the service; warn when it starts, then once a minute."""
        now = time.monotonic()
        log = logging.getLogger(self.logger)
        with self.lock:
            self.retry_at = now + RETRY_AFTER
            self.reason = f"{type(exc).__name__}: {exc}"
            if self.down_since is None:
                self.down_since = time.time()
                self.warned_at = now
                log.warning(
                    "%s at %s is unreachable (%s); %s",
                    self.name,
                    self.where,
                    self.reason,
                    self.meanwhile,
                )
            elif now - self.warned_at >= REPEAT_WARNING:
                self.warned_at = now
                log.warning(
                    "%s at %s is still unreachable, since %s (%s)",
                    self.name,
                    self.where,
                    datetime.fromtimestamp(self.down_since, UTC).isoformat(timespec="seconds"),
                    self.reason,
                )

    def remember(self, keys: Iterable[str], version: int | None, *, delta: int = 0) -> None:
        with self.lock:
            for key in keys:
                if delta:
                    self.raised[(key, version)] += delta
                elif len(self.written) < MAX_REMEMBERED:
                    self.written.add((key, version))
                else:
                    self.overflowed = True

    def restore(self, done: Done) -> None:
        """Undo `recovered()`: Redis went again before it was brought up to date."""
        with self.lock:
            since, written, raised, overflowed = done
            self.down_since = since
            self.written |= written
            for key, delta in raised.items():
                self.raised[key] += delta
            self.overflowed = self.overflowed or overflowed

    def recovered(self) -> Done | None:
        """Mark Redis reachable again; what was done meanwhile (None: it was not down)."""
        with self.lock:
            if self.down_since is None:
                return None
            done = (self.down_since, self.written, dict(self.raised), self.overflowed)
            self.down_since, self.reason, self.overflowed = None, "", False
            self.written, self.raised = set(), defaultdict(int)
            return done


_outages: dict[tuple[str, str], Outage] = {}
_outages_lock = threading.Lock()


def outage_of(name: str, where: str, meanwhile: str, logger: str = __name__) -> Outage:
    """The process's one Outage record for this service at this URL."""
    with _outages_lock:
        return _outages.setdefault((name, where), Outage(name, where, meanwhile, logger))


CACHE_MEANWHILE = (
    "this process uses its own local cache until Redis answers again: Xero data, single-flight "
    "locks, the Xero rate budget and sign-in rate limits are per process meanwhile"
)


class FallbackRedisCache(RedisCache):
    """Django's RedisCache that falls back to a process-local cache while Redis is unreachable."""

    def __init__(self, server: str | list[str], params: dict[str, Any]) -> None:
        params = {**params, "OPTIONS": {**DEFAULT_OPTIONS, **params.get("OPTIONS", {})}}
        super().__init__(server, params)
        where = server if isinstance(server, str) else ",".join(server)
        self.outage = outage_of("Redis", redacted(where), CACHE_MEANWHILE)
        local: dict[str, Any] = {
            "TIMEOUT": params.get("TIMEOUT", 300),
            "OPTIONS": {"MAX_ENTRIES": LOCAL_ENTRIES},
            "KEY_PREFIX": params.get("KEY_PREFIX", ""),
            "VERSION": params.get("VERSION", 1),
        }
        if "KEY_FUNCTION" in params:
            local["KEY_FUNCTION"] = params["KEY_FUNCTION"]
        # LocMemCache keeps its data per name, so every thread's instance shares one store.
        self.local = LocMemCache(f"redis-fallback:{self.outage.where}", local)

    def _do(
        self,
        name: str,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        *,
        remember: Iterable[str] = (),
        version: int | None = None,
        delta: int = 0,
    ) -> Any:
        outage = self.outage
        if not outage.skip() and self._after_outage():
            try:
                return getattr(RedisCache, name)(self, *args, **kwargs)
            except UNREACHABLE as exc:
                outage.failed(exc)
        if remember:
            outage.remember(remember, version, delta=delta)
        return getattr(self.local, name)(*args, **kwargs)

    def _after_outage(self) -> bool:
        """After an outage (if there was one), bring Redis up to date with what was done
        meanwhile, before anything reads it; False if it is still unreachable."""
        if not self.outage.down:
            return True
        with self.outage.recovering:  # the other threads wait until Redis is up to date
            return self._bring_up_to_date()

    def _bring_up_to_date(self) -> bool:
        if self.outage.skip():
            return False  # another thread just found it still down
        done = self.outage.recovered()
        if done is None:
            return True  # another thread did
        since, written, raised, overflowed = done
        forgotten = 0
        try:
            self._cache.get_client(None, write=True).ping()
            by_version: dict[int | None, list[str]] = defaultdict(list)
            for key, version in written - set(raised):
                by_version[version].append(key)
            for version, keys in by_version.items():
                RedisCache.delete_many(self, keys, version=version)
                forgotten += len(keys)
            for (key, version), delta in raised.items():
                # A counter gone from Redis meanwhile has nothing there to be behind.
                with contextlib.suppress(ValueError):
                    RedisCache.incr(self, key, delta, version=version)
        except UNREACHABLE as exc:
            self.outage.restore(done)
            self.outage.failed(exc)
            return False
        self.local.clear()
        log.warning(
            "%s at %s answers again after %d s; forgot %d entries written meanwhile%s",
            self.outage.name,
            self.outage.where,
            time.time() - since,
            forgotten,
            " (more were written than remembered: some cached Xero data may be up to "
            "XERO_CACHE_TTL old)"
            if overflowed
            else "",
        )
        return True

    def redis(self) -> Redis | None:
        """The redis-py client, for what Django's cache API does not do (locks, scripts); None
        while Redis is known to be down: use a process-local stand-in then."""
        if self.outage.skip() or not self._after_outage():
            return None
        return self._cache.get_client(None, write=True)

    def encode(self, value: Any) -> bytes | int:
        """`value` as this cache stores it in Redis (to compare with what a key holds)."""
        encoded: bytes | int = self._cache._serializer.dumps(value)  # type: ignore[attr-defined]
        return encoded

    def is_reachable(self) -> bool:
        """Ask Redis now (a PING); an unreachable Redis also starts or continues the outage."""
        try:
            self._cache.get_client(None).ping()
        except UNREACHABLE as exc:
            self.outage.failed(exc)
            return False
        return self._after_outage()

    # Every public operation of RedisCache; decr and get_or_set are built on these by BaseCache.

    def add(
        self,
        key: str,
        value: Any,
        timeout: float | None = DEFAULT_TIMEOUT,
        version: int | None = None,
    ) -> bool:
        return bool(self._do("add", (key, value, timeout), {"version": version}))

    def get(self, key: str, default: Any | None = None, version: int | None = None) -> Any:
        return self._do("get", (key, default), {"version": version})

    def set(
        self,
        key: str,
        value: Any,
        timeout: float | None = DEFAULT_TIMEOUT,
        version: int | None = None,
    ) -> None:
        self._do(
            "set", (key, value, timeout), {"version": version}, remember=[key], version=version
        )

    def touch(
        self, key: str, timeout: float | None = DEFAULT_TIMEOUT, version: int | None = None
    ) -> bool:
        return bool(self._do("touch", (key, timeout), {"version": version}))

    def delete(self, key: str, version: int | None = None) -> bool:
        return bool(
            self._do("delete", (key,), {"version": version}, remember=[key], version=version)
        )

    def get_many(self, keys: Iterable[str], version: int | None = None) -> dict[str, Any]:
        found: dict[str, Any] = self._do("get_many", (keys,), {"version": version})
        return found

    def has_key(self, key: str, version: int | None = None) -> bool:
        return bool(self._do("has_key", (key,), {"version": version}))

    def incr(self, key: str, delta: int = 1, version: int | None = None) -> int:
        outage = self.outage
        if not outage.skip() and self._after_outage():
            try:
                return RedisCache.incr(self, key, delta, version=version)
            except UNREACHABLE as exc:
                outage.failed(exc)
        outage.remember([key], version, delta=delta)
        try:
            return self.local.incr(key, delta, version=version)
        except ValueError:
            # Created in Redis before it went away: count from here on.
            self.local.set(key, delta, timeout=None, version=version)
            return delta

    def set_many(
        self,
        data: dict[str, Any],
        timeout: float | None = DEFAULT_TIMEOUT,
        version: int | None = None,
    ) -> list[Any]:
        failed: list[Any] = self._do(
            "set_many", (data, timeout), {"version": version}, remember=list(data), version=version
        )
        return failed

    def delete_many(self, keys: Iterable[str], version: int | None = None) -> None:
        keys = list(keys)
        self._do("delete_many", (keys,), {"version": version}, remember=keys, version=version)

    def clear(self) -> None:
        self._do("clear", (), {})


def is_reachable(alias: str = "default") -> bool:
    """Whether the cache answers now (always, for a cache that is not Redis)."""
    from django.core.cache import caches

    backend = caches[alias]
    return not isinstance(backend, FallbackRedisCache) or backend.is_reachable()


def on_redis(
    use: Callable[[FallbackRedisCache, Redis], T],
    meanwhile: Callable[[], T],
    alias: str = "default",
) -> T:
    """`use(backend, client)` when the cache is Redis and answers; otherwise, and when Redis stops
    answering during it, `meanwhile()` (its process-local stand-in)."""
    from django.core.cache import caches

    backend = caches[alias]
    if isinstance(backend, FallbackRedisCache) and (client := backend.redis()) is not None:
        try:
            return use(backend, client)
        except UNREACHABLE as exc:
            backend.outage.failed(exc)
    return meanwhile()
