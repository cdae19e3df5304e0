"""Issue 13's seam: the invoice composer's reference data (items, accounts, tax rates, tracking
categories, branding themes, currencies, payment terms, a contact's defaults) mapped from the
spec's example payloads; read from the sandbox cached per connection (cold: seven reads at once,
warm: none); a draft created with every field the composer chose; Xero's refusals kept per
message."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from linking import xero
from linking.xero import mappers
from sandbox import dbguard, seed
from sandbox.models import Account as XeroAccount
from sandbox.models import Invoice as XeroInvoice
from sandbox.models import TrackingCategory as XeroTrackingCategory
from tests.linking.test_mappers import wire as json_wire
from tests.linking.test_reads import Wire
from tests.linking.test_reads import wire as _record_wire
from tests.xero_spec import example

REFERENCE_PATHS = (
    "/Items",
    "/Accounts",
    "/TaxRates",
    "/TrackingCategories",
    "/BrandingThemes",
    "/Currencies",
    "/Organisation",
)


# ------------------------------------------------------------------- mappers vs the spec


def test_items_read_their_sales_details_with_exact_prices():
    items = [mappers.item(i) for i in json_wire(example("getItems"))["Items"]]
    guitars, hello = items
    assert (guitars.code, guitars.name, guitars.description) == (
        "123",
        "Guitars",
        "Guitars Fender Strat",
    )
    assert (guitars.unit_price, guitars.account_code, guitars.tax_type) == (
        Decimal("5000.0"),
        "200",
        "OUTPUT2",
    )
    assert guitars.is_sold and guitars.label == "123 — Guitars"
    assert (hello.unit_price, hello.account_code, hello.tax_type) == (None, "", "")


def test_accounts_read_code_name_type_status_and_default_tax_type():
    accounts = [mappers.account(a) for a in json_wire(example("getAccounts"))["Accounts"]]
    bank, sales = accounts
    assert (sales.code, sales.name, sales.type, sales.tax_type) == (
        "200",
        "Sales",
        "REVENUE",
        "OUTPUT2",
    )
    assert sales.is_active and sales.is_revenue and sales.label == "200 — Sales"
    assert not bank.is_revenue


def test_tax_rates_read_their_percentage_and_whether_they_apply_to_revenue():
    rates = {
        r.tax_type: r for r in map(mappers.tax_rate, json_wire(example("getTaxRates"))["TaxRates"])
    }
    assert rates["OUTPUT2"].effective_rate == Decimal("15.0")
    assert rates["OUTPUT2"].can_apply_to_revenue and not rates["INPUT2"].can_apply_to_revenue
    assert rates["OUTPUT2"].label == "15% GST on Income (15%)"


def test_tracking_categories_themes_and_currencies_read_as_the_spec_gives_them():
    categories = [
        mappers.tracking_category(c)
        for c in json_wire(example("getTrackingCategories"))["TrackingCategories"]
    ]
    assert [(c.name, c.status, c.options) for c in categories] == [
        ("BarFoo", "ACTIVE", ()),
        ("HelloWorld", "ACTIVE", ()),
    ]
    (theme,) = map(
        mappers.branding_theme, json_wire(example("getBrandingThemes"))["BrandingThemes"]
    )
    assert (theme.branding_theme_id, theme.name, theme.sort_order) == (
        "dabc7637-62c1-4941-8a6e-ee44fa5090e7",
        "Standard",
        0,
    )
    (currency,) = map(mappers.currency, json_wire(example("getCurrencies"))["Currencies"])
    assert (currency.code, currency.description) == ("NZD", "New Zealand Dollar")


def test_tracking_options_keep_their_status():
    category = mappers.tracking_category(
        {
            "TrackingCategoryID": "c",
            "Name": "Region",
            "Status": "ACTIVE",
            "Options": [
                {"TrackingOptionID": "n", "Name": "North", "Status": "ACTIVE"},
                {"TrackingOptionID": "o", "Name": "Central (old)", "Status": "ARCHIVED"},
            ],
        }
    )
    assert [o.name for o in category.active_options] == ["North"]
    assert category.option("o").status == "ARCHIVED"


def test_a_contact_read_by_id_carries_its_invoice_defaults():
    (data,) = json_wire(example("getContact"))["Contacts"]
    defaults = mappers.contact(data).defaults
    assert defaults == xero.ContactDefaults(
        sales_payment_term=xero.PaymentTerm(day=14, type="OFCURRENTMONTH"),
        default_currency="USD",
        sales_default_line_amount_type="INCLUSIVE",
        accounts_receivable_tax_type="TAX003",
        sales_default_account_code="002",
        branding_theme_id="dabc7637-62c1-4941-8a6e-ee44fa5090e7",
    )


def test_a_contact_in_a_list_has_no_defaults():
    (first, *_) = json_wire(example("getContacts"))["Contacts"]
    bare = {k: v for k, v in first.items() if k not in mappers._DEFAULT_KEYS}
    assert mappers.contact(bare).defaults is None


def test_payment_terms_without_a_type_are_none():
    assert mappers.sales_payment_term({"PaymentTerms": {}}) is None
    assert mappers.sales_payment_term(
        {"PaymentTerms": {"Sales": {"Day": 20, "Type": "OFFOLLOWINGMONTH"}}}
    ) == xero.PaymentTerm(20, "OFFOLLOWINGMONTH")


# ------------------------------------------------------------------- against the sandbox


@pytest.fixture
def connection(sandbox_connection):
    return sandbox_connection


@pytest.fixture
def wire(xero_sandbox, sandbox_server, monkeypatch) -> Wire:
    """Every Accounting request the in-process sandbox serves (test_reads' recorder)."""
    return _record_wire.__wrapped__(xero_sandbox, sandbox_server, monkeypatch)


def test_a_cold_read_asks_the_seven_settings_at_once_and_a_warm_one_asks_nothing(
    connection, wire: Wire, xero_sandbox, settings
):
    xero_sandbox.set_latency(300)
    wire.clear()
    data = xero.reference_data(connection)
    xero_sandbox.set_latency(0)
    seen = wire.gets()
    assert sorted(r.path.removeprefix("/api.xro/2.0") for r in seen) == sorted(REFERENCE_PATHS)
    # At once, as many as the tenant's budget lets be in flight together (each waits 300 ms).
    first_answer = min(r.ended for r in seen)
    in_flight = [r for r in seen if r.started < first_answer]
    assert len(in_flight) == min(len(REFERENCE_PATHS), settings.XERO_RATE_CONCURRENT)
    assert wire.to("/Items")[0].query.get("unitdp") == ["4"]
    assert wire.to("/TrackingCategories")[0].query.get("includeArchived") == ["true"]

    assert data.base_currency == "AUD"
    assert data.item("RETAINER").unit_price == Decimal("4199.90")
    assert data.item("HW-CABLE").unit_price == Decimal("2.4550")  # 4 dp kept
    assert data.account("250").status == "ARCHIVED"
    assert data.tax_rate("OUTPUT").effective_rate == Decimal("10")
    assert {c.name: c.status for c in data.tracking_categories} == {
        "Region": "ACTIVE",
        "Department": "ARCHIVED",
    }
    assert data.default_branding_theme.name == "Standard"
    assert {"AUD", "USD", "EUR", "GBP"} <= data.currency_codes

    wire.clear()
    assert xero.reference_data(connection) == data
    assert list(wire) == []


def test_reference_data_is_read_again_after_its_hour_or_on_refresh(
    connection, wire: Wire, settings, time_machine
):
    xero.reference_data(connection)
    wire.clear()
    xero.reference_data(connection, refresh=True)
    assert len(wire.gets()) == len(REFERENCE_PATHS)
    wire.clear()
    settings.XERO_REFERENCE_TTL = 0
    xero.reference_data(connection)
    assert len(wire.gets()) == len(REFERENCE_PATHS)


def _sandbox_ids() -> tuple[str, str, str]:
    with dbguard.guard():
        region = XeroTrackingCategory.objects.get(
            organisation__organisation_id=seed.AU_TENANT_ID, name="Region"
        )
        north = region.options.get(name="North")
    return str(region.tracking_category_id), str(north.tracking_option_id), region.name


def test_a_draft_is_created_with_every_field_the_composer_chose(connection):
    data = xero.reference_data(connection)
    region_id, north_id, _ = _sandbox_ids()
    special = next(t for t in data.branding_themes if t.name == "Special Projects")
    draft = xero.InvoiceDraft(
        contact_id=str(seed.BIG_CUSTOMER_ID),
        date=date(2026, 11, 2),
        due_date=date(2026, 12, 20),
        reference="Retainer Nov",
        currency="USD",
        line_amount_types="Inclusive",
        branding_theme_id=special.branding_theme_id,
        status="SUBMITTED",
        line_items=(
            xero.LineItem(
                description="Cat6 cable",
                quantity=Decimal("12.5"),
                unit_amount=Decimal("2.4550"),
                item_code="HW-CABLE",
                account_code="210",
                tax_type="OUTPUT",
                discount_rate=Decimal("10"),
                tracking=(xero.TrackingChoice(category_id=region_id, option_id=north_id),),
            ),
            xero.LineItem(
                description="Course",
                quantity=Decimal("1"),
                unit_amount=Decimal("950"),
                account_code="260",
                tax_type="EXEMPTOUTPUT",
                tracking=(xero.TrackingChoice(category_name="Region", option_name="South"),),
            ),
        ),
    )
    invoice = xero.create_invoice_draft(connection, draft, idempotency_key="every-field-1")
    with dbguard.guard():
        stored = XeroInvoice.objects.get(invoice_id=invoice.invoice_id)
    doc = stored.document
    assert (stored.status, stored.currency, stored.line_amount_types, stored.reference) == (
        "SUBMITTED",
        "USD",
        "Inclusive",
        "Retainer Nov",
    )
    assert (stored.date, stored.due_date) == (date(2026, 11, 2), date(2026, 12, 20))
    assert doc["BrandingThemeID"] == special.branding_theme_id
    cable, course = doc["LineItems"]
    assert (cable["ItemCode"], cable["AccountCode"], cable["TaxType"]) == (
        "HW-CABLE",
        "210",
        "OUTPUT",
    )
    assert Decimal(str(cable["UnitAmount"])) == Decimal("2.4550")  # unitdp=4: not rounded to 2.46
    assert Decimal(str(cable["DiscountRate"])) == Decimal("10")
    assert [(t["Name"], t["Option"]) for t in cable["Tracking"]] == [("Region", "North")]
    assert [(t["Name"], t["Option"]) for t in course["Tracking"]] == [("Region", "South")]
    # 12.5 x 2.4550 x 0.9 = 27.61875 -> 27.62 (inclusive: tax 27.62 x 10/110 = 2.51)
    assert (stored.total, stored.total_tax) == (Decimal("977.62"), Decimal("2.51"))
    assert invoice.total == Decimal("977.62")


def test_xeros_refusal_keeps_each_validation_message(connection):
    with dbguard.guard():
        XeroAccount.objects.filter(
            organisation__organisation_id=seed.AU_TENANT_ID, code="260"
        ).update(status="ARCHIVED")
    draft = xero.InvoiceDraft(
        contact_id=str(seed.BIG_CUSTOMER_ID),
        line_items=(
            xero.LineItem(
                "Training", Decimal("1"), Decimal("900"), account_code="260", tax_type="OUTPUT"
            ),
            xero.LineItem(
                "Thing", Decimal("1"), Decimal("9"), account_code="200", tax_type="NOSUCH"
            ),
        ),
    )
    with pytest.raises(xero.XeroError) as refused:
        xero.create_invoice_draft(connection, draft, idempotency_key="refused-1")
    error = refused.value
    assert error.status == 400 and error.xero_said
    assert len(error.validation) == 2
    assert any("260" in m for m in error.validation)
    assert any("NOSUCH" in m for m in error.validation)
