"""Copy details, against the sandbox: add-only, proven by the sandbox's rows before and after.

Each test creates the Xero contact through the sandbox's API as a Xero user would, compares the
sandbox's row (every column, every part of every phone, address and contact person) before and
after the copy, and reads what the tab says. Only the empty slots the copy fills may differ.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from crm_xero.crm.models import Organization
from linking.models import AuditEntry, XeroConnection, XeroLink
from sandbox import seed
from tests.factories import ContactFactory, OrganizationFactory, XeroLinkFactory
from tests.sandbox.helpers import api
from tests.sessions import sign_in_with_sso
from tests.xero_rows import changes, contact_row

pytestmark = pytest.mark.django_db(transaction=True)

AU = seed.AU_TENANT_ID


@pytest.fixture
def user_client(sso_user) -> Client:
    client = Client()
    sign_in_with_sso(client, sso_user)
    return client


@pytest.fixture
def put_contact(xero_sandbox):
    """Create a contact in Demo Company (AU) over the sandbox's API; its ContactID."""
    tokens = xero_sandbox.mint_tokens(email=seed.SELLER_EMAIL, tenant_ids=[AU])

    def put(**fields: Any) -> str:
        answer = api(xero_sandbox, tokens, "PUT", "/Contacts", json={"Contacts": [fields]})
        assert answer.status_code == 200, answer.text[:500]
        return answer.json()["Contacts"][0]["ContactID"]

    return put


def bare_org(name: str, **fields: str) -> Organization:
    """An organization holding only these details (the factory's defaults left out)."""
    blank = dict.fromkeys(("email", "phone", "mobile", "city", "country"), "")
    return OrganizationFactory(name=name, **{**blank, **fields})


def linked(record, connection: XeroConnection, contact_id: str, name: str) -> XeroLink:
    return XeroLinkFactory(
        record=record,
        tenant_id=connection.tenant_id,
        xero_type=XeroLink.XeroType.CONTACT,
        xero_id=contact_id,
        xero_name=name,
    )


def copy(client: Client, record, direction: str) -> str:
    response = client.post(f"/xero/tab/{record._meta.model_name}/{record.pk}/copy-{direction}")
    assert response.status_code == 200
    return response.content.decode()


ISSUE_PHONES = [
    {"PhoneType": "DEFAULT", "PhoneNumber": "8905 9959", "PhoneAreaCode": "07",
     "PhoneCountryCode": "61"},
    {"PhoneType": "MOBILE", "PhoneNumber": "412 345 678", "PhoneCountryCode": "61"},
]  # fmt: skip


def test_copy_to_xero_keeps_every_part_of_xeros_phones(
    sandbox_connection, put_contact, user_client
):
    # Issue 14: Xero's phone 8905 9959 with area code 07 and country code 61 came back as
    # "61 07 8905 9959" with empty codes. The CRM's same numbers are not copied again; its new
    # number takes the empty direct dial, and Xero's phones are sent back part by part.
    xero_id = put_contact(Name="Phone Parts Pty Ltd", Phones=ISSUE_PHONES)
    org = bare_org(
        "Phone Parts", email="accounts@phoneparts.test", phone="07 8905 9959",
        mobile="03 6200 1111",
    )  # fmt: skip
    linked(org, sandbox_connection, xero_id, "Phone Parts Pty Ltd")
    before = contact_row(xero_id)

    html = copy(user_client, org, "to-xero")

    assert changes(before, contact_row(xero_id)) == {
        "email": ("", "accounts@phoneparts.test"),
        "Phones.DDI.PhoneNumber": ("", "03 6200 1111"),
    }
    assert (
        "Copied to Xero: email accounts@phoneparts.test; mobile / second phone 03 6200 1111 "
        "(as Xero&#x27;s direct dial)."
    ) in html
    assert "61 07 8905 9959" in html  # the tab shows Xero's phone whole, as Xero does
    assert 'data-testid="xero-problem"' not in html


def test_copy_to_xero_with_the_same_numbers_sends_no_phones(
    sandbox_connection, put_contact, user_client
):
    xero_id = put_contact(Name="Same Numbers Ltd", Phones=ISSUE_PHONES)
    org = bare_org("Same Numbers", phone="(07) 8905 9959", mobile="0412 345 678")
    linked(org, sandbox_connection, xero_id, "Same Numbers Ltd")
    before = contact_row(xero_id)

    html = copy(user_client, org, "to-xero")

    assert changes(before, contact_row(xero_id)) == {}
    assert "Nothing to copy to Xero: the other side already has everything." in html


def test_copy_to_xero_completes_an_address_holding_only_hobart(
    sandbox_connection, put_contact, user_client
):
    # Issue 14: Xero has only "Hobart"; this said "Nothing to copy to Xero". Now the empty parts
    # are filled, Hobart stays as Xero spells it, and the postal address is untouched.
    xero_id = put_contact(
        Name="Hobart Only Pty Ltd",
        Addresses=[
            {"AddressType": "STREET", "City": "Hobart", "AttentionTo": "Front desk"},
            {"AddressType": "POBOX", "AddressLine2": "PO Box 9", "City": "Hobart",
             "PostalCode": "7001"},
        ],
    )  # fmt: skip
    org = bare_org(
        "Hobart Only", address_line1="1 Test St", city="HOBART", region="TAS",
        postal_code="7000", country="Australia",
    )  # fmt: skip
    linked(org, sandbox_connection, xero_id, "Hobart Only Pty Ltd")
    before = contact_row(xero_id)

    html = copy(user_client, org, "to-xero")

    assert changes(before, contact_row(xero_id)) == {
        "Addresses.STREET.AddressLine1": ("", "1 Test St"),
        "Addresses.STREET.Region": ("", "TAS"),
        "Addresses.STREET.PostalCode": ("", "7000"),
        "Addresses.STREET.Country": ("", "Australia"),
    }
    assert (
        "Copied to Xero: street 1 Test St, region TAS, postal code 7000 and country Australia "
        "(added to Xero&#x27;s street address)."
    ) in html
    assert "Nothing to copy" not in html


def test_copy_to_xero_leaves_a_different_address_alone_and_names_its_parts(
    sandbox_connection, put_contact, user_client
):
    xero_id = put_contact(
        Name="Elsewhere Ltd",
        Addresses=[{"AddressType": "STREET", "AddressLine1": "9 Other Rd", "City": "Launceston"}],
    )
    org = bare_org("Elsewhere", address_line1="1 Test St", city="Hobart", postal_code="7000")
    linked(org, sandbox_connection, xero_id, "Elsewhere Ltd")
    before = contact_row(xero_id)

    html = copy(user_client, org, "to-xero")

    assert changes(before, contact_row(xero_id)) == {}
    assert "Nothing copied to Xero." in html
    assert (
        "<li>Street, city and postal code not copied: Xero already has an address "
        "(9 Other Rd, Launceston).</li>"
    ) in html


def test_copy_to_xero_adds_the_organizations_contacts_up_to_xeros_five(
    sandbox_connection, put_contact, user_client
):
    existing = [
        {"FirstName": "Ann", "LastName": "Lee", "EmailAddress": "ann@fivepeople.test",
         "IncludeInEmails": True},
        {"FirstName": "Bo", "LastName": "Chen", "EmailAddress": "", "IncludeInEmails": False},
    ]  # fmt: skip
    xero_id = put_contact(
        Name="Five People Ltd",
        FirstName="Pat",
        LastName="Main",
        EmailAddress="pat@fivepeople.test",
        ContactPersons=existing,
    )
    org = bare_org("Five People")
    # Pat is Xero's own person and Ann one of its people already (email in another case).
    ContactFactory(
        organization=org, first_name="Pat", last_name="Main", email="PAT@fivepeople.test"
    )
    ContactFactory(
        organization=org, first_name="Annie", last_name="Lee", email="ANN@fivepeople.test"
    )
    for first, last in (("Cy", "Diaz"), ("Di", "Evans"), ("Ed", "Fox"), ("Flo", "Gray")):
        ContactFactory(organization=org, first_name=first, last_name=last,
                       email=f"{first.lower()}@fivepeople.test")  # fmt: skip
    linked(org, sandbox_connection, xero_id, "Five People Ltd")
    before = contact_row(xero_id)

    html = copy(user_client, org, "to-xero")

    after = contact_row(xero_id)
    added = {
        f"ContactPersons.{i}.{part}": ("", value)
        for i, (first, last) in enumerate((("Cy", "Diaz"), ("Di", "Evans"), ("Ed", "Fox")), 2)
        for part, value in (
            ("FirstName", first),
            ("LastName", last),
            ("EmailAddress", f"{first.lower()}@fivepeople.test"),
            ("IncludeInEmails", False),
        )
    }
    assert changes(before, after) == added
    assert [after[f"ContactPersons.{i}.EmailAddress"] for i in range(5)] == [
        "ann@fivepeople.test", "", "cy@fivepeople.test", "di@fivepeople.test",
        "ed@fivepeople.test",
    ]  # fmt: skip
    assert after["ContactPersons.0.IncludeInEmails"] is True  # Ann unchanged
    assert (
        "Copied to Xero: contact person Cy Diaz (cy@fivepeople.test); contact person Di Evans "
        "(di@fivepeople.test); contact person Ed Fox (ed@fivepeople.test)."
    ) in html
    assert "1 person not added: Xero allows 5 contact persons (Flo Gray)." in html
    entry = AuditEntry.objects.get(action="copy_to_xero")
    assert entry.changes["not_copied"] == [
        "1 person not added: Xero allows 5 contact persons (Flo Gray)."
    ]


def test_copy_from_xero_fills_the_empty_crm_street_and_says_so(
    sandbox_connection, put_contact, user_client
):
    # Issue 14: the CRM's street was empty, Xero held "1 Test St": nothing was copied or said.
    xero_id = put_contact(
        Name="Test Street Pty Ltd",
        Addresses=[{"AddressType": "STREET", "AddressLine1": "1 Test St", "City": "Hobart",
                    "Region": "TAS"}],
    )  # fmt: skip
    org = bare_org("Test Street", city="Hobart", country="Australia")
    linked(org, sandbox_connection, xero_id, "Test Street Pty Ltd")
    before = contact_row(xero_id)
    fields = ("name", "address_line1", "address_line2", "city", "region", "postal_code", "country")

    html = copy(user_client, org, "from-xero")

    assert (
        "Copied from Xero: street 1 Test St and region TAS (from Xero&#x27;s street address)."
        in html
    )
    org = Organization.objects.get(pk=org.pk)
    assert tuple(getattr(org, f) for f in fields) == (
        "Test Street", "1 Test St", "", "Hobart", "TAS", "", "Australia",
    )  # fmt: skip
    assert changes(before, contact_row(xero_id)) == {}  # Xero itself untouched
