"""Copying contact details between a CRM record and a Xero contact: adding, never overwriting.

A field filled on the target side is never replaced. A phone number goes into the first empty
phone slot (its own kind of slot first); a number already on the target side is not copied again;
a number with nowhere to go is reported by name. An address is copied only onto an empty one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from linking.records import ADDRESS_FIELDS, RecordProfile
from linking.xero import Address, Contact, ContactDraft, Phone

# Xero's phone slots (PhoneType) that hold a phone number, in the order they are filled.
XERO_PHONE_SLOTS = ("DEFAULT", "MOBILE", "DDI")
XERO_PHONE_LABELS = {"DEFAULT": "phone", "MOBILE": "mobile", "DDI": "direct dial", "FAX": "fax"}


@dataclass
class CopyPlan:
    """What a copy would change, and what it could not place."""

    copied: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    # Copy to Xero: the contact update to send. Copy from Xero: the record fields to set.
    draft: ContactDraft | None = None
    record_changes: dict[str, str] = field(default_factory=dict)

    @property
    def changes_anything(self) -> bool:
        return bool(self.copied)


def _digits(number: str) -> str:
    return re.sub(r"\D", "", number)


def _same_number(a: str, b: str) -> bool:
    """The same phone number, ignoring spacing and punctuation."""
    da, db = _digits(a), _digits(b)
    return bool(da) and (da == db or (da.endswith(db[-9:]) and db.endswith(da[-9:])))


def _place(
    numbers: list[tuple[str, str, str]], slots: dict[str, str], order: tuple[str, ...]
) -> list[tuple[str, str, str | None]]:
    """Place new phone numbers (key, number, own slot) into empty slots, updating `slots`.

    Each number takes its own kind of slot when that is empty; the rest then take the first empty
    slot in `order`. A number already held (ignoring formatting) is skipped; one with no empty
    slot left comes back with slot None. Results keep the order of `numbers`.
    """
    placed: dict[int, tuple[str, str, str | None]] = {}
    rest = []
    for index, (key, number, own) in enumerate(numbers):
        if any(_same_number(number, held) for held in slots.values() if held):
            continue
        if not slots.get(own):
            slots[own] = number
            placed[index] = (key, number, own)
        else:
            rest.append((index, key, number))
    for index, key, number in rest:
        if any(_same_number(number, held) for held in slots.values() if held):
            continue
        slot = next((s for s in order if not slots.get(s)), None)
        if slot:
            slots[slot] = number
        placed[index] = (key, number, slot)
    return [placed[i] for i in sorted(placed)]


def _xero_street(contact: Contact) -> Address | None:
    for kind in ("STREET", "POBOX"):
        for address in contact.addresses:
            if address.type == kind and not address.is_empty:
                return address
    return None


def plan_copy_to_xero(profile: RecordProfile, contact: Contact) -> CopyPlan:
    """Which of the record's details to add to the Xero contact."""
    plan = CopyPlan()
    first = last = email = ""
    if profile.kind == "contact":
        if profile.first_name and not contact.first_name:
            first = profile.first_name
            plan.copied.append(f"first name {first}")
        if profile.last_name and not contact.last_name:
            last = profile.last_name
            plan.copied.append(f"last name {last}")
    if profile.email and not contact.email:
        email = profile.email
        plan.copied.append(f"email {email}")

    phones = {p.type: p.number for p in contact.phones if p.number}
    preferred = {"phone": "DEFAULT", "mobile": "MOBILE"}
    wanted = [(f, n, preferred[f]) for f, n in profile.phones if n]
    added: list[Phone] = []
    for crm_field, number, slot in _place(wanted, phones, XERO_PHONE_SLOTS):
        label = profile.phone_label(crm_field)
        if slot is None:
            plan.refused.append(f"{label} {number}: every phone slot in Xero is filled")
            continue
        added.append(Phone(slot, number))
        plan.copied.append(f"{label} {number} (as Xero's {XERO_PHONE_LABELS[slot]})")

    addresses: tuple[Address, ...] = ()
    if not profile.address.is_empty and _xero_street(contact) is None:
        a = profile.address
        lines = tuple(line for line in (a.line1, a.line2) if line)
        addresses = (Address("STREET", lines, a.city, a.region, a.postal_code, a.country),)
        plan.copied.append("street address")

    if plan.copied:
        # Xero updates phones by PhoneType: send the ones it has with the new ones.
        all_phones = tuple(Phone(t, n) for t, n in phones.items()) if added else ()
        plan.draft = ContactDraft(
            first_name=first, last_name=last, email=email, phones=all_phones, addresses=addresses
        )
    return plan


def plan_copy_from_xero(profile: RecordProfile, contact: Contact) -> CopyPlan:
    """Which of the Xero contact's details to add to the record."""
    plan = CopyPlan()
    changes = plan.record_changes
    if profile.kind == "contact":
        if contact.first_name and not profile.first_name:
            changes["first_name"] = contact.first_name
            plan.copied.append(f"first name {contact.first_name}")
        if contact.last_name and not profile.last_name:
            changes["last_name"] = contact.last_name
            plan.copied.append(f"last name {contact.last_name}")
    if contact.email and not profile.email:
        try:
            validate_email(contact.email)
        except ValidationError:
            plan.refused.append(
                f"Xero's email {contact.email}: not an email address the CRM accepts"
            )
        else:
            changes["email"] = contact.email
            plan.copied.append(f"email {contact.email}")

    slots = dict(profile.phones)  # field -> number
    # In slot order (DEFAULT, MOBILE, DDI), not the order Xero lists them in (DDI comes first),
    # so a direct dial never takes the field that Xero's own phone or mobile would go to.
    wanted = [
        (p.type, p.number, "mobile" if p.type == "MOBILE" else "phone")
        for p in sorted(
            (p for p in contact.phones if p.type in XERO_PHONE_SLOTS),
            key=lambda p: XERO_PHONE_SLOTS.index(p.type),
        )
        if p.number
    ]
    for xero_type, number, target in _place(wanted, slots, tuple(slots)):
        label = f"Xero's {XERO_PHONE_LABELS[xero_type]} {number}"
        if target is None:
            plan.refused.append(f"{label}: both phone fields in the CRM are filled")
            continue
        changes[target] = number
        plan.copied.append(f"{label} (as {profile.phone_label(target)})")

    street = _xero_street(contact)
    if street and profile.address.is_empty:
        line1 = street.lines[0] if street.lines else ""
        line2 = ", ".join(street.lines[1:])
        values = (line1, line2, street.city, street.region, street.postal_code, street.country)
        changes.update({f: v for f, v in zip(ADDRESS_FIELDS, values, strict=True) if v})
        plan.copied.append("street address" if street.type == "STREET" else "postal address")
    return plan


def describe(plan: CopyPlan, *, direction: str) -> str:
    """One sentence saying exactly what was copied."""
    if not plan.copied:
        return f"Nothing to copy {direction}: the other side already has everything."
    return f"Copied {direction}: " + "; ".join(plan.copied) + "."
