"""The OAuth 2.0 flow over HTTP, as a browser and a client app see it."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from functools import partial

import requests
from django.utils import timezone

from sandbox import seed
from sandbox.models import AccessToken, AuthorizationCode, XeroUser
from sandbox.testing import (
    TEST_REDIRECT_URI,
    Pkce,
    authorize_params,
    consent,
    redirect_params,
    token_request,
)
from tests.sandbox.helpers import api
from tests.sandbox_fixtures import XeroSandbox


def user_id(email: str = seed.ADMIN_EMAIL) -> str:
    return str(XeroUser.objects.get(email=email).xero_userid)


def authorize_page(sandbox: XeroSandbox, **params: str) -> requests.Response:
    query = {**authorize_params(), **params}
    return requests.get(
        f"{sandbox.url}/identity/connect/authorize",
        params=query,
        allow_redirects=False,
        timeout=10,
        cookies={"sessionid": "a-crm-session", "csrftoken": "crm-token"},
    )


def allow(sandbox: XeroSandbox, pkce: Pkce | None = None, **params: str) -> dict[str, str]:
    query = {**authorize_params(pkce=pkce), **params}
    answer = consent(sandbox.url, query, user_id=user_id(), tenant_ids=map(str, sandbox.tenant_ids))
    assert answer.status_code == 302, answer.text
    return redirect_params(answer)


def exchange(sandbox: XeroSandbox, code: str, pkce: Pkce | None, **extra: str):
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": TEST_REDIRECT_URI}
    if pkce:
        data["code_verifier"] = pkce.verifier
    return token_request(sandbox.url, {**data, **extra})


def test_the_consent_page_looks_like_xeros_and_sets_no_cookies(xero_sandbox) -> None:
    page = authorize_page(xero_sandbox)
    assert page.status_code == 200
    assert "CRM with Xero wants to access your organisation" in page.text
    for text in ("Allow access", "Cancel", "Demo Admin", "Sam Seller", "Demo Company (AU)",
                 "Demo Company (NZ)", "View and manage your contacts"):  # fmt: skip
        assert text in page.text
    assert "Set-Cookie" not in page.headers
    assert 'name="state" value="state-123"' in page.text


def test_allow_then_exchange_the_code_with_pkce(xero_sandbox) -> None:
    pkce = Pkce.generate()
    redirect = allow(xero_sandbox, pkce)
    assert redirect["state"] == "state-123"
    answer = exchange(xero_sandbox, redirect["code"], pkce)
    assert answer.status_code == 200, answer.text
    tokens = answer.json()
    assert list(tokens) == [
        "id_token",
        "access_token",
        "expires_in",
        "token_type",
        "refresh_token",
        "scope",
    ]
    assert tokens["expires_in"] == 1800 and tokens["token_type"] == "Bearer"
    assert set(tokens["scope"].split()) >= {"offline_access", "accounting.contacts"}
    assert answer.headers["Cache-Control"] == "no-store"
    assert api(xero_sandbox, tokens, "GET", "/Organisation").status_code == 200


def test_a_code_works_once(xero_sandbox) -> None:
    pkce = Pkce.generate()
    code = allow(xero_sandbox, pkce)["code"]
    assert exchange(xero_sandbox, code, pkce).status_code == 200
    again = exchange(xero_sandbox, code, pkce)
    assert (again.status_code, again.json()) == (400, {"error": "invalid_grant"})


def test_a_wrong_verifier_or_redirect_uri_is_invalid_grant(xero_sandbox) -> None:
    pkce = Pkce.generate()
    code = allow(xero_sandbox, pkce)["code"]
    wrong = exchange(xero_sandbox, code, Pkce.generate())
    assert (wrong.status_code, wrong.json()) == (400, {"error": "invalid_grant"})
    missing = exchange(xero_sandbox, code, None)
    assert missing.json() == {"error": "invalid_grant"}
    elsewhere = exchange(
        xero_sandbox, code, pkce, redirect_uri="http://127.0.0.1:8000/integrations/xero/other"
    )
    assert elsewhere.json() == {"error": "invalid_grant"}
    assert exchange(xero_sandbox, code, pkce).status_code == 200


def test_an_expired_code_is_invalid_grant(xero_sandbox) -> None:
    code = allow(xero_sandbox)["code"]
    AuthorizationCode.objects.filter(code=code).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert exchange(xero_sandbox, code, None).json() == {"error": "invalid_grant"}


def test_cancel_redirects_with_access_denied(xero_sandbox) -> None:
    answer = consent(
        xero_sandbox.url, authorize_params(), user_id=user_id(), tenant_ids=[], action="cancel"
    )
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith(TEST_REDIRECT_URI + "?")
    assert redirect_params(answer) == {"error": "access_denied", "state": "state-123"}


UNREGISTERED_REDIRECT_URIS = [
    "https://evil.example.com/integrations/xero/callback",
    "http://127.0.0.1:8000/somewhere/else",
    "http://127.0.0.1:8000/integrations/xero/callback#fragment",
    "",
]


def test_an_unregistered_redirect_uri_gets_an_error_page_not_a_redirect(xero_sandbox) -> None:
    for redirect_uri in UNREGISTERED_REDIRECT_URIS:
        page = authorize_page(xero_sandbox, redirect_uri=redirect_uri, response_type="token")
        assert page.status_code == 400, redirect_uri
        assert "Location" not in page.headers
        assert "redirect_uri" in page.text


def test_an_unknown_client_gets_an_error_page(xero_sandbox) -> None:
    page = authorize_page(xero_sandbox, client_id="NOT-A-CLIENT")
    assert page.status_code == 400 and "Location" not in page.headers


def test_any_loopback_port_is_accepted_for_a_registered_path(xero_sandbox) -> None:
    for uri in (
        "http://127.0.0.1:51234/integrations/xero/callback",
        "http://localhost:8123/accounts/oidc/xero/login/callback/",
    ):
        assert authorize_page(xero_sandbox, redirect_uri=uri).status_code == 200
    pkce = Pkce.generate()
    uri = "http://127.0.0.1:51234/integrations/xero/callback"
    redirect = allow(xero_sandbox, pkce, redirect_uri=uri)
    assert exchange(xero_sandbox, redirect["code"], pkce, redirect_uri=uri).status_code == 200


AUTHORIZE_ERRORS = [
    ({"response_type": "token"}, "unsupported_response_type"),
    ({"state": ""}, "invalid_request"),
    ({"code_challenge": "abc", "code_challenge_method": "plain"}, "invalid_request"),
    ({"code_challenge": "abc"}, "invalid_request"),
    ({"scope": "openid accounting.everything"}, "invalid_scope"),
    ({"scope": "openid offline_access accounting.transactions"}, "invalid_scope"),
    ({"scope": ""}, "invalid_scope"),
]


def test_other_authorize_errors_redirect_with_the_error(xero_sandbox) -> None:
    for params, error in AUTHORIZE_ERRORS:
        page = authorize_page(xero_sandbox, **params)
        assert page.status_code == 302, params
        location = redirect_params(page)
        assert location["error"] == error, params
        assert location.get("state", "") == params.get("state", "state-123")


def test_consent_checks_which_organisations_the_user_may_connect(xero_sandbox) -> None:
    params = authorize_params()
    bea = user_id(seed.BOOKKEEPER_EMAIL)
    refused = consent(xero_sandbox.url, params, user_id=bea, tenant_ids=[str(seed.NZ_TENANT_ID)])
    assert refused.status_code == 400 and "cannot connect" in refused.text
    none = consent(xero_sandbox.url, params, user_id=user_id(), tenant_ids=[])
    assert none.status_code == 400 and "Select at least one organisation" in none.text
    ok = consent(xero_sandbox.url, params, user_id=bea, tenant_ids=[str(seed.AU_TENANT_ID)])
    assert ok.status_code == 302 and "code" in redirect_params(ok)


def test_without_offline_access_there_is_no_refresh_token(xero_sandbox) -> None:
    tokens = xero_sandbox.mint_tokens(scopes=["openid", "accounting.contacts"])
    assert "refresh_token" not in tokens and "access_token" in tokens
    tokens = xero_sandbox.mint_tokens(scopes=["accounting.contacts"])
    assert "id_token" not in tokens


def test_client_authentication(xero_sandbox) -> None:
    pkce = Pkce.generate()
    code = allow(xero_sandbox, pkce)["code"]
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": TEST_REDIRECT_URI,
        "code_verifier": pkce.verifier,
    }
    url = f"{xero_sandbox.url}/connect/token"
    basic = requests.post(url, data=data, auth=(xero_sandbox.client_id, "wrong"), timeout=10)
    assert (basic.status_code, basic.json()) == (401, {"error": "invalid_client"})
    form = requests.post(
        url, data={**data, "client_id": "nobody", "client_secret": "x"}, timeout=10
    )
    assert (form.status_code, form.json()) == (400, {"error": "invalid_client"})
    ok = token_request(xero_sandbox.url, data, basic=False)
    assert ok.status_code == 200
    odd = token_request(xero_sandbox.url, {"grant_type": "password"})
    assert (odd.status_code, odd.json()) == (400, {"error": "unsupported_grant_type"})


def refresh(sandbox: XeroSandbox, refresh_token: str) -> requests.Response:
    return token_request(
        sandbox.url, {"grant_type": "refresh_token", "refresh_token": refresh_token}
    )


def test_refresh_tokens_rotate_and_the_old_one_dies(xero_sandbox) -> None:
    tokens = xero_sandbox.mint_tokens()
    first = refresh(xero_sandbox, tokens["refresh_token"])
    assert first.status_code == 200
    rotated = first.json()
    assert rotated["refresh_token"] != tokens["refresh_token"]
    assert rotated["access_token"] != tokens["access_token"]
    assert api(xero_sandbox, rotated, "GET", "/Organisation").status_code == 200
    reused = refresh(xero_sandbox, tokens["refresh_token"])
    assert (reused.status_code, reused.json()) == (400, {"error": "invalid_grant"})
    assert refresh(xero_sandbox, rotated["refresh_token"]).status_code == 200


def test_within_the_grace_window_the_old_token_replays_the_same_new_set(xero_sandbox) -> None:
    xero_sandbox.set_token_lifetimes(refresh_grace=60)
    tokens = xero_sandbox.mint_tokens()
    first = refresh(xero_sandbox, tokens["refresh_token"]).json()
    retry = refresh(xero_sandbox, tokens["refresh_token"])
    assert retry.status_code == 200
    assert retry.json() == first


def test_unknown_refresh_token_is_invalid_grant(xero_sandbox) -> None:
    answer = refresh(xero_sandbox, "no-such-token")
    assert (answer.status_code, answer.json()) == (400, {"error": "invalid_grant"})


def test_revocation_kills_the_tokens_and_the_connections(xero_sandbox) -> None:
    tokens = xero_sandbox.mint_tokens()
    answer = requests.post(
        f"{xero_sandbox.url}/connect/revocation",
        data={"token": tokens["refresh_token"]},
        auth=(xero_sandbox.client_id, xero_sandbox.client_secret),
        timeout=10,
    )
    assert answer.status_code == 200
    assert refresh(xero_sandbox, tokens["refresh_token"]).json() == {"error": "invalid_grant"}
    assert api(xero_sandbox, tokens, "GET", "/Organisation").status_code == 401
    fresh = xero_sandbox.mint_tokens(tenant_ids=[seed.AU_TENANT_ID])
    listed = requests.get(
        f"{xero_sandbox.url}/connections",
        headers={"Authorization": f"Bearer {fresh['access_token']}"},
        timeout=10,
    ).json()
    assert [c["tenantId"] for c in listed] == [str(seed.AU_TENANT_ID)]


def connections(sandbox: XeroSandbox, tokens: dict, **params: str) -> requests.Response:
    return requests.get(
        f"{sandbox.url}/connections",
        params=params,
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
        timeout=10,
    )


def test_connections_list_the_connected_tenants(xero_sandbox) -> None:
    tokens = xero_sandbox.mint_tokens()
    listed = connections(xero_sandbox, tokens).json()
    assert {c["tenantId"] for c in listed} == {str(t) for t in seed.TENANT_IDS}
    assert {c["tenantName"] for c in listed} == {"Demo Company (AU)", "Demo Company (NZ)"}
    assert {c["tenantType"] for c in listed} == {"ORGANISATION"}
    event = listed[0]["authEventId"]
    assert all(c["id"] != c["tenantId"] for c in listed)
    only_au = xero_sandbox.mint_tokens(tenant_ids=[seed.AU_TENANT_ID])
    newer = connections(xero_sandbox, only_au).json()
    assert len(newer) == 2
    by_event = connections(xero_sandbox, only_au, authEventId=event).json()
    assert [c["tenantId"] for c in by_event] == [str(seed.NZ_TENANT_ID)]


def test_deleting_a_connection_forbids_that_tenant(xero_sandbox) -> None:
    tokens = xero_sandbox.mint_tokens()
    listed = connections(xero_sandbox, tokens).json()
    nz = next(c for c in listed if c["tenantId"] == str(seed.NZ_TENANT_ID))
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    by_tenant_id = requests.delete(
        f"{xero_sandbox.url}/connections/{nz['tenantId']}", headers=headers, timeout=10
    )
    assert by_tenant_id.status_code == 404
    deleted = requests.delete(
        f"{xero_sandbox.url}/connections/{nz['id']}", headers=headers, timeout=10
    )
    assert deleted.status_code == 204
    refused = api(xero_sandbox, tokens, "GET", "/Organisation", tenant=seed.NZ_TENANT_ID)
    assert refused.status_code == 403
    assert refused.json()["Detail"] == "AuthenticationUnsuccessful"
    assert api(xero_sandbox, tokens, "GET", "/Organisation").status_code == 200


def test_access_token_problems_are_401_with_xeros_body(xero_sandbox) -> None:
    tokens = xero_sandbox.mint_tokens()
    missing = requests.get(
        f"{xero_sandbox.api_url}/Organisation",
        headers={"xero-tenant-id": str(seed.AU_TENANT_ID)},
        timeout=10,
    )
    assert missing.status_code == 401 and "WWW-Authenticate" in missing.headers
    garbage = api(xero_sandbox, {"access_token": "not.a.jwt"}, "GET", "/Organisation")
    assert garbage.status_code == 401
    AccessToken.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    expired = api(xero_sandbox, tokens, "GET", "/Organisation")
    body = expired.json()
    assert expired.status_code == 401
    assert (body["Type"], body["Title"], body["Status"]) == (None, "Unauthorized", 401)
    assert body["Detail"].startswith("TokenExpired: token expired at ")


def test_tenant_and_scope_are_checked(xero_sandbox) -> None:
    tokens = xero_sandbox.mint_tokens(tenant_ids=[seed.AU_TENANT_ID])
    nz = api(xero_sandbox, tokens, "GET", "/Organisation", tenant=seed.NZ_TENANT_ID)
    assert nz.status_code == 403 and nz.json()["Title"] == "Forbidden"
    assert api(xero_sandbox, tokens, "GET", "/Organisation", tenant="nonsense").status_code == 403
    narrow = xero_sandbox.mint_tokens(scopes=["openid", "accounting.settings.read"])
    assert api(xero_sandbox, narrow, "GET", "/Organisation").status_code == 200
    contacts = api(xero_sandbox, narrow, "GET", "/Contacts")
    assert contacts.status_code == 401 and contacts.json()["Detail"] == "AuthorizationUnsuccessful"
    read_only = xero_sandbox.mint_tokens(scopes=["accounting.contacts.read"])
    assert api(xero_sandbox, read_only, "GET", "/Contacts").status_code == 200
    assert api(xero_sandbox, read_only, "PUT", "/Contacts", json={}).status_code == 401


def test_two_workers_refreshing_at_once(xero_sandbox) -> None:
    """The classic Xero race: with no grace window the slower worker gets invalid_grant."""
    for grace, expected in ((0, [200, 400]), (60, [200, 200])):
        xero_sandbox.set_token_lifetimes(refresh_grace=grace)
        token = xero_sandbox.mint_tokens()["refresh_token"]
        with ThreadPoolExecutor(max_workers=2) as pool:
            answers = list(pool.map(partial(refresh, xero_sandbox), [token, token]))
        assert sorted(a.status_code for a in answers) == expected, grace
        ok = [a.json() for a in answers if a.status_code == 200]
        assert all(body == ok[0] for body in ok)
