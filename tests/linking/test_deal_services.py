"""Deal services against a stand-in Xero (pytest-httpserver): link invoices and bills, create
drafts and contacts."""

from __future__ import annotations

import copy
import uuid
from datetime import date
from decimal import Decimal

import pytest

from linking import services
from linking.models import AuditEntry, XeroLink
from linking.xero.errors import XeroError
from linking.xero.types import InvoiceDraft, LineItem
from tests.factories import OpportunityFactory, OrganizationFactory, ProjectFactory
from tests.linking.conftest import TENANT_ID, requests_to
from tests.linking.test_services import (
    CONTACTS,
    INVOICES,
    KAT_ID,
    NEW_ID,
    audit_entries,
    linked,
    xero_contact,
)
from tests.xero_spec import example

pytestmark = pytest.mark.django_db

BILL_ID = "a03ffcd2-5d91-4c7e-b483-318584e9e439"
CREATED_ID = "ed255415-e141-4150-aab7-89c3bbbb851c"  # createInvoices' example answer
_uuid = uuid.UUID


def xero_item(invoice_id: str = BILL_ID, *, type: str = "ACCPAY", number: str = "SUP-4411"):
    """An invoices answer shaped like Xero's getInvoice example, as this item."""
    page = copy.deepcopy(example("getInvoice"))
    page["Invoices"][0].update(InvoiceID=invoice_id, Type=type, InvoiceNumber=number)
    return page


def draft(contact_id: str = KAT_ID) -> InvoiceDraft:
    return InvoiceDraft(
        contact_id=contact_id,
        date=date(2026, 3, 15),
        due_date=date(2026, 4, 14),
        reference="Website Design",
        currency="NZD",
        line_items=(LineItem("Consulting", Decimal("2"), Decimal("150.00"), "200"),),
    )


def item_links() -> list[tuple]:
    return list(
        XeroLink.objects.filter(xero_type=XeroLink.XeroType.INVOICE).values_list(
            "opportunity_id", "project_id", "xero_id", "xero_name"
        )
    )


# Link an existing invoice or bill.


def test_linking_an_item_checks_it_in_xero_and_records_who_linked_it(xero, connection, sso_user):
    deal = OpportunityFactory()
    xero.expect_request(f"{INVOICES}/{BILL_ID}", method="GET").respond_with_json(xero_item())
    link = services.item_link_create(
        user=sso_user, record=deal, connection=connection, invoice_id=BILL_ID
    )
    assert len(requests_to(xero, "GET", f"{INVOICES}/{BILL_ID}")) == 1
    assert XeroLink.objects.get() == link
    assert (link.opportunity, str(link.xero_id), link.xero_name, link.xero_type) == (
        deal,
        BILL_ID,
        "SUP-4411",
        "invoice",
    )
    assert (str(link.tenant_id), link.created_by) == (TENANT_ID, sso_user)
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.succeeded, entry.user, entry.xero_id) == (
        "link",
        True,
        sso_user,
        BILL_ID,
    )
    assert (entry.record_type, entry.record_id) == ("opportunity", deal.pk)
    assert entry.changes == {"item": "SUP-4411", "type": "ACCPAY"}


def test_linking_the_same_item_twice_is_refused_and_names_it(xero, connection, sso_user):
    project = ProjectFactory()
    xero.expect_request(f"{INVOICES}/{BILL_ID}", method="GET").respond_with_json(xero_item())
    services.item_link_create(
        user=sso_user, record=project, connection=connection, invoice_id=BILL_ID
    )
    with pytest.raises(services.LinkError) as excinfo:
        services.item_link_create(
            user=sso_user, record=project, connection=connection, invoice_id=BILL_ID
        )
    assert "SUP-4411" in str(excinfo.value)
    assert str(excinfo.value) == "SUP-4411 is already linked to this project."
    assert item_links() == [(None, project.pk, _uuid(BILL_ID), "SUP-4411")]
    assert audit_entries() == [("link", True, BILL_ID, "")]


def test_one_item_may_be_linked_to_two_deals(xero, connection, sso_user):
    deal, project = OpportunityFactory(), ProjectFactory()
    xero.expect_request(f"{INVOICES}/{BILL_ID}", method="GET").respond_with_json(xero_item())
    for record in (deal, project):
        services.item_link_create(
            user=sso_user, record=record, connection=connection, invoice_id=BILL_ID
        )
    assert sorted(item_links(), key=str) == sorted(
        [
            (deal.pk, None, _uuid(BILL_ID), "SUP-4411"),
            (None, project.pk, _uuid(BILL_ID), "SUP-4411"),
        ],
        key=str,
    )


def test_an_item_xero_does_not_have_is_not_linked_and_the_failure_is_recorded(
    xero, connection, sso_user
):
    deal = OpportunityFactory()
    xero.expect_request(f"{INVOICES}/{BILL_ID}", method="GET").respond_with_data(status=404)
    with pytest.raises(XeroError) as excinfo:
        services.item_link_create(
            user=sso_user, record=deal, connection=connection, invoice_id=BILL_ID
        )
    assert not XeroLink.objects.exists()
    assert audit_entries() == [("link", False, BILL_ID, excinfo.value.message)]


# Create invoice draft for a deal.


def test_a_deal_invoice_draft_is_sent_with_an_idempotency_key_and_linked(
    xero, connection, sso_user
):
    deal = OpportunityFactory()
    xero.expect_request(INVOICES, method="PUT").respond_with_json(example("createInvoices"))
    invoice, link = services.deal_invoice_create(
        user=sso_user, record=deal, connection=connection, draft=draft(), token="form-1"
    )
    (request,) = requests_to(xero, "PUT", INVOICES)
    assert request.headers["idempotency-key"] == f"crm-invoice-opportunity-{deal.pk}-form-1"
    sent = request.get_json()["Invoices"][0]
    assert (sent["Type"], sent["Status"], sent["Contact"]["ContactID"]) == (
        "ACCREC",
        "DRAFT",
        KAT_ID,
    )
    assert invoice.invoice_id == CREATED_ID
    assert XeroLink.objects.get() == link
    assert (link.opportunity, str(link.xero_id), link.xero_name, link.xero_type) == (
        deal,
        CREATED_ID,
        "INV-0007",
        "invoice",
    )
    assert audit_entries() == [
        ("create_invoice", True, CREATED_ID, ""),
        ("link", True, CREATED_ID, ""),
    ]


def test_the_same_deal_form_sent_again_sends_the_same_key(xero, connection, sso_user):
    project = ProjectFactory()
    xero.expect_oneshot_request(INVOICES, method="PUT").respond_with_json(
        {"Title": "Service Unavailable"}, status=503
    )
    xero.expect_request(INVOICES, method="PUT").respond_with_json(example("createInvoices"))
    with pytest.raises(XeroError):
        services.deal_invoice_create(
            user=sso_user, record=project, connection=connection, draft=draft(), token="t-9"
        )
    assert not XeroLink.objects.exists()
    services.deal_invoice_create(
        user=sso_user, record=project, connection=connection, draft=draft(), token="t-9"
    )
    keys = [r.headers["idempotency-key"] for r in requests_to(xero, "PUT", INVOICES)]
    assert keys == [f"crm-invoice-project-{project.pk}-t-9"] * 2
    assert item_links() == [(None, project.pk, _uuid(CREATED_ID), "INV-0007")]


# New Xero Contact from a deal's invoice form.


def test_a_new_contact_links_the_deals_organization_when_it_had_no_link(xero, connection, sso_user):
    org = OrganizationFactory(name="Harbour Works", email="ap@harbour.example", phone="09 555 1")
    deal = OpportunityFactory(organization=org)
    xero.expect_request(CONTACTS, method="PUT").respond_with_json(
        xero_contact(NEW_ID, "Harbour Works Ltd")
    )
    contact = services.deal_contact_create(
        user=sso_user, record=deal, connection=connection, name="Harbour Works Ltd", token="c-1"
    )
    assert (contact.contact_id, contact.name) == (NEW_ID, "Harbour Works Ltd")
    (request,) = requests_to(xero, "PUT", CONTACTS)
    assert request.headers["idempotency-key"] == f"crm-contact-opportunity-{deal.pk}-c-1"
    sent = request.get_json()["Contacts"][0]
    assert sent["Name"] == "Harbour Works Ltd"
    link = XeroLink.objects.get()
    assert (link.organization, str(link.xero_id), link.xero_type) == (org, NEW_ID, "contact")
    assert audit_entries() == [("create_contact", True, NEW_ID, ""), ("link", True, NEW_ID, "")]


def test_a_new_contact_leaves_an_organizations_existing_link_alone(xero, connection, sso_user):
    org = OrganizationFactory()
    existing = linked(org)
    deal = OpportunityFactory(organization=org)
    xero.expect_request(CONTACTS, method="PUT").respond_with_json(
        xero_contact(NEW_ID, "Someone Else")
    )
    contact = services.deal_contact_create(
        user=sso_user, record=deal, connection=connection, name="Someone Else", token="c-2"
    )
    assert contact.contact_id == NEW_ID
    assert list(XeroLink.objects.all()) == [existing]
    assert str(existing.xero_id) == KAT_ID
    assert audit_entries() == [("create_contact", True, NEW_ID, "")]


def test_a_new_contact_for_a_project_with_no_party_links_nothing(xero, connection, sso_user):
    project = ProjectFactory(organization=None, contact=None)
    xero.expect_request(CONTACTS, method="PUT").respond_with_json(
        xero_contact(NEW_ID, "Walk-in Client")
    )
    services.deal_contact_create(
        user=sso_user, record=project, connection=connection, name="Walk-in Client", token="c-3"
    )
    sent = requests_to(xero, "PUT", CONTACTS)[0].get_json()["Contacts"][0]
    assert sent["Name"] == "Walk-in Client"
    assert not XeroLink.objects.exists()
    assert audit_entries() == [("create_contact", True, NEW_ID, "")]
