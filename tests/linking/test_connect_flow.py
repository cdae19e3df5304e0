"""Connect → choose the organisation → status → disconnect, against the sandbox over real HTTP."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import requests
from django.utils import timezone

from linking.models import XeroConnection
from sandbox import testing
from sandbox.models import XeroUser
from tests.sessions import sign_in_with_sso


def consent_in_xero(client, xero_sandbox, *, tenant_ids, action="allow") -> dict[str, str]:
    """Start at "Connect to Xero", answer Xero's consent page; the redirect's parameters."""
    response = client.post("/integrations/xero/connect")
    authorize_url = response["Location"]
    assert authorize_url.startswith(f"{xero_sandbox.url}/identity/connect/authorize?")
    page = requests.get(authorize_url, timeout=10)
    assert page.status_code == 200
    assert "wants to access your organisation" in page.text
    params = {k: v[0] for k, v in parse_qs(urlsplit(authorize_url).query).items()}
    user = XeroUser.objects.get(email=xero_sandbox.admin_email)
    answer = testing.consent(
        xero_sandbox.url,
        params,
        user_id=str(user.xero_userid),
        tenant_ids=[str(t) for t in tenant_ids],
        action=action,
    )
    assert answer.status_code == 302
    return testing.redirect_params(answer)


def test_connect_choose_status_and_disconnect(client, sso_admin, xero_sandbox):
    sign_in_with_sso(client, sso_admin)
    callback = consent_in_xero(client, xero_sandbox, tenant_ids=xero_sandbox.tenant_ids)
    response = client.get("/integrations/xero/callback", callback)
    assert response["Location"] == "/integrations/xero/choose"

    page = client.get("/integrations/xero/choose").content.decode()
    assert "Demo Company (AU)" in page and "Demo Company (NZ)" in page
    client.post("/integrations/xero/choose", {"tenant_id": str(xero_sandbox.au_tenant_id)})

    connection = XeroConnection.objects.get()
    assert connection.tenant_id == xero_sandbox.au_tenant_id
    page = client.get("/integrations/").content.decode()
    assert 'data-testid="xero-organisation">Demo Company (AU)<' in page
    assert 'data-testid="xero-base-currency">AUD<' in page
    assert "two-factor authentication" in page
    assert "calls left this minute" in page  # headroom from the sandbox's headers

    # The organisation not chosen was disconnected in Xero: the token now reaches only one.
    connections = requests.get(
        f"{xero_sandbox.url}/connections",
        headers={"Authorization": f"Bearer {connection.access_token}"},
        timeout=10,
    ).json()
    assert [c["tenantId"] for c in connections] == [str(xero_sandbox.au_tenant_id)]

    refresh_token = connection.refresh_token
    response = client.post("/integrations/xero/disconnect", follow=True)
    assert "Disconnected from Demo Company (AU)." in response.content.decode()
    assert not XeroConnection.objects.exists()
    # The token was revoked in Xero too.
    dead = testing.token_request(
        xero_sandbox.url, {"grant_type": "refresh_token", "refresh_token": refresh_token}
    )
    assert dead.status_code == 400 and dead.json()["error"] == "invalid_grant"


def test_a_single_organisation_connects_without_a_choice(client, sso_admin, xero_sandbox):
    sign_in_with_sso(client, sso_admin)
    callback = consent_in_xero(client, xero_sandbox, tenant_ids=[xero_sandbox.nz_tenant_id])
    response = client.get("/integrations/xero/callback", callback, follow=True)
    assert "Connected to Demo Company (NZ)." in response.content.decode()
    connection = XeroConnection.objects.get()
    assert (connection.base_currency, connection.country_code) == ("NZD", "NZ")
    assert "two-factor" not in response.content.decode()


def test_cancel_in_xero_connects_nothing(client, sso_admin, xero_sandbox):
    sign_in_with_sso(client, sso_admin)
    callback = consent_in_xero(
        client, xero_sandbox, tenant_ids=xero_sandbox.tenant_ids, action="cancel"
    )
    assert callback["error"] == "access_denied"
    response = client.get("/integrations/xero/callback", callback, follow=True)
    assert "You cancelled in Xero" in response.content.decode()
    assert not XeroConnection.objects.exists()


def test_a_revoked_token_shows_needs_reconnect(client, sso_admin, xero_sandbox):
    sign_in_with_sso(client, sso_admin)
    callback = consent_in_xero(client, xero_sandbox, tenant_ids=[xero_sandbox.au_tenant_id])
    client.get("/integrations/xero/callback", callback)
    connection = XeroConnection.objects.get()
    requests.post(
        f"{xero_sandbox.url}/connect/revocation",
        data={"token": connection.refresh_token},
        auth=(xero_sandbox.client_id, xero_sandbox.client_secret),
        timeout=10,
    ).raise_for_status()
    XeroConnection.objects.filter(pk=connection.pk).update(
        access_token_expires_at=timezone.now() - timedelta(seconds=1)
    )
    response = client.post("/integrations/xero/check", follow=True)
    page = response.content.decode()
    assert "Needs reconnect" in page and "Reconnect to Xero" in page
    assert XeroConnection.objects.get().health == XeroConnection.Health.NEEDS_RECONNECT


def test_an_expired_access_token_is_refreshed_transparently(client, sso_admin, xero_sandbox):
    sign_in_with_sso(client, sso_admin)
    xero_sandbox.set_token_lifetimes(access_token=5)
    callback = consent_in_xero(client, xero_sandbox, tenant_ids=[xero_sandbox.au_tenant_id])
    client.get("/integrations/xero/callback", callback)
    before = XeroConnection.objects.get()
    response = client.post("/integrations/xero/check", follow=True)
    assert "The connection to Demo Company (AU) works." in response.content.decode()
    after = XeroConnection.objects.get()
    assert after.token_refreshed_at is not None
    assert after.refresh_token != before.refresh_token  # rotated
