"""The CRM records: Organization, Contact, Opportunity (with line items) and Project."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

from crm_xero.crm.currencies import validate_currency_code


class TimeStamped(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Address(models.Model):
    """A street address, in the shape Xero uses (lines, city, region, postal code, country)."""

    address_line1 = models.CharField("street address", max_length=255, blank=True)
    address_line2 = models.CharField("address line 2", max_length=255, blank=True)
    city = models.CharField("city", max_length=255, blank=True)
    region = models.CharField("state or region", max_length=255, blank=True)
    postal_code = models.CharField("postal code", max_length=50, blank=True)
    country = models.CharField("country", max_length=50, blank=True)

    class Meta:
        abstract = True

    @property
    def address_lines(self) -> list[str]:
        """The address as display lines, empty parts left out."""
        locality = " ".join(p for p in (self.city, self.region, self.postal_code) if p)
        parts = (self.address_line1, self.address_line2, locality, self.country)
        return [p for p in parts if p]


class Organization(Address, TimeStamped):
    name = models.CharField(max_length=255)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=50, blank=True)
    mobile = models.CharField("mobile / second phone", max_length=50, blank=True)
    website = models.URLField(max_length=255, blank=True)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["name", "pk"]
        indexes = [models.Index(fields=["name"])]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("crm:organization_detail", args=[self.pk])


class Contact(Address, TimeStamped):
    first_name = models.CharField(max_length=255, blank=True)
    last_name = models.CharField(max_length=255, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=50, blank=True)
    mobile = models.CharField(max_length=50, blank=True)
    organization = models.ForeignKey(
        Organization,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contacts",
    )
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["last_name", "first_name", "pk"]
        indexes = [models.Index(fields=["last_name", "first_name"]), models.Index(fields=["email"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(first_name="", last_name=""), name="contact_has_a_name"
            )
        ]

    def __str__(self) -> str:
        return self.full_name

    def get_absolute_url(self) -> str:
        return reverse("crm:contact_detail", args=[self.pk])

    @property
    def full_name(self) -> str:
        """First name and last name, as one."""
        return " ".join(p for p in (self.first_name, self.last_name) if p)

    def clean(self) -> None:
        if not self.first_name.strip() and not self.last_name.strip():
            raise ValidationError(
                {"first_name": "Give a first name or a last name (or both)."}, code="no_name"
            )


def default_currency() -> str:
    return settings.CRM_DEFAULT_CURRENCY


class Opportunity(TimeStamped):
    class Stage(models.TextChoices):
        OPEN = "open", "Open"
        WON = "won", "Won"
        LOST = "lost", "Lost"

    name = models.CharField(max_length=255)
    organization = models.ForeignKey(
        Organization,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="opportunities",
    )
    contact = models.ForeignKey(
        Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="opportunities"
    )
    value = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    currency = models.CharField(
        max_length=3, default=default_currency, validators=[validate_currency_code]
    )
    stage = models.CharField(max_length=10, choices=Stage.choices, default=Stage.OPEN)
    expected_close_date = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name_plural = "opportunities"
        indexes = [models.Index(fields=["name"])]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("crm:opportunity_detail", args=[self.pk])

    @property
    def line_items_total(self) -> Decimal:
        return sum((item.amount for item in self.line_items.all()), Decimal("0.00"))


class OpportunityLineItem(models.Model):
    """A line of an opportunity; these prefill the lines of an invoice draft in Xero."""

    opportunity = models.ForeignKey(
        Opportunity, on_delete=models.CASCADE, related_name="line_items"
    )
    description = models.CharField(max_length=1000)
    quantity = models.DecimalField(
        max_digits=12,
        decimal_places=4,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    unit_price = models.DecimalField(max_digits=14, decimal_places=2)
    account_code = models.CharField(
        max_length=10, blank=True, help_text="Optional: the Xero account code, e.g. 200."
    )
    item_code = models.CharField(
        max_length=30, blank=True, help_text="Optional: the Xero item code, e.g. TRAINING."
    )
    tax_type = models.CharField(
        "Tax rate",
        max_length=32,
        blank=True,
        help_text="Optional: the Xero tax type, e.g. OUTPUT (GST on Income).",
    )
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.description

    @property
    def amount(self) -> Decimal:
        # Rounded half away from zero, as Xero rounds line amounts.
        return (self.quantity * self.unit_price).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


class Project(TimeStamped):
    class Status(models.TextChoices):
        NOT_STARTED = "not_started", "Not started"
        IN_PROGRESS = "in_progress", "In progress"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"

    name = models.CharField(max_length=255)
    organization = models.ForeignKey(
        Organization, on_delete=models.SET_NULL, null=True, blank=True, related_name="projects"
    )
    contact = models.ForeignKey(
        Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="projects"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NOT_STARTED)
    start_date = models.DateField(null=True, blank=True)
    due_date = models.DateField(null=True, blank=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name", "pk"]
        indexes = [models.Index(fields=["name"])]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("crm:project_detail", args=[self.pk])

    def clean(self) -> None:
        if self.start_date and self.due_date and self.due_date < self.start_date:
            raise ValidationError(
                {"due_date": "The due date cannot be before the start date."}, code="due_early"
            )
