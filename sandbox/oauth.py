"""OAuth 2.0 and OpenID Connect as Xero's identity service does them: codes, tokens, keys.

https://developer.xero.com/documentation/guides/oauth2/auth-flow
Access tokens are RS256 JWTs (as Xero's are) whose jti is looked up on every call, so revoking a
grant ends them at once. Refresh tokens are opaque and rotate on every use.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.db import transaction
from django.utils import timezone

from sandbox import dbguard, knobs
from sandbox.models import (
    AccessToken,
    App,
    AuthorizationCode,
    Connection,
    Grant,
    Organisation,
    RefreshToken,
    SigningKey,
    XeroUser,
)

CODE_LIFETIME = timedelta(minutes=5)
ID_TOKEN_LIFETIME = timedelta(minutes=5)
# https://developer.xero.com/faq/oauth2 : a refresh token unused for 60 days expires.
REFRESH_TOKEN_LIFETIME = timedelta(days=60)
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}

# https://developer.xero.com/documentation/guides/oauth2/scopes
SCOPES = {
    "openid": "Confirm your identity",
    "profile": "See your name",
    "email": "See your email address",
    "offline_access": "Keep access to your data when you are not using the app",
    "accounting.contacts": "View and manage your contacts",
    "accounting.contacts.read": "View your contacts",
    "accounting.invoices": "View and manage your invoices and bills",
    "accounting.invoices.read": "View your invoices and bills",
    "accounting.payments": "View and manage your payments",
    "accounting.payments.read": "View your payments",
    "accounting.settings": "View and manage your organisation settings",
    "accounting.settings.read": "View your organisation settings",
    "accounting.transactions": "View and manage your business transactions",
    "accounting.transactions.read": "View your business transactions",
    "accounting.reports.read": "View your reports",
    "accounting.attachments": "View and manage your attachments",
    "accounting.attachments.read": "View your attachments",
}
# https://developer.xero.com/faq/granular-scopes : apps created on or after 2 March 2026 are
# refused the broad transaction scopes.
BROAD_SCOPES = {"accounting.transactions", "accounting.transactions.read"}


class OAuthError(Exception):
    """An OAuth error answer: `{"error": code}` with an HTTP status."""

    def __init__(self, error: str, status: int = 400, description: str = "") -> None:
        super().__init__(error)
        self.error = error
        self.status = status
        self.description = description


class Unauthorized(Exception):
    """A bearer token that does not authorise the call; `detail` goes into the 401 body."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


@dataclass(frozen=True)
class AuthorizeRequest:
    """The validated parameters of an authorize request."""

    app: App
    redirect_uri: str
    scopes: list[str]
    state: str
    nonce: str
    code_challenge: str


# ------------------------------------------------------------------------------ signing keys

_private_keys: dict[str, rsa.RSAPrivateKey] = {}


def signing_key() -> tuple[str, rsa.RSAPrivateKey]:
    """The newest signing key; created (or restored from this process's memory) if missing."""
    row = SigningKey.objects.order_by("-created", "-pk").first()
    if row is None:
        row = _store_key()
    key = _private_keys.get(row.kid)
    if key is None:
        key = serialization.load_pem_private_key(row.private_pem.encode(), password=None)
        _private_keys[row.kid] = key
    return row.kid, key


def _store_key() -> SigningKey:
    """Save a key: the one this process already made, so a flushed test database keeps its kid."""
    if _private_keys:
        kid, key = next(iter(_private_keys.items()))
    else:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        kid = secrets.token_hex(16).upper()
        _private_keys[kid] = key
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    row, _ = SigningKey.objects.get_or_create(kid=kid, defaults={"private_pem": pem})
    return row


def public_key(kid: str) -> rsa.RSAPublicKey | None:
    """The public half of the key named `kid`, or None if the sandbox has no such key."""
    if kid not in _private_keys:
        row = SigningKey.objects.filter(kid=kid).first()
        if row is None:
            return None
        _private_keys[kid] = serialization.load_pem_private_key(
            row.private_pem.encode(), password=None
        )
    return _private_keys[kid].public_key()


def jwks() -> dict[str, Any]:
    """The JSON Web Key Set with every stored key."""
    signing_key()
    keys = []
    for row in SigningKey.objects.order_by("-created", "-pk"):
        numbers = public_key(row.kid).public_numbers()
        keys.append(
            {
                "kty": "RSA",
                "use": "sig",
                "kid": row.kid,
                "alg": "RS256",
                "e": _b64_uint(numbers.e),
                "n": _b64_uint(numbers.n),
            }
        )
    return {"keys": keys}


def _b64_uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _sign(claims: dict[str, Any]) -> str:
    kid, key = signing_key()
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid, "typ": "JWT"})


# --------------------------------------------------------------------------- authorize step


def redirect_uri_allowed(app: App, uri: str) -> bool:
    """Exact match, or (RFC 8252 loopback rule) any port on a loopback host for the same path."""
    if uri in app.redirect_uris:
        return True
    given = urlsplit(uri)
    if given.scheme != "http" or given.hostname not in LOOPBACK_HOSTS or given.fragment:
        return False
    for registered in app.redirect_uris:
        known = urlsplit(registered)
        if (
            known.scheme == "http"
            and known.hostname in LOOPBACK_HOSTS
            and (known.path, known.query) == (given.path, given.query)
        ):
            return True
    return False


def parse_scopes(app: App, scope: str) -> list[str]:
    """The requested scopes in order without repeats; OAuthError invalid_scope if not allowed."""
    scopes = list(dict.fromkeys(scope.split()))
    unknown = [s for s in scopes if s not in SCOPES]
    if not scopes or unknown:
        raise OAuthError("invalid_scope", description=f"Unknown scope: {' '.join(unknown)}")
    if app.granular_scopes_only and BROAD_SCOPES.intersection(scopes):
        raise OAuthError("invalid_scope", description="Use granular scopes for this app")
    return scopes


def create_code(
    request: AuthorizeRequest, user: XeroUser, organisations: Iterable[Organisation]
) -> str:
    """Record the user's consent: connect the organisations and mint a one-time code."""
    now = timezone.now()
    auth_event_id = uuid.uuid4()
    code = secrets.token_urlsafe(32)
    with transaction.atomic():
        for organisation in organisations:
            connection, created = Connection.objects.get_or_create(
                app=request.app,
                user=user,
                organisation=organisation,
                defaults={"auth_event_id": auth_event_id, "created": now, "updated": now},
            )
            if not created:
                connection.auth_event_id = auth_event_id
                connection.updated = now
                connection.save(update_fields=["auth_event_id", "updated"])
        AuthorizationCode.objects.create(
            code=code,
            app=request.app,
            user=user,
            redirect_uri=request.redirect_uri,
            scopes=" ".join(request.scopes),
            code_challenge=request.code_challenge,
            nonce=request.nonce,
            auth_event_id=auth_event_id,
            auth_time=now,
            expires_at=now + CODE_LIFETIME,
        )
    return code


# ------------------------------------------------------------------------------ token step


def authenticate_client(
    authorization: str, client_id: str | None, client_secret: str | None
) -> App:
    """The app from HTTP Basic or client_id/client_secret fields; OAuthError invalid_client."""
    basic = authorization.startswith("Basic ")
    if basic:
        try:
            decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode()
            client_id, _, client_secret = decoded.partition(":")
        except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
            raise OAuthError("invalid_client", status=401) from exc
    app = App.objects.filter(client_id=client_id or "").first()
    if app is None or not secrets.compare_digest(app.client_secret, client_secret or ""):
        raise OAuthError("invalid_client", status=401 if basic else 400)
    return app


def verify_pkce(challenge: str, verifier: str | None) -> bool:
    """True when S256(verifier) equals the challenge (RFC 7636)."""
    if not verifier:
        return False
    digest = hashlib.sha256(verifier.encode()).digest()
    expected = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    return secrets.compare_digest(expected, challenge)


def exchange_code(
    app: App, code: str, redirect_uri: str, code_verifier: str | None, issuer: str
) -> dict[str, Any]:
    """The token set for an authorization code; OAuthError invalid_grant if it does not fit."""
    now = timezone.now()
    row = AuthorizationCode.objects.select_related("user").filter(code=code, app=app).first()
    if row is None or row.used_at is not None or row.expires_at <= now:
        raise OAuthError("invalid_grant")
    if row.redirect_uri != redirect_uri:
        raise OAuthError("invalid_grant")
    if row.code_challenge and not verify_pkce(row.code_challenge, code_verifier):
        raise OAuthError("invalid_grant")
    if not AuthorizationCode.objects.filter(pk=row.pk, used_at__isnull=True).update(used_at=now):
        raise OAuthError("invalid_grant")
    grant = Grant.objects.create(
        app=app,
        user=row.user,
        scopes=row.scopes,
        auth_event_id=row.auth_event_id,
        nonce=row.nonce,
        auth_time=row.auth_time,
    )
    return issue_tokens(grant, issuer, nonce=row.nonce)


def issue_tokens(grant: Grant, issuer: str, *, nonce: str = "") -> dict[str, Any]:
    """A fresh token set for the grant, in Xero's key order."""
    now = timezone.now()
    lifetime = knobs.current().access_token_lifetime
    scopes = grant.scopes.split()
    response: dict[str, Any] = {}
    if "openid" in scopes:
        response["id_token"] = id_token(grant, issuer, nonce=nonce)
    response["access_token"] = _access_token(grant, issuer, now, lifetime)
    response["expires_in"] = lifetime
    response["token_type"] = "Bearer"
    if "offline_access" in scopes:
        token = secrets.token_hex(32)
        RefreshToken.objects.create(
            token=token, grant=grant, created=now, expires_at=now + REFRESH_TOKEN_LIFETIME
        )
        response["refresh_token"] = token
    response["scope"] = grant.scopes
    return response


def _access_token(grant: Grant, issuer: str, now: datetime, lifetime: int) -> str:
    jti = secrets.token_hex(16)
    expires = now + timedelta(seconds=lifetime)
    AccessToken.objects.create(jti=jti, grant=grant, created=now, expires_at=expires)
    user = grant.user
    claims = {
        "nbf": int(now.timestamp()),
        "exp": int(expires.timestamp()),
        "iss": issuer,
        "aud": f"{issuer}/resources",
        "client_id": grant.app.client_id,
        "sub": user.subject,
        "auth_time": int(grant.auth_time.timestamp()),
        "xero_userid": str(user.xero_userid),
        "global_session_id": grant.global_session_id.hex,
        "sid": grant.session_id.hex,
        "jti": jti,
        "authentication_event_id": str(grant.auth_event_id),
        "scope": grant.scopes.split(),
        "amr": ["pwd"],
    }
    return _sign(claims)


def id_token(grant: Grant, issuer: str, *, nonce: str = "") -> str:
    """A signed OpenID Connect id_token for the grant's user."""
    now = timezone.now()
    claims = {
        "nbf": int(now.timestamp()),
        "exp": int((now + ID_TOKEN_LIFETIME).timestamp()),
        "iss": issuer,
        "aud": grant.app.client_id,
        "iat": int(now.timestamp()),
        "auth_time": int(grant.auth_time.timestamp()),
        "sid": grant.session_id.hex,
        "global_session_id": grant.global_session_id.hex,
        "amr": ["pwd"],
        **profile_claims(grant.user, grant.scope_set),
    }
    if nonce:
        claims["nonce"] = nonce
    return _sign(claims)


def profile_claims(user: XeroUser, scopes: set[str]) -> dict[str, Any]:
    """sub and xero_userid, plus the profile and email claims that the scopes allow."""
    claims: dict[str, Any] = {"sub": user.subject, "xero_userid": str(user.xero_userid)}
    if "profile" in scopes:
        claims.update(
            given_name=user.first_name,
            family_name=user.last_name,
            name=user.name,
            preferred_username=user.email,
        )
    if "email" in scopes:
        claims.update(email=user.email, email_verified=True)
    return claims


def refresh(app: App, token: str, issuer: str) -> dict[str, Any]:
    """Rotate a refresh token; within the grace window a rotated one replays its successor."""
    now = timezone.now()
    row = (
        RefreshToken.objects.select_related("grant__user", "grant__app").filter(token=token).first()
    )
    if row is None or row.grant.app_id != app.pk or row.grant.revoked_at or row.expires_at <= now:
        raise OAuthError("invalid_grant")
    if row.rotated_at is None:
        won = RefreshToken.objects.filter(pk=row.pk, rotated_at__isnull=True).update(rotated_at=now)
        if won:
            response = issue_tokens(row.grant, issuer)
            RefreshToken.objects.filter(pk=row.pk).update(successor_response=response)
            return response
        row.refresh_from_db()
    return _replay_rotated(row)


def _replay_rotated(row: RefreshToken) -> dict[str, Any]:
    """The successor token set of a rotated refresh token used again within the grace window."""
    # https://developer.xero.com/documentation/guides/oauth2/auth-flow#refreshing-access-and-refresh-tokens
    # Xero lets a client retry with the previous refresh token for a grace period when the answer
    # to its refresh got lost; the retry gets the same new tokens.
    grace = timedelta(seconds=knobs.current().refresh_grace_seconds)
    if row.rotated_at is None or not grace or timezone.now() - row.rotated_at > grace:
        raise OAuthError("invalid_grant")
    for _ in range(100):
        if row.successor_response:
            return row.successor_response
        with dbguard.unguarded():
            time.sleep(0.05)
        row.refresh_from_db()
    raise OAuthError("invalid_grant")


def revoke(app: App, token: str) -> None:
    """Revoke a refresh token's grant and remove the user's connections to the app."""
    # https://developer.xero.com/documentation/guides/oauth2/auth-flow#revoking-tokens
    row = RefreshToken.objects.select_related("grant").filter(token=token).first()
    if row is None or row.grant.app_id != app.pk:
        return
    grant = row.grant
    with transaction.atomic():
        Grant.objects.filter(pk=grant.pk).update(revoked_at=timezone.now())
        Connection.objects.filter(app=app, user_id=grant.user_id).delete()


# ------------------------------------------------------------------------- resource access


def authenticate(authorization: str) -> Grant:
    """The live grant behind a `Bearer <access token>` header; Unauthorized otherwise."""
    if not authorization.startswith("Bearer "):
        raise Unauthorized("AuthenticationUnsuccessful")
    token = authorization[7:].strip()
    try:
        header = jwt.get_unverified_header(token)
        key = public_key(str(header.get("kid", "")))
        if key is None:
            raise Unauthorized("AuthenticationUnsuccessful")
        claims = jwt.decode(
            token,
            key,
            algorithms=["RS256"],
            options={"verify_exp": False, "verify_aud": False, "verify_nbf": False},
        )
    except jwt.PyJWTError as exc:
        raise Unauthorized("AuthenticationUnsuccessful") from exc
    row = (
        AccessToken.objects.select_related("grant__app", "grant__user")
        .filter(jti=str(claims.get("jti", "")))
        .first()
    )
    if row is None or row.grant.revoked_at is not None:
        raise Unauthorized("AuthenticationUnsuccessful")
    if row.expires_at <= timezone.now():
        expired = row.expires_at.astimezone(UTC).strftime("%m/%d/%Y %H:%M:%S")
        raise Unauthorized(f"TokenExpired: token expired at {expired}")
    return row.grant


def connected_organisation(grant: Grant, tenant_id: str) -> Organisation | None:
    """The organisation `tenant_id` names if the grant's user connected it to the app."""
    try:
        organisation_id = uuid.UUID(tenant_id)
    except ValueError:
        return None
    connection = (
        Connection.objects.select_related("organisation")
        .filter(
            app_id=grant.app_id,
            user_id=grant.user_id,
            organisation__organisation_id=organisation_id,
        )
        .first()
    )
    return connection.organisation if connection else None
