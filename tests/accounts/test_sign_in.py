from __future__ import annotations

import pytest
from allauth.socialaccount.models import SocialLogin
from django.contrib.auth import get_user_model

from crm_xero.accounts.adapters import SocialAccountAdapter
from crm_xero.accounts.sso import has_sso_account
from tests.factories import PASSWORD, SocialAccountFactory, UserFactory
from tests.sessions import sign_in_with_sso

pytestmark = pytest.mark.django_db

GOOGLE_ONLY = {
    "google": {"APPS": [{"client_id": "gid", "secret": "gsecret"}], "SCOPE": ["email"]},
    "microsoft": {"APPS": []},
    "openid_connect": {"APPS": []},
}
WITH_OIDC = {
    "google": {"APPS": []},
    "microsoft": {"APPS": []},
    "openid_connect": {
        "APPS": [
            {
                "provider_id": "xero",
                "name": "Xero",
                "client_id": "x",
                "secret": "y",
                "settings": {"server_url": "https://identity.example.com"},
            }
        ]
    },
}


def test_an_email_and_password_sign_in_works(client, password_user):
    response = client.post(
        "/accounts/login/", {"login": password_user.email, "password": PASSWORD}, follow=True
    )
    assert response.context["user"] == password_user
    assert response.redirect_chain[-1][0] == "/organizations/"


def test_a_wrong_password_is_refused_with_a_message(client, password_user):
    response = client.post("/accounts/login/", {"login": password_user.email, "password": "nope"})
    assert response.status_code == 200
    assert "The email address and/or password you specified are not correct." in (
        response.content.decode()
    )


def test_the_sign_in_page_hides_sso_providers_that_are_not_configured(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {p: {"APPS": []} for p in GOOGLE_ONLY}
    page = client.get("/accounts/login/").content.decode()
    assert "/accounts/google/login/" not in page
    assert "/accounts/microsoft/login/" not in page


def test_the_sign_in_page_offers_a_configured_provider(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = GOOGLE_ONLY
    page = client.get("/accounts/login/").content.decode()
    assert "/accounts/google/login/" in page
    assert "/accounts/microsoft/login/" not in page


def test_open_sign_up_is_closed_by_default(client):
    response = client.post(
        "/accounts/signup/",
        {"email": "new@example.com", "password1": "Sup3r-secret!", "password2": "Sup3r-secret!"},
    )
    assert "Sign Up Closed" in response.content.decode()
    assert not get_user_model().objects.filter(email="new@example.com").exists()


def test_open_sign_up_can_be_turned_on(client, settings):
    settings.CRM_OPEN_SIGNUP = True
    client.post(
        "/accounts/signup/",
        {"email": "new@example.com", "password1": "Sup3r-secret!", "password2": "Sup3r-secret!"},
    )
    assert get_user_model().objects.filter(email="new@example.com").exists()


def test_sso_users_are_those_with_a_google_microsoft_or_oidc_account(
    settings, sso_admin, sso_user, password_user
):
    settings.SOCIALACCOUNT_PROVIDERS = WITH_OIDC
    xero_user = UserFactory()
    SocialAccountFactory(user=xero_user, provider="xero")
    other = UserFactory()
    SocialAccountFactory(user=other, provider="github")

    assert has_sso_account(sso_admin) and has_sso_account(sso_user) and has_sso_account(xero_user)
    assert not has_sso_account(password_user)
    assert not has_sso_account(other)


def test_sso_sign_up_can_be_limited_to_company_domains(settings, rf):
    settings.SSO_ALLOWED_DOMAINS = ["example.com"]
    adapter = SocialAccountAdapter()
    allowed = SocialLogin(user=get_user_model()(email="ann@Example.com"))
    refused = SocialLogin(user=get_user_model()(email="eve@evil.test"))
    assert adapter.is_open_for_signup(rf.get("/"), allowed)
    assert not adapter.is_open_for_signup(rf.get("/"), refused)


def test_the_profile_lists_linked_sso_accounts(client, sso_user):
    sign_in_with_sso(client, sso_user)
    page = client.get("/profile/").content.decode()
    assert "You signed in through SSO" in page
    assert "Microsoft" in page and sso_user.email in page


def test_the_profile_tells_a_password_user_to_link_sso(client, password_user, settings):
    settings.SOCIALACCOUNT_PROVIDERS = GOOGLE_ONLY
    client.force_login(password_user)
    page = client.get("/profile/").content.decode()
    assert "Link an SSO account below to see Xero data" in page
    assert "Link Google" in page
    assert 'action="/accounts/google/login/?process=connect' in page
