"""In Chromium, under the CRM's Content-Security-Policy: sign-in with SSO, Connect to Xero and the
Xero tab all work, and the browser reports no violation of the policy."""

from __future__ import annotations

import pytest
from playwright.sync_api import ConsoleMessage, expect

from linking.models import XeroConnection, XeroLink
from tests.browser.test_xero_tab import click, open_xero_tab
from tests.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_sso_sign_in_connect_and_the_xero_tab_work_with_no_policy_violation(
    page, live_server, xero_sandbox, settings
):
    settings.XERO_REDIRECT_URI = f"{live_server.url}/integrations/xero/callback"
    violations: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            violations.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: violations.append(f"page error: {error}"))
    UserFactory(email=xero_sandbox.admin_email, is_staff=True, is_superuser=True)
    org = OrganizationFactory(name="Harbour Bridge Climbs", email="bookings@bridgeclimb.test")

    # "Sign in with Xero": a form posted to the CRM, answered with a redirect to the provider.
    response = page.goto("/accounts/login/")
    assert "form-action 'self'" in response.headers["content-security-policy"]
    page.get_by_role("button", name="Sign in with Xero").click()
    expect(page.get_by_role("heading", name="wants to access your organisation")).to_be_visible()
    page.get_by_label("Demo Admin").check()
    page.get_by_role("button", name="Allow access").click()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()

    # "Connect to Xero": a form posted to the CRM, answered with a redirect to Xero's login host.
    page.get_by_role("link", name="Integrations").click()
    page.get_by_role("button", name="Connect to Xero").click()
    expect(page.get_by_role("heading", name="wants to access your organisation")).to_be_visible()
    page.get_by_label("Demo Admin").check()
    page.get_by_label("Demo Company (AU)").check()
    page.get_by_role("button", name="Allow access").click()
    # Xero's consent page ticks every organisation at first: the CRM asks which one to use.
    expect(page.get_by_role("heading", name="Choose the Xero organisation")).to_be_visible()
    page.get_by_label("Demo Company (AU)").check()
    page.get_by_role("button", name="Use this organisation").click()
    expect(page.get_by_text("Connected to Demo Company (AU).")).to_be_visible()
    assert XeroConnection.objects.get().tenant_id == xero_sandbox.au_tenant_id

    # The Xero tab (an htmx fragment), a Search and an Add Link (htmx posts).
    panel = open_xero_tab(page, org)
    expect(panel.get_by_test_id("xero-no-matches")).to_be_visible()
    panel.get_by_label("Search Xero contacts").fill("marine")
    click(panel.get_by_role("button", name="Search", exact=True))
    expect(panel.get_by_text("Xero contacts matching “marine”:")).to_be_visible()
    click(panel.get_by_role("button", name="Add Link to Marine Systems"))
    expect(panel.get_by_test_id("xero-notice")).to_have_text("Linked to Marine Systems in Xero.")
    assert XeroLink.objects.get(organization=org).xero_name == "Marine Systems"

    # The admin's own scripts (inline rows, autocomplete, calendar) under the same policy.
    for url in ["/admin/", "/admin/crm/contact/add/", "/admin/crm/opportunity/add/"]:
        page.goto(url)
        expect(page.locator("#content h1")).to_be_visible()
    page.get_by_text("Add another Opportunity line item").click()
    expect(page.locator(".inline-group tbody tr.form-row:not(.empty-form)")).to_have_count(1)

    page.goto(org.get_absolute_url())
    # htmx's indicator rules come from app.css, not from a <style> htmx would inject.
    assert page.locator("head style").count() == 0
    assert violations == []
