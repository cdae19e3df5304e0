"""The seeded demo data: idempotent, partly matching the CRM demo, with every awkward case."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from crm_xero.crm import demo
from sandbox import invoices, organisations, seed
from sandbox.models import (
    Allocation,
    App,
    Contact,
    CreditNote,
    Invoice,
    Organisation,
    XeroUser,
)

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, int, int, int, int]:
    return (
        Organisation.objects.count(),
        Contact.objects.count(),
        Invoice.objects.count(),
        XeroUser.objects.count(),
        App.objects.count(),
    )


def test_seeding_twice_duplicates_nothing() -> None:
    first = seed.seed(big_customer_invoices=40)
    before = counts()
    second = seed.seed(big_customer_invoices=40)
    assert counts() == before
    assert first == second
    assert first.big_customer_invoices == 40


def test_the_command_seeds_and_is_idempotent() -> None:
    out = StringIO()
    call_command("seed_sandbox", "--big-customer-invoices", "30", stdout=out)
    before = counts()
    call_command("seed_sandbox", "--big-customer-invoices", "30", stdout=out)
    assert counts() == before
    assert "30 for City Agency" in out.getvalue()


def test_two_organisations_with_fixed_tenant_ids_and_short_codes() -> None:
    seed.seed(big_customer_invoices=10)
    au = Organisation.objects.get(organisation_id=seed.AU_TENANT_ID)
    nz = Organisation.objects.get(organisation_id=seed.NZ_TENANT_ID)
    assert (au.name, au.base_currency, au.country_code) == ("Demo Company (AU)", "AUD", "AU")
    assert (nz.name, nz.base_currency, nz.country_code) == ("Demo Company (NZ)", "NZD", "NZ")
    assert au.short_code.startswith("!") and nz.short_code.startswith("!")


def test_the_app_is_the_one_the_settings_use() -> None:
    seed.seed(big_customer_invoices=0)
    app = App.objects.get(client_id=seed.SANDBOX_CLIENT_ID)
    assert app.name == "CRM with Xero"
    if settings.XERO_USES_SANDBOX:
        configured = (settings.XERO_CLIENT_ID, settings.XERO_CLIENT_SECRET)
        assert configured == (app.client_id, app.client_secret)
    assert settings.XERO_REDIRECT_URI in app.redirect_uris


def test_the_demo_admin_is_a_xero_user_with_both_organisations() -> None:
    seed.seed(big_customer_invoices=0)
    admin = XeroUser.objects.get(email="admin@example.com")
    assert admin.name == "Demo Admin"
    assert set(admin.organisations.values_list("organisation_id", flat=True)) == set(
        seed.TENANT_IDS
    )
    assert XeroUser.objects.filter(email="sam@example.com").exists()


def crm_people() -> dict[str, str]:
    """The CRM demo's people by name, with their email addresses (as demo.seed_demo makes them)."""
    people = {}
    for i, (first, last) in enumerate(zip(demo.FIRST_NAMES, demo.LAST_NAMES, strict=True)):
        domain = demo.ORGANIZATIONS[i % len(demo.ORGANIZATIONS)][1] if i < 36 else "example.net"
        people[f"{first} {last}"] = f"{demo._slug(first)}.{demo._slug(last)}@{domain}"
    return people


def test_some_contacts_match_the_crm_demo_and_some_almost_do() -> None:
    seed.seed(big_customer_invoices=0)
    names = set(Contact.objects.values_list("name", flat=True))
    emails = set(Contact.objects.values_list("email", flat=True))
    crm_orgs = {row[0] for row in demo.ORGANIZATIONS}
    people = crm_people()
    assert len(names & crm_orgs) >= 8
    assert {"City Agency", "O'Brien Plumbing", "Café Ümlaut"} <= names & crm_orgs
    assert {"Ridgeway Univ.", "Bayside Club Inc"} <= names - crm_orgs
    same_name_and_email = [n for n in names if n in people and people[n] in emails]
    same_name_other_email = [n for n in names if n in people and people[n] not in emails]
    same_email_other_name = [e for e in emails if e in set(people.values())]
    assert len(same_name_and_email) >= 5
    assert "Zoë Müller" in same_name_other_email
    assert "jack.taylor@pmwa.com.au" in same_email_other_name and "Jack Tailor" in names


def test_awkward_names_and_archived_contacts() -> None:
    seed.seed(big_customer_invoices=0)
    names = list(Contact.objects.values_list("name", flat=True))
    assert any('"' in n for n in names)
    assert any("'" in n for n in names)
    assert max(len(n) for n in names) == 255
    archived = Contact.objects.filter(status="ARCHIVED")
    assert archived.count() >= 3
    assert set(archived.values_list("organisation__country_code", flat=True)) == {"AU", "NZ"}


def test_every_status_type_and_several_currencies() -> None:
    seed.seed(big_customer_invoices=60)
    for org in Organisation.objects.all():
        rows = Invoice.objects.filter(organisation=org)
        assert set(rows.values_list("type", flat=True)) == {"ACCREC", "ACCPAY"}
        assert set(rows.values_list("status", flat=True)) == set(
            ("DRAFT", "SUBMITTED", "AUTHORISED", "PAID", "VOIDED", "DELETED")
        ), org.name
        currencies = set(rows.values_list("currency", flat=True))
        assert {org.base_currency, "USD", "EUR", "GBP"} <= currencies, org.name
    foreign = Invoice.objects.exclude(currency=models_base_currency()).first()
    assert foreign.currency_rate not in (Decimal("0"), Decimal("1"))


def models_base_currency() -> str:
    return Organisation.objects.get(organisation_id=seed.AU_TENANT_ID).base_currency


def test_invoice_totals_add_up() -> None:
    seed.seed(big_customer_invoices=120)
    for invoice in Invoice.objects.all():
        lines = invoice.document["LineItems"]
        assert invoice.sub_total == sum(Decimal(line["LineAmount"]) for line in lines)
        assert invoice.total_tax == sum(Decimal(line["TaxAmount"]) for line in lines)
        assert invoice.sub_total + invoice.total_tax == invoice.total
        if invoice.status in ("VOIDED", "DELETED"):
            assert invoice.amount_due == 0
        else:
            paid_and_credited = invoice.amount_paid + invoice.amount_credited
            assert invoice.amount_due == invoice.total - paid_and_credited
        if invoice.status == "PAID":
            assert invoice.amount_due == 0 and invoice.fully_paid_on_date


def test_customer_and_supplier_flags_follow_the_invoices() -> None:
    seed.seed(big_customer_invoices=5)
    for contact in Contact.objects.all():
        kinds = set(contact.invoices.values_list("type", flat=True))
        assert contact.is_customer == ("ACCREC" in kinds), contact.name
        assert contact.is_supplier == ("ACCPAY" in kinds), contact.name


def test_the_big_customer_is_a_crm_organization_with_years_of_invoices() -> None:
    seed.seed(big_customer_invoices=300)
    city = Contact.objects.get(contact_id=seed.BIG_CUSTOMER_ID)
    assert city.name in {row[0] for row in demo.ORGANIZATIONS}
    dates = city.invoices.values_list("date", flat=True)
    assert city.invoices.count() == 300
    assert max(dates).year - min(dates).year >= 5


# ------------------------------------------------ receivables, credit notes, relative to today


def ageing_bucket(days_past_due: int) -> str:
    if days_past_due <= 0:
        return "current"
    for label, upper in (("1-30", 30), ("31-60", 60), ("61-90", 90)):
        if days_past_due <= upper:
            return label
    return "over-90"


def open_items(contact_key: str, kind: str, tenant=seed.AU_TENANT_ID) -> list[Invoice]:
    contact_id = seed.stable_id(tenant, "contact", contact_key)
    rows = Invoice.objects.filter(contact__contact_id=contact_id, type=kind, status="AUTHORISED")
    return [row for row in rows if row.amount_due > 0]


@pytest.mark.parametrize(
    ("contact", "kind", "tenant"),
    [
        ("obrien", "ACCREC", seed.AU_TENANT_ID),
        ("young-bros", "ACCPAY", seed.AU_TENANT_ID),
        ("cafe-umlaut", "ACCREC", seed.NZ_TENANT_ID),
    ],
)
def test_every_ageing_bucket_has_open_items_relative_to_today(contact, kind, tenant) -> None:
    seed.seed(big_customer_invoices=10)
    org = Organisation.objects.get(organisation_id=tenant)
    today = organisations.local_today(org)
    days = [(today - row.due_date).days for row in open_items(contact, kind, tenant)]
    assert {ageing_bucket(d) for d in days} == {"current", "1-30", "31-60", "61-90", "over-90"}
    if kind == "ACCREC":
        assert {30, 31} <= set(days)  # either side of the 1-30 / 31-60 boundary


def test_obrien_has_every_boundary_and_part_paid_invoices() -> None:
    seed.seed(big_customer_invoices=10)
    org = Organisation.objects.get(organisation_id=seed.AU_TENANT_ID)
    today = organisations.local_today(org)
    rows = open_items("obrien", "ACCREC")
    assert {0, 1, 30, 31, 60, 61, 90, 91} <= {(today - row.due_date).days for row in rows}
    assert any(row.due_date > today for row in rows)
    part_paid = [row for row in rows if 0 < row.amount_paid < row.total]
    assert len(part_paid) >= 3
    assert any(row.amount_paid and row.amount_credited for row in part_paid)
    for tenant in seed.TENANT_IDS:
        everywhere = Invoice.objects.filter(
            organisation__organisation_id=tenant, status="AUTHORISED"
        )
        assert any(0 < row.amount_paid < row.total for row in everywhere)


def test_paid_invoices_carry_fully_paid_on_date_and_some_were_paid_this_year() -> None:
    seed.seed(big_customer_invoices=60)
    for invoice in Invoice.objects.filter(status="PAID"):
        assert invoice.fully_paid_on_date and invoice.amount_due == 0
        assert invoice.date <= invoice.fully_paid_on_date
    for tenant, contact_key in ((seed.AU_TENANT_ID, "obrien"), (seed.NZ_TENANT_ID, "cafe-umlaut")):
        org = Organisation.objects.get(organisation_id=tenant)
        year_ago = organisations.local_today(org) - timedelta(days=365)
        recent = Invoice.objects.filter(
            contact__contact_id=seed.stable_id(tenant, "contact", contact_key),
            status="PAID",
            fully_paid_on_date__gte=year_ago,
        )
        assert recent.count() >= 3
    assert not Invoice.objects.exclude(status="PAID").exclude(fully_paid_on_date=None).exists()


def test_currency_rates_on_every_invoice_and_credit_note() -> None:
    seed.seed(big_customer_invoices=60)
    for model in (Invoice, CreditNote):
        seen = set()
        for row in model.objects.select_related("organisation"):
            base = row.organisation.base_currency
            if row.currency == base:
                assert row.currency_rate == 1
            else:
                seen.add(row.currency)
                assert row.currency_rate == Decimal(invoices.RATES[base][row.currency])
                assert Decimal("0.4") < row.currency_rate < Decimal("1.2")
        assert seen, model
    foreign = set(
        Invoice.objects.exclude(currency__in=["AUD", "NZD"]).values_list("currency", flat=True)
    )
    assert {"USD", "EUR", "GBP"} <= foreign
    assert Invoice.objects.filter(organisation__base_currency="NZD", currency="AUD").exists()


def test_credit_notes_for_the_demo_customers_are_consistent() -> None:
    seed.seed(big_customer_invoices=60)
    obrien = CreditNote.objects.filter(
        contact__contact_id=seed.stable_id(seed.AU_TENANT_ID, "contact", "obrien")
    )
    assert obrien.filter(status="AUTHORISED", remaining_credit__gt=0).exists()
    assert obrien.filter(status="VOIDED", remaining_credit=0).count() == 1
    fully_allocated = [n for n in obrien.filter(status="PAID") if n.allocations.exists()]
    assert fully_allocated
    for note in fully_allocated:
        assert sum(a.amount for a in note.allocations.all()) == note.total
        assert note.remaining_credit == 0 and note.fully_paid_on_date
    for tenant in seed.TENANT_IDS:
        kinds = CreditNote.objects.filter(organisation__organisation_id=tenant)
        assert set(kinds.values_list("type", flat=True)) == {"ACCRECCREDIT", "ACCPAYCREDIT"}
    for note in CreditNote.objects.exclude(status__in=["VOIDED", "DELETED"]):
        allocated = sum((a.amount for a in note.allocations.all()), Decimal("0"))
        refunded = sum(Decimal(p["Amount"]) for p in note.document.get("Payments", []))
        assert note.remaining_credit == note.total - allocated - refunded, note.number
        assert (note.status == "PAID") == (note.remaining_credit == 0), note.number
        assert note.sub_total + note.total_tax == note.total
    for invoice in Invoice.objects.filter(amount_credited__gt=0):
        allocations = Allocation.objects.filter(invoice=invoice)
        assert invoice.amount_credited == sum(a.amount for a in allocations)
        for allocation in allocations:
            note = allocation.credit_note
            assert (note.contact_id, note.currency) == (invoice.contact_id, invoice.currency)
            assert {("ACCRECCREDIT", "ACCREC"), ("ACCPAYCREDIT", "ACCPAY")} >= {
                (note.type, invoice.type)
            }
    city = CreditNote.objects.filter(contact__contact_id=seed.BIG_CUSTOMER_ID)
    assert set(city.values_list("status", flat=True)) == {"AUTHORISED", "PAID", "VOIDED"}
    assert not Allocation.objects.filter(invoice__contact__contact_id=seed.BIG_CUSTOMER_ID).exists()


def snapshot() -> list[tuple]:
    invoice_rows = Invoice.objects.values_list(
        "invoice_id", "status", "amount_due", "amount_credited", "updated"
    )
    note_rows = CreditNote.objects.values_list(
        "credit_note_id", "status", "remaining_credit", "updated"
    )
    return [*invoice_rows.order_by("pk"), *note_rows.order_by("pk"), Allocation.objects.count()]


def test_reseeding_keeps_credit_notes_and_allocations_as_they_are(time_machine) -> None:
    first = seed.seed(big_customer_invoices=40)
    before = snapshot()
    assert first.credit_notes == CreditNote.objects.count() > 0
    later = timezone.now() + timedelta(days=9)
    time_machine.move_to(later, tick=False)
    assert seed.seed(big_customer_invoices=40) == first
    assert snapshot() == before


def test_the_dated_rows_follow_the_day_of_seeding(time_machine) -> None:
    moment = datetime(2027, 3, 10, 3, 0, tzinfo=UTC)  # 14:00 in Sydney, 16:00 in Auckland
    time_machine.move_to(moment, tick=False)
    seed.seed(big_customer_invoices=0)
    due = Invoice.objects.get(
        invoice_id=seed.stable_id(seed.AU_TENANT_ID, "invoice", "dated:obrien:30")
    ).due_date
    assert due == date(2027, 3, 10) - timedelta(days=30)
    assert not Invoice.objects.filter(updated__gt=moment).exists()
    assert not CreditNote.objects.filter(updated__gt=moment).exists()
    late = datetime(2027, 3, 10, 14, 0, tzinfo=UTC)  # already 11 March in Sydney
    time_machine.move_to(late, tick=False)
    au = Organisation.objects.get(organisation_id=seed.AU_TENANT_ID)
    assert organisations.local_today(au) == date(2027, 3, 11)
