"""The services against a stand-in Xero (pytest-httpserver): links, creates, copies, audit."""

from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser

from crm_xero.crm.models import Contact as CrmContact
from linking import services
from linking.models import AuditEntry, XeroLink
from linking.xero.errors import XeroError
from linking.xero.types import Contact, Invoice, InvoiceDraft, LineItem
from tests.factories import ContactFactory, OpportunityFactory, OrganizationFactory, XeroLinkFactory
from tests.linking.conftest import TENANT_ID, requests_to
from tests.xero_spec import example

pytestmark = pytest.mark.django_db

KAT_ID = "5cc8cf28-567e-4d43-b287-687cfcaec47c"
LISA_ID = "3ec601ad-eddc-4ccb-a8ac-736e88293b1b"
NEW_ID = "3ff6d40c-af9a-40a3-89ce-3c1556a25591"
INVOICE_ID = "ed255415-e141-4150-aab7-89c3bbbb851c"
CONTACTS = "/api.xro/2.0/Contacts"
INVOICES = "/api.xro/2.0/Invoices"
PHONE_TYPES = ("DDI", "DEFAULT", "FAX", "MOBILE")


def xero_contact(
    contact_id: str = KAT_ID,
    name: str = "Katherine Warren",
    *,
    first: str = "",
    last: str = "",
    email: str = "",
    phones: dict[str, str] | None = None,
    addresses: list[dict] | None = None,
) -> dict:
    """A contacts answer shaped like Xero's getContact example, with these details."""
    page = copy.deepcopy(example("getContact"))
    contact = page["Contacts"][0]
    phones = phones or {}
    contact.update(
        ContactID=contact_id,
        Name=name,
        FirstName=first,
        LastName=last,
        EmailAddress=email,
        Phones=[
            {
                "PhoneType": kind,
                "PhoneNumber": phones.get(kind, ""),
                "PhoneAreaCode": "",
                "PhoneCountryCode": "",
            }
            for kind in PHONE_TYPES
        ],
        Addresses=addresses
        or [
            {"AddressType": kind, "City": "", "Region": "", "PostalCode": "", "Country": ""}
            for kind in ("STREET", "POBOX")
        ],
    )
    return page


def validation_error(message: str) -> dict:
    return {
        "ErrorNumber": 10,
        "Type": "ValidationException",
        "Message": "A validation exception occurred",
        "Elements": [{"ValidationErrors": [{"Message": message}]}],
    }


def fields(sent: dict) -> dict:
    """A contact as sent, without the two flags the SDK always adds (HasAttachments, ...)."""
    return {k: v for k, v in sent.items() if k not in ("HasAttachments", "HasValidationErrors")}


def linked(record, xero_id: str = KAT_ID, name: str = "Katherine Warren") -> XeroLink:
    """A link made earlier (straight in the database: no Xero call)."""
    return XeroLinkFactory(
        record=record,
        tenant_id=TENANT_ID,
        xero_type=XeroLink.XeroType.CONTACT,
        xero_id=xero_id,
        xero_name=name,
    )


def audit_entries() -> list[tuple]:
    return list(
        AuditEntry.objects.order_by("pk").values_list("action", "succeeded", "xero_id", "error")
    )


# Add Link.


def test_linking_makes_one_link_and_records_who_linked_what(xero, connection, sso_user):
    org = OrganizationFactory(name="Katherine Warren")
    xero.expect_request(f"{CONTACTS}/{KAT_ID}", method="GET").respond_with_json(xero_contact())
    link = services.link_create(
        user=sso_user, record=org, connection=connection, xero_contact_id=KAT_ID
    )
    assert XeroLink.objects.get() == link
    assert (link.organization, str(link.xero_id), link.xero_name) == (
        org,
        KAT_ID,
        "Katherine Warren",
    )
    assert (str(link.tenant_id), link.xero_type, link.created_by) == (
        TENANT_ID,
        "contact",
        sso_user,
    )
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.succeeded, entry.user) == ("link", True, sso_user)
    assert (entry.record_type, entry.record_id, entry.record_label) == (
        "organization",
        org.pk,
        "Katherine Warren",
    )
    assert (entry.xero_id, str(entry.tenant_id)) == (KAT_ID, TENANT_ID)
    assert entry.changes == {"xero_contact": "Katherine Warren"}


def test_a_linked_record_cannot_be_linked_to_a_second_contact(xero, connection, sso_user):
    org = OrganizationFactory(name="Clampett & Co")
    xero.expect_request(f"{CONTACTS}/{KAT_ID}", method="GET").respond_with_json(xero_contact())
    xero.expect_request(f"{CONTACTS}/{LISA_ID}", method="GET").respond_with_json(
        xero_contact(LISA_ID, "Lisa Parker")
    )
    services.link_create(user=sso_user, record=org, connection=connection, xero_contact_id=KAT_ID)
    with pytest.raises(services.LinkError) as excinfo:
        services.link_create(
            user=sso_user, record=org, connection=connection, xero_contact_id=LISA_ID
        )
    assert str(excinfo.value) == (
        "Clampett & Co is already linked to a Xero contact. Unlink it first."
    )
    assert [str(x) for x in XeroLink.objects.values_list("xero_id", flat=True)] == [KAT_ID]
    assert [a for a, *_ in audit_entries()] == ["link"]


def test_one_xero_contact_may_be_linked_from_two_records(xero, connection, sso_user):
    org = OrganizationFactory()
    person = ContactFactory(organization=org)
    xero.expect_request(f"{CONTACTS}/{KAT_ID}", method="GET").respond_with_json(xero_contact())
    services.link_create(user=sso_user, record=org, connection=connection, xero_contact_id=KAT_ID)
    services.link_create(
        user=sso_user, record=person, connection=connection, xero_contact_id=KAT_ID
    )
    links = XeroLink.objects.order_by("pk")
    assert [(link.record, str(link.xero_id)) for link in links] == [
        (org, KAT_ID),
        (person, KAT_ID),
    ]


def test_a_contact_xero_does_not_have_is_not_linked_and_the_failure_is_recorded(
    xero, connection, sso_user
):
    org = OrganizationFactory()
    xero.expect_request(f"{CONTACTS}/{KAT_ID}", method="GET").respond_with_data(status=404)
    with pytest.raises(XeroError) as excinfo:
        services.link_create(
            user=sso_user, record=org, connection=connection, xero_contact_id=KAT_ID
        )
    assert not XeroLink.objects.exists()
    assert audit_entries() == [("link", False, KAT_ID, excinfo.value.message)]


# Unlink.


def test_unlinking_removes_only_that_link_and_changes_nothing_in_xero(xero, connection, sso_user):
    org = OrganizationFactory()
    person = ContactFactory(organization=org)
    link = linked(org)
    other = linked(person)
    services.link_delete(user=sso_user, link=link)
    assert list(XeroLink.objects.all()) == [other]
    org.refresh_from_db()  # the record itself stays
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.succeeded, entry.xero_id, entry.record_id) == (
        "unlink",
        True,
        KAT_ID,
        org.pk,
    )
    assert entry.changes == {"xero_contact": "Katherine Warren"}
    assert xero.log == []


# New Xero Contact.


def test_new_xero_contact_sends_the_contacts_details_and_links_it(xero, connection, sso_user):
    person = ContactFactory(
        first_name="Jane",
        last_name="Doe",
        email="jane@doe.example",
        phone="+64 9 555 0101",
        mobile="021 555 0102",
        address_line1="1 Queen St",
        address_line2="Level 2",
        city="Auckland",
        region="Auckland",
        postal_code="1010",
        country="New Zealand",
    )
    created = xero_contact(NEW_ID, "Jane Doe", first="Jane", last="Doe")
    xero.expect_request(CONTACTS, method="PUT").respond_with_json(created)
    link = services.xero_contact_create(
        user=sso_user, record=person, connection=connection, token="tok-1"
    )
    (request,) = requests_to(xero, "PUT", CONTACTS)
    sent = request.get_json()["Contacts"][0]
    assert (sent["Name"], sent["FirstName"], sent["LastName"], sent["EmailAddress"]) == (
        "Jane Doe",
        "Jane",
        "Doe",
        "jane@doe.example",
    )
    assert sent["Phones"] == [
        {"PhoneType": "DEFAULT", "PhoneNumber": "+64 9 555 0101"},
        {"PhoneType": "MOBILE", "PhoneNumber": "021 555 0102"},
    ]
    assert sent["Addresses"] == [
        {
            "AddressType": "STREET",
            "AddressLine1": "1 Queen St",
            "AddressLine2": "Level 2",
            "City": "Auckland",
            "Region": "Auckland",
            "PostalCode": "1010",
            "Country": "New Zealand",
        }
    ]
    assert request.headers["idempotency-key"] == f"crm-contact-contact-{person.pk}-tok-1"
    assert (link.contact, str(link.xero_id), link.xero_name) == (person, NEW_ID, "Jane Doe")
    assert audit_entries() == [("create_contact", True, NEW_ID, ""), ("link", True, NEW_ID, "")]


def test_new_xero_contact_for_an_organization_sends_no_person_names(xero, connection, sso_user):
    org = OrganizationFactory(
        name="Acme Parts Co.", email="ap@acme.example", phone="09 555 0101", city="", country=""
    )
    xero.expect_request(CONTACTS, method="PUT").respond_with_json(
        xero_contact(NEW_ID, "Acme Parts Co.")
    )
    services.xero_contact_create(user=sso_user, record=org, connection=connection, token="t")
    sent = requests_to(xero, "PUT", CONTACTS)[0].get_json()["Contacts"][0]
    assert fields(sent) == {
        "Name": "Acme Parts Co.",
        "EmailAddress": "ap@acme.example",
        "Phones": [{"PhoneType": "DEFAULT", "PhoneNumber": "09 555 0101"}],
    }
    assert XeroLink.objects.get().organization == org


def test_the_idempotency_key_depends_on_the_action_the_record_and_the_token():
    org, person = OrganizationFactory(), ContactFactory()
    key = services.idempotency_key("contact", person, "abc")
    assert key == f"crm-contact-contact-{person.pk}-abc"
    assert services.idempotency_key("contact", person, "abc") == key
    assert services.idempotency_key("contact", person, "abd") != key
    assert services.idempotency_key("invoice", person, "abc") != key
    assert services.idempotency_key("contact", org, "abc") != key
    assert len(services.idempotency_key("contact", person, "x" * 200)) == 128


def test_submitting_the_same_form_again_after_a_failure_sends_the_same_key(
    xero, connection, sso_user
):
    person = ContactFactory(first_name="Jane", last_name="Doe")
    xero.expect_oneshot_request(CONTACTS, method="PUT").respond_with_json(
        {"Title": "Service Unavailable"}, status=503
    )
    xero.expect_request(CONTACTS, method="PUT").respond_with_json(xero_contact(NEW_ID, "Jane Doe"))
    with pytest.raises(XeroError):
        services.xero_contact_create(
            user=sso_user, record=person, connection=connection, token="form-7"
        )
    services.xero_contact_create(
        user=sso_user, record=person, connection=connection, token="form-7"
    )
    keys = [r.headers["idempotency-key"] for r in requests_to(xero, "PUT", CONTACTS)]
    assert keys == [f"crm-contact-contact-{person.pk}-form-7"] * 2
    assert XeroLink.objects.count() == 1


def test_a_name_xero_already_has_is_refused_in_xeros_words_and_nothing_is_linked(
    xero, connection, sso_user
):
    person = ContactFactory(first_name="Jane", last_name="Doe")
    said = (
        "The contact name Jane Doe is already assigned to another contact. "
        "The contact name must be unique across all active contacts."
    )
    xero.expect_request(CONTACTS, method="PUT").respond_with_json(
        validation_error(said), status=400
    )
    with pytest.raises(XeroError) as excinfo:
        services.xero_contact_create(user=sso_user, record=person, connection=connection, token="t")
    assert excinfo.value.message == said
    assert not XeroLink.objects.exists()
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.succeeded, entry.error, entry.xero_id) == (
        "create_contact",
        False,
        said,
        "",
    )
    assert (entry.record_type, entry.record_id, entry.user) == ("contact", person.pk, sso_user)


def test_a_record_already_linked_gets_no_new_xero_contact(xero, connection, sso_user):
    person = ContactFactory(first_name="Jane", last_name="Doe")
    linked(person)
    xero.expect_request(CONTACTS, method="PUT").respond_with_json(xero_contact(NEW_ID, "Jane Doe"))
    with pytest.raises(services.LinkError):
        services.xero_contact_create(user=sso_user, record=person, connection=connection, token="t")
    assert requests_to(xero, "PUT", CONTACTS) == []
    assert [str(x) for x in XeroLink.objects.values_list("xero_id", flat=True)] == [KAT_ID]
    assert not AuditEntry.objects.exists()


# Copy details to Xero.


def test_copy_to_xero_adds_only_what_xero_lacks_and_records_it(xero, connection, sso_user):
    person = ContactFactory(
        first_name="Katherine",
        last_name="Warren",
        email="kat@clampett.com",
        phone="09 111 1111",
        mobile="021 555 0102",
        city="Palo Alto",
        country="United States",
    )
    link = linked(person)
    in_xero = xero_contact(first="Kathy", last="Warren", phones={"DEFAULT": "09 111 1111"})
    xero.expect_request(f"{CONTACTS}/{KAT_ID}", method="GET").respond_with_json(in_xero)
    xero.expect_request(f"{CONTACTS}/{KAT_ID}", method="POST").respond_with_json(in_xero)
    plan = services.details_copy_to_xero(
        user=sso_user, record=person, link=link, connection=connection
    )
    (request,) = requests_to(xero, "POST", f"{CONTACTS}/{KAT_ID}")
    sent = request.get_json()["Contacts"][0]
    assert sorted(fields(sent)) == ["Addresses", "EmailAddress", "Phones"]  # never a name
    assert sent["EmailAddress"] == "kat@clampett.com"
    assert sorted(sent["Phones"], key=lambda p: p["PhoneType"]) == [
        {"PhoneType": "DEFAULT", "PhoneNumber": "09 111 1111"},
        {"PhoneType": "MOBILE", "PhoneNumber": "021 555 0102"},
    ]
    assert sent["Addresses"] == [
        {"AddressType": "STREET", "City": "Palo Alto", "Country": "United States"}
    ]
    assert request.headers["idempotency-key"].startswith(f"crm-copy-contact-{person.pk}-")
    assert plan.refused == []
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.succeeded, entry.xero_id, entry.user) == (
        "copy_to_xero",
        True,
        KAT_ID,
        sso_user,
    )
    assert entry.changes == {
        "copied": [
            "email kat@clampett.com",
            "mobile 021 555 0102 (as Xero's mobile)",
            "street address",
        ],
        # Xero's own first name stays, and the audit says so.
        "not_copied": ["First name not copied: Xero already has Kathy."],
    }


def test_copy_to_xero_sends_nothing_when_xero_has_everything(xero, connection, sso_user):
    person = ContactFactory(first_name="Katherine", last_name="Warren", email="kat@clampett.com")
    link = linked(person)
    in_xero = xero_contact(first="Katherine", last="Warren", email="accounts@clampett.com")
    xero.expect_request(f"{CONTACTS}/{KAT_ID}", method="GET").respond_with_json(in_xero)
    plan = services.details_copy_to_xero(
        user=sso_user, record=person, link=link, connection=connection
    )
    assert not plan.changes_anything
    assert requests_to(xero, "POST", f"{CONTACTS}/{KAT_ID}") == []
    assert AuditEntry.objects.get().changes == {
        "copied": [],
        "not_copied": ["Email not copied: Xero already has accounts@clampett.com."],
    }


def test_copy_to_xero_records_a_number_with_nowhere_to_go(xero, connection, sso_user):
    person = ContactFactory(
        first_name="Katherine", last_name="Warren", email="kat@clampett.com", phone="09 555 0101"
    )
    link = linked(person)
    full = {"DEFAULT": "09 111 1111", "MOBILE": "021 222 2222", "DDI": "09 333 3333"}
    in_xero = xero_contact(first="Katherine", last="Warren", phones=full)
    xero.expect_request(f"{CONTACTS}/{KAT_ID}", method="GET").respond_with_json(in_xero)
    xero.expect_request(f"{CONTACTS}/{KAT_ID}", method="POST").respond_with_json(in_xero)
    plan = services.details_copy_to_xero(
        user=sso_user, record=person, link=link, connection=connection
    )
    refusal = "phone 09 555 0101: every phone slot in Xero is filled"
    assert plan.refused == [refusal]
    sent = requests_to(xero, "POST", f"{CONTACTS}/{KAT_ID}")[0].get_json()["Contacts"][0]
    assert fields(sent) == {"EmailAddress": "kat@clampett.com"}
    entry = AuditEntry.objects.get()
    assert entry.changes == {"copied": ["email kat@clampett.com"], "not_copied": [refusal]}
    # Xero accepted the update: the audit records success, and what had nowhere to go.
    assert entry.succeeded and entry.error == ""


def test_a_refused_copy_to_xero_is_recorded_with_xeros_message(xero, connection, sso_user):
    person = ContactFactory(first_name="Katherine", last_name="Warren", email="kat@clampett")
    link = linked(person)
    xero.expect_request(f"{CONTACTS}/{KAT_ID}", method="GET").respond_with_json(xero_contact())
    said = "Email address must be valid."
    xero.expect_request(f"{CONTACTS}/{KAT_ID}", method="POST").respond_with_json(
        validation_error(said), status=400
    )
    with pytest.raises(XeroError):
        services.details_copy_to_xero(
            user=sso_user, record=person, link=link, connection=connection
        )
    assert audit_entries() == [("copy_to_xero", False, KAT_ID, said)]


# Copy details from Xero.


def test_copy_from_xero_fills_only_the_empty_fields_and_saves_nothing_else(
    xero, connection, sso_user
):
    # Xero's own example contact: Blake Kohler of Acme Parts Co., every phone slot filled.
    blake = example("getContact")["Contacts"][0]
    person = ContactFactory(
        first_name="Blake",
        last_name="",
        email="",
        phone="09 555 0101",
        mobile="",
        notes="Met at the expo",
    )
    link = linked(person, blake["ContactID"], blake["Name"])
    CrmContact.objects.filter(pk=person.pk).update(notes="Changed by a colleague meanwhile")
    xero.expect_request(f"{CONTACTS}/{blake['ContactID']}", method="GET").respond_with_json(
        example("getContact")
    )
    plan = services.details_copy_from_xero(
        user=sso_user, record=person, link=link, connection=connection
    )
    person.refresh_from_db()
    assert (person.first_name, person.last_name, person.email) == ("Blake", "Kohler", "bk@krave.co")
    # Xero's mobile takes the CRM's empty mobile field (its own kind of slot) before Xero's phone
    # can claim it; the CRM phone field was filled already.
    assert (person.phone, person.mobile) == ("09 555 0101", "3 234 999-44")
    assert (
        person.address_line1,
        person.address_line2,
        person.city,
        person.region,
        person.postal_code,
        person.country,
    ) == ("123 Fake Street", "", "Vancouver", "British Columbia", "V6B 2T4", "")
    assert person.notes == "Changed by a colleague meanwhile"
    assert plan.refused == [
        "Xero's phone 1 604 408-0914: both phone fields in the CRM are filled",
        "Xero's direct dial 4 345 489-44493: both phone fields in the CRM are filled",
    ]
    assert {r.method for r, _ in xero.log} == {"GET"}
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.xero_id, entry.record_id) == (
        "copy_from_xero",
        blake["ContactID"],
        person.pk,
    )
    assert entry.changes == {
        "copied": [
            "last name Kohler",
            "email bk@krave.co",
            "Xero's mobile 3 234 999-44 (as mobile)",
            "street address",
        ],
        "not_copied": plan.refused,
    }


def test_copy_from_xero_into_an_organization_leaves_its_name_alone(xero, connection, sso_user):
    org = OrganizationFactory(name="Acme", email="", phone="", city="", country="")
    link = linked(org)
    in_xero = xero_contact(
        name="Acme Parts Co.",
        first="Blake",
        last="Kohler",
        email="bk@krave.co",
        phones={"MOBILE": "021 222 2222"},
    )
    xero.expect_request(f"{CONTACTS}/{KAT_ID}", method="GET").respond_with_json(in_xero)
    services.details_copy_from_xero(user=sso_user, record=org, link=link, connection=connection)
    org.refresh_from_db()
    assert (org.name, org.email, org.phone, org.mobile) == (
        "Acme",
        "bk@krave.co",
        "",
        "021 222 2222",
    )


def test_copy_from_xero_with_nothing_new_does_not_save_the_record(xero, connection, sso_user):
    person = ContactFactory(first_name="Katherine", last_name="Warren", email="kat@clampett.com")
    link = linked(person)
    saved_at = person.updated_at
    xero.expect_request(f"{CONTACTS}/{KAT_ID}", method="GET").respond_with_json(
        xero_contact(first="Kathy")
    )
    plan = services.details_copy_from_xero(
        user=sso_user, record=person, link=link, connection=connection
    )
    assert plan.record_changes == {}
    person.refresh_from_db()
    assert person.updated_at == saved_at
    assert AuditEntry.objects.get().changes == {
        "copied": [],
        "not_copied": ["Xero's first name not copied: the CRM already has Katherine."],
    }


def test_copy_from_a_contact_gone_from_xero_changes_nothing_and_is_recorded(
    xero, connection, sso_user
):
    person = ContactFactory(first_name="Katherine", last_name="", email="")
    link = linked(person)
    xero.expect_request(f"{CONTACTS}/{KAT_ID}", method="GET").respond_with_data(status=404)
    with pytest.raises(XeroError) as excinfo:
        services.details_copy_from_xero(
            user=sso_user, record=person, link=link, connection=connection
        )
    person.refresh_from_db()
    assert (person.last_name, person.email) == ("", "")
    assert audit_entries() == [("copy_from_xero", False, KAT_ID, excinfo.value.message)]


# Create invoice draft.


def invoice_draft() -> InvoiceDraft:
    return InvoiceDraft(
        contact_id=KAT_ID,
        date=date(2026, 3, 15),
        due_date=date(2026, 4, 14),
        reference="Website Design",
        currency="NZD",
        line_items=(LineItem("Consulting", Decimal("2"), Decimal("150.00"), "200"),),
    )


def test_an_invoice_draft_is_sent_with_an_idempotency_key_and_recorded(xero, connection, sso_user):
    person = ContactFactory()
    xero.expect_request(INVOICES, method="PUT").respond_with_json(example("createInvoices"))
    invoice = services.invoice_draft_create(
        user=sso_user, record=person, connection=connection, draft=invoice_draft(), token="inv-1"
    )
    assert (invoice.invoice_id, invoice.number) == (INVOICE_ID, "INV-0007")
    (request,) = requests_to(xero, "PUT", INVOICES)
    assert request.headers["idempotency-key"] == f"crm-invoice-contact-{person.pk}-inv-1"
    sent = request.get_json()["Invoices"][0]
    assert (sent["Type"], sent["Status"], sent["Contact"]["ContactID"]) == (
        "ACCREC",
        "DRAFT",
        KAT_ID,
    )
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.succeeded, entry.xero_id, entry.record_id) == (
        "create_invoice",
        True,
        INVOICE_ID,
        person.pk,
    )
    assert entry.changes["number"] == "INV-0007"
    assert entry.changes["contact"] == KAT_ID
    assert Decimal(entry.changes["total"]) == Decimal("40.00")


def test_a_refused_invoice_draft_is_recorded_with_xeros_message(xero, connection, sso_user):
    person = ContactFactory()
    said = "Account code '999' is not a valid code for this document."
    xero.expect_request(INVOICES, method="PUT").respond_with_json(
        validation_error(said), status=400
    )
    with pytest.raises(XeroError) as excinfo:
        services.invoice_draft_create(
            user=sso_user, record=person, connection=connection, draft=invoice_draft(), token="t"
        )
    assert excinfo.value.message == said
    assert audit_entries() == [("create_invoice", False, KAT_ID, said)]


# Deleting CRM records.


def test_deleting_a_record_deletes_its_links_and_never_calls_xero(xero, connection):
    org = OrganizationFactory()
    person = ContactFactory(organization=org)
    opportunity = OpportunityFactory(organization=org, contact=person)
    linked(org)
    linked(person)
    XeroLinkFactory(
        record=opportunity,
        tenant_id=TENANT_ID,
        xero_type=XeroLink.XeroType.INVOICE,
        xero_id=INVOICE_ID,
        xero_name="INV-0007",
    )
    org.delete()
    assert sorted(str(link.record) for link in XeroLink.objects.all()) == sorted(
        [str(person), str(opportunity)]
    )
    opportunity.delete()
    person.delete()
    assert not XeroLink.objects.exists()
    assert xero.log == []


# The audit trail.


def test_an_action_without_a_signed_in_user_is_recorded_without_one():
    org = OrganizationFactory(name="Acme")
    entry = services.audit_record(user=AnonymousUser(), action="link", record=org, xero_id=KAT_ID)
    assert (entry.user, entry.record_label, entry.succeeded) == (None, "Acme", True)


def audited_link(user, record):
    return services.audited(
        user=user, action="link", record=record, tenant_id=TENANT_ID, xero_id=KAT_ID
    )


def test_audited_records_the_success_with_what_the_block_learned(sso_user):
    org = OrganizationFactory(name="Acme")
    with audited_link(sso_user, org) as audit:
        audit.changes = {"xero_contact": "Acme Ltd"}
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.succeeded, entry.error, entry.user) == ("link", True, "", sso_user)
    assert (entry.record_label, str(entry.tenant_id), entry.xero_id) == (
        "Acme",
        TENANT_ID,
        KAT_ID,
    )
    assert entry.changes == {"xero_contact": "Acme Ltd"}


def test_audited_records_a_success_the_block_recorded_itself_once(sso_user):
    org = OrganizationFactory()
    with audited_link(sso_user, org) as audit:
        audit.succeeded(xero_id=LISA_ID, changes={"xero_contact": "Lisa"})
    assert audit_entries() == [("link", True, LISA_ID, "")]


def test_audited_records_xeros_refusal_in_its_words_then_raises_it(sso_user):
    org = OrganizationFactory()
    refusal = XeroError("The contact name Acme is already assigned to another contact.")
    with pytest.raises(XeroError) as raised, audited_link(sso_user, org) as audit:
        audit.changes = {"xero_contact": "Acme"}  # a failure records no changes
        raise refusal
    assert raised.value is refusal
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.succeeded, entry.xero_id, entry.changes) == (
        "link",
        False,
        KAT_ID,
        {},
    )
    assert entry.error == "The contact name Acme is already assigned to another contact."


def test_audited_raises_any_other_failure_without_recording_anything(sso_user):
    org = OrganizationFactory()
    with pytest.raises(services.LinkError, match="already linked"), audited_link(sso_user, org):
        raise services.LinkError("Acme is already linked to a Xero contact. Unlink it first.")
    with pytest.raises(ZeroDivisionError), audited_link(sso_user, org):
        _ = 1 / 0
    assert not AuditEntry.objects.exists()


# The one link saver: a contact once per record, an invoice or bill once per deal.


def test_the_link_saver_links_a_record_to_one_contact_and_audits_it(sso_user, connection):
    org = OrganizationFactory(name="Acme")
    with audited_link(sso_user, org) as audit:
        link = services._link_save(
            audit, connection=connection, to=Contact(contact_id=KAT_ID, name="Katherine Warren")
        )
    assert (link.organization, str(link.xero_id), link.xero_name, link.xero_type) == (
        org,
        KAT_ID,
        "Katherine Warren",
        "contact",
    )
    assert AuditEntry.objects.get().changes == {"xero_contact": "Katherine Warren"}
    with pytest.raises(services.LinkError) as refused, audited_link(sso_user, org) as audit:
        services._link_save(audit, connection=connection, to=Contact(contact_id=LISA_ID, name="L"))
    assert str(refused.value) == "Acme is already linked to a Xero contact. Unlink it first."
    assert XeroLink.objects.count() == 1
    assert audit_entries() == [("link", True, KAT_ID, "")]


def test_the_link_saver_links_each_invoice_once_by_number_else_reference(sso_user, connection):
    deal = OpportunityFactory()
    bill = Invoice(invoice_id=INVOICE_ID, type="ACCPAY", status="AUTHORISED", reference="SUP-9")
    with audited_link(sso_user, deal) as audit:
        link = services._link_save(audit, connection=connection, to=bill)
    assert (link.opportunity, str(link.xero_id), link.xero_name, link.xero_type) == (
        deal,
        INVOICE_ID,
        "SUP-9",
        "invoice",
    )
    assert AuditEntry.objects.get().changes == {"item": "SUP-9", "type": "ACCPAY"}
    with pytest.raises(services.LinkError) as refused, audited_link(sso_user, deal) as audit:
        services._link_save(audit, connection=connection, to=bill)
    assert str(refused.value) == "SUP-9 is already linked to this opportunity."
    other = Invoice(invoice_id=NEW_ID, type="ACCREC", status="DRAFT", number="INV-0042")
    with audited_link(sso_user, deal) as audit:
        services._link_save(audit, connection=connection, to=other)
    assert sorted(XeroLink.objects.values_list("xero_name", flat=True)) == ["INV-0042", "SUP-9"]
    assert AuditEntry.objects.count() == 2
