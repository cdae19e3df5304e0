"""Running the sandbox inside a test process, and driving its OAuth flow without a browser.

`SandboxServer` serves `SandboxWSGIHandler` on a free port from a thread, against the test
database. With pytest's in-memory SQLite database it shares the test thread's connection, as
Django's LiveServerTestCase does, and turns on `sandbox.dbguard` so that request threads take
turns on that connection. With PostgreSQL each request thread has its own connection, so the
test must commit what the sandbox should see (pytest-django's `transactional_db`).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from django.core.servers.basehttp import ServerHandler, ThreadedWSGIServer
from django.db import connections
from django.test.testcases import LiveServerThread, QuietWSGIRequestHandler

from sandbox import dbguard, seed
from sandbox.wsgi import SandboxWSGIHandler

DEFAULT_SCOPES = (
    "openid",
    "profile",
    "email",
    "offline_access",
    "accounting.contacts",
    "accounting.invoices",
    "accounting.settings.read",
)
TEST_REDIRECT_URI = "http://127.0.0.1:8000/integrations/xero/callback"


class _ClosingServerHandler(ServerHandler):
    """Answers with `Connection: close`, so no request thread outlives its one request."""

    def cleanup_headers(self) -> None:
        super().cleanup_headers()
        self.headers["Connection"] = "close"
        self.request_handler.close_connection = True


class _OneRequestHandler(QuietWSGIRequestHandler):
    """Django's quiet test request handler, one request per connection."""

    def handle_one_request(self) -> None:
        """As Django's WSGIRequestHandler.handle_one_request, with the closing ServerHandler."""
        self.raw_requestline = self.rfile.readline(65537)
        if len(self.raw_requestline) > 65536:
            self.requestline = self.request_version = self.command = ""
            self.send_error(414)
            return
        if not self.parse_request():
            return
        handler = _ClosingServerHandler(
            self.rfile, self.wfile, self.get_stderr(), self.get_environ()
        )
        handler.request_handler = self
        handler.run(self.server.get_app())


class _JoiningServer(ThreadedWSGIServer):
    """A threaded server whose server_close() waits for the request threads to finish."""

    daemon_threads = False
    block_on_close = True


class SandboxServerThread(LiveServerThread):
    """Django's live-server thread serving the sandbox's handler instead of the project's."""

    server_class = _JoiningServer

    def _create_server(self, connections_override: dict | None = None) -> _JoiningServer:
        return self.server_class(
            (self.host, self.port),
            _OneRequestHandler,
            allow_reuse_address=False,
            connections_override=connections_override,
        )

    def run(self) -> None:
        """Bind (port 0: any free port), then serve the sandbox until terminate()."""
        if self.connections_override:
            for alias, conn in self.connections_override.items():
                connections[alias] = conn
        try:
            self.httpd = self._create_server(connections_override=self.connections_override)
            if self.port == 0:
                self.port = self.httpd.server_address[1]
            self.httpd.set_app(SandboxWSGIHandler())
            self.is_ready.set()
            self.httpd.serve_forever()
        except Exception as exc:
            self.error = exc
            self.is_ready.set()
        finally:
            connections.close_all()


class SandboxServer:
    """The sandbox served from a background thread of this process."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.connections_override = {
            conn.alias: conn
            for conn in connections.all()
            if conn.vendor == "sqlite" and conn.is_in_memory_db()
        }
        self.thread = SandboxServerThread(
            host, static_handler=None, connections_override=self.connections_override, port=port
        )
        self.thread.daemon = True

    @property
    def url(self) -> str:
        """The base URL that stands for login.xero.com, identity.xero.com and api.xero.com."""
        return f"http://{self.thread.host}:{self.thread.port}"

    def start(self) -> SandboxServer:
        """Start serving; returns once the port is bound."""
        for conn in self.connections_override.values():
            conn.inc_thread_sharing()
        if self.connections_override:
            dbguard.enable()
        self.thread.start()
        self.thread.is_ready.wait()
        if self.thread.error:
            error = self.thread.error
            self.stop()
            raise error
        return self

    def stop(self) -> None:
        """Stop serving and give the shared connections back."""
        self.thread.terminate()
        if self.connections_override:
            dbguard.disable()
        for conn in self.connections_override.values():
            conn.dec_thread_sharing()


@dataclass(frozen=True)
class Pkce:
    """A PKCE verifier and its S256 challenge."""

    verifier: str
    challenge: str

    @classmethod
    def generate(cls) -> Pkce:
        verifier = secrets.token_urlsafe(48)
        digest = hashlib.sha256(verifier.encode()).digest()
        return cls(verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode())


def authorize_params(
    *,
    client_id: str = seed.SANDBOX_CLIENT_ID,
    redirect_uri: str = TEST_REDIRECT_URI,
    scopes: Iterable[str] = DEFAULT_SCOPES,
    state: str = "state-123",
    nonce: str = "",
    pkce: Pkce | None = None,
) -> dict[str, str]:
    """Query parameters of an authorize request, as a client app builds them."""
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "scope": " ".join(scopes),
        "state": state,
    }
    if nonce:
        params["nonce"] = nonce
    if pkce:
        params.update(code_challenge=pkce.challenge, code_challenge_method="S256")
    return params


def consent(
    url: str,
    params: dict[str, str],
    *,
    user_id: str,
    tenant_ids: Iterable[str],
    action: str = "allow",
) -> requests.Response:
    """Submit the consent page as a person would; the answer is the (unfollowed) redirect."""
    form: dict[str, Any] = {**params, "action": action, "user": user_id, "tenant": list(tenant_ids)}
    return requests.post(
        f"{url}/identity/connect/authorize", data=form, allow_redirects=False, timeout=10
    )


def redirect_params(response: requests.Response) -> dict[str, str]:
    """The query parameters of a redirect answer's Location."""
    location = response.headers["Location"]
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def token_request(url: str, data: dict[str, str], *, basic: bool = True) -> requests.Response:
    """POST /connect/token with the sandbox app's credentials (HTTP Basic or form fields)."""
    auth = (seed.SANDBOX_CLIENT_ID, seed.SANDBOX_CLIENT_SECRET) if basic else None
    if not basic:
        data = {
            **data,
            "client_id": seed.SANDBOX_CLIENT_ID,
            "client_secret": seed.SANDBOX_CLIENT_SECRET,
        }
    return requests.post(f"{url}/connect/token", data=data, auth=auth, timeout=10)


def mint_tokens(
    url: str,
    *,
    email: str = seed.ADMIN_EMAIL,
    tenant_ids: Iterable[object] = seed.TENANT_IDS,
    scopes: Iterable[str] = DEFAULT_SCOPES,
    nonce: str = "",
) -> dict[str, Any]:
    """A token set from the full code flow (consent as `email`, PKCE), as Xero would issue it."""
    from sandbox.models import XeroUser

    with dbguard.guard():
        user = XeroUser.objects.get(email=email)
    pkce = Pkce.generate()
    params = authorize_params(scopes=scopes, pkce=pkce, nonce=nonce)
    answer = consent(
        url, params, user_id=str(user.xero_userid), tenant_ids=[str(t) for t in tenant_ids]
    )
    if answer.status_code != 302:
        raise AssertionError(f"Consent failed: {answer.status_code} {answer.text[:500]}")
    code = redirect_params(answer)["code"]
    exchange = token_request(
        url,
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": params["redirect_uri"],
            "code_verifier": pkce.verifier,
        },
    )
    exchange.raise_for_status()
    return exchange.json()
