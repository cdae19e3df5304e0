"""The Celery tasks: token upkeep against the sandbox, queued refetches, and webhook events when
Xero fails."""

from __future__ import annotations

import logging
import time
import uuid
from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.utils import timezone

from crm_xero.celery import app
from linking import tasks
from linking.models import XeroConnection
from linking.xero import budget, cache, client, reads
from sandbox import seed
from tests.factories import XeroConnectionFactory
from tests.linking.conftest import make_connection

AU = seed.AU_TENANT_ID
NZ = seed.NZ_TENANT_ID


# ------------------------------------------------------------------------------------ helpers


@pytest.fixture
def nz_connection(xero_sandbox) -> XeroConnection:
    """A second connection, to Demo Company (NZ), with tokens from its own consent in the sandbox
    (as another Xero user, so that the AU connection's grant is left alone)."""
    minted = xero_sandbox.mint_tokens(email=seed.SELLER_EMAIL, tenant_ids=[NZ])
    return XeroConnectionFactory(
        tenant_id=NZ,
        connection_id=uuid.uuid4(),
        tenant_name="Demo Company (NZ)",
        base_currency="NZD",
        short_code=seed.NZ_SHORT_CODE,
        token_refreshed_at=timezone.now(),
        access_token=minted["access_token"],
        refresh_token=minted["refresh_token"],
        expires_at=timezone.now() + timedelta(seconds=int(minted["expires_in"])),
        scopes=minted["scope"].split(),
    )


def tokens_of(connection: XeroConnection) -> tuple[str, str]:
    connection.refresh_from_db()
    return connection.access_token, connection.refresh_token


def set_row(connection: XeroConnection, **fields) -> None:
    XeroConnection.objects.filter(pk=connection.pk).update(**fields)
    connection.refresh_from_db()


def xero_answers(connection: XeroConnection) -> None:
    """A real Accounting call with the connection's stored tokens succeeds."""
    connection = XeroConnection.objects.get(pk=connection.pk)
    organisation = client.get_organisation(connection)
    assert organisation.short_code == connection.short_code


# ------------------------------------------------------------------------- tokens_keep_alive


def test_keep_alive_refreshes_only_connections_idle_longer_than_the_setting(
    sandbox_connection, nz_connection, xero_sandbox, settings
):
    days = settings.XERO_KEEP_ALIVE_DAYS
    now = timezone.now()
    set_row(sandbox_connection, token_refreshed_at=now - timedelta(days=days, hours=1))
    set_row(nz_connection, token_refreshed_at=now - timedelta(days=days) + timedelta(hours=1))
    au_before, nz_before = tokens_of(sandbox_connection), tokens_of(nz_connection)

    assert tasks.tokens_keep_alive.delay().get() == 1

    au_after = tokens_of(sandbox_connection)
    assert au_after[0] != au_before[0]
    assert au_after[1] != au_before[1]  # the refresh token itself was rotated
    assert sandbox_connection.token_refreshed_at > now
    assert tokens_of(nz_connection) == nz_before
    # The new tokens work: a call with the access token, then (expired) a refresh with the
    # new refresh token and a call again. The old refresh token is dead (no grace window).
    xero_answers(sandbox_connection)
    set_row(sandbox_connection, access_token_expires_at=timezone.now() - timedelta(minutes=1))
    xero_answers(sandbox_connection)
    assert tokens_of(sandbox_connection)[1] not in (au_before[1], au_after[1])
    assert sandbox_connection.health == XeroConnection.Health.OK


def test_keep_alive_leaves_a_connection_refreshed_within_the_days_alone(
    sandbox_connection, xero_sandbox, settings
):
    settings.XERO_KEEP_ALIVE_DAYS = 3
    set_row(sandbox_connection, token_refreshed_at=timezone.now() - timedelta(days=2, hours=23))
    before = tokens_of(sandbox_connection)
    assert tasks.tokens_keep_alive.delay().get() == 0
    assert tokens_of(sandbox_connection) == before


def test_a_new_connection_counts_as_just_refreshed_and_is_kept_alive_once_idle(
    sandbox_connection, xero_sandbox, settings
):
    assert sandbox_connection.token_refreshed_at is not None  # the token set is new
    # A connection from before that was recorded: never refreshed, connected long ago.
    long_ago = timezone.now() - timedelta(days=settings.XERO_KEEP_ALIVE_DAYS + 1)
    set_row(sandbox_connection, token_refreshed_at=None, connected_at=long_ago)
    before = tokens_of(sandbox_connection)
    assert tasks.tokens_keep_alive.delay().get() == 1
    assert tokens_of(sandbox_connection)[1] != before[1]


def test_keep_alive_skips_a_connection_that_needs_reconnecting(sandbox_connection, xero_sandbox):
    set_row(
        sandbox_connection,
        token_refreshed_at=timezone.now() - timedelta(days=30),
        health=XeroConnection.Health.NEEDS_RECONNECT,
    )
    before = tokens_of(sandbox_connection)
    assert tasks.tokens_keep_alive.delay().get() == 0
    assert tokens_of(sandbox_connection) == before


# ----------------------------------------------------------------------- tokens_refresh_ahead


@pytest.mark.parametrize("minutes_left", [1, 5, 9])
def test_refresh_ahead_refreshes_a_busy_connections_token_expiring_within_ten_minutes(
    sandbox_connection, nz_connection, xero_sandbox, minutes_left
):
    xero_answers(sandbox_connection)  # in use: Xero was called just now
    assert budget.headroom(AU) is not None
    assert budget.headroom(NZ) is None  # idle: never called
    soon = timezone.now() + timedelta(minutes=minutes_left)
    set_row(sandbox_connection, access_token_expires_at=soon)
    set_row(nz_connection, access_token_expires_at=soon)
    au_before, nz_before = tokens_of(sandbox_connection), tokens_of(nz_connection)

    assert tasks.tokens_refresh_ahead.delay().get() == 1

    assert tokens_of(sandbox_connection)[0] != au_before[0]
    assert sandbox_connection.access_token_expires_at > timezone.now() + timedelta(minutes=20)
    assert tokens_of(nz_connection) == nz_before  # the keep-alive task looks after idle ones
    xero_answers(sandbox_connection)


def test_refresh_ahead_leaves_a_busy_connection_with_time_left_alone(
    sandbox_connection, xero_sandbox
):
    xero_answers(sandbox_connection)
    set_row(sandbox_connection, access_token_expires_at=timezone.now() + timedelta(minutes=11))
    before = tokens_of(sandbox_connection)
    assert tasks.tokens_refresh_ahead.delay().get() == 0
    assert tokens_of(sandbox_connection) == before


def test_refresh_ahead_leaves_a_connection_last_used_over_an_hour_ago_alone(
    sandbox_connection, xero_sandbox
):
    with time_machine.travel(timezone.now() - timedelta(hours=2)):
        xero_answers(sandbox_connection)  # Xero was last called two hours ago
    assert budget.headroom(AU) is not None
    set_row(sandbox_connection, access_token_expires_at=timezone.now() + timedelta(minutes=1))
    before = tokens_of(sandbox_connection)
    assert tasks.tokens_refresh_ahead.delay().get() == 0
    assert tokens_of(sandbox_connection) == before


# ------------------------------------------------------------------------------ refetch_later


@pytest.fixture
def queue():
    """Tasks go to a (mocked) broker instead of running in-process."""
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        with mock.patch("linking.tasks.contact_refetch.apply_async", autospec=True) as apply_async:
            yield apply_async
    finally:
        app.conf.task_always_eager = eager


@pytest.mark.django_db
def test_refetch_later_queues_nothing_when_tasks_run_in_process():
    connection = make_connection()
    with mock.patch("linking.tasks.contact_refetch.apply_async", autospec=True) as apply_async:
        assert tasks.refetch_later(connection, "c-1", after=30) is False
    apply_async.assert_not_called()


@pytest.mark.django_db
def test_refetch_later_queues_one_task_per_contact_for_the_wait(
    queue, django_capture_on_commit_callbacks
):
    connection = make_connection()
    with django_capture_on_commit_callbacks(execute=True):
        answers = [tasks.refetch_later(connection, "c-1", after=30) for _ in range(3)]
        answers += [tasks.refetch_later(connection, "c-2", after=45) for _ in range(2)]
    assert answers == [True, False, False, True, False]
    assert queue.call_args_list == [
        mock.call((connection.pk, "c-1"), countdown=30),
        mock.call((connection.pk, "c-2"), countdown=45),
    ]


@pytest.mark.django_db
def test_refetch_later_queues_nothing_until_the_transaction_commits(
    queue, django_capture_on_commit_callbacks
):
    connection = make_connection()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert tasks.refetch_later(connection, "c-1", after=30) is True
    queue.assert_not_called()
    assert len(callbacks) == 1


@pytest.mark.django_db
def test_refetch_later_leaves_a_wait_of_hours_to_the_next_tab_opening(queue):
    """Redis would hand a task delayed past its visibility timeout (an hour) out again."""
    connection = make_connection()
    assert tasks.refetch_later(connection, "c-1", after=4 * 3600) is False
    queue.assert_not_called()


@pytest.mark.django_db
def test_refetch_later_queues_again_once_the_wait_is_over(
    queue, django_capture_on_commit_callbacks
):
    connection = make_connection()
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.refetch_later(connection, "c-1", after=1) is True
        assert tasks.refetch_later(connection, "c-1", after=1) is False
        time.sleep(1.2)
        assert tasks.refetch_later(connection, "c-1", after=1) is True
    assert queue.call_args_list == [mock.call((connection.pk, "c-1"), countdown=1)] * 2


# ----------------------------------------------------------------------------- webhook_events


def test_webhook_events_with_xero_failing_does_not_raise_and_logs(
    sandbox_connection, xero_sandbox, caplog
):
    # The contact is cached, so its event is refetched too.
    reads.contact(sandbox_connection, str(seed.BIG_CUSTOMER_ID))
    cached = cache.get(cache.key(AU, "contact", seed.BIG_CUSTOMER_ID))
    assert cached is not None
    calls = xero_sandbox.api_calls(AU)
    xero_sandbox.fail_next(10, status=503)
    events = [
        {
            "tenantId": str(AU),
            "eventCategory": "CONTACT",
            "eventType": "UPDATE",
            "resourceId": str(seed.BIG_CUSTOMER_ID),
            "eventDateUtc": "2026-03-01T10:20:30.123",
        }
    ]

    with caplog.at_level(logging.INFO, logger="linking.tasks"):
        result = tasks.webhook_events.delay(events)

    assert result.successful()
    assert xero_sandbox.api_calls(AU) == calls + 1  # one try: no retry without a worker
    warnings = [r for r in caplog.records if r.name == "linking.tasks" and r.levelno >= 30]
    assert len(warnings) == 1
    message = warnings[0].getMessage()
    assert "linking.tasks.webhook_events" in message
    assert "HTTP 503" in message
    # What was cached stays as it was, to be shown until Xero answers again.
    assert cache.get(cache.key(AU, "contact", seed.BIG_CUSTOMER_ID)) == cached
