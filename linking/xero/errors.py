"""The one error type callers of the Xero seam handle."""

from __future__ import annotations


class XeroError(Exception):
    """Xero refused or failed; `message` is fit to show a person (Xero's words when it gave any).

    - retry_after: seconds after which a retry may succeed (429 rate limits);
    - retryable: a retry later may help (timeouts, 5xx, rate limits);
    - reconnect: the connection is dead (revoked or expired grant); an admin must reconnect;
    - status: the HTTP status Xero answered with, when there was one;
    - code: a short machine-readable reason, e.g. "invalid_grant", "not_found", "validation".
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
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.retry_after = retry_after
        self.retryable = retryable or retry_after is not None
        self.reconnect = reconnect
        self.code = code

    def __repr__(self) -> str:
        return f"XeroError({self.message!r}, status={self.status}, code={self.code!r})"
