"""Every page type of the CRM, visited as a person would (the responsive and accessibility tests).

`page_types(page, connection)` yields a name once the browser shows that page type (the lists, a
record's details, each state of the Xero tab, the forms, both invoice draft forms, Find…,
Integrations, the profile), so the caller measures or checks it, then the next one is opened.
The sign-in and choose-organisation pages need their own setup (see the tests).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

from playwright.sync_api import Page, expect

from linking.models import XeroLink
from sandbox import seed
from sandbox.models import Contact as XeroContact
from sandbox.models import Invoice as XeroInvoice
from tests.browser.test_xero_tab import actions, click, open_xero_tab, settled
from tests.factories import (
    ContactFactory,
    OpportunityFactory,
    OpportunityLineItemFactory,
    OrganizationFactory,
    ProjectFactory,
    XeroLinkFactory,
)

AU = seed.AU_TENANT_ID
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
# Long words that have no natural break: they must wrap inside their card, not widen the page.
LONG_EMAIL = "accounts.receivable.department.of.the.long.named.company@example-long-domain.test"
LONG_PHONE = "+61 (0)2 9555 0101 ext. 123456789"


def xero_contact(name: str) -> XeroContact:
    return XeroContact.objects.get(organisation__organisation_id=AU, name=name)


def link_contact(record, connection, contact: XeroContact) -> XeroLink:
    return XeroLinkFactory(
        record=record,
        tenant_id=connection.tenant_id,
        xero_type=XeroLink.XeroType.CONTACT,
        xero_id=contact.contact_id,
        xero_name=contact.name,
    )


def link_items(record, connection, items) -> None:
    for item in items:
        XeroLinkFactory(
            record=record,
            tenant_id=connection.tenant_id,
            xero_type=XeroLink.XeroType.INVOICE,
            xero_id=item.invoice_id,
            xero_name=item.number or item.reference,
        )


def records(connection):
    """The records the page types show: long emails and phones, a linked organization with
    many items in several currencies, a deal with linked items, a project with no party."""
    obrien = xero_contact("O'Brien Plumbing")
    org = OrganizationFactory(
        name="O'Brien Plumbing and Gas Fitting Services of Greater Western Sydney",
        email=LONG_EMAIL,
        phone=LONG_PHONE,
        mobile=LONG_PHONE,
        website="https://www.obrien-plumbing-and-gas-fitting-services.example.test/contact-us",
    )
    link_contact(org, connection, obrien)
    person = ContactFactory(
        first_name="Maximiliana",
        last_name="Featherstonehaugh-Wolfeschlegelsteinhausen",
        email=LONG_EMAIL,
        phone=LONG_PHONE,
        organization=org,
    )
    deal = OpportunityFactory(
        name="Campus Wi-Fi", organization=org, contact=person, value=Decimal("900.00")
    )
    OpportunityLineItemFactory(
        opportunity=deal,
        description="Access points",
        quantity=Decimal("12"),
        unit_price=Decimal("310.00"),
        account_code="200",
    )
    link_items(deal, connection, XeroInvoice.objects.filter(contact=obrien).order_by("number")[:6])
    project = ProjectFactory(name="Roof Repairs", organization=None, contact=None)
    return {"org": org, "person": person, "deal": deal, "project": project}


def page_types(page: Page, connection) -> Iterator[str]:
    """Drive `page` through every page type; yield each one's name once it is shown."""
    made = records(connection)
    org, person, deal, project = made["org"], made["person"], made["deal"], made["project"]

    for kind in ("organizations", "contacts", "opportunities", "projects"):
        page.goto(f"/{kind}/")
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        yield f"{kind}-list"

    for name, record in (("organization", org), ("contact", person), ("opportunity", deal)):
        page.goto(record.get_absolute_url())
        yield f"{name}-details"
    page.goto(project.get_absolute_url())
    yield "project-details"

    # The Xero tab: linked (figures, items), Actions open, the invoice draft form.
    panel = open_xero_tab(page, org)
    expect(panel.get_by_test_id("xero-items")).to_be_visible()
    yield "organization-xero-linked"
    click(panel.get_by_role("button", name="Actions"))
    expect(panel.locator("#xero-actions")).to_be_visible()
    yield "organization-xero-actions"
    page.keyboard.press("Escape")
    click(actions(panel, "Unlink"))
    expect(panel.get_by_role("button", name="Unlink")).to_be_visible()
    settled(page)
    yield "organization-xero-unlink-confirm"
    click(panel.get_by_role("button", name="Cancel"))
    expect(panel.get_by_test_id("xero-items")).to_be_visible()
    click(actions(panel, "Create invoice draft"))
    expect(panel.get_by_role("button", name="Create draft in Xero")).to_be_visible()
    settled(page)
    yield "organization-xero-invoice-draft"

    # Unlinked: the matches and the search.
    panel = open_xero_tab(page, person)
    expect(panel.get_by_role("button", name="Search", exact=True)).to_be_visible()
    yield "contact-xero-unlinked"
    panel.get_by_label("Search Xero contacts").fill("marine")
    click(panel.get_by_role("button", name="Search", exact=True))
    expect(panel.get_by_test_id("xero-match").first).to_be_visible()
    settled(page)
    yield "contact-xero-search"

    # A deal: figures and linked items, Find…, the draft form with its contact picker.
    panel = open_xero_tab(page, deal)
    expect(panel.get_by_test_id("xero-items")).to_be_visible()
    yield "opportunity-xero-deal"
    click(panel.get_by_role("button", name="Bills"))
    expect(panel.locator("#xero-bills-menu")).to_be_visible()
    yield "opportunity-xero-bills-menu"
    page.keyboard.press("Escape")
    click(panel.get_by_role("button", name="Invoices"))
    click(panel.get_by_role("button", name="Find…"))
    panel.get_by_label("Invoice number").fill("INV-000")
    click(panel.get_by_role("button", name="Find", exact=True))
    expect(panel.get_by_test_id("xero-find-result").first).to_be_visible()
    settled(page)
    yield "opportunity-xero-find"

    panel = open_xero_tab(page, project)
    click(panel.get_by_role("button", name="Create invoice draft"))
    panel.get_by_label("Search Xero contacts").fill("Marine")
    click(panel.get_by_role("button", name="Search", exact=True))
    expect(panel.get_by_role("radio").first).to_be_visible()
    settled(page)
    yield "project-xero-invoice-draft"

    # The forms.
    page.goto("/organizations/new/")
    yield "organization-form"
    page.goto(f"/contacts/{person.pk}/edit/")
    yield "contact-form"
    page.goto(f"/opportunities/{deal.pk}/edit/")
    yield "opportunity-form"
    page.goto("/projects/new/")
    yield "project-form"
    page.goto(f"/organizations/{org.pk}/delete/")
    yield "organization-delete"

    page.goto("/integrations/")
    yield "integrations"
    page.goto("/integrations/xero/disconnect")
    yield "disconnect-confirm"
    page.goto("/no-such-page/")
    yield "not-found"
    page.goto("/profile/")
    yield "profile"
