"""In the browser, against the sandbox: the money figures of the Xero tabs (issue 12).

Outstanding, overdue, ageing, days to pay and the other currencies' table for a small customer
with invoices in every ageing bucket (O'Brien Plumbing) and for City Agency (3,000 invoices),
at 1366 and 390 pixels wide; the overdue badge either side of the 30-day boundary; a deal's
figures, with a draft created from the tab counted at once. Expectations are computed here
from the sandbox's own rows (sandbox.models) by the issue's rules, never from the CRM's code.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from playwright.sync_api import Locator, Page, expect

from sandbox import organisations, seed
from sandbox.models import Invoice as XeroInvoice
from sandbox.models import Organisation as XeroOrganisation
from tests.browser import test_xero_tab as contact_tab
from tests.browser.test_xero_deal_tab import item_link
from tests.browser.test_xero_tab import click, link, money, open_xero_tab, settled, xero_contact
from tests.factories import OpportunityFactory, OrganizationFactory

pytestmark = pytest.mark.django_db(transaction=True)

connection = contact_tab.connection
signed_in = contact_tab.signed_in
xero_api = contact_tab.xero_api

AU = seed.AU_TENANT_ID
ZERO = Decimal("0.00")
WIDTHS = (1366, 390)
BUCKETS = {
    "current": (-(10**6), 0),
    "1-30": (1, 30),
    "31-60": (31, 60),
    "61-90": (61, 90),
    "over-90": (91, 10**6),
}


def au_today():
    """Today where Demo Company (AU) is: what "overdue" counts from."""
    return organisations.local_today(XeroOrganisation.objects.get(organisation_id=AU))


def expected(rows: list[XeroInvoice], today) -> dict:
    """The contact tab's figures by the issue's rules, from the sandbox's rows."""
    base = [r for r in rows if r.currency == "AUD"]
    due = [r for r in base if r.type == "ACCREC" and r.status == "AUTHORISED"]

    def past_due(r) -> int:
        return (today - r.due_date).days if r.due_date else 0

    late = [r for r in due if past_due(r) > 0 and r.amount_due > 0]
    paid = [
        r
        for r in rows
        if r.type == "ACCREC"
        and r.status == "PAID"
        and r.fully_paid_on_date
        and today - timedelta(days=364) <= r.fully_paid_on_date <= today
    ]
    days = None
    if len(paid) >= 3:
        mean = Decimal(sum((r.fully_paid_on_date - r.date).days for r in paid)) / len(paid)
        days = mean.quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    return {
        "outstanding": sum((r.amount_due for r in due), ZERO),
        "overdue": sum((r.amount_due for r in late), ZERO),
        "overdue_count": len(late),
        "oldest": max((past_due(r) for r in late), default=0),
        "ageing": {
            key: sum((r.amount_due for r in due if low <= past_due(r) <= high), ZERO)
            for key, (low, high) in BUCKETS.items()
        },
        "days_to_pay": days,
    }


def converted(amount: Decimal, rate: Decimal) -> Decimal:
    return (amount / rate).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def other_currencies(rows: list[XeroInvoice], today) -> dict[str, dict]:
    """Each other currency's row: in its own currency, and ≈ AUD at each invoice's own rate."""
    out: dict[str, dict] = {}
    for r in rows:
        if r.currency == "AUD" or r.status in ("VOIDED", "DELETED"):
            continue
        row = out.setdefault(
            r.currency,
            {"count": 0, "outstanding": ZERO, "overdue": ZERO, "lifetime": ZERO,
             "approx_outstanding": ZERO, "approx_lifetime": ZERO},
        )  # fmt: skip
        row["count"] += 1
        if r.type != "ACCREC":
            continue
        if r.status == "AUTHORISED":
            row["outstanding"] += r.amount_due
            row["approx_outstanding"] += converted(r.amount_due, r.currency_rate)
            if r.due_date and (today - r.due_date).days > 0 and r.amount_due > 0:
                row["overdue"] += r.amount_due
        if r.status in ("AUTHORISED", "PAID"):
            row["lifetime"] += r.total
            row["approx_lifetime"] += converted(r.total, r.currency_rate)
    return out


def check_contact_figures(panel: Locator, want: dict, currencies: dict[str, dict]) -> None:
    expect(panel.get_by_test_id("xero-outstanding")).to_have_text(
        f"AUD {money(want['outstanding'])}"
    )
    expect(panel.get_by_test_id("xero-overdue")).to_have_text(f"AUD {money(want['overdue'])}")
    count, oldest = want["overdue_count"], want["oldest"]
    expect(panel.get_by_test_id("xero-overdue-detail")).to_have_text(
        f"{count} invoice{'s' if count != 1 else ''}, oldest {oldest} days overdue"
    )
    for key, amount in want["ageing"].items():
        expect(panel.get_by_test_id(f"xero-ageing-{key}")).to_have_text(f"AUD {money(amount)}")
    days = want["days_to_pay"]
    expect(panel.get_by_test_id("xero-days-to-pay")).to_have_text(
        "Not enough paid invoices" if days is None else f"{days} days"
    )
    table = panel.get_by_test_id("xero-currencies")
    rows = table.get_by_test_id("xero-currency-row")
    expect(rows).to_have_count(len(currencies))
    for code, row in currencies.items():
        mine = rows.and_(panel.locator(f'[data-currency="{code}"]'))
        expect(mine.get_by_test_id("xero-currency-count")).to_have_text(str(row["count"]))
        for name in ("outstanding", "overdue", "lifetime"):
            expect(mine.get_by_test_id(f"xero-currency-{name}")).to_have_text(
                f"{code} {money(row[name])}"
            )
        expect(mine.get_by_test_id("xero-currency-approx-outstanding")).to_have_text(
            f"≈ AUD {money(row['approx_outstanding'])}"
        )
        expect(mine.get_by_test_id("xero-currency-approx-lifetime")).to_have_text(
            f"≈ AUD {money(row['approx_lifetime'])}"
        )
    expect(panel.get_by_text("≈ AUD is approximate")).to_be_visible()


def fits(page: Page, width: int) -> None:
    """At this width the figure cards fit the screen and wide tables scroll inside their box."""
    cards = page.locator("dl.figures > div")
    for n in range(cards.count()):
        box = cards.nth(n).bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= width + 1, (n, box)
    for name in ("xero-currencies", "xero-ageing"):
        holder = page.get_by_test_id(name).locator("xpath=..")
        box = holder.bounding_box()
        assert box and box["x"] + box["width"] <= width + 1, (name, box)


def test_a_small_customer_s_ageing_overdue_and_currencies(signed_in, connection):
    page = signed_in
    obrien = xero_contact("O'Brien Plumbing")
    rows = list(XeroInvoice.objects.filter(contact=obrien))
    today = au_today()
    want = expected(rows, today)
    currencies = other_currencies(rows, today)
    # The seed covers every bucket, so none of these checks can pass on zeros.
    assert all(want["ageing"].values()) and want["days_to_pay"] is not None
    assert "USD" in currencies and currencies["USD"]["overdue"] > 0

    org = OrganizationFactory(name="O'Brien Plumbing")
    link(org, connection, obrien)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        panel = open_xero_tab(page, org)
        check_contact_figures(panel, want, currencies)
        expect(panel.get_by_text("How these are worked out")).to_be_visible()
        fits(page, width)

    # Due exactly 30 and 31 days ago: both overdue, one each side of the 1-30 / 31-60 edge.
    click(panel.get_by_label("Show"))
    with page.expect_response(lambda r: "show=overdue" in r.url):
        panel.get_by_label("Show").select_option("Overdue")
    settled(page)
    listed = panel.get_by_test_id("xero-item")
    overdue = [
        r
        for r in rows
        if r.status == "AUTHORISED" and r.due_date and r.due_date < today and r.amount_due
    ]
    expect(listed).to_have_count(len(overdue))
    for days in (30, 31):
        [row] = [r for r in rows if r.status == "AUTHORISED" and r.due_date == today - timedelta(
            days=days)]  # fmt: skip
        mine = listed.filter(has_text=row.number)
        expect(mine.get_by_test_id("xero-overdue-badge")).to_have_text(f"Overdue {days} days")
        if row.amount_paid:
            expect(mine.get_by_test_id("xero-part-paid-badge")).to_have_text("Part paid")
            expect(mine.locator("td.num").nth(1)).to_have_text(money(row.amount_due))
    not_yet = [r for r in rows if r.status == "AUTHORISED" and r.due_date and r.due_date >= today]
    assert not_yet  # due today or later: no badge, not listed under Overdue
    for row in not_yet:
        expect(listed.filter(has_text=row.number)).to_have_count(0)


@pytest.mark.sandbox_invoices(3000)
def test_city_agency_s_figures_over_three_thousand_invoices(signed_in, connection):
    page = signed_in
    city = xero_contact(seed.BIG_CUSTOMER_NAME)
    rows = list(XeroInvoice.objects.filter(contact=city))
    assert len(rows) >= 3000
    today = au_today()
    want = expected(rows, today)
    currencies = other_currencies(rows, today)
    assert want["outstanding"] and "USD" in currencies

    org = OrganizationFactory(name="City Agency Pty")
    link(org, connection, city)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        panel = open_xero_tab(page, org)
        check_contact_figures(panel, want, currencies)
        fits(page, width)


def put(call, contact, kind, status, currency, amount, *, day, number="") -> XeroInvoice:
    """An invoice or bill made in the sandbox through its API, due 30 days after its date."""
    invoice = {
        "Type": kind,
        "Contact": {"ContactID": str(contact.contact_id)},
        "Status": status,
        "Date": day.isoformat(),
        "DueDate": (day + timedelta(days=30)).isoformat(),
        "CurrencyCode": currency,
        "LineItems": [
            {
                "Description": "Figures test",
                "Quantity": 1,
                "UnitAmount": amount,
                "AccountCode": "200" if kind == "ACCREC" else "429",
            }
        ],
    }
    if number:
        invoice["InvoiceNumber"] = number
    answer = call("PUT", "/Invoices", json={"Invoices": [invoice]})
    return XeroInvoice.objects.get(invoice_id=answer.json()["Invoices"][0]["InvoiceID"])


def test_a_deal_s_figures_and_a_draft_made_from_the_tab_counts_at_once(
    signed_in, connection, xero_api
):
    page = signed_in
    city = xero_contact(seed.BIG_CUSTOMER_NAME)
    deal = OpportunityFactory(name="Harbour Lights Festival", currency="AUD")
    link(deal.organization, connection, city)
    today = au_today()
    recent, old = today - timedelta(days=2), today - timedelta(days=45)
    items = [
        put(xero_api, city, "ACCREC", "AUTHORISED", "AUD", "1000.00", day=old),  # 15 days late
        put(xero_api, city, "ACCREC", "AUTHORISED", "AUD", "120.00", day=recent),
        put(xero_api, city, "ACCREC", "SUBMITTED", "AUD", "250.00", day=recent),
        put(xero_api, city, "ACCREC", "DRAFT", "AUD", "400.00", day=recent),
        put(xero_api, city, "ACCREC", "AUTHORISED", "USD", "700.00", day=recent),
        put(xero_api, city, "ACCPAY", "AUTHORISED", "AUD", "300.00", day=recent, number="HL-B1"),
        put(xero_api, city, "ACCPAY", "SUBMITTED", "AUD", "90.00", day=recent, number="HL-B2"),
    ]
    paid = XeroInvoice.objects.filter(contact=city, status="PAID", currency="AUD").first()
    items.append(paid)
    for item in items:
        item_link(deal, connection, item)
    rows = [XeroInvoice.objects.get(pk=i.pk) for i in items]
    aud = [r for r in rows if r.currency == "AUD"]

    def total(kind, statuses, field="total") -> Decimal:
        return sum(
            (getattr(r, field) for r in aud if r.type == kind and r.status in statuses), ZERO
        )

    invoiced = total("ACCREC", ("AUTHORISED", "PAID"))
    bills = total("ACCPAY", ("AUTHORISED", "PAID"))
    late = [
        r
        for r in aud
        if r.type == "ACCREC"
        and r.status == "AUTHORISED"
        and r.due_date
        and r.due_date < today
        and r.amount_due
    ]
    assert len(late) == 1
    pending = total("ACCREC", ("DRAFT", "SUBMITTED"))

    panel = open_xero_tab(page, deal)
    expect(panel.get_by_test_id("xero-deal-invoiced")).to_have_text(f"AUD {money(invoiced)}")
    expect(panel.get_by_test_id("xero-deal-pending")).to_have_text(f"AUD {money(pending)}")
    expect(panel.get_by_test_id("xero-deal-paid")).to_have_text(
        f"AUD {money(total('ACCREC', ('AUTHORISED', 'PAID'), 'amount_paid'))}"
    )
    expect(panel.get_by_test_id("xero-deal-outstanding")).to_have_text(
        f"AUD {money(total('ACCREC', ('AUTHORISED',), 'amount_due'))}"
    )
    expect(panel.get_by_test_id("xero-deal-overdue")).to_have_text(
        f"AUD {money(sum((r.amount_due for r in late), ZERO))}"
    )
    expect(panel.get_by_test_id("xero-deal-bills")).to_have_text(f"AUD {money(bills)}")
    expect(panel.get_by_test_id("xero-deal-margin")).to_have_text(f"AUD {money(invoiced - bills)}")
    usd = panel.get_by_test_id("xero-currencies").get_by_test_id("xero-currency-row")
    expect(usd.get_by_test_id("xero-currency-outstanding")).to_have_text("USD 770.00")
    expect(panel.get_by_test_id("xero-overdue-badge")).to_have_count(len(late))

    # A draft made from the tab is in "Not yet invoiced" as soon as the tab answers.
    click(panel.get_by_role("button", name="Create invoice draft"))
    panel.get_by_label("Account (line 1)").select_option("200")  # the composer asks for one
    click(panel.get_by_role("button", name="Create draft in Xero"))
    expect(panel.get_by_test_id("xero-notice")).to_contain_text("created as a draft in Xero")
    draft = XeroInvoice.objects.filter(contact=city, status="DRAFT").order_by("-updated").first()
    assert draft.total > 0
    expect(panel.get_by_test_id("xero-deal-pending")).to_have_text(
        f"AUD {money(pending + draft.total)}"
    )
    expect(panel.get_by_test_id("xero-deal-invoiced")).to_have_text(f"AUD {money(invoiced)}")
