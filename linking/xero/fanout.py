"""Independent Xero calls run at once, each thread in a copy of the caller's context (so that
`budget.background()` holds there too)."""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from django import db

T = TypeVar("T")


def parallel(calls: Sequence[Callable[[], T]], *, workers: int = 4) -> list[T]:
    """Run independent calls at once (the rate budget still caps calls in flight per tenant);
    their results in order, or the first failure."""
    if len(calls) <= 1:
        return [call() for call in calls]

    def run(call: Callable[[], T]) -> T:
        try:
            return call()
        finally:
            db.connections.close_all()  # this thread's own connections, if it opened any

    with ThreadPoolExecutor(max_workers=min(workers, len(calls))) as pool:
        # Each in a copy of this thread's context, so that budget.background() holds there too.
        running = [pool.submit(contextvars.copy_context().run, run, call) for call in calls]
        return [call.result() for call in running]
