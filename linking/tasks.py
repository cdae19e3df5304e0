"""Background Xero work on Celery: webhook events, refetches after Xero said wait, token upkeep.

Tasks are thin: load by id, call a service or the seam, own the retry policy. With no REDIS_URL
they run in-process (eager), where a delayed retry has no worker to run it and is skipped.

Webhook events coalesce: with a worker, a delivery's ids join its tenant's pending set in the
cache, and one flush per tenant, WEBHOOK_WINDOW seconds after the first event (and while events
keep coming, WEBHOOK_FLUSH_EVERY seconds after the last flush), refetches all that came
meanwhile, as background work: it yields to people opening tabs in the rate budget.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from linking import broker, recent, services, xero
from linking.models import XeroConnection
from linking.xero import XeroError

log = logging.getLogger(__name__)

MAX_RETRIES = 8
# Redis redelivers a task not acknowledged within its visibility timeout (1 hour by default), so a
# task is never delayed longer than this; a longer wait (Xero's day limit) is left to the next
# tab opening.
MAX_COUNTDOWN = 30 * 60
AHEAD = timedelta(minutes=10)  # refresh access tokens of busy connections this long before expiry
BUSY_WITHIN = timedelta(hours=1)  # "busy": Xero was called this recently


def _retry_later(task, exc: XeroError):
    if exc.retryable and not task.request.is_eager and task.request.retries < MAX_RETRIES:
        countdown = exc.retry_after or 30 * 2**task.request.retries
        if countdown <= MAX_COUNTDOWN:
            raise task.retry(countdown=countdown, exc=exc)
    log.warning("Xero task %s gave up: %s", task.name, exc.message)


# Webhooks: a burst of deliveries becomes one refetch per tenant and window.

WEBHOOK_WINDOW = 2  # seconds a tenant's webhook events wait, to be refetched together
WEBHOOK_FLUSH_EVERY = 10  # seconds: while events keep coming, a tenant's flushes this far apart
FLUSH_MARK_SLACK = 60  # seconds a scheduled flush's mark outlives its countdown (a late worker)
PENDING_LOCK_WAIT = 5.0  # seconds to wait for the tenant's pending set (held for milliseconds)
PENDING_POLL = 0.01


class _PendingBusy(Exception):
    """The tenant's pending set stayed locked by another process."""


def _pending_key(tenant_id: str) -> str:
    return f"xero:webhook-pending:{tenant_id}"


def _flush_mark(tenant_id: str) -> str:
    return f"xero:webhook-flush:{tenant_id}"


def _failures_key(tenant_id: str) -> str:
    return f"xero:webhook-failures:{tenant_id}"


def _flushed_key(tenant_id: str) -> str:
    return f"xero:webhook-flushed:{tenant_id}"


@contextmanager
def _pending_locked(tenant_id: str) -> Iterator[None]:
    lock, holder = f"{_pending_key(tenant_id)}:lock", uuid.uuid4().hex
    deadline = time.monotonic() + PENDING_LOCK_WAIT
    while not cache.add(lock, holder, timeout=int(PENDING_LOCK_WAIT) + 5):
        if time.monotonic() >= deadline:
            raise _PendingBusy(tenant_id)
        time.sleep(PENDING_POLL)
    try:
        yield
    finally:
        xero.release_lock(lock, holder)


def _pend(tenant_id: str, ids: dict[str, list[str]]) -> None:
    """Add ids (by category) to the tenant's pending set, each once."""
    with _pending_locked(tenant_id):
        pending: dict[str, dict[str, None]] = cache.get(_pending_key(tenant_id)) or {}
        for category, names in ids.items():
            pending.setdefault(category, {}).update(dict.fromkeys(names))
        cache.set(_pending_key(tenant_id), pending, timeout=settings.XERO_CACHE_KEEP)


def _drain(tenant_id: str) -> dict[str, list[str]]:
    """The tenant's pending ids by category, taken out of the set."""
    with _pending_locked(tenant_id):
        pending = cache.get(_pending_key(tenant_id)) or {}
        cache.delete(_pending_key(tenant_id))
    return {category: list(names) for category, names in pending.items() if names}


def _flush_soon(tenant_id: str, after: int) -> bool:
    """Schedule the tenant's flush in `after` seconds (or once WEBHOOK_FLUSH_EVERY has passed
    since its last one), unless one is already scheduled."""
    mark = _flush_mark(tenant_id)
    last = cache.get(_flushed_key(tenant_id))
    if last is not None:
        after = max(after, math.ceil(last + WEBHOOK_FLUSH_EVERY - time.time()))
    if not cache.add(mark, 1, timeout=after + FLUSH_MARK_SLACK):
        return False  # the scheduled flush takes these ids too
    if not broker.send(webhook_flush, (tenant_id,), countdown=after):
        cache.delete(mark)
        webhook_flush(tenant_id)  # the broker went away: flush now rather than lose the ids
    return True


@shared_task(bind=True, ignore_result=True, max_retries=MAX_RETRIES)
def webhook_events(self, events: list[dict]) -> None:
    """Refetch what a verified webhook delivery says changed.

    With a worker, its ids join their tenant's pending set and wait for the tenant's one flush
    (webhook_flush), so that a burst of deliveries costs one Xero call per 50 ids. In-process (no
    worker, the demo) they are refetched here and now, deduplicated within the delivery.
    """
    if self.app.conf.task_always_eager or self.request.is_eager:
        # No worker (the demo), or the web process handling a delivery itself because the
        # broker is down: nothing could run a flush later.
        with xero.background():
            outcome = services.webhook_events_apply(events)
            _changes_seen(services.webhook_events_sorted(events)[0], outcome)
        log.info("Xero webhook: %s", outcome)
        if outcome.problem is not None:
            _retry_later(self, outcome.problem)  # no worker to retry: logged, left to the TTL
        return
    wanted, ignored = services.webhook_events_sorted(events)
    if ignored:
        log.info("Xero webhook: %d ids of nothing the CRM follows", ignored)
    for tenant_id, ids in wanted.items():
        try:
            _pend(tenant_id, ids)
        except _PendingBusy:
            raise self.retry(countdown=1) from None  # ids pended so far are pended once
        _flush_soon(tenant_id, WEBHOOK_WINDOW)


@shared_task(ignore_result=True)
def webhook_flush(tenant_id: str) -> None:
    """Refetch, as background work, every webhook id the tenant has pending. What Xero could not
    be asked for now (busy, or the budget kept for people opening tabs) is pended again for a
    flush after the wait; events arriving meanwhile join it."""
    cache.set(_flushed_key(tenant_id), time.time(), timeout=WEBHOOK_FLUSH_EVERY)
    cache.delete(_flush_mark(tenant_id))  # from now on, new events schedule the next flush
    try:
        ids = _drain(tenant_id)
    except _PendingBusy:
        _flush_soon(tenant_id, 1)
        return
    if not ids:
        return
    with xero.background():
        outcome = services.webhook_apply(tenant_id, ids)
        _changes_seen({tenant_id: ids}, outcome)
    log.info("Xero webhook: %s", outcome)
    problem = outcome.problem
    if problem is None:
        cache.delete(_failures_key(tenant_id))
        return
    left = outcome.left.get(tenant_id, {})
    count = sum(len(names) for names in left.values())
    after = problem.retry_after
    if after is None and problem.retryable:  # Xero failed (5xx, timeout): back off, then stop
        cache.add(_failures_key(tenant_id), 0, timeout=settings.XERO_CACHE_KEEP)
        failures = cache.incr(_failures_key(tenant_id))
        after = 30 * 2 ** (failures - 1) if failures <= MAX_RETRIES else None
    if not left or not problem.retryable or after is None or after > MAX_COUNTDOWN:
        log.warning("Xero webhook refetch of %d ids gave up: %s", count, problem.message)
        cache.delete(_failures_key(tenant_id))
        return
    try:
        _pend(tenant_id, left)
    except _PendingBusy:
        log.warning("Xero webhook refetch of %d ids gave up: its pending set was locked", count)
        return
    _flush_soon(tenant_id, max(1, after))
    log.info("Xero webhook: %d ids wait %d s: %s", count, after, problem.message)


def _changes_seen(wanted: dict[str, dict[str, list[str]]], outcome) -> None:
    """Issue 12: after a webhook's refetch, record what changed on the invoices, bills and credit
    notes it named (linking/recent.py); ids Xero was not asked for yet (`outcome.left`) wait for
    their flush. Never fails the webhook's handling."""
    for tenant_id, ids in wanted.items():
        connection = XeroConnection.objects.filter(tenant_id=tenant_id).first()
        if connection is None:
            continue
        left = outcome.left.get(tenant_id, {})
        for category, seen in (
            ("INVOICE", recent.webhook_seen),
            ("CREDITNOTE", recent.webhook_credit_notes_seen),
        ):
            waiting = set(left.get(category, ()))
            named = [i for i in ids.get(category, ()) if i not in waiting]
            if not named:
                continue
            try:
                seen(connection, named)
            except Exception:  # a change not recorded must not lose the refetch's outcome
                log.exception("Xero webhook: could not record the changes of %d ids", len(named))


@shared_task(bind=True, ignore_result=True, max_retries=MAX_RETRIES)
def contact_refetch(self, connection_id: int, contact_id: str) -> None:
    """Fetch a contact, its invoices and its credit notes into the cache (after Xero said wait,
    or to warm it)."""
    _read_in_background(self, connection_id, lambda c: xero.contact_account(c, contact_id))


@shared_task(bind=True, ignore_result=True, max_retries=MAX_RETRIES)
def items_refetch(self, connection_id: int, invoice_ids: list[str]) -> None:
    """Fetch a deal's invoices and bills into the cache (after Xero said wait)."""
    _read_in_background(self, connection_id, lambda c: xero.items(c, invoice_ids))


def _read_in_background(
    task, connection_id: int, read: Callable[[XeroConnection], xero.Account | xero.Items]
) -> None:
    """A cached read as background work (people opening tabs go first); retried later when
    Xero could not be asked (the read's `problem`, or its error)."""
    connection = XeroConnection.objects.filter(pk=connection_id).first()
    if connection is None:
        return
    try:
        with xero.background():
            found = read(connection)
    except XeroError as exc:
        _retry_later(task, exc)
        return
    if found.problem:
        _retry_later(task, found.problem)


def _queue_once(task, args: tuple, *, marker: str, after: int) -> bool:
    if task.app.conf.task_always_eager:
        return False  # no worker to run it later; the next tab opening fetches instead
    if after > MAX_COUNTDOWN:
        return False  # Xero's day limit: the next tab opening after the wait fetches
    if not broker.available():
        return False  # the broker is down: the next tab opening fetches
    if not cache.add(f"xero:refetch-queued:{marker}", 1, timeout=max(1, after)):
        return False  # already queued for this wait
    transaction.on_commit(lambda: broker.send(task, args, countdown=after))
    return True


def refetch_later(connection: XeroConnection, contact_id: str, *, after: int) -> bool:
    """Queue one refetch of the contact for when Xero allows calls again (once per wait)."""
    marker = f"{connection.tenant_id}:contact:{contact_id}"
    return _queue_once(contact_refetch, (connection.pk, contact_id), marker=marker, after=after)


def items_refetch_later(connection: XeroConnection, invoice_ids: list[str], *, after: int) -> bool:
    """Queue one refetch of these invoices and bills for when Xero allows calls again."""
    digest = hashlib.sha1(",".join(sorted(invoice_ids)).encode()).hexdigest()
    marker = f"{connection.tenant_id}:items:{digest}"
    args = (connection.pk, list(invoice_ids))
    return _queue_once(items_refetch, args, marker=marker, after=after)


@shared_task(ignore_result=True)
def tokens_refresh_ahead() -> int:
    """Refresh the access tokens of connections in use before they expire, so no web request
    waits on a token refresh."""
    soon = timezone.now() + AHEAD
    refreshed = 0
    due = XeroConnection.objects.filter(
        health=XeroConnection.Health.OK, access_token_expires_at__lte=soon
    )
    for connection in due:
        seen = xero.headroom(connection.tenant_id)
        if seen is None or timezone.now() - seen.seen_at > BUSY_WITHIN:
            continue  # idle: the keep-alive task looks after it
        if _refresh_now(connection):
            refreshed += 1
    return refreshed


def _refresh_now(connection: XeroConnection) -> bool:
    """Refresh the connection's tokens now (under its lock), unless another process just did."""
    try:
        fresh = xero.refresh_locked(
            connection.pk, unless_access_token_changed_from=connection.access_token
        )
    except XeroError as exc:
        log.warning("Could not refresh the tokens of %s: %s", connection, exc.message)
        return False
    return fresh.access_token != connection.access_token


@shared_task(ignore_result=True)
def tokens_keep_alive() -> int:
    """Refresh connections unused for XERO_KEEP_ALIVE_DAYS: a refresh token unused for 60 days
    expires, and the connection with it."""
    idle_since = timezone.now() - timedelta(days=settings.XERO_KEEP_ALIVE_DAYS)
    refreshed = 0
    idle = Q(token_refreshed_at__lt=idle_since) | Q(
        token_refreshed_at__isnull=True, connected_at__lt=idle_since
    )
    for connection in XeroConnection.objects.filter(idle, health=XeroConnection.Health.OK):
        if _refresh_now(connection):
            refreshed += 1
    return refreshed
