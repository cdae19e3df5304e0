"""The Integrations page: connect (state + PKCE), choose the organisation, check, disconnect."""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import parse_qs, urlsplit

import pytest

from linking.models import AuditEntry, PendingXeroConsent, XeroConnection
from linking.xero import budget
from linking.xero.types import RateLimits
from tests.linking.conftest import (
    TENANT_ID,
    connections_example,
    make_connection,
    requests_to,
    token_reply,
)
from tests.sessions import sign_in_with_sso
from tests.xero_spec import example

pytestmark = pytest.mark.django_db

SECOND_TENANT = {
    "id": "11111111-2222-3333-4444-555555555555",
    "tenantId": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
    "tenantName": "Other Company (AU)",
    "tenantType": "ORGANISATION",
    "createdDateUtc": "2019-12-07T18:46:19.5165400",
    "updatedDateUtc": "2019-12-07T18:46:19.5187840",
}


def start_connect(client) -> dict[str, str]:
    response = client.post("/integrations/xero/connect")
    assert response.status_code == 302
    return {k: v[0] for k, v in parse_qs(urlsplit(response["Location"]).query).items()}


def test_non_admins_get_a_403_page(sso_user_client):
    response = sso_user_client.get("/integrations/")
    assert response.status_code == 403
    assert "Only CRM administrators can manage integrations." in response.content.decode()


def test_a_password_only_admin_is_told_to_sign_in_with_sso(client, password_user):
    password_user.is_staff = True
    password_user.save()
    client.force_login(password_user)
    response = client.get("/integrations/")
    assert response.status_code == 403
    assert "Sign in with single sign-on first" in response.content.decode()
    assert client.post("/integrations/xero/connect").status_code == 403


def test_the_integrations_link_is_for_admins(client, sso_admin, sso_user):
    sign_in_with_sso(client, sso_admin)
    assert ">Integrations</a>" in client.get("/organizations/").content.decode()
    sign_in_with_sso(client, sso_user)
    assert ">Integrations</a>" not in client.get("/organizations/").content.decode()


def test_connect_sends_the_admin_to_xero_with_state_and_pkce(sso_admin_client, xero, settings):
    query = start_connect(sso_admin_client)
    assert query["client_id"] == settings.XERO_CLIENT_ID
    assert query["redirect_uri"] == settings.XERO_REDIRECT_URI
    assert query["scope"].split() == settings.XERO_SCOPES
    assert "offline_access" in query["scope"].split()
    assert query["code_challenge_method"] == "S256"
    flow = sso_admin_client.session["xero_oauth"]
    assert query["state"] == flow["state"]
    digest = hashlib.sha256(flow["verifier"].encode()).digest()
    assert query["code_challenge"] == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def answer_consent(xero, connections=None):
    xero.expect_request("/connect/token", method="POST").respond_with_json(
        token_reply(access="access-1", refresh="refresh-1")
    )
    xero.expect_request("/connections", method="GET").respond_with_json(
        connections or connections_example()
    )
    xero.expect_request("/api.xro/2.0/Organisation", method="GET").respond_with_json(
        example("getOrganisations")
    )


def test_a_consent_for_one_organisation_connects_it(sso_admin_client, sso_admin, xero):
    answer_consent(xero)
    query = start_connect(sso_admin_client)
    response = sso_admin_client.get(
        "/integrations/xero/callback", {"code": "the-code", "state": query["state"]}, follow=True
    )
    page = response.content.decode()
    assert "Connected to Dev Evangelist - Sid Test 3 (NZ-2016-02)." in page
    connection = XeroConnection.objects.get()
    assert str(connection.tenant_id) == TENANT_ID
    assert (connection.base_currency, connection.short_code) == ("NZD", "!mBdtL")
    assert connection.connected_by == sso_admin
    assert connection.refresh_token == "refresh-1"
    (token_call,) = requests_to(xero, "POST", "/connect/token")
    form = token_call.form.to_dict()
    assert form["grant_type"] == "authorization_code" and form["code"] == "the-code"
    assert form["code_verifier"]  # PKCE
    assert token_call.headers["authorization"].startswith("Basic ")
    assert 'data-testid="xero-base-currency">NZD<' in page
    assert "refresh-1" not in page and "access-1" not in page
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.user, entry.succeeded) == ("connect", sso_admin, True)


@pytest.mark.parametrize(
    "params",
    [
        {"code": "c"},  # no state
        {"code": "c", "state": "not-the-state"},
    ],
)
def test_a_callback_with_a_missing_or_wrong_state_is_refused(sso_admin_client, xero, params):
    answer_consent(xero)
    start_connect(sso_admin_client)
    response = sso_admin_client.get("/integrations/xero/callback", params)
    assert response.status_code == 400
    assert "This Xero answer cannot be used" in response.content.decode()
    assert not XeroConnection.objects.exists()
    assert requests_to(xero, "POST", "/connect/token") == []


def test_a_reused_state_is_refused(sso_admin_client, xero):
    answer_consent(xero)
    query = start_connect(sso_admin_client)
    params = {"code": "c", "state": query["state"]}
    assert sso_admin_client.get("/integrations/xero/callback", params).status_code == 302
    XeroConnection.objects.all().delete()
    assert sso_admin_client.get("/integrations/xero/callback", params).status_code == 400
    assert not XeroConnection.objects.exists()


def test_a_callback_without_a_started_connect_is_refused(sso_admin_client, xero):
    response = sso_admin_client.get("/integrations/xero/callback", {"code": "c", "state": "s"})
    assert response.status_code == 400


def test_cancelling_in_xero_says_so_kindly(sso_admin_client, xero):
    query = start_connect(sso_admin_client)
    response = sso_admin_client.get(
        "/integrations/xero/callback",
        {"error": "access_denied", "state": query["state"]},
        follow=True,
    )
    assert "You cancelled in Xero, so nothing was connected." in response.content.decode()
    assert not XeroConnection.objects.exists()


def test_a_consent_for_several_organisations_asks_which_one(sso_admin_client, xero):
    answer_consent(xero, connections=[*connections_example(), SECOND_TENANT])
    xero.expect_request(f"/connections/{SECOND_TENANT['id']}", method="DELETE").respond_with_data(
        status=204
    )
    query = start_connect(sso_admin_client)
    response = sso_admin_client.get(
        "/integrations/xero/callback", {"code": "c", "state": query["state"]}
    )
    assert response["Location"] == "/integrations/xero/choose"
    assert not XeroConnection.objects.exists()
    page = sso_admin_client.get("/integrations/xero/choose").content.decode()
    assert "Demo Company (NZ)" in page and "Other Company (AU)" in page

    response = sso_admin_client.post("/integrations/xero/choose", {"tenant_id": TENANT_ID})
    assert response.status_code == 302
    assert str(XeroConnection.objects.get().tenant_id) == TENANT_ID
    assert not PendingXeroConsent.objects.exists()
    # The organisation not chosen is disconnected again in Xero.
    assert len(requests_to(xero, "DELETE", f"/connections/{SECOND_TENANT['id']}")) == 1


def test_a_pending_consent_keeps_its_tokens_encrypted(sso_admin_client, xero):
    answer_consent(xero, connections=[*connections_example(), SECOND_TENANT])
    query = start_connect(sso_admin_client)
    sso_admin_client.get("/integrations/xero/callback", {"code": "c", "state": query["state"]})
    raw = PendingXeroConsent.objects.values_list("tokens_encrypted", flat=True).get()
    assert "refresh-1" not in raw and "access-1" not in raw


def test_the_page_shows_health_headroom_and_the_australian_note(sso_admin_client):
    connection = make_connection(country_code="AU")
    budget.observe(connection.tenant_id, RateLimits(minute=55, day=4900, app_minute=9000))
    page = sso_admin_client.get("/integrations/").content.decode()
    assert "Demo Company (NZ)" in page
    assert ">OK</span>" in page
    assert "55 calls left this minute" in page and "4900 today" in page
    assert "9000 this minute" in page
    assert "Xero sends changes to <code>http://testserver/integrations/xero/webhooks</code>" in page
    assert "signing key set." in page
    assert "two-factor authentication" in page
    assert ">Disconnect</a>" in page


def test_the_page_says_when_no_webhook_key_is_set(sso_admin_client, settings):
    make_connection()
    settings.XERO_WEBHOOK_KEY = ""
    page = sso_admin_client.get("/integrations/").content.decode()
    assert "no signing key set</strong> (XERO_WEBHOOK_KEY)" in page


def test_a_connection_needing_reconnect_says_so(sso_admin_client):
    make_connection(health=XeroConnection.Health.NEEDS_RECONNECT, health_detail="invalid_grant")
    page = sso_admin_client.get("/integrations/").content.decode()
    assert "Needs reconnect" in page and "Reconnect to Xero" in page


def test_disconnect_removes_the_connection_in_xero_revokes_and_forgets(
    sso_admin_client, sso_admin, xero
):
    connection = make_connection()
    xero.expect_request(
        f"/connections/{connection.connection_id}", method="DELETE"
    ).respond_with_data(status=204)
    xero.expect_request("/connect/revocation", method="POST").respond_with_data()
    assert (
        "Disconnect Demo Company (NZ)?"
        in sso_admin_client.get("/integrations/xero/disconnect").content.decode()
    )
    response = sso_admin_client.post("/integrations/xero/disconnect", follow=True)
    assert "Disconnected from Demo Company (NZ)." in response.content.decode()
    assert not XeroConnection.objects.exists()
    (revocation,) = requests_to(xero, "POST", "/connect/revocation")
    assert revocation.form.to_dict() == {"token": "refresh-1"}
    assert AuditEntry.objects.filter(action="disconnect", succeeded=True, user=sso_admin).exists()


def test_disconnect_when_xero_is_down_keeps_the_connection_and_says_why(sso_admin_client, xero):
    connection = make_connection()
    xero.expect_request(
        f"/connections/{connection.connection_id}", method="DELETE"
    ).respond_with_data(status=503)
    response = sso_admin_client.post("/integrations/xero/disconnect", follow=True)
    assert "Could not disconnect" in response.content.decode()
    assert XeroConnection.objects.exists()
    assert AuditEntry.objects.filter(action="disconnect", succeeded=False).exists()


def test_disconnect_of_a_connection_already_removed_in_xero_still_forgets_it(
    sso_admin_client, xero
):
    connection = make_connection()
    xero.expect_request(
        f"/connections/{connection.connection_id}", method="DELETE"
    ).respond_with_json({"Title": "Forbidden", "Detail": "AuthenticationUnsuccessful"}, status=403)
    xero.expect_request("/connect/revocation", method="POST").respond_with_json(
        {"error": "invalid_grant"}, status=400
    )
    sso_admin_client.post("/integrations/xero/disconnect")
    assert not XeroConnection.objects.exists()


def test_the_xero_tab_shows_the_sso_explanation_to_password_users(client, password_user):
    from tests.factories import OrganizationFactory

    client.force_login(password_user)
    org = OrganizationFactory()
    page = client.get(f"/xero/tab/organization/{org.pk}/").content.decode()
    assert "Xero data is shown only to people who signed in with single sign-on" in page
    assert 'href="/profile/"' in page


def test_the_not_connected_tab_links_admins_to_integrations(client, sso_admin, sso_user):
    from tests.factories import OrganizationFactory

    org = OrganizationFactory()
    sign_in_with_sso(client, sso_admin)
    admin_page = client.get(f"/xero/tab/organization/{org.pk}/").content.decode()
    sign_in_with_sso(client, sso_user)
    user_page = client.get(f"/xero/tab/organization/{org.pk}/").content.decode()
    assert "Xero is not connected yet." in admin_page and 'href="/integrations/"' in admin_page
    assert "Xero is not connected yet." in user_page and 'href="/integrations/"' not in user_page
