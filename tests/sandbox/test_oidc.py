"""OpenID Connect: discovery, JWKS, id_token, userinfo, and django-allauth signing in against it."""

from __future__ import annotations

import copy
import time
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
import requests
from django.contrib.auth import get_user_model

from sandbox import seed
from sandbox.models import XeroUser
from sandbox.testing import consent, redirect_params

CRM_HOST = "127.0.0.1:8000"


def discovery(url: str) -> dict:
    answer = requests.get(f"{url}/.well-known/openid-configuration", timeout=10)
    assert answer.status_code == 200
    return answer.json()


def test_discovery_document(xero_sandbox) -> None:
    doc = discovery(xero_sandbox.url)
    base = xero_sandbox.url
    assert doc["issuer"] == base
    assert doc["authorization_endpoint"] == f"{base}/identity/connect/authorize"
    assert doc["token_endpoint"] == f"{base}/connect/token"
    assert doc["userinfo_endpoint"] == f"{base}/connect/userinfo"
    assert doc["jwks_uri"] == f"{base}/.well-known/openid-configuration/jwks"
    assert doc["revocation_endpoint"] == f"{base}/connect/revocation"
    assert doc["id_token_signing_alg_values_supported"] == ["RS256"]
    assert doc["code_challenge_methods_supported"] == ["S256"]
    assert doc["response_types_supported"] == ["code"]
    assert {"openid", "profile", "email", "offline_access"} <= set(doc["scopes_supported"])


def test_id_token_verifies_against_the_jwks(xero_sandbox) -> None:
    tokens = xero_sandbox.mint_tokens(nonce="n-0S6_WzA2Mj")
    doc = discovery(xero_sandbox.url)
    key = jwt.PyJWKClient(doc["jwks_uri"]).get_signing_key_from_jwt(tokens["id_token"])
    claims = jwt.decode(
        tokens["id_token"],
        key.key,
        algorithms=["RS256"],
        audience=xero_sandbox.client_id,
        issuer=doc["issuer"],
    )
    admin = XeroUser.objects.get(email=seed.ADMIN_EMAIL)
    assert jwt.get_unverified_header(tokens["id_token"])["kid"] == key.key_id
    assert claims["nonce"] == "n-0S6_WzA2Mj"
    assert claims["sub"] == admin.subject
    assert claims["xero_userid"] == str(admin.xero_userid)
    assert (claims["email"], claims["email_verified"]) == ("admin@example.com", True)
    assert (claims["given_name"], claims["family_name"], claims["name"]) == (
        "Demo",
        "Admin",
        "Demo Admin",
    )
    assert claims["global_session_id"]
    assert claims["iat"] <= time.time() < claims["exp"]
    assert claims["auth_time"] <= claims["iat"]
    again = xero_sandbox.mint_tokens()
    assert (
        jwt.decode(again["id_token"], options={"verify_signature": False})["sub"] == admin.subject
    )


def test_access_token_is_a_jwt_with_the_auth_event_id(xero_sandbox) -> None:
    tokens = xero_sandbox.mint_tokens()
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    connections = requests.get(
        f"{xero_sandbox.url}/connections",
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
        timeout=10,
    ).json()
    assert {c["authEventId"] for c in connections} == {claims["authentication_event_id"]}
    assert claims["client_id"] == xero_sandbox.client_id
    assert "accounting.contacts" in claims["scope"]


def test_userinfo(xero_sandbox) -> None:
    tokens = xero_sandbox.mint_tokens(email=seed.SELLER_EMAIL)
    answer = requests.get(
        f"{xero_sandbox.url}/connect/userinfo",
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
        timeout=10,
    )
    assert answer.status_code == 200
    info = answer.json()
    assert (info["email"], info["given_name"], info["family_name"]) == (
        "sam@example.com",
        "Sam",
        "Seller",
    )
    assert info["sub"] == jwt.decode(tokens["id_token"], options={"verify_signature": False})["sub"]
    anonymous = requests.get(f"{xero_sandbox.url}/connect/userinfo", timeout=10)
    assert anonymous.status_code == 401


@pytest.fixture
def xero_login_app(settings, xero_sandbox):
    """The project's "Sign in with Xero" app (added if this environment configured another SSO)."""
    providers = copy.deepcopy(settings.SOCIALACCOUNT_PROVIDERS)
    apps = providers.setdefault("openid_connect", {"APPS": []})["APPS"]
    if not any(app.get("provider_id") == "xero" for app in apps):
        apps.append(
            {
                "provider_id": "xero",
                "name": "Xero",
                "client_id": xero_sandbox.client_id,
                "secret": xero_sandbox.client_secret,
                "settings": {"server_url": xero_sandbox.url},
            }
        )
        settings.SOCIALACCOUNT_PROVIDERS = providers
    return xero_sandbox


def test_allauth_signs_in_with_xero_against_the_sandbox(client, xero_login_app) -> None:
    sandbox = xero_login_app
    start = client.post("/accounts/oidc/xero/login/", HTTP_HOST=CRM_HOST)
    assert start.status_code == 302, start.content[:500]
    location = urlsplit(start["Location"])
    assert f"{location.scheme}://{location.netloc}" == sandbox.url
    assert location.path == "/identity/connect/authorize"
    params = {k: v[0] for k, v in parse_qs(location.query).items()}
    assert params["redirect_uri"] == f"http://{CRM_HOST}/accounts/oidc/xero/login/callback/"
    admin = XeroUser.objects.get(email=seed.ADMIN_EMAIL)
    page = requests.get(start["Location"], timeout=10)
    assert page.status_code == 200 and "Allow access" in page.text
    answer = consent(sandbox.url, params, user_id=str(admin.xero_userid), tenant_ids=[])
    assert answer.status_code == 302, answer.text[:500]
    callback = urlsplit(answer.headers["Location"])
    assert redirect_params(answer)["state"] == params["state"]
    finish = client.get(f"{callback.path}?{callback.query}", HTTP_HOST=CRM_HOST)
    assert finish.status_code == 302, finish.content[:2000]
    user = get_user_model().objects.get(email="admin@example.com")
    assert client.session["_auth_user_id"] == str(user.pk)
    account = user.socialaccount_set.get(provider="xero")
    assert account.uid == admin.subject
