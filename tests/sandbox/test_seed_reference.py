"""The seeded settings of each organisation: realistic, and seeded once."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sandbox import invoices, reference, seed
from sandbox.models import (
    Account,
    BrandingTheme,
    Contact,
    Currency,
    Item,
    Organisation,
    TaxRate,
    TrackingCategory,
    TrackingOption,
)

pytestmark = pytest.mark.django_db
MODELS = (Account, TaxRate, Item, TrackingCategory, TrackingOption, BrandingTheme, Currency)


def reference_counts() -> tuple[int, ...]:
    return tuple(model.objects.count() for model in MODELS)


def test_seeding_again_adds_and_changes_nothing() -> None:
    seed.seed(big_customer_invoices=5)
    before = reference_counts()
    snapshot = sorted(Item.objects.values_list("item_id", "code", "updated"))
    contacts = sorted(Contact.objects.values_list("contact_id", "document", "default_currency"))
    seed.seed(big_customer_invoices=5)
    assert reference_counts() == before
    assert sorted(Item.objects.values_list("item_id", "code", "updated")) == snapshot
    assert (
        sorted(Contact.objects.values_list("contact_id", "document", "default_currency"))
        == contacts
    )
    assert before[0] == 2 * 40 and before[2] == 2 * 30


def test_a_database_seeded_before_the_settings_existed_gets_them() -> None:
    seed.seed(big_customer_invoices=0)
    for model in MODELS:
        model.objects.all().delete()
    au = Organisation.objects.get(organisation_id=seed.AU_TENANT_ID)
    au.document = {k: v for k, v in au.document.items() if k != "PaymentTerms"}
    au.save()
    city = Contact.objects.get(contact_id=seed.BIG_CUSTOMER_ID)
    city.document = {k: v for k, v in city.document.items() if k != "PaymentTerms"}
    city.save()
    seed.seed(big_customer_invoices=0)
    assert Account.objects.count() == 80
    au.refresh_from_db()
    city.refresh_from_db()
    assert au.document["PaymentTerms"]["Sales"] == {"Day": 20, "Type": "OFFOLLOWINGMONTH"}
    assert city.document["PaymentTerms"]["Sales"] == {"Day": 14, "Type": "DAYSAFTERBILLDATE"}


def test_each_organisation_has_its_tax_rates_accounts_and_tracking() -> None:
    seed.seed(big_customer_invoices=0)
    au = Organisation.objects.get(organisation_id=seed.AU_TENANT_ID)
    nz = Organisation.objects.get(organisation_id=seed.NZ_TENANT_ID)
    au_rates = {r.tax_type: (r.name, r.rate) for r in TaxRate.objects.filter(organisation=au)}
    assert au_rates["OUTPUT"] == ("GST on Income", Decimal("10.0000"))
    assert au_rates["EXEMPTOUTPUT"] == ("GST Free Income", 0)
    assert au_rates["BASEXCLUDED"] == ("BAS Excluded", 0)
    assert au_rates["INPUT"] == ("GST on Expenses", 10)
    nz_rates = {r.tax_type: (r.name, r.rate) for r in TaxRate.objects.filter(organisation=nz)}
    assert nz_rates["OUTPUT2"] == ("15% GST on Income", 15)
    revenue = Account.objects.filter(organisation=au, account_class="REVENUE")
    assert {(a.code, a.status) for a in revenue} == {
        ("200", "ACTIVE"), ("210", "ACTIVE"), ("250", "ARCHIVED"), ("260", "ACTIVE"),
        ("270", "ACTIVE"),
    }  # fmt: skip
    assert Account.objects.get(organisation=nz, code="200").tax_type == "OUTPUT2"
    assert Item.objects.filter(organisation=au, is_sold=False).count() == 5
    for org, active in ((au, ["Region"]), (nz, ["Department", "Region"])):
        categories = TrackingCategory.objects.filter(organisation=org)
        assert {c.name for c in categories} == {"Region", "Department"}
        assert [c.name for c in categories if c.status == "ACTIVE"] == active
    assert [t.name for t in BrandingTheme.objects.filter(organisation=au)] == [
        "Standard", "Special Projects",
    ]  # fmt: skip
    assert set(Currency.objects.filter(organisation=nz).values_list("code", flat=True)) >= {
        "NZD", "USD", "EUR", "GBP",
    }  # fmt: skip


def test_every_seeded_item_and_account_default_is_valid() -> None:
    """The seed's own data passes the rules it enforces (except the archived legacy plan)."""
    seed.seed(big_customer_invoices=0)
    for org in Organisation.objects.all():
        catalogue = reference.Catalogue.load(org)
        for item in Item.objects.filter(organisation=org, is_sold=True):
            errors: list[str] = []
            invoices.price_line(
                catalogue, {"ItemCode": item.code, "Description": "x"}, "ACCREC", "Exclusive",
                2, errors,
            )  # fmt: skip
            if item.code == "LEGACY-SUPPORT":
                assert errors and "has been archived" in errors[0]
            else:
                assert errors == [], (org.name, item.code)
        for item in Item.objects.filter(organisation=org, is_purchased=True):
            errors = []
            invoices.price_line(
                catalogue, {"ItemCode": item.code}, "ACCPAY", "Exclusive", 2, errors
            )
            assert errors == [], (org.name, item.code)
