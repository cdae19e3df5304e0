"""One factory per model."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import factory
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import get_user_model
from django.utils import timezone

from crm_xero.crm.models import Contact, Opportunity, OpportunityLineItem, Organization, Project
from linking.models import AuditEntry, XeroConnection, XeroLink

PASSWORD = "a-long-test-password"
# Demo Company (NZ) as Xero's spec examples name it (getConnections, getOrganisations).
TENANT_ID = "fe79f7dd-b6d4-4a92-ba7b-538af6289c58"
CONNECTION_ID = "7cb59f93-2964-421d-bb5e-a0f7a4572a44"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    first_name = "Pat"
    last_name = factory.Sequence(lambda n: f"Tester{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified_email(self, create, extracted, **kwargs):
        if create:
            self.save()
            self.emailaddress_set.create(email=self.email, primary=True, verified=True)


class SocialAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SocialAccount

    user = factory.SubFactory(UserFactory)
    provider = "google"
    uid = factory.Sequence(lambda n: f"sso-{n}")
    extra_data = factory.LazyAttribute(lambda a: {"email": a.user.email})


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Organization {n}")
    email = factory.Sequence(lambda n: f"accounts{n}@org.example.com")
    phone = "+61 2 9000 0000"
    city = "Sydney"
    country = "Australia"


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    first_name = "Jane"
    last_name = factory.Sequence(lambda n: f"Doe{n}")
    email = factory.Sequence(lambda n: f"jane{n}@example.com")
    organization = factory.SubFactory(OrganizationFactory)


class OpportunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Opportunity

    name = factory.Sequence(lambda n: f"Opportunity {n}")
    organization = factory.SubFactory(OrganizationFactory)
    contact = factory.SubFactory(
        ContactFactory, organization=factory.SelfAttribute("..organization")
    )
    value = Decimal("1000.00")
    currency = "AUD"


class OpportunityLineItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OpportunityLineItem

    opportunity = factory.SubFactory(OpportunityFactory)
    description = factory.Sequence(lambda n: f"Service {n}")
    quantity = Decimal("2")
    unit_price = Decimal("150.00")
    account_code = "200"


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    name = factory.Sequence(lambda n: f"Project {n}")
    organization = factory.SubFactory(OrganizationFactory)
    contact = factory.SubFactory(
        ContactFactory, organization=factory.SelfAttribute("..organization")
    )


TOKEN_FIELDS = (
    "access_token",
    "refresh_token",
    "expires_at",
    "scopes",
)  # XeroConnection.store_tokens


class XeroConnectionFactory(factory.django.DjangoModelFactory):
    """Demo Company (NZ) connected, its tokens stored (encrypted) by `store_tokens`: pass
    `access_token`, `refresh_token`, `expires_at` and `scopes` to set them."""

    class Meta:
        model = XeroConnection

    tenant_id = TENANT_ID
    connection_id = CONNECTION_ID
    tenant_name = "Demo Company (NZ)"
    base_currency = "NZD"
    short_code = "!mBdtL"
    access_token = "access-1"
    refresh_token = "refresh-1"
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(minutes=30))
    scopes = factory.LazyFunction(lambda: ["offline_access", "accounting.contacts"])

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        token_set = {name: kwargs.pop(name) for name in TOKEN_FIELDS}
        connection = model_class(*args, **kwargs)
        connection.store_tokens(**token_set)
        return connection

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        connection = cls._build(model_class, *args, **kwargs)
        connection.save()
        return connection


class XeroLinkFactory(factory.django.DjangoModelFactory):
    """A CRM record linked to a Xero contact, as Add Link leaves it. `record` is the linked record
    of any kind (a new organization unless given); for an invoice or bill link pass
    `xero_type=XeroLink.XeroType.INVOICE`."""

    class Meta:
        model = XeroLink

    record = factory.SubFactory(OrganizationFactory)
    tenant_id = TENANT_ID
    xero_type = XeroLink.XeroType.CONTACT
    xero_id = factory.LazyFunction(uuid.uuid4)
    xero_name = factory.Sequence(lambda n: f"Xero contact {n}")

    @classmethod
    def _adjust_kwargs(cls, **kwargs):
        record = kwargs.pop("record")
        kwargs[record._meta.model_name] = record
        return kwargs


class AuditEntryFactory(factory.django.DjangoModelFactory):
    """One Xero action that went well: an organization linked to a Xero contact."""

    class Meta:
        model = AuditEntry

    action = AuditEntry.Action.LINK
    record_type = "organization"
    record_id = factory.Sequence(lambda n: n + 1)
    record_label = factory.Sequence(lambda n: f"Organization {n}")
    tenant_id = TENANT_ID
    xero_id = factory.LazyFunction(lambda: str(uuid.uuid4()))
    succeeded = True
