"""Every figure of the Xero tabs against a deliberately naive second implementation.

Hypothesis draws sets of invoices, bills and credit notes (every status and type, currencies with
Xero rates or none, dates around today, part payments and credits, due dates in every ageing
bucket and on its edges); each figure below is recomputed with one plain loop of its own and
compared to the cent.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from linking import figures, selectors
from linking.xero import CreditNote, Invoice

BASE = "AUD"
TODAY = date(2026, 12, 1)
CENT = Decimal("0.01")
STATUSES = ("DRAFT", "SUBMITTED", "AUTHORISED", "PAID", "VOIDED", "DELETED")
# Days past due on and around every bucket's edges, and anywhere else.
EDGES = (-30, -1, 0, 1, 2, 29, 30, 31, 32, 59, 60, 61, 62, 89, 90, 91, 92, 365)

money = st.decimals(min_value=0, max_value=50_000, places=2, allow_nan=False, allow_infinity=False)
fraction = st.sampled_from(
    [Decimal("0"), Decimal("0"), Decimal("0.25"), Decimal("0.5"), Decimal("1")]
)
currency = st.sampled_from([BASE, BASE, BASE, "USD", "EUR", "GBP", "NZD"])
rate = st.one_of(
    st.none(),
    st.just(Decimal("0")),
    st.decimals(min_value=Decimal("0.3"), max_value=Decimal("2.5"), places=6),
)


@st.composite
def invoices(draw):
    items = []
    for k in range(draw(st.integers(0, 40))):
        code = draw(currency)
        status = draw(st.sampled_from(STATUSES))
        total = draw(money)
        credited = (total * draw(fraction) / 2).quantize(CENT)
        if status == "PAID":
            paid = total - credited
        else:
            paid = ((total - credited) * draw(fraction)).quantize(CENT)
        due = total - credited - paid if status in ("AUTHORISED", "SUBMITTED", "DRAFT") else 0
        day = TODAY + timedelta(days=draw(st.integers(-800, 20)))
        past_due = draw(st.one_of(st.sampled_from(EDGES), st.integers(-60, 500)))
        fully_paid = None
        if status == "PAID" and draw(st.integers(0, 9)):
            fully_paid = day + timedelta(days=draw(st.integers(-3, 400)))
        items.append(
            Invoice(
                invoice_id=f"i{k}",
                type=draw(st.sampled_from(["ACCREC", "ACCREC", "ACCPAY"])),
                status=status,
                number=f"N-{k}",
                date=day if draw(st.integers(0, 19)) else None,
                due_date=(TODAY - timedelta(days=past_due)) if draw(st.integers(0, 9)) else None,
                currency=code,
                total=total,
                amount_paid=paid,
                amount_credited=credited,
                amount_due=Decimal(due),
                currency_rate=Decimal("1") if code == BASE else draw(rate),
                fully_paid_on=fully_paid,
            )
        )
    return items


@st.composite
def credit_notes(draw):
    notes = []
    for k in range(draw(st.integers(0, 12))):
        code = draw(currency)
        total = draw(money)
        notes.append(
            CreditNote(
                credit_note_id=f"c{k}",
                type=draw(st.sampled_from(["ACCRECCREDIT", "ACCRECCREDIT", "ACCPAYCREDIT"])),
                status=draw(st.sampled_from(STATUSES)),
                number=f"CN-{k}",
                date=TODAY - timedelta(days=draw(st.integers(0, 400))),
                currency=code,
                currency_rate=Decimal("1") if code == BASE else draw(rate),
                total=total,
                remaining_credit=(total * draw(fraction)).quantize(CENT),
            )
        )
    return notes


# ------------------------------------------------------------------- the naive implementation


def live(item) -> bool:
    return item.status not in ("VOIDED", "DELETED")


def late_days(item) -> int:
    if item.status != "AUTHORISED" or item.amount_due <= 0 or item.due_date is None:
        return 0
    days = (TODAY - item.due_date).days
    return days if days > 0 else 0


def naive_outstanding(items, kind, code=BASE):
    total = Decimal("0")
    for i in items:
        if i.type == kind and i.status == "AUTHORISED" and i.currency == code:
            total += i.amount_due
    return total


def naive_overdue(items, kind, code=BASE):
    amount, count, oldest = Decimal("0"), 0, 0
    for i in items:
        if i.type == kind and i.currency == code and late_days(i) > 0:
            amount += i.amount_due
            count += 1
            if late_days(i) > oldest:
                oldest = late_days(i)
    return amount, count, oldest


def naive_ageing(items, kind):
    edges = {
        "current": (-(10**9), 0),
        "1-30": (1, 30),
        "31-60": (31, 60),
        "61-90": (61, 90),
        "over-90": (91, 10**9),
    }
    out = {}
    for key, (low, high) in edges.items():
        amount, count = Decimal("0"), 0
        for i in items:
            if i.type != kind or i.status != "AUTHORISED" or i.currency != BASE:
                continue
            days = (TODAY - i.due_date).days if i.due_date else 0
            if low <= days <= high:
                amount += i.amount_due
                count += 1 if i.amount_due > 0 else 0
        out[key] = (amount, count)
    return out


def naive_totals(items, kind, statuses, field="total", code=BASE):
    total = Decimal("0")
    for i in items:
        if i.type == kind and i.status in statuses and i.currency == code:
            total += getattr(i, field)
    return total


def naive_days_to_pay(items):
    spans = []
    for i in items:
        if i.type != "ACCREC" or i.status != "PAID" or not i.date or not i.fully_paid_on:
            continue
        if TODAY - timedelta(days=364) <= i.fully_paid_on <= TODAY:
            spans.append((i.fully_paid_on - i.date).days)
    if len(spans) < 3:
        return None, len(spans)
    mean = Fraction(sum(spans), len(spans))
    sign = -1 if mean < 0 else 1
    return Decimal(sign * math.floor(abs(mean) + Fraction(1, 2))), len(spans)


def naive_credits(notes, code=BASE):
    count, total, remaining = 0, Decimal("0"), Decimal("0")
    for n in notes:
        if n.type == "ACCRECCREDIT" and n.status in ("AUTHORISED", "PAID") and n.currency == code:
            count += 1
            total += n.total
            remaining += n.remaining_credit
    return count, total, remaining


def naive_convert(pairs):
    """(amount, rate) pairs: the sum of each amount / rate to the cent, and how many had no rate."""
    amount, missing = Decimal("0"), 0
    for value, r in pairs:
        if r is None or r <= 0:
            missing += 1
        else:
            amount += (value / r).quantize(CENT, rounding=ROUND_HALF_UP)
    return amount, missing


def naive_currency_rows(items, notes):
    codes = {i.currency for i in items if live(i) and i.currency != BASE}
    codes |= {
        n.currency
        for n in notes
        if n.currency != BASE and n.type == "ACCRECCREDIT" and n.status in ("AUTHORISED", "PAID")
    }
    rows = []
    for code in codes:
        mine = [i for i in items if i.currency == code]
        sales_due = [i for i in mine if i.type == "ACCREC" and i.status == "AUTHORISED"]
        sales_live = [i for i in mine if i.type == "ACCREC" and i.status in ("AUTHORISED", "PAID")]
        credits = [
            n
            for n in notes
            if n.currency == code
            and n.type == "ACCRECCREDIT"
            and n.status in ("AUTHORISED", "PAID")
        ]
        amount, count, _ = naive_overdue(items, "ACCREC", code)
        rows.append(
            (
                code,
                sum(1 for i in mine if live(i)),
                naive_outstanding(items, "ACCREC", code),
                amount,
                count,
                naive_totals(items, "ACCREC", ("AUTHORISED", "PAID"), code=code),
                naive_credits(notes, code)[1],
                naive_convert((i.amount_due, i.currency_rate) for i in sales_due),
                naive_convert(
                    (i.amount_due, i.currency_rate) for i in sales_due if late_days(i) > 0
                ),
                naive_convert((i.total, i.currency_rate) for i in sales_live),
                naive_convert((n.total, n.currency_rate) for n in credits),
            )
        )
    return sorted(rows, key=lambda r: (-r[1], r[0]))


def as_tuples(rows):
    return [
        (
            r.currency,
            r.count,
            r.outstanding,
            r.overdue,
            r.overdue_count,
            r.lifetime_value,
            r.credit_notes,
            (r.approx_outstanding.amount, r.approx_outstanding.missing),
            (r.approx_overdue.amount, r.approx_overdue.missing),
            (r.approx_lifetime_value.amount, r.approx_lifetime_value.missing),
            (r.approx_credit_notes.amount, r.approx_credit_notes.missing),
        )
        for r in rows
    ]


# ---------------------------------------------------------------------------------- the checks


@settings(max_examples=300, deadline=None)
@given(items=invoices(), notes=credit_notes())
def test_every_contact_figure_matches_the_naive_sums(items, notes):
    got = figures.contact_figures(
        invoices=items, credit_notes=notes, base_currency=BASE, today=TODAY
    )
    summary = selectors.invoice_summary(invoices=items, base_currency=BASE, today=TODAY)

    # The four figures as defined before, untouched.
    assert summary.invoices_total == naive_totals(items, "ACCREC", ("AUTHORISED", "SUBMITTED"))
    assert summary.bills_total == naive_totals(items, "ACCPAY", ("SUBMITTED",))
    lifetime = naive_totals(items, "ACCREC", ("AUTHORISED", "PAID"))
    assert summary.lifetime_value == got.lifetime_value == lifetime
    recent = Decimal("0")
    for i in items:
        counted = i.type == "ACCREC" and i.status in ("AUTHORISED", "PAID") and i.currency == BASE
        if counted and i.date and TODAY - timedelta(days=364) <= i.date <= TODAY:
            recent += i.total
    assert summary.twelve_month_value == recent

    assert got.outstanding == naive_outstanding(items, "ACCREC")
    overdue = got.overdue
    assert (overdue.amount, overdue.count, overdue.oldest_days) == naive_overdue(items, "ACCREC")
    for ageing, kind in ((got.ageing, "ACCREC"), (got.payables_ageing, "ACCPAY")):
        assert {b.key: (b.amount, b.count) for b in ageing.buckets} == naive_ageing(items, kind)
    assert got.ageing.total == got.outstanding
    assert got.payables_outstanding == naive_outstanding(items, "ACCPAY")
    payables = got.payables_overdue
    assert (payables.amount, payables.count, payables.oldest_days) == naive_overdue(items, "ACCPAY")
    assert got.has_bills == any(i.type == "ACCPAY" and live(i) for i in items)
    assert (got.days_to_pay.days, got.days_to_pay.count) == naive_days_to_pay(items)
    count, total, remaining = naive_credits(notes)
    assert (got.credit_notes.count, got.credit_notes.total) == (count, total)
    assert got.credit_notes.remaining == remaining
    assert got.net_of_credit_notes == lifetime - total
    assert as_tuples(got.currencies) == naive_currency_rows(items, notes)


@settings(max_examples=300, deadline=None)
@given(items=invoices())
def test_every_deal_figure_matches_the_naive_sums(items):
    got = figures.deal_figures(invoices=items, base_currency=BASE, today=TODAY)
    invoiced = naive_totals(items, "ACCREC", ("AUTHORISED", "PAID"))
    bills = naive_totals(items, "ACCPAY", ("AUTHORISED", "PAID"))
    assert got.invoiced == invoiced
    assert got.pending == naive_totals(items, "ACCREC", ("DRAFT", "SUBMITTED"))
    assert got.paid == naive_totals(items, "ACCREC", ("AUTHORISED", "PAID"), "amount_paid")
    assert got.outstanding == naive_outstanding(items, "ACCREC")
    overdue = got.overdue
    assert (overdue.amount, overdue.count, overdue.oldest_days) == naive_overdue(items, "ACCREC")
    assert got.bills == bills
    assert got.margin == invoiced - bills
    assert as_tuples(got.currencies) == naive_currency_rows(items, [])


@settings(max_examples=200, deadline=None)
@given(items=invoices(), notes=credit_notes())
def test_show_overdue_and_credit_notes_keep_exactly_those_rows(items, notes):
    overdue = selectors.filter_items(items, "overdue", today=TODAY, credit_notes=notes)
    assert {i.invoice_id for i in overdue} == {i.invoice_id for i in items if late_days(i) > 0}
    assert all(figures.days_overdue(i, TODAY) == late_days(i) for i in items)
    listed = selectors.filter_items(items, "credit_notes", today=TODAY, credit_notes=notes)
    assert sorted(n.credit_note_id for n in listed) == sorted(n.credit_note_id for n in notes)
    everything = selectors.filter_items(items, "all", today=TODAY, credit_notes=notes)
    assert len(everything) == len(items) + len(notes)
