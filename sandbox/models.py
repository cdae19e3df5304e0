"""The sandbox's state: apps, users, organisations, grants and tokens, Accounting records, knobs.

Accounting records keep every field that `where`, `order` and the list filters use in an indexed
column, and the rest of Xero's document (line items, payments, addresses, phones) as JSON.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.db import models
from django.utils import timezone


class App(models.Model):
    """An app registered with the sandbox (developer.xero.com's "My Apps")."""

    client_id = models.CharField(max_length=64, unique=True)
    client_secret = models.CharField(max_length=128)
    name = models.CharField(max_length=100)
    redirect_uris = models.JSONField(default=list)
    # Apps created on or after 2 March 2026 may only ask for granular scopes.
    granular_scopes_only = models.BooleanField(default=True)
    created = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name


class Organisation(models.Model):
    """A Xero organisation, i.e. a tenant."""

    organisation_id = models.UUIDField(unique=True)
    name = models.CharField(max_length=255)
    legal_name = models.CharField(max_length=255)
    short_code = models.CharField(max_length=16)
    base_currency = models.CharField(max_length=3)
    country_code = models.CharField(max_length=2)
    version = models.CharField(max_length=16)
    timezone = models.CharField(max_length=64)
    tax_rate = models.DecimalField(max_digits=6, decimal_places=4)
    sales_tax_type = models.CharField(max_length=32)
    purchases_tax_type = models.CharField(max_length=32)
    created = models.DateTimeField()
    position = models.PositiveSmallIntegerField(default=0)
    document = models.JSONField(default=dict)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class XeroUser(models.Model):
    """Someone who can sign in to the sandbox's consent page."""

    xero_userid = models.UUIDField(unique=True)
    subject = models.CharField(max_length=32, unique=True)
    email = models.EmailField(unique=True)
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    organisations = models.ManyToManyField(Organisation, related_name="users")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "email"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class Connection(models.Model):
    """An organisation that a user connected to an app (GET /connections)."""

    connection_id = models.UUIDField(unique=True, default=uuid.uuid4)
    app = models.ForeignKey(App, on_delete=models.CASCADE)
    user = models.ForeignKey(XeroUser, on_delete=models.CASCADE)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE)
    auth_event_id = models.UUIDField()
    created = models.DateTimeField(default=timezone.now)
    updated = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["app", "user", "organisation"], name="sandbox_one_connection_per_tenant"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} -> {self.organisation}"


class AuthorizationCode(models.Model):
    """A one-time code from the consent page, bound to everything the token request must repeat."""

    code = models.CharField(max_length=64, unique=True)
    app = models.ForeignKey(App, on_delete=models.CASCADE)
    user = models.ForeignKey(XeroUser, on_delete=models.CASCADE)
    redirect_uri = models.TextField()
    scopes = models.TextField()
    code_challenge = models.CharField(max_length=128, blank=True)
    nonce = models.TextField(blank=True)
    auth_event_id = models.UUIDField()
    auth_time = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"code for {self.user} ({self.app})"


class Grant(models.Model):
    """One authorisation: the family of access and refresh tokens that came from one code."""

    app = models.ForeignKey(App, on_delete=models.CASCADE)
    user = models.ForeignKey(XeroUser, on_delete=models.CASCADE)
    scopes = models.TextField()
    auth_event_id = models.UUIDField()
    global_session_id = models.UUIDField(default=uuid.uuid4)
    session_id = models.UUIDField(default=uuid.uuid4)
    nonce = models.TextField(blank=True)
    auth_time = models.DateTimeField()
    created = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"grant {self.auth_event_id} for {self.user}"

    @property
    def scope_set(self) -> set[str]:
        """The granted scopes as a set."""
        return set(self.scopes.split())


class AccessToken(models.Model):
    """An issued access token (a signed JWT), looked up by its jti."""

    jti = models.CharField(max_length=64, unique=True)
    grant = models.ForeignKey(Grant, on_delete=models.CASCADE, related_name="access_tokens")
    created = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.jti


class RefreshToken(models.Model):
    """An opaque refresh token; rotated on use, replayable for a grace window after rotation."""

    token = models.CharField(max_length=128, unique=True)
    grant = models.ForeignKey(Grant, on_delete=models.CASCADE, related_name="refresh_tokens")
    created = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    rotated_at = models.DateTimeField(null=True, blank=True)
    successor_response = models.JSONField(null=True, blank=True)

    def __str__(self) -> str:
        return f"refresh token of grant {self.grant_id}"


class SigningKey(models.Model):
    """The RSA key that signs id_tokens and access tokens (published at the JWKS URI)."""

    kid = models.CharField(max_length=64, unique=True)
    private_pem = models.TextField()
    created = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.kid


class Contact(models.Model):
    """A Xero contact: where-able fields as columns, the rest of the document as JSON."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE)
    contact_id = models.UUIDField(unique=True)
    name = models.CharField(max_length=255)
    name_lower = models.CharField(max_length=255)
    first_name = models.CharField(max_length=255, blank=True)
    last_name = models.CharField(max_length=255, blank=True)
    email = models.CharField(max_length=255, blank=True)
    email_lower = models.CharField(max_length=255, blank=True)
    contact_number = models.CharField(max_length=50, blank=True)
    account_number = models.CharField(max_length=50, blank=True)
    company_number = models.CharField(max_length=50, blank=True)
    tax_number = models.CharField(max_length=50, blank=True)
    bank_account_details = models.CharField(max_length=255, blank=True)
    default_currency = models.CharField(max_length=3, blank=True)
    status = models.CharField(max_length=16, default="ACTIVE")
    is_customer = models.BooleanField(default=False)
    is_supplier = models.BooleanField(default=False)
    updated = models.DateTimeField()
    search_text = models.TextField(blank=True)
    document = models.JSONField(default=dict)

    class Meta:
        indexes = [
            models.Index(fields=["organisation", "name_lower"]),
            models.Index(fields=["organisation", "email_lower"]),
            models.Index(fields=["organisation", "status"]),
            models.Index(fields=["organisation", "updated"]),
        ]

    def __str__(self) -> str:
        return self.name


class Invoice(models.Model):
    """A Xero invoice (ACCREC) or bill (ACCPAY): where-able fields as columns, lines as JSON."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE)
    invoice_id = models.UUIDField(unique=True)
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="invoices")
    type = models.CharField(max_length=16)
    status = models.CharField(max_length=16)
    number = models.CharField(max_length=255, blank=True)
    reference = models.CharField(max_length=255, blank=True)
    date = models.DateField()
    due_date = models.DateField(null=True, blank=True)
    expected_payment_date = models.DateField(null=True, blank=True)
    planned_payment_date = models.DateField(null=True, blank=True)
    fully_paid_on_date = models.DateField(null=True, blank=True)
    updated = models.DateTimeField()
    currency = models.CharField(max_length=3)
    currency_rate = models.DecimalField(max_digits=18, decimal_places=6, default=Decimal("1"))
    line_amount_types = models.CharField(max_length=16, default="Exclusive")
    sub_total = models.DecimalField(max_digits=18, decimal_places=2)
    total_tax = models.DecimalField(max_digits=18, decimal_places=2)
    total = models.DecimalField(max_digits=18, decimal_places=2)
    amount_due = models.DecimalField(max_digits=18, decimal_places=2)
    amount_paid = models.DecimalField(max_digits=18, decimal_places=2)
    amount_credited = models.DecimalField(max_digits=18, decimal_places=2, default=Decimal("0"))
    sent_to_contact = models.BooleanField(default=False)
    search_text = models.TextField(blank=True)
    document = models.JSONField(default=dict)

    class Meta:
        indexes = [
            models.Index(fields=["organisation", "contact", "date"]),
            models.Index(fields=["organisation", "date"]),
            models.Index(fields=["organisation", "updated"]),
            models.Index(fields=["organisation", "status"]),
            models.Index(fields=["organisation", "number"]),
        ]

    def __str__(self) -> str:
        return self.number or str(self.invoice_id)


class CreditNote(models.Model):
    """A Xero credit note, sales (ACCRECCREDIT) or purchase (ACCPAYCREDIT): where-able fields as
    columns, lines as JSON. RemainingCredit is Total less what is allocated to invoices."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE)
    credit_note_id = models.UUIDField(unique=True)
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="credit_notes")
    type = models.CharField(max_length=16)
    status = models.CharField(max_length=16)
    number = models.CharField(max_length=255, blank=True)
    reference = models.CharField(max_length=255, blank=True)
    date = models.DateField()
    due_date = models.DateField(null=True, blank=True)
    fully_paid_on_date = models.DateField(null=True, blank=True)
    updated = models.DateTimeField()
    currency = models.CharField(max_length=3)
    currency_rate = models.DecimalField(max_digits=18, decimal_places=6, default=Decimal("1"))
    line_amount_types = models.CharField(max_length=16, default="Exclusive")
    sub_total = models.DecimalField(max_digits=18, decimal_places=2)
    total_tax = models.DecimalField(max_digits=18, decimal_places=2)
    total = models.DecimalField(max_digits=18, decimal_places=2)
    remaining_credit = models.DecimalField(max_digits=18, decimal_places=2)
    sent_to_contact = models.BooleanField(default=False)
    search_text = models.TextField(blank=True)
    document = models.JSONField(default=dict)

    class Meta:
        indexes = [
            models.Index(fields=["organisation", "contact", "date"]),
            models.Index(fields=["organisation", "date"]),
            models.Index(fields=["organisation", "updated"]),
        ]

    def __str__(self) -> str:
        return self.number or str(self.credit_note_id)


class Allocation(models.Model):
    """Part of a credit note's credit applied to an invoice of the same contact."""

    allocation_id = models.UUIDField(unique=True)
    credit_note = models.ForeignKey(
        CreditNote, on_delete=models.CASCADE, related_name="allocations"
    )
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="allocations")
    amount = models.DecimalField(max_digits=18, decimal_places=2)
    date = models.DateField()

    class Meta:
        ordering = ["date", "pk"]

    def __str__(self) -> str:
        return f"{self.amount} of {self.credit_note} to {self.invoice}"


class IdempotencyRecord(models.Model):
    """The first answer to a PUT/POST with an Idempotency-Key, replayed for repeats."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE)
    key = models.CharField(max_length=128)
    created = models.DateTimeField(default=timezone.now)
    completed = models.BooleanField(default=False)
    status = models.PositiveSmallIntegerField(default=0)
    content_type = models.CharField(max_length=100, blank=True)
    content = models.BinaryField(default=b"")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "key"], name="sandbox_idempotency_key")
        ]

    def __str__(self) -> str:
        return self.key


class Knobs(models.Model):
    """The sandbox's settings: one row shared by the sandbox process, tests and the control page."""

    latency_ms = models.PositiveIntegerField(default=0)
    fail_next_count = models.PositiveIntegerField(default=0)
    fail_next_status = models.PositiveSmallIntegerField(default=500)
    # Which calls the injected failures hit: "api" (Accounting), "identity" (connections),
    # "token" (the token endpoint) or "any".
    fail_next_scope = models.CharField(max_length=16, default="api")
    minute_limit = models.PositiveIntegerField(default=60)
    day_limit = models.PositiveIntegerField(default=5000)
    concurrent_limit = models.PositiveIntegerField(default=5)
    app_minute_limit = models.PositiveIntegerField(default=10000)
    access_token_lifetime = models.PositiveIntegerField(default=1800)
    refresh_grace_seconds = models.PositiveIntegerField(default=1800)
    webhook_url = models.URLField(blank=True, max_length=500)
    webhook_key = models.CharField(blank=True, max_length=200)
    webhook_sequence = models.PositiveIntegerField(default=0)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "knobs"

    def __str__(self) -> str:
        return "Sandbox knobs"


# ------------------------------------------------------------------ reference data (settings)


class Account(models.Model):
    """A Xero account of the chart of accounts (GET /Accounts)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE)
    account_id = models.UUIDField(unique=True)
    code = models.CharField(max_length=10)
    name = models.CharField(max_length=150)
    type = models.CharField(max_length=16)
    account_class = models.CharField(max_length=16)
    status = models.CharField(max_length=16, default="ACTIVE")
    tax_type = models.CharField(max_length=32)
    description = models.TextField(blank=True)
    system_account = models.CharField(max_length=32, blank=True)
    enable_payments = models.BooleanField(default=False)
    show_in_expense_claims = models.BooleanField(default=False)
    bank_account_number = models.CharField(max_length=50, blank=True)
    bank_account_type = models.CharField(max_length=16, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    reporting_code = models.CharField(max_length=50, blank=True)
    reporting_code_name = models.CharField(max_length=150, blank=True)
    updated = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "code"], name="sandbox_account_code")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class TaxRate(models.Model):
    """A tax rate of an organisation (GET /TaxRates); `rate` is a percentage (10.0000)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE)
    tax_type = models.CharField(max_length=32)
    name = models.CharField(max_length=100)
    status = models.CharField(max_length=16, default="ACTIVE")
    report_tax_type = models.CharField(max_length=32, blank=True)
    rate = models.DecimalField(max_digits=8, decimal_places=4)
    component = models.CharField(max_length=50, default="GST")
    can_apply_to_assets = models.BooleanField(default=False)
    can_apply_to_equity = models.BooleanField(default=False)
    can_apply_to_expenses = models.BooleanField(default=False)
    can_apply_to_liabilities = models.BooleanField(default=False)
    can_apply_to_revenue = models.BooleanField(default=False)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "tax_type"], name="sandbox_tax_rate_type"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.tax_type})"


class Item(models.Model):
    """A product or service of an organisation (GET /Items): sales and purchase details."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE)
    item_id = models.UUIDField(unique=True)
    code = models.CharField(max_length=30)
    name = models.CharField(max_length=50)
    description = models.TextField(blank=True)
    purchase_description = models.TextField(blank=True)
    is_sold = models.BooleanField(default=True)
    is_purchased = models.BooleanField(default=True)
    sales_unit_price = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    sales_account = models.CharField(max_length=10, blank=True)
    sales_tax_type = models.CharField(max_length=32, blank=True)
    purchase_unit_price = models.DecimalField(
        max_digits=18, decimal_places=4, null=True, blank=True
    )
    purchase_account = models.CharField(max_length=10, blank=True)
    purchase_tax_type = models.CharField(max_length=32, blank=True)
    updated = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "code"], name="sandbox_item_code")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class TrackingCategory(models.Model):
    """A tracking category (GET /TrackingCategories); Xero allows two ACTIVE at once."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE)
    tracking_category_id = models.UUIDField(unique=True)
    name = models.CharField(max_length=100)
    status = models.CharField(max_length=16, default="ACTIVE")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TrackingOption(models.Model):
    """An option of a tracking category."""

    category = models.ForeignKey(TrackingCategory, on_delete=models.CASCADE, related_name="options")
    tracking_option_id = models.UUIDField(unique=True)
    name = models.CharField(max_length=100)
    status = models.CharField(max_length=16, default="ACTIVE")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class BrandingTheme(models.Model):
    """An invoice branding theme (GET /BrandingThemes); SortOrder 0 is the default."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE)
    branding_theme_id = models.UUIDField(unique=True)
    name = models.CharField(max_length=100)
    sort_order = models.PositiveSmallIntegerField(default=0)
    logo_url = models.URLField(blank=True)
    created = models.DateTimeField()

    class Meta:
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name


class Currency(models.Model):
    """A currency enabled in an organisation (GET /Currencies), the base one included."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE)
    code = models.CharField(max_length=3)
    description = models.CharField(max_length=100)

    class Meta:
        verbose_name_plural = "currencies"
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "code"], name="sandbox_currency_code")
        ]

    def __str__(self) -> str:
        return self.code
