"""The invoice composer as a person uses it, against the in-process sandbox: Xero's choices on
the form, the due date's source, a warm form costing no Xero call, the live total, picking an
item, "Use for every line", checks before sending, Xero's refusals at their field, and the
draft Xero stores: every field as the form showed it."""

from __future__ import annotations

import html
import json
import re
import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from linking import composer
from linking.models import AuditEntry, XeroLink
from sandbox import dbguard, seed
from sandbox.models import Account as XeroAccount
from sandbox.models import Invoice as XeroInvoice
from sandbox.models import TrackingCategory as XeroTrackingCategory
from tests.factories import OpportunityFactory, OpportunityLineItemFactory
from tests.linking.test_reads import Wire, linked_org, open_tab, tab_url
from tests.linking.test_reads import wire as _record_wire

AU = seed.AU_TENANT_ID


@pytest.fixture
def connection(sandbox_connection):
    return sandbox_connection


@pytest.fixture
def wire(xero_sandbox, sandbox_server, monkeypatch) -> Wire:
    return _record_wire.__wrapped__(xero_sandbox, sandbox_server, monkeypatch)


def text_of(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def shown(page: str, testid: str) -> list[str]:
    return [
        text_of(m)
        for m in re.findall(rf'data-testid="{testid}"[^>]*>(.*?)</(?:td|dd|p|div)>', page, re.S)
    ]


def errors_of(page: str, field_id: str) -> str:
    found = re.search(rf'id="{field_id}_error"[^>]*>(.*?)</div>', page, re.S)
    return text_of(found.group(1)) if found else ""


def region() -> tuple[str, dict[str, str]]:
    with dbguard.guard():
        category = XeroTrackingCategory.objects.get(organisation__organisation_id=AU, name="Region")
        options = {o.name: str(o.tracking_option_id) for o in category.options.all()}
    return str(category.tracking_category_id), options


def form(lines: list[dict[str, str]], **header: str) -> dict[str, str]:
    today = date(2026, 11, 2)
    data = {
        "token": uuid.uuid4().hex,
        "date": today.isoformat(),
        "due_date": (today + timedelta(days=48)).isoformat(),
        "reference": "Composer",
        "currency": "AUD",
        "amount_type": "Exclusive",
        "lines-TOTAL_FORMS": str(len(lines)),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "1",
        "lines-MAX_NUM_FORMS": "1000",
        **header,
    }
    for index, line in enumerate(lines):
        data.update({composer.line_field(index, k): v for k, v in line.items()})
    return data


RETAINER = {"description": "Retainer", "quantity": "2", "unit_price": "4199.90",
            "account_code": "200", "tax_type": "OUTPUT"}  # fmt: skip
COURSE = {"description": "Course", "quantity": "1", "unit_price": "950",
          "account_code": "260", "tax_type": "EXEMPTOUTPUT"}  # fmt: skip


# ------------------------------------------------------------------ the form


def test_the_form_offers_xeros_accounts_tax_rates_items_tracking_and_themes(
    connection, sso_user_client
):
    org, _ = linked_org(connection, "Basket Case")
    page = sso_user_client.get(f"{tab_url(org)}invoice").content.decode()
    assert "200 — Sales" in page and "260 — Other Revenue" in page
    assert "250 — Legacy Service Income" not in page  # archived: not offered
    assert "300 — Purchases" not in page  # not revenue
    assert "GST on Income (10%)" in page and "GST Free Income (0%)" in page
    assert "GST on Expenses" not in page  # does not apply to revenue
    assert '<option value="RETAINER">RETAINER — Agency retainer (monthly)</option>' in page
    assert ">North<" in page and "Central (old)" not in page  # active options only
    assert "Department" not in page  # an archived category has no select
    assert ">Standard<" in page and ">Special Projects<" in page
    assert ">Tax exclusive<" in page and ">Tax inclusive<" in page and ">No tax<" in page
    # Basket Case has no terms of its own: the organisation's (20th of the following month).
    today = timezone.localdate()
    assert shown(page, "due-date-source") == [
        "Due from the organisation's payment terms (20th of the following month)."
    ]
    due = composer.due_date(today, composer.xero.PaymentTerm(20, "OFFOLLOWINGMONTH"))
    assert f'value="{due.isoformat()}"' in page


def test_a_contacts_own_terms_and_amount_type_are_the_defaults(connection, sso_user_client):
    org, _ = linked_org(connection, "Marine Systems")
    page = sso_user_client.get(f"{tab_url(org)}invoice").content.decode()
    assert shown(page, "due-date-source") == [
        "Due from the contact's payment terms (30 days after the end of the invoice month)."
    ]
    assert re.search(r'<option value="Inclusive" selected>Tax inclusive</option>', page)


def test_a_warm_form_asks_xero_nothing(connection, sso_user_client, wire):
    org, _ = linked_org(connection, "Basket Case")
    open_tab(sso_user_client, org)
    sso_user_client.get(f"{tab_url(org)}invoice")
    wire.clear()
    assert sso_user_client.get(f"{tab_url(org)}invoice").status_code == 200
    assert (
        sso_user_client.post(f"{tab_url(org)}invoice-preview", form([RETAINER])).status_code == 200
    )
    assert list(wire) == []


# ------------------------------------------------------------------ the live total


def test_the_preview_shows_subtotal_tax_per_rate_and_total(connection, sso_user_client):
    org, _ = linked_org(connection, "Basket Case")
    discounted = {**RETAINER, "quantity": "1.2345", "discount_rate": "12.5"}
    response = sso_user_client.post(f"{tab_url(org)}invoice-preview", form([discounted, COURSE]))
    page = response.content.decode()
    # 1.2345 x 4199.90 x 0.875 = 4536.679... -> 4536.68; GST 453.67; course 950, no tax.
    assert shown(page, "draft-subtotal") == ["5,486.68"]
    assert shown(page, "draft-tax") == ["453.67"]
    assert shown(page, "draft-total") == ["5,940.35"]
    inclusive = sso_user_client.post(
        f"{tab_url(org)}invoice-preview", form([RETAINER], amount_type="Inclusive")
    ).content.decode()
    assert shown(inclusive, "draft-total") == ["8,399.80"]
    assert shown(inclusive, "draft-tax") == ["763.62"]  # 8399.80 x 10/110


def test_work_out_total_without_javascript_rerenders_the_form_with_the_total(
    connection, sso_user_client, wire
):
    org, _ = linked_org(connection, "Basket Case")
    page = sso_user_client.post(
        f"{tab_url(org)}invoice", form([RETAINER], action="preview")
    ).content.decode()
    assert shown(page, "draft-total") == ["9,239.78"]
    assert not [r for r in wire if r.method == "PUT"]


def test_picking_an_item_fills_its_line_from_xero(connection, sso_user_client):
    org, _ = linked_org(connection, "Basket Case")
    data = form([{"item_code": "TRAINING", "quantity": "3"}], line="0")
    response = sso_user_client.post(f"{tab_url(org)}invoice-line", data)
    page = response.content.decode()
    assert 'value="Training session"' in page
    assert 'value="900.00"' in page or 'value="900.0000"' in page
    assert re.search(r'<option value="260" selected>260 — Other Revenue</option>', page)
    assert re.search(r'<option value="OUTPUT" selected>GST on Income \(10%\)</option>', page)
    assert shown(page, "line-amount") == ["2,700.00"]  # 3 x 900
    # Once the line is in place, the lines ask for the total again.
    assert json.loads(response["HX-Trigger-After-Settle"]) == {
        "composer-changed": {"target": "#composer-lines"}
    }


def test_use_for_every_line_sets_the_account_and_the_tax_rate_of_all_lines(
    connection, sso_user_client
):
    org, _ = linked_org(connection, "Basket Case")
    lines = [COURSE, RETAINER, {**RETAINER, "account_code": "210"}]
    page = sso_user_client.post(
        f"{tab_url(org)}invoice", form(lines, action="every-tax-0")
    ).content.decode()
    assert len(re.findall(r'<option value="EXEMPTOUTPUT" selected>', page)) == 3
    page = sso_user_client.post(
        f"{tab_url(org)}invoice", form(lines, action="every-account-1")
    ).content.decode()
    assert len(re.findall(r'<option value="200" selected>', page)) == 3
    assert XeroInvoice.objects.filter(reference="Composer").count() == 0


# ------------------------------------------------------------------ checks and refusals


def test_an_archived_account_is_refused_at_its_field_before_anything_is_sent(
    connection, sso_user_client, wire
):
    org, _ = linked_org(connection, "Basket Case")
    sso_user_client.get(f"{tab_url(org)}invoice")
    wire.clear()
    page = sso_user_client.post(
        f"{tab_url(org)}invoice", form([COURSE, {**RETAINER, "account_code": "250"}])
    ).content.decode()
    assert errors_of(page, "id_lines-1-account_code") == "Account 250 is archived in Xero."
    assert "250 (not an active revenue account)" in page
    assert list(wire) == []  # nothing sent
    assert not AuditEntry.objects.filter(action="create_invoice").exists()


def test_a_tracking_option_that_is_archived_is_refused(connection, sso_user_client):
    org, _ = linked_org(connection, "Basket Case")
    category_id, options = region()
    line = {**RETAINER, f"tracking_{category_id}": options["Central (old)"]}
    page = sso_user_client.post(f"{tab_url(org)}invoice", form([line])).content.decode()
    assert errors_of(page, f"id_lines-0-tracking_{category_id}") == (
        "Central (old) is no longer an active option of Region."
    )


def test_xeros_refusal_is_shown_at_the_field_it_names_and_nothing_is_linked(
    connection, sso_user_client
):
    org, _ = linked_org(connection, "Basket Case")
    sso_user_client.get(f"{tab_url(org)}invoice")  # Xero's choices cached: 260 active
    with dbguard.guard():
        XeroAccount.objects.filter(organisation__organisation_id=AU, code="260").update(
            status="ARCHIVED"
        )
    page = sso_user_client.post(f"{tab_url(org)}invoice", form([RETAINER, COURSE])).content.decode()
    said = errors_of(page, "id_lines-1-account_code")
    assert said.startswith("Xero: ") and "260" in said
    assert errors_of(page, "id_lines-0-account_code") == ""
    assert "Xero refused the draft: see the fields marked." in text_of(page)
    assert not XeroInvoice.objects.filter(reference="Composer").exists()
    assert XeroLink.objects.filter(xero_type=XeroLink.XeroType.INVOICE).count() == 0


# ------------------------------------------------------------------ create


def test_the_draft_xero_stores_has_every_field_the_form_showed(connection, sso_user_client):
    org, contact = linked_org(connection, "Basket Case")
    page = sso_user_client.get(f"{tab_url(org)}invoice").content.decode()
    special = re.search(r'<option value="([0-9a-f-]{36})">Special Projects</option>', page)[1]
    category_id, options = region()
    lines = [
        {**RETAINER, "item_code": "RETAINER", "discount_rate": "5",
         f"tracking_{category_id}": options["North"]},
        {**COURSE, "quantity": "2.5"},
    ]  # fmt: skip
    data = form(lines, branding_theme_id=special, currency="USD", reference="Every field")
    preview = sso_user_client.post(f"{tab_url(org)}invoice-preview", data).content.decode()
    response = sso_user_client.post(f"{tab_url(org)}invoice", data)
    again = sso_user_client.post(f"{tab_url(org)}invoice", data)  # double submit: same token

    with dbguard.guard():
        (stored,) = XeroInvoice.objects.filter(contact=contact, reference="Every field")
    doc = stored.document
    assert (stored.status, stored.currency, stored.line_amount_types) == (
        "DRAFT",
        "USD",
        "Exclusive",
    )
    assert (stored.date, stored.due_date) == (date(2026, 11, 2), date(2026, 12, 20))
    assert doc["BrandingThemeID"] == special
    first, second = doc["LineItems"]
    assert (first["ItemCode"], first["AccountCode"], first["TaxType"]) == (
        "RETAINER",
        "200",
        "OUTPUT",
    )
    assert Decimal(str(first["DiscountRate"])) == Decimal("5")
    assert [(t["Name"], t["Option"]) for t in first["Tracking"]] == [("Region", "North")]
    assert (second["AccountCode"], second["TaxType"]) == ("260", "EXEMPTOUTPUT")
    # The total shown before posting is Xero's Total.
    assert shown(preview, "draft-total") == [f"{stored.total:,.2f}"]
    notice = f"{stored.number} for USD {stored.total:,.2f} created as a draft in Xero."
    assert notice in text_of(response.content.decode())
    assert notice in text_of(again.content.decode())
    entry = AuditEntry.objects.filter(action="create_invoice", succeeded=True).first()
    assert entry.changes["sent"]["branding_theme_id"] == special
    assert entry.changes["sent"]["lines"][0]["tracking"] == [
        {"category": "Region", "option": "North"}
    ]


def test_submit_for_approval_creates_it_submitted(connection, sso_user_client):
    org, contact = linked_org(connection, "Basket Case")
    data = form([RETAINER], submit_for_approval="on", reference="For approval")
    page = text_of(sso_user_client.post(f"{tab_url(org)}invoice", data).content.decode())
    with dbguard.guard():
        stored = XeroInvoice.objects.get(contact=contact, reference="For approval")
    assert stored.status == "SUBMITTED"
    assert f"{stored.number} for AUD 9,239.78 created in Xero and submitted for approval." in page


def test_an_opportunitys_lines_prefill_with_their_item_account_and_tax_rate(
    connection, sso_user_client
):
    deal = OpportunityFactory(name="Agency retainer test", currency="AUD")
    OpportunityLineItemFactory(
        opportunity=deal, description="Training session", quantity=Decimal("2"),
        unit_price=Decimal("900.00"), item_code="TRAINING", account_code="", tax_type="",
    )  # fmt: skip
    OpportunityLineItemFactory(
        opportunity=deal, description="Overseas", quantity=Decimal("1"),
        unit_price=Decimal("100.00"), account_code="200", tax_type="EXEMPTOUTPUT",
    )  # fmt: skip
    page = sso_user_client.get(f"/xero/tab/opportunity/{deal.pk}/deal-invoice").content.decode()
    assert re.search(r'name="lines-0-item_code" value="TRAINING"', page)
    assert re.search(r'<option value="260" selected>', page)  # the item's account
    assert len(re.findall(r'<option value="OUTPUT" selected>', page)) == 1
    assert len(re.findall(r'<option value="EXEMPTOUTPUT" selected>', page)) == 1
    assert shown(page, "draft-total") == ["2,080.00"]  # 1800 + 180 GST + 100 GST free


def _fields(page: str) -> dict[str, Any]:
    return dict(re.findall(r'name="([\w-]+)" value="([^"]*)"', page))


def test_the_preview_and_line_helpers_need_an_sso_session_and_a_post(
    connection, sso_user, sso_user_client
):
    org, _ = linked_org(connection, "Basket Case")
    password_only = Client()
    password_only.force_login(sso_user)  # signed in, but not through SSO
    answer = password_only.post(f"{tab_url(org)}invoice-preview", form([RETAINER]))
    refused = answer.content.decode()
    assert "draft-total" not in refused and "Sign in with" in text_of(refused)
    assert sso_user_client.get(f"{tab_url(org)}invoice-preview").status_code == 405
    bad = sso_user_client.post(f"{tab_url(org)}invoice-line", form([RETAINER], line="x"))
    assert bad.status_code == 400
    assert sso_user_client.post("/xero/tab/nothing/1/invoice-preview").status_code == 404


def test_a_draft_without_lines_asks_for_one_in_words_for_people(connection, sso_user_client, wire):
    """Issue 14: no framework messages ("Please submit at least 1 form.") shown to people."""
    org, _ = linked_org(connection, "Basket Case")
    opened = sso_user_client.get(f"{tab_url(org)}invoice").content.decode()
    assert "the Xero contact this record is linked to" in opened
    assert "(fixed)" not in opened
    wire.clear()
    page = sso_user_client.post(f"{tab_url(org)}invoice", form([])).content.decode()
    assert "Add at least one line: a description or an item, with a quantity." in page
    assert "Please submit" not in page and "form." not in text_of(page)
    assert list(wire) == []  # nothing sent
