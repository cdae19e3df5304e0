from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from linking.models import XeroConnection
from tests.replay import ReplayServer, Reply
from tests.xero_spec import example

TENANT_ID = "fe79f7dd-b6d4-4a92-ba7b-538af6289c58"


@pytest.fixture
def xero(settings):
    """A replay server standing in for Xero's three hosts, speaking recorded payloads."""
    server = ReplayServer().start()
    settings.XERO_LOGIN_URL = settings.XERO_IDENTITY_URL = settings.XERO_API_URL = server.url
    settings.XERO_READ_TIMEOUT = 2
    yield server
    server.stop()


def make_connection(**overrides) -> XeroConnection:
    connection = XeroConnection(
        tenant_id=overrides.pop("tenant_id", TENANT_ID),
        connection_id="7cb59f93-2964-421d-bb5e-a0f7a4572a44",
        tenant_name="Demo Company (NZ)",
        base_currency="NZD",
        short_code="!mBdtL",
    )
    connection.store_tokens(
        access_token=overrides.pop("access_token", "access-1"),
        refresh_token=overrides.pop("refresh_token", "refresh-1"),
        expires_at=overrides.pop("expires_at", timezone.now() + timedelta(minutes=30)),
        scopes=["offline_access", "accounting.contacts"],
    )
    for name, value in overrides.items():
        setattr(connection, name, value)
    connection.save()
    return connection


@pytest.fixture
def connection(db):
    return make_connection()


def token_reply(access: str = "access-2", refresh: str = "refresh-2", expires_in: int = 1800):
    return Reply(
        200,
        {
            "access_token": access,
            "refresh_token": refresh,
            "expires_in": expires_in,
            "token_type": "Bearer",
            "scope": "offline_access accounting.contacts",
        },
    )


def connections_example() -> list[dict]:
    body = example("getConnections", "200", "xero-identity.yaml")
    return json.loads(body) if isinstance(body, str) else body
