"""The real xero-python SDK, over real HTTP, against the sandbox."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from xero_python.accounting import (
    Contact,
    Contacts,
    CurrencyCode,
    Invoice,
    Invoices,
    LineAmountTypes,
    LineItem,
    Phone,
)
from xero_python.exceptions import AccountingBadRequestException, HTTPStatusException

from sandbox import seed
from sandbox.models import AccessToken
from sandbox.models import Invoice as InvoiceRow
from tests.sandbox.helpers import Sdk, make_sdk, sdk_token

AU = str(seed.AU_TENANT_ID)
NZ = str(seed.NZ_TENANT_ID)
BIG = str(seed.BIG_CUSTOMER_ID)
TIMEOUT = (5, 20)


@pytest.fixture
def sdk(xero_sandbox, monkeypatch) -> Sdk:
    return make_sdk(xero_sandbox, xero_sandbox.mint_tokens(), monkeypatch)


def test_get_organisations(sdk: Sdk) -> None:
    for tenant, currency in ((AU, "AUD"), (NZ, "NZD")):
        organisation = sdk.accounting.get_organisations(tenant, _request_timeout=TIMEOUT)
        org = organisation.organisations[0]
        assert str(org.organisation_id) == tenant
        assert org.base_currency.value == currency
        assert org.short_code.startswith("!")


def test_get_contacts_by_search_where_ids_and_pages(sdk: Sdk) -> None:
    found = sdk.accounting.get_contacts(AU, search_term="city agency").contacts
    assert [c.name for c in found] == ["City Agency"]
    assert found[0].is_customer is True
    by_email = sdk.accounting.get_contacts(
        AU, where='EmailAddress=="olivia.smith@ridgeway.edu.au"'
    ).contacts
    assert [(c.first_name, c.last_name) for c in by_email] == [("Olivia", "Smith")]
    quoted = sdk.accounting.get_contacts(AU, where='Name.Contains("\\"Quoted\\"")').contacts
    assert [c.name for c in quoted] == ['The "Quoted" Company Pty Ltd']
    by_ids = sdk.accounting.get_contacts(NZ, i_ds=[str(c.contact_id) for c in found]).contacts
    assert by_ids == []
    page_one = sdk.accounting.get_contacts(AU, page=1, page_size=10)
    page_two = sdk.accounting.get_contacts(AU, page=2, page_size=10)
    assert page_one.pagination.item_count == page_two.pagination.item_count > 10
    assert page_one.pagination.page_count == -(-page_one.pagination.item_count // 10)
    names = {c.name for c in page_one.contacts} | {c.name for c in page_two.contacts}
    assert len(names) == len(page_one.contacts) + len(page_two.contacts)
    assert page_one.contacts[0].balances is not None


def test_archived_contacts_only_when_asked(sdk: Sdk) -> None:
    active = {c.name for c in sdk.accounting.get_contacts(AU).contacts}
    everything = {c.name for c in sdk.accounting.get_contacts(AU, include_archived=True).contacts}
    assert "Harbourside Dental" in everything - active


def test_create_contacts_and_the_duplicate_name_error(sdk: Sdk) -> None:
    contact = Contact(
        name="Brand New Pty Ltd",
        email_address="hello@brandnew.com.au",
        phones=[Phone(phone_type="MOBILE", phone_number="0400 123 456")],
    )
    created = sdk.accounting.create_contacts(AU, contacts=Contacts(contacts=[contact]))
    made = created.contacts[0]
    assert made.contact_id and made.name == "Brand New Pty Ltd"
    assert made.contact_status == "ACTIVE"
    assert {p.phone_type: p.phone_number for p in made.phones}["MOBILE"] == "0400 123 456"
    with pytest.raises(AccountingBadRequestException) as caught:
        sdk.accounting.create_contacts(
            AU, contacts=Contacts(contacts=[Contact(name="brand new pty ltd")])
        )
    assert caught.value.reason == (
        "The contact name brand new pty ltd is already assigned to another contact. "
        "The contact name must be unique across all active contacts."
    )
    assert caught.value.error_data["Type"] == "ValidationException"


def test_update_contact_changes_only_the_given_fields(sdk: Sdk) -> None:
    city = sdk.accounting.get_contact(AU, BIG).contacts[0]
    changed = sdk.accounting.update_contact(
        AU,
        BIG,
        contacts=Contacts(contacts=[Contact(email_address="ap@cityagency.com.au")]),
    ).contacts[0]
    assert changed.email_address == "ap@cityagency.com.au"
    assert changed.name == city.name
    assert changed.updated_date_utc > city.updated_date_utc
    again = sdk.accounting.get_contact(AU, BIG).contacts[0]
    assert again.email_address == "ap@cityagency.com.au"
    assert again.contact_number == city.contact_number


def test_get_invoices_filters(sdk: Sdk) -> None:
    big = str(seed.BIG_CUSTOMER_ID)
    mine = sdk.accounting.get_invoices(AU, contact_i_ds=[big], page=1, page_size=50)
    assert mine.pagination.item_count == 120 and len(mine.invoices) == 50
    assert {str(i.contact.contact_id) for i in mine.invoices} == {big}
    assert all(i.line_items for i in mine.invoices)
    paid = sdk.accounting.get_invoices(AU, contact_i_ds=[big], statuses=["PAID"]).invoices
    assert paid and {i.status for i in paid} == {"PAID"}
    assert all(i.amount_due == 0 and i.fully_paid_on_date for i in paid)
    in_2025 = sdk.accounting.get_invoices(
        AU,
        where="Date >= DateTime(2025, 01, 01) AND Date <= DateTime(2025, 12, 31)",
        order="Date DESC",
    ).invoices
    dates = [i.date for i in in_2025]
    assert dates and all(date(2025, 1, 1) <= d <= date(2025, 12, 31) for d in dates)
    assert dates == sorted(dates, reverse=True)
    usd = sdk.accounting.get_invoices(AU, where='CurrencyCode=="USD"', page=1).invoices
    assert usd and {i.currency_code.value for i in usd} == {"USD"}
    assert all(i.currency_rate != 1 for i in usd)


def test_if_modified_since(sdk: Sdk) -> None:
    cutoff = datetime(2026, 6, 1, tzinfo=UTC)
    recent = sdk.accounting.get_invoices(AU, if_modified_since=cutoff).invoices
    assert recent
    assert all(i.updated_date_utc > cutoff for i in recent)
    expected = InvoiceRow.objects.filter(
        organisation__organisation_id=seed.AU_TENANT_ID, updated__gt=cutoff
    ).count()
    assert len(recent) == expected


def new_invoice(reference: str) -> Invoice:
    return Invoice(
        type="ACCREC",
        contact=Contact(contact_id=str(seed.BIG_CUSTOMER_ID)),
        date=date(2026, 11, 20),
        due_date=date(2026, 12, 20),
        line_amount_types=LineAmountTypes.EXCLUSIVE,
        currency_code=CurrencyCode.AUD,
        reference=reference,
        line_items=[
            LineItem(
                description="Workshop",
                quantity=Decimal("2"),
                unit_amount=Decimal("450.25"),
                account_code="200",
            ),
            LineItem(
                description="Kit",
                quantity=Decimal("1"),
                unit_amount=Decimal("99.99"),
                account_code="210",
            ),
        ],
    )


def test_create_invoices_with_an_idempotency_key_creates_one(sdk: Sdk) -> None:
    before = InvoiceRow.objects.count()
    body = Invoices(invoices=[new_invoice("Idem 1")])
    first = sdk.accounting.create_invoices(AU, body, idempotency_key="crm-opportunity-7-v1")
    second = sdk.accounting.create_invoices(
        AU, Invoices(invoices=[new_invoice("Idem 1")]), idempotency_key="crm-opportunity-7-v1"
    )
    assert InvoiceRow.objects.count() == before + 1
    made = first.invoices[0]
    assert second.invoices[0].invoice_id == made.invoice_id
    assert made.status == "DRAFT" and made.invoice_number.startswith("INV-")
    assert made.sub_total == Decimal("1000.49")
    assert made.total_tax == Decimal("100.05")
    assert made.total == made.sub_total + made.total_tax == made.amount_due
    other = sdk.accounting.create_invoices(
        AU, Invoices(invoices=[new_invoice("Idem 2")]), idempotency_key="crm-opportunity-8-v1"
    )
    assert other.invoices[0].invoice_number != made.invoice_number
    assert InvoiceRow.objects.count() == before + 2


def test_invoice_validation_errors_reach_the_sdk(sdk: Sdk) -> None:
    invoice = new_invoice("Broken")
    invoice.contact = Contact(contact_id="00000000-0000-0000-0000-000000000001")
    with pytest.raises(AccountingBadRequestException) as caught:
        sdk.accounting.create_invoices(AU, Invoices(invoices=[invoice]))
    assert "could not be found" in caught.value.reason


def test_connections_and_disconnecting(sdk: Sdk) -> None:
    connections = sdk.identity.get_connections()
    assert {str(c.tenant_id) for c in connections} == {AU, NZ}
    nz = next(c for c in connections if str(c.tenant_id) == NZ)
    assert nz.tenant_type == "ORGANISATION" and nz.created_date_utc
    sdk.identity.delete_connection(nz.id)
    assert [str(c.tenant_id) for c in sdk.identity.get_connections()] == [AU]
    with pytest.raises(HTTPStatusException) as caught:
        sdk.accounting.get_organisations(NZ)
    assert caught.value.status == 403


def test_refresh_rotates_and_a_reused_token_is_invalid_grant(sdk: Sdk) -> None:
    old = dict(sdk.store["token"])
    new = sdk.api_client.refresh_oauth2_token()
    assert new["refresh_token"] != old["refresh_token"]
    assert sdk.store["token"]["access_token"] == new["access_token"]
    assert sdk.accounting.get_organisations(AU).organisations
    sdk.store["token"] = old
    with pytest.raises(HTTPStatusException) as caught:
        sdk.api_client.refresh_oauth2_token()
    assert caught.value.status == 400
    assert b"invalid_grant" in caught.value.body


def test_the_sdk_refreshes_an_expiring_token_by_itself(sdk: Sdk) -> None:
    sdk.store["token"]["expires_at"] = time.time() + 30
    before = sdk.store["token"]["refresh_token"]
    assert sdk.accounting.get_organisations(AU).organisations
    assert sdk.store["token"]["refresh_token"] != before
    assert sdk.store["token"]["expires_at"] > time.time() + 1000


def test_an_expired_access_token_surfaces_as_401(xero_sandbox, monkeypatch) -> None:
    xero_sandbox.set_token_lifetimes(access_token=60)
    tokens = xero_sandbox.mint_tokens()
    assert tokens["expires_in"] == 60
    sdk = make_sdk(xero_sandbox, tokens, monkeypatch)
    sdk.store["token"] = {**sdk_token(tokens), "expires_at": None}
    AccessToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(HTTPStatusException) as caught:
        sdk.accounting.get_organisations(AU)
    assert caught.value.status == 401
    assert b"TokenExpired: token expired at" in caught.value.body
