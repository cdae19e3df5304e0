"""Deep links into Xero's web app (go.xero.com), served by the sandbox as read-only pages."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
import requests

from sandbox import seed
from sandbox.models import Contact, Invoice

pytestmark = pytest.mark.django_db(transaction=True)


def open_link(sandbox, redirect: str, short_code: str = seed.AU_SHORT_CODE, **kwargs):
    """GET a deep link, encoded as a browser would send it."""
    query = urlencode({"shortcode": short_code, "redirecturl": redirect})
    return requests.get(
        f"{sandbox.url}/organisationlogin/default.aspx?{query}", timeout=10, **kwargs
    )


def heading(answer: requests.Response) -> str:
    start = answer.text.index("<h1>") + 4
    return answer.text[start : answer.text.index("</h1>", start)]


def test_a_contact_link_shows_the_contact(xero_sandbox) -> None:
    contact = Contact.objects.get(contact_id=seed.BIG_CUSTOMER_ID)
    answer = open_link(
        xero_sandbox,
        f"/Contacts/View/{contact.contact_id}",
        cookies={"sessionid": "crm-session"},
    )
    assert answer.status_code == 200
    assert heading(answer) == "Contact: City Agency"
    assert "<title>Contact: City Agency - Demo Company (AU) - Xero sandbox</title>" in answer.text
    for text in ("accounts@cityagency.com.au", "+61 7 3555 0103", "Brisbane", "CUST-0001"):
        assert text in answer.text
    assert "Set-Cookie" not in answer.headers


def test_an_invoice_link_and_a_bill_link_show_the_item(xero_sandbox) -> None:
    invoice = Invoice.objects.filter(
        organisation__organisation_id=seed.AU_TENANT_ID, type="ACCREC", status="AUTHORISED"
    ).first()
    answer = open_link(
        xero_sandbox, f"/AccountsReceivable/View.aspx?InvoiceID={invoice.invoice_id}"
    )
    assert answer.status_code == 200
    assert heading(answer) == f"Invoice {invoice.number}"
    for text in (
        invoice.contact.name,
        "Awaiting payment",
        invoice.currency,
        f"{invoice.total:,.2f}",
    ):
        assert text in answer.text
    assert invoice.document["LineItems"][0]["Description"] in answer.text

    bill = Invoice.objects.filter(
        organisation__organisation_id=seed.NZ_TENANT_ID, type="ACCPAY"
    ).first()
    answer = open_link(
        xero_sandbox,
        f"/AccountsPayable/Edit.aspx?InvoiceID={bill.invoice_id}",
        short_code=seed.NZ_SHORT_CODE,
    )
    assert answer.status_code == 200
    assert heading(answer) == f"Bill {bill.number}"
    assert bill.contact.name in answer.text and f"{bill.total:,.2f}" in answer.text


def test_the_unencoded_form_the_crm_writes_works_too(xero_sandbox) -> None:
    # Xero's documentation puts the redirect path into the query string as it is.
    invoice = Invoice.objects.filter(type="ACCREC", organisation__short_code=seed.AU_SHORT_CODE)[0]
    url = (
        f"{xero_sandbox.url}/organisationlogin/default.aspx?shortcode={seed.AU_SHORT_CODE}"
        f"&redirecturl=/AccountsReceivable/View.aspx?InvoiceID={invoice.invoice_id}"
    )
    answer = requests.get(url, timeout=10)
    assert answer.status_code == 200 and heading(answer) == f"Invoice {invoice.number}"


@pytest.mark.parametrize(
    ("short_code", "redirect"),
    [
        ("!nope1", "/Contacts/View/{contact}"),  # unknown short code
        ("", "/Contacts/View/{contact}"),  # no short code
        (seed.NZ_SHORT_CODE, "/Contacts/View/{contact}"),  # another organisation's contact
        (seed.AU_SHORT_CODE, "/Contacts/View/4b6a1c3e-0000-4e7a-9c51-2d8e0f7a3b61"),  # no such id
        (seed.AU_SHORT_CODE, "/Contacts/View/not-a-uuid"),
        (seed.AU_SHORT_CODE, "/AccountsPayable/Edit.aspx?InvoiceID={invoice}"),  # not a bill
        (seed.AU_SHORT_CODE, "/AccountsReceivable/View.aspx"),  # no id
        (seed.AU_SHORT_CODE, "/Reports/Index.aspx"),  # a page the sandbox does not stand in for
        (seed.AU_SHORT_CODE, ""),
    ],
)
def test_anything_else_is_a_404_page(xero_sandbox, short_code, redirect) -> None:
    invoice = Invoice.objects.filter(type="ACCREC", organisation__short_code=seed.AU_SHORT_CODE)[0]
    target = redirect.format(contact=seed.BIG_CUSTOMER_ID, invoice=invoice.invoice_id)
    answer = open_link(xero_sandbox, target, short_code=short_code)
    assert answer.status_code == 404
    assert "<h1>Page not found</h1>" in answer.text
    assert "Set-Cookie" not in answer.headers


def test_only_get(xero_sandbox) -> None:
    answer = requests.post(
        f"{xero_sandbox.url}/organisationlogin/default.aspx",
        data={"shortcode": seed.AU_SHORT_CODE},
        timeout=10,
    )
    assert answer.status_code == 405


def test_a_credit_note_link_shows_the_credit_note(xero_sandbox) -> None:
    from sandbox.models import CreditNote

    note = CreditNote.objects.get(
        credit_note_id=seed.stable_id(seed.AU_TENANT_ID, "credit-note", "obrien:part")
    )
    answer = open_link(
        xero_sandbox, f"/AccountsReceivable/ViewCreditNote.aspx?creditNoteID={note.credit_note_id}"
    )
    assert answer.status_code == 200
    assert heading(answer) == f"Credit note {note.number}"
    assert "Remaining credit" in answer.text and f"{note.remaining_credit:,.2f}" in answer.text
    wrong_side = open_link(
        xero_sandbox, f"/AccountsPayable/ViewCreditNote.aspx?creditNoteID={note.credit_note_id}"
    )
    assert wrong_side.status_code == 404
    supplier = CreditNote.objects.filter(
        organisation__organisation_id=seed.AU_TENANT_ID, type="ACCPAYCREDIT"
    ).first()
    path = f"/AccountsPayable/ViewCreditNote.aspx?creditNoteID={supplier.credit_note_id}"
    assert heading(open_link(xero_sandbox, path)).startswith("Credit note")
    credited = Invoice.objects.filter(
        organisation__organisation_id=seed.AU_TENANT_ID, amount_credited__gt=0, type="ACCREC"
    ).first()
    page = open_link(xero_sandbox, f"/AccountsReceivable/View.aspx?InvoiceID={credited.invoice_id}")
    assert "Amount credited" in page.text and f"{credited.amount_credited:,.2f}" in page.text
