"""Xero's revocation as the sandbox models it: revoking a refresh token ends its grant's tokens
and removes every connection of that user to the app, older consents' too.

https://developer.xero.com/documentation/guides/oauth2/auth-flow#revoking-tokens
"""

from __future__ import annotations

import requests

from sandbox import seed
from tests.sandbox.helpers import api
from tests.sandbox.test_oauth import connections, refresh


def revoke(sandbox, refresh_token: str) -> requests.Response:
    return requests.post(
        f"{sandbox.url}/connect/revocation",
        data={"token": refresh_token},
        auth=(sandbox.client_id, sandbox.client_secret),
        timeout=10,
    )


def test_a_second_consent_reuses_the_users_connection(xero_sandbox) -> None:
    first = xero_sandbox.mint_tokens(tenant_ids=[seed.AU_TENANT_ID])
    (au,) = connections(xero_sandbox, first).json()
    second = xero_sandbox.mint_tokens(tenant_ids=seed.TENANT_IDS)
    listed = {c["tenantId"]: c for c in connections(xero_sandbox, second).json()}
    assert listed[str(seed.AU_TENANT_ID)]["id"] == au["id"]  # the same connection, renewed
    assert listed[str(seed.AU_TENANT_ID)]["authEventId"] != au["authEventId"]
    # Both consents' tokens reach AU through it.
    assert api(xero_sandbox, first, "GET", "/Organisation").status_code == 200
    assert api(xero_sandbox, second, "GET", "/Organisation").status_code == 200


def test_revoking_a_second_consent_removes_the_first_consents_connection_too(
    xero_sandbox,
) -> None:
    first = xero_sandbox.mint_tokens(tenant_ids=[seed.AU_TENANT_ID])
    second = xero_sandbox.mint_tokens(tenant_ids=seed.TENANT_IDS)

    assert revoke(xero_sandbox, second["refresh_token"]).status_code == 200

    # The revoked grant's tokens stop working at once.
    assert api(xero_sandbox, second, "GET", "/Organisation").status_code == 401
    assert refresh(xero_sandbox, second["refresh_token"]).json() == {"error": "invalid_grant"}
    # The first grant was not revoked, but the user's connections to the app are all gone:
    # its calls are refused for the organisation, as Xero does.
    refused = api(xero_sandbox, first, "GET", "/Organisation")
    assert refused.status_code == 403
    assert refused.json()["Detail"] == "AuthenticationUnsuccessful"
    assert connections(xero_sandbox, first).json() == []


def test_deleting_only_the_new_connection_by_id_keeps_the_first_consent_working(
    xero_sandbox,
) -> None:
    first = xero_sandbox.mint_tokens(tenant_ids=[seed.AU_TENANT_ID])
    second = xero_sandbox.mint_tokens(tenant_ids=seed.TENANT_IDS)
    nz = next(
        c
        for c in connections(xero_sandbox, second).json()
        if c["tenantId"] == str(seed.NZ_TENANT_ID)
    )
    deleted = requests.delete(
        f"{xero_sandbox.url}/connections/{nz['id']}",
        headers={"Authorization": f"Bearer {second['access_token']}"},
        timeout=10,
    )
    assert deleted.status_code == 204
    assert api(xero_sandbox, first, "GET", "/Organisation").status_code == 200
    assert [c["tenantId"] for c in connections(xero_sandbox, first).json()] == [
        str(seed.AU_TENANT_ID)
    ]
