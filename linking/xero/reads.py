"""Xero reads answered from the cache when fresh, else fetched (at once, single-flight) and stored.

What is cached, per tenant:
- `contact:{id}`: the contact (Contact);
- `contact-invoices:{id}`: all its invoices and bills, without line items (ContactInvoices),
  refreshed with If-Modified-Since and fetched whole again once a day (XERO_CACHE_KEEP);
- `invoice:{id}`: one invoice or bill, or None when Xero has no such item (deal tabs);
- `contact-credit-notes:{id}`: all its credit notes, sales and purchase (ContactCreditNotes),
  kept like its invoices;
- `invoice-owner:{id}`, `credit-note-owner:{id}`: the contact whose cached list holds the invoice
  or credit note, so that its webhook refetches it, and one moved to another contact in Xero
  leaves the first one's list;
- `search:{generation}:{term}`: the contacts a search term finds; a contact webhook or a contact
  written through the app starts a new generation;
- `invoice-detail:{id}`, `credit-note-detail:{id}`: one invoice, bill or credit note in full
  (lines, payments, credits or allocations), as its page in the CRM shows it; a webhook naming
  it (or the app's own write) drops the entry, so that the next opening asks Xero;
- `invoices-changed`, `credit-notes-changed`: when a webhook last named invoices (credit notes) of
  no cached list (new ones, or others'): a contact's list cached before then asks Xero for what
  changed at its next opening.
The organisation (base currency, short code) is kept on the XeroConnection row itself.
Writes through the app and webhook events update these entries at once (remember_*, refetch_*).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from functools import partial
from typing import Any, Generic, Self, TypeVar

from django.conf import settings

from linking.models import XeroConnection
from linking.xero import cache, client, tokens
from linking.xero.cache import Cached
from linking.xero.errors import XeroError
from linking.xero.fanout import parallel
from linking.xero.ids import xero_id
from linking.xero.types import Contact, CreditNote, Invoice, ReferenceData

IDS_PER_CALL = 50  # Xero takes about 50 ids in one IDs filter
# If-Modified-Since is compared with Xero's clock, not ours: ask again for a margin before.
CLOCK_MARGIN = 60  # seconds


R = TypeVar("R", Invoice, CreditNote)


def _record_id(record: Invoice | CreditNote) -> str:
    return record.invoice_id if isinstance(record, Invoice) else record.credit_note_id


@dataclass(frozen=True)
class _ContactList(Generic[R]):
    """A contact's records of one kind, and when they were last fetched whole."""

    items: tuple[R, ...]
    full_at: float

    def merged(self, changed: Iterable[R]) -> Self:
        """These items with the changed ones added or replacing theirs (unless older)."""
        by_id = {_record_id(item): item for item in self.items}
        for item in changed:
            kept = by_id.get(_record_id(item))
            if kept is None or not _older(item, kept):
                by_id[_record_id(item)] = item
        return type(self)(tuple(by_id.values()), self.full_at)

    def without(self, ids: Iterable[str]) -> Self:
        """These items but those (moved to another contact in Xero)."""
        gone = set(ids)
        return type(self)(tuple(i for i in self.items if _record_id(i) not in gone), self.full_at)


@dataclass(frozen=True)
class ContactInvoices(_ContactList[Invoice]):
    """A contact's invoices and bills, and when they were last fetched whole."""


@dataclass(frozen=True)
class ContactCreditNotes(_ContactList[CreditNote]):
    """A contact's credit notes (sales and purchase), and when they were last fetched whole."""


L = TypeVar("L", bound=_ContactList[Any])  # a kind of contact list


@dataclass(frozen=True)
class _Kind(Generic[L]):
    """Where a kind of contact list lives in the cache."""

    entry: str  # the contact's list, by contact id
    owner: str  # the contact whose cached list holds a record, by record id
    changed: str  # when a webhook last named records of no cached list
    listing: type[L]


INVOICES: _Kind[ContactInvoices] = _Kind(
    "contact-invoices", "invoice-owner", "invoices-changed", ContactInvoices
)
CREDIT_NOTES: _Kind[ContactCreditNotes] = _Kind(
    "contact-credit-notes", "credit-note-owner", "credit-notes-changed", ContactCreditNotes
)


def _owned_by(
    connection: XeroConnection,
    contact_id: str,
    items: Iterable[Invoice | CreditNote],
    kind: _Kind[Any] = INVOICES,
) -> None:
    cache.put_plain({_key(connection, kind.owner, _record_id(i)): contact_id for i in items})


def _older(item: Invoice | CreditNote, than: Invoice | CreditNote) -> bool:
    return bool(item.updated_at and than.updated_at and item.updated_at < than.updated_at)


@dataclass(frozen=True)
class Items:
    """Invoices and bills asked for by id: those Xero has, and the ids it does not."""

    found: list[Invoice]
    missing: list[str]
    checked_at: float
    problem: XeroError | None = field(default=None)


def _key(connection: XeroConnection, kind: str, ident: object = "") -> str:
    return cache.key(connection.tenant_id, kind, ident)


def contact(
    connection: XeroConnection, contact_id: str, *, refresh: bool = False
) -> Cached[Contact]:
    """The contact (archived ones too); XeroError code "not_found" when Xero has none."""
    return cache.load(
        _key(connection, "contact", contact_id),
        lambda _previous: client.get_contact(connection, contact_id),
        refresh=refresh,
    )


def contact_invoices(
    connection: XeroConnection, contact_id: str, *, refresh: bool = False
) -> Cached[ContactInvoices]:
    """The contact's invoices and bills; only what changed is asked for when they are cached."""

    def full() -> list[Invoice]:
        items = client.list_invoices(connection, contact_ids=[contact_id])
        # Thousands of index entries: written beside the render, not before it.
        cache.write_behind(_owned_by, connection, contact_id, items)
        return items

    def changed(since: datetime) -> list[Invoice]:
        # https://developer.xero.com/documentation/api/accounting/requests-and-responses#http-headers
        found = client.list_invoices(connection, contact_ids=[contact_id], modified_since=since)
        _owned_by(connection, contact_id, found)
        return found

    return _contact_list(connection, contact_id, INVOICES, full, changed, refresh=refresh)


def contact_credit_notes(
    connection: XeroConnection, contact_id: str, *, refresh: bool = False
) -> Cached[ContactCreditNotes]:
    """The contact's credit notes; only what changed is asked for when they are cached."""

    def fetch(since: datetime | None = None) -> list[CreditNote]:
        # https://developer.xero.com/documentation/api/accounting/creditnotes
        found = client.list_credit_notes(connection, contact_id=contact_id, modified_since=since)
        _owned_by(connection, contact_id, found, CREDIT_NOTES)
        return found

    return _contact_list(connection, contact_id, CREDIT_NOTES, fetch, fetch, refresh=refresh)


def _contact_list(
    connection: XeroConnection,
    contact_id: str,
    kind: _Kind[L],
    full: Callable[[], Iterable[Invoice | CreditNote]],
    changed: Callable[[datetime], Iterable[Invoice | CreditNote]],
    *,
    refresh: bool,
) -> Cached[L]:
    """A contact's cached list of one kind: fetched whole when not cached or once a day
    (XERO_CACHE_KEEP), else only what changed since it was last checked (If-Modified-Since)."""

    def fetch(previous: Cached[L] | None) -> L:
        if previous is None or time.time() - previous.value.full_at >= settings.XERO_CACHE_KEEP:
            started = time.time()
            return kind.listing(tuple(full()), started)
        since = datetime.fromtimestamp(previous.checked_at - CLOCK_MARGIN, UTC)
        return previous.value.merged(changed(since))

    list_key = _key(connection, kind.entry, contact_id)
    changed_at = None if refresh else _changed_at(connection, kind)
    if changed_at is not None and _missing_new(cache.get(list_key), changed_at):
        # Fresh, but a webhook since named records of no cached list: ask what changed.
        return cache.load(list_key, lambda _none: fetch(cache.get(list_key)), refresh=True)
    return cache.load(list_key, fetch, refresh=refresh)


def _changed_at(connection: XeroConnection, kind: _Kind[Any]) -> float | None:
    """When a webhook last named records of this kind of no cached list (see _refetch_owned)."""
    mark = _key(connection, kind.changed)
    at = cache.get_plain([mark]).get(mark)
    return at if isinstance(at, float | int) else None


def _missing_new(entry: Cached[object] | None, changed_at: float | None) -> bool:
    """Whether a fresh cached list predates a webhook naming records of no cached list."""
    if entry is None or entry.stale or changed_at is None:
        return False  # fetched anyway, or nothing to miss
    return entry.checked_at < changed_at


@dataclass(frozen=True)
class Account:
    """A Xero contact with its invoices, bills and credit notes, as of `updated_at` (the oldest
    of the three); `problem` says why Xero could not be asked just now, when that is older data."""

    contact: Contact
    invoices: list[Invoice]
    updated_at: datetime
    problem: XeroError | None = None
    credit_notes: list[CreditNote] = field(default_factory=list)


def _account(
    found: Cached[Contact], invoices: Cached[ContactInvoices], notes: Cached[ContactCreditNotes]
) -> Account:
    return Account(
        contact=found.value,
        invoices=list(invoices.value.items),
        updated_at=min(found.updated_at, invoices.updated_at, notes.updated_at),
        problem=found.problem or invoices.problem or notes.problem,
        credit_notes=list(notes.value.items),
    )


def contact_account(
    connection: XeroConnection, contact_id: str, *, refresh: bool = False
) -> Account:
    """The contact, its invoices and bills, and its credit notes: from the cache when fresh,
    else what is due fetched at once."""
    if not refresh:
        keys = [
            _key(connection, "contact", contact_id),
            _key(connection, INVOICES.entry, contact_id),
            _key(connection, CREDIT_NOTES.entry, contact_id),
        ]
        warm = cache.get_many(keys)
        if (
            len(warm) == 3
            and not any(entry.stale for entry in warm.values())
            and not _missing_new(warm[keys[1]], _changed_at(connection, INVOICES))
            and not _missing_new(warm[keys[2]], _changed_at(connection, CREDIT_NOTES))
        ):
            return _account(*(warm[k] for k in keys))
    connection = tokens.fresh_connection(connection)  # once, not in each thread
    calls: list[Callable[[], Cached[Any]]] = [
        lambda: contact(connection, contact_id, refresh=refresh),
        lambda: contact_invoices(connection, contact_id, refresh=refresh),
        lambda: contact_credit_notes(connection, contact_id, refresh=refresh),
    ]
    found, invoices, notes = parallel(calls)
    return _account(found, invoices, notes)


def search_contacts(connection: XeroConnection, term: str) -> list[Contact]:
    """Contacts whose name, names, number or email contain the term."""
    generation = cache.generation(connection.tenant_id, "contacts")
    digest = hashlib.sha1(term.casefold().encode()).hexdigest()
    entry = cache.load(
        _key(connection, f"search:{generation}", digest),
        lambda _previous: client.search_contacts(connection, search_term=term),
    )
    return entry.value


@dataclass(frozen=True)
class Found:
    """One page of a search's results, and whether Xero has more after it."""

    items: list[Invoice]
    page: int
    more: bool


def find_invoices(
    connection: XeroConnection,
    *,
    types: Iterable[str],
    search_term: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    page: int = 1,
    page_size: int = 100,
) -> Found:
    """A page of the invoices or bills (newest first) a search finds: asked of Xero each time
    (a search's answer is not kept)."""
    found, more = client.invoice_page(
        connection,
        page=page,
        types=types,
        search_term=search_term,
        date_from=date_from,
        date_to=date_to,
        page_size=page_size,
    )
    return Found(found, page, more)


def items(connection: XeroConnection, ids: list[str], *, refresh: bool = False) -> Items:
    """Invoices and bills by id, from the cache where fresh; the rest fetched 50 ids a call."""
    keys = {invoice_id: _key(connection, "invoice", invoice_id) for invoice_id in ids}
    entries = cache.get_many(list(keys.values()))
    due = [i for i in ids if refresh or keys[i] not in entries or entries[keys[i]].stale]
    problem = None
    if due:
        digest = hashlib.sha1(",".join(sorted(due)).encode()).hexdigest()
        try:
            loaded = cache.load(
                _key(connection, "invoice-batch", digest),
                lambda _previous: _fetch_items(connection, due),
                refresh=True,
            )
        except XeroError as exc:
            if not exc.retryable or len(entries) < len(ids):
                raise
            problem = exc  # every item is cached: show them, marked stale
        else:
            problem = loaded.problem  # set when Xero could not be asked and this is older data
            entries.update({keys[i]: Cached(loaded.value.get(i), loaded.checked_at) for i in due})
    found = [entries[keys[i]].value for i in ids if entries[keys[i]].value is not None]
    missing = [i for i in ids if entries[keys[i]].value is None]
    checked_at = min((entries[keys[i]].checked_at for i in ids), default=time.time())
    return Items(found, missing, checked_at, problem)


def _fetch_items(connection: XeroConnection, ids: list[str]) -> dict[str, Invoice | None]:
    connection = tokens.fresh_connection(connection)
    batches = [ids[n : n + IDS_PER_CALL] for n in range(0, len(ids), IDS_PER_CALL)]
    results = parallel([partial(client.list_invoices, connection, ids=batch) for batch in batches])
    found = {item.invoice_id: item for batch in results for item in batch}
    answer = {invoice_id: found.get(invoice_id) for invoice_id in ids}
    cache.put_many({_key(connection, "invoice", i): item for i, item in answer.items()})
    return answer


# Writes made through the app, and webhook events: update the entries they touch.


def remember_contact(connection: XeroConnection, found: Contact, *, new: bool = False) -> None:
    """A contact as Xero just answered it; a new one has no invoices or credit notes yet."""
    now = time.time()
    cache.update(_key(connection, "contact", found.contact_id), lambda _entry: Cached(found, now))
    for kind in (INVOICES, CREDIT_NOTES) if new else ():
        cache.update(
            _key(connection, kind.entry, found.contact_id),
            partial(_empty_list, kind.listing, now),
        )
    cache.next_generation(connection.tenant_id, "contacts")


def _empty_list(listing: type[L], now: float, _entry: object) -> Cached[L]:
    return Cached(listing((), now), now)


def remember_invoices(connection: XeroConnection, found: Iterable[Invoice]) -> None:
    """Invoices or bills as Xero just answered them: their own entries and their contact's list."""
    found = list(found)
    cache.put_many({_key(connection, "invoice", i.invoice_id): i for i in found})
    _remember_in_lists(connection, found, INVOICES)
    forget_invoice_details(connection, [i.invoice_id for i in found])


def remember_credit_notes(connection: XeroConnection, found: Iterable[CreditNote]) -> None:
    """Credit notes as Xero just answered them: in their contact's cached list."""
    found = list(found)
    _remember_in_lists(connection, found, CREDIT_NOTES)
    forget_credit_note_details(connection, [n.credit_note_id for n in found])


def _remember_in_lists(
    connection: XeroConnection, found: list[Invoice] | list[CreditNote], kind: _Kind[Any]
) -> None:
    """Records merged into their contact's cached list (if cached), and out of the list of the
    contact that held them before (moved in Xero)."""
    owners = cache.get_plain([_key(connection, kind.owner, _record_id(i)) for i in found])
    by_contact: dict[str, list[Invoice | CreditNote]] = {}
    moved: dict[str, list[str]] = {}
    for item in found:
        by_contact.setdefault(item.contact_id, []).append(item)
        owner = owners.get(_key(connection, kind.owner, _record_id(item)))
        if isinstance(owner, str) and owner and owner != item.contact_id:
            moved.setdefault(owner, []).append(_record_id(item))
    for contact_id, gone in moved.items():

        def drop(
            entry: Cached[_ContactList[Any]] | None, gone: list[str] = gone
        ) -> Cached[_ContactList[Any]] | None:
            return replace(entry, value=entry.value.without(gone)) if entry else None

        cache.update(_key(connection, kind.entry, contact_id), drop)
    for contact_id, changed in by_contact.items():

        def merge(
            entry: Cached[_ContactList[Any]] | None,
            changed: list[Invoice | CreditNote] = changed,
        ) -> Cached[_ContactList[Any]] | None:
            # The list keeps its own freshness: these items are new, the rest are as they were.
            return replace(entry, value=entry.value.merged(changed)) if entry else None

        cache.update(_key(connection, kind.entry, contact_id), merge)
        _owned_by(connection, contact_id, changed, kind)


@dataclass(frozen=True)
class Refetched:
    """What asking Xero again for records a webhook named came to."""

    fetched: int = 0  # records Xero answered with, now in the cache
    skipped: int = 0  # ids of nothing the CRM keeps: no call made
    left: tuple[str, ...] = ()  # ids not asked for, because of `problem`
    problem: XeroError | None = None


def _batches(ids: list[str]) -> list[list[str]]:
    return [ids[n : n + IDS_PER_CALL] for n in range(0, len(ids), IDS_PER_CALL)]


def _refetch(named: int, due: list[str], fetch: Callable[[list[str]], int]) -> Refetched:
    """Fetch the due ids 50 a call, one batch after another, until Xero refuses."""
    fetched = 0
    for n, batch in enumerate(_batches(due)):
        try:
            fetched += fetch(batch)
        except XeroError as exc:
            return Refetched(fetched, named - len(due), tuple(due[n * IDS_PER_CALL :]), exc)
    return Refetched(fetched, named - len(due))


def refetch_contacts(connection: XeroConnection, ids: list[str]) -> Refetched:
    """Ask Xero again for the cached ones of contacts that changed (a webhook said so), one call
    per 50; searches start afresh. Uncached contacts cost no call (their next opening fetches)."""
    keys = {contact_id: _key(connection, "contact", contact_id) for contact_id in ids}
    cached = cache.get_many(list(keys.values()))
    due = [contact_id for contact_id in ids if keys[contact_id] in cached]
    cache.next_generation(connection.tenant_id, "contacts")  # a new contact may match a search

    def fetch(batch: list[str]) -> int:
        fresh = client.search_contacts(connection, ids=batch, include_archived=True)
        cache.put_many({keys[c.contact_id]: c for c in fresh if c.contact_id in keys})
        return len(fresh)

    return _refetch(len(ids), due, fetch)


def _owned(
    connection: XeroConnection, ids: list[str], kind: _Kind[Any], *, also: Collection[str] = ()
) -> list[str]:
    """The ids in a cached contact's list of this kind (or in `also`); when some are not, the
    cached lists ask Xero for what changed at their next opening instead."""
    owner_keys = {i: _key(connection, kind.owner, i) for i in ids}
    owned = cache.get_plain(list(owner_keys.values()))
    due = [i for i in ids if i in also or owner_keys[i] in owned]
    if len(due) < len(ids):
        cache.put_plain({_key(connection, kind.changed): time.time()})
    return due


def refetch_invoices(connection: XeroConnection, ids: list[str]) -> Refetched:
    """Ask Xero again for the invoices and bills that changed which the CRM keeps: cached by id
    (a deal tab) or in a cached contact's list (the invoice-owner index); one call per 50, one
    batch after another. The others cost no call: they are new, or of contacts nobody opened, so
    the cached lists ask Xero for what changed at their next opening instead."""
    forget_invoice_details(connection, ids)  # no call: the next opening asks Xero
    item_keys = {i: _key(connection, "invoice", i) for i in ids}
    cached = cache.get_many(list(item_keys.values()))
    due = _owned(connection, ids, INVOICES, also={i for i in ids if item_keys[i] in cached})

    def fetch(batch: list[str]) -> int:
        found = [item for item in _fetch_items(connection, batch).values() if item is not None]
        remember_invoices(connection, found)
        return len(found)

    return _refetch(len(ids), due, fetch)


def cached_credit_notes(connection: XeroConnection, ids: Iterable[str]) -> list[CreditNote]:
    """The credit notes among `ids` that a cached contact's list holds, from the cache alone (no
    Xero call): after a webhook's refetch, what it has just put there."""
    wanted = set(ids)
    owner_keys = [_key(connection, CREDIT_NOTES.owner, i) for i in wanted]
    owners = set(map(str, cache.get_plain(owner_keys).values()))
    lists = cache.get_many([_key(connection, CREDIT_NOTES.entry, c) for c in sorted(owners)])
    return [
        note
        for entry in lists.values()
        for note in entry.value.items
        if note.credit_note_id in wanted
    ]


def refetch_credit_notes(connection: XeroConnection, ids: list[str]) -> Refetched:
    """Ask Xero again for the credit notes that changed which a cached contact's list holds (the
    credit-note-owner index), one call per 50; the others cost no call (see refetch_invoices)."""
    forget_credit_note_details(connection, ids)  # no call: the next opening asks Xero
    due = _owned(connection, ids, CREDIT_NOTES)

    def fetch(batch: list[str]) -> int:
        found = client.list_credit_notes(connection, ids=batch)
        remember_credit_notes(connection, found)
        return len(found)

    return _refetch(len(ids), due, fetch)


# ------------------------------------------------------------- one invoice or credit note in full
# (issue 13: the invoice inside the CRM). Kept fresh by invalidation, not refetching: a webhook
# or a write through the app drops the entry (no call), the next opening fetches it.


def _detail_key(connection: XeroConnection, kind: str, ident: str) -> str:
    return _key(connection, kind, xero_id(ident) or ident)


def invoice_detail(
    connection: XeroConnection, invoice_id: str, *, refresh: bool = False
) -> Cached[Invoice]:
    """One invoice or bill in full (GET /Invoices/{id}: lines, payments, credits applied), from
    the cache when fresh; XeroError code "not_found" when Xero has none."""
    return cache.load(
        _detail_key(connection, "invoice-detail", invoice_id),
        lambda _previous: client.get_invoice(connection, invoice_id),
        refresh=refresh,
    )


def credit_note_detail(
    connection: XeroConnection, credit_note_id: str, *, refresh: bool = False
) -> Cached[CreditNote]:
    """One credit note in full (GET /CreditNotes/{id}: lines, allocations, refunds), from the
    cache when fresh; XeroError code "not_found" when Xero has none."""
    return cache.load(
        _detail_key(connection, "credit-note-detail", credit_note_id),
        lambda _previous: client.get_credit_note(connection, credit_note_id),
        refresh=refresh,
    )


def invoice_pdf(connection: XeroConnection, invoice_id: str) -> bytes:
    """The invoice's or bill's PDF as Xero renders it: asked of Xero each time, never stored."""
    return client.get_invoice_pdf(connection, invoice_id)


def online_invoice_url(connection: XeroConnection, invoice_id: str) -> str:
    """The online invoice link of an AUTHORISED or PAID sales invoice, asked of Xero each time
    (XeroError code "validation", in Xero's words, for the others)."""
    return client.get_online_invoice_url(connection, invoice_id)


def forget_invoice_details(connection: XeroConnection, ids: Iterable[str]) -> None:
    """Drop the cached full invoices (and bills) with these ids: they changed in Xero."""
    cache.invalidate([_detail_key(connection, "invoice-detail", i) for i in ids])


def forget_credit_note_details(connection: XeroConnection, ids: Iterable[str]) -> None:
    """Drop the cached full credit notes with these ids: they changed in Xero."""
    cache.invalidate([_detail_key(connection, "credit-note-detail", i) for i in ids])


# ------------------------------------------------ issue 13: reference data for invoice drafts


def _reference_fresh(entry: Cached[ReferenceData] | None) -> bool:
    return (
        entry is not None
        and entry.problem is None
        and time.time() - entry.checked_at < settings.XERO_REFERENCE_TTL
    )


def reference_data(connection: XeroConnection, *, refresh: bool = False) -> ReferenceData:
    """The organisation's items, accounts, tax rates, tracking categories, branding themes,
    currencies and payment terms: cached per connection, fresh for XERO_REFERENCE_TTL seconds;
    when due, the seven reads are made at once (single-flight across processes)."""
    key = _key(connection, "reference-data")
    entry: Cached[ReferenceData] | None = cache.get(key)
    if not refresh and entry is not None and _reference_fresh(entry):
        return entry.value

    def fetch(_previous: Cached[ReferenceData] | None) -> ReferenceData:
        fresh = tokens.fresh_connection(connection)  # once, not in each thread
        calls: list[Callable[[], Any]] = [
            lambda: client.list_items(fresh),
            lambda: client.list_accounts(fresh),
            lambda: client.list_tax_rates(fresh),
            lambda: client.list_tracking_categories(fresh),
            lambda: client.list_branding_themes(fresh),
            lambda: client.list_currencies(fresh),
            lambda: client.get_invoice_settings(fresh),
        ]
        items, accounts, rates, categories, themes, currencies, settings_ = parallel(
            calls, workers=len(calls)
        )
        base_currency, payment_term = settings_
        return ReferenceData(
            items=tuple(items),
            accounts=tuple(accounts),
            tax_rates=tuple(rates),
            tracking_categories=tuple(categories),
            branding_themes=tuple(themes),
            currencies=tuple(currencies),
            base_currency=base_currency or connection.base_currency,
            payment_term=payment_term,
        )

    # refresh=True: the entry's freshness is XERO_REFERENCE_TTL, not the cache's own TTL.
    loaded: Cached[ReferenceData] = cache.load(key, fetch, refresh=True)
    data: ReferenceData = loaded.value
    return data


def cached_contact(connection: XeroConnection, contact_id: str) -> Contact | None:
    """The contact as last cached (fresh or not), without asking Xero; None when not cached."""
    entry = cache.get(_key(connection, "contact", contact_id))
    return entry.value if entry is not None else None
