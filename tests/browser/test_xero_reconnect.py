"""In the browser, against the sandbox: connecting Xero again while connected."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from linking.models import XeroConnection
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def sign_in_with_xero(page, xero_sandbox) -> None:
    """An administrator in a session that SSO (Sign in with Xero, the sandbox) authenticated."""
    UserFactory(email=xero_sandbox.admin_email, is_staff=True)
    page.goto("/accounts/login/")
    page.get_by_role("button", name="Sign in with Xero").click()
    page.get_by_label("Demo Admin").check()
    page.get_by_role("button", name="Allow access").click()
    expect(page.get_by_role("link", name="Integrations")).to_be_visible()


def test_reconnecting_with_another_organisation_is_refused_and_keeps_the_connection(
    page, live_server, xero_sandbox, settings
):
    settings.XERO_REDIRECT_URI = f"{live_server.url}/integrations/xero/callback"
    sign_in_with_xero(page, xero_sandbox)

    def consent_to_both():
        page.get_by_role("button", name="Allow access").wait_for()
        page.get_by_label("Demo Admin").check()
        page.get_by_label("Demo Company (AU)").check()
        page.get_by_label("Demo Company (NZ)").check()
        page.get_by_role("button", name="Allow access").click()

    page.goto("/integrations/")
    page.get_by_role("button", name="Connect to Xero").click()
    consent_to_both()
    page.get_by_label("Demo Company (AU)").check()
    page.get_by_role("button", name="Use this organisation").click()
    expect(page.get_by_text("Connected to Demo Company (AU).")).to_be_visible()
    connected = XeroConnection.objects.get()

    # Later the connection needs reconnecting; the admin reconnects but picks NZ.
    XeroConnection.objects.update(health=XeroConnection.Health.NEEDS_RECONNECT)
    page.goto("/integrations/")
    page.get_by_role("button", name="Reconnect to Xero").click()
    consent_to_both()
    expect(page.get_by_test_id("xero-choose-live")).to_contain_text(
        "This CRM is connected to Demo Company (AU)"
    )
    expect(page.get_by_label("Demo Company (AU)")).to_be_checked()
    page.get_by_label("Demo Company (NZ)").check()
    page.get_by_role("button", name="Use this organisation").click()
    expect(
        page.get_by_text(
            "This CRM is connected to Demo Company (AU). Disconnect it first to use "
            "Demo Company (NZ) instead."
        )
    ).to_be_visible()
    expect(page.get_by_test_id("xero-organisation")).to_have_text("Demo Company (AU)")

    # Reconnecting AU itself repairs it, on the same row.
    page.get_by_role("button", name="Reconnect to Xero").click()
    consent_to_both()
    page.get_by_role("button", name="Use this organisation").click()
    expect(page.get_by_text("Connected to Demo Company (AU).")).to_be_visible()
    expect(page.get_by_test_id("xero-token-health")).to_contain_text("OK")
    assert XeroConnection.objects.get().pk == connected.pk
