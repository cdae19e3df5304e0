"""The CRM records that have a Xero tab, looked up by their kind (the slug used in URLs)."""

from __future__ import annotations

from django.apps import apps
from django.db import models
from django.http import Http404
from django.shortcuts import get_object_or_404

LINKABLE = {
    "organization": "crm.Organization",
    "contact": "crm.Contact",
    "opportunity": "crm.Opportunity",
    "project": "crm.Project",
}


def get_record(kind: str, pk: int) -> models.Model:
    """The record of that kind and id, or Http404."""
    if kind not in LINKABLE:
        raise Http404(f"No record type {kind!r}.")
    return get_object_or_404(apps.get_model(LINKABLE[kind]), pk=pk)
