"""The Celery app. With no REDIS_URL, settings make tasks run in-process (eager)."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm_xero.settings")

app = Celery("crm_xero")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
