"""In the browser, against the sandbox: the invoice composer (issue 13). Picking an item fills
its line; the total changes before posting as the tax rate changes; "Use for every line"; an
archived account refused before sending; a refusal by Xero shown at its field; a double submit
makes one draft whose every field is what the form showed; Submit for approval; and the demo's
"Agency retainer 2027", whose total is known before posting and is Xero's."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Locator, expect

from crm_xero.crm.demo import seed_demo
from crm_xero.crm.models import Opportunity
from sandbox import seed
from sandbox.models import Account as XeroAccount
from sandbox.models import Invoice as XeroInvoice
from tests.browser.test_xero_tab import (
    AU,
    actions,
    click,
    link,
    open_xero_tab,
    settled,
    xero_contact,
)
from tests.browser.test_xero_tab import connection as connection
from tests.browser.test_xero_tab import signed_in as signed_in
from tests.factories import OpportunityFactory, OpportunityLineItemFactory, OrganizationFactory

pytestmark = pytest.mark.django_db(transaction=True)


def composer_for(page, connection, name: str = "Basket Case") -> tuple[Locator, object]:
    """The composer of an organization linked to the Xero contact `name`."""
    contact = xero_contact(name)
    org = OrganizationFactory(name=f"{name} (CRM)")
    link(org, connection, contact)
    panel = open_xero_tab(page, org)
    click(actions(panel, "Create invoice draft"))
    expect(panel.get_by_role("heading", name=f"Create invoice draft for {name}")).to_be_visible()
    settled(page)
    return panel, contact


def total_is(panel: Locator, text: str) -> None:
    expect(panel.get_by_test_id("draft-total")).to_have_text(text)
    settled(panel.page)


def a_line(panel: Locator, n: int, description: str, quantity: str, price: str, account: str):
    panel.get_by_label(f"Description (line {n})").fill(description)
    panel.get_by_label(f"Quantity (line {n})").fill(quantity)
    panel.get_by_label(f"Unit price (line {n})").fill(price)
    panel.get_by_label(f"Account (line {n})").select_option(account)
    settled(panel.page)


def test_picking_an_item_fills_its_line_and_the_total(signed_in, connection):
    panel, _ = composer_for(signed_in, connection)
    picker = panel.get_by_label("Item (line 1)")
    picker.fill("TRAINING")
    picker.press("Tab")  # a pick from the list, as the browser's datalist leaves it
    expect(panel.get_by_label("Description (line 1)")).to_have_value("Training session")
    assert Decimal(panel.get_by_label("Unit price (line 1)").input_value()) == Decimal("900")
    expect(panel.get_by_label("Account (line 1)")).to_have_value("260")
    expect(panel.get_by_label("Tax rate (line 1)")).to_have_value("OUTPUT")
    total_is(panel, "990.00")
    # Still editable: a second unit costs the total its share.
    panel.get_by_label("Quantity (line 1)").fill("2")
    total_is(panel, "1,980.00")


def test_the_total_changes_with_the_tax_rate_before_anything_is_posted(signed_in, connection):
    page = signed_in
    panel, contact = composer_for(page, connection)
    a_line(panel, 1, "Consulting", "3", "185", "200")
    total_is(panel, "610.50")  # 555 + 10% GST (the account's tax rate)
    expect(panel.get_by_test_id("draft-tax")).to_have_text("55.50")
    panel.get_by_label("Tax rate (line 1)").select_option("EXEMPTOUTPUT")
    total_is(panel, "555.00")
    panel.get_by_label("Amounts are").select_option("Inclusive")
    panel.get_by_label("Tax rate (line 1)").select_option("OUTPUT")
    total_is(panel, "555.00")
    expect(panel.get_by_test_id("draft-tax")).to_have_text("50.45")  # 555 x 10/110, inside
    assert not XeroInvoice.objects.filter(contact=contact, reference="").exists()


def test_use_for_every_line_sets_the_account_and_tax_rate_of_each_line(signed_in, connection):
    panel, _ = composer_for(signed_in, connection)
    a_line(panel, 1, "Course", "1", "950", "260")
    # Account 260 brings its own tax rate (the server re-draws the line): wait for it before
    # choosing another, so that the line's answer cannot land after the choice.
    expect(panel.get_by_label("Tax rate (line 1)")).to_have_value("OUTPUT")
    panel.get_by_label("Tax rate (line 1)").select_option("EXEMPTOUTPUT")
    total_is(panel, "950.00")
    click(panel.get_by_role("button", name="Add line item"))
    a_line(panel, 2, "Materials", "2", "10", "200")
    # Choosing account 200 gave line 2 that account's tax rate (the server re-drew the line)
    # and the total followed (950 + 20 + 10% of 20): wait for both, so that the line's answer
    # cannot land after Use for every line.
    expect(panel.get_by_label("Tax rate (line 2)")).to_have_value("OUTPUT")
    total_is(panel, "972.00")
    click(panel.get_by_role("button", name="Use for every line (tax rate of line 1)"))
    expect(panel.get_by_label("Tax rate (line 2)")).to_have_value("EXEMPTOUTPUT")
    click(panel.get_by_role("button", name="Use for every line (account of line 1)"))
    expect(panel.get_by_label("Account (line 2)")).to_have_value("260")
    total_is(panel, "970.00")


def test_an_archived_account_is_refused_before_anything_is_sent(signed_in, connection):
    page = signed_in
    link(OrganizationFactory(name="Legacy Co"), connection, xero_contact("Basket Case"))
    deal = OpportunityFactory(name="Legacy plan", organization=None, contact=None)
    OpportunityLineItemFactory(
        opportunity=deal, description="Old plan", quantity=Decimal("1"),
        unit_price=Decimal("100.00"), account_code="250",
    )  # fmt: skip
    before = XeroInvoice.objects.count()
    panel = open_xero_tab(page, deal)
    click(panel.get_by_role("button", name="Create invoice draft"))
    panel.get_by_label("Search Xero contacts").fill("Basket")
    click(panel.get_by_role("button", name="Search", exact=True))
    panel.get_by_role("radio", name="Basket Case").check()
    expect(panel.get_by_label("Account (line 1)")).to_have_value("250")
    click(panel.get_by_role("button", name="Create draft in Xero"))
    expect(panel.locator("#id_lines-0-account_code_error")).to_have_text(
        "Account 250 is archived in Xero."
    )
    assert XeroInvoice.objects.count() == before


def test_xeros_refusal_is_shown_at_the_field_it_names(signed_in, connection):
    panel, contact = composer_for(signed_in, connection)
    a_line(panel, 1, "Training", "1", "900", "260")
    # Archived in Xero after the form loaded its (cached) choices.
    XeroAccount.objects.filter(organisation__organisation_id=AU, code="260").update(
        status="ARCHIVED"
    )
    panel.get_by_label("Reference").fill("Refused by Xero")
    click(panel.get_by_role("button", name="Create draft in Xero"))
    error = panel.locator("#id_lines-0-account_code_error")
    expect(error).to_contain_text("Xero: ")
    expect(error).to_contain_text("260")
    expect(panel.get_by_test_id("xero-problem")).to_have_text(
        "Xero refused the draft: see the fields marked."
    )
    assert not XeroInvoice.objects.filter(contact=contact, reference="Refused by Xero").exists()


def test_a_double_submit_makes_one_draft_with_every_field_the_form_showed(signed_in, connection):
    page = signed_in
    panel, contact = composer_for(page, connection)
    before = XeroInvoice.objects.filter(contact=contact).count()
    panel.get_by_label("Reference").fill("Every field")
    panel.get_by_label("Currency").select_option("USD")
    panel.get_by_label("Amounts are").select_option("Inclusive")
    panel.get_by_label("Branding theme").select_option(label="Special Projects")
    panel.get_by_label("Due date").fill("2026-12-24")
    a_line(panel, 1, "Hosting", "12", "240", "200")
    # Account 200 brings its tax rate (the server re-draws the line): wait for it before the
    # next edits, as a person sees the tax rate arrive (a change made while the line is re-drawn
    # is kept too: test_a_change_made_while_its_line_is_re_drawn_is_kept).
    expect(panel.get_by_label("Tax rate (line 1)")).to_have_value("OUTPUT")
    settled(page)
    panel.get_by_label("Discount % (line 1)").fill("5")
    panel.get_by_label("Region (line 1)").select_option(label="North")
    total_is(panel, "2,736.00")  # 12 x 240 less 5%, GST inside
    shown = {
        name: panel.get_by_label(label).input_value()
        for name, label in [("date", re.compile(r"^Date")), ("account", "Account (line 1)"),
                            ("tax", "Tax rate (line 1)"), ("theme", "Branding theme")]
    }  # fmt: skip
    settled(page)
    panel.get_by_role("button", name="Create draft in Xero").dblclick()
    notice = panel.get_by_test_id("xero-notice")
    expect(notice).to_contain_text("created as a draft in Xero.")

    (draft,) = XeroInvoice.objects.filter(contact=contact, reference="Every field")
    assert XeroInvoice.objects.filter(contact=contact).count() == before + 1
    assert (draft.status, draft.currency, draft.line_amount_types) == ("DRAFT", "USD", "Inclusive")
    assert (draft.date, draft.due_date) == (date.fromisoformat(shown["date"]), date(2026, 12, 24))
    assert draft.document["BrandingThemeID"] == shown["theme"]
    (line,) = draft.document["LineItems"]
    assert (line["AccountCode"], line["TaxType"]) == (shown["account"], shown["tax"])
    assert Decimal(str(line["DiscountRate"])) == Decimal("5")
    assert [(t["Name"], t["Option"]) for t in line["Tracking"]] == [("Region", "North")]
    assert draft.total == Decimal("2736.00")
    expect(notice).to_have_text(f"{draft.number} for USD 2,736.00 created as a draft in Xero.")


def test_submit_for_approval_creates_it_awaiting_approval(signed_in, connection):
    panel, contact = composer_for(signed_in, connection)
    panel.get_by_label("Reference").fill("Please approve")
    a_line(panel, 1, "Audit", "1", "3200", "200")
    panel.get_by_label("Submit for approval").check()
    click(panel.get_by_role("button", name="Create draft in Xero"))
    expect(panel.get_by_test_id("xero-notice")).to_contain_text("submitted for approval")
    draft = XeroInvoice.objects.get(contact=contact, reference="Please approve")
    assert (draft.status, draft.total) == ("SUBMITTED", Decimal("3520.00"))


def test_the_agency_retainer_2027_total_is_known_before_posting_and_is_xeros(signed_in, connection):
    page = signed_in
    seed_demo(today=timezone.localdate())
    deal = Opportunity.objects.get(name="Agency retainer 2027")
    link(deal.organization, connection, xero_contact(seed.BIG_CUSTOMER_NAME))
    panel = open_xero_tab(page, deal)
    click(panel.get_by_role("button", name="Create invoice draft"))
    expect(panel.get_by_text("Xero contact:")).to_contain_text(seed.BIG_CUSTOMER_NAME)
    # Training 2 x 900 (260), support plan 5200 (200), hardware kits 4 x 349.95 (210): each
    # line's item and account, GST on income: 8,399.80 + 839.98.
    for n, item in enumerate(["TRAINING", "SUPPORT-ANNUAL", "HW-KIT"], start=1):
        expect(panel.get_by_label(f"Item (line {n})")).to_have_value(item)
        expect(panel.get_by_label(f"Tax rate (line {n})")).to_have_value("OUTPUT")
    expect(panel.get_by_test_id("draft-subtotal")).to_have_text("8,399.80")
    expect(panel.get_by_test_id("draft-tax")).to_have_text("839.98")
    total_is(panel, "9,239.78")
    click(panel.get_by_role("button", name="Create draft in Xero"))
    expect(panel.get_by_test_id("xero-notice")).to_contain_text("for AUD 9,239.78 created")
    draft = XeroInvoice.objects.filter(reference="Agency retainer 2027").get()
    assert draft.total == Decimal("9239.78")


def test_a_change_made_while_its_line_is_re_drawn_is_kept(signed_in, connection):
    """Choosing an account re-draws the line on the server; a discount and a tax rate chosen
    while that answer is on its way stay as the person chose them, and the total follows."""
    panel, _ = composer_for(signed_in, connection)
    page = panel.page
    held = []
    page.route("**/invoice-line", lambda route: held.append(route))  # the answer waits
    panel.get_by_label("Description (line 1)").fill("Hosting")
    panel.get_by_label("Quantity (line 1)").fill("12")
    panel.get_by_label("Unit price (line 1)").fill("240")
    panel.get_by_label("Account (line 1)").select_option("200")
    page.wait_for_timeout(100)
    assert len(held) == 1, "choosing the account asked the server for the line"
    panel.get_by_label("Discount % (line 1)").fill("5")
    panel.get_by_label("Tax rate (line 1)").select_option("EXEMPTOUTPUT")
    held[0].continue_()  # the re-drawn line arrives now, with account 200's own tax rate
    page.unroute("**/invoice-line")
    total_is(panel, "2,736.00")  # 12 x 240 less 5%, GST free: as chosen, not as re-drawn
    expect(panel.get_by_label("Discount % (line 1)")).to_have_value("5")
    expect(panel.get_by_label("Tax rate (line 1)")).to_have_value("EXEMPTOUTPUT")
    expect(panel.get_by_label("Account (line 1)")).to_have_value("200")
