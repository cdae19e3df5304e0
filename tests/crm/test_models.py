from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from crm_xero.crm.models import Contact, Opportunity, Project
from tests.factories import (
    ContactFactory,
    OpportunityFactory,
    OpportunityLineItemFactory,
    OrganizationFactory,
)

pytestmark = pytest.mark.django_db


def test_a_contacts_full_name_is_first_and_last_name():
    assert ContactFactory.build(first_name="Ada", last_name="Lovelace").full_name == "Ada Lovelace"
    assert ContactFactory.build(first_name="", last_name="Lovelace").full_name == "Lovelace"
    assert ContactFactory.build(first_name="Ada", last_name="").full_name == "Ada"


def test_a_contact_needs_a_first_or_last_name():
    contact = ContactFactory.build(first_name="  ", last_name="", organization=None)
    with pytest.raises(ValidationError) as excinfo:
        contact.full_clean()
    assert "first_name" in excinfo.value.message_dict


def test_the_database_refuses_a_contact_without_any_name():
    with pytest.raises(IntegrityError):
        Contact.objects.create(first_name="", last_name="")


def test_address_lines_leave_out_empty_parts():
    org = OrganizationFactory.build(
        address_line1="1 Queen St",
        address_line2="",
        city="Brisbane",
        region="QLD",
        postal_code="4000",
        country="Australia",
    )
    assert org.address_lines == ["1 Queen St", "Brisbane QLD 4000", "Australia"]
    assert OrganizationFactory.build(city="", country="").address_lines == []


def test_line_item_amount_and_opportunity_total_are_decimal():
    opportunity = OpportunityFactory()
    OpportunityLineItemFactory(
        opportunity=opportunity, quantity=Decimal("3"), unit_price=Decimal("0.10")
    )
    OpportunityLineItemFactory(
        opportunity=opportunity, quantity=Decimal("1.5"), unit_price=Decimal("99.99")
    )
    assert opportunity.line_items_total == Decimal("150.29")


def test_opportunity_currency_must_be_iso_4217():
    opportunity = OpportunityFactory.build(currency="XYZ", organization=None, contact=None)
    with pytest.raises(ValidationError) as excinfo:
        opportunity.full_clean()
    assert "XYZ is not an ISO 4217 currency code" in str(excinfo.value)


def test_new_opportunities_use_the_default_currency(settings):
    settings.CRM_DEFAULT_CURRENCY = "NZD"
    assert Opportunity(name="x").currency == "NZD"


def test_a_project_cannot_be_due_before_it_starts():
    project = Project(name="Late", start_date=date(2026, 5, 2), due_date=date(2026, 5, 1))
    with pytest.raises(ValidationError) as excinfo:
        project.full_clean()
    assert excinfo.value.message_dict["due_date"] == [
        "The due date cannot be before the start date."
    ]


def test_deleting_an_organization_keeps_its_contacts():
    contact = ContactFactory()
    contact.organization.delete()
    contact.refresh_from_db()
    assert contact.organization is None
