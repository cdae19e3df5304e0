"""The CRM's side of Xero: the connection (tokens encrypted at rest) and the audit trail."""

from __future__ import annotations

import functools
import json
import operator
from datetime import datetime

from django.conf import settings
from django.db import models

from linking import crypto


class XeroConnection(models.Model):
    """The Xero organisation (tenant) this CRM uses, with its token set.

    The CRM uses one organisation at a time; the row is unique per tenant.
    """

    class Health(models.TextChoices):
        OK = "ok", "OK"
        NEEDS_RECONNECT = "needs_reconnect", "Needs reconnect"

    tenant_id = models.UUIDField(unique=True)
    connection_id = models.UUIDField(help_text="Xero's id of the connection, not the tenant.")
    auth_event_id = models.UUIDField(null=True, blank=True)
    tenant_name = models.CharField(max_length=255)
    base_currency = models.CharField(max_length=3, blank=True)
    short_code = models.CharField(max_length=20, blank=True)
    country_code = models.CharField(max_length=2, blank=True)
    timezone = models.CharField(
        max_length=64, blank=True, help_text="Xero's name for it, e.g. AUSEASTERNSTANDARDTIME."
    )

    access_token_encrypted = models.TextField(blank=True, editable=False)
    refresh_token_encrypted = models.TextField(blank=True, editable=False)
    scopes = models.JSONField(default=list, blank=True)
    access_token_expires_at = models.DateTimeField(null=True, blank=True)
    token_refreshed_at = models.DateTimeField(null=True, blank=True)
    health = models.CharField(max_length=20, choices=Health.choices, default=Health.OK)
    health_detail = models.CharField(max_length=500, blank=True)

    connected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    connected_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "Xero connection"

    def __str__(self) -> str:
        return self.tenant_name

    @property
    def access_token(self) -> str:
        return crypto.decrypt(self.access_token_encrypted)

    @property
    def refresh_token(self) -> str:
        return crypto.decrypt(self.refresh_token_encrypted)

    @property
    def needs_reconnect(self) -> bool:
        return self.health == self.Health.NEEDS_RECONNECT

    def store_tokens(
        self, *, access_token: str, refresh_token: str, expires_at: datetime, scopes: list[str]
    ) -> None:
        """Set the token fields (encrypted); the caller saves."""
        self.access_token_encrypted = crypto.encrypt(access_token)
        self.refresh_token_encrypted = crypto.encrypt(refresh_token)
        self.access_token_expires_at = expires_at
        self.scopes = scopes


class PendingXeroConsent(models.Model):
    """A consent that covered several organisations, waiting for an admin to pick one."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    tokens_encrypted = models.TextField(editable=False)
    tenants = models.JSONField(help_text="Xero's connections: id, tenantId, tenantName, ...")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Consent by {self.user} for {len(self.tenants)} organisations"

    @property
    def tokens(self) -> dict:
        return json.loads(crypto.decrypt(self.tokens_encrypted))

    @tokens.setter
    def tokens(self, value: dict) -> None:
        self.tokens_encrypted = crypto.encrypt(json.dumps(value))


class AuditEntry(models.Model):
    """One Xero action taken through the CRM: who, when, on what, and how it went."""

    class Action(models.TextChoices):
        CONNECT = "connect", "Connect to Xero"
        DISCONNECT = "disconnect", "Disconnect from Xero"
        LINK = "link", "Link"
        UNLINK = "unlink", "Unlink"
        CREATE_CONTACT = "create_contact", "Create Xero contact"
        CREATE_INVOICE = "create_invoice", "Create invoice draft"
        COPY_TO_XERO = "copy_to_xero", "Copy details to Xero"
        COPY_FROM_XERO = "copy_from_xero", "Copy details from Xero"

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    record_type = models.CharField(max_length=20, blank=True)
    record_id = models.PositiveBigIntegerField(null=True, blank=True)
    record_label = models.CharField(max_length=255, blank=True)
    tenant_id = models.UUIDField(null=True, blank=True)
    xero_id = models.CharField(max_length=64, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    succeeded = models.BooleanField(default=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        outcome = "ok" if self.succeeded else "failed"
        if self.succeeded and isinstance(self.changes, dict) and self.changes.get("replay"):
            outcome = "replayed by Xero, nothing new made"
        return f"{self.get_action_display()} {self.record_label} ({outcome})"


# The CRM records a link may belong to (one of them), as XeroLink's fields.
LINKED_RECORDS = ("organization", "contact", "opportunity", "project")


def exactly_one_of(fields: tuple[str, ...]) -> models.Q:
    """A condition that exactly one of these (nullable) fields is set."""
    either = [
        models.Q(**{f"{other}__isnull": other != field for other in fields}) for field in fields
    ]
    return functools.reduce(operator.or_, either)


class XeroLink(models.Model):
    """A CRM record linked to a Xero contact, or (for deals and projects) to an invoice or bill.

    Exactly one of the four record fields is set. Deleting the record deletes its links (never
    anything in Xero). A record links to at most one Xero contact; a Xero contact may be linked
    from several records.
    """

    class XeroType(models.TextChoices):
        CONTACT = "contact", "Contact"
        INVOICE = "invoice", "Invoice or bill"

    organization = models.ForeignKey(
        "crm.Organization", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    contact = models.ForeignKey(
        "crm.Contact", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    opportunity = models.ForeignKey(
        "crm.Opportunity", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    project = models.ForeignKey(
        "crm.Project", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    tenant_id = models.UUIDField()
    xero_type = models.CharField(max_length=10, choices=XeroType.choices)
    xero_id = models.UUIDField()
    xero_name = models.CharField(
        max_length=255,
        blank=True,
        help_text="The contact's name or the invoice's number when linked.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    RECORD_FIELDS = LINKED_RECORDS

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=exactly_one_of(LINKED_RECORDS),
                name="xerolink_one_record",
            ),
            *[
                models.UniqueConstraint(
                    fields=[field, "tenant_id"],
                    condition=models.Q(xero_type="contact"),
                    name=f"xerolink_one_contact_per_{field}",
                )
                for field in LINKED_RECORDS
            ],
            *[
                models.UniqueConstraint(
                    fields=[field, "tenant_id", "xero_id"],
                    name=f"xerolink_unique_item_per_{field}",
                )
                for field in LINKED_RECORDS
            ],
        ]
        indexes = [models.Index(fields=["tenant_id", "xero_id"])]

    def __str__(self) -> str:
        return f"{self.record} → Xero {self.xero_type} {self.xero_name or self.xero_id}"

    @property
    def record(self) -> models.Model:
        return next(getattr(self, f) for f in self.RECORD_FIELDS if getattr(self, f"{f}_id"))


class XeroItemSeen(models.Model):
    """What the CRM last saw of a Xero invoice, bill or credit note that a tab shows: the
    "before" against which the next sight of it (a webhook's refetch, a tab, a Refresh) is
    compared to tell what changed (linking/recent.py). One row per tenant and item."""

    tenant_id = models.UUIDField()
    xero_id = models.UUIDField()
    contact_id = models.UUIDField(null=True, blank=True, help_text="The item's Xero contact.")
    status = models.CharField(max_length=20)
    amount_paid = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    updated_at = models.DateTimeField(null=True, blank=True, help_text="Xero's UpdatedDateUTC.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant_id", "xero_id"], name="xeroitemseen_unique")
        ]
        indexes = [models.Index(fields=["tenant_id", "contact_id", "updated_at"])]

    def __str__(self) -> str:
        return f"{self.xero_id} {self.status}"


class XeroChange(models.Model):
    """A change Xero showed on an invoice, bill or credit note of a record's Xero contact or
    deal ("INV-3099 paid in full · 3 Dec 2026"), kept per tenant, contact and item."""

    class Kind(models.TextChoices):
        APPROVED = "approved", "approved"
        PART_PAID = "part_paid", "part paid"
        PAID = "paid", "paid in full"
        VOIDED = "voided", "voided"
        CREDIT_NOTE = "credit_note", "credit note raised"

    tenant_id = models.UUIDField()
    contact_id = models.UUIDField(null=True, blank=True)
    xero_id = models.UUIDField(help_text="The invoice, bill or credit note.")
    item_type = models.CharField(max_length=12, help_text="ACCREC, ACCPAY, ACCRECCREDIT, ...")
    number = models.CharField(max_length=255, blank=True)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    on = models.DateField(help_text="When it happened in Xero, in the site's timezone.")
    currency = models.CharField(max_length=3, blank=True)
    amount = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    total = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    # The item's state that showed the change: the same change seen twice is one row.
    marker = models.CharField(max_length=80)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-on", "-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant_id", "xero_id", "kind", "marker"], name="xerochange_once"
            )
        ]
        indexes = [
            models.Index(fields=["tenant_id", "contact_id", "-on"]),
            models.Index(fields=["tenant_id", "xero_id"]),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def text(self) -> str:
        """E.g. "INV-3099 paid in full" or "Bill RPT-12 part paid: AUD 500.00 of 1,200.00"."""
        name = self.number or "An item without a number"
        if self.item_type == "ACCPAY":
            name = f"Bill {self.number}".strip()
        elif self.item_type in ("ACCRECCREDIT", "ACCPAYCREDIT"):
            name = f"Credit note {self.number}".strip()
        if self.kind == self.Kind.CREDIT_NOTE:
            words = f"{name} raised"
        else:
            words = f"{name} {self.get_kind_display()}"
        if self.kind == self.Kind.PART_PAID and self.amount is not None and self.total:
            words += f": {self.currency} {self.amount:,.2f} of {self.total:,.2f} paid"
        elif self.kind == self.Kind.CREDIT_NOTE and self.total is not None:
            words += f" for {self.currency} {self.total:,.2f}"
        return words
