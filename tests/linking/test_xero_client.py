"""The Xero seam, driven through the real xero-python SDK against recorded Xero payloads."""

from __future__ import annotations

import time
import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from linking.models import XeroConnection
from linking.xero import budget, client, oauth
from linking.xero.errors import XeroError
from linking.xero.types import Address, ContactDraft, InvoiceDraft, LineItem, Phone, TokenSet
from tests.linking.conftest import TENANT_ID, LateJSON, make_connection, requests_to, token_reply
from tests.xero_spec import example

pytestmark = pytest.mark.django_db

RATE_HEADERS = {
    "X-MinLimit-Remaining": "57",
    "X-DayLimit-Remaining": "4990",
    "X-AppMinLimit-Remaining": "9990",
}


def test_get_organisation_reads_base_currency_and_short_code(xero, connection):
    xero.expect_request("/api.xro/2.0/Organisation", method="GET").respond_with_json(
        example("getOrganisations")
    )
    organisation = client.get_organisation(connection)
    assert organisation.base_currency == "NZD"
    assert organisation.short_code == "!mBdtL"
    assert organisation.country_code == "NZ"
    (request,) = requests_to(xero, "GET", "/api.xro/2.0/Organisation")
    assert request.headers["xero-tenant-id"] == TENANT_ID
    assert request.headers["authorization"] == "Bearer access-1"


def test_rate_limit_headroom_is_recorded_for_every_process(xero, connection):
    xero.expect_request("/api.xro/2.0/Organisation", method="GET").respond_with_json(
        example("getOrganisations"), headers=RATE_HEADERS
    )
    client.get_organisation(connection)
    seen = budget.headroom(connection.tenant_id)
    assert (seen.limits.minute, seen.limits.day, seen.limits.app_minute) == (57, 4990, 9990)
    assert seen.blocked_for == 0


def test_search_contacts_returns_dataclasses_and_sends_the_filters(xero, connection):
    xero.expect_request("/api.xro/2.0/Contacts", method="GET").respond_with_json(
        example("getContacts")
    )
    contacts = client.search_contacts(
        connection, search_term="kat", where='EmailAddress=="kat.warren@clampett.com"'
    )
    kat = contacts[0]
    assert kat.name == "Katherine Warren"
    assert (kat.first_name, kat.last_name, kat.email) == (
        "Katherine",
        "Warren",
        "kat.warren@clampett.com",
    )
    assert any(a.city == "Palo Alto" for a in kat.addresses)
    assert all(not a.is_empty for a in kat.addresses)
    (request,) = requests_to(xero, "GET", "/api.xro/2.0/Contacts")
    assert request.args.getlist("searchTerm") == ["kat"]
    assert request.args.getlist("where") == ['EmailAddress=="kat.warren@clampett.com"']
    assert request.args.getlist("pageSize") == ["100"]


def test_a_contact_gone_from_xero_is_a_not_found_error(xero, connection):
    xero.expect_request(
        "/api.xro/2.0/Contacts/00000000-0000-0000-0000-000000000001", method="GET"
    ).respond_with_data(status=404)
    with pytest.raises(XeroError) as excinfo:
        client.get_contact(connection, "00000000-0000-0000-0000-000000000001")
    assert excinfo.value.code == "not_found"
    assert excinfo.value.status == 404


def test_list_invoices_gives_decimal_amounts_and_dates(xero, connection):
    xero.expect_request("/api.xro/2.0/Invoices", method="GET").respond_with_json(
        example("getInvoices")
    )
    invoices = client.list_invoices(
        connection,
        contact_ids=["a3675fc4-f8dd-4f03-ba5b-f1870566bcd7"],
        types=["ACCREC"],
        date_from=date(2018, 1, 1),
        date_to=date(2018, 12, 31),
    )
    first = invoices[0]
    assert first.number == "INV-0001"
    assert first.status == "VOIDED"
    assert first.total == Decimal("40.00") and isinstance(first.total, Decimal)
    assert first.date == date(2018, 10, 20)
    assert first.due_date == date(2018, 12, 30)
    assert first.contact_name == "Barney Rubble-83203"
    (request,) = requests_to(xero, "GET", "/api.xro/2.0/Invoices")
    assert request.args.getlist("ContactIDs") == ["a3675fc4-f8dd-4f03-ba5b-f1870566bcd7"]
    assert request.args.getlist("where") == [
        '(Type=="ACCREC") AND Date >= DateTime(2018, 01, 01) AND Date <= DateTime(2018, 12, 31)'
    ]
    assert request.args.getlist("pageSize") == ["1000"]
    assert request.args.getlist("summaryOnly") == ["true"]


def test_list_invoices_fetches_every_page(xero, connection):
    page = example("getInvoices")
    invoice = page["Invoices"][0]
    # Distinct invoices, as Xero's are (the same id twice is one invoice).
    full = {**page, "Invoices": [{**invoice, "InvoiceID": str(uuid.uuid4())} for _ in range(1000)]}
    full["pagination"] = {"page": 1, "pageSize": 1000, "pageCount": 2, "itemCount": 1003}
    last = {**page, "pagination": {"page": 2, "pageSize": 1000, "pageCount": 2, "itemCount": 1003}}
    xero.expect_oneshot_request("/api.xro/2.0/Invoices", method="GET").respond_with_json(full)
    xero.expect_request("/api.xro/2.0/Invoices", method="GET").respond_with_json(last)
    invoices = client.list_invoices(connection, contact_ids=[invoice["Contact"]["ContactID"]])
    assert len(invoices) == 1003
    pages = [r.args.getlist("page") for r in requests_to(xero, "GET", "/api.xro/2.0/Invoices")]
    assert pages == [["1"], ["2"]]


def test_an_invoice_read_twice_across_pages_counts_once(xero, connection):
    page = example("getInvoices")
    first, *others = page["Invoices"]
    pages = {"page": 1, "pageSize": 2, "pageCount": 2, "itemCount": 4}
    one = {**page, "Invoices": [first, others[0]], "pagination": pages}
    # A new invoice pushed `others[0]` onto page 2 while page 1 was being read.
    two = {**page, "Invoices": [others[0], others[1]], "pagination": {**pages, "page": 2}}
    xero.expect_oneshot_request("/api.xro/2.0/Invoices", method="GET").respond_with_json(one)
    xero.expect_request("/api.xro/2.0/Invoices", method="GET").respond_with_json(two)
    invoices = client.list_invoices(connection, page_size=2)
    assert [i.invoice_id for i in invoices] == [
        first["InvoiceID"],
        others[0]["InvoiceID"],
        others[1]["InvoiceID"],
    ]


def test_an_unreadable_invoice_page_is_a_retryable_xero_error(xero, connection):
    xero.expect_request("/api.xro/2.0/Invoices", method="GET").respond_with_json(
        "<html>Service Unavailable</html>"
    )
    with pytest.raises(XeroError) as raised:
        client.list_invoices(connection)
    assert raised.value.retryable
    assert raised.value.message == "Xero's answer could not be read."


def test_an_invoice_read_alone_equals_the_same_invoice_in_a_list(xero, connection):
    """One mapper for both (test_mappers checks it against what the SDK deserialises)."""
    page = example("getInvoices")
    xero.expect_request("/api.xro/2.0/Invoices", method="GET").respond_with_json(page)
    listed = client.list_invoices(connection)
    assert len(listed) == len(page["Invoices"]) > 1
    for item in listed:
        one = {
            **page,
            "Invoices": [i for i in page["Invoices"] if i["InvoiceID"] == item.invoice_id],
        }
        xero.expect_request(
            f"/api.xro/2.0/Invoices/{item.invoice_id}", method="GET"
        ).respond_with_json(one)
        assert client.get_invoice(connection, item.invoice_id) == item


def test_where_filters_escape_quotes():
    assert client._quote('Say "hi" \\ bye') == '"Say \\"hi\\" \\\\ bye"'


def test_create_contact_sends_an_idempotency_key_and_only_filled_fields(xero, connection):
    xero.expect_request("/api.xro/2.0/Contacts", method="PUT").respond_with_json(
        example("getContacts")
    )
    draft = ContactDraft(
        name="Katherine Warren",
        email="kat.warren@clampett.com",
        phones=(Phone("MOBILE", "+64 21 555 0101"),),
        addresses=(Address("STREET", ("1 Queen St",), city="Auckland", country="New Zealand"),),
    )
    created = client.create_contact(connection, draft, idempotency_key="crm-contact-42")
    assert created.name == "Katherine Warren"
    (request,) = requests_to(xero, "PUT", "/api.xro/2.0/Contacts")
    assert request.headers["idempotency-key"] == "crm-contact-42"
    sent = request.get_json()["Contacts"][0]
    assert sent["Name"] == "Katherine Warren"
    assert sent["Phones"] == [{"PhoneType": "MOBILE", "PhoneNumber": "+64 21 555 0101"}]
    assert sent["Addresses"][0]["AddressLine1"] == "1 Queen St"
    assert "FirstName" not in sent


def test_a_validation_error_carries_xeros_own_message(xero, connection):
    refusal = {
        "ErrorNumber": 10,
        "Type": "ValidationException",
        "Message": "A validation exception occurred",
        "Elements": [
            {
                "Name": "Acme",
                "ValidationErrors": [
                    {"Message": "The contact name Acme is already assigned to another contact."}
                ],
            }
        ],
    }
    xero.expect_request("/api.xro/2.0/Contacts", method="PUT").respond_with_json(
        refusal, status=400
    )
    with pytest.raises(XeroError) as excinfo:
        client.create_contact(connection, ContactDraft(name="Acme"), idempotency_key="k")
    assert excinfo.value.message == "The contact name Acme is already assigned to another contact."
    assert excinfo.value.code == "validation" and not excinfo.value.retryable
    assert excinfo.value.xero_said  # Xero's own words: the tab may quote them as Xero's


def test_a_refusal_without_words_is_not_said_to_be_xeros(xero, connection):
    xero.expect_request("/api.xro/2.0/Contacts", method="PUT").respond_with_data(status=400)
    with pytest.raises(XeroError) as excinfo:
        client.create_contact(connection, ContactDraft(name="Acme"), idempotency_key="k")
    assert (excinfo.value.message, excinfo.value.xero_said) == ("Xero refused the request.", False)


def test_create_invoice_draft_sends_a_draft_with_an_idempotency_key(xero, connection):
    xero.expect_request("/api.xro/2.0/Invoices", method="PUT").respond_with_json(
        example("getInvoices")
    )
    draft = InvoiceDraft(
        contact_id="a3675fc4-f8dd-4f03-ba5b-f1870566bcd7",
        date=date(2026, 11, 25),
        due_date=date(2026, 12, 25),
        reference="Opportunity 7",
        currency="NZD",
        line_items=(LineItem("Consulting", Decimal("2"), Decimal("150.00"), "200"),),
    )
    client.create_invoice_draft(connection, draft, idempotency_key="crm-invoice-7")
    (request,) = requests_to(xero, "PUT", "/api.xro/2.0/Invoices")
    assert request.headers["idempotency-key"] == "crm-invoice-7"
    sent = request.get_json()["Invoices"][0]
    assert (sent["Type"], sent["Status"], sent["CurrencyCode"]) == ("ACCREC", "DRAFT", "NZD")
    assert sent["LineAmountTypes"] == "Exclusive"
    assert sent["LineItems"] == [
        {"Description": "Consulting", "Quantity": 2.0, "UnitAmount": 150.0, "AccountCode": "200"}
    ]
    assert sent["Contact"]["ContactID"] == "a3675fc4-f8dd-4f03-ba5b-f1870566bcd7"


def test_a_429_says_when_to_retry_without_sleeping_or_retrying(xero, connection):
    xero.expect_request("/api.xro/2.0/Organisation", method="GET").respond_with_data(
        status=429, headers={"Retry-After": "37", "X-Rate-Limit-Problem": "minute"}
    )
    started = time.monotonic()
    with pytest.raises(XeroError) as excinfo:
        client.get_organisation(connection)
    assert time.monotonic() - started < 2
    assert excinfo.value.retry_after == 37
    assert excinfo.value.message == "Xero is busy — try again in 37 seconds."
    assert not excinfo.value.xero_said  # the app's words, not Xero's
    assert len(requests_to(xero, "GET", "/api.xro/2.0/Organisation")) == 1


def test_a_5xx_is_a_retryable_error(xero, connection):
    xero.expect_request("/api.xro/2.0/Organisation", method="GET").respond_with_json(
        {"Title": "Service Unavailable"}, status=503
    )
    with pytest.raises(XeroError) as excinfo:
        client.get_organisation(connection)
    assert excinfo.value.retryable
    assert "HTTP 503" in excinfo.value.message
    assert not excinfo.value.xero_said  # "Xero is unavailable right now ...": the app's words


def test_an_unreachable_xero_is_not_said_to_be_xeros_words(connection, settings):
    settings.XERO_API_URL = "http://127.0.0.1:9"  # nothing listens on the discard port
    with pytest.raises(XeroError) as excinfo:
        client.get_organisation(connection)
    assert excinfo.value.retryable and not excinfo.value.xero_said


def test_token_and_api_calls_to_an_unreachable_xero_fail_in_the_same_words(connection, settings):
    settings.XERO_API_URL = settings.XERO_IDENTITY_URL = "http://127.0.0.1:9"
    with pytest.raises(XeroError) as api:
        client.get_organisation(connection)
    with pytest.raises(XeroError) as identity:
        client.list_tenants(TokenSet("a", "r", timezone.now(), []))
    with pytest.raises(XeroError) as token:
        oauth.refresh("r")
    assert api.value.code == identity.value.code == token.value.code == "refused"
    assert api.value.message == identity.value.message == token.value.message


def test_list_credit_notes_filters_by_contact_and_ids_and_reads_every_field(xero, connection):
    page = example("getCreditNotes")
    xero.expect_request("/api.xro/2.0/CreditNotes", method="GET").respond_with_json(page)
    contact_id = page["CreditNotes"][0]["Contact"]["ContactID"]
    note_id = page["CreditNotes"][0]["CreditNoteID"]
    notes = client.list_credit_notes(connection, contact_id=contact_id, ids=[note_id, "CN-1"])
    (request,) = requests_to(xero, "GET", "/api.xro/2.0/CreditNotes")
    assert request.args.getlist("where") == [
        f'Contact.ContactID==Guid("{contact_id}") AND (CreditNoteID==Guid("{note_id}"))'
    ]
    assert request.args.getlist("pageSize") == ["1000"]
    assert [n.credit_note_id for n in notes] == [n["CreditNoteID"] for n in page["CreditNotes"]]
    first = notes[0]
    assert (first.type, first.status, first.number, first.reference) == (
        "ACCRECCREDIT",
        "AUTHORISED",
        "CN-0005",
        "US Tour",
    )
    assert (first.sub_total, first.total_tax, first.total) == (
        Decimal("30.0"),
        Decimal("4.5"),
        Decimal("34.5"),
    )
    assert (first.remaining_credit, first.currency, first.currency_rate) == (
        Decimal("32.5"),
        "NZD",
        Decimal("1.0"),
    )
    assert first.date == date(2019, 3, 5) and first.contact_name == "Liam Gallagher"
    assert first.updated_at is not None and first.updated_at.year == 2019
    assert first.is_sales and not notes[1].is_sales


def test_credit_notes_by_ids_none_of_which_is_a_guid_ask_xero_nothing(xero, connection):
    assert client.list_credit_notes(connection, ids=["CN-0005"]) == []
    assert xero.log == []


def test_the_sdks_token_urls_follow_the_identity_url_setting(settings):
    from xero_python.api_client.oauth2 import TokenApi

    settings.XERO_IDENTITY_URL = "https://identity.example.test"
    assert TokenApi.refresh_token_url == "https://identity.example.test/connect/token"
    assert TokenApi.revoke_token_url == "https://identity.example.test/connect/revocation"
    client._api_client({"access_token": "a"})
    assert TokenApi.refresh_token_url == "https://identity.example.test/connect/token"


def test_a_timed_out_create_is_not_sent_twice(xero, connection, settings):
    settings.XERO_READ_TIMEOUT = 1
    late = LateJSON(1.5, example("getInvoices"))
    xero.expect_request("/api.xro/2.0/Invoices", method="PUT").respond_with_handler(late)
    draft = InvoiceDraft(contact_id="c", line_items=(LineItem("x", Decimal(1), Decimal(1)),))
    with pytest.raises(XeroError) as excinfo:
        client.create_invoice_draft(connection, draft, idempotency_key="once")
    assert excinfo.value.code == "timeout"
    time.sleep(0.7)
    assert len(late.arrived) == 1  # PUT /Invoices, as they came (the log has them once answered)


def test_a_refused_token_is_refreshed_once_and_the_call_repeated(xero, connection):
    xero.expect_oneshot_request("/api.xro/2.0/Organisation", method="GET").respond_with_json(
        {"Title": "Unauthorized", "Status": 401, "Detail": "TokenExpired"}, status=401
    )
    xero.expect_request("/api.xro/2.0/Organisation", method="GET").respond_with_json(
        example("getOrganisations")
    )
    xero.expect_request("/connect/token", method="POST").respond_with_json(
        token_reply(access="access-2", refresh="refresh-2")
    )
    client.get_organisation(connection)
    calls = requests_to(xero, "GET", "/api.xro/2.0/Organisation")
    assert [c.headers["authorization"] for c in calls] == ["Bearer access-1", "Bearer access-2"]
    (token_call,) = requests_to(xero, "POST", "/connect/token")
    assert token_call.form.to_dict() == {
        "grant_type": "refresh_token",
        "refresh_token": "refresh-1",
    }
    connection.refresh_from_db()
    assert (connection.access_token, connection.refresh_token) == ("access-2", "refresh-2")


def test_a_token_near_expiry_is_refreshed_before_the_call(xero, db):
    connection = make_connection(expires_at=timezone.now() + timedelta(seconds=30))
    xero.expect_request("/connect/token", method="POST").respond_with_json(
        token_reply(access="access-new")
    )
    xero.expect_request("/api.xro/2.0/Organisation", method="GET").respond_with_json(
        example("getOrganisations")
    )
    client.get_organisation(connection)
    (call,) = requests_to(xero, "GET", "/api.xro/2.0/Organisation")
    assert call.headers["authorization"] == "Bearer access-new"
    connection.refresh_from_db()
    assert connection.token_refreshed_at is not None
    assert connection.access_token_expires_at > timezone.now() + timedelta(minutes=25)


def test_an_invalid_grant_marks_the_connection_for_reconnecting(xero, db):
    connection = make_connection(expires_at=timezone.now() - timedelta(minutes=1))
    xero.expect_request("/connect/token", method="POST").respond_with_json(
        {"error": "invalid_grant"}, status=400
    )
    with pytest.raises(XeroError) as excinfo:
        client.get_organisation(connection)
    assert excinfo.value.reconnect
    connection.refresh_from_db()
    assert connection.health == XeroConnection.Health.NEEDS_RECONNECT
    assert "invalid_grant" in connection.health_detail
    # Later calls do not hammer Xero with the dead grant.
    with pytest.raises(XeroError):
        client.get_organisation(connection)
    assert len(requests_to(xero, "POST", "/connect/token")) == 1
    assert not requests_to(xero, "GET", "/api.xro/2.0/Organisation")


def test_a_403_says_the_organisation_must_be_reconnected(xero, connection):
    xero.expect_request("/api.xro/2.0/Organisation", method="GET").respond_with_json(
        {"Title": "Forbidden", "Status": 403, "Detail": "AuthenticationUnsuccessful"}, status=403
    )
    with pytest.raises(XeroError) as excinfo:
        client.get_organisation(connection)
    assert excinfo.value.reconnect
    assert "AuthenticationUnsuccessful" in excinfo.value.message


def test_list_tenants_reads_the_connections(xero):
    from linking.xero.types import TokenSet
    from tests.linking.conftest import connections_example

    xero.expect_request("/connections", method="GET").respond_with_json(connections_example())
    tokens = TokenSet("a", "r", timezone.now() + timedelta(minutes=30), [])
    (tenant,) = client.list_tenants(tokens)
    assert tenant.tenant_id == "fe79f7dd-b6d4-4a92-ba7b-538af6289c58"
    assert tenant.connection_id == "7cb59f93-2964-421d-bb5e-a0f7a4572a44"
    assert tenant.tenant_name == "Demo Company (NZ)"


def test_delete_connection_uses_the_connection_id_not_the_tenant_id(xero, connection):
    xero.expect_request(
        f"/connections/{connection.connection_id}", method="DELETE"
    ).respond_with_data(status=204)
    client.delete_connection(connection)
    assert len(requests_to(xero, "DELETE", f"/connections/{connection.connection_id}")) == 1


# ------------------------------------------------------ one invoice or credit note in full (13)

INVOICE_ID = example("getInvoice")["Invoices"][0]["InvoiceID"]
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n(INV-0006) Tj\n%%EOF\n"


def test_an_invoices_pdf_is_read_in_memory_not_into_a_file(xero, connection, tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))  # where the SDK would write its temporary file
    xero.expect_request(f"/api.xro/2.0/Invoices/{INVOICE_ID}", method="GET").respond_with_data(
        PDF, content_type="application/pdf"
    )
    assert client.get_invoice_pdf(connection, INVOICE_ID) == PDF
    (request,) = requests_to(xero, "GET", f"/api.xro/2.0/Invoices/{INVOICE_ID}")
    assert request.headers["Accept"] == "application/pdf"
    assert request.headers["xero-tenant-id"] == TENANT_ID
    assert list(tmp_path.iterdir()) == []


def test_an_answer_that_is_not_a_pdf_is_unreadable(xero, connection):
    xero.expect_request(f"/api.xro/2.0/Invoices/{INVOICE_ID}", method="GET").respond_with_json(
        example("getInvoice")
    )
    with pytest.raises(XeroError) as caught:
        client.get_invoice_pdf(connection, INVOICE_ID)
    assert caught.value.code == "unreadable"


def test_a_pdf_of_no_invoice_id_asks_nothing(xero, connection):
    with pytest.raises(XeroError) as caught:
        client.get_invoice_pdf(connection, "../Contacts")
    assert caught.value.code == "not_found"
    assert xero.log == []


def test_the_online_invoice_link_and_xeros_refusal(xero, connection):
    path = f"/api.xro/2.0/Invoices/{INVOICE_ID}/OnlineInvoice"
    xero.expect_oneshot_request(path, method="GET").respond_with_json(example("getOnlineInvoice"))
    url = client.get_online_invoice_url(connection, INVOICE_ID)
    assert url == "https://in.xero.com/bCWCCfytGdTXoJam9HENWlQt07G6zcDaj4gQojHu"
    refusal = {
        "ErrorNumber": 10,
        "Type": "ValidationException",
        "Message": "A validation exception occurred",
        "Elements": [{"ValidationErrors": [{"Message": "Invoice is not AUTHORISED or PAID."}]}],
    }
    xero.expect_request(path, method="GET").respond_with_json(refusal, status=400)
    with pytest.raises(XeroError) as caught:
        client.get_online_invoice_url(connection, INVOICE_ID)
    assert (caught.value.message, caught.value.xero_said) == (
        "Invoice is not AUTHORISED or PAID.",
        True,
    )


def test_one_credit_note_in_full(xero, connection):
    note_id = example("getCreditNote")["CreditNotes"][0]["CreditNoteID"]
    xero.expect_request(f"/api.xro/2.0/CreditNotes/{note_id}", method="GET").respond_with_json(
        example("getCreditNote")
    )
    note = client.get_credit_note(connection, note_id)
    assert (note.number, len(note.line_items), len(note.payments)) == ("CN-0005", 1, 1)
