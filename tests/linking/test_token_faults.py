"""Dead tokens mark the connection "Needs reconnect" at once; Xero faults are worded by cause."""

from __future__ import annotations

import socket
import subprocess
import sys
from datetime import timedelta

import pytest
from cryptography.fernet import Fernet
from django.utils import timezone

from linking.models import XeroConnection
from linking.xero import client, oauth
from linking.xero.errors import XeroError
from tests.factories import OrganizationFactory
from tests.linking.conftest import LateJSON, make_connection, requests_to, token_reply
from tests.xero_spec import example

pytestmark = pytest.mark.django_db

ORGANISATION = "/api.xro/2.0/Organisation"
UNAUTHORIZED = {"Title": "Unauthorized", "Status": 401, "Detail": "TokenExpired"}
FORBIDDEN = {"Title": "Forbidden", "Status": 403, "Detail": "AuthenticationUnsuccessful"}


def health(connection: XeroConnection) -> tuple[str, str]:
    connection.refresh_from_db()
    return connection.health, connection.health_detail


# ------------------------------------------------------- 401 after a refresh, 403 from Xero


def test_a_401_after_a_refresh_marks_the_connection_needs_reconnect_at_once(xero, connection):
    # The refreshed token is refused as well.
    xero.expect_request(ORGANISATION, method="GET").respond_with_json(UNAUTHORIZED, status=401)
    xero.expect_request("/connect/token", method="POST").respond_with_json(
        token_reply(access="access-2", refresh="refresh-2")
    )

    with pytest.raises(XeroError) as raised:
        client.get_organisation(connection)

    assert raised.value.reconnect
    assert "reconnect" in raised.value.message
    state, detail = health(connection)
    assert state == XeroConnection.Health.NEEDS_RECONNECT
    assert "TokenExpired" in detail
    assert len(requests_to(xero, "GET", ORGANISATION)) == 2
    # From now on nobody calls Xero with it until an administrator reconnects.
    with pytest.raises(XeroError) as again:
        client.get_organisation(connection)
    assert again.value.code == "needs_reconnect"
    assert len(requests_to(xero, "GET", ORGANISATION)) == 2
    assert len(requests_to(xero, "POST", "/connect/token")) == 1


def test_a_403_authentication_unsuccessful_marks_the_connection_needs_reconnect(xero, connection):
    xero.expect_request(ORGANISATION, method="GET").respond_with_json(FORBIDDEN, status=403)
    with pytest.raises(XeroError) as raised:
        client.get_organisation(connection)
    assert raised.value.reconnect
    state, detail = health(connection)
    assert state == XeroConnection.Health.NEEDS_RECONNECT
    assert "AuthenticationUnsuccessful" in detail


def test_a_401_that_a_refresh_cures_leaves_the_connection_ok(xero, connection):
    xero.expect_oneshot_request(ORGANISATION, method="GET").respond_with_json(
        UNAUTHORIZED, status=401
    )
    xero.expect_request(ORGANISATION, method="GET").respond_with_json(example("getOrganisations"))
    xero.expect_request("/connect/token", method="POST").respond_with_json(token_reply())
    client.get_organisation(connection)
    assert health(connection) == (XeroConnection.Health.OK, "")


def test_a_failure_of_a_replaced_token_does_not_mark_the_new_one(xero, connection):
    """A call made with the old tokens fails while an administrator reconnects: the new tokens
    are not marked dead by it."""
    stale = XeroConnection.objects.get(pk=connection.pk)
    connection.store_tokens(
        access_token="access-new",
        refresh_token="refresh-new",
        expires_at=timezone.now() + timedelta(minutes=30),
        scopes=[],
    )
    connection.save()
    xero.expect_request(ORGANISATION, method="GET").respond_with_json(FORBIDDEN, status=403)
    with pytest.raises(XeroError):
        client.get_organisation(stale)
    assert health(connection) == (XeroConnection.Health.OK, "")


# ---------------------------------------------- a token no key decrypts (botched rotation)


@pytest.fixture
def unreadable(settings, xero):
    """A connection whose tokens were encrypted with a key no longer in XERO_TOKEN_KEYS."""
    settings.XERO_TOKEN_KEYS = [Fernet.generate_key().decode()]
    connection = make_connection()
    settings.XERO_TOKEN_KEYS = [Fernet.generate_key().decode()]  # the old key was dropped
    return connection


def assert_needs_reconnect_for_the_admin(sso_admin_client, connection, xero) -> None:
    state, detail = health(connection)
    assert state == XeroConnection.Health.NEEDS_RECONNECT
    assert "XERO_TOKEN_KEYS" in detail
    page = sso_admin_client.get("/integrations/").content.decode()
    assert "Needs reconnect" in page and "Reconnect to Xero" in page
    assert "cannot be decrypted with the keys in XERO_TOKEN_KEYS" in page
    assert not xero.log  # Xero was never called with garbage


def test_wrong_fernet_key_on_the_tab_gives_needs_reconnect_not_a_500(
    sso_admin_client, unreadable, xero
):
    org = OrganizationFactory()
    response = sso_admin_client.get(f"/xero/tab/organization/{org.pk}/")
    assert response.status_code == 200
    assert "needs reconnecting" in response.content.decode()
    assert_needs_reconnect_for_the_admin(sso_admin_client, unreadable, xero)
    # The next open shows the Needs reconnect panel straight away.
    again = sso_admin_client.get(f"/xero/tab/organization/{org.pk}/").content.decode()
    assert "The connection to Demo Company (NZ) needs reconnecting." in again


def test_wrong_fernet_key_on_refresh_gives_needs_reconnect_not_a_500(
    sso_admin_client, unreadable, xero
):
    org = OrganizationFactory()
    response = sso_admin_client.post(f"/xero/tab/organization/{org.pk}/refresh")
    assert response.status_code == 200
    assert "needs reconnecting" in response.content.decode()
    assert_needs_reconnect_for_the_admin(sso_admin_client, unreadable, xero)


def test_wrong_fernet_key_on_check_gives_needs_reconnect_not_a_500(
    sso_admin_client, unreadable, xero
):
    response = sso_admin_client.post("/integrations/xero/check", follow=True)
    assert response.status_code == 200
    assert "cannot be decrypted with the keys in XERO_TOKEN_KEYS" in response.content.decode()
    assert_needs_reconnect_for_the_admin(sso_admin_client, unreadable, xero)


def test_wrong_fernet_key_with_an_expired_token_still_gives_needs_reconnect(
    sso_admin_client, unreadable, xero
):
    XeroConnection.objects.update(access_token_expires_at=timezone.now() - timedelta(minutes=1))
    response = sso_admin_client.post("/integrations/xero/check", follow=True)
    assert response.status_code == 200
    assert_needs_reconnect_for_the_admin(sso_admin_client, unreadable, xero)


def test_a_connection_with_unreadable_tokens_can_still_be_disconnected(
    sso_admin_client, unreadable, xero
):
    response = sso_admin_client.post("/integrations/xero/disconnect", follow=True)
    assert response.status_code == 200
    assert "Disconnected from Demo Company (NZ)." in response.content.decode()
    assert not XeroConnection.objects.exists()


def test_a_bad_fernet_key_stops_start_up_and_check_deploy_with_a_clear_message():
    from tests.test_settings import PRODUCTION, ROOT, clean_environ, run_django

    result = run_django("", XERO_TOKEN_KEYS="notakey")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "XERO_TOKEN_KEYS: key 1 of 1 is not a Fernet key" in result.stderr
    assert "notakey" not in result.stderr.splitlines()[-1]  # the value is not echoed
    good = Fernet.generate_key().decode()
    deploy = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=ROOT,
        env={**clean_environ(), **PRODUCTION, "XERO_TOKEN_KEYS": f"{good},notakey"},
        capture_output=True,
        text=True,
    )
    assert deploy.returncode != 0
    assert "XERO_TOKEN_KEYS: key 2 of 2 is not a Fernet key" in deploy.stderr


# ------------------------------------------------------------- network errors by cause


@pytest.fixture
def closed_port(settings):
    """Every Xero host at a local port where nothing listens: connections are refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    settings.XERO_LOGIN_URL = settings.XERO_IDENTITY_URL = settings.XERO_API_URL = url
    return url


def test_a_refused_api_call_says_refused_not_timed_out(closed_port, connection):
    with pytest.raises(XeroError) as raised:
        client.get_organisation(connection)
    assert raised.value.code == "refused" and raised.value.retryable
    assert "refused the connection" in raised.value.message
    assert "in time" not in raised.value.message
    assert health(connection) == (XeroConnection.Health.OK, "")


def test_a_refused_token_call_says_refused_not_timed_out(closed_port):
    with pytest.raises(XeroError) as raised:
        oauth.refresh("refresh-1")
    assert raised.value.code == "refused"
    assert "refused the connection" in raised.value.message
    assert "in time" not in raised.value.message


def test_a_token_call_that_times_out_says_so(xero, settings):
    settings.XERO_READ_TIMEOUT = 1
    xero.expect_request("/connect/token", method="POST").respond_with_handler(LateJSON(1.5, {}))
    with pytest.raises(XeroError) as raised:
        oauth.refresh("refresh-1")
    assert raised.value.code == "timeout"
    assert raised.value.message == "Xero did not answer in time."


def test_an_api_call_that_times_out_says_so(xero, connection, settings):
    settings.XERO_READ_TIMEOUT = 1
    late = LateJSON(1.5, example("getOrganisations"))
    xero.expect_request(ORGANISATION, method="GET").respond_with_handler(late)
    with pytest.raises(XeroError) as raised:
        client.get_organisation(connection)
    assert raised.value.code == "timeout"
    assert raised.value.message == "Xero did not answer in time."


def test_check_when_xero_is_down_says_refused(sso_admin_client, closed_port, connection):
    page = sso_admin_client.post("/integrations/xero/check", follow=True).content.decode()
    assert "Xero refused the connection" in page
    assert "did not answer in time" not in page
