"""In the browser, against the sandbox: credit notes on a contact's Xero tab (issue 12).

The credit notes figure (AUTHORISED + PAID sales credit notes in the base currency, with their
unallocated RemainingCredit), lifetime value "net of credit notes", the credit notes in the items
table as type "Credit note" (under All and Show → Credit notes), for a small customer (O'Brien
Plumbing) and for City Agency (3,000 invoices), at 1366 and 390 pixels wide; a supplier's
payables ageing with its purchase credit notes listed but not counted; and a credit note raised
in the sandbox reaching the open tab through its signed webhook. Expectations are
computed here from the sandbox's own rows (sandbox.models), never from the CRM's code.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Locator, expect

from sandbox import actions, organisations, seed
from sandbox.models import Contact as XeroContact
from sandbox.models import CreditNote as XeroCreditNote
from sandbox.models import Invoice as XeroInvoice
from tests.browser import test_xero_tab as contact_tab
from tests.browser.conftest import sso_sign_in
from tests.browser.test_xero_tab import click, link, money, open_xero_tab, settled, xero_contact
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db(transaction=True)

connection = contact_tab.connection
signed_in = contact_tab.signed_in

ZERO = Decimal("0.00")
WIDTHS = (1366, 390)
PAGE_SIZE = 25
BUCKETS = {
    "current": (-(10**6), 0),
    "1-30": (1, 30),
    "31-60": (31, 60),
    "61-90": (61, 90),
    "over-90": (91, 10**6),
}


def credit_figures(contact: XeroContact) -> dict[str, Decimal]:
    """The credit notes figure and lifetime value net of it, by the issue's rules."""
    base = contact.organisation.base_currency
    notes = XeroCreditNote.objects.filter(
        contact=contact, type="ACCRECCREDIT", status__in=("AUTHORISED", "PAID"), currency=base
    )
    invoices = XeroInvoice.objects.filter(
        contact=contact, type="ACCREC", status__in=("AUTHORISED", "PAID"), currency=base
    )
    total = sum((n.total for n in notes), ZERO)
    lifetime = sum((i.total for i in invoices), ZERO)
    return {
        "credit_notes": total,
        "remaining": sum((n.remaining_credit for n in notes), ZERO),
        "lifetime": lifetime,
        "net": lifetime - total,
    }


def check_credit_figures(panel: Locator, want: dict[str, Decimal]) -> None:
    expect(panel.get_by_test_id("xero-credit-notes")).to_have_text(
        f"AUD {money(want['credit_notes'])}"
    )
    expect(panel.get_by_test_id("xero-credit-notes-remaining")).to_have_text(
        f"AUD {money(want['remaining'])}"
    )
    expect(panel.get_by_test_id("xero-lifetime-value")).to_have_text(
        f"AUD {money(want['lifetime'])}"
    )
    expect(panel.get_by_test_id("xero-net-of-credit-notes")).to_have_text(
        f"AUD {money(want['net'])}"
    )
    net = panel.get_by_test_id("xero-net-of-credit-notes").locator("xpath=..")
    expect(net).to_contain_text("net of credit notes")


def fits(panel: Locator, width: int) -> None:
    """The credit notes figure is on the screen; the items table scrolls inside its box."""
    for name in ("xero-credit-notes", "xero-net-of-credit-notes"):
        box = panel.get_by_test_id(name).bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= width + 1, (name, box)
    holder = panel.get_by_test_id("xero-items").locator("xpath=..")
    box = holder.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= width + 1, box


def show(panel: Locator, choice: str, value: str) -> None:
    click(panel.get_by_label("Show"))
    with panel.page.expect_response(lambda r: f"show={value}" in r.url):
        panel.get_by_label("Show").select_option(choice)
    settled(panel.page)


def check_credit_note_rows(panel: Locator, contact: XeroContact) -> None:
    """Show → Credit notes lists every credit note of the contact (sales and purchase, any
    status), newest first, each as type "Credit note" with its credit left."""
    notes = sorted(
        XeroCreditNote.objects.filter(contact=contact),
        key=lambda n: (n.date, n.number),
        reverse=True,
    )
    assert notes, "the seed raises credit notes for this customer"
    show(panel, "Credit notes", "credit_notes")
    rows = panel.get_by_test_id("xero-item")
    expect(rows).to_have_count(min(len(notes), PAGE_SIZE))
    for n, note in enumerate(notes[:PAGE_SIZE]):
        row = rows.nth(n)
        cells = row.locator("td")
        expect(cells.nth(0)).to_contain_text(note.number)
        expect(cells.nth(1)).to_have_text("Credit note")
        expect(cells.nth(6)).to_have_text(money(note.total))
        expect(cells.nth(7)).to_have_text(f"{money(note.remaining_credit)} credit left")
        expect(row.get_by_test_id("xero-overdue-badge")).to_have_count(0)


def newest_first_page(contact: XeroContact) -> list[tuple[date, str, str]]:
    """Show → All's first page, by the tab's order (newest first): (date, number, type)."""
    items = [
        (i.date, i.number, "Bill" if i.type == "ACCPAY" else "Invoice")
        for i in XeroInvoice.objects.filter(contact=contact)
    ] + [(n.date, n.number, "Credit note") for n in XeroCreditNote.objects.filter(contact=contact)]
    return sorted(items, reverse=True)[:PAGE_SIZE]


def test_a_small_customer_s_credit_notes(signed_in, connection):
    page = signed_in
    obrien = xero_contact("O'Brien Plumbing")
    want = credit_figures(obrien)
    # The seed has open, part-allocated, fully applied, voided, draft and USD credit notes: the
    # figure counts some and not others, and credit remains on some.
    assert ZERO < want["remaining"] < want["credit_notes"]
    assert XeroCreditNote.objects.filter(contact=obrien, status__in=("VOIDED", "DRAFT")).exists()
    org = OrganizationFactory(name="O'Brien Plumbing")
    link(org, connection, obrien)
    first_page = newest_first_page(obrien)
    assert any(kind == "Credit note" for _, _, kind in first_page)

    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        panel = open_xero_tab(page, org)
        check_credit_figures(panel, want)
        # Under All, the credit notes sit among the invoices as type "Credit note".
        rows = panel.get_by_test_id("xero-item")
        expect(rows).to_have_count(PAGE_SIZE)
        for _, number, kind in first_page:
            if kind == "Credit note":
                mine = rows.filter(has=page.locator("td", has_text=number))
                expect(mine.locator("td").nth(1)).to_have_text("Credit note")
        fits(panel, width)
        check_credit_note_rows(panel, obrien)


@pytest.mark.sandbox_invoices(3000)
def test_city_agency_s_credit_notes_beside_three_thousand_invoices(signed_in, connection):
    page = signed_in
    city = xero_contact(seed.BIG_CUSTOMER_NAME)
    assert XeroInvoice.objects.filter(contact=city).count() >= 3000
    want = credit_figures(city)
    assert want["credit_notes"] > 0 and want["net"] == want["lifetime"] - want["credit_notes"]
    org = OrganizationFactory(name="City Agency Pty")
    link(org, connection, city)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        panel = open_xero_tab(page, org)
        check_credit_figures(panel, want)
        fits(panel, width)
        check_credit_note_rows(panel, city)


def test_a_credit_note_raised_in_xero_reaches_the_open_tab_through_its_webhook(
    page, sso_user, connection, xero_sandbox, live_server, settings
):
    xero_sandbox.set_knobs(
        webhook_url=f"{live_server.url}/integrations/xero/webhooks",
        webhook_key=settings.XERO_WEBHOOK_KEY,
    )
    sso_sign_in(page, sso_user)
    obrien = xero_contact("O'Brien Plumbing")
    org = OrganizationFactory(name="O'Brien Plumbing")
    link(org, connection, obrien)
    before = credit_figures(obrien)
    panel = open_xero_tab(page, org)
    check_credit_figures(panel, before)
    expect(panel.get_by_test_id("xero-recent")).to_contain_text("None yet")

    # A bookkeeper raises a credit note in Xero; Xero (the sandbox) sends its signed webhook.
    note = actions.raise_credit_note(obrien.organisation, obrien, Decimal("80.00")).credit_note
    after = credit_figures(obrien)
    assert after["credit_notes"] == before["credit_notes"] + note.total > before["credit_notes"]
    expected = (
        f"Credit note {note.number} raised for AUD {money(note.total)}"
        f" · {note.date.day} {note.date:%b %Y}"
    )

    deadline = timezone.now() + timedelta(seconds=10)
    changes = panel.get_by_test_id("xero-recent").get_by_test_id("xero-recent-change")
    while changes.count() == 0 and timezone.now() < deadline:
        page.wait_for_timeout(200)
        panel = open_xero_tab(page, org)
        changes = panel.get_by_test_id("xero-recent").get_by_test_id("xero-recent-change")
    expect(changes).to_have_text([expected])
    assert note.number.startswith("CN-")
    check_credit_figures(panel, after)
    show(panel, "Credit notes", "credit_notes")
    mine = panel.get_by_test_id("xero-item").filter(has_text=note.number)
    expect(mine.locator("td").nth(1)).to_have_text("Credit note")


def test_a_supplier_s_payables_ageing_and_its_purchase_credit_notes_left_out(signed_in, connection):
    """Young Bros Transport buys and sells: its bills fill every payables bucket, and its
    purchase credit notes are listed but never in the (sales) credit notes figure."""
    page = signed_in
    young = xero_contact("Young Bros Transport")
    today = organisations.local_today(young.organisation)
    bills = XeroInvoice.objects.filter(
        contact=young, type="ACCPAY", status="AUTHORISED", currency="AUD"
    )

    def past_due(r) -> int:
        return (today - r.due_date).days if r.due_date else 0

    ageing = {
        key: sum((b.amount_due for b in bills if low <= past_due(b) <= high), ZERO)
        for key, (low, high) in BUCKETS.items()
    }
    assert all(ageing.values())  # the seed has a bill in every bucket
    want = credit_figures(young)
    purchase = XeroCreditNote.objects.filter(contact=young, type="ACCPAYCREDIT")
    assert purchase.exists() and want["credit_notes"] > 0  # both kinds, only one counted
    org = OrganizationFactory(name="Young Bros Transport")
    link(org, connection, young)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        panel = open_xero_tab(page, org)
        for key, amount in ageing.items():
            expect(panel.get_by_test_id(f"xero-payables-ageing-{key}")).to_have_text(
                f"AUD {money(amount)}"
            )
        box = panel.get_by_test_id("xero-payables-ageing").locator("xpath=..").bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= width + 1, box
        check_credit_figures(panel, want)
        check_credit_note_rows(panel, young)
