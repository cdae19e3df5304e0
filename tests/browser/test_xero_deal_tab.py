"""In the browser, against the sandbox: the Xero tab of opportunities and projects.

The linked invoices and bills with their totals, Invoices / Bills → Find… and Link, Unlink,
Create invoice draft (with the contact preselected, or created inline), and Xero's faults.
Expectations are computed from the sandbox's own rows (sandbox.models), never from the CRM's
selectors.
"""

from __future__ import annotations

import re
import uuid
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Locator, expect

from linking.models import AuditEntry, XeroLink
from sandbox import seed
from sandbox.models import Contact as XeroContact
from sandbox.models import Invoice as XeroInvoice
from sandbox.models import Organisation as XeroOrganisation
from tests.browser import test_xero_tab as contact_tab
from tests.browser.conftest import sign_in, sso_sign_in
from tests.browser.test_xero_tab import (
    click,
    link,
    money,
    open_xero_tab,
    settled,
    xero_contact,
)
from tests.factories import (
    OpportunityFactory,
    OpportunityLineItemFactory,
    ProjectFactory,
    XeroLinkFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

# The contacts tab's fixtures: the CRM connected to the sandbox, a signed-in SSO user, its API.
connection = contact_tab.connection
signed_in = contact_tab.signed_in
xero_api = contact_tab.xero_api

AU = seed.AU_TENANT_ID


# ------------------------------------------------------------------------------------- helpers


def put_item(
    call,
    contact: XeroContact,
    kind: str,
    status: str,
    currency: str,
    amount: str,
    *,
    number: str = "",
    day: date | None = None,
) -> XeroInvoice:
    """An invoice (ACCREC) or bill (ACCPAY) made in the sandbox through its API; its row."""
    invoice = {
        "Type": kind,
        "Contact": {"ContactID": str(contact.contact_id)},
        "Status": status,
        "Date": (day or timezone.localdate() - timedelta(days=2)).isoformat(),
        "CurrencyCode": currency,
        "LineItems": [
            {
                "Description": "Deal tab test",
                "Quantity": 1,
                "UnitAmount": amount,
                "AccountCode": "200" if kind == "ACCREC" else "429",
            }
        ],
    }
    if number:
        invoice["InvoiceNumber"] = number
    answer = call("PUT", "/Invoices", json={"Invoices": [invoice]})
    return XeroInvoice.objects.get(invoice_id=answer.json()["Invoices"][0]["InvoiceID"])


def item_link(record, connection, item: XeroInvoice) -> XeroLink:
    """A link as Link leaves it (Link itself is driven in its own tests)."""
    return XeroLinkFactory(
        record=record,
        tenant_id=connection.tenant_id,
        xero_type=XeroLink.XeroType.INVOICE,
        xero_id=item.invoice_id,
        xero_name=item.number or item.reference,
    )


def find(panel: Locator, menu: str) -> None:
    """Open Invoices ▾ or Bills ▾, then its Find…."""
    click(panel.get_by_role("button", name=re.compile(rf"^{menu}")))
    click(panel.get_by_role("button", name="Find…"))
    expect(panel.get_by_role("button", name="Find", exact=True)).to_be_visible()
    settled(panel.page)


def au_rows(kind: str):
    return XeroInvoice.objects.filter(organisation__organisation_id=AU, type=kind)


def numbers_in(rows: Locator) -> list[str]:
    return [text.strip() for text in rows.locator("td:first-child").all_inner_texts()]


# ---------------------------------------------------------------------------------- the figures


def test_totals_and_net_count_base_currency_items_by_status(signed_in, connection, xero_api):
    page = signed_in
    city = xero_contact(seed.BIG_CUSTOMER_NAME)
    deal = OpportunityFactory(name="Harbour Lights Festival")
    items = [
        put_item(xero_api, city, "ACCREC", "AUTHORISED", "AUD", "1000.00"),
        put_item(xero_api, city, "ACCREC", "SUBMITTED", "AUD", "250.00"),
        put_item(xero_api, city, "ACCREC", "DRAFT", "AUD", "400.00"),
        put_item(xero_api, city, "ACCREC", "AUTHORISED", "USD", "700.00"),
        put_item(xero_api, city, "ACCPAY", "SUBMITTED", "AUD", "300.00", number="HL-B1"),
        put_item(xero_api, city, "ACCPAY", "AUTHORISED", "AUD", "900.00", number="HL-B2"),
        put_item(xero_api, city, "ACCPAY", "SUBMITTED", "EUR", "200.00", number="HL-B3"),
        put_item(xero_api, city, "ACCPAY", "SUBMITTED", "GBP", "120.00", number="HL-B4"),
        put_item(xero_api, city, "ACCPAY", "DRAFT", "USD", "80.00", number="HL-B5"),
    ]
    paid = au_rows("ACCREC").filter(status="PAID", currency="AUD").first()
    voided = au_rows("ACCREC").filter(status="VOIDED", currency="AUD").first()
    items += [paid, voided]
    for item in items:
        item_link(deal, connection, item)
    unrelated = put_item(xero_api, city, "ACCREC", "AUTHORISED", "AUD", "5000.00")  # not linked

    # Computed from the sandbox's rows by the rules.
    base = XeroOrganisation.objects.get(organisation_id=AU).base_currency
    rows = [XeroInvoice.objects.get(pk=i.pk) for i in items]
    invoices = sum(
        (
            i.total
            for i in rows
            if i.currency == base and i.type == "ACCREC" and i.status in ("AUTHORISED", "SUBMITTED")
        ),
        Decimal("0"),
    )
    bills = sum(
        (
            i.total
            for i in rows
            if i.currency == base and i.type == "ACCPAY" and i.status == "SUBMITTED"
        ),
        Decimal("0"),
    )
    others = [i for i in rows if i.currency != base and i.status not in ("VOIDED", "DELETED")]
    assert invoices == Decimal("1375.00") and bills == Decimal("330.00")  # 10% GST on top

    panel = open_xero_tab(page, deal)
    expect(panel.get_by_test_id("xero-invoices-total")).to_have_text(f"{base} {money(invoices)}")
    expect(panel.get_by_test_id("xero-bills-total")).to_have_text(f"{base} {money(bills)}")
    expect(panel.get_by_test_id("xero-net")).to_have_text(f"{base} {money(invoices - bills)}")
    counts = Counter(i.currency for i in others)
    codes = sorted(counts, key=lambda code: (-counts[code], code))
    assert codes == ["USD", "EUR", "GBP"]
    # The other currencies' table replaced "N items in USD, EUR, GBP are not included".
    currency_rows = panel.get_by_test_id("xero-currencies").get_by_test_id("xero-currency-row")
    expect(currency_rows.get_by_role("rowheader")).to_have_text(codes)
    expect(currency_rows.get_by_test_id("xero-currency-count")).to_have_text(
        [str(counts[code]) for code in codes]
    )
    # Every linked item is listed, in whatever currency and status; the unlinked one is not.
    listed = panel.get_by_test_id("xero-item")
    expect(listed).to_have_count(len(items))
    for item in rows:
        expect(listed.filter(has_text=item.number)).to_have_count(1)
    expect(listed.filter(has_text=unrelated.number)).to_have_count(0)
    expect(listed.filter(has_text=voided.number)).to_contain_text("Voided in Xero")


def test_net_is_negative_when_bills_exceed_invoices(signed_in, connection, xero_api):
    page = signed_in
    city = xero_contact(seed.BIG_CUSTOMER_NAME)
    project = ProjectFactory(name="Warehouse Fit-out")
    for item in (
        put_item(xero_api, city, "ACCREC", "AUTHORISED", "AUD", "100.00"),
        put_item(xero_api, city, "ACCPAY", "SUBMITTED", "AUD", "2500.00", number="WF-1"),
    ):
        item_link(project, connection, item)
    panel = open_xero_tab(page, project)
    expect(panel.get_by_test_id("xero-invoices-total")).to_have_text("AUD 110.00")
    expect(panel.get_by_test_id("xero-bills-total")).to_have_text("AUD 2,750.00")
    expect(panel.get_by_test_id("xero-net")).to_have_text("AUD -2,640.00")
    expect(panel.get_by_test_id("xero-currencies")).to_have_count(0)


# ------------------------------------------------------------------------------ Find… and Link


def test_find_an_invoice_by_number_link_it_and_a_second_link_is_refused(signed_in, connection):
    page = signed_in
    deal = OpportunityFactory(name="Campus Wi-Fi")
    wanted = au_rows("ACCREC").exclude(number="").order_by("number").first()
    expected = [i for i in au_rows("ACCREC") if wanted.number.casefold() in i.number.casefold()]
    assert [i.number for i in expected] == [wanted.number]

    panel = open_xero_tab(page, deal)
    expect(panel.get_by_test_id("xero-no-items")).to_be_visible()
    find(panel, "Invoices")
    panel.get_by_label("Invoice number").fill(wanted.number)
    click(panel.get_by_role("button", name="Find", exact=True))
    results = panel.get_by_test_id("xero-find-result")
    expect(results).to_have_count(1)
    expect(results.first).to_contain_text(wanted.number)
    expect(results.first).to_contain_text(wanted.contact.name)
    expect(results.first).to_contain_text(money(wanted.total))
    expect(results.first.get_by_text("Linked here")).to_have_count(0)

    click(results.first.get_by_role("button", name=f"Link {wanted.number}"))
    expect(panel.get_by_test_id("xero-notice")).to_have_text(
        f"Linked {wanted.number} to this opportunity."
    )
    row = panel.get_by_test_id("xero-item")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(wanted.number)
    link = XeroLink.objects.get(opportunity=deal)
    assert (link.xero_id, link.xero_type) == (wanted.invoice_id, "invoice")
    assert AuditEntry.objects.filter(action=AuditEntry.Action.LINK, succeeded=True).count() == 1

    # The same search marks it; linking it again is refused politely, naming it.
    find(panel, "Invoices")
    panel.get_by_label("Invoice number").fill(wanted.number)
    click(panel.get_by_role("button", name="Find", exact=True))
    expect(results.first.get_by_text("Linked here")).to_be_visible()
    click(results.first.get_by_role("button", name=f"Link {wanted.number}"))
    problem = panel.get_by_test_id("xero-problem")
    expect(problem).to_contain_text(wanted.number)
    expect(problem).to_contain_text("already linked")
    expect(panel.get_by_test_id("xero-item")).to_have_count(1)
    assert XeroLink.objects.filter(opportunity=deal).count() == 1


def test_find_a_bill_by_reference_and_link_it_to_a_project(signed_in, connection):
    page = signed_in
    project = ProjectFactory(name="Office Move")
    bill = au_rows("ACCPAY").exclude(number="").order_by("number").first()
    expected = {
        i.number for i in au_rows("ACCPAY") if bill.number.casefold() in i.number.casefold()
    }

    panel = open_xero_tab(page, project)
    find(panel, "Bills")
    expect(panel.get_by_role("heading", name="Find bills by reference")).to_be_visible()
    panel.get_by_label("Reference").fill(bill.number)
    click(panel.get_by_role("button", name="Find", exact=True))
    results = panel.get_by_test_id("xero-find-result")
    expect(results).to_have_count(len(expected))
    assert set(numbers_in(results)) == expected
    click(
        results.filter(has_text=bill.number).first.get_by_role("button", name=f"Link {bill.number}")
    )
    expect(panel.get_by_test_id("xero-notice")).to_have_text(
        f"Linked {bill.number} to this project."
    )
    expect(panel.get_by_test_id("xero-item").filter(has_text=bill.number)).to_contain_text("Bill")
    assert XeroLink.objects.get(project=project).xero_id == bill.invoice_id


def test_find_bills_within_a_date_range(signed_in, connection):
    page = signed_in
    project = ProjectFactory()
    days = sorted(au_rows("ACCPAY").values_list("date", flat=True))
    # Both ends are dates of bills: the range includes them.
    start = days[len(days) // 3]
    end = next(d for d in days if d > start + timedelta(days=300))
    expected = {i.number for i in au_rows("ACCPAY") if start <= i.date <= end}
    outside = {i.number for i in au_rows("ACCPAY") if not start <= i.date <= end}
    assert 1 < len(expected) < 100 and outside
    assert {i.number for i in au_rows("ACCPAY").filter(date__in=[start, end])} <= expected

    panel = open_xero_tab(page, project)
    find(panel, "Bills")
    panel.get_by_label("From").fill(start.isoformat())
    panel.get_by_label("To").fill(end.isoformat())
    click(panel.get_by_role("button", name="Find", exact=True))
    results = panel.get_by_test_id("xero-find-result")
    expect(results).to_have_count(len(expected))
    assert set(numbers_in(results)) == expected


def test_find_with_no_results_and_with_too_many(signed_in, connection):
    page = signed_in
    deal = OpportunityFactory()
    panel = open_xero_tab(page, deal)
    find(panel, "Invoices")
    panel.get_by_label("Invoice number").fill("NO-SUCH-NUMBER-42")
    click(panel.get_by_role("button", name="Find", exact=True))
    expect(panel.get_by_test_id("xero-find-none")).to_have_text("Nothing in Xero matches.")
    expect(panel.get_by_test_id("xero-find-result")).to_have_count(0)

    matching = [i for i in au_rows("ACCREC") if "inv-0" in i.number.casefold()]
    assert len(matching) > 100
    panel.get_by_label("Invoice number").fill("INV-0")
    click(panel.get_by_role("button", name="Find", exact=True))
    results = panel.get_by_test_id("xero-find-result")
    expect(results).to_have_count(100)
    # Issue 14: Find… no longer stops at 100; the next page of Xero's is offered.
    result_pages = panel.get_by_role("navigation", name="Result pages")
    expect(result_pages.get_by_role("button", name="Next")).to_be_visible()
    # Newest first: the 100 shown are the newest of those that match.
    newest = sorted(matching, key=lambda i: i.date, reverse=True)
    shown = set(numbers_in(results))
    assert {i.number for i in newest[:100] if i.date > newest[100].date} <= shown


def test_find_refuses_a_range_that_ends_before_it_starts(signed_in, connection):
    page = signed_in
    panel = open_xero_tab(page, OpportunityFactory())
    find(panel, "Invoices")
    panel.get_by_label("From").fill("2026-05-01")
    panel.get_by_label("To").fill("2026-04-01")
    click(panel.get_by_role("button", name="Find", exact=True))
    expect(panel.get_by_role("alert")).to_contain_text(
        "The end of the range cannot be before its start."
    )
    expect(panel.get_by_test_id("xero-find-result")).to_have_count(0)


# ------------------------------------------------------------------------------------- Unlink


def test_unlink_asks_first_cancel_keeps_and_unlink_removes_only_the_link(
    signed_in, connection, sso_user
):
    page = signed_in
    deal = OpportunityFactory(name="Fleet Renewal")
    item = au_rows("ACCREC").filter(status="AUTHORISED", currency="AUD").first()
    before = XeroInvoice.objects.filter(pk=item.pk).values().get()
    item_link(deal, connection, item)

    panel = open_xero_tab(page, deal)
    click(panel.get_by_role("button", name=f"Unlink {item.number}"))
    expect(panel).to_contain_text(
        f"Unlink {item.number} from Fleet Renewal? Only the link is removed; "
        "nothing changes in Xero."
    )
    click(panel.get_by_role("button", name="Cancel"))
    expect(panel.get_by_test_id("xero-item")).to_have_count(1)
    assert XeroLink.objects.filter(opportunity=deal).exists()

    click(panel.get_by_role("button", name=f"Unlink {item.number}"))
    click(panel.get_by_role("button", name="Unlink", exact=True))
    expect(panel.get_by_test_id("xero-notice")).to_have_text(
        f"Unlinked {item.number}. Nothing was changed in Xero."
    )
    expect(panel.get_by_test_id("xero-item")).to_have_count(0)
    expect(panel.get_by_test_id("xero-no-items")).to_be_visible()
    assert not XeroLink.objects.filter(opportunity=deal).exists()
    assert XeroInvoice.objects.filter(pk=item.pk).values().get() == before
    entry = AuditEntry.objects.get(action=AuditEntry.Action.UNLINK)
    assert (entry.user, entry.record_id, entry.xero_id) == (sso_user, deal.pk, str(item.invoice_id))


# --------------------------------------------------------------------------- Create invoice draft


def test_create_invoice_draft_preselects_the_organizations_contact_and_prefills_lines(
    signed_in, connection
):
    page = signed_in
    ridgeway = xero_contact("Ridgeway Univ.")
    deal = OpportunityFactory(name="Campus Wi-Fi", currency="AUD")
    link(deal.organization, connection, ridgeway)
    lines = [
        OpportunityLineItemFactory(
            opportunity=deal,
            description="Access points",
            quantity=Decimal("12"),
            unit_price=Decimal("310.00"),
            account_code="200",
        ),
        OpportunityLineItemFactory(
            opportunity=deal,
            description="Installation",
            quantity=Decimal("1"),
            unit_price=Decimal("1800.00"),
            account_code="200",
        ),
    ]
    before = XeroInvoice.objects.filter(contact=ridgeway).count()

    panel = open_xero_tab(page, deal)
    click(panel.get_by_role("button", name="Create invoice draft"))
    expect(
        panel.get_by_role("heading", name="Create invoice draft for Campus Wi-Fi")
    ).to_be_visible()
    expect(panel.get_by_text("Xero contact:")).to_contain_text("Ridgeway Univ.")
    expect(panel.get_by_label("Search Xero contacts")).to_have_count(0)
    expect(panel.get_by_label("Reference")).to_have_value("Campus Wi-Fi")
    expect(panel.get_by_label("Currency")).to_have_value("AUD")
    for n, line in enumerate(lines, start=1):
        expect(panel.get_by_label(f"Description (line {n})")).to_have_value(line.description)
        quantity = panel.get_by_label(f"Quantity (line {n})").input_value()
        unit = panel.get_by_label(f"Unit price (line {n})").input_value()
        assert (Decimal(quantity), Decimal(unit)) == (line.quantity, line.unit_price)
        expect(panel.get_by_label(f"Account (line {n})")).to_have_value(line.account_code)
    expect(panel.get_by_label("Description (line 3)")).to_have_count(0)

    click(panel.get_by_role("button", name="Create draft in Xero"))
    notice = panel.get_by_test_id("xero-notice")
    expect(notice).to_contain_text("created as a draft in Xero and linked to this opportunity.")
    draft = XeroInvoice.objects.get(contact=ridgeway, reference="Campus Wi-Fi")
    assert XeroInvoice.objects.filter(contact=ridgeway).count() == before + 1
    # 12 x 310.00 + 1800.00, plus 10% GST.
    assert (draft.type, draft.status, draft.currency, draft.total) == (
        "ACCREC",
        "DRAFT",
        "AUD",
        Decimal("6072.00"),
    )
    sent = [
        (x["Description"], Decimal(x["Quantity"]), Decimal(x["UnitAmount"]))
        for x in draft.document["LineItems"]
    ]
    assert sent == [(line.description, line.quantity, line.unit_price) for line in lines]
    expect(notice).to_have_text(
        f"{draft.number} for AUD 6,072.00 created as a draft in Xero "
        "and linked to this opportunity."
    )
    assert XeroLink.objects.get(opportunity=deal).xero_id == draft.invoice_id
    row = panel.get_by_test_id("xero-item")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(draft.number)
    expect(row).to_contain_text("Draft")


def test_an_opportunity_without_line_items_gets_one_line_with_its_value(signed_in, connection):
    page = signed_in
    deal = OpportunityFactory(name="Annual Retainer", value=Decimal("4200.00"))
    panel = open_xero_tab(page, deal)
    click(panel.get_by_role("button", name="Create invoice draft"))
    expect(panel.get_by_label("Description (line 1)")).to_have_value("Annual Retainer")
    assert Decimal(panel.get_by_label("Quantity (line 1)").input_value()) == 1
    assert Decimal(panel.get_by_label("Unit price (line 1)").input_value()) == Decimal("4200.00")
    expect(panel.get_by_label("Description (line 2)")).to_have_count(0)
    # Its organization has no Xero contact: the form offers to search or create one.
    expect(panel.get_by_label("Search Xero contacts")).to_be_visible()
    expect(panel.get_by_label("New contact's name")).to_have_value(deal.organization.name)


def test_search_xero_contacts_in_the_form_and_invoice_the_chosen_one(signed_in, connection):
    page = signed_in
    deal = OpportunityFactory(name="Boat Refit", value=Decimal("900.00"))
    # Xero's searchTerm looks in the name, first and last names, contact number and email.
    wanted = [
        c.name
        for c in XeroContact.objects.filter(organisation__organisation_id=AU, status="ACTIVE")
        if any(
            "marine" in field.lower()
            for field in (c.name, c.first_name, c.last_name, c.contact_number, c.email)
        )
    ]
    panel = open_xero_tab(page, deal)
    click(panel.get_by_role("button", name="Create invoice draft"))
    panel.get_by_label("Search Xero contacts").fill("Marine")
    click(panel.get_by_role("button", name="Search", exact=True))
    choice = panel.get_by_role("radio", name=re.compile("^Marine Systems"))
    expect(choice).to_be_visible()
    expect(panel.get_by_role("radio")).to_have_count(len(wanted))
    choice.check()
    panel.get_by_label("Account (line 1)").select_option("200")
    click(panel.get_by_role("button", name="Create draft in Xero"))
    expect(panel.get_by_test_id("xero-notice")).to_contain_text("created as a draft in Xero")
    marine = xero_contact("Marine Systems")
    draft = XeroInvoice.objects.get(contact=marine, reference="Boat Refit")
    assert draft.status == "DRAFT"
    assert XeroLink.objects.get(opportunity=deal).xero_id == draft.invoice_id


def test_a_project_with_no_party_creates_a_contact_inline_then_one_draft(signed_in, connection):
    page = signed_in
    project = ProjectFactory(name="Roof Repairs", organization=None, contact=None)
    name = f"Roof Client {uuid.uuid4().hex[:6]}"
    invoices_before = XeroInvoice.objects.count()

    panel = open_xero_tab(page, project)
    expect(panel.get_by_test_id("xero-no-items")).to_be_visible()
    click(panel.get_by_role("button", name="Create invoice draft"))
    expect(panel.get_by_label("New contact's name")).to_have_value("")
    panel.get_by_label("New contact's name").fill(name)
    click(panel.get_by_role("button", name="New Xero Contact"))
    expect(panel.get_by_text(f"Created {name} in Xero.")).to_be_visible()
    expect(panel.get_by_text("Xero contact:")).to_contain_text(name)
    created = XeroContact.objects.get(organisation__organisation_id=AU, name=name)

    expect(panel.get_by_label("Description (line 1)")).to_have_value("Roof Repairs")
    panel.get_by_label("Unit price (line 1)").fill("800.00")
    panel.get_by_label("Account (line 1)").select_option("200")
    with page.expect_request(
        lambda r: r.method == "POST" and r.url.endswith("/deal-invoice")
    ) as sent:
        settled(page)
        panel.get_by_role("button", name="Create draft in Xero").dblclick()
    notice = panel.get_by_test_id("xero-notice")
    expect(notice).to_contain_text("created as a draft in Xero and linked to this project.")
    draft = XeroInvoice.objects.get(contact=created)
    assert (draft.type, draft.status, draft.total) == ("ACCREC", "DRAFT", Decimal("880.00"))
    row = panel.get_by_test_id("xero-item")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(draft.number)
    expect(row).to_contain_text(name)

    # The same form sent again (a second click that got through): still one draft.
    request = sent.value
    again = page.request.post(
        request.url,
        data=request.post_data,
        headers={
            "Content-Type": request.headers["content-type"],
            "X-CSRFToken": request.headers["x-csrftoken"],
            "HX-Request": "true",
        },
    )
    assert again.status < 500, again.text()[:500]
    assert XeroContact.objects.filter(organisation__organisation_id=AU, name=name).count() == 1
    assert XeroInvoice.objects.filter(contact=created).count() == 1
    assert XeroInvoice.objects.count() == invoices_before + 1
    assert [link.xero_id for link in XeroLink.objects.filter(project=project)] == [draft.invoice_id]
    page.reload()
    panel = open_xero_tab(page, project)
    expect(panel.get_by_test_id("xero-item")).to_have_count(1)


# ------------------------------------------------------------------------------------- faults


def test_a_500_while_finding_shows_the_problem_and_the_form_stays(
    signed_in, connection, xero_sandbox
):
    page = signed_in
    panel = open_xero_tab(page, OpportunityFactory())
    find(panel, "Invoices")
    xero_sandbox.fail_next(1, status=500)
    panel.get_by_label("Invoice number").fill("INV")
    click(panel.get_by_role("button", name="Find", exact=True))
    expect(panel.get_by_test_id("xero-problem")).to_contain_text("HTTP 500")
    expect(panel.get_by_label("Invoice number")).to_have_value("INV")


def test_items_voided_deleted_or_gone_in_xero_are_shown_as_such(signed_in, connection, xero_api):
    page = signed_in
    city = xero_contact(seed.BIG_CUSTOMER_NAME)
    deal = OpportunityFactory(name="Cancelled Tour")
    authorised = put_item(xero_api, city, "ACCREC", "AUTHORISED", "AUD", "600.00")
    draft = put_item(xero_api, city, "ACCREC", "DRAFT", "AUD", "50.00")
    for item in (authorised, draft):
        item_link(deal, connection, item)
    gone = XeroLinkFactory(
        record=deal,
        tenant_id=connection.tenant_id,
        xero_type=XeroLink.XeroType.INVOICE,
        xero_id=uuid.uuid4(),
        xero_name="INV-GONE",
    )
    xero_api(
        "POST",
        f"/Invoices/{authorised.invoice_id}",
        json={"Invoices": [{"InvoiceID": str(authorised.invoice_id), "Status": "VOIDED"}]},
    )
    xero_api(
        "POST",
        f"/Invoices/{draft.invoice_id}",
        json={"Invoices": [{"InvoiceID": str(draft.invoice_id), "Status": "DELETED"}]},
    )
    assert XeroInvoice.objects.get(pk=authorised.pk).status == "VOIDED"
    assert XeroInvoice.objects.get(pk=draft.pk).status == "DELETED"

    panel = open_xero_tab(page, deal)
    rows = panel.get_by_test_id("xero-item")
    expect(rows.filter(has_text=authorised.number)).to_contain_text("Voided in Xero")
    expect(rows.filter(has_text=draft.number)).to_contain_text("Deleted in Xero")
    expect(panel.get_by_test_id("xero-invoices-total")).to_have_text("AUD 0.00")
    expect(panel.get_by_test_id("xero-gone")).to_contain_text("INV-GONE no longer exists in Xero.")
    click(panel.get_by_test_id("xero-gone").get_by_role("button", name="Unlink it"))
    click(panel.get_by_role("button", name="Unlink", exact=True))
    expect(panel.get_by_test_id("xero-notice")).to_have_text(
        "Unlinked INV-GONE. Nothing was changed in Xero."
    )
    expect(panel.get_by_test_id("xero-gone")).to_have_count(0)
    assert not XeroLink.objects.filter(pk=gone.pk).exists()
    assert XeroLink.objects.filter(opportunity=deal).count() == 2


def test_the_deals_contact_is_preselected_when_its_organization_has_no_xero_contact(
    signed_in, connection
):
    page = signed_in
    deal = OpportunityFactory(name="Lab Upgrade")
    link(deal.contact, connection, xero_contact("Marine Systems"))
    panel = open_xero_tab(page, deal)
    click(panel.get_by_role("button", name="Create invoice draft"))
    expect(panel.get_by_text("Xero contact:")).to_contain_text("Marine Systems")
    expect(panel.get_by_label("Search Xero contacts")).to_have_count(0)


def test_no_contact_chosen_is_refused_and_nothing_is_created(signed_in, connection):
    page = signed_in
    deal = OpportunityFactory(name="Unaddressed", value=Decimal("100.00"))
    before = XeroInvoice.objects.count()
    panel = open_xero_tab(page, deal)
    click(panel.get_by_role("button", name="Create invoice draft"))
    panel.get_by_label("Account (line 1)").select_option("200")
    click(panel.get_by_role("button", name="Create draft in Xero"))
    expect(panel.get_by_role("alert").first).to_contain_text(
        "Choose the Xero contact to invoice (search, or create one)."
    )
    expect(panel.get_by_label("Search Xero contacts")).to_be_visible()
    assert XeroInvoice.objects.count() == before
    assert not XeroLink.objects.filter(opportunity=deal).exists()


def test_a_500_on_create_keeps_the_form_and_a_retry_makes_one_draft(
    signed_in, connection, xero_sandbox
):
    page = signed_in
    deal = OpportunityFactory(name="Retry Me", value=Decimal("300.00"))
    panel = open_xero_tab(page, deal)
    click(panel.get_by_role("button", name="Create invoice draft"))
    panel.get_by_label("Search Xero contacts").fill("Marine")
    click(panel.get_by_role("button", name="Search", exact=True))
    panel.get_by_role("radio", name=re.compile("^Marine Systems")).check()
    panel.get_by_label("Account (line 1)").select_option("200")
    xero_sandbox.fail_next(1, status=500)
    click(panel.get_by_role("button", name="Create draft in Xero"))
    expect(panel.get_by_test_id("xero-problem")).to_contain_text("HTTP 500")
    # The form is still there, with the chosen contact named and the lines kept.
    expect(panel.get_by_text("Xero contact:")).to_contain_text("Marine Systems")
    expect(panel.get_by_label("Account (line 1)")).to_have_value("200")
    click(panel.get_by_role("button", name="Create draft in Xero"))
    expect(panel.get_by_test_id("xero-notice")).to_contain_text("created as a draft in Xero")
    marine = xero_contact("Marine Systems")
    assert XeroInvoice.objects.filter(contact=marine, reference="Retry Me").count() == 1
    assert XeroLink.objects.filter(opportunity=deal).count() == 1


def test_a_double_click_on_link_makes_one_link(signed_in, connection):
    page = signed_in
    project = ProjectFactory(name="Double Click")
    wanted = au_rows("ACCREC").exclude(number="").order_by("-number").first()
    panel = open_xero_tab(page, project)
    find(panel, "Invoices")
    panel.get_by_label("Invoice number").fill(wanted.number)
    click(panel.get_by_role("button", name="Find", exact=True))
    result = panel.get_by_test_id("xero-find-result").filter(has_text=wanted.number)
    settled(page)
    result.get_by_role("button", name=f"Link {wanted.number}").dblclick()
    expect(panel.get_by_test_id("xero-item")).to_have_count(1)
    settled(page)
    assert XeroLink.objects.filter(project=project).count() == 1


# ----------------------------------------------------------------- not SSO, not connected


def test_a_password_user_sees_no_xero_data_and_cannot_link(page, password_user, connection):
    deal = OpportunityFactory(name="Private Deal")
    item = au_rows("ACCREC").first()
    sign_in(page, password_user.email)
    panel = open_xero_tab(page, deal)
    expect(panel).to_contain_text("Xero data is shown only to people who signed in with single")
    expect(panel.get_by_role("button", name="Create invoice draft")).to_have_count(0)
    csrf = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    tab = reverse("linking:xero_tab", args=["opportunity", deal.pk])
    answer = page.request.post(
        f"{tab}link-item",
        form={"invoice_id": str(item.invoice_id)},
        headers={"X-CSRFToken": csrf, "HX-Request": "true"},
    )
    assert "single sign-on" in answer.text()
    assert not XeroLink.objects.filter(opportunity=deal).exists()
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.LINK).exists()


def test_a_deal_tab_before_xero_is_connected_says_so(page, sso_user):
    project = ProjectFactory(name="Early Days")
    sso_sign_in(page, sso_user)
    panel = open_xero_tab(page, project)
    expect(panel).to_contain_text("Xero is not connected yet.")
    expect(panel.get_by_role("button", name="Create invoice draft")).to_have_count(0)


def test_a_double_click_on_new_xero_contact_makes_one_contact(signed_in, connection):
    page = signed_in
    project = ProjectFactory(name="Twice", organization=None, contact=None)
    name = f"Twice Client {uuid.uuid4().hex[:6]}"
    panel = open_xero_tab(page, project)
    click(panel.get_by_role("button", name="Create invoice draft"))
    panel.get_by_label("New contact's name").fill(name)
    settled(page)
    panel.get_by_role("button", name="New Xero Contact").dblclick()
    expect(panel.get_by_text("Xero contact:")).to_contain_text(name)
    settled(page)
    assert XeroContact.objects.filter(organisation__organisation_id=AU, name=name).count() == 1


def test_the_linked_list_pages_and_filters(signed_in, connection, xero_sandbox):
    page = signed_in
    deal = OpportunityFactory(name="Many Items")
    city = xero_contact(seed.BIG_CUSTOMER_NAME)
    invoices = list(XeroInvoice.objects.filter(contact=city).order_by("date")[:28])
    bills = list(au_rows("ACCPAY").order_by("date")[:3])
    for item in invoices + bills:
        item_link(deal, connection, item)
    panel = open_xero_tab(page, deal)
    expect(panel.get_by_test_id("xero-item")).to_have_count(25)
    expect(panel.get_by_text("1\N{EN DASH}25 of 31")).to_be_visible()
    click(panel.get_by_role("button", name="Next"))
    expect(panel.get_by_test_id("xero-item")).to_have_count(6)
    expect(panel.get_by_text("26\N{EN DASH}31 of 31")).to_be_visible()
    settled(page)
    panel.get_by_label("Show").select_option("Bills")
    expect(panel.get_by_test_id("xero-item")).to_have_count(3)
    assert set(numbers_in(panel.get_by_test_id("xero-item"))) == {
        b.number or b.reference for b in bills
    }
