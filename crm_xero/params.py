"""Ids read from a query string or a form, checked before any lookup."""

from __future__ import annotations

# The largest id a database column holds (a signed 64-bit integer on PostgreSQL and SQLite).
MAX_ID = 2**63 - 1


def record_id(value: object) -> int | None:
    """`value` as a record id (a positive integer written in ASCII digits), or None when it is
    not one: letters, signs, other scripts' digits ("²", "٣") and ids no column holds."""
    if not isinstance(value, str) or not value.isascii() or not value.isdigit():
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None
