"""Xero data kept in Django's cache (Redis in production: shared by every web and worker process).

An entry is fresh for XERO_CACHE_TTL seconds after Xero last confirmed it; webhooks and the
app's own writes keep it true in between. Stale entries are kept for XERO_CACHE_KEEP seconds so
that a refresh can ask Xero only for what changed (If-Modified-Since) and so that, when Xero is
busy, the last known data can be shown (marked stale) instead of an error.

Loading is single-flight: of all the processes that find an entry missing or stale at once, one
fetches (under the entry's lock, `linking.xero.locks`); the others wait for its answer.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Generic, ParamSpec, TypeVar

from django.conf import settings
from django.core.cache import cache

from linking.xero import locks
from linking.xero.errors import XeroError

log = logging.getLogger(__name__)

T = TypeVar("T")
P = ParamSpec("P")

VERSION = 3  # bump when a cached dataclass changes shape (3: Phone in parts, persons)
POLL = 0.02  # seconds between looks for another process's answer (and tries for the lock)
FAILURE_MEMORY = 5  # seconds a failed fetch's error answers those who waited for it


@dataclass(frozen=True)
class Cached(Generic[T]):
    """A value as Xero last confirmed it.

    `problem` is set when the value is stale because Xero could not be asked now (busy, down).
    """

    value: T
    checked_at: float  # unix time of the fetch that last confirmed it
    problem: XeroError | None = None

    @property
    def updated_at(self) -> datetime:
        return datetime.fromtimestamp(self.checked_at, UTC)

    @property
    def stale(self) -> bool:
        return self.problem is not None or time.time() - self.checked_at >= settings.XERO_CACHE_TTL


def key(tenant_id: object, kind: str, ident: object = "") -> str:
    return f"xero:v{VERSION}:{tenant_id}:{kind}:{ident}"


# Unpickling a big customer's thousands of invoices costs more than the rest of a render, so each
# process keeps the entries it last read, each with the stamp it was stored under. A read asks
# the shared cache only for the small stamp and uses the kept entry while the stamp still matches:
# a write anywhere (another process, a webhook) changes the stamp.
LOCAL_ENTRIES = 128
_local: OrderedDict[str, tuple[str, Cached[Any]]] = OrderedDict()
_local_lock = threading.Lock()


def _stamp_key(cache_key: str) -> str:
    return f"{cache_key}:stamp"


def _remember_locally(cache_key: str, stamp: str, entry: Cached[Any]) -> None:
    with _local_lock:
        _local[cache_key] = (stamp, entry)
        _local.move_to_end(cache_key)
        while len(_local) > LOCAL_ENTRIES:
            _local.popitem(last=False)


def _kept(cache_key: str, stamp: str | None) -> Cached[Any] | None:
    with _local_lock:
        kept = _local.get(cache_key)
    return kept[1] if kept is not None and stamp is not None and kept[0] == stamp else None


def get(cache_key: str) -> Cached[Any] | None:
    return get_many([cache_key]).get(cache_key)


def get_many(keys: list[str]) -> dict[str, Cached[Any]]:
    stamps = cache.get_many([_stamp_key(k) for k in keys])
    found: dict[str, Cached[Any]] = {}
    missing: list[str] = []
    for k in keys:
        entry = _kept(k, stamps.get(_stamp_key(k)))
        if entry is None:
            missing.append(k)
        else:
            found[k] = entry
    for k, (stamp, entry) in cache.get_many(missing).items():
        _remember_locally(k, stamp, entry)
        found[k] = entry
    return found


def put(cache_key: str, value: T, *, checked_at: float | None = None) -> Cached[T]:
    entry = Cached(value, time.time() if checked_at is None else checked_at)
    put_entries({cache_key: entry})
    return entry


def put_many(entries: dict[str, object], *, checked_at: float | None = None) -> None:
    at = time.time() if checked_at is None else checked_at
    put_entries({k: Cached(v, at) for k, v in entries.items()})


def put_entries(entries: dict[str, Cached[Any]]) -> None:
    stored: dict[str, object] = {}
    for k, entry in entries.items():
        stamp = uuid.uuid4().hex
        stored[k] = (stamp, entry)
        stored[_stamp_key(k)] = stamp
        _remember_locally(k, stamp, entry)
    cache.set_many(stored, timeout=settings.XERO_CACHE_KEEP)


def put_plain(entries: dict[str, object]) -> None:
    """Small values kept as they are (no stamp, no process-local copy), e.g. an index."""
    cache.set_many(entries, timeout=settings.XERO_CACHE_KEEP)


def get_plain(keys: list[str]) -> dict[str, object]:
    return cache.get_many(keys)


UPDATE_WAIT = 3.0  # seconds a write-through waits for a fetch of the same entry to finish


def _lock_name(cache_key: str) -> str:
    """The entry's fetch lock (not `:lock`, which held a pickled holder in earlier versions: during
    a deploy the two kinds of process must not release each other's)."""
    return f"{cache_key}:fetching"


def update(cache_key: str, change: Callable[[Cached[Any] | None], Cached[Any] | None]) -> None:
    """Change an entry under its fetch lock, so that a fetch in progress cannot overwrite the
    change with what it read before. `change` gets the entry (or None) and returns the new one
    (None: leave it). If the lock is not free in time, the entry is marked dirty instead: the
    fetch in progress then stores its answer as already stale."""
    with locks.held(_lock_name(cache_key), wait=UPDATE_WAIT, hold=UPDATE_WAIT + 5) as taken:
        if not taken:
            cache.set(f"{cache_key}:dirty", time.time(), timeout=settings.XERO_CACHE_KEEP)
            delete(cache_key)
            return
        new = change(get(cache_key))
        if new is not None:
            put_entries({cache_key: new})


def delete(cache_key: str) -> None:
    cache.delete_many([cache_key, _stamp_key(cache_key)])


def generation(tenant_id: object, name: str) -> int:
    """A counter that names the current version of a group of entries (e.g. contact searches)."""
    return int(cache.get_or_set(key(tenant_id, "generation", name), 0, timeout=None) or 0)


def next_generation(tenant_id: object, name: str) -> None:
    """Make every entry keyed with the current generation unreachable."""
    counter = key(tenant_id, "generation", name)
    cache.add(counter, 0, timeout=None)
    cache.incr(counter)


def load(
    cache_key: str,
    fetch: Callable[[Cached[T] | None], T],
    *,
    refresh: bool = False,
) -> Cached[T]:
    """The entry if fresh (and not `refresh`), else what `fetch(previous entry)` returns, stored.

    One process fetches at a time per key; the others wait for its answer (up to the read
    timeout). When Xero cannot be asked now (a retryable XeroError), the previous entry comes back
    with `problem` set, if there is one; otherwise the error is raised.
    """
    entry = get(cache_key)
    if entry is not None and not refresh and not entry.stale:
        return entry
    seen = entry.checked_at if entry is not None else None
    asked_at = time.time()
    failed = f"{cache_key}:failed"
    wait = settings.XERO_CONNECT_TIMEOUT + settings.XERO_READ_TIMEOUT
    deadline = time.monotonic() + wait
    # The lock outlives a fetch of two rounds of calls (a big customer's first page, then the
    # rest); a holder that dies lets another process fetch after that.
    lock = locks.Lock(_lock_name(cache_key), hold=2 * wait + 5)

    def answered() -> Cached[T] | None:
        """What another process's fetch, since we asked, came to (an entry, or its failure)."""
        landed = get(cache_key)
        if landed is not None and landed.checked_at != seen:
            return landed
        failure = cache.get(failed)
        if failure is not None and failure[0] >= asked_at:
            return _stale_or_raise(entry, XeroError(**failure[1]))
        return None

    while True:
        # Tried for up to POLL: a waiter also looks for the answer in between.
        if lock.acquire(timeout=POLL):
            try:
                if (answer := answered()) is not None:
                    return answer  # fetched (or failed) while we waited for the lock
                started = time.time()
                try:
                    value = fetch(None if refresh else get(cache_key))
                except XeroError as exc:
                    # Those waiting for this answer get the same failure, not a call each.
                    cache.set(failed, (time.time(), vars(exc)), timeout=FAILURE_MEMORY)
                    return _stale_or_raise(entry, exc)
                dirty = cache.get(f"{cache_key}:dirty")
                if dirty is not None and dirty >= started:
                    # A write could not wait for this fetch: what it read may predate the write.
                    return put(cache_key, value, checked_at=0)
                # Stamped with when the fetch started: what Xero changed after that may be missing.
                return put(cache_key, value, checked_at=started)
            finally:
                lock.release()
        if (answer := answered()) is not None:
            return answer
        if time.monotonic() >= deadline:
            busy = XeroError("Xero is taking long to answer — try again soon.", retry_after=5)
            return _stale_or_raise(entry, busy)


def _stale_or_raise(entry: Cached[T] | None, exc: XeroError) -> Cached[T]:
    """The last known value marked stale when a retry may help, else the error."""
    if entry is not None and exc.retryable:
        return replace(entry, problem=exc)
    raise exc


# Writes nobody waits for (e.g. the index of thousands of invoices' owners), done beside a render.
_WRITE_BEHIND = ThreadPoolExecutor(max_workers=1, thread_name_prefix="xero-write-behind")


def write_behind(fn: Callable[P, object], *args: P.args, **kwargs: P.kwargs) -> Future[object]:
    """Run `fn(*args, **kwargs)` in the background; an exception it raises is logged."""
    future = _WRITE_BEHIND.submit(fn, *args, **kwargs)
    future.add_done_callback(_log_failure)
    return future


def _log_failure(future: Future[object]) -> None:
    if not future.cancelled() and (exc := future.exception()) is not None:
        log.error("A background cache write failed", exc_info=exc)


def invalidate(keys: list[str]) -> None:
    """Drop these entries, and mark them dirty so that a fetch already in progress stores what
    it read as stale (it may predate the change that made them wrong)."""
    if not keys:
        return
    now = time.time()
    cache.set_many({f"{k}:dirty": now for k in keys}, timeout=settings.XERO_CACHE_KEEP)
    cache.delete_many([k for key in keys for k in (key, _stamp_key(key))])
