from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from pytest_httpserver import HTTPServer, URIPattern
from werkzeug import Request, Response

from linking.models import XeroConnection
from tests import factories
from tests.factories import XeroConnectionFactory
from tests.xero_spec import example

TENANT_ID = factories.TENANT_ID


class AnyCase(URIPattern):
    """A path matched whatever its case, as Xero matches them (the SDK asks for /Connections)."""

    def __init__(self, path: str) -> None:
        self.path = path.lower()

    def match(self, uri: str) -> bool:
        return uri.lower() == self.path

    def __repr__(self) -> str:
        return f"AnyCase({self.path!r})"


class XeroServer(HTTPServer):
    """pytest-httpserver whose string paths match in any case."""

    def create_matcher(self, uri, *args, **kwargs):
        return super().create_matcher(
            AnyCase(uri) if isinstance(uri, str) else uri, *args, **kwargs
        )


@pytest.fixture(scope="session")
def xero_server() -> Iterator[HTTPServer]:
    """One real HTTP server on 127.0.0.1 for the session; threaded, so a slow answer (a timeout
    test) holds up no other request."""
    server = XeroServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.clear()
    server.stop()


@pytest.fixture
def xero(xero_server, settings) -> Iterator[HTTPServer]:
    """pytest-httpserver standing in for Xero's three hosts, speaking recorded payloads.

    Register answers with `expect_request(path, method=...)` (`expect_oneshot_request` for an
    answer given once, before the permanent one); what was asked is in `log` (see `requests_to`).
    A request nothing was registered for is answered 404, as Xero answers an unknown id.
    """
    xero_server.clear()
    xero_server.no_handler_status_code = 404
    settings.XERO_LOGIN_URL = settings.XERO_IDENTITY_URL = settings.XERO_API_URL = (
        xero_server.url_for("").rstrip("/")
    )
    settings.XERO_READ_TIMEOUT = 2
    yield xero_server
    xero_server.clear()


def requests_to(server: HTTPServer, method: str, path: str) -> list[Request]:
    """The requests `server` answered at METHOD path (in any case), in order (werkzeug Requests:
    `headers`, `args` for the query, `get_json()`, `form`)."""
    return [
        r for r, _ in server.log if r.method == method.upper() and r.path.lower() == path.lower()
    ]


class LateJSON:
    """A handler for `respond_with_handler`: the JSON answer, `seconds` after each request came.
    `arrived` holds the requests as they come (the server's `log` has a request once answered)."""

    def __init__(self, seconds: float, body: object) -> None:
        self.seconds, self.body = seconds, body
        self.arrived: list[Request] = []

    def __call__(self, request: Request) -> Response:
        self.arrived.append(request)
        time.sleep(self.seconds)
        return Response(json.dumps(self.body), 200, content_type="application/json")


def make_connection(**overrides) -> XeroConnection:
    return XeroConnectionFactory(**overrides)


@pytest.fixture
def connection(db):
    return make_connection()


def token_reply(access: str = "access-2", refresh: str = "refresh-2", expires_in: int = 1800):
    """Xero's answer to a token call (for `respond_with_json`)."""
    return {
        "access_token": access,
        "refresh_token": refresh,
        "expires_in": expires_in,
        "token_type": "Bearer",
        "scope": "offline_access accounting.contacts",
    }


def connections_example() -> list[dict]:
    body = example("getConnections", "200", "xero-identity.yaml")
    return json.loads(body) if isinstance(body, str) else body
