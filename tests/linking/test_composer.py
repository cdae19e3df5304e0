"""The composer's totals, defaults, choices and checks against hand-worked figures."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

import pytest

from linking import composer, xero
from linking.composer import EXCLUSIVE, INCLUSIVE, NO_TAX, DraftHeader, DraftLine
from tests.linking import composer_data as data

D = Decimal


def line(quantity: str, price: str, tax_type: str = "OUTPUT", discount: str = "", **more):
    more.setdefault("description", "Work")
    more.setdefault("account_code", "200")
    return DraftLine(
        quantity=D(quantity),
        unit_price=D(price),
        discount_rate=D(discount) if discount else None,
        tax_type=tax_type,
        **more,
    )


def preview(lines, amount_type=EXCLUSIVE):
    return composer.totals(lines, amount_type, data.TAX_RATES)


# ------------------------------------------------------------------------------- line amounts


@pytest.mark.parametrize(
    ("quantity", "price", "discount", "expected"),
    [
        ("2", "150.00", None, "300.00"),
        ("3", "33.33", "10", "89.99"),  # 99.99 less 10% = 89.991
        ("1.2345", "10.0000", None, "12.35"),  # 12.345: half up, not to even
        ("0.3333", "3", None, "1.00"),  # 0.9999
        ("1", "0.125", None, "0.13"),
        ("1", "0.1249", None, "0.12"),
        ("-1", "0.125", None, "-0.13"),  # half away from zero on negative lines
        ("1", "100", "100", "0.00"),
        ("7.5", "19.99", "12.5", "131.18"),  # 149.925 x 0.875 = 131.184375
        (None, "42.00", None, "42.00"),  # no quantity: Xero takes 1
        ("2", None, None, "0.00"),
    ],
)
def test_line_amount_follows_xeros_rule(quantity, price, discount, expected):
    amount = composer.line_amount(
        D(quantity) if quantity else None, D(price) if price else None, D(discount or "0")
    )

    assert amount == D(expected)
    assert amount.as_tuple().exponent == -2


def test_the_live_total_survives_numbers_no_form_should_send():
    lines = [
        line("NaN", "10"),
        line("1", "Infinity"),
        line("1e40", "1"),
        line("999999999999.9999", "999999999999.9999", discount="0.01"),
    ]

    result = preview(lines)

    # Each unusable number counts as missing (validate names them); the largest usable line
    # is worked out without losing a cent.
    assert [p.amount for p in result.lines[:3]] == [D("10.00"), D("0.00"), D("1.00")]
    # (10**12 - 10**-4)**2 x 0.9999 = 999899999999999800020000.000000009999
    assert result.lines[3].amount == D("999899999999999800020000.00")


def test_line_amount_rounds_quantity_and_price_to_four_places_first():
    # 1.00005 -> 1.0001 and 9.99995 -> 10.0000 before multiplying: 10.001 -> 10.00
    assert composer.line_amount(D("1.00005"), D("9.99995")) == D("10.00")


# ------------------------------------------------------------------------------- totals


def test_exclusive_totals_add_tax_per_line():
    result = preview([line("2", "150.00"), line("1", "99.99", "EXEMPTOUTPUT")])

    assert [(p.amount, p.tax) for p in result.lines] == [
        (D("300.00"), D("30.00")),
        (D("99.99"), D("0.00")),
    ]
    assert result.subtotal == D("399.99")
    assert result.total_tax == D("30.00")
    assert result.total == D("429.99")
    assert result.taxes == (("GST on Income (10%)", D("30.00")),)
    assert result.amount_type_label == "Tax exclusive"


def test_the_issues_retainer_shows_its_gst_before_posting():
    # "Agency retainer 2027": AUD 8,399.80 became INV-3102 for AUD 9,239.78 with 10% GST.
    exclusive = preview([line("1", "8399.80")])
    inclusive = preview([line("1", "8399.80")], INCLUSIVE)

    assert (exclusive.subtotal, exclusive.total_tax, exclusive.total) == (
        D("8399.80"),
        D("839.98"),
        D("9239.78"),
    )
    # 8,399.80 x 10/110 = 763.618...: the price already held the GST.
    assert (inclusive.subtotal, inclusive.total_tax, inclusive.total) == (
        D("7636.18"),
        D("763.62"),
        D("8399.80"),
    )


def test_tax_is_rounded_per_line_as_in_xeros_guide():
    # developer.xero.com "Rounding in Xero": three lines at 15% give 11.44, not 11.45.
    result = preview(
        [
            line("1", "25.06", "OUTPUT2"),
            line("1", "25.61", "OUTPUT2"),
            line("1", "25.63", "OUTPUT2"),
        ]
    )

    assert [p.tax for p in result.lines] == [D("3.76"), D("3.84"), D("3.84")]
    assert result.subtotal == D("76.30")
    assert result.total_tax == D("11.44")
    assert result.total == D("87.74")


def test_inclusive_amounts_have_their_tax_taken_out_line_by_line():
    result = preview(
        [
            line("1", "110.00"),
            line("1", "115.00", "OUTPUT2"),
            line("1", "50.00", "EXEMPTOUTPUT"),
            line("3", "33.33"),  # 99.99 x 10/110 = 9.09
        ],
        INCLUSIVE,
    )

    assert [p.tax for p in result.lines] == [D("10.00"), D("15.00"), D("0.00"), D("9.09")]
    assert result.total == D("374.99")
    assert result.total_tax == D("34.09")
    assert result.subtotal == D("340.90")
    assert result.taxes == (
        ("GST on Income (10%)", D("19.09")),
        ("GST on Income 15 (15%)", D("15.00")),
    )


def test_no_tax_ignores_the_lines_tax_rates():
    result = preview([line("2", "50.00"), line("1", "10.00", "OUTPUT2")], NO_TAX)

    assert (result.subtotal, result.total_tax, result.total) == (D("110.00"), D(0), D("110.00"))
    assert result.taxes == ()
    assert result.amount_type_label == "No tax"


def test_discounts_come_off_before_tax():
    result = preview([line("3", "33.33", discount="10")])

    assert result.lines[0].amount == D("89.99")
    assert result.total_tax == D("9.00")  # 8.999
    assert result.total == D("98.99")


def test_four_place_quantities_round_half_up_at_each_step():
    result = preview([line("1.2345", "10.0000"), line("0.3333", "3.0000", "OUTPUT2")])

    # 12.345 -> 12.35, tax 1.235 -> 1.24; 0.9999 -> 1.00, tax 0.15
    assert [(p.amount, p.tax) for p in result.lines] == [
        (D("12.35"), D("1.24")),
        (D("1.00"), D("0.15")),
    ]
    assert result.total == D("14.74")


def test_mixed_rates_list_tax_per_rate_in_the_order_they_appear():
    result = preview(
        [
            line("1", "100", "OUTPUT2"),
            line("1", "100", "OUTPUT"),
            line("1", "100", "BASEXCLUDED"),
            line("1", "0.05", "OUTPUT2"),  # 0.0075 -> 0.01
        ]
    )

    assert result.taxes == (
        ("GST on Income 15 (15%)", D("15.01")),
        ("GST on Income (10%)", D("10.00")),
    )
    assert result.total_tax == D("25.01")
    assert result.total == D("325.06")


def test_a_negative_line_reduces_the_total_and_its_tax():
    result = preview([line("10", "100"), line("-1", "100")])

    assert [p.tax for p in result.lines] == [D("100.00"), D("-10.00")]
    assert result.total == D("990.00")


def test_blank_lines_and_unknown_tax_types_add_nothing():
    result = preview([DraftLine(), line("1", "10", "NOSUCHTAX"), DraftLine(description="  ")])

    assert [p.index for p in result.lines] == [1]
    assert (result.total_tax, result.total) == (D(0), D("10.00"))


def test_an_empty_draft_totals_zero():
    result = preview([])

    assert (result.subtotal, result.total_tax, result.total, result.taxes) == (D(0), D(0), D(0), ())


# ------------------------------------------------------------------------------- payment terms


@pytest.mark.parametrize(
    ("day", "kind", "invoice_date", "expected"),
    [
        (30, "DAYSAFTERBILLDATE", date(2027, 1, 31), date(2027, 3, 2)),
        (0, "DAYSAFTERBILLDATE", date(2027, 1, 31), date(2027, 1, 31)),
        (7, "DAYSAFTERBILLDATE", date(2027, 12, 28), date(2028, 1, 4)),
        (20, "DAYSAFTERBILLMONTH", date(2027, 1, 15), date(2027, 2, 20)),
        (0, "DAYSAFTERBILLMONTH", date(2027, 2, 1), date(2027, 2, 28)),
        (10, "DAYSAFTERBILLMONTH", date(2028, 2, 10), date(2028, 3, 10)),  # after the 29th
        (31, "DAYSAFTERBILLMONTH", date(2027, 12, 31), date(2028, 1, 31)),
        (31, "OFCURRENTMONTH", date(2027, 2, 3), date(2027, 2, 28)),
        (31, "OFCURRENTMONTH", date(2028, 2, 3), date(2028, 2, 29)),
        (30, "OFCURRENTMONTH", date(2027, 4, 1), date(2027, 4, 30)),
        (15, "OFCURRENTMONTH", date(2027, 4, 30), date(2027, 4, 15)),  # Xero's rule, literally
        (20, "OFFOLLOWINGMONTH", date(2027, 1, 31), date(2027, 2, 20)),
        (31, "OFFOLLOWINGMONTH", date(2027, 1, 31), date(2027, 2, 28)),
        (31, "OFFOLLOWINGMONTH", date(2027, 3, 1), date(2027, 4, 30)),
        (31, "OFFOLLOWINGMONTH", date(2027, 12, 31), date(2028, 1, 31)),
        (29, "OFFOLLOWINGMONTH", date(2028, 1, 31), date(2028, 2, 29)),
        (0, "OFFOLLOWINGMONTH", date(2027, 5, 9), date(2027, 6, 1)),
    ],
)
def test_each_payment_term_type_around_month_ends(day, kind, invoice_date, expected):
    assert composer.due_date(invoice_date, xero.PaymentTerm(day, kind)) == expected


@pytest.mark.parametrize(
    ("term", "words"),
    [
        (xero.PaymentTerm(30, "DAYSAFTERBILLDATE"), "30 days after the invoice date"),
        (xero.PaymentTerm(1, "DAYSAFTERBILLDATE"), "1 day after the invoice date"),
        (xero.PaymentTerm(20, "DAYSAFTERBILLMONTH"), "20 days after the end of the invoice month"),
        (xero.PaymentTerm(1, "OFCURRENTMONTH"), "1st of the current month"),
        (xero.PaymentTerm(22, "OFCURRENTMONTH"), "22nd of the current month"),
        (xero.PaymentTerm(13, "OFFOLLOWINGMONTH"), "13th of the following month"),
        (xero.PaymentTerm(20, "OFFOLLOWINGMONTH"), "20th of the following month"),
        (xero.PaymentTerm(31, "OFFOLLOWINGMONTH"), "31st of the following month"),
    ],
)
def test_payment_terms_read_as_xero_words_them(term, words):
    assert term.label == words


# ------------------------------------------------------------------------------- defaults

INVOICE_DATE = date(2027, 1, 31)


def test_the_contacts_payment_terms_come_first_and_say_so():
    contact = xero.ContactDefaults(sales_payment_term=xero.PaymentTerm(20, "OFFOLLOWINGMONTH"))

    result = composer.defaults(invoice_date=INVOICE_DATE, reference_data=data.AU, contact=contact)

    assert result.due_date == date(2027, 2, 20)
    assert (
        result.due_date_source == "from the contact's payment terms (20th of the following month)"
    )


def test_the_organisations_payment_terms_come_next():
    result = composer.defaults(
        invoice_date=INVOICE_DATE, reference_data=data.AU, contact=xero.ContactDefaults()
    )

    assert result.due_date == date(2027, 2, 14)
    assert result.due_date_source == (
        "from the organisation's payment terms (14 days after the invoice date)"
    )


def test_without_payment_terms_the_due_date_is_30_days_on():
    bare = dataclasses.replace(data.AU, payment_term=None)

    result = composer.defaults(invoice_date=INVOICE_DATE, reference_data=bare, contact=None)

    assert result.due_date == date(2027, 3, 2)
    assert result.due_date_source == "30 days after the invoice date (no payment terms set in Xero)"


def test_a_new_draft_starts_in_the_base_currency_tax_exclusive_with_the_default_theme():
    result = composer.defaults(invoice_date=INVOICE_DATE, reference_data=data.AU)

    assert (result.currency, result.amount_type, result.branding_theme_id) == (
        "AUD",
        EXCLUSIVE,
        "theme-standard",  # SortOrder 0, though listed second
    )


def test_the_contacts_currency_and_amount_type_win_when_usable():
    contact = xero.ContactDefaults(
        default_currency="usd", sales_default_line_amount_type="INCLUSIVE"
    )

    result = composer.defaults(invoice_date=INVOICE_DATE, reference_data=data.AU, contact=contact)

    assert (result.currency, result.amount_type) == ("USD", INCLUSIVE)


def test_a_contact_currency_the_organisation_lacks_falls_back_to_base():
    contact = xero.ContactDefaults(default_currency="JPY", sales_default_line_amount_type="NONE")

    result = composer.defaults(invoice_date=INVOICE_DATE, reference_data=data.AU, contact=contact)

    assert (result.currency, result.amount_type) == ("AUD", NO_TAX)


def test_the_contacts_branding_theme_wins_while_xero_has_it():
    def theme_for(theme_id: str) -> str:
        contact = xero.ContactDefaults(branding_theme_id=theme_id)
        result = composer.defaults(
            invoice_date=INVOICE_DATE, reference_data=data.AU, contact=contact
        )
        return result.branding_theme_id

    assert theme_for("theme-special") == "theme-special"
    assert theme_for("theme-deleted") == "theme-standard"


def test_no_branding_themes_means_no_theme_chosen():
    bare = dataclasses.replace(data.AU, branding_themes=())

    assert composer.defaults(invoice_date=INVOICE_DATE, reference_data=bare).branding_theme_id == ""


def test_a_lines_tax_rate_comes_from_the_item_then_the_account_then_the_contact():
    contact = xero.ContactDefaults(accounts_receivable_tax_type="BASEXCLUDED")

    assert composer.line_tax_type(item=data.TRAINING, account=data.SALES, contact=contact) == (
        "EXEMPTOUTPUT"
    )
    assert composer.line_tax_type(item=data.BARE, account=data.SALES, contact=contact) == "OUTPUT"
    no_tax_account = dataclasses.replace(data.SALES, tax_type="")
    assert composer.line_tax_type(item=data.BARE, account=no_tax_account, contact=contact) == (
        "BASEXCLUDED"
    )
    assert composer.line_tax_type() == ""


def test_picking_an_item_fills_its_line():
    result = composer.line_from_item(data.CONSULTING, reference_data=data.AU)

    assert result == DraftLine(
        description="Consulting, per hour",
        quantity=D("1"),
        unit_price=D("150.0000"),
        item_code="CONS",
        account_code="200",
        tax_type="OUTPUT",
    )


def test_an_item_without_a_tax_type_takes_its_accounts():
    result = composer.line_from_item(data.BARE, reference_data=data.AU)

    # Account 210 Export Sales defaults to GST free; the item has no description of its own.
    assert (result.description, result.account_code, result.tax_type) == (
        "Bare item",
        "210",
        "EXEMPTOUTPUT",
    )


def test_an_item_without_an_account_takes_the_contacts_sales_account():
    contact = xero.ContactDefaults(sales_default_account_code="260")
    item = dataclasses.replace(data.BARE, account_code="")

    result = composer.line_from_item(item, reference_data=data.AU, contact=contact)

    assert (result.account_code, result.tax_type) == ("260", "OUTPUT")


# ------------------------------------------------------------------------------- choices


def test_item_choices_are_the_sold_items_by_code():
    assert [i.code for i in composer.item_choices(data.ITEMS)] == ["BARE", "CONS", "TRAIN"]


def test_revenue_accounts_are_the_active_revenue_ones_by_code():
    accounts = composer.revenue_accounts(data.ACCOUNTS)

    assert [a.label for a in accounts] == [
        "200 — Sales",
        "210 — Export Sales",
        "260 — Other Revenue",
    ]


def test_revenue_tax_rates_are_active_and_apply_to_revenue():
    rates = composer.revenue_tax_rates(data.TAX_RATES)

    assert [r.label for r in rates] == [
        "BAS Excluded (0%)",
        "GST Free Income (0%)",
        "GST on Income (10%)",
        "GST on Income 15 (15%)",
    ]


def test_active_tracking_categories_offer_only_active_options():
    categories = composer.active_tracking_categories(data.TRACKING)

    assert [(c.name, [o.name for o in c.options]) for c in categories] == [
        ("Region", ["North", "South"])
    ]


# ------------------------------------------------------------------------------- checks

HEADER = DraftHeader(contact_id="c-1", date=INVOICE_DATE, currency="AUD")


def check(lines, header=HEADER):
    return composer.validate(lines, header, data.AU)


def test_a_good_draft_passes():
    lines = [
        line("2", "150", tracking=(("cat-region", "opt-north"),)),
        DraftLine(
            item_code="TRAIN",
            quantity=D("1"),
            unit_price=D("990"),
            account_code="260",
            tax_type="EXEMPTOUTPUT",
        ),
        DraftLine(),  # an unused row
    ]

    assert check(lines) == {}


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"account_code": "999"},
            "lines-0-account_code",
            "Account 999 is not in Xero's chart of accounts.",
        ),
        ({"account_code": "205"}, "lines-0-account_code", "Account 205 is archived in Xero."),
        ({"account_code": "206"}, "lines-0-account_code", "Account 206 has been deleted in Xero."),
        (
            {"account_code": "400"},
            "lines-0-account_code",
            "Account 400 — Advertising is not a revenue account, so it can't take sales.",
        ),
        ({"account_code": ""}, "lines-0-account_code", "Choose an account."),
        (
            {"tax_type": "GSTX"},
            "lines-0-tax_type",
            "Tax rate GSTX is not one of this organisation's tax rates.",
        ),
        (
            {"tax_type": "OLDOUTPUT"},
            "lines-0-tax_type",
            "Tax rate Old Sales Tax (12.5%) is archived in Xero.",
        ),
        (
            {"tax_type": "INPUT"},
            "lines-0-tax_type",
            "Tax rate GST on Expenses (10%) does not apply to revenue, so not to account "
            "200 — Sales.",
        ),
        ({"tax_type": ""}, "lines-0-tax_type", "Choose a tax rate."),
        ({"description": ""}, "lines-0-description", "Enter a description or pick an item."),
        (
            {"description": "x" * 4001},
            "lines-0-description",
            "A description can be at most 4,000 characters.",
        ),
        ({"quantity": None}, "lines-0-quantity", "Enter a quantity."),
        ({"quantity": D("0")}, "lines-0-quantity", "The quantity can't be 0."),
        (
            {"quantity": D("1.23456")},
            "lines-0-quantity",
            "This can have at most 4 decimal places.",
        ),
        ({"unit_price": None}, "lines-0-unit_price", "Enter a unit price."),
        (
            {"unit_price": D("0.00001")},
            "lines-0-unit_price",
            "This can have at most 4 decimal places.",
        ),
        ({"discount_rate": D("101")}, "lines-0-discount_rate", "A discount is between 0 and 100%."),
        ({"discount_rate": D("-5")}, "lines-0-discount_rate", "A discount is between 0 and 100%."),
        (
            {"discount_rate": D("2.555")},
            "lines-0-discount_rate",
            "This can have at most 2 decimal places.",
        ),
        ({"quantity": D("NaN")}, "lines-0-quantity", "Enter a number."),
        ({"unit_price": D("-Infinity")}, "lines-0-unit_price", "Enter a number."),
        ({"discount_rate": D("sNaN")}, "lines-0-discount_rate", "Enter a number."),
        ({"quantity": D("1e12")}, "lines-0-quantity", "That number is too large for Xero."),
        ({"unit_price": D("-1e15")}, "lines-0-unit_price", "That number is too large for Xero."),
        ({"item_code": "NOPE"}, "lines-0-item_code", "Item NOPE is not in Xero's item list."),
        (
            {"item_code": "paper"},
            "lines-0-item_code",
            "Item PAPER is not sold in Xero, so it can't go on a sales invoice.",
        ),
        (
            {"tracking": (("cat-region", "opt-design"),)},
            "lines-0-tracking_cat-region",
            "That option is not one of Region's options in Xero.",
        ),
        (
            {"tracking": (("cat-region", "opt-west"),)},
            "lines-0-tracking_cat-region",
            "West is no longer an active option of Region.",
        ),
        (
            {"tracking": (("cat-dept", "opt-design"),)},
            "lines-0-tracking_cat-dept",
            "Tracking category Department is not active in Xero.",
        ),
        (
            {"tracking": (("cat-gone", "opt-north"),)},
            "lines-0-tracking_cat-gone",
            "That tracking category is not active in Xero.",
        ),
    ],
)
def test_each_problem_is_named_at_its_field(changes, field, message):
    problems = check([dataclasses.replace(line("1", "100"), **changes)])

    assert problems == {field: message}


def test_problems_name_the_line_they_are_on():
    lines = [line("1", "100"), DraftLine(), line("1", "100", account_code="999")]

    assert check(lines) == {
        "lines-2-account_code": "Account 999 is not in Xero's chart of accounts."
    }


def test_an_item_code_stands_in_for_the_description():
    assert check([line("1", "100", description="", item_code="CONS")]) == {}


def test_a_line_may_be_negative_but_not_the_invoice():
    assert check([line("3", "100"), line("-1", "100")]) == {}
    assert check([line("1", "100"), line("-2", "100")]) == {
        "__all__": "The total is negative: Xero takes that as a credit note, not an invoice."
    }


def test_a_draft_needs_a_line():
    assert check([DraftLine(), DraftLine()]) == {"__all__": "Add at least one line."}


def test_no_tax_drafts_need_no_tax_rate():
    header = dataclasses.replace(HEADER, amount_type=NO_TAX)

    assert check([line("1", "100", tax_type="")], header) == {}


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"currency": "JPY"},
            "currency",
            "JPY is not one of this organisation's currencies in Xero (add it under Currencies "
            "in Xero first).",
        ),
        ({"amount_type": "Gross"}, "amount_type", "Choose Tax exclusive, Tax inclusive or No tax."),
        (
            {"branding_theme_id": "theme-gone"},
            "branding_theme_id",
            "That branding theme is not in Xero any more.",
        ),
        ({"reference": "r" * 256}, "reference", "A reference can be at most 255 characters."),
    ],
)
def test_header_problems_are_named_at_their_field(changes, field, message):
    problems = check([line("1", "100")], dataclasses.replace(HEADER, **changes))

    assert problems == {field: message}


def test_the_base_currency_and_any_enabled_one_are_accepted():
    for currency in ("AUD", "eur", ""):
        assert check([line("1", "100")], dataclasses.replace(HEADER, currency=currency)) == {}


def test_two_options_of_one_category_are_refused():
    tracking = (("cat-region", "opt-north"), ("cat-region", "opt-south"))

    assert check([line("1", "100", tracking=tracking)]) == {
        "lines-0-tracking_cat-region": "A line takes one option of Region."
    }


def test_field_names_follow_the_formset():
    assert composer.line_field(3, "unit_price") == "lines-3-unit_price"
    assert composer.tracking_field(0, "cat-region") == "lines-0-tracking_cat-region"
