"""The sandbox's knobs: latency, injected failures, rate-limit budgets, token lifetimes, webhooks.

Knobs live in one database row so that the sandbox process, tests and the control page agree.
Rate-limit counters live in the sandbox process's memory (`sandbox.ratelimit.LIMITER`); in tests
the server runs in-process, so `reset_rate_limits()` clears them directly. A separate
`runsandbox` process is reset from its control page.
"""

from __future__ import annotations

from typing import Any

from django.db.models import F

from sandbox import dbguard
from sandbox.models import Knobs
from sandbox.ratelimit import LIMITER, Limits

FAILURE_SCOPES = ("api", "identity", "token", "any")
KNOB_FIELDS = (
    "latency_ms",
    "fail_next_count",
    "fail_next_status",
    "fail_next_scope",
    "minute_limit",
    "day_limit",
    "concurrent_limit",
    "app_minute_limit",
    "access_token_lifetime",
    "refresh_grace_seconds",
    "webhook_url",
    "webhook_key",
)


def current() -> Knobs:
    """The knobs row, or an unsaved row of defaults when none was saved yet."""
    with dbguard.guard():
        return Knobs.objects.filter(pk=1).first() or Knobs(pk=1)


def set_knobs(**values: Any) -> Knobs:
    """Save the given knobs (names as in KNOB_FIELDS) and return the row."""
    unknown = set(values) - set(KNOB_FIELDS)
    if unknown:
        raise TypeError(f"Unknown knobs: {', '.join(sorted(unknown))}")
    if "fail_next_scope" in values and values["fail_next_scope"] not in FAILURE_SCOPES:
        raise ValueError(f"fail_next_scope must be one of {FAILURE_SCOPES}")
    with dbguard.guard():
        knobs = Knobs.objects.filter(pk=1).first() or Knobs(pk=1)
        for name, value in values.items():
            setattr(knobs, name, value)
        knobs.full_clean()
        knobs.save()
    return knobs


def reset(**overrides: Any) -> Knobs:
    """Every knob back to its default (then `overrides`), and the rate-limit counters cleared."""
    with dbguard.guard():
        Knobs.objects.filter(pk=1).delete()
        Knobs(pk=1).save()
    reset_rate_limits()
    return set_knobs(**overrides) if overrides else current()


def set_latency(ms: int) -> Knobs:
    """Delay every Accounting API call by `ms` milliseconds."""
    return set_knobs(latency_ms=ms)


def fail_next(count: int, status: int = 500, scope: str = "api") -> Knobs:
    """Answer the next `count` calls in `scope` with `status` and a Xero-like body."""
    return set_knobs(fail_next_count=count, fail_next_status=status, fail_next_scope=scope)


def set_rate_limits(
    *,
    minute: int | None = None,
    day: int | None = None,
    concurrent: int | None = None,
    app_minute: int | None = None,
) -> Knobs:
    """Change the rate-limit budgets; None leaves a budget as it is."""
    values = {
        "minute_limit": minute,
        "day_limit": day,
        "concurrent_limit": concurrent,
        "app_minute_limit": app_minute,
    }
    return set_knobs(**{name: value for name, value in values.items() if value is not None})


def set_token_lifetimes(
    *, access_token: int | None = None, refresh_grace: int | None = None
) -> Knobs:
    """Access-token lifetime and refresh-token grace window, in seconds."""
    values = {"access_token_lifetime": access_token, "refresh_grace_seconds": refresh_grace}
    return set_knobs(**{name: value for name, value in values.items() if value is not None})


def reset_rate_limits() -> None:
    """Clear this process's rate-limit counters."""
    LIMITER.reset()


def limits(knobs: Knobs) -> Limits:
    """The rate-limit budgets that `knobs` sets."""
    return Limits(
        minute=knobs.minute_limit,
        day=knobs.day_limit,
        concurrent=knobs.concurrent_limit,
        app_minute=knobs.app_minute_limit,
    )


def consume_failure(knobs: Knobs, scope: str) -> int | None:
    """The status to fail this call with if a failure is pending for `scope`, else None."""
    if knobs.fail_next_count <= 0 or knobs.fail_next_scope not in (scope, "any"):
        return None
    with dbguard.guard():
        taken = Knobs.objects.filter(pk=1, fail_next_count__gt=0).update(
            fail_next_count=F("fail_next_count") - 1
        )
    return knobs.fail_next_status if taken else None
