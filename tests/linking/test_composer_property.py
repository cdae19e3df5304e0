"""The composer's totals against an independent calculation in exact fractions, over random drafts.

The naive calculation below shares no code with linking.composer: it works in `Fraction`, rounds
by hand (half away from zero, to the cent), and follows Xero's rules as its "Rounding in Xero"
guide states them: line amount = quantity x unit price x (100 - discount) / 100 rounded to
cents; tax per line rounded to cents, on top (exclusive) or taken out (inclusive); totals summed.
"""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from linking import composer
from linking.composer import DraftLine
from tests.linking import composer_data as data

RATES = {rate.tax_type: Fraction(rate.effective_rate) for rate in data.TAX_RATES}
TAX_TYPES = ["OUTPUT", "EXEMPTOUTPUT", "BASEXCLUDED", "OUTPUT2", "OLDOUTPUT"]


def to_cents(value: Fraction) -> Fraction:
    """Half away from zero, to the cent, by hand."""
    sign = -1 if value < 0 else 1
    return sign * Fraction(math.floor(abs(value) * 100 + Fraction(1, 2)), 100)


def naive(lines: list[tuple[Fraction, Fraction, Fraction, str]], amount_type: str):
    subtotal = tax_total = Fraction(0)
    for quantity, price, discount, tax_type in lines:
        amount = to_cents(quantity * price * (100 - discount) / 100)
        rate = RATES[tax_type]
        if amount_type == "NoTax":
            tax = Fraction(0)
        elif amount_type == "Inclusive":
            tax = to_cents(amount * rate / (100 + rate))
        else:
            tax = to_cents(amount * rate / 100)
        tax_total += tax
        subtotal += amount - tax if amount_type == "Inclusive" else amount
    return subtotal, tax_total, subtotal + tax_total


def places(scale: int, low: int, high: int):
    """Decimals from low to high (in units of 10**-scale) with `scale` places."""
    return st.integers(low, high).map(lambda n: Decimal(n).scaleb(-scale))


quantities = places(4, -50_000, 5_000_000).filter(bool)  # -5 to 500, 4 dp, never 0
prices = places(4, -1_000_000, 100_000_000)  # -100 to 10,000, 4 dp
discounts = st.one_of(st.just(None), places(2, 0, 10_000))  # 0 to 100%, 2 dp
draft_lines = st.builds(
    DraftLine,
    description=st.just("Work"),
    quantity=quantities,
    unit_price=prices,
    discount_rate=discounts,
    account_code=st.just("200"),
    tax_type=st.sampled_from(TAX_TYPES),
)


@settings(max_examples=400, deadline=None, database=None)
@given(
    lines=st.lists(draft_lines, min_size=1, max_size=12),
    amount_type=st.sampled_from(list(composer.AMOUNT_TYPES)),
)
def test_totals_match_an_independent_calculation_to_the_cent(lines, amount_type):
    preview = composer.totals(lines, amount_type, data.TAX_RATES)

    expected = naive(
        [
            (
                Fraction(line.quantity),
                Fraction(line.unit_price),
                Fraction(line.discount_rate or 0),
                line.tax_type,
            )
            for line in lines
        ],
        amount_type,
    )
    assert tuple(Fraction(v) for v in (preview.subtotal, preview.total_tax, preview.total)) == (
        expected
    )
    for figure in (preview.subtotal, preview.total_tax, preview.total):
        assert figure.as_tuple().exponent == -2  # cents, as Xero returns them
    assert preview.subtotal + preview.total_tax == preview.total
    assert sum((amount for _, amount in preview.taxes), Decimal("0.00")) == preview.total_tax


@settings(max_examples=200, deadline=None, database=None)
@given(lines=st.lists(draft_lines, min_size=1, max_size=6))
def test_inclusive_lines_keep_their_typed_amounts_as_the_total(lines):
    inclusive = composer.totals(lines, composer.INCLUSIVE, data.TAX_RATES)
    no_tax = composer.totals(lines, composer.NO_TAX, data.TAX_RATES)

    assert inclusive.total == no_tax.total == no_tax.subtotal
    assert no_tax.total_tax == 0
