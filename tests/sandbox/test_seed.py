"""The seeded demo data: idempotent, partly matching the CRM demo, with every awkward case."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command

from crm_xero.crm import demo
from sandbox import seed
from sandbox.models import App, Contact, Invoice, Organisation, XeroUser

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
            assert invoice.amount_due == invoice.total - invoice.amount_paid
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
