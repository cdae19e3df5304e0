"""One mapper per Xero type, against the official specs' example payloads, and checked against
what the xero-python SDK itself reads from the same JSON (dates, exact amounts, enums)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from xero_python.accounting import AccountingApi
from xero_python.api_client import ApiClient, Configuration

from linking.xero import mappers
from tests.xero_spec import example


def wire(payload: Any) -> Any:
    """The payload as the client reads Xero's answer: JSON, with exact decimals."""
    return json.loads(json.dumps(payload), parse_float=Decimal)


def sdk_models(payload: Any, response_type: str) -> Any:
    """What the SDK deserialises from the same JSON."""
    client = ApiClient(Configuration(), pool_threads=1)
    finder = AccountingApi(client).get_model_finder()
    return client.deserialize(SimpleNamespace(text=json.dumps(payload)), response_type, finder)


def value(x: Any) -> Any:
    return getattr(x, "value", x)


def as_date(x: Any) -> date | None:
    return x.date() if isinstance(x, datetime) else x


def test_contacts_read_names_phones_addresses_and_their_update_time():
    payload = example("getContacts")
    contacts = [mappers.contact(c) for c in wire(payload)["Contacts"]]
    models = sdk_models(payload, "Contacts").contacts
    assert len(contacts) == len(models) > 1
    for mine, sdk in zip(contacts, models, strict=True):
        assert (mine.contact_id, mine.name, mine.email) == (
            str(sdk.contact_id),
            sdk.name,
            sdk.email_address or "",
        )
        assert mine.status == (value(sdk.contact_status) or "ACTIVE")
        assert mine.updated_at == sdk.updated_date_utc
        numbers = {p.type: p.display for p in mine.phones}
        kept = {p.type: (p.country_code, p.area_code, p.number) for p in mine.phones}
        for phone in sdk.phones or []:
            parts = [phone.phone_country_code, phone.phone_area_code, phone.phone_number]
            if any(parts):
                expected = " ".join(str(p) for p in parts if p)
                assert numbers[value(phone.phone_type)] == expected
                # Each of Xero's parts is kept as Xero gave it, to be sent back unchanged.
                assert kept[value(phone.phone_type)] == tuple(p or "" for p in parts)
        assert all(p.display for p in mine.phones)  # empty phone types are left out
        assert all(not a.is_empty for a in mine.addresses)
        for address in sdk.addresses or []:
            lines = [address.address_line1, address.address_line2, address.address_line3,
                     address.address_line4]  # fmt: skip
            if any((*lines, address.city, address.attention_to)):
                ours = next(a for a in mine.addresses if a.type == value(address.address_type))
                assert list(ours.lines) == [line or "" for line in lines][: len(ours.lines)]
                assert not any(lines[len(ours.lines) :])
                assert (ours.city, ours.attention_to) == (
                    address.city or "",
                    address.attention_to or "",
                )
    kat = contacts[0]
    assert (kat.first_name, kat.last_name) == ("Katherine", "Warren")
    assert any(a.city == "Palo Alto" for a in kat.addresses)


def test_invoices_read_exact_amounts_dates_and_line_items():
    payload = example("getInvoices")
    invoices = [mappers.invoice(i) for i in wire(payload)["Invoices"]]
    models = sdk_models(payload, "Invoices").invoices
    assert len(invoices) == len(models) > 1
    for mine, sdk in zip(invoices, models, strict=True):
        assert (mine.invoice_id, mine.type, mine.status) == (
            str(sdk.invoice_id),
            value(sdk.type),
            value(sdk.status),
        )
        assert (mine.date, mine.due_date) == (as_date(sdk.date), as_date(sdk.due_date))
        assert mine.updated_at == sdk.updated_date_utc
        assert mine.currency == (value(sdk.currency_code) or "")
        for field in ("sub_total", "total_tax", "total", "amount_due", "amount_paid"):
            theirs = getattr(sdk, field)
            assert getattr(mine, field) == Decimal(str(theirs if theirs is not None else 0))
            assert isinstance(getattr(mine, field), Decimal)
        assert len(mine.line_items) == len(sdk.line_items or [])
        for line, theirs in zip(mine.line_items, sdk.line_items or [], strict=True):
            assert line.quantity == Decimal(str(theirs.quantity or 0))
            assert line.unit_amount == Decimal(str(theirs.unit_amount or 0))


def test_credit_notes_read_remaining_credit_and_their_contact():
    payload = example("getCreditNotes")
    notes = [mappers.credit_note(n) for n in wire(payload)["CreditNotes"]]
    models = sdk_models(payload, "CreditNotes").credit_notes
    for mine, sdk in zip(notes, models, strict=True):
        assert (mine.credit_note_id, mine.type, mine.status) == (
            str(sdk.credit_note_id),
            value(sdk.type),
            value(sdk.status),
        )
        assert mine.remaining_credit == Decimal(str(sdk.remaining_credit))
        assert mine.total == Decimal(str(sdk.total))
        assert mine.date == as_date(sdk.date)
        assert mine.contact_id == str(sdk.contact.contact_id)
    assert notes[0].date == date(2019, 3, 5)
    assert notes[0].remaining_credit == Decimal("32.5")


def test_the_organisation_reads_currency_short_code_and_timezone():
    payload = example("getOrganisations")
    (org,) = [mappers.organisation(o) for o in wire(payload)["Organisations"]]
    (sdk,) = sdk_models(payload, "Organisations").organisations
    assert (org.base_currency, org.short_code, org.country_code) == ("NZD", "!mBdtL", "NZ")
    assert org.base_currency == value(sdk.base_currency)
    assert org.timezone == value(sdk.timezone) != ""
    assert org.name == sdk.name


def test_a_connection_reads_as_a_tenant():
    listed = example("getConnections", name="xero-identity.yaml")
    (connection, *_) = json.loads(listed) if isinstance(listed, str) else listed
    tenant = mappers.tenant(connection)
    assert tenant.connection_id == connection["id"]
    assert tenant.tenant_id == connection["tenantId"]
    assert tenant.tenant_name == connection["tenantName"]
    assert tenant.tenant_type == connection["tenantType"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("/Date(1539993600000+0000)/", datetime(2018, 10, 20, tzinfo=UTC)),
        ("/Date(1539993600000)/", datetime(2018, 10, 20, tzinfo=UTC)),
        ("2018-10-20T00:00:00", datetime(2018, 10, 20, tzinfo=UTC)),
        (None, None),
        ("", None),
    ],
)
def test_xeros_dates_read_as_utc(raw, expected):
    assert mappers.timestamp(raw) == expected


def test_amounts_stay_exact():
    data = wire({"InvoiceID": "x", "Total": 0.1, "AmountDue": 1234567.89, "CurrencyRate": 0})
    invoice = mappers.invoice(data)
    assert (invoice.total, invoice.amount_due) == (Decimal("0.1"), Decimal("1234567.89"))
    assert invoice.currency_rate is None  # Xero's 0 rate means none given
