"""Token refresh: at most one at a time, and never with a dead refresh token."""

from __future__ import annotations

import os
import threading
from datetime import timedelta

import pytest
from django.db import connection as db_connection
from django.db import connections
from django.utils import timezone

from linking import crypto
from linking.models import XeroConnection
from linking.xero import tokens
from tests.linking.conftest import LateJSON, make_connection, requests_to, token_reply


@pytest.mark.skipif(
    db_connection.vendor != "postgresql" and os.environ.get("CRM_REQUIRE_SERVICES") != "1",
    reason="row locks need PostgreSQL (CI runs this, with CRM_REQUIRE_SERVICES=1)",
)
@pytest.mark.django_db(transaction=True)
def test_eight_workers_refreshing_at_once_make_one_token_call(xero):
    stale = make_connection(expires_at=timezone.now() - timedelta(seconds=5))
    xero.expect_request("/connect/token", method="POST").respond_with_handler(
        # late enough for every worker to be waiting on the lock
        LateJSON(0.3, token_reply(access="access-2", refresh="refresh-2"))
    )
    barrier = threading.Barrier(8)
    results: list[str] = []
    errors: list[BaseException] = []

    def worker():
        try:
            row = XeroConnection.objects.get(pk=stale.pk)
            barrier.wait()
            results.append(tokens.fresh_connection(row).access_token)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == []
    assert results == ["access-2"] * 8
    assert len(requests_to(xero, "POST", "/connect/token")) == 1


@pytest.mark.django_db
def test_a_fresh_token_is_not_refreshed(xero):
    connection = make_connection()
    assert tokens.fresh_connection(connection).access_token == "access-1"
    assert requests_to(xero, "POST", "/connect/token") == []


@pytest.mark.django_db
def test_tokens_are_encrypted_at_rest(xero):
    connection = make_connection(access_token="secret-access", refresh_token="secret-refresh")
    raw = XeroConnection.objects.values("access_token_encrypted", "refresh_token_encrypted").get(
        pk=connection.pk
    )
    assert "secret" not in str(raw)
    assert crypto.decrypt(raw["refresh_token_encrypted"]) == "secret-refresh"


@pytest.mark.django_db
def test_token_keys_rotate(settings):
    from cryptography.fernet import Fernet

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.XERO_TOKEN_KEYS = [old]
    connection = make_connection(refresh_token="keep-me")
    settings.XERO_TOKEN_KEYS = [new, old]
    connection.refresh_from_db()
    assert connection.refresh_token == "keep-me"  # still readable with the old key
    rotated = crypto.rotate(connection.refresh_token_encrypted)
    settings.XERO_TOKEN_KEYS = [new]
    assert crypto.decrypt(rotated) == "keep-me"


def test_the_sdk_is_never_handed_a_refresh_token(db):
    token = tokens.sdk_token(make_connection())
    assert token["refresh_token"] is None
    assert set(token) <= {
        "access_token",
        "refresh_token",
        "scope",
        "expires_in",
        "token_type",
        "expires_at",
        "id_token",
    }
    assert isinstance(token["scope"], list)


@pytest.mark.django_db
def test_rotate_xero_tokens_re_encrypts_with_the_newest_key(settings):
    from cryptography.fernet import Fernet
    from django.core.management import call_command

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.XERO_TOKEN_KEYS = [old]
    connection = make_connection(access_token="a-tok", refresh_token="r-tok")
    settings.XERO_TOKEN_KEYS = [new, old]
    call_command("rotate_xero_tokens")
    settings.XERO_TOKEN_KEYS = [new]  # the old key is gone now
    connection.refresh_from_db()
    assert (connection.access_token, connection.refresh_token) == ("a-tok", "r-tok")
