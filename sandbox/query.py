"""Listing: the query parameters Xero's GET endpoints share, and paging over a filtered queryset.

https://developer.xero.com/documentation/api/accounting/requests-and-responses
Filters on indexed columns run in SQL first; `where` runs in Python over just the columns it
reads; only the requested page's rows are loaded in full.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Model, QuerySet
from django.http import QueryDict

from sandbox import wire
from sandbox.where import Field, Predicate, QueryParseError, compile_where

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000


@dataclass(frozen=True)
class ListParams:
    """What a GET list asks for, parsed."""

    where: Predicate | None
    order: tuple[str, ...]
    page: int | None
    page_size: int
    modified_since: datetime | None
    summary_only: bool
    search_term: str


@dataclass(frozen=True)
class Page:
    """The rows of one page (or of everything, when not paged) and the paging metadata."""

    rows: list[Any]
    pagination: dict[str, int] | None


def flag(query: QueryDict, name: str) -> bool:
    """A boolean query parameter (`true`/`1`), matched case-insensitively by name."""
    value = param(query, name)
    return value is not None and value.strip().lower() in ("true", "1")


def param(query: QueryDict, name: str) -> str | None:
    """A query parameter by case-insensitive name (Xero's names are not case-sensitive)."""
    wanted = name.lower()
    for key in query:
        if key.lower() == wanted:
            return query.get(key)
    return None


def id_list(query: QueryDict, name: str) -> list[uuid.UUID] | None:
    """A comma-separated list of GUIDs (malformed entries are skipped), or None when absent."""
    values = text_list(query, name)
    if values is None:
        return None
    ids = []
    for value in values:
        try:
            ids.append(uuid.UUID(value))
        except ValueError:
            continue
    return ids


def text_list(query: QueryDict, name: str) -> list[str] | None:
    """A comma-separated list of strings, or None when absent."""
    raw = param(query, name)
    if raw is None:
        return None
    return [part.strip() for part in raw.split(",") if part.strip()]


def parse_order(text: str, fields: Mapping[str, Field], entity: str) -> tuple[str, ...]:
    """`Date DESC, InvoiceNumber` as Django order_by terms; QueryParseError for unknown fields."""
    lookup = {name.lower(): f for name, f in fields.items()}
    terms = []
    for part in text.split(","):
        words = part.split()
        if not words:
            continue
        if len(words) > 2 or (len(words) == 2 and words[1].upper() not in ("ASC", "DESC")):
            raise QueryParseError(f"Invalid order clause '{part.strip()}'")
        found = lookup.get(words[0].lower())
        if found is None:
            raise QueryParseError(f"No property or field '{words[0]}' exists in type '{entity}'")
        descending = len(words) == 2 and words[1].upper() == "DESC"
        terms.append(("-" if descending else "") + found.column)
    return tuple(terms)


def parse_params(
    query: QueryDict,
    headers: Mapping[str, str],
    fields: Mapping[str, Field],
    entity: str,
    default_order: tuple[str, ...],
) -> ListParams:
    """The list parameters of a request; QueryParseError for a bad where or order."""
    where_text = (param(query, "where") or "").strip()
    order_text = (param(query, "order") or "").strip()
    page_text, size_text = param(query, "page"), param(query, "pageSize")
    page = _positive(page_text) if page_text is not None else None
    size = _positive(size_text) if size_text is not None else None
    if size is not None and page is None:
        page = 1
    modified = headers.get("If-Modified-Since")
    try:
        modified_since = wire.parse_timestamp(modified) if modified else None
    except ValueError:
        modified_since = None
    return ListParams(
        where=compile_where(where_text, fields, entity) if where_text else None,
        order=parse_order(order_text, fields, entity) if order_text else default_order,
        page=page,
        page_size=min(size or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE),
        modified_since=modified_since,
        summary_only=flag(query, "summaryOnly"),
        search_term=(param(query, "searchTerm") or "").strip(),
    )


def _positive(text: str) -> int:
    try:
        return max(1, int(text))
    except ValueError:
        return 1


def paginate(queryset: QuerySet, params: ListParams) -> Page:
    """The requested page of `queryset` (ordered, `where` applied) with Xero's pagination block."""
    ordered = queryset.order_by(*params.order, "pk")
    if params.where is not None:
        pks = _matching_pks(ordered, params.where)
        total = len(pks)
        if params.page is not None:
            start = (params.page - 1) * params.page_size
            pks = pks[start : start + params.page_size]
        rows = _load(queryset, pks)
    elif params.page is not None:
        total = ordered.count()
        start = (params.page - 1) * params.page_size
        rows = list(ordered[start : start + params.page_size])
    else:
        rows = list(ordered)
        total = len(rows)
    if params.page is None:
        return Page(rows, None)
    pagination = {
        "page": params.page,
        "pageSize": params.page_size,
        "pageCount": math.ceil(total / params.page_size),
        "itemCount": total,
    }
    return Page(rows, pagination)


def _matching_pks(ordered: QuerySet, predicate: Predicate) -> list[int]:
    """Primary keys, in order, of the rows whose where-columns satisfy the predicate."""
    columns = sorted(predicate.columns)
    return [row["pk"] for row in ordered.values("pk", *columns) if predicate(row)]


def _load(queryset: QuerySet, pks: list[int]) -> list[Model]:
    """The rows with these primary keys, in the same order."""
    by_pk = {row.pk: row for row in queryset.filter(pk__in=pks)}
    return [by_pk[pk] for pk in pks if pk in by_pk]
