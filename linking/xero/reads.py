"""Xero reads answered from the cache when fresh, else fetched (at once, single-flight) and stored.

What is cached, per tenant:
- `contact:{id}`: the contact (Contact);
- `contact-invoices:{id}`: all its invoices and bills, without line items (ContactInvoices),
  refreshed with If-Modified-Since and fetched whole again once a day (XERO_CACHE_KEEP);
- `invoice:{id}`: one invoice or bill, or None when Xero has no such item (deal tabs);
- `invoice-owner:{id}`: the contact whose cached list holds the invoice, so that an invoice moved
  to another contact in Xero leaves the first one's list when its webhook comes;
- `search:{generation}:{term}`: the contacts a search term finds; a contact webhook or a contact
  written through the app starts a new generation;
- `invoices-changed`: when a webhook last named invoices of no cached list (new ones, or others'):
  a contact's list cached before then asks Xero for what changed at its next opening.
The organisation (base currency, short code) is kept on the XeroConnection row itself.
Writes through the app and webhook events update these entries at once (remember_*, refetch_*).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from django.conf import settings

from linking.models import XeroConnection
from linking.xero import cache, client, tokens
from linking.xero.cache import Cached
from linking.xero.errors import XeroError
from linking.xero.types import Contact, Invoice

IDS_PER_CALL = 50  # Xero takes about 50 ids in one IDs filter
# If-Modified-Since is compared with Xero's clock, not ours: ask again for a margin before.
CLOCK_MARGIN = 60  # seconds


@dataclass(frozen=True)
class ContactInvoices:
    """A contact's invoices and bills, and when they were last fetched whole."""

    items: tuple[Invoice, ...]
    full_at: float

    def merged(self, changed: Iterable[Invoice]) -> ContactInvoices:
        """These items with the changed ones added or replacing theirs (unless older)."""
        by_id = {item.invoice_id: item for item in self.items}
        for item in changed:
            kept = by_id.get(item.invoice_id)
            if kept is None or not _older(item, kept):
                by_id[item.invoice_id] = item
        return ContactInvoices(tuple(by_id.values()), self.full_at)

    def without(self, invoice_ids: Iterable[str]) -> ContactInvoices:
        """These items but those (moved to another contact in Xero)."""
        gone = set(invoice_ids)
        return ContactInvoices(
            tuple(i for i in self.items if i.invoice_id not in gone), self.full_at
        )


_INDEX_WRITER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="xero-invoice-owners")


def _owned_by(connection: XeroConnection, contact_id: str, items: Iterable[Invoice]) -> None:
    cache.put_plain({_key(connection, "invoice-owner", i.invoice_id): contact_id for i in items})


def _older(item: Invoice, than: Invoice) -> bool:
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

    def fetch(previous: Cached[ContactInvoices] | None) -> ContactInvoices:
        full_due = (
            previous is None or time.time() - previous.value.full_at >= settings.XERO_CACHE_KEEP
        )
        if full_due:
            started = time.time()
            items = client.list_invoices(connection, contact_ids=[contact_id])
            # Thousands of index entries: written beside the render, not before it.
            cache.write_behind(_owned_by, connection, contact_id, items)
            return ContactInvoices(tuple(items), started)
        since = datetime.fromtimestamp(previous.checked_at - CLOCK_MARGIN, UTC)
        # https://developer.xero.com/documentation/api/accounting/requests-and-responses#http-headers
        changed = client.list_invoices(connection, contact_ids=[contact_id], modified_since=since)
        _owned_by(connection, contact_id, changed)
        return previous.value.merged(changed)

    list_key = _key(connection, "contact-invoices", contact_id)
    changed_at = None if refresh else _invoices_changed_at(connection)
    if changed_at is not None and _missing_new_invoices(cache.get(list_key), changed_at):
        # Fresh, but a webhook since named invoices of no cached list: ask what changed.
        return cache.load(list_key, lambda _none: fetch(cache.get(list_key)), refresh=True)
    return cache.load(list_key, fetch, refresh=refresh)


def _invoices_changed_at(connection: XeroConnection) -> float | None:
    """When a webhook last named invoices of no cached list (see refetch_invoices)."""
    mark = _key(connection, "invoices-changed")
    return cache.get_plain([mark]).get(mark)


def _missing_new_invoices(entry: Cached | None, changed_at: float | None) -> bool:
    """Whether a fresh cached list predates a webhook naming invoices of no cached list."""
    if entry is None or entry.stale or changed_at is None:
        return False  # fetched anyway, or nothing to miss
    return entry.checked_at < changed_at


def contact_account(
    connection: XeroConnection, contact_id: str, *, refresh: bool = False
) -> tuple[Cached[Contact], Cached[ContactInvoices]]:
    """The contact and its invoices and bills, fetched at once when not cached."""
    if not refresh:
        keys = [
            _key(connection, "contact", contact_id),
            _key(connection, "contact-invoices", contact_id),
        ]
        warm = cache.get_many(keys)
        if (
            len(warm) == 2
            and not any(entry.stale for entry in warm.values())
            and not _missing_new_invoices(warm[keys[1]], _invoices_changed_at(connection))
        ):
            return warm[keys[0]], warm[keys[1]]
    connection = tokens.fresh_connection(connection)  # once, not in each thread
    found, items = client.parallel(
        [
            lambda: contact(connection, contact_id, refresh=refresh),
            lambda: contact_invoices(connection, contact_id, refresh=refresh),
        ]
    )
    return found, items


def search_contacts(connection: XeroConnection, term: str) -> list[Contact]:
    """Contacts whose name, names, number or email contain the term."""
    generation = cache.generation(connection.tenant_id, "contacts")
    digest = hashlib.sha1(term.casefold().encode()).hexdigest()
    entry = cache.load(
        _key(connection, f"search:{generation}", digest),
        lambda _previous: client.search_contacts(connection, search_term=term),
    )
    return entry.value


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
    results = client.parallel(
        [lambda batch=batch: client.list_invoices(connection, ids=batch) for batch in batches]
    )
    found = {item.invoice_id: item for batch in results for item in batch}
    answer = {invoice_id: found.get(invoice_id) for invoice_id in ids}
    cache.put_many({_key(connection, "invoice", i): item for i, item in answer.items()})
    return answer


# Writes made through the app, and webhook events: update the entries they touch.


def remember_contact(connection: XeroConnection, found: Contact, *, new: bool = False) -> None:
    """A contact as Xero just answered it; a new one has no invoices yet."""
    now = time.time()
    cache.update(_key(connection, "contact", found.contact_id), lambda _entry: Cached(found, now))
    if new:
        cache.update(
            _key(connection, "contact-invoices", found.contact_id),
            lambda _entry: Cached(ContactInvoices((), now), now),
        )
    cache.next_generation(connection.tenant_id, "contacts")


def remember_invoices(connection: XeroConnection, found: Iterable[Invoice]) -> None:
    """Invoices or bills as Xero just answered them: their own entries and their contact's list."""
    found = list(found)
    cache.put_many({_key(connection, "invoice", i.invoice_id): i for i in found})
    owners = cache.get_plain([_key(connection, "invoice-owner", i.invoice_id) for i in found])
    by_contact: dict[str, list[Invoice]] = {}
    moved: dict[str, list[str]] = {}
    for item in found:
        by_contact.setdefault(item.contact_id, []).append(item)
        owner = owners.get(_key(connection, "invoice-owner", item.invoice_id))
        if owner and owner != item.contact_id:
            moved.setdefault(owner, []).append(item.invoice_id)
    for contact_id, gone in moved.items():

        def drop(entry: Cached[ContactInvoices] | None, gone=gone):
            return replace(entry, value=entry.value.without(gone)) if entry else None

        cache.update(_key(connection, "contact-invoices", contact_id), drop)
    for contact_id, changed in by_contact.items():

        def merge(entry: Cached[ContactInvoices] | None, changed=changed):
            # The list keeps its own freshness: these items are new, the rest are as they were.
            return replace(entry, value=entry.value.merged(changed)) if entry else None

        cache.update(_key(connection, "contact-invoices", contact_id), merge)
        _owned_by(connection, contact_id, changed)


@dataclass(frozen=True)
class Refetched:
    """What asking Xero again for records a webhook named came to."""

    fetched: int = 0  # records Xero answered with, now in the cache
    skipped: int = 0  # ids of nothing the CRM keeps: no call made
    left: tuple[str, ...] = ()  # ids not asked for, because of `problem`
    problem: XeroError | None = None


def _batches(ids: list[str]) -> list[list[str]]:
    return [ids[n : n + IDS_PER_CALL] for n in range(0, len(ids), IDS_PER_CALL)]


def refetch_contacts(connection: XeroConnection, ids: list[str]) -> Refetched:
    """Ask Xero again for the cached ones of contacts that changed (a webhook said so), one call
    per 50; searches start afresh. Uncached contacts cost no call (their next opening fetches)."""
    keys = {contact_id: _key(connection, "contact", contact_id) for contact_id in ids}
    cached = cache.get_many(list(keys.values()))
    due = [contact_id for contact_id in ids if keys[contact_id] in cached]
    cache.next_generation(connection.tenant_id, "contacts")  # a new contact may match a search
    fetched = 0
    for n, batch in enumerate(_batches(due)):
        try:
            fresh = client.search_contacts(connection, ids=batch, include_archived=True)
        except XeroError as exc:
            left = tuple(due[n * IDS_PER_CALL :])
            return Refetched(fetched, len(ids) - len(due), left, exc)
        cache.put_many({keys[c.contact_id]: c for c in fresh if c.contact_id in keys})
        fetched += len(fresh)
    return Refetched(fetched, len(ids) - len(due))


def refetch_invoices(connection: XeroConnection, ids: list[str]) -> Refetched:
    """Ask Xero again for the invoices and bills that changed which the CRM keeps: cached by id
    (a deal tab) or in a cached contact's list (the invoice-owner index); one call per 50, one
    batch after another. The others cost no call: they are new, or of contacts nobody opened, so
    the cached lists ask Xero for what changed at their next opening instead."""
    item_keys = {i: _key(connection, "invoice", i) for i in ids}
    owner_keys = {i: _key(connection, "invoice-owner", i) for i in ids}
    cached = cache.get_many(list(item_keys.values()))
    owned = cache.get_plain(list(owner_keys.values()))
    due = [i for i in ids if item_keys[i] in cached or owner_keys[i] in owned]
    if len(due) < len(ids):
        cache.put_plain({_key(connection, "invoices-changed"): time.time()})
    fetched = 0
    for n, batch in enumerate(_batches(due)):
        try:
            answer = _fetch_items(connection, batch)
        except XeroError as exc:
            left = tuple(due[n * IDS_PER_CALL :])
            return Refetched(fetched, len(ids) - len(due), left, exc)
        found = [item for item in answer.values() if item is not None]
        remember_invoices(connection, found)
        fetched += len(found)
    return Refetched(fetched, len(ids) - len(due))
