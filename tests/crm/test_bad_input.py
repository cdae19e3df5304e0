"""Hostile search terms and ids on the CRM's pages, the admin and the sign-in URLs: a page, a
404 or a form error, never a 500 (on PostgreSQL, NUL in a text filter is a DataError)."""

from __future__ import annotations

import pytest

from crm_xero.search import SearchField, search_text
from tests.factories import (
    ContactFactory,
    OpportunityFactory,
    OrganizationFactory,
    ProjectFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

LISTS = ["/organizations/", "/contacts/", "/opportunities/", "/projects/"]


@pytest.fixture
def superuser_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize("url", LISTS)
@pytest.mark.parametrize("q", ["\x00", "a\x00b", "\x01\x1b[31m\x7f", "' OR 1=1 --", "x" * 10_000])
def test_list_searches_with_hostile_terms_answer_a_page(sso_user_client, url, q):
    response = sso_user_client.get(url, {"q": q})
    assert response.status_code == 200


def test_a_nul_in_a_list_search_is_a_space(sso_user_client):
    OrganizationFactory(name="Acme Pty Ltd")
    OrganizationFactory(name="Beta")
    response = sso_user_client.get("/organizations/", {"q": "\x00acme\x00pty\x07"})
    page = response.content.decode()
    assert "Acme Pty Ltd" in page and "Beta" not in page
    assert response.context["q"] == "acme pty"


def test_a_search_of_only_control_characters_lists_everything(sso_user_client):
    OrganizationFactory(name="Acme")
    response = sso_user_client.get("/organizations/", {"q": "\x00\x01"})
    assert "Acme" in response.content.decode()
    assert response.context["q"] == ""


@pytest.mark.parametrize("value", ["²", "٣", "abc", "-1", "99999999999999999999999", "\x00"])
def test_a_prefill_that_is_not_an_id_is_ignored(sso_user_client, value):
    response = sso_user_client.get("/contacts/new/", {"organization": value})
    assert response.status_code == 200
    assert response.context["form"].initial.get("organization") is None


def test_a_prefill_with_an_id_still_prefills(sso_user_client):
    org = OrganizationFactory()
    response = sso_user_client.get("/contacts/new/", {"organization": str(org.pk)})
    assert response.context["form"].initial["organization"] == org.pk


def test_search_text_removes_controls_and_collapses_whitespace():
    assert search_text(" a\x00b \t\r\n c\x7f\x9f ") == "a b c"
    rtl_and_emoji = "\u202e\u05e9\u05dc\u05d5\u05dd \U0001f600"
    assert search_text(rtl_and_emoji) == rtl_and_emoji  # not control characters: kept
    assert search_text(None) == ""
    assert search_text("x" * 300) == "x" * 255
    assert SearchField().clean("\x00" * 3) == ""


# The admin: Django's own model pages, with inputs it trusts.


@pytest.mark.parametrize(
    "path",
    [
        "/admin/crm/organization/{org}/change/?_to_field=",
        "/admin/crm/organization/{org}/delete/?_to_field=",
        "/admin/crm/organization/{org}/history/?_to_field=",
        "/admin/auth/group/add/?_to_field=",
    ],
)
def test_an_empty_to_field_is_no_to_field(superuser_client, path):
    org = OrganizationFactory(name="Acme")
    response = superuser_client.get(path.format(org=org.pk))
    assert response.status_code == 200


def test_a_non_empty_unknown_to_field_is_still_refused(superuser_client):
    org = OrganizationFactory()
    response = superuser_client.get(f"/admin/crm/organization/{org.pk}/change/?_to_field=nope")
    assert response.status_code == 400


def test_an_empty_to_field_in_a_post_is_no_to_field(superuser_client):
    org = OrganizationFactory(name="Acme")
    response = superuser_client.post(
        f"/admin/crm/organization/{org.pk}/delete/", {"_to_field": "", "post": "yes"}
    )
    assert response.status_code == 302
    assert not type(org).objects.filter(pk=org.pk).exists()


@pytest.mark.parametrize(
    "query",
    [
        "/admin/crm/organization/?q={v}",
        "/admin/crm/organization/?country={v}",
        "/admin/crm/contact/?q={v}",
        "/admin/crm/opportunity/?q={v}&stage={v}&currency={v}",
        "/admin/crm/project/?status={v}",
        "/admin/accounts/user/?q={v}",
        "/admin/auth/group/?q={v}",
    ],
)
@pytest.mark.parametrize("value", ["%00", "a%00b", "%1B%5B31m"])
def test_admin_searches_and_filters_with_control_characters_answer_a_page(
    superuser_client, query, value
):
    OrganizationFactory(country="Australia")
    OpportunityFactory()
    ProjectFactory()
    response = superuser_client.get(query.format(v=value))
    assert response.status_code == 200


def test_an_admin_search_with_nul_finds_what_the_term_names(superuser_client):
    OrganizationFactory(name="Acme")
    OrganizationFactory(name="Beta")
    response = superuser_client.get("/admin/crm/organization/", {"q": "\x00Acme\x00"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Acme" in page and "Beta" not in page


@pytest.mark.parametrize("model", ["contact", "opportunity", "project"])
@pytest.mark.parametrize("value", ["abc", "' OR 1=1 --", "99999999999999999999999", "-1"])
def test_an_autocomplete_field_given_a_non_id_shows_nothing_chosen(superuser_client, model, value):
    response = superuser_client.get(f"/admin/crm/{model}/add/", {"organization": value})
    assert response.status_code == 200


@pytest.mark.parametrize("value", ["abc", "99999999999999999999999"])
def test_an_admin_form_posted_with_a_non_id_is_a_form_error(superuser_client, value):
    response = superuser_client.post(
        "/admin/crm/contact/add/",
        {"first_name": "Jane", "last_name": "Doe", "organization": value},
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_an_autocomplete_field_still_shows_the_chosen_record(superuser_client):
    org = OrganizationFactory(name="Acme Chosen")
    contact = ContactFactory(organization=org)
    for url in (
        f"/admin/crm/contact/{contact.pk}/change/",
        f"/admin/crm/opportunity/{OpportunityFactory(organization=org).pk}/change/",
        f"/admin/crm/project/{ProjectFactory(organization=org).pk}/change/",
    ):
        page = superuser_client.get(url).content.decode()
        assert f'<option value="{org.pk}" selected>Acme Chosen</option>' in page, url


# allauth serves sign-in URLs for every installed provider, configured or not.


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/microsoft/login/",
        "/accounts/microsoft/login/callback/?code=x&state=y",
        "/accounts/oidc/nope/login/",
        "/accounts/oidc/a%00b/login/",
        "/accounts/oidc/a%00b/login/callback/",
    ],
)
def test_sign_in_urls_of_providers_not_configured_are_404(client, settings, path):
    settings.SOCIALACCOUNT_PROVIDERS = {
        "google": {"APPS": []},
        "microsoft": {"APPS": []},
        "openid_connect": {"APPS": []},
    }
    assert client.get(path).status_code == 404
    assert client.post(path).status_code == 404


def test_a_configured_provider_still_signs_in(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {
        "google": {"APPS": [{"client_id": "id.apps.googleusercontent.com", "secret": "s"}]},
    }
    response = client.post("/accounts/google/login/")
    assert response.status_code == 302
    assert response["Location"].startswith("https://accounts.google.com/")
