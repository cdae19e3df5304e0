"""Handing tasks to Celery's broker (Redis in production), and what happens when it is down.

`send` queues a task and says whether it could; when the broker cannot be reached it logs a
warning (once when it goes, then at most once a minute, and once when it is back) and returns
False, and the caller does without the worker: a webhook delivery is handled in-process
(linking.webhooks), a refetch after Xero said wait is left to the next tab opening
(linking.tasks). While the broker is down it is tried again every few seconds, not on every send.
"""

from __future__ import annotations

import logging

import redis
from django.conf import settings
from kombu.exceptions import OperationalError
from redis.backoff import NoBackoff
from redis.retry import Retry

from crm_xero.cache import UNREACHABLE, outage_of, redacted

log = logging.getLogger(__name__)

BROKER_DOWN = (OperationalError, *UNREACHABLE, OSError)
PING_TIMEOUT = 0.5  # seconds


def _outage():
    return outage_of(
        "The Celery broker",
        redacted(str(settings.CELERY_BROKER_URL)),
        "webhook deliveries are handled in the web process that receives them and refetches "
        "after Xero said wait are left to the next tab opening, until it answers again",
        __name__,
    )


def in_process() -> bool:
    """Whether tasks run in-process anyway (no REDIS_URL: the demo, and the tests)."""
    from crm_xero.celery import app

    return bool(app.conf.task_always_eager)


def available() -> bool:
    """Whether a send may reach the broker now (False for a few seconds after one did not)."""
    return in_process() or not _outage().skip()


def send(task, args: tuple, *, countdown: int | None = None) -> bool:
    """Queue the task; False, with a logged warning, when the broker cannot be reached."""
    outage = _outage()
    if not in_process() and outage.skip():
        return False
    try:
        task.apply_async(args, countdown=countdown)
    except BROKER_DOWN as exc:
        outage.failed(exc)
        return False
    _back(outage)
    return True


def is_reachable() -> bool:
    """Ask the broker now (a Redis PING; other brokers: whether the last send reached it)."""
    outage = _outage()
    url = str(settings.CELERY_BROKER_URL)
    if in_process():
        return True
    if not url.startswith(("redis://", "rediss://", "unix://")):
        return not outage.down
    client = redis.Redis.from_url(
        url,
        socket_connect_timeout=PING_TIMEOUT,
        socket_timeout=PING_TIMEOUT,
        retry=Retry(NoBackoff(), 0),
    )
    try:
        client.ping()
    except BROKER_DOWN as exc:
        outage.failed(exc)
        return False
    finally:
        client.close()
    _back(outage)
    return True


def _back(outage) -> None:
    done = outage.recovered()
    if done is not None:
        log.warning("%s at %s answers again", outage.name, outage.where)
