"""Recent changes in Xero and the 12-month chart on the tabs, against the sandbox: a payment
made in Xero reaches the tab through its signed webhook as one row; the chart's table holds the
numbers worked out here from the sandbox's rows."""

from __future__ import annotations

import html
import re
from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from linking.models import XeroChange, XeroLink
from sandbox import actions, dbguard, organisations, seed
from sandbox.models import CreditNote as XeroCreditNote
from sandbox.models import Invoice as XeroInvoice
from tests.factories import OpportunityFactory, OrganizationFactory, XeroLinkFactory
from tests.linking.test_webhooks import (
    AU,
    KEY,
    WEBHOOK_PATH,
    an_authorised_invoice,
    by_testid,
    link,
    open_tab,
    xero_contact,
)


@pytest.fixture
def webhook_key(settings) -> str:
    settings.XERO_WEBHOOK_KEY = KEY
    return KEY


def recent_shown(page: str) -> list[str]:
    found = re.search(r'data-testid="xero-recent">(.*?)</section>', page, re.S)
    assert found, "no Recent changes in Xero on the tab"
    items = re.findall(r'data-testid="xero-recent-change">(.*?)</li>', found.group(1), re.S)
    return [html.unescape(re.sub(r"<[^>]+>", "", item)).strip() for item in items]


def deliver(xero_sandbox, live_server, item_id, category="INVOICE", event_type="UPDATE") -> None:
    event = xero_sandbox.webhook_event(AU, category, item_id, event_type)
    sent = xero_sandbox.send_webhook(live_server.url + WEBHOOK_PATH, KEY, [event])
    assert (sent.status, sent.response_text) == (200, "")


def pay(invoice: XeroInvoice, amount: Decimal | None = None) -> XeroInvoice:
    with dbguard.guard():
        return actions.pay_invoice(invoice, amount)


def paid_day(invoice: XeroInvoice) -> date:
    with dbguard.guard():
        return organisations.local_today(invoice.organisation)


def test_a_signed_webhook_for_a_paid_invoice_makes_one_paid_in_full_row_shown_on_the_tab(
    sso_user_client, sandbox_connection, xero_sandbox, live_server, webhook_key
):
    ridgeway = xero_contact("Ridgeway Univ.")
    org = OrganizationFactory(name="Ridgeway University")
    link(org, sandbox_connection, ridgeway)
    assert recent_shown(open_tab(sso_user_client, org)) == []  # the first sight: a baseline
    invoice = an_authorised_invoice(ridgeway)
    calls = xero_sandbox.api_calls(AU)

    pay(invoice)
    deliver(xero_sandbox, live_server, invoice.invoice_id)
    deliver(xero_sandbox, live_server, invoice.invoice_id)  # Xero may deliver twice

    day = paid_day(invoice)
    change = XeroChange.objects.get()  # one row, recorded by the webhook itself
    assert (change.kind, change.number, change.on) == ("paid", invoice.number, day)
    assert xero_sandbox.api_calls(AU) == calls + 2  # the refetch per delivery; nothing more
    expected = f"{invoice.number} paid in full · {day.day} {day:%b %Y}"
    assert recent_shown(open_tab(sso_user_client, org)) == [expected]
    assert xero_sandbox.api_calls(AU) == calls + 2


def test_a_part_payment_then_the_rest_show_newest_first(
    sso_user_client, sandbox_connection, xero_sandbox, live_server, webhook_key
):
    marine = xero_contact("Marine Systems")
    org = OrganizationFactory(name="Marine Systems Pty")
    link(org, sandbox_connection, marine)
    open_tab(sso_user_client, org)
    invoice = an_authorised_invoice(marine)
    first = (invoice.amount_due / 3).quantize(Decimal("0.01"))
    paid = invoice.amount_paid + first

    pay(invoice, first)
    deliver(xero_sandbox, live_server, invoice.invoice_id)
    part = f"{invoice.number} part paid: AUD {paid:,.2f} of {invoice.total:,.2f} paid"
    assert [c.split(" · ")[0] for c in recent_shown(open_tab(sso_user_client, org))] == [part]

    pay(invoice)
    deliver(xero_sandbox, live_server, invoice.invoice_id)
    shown = [c.split(" · ")[0] for c in recent_shown(open_tab(sso_user_client, org))]
    assert shown == [f"{invoice.number} paid in full", part]


def test_a_deal_tab_shows_a_payment_on_its_linked_invoice(
    sso_user_client, sandbox_connection, xero_sandbox, live_server, webhook_key
):
    invoice = an_authorised_invoice(xero_contact("Ridgeway Univ."))
    deal = OpportunityFactory(name="Campus fit-out")
    XeroLinkFactory(
        record=deal,
        tenant_id=sandbox_connection.tenant_id,
        xero_type=XeroLink.XeroType.INVOICE,
        xero_id=invoice.invoice_id,
        xero_name=invoice.number,
    )
    url = f"/xero/tab/opportunity/{deal.pk}/"
    assert recent_shown(sso_user_client.get(url).content.decode()) == []

    pay(invoice)
    deliver(xero_sandbox, live_server, invoice.invoice_id)
    page = sso_user_client.get(url).content.decode()
    assert [c.split(" · ")[0] for c in recent_shown(page)] == [f"{invoice.number} paid in full"]


def sales_credit_notes(contact) -> tuple[Decimal, Decimal]:
    """The credit notes figure by the issue's rule, from the sandbox's rows: AUTHORISED + PAID
    sales credit notes in the base currency, their totals and their unallocated credit."""
    with dbguard.guard():
        notes = list(
            XeroCreditNote.objects.filter(
                contact=contact,
                type="ACCRECCREDIT",
                status__in=("AUTHORISED", "PAID"),
                currency=contact.organisation.base_currency,
            )
        )
    zero = Decimal("0.00")
    return sum((n.total for n in notes), zero), sum((n.remaining_credit for n in notes), zero)


def raised_text(note: XeroCreditNote) -> str:
    day = f"{note.date.day} {note.date:%b %Y}"
    return f"Credit note {note.number} raised for AUD {note.total:,.2f} · {day}"


def test_a_signed_webhook_for_a_credit_note_approved_in_xero_makes_one_raised_row(
    sso_user_client, sandbox_connection, xero_sandbox, live_server, webhook_key
):
    obrien = xero_contact("O'Brien Plumbing")
    org = OrganizationFactory(name="O'Brien Plumbing")
    link(org, sandbox_connection, obrien)
    assert recent_shown(open_tab(sso_user_client, org)) == []  # the baseline, the draft in it
    with dbguard.guard():
        draft = XeroCreditNote.objects.get(contact=obrien, status="DRAFT")
        # In Xero: the draft credit note is approved.
        XeroCreditNote.objects.filter(pk=draft.pk).update(
            status="AUTHORISED", updated=timezone.now()
        )
        draft.refresh_from_db()
    calls = xero_sandbox.api_calls(AU)

    deliver(xero_sandbox, live_server, draft.credit_note_id, "CREDITNOTE")
    deliver(xero_sandbox, live_server, draft.credit_note_id, "CREDITNOTE")  # Xero may resend

    change = XeroChange.objects.get()  # one row, recorded by the webhook itself
    assert (change.kind, change.number, change.on) == ("credit_note", draft.number, draft.date)
    assert xero_sandbox.api_calls(AU) == calls + 2  # the credit note by id, per delivery
    page = open_tab(sso_user_client, org)
    assert recent_shown(page) == [raised_text(draft)]
    total, remaining = sales_credit_notes(obrien)
    assert by_testid(page, "xero-credit-notes") == f"AUD {total:,.2f}"
    assert by_testid(page, "xero-credit-notes-remaining") == f"AUD {remaining:,.2f}"
    assert xero_sandbox.api_calls(AU) == calls + 2  # the tab: from the cache


def test_a_credit_note_raised_in_xero_shows_raised_at_the_next_opening_after_its_webhook(
    sso_user_client, sandbox_connection, xero_sandbox, live_server, webhook_key
):
    obrien = xero_contact("O'Brien Plumbing")
    org = OrganizationFactory(name="O'Brien Plumbing")
    link(org, sandbox_connection, obrien)
    before = open_tab(sso_user_client, org)
    total, _ = sales_credit_notes(obrien)
    assert by_testid(before, "xero-credit-notes") == f"AUD {total:,.2f}"
    calls = xero_sandbox.api_calls(AU)

    with dbguard.guard():
        note = actions.raise_credit_note(obrien.organisation, obrien, Decimal("80.00")).credit_note
    deliver(xero_sandbox, live_server, note.credit_note_id, "CREDITNOTE", "CREATE")
    # New to the CRM, so in no cached list: the delivery costs no call, and marks the cached
    # lists to ask Xero what changed at their next opening.
    assert xero_sandbox.api_calls(AU) == calls
    assert XeroChange.objects.count() == 0

    page = open_tab(sso_user_client, org)
    assert xero_sandbox.api_calls(AU) == calls + 1  # the credit notes that changed
    assert recent_shown(page) == [raised_text(note)]
    assert XeroChange.objects.get().kind == "credit_note"
    total_now, remaining = sales_credit_notes(obrien)
    assert total_now == total + note.total
    assert by_testid(page, "xero-credit-notes") == f"AUD {total_now:,.2f}"
    assert by_testid(page, "xero-credit-notes-remaining") == f"AUD {remaining:,.2f}"
    assert recent_shown(open_tab(sso_user_client, org)) == [raised_text(note)]
    assert xero_sandbox.api_calls(AU) == calls + 1


def chart_rows(page: str) -> dict[str, tuple[str, str]]:
    table = re.search(r'data-testid="xero-chart-table">(.*?)</table>', page, re.S)
    assert table, "no chart table on the tab"
    rows = re.findall(
        r'data-month="([\d-]+)">.*?data-testid="xero-chart-invoiced">([^<]*)<'
        r'.*?data-testid="xero-chart-paid">([^<]*)<',
        table.group(1),
        re.S,
    )
    return {month: (invoiced, paid) for month, invoiced, paid in rows}


def months_of(contact, today: date) -> dict[str, tuple[str, str]]:
    """The chart's rule, worked out from the sandbox's rows: the current month and the 11 before."""
    with dbguard.guard():
        rows = list(XeroInvoice.objects.filter(contact=contact, type="ACCREC", currency="AUD"))
    wanted = {}
    year, month = today.year, today.month
    for _ in range(12):
        invoiced = sum(
            (r.total for r in rows if r.status in ("AUTHORISED", "PAID")
             and (r.date.year, r.date.month) == (year, month)),
            Decimal("0.00"),
        )  # fmt: skip
        paid = sum(
            (r.total for r in rows if r.status == "PAID" and r.fully_paid_on_date
             and (r.fully_paid_on_date.year, r.fully_paid_on_date.month) == (year, month)),
            Decimal("0.00"),
        )  # fmt: skip
        wanted[f"{year:04d}-{month:02d}"] = (f"{invoiced:,.2f}", f"{paid:,.2f}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return wanted


@pytest.mark.parametrize("name", ["Marine Systems", seed.BIG_CUSTOMER_NAME])
def test_the_chart_table_holds_each_months_invoiced_and_paid(
    sso_user_client, sandbox_connection, name
):
    contact = xero_contact(name)
    org = OrganizationFactory(name=f"{name} (CRM)")
    link(org, sandbox_connection, contact)
    page = open_tab(sso_user_client, org)
    assert 'data-testid="xero-chart"' in page and "<svg" in page
    shown = chart_rows(page)
    assert shown == months_of(contact, timezone.localdate())
    assert any(invoiced != "0.00" for invoiced, _ in shown.values())
