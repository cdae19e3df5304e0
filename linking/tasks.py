"""Background Xero work on Celery: webhook events, refetches after Xero said wait, token upkeep.

Tasks are thin: load by id, call a service or the seam, own the retry policy. With no REDIS_URL
they run in-process (eager), where a delayed retry has no worker to run it and is skipped.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from linking import broker, services
from linking.models import XeroConnection
from linking.xero import budget, reads, tokens
from linking.xero.errors import XeroError

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


@shared_task(bind=True, ignore_result=True, max_retries=MAX_RETRIES)
def webhook_events(self, events: list[dict]) -> None:
    """Refetch what a verified webhook delivery says changed."""
    try:
        outcome = services.webhook_events_apply(events)
    except XeroError as exc:
        _retry_later(self, exc)
    else:
        log.info("Xero webhook: %s", outcome)


@shared_task(bind=True, ignore_result=True, max_retries=MAX_RETRIES)
def contact_refetch(self, connection_id: int, contact_id: str) -> None:
    """Fetch a contact and its invoices into the cache (after Xero said wait, or to warm it)."""
    connection = XeroConnection.objects.filter(pk=connection_id).first()
    if connection is None:
        return
    try:
        found, listed = reads.contact_account(connection, contact_id)
    except XeroError as exc:
        _retry_later(self, exc)
        return
    if problem := found.problem or listed.problem:
        _retry_later(self, problem)


@shared_task(bind=True, ignore_result=True, max_retries=MAX_RETRIES)
def items_refetch(self, connection_id: int, invoice_ids: list[str]) -> None:
    """Fetch a deal's invoices and bills into the cache (after Xero said wait)."""
    connection = XeroConnection.objects.filter(pk=connection_id).first()
    if connection is None:
        return
    try:
        found = reads.items(connection, invoice_ids)
    except XeroError as exc:
        _retry_later(self, exc)
        return
    if found.problem:
        _retry_later(self, found.problem)


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
        seen = budget.headroom(connection.tenant_id)
        if seen is None or timezone.now() - seen.seen_at > BUSY_WITHIN:
            continue  # idle: the keep-alive task looks after it
        if _refresh_now(connection):
            refreshed += 1
    return refreshed


def _refresh_now(connection: XeroConnection) -> bool:
    """Refresh the connection's tokens now (under its lock), unless another process just did."""
    try:
        fresh = tokens.refresh_locked(
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
