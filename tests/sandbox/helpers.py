"""Helpers for the sandbox tests: raw Accounting calls, and a configured xero-python client."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from xero_python.accounting import AccountingApi
from xero_python.api_client import ApiClient, Configuration
from xero_python.api_client.oauth2 import OAuth2Token, TokenApi
from xero_python.identity import IdentityApi

from tests.sandbox_fixtures import XeroSandbox

SDK_TOKEN_KEYS = (
    "access_token",
    "refresh_token",
    "scope",
    "expires_in",
    "token_type",
    "expires_at",
    "id_token",
)


def api(
    sandbox: XeroSandbox,
    tokens: dict[str, Any],
    method: str,
    path: str,
    *,
    tenant: object | None = None,
    **kwargs: Any,
) -> requests.Response:
    """An Accounting API call over HTTP as a client would make it (default tenant: AU)."""
    headers = {
        "Authorization": f"Bearer {tokens['access_token']}",
        "xero-tenant-id": str(tenant or sandbox.au_tenant_id),
        "Accept": "application/json",
        **kwargs.pop("headers", {}),
    }
    return requests.request(
        method, f"{sandbox.api_url}{path}", headers=headers, timeout=20, **kwargs
    )


def sdk_token(tokens: dict[str, Any]) -> dict[str, Any]:
    """A token endpoint answer in the form the SDK's token getter must return."""
    token = {k: v for k, v in tokens.items() if k in SDK_TOKEN_KEYS}
    token["scope"] = (
        tokens["scope"].split() if isinstance(tokens["scope"], str) else tokens["scope"]
    )
    token.setdefault("expires_at", time.time() + tokens["expires_in"])
    return token


@dataclass
class Sdk:
    """A configured xero-python client pointed at the sandbox, with its token store."""

    api_client: ApiClient
    accounting: AccountingApi
    identity: IdentityApi
    store: dict[str, Any]


def make_sdk(sandbox: XeroSandbox, tokens: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Sdk:
    """The SDK set up the way XERO_NOTES.md says: token getter/saver, URLs, no implicit retry."""
    monkeypatch.setattr(TokenApi, "refresh_token_url", f"{sandbox.url}/connect/token")
    monkeypatch.setattr(TokenApi, "revoke_token_url", f"{sandbox.url}/connect/revocation")
    configuration = Configuration()
    # Configuration is a singleton-like class: set the token after construction.
    monkeypatch.setattr(
        configuration,
        "oauth2_token",
        OAuth2Token(client_id=sandbox.client_id, client_secret=sandbox.client_secret),
    )
    store = {"token": sdk_token(tokens)}
    api_client = ApiClient(
        configuration,
        pool_threads=1,
        oauth2_token_getter=lambda: store["token"],
        oauth2_token_saver=lambda token: store.update(token=token),
    )
    return Sdk(
        api_client,
        AccountingApi(api_client, base_url=sandbox.api_url),
        IdentityApi(api_client, base_url=sandbox.url),
        store,
    )
