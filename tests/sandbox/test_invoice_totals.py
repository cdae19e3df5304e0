"""Invoice totals with Xero's rules, lines checked against the organisation's settings, and
Xero's refusals (ValidationException) for what it refuses."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from xero_python.accounting import (
    Contact,
    Invoice,
    Invoices,
    LineAmountTypes,
    LineItem,
    LineItemTracking,
)
from xero_python.exceptions import AccountingBadRequestException

from sandbox import seed
from sandbox.models import Invoice as InvoiceRow
from tests.sandbox import spec
from tests.sandbox.helpers import api, make_sdk

AU = seed.AU_TENANT_ID
NZ = seed.NZ_TENANT_ID
CITY = str(seed.BIG_CUSTOMER_ID)
OBRIEN = str(seed.stable_id(AU, "contact", "obrien"))
BOOM = str(seed.stable_id(NZ, "contact", "boom-fm"))
KIWI = str(seed.stable_id(NZ, "contact", "kiwi-kitchens"))
REGION = str(seed.stable_id(AU, "tracking", "Region"))
NORTH = str(seed.stable_id(AU, "tracking", "Region", "North"))
STANDARD = str(seed.stable_id(AU, "theme", "Standard"))
SPECIAL = str(seed.stable_id(AU, "theme", "Special Projects"))


@pytest.fixture
def tokens(xero_sandbox):
    return xero_sandbox.mint_tokens()


@pytest.fixture
def put(xero_sandbox, tokens):
    """PUT one invoice (ACCREC to City Agency in AU unless told otherwise)."""

    def put(lines, tenant=AU, contact=CITY, **fields):
        body = {"Type": "ACCREC", "Contact": {"ContactID": contact}, "LineItems": lines,
                **fields}  # fmt: skip
        return api(xero_sandbox, tokens, "PUT", "/Invoices", tenant=tenant,
                   json={"Invoices": [body]})  # fmt: skip

    return put


def created(answer) -> dict:
    assert answer.status_code == 200, answer.text[:800]
    spec.validate_accounting(answer.json(), "/Invoices", "put")
    return answer.json()["Invoices"][0]


def totals(invoice: dict) -> tuple[Decimal, Decimal, Decimal]:
    return tuple(Decimal(str(invoice[k])) for k in ("SubTotal", "TotalTax", "Total"))


def line(description="Work", quantity="1", unit="100.00", account="200", **extra) -> dict:
    return {"Description": description, "Quantity": quantity, "UnitAmount": unit,
            "AccountCode": account, **extra}  # fmt: skip


# ---------------------------------------------------------------------- hand-worked examples


def test_exclusive_amounts_round_each_line_then_add_tax_per_line(put) -> None:
    invoice = created(
        put(
            [
                line(quantity="3", unit="33.33"),  # 99.99, tax 9.999 -> 10.00
                line(quantity="2.5", unit="19.99", DiscountRate="10"),  # 44.9775 -> 44.98
                line(quantity="1.3333", unit="75.00"),  # 99.9975 -> 100.00, tax 10.00
            ],
            LineAmountTypes="Exclusive",
        )
    )
    assert [Decimal(str(li["LineAmount"])) for li in invoice["LineItems"]] == [
        Decimal("99.99"), Decimal("44.98"), Decimal("100.00"),
    ]  # fmt: skip
    assert [Decimal(str(li["TaxAmount"])) for li in invoice["LineItems"]] == [
        Decimal("10.00"), Decimal("4.50"), Decimal("10.00"),
    ]  # fmt: skip
    assert totals(invoice) == (Decimal("244.97"), Decimal("24.50"), Decimal("269.47"))
    assert invoice["LineItems"][2]["Quantity"] == 1.3333
    assert invoice["LineItems"][1]["DiscountRate"] == 10 and invoice["IsDiscounted"] is True


def test_inclusive_amounts_have_the_tax_extracted_per_line(put) -> None:
    invoice = created(
        put(
            [
                line(unit="110.00"),  # tax 10.00
                line(unit="99.99"),  # 99.99 x 0.1 / 1.1 = 9.09
                line(quantity="3", unit="0.35"),  # 1.05 -> tax 0.095... -> 0.10
            ],
            LineAmountTypes="Inclusive",
        )
    )
    assert [Decimal(str(li["TaxAmount"])) for li in invoice["LineItems"]] == [
        Decimal("10.00"), Decimal("9.09"), Decimal("0.10"),
    ]  # fmt: skip
    assert totals(invoice) == (Decimal("191.85"), Decimal("19.19"), Decimal("211.04"))


def test_no_tax_and_mixed_tax_rates(put) -> None:
    no_tax = created(put([line(unit="640.00", TaxType="OUTPUT")], LineAmountTypes="NoTax"))
    assert totals(no_tax) == (Decimal("640.00"), Decimal("0.00"), Decimal("640.00"))
    assert no_tax["LineItems"][0]["TaxType"] == "NONE"
    mixed = created(
        put(
            [
                line(quantity="4", unit="349.95", account="210", DiscountRate="12.5"),
                line(unit="1800.00", account="260", TaxType="EXEMPTOUTPUT"),
                line(unit="50.00", account="260", TaxType="BASEXCLUDED"),
            ]
        )
    )
    # 1399.80 less 12.5% = 1224.825 -> 1224.83 (half up), tax 122.483 -> 122.48
    assert [Decimal(str(li["LineAmount"])) for li in mixed["LineItems"]] == [
        Decimal("1224.83"), Decimal("1800.00"), Decimal("50.00"),
    ]  # fmt: skip
    assert totals(mixed) == (Decimal("3074.83"), Decimal("122.48"), Decimal("3197.31"))
    nz = created(
        put(
            [line(unit="200.00"), line(unit="80.00", TaxType="ZERORATED")],
            tenant=NZ,
            contact=BOOM,
            LineAmountTypes="Inclusive",
        )
    )
    # 200 x 0.15 / 1.15 = 26.086... -> 26.09
    assert totals(nz) == (Decimal("253.91"), Decimal("26.09"), Decimal("280.00"))
    assert [li["TaxType"] for li in nz["LineItems"]] == ["OUTPUT2", "ZERORATED"]


def test_the_agency_retainer_of_the_issue_is_its_lines_plus_gst(put) -> None:
    invoice = created(
        put(
            [
                line("Training session", "2", "900.00", "260"),
                line("Annual support plan", "1", "5200.00", "200"),
                line("Hardware kit", "4", "349.95", "210"),
            ]
        )
    )
    assert totals(invoice) == (Decimal("8399.80"), Decimal("839.98"), Decimal("9239.78"))
    inclusive = created(
        put(
            [
                line("Training session", "2", "900.00", "260"),
                line("Annual support plan", "1", "5200.00", "200"),
                line("Hardware kit", "4", "349.95", "210"),
            ],
            LineAmountTypes="Inclusive",
        )
    )
    assert totals(inclusive)[2] == Decimal("8399.80")


def test_defaults_come_from_the_item_then_the_account(put) -> None:
    invoice = created(
        put(
            [
                {"ItemCode": "HW-KIT", "Quantity": 2},
                {"Description": "Interest recharge", "UnitAmount": 10, "AccountCode": "270"},
                {"ItemCode": "TRAVEL-INTL", "Description": "Flights to Auckland"},
            ]
        )
    )
    kit, interest, travel = invoice["LineItems"]
    assert (kit["Description"], kit["UnitAmount"], kit["AccountCode"], kit["TaxType"]) == (
        "Hardware kit", 349.95, "210", "OUTPUT",
    )  # fmt: skip
    assert kit["Item"] == {
        "ItemID": str(seed.stable_id(AU, "item", "HW-KIT")), "Name": "Hardware kit",
        "Code": "HW-KIT",
    }  # fmt: skip
    assert (kit["LineAmount"], kit["TaxAmount"]) == (699.90, 69.99)
    assert (interest["TaxType"], interest["TaxAmount"]) == ("INPUTTAXED", 0)
    assert (travel["Description"], travel["TaxType"], travel["LineAmount"]) == (
        "Flights to Auckland", "EXEMPTOUTPUT", 1800.0,
    )  # fmt: skip
    bill = created(
        put(
            [{"Description": "Bank fees", "UnitAmount": 12.5, "AccountCode": "404"}],
            Type="ACCPAY",
            contact=str(seed.stable_id(AU, "contact", "pacific-print")),
        )
    )
    assert (bill["LineItems"][0]["TaxType"], bill["TotalTax"]) == ("EXEMPTEXPENSES", 0)


def test_tracking_and_branding_theme_are_stored_and_returned(put, xero_sandbox, tokens) -> None:
    invoice = created(
        put(
            [
                line(Tracking=[{"Name": "Region", "Option": "North"}]),
                line(Tracking=[{"TrackingCategoryID": REGION, "TrackingOptionID": NORTH}]),
                line(Tracking=[{"Name": "region", "Option": "south"}]),
            ],
            BrandingThemeID=SPECIAL,
        )
    )
    north = {"Name": "Region", "Option": "North", "TrackingCategoryID": REGION,
             "TrackingOptionID": NORTH}  # fmt: skip
    assert invoice["LineItems"][0]["Tracking"] == [north]
    assert invoice["LineItems"][1]["Tracking"] == [north]
    assert invoice["LineItems"][2]["Tracking"][0]["Option"] == "South"
    assert invoice["BrandingThemeID"] == SPECIAL
    again = api(xero_sandbox, tokens, "GET", f"/Invoices/{invoice['InvoiceID']}").json()
    assert again["Invoices"][0]["LineItems"][0]["Tracking"] == [north]
    assert again["Invoices"][0]["BrandingThemeID"] == SPECIAL
    plain = created(put([line()]))
    assert plain["BrandingThemeID"] == STANDARD  # the default theme (SortOrder 0)
    nz = created(
        put(
            [line(Tracking=[{"Name": "Region", "Option": "Auckland"},
                            {"Name": "Department", "Option": "Consulting"}])],
            tenant=NZ, contact=BOOM,
        )
    )  # fmt: skip
    assert [t["Option"] for t in nz["LineItems"][0]["Tracking"]] == ["Auckland", "Consulting"]


def test_due_dates_follow_the_payment_terms(put) -> None:
    day = date(2026, 11, 17)

    def due(contact, tenant=AU) -> str:
        invoice = created(
            put([line()], tenant=tenant, contact=contact, Status="AUTHORISED",
                Date=day.isoformat())
        )  # fmt: skip
        return invoice["DueDateString"][:10]

    assert due(CITY) == (day + timedelta(days=14)).isoformat()  # the contact's terms
    assert due(OBRIEN) == "2026-12-20"  # the organisation's: the 20th of the next month
    assert due(BOOM, NZ) == "2026-12-20"  # Boom FM: 20th of the following month
    assert due(KIWI, NZ) == (day + timedelta(days=30)).isoformat()  # no terms anywhere
    explicit = created(put([line()], Status="AUTHORISED", DueDate="2027-01-05"))
    assert explicit["DueDateString"].startswith("2027-01-05")


def test_the_sdk_creates_an_invoice_with_every_field(xero_sandbox, tokens, monkeypatch) -> None:
    sdk = make_sdk(xero_sandbox, tokens, monkeypatch)
    draft = Invoice(
        type="ACCREC",
        contact=Contact(contact_id=CITY),
        status="DRAFT",
        line_amount_types=LineAmountTypes.INCLUSIVE,
        branding_theme_id=SPECIAL,
        line_items=[
            LineItem(
                item_code="TRAINING",
                description="Training session",
                quantity=Decimal("2"),
                unit_amount=Decimal("900.00"),
                discount_rate=Decimal("5"),
                account_code="260",
                tax_type="OUTPUT",
                tracking=[LineItemTracking(name="Region", option="West")],
            )
        ],
    )
    made = sdk.accounting.create_invoices(str(AU), invoices=Invoices(invoices=[draft]))
    invoice = made.invoices[0]
    assert invoice.status == "DRAFT" and str(invoice.branding_theme_id) == SPECIAL
    assert (invoice.sub_total, invoice.total_tax, invoice.total) == (
        Decimal("1554.55"), Decimal("155.45"), Decimal("1710.00"),
    )  # fmt: skip
    item = invoice.line_items[0]
    assert (item.item_code, item.account_code, item.tax_type) == ("TRAINING", "260", "OUTPUT")
    assert item.tracking[0].option == "West" and item.discount_rate == 5


# ---------------------------------------------------------------------------------- refusals

REFUSALS = [
    ({"AccountCode": "999"}, "Account code '999' is not a valid code for this document."),
    ({"AccountCode": "090"}, "Account code '090' is not a valid code for this document."),
    ({"AccountCode": "610"}, "Account code '610' is not a valid code for this document."),
    (
        {"AccountCode": "250"},
        "Account code '250' has been archived, or has been deleted. Each line item must "
        "reference a valid account.",
    ),
    (
        {"TaxType": "OUTPUT2"},
        "The TaxType code 'OUTPUT2' does not exist or cannot be used for this type of transaction.",
    ),
    (
        {"TaxType": "TAX001"},
        "The TaxType code 'TAX001' does not exist or cannot be used for this type of transaction.",
    ),
    ({"TaxType": "INPUT"}, "The TaxType code 'INPUT' cannot be used with account code '200'."),
    (
        {"AccountCode": None, "TaxType": "INPUT"},
        "The TaxType code 'INPUT' does not exist or cannot be used for this type of transaction.",
    ),
    (
        {"Tracking": [{"Name": "Region", "Option": "Central (old)"}]},
        "The tracking option 'Central (old)' is not an ACTIVE option of the tracking "
        "category 'Region'.",
    ),
    (
        {"Tracking": [{"Name": "Region", "Option": "Atlantis"}]},
        "The tracking option 'Atlantis' is not an ACTIVE option of the tracking category 'Region'.",
    ),
    (
        {"Tracking": [{"Name": "Department", "Option": "Sales"}]},
        "There is no ACTIVE tracking category with the name 'Department'.",
    ),
    ({"ItemCode": "NOPE"}, "Item code 'NOPE' is not valid."),
    ({"ItemCode": "PAPER"}, "Item code 'PAPER' is not sold: it cannot be used on this document."),
    ({"DiscountRate": "120"}, "The DiscountRate must be between 0 and 100."),
    ({"Quantity": "1e30"}, "Line item amounts must be less than 1,000,000,000,000."),
    ({"UnitAmount": "-1e13"}, "Line item amounts must be less than 1,000,000,000,000."),
]


def test_each_refusal_is_xeros_validation_exception(put) -> None:
    before = InvoiceRow.objects.count()
    for fields, message in REFUSALS:
        answer = put([line(**fields)])
        assert answer.status_code == 400, (fields, answer.text[:300])
        body = answer.json()
        spec.validate_accounting(body, "/Invoices", "put", "400")
        assert (body["ErrorNumber"], body["Type"], body["Message"]) == (
            10, "ValidationException", "A validation exception occurred",
        )  # fmt: skip
        element = body["Elements"][0]
        assert element["HasErrors"] is True
        assert [e["Message"] for e in element["ValidationErrors"]] == [message], fields
    for header, message in [
        ({"CurrencyCode": "JPY"}, "The currency JPY is not enabled for this organisation."),
        ({"BrandingThemeID": seed.NZ_TENANT_ID}, f"The BrandingThemeID '{NZ}' is not valid."),
    ]:
        answer = put([line()], **{k: str(v) for k, v in header.items()})
        assert answer.status_code == 400
        messages = [e["Message"] for e in answer.json()["Elements"][0]["ValidationErrors"]]
        assert messages == [message]
    assert InvoiceRow.objects.count() == before  # nothing was created


def test_a_refusal_through_the_sdk(xero_sandbox, tokens, monkeypatch) -> None:
    sdk = make_sdk(xero_sandbox, tokens, monkeypatch)
    draft = Invoice(
        type="ACCREC",
        contact=Contact(contact_id=CITY),
        line_items=[LineItem(description="x", quantity=1, unit_amount=1, account_code="250")],
    )
    with pytest.raises(AccountingBadRequestException) as caught:
        sdk.accounting.create_invoices(str(AU), invoices=Invoices(invoices=[draft]))
    assert caught.value.error_data["Elements"][0]["ValidationErrors"][0]["Message"].startswith(
        "Account code '250' has been archived"
    )


# ----------------------------------------------------------------- property: random invoices

CENT = Fraction(1, 100)
RATES = {  # tenant -> (contact, {tax type: rate})
    AU: (CITY, {"OUTPUT": Fraction(1, 10), "EXEMPTOUTPUT": Fraction(0), "BASEXCLUDED": 0}),
    NZ: (BOOM, {"OUTPUT2": Fraction(15, 100), "ZERORATED": Fraction(0), "NONE": 0}),
}


def half_up(value: Fraction) -> Fraction:
    """Round to cents, halves away from zero (independently of the decimal module)."""
    cents = value / CENT
    whole = int(abs(cents) + Fraction(1, 2))
    return Fraction(whole if cents >= 0 else -whole) * CENT


def expected_total(lines: list[dict], amount_type: str, rates: dict) -> Fraction:
    total = Fraction(0)
    for item in lines:
        amount = half_up(
            Fraction(item["Quantity"]) * Fraction(item["UnitAmount"])
            * (1 - Fraction(item["DiscountRate"]) / 100)
        )  # fmt: skip
        rate = Fraction(rates[item["TaxType"]])
        if amount_type == "Exclusive":
            total += amount + half_up(amount * rate)
        else:  # Inclusive (the tax is inside the amount) and NoTax
            total += amount
    return total


def decimals(low: str, high: str, places: int) -> st.SearchStrategy[str]:
    return st.decimals(Decimal(low), Decimal(high), places=places).map(lambda d: f"{d:f}")


@st.composite
def invoices(draw) -> tuple:
    tenant = draw(st.sampled_from([AU, NZ]))
    contact, rates = RATES[tenant]
    lines = draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "Description": st.just("Line"),
                    "Quantity": decimals("0.0001", "9999.9999", 4),
                    "UnitAmount": decimals("0.00", "99999.99", 2),
                    "DiscountRate": st.one_of(st.just("0"), decimals("0.01", "99.99", 2)),
                    "TaxType": st.sampled_from(sorted(rates)),
                    "AccountCode": st.just("200"),
                }
            ),
            min_size=1,
            max_size=6,
        )
    )
    amount_type = draw(st.sampled_from(["Exclusive", "Inclusive", "NoTax"]))
    return tenant, contact, rates, lines, amount_type


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=invoices())
def test_random_invoices_total_as_an_independent_calculation(put, case) -> None:
    tenant, contact, rates, lines, amount_type = case
    invoice = created(put(lines, tenant=tenant, contact=contact, LineAmountTypes=amount_type))
    total = Decimal(str(invoice["Total"]))
    assert Fraction(total) == expected_total(lines, amount_type, rates), (lines, amount_type)
    sub_total, tax, _ = totals(invoice)
    assert sub_total + tax == total
    if amount_type == "NoTax":
        assert tax == 0


MALFORMED = [
    {"LineItems": [line(Tracking="Region")]},
    {"LineItems": [line(Tracking=[1])]},
    {"LineItems": [line(Tracking=[{"TrackingCategoryID": "not-a-guid", "Option": "North"}])]},
    {"LineItems": [line(Tracking=[{"Name": "Region", "TrackingOptionID": "nope"}])]},
    {"LineItems": [line(Tracking=[{"Name": "Region", "Option": "North"}] * 2)]},
    {"LineItems": [line(ItemCode={"Code": "HW-KIT"})]},
    {"LineItems": [line(DiscountRate="abc")]},
    {"LineItems": [line(Quantity="NaN")]},
    {"LineItems": [line(UnitAmount="1e400")]},
    {"LineItems": [line(TaxAmount="1e40")]},
    {"LineItems": [line(AccountCode=["200"])]},
    {"LineItems": [line(TaxType={"x": 1})]},
    {"LineItems": [line()], "CurrencyCode": "USD", "CurrencyRate": "1e40"},
    {"LineItems": [line()], "BrandingThemeID": {"id": 1}},
    {"LineItems": [line()], "BrandingThemeID": ""},
]


def test_malformed_lines_are_refused_never_a_server_error(put) -> None:
    for case in MALFORMED:
        fields = dict(case)
        lines = fields.pop("LineItems")
        answer = put(lines, **fields)
        assert answer.status_code in (200, 400), (fields, lines, answer.text[:300])
        if answer.status_code == 400:
            assert answer.json()["Type"] == "ValidationException"
