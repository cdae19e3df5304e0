"""The items table of a big customer: sorting, the text filter, page numbers and sizes, and the
view's state in the URL (issue 14). Selectors over constructed items; the tab's view with the
seam stubbed at the selector that reads the contact's account."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.http import QueryDict
from django.utils import timezone

from linking import selectors
from linking.selectors import ListView
from linking.xero import Contact, CreditNote, Invoice
from tests.factories import OpportunityFactory, OrganizationFactory, XeroLinkFactory
from tests.linking.conftest import make_connection, requests_to
from tests.xero_spec import example

TODAY = date(2026, 12, 2)


def invoice(number, *, total="100.00", due=None, status="AUTHORISED", days=0, due_in=None,
            reference="", type="ACCREC"):  # fmt: skip
    total = Decimal(total)
    return Invoice(
        invoice_id=f"id-{number}",
        type=type,
        status=status,
        number=number,
        reference=reference,
        date=TODAY - timedelta(days=days),
        due_date=None if due_in is None else TODAY + timedelta(days=due_in),
        currency="AUD",
        total=total,
        amount_due=total if due is None else Decimal(due),
    )


ITEMS = [
    invoice("INV-9", total="1234.50", days=5, due_in=10, status="PAID", due="0.00"),
    invoice("INV-10", total="99.00", days=1, due_in=-3),
    invoice("INV-100", total="1234.56", days=3, reference="PO 77", status="DRAFT"),
    invoice("INV-11", total="12345.00", days=2, due_in=30, status="SUBMITTED", due="500.00"),
]
NOTE = CreditNote("cn-1", "ACCRECCREDIT", "AUTHORISED", number="CN-1", currency="AUD",
                  date=TODAY - timedelta(days=4), total=Decimal("40.00"),
                  remaining_credit=Decimal("15.00"))  # fmt: skip


def numbers(items) -> list[str]:
    return [item.number for item in items]


# ----------------------------------------------------------------------- the view from the URL


def test_a_query_without_the_views_parameters_is_the_default_view():
    assert ListView.from_query({}) == ListView("all", "date", "desc", "", 1, 25)
    assert ListView.from_query(QueryDict("q=a&q=b&page=2&page=3")) == ListView(q="b", page=3)


@pytest.mark.parametrize(
    "query",
    [
        {"show": "everything", "sort": "colour", "dir": "up", "page": "-2", "size": "7"},
        {"page": "abc", "size": "1e3"},
        {"page": "0", "size": "25.0"},
        {"page": "99999999999999999999", "sort": "total\x00"},
        {"page": "٣"},  # a digit, but not 0-9
    ],
)
def test_invalid_parameters_fall_back_to_their_defaults(query):
    assert ListView.from_query(query) == ListView(q="")


def test_the_query_string_keeps_only_what_differs_from_the_default():
    chosen = ListView.from_query(
        {
            "show": "overdue",
            "sort": "total",
            "dir": "asc",
            "q": "  INV  12 ",
            "page": "3",
            "size": "100",
        }
    )
    assert chosen == ListView("overdue", "total", "asc", "INV 12", 3, 100)
    assert chosen.query() == "show=overdue&sort=total&dir=asc&q=INV+12&page=3&size=100"
    assert chosen.query(page=1, q="") == "show=overdue&sort=total&dir=asc&size=100"
    assert ListView().query() == ""


def test_a_long_filter_is_cut_to_100_characters():
    assert ListView.from_query({"q": "x" * 500}).q == "x" * 100


# ------------------------------------------------------------------------------------ sorting


@pytest.mark.parametrize(
    ("sort", "ascending"),
    [
        ("number", ["INV-9", "INV-10", "INV-11", "INV-100"]),  # digits compare as numbers
        ("date", ["INV-9", "INV-100", "INV-11", "INV-10"]),
        ("due", ["INV-10", "INV-9", "INV-11", "INV-100"]),  # no due date: last either way
        ("status", ["INV-100", "INV-11", "INV-10", "INV-9"]),  # draft → approval → payment → paid
        ("total", ["INV-10", "INV-9", "INV-100", "INV-11"]),
        ("amount_due", ["INV-9", "INV-10", "INV-11", "INV-100"]),
    ],
)
def test_each_column_sorts_both_ways(sort, ascending):
    assert numbers(selectors.sort_items(ITEMS, sort=sort, descending=False)) == ascending
    descending = numbers(selectors.sort_items(ITEMS, sort=sort, descending=True))
    if sort == "due":
        assert descending == ["INV-11", "INV-9", "INV-10", "INV-100"]
    else:
        assert descending == ascending[::-1]


def test_a_credit_notes_amount_due_is_its_credit_left():
    listed = selectors.sort_items([*ITEMS, NOTE], sort="amount_due", descending=False)
    assert numbers(listed)[:3] == ["INV-9", "CN-1", "INV-10"]


def test_the_default_view_is_newest_first_as_before():
    listed = selectors.list_items(ITEMS, ListView(), today=TODAY, credit_notes=[NOTE])
    assert listed == selectors.filter_items(ITEMS, "all", today=TODAY, credit_notes=[NOTE])
    assert numbers(listed) == ["INV-10", "INV-11", "INV-100", "CN-1", "INV-9"]


# ---------------------------------------------------------------------------------- filtering


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("inv-1", ["INV-10", "INV-100", "INV-11"]),  # number, any case
        ("po 77", ["INV-100"]),  # reference
        ("1,234.50", ["INV-9"]),  # an amount exactly
        ("1234.5", ["INV-9", "INV-100"]),  # 1,234.50 and 1,234.56 begin with it
        ("$1234", ["INV-9", "INV-100", "INV-11"]),  # and 12,345.00 does too
        ("500", ["INV-11"]),  # amount due
        ("15", ["CN-1"]),  # a credit note's credit left
        ("99.001", []),  # more than cents: not an amount
        ("nothing", []),
        ("   ", ["INV-9", "INV-10", "INV-100", "INV-11", "CN-1"]),
    ],
)
def test_the_text_filter_finds_numbers_references_and_amounts(text, found):
    assert numbers(selectors.search_items([*ITEMS, NOTE], text)) == found


def test_filter_and_sort_apply_after_show():
    chosen = ListView(show="outstanding", sort="total", dir="desc", q="inv")
    assert numbers(selectors.list_items(ITEMS, chosen, today=TODAY)) == ["INV-11", "INV-10"]


# ------------------------------------------------------------------------ the tab, in the URL

MANY = [invoice(f"INV-{n:04d}", total=f"{n}.00", days=n % 50, due_in=n % 7) for n in range(1, 131)]


@pytest.fixture
def org_tab(db, sso_user_client):
    make_connection(tenant_name="Demo Company (AU)", base_currency="AUD")
    org = OrganizationFactory(name="City Agency Holdings")
    link = XeroLinkFactory(record=org, xero_name="City Agency")
    account = selectors.Account(
        contact=Contact(contact_id=str(link.xero_id), name="City Agency", is_customer=True),
        invoices=MANY,
        updated_at=timezone.now(),
        credit_notes=[],
    )
    with mock.patch.object(selectors, "contact_account", autospec=True, return_value=account):

        def get(query="", **headers):
            return sso_user_client.get(f"/xero/tab/organization/{org.pk}/{query}", **headers)

        get.org = org
        yield get


def rows(page: str) -> list[str]:
    return re.findall(r'data-testid="xero-item"[^>]*>\s*<td>(?:<a [^>]*>)?([^<]+)<', page)


def test_sort_page_and_size_come_from_the_query(org_tab):
    page = org_tab("?sort=total&dir=desc&page=2&size=50").content.decode()
    assert rows(page) == [f"INV-{n:04d}" for n in range(80, 30, -1)]
    assert "51\N{EN DASH}100 of 130" in page
    assert re.search(r'aria-sort="descending"><button[^>]*>Total', page)
    assert page.count("aria-sort=") == 1
    assert 'aria-current="page" data-testid="xero-current-page">2<' in page
    assert '<option value="50" selected>' in page


def test_the_filter_box_narrows_the_list(org_tab):
    page = org_tab("?q=INV-012").content.decode()
    assert set(rows(page)) == {f"INV-{n:04d}" for n in range(120, 130)}
    assert 'value="INV-012"' in page


def test_a_page_past_the_last_is_the_last_page(org_tab):
    page = org_tab("?page=999&size=100").content.decode()
    assert "101\N{EN DASH}130 of 130" in page
    assert len(rows(page)) == 30


@pytest.mark.parametrize(
    "query",
    [
        "?sort=%00&dir=%FF&page=-1&size=0",
        "?page=1&page=x&size=25&size=26",
        "?show[]=all&sort=__class__&dir=",
        "?size=100000000000000000000000&page=NaN",
    ],
)
def test_invalid_parameters_show_the_default_view(org_tab, query):
    response = org_tab(query)
    assert response.status_code == 200
    newest = sorted(MANY, key=lambda i: (i.date, i.number), reverse=True)[:25]
    assert rows(response.content.decode()) == [i.number for i in newest]


def test_a_filter_that_finds_nothing_keeps_the_toolbar_to_change_it(org_tab):
    page = org_tab("?q=" + "%F0%9F%92%A9" * 200).content.decode()
    assert rows(page) == []
    assert "No items to show" in page
    assert 'id="xero-list-q"' in page and "💩" * 100 in page


def test_controls_carry_the_whole_view_and_push_the_record_pages_url(org_tab):
    org = org_tab.org
    page = html.unescape(org_tab("?show=outstanding&sort=total&dir=asc&page=2").content.decode())
    tab = f"/xero/tab/organization/{org.pk}/"
    # The next page keeps show and sort; a sort button goes back to page 1.
    assert f'hx-get="{tab}?show=outstanding&sort=total&dir=asc&page=3"' in page
    assert f'hx-get="{tab}?show=outstanding&sort=total"' in page  # desc: the default
    assert 'hx-headers=\'{"X-Xero-List": "1"}\'' in page
    # A plain load (the record page opening the tab) pushes nothing...
    assert "HX-Push-Url" not in org_tab("?page=2")
    # ...a change made with the table's controls pushes the record page's URL of the view.
    response = org_tab("?page=2&sort=due&size=abc", HTTP_X_XERO_LIST="1")
    assert response["HX-Push-Url"] == f"/organizations/{org.pk}/?tab=xero&sort=due&page=2#xero"


def test_the_record_page_hands_its_query_to_the_tab(org_tab, sso_user_client):
    org = org_tab.org
    page = sso_user_client.get(f"/organizations/{org.pk}/?tab=xero&sort=total&page=3").content
    assert f'hx-get="/xero/tab/organization/{org.pk}/?sort=total&amp;page=3"' in page.decode()
    plain = sso_user_client.get(f"/organizations/{org.pk}/").content.decode()
    assert f'hx-get="/xero/tab/organization/{org.pk}/"' in plain


# ----------------------------------------------------------------------- Find…, a page at a time


def test_find_asks_xero_for_the_page_and_offers_the_next_and_previous(sso_user_client, xero):
    make_connection()
    deal = OpportunityFactory()
    answer = {**example("getInvoices"), "pagination": {"page": 2, "pageSize": 100,
              "pageCount": 3, "itemCount": 203}}  # fmt: skip
    xero.expect_request("/api.xro/2.0/Invoices", method="GET").respond_with_json(answer)
    query = {"type": "invoices", "q": "INV-000", "date_from": "2026-01-01", "page": "2"}
    page = sso_user_client.get(f"/xero/tab/opportunity/{deal.pk}/find", query).content.decode()
    (asked,) = requests_to(xero, "GET", "/api.xro/2.0/Invoices")
    assert (asked.args["page"], asked.args["pageSize"], asked.args["searchTerm"]) == (
        "2",
        "100",
        "INV-000",
    )
    assert re.findall(r'data-testid="xero-find-result">\s*<td>([^<]+)<', page) == [
        "INV-0001",
        "INV-0002",
        "INV-0003",
    ]
    find = f"/xero/tab/opportunity/{deal.pk}/find?type=invoices&amp;q=INV-000"
    dates = "date_from=2026-01-01&amp;date_to="
    assert f'hx-get="{find}&amp;{dates}&amp;page=1">Previous<' in page
    assert f'hx-get="{find}&amp;{dates}&amp;page=3">Next<' in page
    assert "Page 2: 3 results" in page
    assert "Showing the first" not in page


def test_finds_statuses_read_as_the_lists_say_them(sso_user_client, xero):
    make_connection()
    deal = OpportunityFactory()
    xero.expect_request("/api.xro/2.0/Invoices", method="GET").respond_with_json(
        example("getInvoices")
    )
    page = sso_user_client.get(
        f"/xero/tab/opportunity/{deal.pk}/find", {"type": "invoices", "q": ""}
    ).content.decode()
    cells = re.findall(r'<td class="nowrap">[^<]*</td>\s*<td>([^<]+)</td>', page)
    assert cells == ["Voided", "Paid", "Awaiting payment"]
    assert ">Next<" not in page and ">Previous<" not in page  # one page (pageCount 1)


@pytest.mark.parametrize("bad", ["0", "-1", "x", "1001", "99999999999999999999", "\x00"])
def test_a_find_page_that_is_not_a_page_is_page_one(sso_user_client, xero, bad):
    make_connection()
    deal = OpportunityFactory()
    xero.expect_request("/api.xro/2.0/Invoices", method="GET").respond_with_json(
        example("getInvoices")
    )
    response = sso_user_client.get(
        f"/xero/tab/opportunity/{deal.pk}/find", {"type": "bills", "q": "", "page": bad}
    )
    assert response.status_code == 200
    (asked,) = requests_to(xero, "GET", "/api.xro/2.0/Invoices")
    assert asked.args["page"] == "1"


# ------------------------------------------------------------------ words: a failed search


def test_a_failed_automatic_search_keeps_search_and_new_xero_contact(sso_user_client, xero):
    make_connection()
    org = OrganizationFactory(name="Basket Case")
    xero.expect_request("/api.xro/2.0/Contacts", method="GET").respond_with_data(
        "Internal error", status=500
    )
    response = sso_user_client.get(f"/xero/tab/organization/{org.pk}/")
    page = response.content.decode()
    assert response.status_code == 200
    alert = re.search(r'data-testid="xero-search-failed">(.*?)</div>', page, re.S).group(1)
    words = " ".join(re.sub(r"<[^>]+>", " ", alert).split())
    assert words.startswith(
        "The search of Xero for this organization did not go through: Xero is unavailable"
    )
    assert "Xero: Xero" not in page
    assert f'hx-get="/xero/tab/organization/{org.pk}/">Try again<' in page
    assert 'id="xero-search-q"' in page and ">New Xero Contact<" in page
    assert 'data-testid="xero-no-matches"' not in page  # not "no match": the search failed
    assert 'data-testid="xero-error"' not in page


def test_a_failed_search_for_a_text_tries_that_text_again(sso_user_client, xero):
    make_connection()
    org = OrganizationFactory(name="Basket Case")
    xero.expect_request("/api.xro/2.0/Contacts", method="GET").respond_with_data("", status=503)
    page = sso_user_client.get(f"/xero/tab/organization/{org.pk}/", {"q": "Bask & Co"})
    text = page.content.decode()
    assert "The search of Xero for “Bask &amp; Co” did not go through" in text
    assert f'hx-get="/xero/tab/organization/{org.pk}/?q=Bask%20%26%20Co">Try again<' in text
    assert 'value="Bask &amp; Co"' in text


def test_refresh_keeps_the_view_and_an_action_puts_its_url_in_place(org_tab, sso_user_client):
    org = org_tab.org
    page = html.unescape(org_tab("?sort=total&page=2").content.decode())
    assert f'hx-post="/xero/tab/organization/{org.pk}/refresh?sort=total&page=2"' in page
    response = sso_user_client.post(f"/xero/tab/organization/{org.pk}/refresh?sort=total&page=2")
    assert "26\N{EN DASH}50 of 130" in response.content.decode()
    assert response["HX-Replace-Url"] == f"/organizations/{org.pk}/?tab=xero&sort=total&page=2#xero"
    assert "HX-Push-Url" not in response


def test_the_deal_tab_sorts_pages_and_pushes_the_deals_url(db, sso_user_client):
    make_connection(tenant_name="Demo Company (AU)", base_currency="AUD")
    deal = OpportunityFactory()
    linked = selectors.DealItems(items=MANY[:60], missing=[], updated_at=timezone.now())
    with mock.patch.object(selectors, "linked_items", autospec=True, return_value=linked):
        response = sso_user_client.get(
            f"/xero/tab/opportunity/{deal.pk}/?sort=number&dir=asc&page=2&show=credit_notes",
            HTTP_X_XERO_LIST="1",
        )
    page = response.content.decode()
    # Credit notes are not a Show choice on a deal: All, sorted by number, the second page.
    assert rows(page) == [f"INV-{n:04d}" for n in range(26, 51)]
    assert response["HX-Push-Url"] == (
        f"/opportunities/{deal.pk}/?tab=xero&sort=number&dir=asc&page=2#xero"
    )
    assert re.search(r'aria-sort="ascending"><button[^>]*>Number / reference', page)
