"""In the browser, against the sandbox: a near miss is found, shown as a possible match with its
reason, and Add Link links it. Expectations come from the sandbox's own rows."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from linking.models import AuditEntry, XeroLink
from sandbox import seed
from sandbox.models import Contact as XeroContact
from tests.browser.conftest import sso_sign_in
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db(transaction=True)

AU = seed.AU_TENANT_ID
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


@pytest.fixture
def signed_in(page, sso_user, sandbox_connection) -> Page:
    sso_sign_in(page, sso_user)
    return page


def settled(page: Page) -> None:
    """Wait until htmx has wired up what it swapped in last (see test_xero_tab.py)."""
    expect(
        page.locator(".htmx-added, .htmx-settling, .htmx-swapping, .htmx-request")
    ).to_have_count(0)


def open_xero_tab(page: Page, record) -> Locator:
    page.goto(record.get_absolute_url())
    page.get_by_role("tab", name="Xero").click()
    panel = page.get_by_role("tabpanel", name="Xero")
    expect(panel.get_by_test_id("xero-panel")).to_be_visible()
    settled(page)
    return panel


def test_ridgeway_university_finds_ridgeway_univ_as_a_possible_match_and_links_it(
    signed_in, sso_user
):
    page = signed_in
    xero = XeroContact.objects.get(organisation__organisation_id=AU, name="Ridgeway Univ.")
    assert xero.email == "finance@ridgeway.edu.au"
    # As the demo CRM has it: Xero's name is abbreviated, and its email is another address.
    ridgeway = OrganizationFactory(
        name="Ridgeway University",
        email="accounts@ridgeway.edu.au",
        website="https://www.ridgeway.edu.au",
    )

    panel = open_xero_tab(page, ridgeway)
    expect(panel.get_by_role("heading", name="Find Ridgeway University in Xero")).to_be_visible()
    row = panel.get_by_test_id("xero-match").filter(has_text="Ridgeway Univ.")
    expect(row).to_have_count(1)
    expect(panel.get_by_test_id("xero-match").first).to_contain_text("Ridgeway Univ.")
    expect(row.get_by_test_id("xero-match-badge")).to_have_text("Possible match")
    expect(row.get_by_test_id("xero-match-reason")).to_have_text(
        "Same name with “Univ.” for “University”; same email domain (ridgeway.edu.au)"
    )
    expect(panel.get_by_text("Exact match")).to_have_count(0)
    # Olivia Smith works there (her email is at ridgeway.edu.au): possible, by the domain only.
    olivia = panel.get_by_test_id("xero-match").filter(has_text="Olivia Smith")
    expect(olivia.get_by_test_id("xero-match-reason")).to_have_text(
        "Same email domain (ridgeway.edu.au)"
    )

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)  # for review; var/ is not committed
    panel.screenshot(path=str(SCREENSHOTS / "xero-matching-possible.png"))

    settled(page)
    row.get_by_role("button", name="Add Link to Ridgeway Univ.").click()
    expect(panel.get_by_test_id("xero-notice")).to_have_text("Linked to Ridgeway Univ. in Xero.")
    expect(panel.get_by_role("heading", name="Xero contact: Ridgeway Univ.")).to_be_visible()
    link = XeroLink.objects.get(organization=ridgeway)
    assert (link.xero_id, link.tenant_id, link.xero_type) == (xero.contact_id, AU, "contact")
    audit = AuditEntry.objects.get(action=AuditEntry.Action.LINK)
    assert (audit.user, audit.record_id, audit.succeeded) == (sso_user, ridgeway.pk, True)
