"""Connect to Xero again while connected, through the real consent flow against the sandbox.

Revoking a token in Xero removes every connection of that user to the app, the live one too
(../shared/XERO_NOTES.md): so a repeat Connect either re-authorises the organisation in use or
stops, removing only the consent's new connections by id, and the live connection keeps working.
"""

from __future__ import annotations

import pytest
import requests

from linking import services
from linking.models import AuditEntry, PendingXeroConsent, XeroConnection, XeroLink
from linking.xero import client as xero_client
from linking.xero.errors import XeroError
from sandbox import dbguard
from sandbox.models import Connection
from sandbox.testing import mint_tokens
from tests.factories import OrganizationFactory, XeroLinkFactory
from tests.linking.test_connect_flow import consent_in_xero

REFUSAL = (
    "This CRM is connected to Demo Company (AU). Disconnect it first to use Demo Company (NZ) "
    "instead."
)


def connect(client, xero_sandbox, tenant_ids) -> XeroConnection:
    callback = consent_in_xero(client, xero_sandbox, tenant_ids=tenant_ids)
    response = client.get("/integrations/xero/callback", callback)
    assert response.status_code == 302
    return XeroConnection.objects.get()


def sandbox_connections() -> set[tuple[str, str]]:
    """(organisation name, connection id) of every connection in the sandbox."""
    with dbguard.guard():
        return {
            (c.organisation.name, str(c.connection_id))
            for c in Connection.objects.select_related("organisation")
        }


def accounting_call_works(connection: XeroConnection) -> bool:
    """A later Accounting call with the stored connection succeeds."""
    connection = XeroConnection.objects.get(pk=connection.pk)
    return xero_client.get_organisation(connection).name == connection.tenant_name


@pytest.fixture
def connected_au(sso_admin_client, xero_sandbox):
    connection = connect(sso_admin_client, xero_sandbox, [xero_sandbox.au_tenant_id])
    assert connection.tenant_name == "Demo Company (AU)"
    return connection


def test_choosing_another_organisation_leaves_the_live_connection_working(
    sso_admin_client, xero_sandbox, connected_au
):
    before = XeroConnection.objects.values().get()
    callback = consent_in_xero(sso_admin_client, xero_sandbox, tenant_ids=xero_sandbox.tenant_ids)
    response = sso_admin_client.get("/integrations/xero/callback", callback)
    assert response["Location"] == "/integrations/xero/choose"
    page = sso_admin_client.get("/integrations/xero/choose").content.decode()
    assert "This CRM is connected to Demo Company (AU): choose it to renew" in page

    response = sso_admin_client.post(
        "/integrations/xero/choose", {"tenant_id": str(xero_sandbox.nz_tenant_id)}, follow=True
    )

    assert response.redirect_chain[-1][0] == "/integrations/"
    page = response.content.decode()
    assert REFUSAL in page
    assert 'data-testid="xero-organisation">Demo Company (AU)<' in page
    # Nothing changed here: same row, same tokens, still OK; the consent is used up.
    assert XeroConnection.objects.values().get() == before
    assert not PendingXeroConsent.objects.exists()
    # In Xero: the live connection is still there, the new NZ one was removed by id.
    assert sandbox_connections() == {("Demo Company (AU)", str(connected_au.connection_id))}
    # And a later Accounting call with the live connection succeeds, as does Check.
    assert accounting_call_works(connected_au)
    checked = sso_admin_client.post("/integrations/xero/check", follow=True).content.decode()
    assert "The connection to Demo Company (AU) works." in checked
    assert XeroConnection.objects.get().health == XeroConnection.Health.OK


def test_a_consent_without_the_live_organisation_is_refused_at_the_callback(
    sso_admin_client, xero_sandbox, connected_au
):
    callback = consent_in_xero(
        sso_admin_client, xero_sandbox, tenant_ids=[xero_sandbox.nz_tenant_id]
    )
    response = sso_admin_client.get("/integrations/xero/callback", callback, follow=True)
    assert f"Could not connect to Xero: {REFUSAL}" in response.content.decode()
    assert not PendingXeroConsent.objects.exists()
    assert sandbox_connections() == {("Demo Company (AU)", str(connected_au.connection_id))}
    assert accounting_call_works(connected_au)


def test_connecting_the_same_organisation_again_replaces_the_tokens_and_keeps_the_links(
    sso_admin_client, xero_sandbox, connected_au
):
    org = OrganizationFactory(name="Linked Ltd")
    link = XeroLinkFactory(
        record=org,
        tenant_id=connected_au.tenant_id,
        xero_type=XeroLink.XeroType.CONTACT,
        xero_id="00000000-0000-0000-0000-0000000000aa",
        xero_name="Linked Ltd",
    )
    old_access, old_refresh = connected_au.access_token, connected_au.refresh_token

    # AU and NZ ticked again; AU picked: a re-authorisation.
    callback = consent_in_xero(sso_admin_client, xero_sandbox, tenant_ids=xero_sandbox.tenant_ids)
    sso_admin_client.get("/integrations/xero/callback", callback)
    response = sso_admin_client.post(
        "/integrations/xero/choose", {"tenant_id": str(xero_sandbox.au_tenant_id)}, follow=True
    )

    assert "Connected to Demo Company (AU)." in response.content.decode()
    connection = XeroConnection.objects.get()
    assert connection.pk == connected_au.pk
    assert connection.connected_at == connected_au.connected_at
    assert connection.access_token != old_access and connection.refresh_token != old_refresh
    assert connection.health == XeroConnection.Health.OK
    assert list(XeroLink.objects.all()) == [link]
    # Xero reused the connection for the same user: same id; the NZ one was removed again.
    assert str(connection.connection_id) == str(connected_au.connection_id)
    assert sandbox_connections() == {("Demo Company (AU)", str(connected_au.connection_id))}
    assert accounting_call_works(connection)
    reconnect = AuditEntry.objects.filter(action="connect").order_by("pk").last()
    assert reconnect.changes == {"organisation": "Demo Company (AU)", "reconnect": True}
    # The old grant was not revoked (that would have removed the connection): its refresh
    # token still works in Xero.
    old = requests.post(
        f"{xero_sandbox.url}/connect/token",
        data={"grant_type": "refresh_token", "refresh_token": old_refresh},
        auth=(xero_sandbox.client_id, xero_sandbox.client_secret),
        timeout=10,
    )
    assert old.status_code == 200


def test_a_single_organisation_consent_for_the_live_one_re_authorises_it(
    sso_admin_client, xero_sandbox, connected_au
):
    old_access = connected_au.access_token
    callback = consent_in_xero(
        sso_admin_client, xero_sandbox, tenant_ids=[xero_sandbox.au_tenant_id]
    )
    response = sso_admin_client.get("/integrations/xero/callback", callback, follow=True)
    assert "Connected to Demo Company (AU)." in response.content.decode()
    connection = XeroConnection.objects.get()
    assert connection.pk == connected_au.pk and connection.access_token != old_access
    assert accounting_call_works(connection)


def test_a_needs_reconnect_connection_is_repaired_by_connecting_it_again(
    sso_admin_client, xero_sandbox, connected_au
):
    XeroConnection.objects.update(
        health=XeroConnection.Health.NEEDS_RECONNECT, health_detail="invalid_grant"
    )
    page = sso_admin_client.get("/integrations/").content.decode()
    assert "Reconnect to Xero" in page
    connect(sso_admin_client, xero_sandbox, [xero_sandbox.au_tenant_id])
    connection = XeroConnection.objects.get()
    assert (connection.health, connection.health_detail) == (XeroConnection.Health.OK, "")
    assert accounting_call_works(connection)


def test_a_connection_removed_in_xero_is_marked_needs_reconnect_at_once(
    sso_admin_client, xero_sandbox, connected_au
):
    """What the old code did: revoking the second consent's token removed the live connection.
    The next call gets 403 AuthenticationUnsuccessful: Needs reconnect, not "OK"."""
    second = mint_tokens(xero_sandbox.url, tenant_ids=xero_sandbox.tenant_ids)
    requests.post(
        f"{xero_sandbox.url}/connect/revocation",
        data={"token": second["refresh_token"]},
        auth=(xero_sandbox.client_id, xero_sandbox.client_secret),
        timeout=10,
    ).raise_for_status()

    with pytest.raises(XeroError) as raised:
        services.connection_check(connection=XeroConnection.objects.get())
    assert raised.value.reconnect
    connection = XeroConnection.objects.get()
    assert connection.health == XeroConnection.Health.NEEDS_RECONNECT
    assert "AuthenticationUnsuccessful" in connection.health_detail
    page = sso_admin_client.get("/integrations/").content.decode()
    assert "Needs reconnect" in page and "Reconnect to Xero" in page


# ------------------------------------------------ a refused code exchange names the sign-in

SIGN_IN_REFUSED = (
    "Xero refused this sign-in to Xero: the authorisation code was already used or has "
    "expired — try Connect to Xero again."
)


def _use_the_code_first(client, callback, xero_sandbox, settings):
    from sandbox.testing import token_request

    verifier = client.session["xero_oauth"]["verifier"]
    used = token_request(
        xero_sandbox.url,
        {
            "grant_type": "authorization_code",
            "code": callback["code"],
            "redirect_uri": settings.XERO_REDIRECT_URI,
            "code_verifier": verifier,
        },
    )
    assert used.status_code == 200


def _break_the_verifier(client, callback, xero_sandbox, settings):
    session = client.session
    session["xero_oauth"] = {**session["xero_oauth"], "verifier": "not-the-verifier" * 4}
    session.save()


def _change_the_redirect_uri(client, callback, xero_sandbox, settings):
    settings.XERO_REDIRECT_URI = "http://127.0.0.1:8000/integrations/xero/other-callback"


@pytest.mark.parametrize(
    "spoil", [_use_the_code_first, _break_the_verifier, _change_the_redirect_uri]
)
def test_a_refused_code_exchange_names_the_sign_in_not_the_connection(
    sso_admin_client, xero_sandbox, connected_au, settings, spoil
):
    callback = consent_in_xero(
        sso_admin_client, xero_sandbox, tenant_ids=[xero_sandbox.au_tenant_id]
    )
    spoil(sso_admin_client, callback, xero_sandbox, settings)
    response = sso_admin_client.get("/integrations/xero/callback", callback, follow=True)
    page = response.content.decode()
    assert SIGN_IN_REFUSED in page
    assert "no longer accepts this connection" not in page
    # The live connection is not blamed.
    connection = XeroConnection.objects.get()
    assert connection.health == XeroConnection.Health.OK
    assert accounting_call_works(connection)
