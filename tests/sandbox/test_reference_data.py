"""The settings invoice drafts are built from: Items, Accounts, TaxRates, TrackingCategories,
BrandingThemes, Currencies; through the real SDK and against Xero's own spec."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from sandbox import seed
from tests.sandbox import spec
from tests.sandbox.helpers import Sdk, api, make_sdk

AU = str(seed.AU_TENANT_ID)
NZ = str(seed.NZ_TENANT_ID)
TIMEOUT = (5, 20)


@pytest.fixture
def tokens(xero_sandbox):
    return xero_sandbox.mint_tokens()


@pytest.fixture
def sdk(xero_sandbox, tokens, monkeypatch) -> Sdk:
    return make_sdk(xero_sandbox, tokens, monkeypatch)


@pytest.fixture
def get(xero_sandbox, tokens):
    def get(path: str, tenant=None, status: int = 200, **kwargs):
        answer = api(xero_sandbox, tokens, "GET", path, tenant=tenant, **kwargs)
        assert answer.status_code == status, answer.text[:500]
        return answer.json() if "json" in answer.headers["Content-Type"] else answer

    return get


# --------------------------------------------------------------------------------- the schema

SCHEMA_CASES = [
    ("/Items", "/Items", {}),
    ("/Items", "/Items", {"where": "IsSold==true", "order": "Name DESC", "unitdp": 4}),
    ("/Accounts", "/Accounts", {}),
    ("/Accounts", "/Accounts", {"where": 'Class=="REVENUE" AND Status=="ACTIVE"'}),
    ("/TaxRates", "/TaxRates", {}),
    ("/TaxRates", "/TaxRates", {"where": "CanApplyToRevenue==true"}),
    ("/TrackingCategories", "/TrackingCategories", {}),
    ("/TrackingCategories", "/TrackingCategories", {"includeArchived": "true"}),
    ("/BrandingThemes", "/BrandingThemes", {}),
    ("/Currencies", "/Currencies", {}),
]


def test_every_answer_validates_against_the_spec(get, xero_sandbox) -> None:
    for path, spec_path, params in SCHEMA_CASES:
        for tenant in xero_sandbox.tenant_ids:
            body = get(path, tenant=tenant, params=params)
            spec.validate_accounting(body, spec_path, "get")
            collection = spec_path.strip("/")
            assert body[collection], (path, params, tenant)
    item = get("/Items")["Items"][0]
    single = get(f"/Items/{item['ItemID']}")
    spec.validate_accounting(single, "/Items/{ItemID}", "get")
    by_code = get(f"/Items/{item['Code']}")
    assert by_code["Items"][0]["ItemID"] == item["ItemID"]
    account = get("/Accounts")["Accounts"][0]
    spec.validate_accounting(
        get(f"/Accounts/{account['AccountID']}"), "/Accounts/{AccountID}", "get"
    )
    category = get("/TrackingCategories")["TrackingCategories"][0]
    spec.validate_accounting(
        get(f"/TrackingCategories/{category['TrackingCategoryID']}"),
        "/TrackingCategories/{TrackingCategoryID}",
        "get",
    )
    theme = get("/BrandingThemes")["BrandingThemes"][0]
    spec.validate_accounting(
        get(f"/BrandingThemes/{theme['BrandingThemeID']}"),
        "/BrandingThemes/{BrandingThemeID}",
        "get",
    )
    spec.validate_accounting(get("/TaxRates/OUTPUT"), "/TaxRates/{TaxType}", "get")
    assert get("/Items/NO-SUCH-ITEM", status=404).text.startswith("The resource")
    contact = get(f"/Contacts/{seed.BIG_CUSTOMER_ID}")
    spec.validate_accounting(contact, "/Contacts/{ContactID}", "get")
    spec.validate_accounting(get("/Organisation"), "/Organisation", "get")


def test_a_bad_where_is_a_query_parse_exception(get) -> None:
    body = get("/Items", params={"where": "Colour==1"}, status=400)
    assert body["Type"] == "QueryParseException"
    assert body["Message"] == "No property or field 'Colour' exists in type 'Item'"


# ------------------------------------------------------------------------------------ Items


def test_items_through_the_sdk(sdk: Sdk) -> None:
    items = {i.code: i for i in sdk.accounting.get_items(AU, _request_timeout=TIMEOUT).items}
    assert len(items) >= 30
    kit = items["HW-KIT"]
    assert (kit.name, kit.description, kit.is_sold, kit.is_purchased) == (
        "Hardware kit", "Hardware kit", True, True,
    )  # fmt: skip
    assert kit.sales_details.unit_price == Decimal("349.95")
    assert (kit.sales_details.account_code, kit.sales_details.tax_type) == ("210", "OUTPUT")
    assert kit.purchase_details.unit_price == Decimal("220.00")
    assert kit.purchase_details.account_code == "300"
    paper = items["PAPER"]
    assert paper.is_sold is False and paper.description is None
    assert paper.sales_details.unit_price is None and paper.purchase_details.unit_price == 45
    assert items["TRAVEL-INTL"].sales_details.tax_type == "EXEMPTOUTPUT"
    sold = sdk.accounting.get_items(AU, where="IsSold==true", order="Name").items
    assert [i.name for i in sold] == sorted(i.name for i in sold)
    assert {i.code for i in sold} == {c for c, i in items.items() if i.is_sold}
    assert "PAPER" not in {i.code for i in sold}
    nz = {i.code: i for i in sdk.accounting.get_items(NZ).items}
    assert nz["HW-KIT"].sales_details.tax_type == "OUTPUT2"
    assert nz["TRAVEL-INTL"].sales_details.tax_type == "ZERORATED"
    one = sdk.accounting.get_item(AU, kit.item_id).items[0]
    assert one.code == "HW-KIT"


def test_item_prices_keep_four_places_with_unitdp(get) -> None:
    def cable(params):
        body = get("/Items", params={"where": 'Code=="HW-CABLE"', **params})
        return body["Items"][0]["SalesDetails"]["UnitPrice"]

    assert cable({}) == 2.46  # Xero rounds unit prices to 2 places unless unitdp=4
    assert cable({"unitdp": 4}) == 2.455


def test_if_modified_since_on_items_and_accounts(get) -> None:
    later = {"If-Modified-Since": datetime(2025, 1, 1, tzinfo=UTC).isoformat()}
    earlier = {"If-Modified-Since": datetime(2023, 1, 1, tzinfo=UTC).isoformat()}
    assert get("/Items", headers=later)["Items"] == []
    assert get("/Accounts", headers=later)["Accounts"] == []
    assert len(get("/Items", headers=earlier)["Items"]) >= 30
    assert get("/Accounts", headers=earlier)["Accounts"]


# --------------------------------------------------------------------------------- Accounts


def test_accounts_through_the_sdk(sdk: Sdk) -> None:
    accounts = {a.code: a for a in sdk.accounting.get_accounts(AU).accounts}
    sales = accounts["200"]
    assert (sales.name, sales.type.value, sales.tax_type, sales.status) == (
        "Sales", "REVENUE", "OUTPUT", "ACTIVE",
    )  # fmt: skip
    assert sales._class == "REVENUE"
    assert accounts["210"].type.value == "SALES" and accounts["210"]._class == "REVENUE"
    assert accounts["250"].status == "ARCHIVED" and accounts["250"]._class == "REVENUE"
    assert accounts["260"].name == "Other Revenue"
    assert accounts["404"].tax_type == "EXEMPTEXPENSES"
    assert accounts["090"].type.value == "BANK" and accounts["090"].bank_account_number
    assert accounts["610"].system_account == "DEBTORS"
    revenue = sdk.accounting.get_accounts(
        AU, where='Class=="REVENUE" AND Status=="ACTIVE"', order="Code"
    ).accounts
    assert [a.code for a in revenue] == ["200", "210", "260", "270"]
    nz = {a.code: a for a in sdk.accounting.get_accounts(NZ).accounts}
    assert nz["200"].tax_type == "OUTPUT2"
    one = sdk.accounting.get_account(AU, sales.account_id).accounts[0]
    assert one.code == "200"


# --------------------------------------------------------------------------------- TaxRates


def test_tax_rates_through_the_sdk(sdk: Sdk) -> None:
    rates = {r.tax_type: r for r in sdk.accounting.get_tax_rates(AU).tax_rates}
    gst = rates["OUTPUT"]
    assert (gst.name, gst.status, gst.effective_rate, gst.display_tax_rate) == (
        "GST on Income", "ACTIVE", Decimal("10.0000"), Decimal("10.0000"),
    )  # fmt: skip
    assert gst.can_apply_to_revenue is True and gst.can_apply_to_expenses is False
    assert gst.tax_components[0].rate == 10
    assert (rates["EXEMPTOUTPUT"].name, rates["EXEMPTOUTPUT"].effective_rate) == (
        "GST Free Income", 0,
    )  # fmt: skip
    assert rates["BASEXCLUDED"].name == "BAS Excluded"
    assert rates["INPUT"].can_apply_to_revenue is False
    assert rates["INPUT"].can_apply_to_expenses is True
    assert rates["TAX001"].status == "ARCHIVED"
    revenue = sdk.accounting.get_tax_rates(
        AU, where='Status=="ACTIVE" AND CanApplyToRevenue==true'
    ).tax_rates
    assert {r.tax_type for r in revenue} == {
        "OUTPUT", "EXEMPTOUTPUT", "EXEMPTEXPORT", "BASEXCLUDED", "INPUTTAXED",
    }  # fmt: skip
    nz = {r.tax_type: r for r in sdk.accounting.get_tax_rates(NZ).tax_rates}
    assert (nz["OUTPUT2"].name, nz["OUTPUT2"].effective_rate) == ("15% GST on Income", 15)
    assert "OUTPUT" not in nz


# ------------------------------------------------------------------------ TrackingCategories


def test_tracking_categories_through_the_sdk(sdk: Sdk) -> None:
    active = sdk.accounting.get_tracking_categories(AU).tracking_categories
    assert [(c.name, c.status) for c in active] == [("Region", "ACTIVE")]
    assert [o.name for o in active[0].options] == ["East", "North", "South", "West"]
    everything = sdk.accounting.get_tracking_categories(
        AU, include_archived=True
    ).tracking_categories
    by_name = {c.name: c for c in everything}
    assert by_name["Department"].status == "ARCHIVED"
    assert {o.name: o.status for o in by_name["Region"].options}["Central (old)"] == "ARCHIVED"
    nz = sdk.accounting.get_tracking_categories(NZ).tracking_categories
    assert [c.name for c in nz] == ["Department", "Region"]  # two active: Xero's limit
    assert all(o.status == "ACTIVE" for c in nz for o in c.options)
    region = active[0]
    one = sdk.accounting.get_tracking_category(AU, region.tracking_category_id)
    assert len(one.tracking_categories[0].options) == 5


# ------------------------------------------------------------------- BrandingThemes, Currencies


def test_branding_themes_and_currencies_through_the_sdk(sdk: Sdk) -> None:
    themes = sdk.accounting.get_branding_themes(AU).branding_themes
    assert [(t.name, t.sort_order) for t in themes] == [("Standard", 0), ("Special Projects", 1)]
    assert (
        sdk.accounting.get_branding_theme(AU, themes[1].branding_theme_id).branding_themes[0].name
        == "Special Projects"
    )
    currencies = sdk.accounting.get_currencies(AU).currencies
    assert {c.code.value for c in currencies} >= {"AUD", "USD", "EUR", "GBP"}
    assert {c.code.value: c.description for c in currencies}["USD"] == "United States Dollar"
    nz = {c.code.value for c in sdk.accounting.get_currencies(NZ).currencies}
    assert nz >= {"NZD", "USD", "EUR", "GBP"} and "JPY" not in nz


# ------------------------------------------------------------------------ Contacts, terms


def test_contacts_and_organisation_carry_the_sales_defaults(sdk: Sdk, get) -> None:
    city = sdk.accounting.get_contact(AU, str(seed.BIG_CUSTOMER_ID)).contacts[0]
    assert city.payment_terms.sales.day == 14
    assert city.payment_terms.sales.type.value == "DAYSAFTERBILLDATE"
    contacts = {c.name: c for c in sdk.accounting.get_contacts(AU, page=1).contacts}
    marine = contacts["Marine Systems"]
    assert marine.sales_default_line_amount_type == "INCLUSIVE"
    assert contacts["Ridgeway Univ."].accounts_receivable_tax_type == "EXEMPTOUTPUT"
    assert contacts["Greenfield Solar"].default_currency.value == "USD"
    organisation = sdk.accounting.get_organisations(AU).organisations[0]
    assert organisation.payment_terms.sales.type.value == "OFFOLLOWINGMONTH"
    assert organisation.payment_terms.sales.day == 20
    nz = get("/Organisation", tenant=NZ)["Organisations"][0]
    assert nz["PaymentTerms"] == {}


def test_contact_sales_defaults_can_be_set(get, xero_sandbox, tokens) -> None:
    new = {"Name": "Terms Pty Ltd", "SalesDefaultLineAmountType": "INCLUSIVE",
           "PaymentTerms": {"Sales": {"Day": 10, "Type": "OFFOLLOWINGMONTH"}},
           "AccountsReceivableTaxType": "EXEMPTOUTPUT", "DefaultCurrency": "USD"}  # fmt: skip
    made = api(xero_sandbox, tokens, "PUT", "/Contacts", json={"Contacts": [new]})
    assert made.status_code == 200, made.text
    body = made.json()["Contacts"][0]
    assert body["PaymentTerms"] == {"Sales": {"Day": 10, "Type": "OFFOLLOWINGMONTH"}}
    assert (body["SalesDefaultLineAmountType"], body["DefaultCurrency"]) == ("INCLUSIVE", "USD")
    bad = {"Name": "Bad Terms", "PaymentTerms": {"Sales": {"Day": 10, "Type": "WHENEVER"}}}
    refused = api(xero_sandbox, tokens, "PUT", "/Contacts", json={"Contacts": [bad]})
    assert refused.status_code == 400
    assert refused.json()["Elements"][0]["ValidationErrors"][0]["Message"].startswith(
        "PaymentTerms Sales must have a Day and a Type"
    )
