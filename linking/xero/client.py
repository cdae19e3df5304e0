"""Typed calls to Xero's Accounting and Identity APIs through xero-python.

Every function takes the XeroConnection to use and returns dataclasses from linking.xero.types,
mapped from Xero's JSON by linking.xero.mappers (the SDK builds and sends the requests; its answer
is read raw). Every Accounting call goes through one send function (_send, then _call: fresh
token, tenant id, timeouts, budget, limit headers, the 401 retry, error mapping); any failure is
raised as XeroError (with Xero's own message, and xero_said, when it gave one).
https://developer.xero.com/documentation/api/accounting/overview
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from functools import partial
from typing import Any, TypeVar

import certifi
import urllib3
from django.conf import settings
from django.core.signals import setting_changed
from django.utils import timezone
from urllib3.util.retry import Retry
from xero_python.accounting import AccountingApi
from xero_python.accounting import models as xm
from xero_python.api_client import ApiClient, Configuration
from xero_python.api_client.oauth2 import OAuth2Token, TokenApi
from xero_python.exceptions import ApiException, OAuth2Error
from xero_python.identity import IdentityApi

from crm_xero.search import search_text, without_controls
from linking.models import XeroConnection
from linking.xero import budget, mappers, oauth, tokens
from linking.xero.errors import XeroError, network_error
from linking.xero.fanout import parallel
from linking.xero.ids import xero_id
from linking.xero.types import (
    Address,
    BrandingTheme,
    Contact,
    ContactDraft,
    ContactPerson,
    CreditNote,
    Currency,
    Invoice,
    InvoiceDraft,
    Item,
    LedgerAccount,
    LineItem,
    Organisation,
    PaymentTerm,
    Phone,
    RateLimits,
    TaxRate,
    Tenant,
    TokenSet,
    TrackingCategory,
    TrackingChoice,
)

log = logging.getLogger(__name__)
T = TypeVar("T")

# Xero allows up to 1000 invoices a page (100 by default).
# https://developer.xero.com/documentation/api/accounting/invoices#optional-parameters-for-get-invoices
MAX_PAGE_SIZE = 1000

# The SDK would send a Python bool as "True"; the spec (and Prism) want "true".
TRUE = "true"

# urllib3 under the SDK would retry a 429 and sleep for Retry-After, and re-send a PUT whose
# answer timed out. Retry only connection failures (nothing was sent); we decide the rest.
_RETRY = Retry(
    total=1, connect=1, read=0, status=0, other=0, redirect=0,
    respect_retry_after_header=False, raise_on_status=False,
)  # fmt: skip
_POOL = urllib3.PoolManager(
    num_pools=4, maxsize=10, retries=_RETRY, cert_reqs="CERT_REQUIRED", ca_certs=certifi.where()
)


def _api_client(token: tokens.SdkToken) -> ApiClient:
    """An SDK client that sends this token and cannot refresh it by itself."""
    configuration = Configuration()  # a copy of the SDK's singleton default
    # No client credentials, so the SDK cannot refresh behind our lock's back; and no expiry
    # buffer of its own: tokens.fresh_connection decides when a token is due.
    configuration.oauth2_token = OAuth2Token(expiration_buffer=0)
    client = ApiClient(
        configuration,
        oauth2_token_getter=lambda: token,
        oauth2_token_saver=lambda new_token: None,
        pool_threads=1,
    )
    client.rest_client.pool_manager = _POOL
    return client


def point_token_urls(**_signal: Any) -> None:
    """Point the SDK's token URLs (class attributes of TokenApi) at XERO_IDENTITY_URL: once at
    start-up (LinkingConfig.ready), and again when a test overrides the setting. The SDK never
    uses them here (it gets no refresh token), but if it ever did, it would ask the right host."""
    TokenApi.refresh_token_url = f"{settings.XERO_IDENTITY_URL}/connect/token"
    TokenApi.revoke_token_url = f"{settings.XERO_IDENTITY_URL}/connect/revocation"


def _identity_url_changed(*, setting: str, **_signal: Any) -> None:
    if setting == "XERO_IDENTITY_URL":
        point_token_urls()


setting_changed.connect(_identity_url_changed, dispatch_uid="linking.xero.token-urls")


def _timeout() -> tuple[int, int]:
    # The SDK ignores a float timeout; integers only.
    return int(settings.XERO_CONNECT_TIMEOUT), int(settings.XERO_READ_TIMEOUT)


def _accounting(client: ApiClient) -> AccountingApi:
    return AccountingApi(client, base_url=f"{settings.XERO_API_URL}/api.xro/2.0")


def _identity(client: ApiClient) -> IdentityApi:
    return IdentityApi(client, base_url=settings.XERO_API_URL)


def _call(connection: XeroConnection, operation: Callable[[AccountingApi], T]) -> T:
    """Run one Accounting API operation with a fresh token, within the tenant's shared rate
    budget; retry once if the token is refused."""
    connection = tokens.fresh_connection(connection)
    for attempt in (1, 2):
        token = tokens.sdk_token(connection)
        client = _api_client(token)
        retry_after, headers = None, None
        try:
            with _transport(), budget.call(connection.tenant_id):
                return operation(_accounting(client))
        except ApiException as exc:
            headers = exc.headers  # the SDK keeps no last_response for an error
            if _status(exc) == 401 and attempt == 1 and connection.pk:
                # Revoked or expired early: refresh (unless someone already did) and try again.
                connection = tokens.refresh_locked(
                    connection.pk, unless_access_token_changed_from=token["access_token"]
                )
                continue
            error = _api_error(exc, connection)
            retry_after = error.retry_after if error.status == 429 else None
            if connection.pk and _connection_is_dead(error, refreshed=attempt == 2):
                error = _dead(error, connection)
                tokens.mark_needs_reconnect(connection, error.message)
            raise error from exc
        finally:
            _observe_limits(connection, client, retry_after, headers)
    raise AssertionError("unreachable")


@contextmanager
def _transport() -> Iterator[None]:
    """The failures on the way to Xero, mapped alike for Accounting and Identity calls (and, by
    errors.network_error, for oauth's token calls over requests)."""
    try:
        yield
    except OAuth2Error as exc:
        raise XeroError("The Xero access token has expired.", code="token_expired") from exc
    except urllib3.exceptions.HTTPError as exc:
        raise network_error(exc) from exc


def _xero_message(body: bytes | str | None) -> str:
    """Xero's own words from an error body (validation messages, Detail or Message)."""
    try:
        data = json.loads(body or "")
    except (TypeError, ValueError):
        return ""
    if not isinstance(data, dict):
        return ""
    messages = [
        error.get("Message", "")
        for element in data.get("Elements") or []
        for error in (element.get("ValidationErrors") or [])
    ]
    messages = [m for m in dict.fromkeys(messages) if m]
    if messages:
        return " ".join(messages)
    return str(data.get("Detail") or data.get("Message") or data.get("Title") or "")


# A response's headers: urllib3's HTTPHeaderDict (case-insensitive), or a plain dict.
Headers = Mapping[str, str]


def _validation_messages(body: bytes | str | None) -> tuple[str, ...]:
    """Each of the ValidationErrors messages of a 400's Elements (and their LineItems), once."""
    try:
        data = json.loads(body or "")
    except (TypeError, ValueError):
        return ()
    if not isinstance(data, dict):
        return ()
    messages: list[str] = []
    for element in data.get("Elements") or []:
        if not isinstance(element, dict):
            continue
        parts = [element, *(line for line in element.get("LineItems") or [])]
        for part in parts:
            if isinstance(part, dict):
                messages.extend(
                    str(error.get("Message") or "")
                    for error in part.get("ValidationErrors") or []
                    if isinstance(error, dict)
                )
    return tuple(m for m in dict.fromkeys(messages) if m)


def _header(headers: Headers | None, name: str) -> str | None:
    if not headers:
        return None
    value = headers.get(name)
    return value if value is not None else headers.get(name.lower())


def _status(exc: ApiException) -> int | None:
    """The HTTP status of an SDK error. (The SDK's 400 exception answers `.status` with Xero's
    message, and fails on an empty body: the response's own status first.)"""
    status = getattr(exc.http_resp, "status", None)
    if not isinstance(status, int):
        try:
            status = exc.status
        except ValueError:
            return None
    return status if isinstance(status, int) else None


def _api_error(exc: ApiException, connection: XeroConnection) -> XeroError:
    status = _status(exc)
    said = _xero_message(exc.body)
    if status == 429:
        retry_after = _int(_header(exc.headers, "Retry-After")) or 60
        problem = _header(exc.headers, "X-Rate-Limit-Problem") or "minute"
        return XeroError(
            f"Xero is busy — try again in {retry_after} second{'s' if retry_after != 1 else ''}.",
            status=429,
            retry_after=retry_after,
            code=f"rate_limit_{problem}",
        )
    if status == 400:
        return XeroError(
            said or "Xero refused the request.",
            status=400,
            code="validation",
            xero_said=bool(said),
            validation=_validation_messages(exc.body),
        )
    if status == 401:
        return XeroError(
            said or "Xero did not accept the access token.",
            status=401,
            code="unauthorized",
            xero_said=bool(said),
        )
    if status == 403:
        return XeroError(
            f"Xero refused access to {connection.tenant_name}"
            f"{f' ({said})' if said else ''}: the organisation may have been disconnected in "
            "Xero. An administrator must reconnect it on the Integrations page.",
            status=403,
            reconnect=True,
            code="forbidden",
        )
    if status == 404:
        return XeroError(
            said or "Not found in Xero.", status=404, code="not_found", xero_said=bool(said)
        )
    if status and status >= 500:
        return XeroError(
            f"Xero is unavailable right now (HTTP {status}){f': {said}' if said else '.'}",
            status=status,
            retryable=True,
            code="unavailable",
        )
    return XeroError(
        said or f"Xero answered HTTP {status}.", status=status, code="error", xero_said=bool(said)
    )


def _connection_is_dead(error: XeroError, *, refreshed: bool) -> bool:
    """Xero refused a token just refreshed (401), or refused the tenant to a valid token (403
    AuthenticationUnsuccessful: the connection was removed in Xero): no retry can help."""
    if error.status == 401:
        return refreshed
    return error.status == 403 and "AuthenticationUnsuccessful" in error.message


def _dead(error: XeroError, connection: XeroConnection) -> XeroError:
    if error.status == 403:
        message = error.message
    else:
        message = (
            f"Xero refused the connection to {connection.tenant_name} even with a just "
            f"refreshed token ({error.message}): an administrator must reconnect it on the "
            "Integrations page."
        )
    return XeroError(message, status=error.status, reconnect=True, code=error.code)


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def rate_limits(headers: Headers | None) -> RateLimits:
    """The headroom Xero reports in a response's headers."""
    return RateLimits(
        minute=_int(_header(headers, "X-MinLimit-Remaining")),
        day=_int(_header(headers, "X-DayLimit-Remaining")),
        app_minute=_int(_header(headers, "X-AppMinLimit-Remaining")),
    )


def _observe_limits(
    connection: XeroConnection,
    client: ApiClient,
    retry_after: int | None,
    headers: Headers | None = None,
) -> None:
    if headers is None:
        response = getattr(client, "last_response", None)
        headers = response.getheaders() if response is not None else None
    budget.observe(connection.tenant_id, rate_limits(headers), retry_after=retry_after)


# Xero's JSON answers, as the SDK leaves them unread; linking.xero.mappers maps them.


def _json_body(response: Any, shape: type = dict) -> Any:
    """The JSON of an answer the SDK left unread (_preload_content=False), decimals exact; an
    empty body (204) is None."""
    try:
        raw = response.data
        data = json.loads(raw, parse_float=Decimal) if raw else None
    except ValueError as exc:
        raise _unreadable() from exc
    finally:
        response.release_conn()
    if data is not None and not isinstance(data, shape):
        raise _unreadable()
    return data


def _mapped(mapper: Callable[[dict[str, Any]], T], records: Any) -> list[T]:
    """Records of an answer mapped to dataclasses; a record Xero's shape does not fit is an
    unreadable answer, not a crash."""
    try:
        return [mapper(record) for record in records or []]
    except (AttributeError, TypeError, ValueError, ArithmeticError) as exc:
        raise _unreadable() from exc


def _send(
    connection: XeroConnection, operation: Callable[..., Any], *args: Any, **kwargs: Any
) -> Any:
    """THE Accounting call: `operation` (an AccountingApi method) for the connection's tenant,
    with a fresh token, timeouts, the rate budget and limit headers, errors mapped (see _call);
    Xero's JSON answer."""
    tenant_id = str(connection.tenant_id)
    return _call(
        connection, lambda api: _json_body(operation(api, tenant_id, *args, **kwargs, **_raw()))
    )


def _first(mapper: Callable[[dict[str, Any]], T], data: Any, collection: str) -> T:
    """The one record a single read or write answered with."""
    records = _mapped(mapper, (data or {}).get(collection))
    if not records:
        raise _unreadable()
    return records[0]


def _unreadable() -> XeroError:
    return XeroError("Xero's answer could not be read.", retryable=True, code="unreadable")


# Conversions from our dataclasses to SDK models, for writes.


def _sdk_contact(draft: ContactDraft) -> xm.Contact:
    kwargs: dict[str, Any] = {}
    if draft.name:
        kwargs["name"] = draft.name
    if draft.first_name:
        kwargs["first_name"] = draft.first_name
    if draft.last_name:
        kwargs["last_name"] = draft.last_name
    if draft.email:
        kwargs["email_address"] = draft.email
    if draft.phones:
        kwargs["phones"] = [_sdk_phone(p) for p in draft.phones]
    if draft.addresses:
        kwargs["addresses"] = [_sdk_address(a) for a in draft.addresses]
    if draft.persons:
        kwargs["contact_persons"] = [_sdk_person(p) for p in draft.persons]
    return xm.Contact(**kwargs)


# Every part as given (an empty one left out): a phone or address that Xero holds goes back to it
# exactly as Xero gave it, whether Xero replaces or merges the entry of that type.
def _sdk_phone(phone: Phone) -> xm.Phone:
    return xm.Phone(
        phone_type=phone.type,
        phone_number=phone.number or None,
        phone_area_code=phone.area_code or None,
        phone_country_code=phone.country_code or None,
    )


def _sdk_address(address: Address) -> xm.Address:
    lines = [line or None for line in address.lines] + [None] * (4 - len(address.lines))
    return xm.Address(
        address_type=address.type,
        address_line1=lines[0],
        address_line2=lines[1],
        address_line3=lines[2],
        address_line4=lines[3],
        city=address.city or None,
        region=address.region or None,
        postal_code=address.postal_code or None,
        country=address.country or None,
        attention_to=address.attention_to or None,
    )


def _sdk_person(person: ContactPerson) -> xm.ContactPerson:
    return xm.ContactPerson(
        first_name=person.first_name or None,
        last_name=person.last_name or None,
        email_address=person.email or None,
        include_in_emails=person.include_in_emails,
    )


def _sdk_tracking(choice: TrackingChoice) -> xm.LineItemTracking:
    """A line's tracking option: by ids when known, else by category and option names."""
    if choice.category_id and choice.option_id:
        return xm.LineItemTracking(
            tracking_category_id=choice.category_id, tracking_option_id=choice.option_id
        )
    return xm.LineItemTracking(name=choice.category_name, option=choice.option_name)


def _sdk_line(item: LineItem) -> xm.LineItem:
    kwargs: dict[str, Any] = {
        "description": item.description,
        "quantity": item.quantity,
        "unit_amount": item.unit_amount,
    }
    for name, given in (
        ("item_code", item.item_code),
        ("account_code", item.account_code),
        ("tax_type", item.tax_type),
    ):
        if given:
            kwargs[name] = given
    if item.discount_rate:
        kwargs["discount_rate"] = item.discount_rate
    if item.tracking:
        kwargs["tracking"] = [_sdk_tracking(choice) for choice in item.tracking]
    return xm.LineItem(**kwargs)


def _sdk_invoice(draft: InvoiceDraft) -> xm.Invoice:
    kwargs: dict[str, Any] = {
        "type": draft.type,
        "contact": xm.Contact(contact_id=draft.contact_id),
        "status": draft.status if draft.status in ("DRAFT", "SUBMITTED") else "DRAFT",
        # The SDK wants enum members for LineAmountTypes and CurrencyCode.
        "line_amount_types": xm.LineAmountTypes(draft.line_amount_types or "Exclusive"),
        "line_items": [_sdk_line(item) for item in draft.line_items],
    }
    if draft.date:
        kwargs["date"] = draft.date
    if draft.due_date:
        kwargs["due_date"] = draft.due_date
    if draft.reference:
        kwargs["reference"] = draft.reference
    if draft.currency:
        kwargs["currency_code"] = xm.CurrencyCode(draft.currency)
    if draft.branding_theme_id:
        kwargs["branding_theme_id"] = draft.branding_theme_id
    return xm.Invoice(**kwargs)


# The calls.


def get_organisation(connection: XeroConnection) -> Organisation:
    """The connected organisation: name, base currency, country, short code."""
    data = _send(connection, AccountingApi.get_organisations)
    return _first(mappers.organisation, data, "Organisations")


def search_contacts(
    connection: XeroConnection,
    *,
    search_term: str = "",
    where: str = "",
    ids: Iterable[str] = (),
    include_archived: bool = False,
    page: int = 1,
    page_size: int = 100,
) -> list[Contact]:
    """One page of contacts matching a search term, a where filter and/or ids."""
    kwargs: dict[str, Any] = {"page": page, "page_size": page_size}
    if search_term := search_text(search_term, max_length=None):
        kwargs["search_term"] = search_term
    if where:
        kwargs["where"] = where
    if ids := list(ids):
        kwargs["i_ds"] = ids
    if include_archived:
        kwargs["include_archived"] = TRUE
    data = _send(connection, AccountingApi.get_contacts, **kwargs)
    return _mapped(mappers.contact, (data or {}).get("Contacts"))


def _guid(value: str, what: str) -> str:
    """An id for a Xero URL: a GUID, or XeroError "not_found" without asking Xero."""
    if (guid := xero_id(value)) is None:
        raise XeroError(f"That is not the id of a Xero {what}.", code="not_found")
    return guid


def get_contact(connection: XeroConnection, contact_id: str) -> Contact:
    """One contact by id (archived ones too); XeroError code "not_found" when it is gone."""
    data = _send(connection, AccountingApi.get_contact, _guid(contact_id, "contact"))
    return _first(mappers.contact, data, "Contacts")


def create_contact(
    connection: XeroConnection, draft: ContactDraft, *, idempotency_key: str
) -> Contact:
    """Create a contact; Xero refuses a name already used by an active contact."""
    # https://developer.xero.com/documentation/guides/idempotent-requests
    body = xm.Contacts(contacts=[_sdk_contact(draft)])
    data = _send(
        connection, AccountingApi.create_contacts, body, idempotency_key=idempotency_key[:128]
    )
    return _first(mappers.contact, data, "Contacts")


def update_contact(
    connection: XeroConnection, contact_id: str, draft: ContactDraft, *, idempotency_key: str
) -> Contact:
    """Set the draft's non-empty fields on a contact; the rest stay as they are in Xero."""
    body = xm.Contacts(contacts=[_sdk_contact(draft)])
    data = _send(
        connection,
        AccountingApi.update_contact,
        contact_id,
        body,
        idempotency_key=idempotency_key[:128],
    )
    return _first(mappers.contact, data, "Contacts")


def _quote(value: str) -> str:
    """A string literal for a Xero where filter: no control characters, and its quotes and
    backslashes escaped."""
    text = without_controls(value)
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _date_literal(value: date) -> str:
    return f"DateTime({value.year}, {value.month:02d}, {value.day:02d})"


def invoice_where(
    *, types: Iterable[str] = (), date_from: date | None = None, date_to: date | None = None
) -> str:
    """A where filter for invoice types and an invoice-date range."""
    clauses = []
    if types := sorted(set(types)):
        clauses.append("(" + " OR ".join(f"Type=={_quote(t)}" for t in types) + ")")
    if date_from:
        clauses.append(f"Date >= {_date_literal(date_from)}")
    if date_to:
        clauses.append(f"Date <= {_date_literal(date_to)}")
    return " AND ".join(clauses)


def list_invoices(
    connection: XeroConnection,
    *,
    contact_ids: Iterable[str] = (),
    types: Iterable[str] = (),
    statuses: Iterable[str] = (),
    numbers: Iterable[str] = (),
    ids: Iterable[str] = (),
    date_from: date | None = None,
    date_to: date | None = None,
    search_term: str = "",
    modified_since: datetime | None = None,
    summary_only: bool = True,
    order: str = "Date DESC",
    page_size: int = MAX_PAGE_SIZE,
    max_pages: int | None = None,
) -> list[Invoice]:
    """Every invoice and bill that matches, all pages fetched (or the first `max_pages`)."""
    kwargs = _invoice_query(
        contact_ids=contact_ids,
        types=types,
        statuses=statuses,
        numbers=numbers,
        ids=ids,
        date_from=date_from,
        date_to=date_to,
        search_term=search_term,
        modified_since=modified_since,
        summary_only=summary_only,
        order=order,
        page_size=page_size,
    )
    return _all_pages(connection, AccountingApi.get_invoices, "Invoices", max_pages, **kwargs)


def invoice_page(
    connection: XeroConnection,
    *,
    page: int,
    types: Iterable[str] = (),
    date_from: date | None = None,
    date_to: date | None = None,
    search_term: str = "",
    order: str = "Date DESC",
    page_size: int = 100,
) -> tuple[list[Invoice], bool]:
    """One page of the invoices and bills that match, and whether Xero has more after it."""
    # https://developer.xero.com/documentation/api/accounting/requests-and-responses#pagination
    kwargs = _invoice_query(
        types=types,
        date_from=date_from,
        date_to=date_to,
        search_term=search_term,
        order=order,
        page_size=page_size,
    )
    data = _send(connection, AccountingApi.get_invoices, page=page, **kwargs) or {}
    records = _mapped(mappers.invoice, data.get("Invoices"))
    page_count = (data.get("pagination") or {}).get("pageCount")
    more = page < page_count if isinstance(page_count, int) else len(records) >= page_size
    return records, more


def _invoice_query(
    *,
    contact_ids: Iterable[str] = (),
    types: Iterable[str] = (),
    statuses: Iterable[str] = (),
    numbers: Iterable[str] = (),
    ids: Iterable[str] = (),
    date_from: date | None = None,
    date_to: date | None = None,
    search_term: str = "",
    modified_since: datetime | None = None,
    summary_only: bool = True,
    order: str = "Date DESC",
    page_size: int = MAX_PAGE_SIZE,
) -> dict[str, Any]:
    """GET /Invoices's parameters (the SDK's names) for these filters."""
    kwargs: dict[str, Any] = {"order": order, "page_size": page_size}
    for name, values in (
        ("contact_i_ds", contact_ids),
        ("statuses", statuses),
        ("invoice_numbers", numbers),
        ("i_ds", ids),
    ):
        if values := list(values):
            kwargs[name] = values
    if where := invoice_where(types=types, date_from=date_from, date_to=date_to):
        kwargs["where"] = where
    if search_term := search_text(search_term, max_length=None):
        kwargs["search_term"] = search_term
    if modified_since:
        kwargs["if_modified_since"] = modified_since
    if summary_only:
        kwargs["summary_only"] = TRUE
    return kwargs


def _raw() -> dict[str, Any]:
    """The SDK's call options for an answer read as Xero's JSON (mapped here, not by the SDK)."""
    return {"_request_timeout": _timeout(), "_preload_content": False}


# The paged lists: how each collection's records are mapped, and told apart.
_LISTS: dict[str, tuple[Callable[[dict[str, Any]], Any], str]] = {
    "Invoices": (mappers.invoice, "invoice_id"),
    "CreditNotes": (mappers.credit_note, "credit_note_id"),
}


def _all_pages(
    connection: XeroConnection,
    operation: Callable[..., Any],
    collection: str,
    max_pages: int | None,
    **kwargs: Any,
) -> list[Any]:
    """Every record of a paged list (or the first `max_pages` pages), each once; none when
    If-Modified-Since found nothing changed (304)."""
    mapper, id_field = _LISTS[collection]
    page_size = kwargs["page_size"]

    def fetch(page: int) -> tuple[list[Any], int | None]:
        try:
            data = _send(connection, operation, page=page, **kwargs) or {}
        except XeroError as exc:
            if exc.status == 304:  # If-Modified-Since: nothing changed
                return [], None
            raise
        return _mapped(mapper, data.get(collection)), (data.get("pagination") or {}).get(
            "pageCount"
        )

    # The first page tells how many there are; fetch the rest at once.
    # https://developer.xero.com/documentation/api/accounting/requests-and-responses#pagination
    records, page_count = fetch(1)
    if page_count is not None:
        last = min(page_count, max_pages) if max_pages else page_count
        rest = [partial(fetch, page) for page in range(2, last + 1)]
        for batch, _ in parallel(rest) if rest else ():  # one page: no fan-out
            records.extend(batch)
    else:
        page, batch = 1, records
        while len(batch) >= page_size and (max_pages is None or page < max_pages):
            # No pagination block (older answers): page by page until a short one.
            page += 1
            batch, _ = fetch(page)
            records.extend(batch)
    # A record added while the pages were read shifts the pages: one may be read twice.
    return list({getattr(record, id_field): record for record in records}.values())


def credit_note_where(*, contact_id: str | None = None, ids: Iterable[str] = ()) -> str:
    """A where filter for one contact's credit notes and/or credit notes by id (GET /CreditNotes
    has no ContactIDs or IDs parameter). Ids that are not GUIDs are left out."""
    clauses = []
    if contact_id:
        clauses.append(f'Contact.ContactID==Guid("{_guid(contact_id, "contact")}")')
    if guids := [guid for i in ids if (guid := xero_id(i))]:
        clauses.append("(" + " OR ".join(f'CreditNoteID==Guid("{g}")' for g in guids) + ")")
    return " AND ".join(clauses)


def list_credit_notes(
    connection: XeroConnection,
    *,
    contact_id: str | None = None,
    ids: Iterable[str] = (),
    modified_since: datetime | None = None,
    order: str = "Date DESC",
    page_size: int = MAX_PAGE_SIZE,
    max_pages: int | None = None,
) -> list[CreditNote]:
    """Every credit note (sales and purchase) of a contact and/or with these ids, all pages."""
    # https://developer.xero.com/documentation/api/accounting/creditnotes#get-creditnotes
    ids = list(ids)
    where = credit_note_where(contact_id=contact_id, ids=ids)
    if ids and "CreditNoteID" not in where:
        return []  # none of the ids can be a credit note's
    kwargs: dict[str, Any] = {"order": order, "page_size": page_size}
    if where:
        kwargs["where"] = where
    if modified_since:
        kwargs["if_modified_since"] = modified_since
    return _all_pages(
        connection, AccountingApi.get_credit_notes, "CreditNotes", max_pages, **kwargs
    )


def get_invoice(connection: XeroConnection, invoice_id: str) -> Invoice:
    """One invoice or bill with its line items."""
    data = _send(connection, AccountingApi.get_invoice, _guid(invoice_id, "invoice or bill"))
    return _first(mappers.invoice, data, "Invoices")


def create_invoice_draft(
    connection: XeroConnection, draft: InvoiceDraft, *, idempotency_key: str
) -> Invoice:
    """Create a DRAFT (or SUBMITTED) invoice with every field of the draft; a repeated
    idempotency key returns the first one, not a second."""
    # https://developer.xero.com/documentation/guides/idempotent-requests
    # unitdp=4: unit prices keep their 4 decimal places (otherwise Xero rounds them to 2).
    # https://developer.xero.com/documentation/api/accounting/invoices#put-invoices
    body = xm.Invoices(invoices=[_sdk_invoice(draft)])
    data = _send(
        connection,
        AccountingApi.create_invoices,
        body,
        unitdp=4,
        idempotency_key=idempotency_key[:128],
    )
    return _first(mappers.invoice, data, "Invoices")


# Identity: the token's connections to organisations.
# https://developer.xero.com/documentation/guides/oauth2/auth-flow/#5-check-the-tenants-youre-authorized-to-access


def _identity_call(
    access_token: str, operation: Callable[..., Any], *args: Any, **kwargs: Any
) -> Any:
    """An Identity API call (`operation`, an IdentityApi method) with this access token; Xero's
    JSON answer (a list for GET /connections, None for a DELETE)."""
    token: tokens.SdkToken = {
        "access_token": access_token,
        "refresh_token": None,
        "scope": [],
        "expires_in": 600,
        "token_type": "Bearer",
        "expires_at": timezone.now().timestamp() + 600,
    }
    try:
        with _transport():
            answer = operation(_identity(_api_client(token)), *args, **kwargs, **_raw())
        return _json_body(answer, list)
    except ApiException as exc:
        status = _status(exc)
        said = _xero_message(exc.body)
        raise XeroError(
            said or f"Xero's identity service answered HTTP {status}.",
            status=status,
            retryable=bool(status and status >= 500),
            reconnect=status in (401, 403),
            code="identity",
            xero_said=bool(said),
        ) from exc


def list_tenants(token_set: TokenSet) -> list[Tenant]:
    """The organisations a fresh token set may use (GET /connections): those of this consent.

    /connections lists every connection of the user to the app, older consents' too; Xero's
    `authEventId` filter keeps the ones this consent made or renewed. If it finds none (Xero
    left a renewed connection's authEventId as it was), the whole list is used.
    """
    event = oauth.consent_id(token_set.access_token)
    result = None
    if event:
        result = _identity_call(
            token_set.access_token, IdentityApi.get_connections, auth_event_id=event
        )
    if not result:
        result = _identity_call(token_set.access_token, IdentityApi.get_connections)
    return _mapped(mappers.tenant, result)


def delete_tenant_connection(access_token: str, connection_id: str) -> None:
    """Remove one connection in Xero (DELETE /connections/{id}: the connection's id)."""
    _identity_call(access_token, IdentityApi.delete_connection, connection_id)


def delete_connection(connection: XeroConnection) -> None:
    """Remove this connection in Xero, with a fresh token."""
    connection = tokens.fresh_connection(connection)
    delete_tenant_connection(connection.access_token, str(connection.connection_id))


# ------------------------------------------------------------- one invoice or credit note in full
# (issue 13: the invoice inside the CRM)

PDF_MAX_BYTES = 20 * 1024 * 1024  # far beyond any invoice's PDF; a bigger answer is not read


def get_credit_note(connection: XeroConnection, credit_note_id: str) -> CreditNote:
    """One credit note with its lines, allocations and refunds."""
    # https://developer.xero.com/documentation/api/accounting/creditnotes#get-creditnotes
    guid = _guid(credit_note_id, "credit note")
    data = _send(connection, AccountingApi.get_credit_note, guid)
    return _first(mappers.credit_note, data, "CreditNotes")


def get_invoice_pdf(connection: XeroConnection, invoice_id: str) -> bytes:
    """The invoice or bill as Xero renders it (GET /Invoices/{id}, Accept: application/pdf):
    the PDF's bytes, read in memory (the SDK would write them to a temporary file)."""
    # https://developer.xero.com/documentation/api/accounting/invoices#get-invoices (PDF)
    guid = _guid(invoice_id, "invoice or bill")
    tenant_id = str(connection.tenant_id)
    return _call(
        connection,
        lambda api: _pdf_body(AccountingApi.get_invoice_as_pdf(api, tenant_id, guid, **_raw())),
    )


def _pdf_body(response: Any) -> bytes:
    """The bytes of a PDF answer the SDK left unread; anything but a PDF is unreadable."""
    try:
        length = _int(_header(response.headers, "Content-Length"))
        if length is not None and length > PDF_MAX_BYTES:
            raise _unreadable()
        body = response.read(PDF_MAX_BYTES + 1)
    finally:
        response.release_conn()
    if len(body) > PDF_MAX_BYTES or not body.startswith(b"%PDF-"):
        raise _unreadable()
    return bytes(body)


def get_online_invoice_url(connection: XeroConnection, invoice_id: str) -> str:
    """The link a customer opens to view and pay a sales invoice (AUTHORISED or PAID only:
    Xero refuses the others with a ValidationException)."""
    # https://developer.xero.com/documentation/api/accounting/invoices#retrieving-the-online-invoice-url
    guid = _guid(invoice_id, "invoice")
    data = _send(connection, AccountingApi.get_online_invoice, guid)
    url = _first(mappers.online_invoice_url, data, "OnlineInvoices")
    if not url.startswith(("https://", "http://")):
        raise _unreadable()
    return url


# ------------------------------------------------ issue 13: reference data for invoice drafts
# The settings a sales invoice draft is composed from: items, chart of accounts, tax rates,
# tracking categories, branding themes, currencies, the organisation's payment terms.
# All readable with accounting.settings.read.
# https://developer.xero.com/documentation/api/accounting/items


def list_items(connection: XeroConnection) -> list[Item]:
    """Every item (sold or not), unit prices to 4 dp (unitdp=4)."""
    data = _send(connection, AccountingApi.get_items, unitdp=4)
    return _mapped(mappers.item, (data or {}).get("Items"))


def list_accounts(connection: XeroConnection) -> list[LedgerAccount]:
    """The chart of accounts, archived accounts too (so they are refused by name)."""
    # https://developer.xero.com/documentation/api/accounting/accounts
    data = _send(connection, AccountingApi.get_accounts)
    return _mapped(mappers.account, (data or {}).get("Accounts"))


def list_tax_rates(connection: XeroConnection) -> list[TaxRate]:
    """Every tax rate of the organisation."""
    # https://developer.xero.com/documentation/api/accounting/taxrates
    data = _send(connection, AccountingApi.get_tax_rates)
    return _mapped(mappers.tax_rate, (data or {}).get("TaxRates"))


def list_tracking_categories(connection: XeroConnection) -> list[TrackingCategory]:
    """Every tracking category and option, archived ones too (includeArchived=true), so that
    an archived one is refused by its name."""
    # https://developer.xero.com/documentation/api/accounting/trackingcategories
    data = _send(connection, AccountingApi.get_tracking_categories, include_archived=TRUE)
    return _mapped(mappers.tracking_category, (data or {}).get("TrackingCategories"))


def list_branding_themes(connection: XeroConnection) -> list[BrandingTheme]:
    """The organisation's branding themes."""
    # https://developer.xero.com/documentation/api/accounting/brandingthemes
    data = _send(connection, AccountingApi.get_branding_themes)
    return _mapped(mappers.branding_theme, (data or {}).get("BrandingThemes"))


def list_currencies(connection: XeroConnection) -> list[Currency]:
    """The currencies the organisation has enabled."""
    # https://developer.xero.com/documentation/api/accounting/currencies
    data = _send(connection, AccountingApi.get_currencies)
    return _mapped(mappers.currency, (data or {}).get("Currencies"))


def get_invoice_settings(connection: XeroConnection) -> tuple[str, PaymentTerm | None]:
    """The organisation's base currency and sales payment terms (GET /Organisation)."""
    # https://developer.xero.com/documentation/api/accounting/organisation
    data = _send(connection, AccountingApi.get_organisations)
    records = (data or {}).get("Organisations") or []
    if not records or not isinstance(records[0], dict):
        raise _unreadable()
    try:
        return mappers.text(records[0].get("BaseCurrency")), mappers.sales_payment_term(records[0])
    except (AttributeError, TypeError, ValueError) as exc:
        raise _unreadable() from exc
