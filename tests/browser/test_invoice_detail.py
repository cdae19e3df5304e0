"""In the browser, against the sandbox: an invoice, bill or credit note read inside the CRM.

From the contact tab, a number opens the detail (lines, payments and credits applied, amount
due; Back to the list; the URL reloads); Download PDF saves Xero's PDF named by the number; Copy
online invoice link shows the link; a deal's linked invoice and a credit note open likewise.
Expectations come from the sandbox's own rows, never from the CRM's code.
"""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from linking.models import XeroLink
from sandbox import seed
from sandbox.models import CreditNote as XeroCreditNote
from sandbox.models import Invoice as XeroInvoice
from tests.browser.conftest import sso_sign_in
from tests.browser.test_xero_tab import click, link, open_xero_tab, settled, xero_contact
from tests.factories import OpportunityFactory, OrganizationFactory, XeroLinkFactory

pytestmark = pytest.mark.django_db(transaction=True)
AU = seed.AU_TENANT_ID


@pytest.fixture
def signed_in(page, sso_user, sandbox_connection) -> Page:
    sso_sign_in(page, sso_user)
    return page


@pytest.fixture
def violations(page) -> list[str]:
    """What the browser reports breaking the Content-Security-Policy (or failing in a script)."""
    seen: list[str] = []
    page.on(
        "console", lambda m: seen.append(m.text) if "Content Security Policy" in m.text else None
    )
    page.on("pageerror", lambda error: seen.append(f"page error: {error}"))
    return seen


def obrien(connection):
    """O'Brien Plumbing linked to a CRM organization, and its part-paid, credited invoice."""
    contact = xero_contact("O'Brien Plumbing")
    org = OrganizationFactory(name="O'Brien Plumbing (CRM)")
    link(org, connection, contact)
    invoice = (
        XeroInvoice.objects.filter(
            contact=contact, type="ACCREC", amount_paid__gt=0, amount_credited__gt=0
        )
        .order_by("number")
        .first()
    )
    assert invoice is not None
    return org, contact, invoice


def money(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def open_item(panel, number: str):
    click(panel.get_by_test_id("xero-items").get_by_role("link", name=number, exact=True))
    detail = panel.get_by_test_id("xero-invoice-detail")
    expect(detail.get_by_test_id("xero-detail-number")).to_have_text(number)
    settled(panel.page)
    return detail


def test_a_number_in_the_contact_tab_opens_the_invoice_with_lines_and_payments(
    signed_in, sandbox_connection, violations
):
    page = signed_in
    org, _contact, invoice = obrien(sandbox_connection)
    panel = open_xero_tab(page, org)
    detail = open_item(panel, invoice.number)

    lines = detail.get_by_test_id("xero-detail-line")
    expect(lines).to_have_count(len(invoice.document["LineItems"]))
    for n, line in enumerate(invoice.document["LineItems"]):
        expect(lines.nth(n)).to_contain_text(line["Description"])
    expect(detail.get_by_test_id("xero-detail-status")).to_have_text("Awaiting payment")
    expect(detail.get_by_test_id("xero-detail-total")).to_have_text(money(invoice.total))
    expect(detail.get_by_test_id("xero-detail-amount-due")).to_have_text(
        f"AUD {money(invoice.amount_due)}"
    )
    expect(detail.get_by_test_id("xero-detail-payment")).to_have_count(
        len(invoice.document["Payments"])
    )
    note = XeroCreditNote.objects.filter(allocations__invoice=invoice).first()
    expect(detail.get_by_test_id("xero-detail-credit").first).to_contain_text(
        f"Credit note {note.number}"
    )
    expect(detail.get_by_role("link", name="View in Xero")).to_be_visible()

    # Back to the list, inside the tab; and the invoice again.
    click(panel.get_by_test_id("xero-detail-back"))
    expect(panel.get_by_test_id("xero-items")).to_be_visible()
    assert page.url.endswith(f"{org.get_absolute_url()}#xero")
    open_item(panel, invoice.number)
    # The address bar names the invoice: a reload shows it again, as a whole page.
    assert f"/invoices/{invoice.invoice_id}/" in page.url
    page.reload()
    expect(page.get_by_test_id("xero-detail-number")).to_have_text(invoice.number)
    # Back to the list: the record's Xero tab.
    page.get_by_test_id("xero-detail-back").click()
    expect(page.get_by_role("tabpanel", name="Xero").get_by_test_id("xero-items")).to_be_visible()
    assert violations == []


def test_download_pdf_saves_xeros_pdf_named_by_the_number(signed_in, sandbox_connection):
    page = signed_in
    org, _contact, invoice = obrien(sandbox_connection)
    detail = open_item(open_xero_tab(page, org), invoice.number)
    with page.expect_download() as info:
        detail.get_by_role("link", name="Download PDF").click()
    download = info.value
    assert download.suggested_filename == f"{invoice.number}.pdf"
    body = Path(download.path()).read_bytes()
    assert body.startswith(b"%PDF-")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(body)).pages)
    assert invoice.number in text


def test_copy_online_invoice_link_shows_the_link(
    signed_in, sandbox_connection, xero_sandbox, violations
):
    page = signed_in
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    org, _contact, invoice = obrien(sandbox_connection)
    detail = open_item(open_xero_tab(page, org), invoice.number)
    detail.get_by_role("button", name="Copy online invoice link").click()
    url = f"{xero_sandbox.url}/in/{invoice.invoice_id.hex}"
    shown = detail.get_by_test_id("xero-online-url")
    expect(shown).to_have_value(url)
    settled(page)
    detail.get_by_role("button", name="Copy", exact=True).click()
    expect(detail.get_by_text("Copied.")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == url
    assert violations == []


def test_the_deal_tabs_linked_invoice_opens_its_detail(signed_in, sandbox_connection):
    page = signed_in
    invoice = (
        XeroInvoice.objects.filter(
            organisation__organisation_id=AU, type="ACCREC", status="PAID", amount_paid__gt=0
        )
        .order_by("number")
        .first()
    )
    deal = OpportunityFactory(name="Fleet Renewal")
    XeroLinkFactory(
        record=deal,
        tenant_id=sandbox_connection.tenant_id,
        xero_type=XeroLink.XeroType.INVOICE,
        xero_id=invoice.invoice_id,
        xero_name=invoice.number,
    )
    detail = open_item(open_xero_tab(page, deal), invoice.number)
    expect(detail.get_by_test_id("xero-detail-status")).to_have_text("Paid")
    expect(detail.get_by_test_id("xero-detail-amount-due")).to_have_text("AUD 0.00")
    expect(detail.get_by_test_id("xero-detail-payment")).to_have_count(
        len(invoice.document["Payments"])
    )


def test_a_credit_note_opens_with_its_allocations(signed_in, sandbox_connection):
    page = signed_in
    org, contact, _invoice = obrien(sandbox_connection)
    note = (
        XeroCreditNote.objects.filter(contact=contact, allocations__isnull=False)
        .order_by("number")
        .first()
    )
    detail = open_item(open_xero_tab(page, org), note.number)
    expect(detail).to_contain_text("Credit note")
    allocations = detail.get_by_test_id("xero-detail-allocations")
    for allocation in note.allocations.select_related("invoice"):
        expect(allocations).to_contain_text(allocation.invoice.number)
    expect(detail.get_by_test_id("xero-detail-remaining")).to_have_text(
        f"AUD {money(note.remaining_credit)}"
    )
