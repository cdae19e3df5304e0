"""Bursts of webhook deliveries coalesce: per tenant, their ids wait a short window and are
refetched together, at most one Xero call per 50 ids, only for what the CRM keeps, as
background work that leaves the rate budget to people opening tabs.

"With a worker" here means what a Celery worker would do, driven by the test: the view's task
runs at once (as a worker takes it off the queue), and the flush it schedules is run when the
test lets the window pass. tests/test_worker.py does the same with a real worker.
"""

from __future__ import annotations

import math
import time
import uuid
from unittest import mock

import pytest
from django.test import Client
from django.utils import timezone

from crm_xero.celery import app
from linking import tasks
from linking.models import XeroChange
from linking.xero import budget, reads
from linking.xero import cache as xero_cache
from sandbox import dbguard, seed
from sandbox.models import CreditNote as XeroCreditNote
from sandbox.models import Invoice as XeroInvoice
from tests.factories import OrganizationFactory
from tests.linking.test_budget import FrozenClock
from tests.linking.test_webhooks import (
    KEY,
    an_authorised_invoice,
    change_email,
    credit_notes_of,
    credit_notes_seen,
    delivery,
    email_shown,
    figures_of,
    figures_shown,
    link,
    mark_paid,
    open_tab,
    post,
    xero_contact,
    xero_event,
    xero_signature,
)
from tests.sandbox.helpers import api

AU = seed.AU_TENANT_ID
NZ = seed.NZ_TENANT_ID
BUSY = "Xero is busy"


@pytest.fixture
def webhook_key(settings) -> str:
    settings.XERO_WEBHOOK_KEY = KEY
    return KEY


class Worker:
    """What a worker does with the webhook tasks, step by step as the test says."""

    def __init__(self) -> None:
        self.scheduled: list[tuple[tuple, int]] = []

    def schedule(self, args: tuple, countdown: int) -> None:
        self.scheduled.append((tuple(args), countdown))

    def run_due(self) -> int:
        """Run the flushes scheduled so far (their countdowns have passed); how many ran."""
        due, self.scheduled = self.scheduled, []
        for args, _countdown in due:
            tasks.webhook_flush(*args)
        return len(due)


@pytest.fixture
def worker():
    """Tasks as with a worker (not in-process): the webhook task runs when queued, the flushes
    it schedules wait in `worker.scheduled`."""
    queue = Worker()
    app.conf.task_always_eager = False  # the autouse _tasks_in_process fixture restores it
    with (
        mock.patch.object(
            tasks.webhook_events,
            "apply_async",
            autospec=True,
            side_effect=lambda args, countdown=None: tasks.webhook_events(*args),
        ),
        mock.patch.object(
            tasks.webhook_flush, "apply_async", autospec=True, side_effect=queue.schedule
        ),
    ):
        yield queue


def deliver(events: list[dict]) -> None:
    """One signed delivery, as Xero sends it."""
    body = delivery(events)
    answer = post(Client(), body, xero_signature(body, KEY))
    assert (answer.status_code, answer.content) == (200, b"")


def invoice_ids(contact) -> list[str]:
    with dbguard.guard():
        return [
            str(i)
            for i in XeroInvoice.objects.filter(contact=contact).values_list(
                "invoice_id", flat=True
            )
        ]


def wait_for_invoice_index(contact, ids: list[str]) -> None:
    """The invoice-to-contact index of a contact's list is written beside the render."""
    keys = [xero_cache.key(AU, "invoice-owner", i) for i in ids]
    deadline = time.monotonic() + 5
    while len(xero_cache.get_plain(keys)) < len(keys):
        assert time.monotonic() < deadline, "the index was not written"
        time.sleep(0.01)


@pytest.fixture
def city(sandbox_connection, sso_user_client):
    """City Agency Holdings, linked and its tab opened (contact and invoices cached)."""
    contact = xero_contact(seed.BIG_CUSTOMER_NAME)
    org = OrganizationFactory(name="City Agency Holdings")
    link(org, sandbox_connection, contact)
    page = open_tab(sso_user_client, org)
    assert figures_shown(page) == figures_of(contact)
    ids = invoice_ids(contact)
    wait_for_invoice_index(contact, ids)
    return contact, org, ids


@pytest.fixture
def marine(sandbox_connection):
    """Marine Systems, linked, its tab not opened yet."""
    contact = xero_contact("Marine Systems")
    org = OrganizationFactory(name="Marine Systems")
    link(org, sandbox_connection, contact)
    return contact, org


# ------------------------------------------------------------------------------ bursts


def test_100_deliveries_naming_a_cached_contact_and_its_invoices_cost_a_few_xero_calls(
    city, marine, sso_user_client, xero_sandbox, webhook_key, worker
):
    contact, org, ids = city
    invoice = an_authorised_invoice(contact)
    mark_paid(invoice)
    change_email(contact, "payables@cityagency.example")
    new_figures = figures_of(contact)
    calls = xero_sandbox.api_calls(AU)

    user_calls = 0
    for n in range(100):
        # Each delivery names the contact and a few of its invoices; together, all of them.
        named = [ids[(5 * n + k) % len(ids)] for k in range(5)]
        deliver(
            [xero_event(AU, "CONTACT", contact.contact_id)]
            + [xero_event(AU, "INVOICE", i) for i in named]
        )
        if n == 50:  # someone opens another tab meanwhile
            before = xero_sandbox.api_calls(AU)
            page = open_tab(sso_user_client, marine[1])
            assert BUSY not in page
            assert figures_shown(page) == figures_of(marine[0])
            user_calls = xero_sandbox.api_calls(AU) - before

    # Nothing asked of Xero for the burst yet, and one flush scheduled for the tenant's window.
    assert xero_sandbox.api_calls(AU) == calls + user_calls
    assert worker.scheduled == [((str(AU),), tasks.WEBHOOK_WINDOW)]

    assert worker.run_due() == 1
    webhook_calls = xero_sandbox.api_calls(AU) - calls - user_calls
    assert webhook_calls <= 10
    # One for the contact, one per 50 of its invoices.
    assert webhook_calls == 1 + math.ceil(len(ids) / 50)
    assert worker.scheduled == []  # nothing left over

    fresh = open_tab(sso_user_client, org)
    assert figures_shown(fresh) == new_figures
    assert email_shown(fresh) == "payables@cityagency.example"
    assert xero_sandbox.api_calls(AU) == calls + user_calls + webhook_calls  # from the cache


def test_a_flushed_credit_note_approved_in_xero_is_one_raised_change_at_no_extra_call(
    sandbox_connection, sso_user_client, xero_sandbox, webhook_key, worker
):
    obrien = xero_contact("O'Brien Plumbing")
    org = OrganizationFactory(name="O'Brien Plumbing")
    link(org, sandbox_connection, obrien)
    open_tab(sso_user_client, org)  # the baseline: the draft credit note among it
    with dbguard.guard():
        draft = XeroCreditNote.objects.get(contact=obrien, status="DRAFT")
        XeroCreditNote.objects.filter(pk=draft.pk).update(
            status="AUTHORISED", updated=timezone.now()
        )
    calls = xero_sandbox.api_calls(AU)

    deliver([xero_event(AU, "CREDITNOTE", draft.credit_note_id)])
    deliver([xero_event(AU, "CREDITNOTE", draft.credit_note_id)])  # Xero may resend
    assert worker.run_due() == 1

    assert xero_sandbox.api_calls(AU) == calls + 1  # the credit note by id, once for both
    change = XeroChange.objects.get()
    assert (change.kind, change.number) == ("credit_note", draft.number)
    open_tab(sso_user_client, org)
    assert XeroChange.objects.count() == 1 and xero_sandbox.api_calls(AU) == calls + 1


def test_credit_note_events_of_a_cached_list_are_flushed_with_the_invoices_one_call_each(
    city, sandbox_connection, xero_sandbox, webhook_key, worker
):
    contact, _org, ids = city
    with dbguard.guard():
        notes = list(XeroCreditNote.objects.filter(contact=contact)[:3])
    assert notes, "the seed raises credit notes for the big customer"
    with dbguard.guard():
        XeroCreditNote.objects.filter(pk__in=[n.pk for n in notes]).update(
            status="VOIDED", updated=timezone.now()
        )
    calls = xero_sandbox.api_calls(AU)

    for note in notes:  # a delivery each, as Xero sends them
        deliver([xero_event(AU, "CREDITNOTE", note.credit_note_id)])
    deliver([xero_event(AU, "INVOICE", ids[0])])
    assert xero_sandbox.api_calls(AU) == calls  # pended for the tenant's one flush
    assert worker.run_due() == 1

    assert xero_sandbox.api_calls(AU) == calls + 2  # the credit notes by id, the invoice by id
    account = reads.contact_account(sandbox_connection, str(contact.contact_id))
    assert xero_sandbox.api_calls(AU) == calls + 2
    assert credit_notes_seen(account) == credit_notes_of(contact)
    assert {credit_notes_seen(account)[str(n.credit_note_id)][0] for n in notes} == {"VOIDED"}


def test_events_arriving_after_a_flush_started_get_a_flush_of_their_own_a_while_later(
    city, xero_sandbox, webhook_key, worker
):
    _contact, _org, ids = city
    deliver([xero_event(AU, "INVOICE", ids[0])])
    deliver([xero_event(AU, "INVOICE", ids[1])])
    assert worker.scheduled == [((str(AU),), tasks.WEBHOOK_WINDOW)]
    calls = xero_sandbox.api_calls(AU)
    worker.run_due()
    assert xero_sandbox.api_calls(AU) == calls + 1  # both ids in one call

    # Events keep coming: the next flush is WEBHOOK_FLUSH_EVERY after the last one, not sooner.
    deliver([xero_event(AU, "INVOICE", ids[2])])
    deliver([xero_event(AU, "INVOICE", ids[3])])
    [(args, countdown)] = worker.scheduled
    assert args == (str(AU),)
    assert tasks.WEBHOOK_FLUSH_EVERY - 2 <= countdown <= tasks.WEBHOOK_FLUSH_EVERY
    worker.run_due()
    assert xero_sandbox.api_calls(AU) == calls + 2
    worker.run_due()  # a flush finding nothing pending asks nothing
    assert xero_sandbox.api_calls(AU) == calls + 2


def test_one_delivery_handled_in_process_is_coalesced_within_itself(
    city, xero_sandbox, webhook_key
):
    """No worker (the demo): the delivery is handled at once, each id asked for once."""
    contact, _org, ids = city
    calls = xero_sandbox.api_calls(AU)
    deliver(
        [xero_event(AU, "CONTACT", contact.contact_id)] * 100
        + [xero_event(AU, "INVOICE", i) for i in ids + ids]
    )
    assert xero_sandbox.api_calls(AU) == calls + 1 + math.ceil(len(ids) / 50)


# ------------------------------------------------------------- what the CRM does not keep


@pytest.mark.parametrize("mode", ["in-process", "with a worker"])
def test_a_delivery_naming_1000_invoices_the_crm_never_showed_costs_no_xero_call(
    city, xero_sandbox, webhook_key, request, mode
):
    if mode == "with a worker":
        queue = request.getfixturevalue("worker")
    unknown = [str(uuid.uuid4()) for _ in range(1000)]
    calls = xero_sandbox.api_calls()
    deliver([xero_event(AU, "INVOICE", i, "CREATE") for i in unknown])
    if mode == "with a worker":
        assert queue.run_due() == 1
    assert xero_sandbox.api_calls() == calls


def test_a_new_invoice_of_a_cached_contact_shows_at_the_next_opening_for_one_call(
    city, sso_user_client, xero_sandbox, webhook_key
):
    """A webhook naming an invoice of no cached list costs no call itself; a cached list asks
    Xero for what changed (If-Modified-Since) when it is next opened."""
    contact, org, _ids = city
    tokens = xero_sandbox.mint_tokens(email=seed.SELLER_EMAIL, tenant_ids=[AU])
    raised = api(
        xero_sandbox,
        tokens,
        "PUT",
        "/Invoices",
        json={
            "Invoices": [
                {
                    "Type": "ACCREC",
                    "Contact": {"ContactID": str(contact.contact_id)},
                    "Status": "AUTHORISED",
                    "Date": timezone.localdate().isoformat(),
                    "CurrencyCode": "AUD",
                    "Reference": "Raised in Xero",
                    "LineItems": [
                        {
                            "Description": "Webhook",
                            "Quantity": 1,
                            "UnitAmount": "1000",
                            "AccountCode": "200",
                        }
                    ],
                }
            ]
        },
    )
    assert raised.status_code == 200, raised.text[:500]
    new = raised.json()["Invoices"][0]
    calls = xero_sandbox.api_calls(AU)

    deliver([xero_event(AU, "INVOICE", new["InvoiceID"], "CREATE")])
    assert xero_sandbox.api_calls(AU) == calls

    page = open_tab(sso_user_client, org)
    assert new["InvoiceNumber"] in page
    assert figures_shown(page) == figures_of(contact)
    assert xero_sandbox.api_calls(AU) == calls + 1  # what changed since the list was fetched
    open_tab(sso_user_client, org)
    assert xero_sandbox.api_calls(AU) == calls + 1


# ----------------------------------------------------------- yielding to people, deferring


@pytest.fixture
def clock(time_machine) -> FrozenClock:
    """The clock, held still (so the test's calls fall in one minute), at the present: the
    session and the tokens the test's fixtures made are good there."""
    return FrozenClock(time_machine, time.time())


@pytest.mark.sandbox_invoices(600)
def test_a_flush_yields_to_a_user_opening_a_tab_and_finishes_later(
    city, marine, sso_user_client, xero_sandbox, webhook_key, worker, settings, clock
):
    contact, org, ids = city
    assert len(ids) == 600  # 12 calls of 50 to refetch
    settings.XERO_RATE_PER_MINUTE = 12  # background work may use 8 of them
    budget._clear_minute(AU)  # the calls the fixtures made
    calls = xero_sandbox.api_calls(AU)

    deliver([xero_event(AU, "INVOICE", i) for i in ids])
    worker.run_due()
    done = xero_sandbox.api_calls(AU) - calls
    assert done == 12 - budget.users_reserve()  # the background share of the minute
    # The rest waits in the tenant's pending set for a flush once the minute has room again.
    [(args, countdown)] = worker.scheduled
    assert args == (str(AU),) and countdown > 1

    # Someone opens a tab: their three calls (issue 12: the third for the credit notes) are
    # there, no "Xero is busy".
    page = open_tab(sso_user_client, marine[1])
    assert BUSY not in page
    assert figures_shown(page) == figures_of(marine[0])
    assert xero_sandbox.api_calls(AU) - calls == done + 3

    clock.now += 120  # the window has passed
    invoice = an_authorised_invoice(contact)
    mark_paid(invoice)  # changed meanwhile: the later flush fetches it as it is now
    worker.run_due()
    assert xero_sandbox.api_calls(AU) - calls == 12 + 3
    assert worker.scheduled == []
    shown = open_tab(sso_user_client, org)
    assert figures_shown(shown) == figures_of(contact)


def test_a_flush_held_back_by_xeros_retry_after_waits_and_then_refetches(
    city, sso_user_client, xero_sandbox, webhook_key, worker, clock
):
    contact, org, _ids = city
    invoice = an_authorised_invoice(contact)
    mark_paid(invoice)
    budget.block(AU, 40)  # Xero said Retry-After: 40
    calls = xero_sandbox.api_calls(AU)

    deliver([xero_event(AU, "INVOICE", invoice.invoice_id)])
    worker.run_due()
    assert xero_sandbox.api_calls(AU) == calls
    assert worker.scheduled == [((str(AU),), 40)]

    clock.now += 40
    worker.run_due()
    assert xero_sandbox.api_calls(AU) == calls + 1
    assert figures_shown(open_tab(sso_user_client, org)) == figures_of(contact)


def test_a_flush_xero_fails_is_tried_again_after_a_while(
    city, sso_user_client, xero_sandbox, webhook_key, worker
):
    contact, org, _ids = city
    change_email(contact, "payables@cityagency.example")
    xero_sandbox.fail_next(1, status=503)
    calls = xero_sandbox.api_calls(AU)

    deliver([xero_event(AU, "CONTACT", contact.contact_id)])
    worker.run_due()
    assert xero_sandbox.api_calls(AU) == calls + 1
    assert worker.scheduled == [((str(AU),), 30)]  # backing off

    worker.run_due()
    assert xero_sandbox.api_calls(AU) == calls + 2
    assert worker.scheduled == []
    assert email_shown(open_tab(sso_user_client, org)) == "payables@cityagency.example"


def test_a_flush_gives_up_when_xero_keeps_failing(city, xero_sandbox, webhook_key, worker, caplog):
    contact, _org, _ids = city
    xero_sandbox.fail_next(100, status=503)
    deliver([xero_event(AU, "CONTACT", contact.contact_id)])
    countdowns = []
    while worker.scheduled:
        countdowns.append(worker.scheduled[0][1])
        worker.run_due()
    backoff = [30 * 2**n for n in range(tasks.MAX_RETRIES) if 30 * 2**n <= tasks.MAX_COUNTDOWN]
    assert countdowns == [tasks.WEBHOOK_WINDOW, *backoff]  # 30 s, 60 s, ... 16 min
    assert "Xero webhook refetch of 1 ids gave up" in caplog.text


def test_events_of_other_tenants_and_categories_are_not_kept_for_a_flush(
    sandbox_connection, xero_sandbox, webhook_key, worker
):
    deliver(
        [
            xero_event(NZ, "INVOICE", uuid.uuid4()),
            xero_event("not-a-tenant-id", "CONTACT", uuid.uuid4()),
            xero_event(AU, "SUBSCRIPTION", uuid.uuid4()),  # (CREDITNOTE is followed: issue 12)
        ]
    )
    assert worker.scheduled == []
