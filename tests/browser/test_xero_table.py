"""In the browser, against the sandbox: a big customer's items table (issue 14). City Agency's
3,000 invoices sorted, filtered and paged, each view in the record page's URL so that Back,
reload and a copied link come back to it; Find… paging past Xero's first 100. Expectations are
computed from the sandbox's own rows."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Locator, expect

from sandbox import seed
from sandbox.models import CreditNote as XeroCreditNote
from sandbox.models import Invoice as XeroInvoice
from tests.browser import test_xero_tab as contact_tab
from tests.browser.test_xero_tab import (
    click,
    click_and_wait,
    link,
    money,
    open_xero_tab,
    settled,
    xero_contact,
)
from tests.factories import OpportunityFactory, OrganizationFactory

pytestmark = pytest.mark.django_db(transaction=True)
connection = contact_tab.connection
signed_in = contact_tab.signed_in
AU = seed.AU_TENANT_ID


def first_cells(items: Locator, rows) -> None:
    """The rows show these items, in this order (number or reference in the first cell)."""
    expect(items.locator("td:first-child")).to_have_text(
        [re.compile(rf"^{re.escape(i.number or i.reference)}(\s|$)") for i in rows]
    )


def showing(first: int, last: int, count: int) -> str:
    """The pager's words, with thousands commas."""
    return f"{first:,}\N{EN DASH}{last:,} of {count:,}"


def by_total(rows) -> list:
    return sorted(rows, key=lambda i: (i.total, i.number), reverse=True)


def total_cells(items: Locator) -> Locator:
    return items.locator("td:nth-child(7)")


@pytest.mark.sandbox_invoices(3000)
def test_a_big_customer_is_sorted_filtered_and_paged_with_back_and_reload(
    signed_in, connection, xero_sandbox
):
    page = signed_in
    city = xero_contact(seed.BIG_CUSTOMER_NAME)
    invoices = list(XeroInvoice.objects.filter(contact=city))
    notes = list(XeroCreditNote.objects.filter(contact=city))
    everything = invoices + notes
    assert len(invoices) == xero_sandbox.big_customer_invoices == 3000
    org = OrganizationFactory(name="City Agency Holdings")
    link(org, connection, city)
    panel = open_xero_tab(page, org)
    items = panel.get_by_test_id("xero-item")
    pages = panel.get_by_role("navigation", name="Invoice pages")
    expect(pages).to_contain_text(showing(1, 25, len(everything)))

    # Sort by total: the largest first (a first click on a money column).
    total = panel.get_by_role("columnheader", name="Total")
    expect(total).not_to_have_attribute("aria-sort", re.compile("."))
    click(total.get_by_role("button"))
    expect(total).to_have_attribute("aria-sort", "descending")
    largest = max(i.total for i in everything)
    expect(total_cells(items).first).to_have_text(money(largest))
    ranked = by_total(everything)
    first_cells(items, ranked[:25])
    expect(page).to_have_url(re.compile(rf"/organizations/{org.pk}/\?tab=xero&sort=total#xero$"))
    # And the other way, then back.
    settled(page)
    click(total.get_by_role("button"))
    expect(total).to_have_attribute("aria-sort", "ascending")
    first_cells(items, ranked[::-1][:25])
    settled(page)
    click(total.get_by_role("button"))
    expect(total).to_have_attribute("aria-sort", "descending")

    # Filter by a number: that invoice alone, still sorted by total.
    box = panel.get_by_label("Find in list")
    box.fill("INV-1234")
    click(panel.get_by_role("button", name="Filter", exact=True))
    first_cells(items, [i for i in invoices if i.number == "INV-1234"])
    expect(page).to_have_url(re.compile(r"\?tab=xero&sort=total&q=INV-1234#xero$"))
    settled(page)
    panel.get_by_label("Find in list").fill("")
    click(panel.get_by_role("button", name="Filter", exact=True))
    expect(pages).to_contain_text(showing(1, 25, len(everything)))

    # Go to page 3.
    settled(page)
    panel.get_by_label("Go to page").fill("3")
    click(pages.get_by_role("button", name="Go", exact=True))
    expect(pages).to_contain_text(showing(51, 75, len(everything)))
    first_cells(items, ranked[50:75])
    expect(panel.get_by_test_id("xero-current-page")).to_have_text("3")
    expect(page).to_have_url(re.compile(r"\?tab=xero&sort=total&page=3#xero$"))

    # 100 a page: back to the first page, a hundred rows.
    settled(page)
    panel.get_by_label("Per page").select_option("100")
    expect(pages).to_contain_text(showing(1, 100, len(everything)))
    first_cells(items, ranked[:100])
    expect(page).to_have_url(re.compile(r"\?tab=xero&sort=total&size=100#xero$"))

    # Back: page 3 of 25 again, as it was.
    page.go_back()
    expect(page).to_have_url(re.compile(r"\?tab=xero&sort=total&page=3#xero$"))
    panel = page.get_by_role("tabpanel", name="Xero")
    pages = panel.get_by_role("navigation", name="Invoice pages")
    items = panel.get_by_test_id("xero-item")
    expect(pages).to_contain_text(showing(51, 75, len(everything)))
    first_cells(items, ranked[50:75])
    expect(panel.get_by_role("columnheader", name="Total")).to_have_attribute(
        "aria-sort", "descending"
    )
    # Forward: 100 a page again; Back once more.
    page.go_forward()
    expect(page).to_have_url(re.compile(r"\?tab=xero&sort=total&size=100#xero$"))
    expect(pages).to_contain_text(showing(1, 100, len(everything)))
    page.go_back()
    expect(pages).to_contain_text(showing(51, 75, len(everything)))
    # Reload keeps it; so does the URL opened afresh (a copied link).
    page.reload()
    expect(pages).to_contain_text(showing(51, 75, len(everything)))
    first_cells(items, ranked[50:75])
    copied = page.url
    page.goto("about:blank")
    page.goto(copied)
    expect(pages).to_contain_text(showing(51, 75, len(everything)))
    expect(panel.get_by_label("Per page")).to_have_value("25")
    # Refresh asks Xero again and keeps the view, and the URL.
    click_and_wait(panel.get_by_role("button", name="Refresh"))
    expect(pages).to_contain_text(showing(51, 75, len(everything)))
    expect(page).to_have_url(re.compile(r"\?tab=xero&sort=total&page=3#xero$"))


def test_an_amount_finds_the_invoices_of_that_total(signed_in, connection, xero_sandbox):
    page = signed_in
    city = xero_contact(seed.BIG_CUSTOMER_NAME)
    invoices = list(XeroInvoice.objects.filter(contact=city))
    org = OrganizationFactory(name="City Agency Holdings")
    link(org, connection, city)
    chosen = invoices[7]
    amount = f"{chosen.total:,.2f}"  # as the table shows it, with a thousands comma
    expected = [
        i for i in invoices if f"{chosen.total:.2f}" in (f"{i.total:.2f}", f"{i.amount_due:.2f}")
    ]
    panel = open_xero_tab(page, org)
    panel.get_by_label("Find in list").fill(amount)
    click(panel.get_by_role("button", name="Filter", exact=True))
    items = panel.get_by_test_id("xero-item")
    expect(items).to_have_count(len(expected))
    expect(items.filter(has_text=chosen.number)).to_have_count(1)
    assert chosen.total > Decimal("0")


def test_find_pages_past_the_first_hundred(signed_in, connection, xero_sandbox):
    page = signed_in
    deal = OpportunityFactory()
    matching = XeroInvoice.objects.filter(
        organisation__organisation_id=AU, type="ACCREC", number__icontains="INV-0"
    )
    numbers = {i.number for i in matching}
    assert 100 < len(numbers) <= 200
    panel = open_xero_tab(page, deal)
    click(panel.get_by_role("button", name="Invoices"))
    click(panel.get_by_role("button", name="Find…"))
    panel.get_by_label("Invoice number").fill("INV-0")
    click(panel.get_by_role("button", name="Find", exact=True))
    results = panel.get_by_test_id("xero-find-result")
    expect(results).to_have_count(100)
    expect(panel.get_by_text("Showing the first 100")).to_have_count(0)
    first = set(results.locator("td:first-child").all_inner_texts())
    result_pages = panel.get_by_role("navigation", name="Result pages")
    expect(result_pages).to_contain_text("Page 1: 100 results")
    click(result_pages.get_by_role("button", name="Next"))
    rest = len(numbers) - 100
    expect(result_pages).to_contain_text(f"Page 2: {rest} results")
    expect(results).to_have_count(rest)
    second = set(results.locator("td:first-child").all_inner_texts())
    assert not first & second and first | second == numbers  # every match, once
    expect(result_pages.get_by_role("button", name="Next")).to_have_count(0)
    # The search is kept: still sales invoices by number, still "INV-0".
    expect(panel.get_by_label("Invoice number")).to_have_value("INV-0")
    settled(page)
    click(result_pages.get_by_role("button", name="Previous"))
    expect(result_pages).to_contain_text("Page 1: 100 results")
    assert set(results.locator("td:first-child").all_inner_texts()) == first
