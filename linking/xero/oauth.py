"""Xero's OAuth2 endpoints: the consent URL, the token endpoint and revocation.

https://developer.xero.com/documentation/guides/oauth2/auth-flow
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import requests
from django.conf import settings

from linking.xero.errors import XeroError, network_error
from linking.xero.types import TokenSet

log = logging.getLogger(__name__)


def new_pkce_pair() -> tuple[str, str]:
    """A PKCE code verifier and its S256 challenge (RFC 7636)."""
    verifier = secrets.token_urlsafe(64)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    return verifier, challenge.rstrip(b"=").decode()


def authorization_url(*, state: str, code_challenge: str) -> str:
    """Xero's consent page for this app, asking for XERO_SCOPES."""
    query = {
        "response_type": "code",
        "client_id": settings.XERO_CLIENT_ID,
        "redirect_uri": settings.XERO_REDIRECT_URI,
        "scope": " ".join(settings.XERO_SCOPES),
        "state": state,
        "code_challenge": code_challenge,
        "code_challenge_method": "S256",
    }
    return f"{settings.XERO_LOGIN_URL}/identity/connect/authorize?{urlencode(query)}"


def consent_id(access_token: str) -> str:
    """The consent (authentication event) an access token came from: the JWT claim
    `authentication_event_id` (read, not verified: it only narrows a list Xero gives this same
    token); "" when the token is not a JWT."""
    try:
        payload = access_token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return str(uuid.UUID(str(claims["authentication_event_id"])))
    except (IndexError, KeyError, TypeError, ValueError, AttributeError):
        return ""


def exchange_code(*, code: str, code_verifier: str) -> TokenSet:
    """Trade an authorization code for a token set."""
    return _token_request(
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": settings.XERO_REDIRECT_URI,
            "code_verifier": code_verifier,
        },
        exchange=True,
    )


def refresh(refresh_token: str) -> TokenSet:
    """A new token set for a refresh token; Xero rotates the refresh token each time."""
    return _token_request({"grant_type": "refresh_token", "refresh_token": refresh_token})


def revoke(refresh_token: str) -> None:
    """Revoke a refresh token and the access tokens made from it."""
    try:
        response = requests.post(
            f"{settings.XERO_IDENTITY_URL}/connect/revocation",
            data={"token": refresh_token},
            auth=(settings.XERO_CLIENT_ID, settings.XERO_CLIENT_SECRET),
            timeout=_timeout(),
        )
    except requests.RequestException as exc:
        raise network_error(exc) from exc
    if response.status_code >= 400:
        raise _token_error(response)


def _timeout() -> tuple[int, int]:
    return settings.XERO_CONNECT_TIMEOUT, settings.XERO_READ_TIMEOUT


def _token_request(data: dict[str, str], *, exchange: bool = False) -> TokenSet:
    # Client authentication by HTTP Basic, as Xero documents for web apps.
    try:
        response = requests.post(
            f"{settings.XERO_IDENTITY_URL}/connect/token",
            data=data,
            auth=(settings.XERO_CLIENT_ID, settings.XERO_CLIENT_SECRET),
            timeout=_timeout(),
        )
    except requests.RequestException as exc:
        raise network_error(exc) from exc
    if response.status_code != 200:
        raise _token_error(response, exchange=exchange)
    body = response.json()
    return TokenSet(
        access_token=body["access_token"],
        refresh_token=body.get("refresh_token", ""),
        expires_at=datetime.now(UTC) + timedelta(seconds=int(body.get("expires_in", 1800))),
        scopes=str(body.get("scope", "")).split(),
        id_token=body.get("id_token", ""),
    )


def _token_error(response: requests.Response, *, exchange: bool = False) -> XeroError:
    try:
        error = response.json().get("error", "")
    except (ValueError, AttributeError):
        error = ""
    log.warning("Xero token endpoint answered %s %s", response.status_code, error or "(no error)")
    if error == "invalid_grant" and exchange:
        # At the code exchange, invalid_grant is about this sign-in, not a connection: the code
        # was used already (a replayed callback) or expired, or the PKCE verifier or the
        # redirect URI does not match the ones of the consent.
        return XeroError(
            "Xero refused this sign-in to Xero: the authorisation code was already used or has "
            "expired — try Connect to Xero again.",
            status=response.status_code,
            code="invalid_code",
        )
    if error == "invalid_grant":
        return XeroError(
            "Xero no longer accepts this connection's authorisation (invalid_grant). "
            "An administrator must reconnect to Xero.",
            status=response.status_code,
            reconnect=True,
            code="invalid_grant",
        )
    if error in {"invalid_client", "unauthorized_client"}:
        return XeroError(
            f"Xero refused this app's credentials ({error}): check XERO_CLIENT_ID and "
            "XERO_CLIENT_SECRET.",
            status=response.status_code,
            code=error,
        )
    if response.status_code >= 500:
        return XeroError(
            f"Xero's sign-in service is unavailable (HTTP {response.status_code}).",
            status=response.status_code,
            retryable=True,
            code="unavailable",
        )
    return XeroError(
        f"Xero refused the request ({error or f'HTTP {response.status_code}'}).",
        status=response.status_code,
        code=error or "refused",
    )
