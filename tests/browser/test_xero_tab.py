"""In the browser, against the sandbox: the Xero tab of organizations and contacts.

Finding and linking (auto-match by email, Search, New Xero Contact, Add Link), the overview's
figures, the Show filter and paging, the View links into Xero's web app, each Actions item, and
Xero's faults shown as messages. Expectations are computed from the sandbox's own rows
(sandbox.models) or its API, never from the CRM's selectors.
"""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from crm_xero.crm.models import Organization
from linking.models import AuditEntry, XeroLink
from sandbox import seed
from sandbox.models import Contact as XeroContact
from sandbox.models import CreditNote as XeroCreditNote
from sandbox.models import Invoice as XeroInvoice
from sandbox.models import Organisation as XeroOrganisation
from tests.browser.conftest import sso_sign_in
from tests.factories import ContactFactory, OrganizationFactory, XeroLinkFactory
from tests.sandbox.helpers import api

pytestmark = pytest.mark.django_db(transaction=True)

AU = seed.AU_TENANT_ID
STATUS_WORDS = {
    "DRAFT": "Draft",
    "SUBMITTED": "Awaiting approval",
    "AUTHORISED": "Awaiting payment",
    "PAID": "Paid",
    "VOIDED": "Voided",
    "DELETED": "Deleted",
}


# ------------------------------------------------------------------------------------ fixtures


@pytest.fixture
def connection(sandbox_connection):
    """The CRM connected to Demo Company (AU) through its own code exchange (one organisation)."""
    return sandbox_connection


@pytest.fixture
def xero_api(xero_sandbox):
    """Accounting API calls to the AU organisation as another Xero user (Sam), over HTTP."""
    tokens = xero_sandbox.mint_tokens(email=seed.SELLER_EMAIL, tenant_ids=[AU])

    def call(method: str, path: str, *, expect_status: int = 200, **kwargs):
        answer = api(xero_sandbox, tokens, method, path, tenant=AU, **kwargs)
        assert answer.status_code == expect_status, answer.text[:500]
        return answer

    return call


@pytest.fixture
def signed_in(page, sso_user, connection) -> Page:
    sso_sign_in(page, sso_user)
    return page


# ------------------------------------------------------------------------------------- helpers


def xero_contact(name: str) -> XeroContact:
    return XeroContact.objects.get(organisation__organisation_id=AU, name=name)


def link(record, connection, contact: XeroContact) -> XeroLink:
    """A link as Add Link leaves it (Add Link itself is driven in the first tests)."""
    return XeroLinkFactory(
        record=record,
        tenant_id=connection.tenant_id,
        xero_type=XeroLink.XeroType.CONTACT,
        xero_id=contact.contact_id,
        xero_name=contact.name,
    )


def settled(page: Page) -> None:
    """Wait until htmx has wired up what it swapped in last (its hx-* attributes work then).

    htmx inserts new content, then processes it after a 20 ms settle delay; a click or a
    select within that window would not reach htmx. Call only once the new content is seen.
    """
    expect(
        page.locator(".htmx-added, .htmx-settling, .htmx-swapping, .htmx-request")
    ).to_have_count(0)


def click(target: Locator) -> None:
    """Click a control of content htmx swapped in, once htmx has processed it."""
    settled(target.page)
    target.click()


def click_and_wait(target: Locator) -> None:
    """Click a control that asks for the panel again; return once the answer has replaced it
    (when the new panel may read like the old one, an expect alone could pass on the old)."""
    settled(target.page)
    with target.page.expect_response(lambda response: "/xero/tab/" in response.url):
        target.click()
    settled(target.page)


def open_xero_tab(page: Page, record) -> Locator:
    """Open the record's page and its Xero tab; the tab panel, loaded."""
    page.goto(record.get_absolute_url())
    page.get_by_role("tab", name="Xero").click()
    panel = page.get_by_role("tabpanel", name="Xero")
    expect(panel.get_by_test_id("xero-panel")).to_be_visible()
    settled(page)
    return panel


def described(scope: Locator | Page, term: str) -> Locator:
    """The value beside a term in a description list (<dt>term</dt><dd>value</dd>)."""
    dt = scope.locator("dt").filter(has_text=re.compile(rf"^\s*{re.escape(term)}\s*$"))
    return dt.locator("xpath=following-sibling::dd[1]")


def actions(panel: Locator, item: str, role: str = "button") -> Locator:
    """Open the Actions menu; one of its items."""
    click(panel.get_by_role("button", name="Actions"))
    return panel.locator("#xero-actions").get_by_role(role, name=item)


def showing(first: int, last: int, count: int) -> str:
    """The pager's words: first and last row shown, en dash, "of" the count."""
    return f"{first}\N{EN DASH}{last} of {count}"


def money(value: Decimal) -> str:
    return f"{value:,.2f}"


def deep_link(xero_sandbox, path: str) -> str:
    """Xero's deep link (XERO_NOTES.md) into the sandbox's stand-in for go.xero.com."""
    return (
        f"{xero_sandbox.url}/organisationlogin/default.aspx"
        f"?shortcode={seed.AU_SHORT_CODE}&redirecturl={path}"
    )


def newest_first(rows) -> list[XeroInvoice]:
    return sorted(rows, key=lambda i: (i.date, i.number), reverse=True)


def numbers_are(items: Locator, invoices: list[XeroInvoice]) -> None:
    """The rows show these invoices, in this order (number in the first cell)."""
    expect(items.locator("td:first-child")).to_have_text(
        [re.compile(rf"^{re.escape(i.number)}(\s|$)") for i in invoices]
    )


# ---------------------------------------------------------------------------- finding, linking


def test_a_contact_is_matched_by_email_and_add_link_links_it(signed_in, connection, sso_user):
    page = signed_in
    # Xero spells him "Jack Tailor"; the CRM has "Jack Taylor" with the same email.
    crm_contact = ContactFactory(
        first_name="Jack", last_name="Taylor", email="jack.taylor@pmwa.com.au", organization=None
    )
    xero = xero_contact("Jack Tailor")
    assert xero.email == crm_contact.email

    panel = open_xero_tab(page, crm_contact)
    expect(panel.get_by_role("heading", name="Find Jack Taylor in Xero")).to_be_visible()
    matches = panel.get_by_test_id("xero-match")
    expect(matches).to_have_count(1)
    expect(matches.first).to_contain_text("Jack Tailor")
    expect(matches.first).to_contain_text("jack.taylor@pmwa.com.au")
    expect(matches.first.get_by_text("Exact match")).to_be_visible()

    click(matches.first.get_by_role("button", name="Add Link to Jack Tailor"))
    expect(panel.get_by_test_id("xero-notice")).to_have_text("Linked to Jack Tailor in Xero.")
    expect(panel.get_by_role("heading", name="Xero contact: Jack Tailor")).to_be_visible()
    expect(described(panel, "Email")).to_have_text("jack.taylor@pmwa.com.au")
    expect(panel.get_by_test_id("xero-no-items")).to_have_text(
        "No invoices or bills for this contact."
    )
    link = XeroLink.objects.get(contact=crm_contact)
    assert (link.xero_id, link.tenant_id, link.xero_type) == (xero.contact_id, AU, "contact")
    audit = AuditEntry.objects.get(action=AuditEntry.Action.LINK)
    assert (audit.user, audit.record_type, audit.record_id, audit.xero_id, audit.succeeded) == (
        sso_user,
        "contact",
        crm_contact.pk,
        str(xero.contact_id),
        True,
    )


def test_no_match_then_search_finds_contacts_and_add_link_links_one(signed_in, connection):
    page = signed_in
    org = OrganizationFactory(name="Harbour Bridge Climbs", email="bookings@bridgeclimb.test")
    panel = open_xero_tab(page, org)
    expect(panel.get_by_test_id("xero-no-matches")).to_have_text(
        "No Xero contact matches this organization."
    )

    # Xero's searchTerm looks in the name, first and last names, contact number and email.
    wanted = sorted(
        c.name
        for c in XeroContact.objects.filter(organisation__organisation_id=AU, status="ACTIVE")
        if any(
            "marine" in field.lower()
            for field in (c.name, c.first_name, c.last_name, c.contact_number, c.email)
        )
    )
    assert wanted == ["Amelia Wilson", "Marine Systems"]  # by name and by email address
    panel.get_by_label("Search Xero contacts").fill("marine")
    click(panel.get_by_role("button", name="Search", exact=True))
    expect(panel.get_by_text("Xero contacts matching “marine”:")).to_be_visible()
    matches = panel.get_by_test_id("xero-match")
    expect(matches).to_have_count(len(wanted))
    for name in wanted:
        expect(matches.filter(has_text=name)).to_have_count(1)
    expect(matches.get_by_text("Exact match")).to_have_count(0)

    click(panel.get_by_role("button", name="Add Link to Marine Systems"))
    expect(panel.get_by_test_id("xero-notice")).to_have_text("Linked to Marine Systems in Xero.")
    expect(panel.get_by_role("heading", name="Xero contact: Marine Systems")).to_be_visible()
    expect(described(panel, "Email")).to_have_text("accounts@marinesystems.com.au")
    expect(described(panel, "Phones")).to_contain_text("+61 8 9555 0105")
    expect(described(panel, "Address")).to_contain_text("Fremantle")
    assert (
        XeroLink.objects.get(organization=org).xero_id == xero_contact("Marine Systems").contact_id
    )


def test_new_xero_contact_creates_and_links_and_a_taken_name_is_refused(signed_in, connection):
    page = signed_in
    org = OrganizationFactory(
        name="Harbour Bridge Climbs",
        email="bookings@bridgeclimb.test",
        phone="+61 2 8274 7777",
        mobile="+61 400 111 222",
        address_line1="3 Cumberland Street",
        city="The Rocks",
        region="NSW",
        postal_code="2000",
        country="Australia",
    )
    panel = open_xero_tab(page, org)
    expect(panel.get_by_test_id("xero-no-matches")).to_be_visible()
    click(panel.get_by_role("button", name="New Xero Contact"))
    expect(panel.get_by_test_id("xero-notice")).to_have_text(
        "Created Harbour Bridge Climbs in Xero and linked it."
    )
    expect(panel.get_by_role("heading", name="Xero contact: Harbour Bridge Climbs")).to_be_visible()

    created = xero_contact("Harbour Bridge Climbs")
    assert created.email == "bookings@bridgeclimb.test"
    phones = {p["PhoneType"]: p["PhoneNumber"] for p in created.document["Phones"]}
    assert (phones["DEFAULT"], phones["MOBILE"]) == ("+61 2 8274 7777", "+61 400 111 222")
    street = next(a for a in created.document["Addresses"] if a["AddressType"] == "STREET")
    assert (street["AddressLine1"], street["City"], street["Region"]) == (
        "3 Cumberland Street",
        "The Rocks",
        "NSW",
    )
    assert (street["PostalCode"], street["Country"]) == ("2000", "Australia")
    assert XeroLink.objects.get(organization=org).xero_id == created.contact_id

    # A second organization of the same name: Xero refuses the name, nothing is linked.
    twin = OrganizationFactory(name="Harbour Bridge Climbs", email="")
    panel = open_xero_tab(page, twin)
    expect(panel.get_by_test_id("xero-match").get_by_text("Exact match")).to_be_visible()
    click(panel.get_by_role("button", name="New Xero Contact"))
    expect(panel.get_by_test_id("xero-problem")).to_have_text(
        "Xero: The contact name Harbour Bridge Climbs is already assigned to another contact. "
        "The contact name must be unique across all active contacts."
    )
    expect(panel.get_by_role("button", name="New Xero Contact")).to_be_visible()
    assert not XeroLink.objects.filter(organization=twin).exists()
    assert XeroContact.objects.filter(name="Harbour Bridge Climbs").count() == 1
    refused = AuditEntry.objects.get(action=AuditEntry.Action.CREATE_CONTACT, record_id=twin.pk)
    assert not refused.succeeded and "is already assigned to another contact" in refused.error


def test_new_xero_contact_from_a_person_sends_first_and_last_name(signed_in, connection):
    page = signed_in
    person = ContactFactory(
        first_name="Noémie", last_name="Parker", email="noemie@parker.test", organization=None
    )
    panel = open_xero_tab(page, person)
    expect(panel.get_by_test_id("xero-no-matches")).to_be_visible()
    click(panel.get_by_role("button", name="New Xero Contact"))
    expect(panel.get_by_test_id("xero-notice")).to_have_text(
        "Created Noémie Parker in Xero and linked it."
    )
    created = xero_contact("Noémie Parker")
    assert (created.first_name, created.last_name, created.email) == (
        "Noémie",
        "Parker",
        "noemie@parker.test",
    )
    assert XeroLink.objects.get(contact=person).xero_id == created.contact_id


# ------------------------------------------------------------------------------ the overview


def test_the_figures_count_base_currency_items_by_status(signed_in, connection, xero_api):
    page = signed_in
    city = xero_contact(seed.BIG_CUSTOMER_NAME)
    today = timezone.localdate()

    def put(kind: str, status: str, day, currency: str, amount: str, number: str = "") -> None:
        invoice = {
            "Type": kind,
            "Contact": {"ContactID": str(city.contact_id)},
            "Status": status,
            "Date": day.isoformat(),
            "CurrencyCode": currency,
            "LineItems": [
                {
                    "Description": "Figures test",
                    "Quantity": 1,
                    "UnitAmount": amount,
                    "AccountCode": "200" if kind == "ACCREC" else "429",
                }
            ],
        }
        if number:
            invoice["InvoiceNumber"] = number
        xero_api("PUT", "/Invoices", json={"Invoices": [invoice]})

    # Bills in and out of the base currency and the bills figure; the 12-month boundary.
    put("ACCPAY", "SUBMITTED", today - timedelta(days=3), "AUD", "500.00", "CA-B1")
    put("ACCPAY", "SUBMITTED", today - timedelta(days=4), "USD", "700.00", "CA-B2")
    put("ACCPAY", "AUTHORISED", today - timedelta(days=5), "AUD", "900.00", "CA-B3")
    put("ACCREC", "AUTHORISED", today - timedelta(days=364), "AUD", "1000.00")  # in 12 months
    put("ACCREC", "AUTHORISED", today - timedelta(days=365), "AUD", "2000.00")  # just before
    put("ACCREC", "SUBMITTED", today - timedelta(days=6), "EUR", "300.00")

    # The figures, computed from the sandbox's rows by the rules.
    base = XeroOrganisation.objects.get(organisation_id=AU).base_currency
    rows = list(XeroInvoice.objects.filter(contact=city))

    def total(kind, statuses, since=None) -> Decimal:
        return sum(
            (
                i.total
                for i in rows
                if i.currency == base
                and i.type == kind
                and i.status in statuses
                and (since is None or since <= i.date <= today)
            ),
            Decimal("0.00"),
        )

    invoices = total("ACCREC", {"AUTHORISED", "SUBMITTED"})
    bills = total("ACCPAY", {"SUBMITTED"})
    lifetime = total("ACCREC", {"AUTHORISED", "PAID"})
    last_year = total("ACCREC", {"AUTHORISED", "PAID"}, since=today - timedelta(days=364))
    assert bills == Decimal("550.00")  # 500 + 10% GST: the USD bill and the approved one are out
    assert last_year != total("ACCREC", {"AUTHORISED", "PAID"}, since=today - timedelta(days=365))
    others: dict[str, int] = {}
    for i in rows:
        if i.currency != base and i.status not in ("VOIDED", "DELETED"):
            others[i.currency] = others.get(i.currency, 0) + 1
    codes = sorted(others, key=lambda code: (-others[code], code))
    assert codes == ["USD", "EUR"]

    org = OrganizationFactory(name="City Agency Holdings")
    link(org, connection, city)
    panel = open_xero_tab(page, org)
    expect(panel.get_by_role("heading", name="Money in AUD")).to_be_visible()
    expect(panel.get_by_test_id("xero-invoices-total")).to_have_text(f"AUD {money(invoices)}")
    expect(panel.get_by_test_id("xero-bills-total")).to_have_text(f"AUD {money(bills)}")
    expect(panel.get_by_test_id("xero-lifetime-value")).to_have_text(f"AUD {money(lifetime)}")
    expect(panel.get_by_test_id("xero-12-month-value")).to_have_text(f"AUD {money(last_year)}")
    # The other currencies' table replaced "N items in USD, EUR are not included".
    currency_rows = panel.get_by_test_id("xero-currencies").get_by_test_id("xero-currency-row")
    expect(currency_rows.get_by_role("rowheader")).to_have_text(codes)
    expect(currency_rows.get_by_test_id("xero-currency-count")).to_have_text(
        [str(others[code]) for code in codes]
    )

    def breakdown(kind: str) -> list[str]:
        lines = []
        for status in ("DRAFT", "SUBMITTED", "AUTHORISED", "PAID"):
            mine = [i for i in rows if i.currency == base and i.type == kind and i.status == status]
            amount = sum((i.total for i in mine), Decimal("0.00"))
            lines.append(f"{STATUS_WORDS[status]} {len(mine)} AUD {money(amount)}")
        return lines

    expect(panel.get_by_test_id("xero-invoice-breakdown").get_by_role("row")).to_have_text(
        breakdown("ACCREC"), use_inner_text=True
    )
    expect(panel.get_by_test_id("xero-bill-breakdown").get_by_role("row")).to_have_text(
        breakdown("ACCPAY"), use_inner_text=True
    )


def test_show_filters_the_rows_and_next_pages_through_them(signed_in, connection, xero_sandbox):
    page = signed_in
    city = xero_contact(seed.BIG_CUSTOMER_NAME)
    invoices = newest_first(XeroInvoice.objects.filter(contact=city))
    assert len(invoices) == xero_sandbox.big_customer_invoices == 120
    # Under All, the contact's credit notes are listed too (issue 12); the other Show choices
    # below list invoices and bills only.
    notes = list(XeroCreditNote.objects.filter(contact=city))
    everything = newest_first([*invoices, *notes])
    assert len(everything) == 120 + len(notes)
    org = OrganizationFactory(name="City Agency Holdings")
    link(org, connection, city)

    panel = open_xero_tab(page, org)
    items = panel.get_by_test_id("xero-item")
    pages = panel.get_by_role("navigation", name="Invoice pages")
    expect(pages).to_contain_text(showing(1, 25, len(everything)))
    numbers_are(items, everything[:25])
    click(pages.get_by_role("button", name="Next"))
    expect(pages).to_contain_text(showing(26, 50, len(everything)))
    numbers_are(items, everything[25:50])
    expect(pages.get_by_role("button", name="Previous")).to_be_visible()

    def shown(label: str, keep) -> list[XeroInvoice]:
        settled(page)
        panel.get_by_label("Show").select_option(label=label)
        return [i for i in invoices if keep(i)]

    paid = shown("Paid", lambda i: i.status == "PAID")
    expect(pages).to_contain_text(showing(1, 25, len(paid)))
    numbers_are(items, paid[:25])
    expect(items.filter(has_not_text="Paid")).to_have_count(0)
    click(pages.get_by_role("button", name="Next"))  # the filter stays on the next page
    expect(pages).to_contain_text(showing(26, 50, len(paid)))
    numbers_are(items, paid[25:50])

    drafts = shown("Draft", lambda i: i.status == "DRAFT")
    assert 0 < len(drafts) < 25
    expect(pages).to_contain_text(showing(1, len(drafts), len(drafts)))
    numbers_are(items, drafts)
    expect(pages.get_by_role("button")).to_have_count(0)

    outstanding = shown("Outstanding", lambda i: i.status in ("SUBMITTED", "AUTHORISED"))
    expect(pages).to_contain_text(showing(1, min(25, len(outstanding)), len(outstanding)))
    numbers_are(items, outstanding[:25])

    shown("Invoices", lambda i: i.type == "ACCREC")
    expect(pages).to_contain_text(showing(1, 25, 120))
    numbers_are(items, invoices[:25])

    shown("Bills", lambda i: i.type == "ACCPAY")
    expect(panel.get_by_test_id("xero-no-items")).to_have_text("No items to show for this contact.")
    expect(items).to_have_count(0)

    shown("All", lambda i: True)
    expect(pages).to_contain_text(showing(1, 25, len(everything)))


def test_view_links_open_the_invoice_bill_and_contact_in_xero(signed_in, connection, xero_sandbox):
    page = signed_in
    young = xero_contact("Young Bros Transport")
    rows = newest_first(XeroInvoice.objects.filter(contact=young))
    assert {i.type for i in rows} == {"ACCREC", "ACCPAY"}
    org = OrganizationFactory(name="Young Brothers")
    link(org, connection, young)

    panel = open_xero_tab(page, org)
    items = panel.get_by_test_id("xero-item")
    # The contact's credit notes are listed too (issue 12); these are its invoices and bills.
    notes = XeroCreditNote.objects.filter(contact=young)
    expect(items).to_have_count(len(rows) + notes.count())
    expect(items.filter(has_text="Credit note")).to_have_count(notes.count())
    items = items.filter(has_not_text="Credit note")
    numbers_are(items, rows)
    for row, invoice in zip(items.all(), rows, strict=True):
        path = (
            f"/AccountsPayable/Edit.aspx?InvoiceID={invoice.invoice_id}"
            if invoice.type == "ACCPAY"
            else f"/AccountsReceivable/View.aspx?InvoiceID={invoice.invoice_id}"
        )
        view = row.get_by_role("link", name=f"View {invoice.number} in Xero")
        expect(view).to_have_text("View")
        expect(view).to_have_attribute("target", "_blank")
        expect(view).to_have_attribute("href", deep_link(xero_sandbox, path))
        expect(row).to_contain_text("Bill" if invoice.type == "ACCPAY" else "Invoice")
        expect(row).to_contain_text(STATUS_WORDS[invoice.status])
        expect(row).to_contain_text(money(invoice.total))

    for kind, title in (("ACCREC", "Invoice"), ("ACCPAY", "Bill")):
        invoice = next(i for i in rows if i.type == kind)
        with page.context.expect_page() as opened:
            panel.get_by_role("link", name=f"View {invoice.number} in Xero").click()
        xero_page = opened.value
        expect(xero_page.get_by_role("heading", level=1)).to_have_text(f"{title} {invoice.number}")
        expect(xero_page.get_by_text(money(invoice.total)).first).to_be_visible()
        xero_page.close()

    view_in_xero = actions(panel, "View in Xero", role="link")
    expect(view_in_xero).to_have_attribute("target", "_blank")
    expect(view_in_xero).to_have_attribute(
        "href", deep_link(xero_sandbox, f"/Contacts/View/{young.contact_id}")
    )
    with page.context.expect_page() as opened:
        view_in_xero.click()
    expect(opened.value.get_by_role("heading", level=1)).to_have_text(
        "Contact: Young Bros Transport"
    )
    expect(opened.value.get_by_text("accounts@youngbros.com.au")).to_be_visible()


# ---------------------------------------------------------------------------------- actions


def test_create_invoice_draft_makes_one_draft_even_when_submitted_twice(signed_in, connection):
    page = signed_in
    ridgeway = xero_contact("Ridgeway Univ.")
    before = XeroInvoice.objects.filter(contact=ridgeway).count()
    org = OrganizationFactory(name="Ridgeway University")
    link(org, connection, ridgeway)
    today = timezone.localdate()

    panel = open_xero_tab(page, org)
    click(actions(panel, "Create invoice draft"))
    expect(
        panel.get_by_role("heading", name="Create invoice draft for Ridgeway Univ.")
    ).to_be_visible()
    panel.get_by_label(re.compile(r"^Date")).fill(today.isoformat())
    panel.get_by_label("Due date").fill((today + timedelta(days=14)).isoformat())
    panel.get_by_label("Reference").fill("PO-CRM-4242")
    expect(panel.get_by_label("Currency")).to_have_value("AUD")
    panel.get_by_label("Description (line 1)").fill("Site survey")
    panel.get_by_label("Quantity (line 1)").fill("3")
    panel.get_by_label("Unit price (line 1)").fill("150.00")
    panel.get_by_label("Account (line 1)").select_option("200")
    with page.expect_request(lambda r: r.method == "POST" and r.url.endswith("/invoice")) as sent:
        settled(page)
        panel.get_by_role("button", name="Create draft in Xero").dblclick()

    created = XeroInvoice.objects.filter(contact=ridgeway, reference="PO-CRM-4242")
    notice = panel.get_by_test_id("xero-notice")
    expect(notice).to_contain_text("created as a draft in Xero.")
    draft = created.get()
    # 3 x 150.00 plus 10% GST.
    assert (draft.type, draft.status, draft.total, draft.currency) == (
        "ACCREC",
        "DRAFT",
        Decimal("495.00"),
        "AUD",
    )
    assert (draft.date, draft.due_date) == (today, today + timedelta(days=14))
    line = draft.document["LineItems"][0]
    assert (line["Description"], line["Quantity"], line["UnitAmount"], line["AccountCode"]) == (
        "Site survey",
        "3.0000",
        "150.0000",  # sent with unitdp=4: prices keep 4 places
        "200",
    )
    expect(notice).to_have_text(f"{draft.number} for AUD 495.00 created as a draft in Xero.")
    row = panel.get_by_test_id("xero-item").filter(has_text="PO-CRM-4242")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(draft.number)
    expect(row).to_contain_text("Draft")
    expect(row).to_contain_text("495.00")

    # The browser sends the same form again (a retry, a second click that got through): the
    # form's token makes the same Idempotency-Key, so Xero answers with the first draft.
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
    assert again.ok, again.text()[:500]
    assert f"{draft.number} for AUD 495.00 created as a draft in Xero." in again.text()
    assert created.count() == 1
    assert XeroInvoice.objects.filter(contact=ridgeway).count() == before + 1
    audited = AuditEntry.objects.filter(action=AuditEntry.Action.CREATE_INVOICE, succeeded=True)
    assert {a.xero_id for a in audited} == {str(draft.invoice_id)}


def test_copy_details_to_xero_adds_only_what_xero_lacks(signed_in, connection, xero_api):
    page = signed_in
    answer = xero_api(
        "PUT",
        "/Contacts",
        json={"Contacts": [{"Name": "Copy Test Pty Ltd", "EmailAddress": "ap@copytest.test"}]},
    )
    xero_id = answer.json()["Contacts"][0]["ContactID"]
    org = OrganizationFactory(
        name="Copy Test",
        email="hello@copytest.test",  # Xero has an email already: left alone
        phone="+61 2 8000 1111",
        mobile="+61 400 000 111",
        address_line1="1 George Street",
        city="Sydney",
        region="NSW",
        postal_code="2000",
        country="Australia",
    )
    link(org, connection, XeroContact.objects.get(contact_id=xero_id))

    panel = open_xero_tab(page, org)
    expect(described(panel, "Phones")).to_have_text("—")
    click(actions(panel, "Copy details to Xero"))
    expect(panel.get_by_test_id("xero-notice")).to_have_text(
        "Copied to Xero: phone +61 2 8000 1111 (as Xero's phone); mobile / second phone "
        "+61 400 000 111 (as Xero's mobile); street address."
    )
    expect(panel.get_by_test_id("xero-problem")).to_have_count(0)
    expect(described(panel, "Phones")).to_contain_text("+61 2 8000 1111")
    expect(described(panel, "Address")).to_contain_text("1 George Street")

    contact = XeroContact.objects.get(contact_id=xero_id)
    assert (contact.name, contact.email) == ("Copy Test Pty Ltd", "ap@copytest.test")
    phones = {p["PhoneType"]: p["PhoneNumber"] for p in contact.document["Phones"]}
    assert (phones["DEFAULT"], phones["MOBILE"]) == ("+61 2 8000 1111", "+61 400 000 111")
    assert not phones.get("DDI") and not phones.get("FAX")
    street = next(a for a in contact.document["Addresses"] if a["AddressType"] == "STREET")
    assert (street["AddressLine1"], street["City"], street["Region"], street["PostalCode"]) == (
        "1 George Street",
        "Sydney",
        "NSW",
        "2000",
    )

    # Again: Xero has everything now.
    click(actions(panel, "Copy details to Xero"))
    expect(panel.get_by_test_id("xero-notice")).to_have_text(
        "Nothing to copy to Xero: the other side already has everything."
    )


def test_copy_details_from_xero_fills_only_empty_crm_fields(signed_in, connection, xero_api):
    page = signed_in
    ridgeway = xero_contact("Ridgeway Univ.")
    org = OrganizationFactory(
        name="Ridgeway University",
        email="",
        phone="",
        mobile="+61 400 000 222",
        city="",
        country="",
    )
    link(org, connection, ridgeway)

    panel = open_xero_tab(page, org)
    click(actions(panel, "Copy details from Xero"))
    expect(panel.get_by_test_id("xero-notice")).to_have_text(
        "Copied from Xero: email finance@ridgeway.edu.au; Xero's phone +61 2 9555 0101 "
        "(as phone); street address."
    )

    page.reload()
    details = page.get_by_role("tabpanel", name="Details")
    page.get_by_role("tab", name="Details").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ridgeway University")
    expect(described(details, "Email")).to_have_text("finance@ridgeway.edu.au")
    expect(described(details, "Phone")).to_have_text("+61 2 9555 0101")
    expect(described(details, "Mobile / second phone")).to_have_text("+61 400 000 222")
    expect(described(details, "Address")).to_have_text("Sydney")
    org.refresh_from_db()
    assert (org.name, org.mobile, org.city) == ("Ridgeway University", "+61 400 000 222", "Sydney")

    # Xero gains a mobile number; both CRM phone fields are filled: it has nowhere to go.
    xero_api(
        "POST",
        f"/Contacts/{ridgeway.contact_id}",
        json={"Phones": [{"PhoneType": "MOBILE", "PhoneNumber": "+61 411 222 333"}]},
    )
    panel = open_xero_tab(page, org)
    # No webhook reaches this test's CRM: the tab shows what it fetched before until refreshed.
    expect(described(panel, "Phones")).not_to_contain_text("+61 411 222 333")
    click(panel.get_by_role("button", name="Refresh"))
    expect(described(panel, "Phones")).to_contain_text("+61 411 222 333")
    expect(panel.get_by_test_id("xero-updated")).to_have_text("Updated just now")
    click(actions(panel, "Copy details from Xero"))
    expect(panel.get_by_test_id("xero-problem")).to_have_text(
        "Not copied: Xero's mobile +61 411 222 333: both phone fields in the CRM are filled."
    )
    # Nothing was copied, but not because the CRM "already has everything".
    everything = panel.get_by_test_id("xero-notice").filter(has_text="already has everything")
    expect(everything).to_have_count(0)
    org.refresh_from_db()
    assert (org.phone, org.mobile) == ("+61 2 9555 0101", "+61 400 000 222")


def test_unlink_asks_first_and_removes_only_the_link(signed_in, connection):
    page = signed_in
    basket = xero_contact("Basket Case")
    org = OrganizationFactory(name="Basket Case")
    link(org, connection, basket)

    panel = open_xero_tab(page, org)
    click(actions(panel, "Unlink"))
    expect(panel).to_contain_text(
        "Unlink Basket Case from the Xero contact Basket Case? Only the link is removed; "
        "nothing changes in Xero."
    )
    click(panel.get_by_role("button", name="Cancel"))
    expect(panel.get_by_role("heading", name="Xero contact: Basket Case")).to_be_visible()
    assert XeroLink.objects.filter(organization=org).exists()

    click(actions(panel, "Unlink"))
    expect(panel).to_contain_text("Only the link is removed; nothing changes in Xero.")
    click(panel.get_by_role("button", name="Unlink", exact=True))
    expect(panel.get_by_test_id("xero-notice")).to_have_text(
        "Unlinked from Basket Case. Nothing was changed in Xero."
    )
    # Back to matching: the same Xero contact is offered again.
    expect(panel.get_by_role("heading", name="Find Basket Case in Xero")).to_be_visible()
    expect(panel.get_by_role("button", name="Add Link to Basket Case")).to_be_visible()
    assert not XeroLink.objects.filter(organization=org).exists()
    assert XeroContact.objects.get(contact_id=basket.contact_id).status == "ACTIVE"
    unlinked = AuditEntry.objects.get(action=AuditEntry.Action.UNLINK)
    assert (unlinked.record_id, unlinked.xero_id) == (org.pk, str(basket.contact_id))


# ------------------------------------------------------------------------------------ faults


def test_the_record_page_does_not_wait_for_a_slow_xero(signed_in, connection, xero_sandbox):
    page = signed_in
    org = OrganizationFactory(name="City Agency Holdings")
    link(org, connection, xero_contact(seed.BIG_CUSTOMER_NAME))
    xero_sandbox.set_latency(700)
    page.goto(org.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text("City Agency Holdings")
    page.get_by_role("tab", name="Xero").click()
    panel = page.get_by_role("tabpanel", name="Xero")
    expect(panel.get_by_text("Loading Xero…")).to_be_visible()
    expect(panel.get_by_role("heading", name="Xero contact: City Agency")).to_be_visible()
    expect(panel.get_by_text("Loading Xero…")).to_have_count(0)


def test_a_contact_archived_in_xero_says_so_and_offers_to_unlink(signed_in, connection, xero_api):
    page = signed_in
    basket = xero_contact("Basket Case")
    org = OrganizationFactory(name="Basket Case")
    link(org, connection, basket)
    xero_api("POST", f"/Contacts/{basket.contact_id}", json={"ContactStatus": "ARCHIVED"})

    panel = open_xero_tab(page, org)
    expect(panel.get_by_role("alert")).to_contain_text("This contact is archived in Xero.")
    click(panel.get_by_role("button", name="Unlink it"))
    expect(panel).to_contain_text("Only the link is removed; nothing changes in Xero.")
    click(panel.get_by_role("button", name="Unlink", exact=True))
    expect(panel.get_by_test_id("xero-notice")).to_have_text(
        "Unlinked from Basket Case. Nothing was changed in Xero."
    )
    assert not XeroLink.objects.filter(organization=org).exists()


def test_a_linked_contact_gone_from_xero_says_so_and_offers_to_unlink(signed_in, connection):
    page = signed_in
    org = OrganizationFactory(name="Vanished Pty")
    XeroLinkFactory(
        record=org,
        tenant_id=connection.tenant_id,
        xero_type=XeroLink.XeroType.CONTACT,
        xero_id=uuid.uuid4(),
        xero_name="Vanished Pty Ltd",
    )
    panel = open_xero_tab(page, org)
    expect(panel.get_by_test_id("xero-gone")).to_have_text(
        "The Xero contact this organization is linked to (Vanished Pty Ltd) no longer exists in "
        "Xero: it was deleted there."
    )
    click(panel.get_by_role("button", name="Unlink"))
    expect(panel).to_contain_text("Only the link is removed; nothing changes in Xero.")
    click(panel.get_by_role("button", name="Unlink", exact=True))
    expect(panel.get_by_test_id("xero-notice")).to_have_text(
        "Unlinked from Vanished Pty Ltd. Nothing was changed in Xero."
    )
    expect(panel.get_by_test_id("xero-no-matches")).to_be_visible()
    assert not XeroLink.objects.filter(organization=org).exists()
    assert Organization.objects.filter(pk=org.pk).exists()


def test_a_change_made_in_xero_reaches_the_tab_through_xero_s_webhook(
    signed_in, connection, xero_sandbox, xero_api, live_server, settings
):
    page = signed_in
    xero_sandbox.set_knobs(
        webhook_url=f"{live_server.url}/integrations/xero/webhooks",
        webhook_key=settings.XERO_WEBHOOK_KEY,
    )
    marine = xero_contact("Marine Systems")
    org = OrganizationFactory(name="Marine Systems")
    link(org, connection, marine)
    panel = open_xero_tab(page, org)
    expect(panel.get_by_test_id("xero-updated")).to_have_text("Updated just now")
    due = panel.get_by_test_id("xero-invoices-total")
    before = due.inner_text()

    # Someone raises an invoice in Xero; Xero (the sandbox) tells the CRM with a signed webhook.
    calls = xero_sandbox.api_calls(AU)
    invoice = {
        "Type": "ACCREC",
        "Contact": {"ContactID": str(marine.contact_id)},
        "Status": "AUTHORISED",
        "Date": timezone.localdate().isoformat(),
        "CurrencyCode": "AUD",
        "LineItems": [
            {"Description": "Webhook", "Quantity": 1, "UnitAmount": "1000", "AccountCode": "200"}
        ],
    }
    xero_api("PUT", "/Invoices", json={"Invoices": [invoice]})
    awaiting = XeroInvoice.objects.filter(
        contact=marine, type="ACCREC", currency="AUD", status__in=["AUTHORISED", "SUBMITTED"]
    )
    expected = f"AUD {sum(i.total for i in awaiting):,.2f}"
    assert expected != before

    # The tab, opened again (no Refresh), shows it once the webhook has been handled.
    deadline = timezone.now() + timedelta(seconds=10)
    while due.inner_text() != expected and timezone.now() < deadline:
        panel = open_xero_tab(page, org)
        due = panel.get_by_test_id("xero-invoices-total")
    expect(due).to_have_text(expected)
    # The newest row is the new invoice: 1,000 plus 10% GST, awaiting payment.
    newest = panel.get_by_test_id("xero-item").first
    expect(newest).to_contain_text("Awaiting payment")
    expect(newest).to_contain_text("1,100.00")
    # The PUT, then one call: the webhook named an invoice of no cached list (a new one), which
    # cost nothing itself; the tab's next opening asked Xero what changed. Opening it again: none.
    assert xero_sandbox.api_calls(AU) - calls == 2
    open_xero_tab(page, org)
    assert xero_sandbox.api_calls(AU) - calls == 2
