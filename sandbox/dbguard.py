"""Serialises database work when the sandbox shares one in-memory SQLite connection with tests.

pytest's in-memory SQLite database lives in a single connection that the test thread and every
request thread of an in-process sandbox share; Django's transaction state on that connection is
not thread-safe. `SandboxServer` turns the guard on in that case only. Latency sleeps, waits and
rate-limit slots stay outside the guard so that concurrent calls still overlap.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.RLock()
_local = threading.local()
_enabled = 0


def enable() -> None:
    """Start serialising guarded blocks (nested enables need as many disables)."""
    global _enabled
    _enabled += 1


def disable() -> None:
    """Undo one enable()."""
    global _enabled
    _enabled = max(0, _enabled - 1)


def _depth() -> int:
    return getattr(_local, "depth", 0)


@contextmanager
def guard() -> Iterator[None]:
    """Hold the shared-connection lock for the block when enabled; otherwise do nothing."""
    if not _enabled:
        yield
        return
    with _lock:
        _local.depth = _depth() + 1
        try:
            yield
        finally:
            _local.depth = _depth() - 1


@contextmanager
def unguarded() -> Iterator[None]:
    """Let go of the lock for the block (to sleep or wait), then take it back."""
    depth = _depth()
    for _ in range(depth):
        _lock.release()
    try:
        yield
    finally:
        for _ in range(depth):
            _lock.acquire()
