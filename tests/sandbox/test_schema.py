"""Faithfulness: every answer validates against Xero's own OpenAPI specs (strictly)."""

from __future__ import annotations

import jsonschema
import pytest
import requests

from sandbox import seed
from tests.sandbox import spec
from tests.sandbox.helpers import api


@pytest.fixture
def tokens(xero_sandbox):
    return xero_sandbox.mint_tokens()


def get_ok(sandbox, tokens, path: str, **kwargs) -> dict:
    answer = api(sandbox, tokens, "GET", path, **kwargs)
    assert answer.status_code == 200, answer.text[:500]
    return answer.json()


def test_the_strict_schemas_catch_a_misspelt_key() -> None:
    good = {"Contacts": [{"ContactID": "5cc8cf28-567e-4d43-b287-687cfcaec47c", "Name": "A"}]}
    spec.validate_accounting(good, "/Contacts", "get")
    for bad in (
        {"Contacts": [{"ContactID": "5cc8cf28-567e-4d43-b287-687cfcaec47c", "Nmae": "A"}]},
        {"Contacts": [{"ContactID": "not-a-guid"}]},
        {"Contacts": [{"UpdatedDateUTC": "2025-01-01T00:00:00"}]},
    ):
        with pytest.raises(jsonschema.ValidationError):
            spec.validate_accounting(bad, "/Contacts", "get")


def test_organisation(xero_sandbox, tokens) -> None:
    for tenant in xero_sandbox.tenant_ids:
        body = get_ok(xero_sandbox, tokens, "/Organisation", tenant=tenant)
        spec.validate_accounting(body, "/Organisation", "get")
        assert body["Organisations"][0]["OrganisationID"] == str(tenant)


CONTACT_LIST_PARAMS = [
    {},
    {"page": 1},
    {"page": 1, "summaryOnly": "true"},
    {"includeArchived": "true", "order": "UpdatedDateUTC DESC"},
    {"searchTerm": "ümlaut"},
    {"where": 'Name.StartsWith("C")', "page": 1, "pageSize": 5},
]


def test_contact_lists(xero_sandbox, tokens) -> None:
    for params in CONTACT_LIST_PARAMS:
        for tenant in xero_sandbox.tenant_ids:
            body = get_ok(xero_sandbox, tokens, "/Contacts", params=params, tenant=tenant)
            spec.validate_accounting(body, "/Contacts", "get")


def test_contact_read_create_update_and_errors(xero_sandbox, tokens) -> None:
    one = get_ok(xero_sandbox, tokens, f"/Contacts/{seed.BIG_CUSTOMER_ID}")
    spec.validate_accounting(one, "/Contacts/{ContactID}", "get")
    new = {"Name": "Schema Test Pty Ltd", "EmailAddress": "schema@example.com",
           "Phones": [{"PhoneType": "MOBILE", "PhoneNumber": "0400 000 000"}],
           "Addresses": [{"AddressType": "STREET", "City": "Perth"}]}  # fmt: skip
    created = api(xero_sandbox, tokens, "PUT", "/Contacts", json={"Contacts": [new]})
    assert created.status_code == 200, created.text
    spec.validate_accounting(created.json(), "/Contacts", "put")
    contact_id = created.json()["Contacts"][0]["ContactID"]
    updated = api(
        xero_sandbox, tokens, "POST", f"/Contacts/{contact_id}",
        json={"Contacts": [{"FirstName": "Ada"}]},
    )  # fmt: skip
    assert updated.status_code == 200
    spec.validate_accounting(updated.json(), "/Contacts/{ContactID}", "post")
    duplicate = api(xero_sandbox, tokens, "PUT", "/Contacts", json={"Contacts": [new]})
    assert duplicate.status_code == 400
    spec.validate_accounting(duplicate.json(), "/Contacts", "put", "400")
    mixed = api(
        xero_sandbox, tokens, "PUT", "/Contacts",
        params={"summarizeErrors": "false"},
        json={"Contacts": [new, {"Name": "Another Schema Test"}]},
    )  # fmt: skip
    assert mixed.status_code == 200
    statuses = [c["StatusAttributeString"] for c in mixed.json()["Contacts"]]
    assert statuses == ["ERROR", "OK"]


INVOICE_LIST_PARAMS = [
    {},
    {"page": 2, "pageSize": 10},
    {"page": 1, "pageSize": 3, "summaryOnly": "true"},
    {"Statuses": "PAID,VOIDED", "order": "Date DESC", "page": 1},
    {"where": "Date >= DateTime(2025, 01, 01) AND Date <= DateTime(2025, 12, 31)"},
    {"unitdp": 4, "page": 1, "pageSize": 5},
]


def test_invoice_lists(xero_sandbox, tokens) -> None:
    for params in INVOICE_LIST_PARAMS:
        for tenant in xero_sandbox.tenant_ids:
            body = get_ok(xero_sandbox, tokens, "/Invoices", params=params, tenant=tenant)
            spec.validate_accounting(body, "/Invoices", "get")
            assert body["Invoices"], params


def test_invoice_read_create_update_and_errors(xero_sandbox, tokens) -> None:
    listed = get_ok(xero_sandbox, tokens, "/Invoices", params={"page": 1, "pageSize": 1})
    invoice_id = listed["Invoices"][0]["InvoiceID"]
    one = get_ok(xero_sandbox, tokens, f"/Invoices/{invoice_id}")
    spec.validate_accounting(one, "/Invoices/{InvoiceID}", "get")
    draft = {
        "Type": "ACCREC",
        "Contact": {"ContactID": str(seed.BIG_CUSTOMER_ID)},
        "Date": "2026-11-02",
        "CurrencyCode": "USD",
        "LineItems": [
            {
                "Description": "Consulting",
                "Quantity": 2,
                "UnitAmount": 150.5,
                "AccountCode": "200",
                "DiscountRate": 10,
            }
        ],
    }
    created = api(xero_sandbox, tokens, "PUT", "/Invoices", json={"Invoices": [draft]})
    assert created.status_code == 200, created.text
    spec.validate_accounting(created.json(), "/Invoices", "put")
    new_id = created.json()["Invoices"][0]["InvoiceID"]
    approved = api(
        xero_sandbox, tokens, "POST", f"/Invoices/{new_id}",
        json={"Invoices": [{"Status": "AUTHORISED", "DueDate": "2026-12-02"}]},
    )  # fmt: skip
    assert approved.status_code == 200, approved.text
    spec.validate_accounting(approved.json(), "/Invoices/{InvoiceID}", "post")
    bad = api(xero_sandbox, tokens, "PUT", "/Invoices", json={"Invoices": [{"Type": "ACCREC"}]})
    assert bad.status_code == 400
    spec.validate_accounting(bad.json(), "/Invoices", "put", "400")


def test_query_errors_have_xeros_error_shape(xero_sandbox, tokens) -> None:
    answer = api(xero_sandbox, tokens, "GET", "/Invoices", params={"where": "Date >>> 1"})
    assert answer.status_code == 400
    body = answer.json()
    spec.validate(body, spec.accounting_spec(), {"$ref": "#/components/schemas/Error"})
    assert (body["ErrorNumber"], body["Type"]) == (16, "QueryParseException")


def test_identity_answers(xero_sandbox, tokens) -> None:
    answer = requests.get(
        f"{xero_sandbox.url}/connections",
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
        timeout=10,
    )
    identity = spec.identity_spec()
    schema = identity["paths"]["/Connections"]["get"]["responses"]["200"]["content"][
        "application/json"
    ]["schema"]
    spec.validate(answer.json(), identity, schema)
    spec.validate(tokens, identity, {"$ref": "#/components/schemas/AccessToken"})


def test_webhook_payload_matches_the_webhooks_spec(xero_sandbox) -> None:
    from sandbox import webhooks

    events = [
        webhooks.event(seed.AU_TENANT_ID, "CONTACT", seed.BIG_CUSTOMER_ID, "UPDATE"),
        webhooks.event(seed.NZ_TENANT_ID, "INVOICE", seed.BIG_CUSTOMER_ID, "CREATE"),
    ]
    body = webhooks.payload(events)
    hooks = spec.webhooks_spec()
    spec.validate(body, hooks, {"$ref": "#/components/schemas/WebhookEvent"})
    assert body["lastEventSequence"] == body["firstEventSequence"] + 1
