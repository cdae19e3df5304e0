"""The Accounting API's behaviour over HTTP: filters, paging, validation, totals, idempotency."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest

from sandbox import seed
from sandbox.models import Contact, Invoice
from tests.sandbox.helpers import api

NIL = "00000000-0000-0000-0000-000000000000"


@pytest.fixture
def tokens(xero_sandbox):
    return xero_sandbox.mint_tokens()


@pytest.fixture
def call(xero_sandbox, tokens):
    def call(method: str, path: str, **kwargs):
        return api(xero_sandbox, tokens, method, path, **kwargs)

    return call


def names(answer) -> list[str]:
    assert answer.status_code == 200, answer.text[:500]
    return [c["Name"] for c in answer.json()["Contacts"]]


def create_contact(call, **fields) -> dict:
    answer = call("PUT", "/Contacts", json={"Contacts": [fields]})
    assert answer.status_code == 200, answer.text
    return answer.json()["Contacts"][0]


def messages(answer) -> list[str]:
    assert answer.status_code == 400, answer.text[:500]
    body = answer.json()
    return [e["Message"] for el in body["Elements"] for e in el["ValidationErrors"]]


# ------------------------------------------------------------------------------- wire format


def test_the_wire_format(call) -> None:
    answer = call("GET", "/Invoices", params={"page": 1, "pageSize": 5})
    assert answer.headers["Content-Type"].startswith("application/json")
    body = answer.json()
    assert body["Status"] == "OK" and body["ProviderName"] and body["Id"]
    assert re.fullmatch(r"/Date\(\d{13}\)/", body["DateTimeUTC"])
    invoice = body["Invoices"][0]
    assert re.fullmatch(r"/Date\(\d+\+0000\)/", invoice["Date"])
    assert invoice["DateString"].endswith("T00:00:00")
    assert re.search(r'"Total":\d+\.\d\d[,}]', answer.text)
    assert re.search(r'"Quantity":\d+\.\d{4}[,}]', answer.text)
    assert "'" not in answer.headers.get("Set-Cookie", "")


def test_unknown_paths_and_ids_are_404(call) -> None:
    assert call("GET", "/Wombats").status_code == 404
    missing = call("GET", f"/Contacts/{NIL}")
    assert missing.status_code == 404 and "cannot be found" in missing.text
    assert call("GET", f"/Invoices/{NIL}").status_code == 404
    assert call("GET", "/contacts").status_code == 200


# ------------------------------------------------------------------------------------ contacts


SEARCHES = [
    ("CITY AGENCY", {"City Agency"}),
    ("ümlaut", set()),
    ("oneill", {"Sienna O'Neill"}),
    ("o'neill", {"Sienna O'Neill"}),
    ("cust-0004", {"Marine Systems"}),
    ("olivia", {"Olivia Smith"}),
    ("williams", {"Charlotte Williams"}),
    ("@marinesystems", {"Marine Systems", "Amelia Wilson"}),
]


def test_search_term_covers_name_people_number_and_email(call) -> None:
    for term, expected in SEARCHES:
        found = set(names(call("GET", "/Contacts", params={"searchTerm": term})))
        assert found == expected, term


def test_search_is_per_tenant_and_handles_non_ascii(call) -> None:
    found = call("GET", "/Contacts", params={"searchTerm": "ümlaut"}, tenant=seed.NZ_TENANT_ID)
    assert names(found) == ["Café Ümlaut"]
    zoe = call("GET", "/Contacts", params={"searchTerm": "zoë"}, tenant=seed.NZ_TENANT_ID)
    assert names(zoe) == ["Zoë Müller"]


def test_where_with_awkward_names(call) -> None:
    assert names(call("GET", "/Contacts", params={"where": 'Name=="O\'Brien Plumbing"'})) == [
        "O'Brien Plumbing"
    ]
    escaped = 'Name=="The \\"Quoted\\" Company Pty Ltd"'
    assert names(call("GET", "/Contacts", params={"where": escaped})) == [
        'The "Quoted" Company Pty Ltd'
    ]
    bad = call("GET", "/Contacts", params={"where": 'Name=="The "Quoted" Company"'})
    assert bad.status_code == 400 and bad.json()["Type"] == "QueryParseException"


def test_archived_contacts_and_ids(call) -> None:
    default = names(call("GET", "/Contacts"))
    everything = names(call("GET", "/Contacts", params={"includeArchived": "true"}))
    assert "Harbourside Dental" not in default and "Harbourside Dental" in everything
    ids = [str(seed.BIG_CUSTOMER_ID), NIL, "not-a-guid"]
    assert names(call("GET", "/Contacts", params={"IDs": ",".join(ids)})) == ["City Agency"]


def test_summary_only_contacts_are_lighter(call) -> None:
    full = call("GET", "/Contacts", params={"page": 1}).json()["Contacts"][0]
    light = call("GET", "/Contacts", params={"page": 1, "summaryOnly": "true"}).json()["Contacts"][
        0
    ]
    assert "Addresses" in full and "Balances" in full
    assert "Addresses" not in light and "Balances" not in light and "Phones" not in light
    assert light["ContactID"] == full["ContactID"]


def test_contact_paging_and_order(call) -> None:
    first = call("GET", "/Contacts", params={"page": 1, "pageSize": 7, "order": "Name DESC"}).json()
    assert first["pagination"]["pageSize"] == 7
    total = first["pagination"]["itemCount"]
    assert (
        total
        == Contact.objects.filter(
            organisation__organisation_id=seed.AU_TENANT_ID, status="ACTIVE"
        ).count()
    )
    beyond = call("GET", "/Contacts", params={"page": 99, "pageSize": 7}).json()
    assert beyond["Contacts"] == [] and beyond["pagination"]["itemCount"] == total
    order = call("GET", "/Contacts", params={"order": "Wombat"})
    assert order.status_code == 400 and "Wombat" in order.json()["Message"]
    unpaged = call("GET", "/Contacts").json()
    assert "pagination" not in unpaged and len(unpaged["Contacts"]) == total


CONTACT_ERRORS = [
    ({"EmailAddress": "x@example.com"}, "The contact name must be specified."),
    ({"Name": "Bad Email", "EmailAddress": "not an email"}, "Email address must be valid."),
    (
        {"Name": "Umlaut Email", "EmailAddress": "zoë@example.net"},
        "Email address must be valid.",
    ),
    ({"Name": "N" * 256}, "Name must be 255 characters or less."),
    ({"Name": "Odd Phone", "Phones": [{"PhoneType": "PAGER"}]}, "PhoneType must be one of"),
    (
        {"Name": "Odd Status", "ContactStatus": "GONE"},
        "ContactStatus must be ACTIVE or ARCHIVED.",
    ),
    ({"Name": "City Agency"}, "The contact name City Agency is already assigned"),
]


def test_contact_validation(call) -> None:
    for fields, message in CONTACT_ERRORS:
        answer = call("PUT", "/Contacts", json={"Contacts": [fields]})
        assert any(m.startswith(message) for m in messages(answer)), (fields, messages(answer))
        element = answer.json()["Elements"][0]
        assert element["HasValidationErrors"] is True


def test_a_failing_batch_creates_nothing(call) -> None:
    before = Contact.objects.count()
    batch = [{"Name": "Fine One"}, {"Name": "Fine One"}]
    assert "already assigned" in messages(call("PUT", "/Contacts", json={"Contacts": batch}))[0]
    assert Contact.objects.count() == before


def test_names_need_only_be_unique_among_active_contacts(call) -> None:
    assert create_contact(call, Name="Harbourside Dental")["ContactStatus"] == "ACTIVE"
    archived = Contact.objects.get(name="Harbourside Dental", status="ARCHIVED")
    revive = call("POST", f"/Contacts/{archived.contact_id}", json={"ContactStatus": "ACTIVE"})
    assert "already assigned" in messages(revive)[0]


def test_update_archive_and_phones(call) -> None:
    made = create_contact(
        call,
        Name="Phone Book Ltd",
        Phones=[
            {"PhoneType": "DEFAULT", "PhoneNumber": "1"},
            {"PhoneType": "DEFAULT", "PhoneNumber": "2"},
        ],
    )  # fmt: skip
    phones = {p["PhoneType"]: p["PhoneNumber"] for p in made["Phones"]}
    assert phones == {"DEFAULT": "2", "DDI": "", "FAX": "", "MOBILE": ""}
    contact_id = made["ContactID"]
    moved = call(
        "POST", f"/Contacts/{contact_id}",
        json={"Contacts": [{"Phones": [{"PhoneType": "MOBILE", "PhoneNumber": "0400"}]}]},
    ).json()["Contacts"][0]  # fmt: skip
    phones = {p["PhoneType"]: p["PhoneNumber"] for p in moved["Phones"]}
    assert (phones["DEFAULT"], phones["MOBILE"]) == ("2", "0400")
    assert moved["UpdatedDateUTC"] >= made["UpdatedDateUTC"]
    archived = call("POST", f"/Contacts/{contact_id}", json={"ContactStatus": "ARCHIVED"})
    assert archived.json()["Contacts"][0]["ContactStatus"] == "ARCHIVED"
    assert "Phone Book Ltd" not in names(call("GET", "/Contacts"))
    assert call("GET", f"/Contacts/{contact_id}").status_code == 200
    assert create_contact(call, Name="Phone Book Ltd")["ContactID"] != contact_id


def test_an_updated_phone_or_address_replaces_that_types_entry_whole(call) -> None:
    # As Xero does: a part left out of the entry sent (the area code here) is emptied; a type
    # not sent keeps its entry. This is how issue 14's copy lost Xero's area and country codes.
    made = create_contact(
        call,
        Name="Parts Replaced Ltd",
        Phones=[
            {"PhoneType": "DEFAULT", "PhoneNumber": "8905 9959", "PhoneAreaCode": "07",
             "PhoneCountryCode": "61"},
            {"PhoneType": "MOBILE", "PhoneNumber": "0400 000 000"},
        ],
        Addresses=[{"AddressType": "STREET", "AddressLine1": "1 Test St", "City": "Hobart",
                    "AttentionTo": "Accounts"}],
    )  # fmt: skip
    moved = call(
        "POST", f"/Contacts/{made['ContactID']}",
        json={"Contacts": [{
            "Phones": [{"PhoneType": "DEFAULT", "PhoneNumber": "61 07 8905 9959"}],
            "Addresses": [{"AddressType": "STREET", "City": "Hobart"}],
        }]},
    ).json()["Contacts"][0]  # fmt: skip
    phones = {p["PhoneType"]: p for p in moved["Phones"]}
    assert phones["DEFAULT"] == {
        "PhoneType": "DEFAULT", "PhoneNumber": "61 07 8905 9959", "PhoneAreaCode": "",
        "PhoneCountryCode": "",
    }  # fmt: skip
    assert phones["MOBILE"]["PhoneNumber"] == "0400 000 000"
    street = next(a for a in moved["Addresses"] if a["AddressType"] == "STREET")
    assert street == {"AddressType": "STREET", "City": "Hobart", "Region": "", "PostalCode": "",
                      "Country": ""}  # fmt: skip


def test_contact_persons_sent_replace_the_list_and_xero_keeps_five(call) -> None:
    person = {"FirstName": "Ann", "LastName": "Lee", "EmailAddress": "ann@people.test"}
    made = create_contact(call, Name="People Ltd", ContactPersons=[person])
    path = f"/Contacts/{made['ContactID']}"
    others = [{"FirstName": f"P{n}", "LastName": "Q"} for n in range(5)]
    too_many = call("POST", path, json={"Contacts": [{"ContactPersons": [person, *others]}]})
    assert messages(too_many) == ["A contact can have at most 5 contact persons."]
    replaced = call("POST", path, json={"Contacts": [{"ContactPersons": others[:1]}]})
    assert [p["FirstName"] for p in replaced.json()["Contacts"][0]["ContactPersons"]] == ["P0"]


# ------------------------------------------------------------------------------------ invoices


def invoice_numbers(answer) -> list[str]:
    assert answer.status_code == 200, answer.text[:500]
    return [i["InvoiceNumber"] for i in answer.json()["Invoices"]]


def test_invoice_list_filters(call) -> None:
    numbers = invoice_numbers(
        call("GET", "/Invoices", params={"InvoiceNumbers": "INV-0101,INV-0102"})
    )
    assert sorted(numbers) == ["INV-0101", "INV-0102"]
    some = Invoice.objects.filter(reference__startswith="PO-").first()
    by_reference = call("GET", "/Invoices", params={"searchTerm": some.reference.lower()})
    assert some.number in invoice_numbers(by_reference)
    by_id = call("GET", "/Invoices", params={"IDs": str(some.invoice_id)})
    assert invoice_numbers(by_id) == [some.number]
    statuses = call("GET", "/Invoices", params={"Statuses": "voided,DELETED"}).json()["Invoices"]
    assert statuses and {i["Status"] for i in statuses} == {"VOIDED", "DELETED"}
    assert all(i["AmountDue"] == 0 for i in statuses)
    bills = call("GET", "/Invoices", params={"where": 'Type=="ACCPAY"'}).json()["Invoices"]
    assert bills and {i["Type"] for i in bills} == {"ACCPAY"}


def test_unpaged_lists_leave_out_line_items(call) -> None:
    unpaged = call("GET", "/Invoices", params={"ContactIDs": str(seed.BIG_CUSTOMER_ID)}).json()
    assert "pagination" not in unpaged and len(unpaged["Invoices"]) == 120
    assert all("LineItems" not in i for i in unpaged["Invoices"])
    paged = call("GET", "/Invoices", params={"page": 1}).json()
    assert all(i["LineItems"] for i in paged["Invoices"])
    summary = call("GET", "/Invoices", params={"page": 1, "summaryOnly": "true"}).json()
    assert all("LineItems" not in i and "Payments" not in i for i in summary["Invoices"])


def test_get_an_invoice_by_id_or_number(call) -> None:
    by_number = call("GET", "/Invoices/INV-0101").json()["Invoices"][0]
    by_id = call("GET", f"/Invoices/{by_number['InvoiceID']}").json()["Invoices"][0]
    assert by_id == {**by_number}
    assert by_id["Contact"]["EmailAddress"] == "accounts@cityagency.com.au"


def test_if_modified_since_accepts_http_dates(call) -> None:
    recent = call(
        "GET", "/Invoices", headers={"If-Modified-Since": "Mon, 01 Jun 2026 00:00:00 GMT"}
    )
    iso = call("GET", "/Invoices", headers={"If-Modified-Since": "2026-06-01T00:00:00"})
    assert invoice_numbers(recent) == invoice_numbers(iso) != []
    assert len(invoice_numbers(recent)) < len(invoice_numbers(call("GET", "/Invoices")))


def put_invoice(call, tenant=None, headers=None, **fields):
    body = {"Type": "ACCREC", "Contact": {"ContactID": str(seed.BIG_CUSTOMER_ID)},
            "LineItems": [{"Description": "Work", "Quantity": 3, "UnitAmount": 33.33,
                           "AccountCode": "200"}], **fields}  # fmt: skip
    return call("PUT", "/Invoices", json={"Invoices": [body]}, tenant=tenant, headers=headers or {})


def test_created_invoices_number_themselves_and_total_up(call) -> None:
    first = put_invoice(call).json()["Invoices"][0]
    second = put_invoice(call).json()["Invoices"][0]
    assert first["Status"] == "DRAFT" and first["Type"] == "ACCREC"
    assert int(second["InvoiceNumber"][4:]) == int(first["InvoiceNumber"][4:]) + 1
    assert (first["SubTotal"], first["TotalTax"], first["Total"]) == (99.99, 10.0, 109.99)
    assert first["AmountDue"] == first["Total"] and first["AmountPaid"] == 0
    line = first["LineItems"][0]
    assert (line["LineAmount"], line["TaxAmount"], line["TaxType"]) == (99.99, 10.0, "OUTPUT")
    assert first["CurrencyCode"] == "AUD" and first["CurrencyRate"] == 1
    duplicate = put_invoice(call, InvoiceNumber=first["InvoiceNumber"])
    assert messages(duplicate) == ["Invoice # must be unique."]


def test_tax_rules_per_organisation_and_line_amount_type(call) -> None:
    nz_customer = Contact.objects.get(name="Boom FM")
    nz = put_invoice(
        call, tenant=seed.NZ_TENANT_ID, Contact={"ContactID": str(nz_customer.contact_id)}
    )
    nz = nz.json()["Invoices"][0]
    assert (nz["SubTotal"], nz["TotalTax"], nz["Total"]) == (99.99, 15.0, 114.99)
    assert nz["LineItems"][0]["TaxType"] == "OUTPUT2"
    inclusive = put_invoice(call, LineAmountTypes="Inclusive").json()["Invoices"][0]
    assert (inclusive["SubTotal"], inclusive["TotalTax"], inclusive["Total"]) == (
        90.90,
        9.09,
        99.99,
    )
    no_tax = put_invoice(call, LineAmountTypes="NoTax").json()["Invoices"][0]
    assert (no_tax["TotalTax"], no_tax["Total"], no_tax["LineItems"][0]["TaxType"]) == (
        0,
        99.99,
        "NONE",
    )
    exempt = put_invoice(
        call, LineItems=[{"Description": "Exempt", "UnitAmount": 50, "TaxType": "EXEMPTOUTPUT"}]
    ).json()["Invoices"][0]
    assert (exempt["TotalTax"], exempt["Total"]) == (0, 50)
    usd = put_invoice(call, CurrencyCode="USD").json()["Invoices"][0]
    assert (usd["CurrencyCode"], usd["CurrencyRate"]) == ("USD", 0.65)
    for invoice in (nz, inclusive, no_tax, exempt, usd):
        assert Decimal(str(invoice["SubTotal"])) + Decimal(str(invoice["TotalTax"])) == Decimal(
            str(invoice["Total"])
        )


INVOICE_ERRORS = [
    ({"Type": None}, "Invoice Type must be specified"),
    ({"Contact": None}, "A Contact must be specified for this type of transaction"),
    ({"Contact": {"ContactID": NIL}}, f"The contact with ContactID {NIL} could not be found."),
    ({"Status": "PAID"}, "Invoice not of valid status for creation"),
    ({"Status": "AUTHORISED", "LineItems": []}, "An approved invoice must have at least one"),
    ({"CurrencyCode": "JPY"}, "The currency JPY is not enabled for this organisation."),
    (
        {"LineItems": [{"Description": "x", "UnitAmount": 1, "AccountCode": "999"}]},
        "Account code '999' is not a valid code for this document.",
    ),
    (
        {"LineItems": [{"Description": "x", "UnitAmount": 1, "TaxType": "BOGUS"}]},
        "The TaxType code 'BOGUS' does not exist",
    ),
    (
        {"LineItems": [{"Description": "x", "Quantity": 2, "UnitAmount": 5, "LineAmount": 11}]},
        "The line total 11.00 does not match the expected line total 10.00",
    ),
    ({"LineItems": [{"Quantity": 2}]}, "Description needs to be at least 1 char long"),
    ({"Date": "31/12/2025"}, "Date is not a valid date."),
]


def test_invoice_validation(call) -> None:
    for fields, message in INVOICE_ERRORS:
        found = messages(put_invoice(call, **fields))
        assert any(m.startswith(message) for m in found), (fields, found)


def test_status_changes(call) -> None:
    made = put_invoice(call, Reference="Change me").json()["Invoices"][0]
    url = f"/Invoices/{made['InvoiceID']}"
    approved = call("POST", url, json={"Status": "AUTHORISED", "Reference": "Approved"})
    body = approved.json()["Invoices"][0]
    assert (body["Status"], body["Reference"]) == ("AUTHORISED", "Approved")
    assert body["DueDate"] and body["InvoiceNumber"] == made["InvoiceNumber"]
    assert messages(call("POST", url, json={"Status": "DRAFT"})) == [
        "Invoice not of valid status for modification"
    ]
    voided = call("POST", url, json={"Status": "VOIDED"}).json()["Invoices"][0]
    assert (voided["Status"], voided["AmountDue"]) == ("VOIDED", 0)
    paid = Invoice.objects.filter(status="PAID").first()
    assert messages(call("POST", f"/Invoices/{paid.invoice_id}", json={"Reference": "x"})) == [
        "Invoice not of valid status for modification"
    ]


def test_customer_and_supplier_flags_follow_new_invoices(call) -> None:
    contact = create_contact(call, Name="Flags Pty Ltd")
    assert (contact["IsCustomer"], contact["IsSupplier"]) == (False, False)
    put_invoice(call, Type="ACCPAY", Contact={"ContactID": contact["ContactID"]})
    again = call("GET", f"/Contacts/{contact['ContactID']}").json()["Contacts"][0]
    assert (again["IsCustomer"], again["IsSupplier"]) == (False, True)


# --------------------------------------------------------------------------------- idempotency


def test_a_repeated_idempotency_key_replays_the_first_answer_byte_for_byte(call) -> None:
    before = Contact.objects.count()
    headers = {"Idempotency-Key": "create-contact-42"}
    first = call("PUT", "/Contacts", json={"Contacts": [{"Name": "Once Only"}]}, headers=headers)
    again = call("PUT", "/Contacts", json={"Contacts": [{"Name": "Once Only"}]}, headers=headers)
    changed = call(
        "PUT", "/Contacts", json={"Contacts": [{"Name": "Something else"}]}, headers=headers
    )
    assert first.status_code == again.status_code == changed.status_code == 200
    assert first.content == again.content == changed.content
    assert Contact.objects.count() == before + 1
    nz = call("PUT", "/Contacts", json={"Contacts": [{"Name": "Once Only"}]}, headers=headers,
              tenant=seed.NZ_TENANT_ID)  # fmt: skip
    assert nz.status_code == 200 and nz.content != first.content
    too_long = call("PUT", "/Contacts", json={"Contacts": [{"Name": "x"}]},
                    headers={"Idempotency-Key": "k" * 129})  # fmt: skip
    assert too_long.status_code == 400


def test_errors_are_replayed_too(call) -> None:
    headers = {"Idempotency-Key": "bad-invoice"}
    first = put_invoice(call, Status="PAID", headers=headers)
    assert first.status_code == 400
    assert put_invoice(call, headers=headers).content == first.content


def test_concurrent_retries_with_one_key_create_one_invoice(xero_sandbox, call) -> None:
    xero_sandbox.set_latency(300)
    before = Invoice.objects.count()

    def create(_: int):
        return put_invoice(call, headers={"Idempotency-Key": "retry-storm"})

    with ThreadPoolExecutor(max_workers=3) as pool:
        answers = list(pool.map(create, range(3)))
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert len({a.content for a in answers}) == 1
    assert Invoice.objects.count() == before + 1
