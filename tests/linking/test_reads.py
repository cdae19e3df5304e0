"""Cached Xero reads against the sandbox: how many calls a tab costs, cold and warm; refreshing
only what changed (If-Modified-Since) and the whole list once a day; the last known data when Xero
cannot be asked now; Refresh; writes that update the cache at once; and the deal tab.

Expected figures are computed from the sandbox's own rows (sandbox.models), never from the CRM's
selectors. What Xero was asked is seen on the wire: `wire` records every Accounting request as the
sandbox received it.
"""

from __future__ import annotations

import html
import math
import re
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from unittest import mock
from urllib.parse import parse_qs

import pytest
from django.test import Client
from django.utils import timezone
from time_machine import escape_hatch

from crm_xero.crm.models import Opportunity, Organization
from linking.models import XeroConnection, XeroLink
from linking.xero import cache as xero_cache
from linking.xero import reads, tokens
from sandbox import seed
from sandbox.models import Contact as XeroContact
from sandbox.models import CreditNote as XeroCreditNote
from sandbox.models import Invoice as XeroInvoice
from sandbox.models import Organisation as XeroOrganisation
from tests.factories import OpportunityFactory, OrganizationFactory, XeroLinkFactory
from tests.sessions import sign_in_with_sso

AU = seed.AU_TENANT_ID
API = "/api.xro/2.0"
STATUS_WORDS = {
    "DRAFT": "Draft",
    "SUBMITTED": "Awaiting approval",
    "AUTHORISED": "Awaiting payment",
    "PAID": "Paid",
}
BUSY = re.compile(r"Xero is busy — try again in (\d+) seconds?\.")


# ------------------------------------------------------------------------------------ fixtures


@pytest.fixture
def connection(sandbox_connection) -> XeroConnection:
    """The CRM connected to the sandbox's Demo Company (AU) through its own code exchange."""
    return sandbox_connection


@pytest.fixture
def user_client(sso_user) -> Client:
    client = Client()
    sign_in_with_sso(client, sso_user)
    return client


@dataclass(frozen=True)
class Seen:
    """One Accounting request as the sandbox received it."""

    method: str
    path: str
    query: dict[str, list[str]]
    if_modified_since: str | None
    started: float  # time.monotonic() when it arrived
    ended: float  # ... and when its answer was ready


class Wire(list[Seen]):
    """The Accounting requests the sandbox received since the fixture began (or `clear()`)."""

    def gets(self) -> list[Seen]:
        return [r for r in self if r.method == "GET"]

    def to(self, path: str) -> list[Seen]:
        return [r for r in self if r.path == f"{API}{path}"]


@pytest.fixture
def wire(xero_sandbox, sandbox_server, monkeypatch) -> Wire:
    """Record every Accounting request the in-process sandbox serves during the test."""
    httpd = sandbox_server.thread.httpd
    serve = httpd.get_app()
    seen = Wire()
    lock = threading.Lock()

    def recording(environ, start_response):
        started = time.monotonic()
        answer = serve(environ, start_response)
        path = environ.get("PATH_INFO", "")
        if path.startswith(API):
            request = Seen(
                method=environ["REQUEST_METHOD"],
                path=path,
                query=parse_qs(environ.get("QUERY_STRING", "")),
                if_modified_since=environ.get("HTTP_IF_MODIFIED_SINCE"),
                started=started,
                ended=time.monotonic(),
            )
            with lock:
                seen.append(request)
        return answer

    monkeypatch.setattr(httpd, "application", recording)
    return seen


class ShiftedClock:
    """time-machine's clock, `offset` seconds ahead of the real one (and ticking)."""

    def __init__(self, time_machine) -> None:
        self.time_machine = time_machine
        self._offset = 0.0

    @property
    def offset(self) -> float:
        return self._offset

    @offset.setter
    def offset(self, seconds: float) -> None:
        self._offset = seconds
        real = escape_hatch.time.time() if escape_hatch.is_travelling() else time.time()
        self.time_machine.move_to(real + seconds, tick=True)


@pytest.fixture
def clock(time_machine) -> ShiftedClock:
    """Move time forward (entries' ages and the daily full fetch): for the whole process, the
    in-process sandbox included, which therefore sees the connection's tokens age too."""
    return ShiftedClock(time_machine)


# ------------------------------------------------------------------------------------- helpers


def xero_contact(name: str) -> XeroContact:
    return XeroContact.objects.get(organisation__organisation_id=AU, name=name)


def rows_of(contact: XeroContact) -> list[XeroInvoice]:
    return list(XeroInvoice.objects.filter(contact=contact))


def credit_notes_of(contact: XeroContact) -> dict[str, tuple[str, str, Decimal, Decimal]]:
    """The contact's credit notes in the sandbox, by id: type, status, total, remaining credit."""
    return {
        str(n.credit_note_id): (n.type, n.status, n.total, n.remaining_credit)
        for n in XeroCreditNote.objects.filter(contact=contact)
    }


def credit_notes_seen(notes) -> dict[str, tuple[str, str, Decimal, Decimal]]:
    return {n.credit_note_id: (n.type, n.status, n.total, n.remaining_credit) for n in notes}


def a_contact_with_credit_notes() -> XeroContact:
    note = XeroCreditNote.objects.filter(organisation__organisation_id=AU).order_by("pk").first()
    assert note is not None, "the seed raises credit notes for the demo's customers"
    return note.contact


def link(record, connection: XeroConnection, contact: XeroContact) -> XeroLink:
    """A link as Add Link leaves it."""
    return XeroLinkFactory(
        record=record,
        tenant_id=connection.tenant_id,
        xero_type=XeroLink.XeroType.CONTACT,
        xero_id=contact.contact_id,
        xero_name=contact.name,
    )


def item_link(record, connection: XeroConnection, item: XeroInvoice) -> XeroLink:
    """An invoice link as Link leaves it."""
    return XeroLinkFactory(
        record=record,
        tenant_id=connection.tenant_id,
        xero_type=XeroLink.XeroType.INVOICE,
        xero_id=item.invoice_id,
        xero_name=item.number or item.reference,
    )


def linked_org(connection: XeroConnection, name: str) -> tuple[Organization, XeroContact]:
    contact = xero_contact(name)
    org = OrganizationFactory(name=f"{name} (CRM)")
    link(org, connection, contact)
    return org, contact


def tab_url(record) -> str:
    return f"/xero/tab/{record._meta.model_name}/{record.pk}/"


def open_tab(client: Client, record) -> str:
    response = client.get(tab_url(record))
    assert response.status_code == 200
    return response.content.decode()


def money(value: Decimal) -> str:
    return f"{value:,.2f}"


def base_currency() -> str:
    return XeroOrganisation.objects.get(organisation_id=AU).base_currency


def expected_figures(rows: list[XeroInvoice], *, deal: bool = False) -> dict:
    """The tab's figures from the sandbox's rows, by the rules the tab states."""
    base = base_currency()
    today = timezone.localdate()

    def total(kind: str, statuses: set[str], since: date | None = None) -> Decimal:
        return sum(
            (
                r.total
                for r in rows
                if r.currency == base
                and r.type == kind
                and r.status in statuses
                and (since is None or since <= r.date <= today)
            ),
            Decimal("0.00"),
        )

    def breakdown(kind: str) -> list[tuple[str, str, str]]:
        lines = []
        for status, words in STATUS_WORDS.items():
            mine = [r for r in rows if r.currency == base and r.type == kind and r.status == status]
            amount = sum((r.total for r in mine), Decimal("0.00"))
            lines.append((words, str(len(mine)), f"{base} {money(amount)}"))
        return lines

    invoices = total("ACCREC", {"AUTHORISED", "SUBMITTED"})
    bills = total("ACCPAY", {"SUBMITTED"})
    if deal:
        return {
            "xero-invoices-total": f"{base} {money(invoices)}",
            "xero-bills-total": f"{base} {money(bills)}",
            "xero-net": f"{base} {money(invoices - bills)}",
            "count": len(rows),
        }
    lifetime = total("ACCREC", {"AUTHORISED", "PAID"})
    last_year = total("ACCREC", {"AUTHORISED", "PAID"}, since=today - timedelta(days=364))
    return {
        "xero-invoices-total": f"{base} {money(invoices)}",
        "xero-bills-total": f"{base} {money(bills)}",
        "xero-lifetime-value": f"{base} {money(lifetime)}",
        "xero-12-month-value": f"{base} {money(last_year)}",
        "xero-invoice-breakdown": breakdown("ACCREC"),
        "xero-bill-breakdown": breakdown("ACCPAY"),
        # The list shows the contact's credit notes beside its invoices and bills (issue 12).
        "count": len(rows)
        + XeroCreditNote.objects.filter(contact_id__in={r.contact_id for r in rows}).count(),
    }


def shown_figures(html: str) -> dict:
    """The same figures as the tab's HTML shows them."""
    shown: dict = {}
    for testid in (
        "xero-invoices-total",
        "xero-bills-total",
        "xero-net",
        "xero-lifetime-value",
        "xero-12-month-value",
    ):
        found = re.search(rf'data-testid="{testid}">([^<]*)<', html)
        if found:
            shown[testid] = found.group(1)
    for testid in ("xero-invoice-breakdown", "xero-bill-breakdown"):
        table = re.search(rf'data-testid="{testid}">(.*?)</table>', html, re.S)
        if table:
            shown[testid] = re.findall(
                r'<th scope="row">([^<]+)</th><td class="num">(\d+)</td>'
                r'<td class="num">([^<]+)</td>',
                table.group(1),
            )
    pager = re.search(r"<span>[\d,]+\u2013[\d,]+ of ([\d,]+)</span>", html)
    shown["count"] = int(pager.group(1).replace(",", "")) if pager else 0
    return shown


def text_of(html: str, testid: str) -> str | None:
    """The text of the element with this test id (inside its first child, if it has one)."""
    found = re.search(rf'data-testid="{testid}"[^>]*>(?:\s*<[a-z]+[^>]*>)*([^<]*)<', html)
    return " ".join(found.group(1).split()) if found else None


# ------------------------------------------------------------------- cold and warm contact tabs


def test_a_cold_tab_asks_xero_for_the_contact_its_invoices_and_credit_notes_and_nothing_else(
    connection, xero_sandbox, user_client, wire
):
    org, contact = linked_org(connection, "Young Bros Transport")
    before = xero_sandbox.api_calls(AU)

    html = open_tab(user_client, org)

    assert xero_sandbox.api_calls(AU) - before == 3  # issue 12: one more, for the credit notes
    assert sorted(r.path for r in wire) == [
        f"{API}/Contacts/{contact.contact_id}",
        f"{API}/CreditNotes",
        f"{API}/Invoices",
    ]  # the organisation's currency and short code come from the connection row
    (notes,) = wire.to("/CreditNotes")
    assert notes.query["where"] == [f'Contact.ContactID==Guid("{contact.contact_id}")']
    assert shown_figures(html) == expected_figures(rows_of(contact))
    assert text_of(html, "xero-updated") == "Updated just now"


def test_a_warm_tab_makes_no_xero_calls(connection, xero_sandbox, user_client, wire):
    org, contact = linked_org(connection, "Young Bros Transport")
    assert credit_notes_of(contact), "credit notes included: the warm tab shows them too"
    cold = open_tab(user_client, org)
    before = xero_sandbox.api_calls(AU)
    wire.clear()

    warm = open_tab(user_client, org)
    # Another record linked to the same Xero contact shares its cached data.
    other = OrganizationFactory(name="Young Bros Freight")
    link(other, connection, contact)
    shared = open_tab(user_client, other)

    assert xero_sandbox.api_calls(AU) - before == 0
    assert wire == []
    assert shown_figures(warm) == shown_figures(shared) == shown_figures(cold)
    assert shown_figures(warm) == expected_figures(rows_of(contact))


def test_a_cold_tab_fetches_the_contact_its_invoices_and_its_credit_notes_at_once(
    connection, xero_sandbox, user_client, wire
):
    contact = a_contact_with_credit_notes()
    org = OrganizationFactory(name=f"{contact.name} (CRM)")
    link(org, connection, contact)
    xero_sandbox.set_latency(300)

    open_tab(user_client, org)

    assert sorted(r.path for r in wire) == sorted(
        [f"{API}/Contacts/{contact.contact_id}", f"{API}/Invoices", f"{API}/CreditNotes"]
    )
    # All three were in flight together (each waits 300 ms in the sandbox).
    assert max(r.started for r in wire) < min(r.ended for r in wire)
    wire.clear()
    account = reads.contact_account(connection, str(contact.contact_id))
    assert wire == []  # warm: the credit notes too come from the cache
    assert credit_notes_seen(account.credit_notes) == credit_notes_of(contact) != {}
    assert {i.invoice_id for i in account.invoices} == {str(r.invoice_id) for r in rows_of(contact)}
    assert account.contact.name == contact.name and account.problem is None


def test_credit_notes_are_refreshed_by_what_changed_and_fetched_whole_once_a_day(
    connection, xero_sandbox, wire, settings, clock
):
    contact = a_contact_with_credit_notes()
    contact_id = str(contact.contact_id)
    listed = reads.contact_credit_notes(connection, contact_id).value.items
    assert credit_notes_seen(listed) == credit_notes_of(contact)
    (asked,) = wire.to("/CreditNotes")
    assert asked.if_modified_since is None
    assert asked.query["where"] == [f'Contact.ContactID==Guid("{contact_id}")']

    # In Xero: one credit note is voided.
    voided = XeroCreditNote.objects.filter(contact=contact).order_by("pk").first()
    XeroCreditNote.objects.filter(pk=voided.pk).update(status="VOIDED", updated=timezone.now())

    wire.clear()
    clock.offset = settings.XERO_CACHE_TTL + 1  # stale, but the last full fetch is recent
    listed = reads.contact_credit_notes(connection, contact_id).value.items
    (asked,) = wire.to("/CreditNotes")
    assert asked.if_modified_since, "asked for without If-Modified-Since"
    assert credit_notes_seen(listed) == credit_notes_of(contact)
    assert credit_notes_seen(listed)[str(voided.credit_note_id)][1] == "VOIDED"

    # A credit note moves to another contact: only the daily full fetch can tell.
    XeroCreditNote.objects.filter(pk=voided.pk).update(
        contact=xero_contact("Ridgeway Univ."), updated=timezone.now()
    )
    wire.clear()
    clock.offset = settings.XERO_CACHE_KEEP + 1
    listed = reads.contact_credit_notes(connection, contact_id).value.items
    (asked,) = wire.to("/CreditNotes")
    assert asked.if_modified_since is None
    assert credit_notes_seen(listed) == credit_notes_of(contact)
    assert str(voided.credit_note_id) not in credit_notes_seen(listed)


def test_a_cold_tab_checks_the_connections_token_once_for_its_three_calls(
    connection, xero_sandbox, user_client, wire
):
    org, _contact = linked_org(connection, "Young Bros Transport")
    check = tokens._check_readable
    with mock.patch.object(tokens, "_check_readable", autospec=True, side_effect=check) as seen:
        open_tab(user_client, org)
    assert len(wire) == 3
    assert seen.call_count == 1


@pytest.mark.sandbox_invoices(3000)
def test_three_thousand_invoices_come_in_three_pages_fetched_at_once_and_all_count(
    connection, xero_sandbox, user_client, wire
):
    org, city = linked_org(connection, seed.BIG_CUSTOMER_NAME)
    rows = rows_of(city)
    assert len(rows) == 3000
    xero_sandbox.set_latency(300)
    before = xero_sandbox.api_calls(AU)

    html = open_tab(user_client, org)

    # The contact, 3 pages of 1,000 and (issue 12) the credit notes.
    assert xero_sandbox.api_calls(AU) - before == 5
    pages = wire.to("/Invoices")
    assert sorted(int(r.query["page"][0]) for r in pages) == [1, 2, 3]
    assert {r.query["pageSize"][0] for r in pages} == {"1000"}
    # Pages 2 and 3 were in flight together (each waits 300 ms in the sandbox).
    second, third = sorted((r for r in pages if r.query["page"] != ["1"]), key=lambda r: r.started)
    assert third.started < second.ended
    assert xero_sandbox.peak_concurrency(AU) >= 2
    shown = shown_figures(html)
    assert shown == expected_figures(rows)
    # Every invoice and bill, and beside them the contact's credit notes.
    listed = 3000 + XeroCreditNote.objects.filter(contact=city).count()
    assert shown["count"] == listed
    assert f"1\N{EN DASH}25 of {listed:,}" in html


# --------------------------------------------------------------- refreshing only what changed


def test_a_stale_list_asks_only_for_what_changed_and_merges_it(
    connection, xero_sandbox, user_client, wire, settings
):
    org, contact = linked_org(connection, "Young Bros Transport")
    fetched_at = datetime.now(UTC)
    open_tab(user_client, org)
    cached_before = {
        i.invoice_id: i
        for i in reads.contact_invoices(connection, str(contact.contact_id)).value.items
    }
    assert len(cached_before) == len(rows_of(contact))

    # Xero changes: one invoice is paid, and a new one is raised for the contact.
    changed = XeroInvoice.objects.filter(
        contact=contact, type="ACCREC", status="AUTHORISED", currency=base_currency()
    ).first()
    assert changed is not None
    changed_at = timezone.now()
    changed.status, changed.amount_paid, changed.amount_due = "PAID", changed.total, Decimal(0)
    changed.updated = changed_at
    changed.save()
    new = XeroInvoice.objects.get(pk=changed.pk)
    new.pk, new.invoice_id, new.number = None, uuid.uuid4(), "INV-NEW-1"
    new.status, new.amount_paid, new.amount_due = "AUTHORISED", Decimal(0), new.total
    new.date, new.updated = timezone.localdate(), changed_at
    new.save()

    settings.XERO_CACHE_TTL = 0  # everything cached is stale now
    before = xero_sandbox.api_calls(AU)
    wire.clear()
    html = open_tab(user_client, org)

    # The contact, the invoices' changes and (issue 12) the credit notes' changes.
    assert xero_sandbox.api_calls(AU) - before == 3
    (asked,) = wire.to("/Invoices")
    assert asked.if_modified_since, "the invoices were asked for without If-Modified-Since"
    since = datetime.fromisoformat(asked.if_modified_since.replace("Z", "+00:00"))
    since = since if since.tzinfo else since.replace(tzinfo=UTC)
    assert fetched_at - timedelta(minutes=5) < since < changed_at
    assert asked.query["ContactIDs"] == [str(contact.contact_id)]
    assert shown_figures(html) == expected_figures(rows_of(contact))

    settings.XERO_CACHE_TTL = 600
    calls = xero_sandbox.api_calls(AU)
    merged = {
        i.invoice_id: i
        for i in reads.contact_invoices(connection, str(contact.contact_id)).value.items
    }
    assert xero_sandbox.api_calls(AU) == calls  # fresh again: answered from the cache
    assert len(merged) == len(cached_before) + 1
    assert merged[str(new.invoice_id)].number == "INV-NEW-1"
    assert merged[str(changed.invoice_id)].status == "PAID"
    assert merged[str(changed.invoice_id)].amount_due == Decimal("0")
    untouched = set(cached_before) - {str(changed.invoice_id)}
    assert {k: merged[k] for k in untouched} == {k: cached_before[k] for k in untouched}


def test_once_a_day_the_whole_list_is_fetched_again(
    connection, xero_sandbox, wire, settings, clock
):
    contact = xero_contact("Young Bros Transport")
    contact_id = str(contact.contact_id)
    assert len(reads.contact_invoices(connection, contact_id).value.items) == len(rows_of(contact))
    assert [r.if_modified_since for r in wire.to("/Invoices")] == [None]

    # An invoice moves to another contact: a list of what changed for this contact cannot say so.
    moved = rows_of(contact)[0]
    moved.contact = xero_contact("Ridgeway Univ.")
    moved.updated = timezone.now()
    moved.save()

    wire.clear()
    clock.offset = settings.XERO_CACHE_TTL + 1  # stale, but the last full fetch is recent
    listed = reads.contact_invoices(connection, contact_id).value.items
    (asked,) = wire.to("/Invoices")
    assert asked.if_modified_since
    assert str(moved.invoice_id) in {i.invoice_id for i in listed}

    wire.clear()
    clock.offset = settings.XERO_CACHE_KEEP + 1  # a day after the last full fetch
    listed = reads.contact_invoices(connection, contact_id).value.items
    (asked,) = wire.to("/Invoices")
    assert asked.if_modified_since is None
    assert sorted(i.invoice_id for i in listed) == sorted(
        str(r.invoice_id) for r in rows_of(contact)
    )
    assert str(moved.invoice_id) not in {i.invoice_id for i in listed}


# ---------------------------------------------------------------- when Xero cannot be asked now


def _exhaust(how: str, xero_sandbox, settings) -> None:
    """Leave no room for a Xero call now: our own minute budget, or Xero's (a real 429)."""
    if how == "budget":
        settings.XERO_RATE_PER_MINUTE = 1
    else:
        xero_sandbox.set_rate_limits(minute=xero_sandbox.api_calls(AU))


@pytest.mark.parametrize("how", ["budget", "xero-429"])
def test_a_stale_tab_shows_the_last_known_figures_when_xero_is_busy(
    connection, xero_sandbox, user_client, settings, how
):
    org, contact = linked_org(connection, "Young Bros Transport")
    expected = expected_figures(rows_of(contact))
    open_tab(user_client, org)
    # Xero changes after that; the tab cannot know yet.
    XeroInvoice.objects.filter(contact=contact, type="ACCREC").update(
        status="PAID", updated=timezone.now()
    )
    assert expected_figures(rows_of(contact)) != expected
    settings.XERO_CACHE_TTL = 0
    _exhaust(how, xero_sandbox, settings)
    before = xero_sandbox.api_calls(AU)

    response = user_client.get(tab_url(org))

    assert response.status_code == 200
    html = response.content.decode()
    assert shown_figures(html) == expected
    stale = text_of(html, "xero-stale")
    assert stale is not None and stale.startswith("Showing what Xero said just now: ")
    assert BUSY.search(stale), stale
    assert 1 <= int(BUSY.search(stale).group(1)) <= 61
    assert text_of(html, "xero-error") is None
    if how == "budget":
        assert xero_sandbox.api_calls(AU) == before  # refused before asking Xero


@pytest.mark.parametrize("how", ["budget", "xero-429"])
def test_with_nothing_cached_a_busy_xero_is_a_message_in_the_tab(
    connection, xero_sandbox, user_client, settings, how
):
    org, _ = linked_org(connection, "Young Bros Transport")
    _exhaust(how, xero_sandbox, settings)

    response = user_client.get(tab_url(org))

    assert response.status_code == 200
    html = response.content.decode()
    error = text_of(html, "xero-error")
    assert error is not None and BUSY.fullmatch(error), error
    assert 'data-testid="xero-panel"' in html
    assert text_of(html, "xero-stale") is None


# ---------------------------------------------------------------------------------- Refresh


def test_refresh_asks_xero_again_even_when_the_tab_is_fresh(
    connection, xero_sandbox, user_client, wire
):
    org, contact = linked_org(connection, "Young Bros Transport")
    open_tab(user_client, org)
    # Five minutes later (still fresh), Xero has changed.
    for kind in ("contact", "contact-invoices"):
        key = xero_cache.key(connection.tenant_id, kind, contact.contact_id)
        entry = xero_cache.get(key)
        xero_cache.put(key, entry.value, checked_at=entry.checked_at - 300)
    XeroInvoice.objects.filter(contact=contact).update(status="PAID", updated=timezone.now())
    XeroContact.objects.filter(pk=contact.pk).update(email="paid-up@youngbros.com.au")
    before = xero_sandbox.api_calls(AU)

    fresh = open_tab(user_client, org)
    assert xero_sandbox.api_calls(AU) == before
    assert text_of(fresh, "xero-updated") == "Updated 5 minutes ago"
    assert "paid-up@youngbros.com.au" not in fresh

    wire.clear()
    response = user_client.post(f"{tab_url(org)}refresh")

    assert response.status_code == 200
    html = response.content.decode()
    assert xero_sandbox.api_calls(AU) - before == 3  # issue 12: and the credit notes
    assert [r.if_modified_since for r in wire.to("/Invoices")] == [None]  # the whole list
    assert [r.if_modified_since for r in wire.to("/CreditNotes")] == [None]
    assert text_of(html, "xero-updated") == "Updated just now"
    assert "paid-up@youngbros.com.au" in html
    assert shown_figures(html) == expected_figures(rows_of(contact))


# ------------------------------------------------------------------ writes update the cache


def test_an_invoice_draft_created_in_the_tab_is_shown_without_asking_xero_again(
    connection, xero_sandbox, user_client, wire
):
    org, contact = linked_org(connection, "Young Bros Transport")
    open_tab(user_client, org)
    assert user_client.get(f"{tab_url(org)}invoice").status_code == 200  # the form
    today = timezone.localdate()
    wire.clear()

    response = user_client.post(
        f"{tab_url(org)}invoice",
        {
            "token": uuid.uuid4().hex,
            "date": today.isoformat(),
            "due_date": (today + timedelta(days=30)).isoformat(),
            "reference": "Cache write-through",
            "currency": "AUD",
            "lines-TOTAL_FORMS": "1",
            "lines-INITIAL_FORMS": "0",
            "lines-MIN_NUM_FORMS": "1",
            "lines-MAX_NUM_FORMS": "1000",
            "lines-0-description": "Freight audit",
            "lines-0-quantity": "2",
            "lines-0-unit_price": "250.00",
            "lines-0-account_code": "200",
        },
    )

    assert response.status_code == 200
    html = response.content.decode()
    draft = XeroInvoice.objects.get(contact=contact, reference="Cache write-through")
    assert draft.status == "DRAFT"
    assert [(r.method, r.path) for r in wire] == [("PUT", f"{API}/Invoices")]
    assert "Cache write-through" in html
    assert shown_figures(html) == expected_figures(rows_of(contact))

    wire.clear()
    again = open_tab(user_client, org)
    assert wire == []
    assert "Cache write-through" in again
    assert shown_figures(again) == expected_figures(rows_of(contact))


def test_a_new_xero_contact_is_shown_without_asking_xero_for_it(
    connection, xero_sandbox, user_client, wire
):
    org = OrganizationFactory(name="Cachewell Logistics")
    response = user_client.post(f"{tab_url(org)}new-contact", {"token": uuid.uuid4().hex})

    assert response.status_code == 200
    html = response.content.decode()
    assert "Created Cachewell Logistics in Xero and linked it." in html
    assert xero_contact("Cachewell Logistics")  # made in Xero
    assert wire.gets() == []
    assert [(r.method, r.path) for r in wire] == [("PUT", f"{API}/Contacts")]
    assert shown_figures(html)["xero-invoices-total"] == "AUD 0.00"
    assert 'data-testid="xero-no-items"' in html

    wire.clear()
    again = open_tab(user_client, org)
    assert wire == []
    assert "Xero contact: Cachewell Logistics" in again


def test_details_copied_to_xero_are_in_the_cached_contact_at_once(
    connection, xero_sandbox, user_client, wire
):
    # Xero has an email for this contact, but no phone and no address; the CRM has both.
    org, contact = linked_org(connection, 'The "Quoted" Company Pty Ltd')
    org.phone, org.city, org.country = "+61 2 9000 0000", "Sydney", "Australia"
    org.save()
    before = open_tab(user_client, org)
    assert "+61 2 9000 0000" not in before
    wire.clear()

    response = user_client.post(f"{tab_url(org)}copy-to-xero")

    assert response.status_code == 200
    html = response.content.decode()
    document = XeroContact.objects.get(pk=contact.pk).document
    assert any(p.get("PhoneNumber") == "+61 2 9000 0000" for p in document["Phones"])
    assert [(r.method, r.path) for r in wire] == [
        ("GET", f"{API}/Contacts/{contact.contact_id}"),
        ("POST", f"{API}/Contacts/{contact.contact_id}"),
    ]
    assert "+61 2 9000 0000" in html and "Sydney" in html
    cached = reads.contact(connection, str(contact.contact_id)).value
    assert "+61 2 9000 0000" in [p.number for p in cached.phones]
    assert [a.city for a in cached.addresses] == ["Sydney"]

    wire.clear()
    again = open_tab(user_client, org)
    assert wire == []
    assert "+61 2 9000 0000" in again and "Sydney" in again


# ----------------------------------------------------------------------------------- deal tab


def _deal_with_city_agency_invoices(connection) -> tuple[Opportunity, list[XeroInvoice]]:
    city = xero_contact(seed.BIG_CUSTOMER_NAME)
    opportunity = OpportunityFactory(name="Cache deal")
    rows = sorted(rows_of(city), key=lambda r: r.number)
    for row in rows:
        item_link(opportunity, connection, row)
    return opportunity, rows


def test_a_deal_invoice_form_sent_back_names_its_contact_from_the_cache(
    connection, xero_sandbox, user_client, wire
):
    org, contact = linked_org(connection, "Young Bros Transport")
    open_tab(user_client, org)  # the contact is cached now
    deal = OpportunityFactory(name="Cached contact deal")
    assert user_client.get(f"{tab_url(deal)}deal-invoice").status_code == 200  # the form
    wire.clear()

    # Picked from the search's list (no name comes with it), and no lines: the form comes back.
    response = user_client.post(
        f"{tab_url(deal)}deal-invoice", {"contact_id": str(contact.contact_id), "contact_name": ""}
    )

    assert response.status_code == 200
    assert contact.name in html.unescape(response.content.decode())
    assert wire == []  # the name came from the cache, not from Xero


def test_a_deal_tab_fetches_its_items_fifty_ids_a_call_cold_and_none_warm(
    connection, xero_sandbox, user_client, wire
):
    opportunity, rows = _deal_with_city_agency_invoices(connection)
    assert len(rows) == 120
    before = xero_sandbox.api_calls(AU)

    cold = open_tab(user_client, opportunity)

    assert xero_sandbox.api_calls(AU) - before == math.ceil(len(rows) / 50) == 3
    asked = [set(r.query["IDs"][0].split(",")) for r in wire.to("/Invoices")]
    assert sorted(len(ids) for ids in asked) == [20, 50, 50]
    assert set().union(*asked) == {str(r.invoice_id) for r in rows}
    assert shown_figures(cold) == expected_figures(rows, deal=True)

    wire.clear()
    warm = open_tab(user_client, opportunity)
    assert xero_sandbox.api_calls(AU) - before == 3
    assert wire == []
    assert shown_figures(warm) == shown_figures(cold)


def test_an_item_xero_no_longer_has_shows_as_missing_and_is_not_asked_for_again(
    connection, xero_sandbox, user_client, wire
):
    opportunity, rows = _deal_with_city_agency_invoices(connection)
    gone = rows[0]
    XeroInvoice.objects.filter(pk=gone.pk).delete()
    kept = rows[1:]

    cold = open_tab(user_client, opportunity)

    assert len(wire) == math.ceil(len(rows) / 50)
    missing = f"{gone.number} no longer exists in Xero."
    assert missing in cold
    assert shown_figures(cold) == expected_figures(kept, deal=True)

    wire.clear()
    warm = open_tab(user_client, opportunity)
    assert wire == []
    assert missing in warm
    assert shown_figures(warm) == expected_figures(kept, deal=True)


def test_refresh_on_a_deal_tab_asks_xero_again_for_its_items(
    connection, xero_sandbox, user_client, wire
):
    opportunity, rows = _deal_with_city_agency_invoices(connection)
    open_tab(user_client, opportunity)
    paid = [r.pk for r in rows if r.status == "AUTHORISED"]
    assert paid
    XeroInvoice.objects.filter(pk__in=paid).update(
        status="PAID", amount_due=0, updated=timezone.now()
    )
    now = rows_of(xero_contact(seed.BIG_CUSTOMER_NAME))
    assert expected_figures(now, deal=True) != expected_figures(rows, deal=True)
    wire.clear()
    assert shown_figures(open_tab(user_client, opportunity)) == expected_figures(rows, deal=True)
    assert wire == []  # still the cached items

    response = user_client.post(f"{tab_url(opportunity)}refresh")

    html = response.content.decode()
    assert len(wire.to("/Invoices")) == math.ceil(len(rows) / 50)
    assert text_of(html, "xero-updated") == "Updated just now"
    assert shown_figures(html) == expected_figures(now, deal=True)
