"""Xero's JSON wire format: /Date()/ dates, fixed-scale amounts, envelope and error bodies."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from email.utils import parsedate_to_datetime
from typing import Any

from django.http import HttpResponse

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MS_DATE_RE = re.compile(r"^/Date\((-?\d+)([+-]\d{4})?\)/$")
PROVIDER_NAME = "Xero Sandbox"
_PLACES = {places: Decimal(1).scaleb(-places) for places in range(7)}
# Decimals are encoded as marked strings ("\u0000n:40.00\u0000"), then unmarked into bare
# numbers. A marker can only start at an unescaped quote, which client text cannot produce.
_MARKED_NUMBER = re.compile(r'"\\u0000n:(-?\d+(?:\.\d+)?)\\u0000"')


def number(value: Decimal | int | str, places: int) -> Decimal:
    """A decimal with exactly `places` decimal places (written as 1.0000, not 1.0)."""
    return Decimal(value).quantize(_PLACES[places])


def money(value: Decimal | int | str) -> Decimal:
    """An amount as Xero writes it: two decimal places (40.00)."""
    return Decimal(value).quantize(_PLACES[2])


def _default(value: Any) -> str:
    if isinstance(value, Decimal):
        return f"\x00n:{value:f}\x00"
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def dumps(payload: Any) -> bytes:
    """JSON bytes in which Decimal values appear as plain numbers with their own scale."""
    text = json.dumps(payload, default=_default, ensure_ascii=False, separators=(",", ":"))
    # split() keeps the captured numbers between the surrounding text: joining unmarks them.
    return "".join(_MARKED_NUMBER.split(text)).encode()


def clean_text(value: str) -> str:
    """A client-supplied string without NUL characters (they cannot round-trip through dumps)."""
    return value.replace("\x00", "")


def scrub(value: Any) -> Any:
    """Client-supplied JSON (to echo back) with NUL characters removed from every string."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_text(str(k)): scrub(v) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v) for v in value]
    return value


def _millis(moment: datetime) -> int:
    delta = moment.astimezone(UTC) - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000


def ms_date(day: date) -> str:
    """A date as `/Date(1539993600000+0000)/` (midnight UTC)."""
    return f"/Date({_millis(datetime.combine(day, time(), tzinfo=UTC))}+0000)/"


def ms_datetime(moment: datetime) -> str:
    """A timestamp as `/Date(1541176290160+0000)/`."""
    return f"/Date({_millis(moment)}+0000)/"


def ms_datetime_bare(moment: datetime) -> str:
    """A timestamp as `/Date(1552404447003)/`, the form of the envelope's DateTimeUTC."""
    return f"/Date({_millis(moment)})/"


def date_string(day: date) -> str:
    """The companion `DateString` field: `2018-10-20T00:00:00`."""
    return f"{day.isoformat()}T00:00:00"


def iso_utc(moment: datetime) -> str:
    """Identity API timestamps: `2019-12-07T18:46:19.5165400` (UTC, 7 fractional digits)."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond:06d}0"


def parse_ms_date(value: str) -> datetime | None:
    """The instant in `/Date(ms+0000)/`, or None if the text is not in that form."""
    match = MS_DATE_RE.match(value.strip())
    if not match:
        return None
    moment = EPOCH + timedelta(milliseconds=int(match.group(1)))
    return moment


def parse_date(value: Any) -> date:
    """A date from `2019-03-11`, `2019-03-11T00:00:00` or `/Date(...)/`; ValueError otherwise."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{value!r} is not a date")
    text = value.strip()
    moment = parse_ms_date(text)
    if moment is not None:
        return moment.date()
    try:
        return datetime.fromisoformat(text).date()
    except ValueError:
        return date.fromisoformat(text[:10])


def parse_timestamp(value: str) -> datetime:
    """An If-Modified-Since value: ISO 8601 (the SDK's form) or an HTTP date; naive means UTC."""
    text = value.strip()
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            moment = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError) as exc:
            raise ValueError(f"{value!r} is not a timestamp") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment


def parse_decimal(value: Any) -> Decimal:
    """A number from JSON (int, float or numeric string); ValueError otherwise."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a number")
    try:
        result = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(f"{value!r} is not a number") from exc
    if not result.is_finite():
        raise ValueError(f"{value!r} is not a number")
    return result


def envelope(**collections: Any) -> dict[str, Any]:
    """The envelope around every Accounting answer: Id, Status, ProviderName, DateTimeUTC."""
    return {
        "Id": str(uuid.uuid4()),
        "Status": "OK",
        "ProviderName": PROVIDER_NAME,
        "DateTimeUTC": ms_datetime_bare(datetime.now(UTC)),
        **collections,
    }


def json_response(
    payload: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> HttpResponse:
    """An application/json response in Xero's encoding."""
    response = HttpResponse(
        dumps(payload), status=status, content_type="application/json; charset=utf-8"
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


# https://developer.xero.com/documentation/api/accounting/responsecodes
# 401/403/429 come from Xero's API gateway as RFC 7807-style problem documents.
def problem(status: int, title: str, detail: str, headers: Mapping[str, str] | None = None):
    """A gateway error: `{"Type":null,"Title":...,"Status":...,"Detail":...}`."""
    body = {
        "Type": None,
        "Title": title,
        "Status": status,
        "Detail": detail,
        "Instance": str(uuid.uuid4()),
        "Extensions": {},
    }
    return json_response(body, status=status, headers=headers)


def unauthorized(detail: str) -> HttpResponse:
    """401 for a missing, invalid, expired or under-scoped access token."""
    return problem(
        401,
        "Unauthorized",
        detail,
        headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
    )


def forbidden() -> HttpResponse:
    """403 for a tenant that is not connected to the token's user and app."""
    return problem(403, "Forbidden", "AuthenticationUnsuccessful")


def not_found() -> HttpResponse:
    """404 as Xero sends it: plain text."""
    return HttpResponse(
        "The resource you're looking for cannot be found",
        status=404,
        content_type="text/plain; charset=utf-8",
    )


def api_exception(
    error_number: int,
    error_type: str,
    message: str,
    elements: Iterable[Mapping[str, Any]] | None = None,
    status: int = 400,
) -> HttpResponse:
    """Xero's ApiException body: `{"ErrorNumber":..,"Type":..,"Message":..,"Elements":[..]}`."""
    body: dict[str, Any] = {"ErrorNumber": error_number, "Type": error_type, "Message": message}
    if elements is not None:
        body["Elements"] = list(elements)
    return json_response(body, status=status)


def validation_exception(elements: Iterable[Mapping[str, Any]]) -> HttpResponse:
    """400 ValidationException listing the failing elements with their ValidationErrors."""
    return api_exception(10, "ValidationException", "A validation exception occurred", elements)


def query_parse_exception(message: str) -> HttpResponse:
    """400 for a `where` or `order` that Xero cannot parse."""
    return api_exception(16, "QueryParseException", message)


def bad_request(message: str) -> HttpResponse:
    """400 for a malformed request body."""
    return api_exception(14, "PostDataInvalidException", message)
