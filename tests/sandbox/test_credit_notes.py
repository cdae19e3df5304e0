"""Credit notes: GET /CreditNotes (where, order, page, If-Modified-Since) and /CreditNotes/{id},
creates, updates and allocations to invoices, through the real SDK and over raw HTTP, with every
answer validated against Xero's spec, and CREDITNOTE webhooks."""

from __future__ import annotations

import json
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import requests
from xero_python.accounting import (
    Allocation,
    Allocations,
    Contact,
    CreditNote,
    CreditNotes,
    CurrencyCode,
    Invoice,
    LineAmountTypes,
    LineItem,
)
from xero_python.exceptions import AccountingBadRequestException

from sandbox import actions, seed, webhooks
from sandbox.models import Contact as ContactRow
from sandbox.models import CreditNote as CreditNoteRow
from sandbox.models import Invoice as InvoiceRow
from sandbox.organisations import local_today
from tests.sandbox import spec
from tests.sandbox.helpers import Sdk, api, make_sdk
from tests.sandbox.test_webhooks import KEY, Receiver

AU = str(seed.AU_TENANT_ID)
NZ = str(seed.NZ_TENANT_ID)
OBRIEN = seed.stable_id(seed.AU_TENANT_ID, "contact", "obrien")


@pytest.fixture
def sdk(xero_sandbox, monkeypatch) -> Sdk:
    return make_sdk(xero_sandbox, xero_sandbox.mint_tokens(), monkeypatch)


@pytest.fixture
def tokens(xero_sandbox):
    return xero_sandbox.mint_tokens()


@pytest.fixture
def receiver():
    receiver = Receiver(KEY)
    receiver.thread.start()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


def au_notes():
    return CreditNoteRow.objects.filter(organisation__organisation_id=seed.AU_TENANT_ID)


def dated_invoice(key: str, tenant=seed.AU_TENANT_ID) -> InvoiceRow:
    return InvoiceRow.objects.get(invoice_id=seed.stable_id(tenant, "invoice", f"dated:{key}"))


def wait_for(receiver: Receiver, count: int) -> list[dict]:
    deadline = time.monotonic() + 15
    while len(receiver.events()) < count and time.monotonic() < deadline:
        time.sleep(0.02)
    return receiver.events()


# ------------------------------------------------------------------------------- the SDK


def test_the_sdk_lists_credit_notes_of_both_types(sdk: Sdk) -> None:
    listed = sdk.accounting.get_credit_notes(AU).credit_notes
    assert len(listed) == au_notes().count()
    assert {n.type for n in listed} == {"ACCRECCREDIT", "ACCPAYCREDIT"}
    assert {n.status for n in listed} >= {"AUTHORISED", "PAID", "VOIDED", "DRAFT"}
    for note in listed:
        row = au_notes().get(credit_note_id=note.credit_note_id)
        assert (note.total, note.remaining_credit) == (row.total, row.remaining_credit)
        assert note.currency_rate == row.currency_rate
        assert note.contact.name == row.contact.name
        assert note.line_items is None  # unpaged lists leave the lines out, as for invoices
    usd = [n for n in listed if n.currency_code == CurrencyCode.USD]
    assert usd and all(n.currency_rate == Decimal("0.65") for n in usd)
    base = [n for n in listed if n.currency_code == CurrencyCode.AUD]
    assert base and all(n.currency_rate == 1 for n in base)


def test_the_sdk_filters_orders_and_pages_credit_notes(sdk: Sdk) -> None:
    mine = sdk.accounting.get_credit_notes(
        AU, where=f'Contact.ContactID==Guid("{OBRIEN}")', order="Date DESC"
    ).credit_notes
    expected = au_notes().filter(contact__contact_id=OBRIEN)
    assert [n.credit_note_id for n in mine] == [
        str(n.credit_note_id) for n in expected.order_by("-date", "pk")
    ]
    open_credit = sdk.accounting.get_credit_notes(
        AU, where='Type=="ACCRECCREDIT" AND Status=="AUTHORISED" AND RemainingCredit > 0'
    ).credit_notes
    assert open_credit
    assert all(n.remaining_credit > 0 and n.type == "ACCRECCREDIT" for n in open_credit)
    first = sdk.accounting.get_credit_notes(AU, page=1, page_size=4)
    second = sdk.accounting.get_credit_notes(AU, page=2, page_size=4)
    assert first.pagination.item_count == au_notes().count()
    assert first.pagination.page_count == -(-au_notes().count() // 4)
    assert len(first.credit_notes) == 4 and all(n.line_items for n in first.credit_notes)
    ids = {n.credit_note_id for n in first.credit_notes + second.credit_notes}
    assert len(ids) == len(first.credit_notes) + len(second.credit_notes)


def test_the_sdk_honours_if_modified_since_on_credit_notes(sdk: Sdk) -> None:
    cutoff = datetime.now(UTC) - timedelta(days=21)
    recent = sdk.accounting.get_credit_notes(AU, if_modified_since=cutoff).credit_notes
    expected = au_notes().filter(updated__gt=cutoff).count()
    assert 0 < len(recent) == expected < au_notes().count()
    assert all(n.updated_date_utc > cutoff for n in recent)


def test_the_sdk_reads_one_credit_note_with_its_allocations(sdk: Sdk) -> None:
    row = au_notes().get(
        credit_note_id=seed.stable_id(seed.AU_TENANT_ID, "credit-note", "obrien:split")
    )
    note = sdk.accounting.get_credit_note(AU, str(row.credit_note_id)).credit_notes[0]
    assert (note.status, note.remaining_credit) == ("PAID", 0)
    assert note.fully_paid_on_date == row.date
    assert note.contact.email_address == "accounts@obrienplumbing.com.au"
    allocated = {a.invoice.invoice_number: Decimal(str(a.amount)) for a in note.allocations}
    assert sum(allocated.values()) == row.total
    for number, amount in allocated.items():
        invoice = sdk.accounting.get_invoices(AU, invoice_numbers=[number], page=1).invoices[0]
        assert invoice.amount_credited >= amount
        assert [c.credit_note_number for c in invoice.credit_notes] == [row.number]
        assert Decimal(str(invoice.credit_notes[0].applied_amount)) == amount
        assert invoice.amount_due == pytest.approx(
            invoice.total - invoice.amount_paid - invoice.amount_credited
        )


def credit_note(amount: str, *, contact_id=OBRIEN, status: str = "AUTHORISED") -> CreditNote:
    return CreditNote(
        type="ACCRECCREDIT",
        status=status,
        contact=Contact(contact_id=str(contact_id)),
        date=date(2026, 11, 25),
        line_amount_types=LineAmountTypes.EXCLUSIVE,
        line_items=[
            LineItem(description="Refund of a day", quantity=Decimal("1"),
                     unit_amount=Decimal(amount), account_code="200")
        ],
    )  # fmt: skip


def test_allocating_a_credit_note_keeps_the_invoices_amount_due_consistent(sdk: Sdk) -> None:
    target = dated_invoice("obrien:31")  # Travel and expenses, 704.00 owed
    made = sdk.accounting.create_credit_notes(
        AU, CreditNotes(credit_notes=[credit_note("200.00")])
    ).credit_notes[0]
    assert made.credit_note_number.startswith("CN-") and made.status == "AUTHORISED"
    assert (made.total, made.remaining_credit) == (220.0, 220.0)
    body = Allocations(
        allocations=[
            Allocation(invoice=Invoice(invoice_id=str(target.invoice_id)), amount=Decimal("120"),
                       date=date(2026, 11, 26))
        ]
    )  # fmt: skip
    answer = sdk.accounting.create_credit_note_allocation(AU, made.credit_note_id, body)
    assert answer.allocations[0].amount == 120
    invoice = sdk.accounting.get_invoice(AU, str(target.invoice_id)).invoices[0]
    assert (invoice.amount_credited, invoice.amount_due, invoice.status) == (
        120,
        584,
        "AUTHORISED",
    )
    note = sdk.accounting.get_credit_note(AU, made.credit_note_id).credit_notes[0]
    assert (note.remaining_credit, note.status) == (100, "AUTHORISED")
    # More than the remaining credit is refused; the rest clears an invoice: both become PAID.
    other = dated_invoice("obrien:91")
    actions.pay_invoice(other, other.amount_due - Decimal("100"))

    def allocate(amount: str, day: date):
        body = Allocations(
            allocations=[Allocation(invoice=Invoice(invoice_id=str(other.invoice_id)),
                                    amount=Decimal(amount), date=day)]
        )  # fmt: skip
        return sdk.accounting.create_credit_note_allocation(AU, made.credit_note_id, body)

    with pytest.raises(AccountingBadRequestException) as caught:
        allocate("100.01", date(2026, 11, 27))
    assert "remaining credit" in caught.value.reason
    allocate("100", date(2026, 11, 28))
    paid = sdk.accounting.get_invoice(AU, str(other.invoice_id)).invoices[0]
    assert (paid.status, paid.amount_due, paid.fully_paid_on_date) == (
        "PAID",
        0,
        date(2026, 11, 28),
    )
    used = sdk.accounting.get_credit_note(AU, made.credit_note_id).credit_notes[0]
    assert (used.status, used.remaining_credit, len(used.allocations)) == ("PAID", 0, 2)


def test_allocations_xero_refuses(xero_sandbox, tokens) -> None:
    open_note = au_notes().get(number="CN-8001")  # O'Brien Plumbing, AUD, 275.00 open
    refused = {
        "another contact's invoice": InvoiceRow.objects.filter(
            contact__contact_id=seed.BIG_CUSTOMER_ID, status="AUTHORISED"
        ).first(),
        "a bill": dated_invoice("young-bros:bill-15"),
        "a paid invoice": dated_invoice("obrien:paid-1"),
        "an invoice in USD": dated_invoice("obrien:usd-20"),
    }
    for reason, invoice in refused.items():
        answer = api(
            xero_sandbox, tokens, "PUT", f"/CreditNotes/{open_note.credit_note_id}/Allocations",
            json={"Allocations": [{"Invoice": {"InvoiceID": str(invoice.invoice_id)},
                                   "Amount": 10, "Date": "2026-11-30"}]},
        )  # fmt: skip
        assert answer.status_code == 400, reason
        spec.validate_accounting(
            answer.json(), "/CreditNotes/{CreditNoteID}/Allocations", "put", "400"
        )
    open_note.refresh_from_db()
    assert (open_note.remaining_credit, open_note.allocations.count()) == (Decimal("275.00"), 0)
    voided = au_notes().get(number="CN-8005")
    answer = api(
        xero_sandbox, tokens, "PUT", f"/CreditNotes/{voided.credit_note_id}/allocations",
        json={"Allocations": [{"Invoice": {"InvoiceID": str(dated_invoice("obrien:1").invoice_id)},
                               "Amount": 10}]},
    )  # fmt: skip
    assert answer.status_code == 400
    assert "AUTHORISED credit note" in answer.text


def test_a_credit_note_with_an_allocation_cannot_be_voided(sdk: Sdk) -> None:
    row = au_notes().get(number="CN-8002")  # part allocated, AUTHORISED
    with pytest.raises(AccountingBadRequestException) as caught:
        sdk.accounting.update_credit_note(
            AU, str(row.credit_note_id), CreditNotes(credit_notes=[CreditNote(status="VOIDED")])
        )
    assert "cannot be voided" in caught.value.reason
    unallocated = au_notes().get(number="CN-8001")
    voided = sdk.accounting.update_credit_note(
        AU, str(unallocated.credit_note_id), CreditNotes(credit_notes=[CreditNote(status="VOIDED")])
    ).credit_notes[0]
    assert (voided.status, voided.remaining_credit) == ("VOIDED", 0)


# ------------------------------------------------------------------------- schema validation

CREDIT_NOTE_LIST_PARAMS = [
    {},
    {"page": 1},
    {"page": 2, "pageSize": 3, "unitdp": 4},
    {"order": "Total DESC", "where": 'Status=="PAID"'},
    {"where": 'Type=="ACCPAYCREDIT"', "page": 1},
]


def test_credit_note_answers_validate_against_the_spec(xero_sandbox, tokens) -> None:
    for params in CREDIT_NOTE_LIST_PARAMS:
        for tenant in xero_sandbox.tenant_ids:
            answer = api(xero_sandbox, tokens, "GET", "/CreditNotes", params=params, tenant=tenant)
            assert answer.status_code == 200, answer.text[:500]
            spec.validate_accounting(answer.json(), "/CreditNotes", "get")
            assert answer.json()["CreditNotes"], params
    for note in CreditNoteRow.objects.all():
        tenant = note.organisation.organisation_id
        one = api(xero_sandbox, tokens, "GET", f"/CreditNotes/{note.credit_note_id}", tenant=tenant)
        assert one.status_code == 200
        spec.validate_accounting(one.json(), "/CreditNotes/{CreditNoteID}", "get")
    by_number = api(xero_sandbox, tokens, "GET", "/CreditNotes/CN-8003").json()["CreditNotes"][0]
    assert by_number["Allocations"][0]["Invoice"]["InvoiceNumber"]
    credited = InvoiceRow.objects.filter(amount_credited__gt=0).first()
    invoice = api(xero_sandbox, tokens, "GET", f"/Invoices/{credited.invoice_id}").json()
    spec.validate_accounting(invoice, "/Invoices/{InvoiceID}", "get")
    assert invoice["Invoices"][0]["CreditNotes"][0]["AppliedAmount"] > 0
    listed = api(xero_sandbox, tokens, "GET", "/Invoices", params={"where": "AmountCredited > 0"})
    spec.validate_accounting(listed.json(), "/Invoices", "get")
    assert all(i["CreditNotes"] for i in listed.json()["Invoices"])


def test_credit_note_writes_validate_against_the_spec(xero_sandbox, tokens) -> None:
    supplier = seed.stable_id(seed.AU_TENANT_ID, "contact", "pacific-print")
    line = {
        "Description": "Damaged stock",
        "Quantity": 3,
        "UnitAmount": 19.99,
        "AccountCode": "429",
    }
    draft = {"Type": "ACCPAYCREDIT", "Contact": {"ContactID": str(supplier)},
             "Date": "2026-11-20", "CurrencyCode": "EUR", "LineItems": [line]}  # fmt: skip
    created = api(xero_sandbox, tokens, "PUT", "/CreditNotes", json={"CreditNotes": [draft]})
    assert created.status_code == 200, created.text
    spec.validate_accounting(created.json(), "/CreditNotes", "put")
    made = created.json()["CreditNotes"][0]
    assert (made["Status"], made["CreditNoteNumber"], made["CurrencyRate"]) == ("DRAFT", "", 0.6)
    assert (made["SubTotal"], made["TotalTax"], made["Total"], made["RemainingCredit"]) == (
        59.97, 6.0, 65.97, 65.97,
    )  # fmt: skip
    approved = api(
        xero_sandbox, tokens, "POST", f"/CreditNotes/{made['CreditNoteID']}",
        json={"CreditNotes": [{"Status": "AUTHORISED"}]},
    )  # fmt: skip
    assert approved.status_code == 200, approved.text
    spec.validate_accounting(approved.json(), "/CreditNotes/{CreditNoteID}", "post")
    bad = api(
        xero_sandbox, tokens, "PUT", "/CreditNotes", json={"CreditNotes": [{"Type": "ACCREC"}]}
    )
    assert bad.status_code == 400
    spec.validate_accounting(bad.json(), "/CreditNotes", "put", "400")
    assert "Credit Note Type ACCREC is not supported" in bad.text
    note_id = au_notes().get(number="CN-8001").credit_note_id
    allocation = api(
        xero_sandbox, tokens, "PUT", f"/CreditNotes/{note_id}/Allocations",
        json={"Allocations": [{"Invoice": {"InvoiceID": str(dated_invoice("obrien:1").invoice_id)},
                               "Amount": 100.5, "Date": "2026-11-30"}]},
    )  # fmt: skip
    assert allocation.status_code == 200, allocation.text
    spec.validate_accounting(allocation.json(), "/CreditNotes/{CreditNoteID}/Allocations", "put")


def test_where_order_paging_and_modified_since_over_http(xero_sandbox, tokens) -> None:
    def get(**params):
        answer = api(xero_sandbox, tokens, "GET", "/CreditNotes", params=params)
        assert answer.status_code == 200, answer.text
        return answer.json()

    notes = get(order="CreditNoteNumber DESC")["CreditNotes"]
    numbers = [n["CreditNoteNumber"] for n in notes]
    assert numbers == sorted(numbers, reverse=True)
    paged = get(page=3, pageSize=5)
    assert paged["pagination"] == {"page": 3, "pageSize": 5, "pageCount": -(-len(notes) // 5),
                                   "itemCount": len(notes)}  # fmt: skip
    fully_used = get(where='Status=="PAID" && RemainingCredit == 0')["CreditNotes"]
    assert {n["CreditNoteNumber"] for n in fully_used} == set(
        au_notes().filter(status="PAID").values_list("number", flat=True)
    )
    cutoff = datetime.now(UTC) - timedelta(days=10)
    since = {"If-Modified-Since": cutoff.strftime("%Y-%m-%dT%H:%M:%S")}
    recent = api(xero_sandbox, tokens, "GET", "/CreditNotes", headers=since).json()
    assert (
        len(recent["CreditNotes"])
        == au_notes().filter(updated__gt=cutoff.replace(microsecond=0)).count()
    )
    bad = api(xero_sandbox, tokens, "GET", "/CreditNotes", params={"where": "AmountDue > 0"})
    assert bad.status_code == 400
    assert bad.json()["Message"] == "No property or field 'AmountDue' exists in type 'CreditNote'"
    assert api(xero_sandbox, tokens, "GET", f"/CreditNotes/{OBRIEN}").status_code == 404
    nz = api(xero_sandbox, tokens, "GET", "/CreditNotes", tenant=seed.NZ_TENANT_ID).json()
    assert {n["CurrencyCode"] for n in nz["CreditNotes"]} == {"NZD"}


# ----------------------------------------------------------------------------------- webhooks


def test_api_credit_notes_and_allocations_are_announced(xero_sandbox, tokens, receiver) -> None:
    xero_sandbox.set_knobs(webhook_url=receiver.url, webhook_key=KEY)
    line = {"Description": "Credit", "Quantity": 1, "UnitAmount": 50, "AccountCode": "200"}
    element = {"Type": "ACCRECCREDIT", "Status": "AUTHORISED",
               "Contact": {"ContactID": str(OBRIEN)}, "LineItems": [line]}  # fmt: skip
    created = api(xero_sandbox, tokens, "PUT", "/CreditNotes", json={"CreditNotes": [element]})
    note_id = created.json()["CreditNotes"][0]["CreditNoteID"]
    [event] = wait_for(receiver, 1)
    assert (event["resourceId"], event["eventCategory"], event["eventType"]) == (
        note_id, "CREDITNOTE", "CREATE",
    )  # fmt: skip
    assert event["resourceUrl"] == f"{xero_sandbox.url}/api.xro/2.0/CreditNotes/{note_id}"
    assert event["data"] == {"Type": "ACCRECCREDIT", "Status": "AUTHORISED"}
    body, signature = receiver.deliveries[0]
    assert webhooks.verify(body, KEY, signature)
    spec.validate(json.loads(body), spec.webhooks_spec(),
                  {"$ref": "#/components/schemas/CreditNoteWebhookEvent"})  # fmt: skip
    target = dated_invoice("obrien:1")
    allocation = {"Invoice": {"InvoiceID": str(target.invoice_id)}, "Amount": 55}
    path = f"/CreditNotes/{note_id}/Allocations"
    api(xero_sandbox, tokens, "PUT", path, json={"Allocations": [allocation]})
    events = wait_for(receiver, 3)[1:]
    assert sorted((e["eventCategory"], e["eventType"], e["resourceId"]) for e in events) == [
        ("CREDITNOTE", "UPDATE", note_id),
        ("INVOICE", "UPDATE", str(target.invoice_id)),
    ]
    assert next(e for e in events if e["eventCategory"] == "CREDITNOTE")["data"]["Status"] == "PAID"


def test_the_control_page_raises_a_credit_note_and_records_a_payment(
    xero_sandbox, receiver
) -> None:
    xero_sandbox.set_knobs(webhook_url=receiver.url, webhook_key=KEY)
    target = dated_invoice("obrien:45")  # 2,310.00 owed after payments and a credit
    form = {"action": "credit_note", "tenant": AU, "contact": "o'brien plumbing",
            "type": "ACCRECCREDIT", "amount": "100", "invoice": target.number}  # fmt: skip
    page = requests.post(f"{xero_sandbox.url}/sandbox/", data=form, timeout=10)
    assert page.status_code == 200, page.text
    assert (
        "Raised ACCRECCREDIT CN-8013 for O&#x27;Brien Plumbing: AUD 110.00, 110.00 allocated"
        in page.text
    )
    note = au_notes().get(number="CN-8013")
    target.refresh_from_db()
    assert (note.status, note.remaining_credit) == ("PAID", 0)
    assert (target.amount_credited, target.amount_due) == (Decimal("660.00"), Decimal("2200.00"))
    events = wait_for(receiver, 2)
    # Each event is its own delivery, so they may arrive in either order.
    assert sorted((e["eventCategory"], e["eventType"]) for e in events) == [
        ("CREDITNOTE", "CREATE"), ("INVOICE", "UPDATE"),
    ]  # fmt: skip
    paid = requests.post(f"{xero_sandbox.url}/sandbox/", timeout=10, data={
        "action": "payment", "tenant": AU, "invoice": target.number, "amount": "200"})  # fmt: skip
    assert f"Paid {target.number}: AUTHORISED, AUD 2000.00 still due." in paid.text
    in_full = requests.post(f"{xero_sandbox.url}/sandbox/", timeout=10, data={
        "action": "payment", "tenant": AU, "invoice": target.number})  # fmt: skip
    assert f"Paid {target.number}: PAID, AUD 0.00 still due." in in_full.text
    target.refresh_from_db()
    assert (target.status, target.fully_paid_on_date) == ("PAID", local_today(target.organisation))
    assert target.amount_paid + target.amount_credited == target.total
    events = wait_for(receiver, 4)
    assert [(e["eventCategory"], e["resourceId"]) for e in events[2:]] == [
        ("INVOICE", str(target.invoice_id))
    ] * 2
    refused = requests.post(f"{xero_sandbox.url}/sandbox/", timeout=10, data={
        "action": "payment", "tenant": AU, "invoice": target.number})  # fmt: skip
    assert refused.status_code == 400 and "only be made against AUTHORISED" in refused.text
    unknown = requests.post(
        f"{xero_sandbox.url}/sandbox/", timeout=10, data={**form, "contact": "Nobody"}
    )
    assert unknown.status_code == 400


def test_the_control_page_sends_a_creditnote_event_with_its_data(xero_sandbox, receiver) -> None:
    note = au_notes().get(number="CN-8005")
    form = {"action": "webhook", "url": receiver.url, "key": KEY, "tenant": AU,
            "category": "CREDITNOTE", "event_type": "UPDATE",
            "resource_id": str(note.credit_note_id)}  # fmt: skip
    sent = requests.post(f"{xero_sandbox.url}/sandbox/", data=form, timeout=10)
    assert "receiver answered 200" in sent.text
    [event] = receiver.events()
    assert event["data"] == {"Type": "ACCRECCREDIT", "Status": "VOIDED"}


def test_actions_refuse_what_xero_would(xero_sandbox) -> None:
    org = dated_invoice("obrien:1").organisation
    obrien = ContactRow.objects.get(contact_id=OBRIEN)
    with pytest.raises(actions.ActionError, match="same contact"):
        actions.raise_credit_note(org, obrien, Decimal("10"), allocate_to=dated_invoice("marine:5"))
    assert not CreditNoteRow.objects.filter(total=Decimal("11.00")).exists()
    with pytest.raises(actions.ActionError, match="at most the amount due"):
        actions.pay_invoice(dated_invoice("obrien:1"), Decimal("1980.01"))
    raised = actions.raise_credit_note(org, obrien, Decimal("10"), kind="ACCPAYCREDIT")
    assert (raised.credit_note.number, raised.credit_note.total) == ("", Decimal("11.00"))
