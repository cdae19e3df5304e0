"""Xero's ids are GUIDs: anything else is refused before it reaches the database or Xero."""

from __future__ import annotations

import uuid


def xero_id(value: object) -> str | None:
    """`value` as a Xero id in its canonical form (lower case, with dashes), or None when it is
    not a GUID (then no Xero record has it, and a URL or a UUID column must not get it)."""
    if isinstance(value, uuid.UUID):
        return str(value)
    if not isinstance(value, str) or len(value) > 45:  # "urn:uuid:" + 36 is the longest form
        return None
    try:
        return str(uuid.UUID(value.strip()))
    except ValueError:
        return None
