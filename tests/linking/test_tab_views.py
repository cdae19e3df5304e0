"""The Xero tab's views: who may act, and what a refused or broken action leaves behind."""

from __future__ import annotations

import html
import json

import pytest
from django.test import Client

from linking.models import XeroLink
from tests.factories import ContactFactory, OpportunityFactory, OrganizationFactory, XeroLinkFactory
from tests.linking.conftest import make_connection
from tests.sessions import sign_in_with_sso
from tests.xero_spec import example

pytestmark = pytest.mark.django_db
KAT_ID = example("getContacts")["Contacts"][0]["ContactID"]
ARCHIVED = {"Elements": [{"ValidationErrors": [{"Message": "The contact is archived."}]}]}


def test_a_password_user_cannot_link_and_is_told_why(client, password_user, xero):
    make_connection()
    org = OrganizationFactory()
    client.force_login(password_user)
    response = client.post(f"/xero/tab/organization/{org.pk}/link", {"xero_contact_id": KAT_ID})
    assert "Xero data is shown only to people who signed in" in response.content.decode()
    assert not XeroLink.objects.exists()
    assert xero.log == []


def test_actions_are_only_for_organizations_and_contacts(sso_user_client, xero):
    make_connection()
    opportunity = OpportunityFactory()
    response = sso_user_client.post(f"/xero/tab/opportunity/{opportunity.pk}/new-contact")
    assert response.status_code == 404


def test_unlinking_a_record_that_is_not_linked_is_a_404(sso_user_client, xero):
    make_connection()
    contact = ContactFactory()
    assert sso_user_client.post(f"/xero/tab/contact/{contact.pk}/unlink").status_code == 404


def test_tab_actions_need_the_csrf_token(sso_user, xero):
    make_connection()
    org = OrganizationFactory()
    client = Client(enforce_csrf_checks=True)
    sign_in_with_sso(client, sso_user)
    response = client.post(f"/xero/tab/organization/{org.pk}/link", {"xero_contact_id": KAT_ID})
    assert response.status_code == 403
    assert not XeroLink.objects.exists()


def test_add_link_checks_the_contact_in_xero_and_shows_the_overview(sso_user_client, xero):
    connection = make_connection()
    org = OrganizationFactory(name="Katherine Warren")
    contacts = example("getContacts")
    xero.expect_request(f"/api.xro/2.0/Contacts/{KAT_ID}", method="GET").respond_with_json(contacts)
    xero.expect_request("/api.xro/2.0/Invoices", method="GET").respond_with_json(
        {**example("getInvoices"), "Invoices": []}
    )
    # Issue 12: the contact's credit notes come with its invoices.
    xero.expect_request("/api.xro/2.0/CreditNotes", method="GET").respond_with_json(
        {**example("getCreditNotes"), "CreditNotes": []}
    )
    response = sso_user_client.post(
        f"/xero/tab/organization/{org.pk}/link", {"xero_contact_id": KAT_ID}
    )
    page = response.content.decode()
    assert "Linked to Katherine Warren in Xero." in page
    assert 'data-testid="xero-invoices-total">NZD 0.00<' in page
    link = XeroLink.objects.get()
    assert (link.organization, str(link.xero_id), str(link.tenant_id)) == (
        org,
        KAT_ID,
        str(connection.tenant_id),
    )


def test_a_xero_failure_while_linking_shows_xeros_words_and_links_nothing(sso_user_client, xero):
    make_connection()
    org = OrganizationFactory(name="Katherine Warren")
    xero.expect_request(f"/api.xro/2.0/Contacts/{KAT_ID}", method="GET").respond_with_json(
        {"Title": "Service Unavailable"}, status=503
    )
    xero.expect_request("/api.xro/2.0/Contacts", method="GET").respond_with_json(
        example("getContacts")
    )
    response = sso_user_client.post(
        f"/xero/tab/organization/{org.pk}/link", {"xero_contact_id": KAT_ID}
    )
    assert "Xero is unavailable right now (HTTP 503)" in response.content.decode()
    assert not XeroLink.objects.exists()


@pytest.mark.parametrize(
    ("answer", "shown", "not_shown"),
    [
        pytest.param(
            {"status": 400, "response_json": ARCHIVED},
            "Xero: The contact is archived.",
            None,
            id="Xero's own words are quoted as Xero's",
        ),
        pytest.param(
            {"status": 503, "response_json": {}},
            "Xero is unavailable right now (HTTP 503).",
            "Xero: Xero is unavailable",
            id="the app's own words are not",
        ),
        pytest.param(
            {"status": 429, "headers": {"Retry-After": "20"}},
            "Xero is busy — try again in 20 seconds.",
            "Xero: Xero is busy",
            id="nor a rate limit's",
        ),
    ],
)
def test_a_tab_quotes_an_error_as_xeros_only_when_it_is_xeros_words(
    sso_user_client, xero, answer, shown, not_shown
):
    connection = make_connection()
    org = OrganizationFactory()
    XeroLinkFactory(
        record=org,
        tenant_id=connection.tenant_id,
        xero_type="contact",
        xero_id=KAT_ID,
        xero_name="Katherine Warren",
    )
    body = answer.get("response_json")
    xero.expect_request(f"/api.xro/2.0/Contacts/{KAT_ID}", method="GET").respond_with_data(
        "" if body is None else json.dumps(body),
        status=answer["status"],
        headers=answer.get("headers"),
        content_type="application/json",
    )
    for path in ("/api.xro/2.0/Invoices", "/api.xro/2.0/CreditNotes"):
        xero.expect_request(path, method="GET").respond_with_json({})
    page = html.unescape(sso_user_client.get(f"/xero/tab/organization/{org.pk}/").content.decode())
    assert shown in page
    if not_shown:
        assert not_shown not in page


def test_a_linked_contact_deleted_in_xero_offers_to_unlink(sso_user_client, xero):
    connection = make_connection()
    org = OrganizationFactory()
    XeroLinkFactory(
        record=org,
        tenant_id=connection.tenant_id,
        xero_type="contact",
        xero_id=KAT_ID,
        xero_name="Katherine Warren",
    )
    xero.expect_request(f"/api.xro/2.0/Contacts/{KAT_ID}", method="GET").respond_with_data(
        status=404
    )
    page = sso_user_client.get(f"/xero/tab/organization/{org.pk}/").content.decode()
    assert "no longer exists in Xero" in page
    assert f'hx-get="/xero/tab/organization/{org.pk}/unlink"' in page


def test_deal_actions_are_only_for_opportunities_and_projects(sso_user_client, xero):
    make_connection()
    org = OrganizationFactory()
    assert sso_user_client.get(f"/xero/tab/organization/{org.pk}/find").status_code == 404
    assert sso_user_client.post(f"/xero/tab/organization/{org.pk}/link-item").status_code == 404


def test_an_opportunity_with_nothing_linked_says_how_to_link(sso_user_client, xero):
    make_connection()
    opportunity = OpportunityFactory()
    page = sso_user_client.get(f"/xero/tab/opportunity/{opportunity.pk}/").content.decode()
    assert 'data-testid="xero-net">NZD 0.00<' in page
    assert "No invoices or bills are linked yet" in page
    assert xero.log == []  # nothing linked, nothing to ask Xero


def test_find_refuses_a_backwards_date_range(sso_user_client, xero):
    make_connection()
    opportunity = OpportunityFactory()
    page = sso_user_client.get(
        f"/xero/tab/opportunity/{opportunity.pk}/find",
        {"type": "invoices", "q": "", "date_from": "2026-02-01", "date_to": "2026-01-01"},
    ).content.decode()
    assert "The end of the range cannot be before its start." in page
    assert xero.log == []
