"""The figures as the tabs show them, from constructed Xero data (the seam stubbed at the
selector that reads it): every testid with its amount, the rules, badges, Show, currencies."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from html import unescape
from unittest import mock

import pytest
from django.utils import timezone

from linking import selectors
from linking.xero import Contact, CreditNote, Invoice
from tests.factories import OpportunityFactory, OrganizationFactory, XeroLinkFactory
from tests.linking.conftest import make_connection

pytestmark = pytest.mark.django_db
# 14:00 UTC on 1 Dec is 01:00 on 2 Dec in Sydney: the organisation's today is 2 Dec.
NOW = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)
TODAY = date(2026, 12, 2)


def invoice(
    key,
    *,
    past_due=None,
    status="AUTHORISED",
    type="ACCREC",
    total="100.00",
    due=None,
    paid="0.00",
    currency="AUD",
    rate="1",
    fully_paid_on=None,
    on=None,
):
    total = Decimal(total)
    return Invoice(
        invoice_id=key,
        type=type,
        status=status,
        number=key.upper(),
        contact_name="O'Brien Plumbing",
        date=on or TODAY - timedelta(days=40),
        due_date=None if past_due is None else TODAY - timedelta(days=past_due),
        currency=currency,
        total=total,
        amount_due=Decimal(due) if due is not None else total - Decimal(paid),
        amount_paid=Decimal(paid),
        currency_rate=Decimal(rate),
        fully_paid_on=fully_paid_on,
    )


ITEMS = [
    invoice("inv-current", past_due=-3, total="110.00"),
    invoice("inv-30", past_due=30, total="200.00", paid="80.00"),  # part paid: 120 due
    invoice("inv-31", past_due=31, total="300.00"),
    invoice("inv-95", past_due=95, total="400.00"),
    invoice("inv-draft", status="DRAFT", total="50.00"),
    invoice("inv-voided", status="VOIDED", past_due=50, total="999.00"),
    *(
        invoice(
            f"paid-{n}",
            status="PAID",
            total="10.00",
            paid="10.00",
            due="0.00",
            on=TODAY - timedelta(days=30 + n),
            fully_paid_on=TODAY - timedelta(days=n),
        )
        for n in (1, 2, 3)
    ),  # each took 30 days
    invoice("bill-12", type="ACCPAY", past_due=12, total="70.00"),
    invoice("usd-40", past_due=40, total="65.00", currency="USD", rate="0.65"),
]
NOTES = [
    CreditNote("cn-1", "ACCRECCREDIT", "AUTHORISED", number="CN-0001", currency="AUD",
               date=TODAY - timedelta(days=4), total=Decimal("25.00"),
               remaining_credit=Decimal("25.00")),
    CreditNote("cn-2", "ACCRECCREDIT", "PAID", number="CN-0002", currency="AUD",
               date=TODAY - timedelta(days=9), total=Decimal("15.00")),
]  # fmt: skip


@pytest.fixture
def au_connection():
    return make_connection(
        tenant_name="Demo Company (AU)", base_currency="AUD", timezone="AUSEASTERNSTANDARDTIME"
    )


@pytest.fixture
def now(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def contact_tab(sso_user_client, au_connection, now):
    org = OrganizationFactory(name="O'Brien Plumbing")
    link = XeroLinkFactory(record=org, xero_name="O'Brien Plumbing")
    account = selectors.Account(
        contact=Contact(contact_id=str(link.xero_id), name="O'Brien Plumbing", is_customer=True),
        invoices=ITEMS,
        updated_at=timezone.now(),
        credit_notes=NOTES,
    )
    with mock.patch.object(selectors, "contact_account", autospec=True, return_value=account):
        yield lambda query="": sso_user_client.get(
            f"/xero/tab/organization/{org.pk}/{query}"
        ).content.decode()


def text_of(html: str, name: str) -> str:
    """The text of the element with this data-testid (tags stripped, spaces squeezed)."""
    found = re.search(rf'data-testid="{name}"[^>]*>(.*?)</(?:span|td|dd)>', html, re.S)
    assert found, f"no {name}"
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


def test_the_contact_tab_shows_every_figure_with_its_amount(contact_tab):
    html = contact_tab()
    assert text_of(html, "xero-invoices-total") == "AUD 1,010.00"  # the four, as before
    assert text_of(html, "xero-lifetime-value") == "AUD 1,040.00"
    assert text_of(html, "xero-outstanding") == "AUD 930.00"  # 110 + 120 + 300 + 400
    assert text_of(html, "xero-overdue") == "AUD 820.00"
    assert text_of(html, "xero-overdue-detail") == "3 invoices, oldest 95 days overdue"
    assert text_of(html, "xero-ageing-current") == "AUD 110.00"
    assert text_of(html, "xero-ageing-1-30") == "AUD 120.00"
    assert text_of(html, "xero-ageing-31-60") == "AUD 300.00"
    assert text_of(html, "xero-ageing-61-90") == "AUD 0.00"
    assert text_of(html, "xero-ageing-over-90") == "AUD 400.00"
    assert text_of(html, "xero-payables-ageing-1-30") == "AUD 70.00"
    assert text_of(html, "xero-days-to-pay") == "30 days"
    assert text_of(html, "xero-credit-notes") == "AUD 40.00"
    assert text_of(html, "xero-credit-notes-remaining") == "AUD 25.00"
    assert text_of(html, "xero-net-of-credit-notes") == "AUD 1,000.00"
    assert text_of(html, "xero-currency-outstanding") == "USD 65.00"
    assert text_of(html, "xero-currency-approx-outstanding") == "≈ AUD 100.00"
    assert "How these are worked out" in html
    assert "Invoiced, awaiting payment or approval (invoice totals)" in html
    assert 'data-testid="xero-other-currencies"' not in html


def test_overdue_rows_have_a_badge_and_part_paid_ones_say_so(contact_tab):
    html = contact_tab()
    badges = re.findall(r'data-testid="xero-overdue-badge">([^<]*)<', html)
    # inv-30 is 30 days overdue in Sydney (it would be 29 by UTC's date); the bill too.
    assert sorted(badges) == sorted(
        ["Overdue 30 days", "Overdue 31 days", "Overdue 95 days", "Overdue 12 days",
         "Overdue 40 days"]
    )  # fmt: skip
    assert html.count('data-testid="xero-part-paid-badge"') == 1
    assert "Credit note" in html and "CN-0001" in html


def test_show_overdue_and_credit_notes(contact_tab):
    overdue = contact_tab("?show=overdue")
    rows = re.findall(r'<tr data-testid="xero-item"[^>]*>\s*<td>(?:<a [^>]*>)?([^<]*)', overdue)
    assert sorted(rows) == ["BILL-12", "INV-30", "INV-31", "INV-95", "USD-40"]
    notes = contact_tab("?show=credit_notes")
    rows = re.findall(r'<tr data-testid="xero-item"[^>]*>\s*<td>(?:<a [^>]*>)?([^<]*)', notes)
    assert rows == ["CN-0001", "CN-0002"]
    assert '<option value="credit_notes" selected>Credit notes</option>' in notes


def test_the_payables_ageing_is_shown_only_when_the_contact_has_bills(
    sso_user_client, au_connection, now
):
    org = OrganizationFactory()
    link = XeroLinkFactory(record=org)
    account = selectors.Account(
        contact=Contact(contact_id=str(link.xero_id), name="Customer only"),
        invoices=[i for i in ITEMS if i.type == "ACCREC"],
        updated_at=timezone.now(),
    )
    with mock.patch.object(selectors, "contact_account", autospec=True, return_value=account):
        html = sso_user_client.get(f"/xero/tab/organization/{org.pk}/").content.decode()
    assert 'data-testid="xero-ageing"' in html
    assert 'data-testid="xero-payables-ageing"' not in html
    assert text_of(html, "xero-credit-notes") == "AUD 0.00"


def test_the_deal_tab_shows_the_deal_figures(sso_user_client, au_connection, now):
    deal = OpportunityFactory()
    items = [
        *ITEMS,
        invoice("sub", status="SUBMITTED", total="20.00"),
        invoice("bill-paid", type="ACCPAY", status="PAID", total="30.00", paid="30.00"),
    ]
    linked = selectors.DealItems(items=items, missing=[], updated_at=timezone.now())
    with mock.patch.object(selectors, "linked_items", autospec=True, return_value=linked):
        html = sso_user_client.get(f"/xero/tab/opportunity/{deal.pk}/").content.decode()
    assert text_of(html, "xero-deal-invoiced") == "AUD 1,040.00"  # 110+200+300+400+30
    assert text_of(html, "xero-deal-pending") == "AUD 70.00"  # draft 50 + submitted 20
    assert text_of(html, "xero-deal-paid") == "AUD 110.00"  # 80 + 3 * 10
    assert text_of(html, "xero-deal-outstanding") == "AUD 930.00"
    assert text_of(html, "xero-deal-overdue") == "AUD 820.00"
    assert text_of(html, "xero-deal-bills") == "AUD 100.00"  # 70 authorised + 30 paid
    assert text_of(html, "xero-deal-margin") == "AUD 940.00"
    assert text_of(html, "xero-net") == "AUD 1,030.00"  # as before: no bill awaits approval
    assert text_of(html, "xero-currency-approx-lifetime") == "≈ AUD 100.00"
    assert html.count('data-testid="xero-overdue-badge"') == 5
    assert "How these are worked out" in html
    assert 'value="credit_notes"' not in html


def test_an_item_without_a_rate_is_named_and_left_out_of_the_approximation(
    sso_user_client, au_connection, now
):
    org = OrganizationFactory()
    link = XeroLinkFactory(record=org)
    items = [
        invoice("eur-rated", past_due=5, total="60.00", currency="EUR", rate="0.6"),
        invoice("eur-no-rate", past_due=5, total="40.00", currency="EUR", rate="0"),
    ]
    account = selectors.Account(
        contact=Contact(contact_id=str(link.xero_id), name="Euro customer"),
        invoices=items,
        updated_at=timezone.now(),
    )
    with mock.patch.object(selectors, "contact_account", autospec=True, return_value=account):
        html = sso_user_client.get(f"/xero/tab/organization/{org.pk}/").content.decode()
    assert text_of(html, "xero-currency-outstanding") == "EUR 100.00"
    assert text_of(html, "xero-currency-approx-outstanding") == "≈ AUD 100.00"  # 60 / 0.6 only
    assert "Some EUR items have no rate from Xero" in html
    assert text_of(html, "xero-outstanding") == "AUD 0.00"


def rules_shown(html: str) -> dict[str, str]:
    """The "How these are worked out" disclosure: figure name -> its rule, as shown."""
    found = re.search(r'data-testid="xero-rules">(.*?)</details>', html, re.S)
    assert found, "no How these are worked out on the tab"
    pairs = re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", found.group(1), re.S)
    return {unescape(name): unescape(rule) for name, rule in pairs}


def figure_labels(html: str) -> list[str]:
    """The label of each figure card (dl.figures), as shown."""
    found = re.search(r'<dl class="figures">(.*?)</dl>', html, re.S)
    assert found, "no figures on the tab"
    return [unescape(label) for label in re.findall(r"<dt>(.*?)</dt>", found.group(1))]


def test_every_figure_on_the_contact_tab_has_its_rule_in_the_disclosure(contact_tab):
    html = contact_tab()
    rules = rules_shown(html)
    for label in figure_labels(html):
        assert any(label.startswith(name) for name in rules), label
    # The breakdowns, the other currencies' table and the chart are explained too.
    for name in ("Ageing", "Payables ageing", "Other currencies", "Not counted"):
        assert name in rules
    assert "RemainingCredit" in rules["Credit notes"]
    assert rules["Net of credit notes"].startswith("Lifetime value minus")
    assert "by the month of their invoice date" in rules["12-month chart: invoiced"]
    assert "FullyPaidOnDate" in rules["12-month chart: paid"]
    assert 'data-testid="xero-chart"' in html


def test_every_figure_on_the_deal_tab_has_its_rule_and_rows_have_their_badges(
    sso_user_client, au_connection, now
):
    deal = OpportunityFactory()
    linked = selectors.DealItems(items=ITEMS, missing=[], updated_at=timezone.now())
    url = f"/xero/tab/opportunity/{deal.pk}/"
    with mock.patch.object(selectors, "linked_items", autospec=True, return_value=linked):
        html = sso_user_client.get(url).content.decode()
        overdue = sso_user_client.get(f"{url}?show=overdue").content.decode()
    rules = rules_shown(html)
    labels = figure_labels(html)
    assert len(labels) == 10
    for label in labels:
        assert any(label.startswith(name) for name in rules), label
    assert "Other currencies" in rules and "Not counted" in rules
    assert html.count('data-testid="xero-part-paid-badge"') == 1  # inv-30: 120 of 200 due
    assert 'data-testid="xero-currencies"' in html
    # Show → Overdue on the deal tab: the overdue rows, each with its badge.
    assert '<option value="overdue" selected>Overdue</option>' in overdue
    rows = re.findall(r'<tr data-testid="xero-item"[^>]*>\s*<td>(?:<a [^>]*>)?([^<]*)', overdue)
    assert sorted(rows) == ["BILL-12", "INV-30", "INV-31", "INV-95", "USD-40"]
    assert overdue.count('data-testid="xero-overdue-badge"') == 5
