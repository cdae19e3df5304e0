"""In the browser, against the sandbox: the 12-month chart on a contact's Xero tab (visible at
phone and desktop widths, its table holding the months worked out here from the sandbox's
rows), and a payment made in Xero reaching "Recent changes in Xero" through its webhook."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sandbox import actions, organisations, seed
from sandbox.models import CreditNote as XeroCreditNote
from sandbox.models import Invoice as XeroInvoice
from tests.browser.conftest import sso_sign_in
from tests.browser.test_xero_tab import link, open_xero_tab, settled, xero_contact
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db(transaction=True)
AU = seed.AU_TENANT_ID


def months_of(contact) -> list[list[str]]:
    """[month, invoiced, paid] for the current month and the 11 before, oldest first, by the
    chart's rules, from the sandbox's rows."""
    rows = list(XeroInvoice.objects.filter(contact=contact, type="ACCREC", currency="AUD"))
    today = timezone.localdate()
    year, month = today.year, today.month
    found = []
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
        label = timezone.datetime(year, month, 1).strftime("%b %Y")
        found.append([label, f"{invoiced:,.2f}", f"{paid:,.2f}"])
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return found[::-1]


@pytest.mark.parametrize("width", [390, 1366])
@pytest.mark.parametrize("name", ["Marine Systems", seed.BIG_CUSTOMER_NAME])
def test_the_chart_is_visible_and_its_table_holds_the_same_numbers(
    page, sso_user, sandbox_connection, width, name
):
    page.set_viewport_size({"width": width, "height": 900})
    sso_sign_in(page, sso_user)
    contact = xero_contact(name)
    org = OrganizationFactory(name=f"{name} (CRM)")
    link(org, sandbox_connection, contact)
    panel = open_xero_tab(page, org)

    chart = panel.get_by_test_id("xero-chart")
    svg = chart.locator("svg.chart")
    expect(svg).to_be_visible()
    box = svg.bounding_box()
    assert box is not None and 200 <= box["width"] <= width and box["height"] > 100
    assert box["x"] >= 0 and box["x"] + box["width"] <= width  # inside the screen
    expect(svg.locator("rect.bar-invoiced")).to_have_count(12)
    expect(svg.locator("rect.bar-paid")).to_have_count(12)

    table = chart.get_by_test_id("xero-chart-table")
    expect(table).to_be_hidden()
    chart.get_by_text("Show as table").click()
    expect(table).to_be_visible()
    rows = table.locator("tbody tr")
    shown = [
        [rows.nth(n).locator("th").inner_text(), *rows.nth(n).locator("td").all_inner_texts()]
        for n in range(rows.count())
    ]
    wanted = months_of(contact)
    assert shown == wanted
    assert any(invoiced != "0.00" for _, invoiced, _ in wanted)  # the chart has bars to show
    table_box = table.bounding_box()
    assert table_box is not None and table_box["x"] + table_box["width"] <= width


def test_a_payment_made_in_xero_reaches_recent_changes_through_its_webhook(
    page, sso_user, sandbox_connection, xero_sandbox, live_server, settings
):
    xero_sandbox.set_knobs(
        webhook_url=f"{live_server.url}/integrations/xero/webhooks",
        webhook_key=settings.XERO_WEBHOOK_KEY,
    )
    sso_sign_in(page, sso_user)
    marine = xero_contact("Marine Systems")
    org = OrganizationFactory(name="Marine Systems")
    link(org, sandbox_connection, marine)
    # Its list holds a credit note beside the invoices (issue 12).
    assert XeroCreditNote.objects.filter(contact=marine).exists()
    panel = open_xero_tab(page, org)
    recent = panel.get_by_test_id("xero-recent")
    expect(recent).to_contain_text("None yet")
    invoice = (
        XeroInvoice.objects.filter(contact=marine, type="ACCREC", status="AUTHORISED")
        .order_by("-date")
        .first()
    )
    assert invoice is not None

    # A bookkeeper records the payment in Xero; Xero (the sandbox) sends its signed webhook.
    actions.pay_invoice(invoice)
    day = organisations.local_today(invoice.organisation)
    expected = f"{invoice.number} paid in full · {day.day} {day:%b %Y}"

    deadline = timezone.now() + timedelta(seconds=10)
    changes = recent.get_by_test_id("xero-recent-change")
    while changes.count() == 0 and timezone.now() < deadline:
        page.wait_for_timeout(200)
        panel = open_xero_tab(page, org)
        changes = panel.get_by_test_id("xero-recent").get_by_test_id("xero-recent-change")
    settled(page)
    expect(changes).to_have_text([expected])
