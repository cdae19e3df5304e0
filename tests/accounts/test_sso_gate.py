"""The SSO gate asks how *this session* signed in, not which accounts the user has linked."""

from __future__ import annotations

import pytest
from allauth.socialaccount.models import SocialAccount
from django.test import Client

from crm_xero.accounts.sso import is_sso_session
from linking.models import AuditEntry, XeroConnection
from tests.accounts.test_sign_in import GOOGLE_ONLY
from tests.factories import (
    PASSWORD,
    AuditEntryFactory,
    OrganizationFactory,
    SocialAccountFactory,
    UserFactory,
)
from tests.sessions import sign_in_with_password_session, sign_in_with_sso

pytestmark = pytest.mark.django_db

XERO_ACTIONS = [
    ("post", "/integrations/xero/connect"),
    ("post", "/integrations/xero/check"),
    ("get", "/integrations/xero/disconnect"),
    ("post", "/integrations/xero/disconnect"),
    ("get", "/integrations/xero/choose"),
]


def sign_in_on_the_email_form(client: Client, user) -> Client:
    response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    return client


def test_a_password_sign_in_of_an_sso_linked_admin_is_not_sso(client, sso_admin):
    sign_in_on_the_email_form(client, sso_admin)
    org = OrganizationFactory()
    tab = client.get(f"/xero/tab/organization/{org.pk}/").content.decode()
    assert "Xero data is shown only to people who signed in with single sign-on" in tab
    assert "You signed in with your email address and password this time." in tab
    assert "Sign in with Xero</button>" in tab  # the sandbox's OpenID Connect app, configured here
    assert "Xero is not connected yet." not in tab  # the gate stopped it before the connection


def test_a_password_session_of_an_sso_linked_admin_cannot_reach_integrations(client, sso_admin):
    sign_in_on_the_email_form(client, sso_admin)
    page = client.get("/integrations/")
    assert page.status_code == 403
    html = page.content.decode()
    assert "Sign in with single sign-on first" in html
    assert "Sign in with Xero</button>" in html
    assert "Connect to Xero" not in html and "Disconnect" not in html
    for method, url in XERO_ACTIONS:
        assert getattr(client, method)(url).status_code == 403, url


def test_the_same_admin_signed_in_through_sso_reaches_integrations(client, sso_admin):
    sign_in_with_sso(client, sso_admin)
    assert client.get("/integrations/").status_code == 200


def test_a_record_of_an_sso_account_that_was_unlinked_since_does_not_count(client, sso_user):
    sign_in_with_sso(client, sso_user)
    SocialAccount.objects.filter(user=sso_user).delete()
    org = OrganizationFactory()
    tab = client.get(f"/xero/tab/organization/{org.pk}/").content.decode()
    assert "Xero data is shown only to people who signed in with single sign-on" in tab


def test_a_provider_that_is_not_sso_does_not_count(client, rf):
    user = UserFactory()
    github = SocialAccountFactory(user=user, provider="github")
    client.force_login(user)
    session = client.session
    session["account_authentication_methods"] = [
        {"method": "socialaccount", "at": 0, "provider": "github", "uid": github.uid}
    ]
    session["account_authentication_methods_user"] = str(user.pk)
    session.save()
    org = OrganizationFactory()
    tab = client.get(f"/xero/tab/organization/{org.pk}/").content.decode()
    assert "Xero data is shown only to people who signed in with single sign-on" in tab


def test_records_written_for_another_user_do_not_count(rf, sso_user, sso_admin):
    request = rf.get("/")
    request.user = sso_user
    request.session = {
        "account_authentication_methods": [
            {
                "method": "socialaccount",
                "at": 0,
                "provider": "google",
                "uid": sso_admin.socialaccount_set.get().uid,
            }
        ],
        "account_authentication_methods_user": str(sso_admin.pk),
    }
    assert not is_sso_session(request)


def test_a_password_record_is_not_sso_even_for_a_linked_user(client, sso_user):
    sign_in_with_password_session(client, sso_user)
    org = OrganizationFactory()
    tab = client.get(f"/xero/tab/organization/{org.pk}/").content.decode()
    assert "Xero data is shown only to people who signed in with single sign-on" in tab


def test_the_message_names_only_the_providers_configured_here(client, password_user, settings):
    settings.SOCIALACCOUNT_PROVIDERS = GOOGLE_ONLY
    client.force_login(password_user)
    org = OrganizationFactory()
    tab = client.get(f"/xero/tab/organization/{org.pk}/").content.decode()
    assert "signed in with single sign-on (Google)." in tab
    assert "Microsoft" not in tab and "Xero)" not in tab
    assert "Sign in with Google</button>" in tab
    assert 'action="/accounts/google/login/?process=login' in tab


def test_the_profile_of_a_password_session_offers_to_sign_in_with_sso(client, sso_user):
    sign_in_on_the_email_form(client, sso_user)
    page = client.get("/profile/").content.decode()
    assert "You signed in with your email and password this time." in page
    assert "Sign in with Xero</button>" in page
    assert "You signed in through SSO" not in page


# The admin: social accounts cannot be made there; Xero-derived data needs an SSO session.


@pytest.fixture
def password_superuser(db):
    return UserFactory(is_staff=True, is_superuser=True)


def test_a_superuser_cannot_add_a_social_account_in_the_admin(client, password_superuser):
    client.force_login(password_superuser)
    assert client.get("/admin/socialaccount/socialaccount/add/").status_code == 403
    response = client.post(
        "/admin/socialaccount/socialaccount/add/",
        {"user": password_superuser.pk, "provider": "google", "uid": "me", "extra_data": "{}"},
    )
    assert response.status_code == 403
    assert not SocialAccount.objects.exists()


def test_a_superuser_cannot_edit_a_social_account_in_the_admin(client, password_superuser):
    other = SocialAccountFactory(provider="google", uid="someone-else")
    client.force_login(password_superuser)
    response = client.post(
        f"/admin/socialaccount/socialaccount/{other.pk}/change/",
        {"user": password_superuser.pk, "provider": "google", "uid": "someone-else"},
    )
    assert response.status_code == 403
    other.refresh_from_db()
    assert other.user_id != password_superuser.pk


def test_sso_apps_cannot_be_added_in_the_admin(client, password_superuser):
    client.force_login(password_superuser)
    assert client.get("/admin/socialaccount/socialapp/add/").status_code == 403


XERO_ADMIN_PAGES = [
    "/admin/linking/auditentry/",
    "/admin/linking/xeroconnection/",
    "/admin/linking/xerolink/",
]


@pytest.fixture
def xero_admin_rows(db):
    AuditEntryFactory(action=AuditEntry.Action.LINK, record_label="Secret Client Pty")
    return AuditEntry


@pytest.mark.parametrize("url", XERO_ADMIN_PAGES)
def test_xero_data_in_the_admin_needs_an_sso_session(
    client, password_superuser, xero_admin_rows, url
):
    client.force_login(password_superuser)
    assert client.get(url).status_code == 403
    index = client.get("/admin/").content.decode()
    assert "/admin/linking/" not in index


@pytest.mark.parametrize("url", XERO_ADMIN_PAGES)
def test_xero_data_in_the_admin_is_shown_in_an_sso_session(client, password_superuser, url):
    sign_in_with_sso(client, password_superuser)
    assert client.get(url).status_code == 200
    assert "/admin/linking/" in client.get("/admin/").content.decode()


def test_audit_entries_are_read_only_in_the_admin(client, password_superuser, xero_admin_rows):
    sign_in_with_sso(client, password_superuser)
    entry = AuditEntry.objects.get()
    assert client.get(f"/admin/linking/auditentry/{entry.pk}/delete/").status_code == 403
    assert client.get("/admin/linking/auditentry/add/").status_code == 403
    assert XeroConnection.objects.count() == 0
