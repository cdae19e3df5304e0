from __future__ import annotations

from django.shortcuts import render

from linking.records import get_record


def xero_tab(request, kind: str, pk: int):
    """The Xero tab of a record, as an HTML fragment loaded by htmx."""
    record = get_record(kind, pk)
    return render(request, "linking/tab_not_connected.html", {"record": record, "kind": kind})
