"""The small interface through which linking knows CRM records: name, email, phones, address.

Records are looked up by kind (the slug in URLs): organization, contact, opportunity, project.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeAlias, cast

from django.apps import apps
from django.db import models
from django.http import Http404
from django.shortcuts import get_object_or_404

if TYPE_CHECKING:  # linking reaches CRM records by kind (apps.get_model), not by import
    from crm_xero.crm.models import Contact, Opportunity, Organization, Project

# A CRM record linkable to Xero: one with a contact tab (a party), or a deal.
Party: TypeAlias = "Organization | Contact"
Deal: TypeAlias = "Opportunity | Project"
Record: TypeAlias = "Organization | Contact | Opportunity | Project"

LINKABLE = {
    "organization": "crm.Organization",
    "contact": "crm.Contact",
    "opportunity": "crm.Opportunity",
    "project": "crm.Project",
}
# Kinds whose Xero tab is about one Xero contact (the others list linked invoices and bills).
CONTACT_KINDS = ("organization", "contact")
ADDRESS_FIELDS = ("address_line1", "address_line2", "city", "region", "postal_code", "country")
# The CRM's phone slots per kind, in order: (field, label).
PHONE_SLOTS = {
    "organization": (("phone", "phone"), ("mobile", "mobile / second phone")),
    "contact": (("phone", "phone"), ("mobile", "mobile")),
}


def get_record(kind: str, pk: int) -> Record:
    """The record of that kind and id, or Http404."""
    if kind not in LINKABLE:
        raise Http404(f"No record type {kind!r}.")
    return cast("Record", get_object_or_404(apps.get_model(LINKABLE[kind]), pk=pk))


def kind_of(record: models.Model) -> str:
    return str(record._meta.model_name)


@dataclass(frozen=True)
class RecordAddress:
    line1: str = ""
    line2: str = ""
    city: str = ""
    region: str = ""
    postal_code: str = ""
    country: str = ""

    @property
    def is_empty(self) -> bool:
        return not any(
            (self.line1, self.line2, self.city, self.region, self.postal_code, self.country)
        )


@dataclass(frozen=True)
class RecordPerson:
    """One of an organization's CRM contacts, as a Xero contact person would hold it."""

    first_name: str = ""
    last_name: str = ""
    email: str = ""

    @property
    def name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p)


@dataclass(frozen=True)
class RecordProfile:
    """What the CRM holds about an organization or a contact, in Xero's terms."""

    kind: str
    name: str
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    website: str = ""  # an organization's
    phones: tuple[tuple[str, str], ...] = ()  # (field, number) for every CRM phone slot
    address: RecordAddress = RecordAddress()
    people: tuple[RecordPerson, ...] = ()  # an organization's contacts, in the CRM's order

    def phone_label(self, field: str) -> str:
        return dict(PHONE_SLOTS[self.kind])[field]


def record_profile(record: Party, *, with_people: bool = False) -> RecordProfile:
    """The record's name, email, website, phones and address (and, `with_people`, an
    organization's contacts)."""
    kind = kind_of(record)
    if kind not in CONTACT_KINDS:
        raise ValueError(f"A {kind} has no contact details.")
    address = RecordAddress(*(getattr(record, f).strip() for f in ADDRESS_FIELDS))
    phones = tuple((field, getattr(record, field).strip()) for field, _ in PHONE_SLOTS[kind])
    if kind == "contact":
        record = cast("Contact", record)
        return RecordProfile(
            kind=kind,
            name=record.full_name,
            first_name=record.first_name.strip(),
            last_name=record.last_name.strip(),
            email=record.email.strip(),
            phones=phones,
            address=address,
        )
    record = cast("Organization", record)
    people = (
        tuple(
            RecordPerson(c.first_name.strip(), c.last_name.strip(), c.email.strip())
            for c in record.contacts.all()
        )
        if with_people
        else ()
    )
    return RecordProfile(
        kind=kind, name=record.name.strip(), email=record.email.strip(), phones=phones,
        address=address, website=record.website.strip(), people=people,
    )  # fmt: skip


def record_update(record: models.Model, changes: dict[str, str]) -> None:
    """Set these fields (names from the record's model) and save only them."""
    for field, value in changes.items():
        setattr(record, field, value)
    record.full_clean(exclude=[f.name for f in record._meta.fields if f.name not in changes])
    record.save(update_fields=[*changes, "updated_at"])
