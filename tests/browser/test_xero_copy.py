"""In the browser, against the sandbox: Copy details to Xero says exactly what it did.

Issue 14's organization: Xero holds its phone in parts (8905 9959, area code 07, country code
61) and only "Hobart" of its street address; the CRM has the same phone, a full address,
seven contacts and another email. The copy completes the address around Hobart, adds five contact
persons, names the two it could not add and the email it left alone, and changes nothing else:
the sandbox's row is compared field by field.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from sandbox.models import Contact as XeroContact
from tests.browser import test_xero_tab as contact_tab
from tests.browser.test_xero_tab import actions, click, described, link, open_xero_tab
from tests.factories import ContactFactory, OrganizationFactory
from tests.xero_rows import changes, contact_row

pytestmark = pytest.mark.django_db(transaction=True)

# Written by the test run for review, never committed (var/ is ignored).
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"

# The contact tab's fixtures: the CRM connected to the sandbox, a signed-in SSO user, its API.
connection = contact_tab.connection
signed_in = contact_tab.signed_in
xero_api = contact_tab.xero_api

# In the CRM's order (last name): the first five become Xero's contact persons.
PEOPLE = (
    ("Ann", "Adams"), ("Bo", "Brown"), ("Cy", "Clark"), ("Di", "Dunn"), ("Ed", "Evans"),
    ("Flo", "Ford"), ("Gus", "Green"),
)  # fmt: skip


def test_copy_details_to_xero_says_what_it_copied_and_what_it_could_not(
    signed_in, connection, xero_api
):
    page = signed_in
    answer = xero_api(
        "PUT",
        "/Contacts",
        json={"Contacts": [{
            "Name": "Tasman Freight Pty Ltd",
            "EmailAddress": "accounts@tasman.test",
            "Phones": [{"PhoneType": "DEFAULT", "PhoneNumber": "8905 9959",
                        "PhoneAreaCode": "07", "PhoneCountryCode": "61"}],
            "Addresses": [{"AddressType": "STREET", "City": "Hobart"}],
        }]},
    )  # fmt: skip
    xero_id = answer.json()["Contacts"][0]["ContactID"]
    org = OrganizationFactory(
        name="Tasman Freight", email="hello@tasman.test", phone="(07) 8905 9959", mobile="",
        address_line1="1 Test St", city="Hobart", region="TAS", postal_code="7000",
        country="Australia",
    )  # fmt: skip
    for first, last in PEOPLE:
        ContactFactory(
            organization=org, first_name=first, last_name=last, email=f"{first.lower()}@tf.test"
        )
    link(org, connection, XeroContact.objects.get(contact_id=xero_id))
    before = contact_row(xero_id)

    panel = open_xero_tab(page, org)
    expect(described(panel, "Phones")).to_have_text("61 07 8905 9959 (default)")
    click(actions(panel, "Copy details to Xero"))

    expect(panel.get_by_test_id("xero-notice")).to_have_text(
        "Copied to Xero: street 1 Test St, region TAS, postal code 7000 and country Australia "
        "(added to Xero's street address); contact person Ann Adams (ann@tf.test); "
        "contact person Bo Brown (bo@tf.test); contact person Cy Clark (cy@tf.test); "
        "contact person Di Dunn (di@tf.test); contact person Ed Evans (ed@tf.test)."
    )
    expect(panel.get_by_test_id("xero-problem")).to_have_text(
        "2 people not added: Xero allows 5 contact persons (Flo Ford and Gus Green)."
    )
    # Xero's own email stays, and the tab says so (Hobart, the same on both sides, is not news).
    expect(panel.get_by_test_id("xero-kept")).to_have_text(
        "Email not copied: Xero already has accounts@tasman.test."
    )
    # Xero's phone is as it was, every part of it; the address reads whole.
    expect(described(panel, "Phones")).to_have_text("61 07 8905 9959 (default)")
    expect(described(panel, "Address")).to_contain_text("1 Test St")
    expect(described(panel, "Address")).to_contain_text("Hobart TAS 7000")
    persons = described(panel, "Contact persons")
    expect(persons).to_contain_text("Ed Evans ed@tf.test")
    assert persons.inner_text().splitlines() == [
        f"{first} {last} {first.lower()}@tf.test" for first, last in PEOPLE[:5]
    ]

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    panel.screenshot(path=SCREENSHOTS / "xero-copy-to-xero-messages.png")

    after = contact_row(xero_id)
    filled = {
        "Addresses.STREET.AddressLine1": ("", "1 Test St"),
        "Addresses.STREET.Region": ("", "TAS"),
        "Addresses.STREET.PostalCode": ("", "7000"),
        "Addresses.STREET.Country": ("", "Australia"),
    }
    for index, (first, last) in enumerate(PEOPLE[:5]):
        filled |= {
            f"ContactPersons.{index}.FirstName": ("", first),
            f"ContactPersons.{index}.LastName": ("", last),
            f"ContactPersons.{index}.EmailAddress": ("", f"{first.lower()}@tf.test"),
            f"ContactPersons.{index}.IncludeInEmails": ("", False),
        }
    assert changes(before, after) == filled

    # Again: the address and the five people are there; the two still cannot be added.
    click(actions(panel, "Copy details to Xero"))
    expect(panel.get_by_test_id("xero-problem")).to_have_text(
        "2 people not added: Xero allows 5 contact persons (Flo Ford and Gus Green)."
    )
    expect(panel.get_by_test_id("xero-notice")).to_have_count(0)
    assert changes(after, contact_row(xero_id)) == {}
