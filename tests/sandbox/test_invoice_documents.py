"""An invoice as a document: its PDF (GET /Invoices/{id} with Accept: application/pdf) and its
online invoice link (GET /Invoices/{id}/OnlineInvoice)."""

from __future__ import annotations

import io
import os
import re

import pypdf
import pytest
import requests
from xero_python.exceptions import AccountingBadRequestException

from sandbox import seed
from sandbox.models import Invoice as InvoiceRow
from tests.sandbox import spec
from tests.sandbox.helpers import api, make_sdk

AU = seed.AU_TENANT_ID
NZ = seed.NZ_TENANT_ID


@pytest.fixture
def tokens(xero_sandbox):
    return xero_sandbox.mint_tokens()


@pytest.fixture
def sdk(xero_sandbox, tokens, monkeypatch):
    return make_sdk(xero_sandbox, tokens, monkeypatch)


def dated(tenant, key: str) -> InvoiceRow:
    return InvoiceRow.objects.get(invoice_id=seed.stable_id(tenant, "invoice", f"dated:{key}"))


def check_structure(content: bytes) -> None:
    """Every cross-reference entry points at its object: what a viewer relies on."""
    assert content.startswith(b"%PDF-1.4\n") and content.rstrip().endswith(b"%%EOF")
    start = int(re.search(rb"startxref\n(\d+)\n", content)[1])
    assert content[start : start + 4] == b"xref"
    count = int(re.match(rb"xref\n0 (\d+)\n", content[start:])[1])
    entries = re.findall(rb"(\d{10}) 00000 n ", content[start:])
    assert len(entries) == count - 1
    for number, offset in enumerate(entries, start=1):
        assert content[int(offset) :].startswith(b"%d 0 obj\n" % number)


def test_the_pdf_through_the_sdk_shows_number_contact_lines_and_total(sdk, xero_sandbox) -> None:
    created = api(
        xero_sandbox, xero_sandbox.mint_tokens(), "PUT", "/Invoices",
        json={"Invoices": [{
            "Type": "ACCREC", "Contact": {"ContactID": str(seed.BIG_CUSTOMER_ID)},
            "Reference": "PO (77) \\ back",
            "LineItems": [
                {"ItemCode": "TRAINING", "Quantity": 2,
                 "Tracking": [{"Name": "Region", "Option": "North"}]},
                {"ItemCode": "SUPPORT-ANNUAL", "Quantity": 1, "DiscountRate": 10},
                {"ItemCode": "HW-KIT", "Quantity": 4},
            ],
        }]},
    ).json()["Invoices"][0]  # fmt: skip
    path = sdk.accounting.get_invoice_as_pdf(str(AU), created["InvoiceID"])
    try:
        with open(path, "rb") as f:
            content = f.read()
    finally:
        os.remove(path)
    check_structure(content)
    reader = pypdf.PdfReader(io.BytesIO(content), strict=True)
    text = "\n".join(page.extract_text() for page in reader.pages)
    total = f"{created['Total']:,.2f}"
    assert total == "8,667.78"  # 1,800 + 4,680 + 1,399.80, plus 10% GST
    for expected in (created["InvoiceNumber"], "City Agency", "Training session",
                     "Annual support plan", "Hardware kit", "1,399.80", "10%", total,
                     "Region: North", "PO (77) \\ back", "Standard"):  # fmt: skip
        assert expected in text, expected
    # The text is searchable in the file itself (uncompressed content streams).
    assert created["InvoiceNumber"].encode() in content and total.encode() in content


def test_the_pdf_over_http_and_for_unknown_invoices(xero_sandbox, tokens) -> None:
    invoice = dated(NZ, "cafe:gbp-50")
    answer = api(
        xero_sandbox, tokens, "GET", f"/Invoices/{invoice.invoice_id}", tenant=NZ,
        headers={"Accept": "application/pdf"},
    )  # fmt: skip
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "application/pdf"
    assert "Content-Disposition" not in answer.headers
    text = pypdf.PdfReader(io.BytesIO(answer.content), strict=True).pages[0].extract_text()
    assert "Café Ümlaut" in text and invoice.number in text and "GBP" in text
    assert f"{invoice.total:,.2f}" in text
    by_number = api(
        xero_sandbox, tokens, "GET", f"/Invoices/{invoice.number}", tenant=NZ,
        headers={"Accept": "application/pdf"},
    )  # fmt: skip
    assert by_number.content.startswith(b"%PDF-")
    missing = api(
        xero_sandbox, tokens, "GET", f"/Invoices/{seed.NZ_TENANT_ID}",
        headers={"Accept": "application/pdf"},
    )  # fmt: skip
    assert missing.status_code == 404
    as_json = api(xero_sandbox, tokens, "GET", f"/Invoices/{invoice.invoice_id}", tenant=NZ)
    assert as_json.headers["Content-Type"].startswith("application/json")


def test_a_long_invoice_runs_over_several_pages(xero_sandbox, tokens) -> None:
    lines = [{"Description": f"Line number {n} " + "word " * 20, "UnitAmount": n,
              "AccountCode": "200"} for n in range(1, 61)]  # fmt: skip
    made = api(
        xero_sandbox, tokens, "PUT", "/Invoices",
        json={"Invoices": [{"Type": "ACCREC", "LineItems": lines,
                            "Contact": {"ContactID": str(seed.BIG_CUSTOMER_ID)}}]},
    ).json()["Invoices"][0]  # fmt: skip
    answer = api(
        xero_sandbox, tokens, "GET", f"/Invoices/{made['InvoiceID']}",
        headers={"Accept": "application/pdf"},
    )  # fmt: skip
    check_structure(answer.content)
    reader = pypdf.PdfReader(io.BytesIO(answer.content), strict=True)
    assert len(reader.pages) > 1
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Line number 60" in text and f"{made['Total']:,.2f}" in text
    assert f"page {len(reader.pages)} of {len(reader.pages)}" in text


def test_the_online_invoice_of_an_approved_sales_invoice(sdk, xero_sandbox, tokens) -> None:
    invoice = dated(AU, "obrien:current")
    assert invoice.status == "AUTHORISED"
    answer = api(xero_sandbox, tokens, "GET", f"/Invoices/{invoice.invoice_id}/OnlineInvoice")
    assert answer.status_code == 200
    spec.validate_accounting(answer.json(), "/Invoices/{InvoiceID}/OnlineInvoice", "get")
    url = sdk.accounting.get_online_invoice(str(AU), str(invoice.invoice_id)).online_invoices[0]
    assert url.online_invoice_url == answer.json()["OnlineInvoices"][0]["OnlineInvoiceUrl"]
    page = requests.get(url.online_invoice_url, timeout=10)
    assert page.status_code == 200
    assert invoice.number in page.text and "O&#x27;Brien Plumbing" in page.text
    assert 'data-testid="sandbox-online-invoice"' in page.text
    paid = dated(AU, "obrien:paid-1")
    assert sdk.accounting.get_online_invoice(str(AU), str(paid.invoice_id)).online_invoices


def test_no_online_invoice_for_drafts_bills_or_voided_ones(sdk, xero_sandbox) -> None:
    for key in ("obrien:draft", "young-bros:bill-15", "obrien:voided"):
        invoice = dated(AU, key)
        with pytest.raises(AccountingBadRequestException) as caught:
            sdk.accounting.get_online_invoice(str(AU), str(invoice.invoice_id))
        body = caught.value.error_data
        assert body["Type"] == "ValidationException"
        assert body["Elements"][0]["ValidationErrors"][0]["Message"] == (
            "An online invoice can only be retrieved for a sales invoice that is AUTHORISED "
            "or PAID."
        )
    draft = dated(AU, "obrien:draft")
    page = requests.get(f"{xero_sandbox.url}/in/{draft.invoice_id.hex}", timeout=10)
    assert page.status_code == 404
