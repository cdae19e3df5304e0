"""In the browser, against the sandbox: Xero's faults on both kinds of Xero tab, the contact tab
(an organization linked to a Xero contact) and the deal tab (an opportunity linked to an invoice).

Each kind says what Xero said and offers Try again while the rest of the record page works; a
busy Xero is not asked again before its Retry-After, and the tab loads once the wait is over; with
the day's budget used up the wait is about a day.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.db import models
from playwright.sync_api import Locator, expect

from linking.models import XeroConnection
from sandbox import seed
from tests.browser import test_xero_tab as contact_tab
from tests.browser.test_xero_deal_tab import au_rows, item_link
from tests.browser.test_xero_tab import (
    click,
    click_and_wait,
    described,
    link,
    open_xero_tab,
    xero_contact,
)
from tests.factories import OpportunityFactory, OrganizationFactory

pytestmark = pytest.mark.django_db(transaction=True)

# The contact tab's fixtures: the CRM connected to the sandbox, a signed-in SSO user, its API.
connection = contact_tab.connection
signed_in = contact_tab.signed_in
xero_api = contact_tab.xero_api


@dataclass(frozen=True)
class Tab:
    """One kind of Xero tab: a record linked in Xero, and what its tab shows once Xero answers."""

    calls: int  # the Xero calls one opening of the tab makes
    linked: Callable[[XeroConnection], models.Model]
    loaded: Callable[[Locator], None]
    detail: tuple[str, Callable[[models.Model], str]]  # a term of the Details tab, its value


def organization_linked_to_a_contact(connection: XeroConnection) -> models.Model:
    org = OrganizationFactory(name="City Agency Holdings")
    link(org, connection, xero_contact(seed.BIG_CUSTOMER_NAME))
    return org


def opportunity_linked_to_an_invoice(connection: XeroConnection) -> models.Model:
    deal = OpportunityFactory(name="Stadium Lighting")
    item = au_rows("ACCREC").filter(currency="AUD", status="AUTHORISED").first()
    item_link(deal, connection, item)
    return deal


def the_contact_shown(panel: Locator) -> None:
    expect(panel.get_by_role("heading", name="Xero contact: City Agency")).to_be_visible()


def the_item_shown(panel: Locator) -> None:
    expect(panel.get_by_test_id("xero-item")).to_have_count(1)


TABS = [
    pytest.param(
        # Two calls: the contact and its invoices.
        Tab(2, organization_linked_to_a_contact, the_contact_shown, ("Email", lambda r: r.email)),
        id="contact-tab",
    ),
    pytest.param(
        # One call: the linked items, fifty ids a call.
        Tab(
            1,
            opportunity_linked_to_an_invoice,
            the_item_shown,
            ("Organization", lambda r: str(r.organization)),
        ),
        id="deal-tab",
    ),
]


@pytest.mark.parametrize("tab", TABS)
def test_a_xero_500_shows_the_error_with_try_again_and_the_page_still_works(
    tab: Tab, signed_in, connection, xero_sandbox
):
    page = signed_in
    record = tab.linked(connection)
    xero_sandbox.fail_next(1, status=500)

    panel = open_xero_tab(page, record)
    error = panel.get_by_test_id("xero-error")
    # The app's own words, not quoted as Xero's (issue 11: XeroError.xero_said).
    expect(error).to_contain_text("Xero is unavailable right now (HTTP 500)")
    expect(error).not_to_contain_text("Xero: Xero is unavailable")
    expect(panel.get_by_role("button", name="Try again")).to_be_visible()
    # The rest of the record page is there and works.
    expect(page.get_by_role("heading", level=1)).to_have_text(record.name)
    page.get_by_role("tab", name="Details").click()
    term, value = tab.detail
    expect(described(page.get_by_role("tabpanel", name="Details"), term)).to_have_text(
        value(record)
    )

    page.get_by_role("tab", name="Xero").click()
    click(panel.get_by_role("button", name="Try again"))
    tab.loaded(panel)
    expect(error).to_have_count(0)


@pytest.mark.parametrize("tab", TABS)
def test_xero_busy_says_when_to_try_again_and_the_tab_loads_once_the_wait_is_over(
    tab: Tab, signed_in, connection, xero_sandbox, xero_wait_passes
):
    page = signed_in
    record = tab.linked(connection)

    # A 429 with Retry-After: 60, to each of the tab's calls.
    xero_sandbox.fail_next(tab.calls, status=429)
    panel = open_xero_tab(page, record)
    error = panel.get_by_test_id("xero-error")
    expect(error).to_have_text("Xero is busy — try again in 60 seconds.")
    expect(page.get_by_role("heading", level=1)).to_have_text(record.name)
    # Trying again at once does not call Xero before its Retry-After has passed (a call would
    # be answered 500).
    xero_sandbox.fail_next(tab.calls, status=500)
    click_and_wait(panel.get_by_role("button", name="Try again"))
    expect(error).to_have_text(re.compile(r"Xero is busy — try again in (5\d|60) seconds\."))

    xero_sandbox.fail_next(0)
    xero_wait_passes(61)
    click(panel.get_by_role("button", name="Try again"))
    tab.loaded(panel)
    expect(error).to_have_count(0)


@pytest.mark.parametrize("tab", TABS)
def test_with_the_days_budget_used_up_busy_says_to_try_again_in_about_a_day(
    tab: Tab, signed_in, connection, xero_sandbox, xero_api
):
    page = signed_in
    record = tab.linked(connection)

    # The day's budget used up but for one call less than the tab needs.
    xero_sandbox.reset_rate_limits()
    xero_sandbox.set_rate_limits(day=tab.calls)
    xero_api("GET", "/Organisation")
    panel = open_xero_tab(page, record)
    error = panel.get_by_test_id("xero-error")
    # Until the day's window frees: about a day, not the minute's 60 seconds.
    expect(error).to_have_text(re.compile(r"Xero is busy — try again in \d{4,} seconds\."))
    shown = int(re.search(r"\d+", error.inner_text()).group())
    refused = xero_api("GET", "/Organisation", expect_status=429)
    assert refused.headers["X-Rate-Limit-Problem"] == "day"
    retry_after = int(refused.headers["Retry-After"])
    assert retry_after > 3600
    assert retry_after <= shown <= retry_after + 5
