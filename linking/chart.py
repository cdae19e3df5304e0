"""The 12-month chart of a Xero contact's tab: sales invoiced and paid, month by month.

Pure functions over the seam's dataclasses, in Decimal. The months are the current calendar
month (all of it: an invoice dated later this month counts) and the eleven before it, oldest
first, in the organisation's base currency (other currencies are left out):

- invoiced: the Total of sales invoices (ACCREC) AUTHORISED or PAID, by the month of their Date;
- paid: the Total of sales invoices PAID, by the month of their FullyPaidOnDate.

The bar geometry (in the SVG's own units; the SVG scales to its container) is worked out here
too, so the template only places what it is given.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from linking.xero import Invoice

MONTHS = 12
ZERO = Decimal("0.00")

# SVG geometry: a viewBox of WIDTH x HEIGHT units; each month a slot of two bars.
WIDTH = 360
HEIGHT = 200
TOP = 22  # room for the scale's label
BOTTOM = 22  # room for the month labels
LEFT = 6
SLOT = (WIDTH - LEFT) // MONTHS  # 29 units a month
BAR = 12
GAP = 1


def month_starts(today: date, count: int = MONTHS) -> list[date]:
    """The first days of the last `count` calendar months up to and including today's, oldest
    first."""
    index = today.year * 12 + today.month - 1
    return [date((n // 12), n % 12 + 1, 1) for n in range(index - count + 1, index + 1)]


@dataclass(frozen=True)
class Bar:
    x: int
    y: float
    height: float


@dataclass(frozen=True)
class Month:
    start: date
    invoiced: Decimal
    paid: Decimal
    invoiced_bar: Bar
    paid_bar: Bar

    @property
    def label(self) -> str:
        return self.start.strftime("%b %Y")

    @property
    def short(self) -> str:
        return self.start.strftime("%b")

    @property
    def label_x(self) -> int:
        return self.invoiced_bar.x + BAR + GAP // 2


@dataclass(frozen=True)
class Chart:
    currency: str
    months: tuple[Month, ...]
    scale: Decimal  # the value the full height stands for

    @property
    def first_label(self) -> str:
        return self.months[0].label

    @property
    def last_label(self) -> str:
        return self.months[-1].label

    @property
    def is_empty(self) -> bool:
        return all(not m.invoiced and not m.paid for m in self.months)

    @property
    def invoiced_total(self) -> Decimal:
        return sum((m.invoiced for m in self.months), ZERO)

    @property
    def paid_total(self) -> Decimal:
        return sum((m.paid for m in self.months), ZERO)

    width = WIDTH
    height = HEIGHT
    baseline = HEIGHT - BOTTOM
    label_y = HEIGHT - 6
    bar_width = BAR


def monthly_totals(
    *, invoices: Iterable[Invoice], base_currency: str, today: date
) -> list[tuple[date, Decimal, Decimal]]:
    """(month start, invoiced, paid) for the last 12 months, oldest first (rules above)."""
    starts = month_starts(today)
    invoiced = dict.fromkeys(starts, ZERO)
    paid = dict.fromkeys(starts, ZERO)
    for item in invoices:
        if item.type != "ACCREC" or item.currency != base_currency:
            continue
        if item.status in ("AUTHORISED", "PAID") and item.date:
            month = item.date.replace(day=1)
            if month in invoiced:
                invoiced[month] += item.total
        if item.status == "PAID" and item.fully_paid_on:
            month = item.fully_paid_on.replace(day=1)
            if month in paid:
                paid[month] += item.total
    return [(start, invoiced[start], paid[start]) for start in starts]


def nice_scale(peak: Decimal) -> Decimal:
    """A round number at least `peak` (1, 2 or 5 times a power of ten) for the chart's top."""
    if peak <= 0:
        return Decimal(1)
    power = Decimal(10) ** (len(str(int(peak))) - 1)
    for step in (1, 2, 5, 10):
        if peak <= step * power:
            return step * power
    return 10 * power  # pragma: no cover (the loop's last step always holds)


def _bar(x: int, value: Decimal, scale: Decimal) -> Bar:
    room = Decimal(HEIGHT - TOP - BOTTOM)
    height = (max(value, ZERO) / scale * room).quantize(Decimal("0.1"), ROUND_HALF_UP)
    if value > 0 and height < Decimal("0.5"):
        height = Decimal("0.5")  # a small month still shows
    return Bar(x=x, y=float(HEIGHT - BOTTOM - height), height=float(height))


def twelve_months(*, invoices: Iterable[Invoice], base_currency: str, today: date) -> Chart:
    """The chart's months, amounts and bars."""
    totals = monthly_totals(invoices=invoices, base_currency=base_currency, today=today)
    scale = nice_scale(max((max(i, p) for _, i, p in totals), default=ZERO))
    months = []
    for n, (start, invoiced, paid) in enumerate(totals):
        x = LEFT + n * SLOT + (SLOT - 2 * BAR - GAP) // 2
        months.append(
            Month(start, invoiced, paid, _bar(x, invoiced, scale), _bar(x + BAR + GAP, paid, scale))
        )
    return Chart(currency=base_currency, months=tuple(months), scale=scale)
