"""Named locks shared by every web and worker process: redis-py's `Lock` when the cache is Redis,
a process-local `threading.Lock` per name otherwise.

redis-py's Lock holds a random token and releases by compare-and-delete in one Lua script, so a
holder whose lock expired (and was then taken by another process) cannot delete the other's.
While Redis is unreachable (crm_xero.cache says so, and logs it) locks fall back to this process's
own: single-flight still holds among its threads; across processes it cannot until Redis is back.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager

from redis import Redis
from redis.exceptions import LockError
from redis.lock import Lock as RedisLock

from crm_xero.cache import FallbackRedisCache, on_redis

log = logging.getLogger(__name__)

POLL = 0.02  # seconds between tries for a lock held in Redis


class _Local:
    """The process-local lock for one name (weakly kept: gone when nobody holds or waits)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()


_locals: weakref.WeakValueDictionary[str, _Local] = weakref.WeakValueDictionary()
_locals_lock = threading.Lock()


def _local(name: str) -> _Local:
    with _locals_lock:
        found = _locals.get(name)
        if found is None:
            found = _locals[name] = _Local()
        return found


class Lock:
    """One process's hold on a named lock. `hold` (seconds) is how long a lock in Redis outlives
    a holder that died; a process-local one needs no expiry (it dies with its process)."""

    def __init__(self, name: str, *, hold: float) -> None:
        self.name, self.hold = name, hold
        self._redis: RedisLock | None = None
        self._local: _Local | None = None

    def acquire(self, timeout: float = 0) -> bool:
        """Take the lock, waiting up to `timeout` seconds; False if it stayed taken."""
        assert self._redis is None and self._local is None, "already held"
        deadline = time.monotonic() + timeout
        while True:
            taken = on_redis(self._take_in_redis, lambda: None)
            if taken is not None:
                if taken or time.monotonic() >= deadline:
                    return taken
                time.sleep(min(POLL, max(0.0, deadline - time.monotonic())))
                continue
            # No Redis (or it just went away): this process's own lock, for what is left.
            local = _local(self.name)
            if local.lock.acquire(timeout=max(0.0, deadline - time.monotonic())):
                self._local = local
                return True
            return False

    def _take_in_redis(self, backend: FallbackRedisCache, client: Redis) -> bool:
        # thread_local=False: the token belongs to this Lock, whichever thread releases it.
        lock = RedisLock(client, backend.make_key(self.name), timeout=self.hold, thread_local=False)
        if lock.acquire(blocking=False):
            self._redis = lock
            return True
        return False

    def release(self) -> None:
        """Let the lock go, if it is still ours (a lock in Redis may have expired meanwhile)."""
        held, self._redis = self._redis, None
        local, self._local = self._local, None
        if local is not None:
            local.lock.release()
        if held is not None:
            on_redis(lambda _backend, _client: self._release_in_redis(held), lambda: None)

    def _release_in_redis(self, held: RedisLock) -> None:
        try:
            held.release()  # compare-and-delete by token, atomically
        except LockError:
            # Not ours any more: it expired, and another process may hold it now.
            log.warning("The lock %s expired before its holder let it go", self.name)


@contextmanager
def held(name: str, *, wait: float, hold: float) -> Iterator[bool]:
    """Hold the named lock while inside, waiting up to `wait` seconds for it; gives whether it
    was taken (False: it stayed taken, nothing is held)."""
    lock = Lock(name, hold=hold)
    taken = lock.acquire(timeout=wait)
    try:
        yield taken
    finally:
        if taken:
            lock.release()


_RELEASE_IF_HOLDER = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('del', KEYS[1])
end
return 0
"""


def release_key(key: str, holder: str) -> None:
    """Delete a cache key taken with `cache.add(key, holder)` only while it still holds `holder`
    (it may have expired and been taken by another process): in one step on Redis."""

    def in_redis(backend: FallbackRedisCache, client: Redis) -> None:
        release = client.register_script(_RELEASE_IF_HOLDER)
        release(keys=[backend.make_key(key)], args=[backend.encode(holder)])

    def meanwhile() -> None:
        from django.core.cache import cache

        # One process's memory: only its own threads could have taken the key in between.
        if cache.get(key) == holder:
            cache.delete(key)

    on_redis(in_redis, meanwhile)
