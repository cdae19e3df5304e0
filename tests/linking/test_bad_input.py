"""Hostile ids and search terms on the Xero tabs: a 404 or a message, never a 500, and nothing
that is not a Xero id (a GUID) reaches the database's UUID columns or a Xero URL."""

from __future__ import annotations

import time

import pytest

from linking.forms import DealInvoiceForm, FindItemsForm, SearchForm
from linking.models import AuditEntry, XeroLink
from linking.services import LinkError, idempotency_key, item_link_create, link_create
from linking.views import OAUTH_SESSION_KEY
from linking.xero import client
from linking.xero.errors import XeroError
from linking.xero.ids import xero_id
from linking.xero.types import ReferenceData
from tests.factories import (
    OpportunityFactory,
    OrganizationFactory,
    ProjectFactory,
    XeroLinkFactory,
)
from tests.linking.conftest import make_connection, requests_to
from tests.xero_spec import example

pytestmark = pytest.mark.django_db

# The probe's nine non-numeric values for ?link= (each was a 500).
NOT_IDS = ["abc", "1.5", "-1", "1e3", " 1", "0x1", "\x00", "' OR 1=1 --", "²"]
NOT_GUIDS = [
    "abc",
    "",
    "\x00",
    "4b6a1c3e-8f2d-4e7a-9c51-2d8e0f7a3b61\x00",
    "../../connections",
    "' OR 1=1 --",
    "x" * 10_000,
    "00000000-0000-0000-0000-00000000000g",
]


def _unlink_page(deal, link_value):
    kind = deal._meta.model_name
    return f"/xero/tab/{kind}/{deal.pk}/unlink-item", {"link": link_value}


@pytest.mark.parametrize("value", NOT_IDS)
@pytest.mark.parametrize("method", ["get", "post"])
def test_unlink_item_with_a_link_that_is_not_an_id_is_a_404(sso_user_client, xero, method, value):
    connection = make_connection()
    deal = OpportunityFactory()
    link = XeroLinkFactory(
        record=deal,
        tenant_id=connection.tenant_id,
        xero_type=XeroLink.XeroType.INVOICE,
        xero_id="243216c5-369e-4056-ac67-05388f86dc81",
        xero_name="INV-0001",
    )
    path, data = _unlink_page(deal, value)
    response = getattr(sso_user_client, method)(path, data)
    assert response.status_code == 404
    assert "There is no such page or record" in response.content.decode()
    assert XeroLink.objects.filter(pk=link.pk).exists()
    assert xero.log == []


@pytest.mark.parametrize("value", ["99999999999999999999999", "9223372036854775808", "0"])
def test_unlink_item_with_an_id_no_column_holds_is_a_404(sso_user_client, xero, value):
    make_connection()
    deal = ProjectFactory()
    path, data = _unlink_page(deal, value)
    assert sso_user_client.get(path, data).status_code == 404


def test_unlink_item_still_asks_first_for_a_real_link(sso_user_client, xero):
    connection = make_connection()
    deal = OpportunityFactory()
    link = XeroLinkFactory(
        record=deal,
        tenant_id=connection.tenant_id,
        xero_type=XeroLink.XeroType.INVOICE,
        xero_id="243216c5-369e-4056-ac67-05388f86dc81",
        xero_name="INV-0001",
    )
    path, data = _unlink_page(deal, str(link.pk))
    response = sso_user_client.get(path, data)
    assert response.status_code == 200
    assert "INV-0001" in response.content.decode()


@pytest.mark.parametrize("value", NOT_GUIDS)
def test_link_refuses_a_contact_id_that_is_not_a_guid_before_xero_or_the_database(
    sso_user, xero, value
):
    connection = make_connection()
    org = OrganizationFactory()
    with pytest.raises(LinkError, match="That is not a Xero contact"):
        link_create(user=sso_user, record=org, connection=connection, xero_contact_id=value)
    assert xero.log == []
    assert not XeroLink.objects.exists()
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("value", NOT_GUIDS)
def test_link_item_refuses_an_invoice_id_that_is_not_a_guid(sso_user, xero, value):
    connection = make_connection()
    deal = OpportunityFactory()
    with pytest.raises(LinkError, match="That is not a Xero invoice or bill"):
        item_link_create(user=sso_user, record=deal, connection=connection, invoice_id=value)
    assert xero.log == []
    assert not AuditEntry.objects.exists()


def test_the_link_button_with_a_tampered_id_says_so_on_the_tab(sso_user_client, xero):
    make_connection()
    org = OrganizationFactory(name="Acme")
    xero.expect_request("/api.xro/2.0/Contacts", method="GET").respond_with_json({"Contacts": []})
    response = sso_user_client.post(
        f"/xero/tab/organization/{org.pk}/link", {"xero_contact_id": "../../connections"}
    )
    assert response.status_code == 200
    assert "That is not a Xero contact: choose one from the list." in response.content.decode()
    assert {r.path for r, _ in xero.log} <= {"/api.xro/2.0/Contacts"}  # the matches only
    assert not XeroLink.objects.exists()


@pytest.mark.parametrize("value", ["abc", "\x00", "x" * 100])
def test_the_xero_client_never_puts_a_non_guid_in_a_url(connection, xero, value):
    for call, what in ((client.get_contact, "contact"), (client.get_invoice, "invoice or bill")):
        with pytest.raises(XeroError) as excinfo:
            call(connection, value)
        assert excinfo.value.code == "not_found"
        assert excinfo.value.message == f"That is not the id of a Xero {what}."
    assert xero.log == []


def test_xero_ids_are_canonical_guids_or_none():
    guid = "243216C5-369E-4056-AC67-05388F86DC81"
    assert xero_id(guid) == guid.lower()
    assert xero_id("{" + guid + "}") == guid.lower()
    assert [xero_id(v) for v in NOT_GUIDS] == [None] * len(NOT_GUIDS)
    assert xero_id(None) is None
    assert xero_id(12) is None


@pytest.mark.parametrize("value", ["abc", "\x00", "' OR 1=1 --"])
def test_a_deal_invoice_for_a_contact_id_that_is_not_a_guid_is_a_form_error(value):
    form = DealInvoiceForm(
        {
            "token": "t",
            "date": "2026-01-01",
            "due_date": "2026-01-31",
            "currency": "AUD",
            "contact_id": value,
        },
        reference_data=ReferenceData(base_currency="AUD"),
    )
    assert not form.is_valid()
    assert form.errors["contact_id"] == [
        "Choose the Xero contact to invoice (search, or create one)."
    ]


def test_a_deal_invoice_contact_id_is_kept_in_canonical_form():
    form = DealInvoiceForm(
        {
            "token": "t",
            "date": "2026-01-01",
            "due_date": "2026-01-31",
            "currency": "AUD",
            "contact_id": "243216C5-369E-4056-AC67-05388F86DC81",
        },
        reference_data=ReferenceData(base_currency="AUD"),
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["contact_id"] == "243216c5-369e-4056-ac67-05388f86dc81"


@pytest.mark.parametrize("form_class", [SearchForm, FindItemsForm])
def test_xero_search_forms_strip_nul_and_control_characters(form_class):
    form = form_class({"q": "\x00INV-\x07 0001\x1b\x7f\x9f "})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["q"] == "INV- 0001"


def test_the_contact_search_sends_xero_no_control_characters(sso_user_client, xero):
    make_connection()
    org = OrganizationFactory(name="Acme")
    xero.expect_request("/api.xro/2.0/Contacts", method="GET").respond_with_json(
        example("getContacts")
    )
    response = sso_user_client.get(f"/xero/tab/organization/{org.pk}/", {"q": "kat\x00\x01 w"})
    assert response.status_code == 200
    (request,) = requests_to(xero, "GET", "/api.xro/2.0/Contacts")
    assert request.args.getlist("searchTerm") == ["kat w"]


def test_the_deal_contact_picker_search_sends_xero_no_control_characters(sso_user_client, xero):
    make_connection()
    deal = OpportunityFactory()
    xero.expect_request("/api.xro/2.0/Contacts", method="GET").respond_with_json(
        example("getContacts")
    )
    response = sso_user_client.get(
        f"/xero/tab/opportunity/{deal.pk}/contact-picker", {"contact_q": "\x00kat\x00"}
    )
    assert response.status_code == 200
    assert "Xero contacts matching “kat”" in response.content.decode()
    (request,) = requests_to(xero, "GET", "/api.xro/2.0/Contacts")
    assert request.args.getlist("searchTerm") == ["kat"]


def test_a_search_of_only_control_characters_is_no_search(sso_user_client, xero):
    make_connection()
    deal = OpportunityFactory()
    response = sso_user_client.get(
        f"/xero/tab/opportunity/{deal.pk}/contact-picker", {"contact_q": "\x00\x01\x02"}
    )
    assert response.status_code == 200
    assert xero.log == []


def test_find_sends_xero_a_search_term_without_control_characters(sso_user_client, xero):
    make_connection()
    deal = OpportunityFactory()
    xero.expect_request("/api.xro/2.0/Invoices", method="GET").respond_with_json({"Invoices": []})
    response = sso_user_client.get(
        f"/xero/tab/opportunity/{deal.pk}/find", {"q": "INV\x00-0001\x1b"}
    )
    assert response.status_code == 200
    (request,) = requests_to(xero, "GET", "/api.xro/2.0/Invoices")
    assert request.args.getlist("searchTerm") == ["INV -0001"]


def test_where_literals_carry_no_control_characters():
    assert client.invoice_where(types=["ACC\x00REC"]) == '(Type=="ACC REC")'
    assert client.invoice_where(types=['a"\\']) == '(Type=="a\\"\\\\")'


@pytest.mark.parametrize("name", ["", "\x00", "  \x01\x02  "])
def test_a_new_xero_contact_needs_a_name_that_is_not_only_control_characters(
    sso_user_client, xero, name
):
    make_connection()
    deal = OpportunityFactory()
    response = sso_user_client.post(
        f"/xero/tab/opportunity/{deal.pk}/contact-picker",
        {"new_contact_name": name, "contact_token": "a\x00b"},
    )
    assert response.status_code == 200
    assert "Give the new Xero contact a name." in response.content.decode()
    assert xero.log == []


@pytest.mark.parametrize(
    "token", ["a\x00b", "x" * 10_000, "\u202e\U0001f600", "line\r\nX-Injected: 1"]
)
def test_idempotency_keys_are_header_safe_whatever_the_form_sent(token):
    deal = OpportunityFactory()
    key = idempotency_key("invoice", deal, token)
    assert key.isascii() and key.isprintable() and len(key) <= 128
    assert key == idempotency_key("invoice", deal, token)  # a double submit: the same key
    assert key != idempotency_key("invoice", deal, "y" + token)


def test_our_own_tokens_make_readable_idempotency_keys():
    deal = OpportunityFactory()
    assert idempotency_key("invoice", deal, "0f" * 16) == (
        f"crm-invoice-opportunity-{deal.pk}-{'0f' * 16}"
    )


@pytest.mark.parametrize("state", ["\u202e\U0001f600", "é", "\x00"])
def test_the_xero_callback_with_a_non_ascii_state_is_refused_not_a_500(sso_admin_client, state):
    session = sso_admin_client.session
    session[OAUTH_SESSION_KEY] = {"state": "s" * 43, "verifier": "v" * 43, "started": time.time()}
    session.save()
    response = sso_admin_client.get("/integrations/xero/callback", {"state": state, "code": "c"})
    assert response.status_code == 400


def test_a_tab_for_an_unknown_record_kind_or_id_is_a_404(sso_user_client):
    make_connection()
    for path in (
        "/xero/tab/nope/1/",
        "/xero/tab/organization/99999999999999999999999/",
        "/xero/tab/project/0/unlink-item",
    ):
        assert sso_user_client.get(path).status_code == 404, path
