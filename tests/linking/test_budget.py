"""Xero's per-tenant rate limits as one budget: calls a minute (a moving window), Xero's own 429
honoured by every later call, and no more than XERO_RATE_CONCURRENT calls in flight at once.

A call the budget cannot allow is refused at once, before anything is sent: the stand-in Xero
(pytest-httpserver) and the sandbox count what actually reached them.
"""

from __future__ import annotations

import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django import db
from django.test import Client

from linking.xero import budget, client
from linking.xero.errors import XeroError
from sandbox import seed
from sandbox.models import Contact as XeroContact
from tests.linking.conftest import TENANT_ID, requests_to
from tests.linking.test_locks import backend, raw_redis  # noqa: F401 (a fixture)
from tests.sessions import sign_in_with_sso
from tests.xero_spec import example

AU = seed.AU_TENANT_ID
ORGANISATION = "/api.xro/2.0/Organisation"
RATE_HEADERS = {
    "X-MinLimit-Remaining": "41",
    "X-DayLimit-Remaining": "4321",
    "X-AppMinLimit-Remaining": "9876",
}
BUSY = re.compile(r"Xero is busy — try again in (\d+) seconds?\.")


@pytest.fixture
def organisation_route(xero):
    """Xero (pytest-httpserver) answers GET /Organisation with a recorded payload."""
    xero.expect_request(ORGANISATION, method="GET").respond_with_json(
        example("getOrganisations"), headers=RATE_HEADERS
    )
    return xero


class FrozenClock:
    """time-machine's clock, stopped at `now` (a time the test sets): time.time() and datetime
    say `now` everywhere; time.monotonic() and sleeps stay real."""

    def __init__(self, time_machine, now: float) -> None:
        self.time_machine = time_machine
        self.now = now

    @property
    def now(self) -> float:
        return time.time()

    @now.setter
    def now(self, value: float) -> None:
        self.time_machine.move_to(value, tick=False)


# A minute boundary: the budget's minutes are counted from the epoch.
MINUTE = 1_800_000_000.0
assert MINUTE % 60 == 0


@pytest.fixture
def clock(time_machine) -> FrozenClock:
    """Ask for it before `connection`: the token the connection stores is fresh at MINUTE."""
    return FrozenClock(time_machine, MINUTE)


def allowed(tenant: object = TENANT_ID) -> bool:
    """Whether the budget lets one call through now (the call does nothing)."""
    try:
        with budget.call(tenant):
            return True
    except XeroError as exc:
        assert exc.code == "rate_limit_budget", exc
        return False


def refusal(tenant: object = TENANT_ID) -> XeroError:
    with pytest.raises(XeroError) as raised, budget.call(tenant):
        pass
    return raised.value


# ------------------------------------------------------------------------- the minute budget


def test_the_call_after_the_minute_budget_is_refused_at_once_and_never_sent(
    organisation_route, connection, settings
):
    settings.XERO_RATE_PER_MINUTE = 3
    for _ in range(3):
        client.get_organisation(connection)

    with pytest.raises(XeroError) as raised:
        client.get_organisation(connection)

    refused = raised.value
    assert (refused.status, refused.code) == (429, "rate_limit_budget")
    assert refused.retry_after > 0 and refused.retryable
    assert BUSY.fullmatch(refused.message), refused.message
    assert int(BUSY.fullmatch(refused.message).group(1)) == refused.retry_after
    assert len(requests_to(organisation_route, "GET", ORGANISATION)) == 3


def test_each_tenant_has_its_own_minute_budget(settings, clock):
    settings.XERO_RATE_PER_MINUTE = 2
    assert [allowed("tenant-a") for _ in range(3)] == [True, True, False]
    assert [allowed("tenant-b") for _ in range(3)] == [True, True, False]


def test_the_calls_of_the_previous_minute_count_in_full_while_they_are_in_the_window(
    settings, clock
):
    """A moving window: no 60 seconds ever hold more calls than the budget. (The sliding-window
    estimate this replaced counted 4 calls 25 s old as 3 and let a fifth through.)"""
    settings.XERO_RATE_PER_MINUTE = 4
    clock.now = MINUTE - 10  # the last 10 seconds of the previous minute
    assert [allowed() for _ in range(5)] == [True, True, True, True, False]

    # 15 s into the new minute the four calls are 25 s old: all of them are still in the window.
    clock.now = MINUTE + 15
    refused = refusal()
    assert refused.code == "rate_limit_budget"
    # Room again once they are more than 60 s old (at MINUTE + 50): in 36 seconds.
    assert refused.retry_after == 36
    clock.now = MINUTE + 15 + refused.retry_after - 1
    assert not allowed()
    clock.now = MINUTE + 15 + refused.retry_after
    # All four left the window together; the refused calls were never counted.
    assert [allowed() for _ in range(5)] == [True, True, True, True, False]


def test_the_window_moves_call_by_call_and_recovers(settings, clock):
    settings.XERO_RATE_PER_MINUTE = 4
    for at in (0, 10, 20, 30):
        clock.now = MINUTE + at
        assert allowed()
    clock.now = MINUTE + 45
    refused = refusal()
    assert refused.retry_after == 16  # the call at 0 is more than 60 s old at 61
    clock.now = MINUTE + 60
    assert not allowed()  # exactly 60 s old: still in the window
    clock.now = MINUTE + 61
    assert allowed()  # the room the first call left ...
    refused = refusal()  # ... and no more: the call at 10 is still in the window
    assert refused.retry_after == 10
    clock.now = MINUTE + 71
    assert allowed()
    assert not allowed()

    # Two minutes on, nothing of the busy minute is left in the window.
    clock.now = MINUTE + 200
    assert [allowed() for _ in range(5)] == [True, True, True, True, False]


def test_calls_made_late_in_a_minute_hold_the_budget_early_in_the_next(settings, clock):
    settings.XERO_RATE_PER_MINUTE = 10
    clock.now = MINUTE - 1
    assert all(allowed() for _ in range(10))
    clock.now = MINUTE + 1  # a new minute, but the last minute's calls were 2 seconds ago
    refused = refusal()
    assert refused.code == "rate_limit_budget"
    assert refused.retry_after > 1


# ------------------------------------------------------------------------------- Xero's 429


def test_a_429_blocks_every_later_call_for_retry_after_without_sending_it(clock, xero, connection):
    xero.expect_oneshot_request(ORGANISATION, method="GET").respond_with_data(
        status=429, headers={"Retry-After": "37", "X-Rate-Limit-Problem": "minute"}
    )
    xero.expect_request(ORGANISATION, method="GET").respond_with_json(
        example("getOrganisations"), headers=RATE_HEADERS
    )
    xero.expect_request("/api.xro/2.0/Contacts", method="GET").respond_with_json(
        example("getContacts")
    )
    with pytest.raises(XeroError) as first:
        client.get_organisation(connection)
    assert (first.value.status, first.value.retry_after) == (429, 37)

    clock.now += 10
    assert budget.blocked_for(TENANT_ID) == 27
    for call in (client.get_organisation, lambda c: client.search_contacts(c, search_term="x")):
        with pytest.raises(XeroError) as later:
            call(connection)
        assert (later.value.code, later.value.retry_after) == ("rate_limit_blocked", 27)
        assert later.value.message == "Xero is busy — try again in 27 seconds."

    # Another thread (any process sharing the cache) is held back too.
    seen: list[object] = []
    thread = threading.Thread(target=lambda: seen.append(refusal()))
    thread.start()
    thread.join(5)
    assert [(e.code, e.retry_after) for e in seen] == [("rate_limit_blocked", 27)]
    assert len(xero.log) == 1  # only the call that Xero refused was ever sent

    clock.now += 27
    assert budget.blocked_for(TENANT_ID) == 0
    assert client.get_organisation(connection).short_code
    assert len(requests_to(xero, "GET", ORGANISATION)) == 2


def test_the_headroom_xero_reports_is_kept_for_the_integrations_page(
    organisation_route, connection
):
    assert budget.headroom(TENANT_ID) is None
    client.get_organisation(connection)
    seen = budget.headroom(TENANT_ID)
    assert (seen.limits.minute, seen.limits.day, seen.limits.app_minute) == (41, 4321, 9876)
    assert seen.blocked_for == 0


def test_xero_saying_no_calls_are_left_today_holds_calls_back(xero, connection):
    spent = {**RATE_HEADERS, "X-DayLimit-Remaining": "0"}
    xero.expect_request(ORGANISATION, method="GET").respond_with_json(
        example("getOrganisations"), headers=spent
    )
    client.get_organisation(connection)
    with pytest.raises(XeroError) as raised:
        client.get_organisation(connection)
    assert raised.value.code == "rate_limit_blocked"
    assert len(xero.log) == 1


def headroom_text(html: str) -> str:
    found = re.search(r'data-testid="xero-rate-headroom">(.*?)</dd>', html, re.S)
    assert found, html
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


@pytest.fixture
def admin_page(sso_admin):
    """The Integrations page's rate-limit headroom, as an SSO admin sees it."""
    admin = Client()
    sign_in_with_sso(admin, sso_admin)
    return lambda: headroom_text(admin.get("/integrations/").content.decode())


@pytest.fixture
def au_contact_id(xero_sandbox) -> str:
    return str(XeroContact.objects.filter(organisation__organisation_id=AU)[0].contact_id)


def spend_xeros_minute(xero_sandbox, connection, contact_id: str) -> XeroError:
    """Make Xero itself answer 429: its minute budget is what was used so far."""
    used = xero_sandbox.api_calls(AU)
    xero_sandbox.set_rate_limits(minute=used)
    with pytest.raises(XeroError) as raised:
        client.get_contact(connection, contact_id)
    assert (raised.value.status, raised.value.code) == (429, "rate_limit_minute")
    assert xero_sandbox.api_calls(AU) == used + 1
    return raised.value


def test_the_integrations_page_shows_the_headroom_xero_reported(
    sandbox_connection, xero_sandbox, admin_page, au_contact_id
):
    client.get_contact(sandbox_connection, au_contact_id)
    # What the sandbox said: its budgets less the calls it has counted.
    used, used_by_app = xero_sandbox.api_calls(AU), xero_sandbox.api_calls()

    text = admin_page()

    assert text.startswith(
        f"{60 - used} calls left this minute, {5000 - used} today "
        f"(app: {10000 - used_by_app} this minute) — seen "
    )
    assert "asked us to wait" not in text


def test_a_429_from_xero_holds_every_later_call_and_the_integrations_page_says_so(
    sandbox_connection, xero_sandbox, admin_page, au_contact_id
):
    client.get_contact(sandbox_connection, au_contact_id)
    refused = spend_xeros_minute(xero_sandbox, sandbox_connection, au_contact_id)
    assert 1 <= refused.retry_after <= 60
    sent = xero_sandbox.api_calls(AU)

    found = re.search(r"Xero asked us to wait (\d+) s before calling again\.", admin_page())
    assert found, admin_page()
    assert refused.retry_after - 1 <= int(found.group(1)) <= refused.retry_after
    assert refused.retry_after - 1 <= budget.headroom(AU).blocked_for <= refused.retry_after

    xero_sandbox.set_rate_limits(minute=60)  # Xero would answer now; we were asked to wait
    for call in (
        lambda: client.get_contact(sandbox_connection, au_contact_id),
        lambda: client.search_contacts(sandbox_connection, search_term="Young"),
        lambda: client.list_invoices(sandbox_connection, contact_ids=[au_contact_id]),
    ):
        with pytest.raises(XeroError) as later:
            call()
        assert later.value.code == "rate_limit_blocked"
        assert BUSY.fullmatch(later.value.message)
    assert xero_sandbox.api_calls(AU) == sent  # none of them was sent


def test_the_headroom_a_429_reports_is_what_the_integrations_page_shows(
    sandbox_connection, xero_sandbox, admin_page, au_contact_id
):
    """Xero's 429 carries the remaining counts too (this minute: none); the page must not keep
    showing the counts of the answer before it."""
    client.get_contact(sandbox_connection, au_contact_id)
    spend_xeros_minute(xero_sandbox, sandbox_connection, au_contact_id)
    used, used_by_app = xero_sandbox.api_calls(AU) - 1, xero_sandbox.api_calls() - 1

    seen = budget.headroom(AU)
    assert (seen.limits.minute, seen.limits.day, seen.limits.app_minute) == (
        0,
        5000 - used,
        10000 - used_by_app,
    )
    assert admin_page().startswith("0 calls left this minute")


# --------------------------------------------------------------------------- calls at once


@pytest.mark.parametrize("concurrent", [5, 2])
def test_no_more_than_the_concurrent_budget_of_calls_are_in_flight(
    sandbox_connection, xero_sandbox, settings, concurrent, monkeypatch
):
    settings.XERO_RATE_CONCURRENT = concurrent
    # Twelve calls two at a time are six rounds of the sandbox's latency: on a loaded machine
    # longer than SLOT_WAIT, after which a call gives up (that is tested with background work).
    # Here every call waits for its turn, so that only the cap on calls in flight is measured.
    monkeypatch.setattr(budget, "SLOT_WAIT", 60)
    contact_ids = [
        str(c.contact_id) for c in XeroContact.objects.filter(organisation__organisation_id=AU)
    ][:12]
    xero_sandbox.set_latency(200)
    before = xero_sandbox.api_calls(AU)
    barrier = threading.Barrier(len(contact_ids))

    def fetch(contact_id: str):
        try:
            barrier.wait()
            return client.get_contact(sandbox_connection, contact_id)
        finally:
            db.connections.close_all()

    with ThreadPoolExecutor(max_workers=len(contact_ids)) as pool:
        found = list(pool.map(fetch, contact_ids))  # any XeroError (a 429 too) fails the test

    assert [c.contact_id for c in found] == contact_ids
    assert xero_sandbox.api_calls(AU) - before == 12
    assert 2 <= xero_sandbox.peak_concurrency(AU) <= concurrent


# ------------------------------------------------------------- in Redis, and in this process


def test_the_moving_window_refuses_at_the_limit_and_recovers(
    backend,  # noqa: F811
    settings,
    clock,
):
    settings.XERO_RATE_PER_MINUTE = 3
    assert [allowed() for _ in range(4)] == [True, True, True, False]
    clock.now = MINUTE + 30
    assert refusal().retry_after == 31
    clock.now = MINUTE + 61
    assert [allowed() for _ in range(4)] == [True, True, True, False]
    assert allowed("another-tenant")


def test_a_slot_is_given_back_only_by_its_holder(
    backend,  # noqa: F811
    settings,
    monkeypatch,
):
    monkeypatch.setattr(budget, "SLOT_WAIT", 0.1)
    first = budget._take_slot(TENANT_ID, slots=1)
    assert first.in_redis == (backend == "redis")
    with pytest.raises(XeroError) as busy:
        budget._take_slot(TENANT_ID, slots=1)
    assert (busy.value.code, busy.value.retry_after) == ("rate_limit_concurrent", 1)

    # The first holder hung past its hold: the slot is free for another ...
    if first.in_redis:
        raw_redis().zadd(budget.cache.make_key(first.key), {first.holder: 0})
    else:
        budget._local_slots.held[first.key][first.holder] = 0
    second = budget._take_slot(TENANT_ID, slots=1)
    # ... and when the first lets go at last, the second's slot stays taken.
    first.release()
    with pytest.raises(XeroError):
        budget._take_slot(TENANT_ID, slots=1)

    second.release()
    budget._take_slot(TENANT_ID, slots=1).release()


def test_a_call_waits_for_a_slot_to_be_given_back(
    backend,  # noqa: F811
    settings,
):
    settings.XERO_RATE_CONCURRENT = 1
    holding = budget._take_slot(TENANT_ID, slots=1)
    threading.Timer(0.3, holding.release).start()
    started = time.monotonic()

    assert allowed()

    assert 0.25 <= time.monotonic() - started < budget.SLOT_WAIT


def test_a_refused_background_call_waits_for_the_call_whose_leaving_makes_room_for_it(
    backend,  # noqa: F811
    settings,
    clock,
):
    settings.XERO_RATE_PER_MINUTE = 9  # background work may use 6 of any 60 seconds
    for second in range(8):  # people's calls, one a second
        clock.now = MINUTE + second
        assert allowed()
    clock.now = MINUTE + 10

    with pytest.raises(XeroError) as raised, budget.background(), budget.call(TENANT_ID):
        pass

    # Background work has room once five calls are left: when the one made at 2 s leaves.
    assert (raised.value.code, raised.value.retry_after) == ("rate_limit_background", 53)
    clock.now = MINUTE + 10 + 52
    with pytest.raises(XeroError), budget.background(), budget.call(TENANT_ID):
        pass
    clock.now = MINUTE + 10 + 53
    with budget.background(), budget.call(TENANT_ID):
        pass
