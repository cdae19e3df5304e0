"""In the browser, against the sandbox: Sign in with Xero, and an admin connecting Xero."""

from __future__ import annotations

import pytest
from allauth.socialaccount.models import SocialAccount
from playwright.sync_api import expect

from linking.models import XeroConnection
from tests.browser.conftest import sign_in
from tests.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_admin_connects_chooses_an_organisation_and_disconnects(
    page, live_server, xero_sandbox, sso_admin, settings
):
    settings.XERO_REDIRECT_URI = f"{live_server.url}/integrations/xero/callback"
    sign_in(page, sso_admin.email)
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
    sign_in(page, sso_admin.email)
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
