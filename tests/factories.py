"""One factory per model."""

from __future__ import annotations

from decimal import Decimal

import factory
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import get_user_model

from crm_xero.crm.models import Contact, Opportunity, OpportunityLineItem, Organization, Project

PASSWORD = "a-long-test-password"


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
