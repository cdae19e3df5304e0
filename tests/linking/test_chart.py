"""The 12-month chart's months and amounts, against a naive calculation written here."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from linking import chart
from linking.xero.types import Invoice

TODAY = date(2026, 12, 1)


def invoice(**fields) -> Invoice:
    fields.setdefault("invoice_id", "id")
    fields.setdefault("type", "ACCREC")
    fields.setdefault("status", "AUTHORISED")
    fields.setdefault("currency", "AUD")
    return Invoice(**fields)


def naive(invoices: list[Invoice], today: date) -> list[tuple[str, Decimal, Decimal]]:
    """One loop per month and figure, by the rules: the current month and the eleven before."""
    months = []
    year, month = today.year, today.month
    for _ in range(12):
        months.append((year, month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    months.reverse()
    rows = []
    for year, month in months:
        invoiced = Decimal("0.00")
        for i in invoices:
            if (
                i.type == "ACCREC"
                and i.currency == "AUD"
                and i.status in ("AUTHORISED", "PAID")
                and i.date is not None
                and (i.date.year, i.date.month) == (year, month)
            ):
                invoiced += i.total
        paid = Decimal("0.00")
        for i in invoices:
            if (
                i.type == "ACCREC"
                and i.currency == "AUD"
                and i.status == "PAID"
                and i.fully_paid_on is not None
                and (i.fully_paid_on.year, i.fully_paid_on.month) == (year, month)
            ):
                paid += i.total
        rows.append((f"{year:04d}-{month:02d}", invoiced, paid))
    return rows


def computed(invoices: list[Invoice], today: date) -> list[tuple[str, Decimal, Decimal]]:
    found = chart.twelve_months(invoices=invoices, base_currency="AUD", today=today)
    return [(m.start.strftime("%Y-%m"), m.invoiced, m.paid) for m in found.months]


def test_the_months_are_the_current_one_and_the_eleven_before_oldest_first():
    starts = chart.month_starts(date(2026, 3, 31))
    assert starts[0] == date(2025, 4, 1) and starts[-1] == date(2026, 3, 1)
    assert len(starts) == 12
    assert chart.month_starts(date(2026, 1, 1))[-2:] == [date(2025, 12, 1), date(2026, 1, 1)]


def test_invoiced_counts_authorised_and_paid_by_invoice_month_paid_by_fully_paid_month():
    invoices = [
        invoice(status="PAID", total=Decimal("100.00"), date=date(2026, 10, 30),
                fully_paid_on=date(2026, 11, 2)),
        invoice(status="AUTHORISED", total=Decimal("50.50"), date=date(2026, 12, 20)),
        invoice(status="DRAFT", total=Decimal("999.00"), date=date(2026, 12, 1)),
        invoice(status="VOIDED", total=Decimal("999.00"), date=date(2026, 12, 1)),
        invoice(type="ACCPAY", status="PAID", total=Decimal("999.00"), date=date(2026, 12, 1),
                fully_paid_on=date(2026, 12, 1)),
        invoice(currency="USD", status="PAID", total=Decimal("999.00"), date=date(2026, 12, 1),
                fully_paid_on=date(2026, 12, 1)),
        invoice(status="PAID", total=Decimal("7.00"), date=date(2025, 12, 31),
                fully_paid_on=date(2026, 1, 5)),
    ]  # fmt: skip
    months = {m.start: m for m in chart.twelve_months(
        invoices=invoices, base_currency="AUD", today=TODAY).months}  # fmt: skip
    assert date(2025, 12, 1) not in months  # 13 months back: left out
    assert months[date(2026, 10, 1)].invoiced == Decimal("100.00")
    assert months[date(2026, 11, 1)].paid == Decimal("100.00")
    assert months[date(2026, 12, 1)].invoiced == Decimal("50.50")  # later this month counts
    assert months[date(2026, 12, 1)].paid == Decimal("0.00")
    assert months[date(2026, 1, 1)].paid == Decimal("7.00")


def test_bars_are_scaled_to_a_round_top_and_never_leave_the_chart():
    invoices = [invoice(total=Decimal("1234.56"), date=date(2026, 6, 1))]
    found = chart.twelve_months(invoices=invoices, base_currency="AUD", today=TODAY)
    assert found.scale == Decimal("2000")
    june = next(m for m in found.months if m.start == date(2026, 6, 1))
    assert 0 < june.invoiced_bar.height < chart.HEIGHT
    assert june.invoiced_bar.y + june.invoiced_bar.height == found.baseline
    assert all(m.paid_bar.height == 0 for m in found.months)
    assert chart.nice_scale(Decimal("0")) == 1
    assert chart.nice_scale(Decimal("5000.01")) == 10000


amounts = st.decimals(min_value=0, max_value=10**7, places=2, allow_nan=False)
days = st.integers(min_value=-450, max_value=60).map(lambda n: TODAY + timedelta(days=n))
invoices = st.builds(
    invoice,
    type=st.sampled_from(["ACCREC", "ACCPAY"]),
    status=st.sampled_from(["DRAFT", "SUBMITTED", "AUTHORISED", "PAID", "VOIDED", "DELETED"]),
    currency=st.sampled_from(["AUD", "USD"]),
    total=amounts,
    date=st.none() | days,
    fully_paid_on=st.none() | days,
)


@settings(max_examples=200, deadline=None)
@given(st.lists(invoices, max_size=40), st.integers(min_value=-400, max_value=400))
def test_the_months_match_a_naive_calculation_to_the_cent(items, shift):
    today = TODAY + timedelta(days=shift)
    assert computed(items, today) == naive(items, today)
