"""Recent changes in Xero: telling what changed (pure), and recording it once per change."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.db import OperationalError

from linking import recent
from linking.models import XeroChange, XeroItemSeen
from linking.xero.types import CreditNote, Invoice
from tests.factories import XeroConnectionFactory

CONTACT = str(uuid.uuid4())
AT = datetime(2026, 12, 3, 9, 30, tzinfo=UTC)


def invoice(status="AUTHORISED", paid="0.00", *, at=AT, **fields) -> Invoice:
    fields.setdefault("invoice_id", str(uuid.UUID(int=1)))
    fields.setdefault("number", "INV-3099")
    return Invoice(
        type=fields.pop("type", "ACCREC"),
        status=status,
        contact_id=CONTACT,
        currency="AUD",
        total=Decimal("1000.00"),
        amount_paid=Decimal(paid),
        amount_due=Decimal("1000.00") - Decimal(paid),
        updated_at=at,
        **fields,
    )


def kinds(before, after) -> list[str]:
    return [change.kind for change in recent.changes(before, after)]


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        ("DRAFT", "AUTHORISED", ["approved"]),
        ("SUBMITTED", "AUTHORISED", ["approved"]),
        ("AUTHORISED", "PAID", ["paid"]),
        ("AUTHORISED", "VOIDED", ["voided"]),
        ("SUBMITTED", "PAID", ["approved", "paid"]),
        ("AUTHORISED", "AUTHORISED", []),
        ("PAID", "PAID", []),
        ("DRAFT", "DRAFT", []),
        ("DRAFT", "DELETED", []),
        ("VOIDED", "VOIDED", []),
    ],
)
def test_a_status_change_is_told_by_its_kind(before, after, expected):
    paid = "1000.00" if after == "PAID" else "0.00"
    assert kinds(invoice(before), invoice(after, paid)) == expected


def test_a_payment_that_leaves_something_due_is_part_paid_and_says_how_much():
    [change] = recent.changes(invoice(paid="200.00"), invoice(paid="450.00"))
    assert (change.kind, change.amount, change.on) == ("part_paid", Decimal("450.00"), AT.date())
    assert kinds(invoice(paid="450.00"), invoice(paid="450.00")) == []  # nothing new


def test_paid_in_full_is_dated_by_xeros_fully_paid_on_date():
    paid = invoice("PAID", "1000.00", fully_paid_on=date(2026, 12, 2))
    [change] = recent.changes(invoice(), paid)
    assert (change.kind, change.on) == ("paid", date(2026, 12, 2))


def test_the_date_is_the_sites_day_of_xeros_update(settings):
    settings.TIME_ZONE = "Australia/Sydney"
    late = datetime(2026, 12, 3, 20, 0, tzinfo=UTC)  # 4 Dec, 7 am in Sydney
    [change] = recent.changes(invoice("DRAFT"), invoice(at=late))
    assert change.on == date(2026, 12, 4)


def test_an_item_new_since_the_crm_started_watching_counts_when_approved_or_paid():
    assert kinds(None, invoice()) == ["approved"]
    assert kinds(None, invoice("PAID", "1000.00")) == ["paid"]
    assert kinds(None, invoice("DRAFT")) == []
    assert kinds(None, invoice("VOIDED")) == []


def credit_note(status="AUTHORISED") -> CreditNote:
    return CreditNote(
        credit_note_id=str(uuid.UUID(int=9)),
        type="ACCRECCREDIT",
        status=status,
        number="CN-0042",
        contact_id=CONTACT,
        date=date(2026, 12, 1),
        currency="AUD",
        total=Decimal("110.00"),
        remaining_credit=Decimal("110.00"),
        updated_at=AT,
    )


def test_a_credit_note_raised_is_a_change_once():
    [change] = recent.changes(None, credit_note())
    assert (change.kind, change.on, change.total) == ("credit_note", date(2026, 12, 1), 110)
    assert kinds(credit_note("DRAFT"), credit_note()) == ["credit_note"]
    assert kinds(credit_note(), credit_note("PAID")) == []
    assert kinds(None, credit_note("DRAFT")) == []


# Recording: the database side.


@pytest.fixture
def connection(db):
    return XeroConnectionFactory(base_currency="AUD")


def shown(connection) -> list[str]:
    return [change.text for change in recent.for_contact(connection, CONTACT)]


def test_the_first_sight_of_a_contacts_list_is_the_baseline(connection):
    assert recent.contact_seen(connection, CONTACT, [invoice("PAID", "1000.00")]) == []
    assert XeroItemSeen.objects.count() == 1 and not XeroChange.objects.exists()


def test_a_payment_seen_twice_is_one_row_shown_on_the_contact(connection):
    recent.contact_seen(connection, CONTACT, [invoice()])
    paid = invoice("PAID", "1000.00", at=AT + timedelta(hours=1), fully_paid_on=date(2026, 12, 3))
    recent.contact_seen(connection, CONTACT, [paid])
    recent.contact_seen(connection, CONTACT, [paid])
    recent.items_seen(connection, [paid])
    assert shown(connection) == ["INV-3099 paid in full"]
    assert XeroChange.objects.get().on == date(2026, 12, 3)


def test_the_same_change_recorded_by_two_processes_at_once_is_one_row(connection):
    recent.contact_seen(connection, CONTACT, [invoice()])
    paid = invoice("PAID", "1000.00", at=AT + timedelta(hours=1))
    [change] = recent.changes(invoice(), paid)
    recent._record(connection, [change])
    recent._record(connection, [change])
    assert XeroChange.objects.count() == 1


def test_a_contacts_list_only_looks_at_what_xero_changed_since(connection):
    old = invoice(invoice_id=str(uuid.UUID(int=2)), number="INV-1")
    recent.contact_seen(connection, CONTACT, [old])
    # The same invoice with an older UpdatedDateUTC than the newest seen is not looked at.
    XeroItemSeen.objects.update(status="DRAFT")
    assert recent.contact_seen(connection, CONTACT, [old]) == []
    new = invoice(invoice_id=str(uuid.UUID(int=3)), number="INV-2", at=AT + timedelta(days=1))
    recent.contact_seen(connection, CONTACT, [old, new])
    assert shown(connection) == ["INV-2 approved"]


def test_each_contact_keeps_only_its_newest_changes(connection):
    recent.contact_seen(connection, CONTACT, [invoice("DRAFT")])
    for n in range(recent.KEEP + 5):
        at = AT + timedelta(days=n + 1)
        item = invoice("AUTHORISED", f"{n + 1}.00", at=at, number=f"INV-{n}")
        recent.contact_seen(connection, CONTACT, [item])
    assert XeroChange.objects.count() == recent.KEEP
    assert len(shown(connection)) == recent.SHOWN
    assert shown(connection)[0].startswith(f"INV-{recent.KEEP + 4} part paid: AUD")


def test_a_deal_shows_the_changes_of_its_items_newest_first(connection):
    first = invoice(invoice_id=str(uuid.UUID(int=4)), number="INV-4")
    second = invoice("DRAFT", invoice_id=str(uuid.UUID(int=5)), number="INV-5", type="ACCPAY")
    recent.items_seen(connection, [first, second])  # first sight: nothing to tell
    later = AT + timedelta(days=2)
    recent.items_seen(connection, [replace(first, status="VOIDED"), replace(second,
                      status="AUTHORISED", updated_at=later)])  # fmt: skip
    texts = [c.text for c in recent.for_items(connection, [first.invoice_id, second.invoice_id])]
    assert texts == ["Bill INV-5 approved", "INV-4 voided"]
    assert recent.for_items(connection, ["not-an-id"]) == []


def test_a_credit_note_new_since_the_baseline_shows_on_the_contact(connection):
    # The seam's credit notes (issue 12) go through the same path as invoices once the tab
    # passes them: constructed here, as the seam's CREDITNOTE handling is not wired yet.
    recent.contact_seen(connection, CONTACT, [invoice()])
    note = replace(credit_note(), updated_at=AT + timedelta(hours=2))
    recent.contact_seen(connection, CONTACT, [invoice(), note])
    recent.contact_seen(connection, CONTACT, [invoice(), note])
    assert shown(connection) == ["Credit note CN-0042 raised for AUD 110.00"]


def test_a_database_that_cannot_take_the_rows_costs_the_tab_nothing(connection, caplog):
    recent.contact_seen(connection, CONTACT, [invoice()])
    paid = invoice("PAID", "1000.00", at=AT + timedelta(hours=1), fully_paid_on=date(2026, 12, 3))
    locked = OperationalError("database table is locked: linking_xeroitemseen")
    with mock.patch.object(
        type(XeroItemSeen.objects), "bulk_create", autospec=True, side_effect=locked
    ):
        assert recent.contact_seen(connection, CONTACT, [paid]) == []
        assert recent.items_seen(connection, [paid]) == []
    assert "Recent changes in Xero not recorded this time" in caplog.text
    assert not XeroChange.objects.exists()
