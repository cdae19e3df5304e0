"""The figures' edges: ageing buckets, overdue days, part paid, days to pay, conversions, and
today in the organisation's timezone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from linking import figures, services
from linking.timezones import organisation_today, zone_for
from linking.xero import CreditNote, Invoice
from tests.linking.conftest import make_connection
from tests.xero_spec import example

TODAY = date(2026, 12, 1)


def sale(past_due: int | None, due: str = "100.00", **kw) -> Invoice:
    values = {
        "invoice_id": f"i{past_due}",
        "type": "ACCREC",
        "status": "AUTHORISED",
        "date": TODAY - timedelta(days=60),
        "due_date": None if past_due is None else TODAY - timedelta(days=past_due),
        "currency": "AUD",
        "total": Decimal("100.00"),
        "amount_due": Decimal(due),
        **kw,
    }
    return Invoice(**values)


@pytest.mark.parametrize(
    ("past_due", "bucket"),
    [
        (-5, "current"),
        (0, "current"),
        (1, "1-30"),
        (30, "1-30"),
        (31, "31-60"),
        (60, "31-60"),
        (61, "61-90"),
        (90, "61-90"),
        (91, "over-90"),
        (400, "over-90"),
    ],
)
def test_each_day_past_due_falls_in_its_bucket(past_due, bucket):
    assert figures.bucket_of(past_due) == bucket
    got = figures.contact_figures(
        invoices=[sale(past_due)], credit_notes=[], base_currency="AUD", today=TODAY
    )
    assert {b.key: b.amount for b in got.ageing.buckets if b.amount} == {bucket: Decimal("100.00")}


def test_an_invoice_due_today_or_without_a_due_date_is_not_overdue():
    for item in (sale(0), sale(None)):
        assert figures.days_overdue(item, TODAY) == 0
    assert figures.days_overdue(sale(30), TODAY) == 30
    assert figures.days_overdue(sale(31), TODAY) == 31


def test_only_authorised_items_with_something_due_are_overdue():
    assert figures.days_overdue(sale(40, status="PAID"), TODAY) == 0
    assert figures.days_overdue(sale(40, status="SUBMITTED"), TODAY) == 0
    assert figures.days_overdue(sale(40, due="0.00"), TODAY) == 0
    bill = sale(40, type="ACCPAY")
    assert figures.days_overdue(bill, TODAY) == 40
    note = CreditNote(credit_note_id="c", type="ACCRECCREDIT", status="AUTHORISED")
    assert figures.days_overdue(note, TODAY) == 0


def test_overdue_counts_invoices_and_names_the_oldest():
    items = [sale(0, "10.00"), sale(31, "20.00"), sale(91, "30.00"), sale(5, "0.00")]
    got = figures.contact_figures(invoices=items, credit_notes=[], base_currency="AUD", today=TODAY)
    assert got.overdue == figures.Overdue(Decimal("50.00"), 2, 91)
    assert got.outstanding == Decimal("60.00")


def test_part_paid_means_paid_something_and_still_owing():
    assert figures.is_part_paid(sale(3, "60.00", amount_paid=Decimal("40.00")))
    assert not figures.is_part_paid(sale(3, "100.00"))
    paid = sale(3, "0.00", status="PAID", amount_paid=Decimal("100.00"))
    assert not figures.is_part_paid(paid)


def paid_in(days: int, *, on: date) -> Invoice:
    return Invoice(
        invoice_id=f"p{days}{on}",
        type="ACCREC",
        status="PAID",
        date=on - timedelta(days=days),
        currency="AUD",
        fully_paid_on=on,
    )


def test_days_to_pay_needs_three_paid_invoices_and_rounds_halves_up():
    two = [paid_in(10, on=TODAY), paid_in(11, on=TODAY)]
    assert figures.days_to_pay(two, TODAY) == figures.DaysToPay(None, 2)
    three = [*two, paid_in(12, on=TODAY - timedelta(days=364))]
    assert figures.days_to_pay(three, TODAY) == figures.DaysToPay(Decimal("11"), 3)
    halves = [paid_in(10, on=TODAY), paid_in(10, on=TODAY), paid_in(11, on=TODAY),
              paid_in(11, on=TODAY)]  # fmt: skip
    assert figures.days_to_pay(halves, TODAY).days == Decimal("11")  # 10.5 → 11
    old = paid_in(1, on=TODAY - timedelta(days=365))  # before the last 12 months
    assert figures.days_to_pay([*two, old], TODAY).count == 2


def test_a_conversion_is_rounded_to_the_cent_half_up_and_needs_a_rate():
    assert figures.in_base(Decimal("0.05"), Decimal("2")) == Decimal("0.03")
    assert figures.in_base(Decimal("100.00"), Decimal("0.652300")) == Decimal("153.30")
    assert figures.in_base(Decimal("100.00"), None) is None
    assert figures.in_base(Decimal("100.00"), Decimal("0")) is None


def test_other_currencies_are_kept_out_of_the_base_figures():
    usd = sale(45, "80.00", currency="USD", currency_rate=Decimal("0.65"))
    voided = sale(45, "80.00", currency="EUR", status="VOIDED", currency_rate=Decimal("0.6"))
    got = figures.contact_figures(
        invoices=[sale(2, "10.00"), usd, voided], credit_notes=[], base_currency="AUD", today=TODAY
    )
    assert got.outstanding == Decimal("10.00")
    [row] = got.currencies
    assert (row.currency, row.count, row.outstanding, row.overdue) == (
        "USD", 1, Decimal("80.00"), Decimal("80.00")
    )  # fmt: skip
    assert row.approx_outstanding == figures.Approx(Decimal("123.08"))
    assert row.lifetime_value == Decimal("100.00")


def test_credit_notes_count_when_sales_and_authorised_or_paid():
    notes = [
        CreditNote("a", "ACCRECCREDIT", "AUTHORISED", currency="AUD", total=Decimal("50.00"),
                   remaining_credit=Decimal("20.00")),
        CreditNote("b", "ACCRECCREDIT", "PAID", currency="AUD", total=Decimal("30.00")),
        CreditNote("c", "ACCRECCREDIT", "VOIDED", currency="AUD", total=Decimal("99.00")),
        CreditNote("d", "ACCRECCREDIT", "DRAFT", currency="AUD", total=Decimal("99.00")),
        CreditNote("e", "ACCPAYCREDIT", "AUTHORISED", currency="AUD", total=Decimal("99.00")),
    ]  # fmt: skip
    got = figures.contact_figures(
        invoices=[sale(None, "0.00", status="PAID")], credit_notes=notes, base_currency="AUD",
        today=TODAY,
    )  # fmt: skip
    assert got.credit_notes == figures.CreditNotes(2, Decimal("80.00"), Decimal("20.00"))
    assert got.net_of_credit_notes == Decimal("20.00")


def test_every_figure_has_a_rule():
    for name, rule in figures.rules(figures.CONTACT_RULES) + figures.rules(figures.DEAL_RULES):
        assert name and rule.endswith(".")


# Today where the organisation is.


def test_xero_s_windows_names_map_to_iana_zones(settings):
    settings.TIME_ZONE = "UTC"
    assert zone_for("AUSEASTERNSTANDARDTIME") == ZoneInfo("Australia/Sydney")
    assert zone_for("NEWZEALANDSTANDARDTIME") == ZoneInfo("Pacific/Auckland")
    assert zone_for("GMTSTANDARDTIME") == ZoneInfo("Europe/London")
    assert zone_for("EASTERNSTANDARDTIME") == ZoneInfo("America/New_York")
    assert zone_for("PACIFICSTANDARDTIME") == ZoneInfo("America/Los_Angeles")
    assert zone_for("NOSUCHSTANDARDTIME") == ZoneInfo("UTC")
    assert zone_for("") == ZoneInfo("UTC")


def test_today_is_the_organisation_s_today(time_machine, settings):
    settings.TIME_ZONE = "UTC"
    time_machine.move_to(datetime(2026, 12, 1, 14, 0, tzinfo=UTC), tick=False)
    assert organisation_today("AUSEASTERNSTANDARDTIME") == date(2026, 12, 2)  # 01:00 AEDT
    assert organisation_today("PACIFICSTANDARDTIME") == date(2026, 12, 1)
    assert organisation_today("") == date(2026, 12, 1)


@pytest.mark.django_db
def test_the_organisation_s_timezone_is_kept_on_the_connection(xero):
    connection = make_connection(timezone="")
    xero.expect_request("/api.xro/2.0/Organisation", method="GET").respond_with_json(
        example("getOrganisations")
    )
    services.connection_check(connection=connection)
    connection.refresh_from_db()
    assert connection.timezone == "NEWZEALANDSTANDARDTIME"
    assert zone_for(connection.timezone) == ZoneInfo("Pacific/Auckland")
