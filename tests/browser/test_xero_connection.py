"""In the browser, against the sandbox: Sign in with Xero, and an admin connecting Xero."""

from __future__ import annotations

import pytest
from allauth.socialaccount.models import SocialAccount
from playwright.sync_api import expect

from linking.models import XeroConnection
from tests.browser.conftest import sign_in, sso_sign_in
from tests.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_admin_connects_chooses_an_organisation_and_disconnects(
    page, live_server, xero_sandbox, sso_admin, settings
):
    settings.XERO_REDIRECT_URI = f"{live_server.url}/integrations/xero/callback"
    sso_sign_in(page, sso_admin)
    page.get_by_role("link", name="Integrations").click()
    page.get_by_role("button", name="Connect to Xero").click()

    # Xero's consent page.
    expect(page.get_by_role("heading", name="wants to access your organisation")).to_be_visible()
    page.get_by_label("Demo Admin").check()
    page.get_by_label("Demo Company (AU)").check()
    page.get_by_label("Demo Company (NZ)").check()
    page.get_by_role("button", name="Allow access").click()

    expect(page.get_by_role("heading", name="Choose the Xero organisation")).to_be_visible()
    page.get_by_label("Demo Company (NZ)").check()
    page.get_by_role("button", name="Use this organisation").click()

    expect(page.get_by_text("Connected to Demo Company (NZ).")).to_be_visible()
    expect(page.get_by_test_id("xero-organisation")).to_have_text("Demo Company (NZ)")
    expect(page.get_by_test_id("xero-base-currency")).to_have_text("NZD")
    expect(page.get_by_test_id("xero-token-health")).to_contain_text("OK")
    assert XeroConnection.objects.get().tenant_id == xero_sandbox.nz_tenant_id

    page.get_by_role("link", name="Disconnect").click()
    page.get_by_role("button", name="Disconnect").click()
    expect(page.get_by_text("Disconnected from Demo Company (NZ).")).to_be_visible()
    expect(page.get_by_role("button", name="Connect to Xero")).to_be_visible()
    assert not XeroConnection.objects.exists()


def test_cancel_on_xeros_consent_page_comes_back_with_a_friendly_note(
    page, live_server, xero_sandbox, sso_admin, settings
):
    settings.XERO_REDIRECT_URI = f"{live_server.url}/integrations/xero/callback"
    sso_sign_in(page, sso_admin)
    page.goto("/integrations/")
    page.get_by_role("button", name="Connect to Xero").click()
    page.get_by_role("button", name="Cancel").click()
    expect(page.get_by_text("You cancelled in Xero, so nothing was connected.")).to_be_visible()


def test_sign_in_with_xero_needs_no_password_and_counts_as_sso(page, live_server, xero_sandbox):
    admin = UserFactory(email=xero_sandbox.admin_email, is_staff=True)
    org = OrganizationFactory(name="Signed In Pty")
    page.goto("/accounts/login/")
    page.get_by_role("button", name="Sign in with Xero").click()
    expect(page.get_by_role("heading", name="wants to access your organisation")).to_be_visible()
    page.get_by_label("Demo Admin").check()
    page.get_by_role("button", name="Allow access").click()

    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    expect(page.get_by_role("link", name="Integrations")).to_be_visible()
    assert SocialAccount.objects.filter(user=admin, provider="xero").exists()

    page.goto(f"/organizations/{org.pk}/")
    page.get_by_role("tab", name="Xero").click()
    expect(page.get_by_text("Xero is not connected yet.")).to_be_visible()


def test_a_password_user_sees_why_there_is_no_xero_data(page, password_user):
    org = OrganizationFactory()
    sign_in(page, password_user.email)
    page.goto(f"/organizations/{org.pk}/#xero")
    expect(page.get_by_text("Xero data is shown only to people who signed in")).to_be_visible()
    expect(page.get_by_role("link", name="Link an SSO account on your profile")).to_be_visible()


def test_a_password_sign_in_of_an_sso_linked_admin_gets_no_xero_until_it_signs_in_with_sso(
    page, live_server, xero_sandbox, sandbox_connection
):
    """Found in a probe: the demo admin signed in on the email form and saw every Xero tab."""
    admin = UserFactory(email=xero_sandbox.admin_email, is_staff=True)
    org = OrganizationFactory(name="Gatekeeper Pty")
    # Once through SSO, so the account is SSO-linked; then signed out.
    page.goto("/accounts/login/")
    page.get_by_role("button", name="Sign in with Xero").click()
    page.get_by_label("Demo Admin").check()
    page.get_by_role("button", name="Allow access").click()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    assert SocialAccount.objects.filter(user=admin, provider="xero").exists()
    page.get_by_role("button", name="Sign out").click()

    # Now with the email and password on the real form.
    sign_in(page, admin.email)
    page.goto(f"/organizations/{org.pk}/#xero")
    panel = page.get_by_test_id("xero-panel")
    expect(panel).to_contain_text("Xero data is shown only to people who signed in")
    expect(panel).to_contain_text("You signed in with your email address and password this time.")
    expect(page.get_by_text("Gatekeeper Pty", exact=False).first).to_be_visible()
    expect(page.get_by_role("button", name="Add Link")).to_have_count(0)
    expect(page.get_by_role("button", name="New Xero Contact")).to_have_count(0)

    page.goto("/integrations/")
    expect(page.get_by_role("heading", name="Sign in with single sign-on first")).to_be_visible()
    for name in ("Connect to Xero", "Check connection", "Disconnect", "Reconnect"):
        expect(page.get_by_role("button", name=name)).to_have_count(0)
    expect(page.get_by_role("link", name="Disconnect")).to_have_count(0)
    expect(page.get_by_test_id("xero-organisation")).to_have_count(0)

    # The panel's own button signs in through SSO and comes back to the record's Xero tab.
    page.goto(f"/organizations/{org.pk}/#xero")
    panel.get_by_role("button", name="Sign in with Xero").click()
    page.get_by_label("Demo Admin").check()
    page.get_by_role("button", name="Allow access").click()
    expect(page).to_have_url(f"{live_server.url}/organizations/{org.pk}/#xero")
    expect(page.get_by_role("button", name="New Xero Contact")).to_be_visible()
    page.goto("/integrations/")
    expect(page.get_by_test_id("xero-organisation")).to_have_text("Demo Company (AU)")
