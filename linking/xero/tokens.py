"""Access tokens for a connection, refreshed at most once at a time.

Two processes refreshing the same token at once is the most reported Xero failure: the second
one's refresh token is already dead (invalid_grant). So a refresh takes the connection's row lock
(select_for_update on PostgreSQL; SQLite runs transactions IMMEDIATE, see settings), re-reads the
row, and refreshes only if the token is still stale.
https://developer.xero.com/documentation/guides/oauth2/token-types/#refresh-token
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import TypedDict

from django.db import transaction
from django.utils import timezone

from linking.crypto import InvalidToken
from linking.models import XeroConnection
from linking.xero import oauth
from linking.xero.errors import XeroError
from linking.xero.types import TokenSet

log = logging.getLogger(__name__)

# Refresh this long before expiry: more than the SDK's own 60 s, so the SDK never refreshes
# by itself (it would do so without a lock).
REFRESH_MARGIN = timedelta(seconds=120)


def is_fresh(connection: XeroConnection, *, now: datetime | None = None) -> bool:
    """True when the access token outlives the refresh margin."""
    expires_at = connection.access_token_expires_at
    now = now or timezone.now()
    return bool(
        connection.access_token_encrypted and expires_at and expires_at - now > REFRESH_MARGIN
    )


def fresh_connection(connection: XeroConnection) -> XeroConnection:
    """The connection with an access token that is good for a while, refreshing it if need be.

    The answer is stamped: asked again for the same object (each call of one tab opening), it is
    returned as it is while its token is still good, without decrypting or checking it again."""
    if connection.needs_reconnect:
        raise _needs_reconnect(connection)
    if _checked(connection):
        return connection
    _check_readable(connection)
    if not is_fresh(connection):
        if connection.pk is None:
            # Not stored yet (being connected): nobody else holds this token, so no lock.
            _store(connection, oauth.refresh(connection.refresh_token))
        else:
            connection = refresh_locked(connection.pk)
    setattr(  # noqa: B010 (a mark on this object only, not a model field: mypy knows no such attribute)
        connection,
        "_fresh_checked",
        (connection.access_token_encrypted, connection.access_token_expires_at),
    )
    return connection


def _checked(connection: XeroConnection) -> bool:
    """Whether fresh_connection already checked this object's current token, still fresh."""
    stamp = getattr(connection, "_fresh_checked", None)
    current = (connection.access_token_encrypted, connection.access_token_expires_at)
    return stamp == current and is_fresh(connection)


def _store(connection: XeroConnection, tokens: TokenSet) -> None:
    connection.store_tokens(
        access_token=tokens.access_token,
        refresh_token=tokens.refresh_token or connection.refresh_token,
        expires_at=tokens.expires_at,
        scopes=tokens.scopes or connection.scopes,
    )
    connection.token_refreshed_at = timezone.now()
    connection.health, connection.health_detail = XeroConnection.Health.OK, ""


def refresh_locked(
    pk: int, *, unless_access_token_changed_from: str | None = None
) -> XeroConnection:
    """Refresh the connection's tokens under its row lock, unless another worker just did.

    With `unless_access_token_changed_from`, a token that Xero refused (401) is refreshed even if
    it looks fresh, but not if it has already been replaced.
    """
    failure: XeroError | None = None
    with transaction.atomic():
        connection = XeroConnection.objects.select_for_update().get(pk=pk)
        if connection.needs_reconnect:
            raise _needs_reconnect(connection)
        if not _readable(connection):
            # Not raised in here: that would roll the mark back.
            failure = _unreadable(connection)
        elif _still_good(connection, unless_access_token_changed_from):
            return connection
        else:
            failure = _refresh_under_lock(connection)
    if failure:
        log.warning("Xero connection %s needs reconnecting: %s", connection.tenant_name, failure)
        raise failure
    return connection


def _still_good(connection: XeroConnection, refused_access_token: str | None) -> bool:
    """Fresh (no token refused), or the refused token has been replaced meanwhile."""
    if refused_access_token is None:
        return is_fresh(connection)
    return connection.access_token != refused_access_token


def _refresh_under_lock(connection: XeroConnection) -> XeroError | None:
    """Refresh the locked row's tokens and save them; the error when the grant is dead."""
    try:
        tokens = oauth.refresh(connection.refresh_token)
    except XeroError as exc:
        if not exc.reconnect:
            raise
        # Re-read under the lock shows nobody else rotated it: the grant is really dead.
        connection.health = XeroConnection.Health.NEEDS_RECONNECT
        connection.health_detail = exc.message[:500]
        connection.save(update_fields=["health", "health_detail"])
        return exc
    _store(connection, tokens)
    connection.save()
    log.info("Refreshed the Xero token of %s", connection.tenant_name)
    return None


def mark_needs_reconnect(connection: XeroConnection, detail: str) -> None:
    """Mark the connection "Needs reconnect" now, unless its tokens were replaced meanwhile (an
    administrator reconnecting while an old call failed)."""
    detail = detail[:500]
    updated = XeroConnection.objects.filter(
        pk=connection.pk, access_token_encrypted=connection.access_token_encrypted
    ).update(health=XeroConnection.Health.NEEDS_RECONNECT, health_detail=detail)
    if updated:
        connection.health, connection.health_detail = XeroConnection.Health.NEEDS_RECONNECT, detail
        log.warning("Xero connection %s needs reconnecting: %s", connection.tenant_name, detail)


def unreadable_message(connection: XeroConnection) -> str:
    return (
        f"The stored Xero tokens of {connection.tenant_name} cannot be decrypted with the keys "
        "in XERO_TOKEN_KEYS (was a key removed or changed?), so the connection needs "
        "reconnecting. Put the old key back in XERO_TOKEN_KEYS (after the new one), or "
        "reconnect to Xero on the Integrations page."
    )


def _readable(connection: XeroConnection) -> bool:
    try:
        connection.access_token  # noqa: B018 (decrypts)
        connection.refresh_token  # noqa: B018
    except InvalidToken:
        return False
    return True


def _unreadable(connection: XeroConnection) -> XeroError:
    """A token set that no configured key decrypts (a botched key rotation) is dead: mark the
    connection "Needs reconnect" and say why, instead of failing on every call."""
    message = unreadable_message(connection)
    if connection.pk:
        mark_needs_reconnect(connection, message)
    return XeroError(message, reconnect=True, code="unreadable_token")


def _check_readable(connection: XeroConnection) -> None:
    if not _readable(connection):
        raise _unreadable(connection)


class SdkToken(TypedDict):
    """A token as xero-python's OAuth2Token.update_token takes it (an extra key is a TypeError)."""

    access_token: str
    refresh_token: str | None
    scope: list[str]
    expires_in: int
    token_type: str
    expires_at: float


def sdk_token(connection: XeroConnection) -> SdkToken:
    """The token in the shape xero-python's OAuth2Token.update_token accepts (and no more)."""
    expires_at = connection.access_token_expires_at or datetime.now(UTC)
    return {
        "access_token": connection.access_token,
        "refresh_token": None,  # the SDK must never refresh by itself (no lock there)
        "scope": list(connection.scopes),
        "expires_in": max(0, int((expires_at - timezone.now()).total_seconds())),
        "token_type": "Bearer",
        "expires_at": expires_at.timestamp(),
    }


def _needs_reconnect(connection: XeroConnection) -> XeroError:
    return XeroError(
        f"The connection to {connection.tenant_name} needs an administrator to reconnect it "
        "on the Integrations page.",
        reconnect=True,
        code="needs_reconnect",
    )
