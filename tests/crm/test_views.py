from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from crm_xero.crm.models import Contact, Opportunity, Organization, Project
from tests.factories import (
    ContactFactory,
    OpportunityFactory,
    OpportunityLineItemFactory,
    OrganizationFactory,
    ProjectFactory,
)

pytestmark = pytest.mark.django_db

KINDS = ["organization", "contact", "opportunity", "project"]


@pytest.mark.parametrize("kind", KINDS)
def test_every_page_requires_sign_in(client, kind):
    response = client.get(reverse(f"crm:{kind}_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_the_home_page_redirects_to_organizations(sso_user_client):
    response = sso_user_client.get("/")
    assert response.status_code == 302 and response["Location"] == "/organizations/"


@pytest.mark.parametrize("kind", KINDS)
def test_navigation_links_every_record_type(sso_user_client, kind):
    page = sso_user_client.get(reverse(f"crm:{kind}_list")).content.decode()
    for label, url in [
        ("Organizations", "/organizations/"),
        ("Contacts", "/contacts/"),
        ("Opportunities", "/opportunities/"),
        ("Projects", "/projects/"),
    ]:
        assert f'href="{url}"' in page and f">{label}</a>" in page


def test_the_organization_list_searches_by_name_and_email(sso_user_client):
    OrganizationFactory(name="Acme Ltd", email="billing@acme.test")
    OrganizationFactory(name="Zenith Pty", email="hello@zenith.test")
    page = sso_user_client.get("/organizations/", {"q": "acme"}).content.decode()
    assert "Acme Ltd" in page and "Zenith Pty" not in page
    page = sso_user_client.get("/organizations/", {"q": "zenith.test"}).content.decode()
    assert "Zenith Pty" in page and "Acme Ltd" not in page
    page = sso_user_client.get("/organizations/", {"q": "nothing-like-it"}).content.decode()
    assert "No organizations match" in page


def test_the_contact_list_finds_a_full_name(sso_user_client):
    ContactFactory(first_name="Jane", last_name="Smith")
    ContactFactory(first_name="Jane", last_name="Brown")
    page = sso_user_client.get("/contacts/", {"q": "jane smith"}).content.decode()
    assert "Jane Smith" in page and "Jane Brown" not in page


def test_lists_sort_by_name_both_ways(sso_user_client):
    for name in ["Bravo", "Alpha", "Charlie"]:
        OrganizationFactory(name=name)
    asc = sso_user_client.get("/organizations/").context["object_list"]
    desc = sso_user_client.get("/organizations/", {"sort": "-name"}).context["object_list"]
    assert [o.name for o in asc] == ["Alpha", "Bravo", "Charlie"]
    assert [o.name for o in desc] == ["Charlie", "Bravo", "Alpha"]


def test_contacts_sort_by_last_then_first_name(sso_user_client):
    ContactFactory(first_name="Zed", last_name="Adams")
    ContactFactory(first_name="Amy", last_name="Baker")
    ContactFactory(first_name="Abe", last_name="Adams")
    names = [c.full_name for c in sso_user_client.get("/contacts/").context["object_list"]]
    assert names == ["Abe Adams", "Zed Adams", "Amy Baker"]


def test_lists_page_25_at_a_time(sso_user_client):
    OrganizationFactory.create_batch(30)
    first = sso_user_client.get("/organizations/")
    second = sso_user_client.get("/organizations/", {"page": 2})
    assert len(first.context["object_list"]) == 25
    assert len(second.context["object_list"]) == 5
    assert "Page 1 of 2 (30 in all)" in first.content.decode()
    assert 'rel="next"' in first.content.decode()


def test_a_missing_record_is_a_404_page(sso_user_client):
    response = sso_user_client.get("/organizations/999999/")
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("factory", "url"),
    [
        (OrganizationFactory, "/organizations/{}/"),
        (ContactFactory, "/contacts/{}/"),
        (OpportunityFactory, "/opportunities/{}/"),
        (ProjectFactory, "/projects/{}/"),
    ],
)
def test_detail_pages_have_details_and_xero_tabs(sso_user_client, factory, url):
    record = factory()
    page = sso_user_client.get(url.format(record.pk)).content.decode()
    assert 'role="tab" id="tab-details"' in page and ">Details</button>" in page
    assert 'role="tab" id="tab-xero"' in page and ">Xero</button>" in page
    kind = record._meta.model_name
    assert f'hx-get="/xero/tab/{kind}/{record.pk}/"' in page


def test_records_link_to_each_other(sso_user_client):
    org = OrganizationFactory(name="Linked Org")
    contact = ContactFactory(first_name="Lin", last_name="Ked", organization=org)
    opportunity = OpportunityFactory(name="Linked Deal", organization=org, contact=contact)
    project = ProjectFactory(name="Linked Project", organization=org, contact=contact)

    org_page = sso_user_client.get(org.get_absolute_url()).content.decode()
    for target in (contact, opportunity, project):
        assert f'href="{target.get_absolute_url()}"' in org_page
    contact_page = sso_user_client.get(contact.get_absolute_url()).content.decode()
    for target in (org, opportunity, project):
        assert f'href="{target.get_absolute_url()}"' in contact_page
    for record in (opportunity, project):
        page = sso_user_client.get(record.get_absolute_url()).content.decode()
        assert f'href="{org.get_absolute_url()}"' in page
        assert f'href="{contact.get_absolute_url()}"' in page


def test_creating_an_organization(sso_user_client):
    response = sso_user_client.post(
        "/organizations/new/",
        {"name": "New Co", "email": "hi@newco.test", "city": "Perth", "country": "Australia"},
        follow=True,
    )
    org = Organization.objects.get(name="New Co")
    assert response.redirect_chain[-1][0] == org.get_absolute_url()
    assert "New Co was created." in response.content.decode()


def test_an_invalid_form_shows_errors_beside_fields_and_keeps_input(sso_user_client):
    response = sso_user_client.post(
        "/organizations/new/", {"name": "", "email": "not-an-email", "city": "Perth"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert Organization.objects.count() == 0
    assert 'id="id_name_error"' in page and "This field is required." in page
    assert 'id="id_email_error"' in page and "Enter a valid email address." in page
    assert 'value="not-an-email"' in page and 'value="Perth"' in page
    assert 'aria-invalid="true"' in page


def test_new_contact_from_an_organization_is_prefilled(sso_user_client):
    org = OrganizationFactory()
    form = sso_user_client.get(f"/contacts/new/?organization={org.pk}").context["form"]
    assert form.initial["organization"] == org.pk


def test_editing_a_contact(sso_user_client):
    contact = ContactFactory(first_name="Old")
    sso_user_client.post(
        f"/contacts/{contact.pk}/edit/",
        {"first_name": "New", "last_name": contact.last_name, "email": contact.email},
    )
    contact.refresh_from_db()
    assert contact.first_name == "New"
    assert contact.organization is None  # the form's organization field was left empty


def test_creating_an_opportunity_with_line_items(sso_user_client):
    org = OrganizationFactory()
    data = {
        "name": "Big deal",
        "organization": org.pk,
        "value": "4200",
        "currency": "aud",
        "stage": "open",
        "lines-TOTAL_FORMS": "2",
        "lines-INITIAL_FORMS": "0",
        "lines-0-description": "Consulting",
        "lines-0-quantity": "10",
        "lines-0-unit_price": "400",
        "lines-0-account_code": "200",
        "lines-1-description": "Travel",
        "lines-1-quantity": "1",
        "lines-1-unit_price": "200",
    }
    response = sso_user_client.post("/opportunities/new/", data)
    opportunity = Opportunity.objects.get(name="Big deal")
    assert response.status_code == 302
    assert opportunity.currency == "AUD"
    lines = list(opportunity.line_items.all())
    assert [(li.description, li.amount, li.position) for li in lines] == [
        ("Consulting", Decimal("4000.00"), 0),
        ("Travel", Decimal("200.00"), 1),
    ]
    page = sso_user_client.get(opportunity.get_absolute_url()).content.decode()
    assert "Consulting" in page and "4,200.00" in page


def test_an_invalid_line_item_saves_nothing(sso_user_client):
    data = {
        "name": "Deal",
        "value": "1",
        "currency": "AUD",
        "stage": "open",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-0-description": "Widget",
        "lines-0-quantity": "two",
        "lines-0-unit_price": "5",
    }
    response = sso_user_client.post("/opportunities/new/", data)
    assert response.status_code == 200
    assert "Enter a number." in response.content.decode()
    assert 'value="Widget"' in response.content.decode()
    assert not Opportunity.objects.exists()


def test_editing_an_opportunity_removes_a_line(sso_user_client):
    line = OpportunityLineItemFactory()
    keep = OpportunityLineItemFactory(opportunity=line.opportunity, description="Keep me")
    opportunity = line.opportunity
    data = {
        "name": opportunity.name,
        "value": "1",
        "currency": "AUD",
        "stage": "won",
        "lines-TOTAL_FORMS": "2",
        "lines-INITIAL_FORMS": "2",
        "lines-0-id": line.pk,
        "lines-0-description": line.description,
        "lines-0-quantity": "1",
        "lines-0-unit_price": "1",
        "lines-0-DELETE": "on",
        "lines-1-id": keep.pk,
        "lines-1-description": "Keep me",
        "lines-1-quantity": "3",
        "lines-1-unit_price": "5",
    }
    response = sso_user_client.post(f"/opportunities/{opportunity.pk}/edit/", data)
    assert response.status_code == 302
    assert [(li.description, li.quantity) for li in opportunity.line_items.all()] == [
        ("Keep me", Decimal("3"))
    ]


def test_deleting_an_organization_with_contacts_asks_and_explains(sso_user_client):
    org = OrganizationFactory(name="Doomed Co")
    ContactFactory.create_batch(2, organization=org)
    OpportunityFactory(organization=org)
    page = sso_user_client.get(f"/organizations/{org.pk}/delete/").content.decode()
    assert "Delete Doomed Co?" in page
    # The opportunity's factory made a third contact in the same organization.
    assert "3 contacts are kept and will no longer belong to Doomed Co." in page
    assert "1 opportunity is kept and will no longer belong to Doomed Co." in page
    assert Organization.objects.filter(pk=org.pk).exists()

    response = sso_user_client.post(f"/organizations/{org.pk}/delete/", follow=True)
    assert not Organization.objects.filter(pk=org.pk).exists()
    assert Contact.objects.count() == 3
    assert "Doomed Co was deleted." in response.content.decode()


def test_deleting_a_project(sso_user_client):
    project = ProjectFactory()
    sso_user_client.post(f"/projects/{project.pk}/delete/")
    assert not Project.objects.exists()


def test_posts_are_csrf_protected(sso_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(sso_user)
    org = OrganizationFactory()
    assert client.post("/organizations/new/", {"name": "X"}).status_code == 403
    assert client.post(f"/organizations/{org.pk}/delete/").status_code == 403
    assert Organization.objects.filter(pk=org.pk).exists()
