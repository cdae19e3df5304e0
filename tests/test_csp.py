"""The Content-Security-Policy header on the CRM's pages (Chromium: tests/browser/test_csp.py)."""

from __future__ import annotations

import pytest
import requests
from django.urls import reverse

from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db

SELF_ONLY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "connect-src": ["'self'"],
    "frame-ancestors": ["'none'"],
    "base-uri": ["'self'"],
    "object-src": ["'none'"],
}


def policy(response) -> dict[str, list[str]]:
    """The Content-Security-Policy header as {directive: [sources]}."""
    header = response.headers["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def test_the_sign_in_page_has_a_self_only_policy(client):
    directives = policy(client.get(reverse("account_login")))
    for name, sources in SELF_ONLY.items():
        assert directives[name] == sources, name
    assert directives["form-action"][0] == "'self'"
    assert not any("unsafe" in s for sources in directives.values() for s in sources)


def test_every_kind_of_crm_page_has_the_header(sso_admin_client, settings):
    org = OrganizationFactory()
    pages = [
        reverse("crm:organization_list"),
        org.get_absolute_url(),
        reverse("linking:xero_tab", kwargs={"kind": "organization", "pk": org.pk}),
        reverse("linking:integrations"),
        reverse("profile"),
        reverse("admin:index"),
        "/no-such-page/",
    ]
    for url in pages:
        response = sso_admin_client.get(url)
        assert response.status_code in {200, 404}, url
        assert policy(response)["script-src"] == ["'self'"], url


def test_redirects_and_errors_have_it_too(client):
    response = client.get(reverse("crm:organization_list"))
    assert response.status_code == 302
    assert policy(response)["default-src"] == ["'self'"]


def test_form_action_allows_xeros_login_host_and_the_configured_sso_providers(client, settings):
    settings.XERO_LOGIN_URL = "https://login.xero.com"
    settings.SOCIALACCOUNT_PROVIDERS = {
        "google": {"APPS": [{"client_id": "g", "secret": "s"}]},
        "microsoft": {"APPS": []},
        "openid_connect": {
            "APPS": [
                {
                    "provider_id": "okta",
                    "client_id": "o",
                    "secret": "s",
                    "settings": {"server_url": "https://example.okta.com/oauth2/default"},
                }
            ]
        },
    }
    settings.CRM_CSP_EXTRA_FORM_ACTION = ["https://adfs.example.com"]
    form_action = policy(client.get(reverse("account_login")))["form-action"]
    assert form_action == [
        "'self'",
        "https://login.xero.com",
        "https://accounts.google.com",
        "https://example.okta.com",
        "https://adfs.example.com",
    ]


def test_the_sandbox_process_keeps_its_own_pages_free_of_the_crms_policy(xero_sandbox):
    answer = requests.get(f"{xero_sandbox.url}/sandbox/", timeout=10)
    assert answer.status_code == 200
    assert "Content-Security-Policy" not in answer.headers
