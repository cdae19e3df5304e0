from __future__ import annotations

import pytest

from crm_xero.crm.forms import ContactForm, OpportunityForm, ProjectForm
from tests.factories import ContactFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


def test_a_contact_form_without_any_name_says_so():
    form = ContactForm(data={"first_name": "", "last_name": "", "email": "x@example.com"})
    assert not form.is_valid()
    assert form.errors["first_name"] == ["Give a first name or a last name (or both)."]


def test_a_contact_with_only_a_last_name_is_fine():
    assert ContactForm(data={"last_name": "Nguyen"}).is_valid()


def test_the_opportunity_form_upper_cases_the_currency():
    form = OpportunityForm(data={"name": "Deal", "value": "10", "currency": "nzd", "stage": "open"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["currency"] == "NZD"


def test_the_opportunity_form_refuses_an_unknown_currency():
    form = OpportunityForm(data={"name": "Deal", "value": "10", "currency": "ABC", "stage": "open"})
    assert not form.is_valid()
    assert "ABC is not an ISO 4217 currency code" in form.errors["currency"][0]


def test_the_opportunity_form_refuses_a_negative_value():
    form = OpportunityForm(data={"name": "Deal", "value": "-1", "currency": "AUD", "stage": "open"})
    assert not form.is_valid()
    assert "value" in form.errors


def test_a_contact_of_another_organization_is_refused():
    ours, theirs = OrganizationFactory(name="Ours"), OrganizationFactory(name="Theirs")
    contact = ContactFactory(first_name="Tom", last_name="Other", organization=theirs)
    form = ProjectForm(
        data={"name": "P", "organization": ours.pk, "contact": contact.pk, "status": "not_started"}
    )
    assert not form.is_valid()
    assert form.errors["contact"] == ["Tom Other belongs to Theirs, not Ours."]


def test_a_contact_without_organization_may_join_any():
    contact = ContactFactory(organization=None)
    form = ProjectForm(
        data={
            "name": "P",
            "organization": OrganizationFactory().pk,
            "contact": contact.pk,
            "status": "in_progress",
        }
    )
    assert form.is_valid(), form.errors
