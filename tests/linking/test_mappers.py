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


# ------------------------------------------------------ one invoice or credit note in full (13)


def test_one_invoice_in_full_reads_its_payments_lines_and_theme():
    payload = example("getInvoice")
    (invoice,) = [mappers.invoice(i) for i in wire(payload)["Invoices"]]
    (sdk,) = sdk_models(payload, "Invoices").invoices
    assert (invoice.number, invoice.status, invoice.line_amount_types) == (
        "INV-0006",
        "PAID",
        value(sdk.line_amount_types),
    )
    assert invoice.has_attachments is True
    (payment,) = invoice.payments
    (theirs,) = sdk.payments
    assert payment.payment_id == str(theirs.payment_id) == "38928000-e9a0-420c-8884-f624bab2a351"
    assert payment.date == as_date(theirs.date) == date(2019, 3, 19)
    assert payment.amount == Decimal("148062.76") == Decimal(str(theirs.amount))
    assert payment.reference == theirs.reference == "Yahoo"
    assert invoice.credits == ()  # none applied (its CreditNotes, Prepayments, Overpayments)
    (line,) = invoice.line_items
    (sdk_line,) = sdk.line_items
    assert (line.item_code, line.tax_type, line.account_code) == (
        sdk_line.item_code,
        sdk_line.tax_type,
        sdk_line.account_code,
    )
    assert line.tax_amount == Decimal("0.0") and line.line_amount == Decimal("148062.76")
    assert line.discount_rate is None and line.tracking == ()


def test_credit_notes_applied_to_an_invoice_and_a_lines_tracking_and_discount():
    # Xero's Invoice schema: CreditNotes[] (CreditNote with AppliedAmount), Prepayments[] and
    # Overpayments[] likewise; a line's Tracking[] (LineItemTracking) and DiscountRate.
    payload = example("getInvoice")
    data = payload["Invoices"][0]
    data = {
        **data,
        "AmountCredited": 50.0,
        "CreditNotes": [
            {
                "CreditNoteID": "249f15fa-f2a7-4acc-8769-0984103f2225",
                "CreditNoteNumber": "CN-0005",
                "AppliedAmount": 30.0,
                "Date": "/Date(1552521600000+0000)/",
                "Total": 34.5,
            }
        ],
        "Prepayments": [
            {"PrepaymentID": "aea95d78-ea48-456b-9b08-6bc012600072", "AppliedAmount": 20.0,
             "Date": "/Date(1552608000000+0000)/", "Reference": "Deposit"}
        ],
        "LineItems": [
            {
                **data["LineItems"][0],
                "DiscountRate": 12.5,
                "Tracking": [
                    {"TrackingCategoryID": "351953c4-8127-4009-88c3-f9cd8c9cbe9f",
                     "TrackingOptionID": "ae777a87-5ef3-4fa0-a4f0-d10e1f13073a",
                     "Name": "Region", "Option": "Eastside"}
                ],
            }
        ],
    }  # fmt: skip
    payload = {**payload, "Invoices": [data]}
    invoice = mappers.invoice(wire(payload)["Invoices"][0])
    (sdk,) = sdk_models(payload, "Invoices").invoices
    note, prepayment = invoice.credits
    assert (note.kind, note.number, note.amount, note.date) == (
        "Credit note",
        "CN-0005",
        Decimal("30.0"),
        date(2019, 3, 14),
    )
    assert note.credit_id == str(sdk.credit_notes[0].credit_note_id)
    assert note.amount == Decimal(str(sdk.credit_notes[0].applied_amount))
    assert (prepayment.kind, prepayment.amount, prepayment.number) == (
        "Prepayment",
        Decimal("20.0"),
        "Deposit",
    )
    assert invoice.amount_credited == Decimal("50.0")
    (line,) = invoice.line_items
    assert line.discount_rate == Decimal("12.5") == Decimal(str(sdk.line_items[0].discount_rate))
    (tracking,) = line.tracking
    (theirs,) = sdk.line_items[0].tracking
    assert (tracking.category_name, tracking.option_name) == (theirs.name, theirs.option)
    assert tracking.category_id == str(theirs.tracking_category_id)
    assert tracking.option_id == str(theirs.tracking_option_id)


def test_one_credit_note_in_full_reads_its_lines_refunds_and_allocations():
    payload = example("getCreditNote")
    data = {
        **payload["CreditNotes"][0],
        "Allocations": [
            {"AllocationID": "b12335f4-a1e5-4431-aeb4-488e5547558e", "Amount": 1.0,
             "Date": "/Date(1552608000000+0000)/",
             "Invoice": {"InvoiceID": "c7c37b83-ac95-45ea-88ba-8ad83a5f22fe",
                         "InvoiceNumber": "INV-0004", "Payments": [], "CreditNotes": [],
                         "Prepayments": [], "Overpayments": [], "HasErrors": False,
                         "IsDiscounted": False, "LineItems": []}}
        ],
    }  # fmt: skip
    payload = {**payload, "CreditNotes": [data]}
    note = mappers.credit_note(wire(payload)["CreditNotes"][0])
    (sdk,) = sdk_models(payload, "CreditNotes").credit_notes
    assert (note.number, note.line_amount_types) == ("CN-0005", value(sdk.line_amount_types))
    (line,) = note.line_items
    assert (line.description, line.tax_type, line.tax_amount) == (
        "Mic Stand",
        "OUTPUT2",
        Decimal("4.5"),
    )
    (refund,) = note.payments
    assert (refund.amount, refund.reference, refund.date) == (
        Decimal("2.0"),
        "Too much",
        as_date(sdk.payments[0].date),
    )
    (allocation,) = note.allocations
    (theirs,) = sdk.allocations
    assert (allocation.invoice_id, allocation.invoice_number) == (
        str(theirs.invoice.invoice_id),
        theirs.invoice.invoice_number,
    )
    assert allocation.amount == Decimal(str(theirs.amount)) == Decimal("1.0")
    assert allocation.date == as_date(theirs.date) == date(2019, 3, 15)


def test_the_online_invoice_link():
    payload = wire(example("getOnlineInvoice"))
    (url,) = [mappers.online_invoice_url(o) for o in payload["OnlineInvoices"]]
    assert url == "https://in.xero.com/bCWCCfytGdTXoJam9HENWlQt07G6zcDaj4gQojHu"
