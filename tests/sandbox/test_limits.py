"""Rate limits, latency and injected failures, as a client sees them."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from sandbox import seed
from sandbox.ratelimit import Limits, RateLimiter
from sandbox.testing import token_request
from tests.sandbox.helpers import api


@pytest.fixture
def tokens(xero_sandbox):
    return xero_sandbox.mint_tokens()


def test_the_61st_call_in_a_minute_is_refused(xero_sandbox, tokens) -> None:
    answers = [api(xero_sandbox, tokens, "GET", "/Organisation") for _ in range(60)]
    assert {a.status_code for a in answers} == {200}
    remaining = [int(a.headers["X-MinLimit-Remaining"]) for a in answers]
    assert remaining == list(range(59, -1, -1))
    assert answers[-1].headers["X-DayLimit-Remaining"] == "4940"
    assert answers[-1].headers["X-AppMinLimit-Remaining"] == "9940"
    refused = api(xero_sandbox, tokens, "GET", "/Organisation")
    assert refused.status_code == 429
    assert refused.headers["X-Rate-Limit-Problem"] == "minute"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.json()["Status"] == 429
    other_tenant = api(xero_sandbox, tokens, "GET", "/Organisation", tenant=seed.NZ_TENANT_ID)
    assert other_tenant.status_code == 200
    assert other_tenant.headers["X-MinLimit-Remaining"] == "59"
    assert other_tenant.headers["X-AppMinLimit-Remaining"] == "9939"


def test_a_sixth_concurrent_call_is_refused(xero_sandbox, tokens) -> None:
    xero_sandbox.set_latency(600)

    def call(_: int) -> requests.Response:
        return api(xero_sandbox, tokens, "GET", "/Organisation")

    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(call, range(6)))
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [200, 200, 200, 200, 200, 429]
    refused = next(a for a in answers if a.status_code == 429)
    assert refused.headers["X-Rate-Limit-Problem"] == "concurrent"
    assert int(refused.headers["Retry-After"]) >= 1


def test_day_and_app_budgets(xero_sandbox, tokens) -> None:
    xero_sandbox.set_rate_limits(day=2, app_minute=3)
    assert api(xero_sandbox, tokens, "GET", "/Organisation").status_code == 200
    assert api(xero_sandbox, tokens, "GET", "/Organisation").status_code == 200
    day = api(xero_sandbox, tokens, "GET", "/Organisation")
    assert (day.status_code, day.headers["X-Rate-Limit-Problem"]) == (429, "day")
    assert int(day.headers["Retry-After"]) > 80_000
    assert api(xero_sandbox, tokens, "GET", "/Organisation", tenant=seed.NZ_TENANT_ID).ok
    app = api(xero_sandbox, tokens, "GET", "/Organisation", tenant=seed.NZ_TENANT_ID)
    assert (app.status_code, app.headers["X-Rate-Limit-Problem"]) == (429, "appminute")
    xero_sandbox.reset_rate_limits()
    assert api(xero_sandbox, tokens, "GET", "/Organisation").status_code == 200


def test_latency_knob(xero_sandbox, tokens) -> None:
    # A wide margin, so that a loaded machine cannot make the plain call look slow.
    xero_sandbox.set_latency(1200)
    started = time.monotonic()
    assert api(xero_sandbox, tokens, "GET", "/Organisation").status_code == 200
    assert time.monotonic() - started >= 1.2
    xero_sandbox.set_latency(0)
    started = time.monotonic()
    assert api(xero_sandbox, tokens, "GET", "/Organisation").status_code == 200
    assert time.monotonic() - started < 1.2


def test_fail_next_calls(xero_sandbox, tokens) -> None:
    xero_sandbox.fail_next(2, status=503)
    first = api(xero_sandbox, tokens, "GET", "/Contacts")
    second = api(xero_sandbox, tokens, "GET", "/Organisation")
    assert (first.status_code, second.status_code) == (503, 503)
    assert first.json()["Title"] == "Service Unavailable"
    assert api(xero_sandbox, tokens, "GET", "/Organisation").status_code == 200
    xero_sandbox.fail_next(1, status=429)
    limited = api(xero_sandbox, tokens, "GET", "/Organisation")
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "60"
    xero_sandbox.fail_next(1, status=500)
    assert requests.get(f"{xero_sandbox.url}/.well-known/openid-configuration", timeout=5).ok
    assert api(xero_sandbox, tokens, "GET", "/Organisation").status_code == 500


def test_failures_can_target_the_token_endpoint_and_connections(xero_sandbox, tokens) -> None:
    xero_sandbox.fail_next(1, status=503, scope="token")
    assert api(xero_sandbox, tokens, "GET", "/Organisation").status_code == 200
    data = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    assert token_request(xero_sandbox.url, data).status_code == 503
    assert token_request(xero_sandbox.url, data).status_code == 200
    xero_sandbox.fail_next(1, status=500, scope="identity")
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert (
        requests.get(f"{xero_sandbox.url}/connections", headers=headers, timeout=5).status_code
        == 500
    )


def test_rate_limiter_windows_roll() -> None:
    limiter = RateLimiter()
    limits = Limits(minute=2, day=10, concurrent=5, app_minute=100)
    assert limiter.acquire("app", "t", limits, now=0.0).allowed
    limiter.release("app", "t")
    assert limiter.acquire("app", "t", limits, now=30.0).allowed
    limiter.release("app", "t")
    refused = limiter.acquire("app", "t", limits, now=45.0)
    assert (refused.allowed, refused.problem, refused.retry_after) == (False, "minute", 15)
    assert limiter.acquire("app", "t", limits, now=60.5).allowed
    assert limiter.acquire("app", "other", limits, now=60.5).allowed


def test_rate_limiter_counts_running_calls() -> None:
    limiter = RateLimiter()
    limits = Limits(minute=100, day=100, concurrent=2, app_minute=100)
    assert limiter.acquire("app", "t", limits, now=1.0).allowed
    assert limiter.acquire("app", "t", limits, now=1.0).allowed
    assert limiter.acquire("app", "t", limits, now=1.0).problem == "concurrent"
    limiter.release("app", "t")
    assert limiter.acquire("app", "t", limits, now=1.0).allowed
