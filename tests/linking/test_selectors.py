"""The Xero tab's reads: matching a record to Xero contacts, the money figures, the list, links.

The figures and the list are pure functions over the seam's dataclasses; matching goes through the
stand-in Xero (pytest-httpserver).
"""

from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal

import pytest

from linking import selectors
from linking.models import XeroConnection, XeroLink
from linking.records import RecordProfile, record_profile
from linking.xero.types import Invoice
from tests.factories import (
    ContactFactory,
    OpportunityFactory,
    OpportunityLineItemFactory,
    OrganizationFactory,
    ProjectFactory,
    XeroConnectionFactory,
    XeroLinkFactory,
)
from tests.linking.conftest import requests_to
from tests.xero_spec import example

TODAY = date(2026, 3, 15)
CONTACTS_PATH = "/api.xro/2.0/Contacts"
KAT_ID = "5cc8cf28-567e-4d43-b287-687cfcaec47c"


def item(
    type: str = "ACCREC",
    status: str = "AUTHORISED",
    total: str = "100.00",
    *,
    currency: str = "NZD",
    on: date | None = date(2026, 1, 10),
    number: str = "",
    invoice_id: str = "",
) -> Invoice:
    return Invoice(
        invoice_id=invoice_id or f"id-{type}-{status}-{total}-{on}-{number}",
        type=type,
        status=status,
        number=number,
        date=on,
        currency=currency,
        total=Decimal(total),
    )


def summary(*invoices: Invoice, today: date = TODAY) -> selectors.Summary:
    return selectors.invoice_summary(invoices=list(invoices), base_currency="NZD", today=today)


# The figures.


def test_invoices_total_adds_sales_invoices_awaiting_approval_or_payment():
    figures = summary(
        item("ACCREC", "AUTHORISED", "100.00"),
        item("ACCREC", "SUBMITTED", "50.00"),
        item("ACCREC", "DRAFT", "7.00"),
        item("ACCREC", "PAID", "20.00"),
        item("ACCREC", "VOIDED", "1000.00"),
        item("ACCREC", "DELETED", "2000.00"),
        item("ACCPAY", "AUTHORISED", "30.00"),
        item("ACCPAY", "SUBMITTED", "40.00"),
    )
    assert figures.invoices_total == Decimal("150.00")


def test_bills_total_adds_only_bills_awaiting_approval():
    figures = summary(
        item("ACCPAY", "SUBMITTED", "40.00"),
        item("ACCPAY", "SUBMITTED", "2.50"),
        item("ACCPAY", "AUTHORISED", "30.00"),
        item("ACCPAY", "DRAFT", "5.00"),
        item("ACCPAY", "PAID", "8.00"),
        item("ACCPAY", "VOIDED", "900.00"),
        item("ACCREC", "SUBMITTED", "70.00"),
    )
    assert figures.bills_total == Decimal("42.50")
    assert figures.net == Decimal("70.00") - Decimal("42.50")


def test_lifetime_value_adds_authorised_and_paid_sales_invoices_of_all_time():
    figures = summary(
        item("ACCREC", "PAID", "100.00", on=date(2009, 5, 1)),
        item("ACCREC", "AUTHORISED", "25.00", on=date(2026, 3, 1)),
        item("ACCREC", "PAID", "5.00", on=None),
        item("ACCREC", "SUBMITTED", "60.00"),
        item("ACCREC", "DRAFT", "70.00"),
        item("ACCREC", "VOIDED", "80.00"),
        item("ACCPAY", "PAID", "90.00"),
        item("ACCPAY", "AUTHORISED", "95.00"),
    )
    assert figures.lifetime_value == Decimal("130.00")


def test_the_twelve_months_start_364_days_before_today():
    assert selectors.twelve_month_start(TODAY) == date(2025, 3, 16)
    # Over a leap day the window is still 365 days, today included.
    assert selectors.twelve_month_start(date(2024, 12, 31)) == date(2024, 1, 2)


def test_twelve_month_value_counts_both_ends_of_the_window_and_nothing_outside_it():
    figures = summary(
        item("ACCREC", "PAID", "1.00", on=date(2025, 3, 16)),  # first day of the window
        item("ACCREC", "AUTHORISED", "10.00", on=TODAY),  # last day of the window
        item("ACCREC", "PAID", "100.00", on=date(2025, 3, 15)),  # the day before it
        item("ACCREC", "AUTHORISED", "1000.00", on=date(2026, 3, 16)),  # tomorrow
        item("ACCREC", "PAID", "10000.00", on=None),  # no date
    )
    assert figures.twelve_month_value == Decimal("11.00")
    assert figures.lifetime_value == Decimal("11111.00")


def test_twelve_month_value_counts_only_authorised_and_paid_sales_invoices():
    figures = summary(
        item("ACCREC", "PAID", "1.00"),
        item("ACCREC", "AUTHORISED", "2.00"),
        item("ACCREC", "SUBMITTED", "4.00"),
        item("ACCREC", "DRAFT", "8.00"),
        item("ACCREC", "VOIDED", "16.00"),
        item("ACCPAY", "PAID", "32.00"),
        item("ACCREC", "PAID", "64.00", currency="USD"),
    )
    assert figures.twelve_month_value == Decimal("3.00")


def test_only_base_currency_items_are_added_and_the_others_are_counted_by_currency():
    figures = summary(
        item("ACCREC", "AUTHORISED", "100.00"),
        item("ACCPAY", "SUBMITTED", "40.00"),
        item("ACCREC", "AUTHORISED", "500.00", currency="USD"),
        item("ACCPAY", "SUBMITTED", "600.00", currency="USD"),
        item("ACCREC", "PAID", "700.00", currency="EUR"),
        item("ACCREC", "VOIDED", "800.00", currency="GBP"),
    )
    assert figures.currency == "NZD"
    assert figures.invoices_total == Decimal("100.00")
    assert figures.bills_total == Decimal("40.00")
    assert figures.lifetime_value == Decimal("100.00")
    assert figures.twelve_month_value == Decimal("100.00")
    assert figures.other_currencies == (("USD", 2), ("EUR", 1))
    assert figures.other_currencies_note == "3 items in USD, EUR are not included"


def test_the_note_about_one_left_out_item_is_singular():
    figures = summary(item("ACCREC", "DRAFT", "5.00", currency="USD"))
    assert figures.other_currencies_note == "1 item in USD is not included"


def test_there_is_no_note_when_every_item_is_in_the_base_currency():
    figures = summary(
        item("ACCREC", "PAID", "5.00"), item("ACCREC", "VOIDED", "5.00", currency="USD")
    )
    assert figures.other_currencies == ()
    assert figures.other_currencies_note == ""


def test_voided_and_deleted_items_count_nowhere():
    figures = summary(
        *(
            item(type, status, "99.00", currency=currency)
            for type in ("ACCREC", "ACCPAY")
            for status in ("VOIDED", "DELETED")
            for currency in ("NZD", "USD")
        )
    )
    assert (
        figures.invoices_total,
        figures.bills_total,
        figures.lifetime_value,
        figures.twelve_month_value,
    ) == (Decimal("0.00"),) * 4
    assert all(line.count == 0 for line in figures.invoice_statuses + figures.bill_statuses)
    assert figures.other_currencies_note == ""


def test_the_status_breakdown_counts_and_adds_invoices_and_bills_separately():
    figures = summary(
        item("ACCREC", "DRAFT", "1.00"),
        item("ACCREC", "DRAFT", "2.00"),
        item("ACCREC", "SUBMITTED", "4.00"),
        item("ACCREC", "AUTHORISED", "8.00"),
        item("ACCREC", "PAID", "16.00"),
        item("ACCREC", "PAID", "32.00"),
        item("ACCREC", "VOIDED", "64.00"),
        item("ACCREC", "PAID", "128.00", currency="USD"),
        item("ACCPAY", "SUBMITTED", "3.00"),
        item("ACCPAY", "PAID", "5.00"),
    )
    lines = [(s.label, s.count, s.total) for s in figures.invoice_statuses]
    assert lines == [
        ("Draft", 2, Decimal("3.00")),
        ("Awaiting approval", 1, Decimal("4.00")),
        ("Awaiting payment", 1, Decimal("8.00")),
        ("Paid", 2, Decimal("48.00")),
    ]
    bills = [(s.label, s.count, s.total) for s in figures.bill_statuses]
    assert bills == [
        ("Draft", 0, Decimal("0.00")),
        ("Awaiting approval", 1, Decimal("3.00")),
        ("Awaiting payment", 0, Decimal("0.00")),
        ("Paid", 1, Decimal("5.00")),
    ]
    assert [s.status for s in figures.bill_statuses] == ["DRAFT", "SUBMITTED", "AUTHORISED", "PAID"]


def test_amounts_are_added_exactly_in_decimal():
    figures = summary(
        item("ACCREC", "AUTHORISED", "0.10"),
        item("ACCREC", "AUTHORISED", "0.20"),
        item("ACCPAY", "SUBMITTED", "0.10"),
        item("ACCPAY", "SUBMITTED", "0.20"),
    )
    assert figures.invoices_total == Decimal("0.30")
    assert isinstance(figures.invoices_total, Decimal)
    assert str(figures.lifetime_value) == "0.30"
    assert figures.net == Decimal("0.00")


def test_a_contact_without_items_shows_zeroes_to_two_places():
    figures = summary()
    assert str(figures.invoices_total) == "0.00"
    assert str(figures.bills_total) == "0.00"
    assert str(figures.twelve_month_value) == "0.00"


# The "Show" filter and the order of the list.

SHOW_ITEMS = [
    item("ACCREC", "DRAFT", invoice_id="inv-draft", on=date(2026, 1, 1)),
    item("ACCREC", "SUBMITTED", invoice_id="inv-submitted", on=date(2026, 1, 2)),
    item("ACCREC", "AUTHORISED", invoice_id="inv-authorised", on=date(2026, 1, 3)),
    item("ACCREC", "PAID", invoice_id="inv-paid", on=date(2026, 1, 4)),
    item("ACCREC", "VOIDED", invoice_id="inv-voided", on=date(2026, 1, 5)),
    item("ACCPAY", "DRAFT", invoice_id="bill-draft", on=date(2026, 1, 6)),
    item("ACCPAY", "SUBMITTED", invoice_id="bill-submitted", on=date(2026, 1, 7)),
    item("ACCPAY", "AUTHORISED", invoice_id="bill-authorised", on=date(2026, 1, 8)),
    item("ACCPAY", "PAID", invoice_id="bill-paid", on=date(2026, 1, 9)),
]


@pytest.mark.parametrize(
    ("show", "expected"),
    [
        (
            "all",
            [
                "bill-paid",
                "bill-authorised",
                "bill-submitted",
                "bill-draft",
                "inv-voided",
                "inv-paid",
                "inv-authorised",
                "inv-submitted",
                "inv-draft",
            ],
        ),
        ("invoices", ["inv-voided", "inv-paid", "inv-authorised", "inv-submitted", "inv-draft"]),
        ("bills", ["bill-paid", "bill-authorised", "bill-submitted", "bill-draft"]),
        (
            "outstanding",
            ["bill-authorised", "bill-submitted", "inv-authorised", "inv-submitted"],
        ),
        ("paid", ["bill-paid", "inv-paid"]),
        ("draft", ["bill-draft", "inv-draft"]),
    ],
)
def test_the_show_filter_keeps_the_chosen_items_newest_first(show, expected):
    assert [i.invoice_id for i in selectors.filter_items(SHOW_ITEMS, show)] == expected


def test_every_show_choice_is_offered_in_order():
    assert [label for _, label in selectors.SHOW_CHOICES] == [
        "All",
        "Invoices",
        "Bills",
        "Outstanding",
        "Paid",
        "Draft",
        "Overdue",
        "Credit notes",
    ]


def test_newest_first_puts_undated_items_last_and_breaks_ties_by_number():
    items = [
        item(number="INV-0001", on=date(2026, 2, 1), invoice_id="a"),
        item(number="INV-0003", on=None, invoice_id="b"),
        item(number="INV-0002", on=date(2026, 2, 1), invoice_id="c"),
        item(number="INV-0004", on=date(2025, 12, 31), invoice_id="d"),
        item(number="INV-0005", on=date(2026, 2, 2), invoice_id="e"),
    ]
    assert [i.invoice_id for i in selectors.filter_items(items, "all")] == ["e", "c", "a", "d", "b"]


# Matching a record to Xero contacts.


def xero_contacts(*contacts: tuple[str, str, str]) -> dict:
    """A GET /Contacts answer shaped like Xero's own, holding (ContactID, Name, EmailAddress)."""
    page = example("getContacts")
    template = page["Contacts"][0]
    rows = []
    for contact_id, name, email in contacts:
        row = copy.deepcopy(template)
        first, _, last = name.partition(" ")
        row.update(
            ContactID=contact_id, Name=name, FirstName=first, LastName=last, EmailAddress=email
        )
        rows.append(row)
    return {**page, "Contacts": rows}


KAT = "5cc8cf28-567e-4d43-b287-687cfcaec47c"
KAT_TOO = "0e0f0b1e-7f5e-4a6b-9c2d-1a2b3c4d5e6f"
KAT_FIRM = "3ec601ad-eddc-4ccb-a8ac-736e88293b1b"


@pytest.mark.django_db
def test_a_contact_is_searched_by_full_name_and_by_email(xero, connection):
    xero.expect_request(CONTACTS_PATH, method="GET").respond_with_json(xero_contacts())
    person = ContactFactory(first_name="Katherine", last_name="Warren", email="kat@clampett.com")
    selectors.contact_matches(connection=connection, profile=record_profile(person))
    terms = [r.args.getlist("searchTerm") for r in requests_to(xero, "GET", CONTACTS_PATH)]
    assert terms == [["Katherine Warren"], ["kat@clampett.com"]]


@pytest.mark.django_db
def test_exact_matches_come_first_and_a_contact_found_twice_is_listed_once(xero, connection):
    by_name = xero_contacts(
        (KAT_TOO, "Katherine Warrender", "kw@elsewhere.example"),
        (KAT, "Katherine Warren", "kat.warren@clampett.com"),
    )
    by_email = xero_contacts(
        (KAT, "Katherine Warren", "kat.warren@clampett.com"),
        (KAT_FIRM, "Clampett Accounts", "KAT@clampett.com"),
    )
    xero.expect_oneshot_request(CONTACTS_PATH, method="GET").respond_with_json(by_name)
    xero.expect_request(CONTACTS_PATH, method="GET").respond_with_json(by_email)
    person = ContactFactory(first_name="katherine", last_name="WARREN", email="kat@clampett.com")
    matches = selectors.contact_matches(connection=connection, profile=record_profile(person))
    assert [(m.contact.name, m.exact) for m in matches] == [
        ("Clampett Accounts", True),  # same email, ignoring case
        ("Katherine Warren", True),  # same name, ignoring case
        ("Katherine Warrender", False),
    ]


@pytest.mark.django_db
def test_an_organization_is_searched_by_its_name_without_company_forms_and_by_its_domain(
    xero, connection
):
    xero.expect_request(CONTACTS_PATH, method="GET").respond_with_json(
        xero_contacts((KAT_FIRM, "Clampett & Co", "accounts@clampett.com"))
    )
    org = OrganizationFactory(name="clampett & co", email="office@clampett.com")
    matches = selectors.contact_matches(connection=connection, profile=record_profile(org))
    terms = [r.args.getlist("searchTerm") for r in requests_to(xero, "GET", CONTACTS_PATH)]
    # "clampett" finds all that "clampett & co" would (a contains-search), and "Clampett Ltd" too.
    assert terms == [["clampett"], ["clampett.com"]]
    assert [(m.contact.contact_id, m.exact, m.reason) for m in matches] == [
        (KAT_FIRM, True, "Same name")
    ]


@pytest.mark.django_db
def test_a_contact_without_email_is_searched_by_full_name_alone(xero, connection):
    xero.expect_request(CONTACTS_PATH, method="GET").respond_with_json(xero_contacts())
    profile = RecordProfile(
        kind="contact", name="Lisa Parker", first_name="Lisa", last_name="Parker"
    )
    assert selectors.contact_matches(connection=connection, profile=profile) == []
    terms = [r.args.getlist("searchTerm") for r in requests_to(xero, "GET", CONTACTS_PATH)]
    assert terms == [["Lisa Parker"]]


@pytest.mark.django_db
def test_the_search_box_sends_the_typed_text_and_marks_nothing_exact(xero, connection):
    xero.expect_request(CONTACTS_PATH, method="GET").respond_with_json(
        xero_contacts((KAT, "Katherine Warren", "kat@c.com"))
    )
    matches = selectors.contact_search(connection=connection, text="  warren  ")
    (request,) = requests_to(xero, "GET", CONTACTS_PATH)
    assert request.args.getlist("searchTerm") == ["warren"]
    assert [(m.contact.name, m.exact) for m in matches] == [("Katherine Warren", False)]


# Deep links into Xero's web app.

PREFIX = "https://go.xero.com/organisationlogin/default.aspx?shortcode=!mBdtL&redirecturl="
INVOICE_ID = "4f7b9b7c-2f3e-4b8e-9a51-1d0c2a3b4c5d"


@pytest.fixture
def organisation(settings) -> XeroConnection:
    settings.XERO_WEB_URL = "https://go.xero.com"
    return XeroConnectionFactory.build(tenant_name="Demo Company (NZ)", short_code="!mBdtL")


def test_the_contact_link_opens_the_contact_in_xero(organisation):
    assert selectors.contact_url(organisation, KAT) == f"{PREFIX}/Contacts/View/{KAT}"


def test_a_sales_invoice_link_opens_accounts_receivable(organisation):
    sales = item("ACCREC", "AUTHORISED", invoice_id=INVOICE_ID)
    assert selectors.item_url(organisation, sales) == (
        f"{PREFIX}/AccountsReceivable/View.aspx?InvoiceID={INVOICE_ID}"
    )


def test_a_bill_link_opens_accounts_payable(organisation):
    bill = item("ACCPAY", "AUTHORISED", invoice_id=INVOICE_ID)
    assert selectors.item_url(organisation, bill) == (
        f"{PREFIX}/AccountsPayable/Edit.aspx?InvoiceID={INVOICE_ID}"
    )


# A deal's invoice draft: what its form starts with.


@pytest.mark.django_db
def test_an_opportunitys_draft_starts_with_its_line_items_in_order():
    deal = OpportunityFactory(value=Decimal("999.00"))
    OpportunityLineItemFactory(opportunity=deal, description="Design", account_code="200")
    OpportunityLineItemFactory(
        opportunity=deal,
        description="Hosting",
        quantity=Decimal("12"),
        unit_price=Decimal("9.50"),
        account_code="",
    )
    assert selectors.deal_invoice_lines(deal) == [
        {
            "description": "Design",
            "quantity": Decimal("2"),
            "unit_price": Decimal("150.00"),
            "item_code": "",
            "account_code": "200",
            "tax_type": "",
        },
        {
            "description": "Hosting",
            "quantity": Decimal("12"),
            "unit_price": Decimal("9.50"),
            "item_code": "",
            "account_code": "",
            "tax_type": "",
        },
    ]


@pytest.mark.django_db
def test_an_opportunity_without_line_items_is_one_line_of_its_value():
    deal = OpportunityFactory(name="Website", value=Decimal("1234.50"))
    assert selectors.deal_invoice_lines(deal) == [
        {"description": "Website", "quantity": 1, "unit_price": Decimal("1234.50")}
    ]


@pytest.mark.django_db
def test_an_opportunity_without_lines_or_value_and_a_project_are_one_line_of_their_name():
    deal = OpportunityFactory(name="Website", value=Decimal("0.00"))
    project = ProjectFactory(name="Fit-out")
    assert selectors.deal_invoice_lines(deal) == [{"description": "Website", "quantity": 1}]
    assert selectors.deal_invoice_lines(project) == [{"description": "Fit-out", "quantity": 1}]


@pytest.mark.django_db
def test_a_deals_draft_header_has_its_currency_reference_and_linked_contact(connection):
    deal = OpportunityFactory(name="Website", currency="AUD")
    XeroLinkFactory(record=deal.organization, xero_id=KAT_ID, xero_name="Katherine Warren")
    assert selectors.deal_invoice_defaults(record=deal, connection=connection) == {
        "currency": "AUD",
        "reference": "Website",
        "contact_id": KAT_ID,
        "contact_name": "Katherine Warren",
    }


@pytest.mark.django_db
def test_a_projects_draft_header_is_in_the_organisations_currency_without_a_reference(
    connection,
):
    project = ProjectFactory(organization=None, contact=None)
    assert connection.base_currency
    assert selectors.deal_invoice_defaults(record=project, connection=connection) == {
        "currency": connection.base_currency
    }


@pytest.mark.django_db
def test_the_new_contact_is_named_after_the_deals_organization_else_its_contact():
    deal = OpportunityFactory(organization__name="Acme")
    person = ContactFactory(first_name="Lisa", last_name="Ng", organization=None)
    assert selectors.deal_party_name(deal) == "Acme"
    assert selectors.deal_party_name(ProjectFactory(organization=None, contact=person)) == (
        "Lisa Ng"
    )
    assert selectors.deal_party_name(ProjectFactory(organization=None, contact=None)) == ""


def test_a_chosen_contacts_name_is_asked_of_xero_only_when_the_form_lacks_it(xero, connection):
    xero.expect_request(f"{CONTACTS_PATH}/{KAT_ID}", method="GET").respond_with_json(
        {"Contacts": [{"ContactID": KAT_ID, "Name": "Katherine Warren"}]}
    )
    ask = selectors.contact_name
    assert ask(connection=connection, contact_id=KAT_ID, name="Kat") == "Kat"
    assert ask(connection=connection, contact_id="not-a-guid", name="") == ""
    assert ask(connection=connection, contact_id=None, name=None) == ""
    assert xero.log == []
    assert ask(connection=connection, contact_id=KAT_ID, name="") == "Katherine Warren"
    assert len(requests_to(xero, "GET", f"{CONTACTS_PATH}/{KAT_ID}")) == 1


def test_a_chosen_contact_xero_cannot_name_has_no_name(xero, connection):
    xero.expect_request(f"{CONTACTS_PATH}/{KAT_ID}", method="GET").respond_with_json(
        {"Message": "Not found"}, status=404
    )
    assert selectors.contact_name(connection=connection, contact_id=KAT_ID, name="") == ""


@pytest.mark.django_db
def test_a_deals_item_link_is_found_by_id_and_never_another_records():
    deal, other = OpportunityFactory(), OpportunityFactory()
    mine = XeroLinkFactory(record=deal, xero_type=XeroLink.XeroType.INVOICE)
    theirs = XeroLinkFactory(record=other, xero_type=XeroLink.XeroType.INVOICE)
    contact = XeroLinkFactory(record=deal)  # a contact link is no item
    assert selectors.item_link_get(record=deal, link_id=mine.pk) == mine
    assert selectors.item_link_get(record=deal, link_id=theirs.pk) is None
    assert selectors.item_link_get(record=deal, link_id=contact.pk) is None
    assert selectors.item_link_get(record=deal, link_id=None) is None
