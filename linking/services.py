"""Writes on the Xero side: connect, choose the organisation, disconnect; and the audit trail."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeAlias

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from linking import xero
from linking.copying import CopyPlan, plan_copy_from_xero, plan_copy_to_xero
from linking.crypto import InvalidToken
from linking.models import AuditEntry, PendingXeroConsent, XeroConnection, XeroLink
from linking.records import (
    Deal,
    Party,
    Record,
    RecordProfile,
    kind_of,
    record_profile,
    record_update,
)
from linking.xero import (
    Address,
    Contact,
    ContactDraft,
    Invoice,
    InvoiceDraft,
    Phone,
    Tenant,
    TokenSet,
    XeroError,
    xero_id,
)

if TYPE_CHECKING:
    from crm_xero.accounts.models import User

log = logging.getLogger(__name__)
Action = AuditEntry.Action
# Who acts: the signed-in user (an anonymous one, or none, is audited as nobody).
Actor: TypeAlias = "User | AnonymousUser | None"


@dataclass
class Audit:
    """One audited action: who does what to which record, in which tenant, on which Xero id.

    Inside `audited()` the block may set `xero_id` and `changes` as it learns them, or record
    the success itself (`succeeded`, `created`) where it must be, e.g. inside the transaction
    that made the change.
    """

    user: Actor
    action: str
    record: Record | None = None
    tenant_id: str | None = None
    xero_id: str = ""
    changes: dict[str, object] = field(default_factory=dict)
    entry: AuditEntry | None = None

    def write(self, *, error: str = "") -> AuditEntry:
        """Write the entry: a success with its changes, or (`error`) a failure."""
        record, user = self.record, self.user
        return AuditEntry.objects.create(
            user=None if isinstance(user, AnonymousUser) else user,
            action=self.action,
            record_type=kind_of(record) if record is not None else "",
            record_id=record.pk if record is not None else None,
            record_label=str(record)[:255] if record is not None else "",
            tenant_id=self.tenant_id,
            xero_id=self.xero_id,
            changes={} if error else dict(self.changes or {}),
            succeeded=not error,
            error=error,
        )

    def succeeded(
        self, *, xero_id: str | None = None, changes: dict[str, object] | None = None
    ) -> AuditEntry:
        """Record the success now (once: the block's end records nothing more)."""
        if xero_id is not None:
            self.xero_id = xero_id
        if changes is not None:
            self.changes = changes
        self.entry = self.write()
        return self.entry

    def created(self, *, xero_id: str, changes: dict[str, object]) -> AuditEntry:
        """Record a create that Xero accepted: "created" once per Xero record.

        A repeated submit of the same form sends the same Idempotency-Key and Xero answers with
        the record it made the first time: that answer is audited as a replay
        (changes["replay"]), not as a second creation. The record's row lock (SQLite: the
        IMMEDIATE transaction) makes parallel submits take turns here, so exactly one of them
        finds no earlier entry.
        """
        record = self.record
        assert record is not None, "a create is audited on its record"
        with transaction.atomic():
            list(type(record)._base_manager.select_for_update().filter(pk=record.pk).values("pk"))
            replay = AuditEntry.objects.filter(
                action=self.action, tenant_id=self.tenant_id, xero_id=xero_id, succeeded=True
            ).exists()
            return self.succeeded(
                xero_id=xero_id, changes={**changes, "replay": True} if replay else changes
            )


def audit_record(*, error: str = "", **entry: Any) -> AuditEntry:
    """Write one audit entry (`entry`: the fields of `Audit`): who did what to which record,
    and whether Xero accepted it (no `error`)."""
    return Audit(**entry).write(error=error)


@contextlib.contextmanager
def audited(**entry: Any) -> Iterator[Audit]:
    """Audit the block's action (`entry`: the fields of `Audit`): when Xero refuses or fails, a
    failed entry with Xero's message, then the XeroError raised again; when the block ends, its
    success (unless it recorded that itself). Any other exception is raised again unrecorded:
    nothing was asked of Xero in vain.
    """
    audit = Audit(**entry)
    try:
        yield audit
    except XeroError as exc:
        audit.write(error=exc.message)
        raise
    if audit.entry is None:
        audit.succeeded()


def connection_get() -> XeroConnection | None:
    """The Xero organisation this CRM uses, if any."""
    return XeroConnection.objects.order_by("pk").first()


@dataclass(frozen=True)
class ConnectOutcome:
    """Either the connection made, or a consent waiting for the admin to pick an organisation."""

    connection: XeroConnection | None = None
    pending: PendingXeroConsent | None = None


def _tokens_to_dict(tokens: TokenSet) -> dict[str, Any]:
    data = asdict(tokens)
    data["expires_at"] = tokens.expires_at.isoformat()
    return data


def _tokens_from_dict(data: dict[str, Any]) -> TokenSet:
    return TokenSet(**{**data, "expires_at": datetime.fromisoformat(data["expires_at"])})


def connection_complete(*, user: User, code: str, code_verifier: str) -> ConnectOutcome:
    """Finish Xero's consent: trade the code for tokens and connect (or ask which organisation).

    Safe to repeat while connected: the same organisation is re-authorised (its tokens
    replaced); a consent that leaves out the organisation in use is refused before anything is
    revoked (revoking a token in Xero removes every connection of that user to the app, the live
    one too), and only the consent's new connections are removed, by id.
    """
    tokens = xero.exchange_code(code=code, code_verifier=code_verifier)
    tenants = [t for t in xero.list_tenants(tokens) if t.tenant_type == "ORGANISATION"]
    live = connection_get()
    if not tenants:
        if live is None:
            _revoke_quietly(tokens.refresh_token)
        raise XeroError("The consent in Xero did not include any organisation.", code="no_tenant")
    if live is not None and not any(_is_live(t, live) for t in tenants):
        _remove_new_connections(tokens, tenants, live=live)
        raise _already_connected(live, tenants)
    if len(tenants) == 1:
        return ConnectOutcome(
            connection=_connection_save(user=user, tokens=tokens, tenant=tenants[0])
        )
    PendingXeroConsent.objects.filter(user=user).delete()
    pending = PendingXeroConsent(user=user, tenants=[asdict(t) for t in tenants])
    pending.tokens = _tokens_to_dict(tokens)
    pending.save()
    return ConnectOutcome(pending=pending)


def connection_choose(*, user: User, pending: PendingXeroConsent, tenant_id: str) -> XeroConnection:
    """Connect the organisation the admin picked; remove the others' connections in Xero.

    While connected, picking another organisation is refused: the consent's new connections
    (the picked one too) are removed by id and nothing is revoked, so the live one keeps working.
    The pending consent is used up either way, except for a pick that was not offered.
    """
    tenants = [Tenant(**t) for t in pending.tenants]
    chosen = next((t for t in tenants if t.tenant_id == tenant_id), None)
    if chosen is None:
        raise XeroError("That organisation was not part of the consent.", code="unknown_tenant")
    try:
        tokens = _tokens_from_dict(pending.tokens)
    except InvalidToken:
        pending.delete()
        raise XeroError(
            "The consent could not be read (XERO_TOKEN_KEYS changed since): Connect to Xero again.",
            code="unreadable_consent",
        ) from None
    live = connection_get()
    if live is not None and not _is_live(chosen, live):
        _remove_new_connections(tokens, tenants, live=live)
        pending.delete()
        raise _already_connected(live, [chosen])
    connection = _connection_save(user=user, tokens=tokens, tenant=chosen)
    # Hold no access the CRM does not use: disconnect the organisations not chosen.
    _remove_new_connections(tokens, [t for t in tenants if t is not chosen], live=connection)
    pending.delete()
    return connection


def _is_live(tenant: Tenant, live: XeroConnection) -> bool:
    """The consent's connection is (or may be) the live one: the same connection id (Xero reuses
    the connection when the same user consents again), or the same organisation (another
    user's connection to it, or one that Xero renumbered: never removed, to be safe)."""
    return tenant.connection_id == str(live.connection_id) or tenant.tenant_id == str(
        live.tenant_id
    )


def _remove_new_connections(
    tokens: TokenSet, tenants: list[Tenant], *, live: XeroConnection | None
) -> None:
    """Remove the consent's connections that the CRM will not use, one by one by id with the new
    token; never the live connection, and never by revoking (that would remove them all)."""
    for tenant in tenants:
        if live is not None and _is_live(tenant, live):
            continue
        try:
            xero.delete_tenant_connection(tokens.access_token, tenant.connection_id)
        except XeroError as exc:
            log.warning("Could not remove the unused connection to %s: %s", tenant, exc)


def _already_connected(live: XeroConnection, tenants: list[Tenant]) -> XeroError:
    names = " or ".join(t.tenant_name for t in tenants)
    return XeroError(
        f"This CRM is connected to {live.tenant_name}. Disconnect it first to use {names} instead.",
        code="already_connected",
    )


def _connection_save(*, user: User, tokens: TokenSet, tenant: Tenant) -> XeroConnection:
    """Store the consent's tokens for the organisation: a new connection, or the live one
    re-authorised (tokens replaced; its links, cache and history untouched).

    The new tokens are tried first (Xero's organisation, asked with them); if that fails, nothing
    changes here.
    """
    existing = connection_get()
    if existing and str(existing.tenant_id) != tenant.tenant_id:
        raise _already_connected(existing, [tenant])  # callers check first; never revoke here
    # A stand-in row, not saved, holds the new tokens until Xero has answered with them.
    trial = XeroConnection(
        tenant_id=tenant.tenant_id,
        connection_id=tenant.connection_id,
        tenant_name=tenant.tenant_name,
    )
    trial.store_tokens(
        access_token=tokens.access_token,
        refresh_token=tokens.refresh_token,
        expires_at=tokens.expires_at,
        scopes=tokens.scopes,
    )
    try:
        organisation = xero.get_organisation(trial)
    except XeroError:
        if not existing:
            _revoke_quietly(tokens.refresh_token)
        raise
    with (
        transaction.atomic(),
        audited(
            user=user,
            action=Action.CONNECT,
            tenant_id=tenant.tenant_id,
            xero_id=tenant.tenant_id,
        ) as audit,
    ):
        if existing:
            # Under the row lock: a refresh running now must not write the old grant back.
            connection = XeroConnection.objects.select_for_update().get(pk=existing.pk)
        else:
            connection = XeroConnection(tenant_id=tenant.tenant_id, connected_by=user)
        connection.connection_id = tenant.connection_id
        connection.auth_event_id = tenant.auth_event_id or None
        connection.access_token_encrypted = trial.access_token_encrypted
        connection.refresh_token_encrypted = trial.refresh_token_encrypted
        connection.access_token_expires_at = trial.access_token_expires_at
        connection.scopes = trial.scopes
        connection.token_refreshed_at = timezone.now()  # the token set is new: as good as fresh
        connection.health, connection.health_detail = XeroConnection.Health.OK, ""
        connection.tenant_name = organisation.name or tenant.tenant_name
        connection.base_currency = organisation.base_currency
        connection.short_code = organisation.short_code
        connection.country_code = organisation.country_code
        connection.timezone = organisation.timezone
        connection.save()
        audit.changes = {"organisation": connection.tenant_name, "reconnect": bool(existing)}
    return connection


def connection_check(*, connection: XeroConnection) -> XeroConnection:
    """Ask Xero for the organisation again (refreshing the token when due); store its answer."""
    organisation = xero.get_organisation(connection)
    connection.refresh_from_db()
    connection.tenant_name = organisation.name
    connection.base_currency = organisation.base_currency
    connection.short_code = organisation.short_code
    connection.country_code = organisation.country_code
    connection.timezone = organisation.timezone
    connection.save(
        update_fields=["tenant_name", "base_currency", "short_code", "country_code", "timezone"]
    )
    return connection


def connection_disconnect(*, user: Actor, connection: XeroConnection) -> None:
    """Delete the connection in Xero, revoke its token, and forget it here.

    If Xero says the connection is already gone, it is forgotten all the same; if Xero cannot be
    reached, nothing changes here and the error is raised.
    """
    tenant_id = str(connection.tenant_id)
    with audited(
        user=user, action=Action.DISCONNECT, tenant_id=tenant_id, xero_id=tenant_id
    ) as audit:
        try:
            xero.delete_connection(connection)
        except XeroError as exc:
            if not (exc.reconnect or exc.status in (401, 403, 404)):
                raise
        connection.refresh_from_db()
        try:
            refresh_token = connection.refresh_token
        except InvalidToken:  # no key reads it: nothing to revoke with
            refresh_token = ""
        _revoke_quietly(refresh_token)
        with transaction.atomic():
            name = connection.tenant_name
            connection.delete()
            audit.succeeded(changes={"organisation": name})


def _revoke_quietly(refresh_token: str) -> None:
    if not refresh_token:
        return
    try:
        xero.revoke(refresh_token)
    except XeroError as exc:
        log.warning("Could not revoke a Xero token: %s", exc.message)


# Links between CRM records and Xero contacts.


_TOKEN = re.compile(r"[A-Za-z0-9-]+")


def idempotency_key(action: str, record: models.Model, token: str) -> str:
    """An Idempotency-Key derived from the CRM action, the record and the form's one-time token.

    A double submit of the same form sends the same key, so Xero makes one record. A token that
    is not one of ours (letters, digits, dashes) is sent as its hash: a header carries no
    control characters or non-ASCII text.
    """
    if not _TOKEN.fullmatch(token):
        token = hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()
    return f"crm-{action}-{record._meta.model_name}-{record.pk}-{token}"[:128]


class LinkError(Exception):
    """A link that cannot be made (e.g. the record is already linked)."""


def _already_linked(record: Record) -> str:
    return f"{record} is already linked to a Xero contact. Unlink it first."


def _refuse_a_second_link(record: Record, connection: XeroConnection) -> None:
    if XeroLink.objects.filter(
        **{kind_of(record): record},
        tenant_id=connection.tenant_id,
        xero_type=XeroLink.XeroType.CONTACT,
    ).exists():
        raise LinkError(_already_linked(record))


def _audited(
    action: str, user: Actor, record: Record, connection: XeroConnection, xero_id: str = ""
) -> contextlib.AbstractContextManager[Audit]:
    """`audited()` for an action on a CRM record in the connected organisation."""
    return audited(
        user=user,
        action=action,
        record=record,
        tenant_id=str(connection.tenant_id),
        xero_id=xero_id,
    )


@transaction.atomic
def _link_save(audit: Audit, *, connection: XeroConnection, to: Contact | Invoice) -> XeroLink:
    """Link the audited record to a Xero contact (one at most) or to an invoice or bill (each
    once) and record its success; a clashing link is refused with LinkError."""
    record = audit.record
    assert record is not None, "a link is audited on its record"
    kind = kind_of(record)
    changes: dict[str, object]
    if isinstance(to, Contact):
        xero_type, target, name = XeroLink.XeroType.CONTACT, to.contact_id, to.name
        clash: dict[str, str] = {"xero_type": XeroLink.XeroType.CONTACT}
        refusal, changes = _already_linked(record), {"xero_contact": name}
    else:
        xero_type, target = XeroLink.XeroType.INVOICE, to.invoice_id
        name = to.number or to.reference or to.invoice_id
        clash = {"xero_id": target}
        refusal, changes = (
            f"{name} is already linked to this {kind}.",
            {"item": name, "type": to.type},
        )
    if XeroLink.objects.filter(**{kind: record}, tenant_id=connection.tenant_id, **clash).exists():
        raise LinkError(refusal)
    try:
        with transaction.atomic():
            link = XeroLink.objects.create(
                **{kind: record},
                tenant_id=connection.tenant_id,
                xero_type=xero_type,
                xero_id=target,
                xero_name=name[:255],
                created_by=None if isinstance(audit.user, AnonymousUser) else audit.user,
            )
    except IntegrityError:  # linked at the same moment from another tab or person
        raise LinkError(refusal) from None
    audit.succeeded(xero_id=target, changes=changes)
    return link


def _link_new(
    *, user: Actor, record: Record, connection: XeroConnection, to: Contact | Invoice
) -> XeroLink:
    """Link the record to what Xero just created; after the same form submitted again at once,
    Xero replayed it, already linked: that link."""
    try:
        with _audited(Action.LINK, user, record, connection) as audit:
            return _link_save(audit, connection=connection, to=to)
    except LinkError:
        target = to.contact_id if isinstance(to, Contact) else to.invoice_id
        if link := _existing_link(record, connection, target):
            return link
        raise


def _existing_link(record: Record, connection: XeroConnection, xero_id: str) -> XeroLink | None:
    return XeroLink.objects.filter(
        **{kind_of(record): record}, tenant_id=connection.tenant_id, xero_id=xero_id
    ).first()


def link_create(
    *, user: Actor, record: Party, connection: XeroConnection, xero_contact_id: str
) -> XeroLink:
    """Link the record to an existing Xero contact (checked to exist in Xero first)."""
    if (contact_id := xero_id(xero_contact_id)) is None:
        raise LinkError("That is not a Xero contact: choose one from the list.")
    with _audited(Action.LINK, user, record, connection, contact_id) as audit:
        contact = xero.get_contact(connection, contact_id)
        xero.remember_contact(connection, contact)
        return _link_save(audit, connection=connection, to=contact)


@transaction.atomic
def link_delete(*, user: Actor, link: XeroLink) -> None:
    """Remove the link only; nothing changes in Xero."""
    with audited(
        user=user,
        action=Action.UNLINK,
        record=link.record,
        tenant_id=str(link.tenant_id),
        xero_id=str(link.xero_id),
        changes={"xero_contact": link.xero_name},
    ):
        link.delete()


def _contact_draft(profile: RecordProfile, *, name: str = "") -> ContactDraft:
    """A new Xero contact from what the CRM holds: names, email, phones, street address."""
    address = profile.address
    return ContactDraft(
        name=name or profile.name,
        first_name=profile.first_name,
        last_name=profile.last_name,
        email=profile.email,
        phones=tuple(
            Phone(slot, number)
            for slot, (_, number) in zip(("DEFAULT", "MOBILE"), profile.phones, strict=False)
            if number
        ),
        addresses=()
        if address.is_empty
        else (
            Address(
                "STREET",
                tuple(x for x in (address.line1, address.line2) if x),
                address.city,
                address.region,
                address.postal_code,
                address.country,
            ),
        ),
    )


def _contact_create_in_xero(
    *, user: Actor, record: Record, connection: XeroConnection, draft: ContactDraft, token: str
) -> Contact:
    """Create the contact in Xero (Idempotency-Key from the record and token) and audit it."""
    with _audited(Action.CREATE_CONTACT, user, record, connection) as audit:
        contact = xero.create_contact(
            connection, draft, idempotency_key=idempotency_key("contact", record, token)
        )
        xero.remember_contact(connection, contact, new=True)
        audit.created(xero_id=contact.contact_id, changes={"name": contact.name})
    return contact


def xero_contact_create(
    *, user: Actor, record: Party, connection: XeroConnection, token: str
) -> XeroLink:
    """Create a Xero contact from the record's details and link it.

    If Xero refuses (e.g. the name is taken), nothing is linked and Xero's message is raised.
    A record already linked is refused before anything is created in Xero.
    """
    _refuse_a_second_link(record, connection)
    draft = _contact_draft(record_profile(record))
    contact = _contact_create_in_xero(
        user=user, record=record, connection=connection, draft=draft, token=token
    )
    return _link_new(user=user, record=record, connection=connection, to=contact)


def _copied(plan: CopyPlan) -> dict[str, object]:
    """The audit's account of a copy: what was copied, what not and why."""
    return {"copied": plan.copied, "not_copied": plan.not_copied}


def details_copy_to_xero(
    *, user: Actor, record: Party, link: XeroLink, connection: XeroConnection
) -> CopyPlan:
    """Add the record's details to the linked Xero contact where Xero's fields are empty."""
    xero_contact = str(link.xero_id)
    with _audited(Action.COPY_TO_XERO, user, record, connection, xero_contact) as audit:
        contact = xero.get_contact(connection, xero_contact)
        plan = plan_copy_to_xero(record_profile(record, with_people=True), contact)
        if plan.draft is not None:
            digest = hashlib.sha256(repr(plan.draft).encode()).hexdigest()[:16]
            contact = xero.update_contact(
                connection,
                xero_contact,
                plan.draft,
                idempotency_key=idempotency_key("copy", record, digest),
            )
        xero.remember_contact(connection, contact)
        audit.changes = _copied(plan)
    return plan


def details_copy_from_xero(
    *, user: Actor, record: Party, link: XeroLink, connection: XeroConnection
) -> CopyPlan:
    """Add the linked Xero contact's details to the record where the record's fields are empty."""
    xero_contact = str(link.xero_id)
    with _audited(Action.COPY_FROM_XERO, user, record, connection, xero_contact) as audit:
        contact = xero.get_contact(connection, xero_contact)
        xero.remember_contact(connection, contact)
        plan = plan_copy_from_xero(record_profile(record), contact)
        with transaction.atomic():
            if plan.record_changes:
                record_update(record, plan.record_changes)
            audit.succeeded(changes=_copied(plan))
    return plan


def draft_fields(draft: InvoiceDraft) -> dict[str, Any]:
    """The fields an invoice draft is sent with, as the audit keeps them (JSON)."""
    return {
        "date": draft.date.isoformat() if draft.date else "",
        "due_date": draft.due_date.isoformat() if draft.due_date else "",
        "reference": draft.reference,
        "currency": draft.currency,
        "line_amount_types": draft.line_amount_types,
        "branding_theme_id": draft.branding_theme_id,
        "status": draft.status,
        "lines": [
            {
                "description": line.description,
                "quantity": str(line.quantity),
                "unit_amount": str(line.unit_amount),
                "item_code": line.item_code,
                "account_code": line.account_code,
                "tax_type": line.tax_type,
                "discount_rate": str(line.discount_rate) if line.discount_rate else "",
                "tracking": [
                    {
                        "category": t.category_name or t.category_id,
                        "option": t.option_name or t.option_id,
                    }
                    for t in line.tracking
                ],
            }
            for line in draft.line_items
        ],
    }


def invoice_draft_create(
    *, user: Actor, record: Record, connection: XeroConnection, draft: InvoiceDraft, token: str
) -> Invoice:
    """Create a sales invoice in Xero as DRAFT (or SUBMITTED) with every field of the draft;
    a double submit (same token) makes one. Audited with the fields sent."""
    with _audited(Action.CREATE_INVOICE, user, record, connection, draft.contact_id) as audit:
        invoice = xero.create_invoice_draft(
            connection, draft, idempotency_key=idempotency_key("invoice", record, token)
        )
        xero.remember_invoices(connection, [invoice])
        audit.created(
            xero_id=invoice.invoice_id,
            changes={
                "number": invoice.number,
                "total": str(invoice.total),
                "contact": draft.contact_id,
                "status": invoice.status or draft.status,
                "sent": draft_fields(draft),
            },
        )
    return invoice


# Opportunities and projects: links to invoices and bills.


def item_link_create(
    *, user: Actor, record: Deal, connection: XeroConnection, invoice_id: str
) -> XeroLink:
    """Link an existing invoice or bill (checked in Xero first) to an opportunity or project."""
    if (item_id := xero_id(invoice_id)) is None:
        raise LinkError("That is not a Xero invoice or bill: choose one from the list.")
    with _audited(Action.LINK, user, record, connection, item_id) as audit:
        invoice = xero.get_invoice(connection, item_id)
        xero.remember_invoices(connection, [invoice])
        return _link_save(audit, connection=connection, to=invoice)


def deal_invoice_create(
    *, user: Actor, record: Deal, connection: XeroConnection, draft: InvoiceDraft, token: str
) -> tuple[Invoice, XeroLink]:
    """Create a DRAFT sales invoice for the deal's chosen contact and link it to the deal."""
    invoice = invoice_draft_create(
        user=user, record=record, connection=connection, draft=draft, token=token
    )
    return invoice, _link_new(user=user, record=record, connection=connection, to=invoice)


def deal_contact_create(
    *, user: Actor, record: Deal, connection: XeroConnection, name: str, token: str
) -> Contact:
    """New Xero Contact from a deal's form: named as asked, with the details of the deal's
    organization (else its contact); that CRM record is linked to it when it has no link yet."""
    party: Party | None = record.organization or record.contact
    if party is None:
        draft = ContactDraft(name=name.strip())
    else:
        draft = _contact_draft(record_profile(party), name=name.strip())
    contact = _contact_create_in_xero(
        user=user, record=record, connection=connection, draft=draft, token=token
    )
    if party is not None:
        with (
            contextlib.suppress(LinkError),  # a party already linked keeps its link
            _audited(Action.LINK, user, party, connection) as audit,
        ):
            _link_save(audit, connection=connection, to=contact)
    return contact


# Webhooks: Xero says what changed; the cached entries that hold it are fetched again.

WEBHOOK_CATEGORIES = ("CONTACT", "INVOICE", "CREDITNOTE")


@dataclass(frozen=True)
class WebhookOutcome:
    contacts: int = 0
    invoices: int = 0
    ignored: int = 0
    # What was not asked for yet because Xero could not be asked now (`problem`), as ids by
    # tenant and category: the worker asks again later.
    left: dict[str, dict[str, list[str]]] = field(default_factory=dict, repr=False, compare=False)
    problem: XeroError | None = field(default=None, repr=False, compare=False)
    credit_notes: int = field(default=0, repr=False)

    def plus(self, other: WebhookOutcome) -> WebhookOutcome:
        return WebhookOutcome(
            self.contacts + other.contacts,
            self.invoices + other.invoices,
            self.ignored + other.ignored,
            {**self.left, **other.left},
            self.problem or other.problem,
            self.credit_notes + other.credit_notes,
        )

    def __str__(self) -> str:
        """As the log shows it; credit notes only when there were any."""
        counts = f"contacts={self.contacts}, invoices={self.invoices}, ignored={self.ignored}"
        extra = f", credit_notes={self.credit_notes}" if self.credit_notes else ""
        return f"WebhookOutcome({counts}{extra})"


def webhook_events_sorted(
    events: list[dict[str, object]],
) -> tuple[dict[str, dict[str, list[str]]], int]:
    """The ids webhook events name, deduplicated, by connected tenant (its id as the connection
    spells it) and category (CONTACT, INVOICE, CREDITNOTE); and how many ids name nothing the
    CRM follows (another tenant, a reconnect-needing connection, another category)."""
    named: dict[tuple[str, str], dict[str, None]] = {}
    for event in events:
        key = (str(event.get("tenantId", "")), str(event.get("eventCategory", "")).upper())
        if resource := str(event.get("resourceId", "")):
            named.setdefault(key, {})[resource] = None
    wanted: dict[str, dict[str, list[str]]] = {}
    ignored = 0
    connections: dict[str, XeroConnection | None] = {}
    for (tenant_id, category), ids in named.items():
        if tenant_id not in connections:
            connections[tenant_id] = _connection_for(tenant_id)
        connection = connections[tenant_id]
        if connection is None or connection.needs_reconnect or category not in WEBHOOK_CATEGORIES:
            ignored += len(ids)
        else:
            wanted.setdefault(str(connection.tenant_id), {})[category] = list(ids)
    return wanted, ignored


def webhook_apply(tenant_id: str, ids: dict[str, list[str]]) -> WebhookOutcome:
    """Refetch what webhooks named for one tenant: the cached contacts, then the invoices and the
    credit notes the CRM keeps (xero.refetch_*). When Xero cannot be asked now (busy, or
    background calls must leave the budget to people opening tabs), what was not asked for yet
    is in `left`, and `problem` says why."""
    connection = _connection_for(tenant_id)
    if connection is None or connection.needs_reconnect:
        return WebhookOutcome(ignored=sum(len(names) for names in ids.values()))
    counts = {"CONTACT": 0, "INVOICE": 0, "CREDITNOTE": 0}
    ignored = 0
    left: dict[str, list[str]] = {}
    problem: XeroError | None = None
    for category, refetch in (
        ("CONTACT", xero.refetch_contacts),
        ("INVOICE", xero.refetch_invoices),
        ("CREDITNOTE", xero.refetch_credit_notes),
    ):
        names = list(ids.get(category) or [])
        if not names:
            continue
        if problem is not None:
            left[category] = names  # Xero just refused: not asked again now
            continue
        done = refetch(connection, names)
        counts[category] += done.fetched
        ignored += done.skipped
        if done.problem is not None:
            problem = done.problem
            if done.left:
                left[category] = list(done.left)
    return WebhookOutcome(
        counts["CONTACT"],
        counts["INVOICE"],
        ignored,
        {str(connection.tenant_id): left} if left else {},
        problem,
        counts["CREDITNOTE"],
    )


def webhook_events_apply(events: list[dict[str, object]]) -> WebhookOutcome:
    """Refetch the contacts, invoices and credit notes webhook events name, tenant by tenant.

    Events are thin (ids only), so one IDs call per 50 ids of a category fetches what they touch;
    ids of nothing the CRM keeps cost no call.
    https://developer.xero.com/documentation/guides/webhooks/overview
    """
    wanted, ignored = webhook_events_sorted(events)
    outcome = WebhookOutcome(ignored=ignored)
    for tenant_id, ids in wanted.items():
        outcome = outcome.plus(webhook_apply(tenant_id, ids))
    return outcome


def _connection_for(tenant_id: str) -> XeroConnection | None:
    try:
        return XeroConnection.objects.filter(tenant_id=tenant_id).first()
    except ValidationError:  # not a UUID
        return None
