"""Writes on the Xero side: connect, choose the organisation, disconnect; and the audit trail."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import datetime

from django.db import models, transaction

from linking.models import AuditEntry, PendingXeroConsent, XeroConnection
from linking.xero import client, oauth
from linking.xero.errors import XeroError
from linking.xero.types import Tenant, TokenSet

log = logging.getLogger(__name__)


def audit_record(
    *,
    user,
    action: str,
    record: models.Model | None = None,
    tenant_id: str | None = None,
    xero_id: str = "",
    changes: dict | None = None,
    error: str = "",
) -> AuditEntry:
    """Write one audit entry: who did what to which record, and whether Xero accepted it."""
    return AuditEntry.objects.create(
        user=user if getattr(user, "is_authenticated", False) else None,
        action=action,
        record_type=record._meta.model_name if record is not None else "",
        record_id=record.pk if record is not None else None,
        record_label=str(record)[:255] if record is not None else "",
        tenant_id=tenant_id,
        xero_id=xero_id,
        changes=changes or {},
        succeeded=not error,
        error=error,
    )


def connection_get() -> XeroConnection | None:
    """The Xero organisation this CRM uses, if any."""
    return XeroConnection.objects.order_by("pk").first()


@dataclass(frozen=True)
class ConnectOutcome:
    """Either the connection made, or a consent waiting for the admin to pick an organisation."""

    connection: XeroConnection | None = None
    pending: PendingXeroConsent | None = None


def _tokens_to_dict(tokens: TokenSet) -> dict:
    data = asdict(tokens)
    data["expires_at"] = tokens.expires_at.isoformat()
    return data


def _tokens_from_dict(data: dict) -> TokenSet:
    return TokenSet(**{**data, "expires_at": datetime.fromisoformat(data["expires_at"])})


def connection_complete(*, user, code: str, code_verifier: str) -> ConnectOutcome:
    """Finish Xero's consent: trade the code for tokens and connect (or ask which organisation)."""
    tokens = oauth.exchange_code(code=code, code_verifier=code_verifier)
    tenants = [t for t in client.list_tenants(tokens) if t.tenant_type == "ORGANISATION"]
    if not tenants:
        _revoke_quietly(tokens.refresh_token)
        raise XeroError("The consent in Xero did not include any organisation.", code="no_tenant")
    if len(tenants) == 1:
        return ConnectOutcome(
            connection=_connection_save(user=user, tokens=tokens, tenant=tenants[0])
        )
    PendingXeroConsent.objects.filter(user=user).delete()
    pending = PendingXeroConsent(user=user, tenants=[asdict(t) for t in tenants])
    pending.tokens = _tokens_to_dict(tokens)
    pending.save()
    return ConnectOutcome(pending=pending)


def connection_choose(*, user, pending: PendingXeroConsent, tenant_id: str) -> XeroConnection:
    """Connect the organisation the admin picked; remove the others' connections in Xero."""
    tenants = [Tenant(**t) for t in pending.tenants]
    chosen = next((t for t in tenants if t.tenant_id == tenant_id), None)
    if chosen is None:
        raise XeroError("That organisation was not part of the consent.", code="unknown_tenant")
    tokens = _tokens_from_dict(pending.tokens)
    connection = _connection_save(user=user, tokens=tokens, tenant=chosen)
    # Hold no access the CRM does not use: disconnect the organisations not chosen.
    for other in tenants:
        if other.tenant_id != tenant_id:
            try:
                client.delete_tenant_connection(connection.access_token, other.connection_id)
            except XeroError as exc:
                log.warning("Could not remove the unused connection to %s: %s", other, exc)
    pending.delete()
    return connection


def _connection_save(*, user, tokens: TokenSet, tenant: Tenant) -> XeroConnection:
    existing = connection_get()
    if existing and str(existing.tenant_id) != tenant.tenant_id:
        _revoke_quietly(tokens.refresh_token)
        raise XeroError(
            f"This CRM is connected to {existing.tenant_name}. Disconnect it first to use "
            f"{tenant.tenant_name} instead.",
            code="already_connected",
        )
    connection = existing or XeroConnection(tenant_id=tenant.tenant_id, connected_by=user)
    connection.connection_id = tenant.connection_id
    connection.auth_event_id = tenant.auth_event_id or None
    connection.tenant_name = tenant.tenant_name
    connection.store_tokens(
        access_token=tokens.access_token,
        refresh_token=tokens.refresh_token,
        expires_at=tokens.expires_at,
        scopes=tokens.scopes,
    )
    connection.health, connection.health_detail = XeroConnection.Health.OK, ""
    try:
        organisation = client.get_organisation(connection)
    except XeroError:
        if not existing:
            _revoke_quietly(tokens.refresh_token)
        raise
    connection.tenant_name = organisation.name or tenant.tenant_name
    connection.base_currency = organisation.base_currency
    connection.short_code = organisation.short_code
    connection.country_code = organisation.country_code
    with transaction.atomic():
        connection.save()
        audit_record(
            user=user,
            action=AuditEntry.Action.CONNECT,
            tenant_id=tenant.tenant_id,
            xero_id=tenant.tenant_id,
            changes={"organisation": connection.tenant_name, "reconnect": bool(existing)},
        )
    return connection


def connection_check(*, connection: XeroConnection) -> XeroConnection:
    """Ask Xero for the organisation again (refreshing the token when due); store its answer."""
    organisation = client.get_organisation(connection)
    connection.refresh_from_db()
    connection.tenant_name = organisation.name
    connection.base_currency = organisation.base_currency
    connection.short_code = organisation.short_code
    connection.country_code = organisation.country_code
    connection.save(update_fields=["tenant_name", "base_currency", "short_code", "country_code"])
    return connection


def connection_disconnect(*, user, connection: XeroConnection) -> None:
    """Delete the connection in Xero, revoke its token, and forget it here.

    If Xero says the connection is already gone, it is forgotten all the same; if Xero cannot be
    reached, nothing changes here and the error is raised.
    """
    tenant_id = str(connection.tenant_id)
    try:
        client.delete_connection(connection)
    except XeroError as exc:
        if not (exc.reconnect or exc.status in (401, 403, 404)):
            audit_record(
                user=user,
                action=AuditEntry.Action.DISCONNECT,
                tenant_id=tenant_id,
                xero_id=tenant_id,
                error=exc.message,
            )
            raise
    connection.refresh_from_db()
    _revoke_quietly(connection.refresh_token)
    with transaction.atomic():
        name = connection.tenant_name
        connection.delete()
        audit_record(
            user=user,
            action=AuditEntry.Action.DISCONNECT,
            tenant_id=tenant_id,
            xero_id=tenant_id,
            changes={"organisation": name},
        )


def _revoke_quietly(refresh_token: str) -> None:
    if not refresh_token:
        return
    try:
        oauth.revoke(refresh_token)
    except XeroError as exc:
        log.warning("Could not revoke a Xero token: %s", exc.message)
