"""pytest plugin: the built-in Xero sandbox, served in-process against the test database.

Register with `pytest_plugins = ["tests.sandbox_fixtures"]` (tests/conftest.py does). Use:

    def test_something(xero_sandbox):
        tokens = xero_sandbox.mint_tokens()          # consent + code exchange, like a person
        xero_sandbox.fail_next(2, status=503)        # knobs for this test only
        ...

    @pytest.mark.sandbox_invoices(3000)              # City Agency's full invoice history
    def test_paging(xero_sandbox): ...

The server thread lives for the whole session; every test that uses `xero_sandbox` gets freshly
seeded data (transactional_db flushes it afterwards), default knobs with a refresh grace window of
0 seconds (so a reused refresh token fails at once), cleared rate-limit counters, and Django
settings pointing every Xero base URL (and the "xero" OpenID Connect app) at the sandbox.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from sandbox import knobs, seed, testing, webhooks
from sandbox.ratelimit import LIMITER

DEFAULT_TEST_INVOICES = 120
TEST_KNOBS = {"refresh_grace_seconds": 0}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "sandbox_invoices(count): City Agency's invoice count for xero_sandbox (default 120)",
    )


@dataclass
class XeroSandbox:
    """The running sandbox as a test sees it: its URL, the seeded ids, and the knobs."""

    url: str
    big_customer_invoices: int
    au_tenant_id: uuid.UUID = seed.AU_TENANT_ID
    nz_tenant_id: uuid.UUID = seed.NZ_TENANT_ID
    tenant_ids: tuple[uuid.UUID, ...] = seed.TENANT_IDS
    big_customer_id: uuid.UUID = seed.BIG_CUSTOMER_ID
    client_id: str = seed.SANDBOX_CLIENT_ID
    client_secret: str = seed.SANDBOX_CLIENT_SECRET
    admin_email: str = seed.ADMIN_EMAIL

    @property
    def api_url(self) -> str:
        """The Accounting API base (what AccountingApi takes as base_url)."""
        return f"{self.url}/api.xro/2.0"

    def mint_tokens(
        self,
        *,
        email: str = seed.ADMIN_EMAIL,
        tenant_ids: Iterable[object] | None = None,
        scopes: Iterable[str] = testing.DEFAULT_SCOPES,
        nonce: str = "",
    ) -> dict[str, Any]:
        """A token set from the real code flow: consent as `email`, then the token exchange."""
        tenants = self.tenant_ids if tenant_ids is None else tenant_ids
        return testing.mint_tokens(
            self.url, email=email, tenant_ids=tenants, scopes=scopes, nonce=nonce
        )

    def set_knobs(self, **values: Any) -> None:
        """Set knobs by name (see sandbox.knobs.KNOB_FIELDS)."""
        knobs.set_knobs(**values)

    def set_latency(self, ms: int) -> None:
        """Delay every Accounting call by `ms` milliseconds."""
        knobs.set_latency(ms)

    def fail_next(self, count: int, status: int = 500, scope: str = "api") -> None:
        """Fail the next `count` calls in `scope` ("api", "identity", "token", "any")."""
        knobs.fail_next(count, status, scope)

    def set_rate_limits(self, **budgets: int) -> None:
        """Change budgets: minute=, day=, concurrent=, app_minute=."""
        knobs.set_rate_limits(**budgets)

    def set_token_lifetimes(
        self, *, access_token: int | None = None, refresh_grace: int | None = None
    ) -> None:
        """Access-token lifetime and refresh grace window, in seconds."""
        knobs.set_token_lifetimes(access_token=access_token, refresh_grace=refresh_grace)

    def reset_rate_limits(self) -> None:
        """Forget the calls counted so far."""
        knobs.reset_rate_limits()

    def api_calls(self, tenant_id: object | None = None) -> int:
        """Accounting API requests the sandbox received since the test began (or a reset)."""
        return LIMITER.requests(None if tenant_id is None else str(tenant_id))

    def peak_concurrency(self, tenant_id: object) -> int:
        """The most Accounting calls a tenant had in progress at once (since a reset)."""
        return LIMITER.peak_concurrency(str(tenant_id))

    def send_webhook(self, url: str, key: str, events: list[dict[str, Any]]) -> webhooks.Delivery:
        """POST correctly signed events to a receiver."""
        return webhooks.send_events(url, key, events)

    def webhook_event(
        self, tenant_id: object, category: str, resource_id: object, event_type: str = "UPDATE"
    ) -> dict[str, Any]:
        """One event in Xero's shape whose resourceUrl points at this sandbox."""
        return webhooks.event(tenant_id, category, resource_id, event_type, base_url=self.url)

    def intent_to_receive(self, url: str, key: str) -> webhooks.IntentResult:
        """Xero's intent-to-receive probe against a receiver."""
        return webhooks.intent_to_receive(url, key)


@pytest.fixture(scope="session")
def sandbox_server(django_db_setup: None) -> Iterator[testing.SandboxServer]:
    """The sandbox's server thread, shared by the whole session."""
    server = testing.SandboxServer().start()
    yield server
    server.stop()


def _xero_settings(settings: Any, url: str) -> None:
    """Point every Xero base URL and the "xero" OpenID Connect app at the sandbox."""
    settings.XERO_SANDBOX_URL = url
    settings.XERO_LOGIN_URL = url
    settings.XERO_IDENTITY_URL = url
    settings.XERO_API_URL = url
    settings.XERO_WEB_URL = url
    providers = copy.deepcopy(settings.SOCIALACCOUNT_PROVIDERS)
    for app in providers.get("openid_connect", {}).get("APPS", []):
        if app.get("provider_id") == "xero":
            app.setdefault("settings", {})["server_url"] = url
    settings.SOCIALACCOUNT_PROVIDERS = providers


@pytest.fixture
def xero_sandbox(
    request: pytest.FixtureRequest,
    transactional_db: None,
    sandbox_server: testing.SandboxServer,
    settings: Any,
) -> Iterator[XeroSandbox]:
    """A seeded sandbox with default knobs, and the project's Xero settings pointing at it."""
    marker = request.node.get_closest_marker("sandbox_invoices")
    count = marker.args[0] if marker and marker.args else DEFAULT_TEST_INVOICES
    seed.seed(big_customer_invoices=count)
    knobs.reset(**TEST_KNOBS)
    _xero_settings(settings, sandbox_server.url)
    yield XeroSandbox(url=sandbox_server.url, big_customer_invoices=count)
    knobs.reset_rate_limits()
