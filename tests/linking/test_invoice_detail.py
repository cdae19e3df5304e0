"""An invoice, bill or credit note inside the CRM, against the sandbox: who may read one, what the
page shows (from the sandbox's own rows), Download PDF, the online invoice link, faults, and the
cache (warm: no call; a webhook naming it: asked again at the next opening)."""

from __future__ import annotations

import html
import io
import uuid
from decimal import Decimal

import pytest
from pypdf import PdfReader

from linking import services
from linking.models import XeroLink
from linking.views.invoice_detail import pdf_filename
from sandbox import actions, seed
from sandbox.models import Contact as XeroContact
from sandbox.models import CreditNote as XeroCreditNote
from sandbox.models import Invoice as XeroInvoice
from tests.factories import ContactFactory, OpportunityFactory, OrganizationFactory, XeroLinkFactory
from tests.sessions import sign_in_with_password_session

AU = seed.AU_TENANT_ID


def xero_contact(name: str) -> XeroContact:
    return XeroContact.objects.get(organisation__organisation_id=AU, name=name)


def linked_org(connection, name: str = "O'Brien Plumbing"):
    contact = xero_contact(name)
    org = OrganizationFactory(name=f"{name} (CRM)")
    XeroLinkFactory(
        record=org,
        tenant_id=connection.tenant_id,
        xero_type=XeroLink.XeroType.CONTACT,
        xero_id=contact.contact_id,
        xero_name=contact.name,
    )
    return org, contact


def part_paid_and_credited(contact: XeroContact) -> XeroInvoice:
    """A sales invoice of the contact with a payment and a credit note applied (seeded)."""
    rows = XeroInvoice.objects.filter(
        contact=contact, type="ACCREC", amount_paid__gt=0, amount_credited__gt=0
    )
    return rows.order_by("number").first()


def detail_url(record, kind: str, item_id, what: str = "invoices") -> str:
    return f"/xero/tab/{kind}/{record.pk}/{what}/{item_id}/"


def text_of(response) -> str:
    return html.unescape(response.content.decode())


def money(amount: Decimal) -> str:
    return f"{amount:,.2f}"


@pytest.fixture
def connection(sandbox_connection):
    return sandbox_connection


# ----------------------------------------------------------------------------------- the page


def test_an_sso_user_reads_an_invoice_with_its_lines_payments_and_credits(
    sso_user_client, connection
):
    org, contact = linked_org(connection)
    invoice = part_paid_and_credited(contact)
    assert invoice is not None
    response = sso_user_client.get(detail_url(org, "organization", invoice.invoice_id))
    assert response.status_code == 200
    page = text_of(response)
    assert 'data-testid="xero-invoice-detail"' in page
    assert f'data-testid="xero-detail-number">{invoice.number}<' in page
    assert "O'Brien Plumbing" in page
    assert 'data-testid="xero-detail-status">Awaiting payment<' in page
    lines = invoice.document["LineItems"]
    for line in lines:
        assert line["Description"] in page
    assert f'data-testid="xero-detail-total">{money(invoice.total)}<' in page
    assert f'data-testid="xero-detail-subtotal">{money(invoice.sub_total)}<' in page
    assert f'data-testid="xero-detail-amount-due">AUD {money(invoice.amount_due)}<' in page
    assert page.count('data-testid="xero-detail-payment"') == len(invoice.document["Payments"])
    note = XeroCreditNote.objects.filter(allocations__invoice=invoice).first()
    assert note is not None
    assert f"Credit note {note.number}" in page
    # Its buttons: the PDF, the online link (an authorised sales invoice), View in Xero.
    assert "Download PDF" in page and "Copy online invoice link" in page
    assert "View in Xero" in page
    # A whole page (a reload, no JS) with the way back to the record's tab.
    assert "<html" in page and f'href="{org.get_absolute_url()}#xero"' in page


def test_opened_from_the_tab_it_is_a_fragment(sso_user_client, connection):
    org, contact = linked_org(connection)
    invoice = part_paid_and_credited(contact)
    response = sso_user_client.get(
        detail_url(org, "organization", invoice.invoice_id), HTTP_HX_REQUEST="true"
    )
    page = text_of(response)
    assert "<html" not in page and 'data-testid="xero-invoice-detail"' in page
    assert f'hx-get="/xero/tab/organization/{org.pk}/"' in page  # Back to the list


def test_htmx_restoring_its_history_or_a_refresh_on_its_own_page_gets_the_page_back(
    sso_user_client, connection
):
    org, contact = linked_org(connection)
    invoice = part_paid_and_credited(contact)
    url = detail_url(org, "organization", invoice.invoice_id)
    restored = text_of(
        sso_user_client.get(url, HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true")
    )
    assert "<html" in restored
    refreshed = text_of(
        sso_user_client.post(
            url, HTTP_HX_REQUEST="true", HTTP_HX_CURRENT_URL=f"http://testserver{url}"
        )
    )
    assert "<html" not in refreshed and invoice.number in refreshed
    assert f'hx-get="/xero/tab/organization/{org.pk}/"' not in refreshed  # Back: a plain link
    assert f'href="{org.get_absolute_url()}#xero"' in refreshed


def test_quantities_have_no_trailing_zeros(sso_user_client, connection):
    org, contact = linked_org(connection)
    invoice = part_paid_and_credited(contact)
    page = text_of(sso_user_client.get(detail_url(org, "organization", invoice.invoice_id)))
    for line in invoice.document["LineItems"]:
        quantity = Decimal(str(line["Quantity"]))
        plain = format(quantity.normalize(), "f")
        assert f'<td class="num">{plain}</td>' in page


def test_the_contact_tab_links_each_number_to_its_detail(sso_user_client, connection):
    org, contact = linked_org(connection)
    page = text_of(sso_user_client.get(f"/xero/tab/organization/{org.pk}/"))
    invoice = part_paid_and_credited(contact)
    assert f'href="/xero/tab/organization/{org.pk}/invoices/{invoice.invoice_id}/"' in page
    note = XeroCreditNote.objects.filter(contact=contact).first()
    assert f'href="/xero/tab/organization/{org.pk}/credit-notes/{note.credit_note_id}/"' in page


def test_a_credit_note_shows_its_lines_and_allocations(sso_user_client, connection):
    org, contact = linked_org(connection)
    note = XeroCreditNote.objects.filter(contact=contact, allocations__isnull=False).first()
    response = sso_user_client.get(
        detail_url(org, "organization", note.credit_note_id, "credit-notes")
    )
    page = text_of(response)
    assert f'data-testid="xero-detail-number">{note.number}<' in page
    assert 'data-testid="xero-detail-allocations"' in page
    for allocation in note.allocations.select_related("invoice"):
        assert allocation.invoice.number in page
    assert f'data-testid="xero-detail-remaining">AUD {money(note.remaining_credit)}<' in page
    assert "Download PDF" not in page


def test_a_deal_opens_its_linked_invoice(sso_user_client, connection):
    invoice = XeroInvoice.objects.filter(
        organisation__organisation_id=AU, type="ACCREC", status="PAID"
    ).first()
    deal = OpportunityFactory()
    XeroLinkFactory(
        record=deal,
        tenant_id=connection.tenant_id,
        xero_type=XeroLink.XeroType.INVOICE,
        xero_id=invoice.invoice_id,
        xero_name=invoice.number,
    )
    page = text_of(sso_user_client.get(f"/xero/tab/opportunity/{deal.pk}/"))
    assert f'href="/xero/tab/opportunity/{deal.pk}/invoices/{invoice.invoice_id}/"' in page
    page = text_of(sso_user_client.get(detail_url(deal, "opportunity", invoice.invoice_id)))
    assert f'data-testid="xero-detail-number">{invoice.number}<' in page
    assert 'data-testid="xero-detail-status">Paid<' in page


# ------------------------------------------------------------------------------------- access


def test_a_password_session_is_refused(client, sso_user, connection):
    org, contact = linked_org(connection)
    invoice = part_paid_and_credited(contact)
    sign_in_with_password_session(client, sso_user)
    for path in ("", "pdf", "online-link"):
        response = client.get(detail_url(org, "organization", invoice.invoice_id) + path)
        assert response.status_code == 403
        assert "Xero data is shown only to people who signed in" in text_of(response)
        assert invoice.number not in text_of(response)


def test_an_invoice_the_record_does_not_show_is_a_404(sso_user_client, connection):
    org, contact = linked_org(connection)
    other = XeroInvoice.objects.filter(organisation__organisation_id=AU).exclude(contact=contact)
    for invoice_id in (uuid.uuid4(), other.first().invoice_id):
        for path in ("", "pdf", "online-link"):
            url = detail_url(org, "organization", invoice_id) + path
            assert sso_user_client.get(url).status_code == 404
    # Nor is a record without a link, nor a credit note on a deal.
    unlinked = ContactFactory()
    invoice = part_paid_and_credited(contact)
    assert (
        sso_user_client.get(detail_url(unlinked, "contact", invoice.invoice_id)).status_code == 404
    )
    deal = OpportunityFactory()
    note = XeroCreditNote.objects.filter(contact=contact).first()
    url = detail_url(deal, "opportunity", note.credit_note_id, "credit-notes")
    assert sso_user_client.get(url).status_code == 404


def test_an_invoice_of_another_organisation_is_a_404(sso_user_client, connection):
    invoice = XeroInvoice.objects.filter(organisation__organisation_id=seed.NZ_TENANT_ID).first()
    deal = OpportunityFactory()
    XeroLinkFactory(
        record=deal,
        tenant_id=seed.NZ_TENANT_ID,  # linked while another organisation was connected
        xero_type=XeroLink.XeroType.INVOICE,
        xero_id=invoice.invoice_id,
        xero_name=invoice.number,
    )
    assert (
        sso_user_client.get(detail_url(deal, "opportunity", invoice.invoice_id)).status_code == 404
    )


# ------------------------------------------------------------------------------------- faults


def test_xero_down_is_said_and_the_page_still_renders(sso_user_client, connection, xero_sandbox):
    org, contact = linked_org(connection)
    invoice = part_paid_and_credited(contact)
    sso_user_client.get(f"/xero/tab/organization/{org.pk}/")  # the tab was open
    xero_sandbox.fail_next(5, status=500)
    response = sso_user_client.get(detail_url(org, "organization", invoice.invoice_id))
    assert response.status_code == 200
    page = text_of(response)
    assert "Xero is unavailable right now (HTTP 500)" in page
    assert "Try again" in page and "Back to the list" in page


def test_an_invoice_gone_from_xero_is_said(sso_user_client, connection):
    invoice_id = uuid.uuid4()
    deal = OpportunityFactory()
    XeroLinkFactory(
        record=deal,
        tenant_id=connection.tenant_id,
        xero_type=XeroLink.XeroType.INVOICE,
        xero_id=invoice_id,
        xero_name="INV-GONE",
    )
    response = sso_user_client.get(detail_url(deal, "opportunity", invoice_id))
    assert response.status_code == 200
    assert "no longer exists in Xero" in text_of(response)


# ---------------------------------------------------------------------------------------- PDF


def test_download_pdf_is_xeros_pdf_named_by_the_number(sso_user_client, connection):
    org, contact = linked_org(connection)
    invoice = part_paid_and_credited(contact)
    response = sso_user_client.get(detail_url(org, "organization", invoice.invoice_id) + "pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{invoice.number}.pdf"'
    assert "no-store" in response["Cache-Control"]
    body = b"".join(response.streaming_content)
    assert body.startswith(b"%PDF-")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)
    assert invoice.number in text


def test_a_pdf_file_name_keeps_only_safe_characters():
    assert pdf_filename("INV-0001") == "INV-0001.pdf"
    assert pdf_filename('../a "b"\r\nc') == "a-b-c.pdf"
    assert pdf_filename("") == "invoice.pdf"


def test_download_pdf_when_xero_is_down_says_so(sso_user_client, connection, xero_sandbox):
    org, contact = linked_org(connection)
    invoice = part_paid_and_credited(contact)
    sso_user_client.get(f"/xero/tab/organization/{org.pk}/")
    xero_sandbox.fail_next(1, status=500)
    response = sso_user_client.get(detail_url(org, "organization", invoice.invoice_id) + "pdf")
    assert response.status_code == 502
    assert "Xero is unavailable right now (HTTP 500)" in text_of(response)


# ------------------------------------------------------------------------- online invoice link


def test_the_online_link_of_an_authorised_invoice(sso_user_client, connection, xero_sandbox):
    org, contact = linked_org(connection)
    invoice = part_paid_and_credited(contact)
    response = sso_user_client.get(
        detail_url(org, "organization", invoice.invoice_id) + "online-link", HTTP_HX_REQUEST="true"
    )
    page = text_of(response)
    url = f"{xero_sandbox.url}/in/{invoice.invoice_id.hex}"
    assert f'value="{url}"' in page and f">{url}</a>" in page
    assert "data-copy=" in page


def test_a_draft_has_no_online_link_and_xero_says_why(sso_user_client, connection):
    org, contact = linked_org(connection)
    draft = XeroInvoice.objects.filter(contact=contact, status="DRAFT").first()
    page = text_of(sso_user_client.get(detail_url(org, "organization", draft.invoice_id)))
    assert "Copy online invoice link" not in page
    answer = text_of(
        sso_user_client.get(detail_url(org, "organization", draft.invoice_id) + "online-link")
    )
    assert (
        "Xero: An online invoice can only be retrieved for a sales invoice that is AUTHORISED "
        "or PAID." in answer
    )


# -------------------------------------------------------------------------------------- cache


def test_a_warm_detail_asks_xero_nothing(sso_user_client, connection, xero_sandbox):
    org, contact = linked_org(connection)
    invoice = part_paid_and_credited(contact)
    url = detail_url(org, "organization", invoice.invoice_id)
    sso_user_client.get(url)
    before = xero_sandbox.api_calls(AU)
    assert invoice.number in text_of(sso_user_client.get(url))
    assert xero_sandbox.api_calls(AU) == before


def test_a_webhook_for_the_invoice_makes_the_next_opening_fresh(
    sso_user_client, connection, xero_sandbox
):
    org, contact = linked_org(connection)
    invoice = part_paid_and_credited(contact)
    url = detail_url(org, "organization", invoice.invoice_id)
    sso_user_client.get(url)
    paid = actions.pay_invoice(invoice, Decimal("10.00"), base_url=xero_sandbox.url)
    # Until Xero says so, the cached detail stands; then the webhook's event drops it.
    services.webhook_events_apply([xero_sandbox.webhook_event(AU, "INVOICE", invoice.invoice_id)])
    page = text_of(sso_user_client.get(url))
    assert f'data-testid="xero-detail-amount-due">AUD {money(paid.amount_due)}<' in page
    assert page.count('data-testid="xero-detail-payment"') == len(paid.document["Payments"])


def test_a_credit_note_webhook_makes_its_next_opening_ask_xero(
    sso_user_client, connection, xero_sandbox
):
    org, contact = linked_org(connection)
    note = XeroCreditNote.objects.filter(contact=contact).order_by("number").first()
    url = detail_url(org, "organization", note.credit_note_id, "credit-notes")
    sso_user_client.get(url)
    warm = xero_sandbox.api_calls(AU)
    sso_user_client.get(url)
    assert xero_sandbox.api_calls(AU) == warm
    services.webhook_events_apply(
        [xero_sandbox.webhook_event(AU, "CREDITNOTE", note.credit_note_id)]
    )
    after_webhook = xero_sandbox.api_calls(AU)
    assert note.number in text_of(sso_user_client.get(url))
    assert xero_sandbox.api_calls(AU) == after_webhook + 1  # GET /CreditNotes/{id}
