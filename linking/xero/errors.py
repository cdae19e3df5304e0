"""The one error type callers of the Xero seam handle."""

from __future__ import annotations

import socket

import requests
import urllib3.exceptions as u3


class XeroError(Exception):
    xero_said = False  # (for errors pickled before the flag existed)
    validation: tuple[str, ...] = ()

    """Xero refused or failed; `message` is fit to show a person (Xero's words when it gave any).

    - xero_said: the message is Xero's own words (from its answer's body), so it may be quoted as
      Xero's; otherwise it is the app's own (busy, unavailable, unreachable, ...);
    - retry_after: seconds after which a retry may succeed (429 rate limits);
    - retryable: a retry later may help (timeouts, 5xx, rate limits);
    - reconnect: the connection is dead (revoked or expired grant); an admin must reconnect;
    - status: the HTTP status Xero answered with, when there was one;
    - code: a short machine-readable reason, e.g. "invalid_grant", "not_found", "validation";
    - validation: each of Xero's ValidationErrors messages (a 400's Elements), in Xero's words.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        retry_after: int | None = None,
        retryable: bool = False,
        reconnect: bool = False,
        code: str = "",
        xero_said: bool = False,
        validation: tuple[str, ...] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.retry_after = retry_after
        self.retryable = retryable or retry_after is not None
        self.reconnect = reconnect
        self.code = code
        self.xero_said = xero_said
        self.validation = tuple(validation)

    def __repr__(self) -> str:
        return f"XeroError({self.message!r}, status={self.status}, code={self.code!r})"


def _causes(exc: BaseException) -> list[BaseException]:
    """The exception and what it wraps: urllib3's `reason`, requests' first argument, the
    `__cause__`/`__context__` chain (a refused connection arrives as requests.ConnectionError
    around urllib3's MaxRetryError around NewConnectionError around ConnectionRefusedError)."""
    seen: list[BaseException] = []
    todo: list[object] = [exc]
    while todo and len(seen) < 20:
        item = todo.pop(0)
        if not isinstance(item, BaseException) or any(item is s for s in seen):
            continue
        seen.append(item)
        todo.extend(
            [
                getattr(item, "reason", None),
                item.args[0] if item.args else None,
                item.__cause__,
                item.__context__,
            ]
        )
    return seen


def network_error(exc: BaseException) -> XeroError:
    """The one mapping of a failed connection to Xero (requests for the token endpoint, urllib3
    under the SDK for API calls) to words by cause: refused, not found (DNS), timed out."""
    causes = _causes(exc)
    if any(isinstance(c, u3.NameResolutionError | socket.gaierror) for c in causes):
        return XeroError(
            "Xero could not be reached: its address could not be looked up (DNS). "
            "Check the server's network, then try again.",
            retryable=True,
            code="unreachable",
        )
    # urllib3 2.x makes NewConnectionError a ConnectTimeoutError: look for a refusal first.
    if any(isinstance(c, ConnectionRefusedError) for c in causes):
        return XeroError(
            "Xero refused the connection: Xero (or the network on the way) is down. "
            "Try again in a few minutes.",
            retryable=True,
            code="refused",
        )
    if any(isinstance(c, u3.NewConnectionError) for c in causes):
        return XeroError(
            "Xero could not be reached: no connection could be made. Try again in a few minutes.",
            retryable=True,
            code="unreachable",
        )
    if any(isinstance(c, u3.TimeoutError | TimeoutError | requests.Timeout) for c in causes):
        return XeroError("Xero did not answer in time.", retryable=True, code="timeout")
    return XeroError("Xero could not be reached.", retryable=True, code="unreachable")
