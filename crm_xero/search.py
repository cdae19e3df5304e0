"""Search terms as people type them, made safe once for every search box and for Xero.

Every search form of the CRM (the record lists, the Xero tab's contact search, Find… on a deal,
the deal invoice's contact picker) reads its term through `SearchField`, and the Xero client
passes every search term and where-filter literal through `search_text`, so a NUL or another
control character never reaches the database (PostgreSQL refuses NUL in text) or Xero.
"""

from __future__ import annotations

import unicodedata

from django import forms

MAX_LENGTH = 255


def without_controls(value: str) -> str:
    """`value` with each control character (NUL, the other C0 and C1 controls, DEL; tabs and
    line breaks too) replaced by a space."""
    return "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in value)


def search_text(value: object, *, max_length: int | None = MAX_LENGTH) -> str:
    """`value` as a search term: control characters become spaces, runs of whitespace one
    space, no space at either end; cut to `max_length` characters."""
    if value is None:
        return ""
    text = " ".join(without_controls(str(value)).split())
    return text[:max_length] if max_length is not None else text


class OneLineField(forms.CharField):
    """Text of one line, cleaned by `search_text` before it is validated (so a NUL is a space,
    not a "Null characters are not allowed" error, and a value of only controls is empty)."""

    def to_python(self, value) -> str:
        return search_text(super().to_python(value), max_length=None)


class SearchField(OneLineField):
    """A search box: never required, cleaned by `search_text`; a longer term is cut, not
    refused (the box's own maxlength stops people before that)."""

    def __init__(self, *, max_length: int = MAX_LENGTH, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.search_max_length = max_length
        self.widget.attrs.setdefault("maxlength", str(max_length))

    def to_python(self, value) -> str:
        return super().to_python(value)[: self.search_max_length]
