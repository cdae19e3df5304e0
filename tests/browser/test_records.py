"""A person signs in, makes an organization with a contact, and opens both records' tabs."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from crm_xero.crm.models import Contact, Organization
from tests.browser.conftest import sso_sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_sign_in_create_an_organization_with_a_contact_and_see_the_xero_tabs(page, sso_admin):
    sso_sign_in(page, sso_admin)
    expect(page.get_by_role("heading", name="Organizations")).to_be_visible()

    page.get_by_role("link", name="New organization").click()
    page.get_by_label("Name").fill("Harbour Bridge Climbs")
    page.get_by_label("Email").fill("bookings@bridgeclimb.test")
    page.get_by_label("City").fill("Sydney")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Harbour Bridge Climbs")).to_be_visible()
    expect(page.get_by_text("Harbour Bridge Climbs was created.")).to_be_visible()

    page.get_by_role("link", name="Add contact").click()
    expect(page.get_by_label("Organization")).to_have_value(
        str(Organization.objects.get(name="Harbour Bridge Climbs").pk)
    )
    page.get_by_label("First name").fill("Paul")
    page.get_by_label("Last name").fill("Cave")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Paul Cave")).to_be_visible()
    contact = Contact.objects.get(first_name="Paul", last_name="Cave")
    assert contact.organization.name == "Harbour Bridge Climbs"

    # The contact's Xero tab loads its panel when opened.
    details = page.get_by_role("tabpanel", name="Details")
    expect(details).to_be_visible()
    page.get_by_role("tab", name="Xero").click()
    expect(page.get_by_role("tab", name="Xero")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_text("Xero is not connected yet.")).to_be_visible()
    expect(details).to_be_hidden()
    expect(page).to_have_url(re.compile(r"#xero$"))

    # Back to the organization through the contact's link; it lists the contact.
    page.get_by_role("tab", name="Details").click()
    page.get_by_role("link", name="Harbour Bridge Climbs").click()
    expect(page.get_by_role("link", name="Paul Cave")).to_be_visible()
    page.get_by_role("tab", name="Xero").click()
    expect(page.get_by_text("Xero is not connected yet.")).to_be_visible()


def test_an_invalid_form_shows_the_error_beside_the_field_and_keeps_what_was_typed(page, sso_user):
    sso_sign_in(page, sso_user)
    page.goto("/contacts/new/")
    page.get_by_label("Email").fill("not-an-email")
    page.get_by_label("City").fill("Auckland")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Give a first name or a last name (or both).")).to_be_visible()
    expect(page.get_by_text("Enter a valid email address.")).to_be_visible()
    expect(page.get_by_label("Email")).to_have_value("not-an-email")
    expect(page.get_by_label("City")).to_have_value("Auckland")
    assert not Contact.objects.exists()


def test_the_xero_tab_opens_from_a_link_to_it(page, sso_user):
    org = Organization.objects.create(name="Deep Link Pty")
    sso_sign_in(page, sso_user)
    page.goto(f"/organizations/{org.pk}/#xero")
    expect(page.get_by_role("tab", name="Xero")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_text("Xero is not connected yet.")).to_be_visible()


def test_opportunity_line_items_can_be_added_in_the_form(page, sso_user):
    sso_sign_in(page, sso_user)
    page.goto("/opportunities/new/")
    page.get_by_label("Name").fill("Fit-out")
    page.get_by_label("Value").fill("1500")
    page.get_by_label("Description (line 1)").fill("Design")
    page.get_by_label("Unit price (line 1)").fill("500")
    page.get_by_role("button", name="Add line item").click()
    page.get_by_label("Description (line 2)").fill("Build")
    page.get_by_label("Quantity (line 2)").fill("2")
    page.get_by_label("Unit price (line 2)").fill("500")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Fit-out")).to_be_visible()
    rows = page.get_by_role("table").get_by_role("row")
    expect(rows.filter(has_text="Design")).to_contain_text("500.00")
    expect(rows.filter(has_text="Build")).to_contain_text("1,000.00")
    expect(rows.filter(has_text="Total")).to_contain_text("1,500.00")
