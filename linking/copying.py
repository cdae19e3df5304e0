"""Copying contact details between a CRM record and a Xero contact: adding, never overwriting.

A field filled on the target side is never replaced. A phone number goes into the first empty
phone slot (its own kind of slot first); a number already on the target side is not copied again;
a number with nowhere to go is reported by name. An address is copied into an empty one (Xero's
street address first), or completes the other side's address where its parts are empty, when
the parts both sides hold agree; a different address is left alone, and its parts named. Copy to
Xero also adds an organization's CRM contacts as Xero contact persons, up to Xero's 5.

What Xero already holds is sent back exactly as Xero gave it (every part of every phone, address
and person) or not at all, whether Xero merges or replaces what it is sent: a copy changes
nothing there but the empty slots it fills. Every value not copied is said, with why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from linking.records import ADDRESS_FIELDS, RecordAddress, RecordPerson, RecordProfile
from linking.xero import Address, Contact, ContactDraft, ContactPerson, Phone

# Xero's phone slots (PhoneType) that hold a phone number, in the order they are filled.
XERO_PHONE_SLOTS = ("DEFAULT", "MOBILE", "DDI")
XERO_PHONE_LABELS = {"DEFAULT": "phone", "MOBILE": "mobile", "DDI": "direct dial", "FAX": "fax"}
XERO_ADDRESS_LABELS = {"STREET": "street address", "POBOX": "postal address"}
# Xero keeps up to 5 people on a contact (ContactPersons).
XERO_MAX_PERSONS = 5
# An address's parts, in the order of the CRM's ADDRESS_FIELDS: (part, label).
ADDRESS_PARTS = (
    ("line1", "street"),
    ("line2", "address line 2"),
    ("city", "city"),
    ("region", "region"),
    ("postal_code", "postal code"),
    ("country", "country"),
)


@dataclass
class CopyPlan:
    """What a copy would change, and what it could not place."""

    copied: list[str] = field(default_factory=list)
    # Could not be copied for want of room or form ("<what>: <why>").
    refused: list[str] = field(default_factory=list)
    # Whole sentences about what could not be added, e.g. beyond Xero's 5 contact persons.
    not_added: list[str] = field(default_factory=list)
    # Left alone because the other side holds its own value: whole sentences.
    kept: list[str] = field(default_factory=list)
    # A part left empty on the other side (its address is another one): not "has everything".
    gaps_left: bool = False
    # Copy to Xero: the contact update to send. Copy from Xero: the record fields to set.
    draft: ContactDraft | None = None
    record_changes: dict[str, str] = field(default_factory=dict)

    @property
    def changes_anything(self) -> bool:
        return bool(self.copied)

    @property
    def not_copied(self) -> list[str]:
        """Everything not copied, with why: refusals, then what was left alone."""
        return [*self.refused, *self.not_added, *self.kept]


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


def _same(a: str, b: str) -> bool:
    """The same words, ignoring case, spacing and surrounding punctuation."""
    return _folded(a) == _folded(b)


def _folded(value: str) -> str:
    return " ".join(value.casefold().split()).strip(" ,.")


def _series(items: list[str]) -> str:
    """Items joined for reading: a; a and b; a, b and c."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _xero_street(contact: Contact) -> Address | None:
    """Xero's street address, else its postal address, when not empty."""
    for kind in ("STREET", "POBOX"):
        for address in contact.addresses:
            if address.type == kind and not address.is_empty:
                return address
    return None


def _crm_parts(address: RecordAddress) -> dict[str, str]:
    return {part: getattr(address, part) for part, _ in ADDRESS_PARTS}


def _xero_parts(address: Address) -> dict[str, str]:
    """A Xero address in the CRM's parts: its first line the street, the others line 2."""
    lines = address.lines
    return {
        "line1": lines[0] if lines else "",
        "line2": ", ".join(line for line in lines[1:] if line),
        "city": address.city,
        "region": address.region,
        "postal_code": address.postal_code,
        "country": address.country,
    }


def _one_line(parts: dict[str, str]) -> str:
    return ", ".join(value for value in parts.values() if value)


def _disagree(ours: dict[str, str], theirs: dict[str, str]) -> bool:
    """Another address: a part that both hold differs."""
    return any(ours[p] and theirs[p] and not _same(ours[p], theirs[p]) for p, _ in ADDRESS_PARTS)


def _address_plan(
    plan: CopyPlan,
    source: dict[str, str],
    target: dict[str, str],
    *,
    held_by: str,
    of: str = "",
) -> dict[str, str]:
    """The parts of `source` to put into `target`'s empty parts; none when `target` is another
    address (a part both hold differs), and then `plan.kept` names the parts (`of` says whose)."""
    if not _disagree(source, target):
        return {p: v for p, v in source.items() if v and not target[p]}
    plan.gaps_left |= any(source[p] and not target[p] for p, _ in ADDRESS_PARTS)
    left = [label for part, label in ADDRESS_PARTS
            if source[part] and not _same(source[part], target[part])]  # fmt: skip
    why = f"{held_by} already has an address ({_one_line(target)})"
    plan.kept.append(f"{_series(left).capitalize()}{of} not copied: {why}.")
    return {}


def _completed(address: Address, fill: dict[str, str]) -> Address:
    """`address` with these empty parts filled, everything else exactly as it was."""
    lines = list(address.lines)
    for index, part in enumerate(("line1", "line2")):
        if part in fill:
            lines += [""] * (index + 1 - len(lines))
            lines[index] = fill[part]
    return replace(
        address,
        lines=tuple(lines),
        **{p: fill[p] for p in ("city", "region", "postal_code", "country") if p in fill},
    )


def _named_parts(fill: dict[str, str]) -> str:
    return _series([f"{label} {fill[part]}" for part, label in ADDRESS_PARTS if part in fill])


def _address_to_xero(
    profile: RecordProfile, contact: Contact, plan: CopyPlan
) -> tuple[Address, ...]:
    """The addresses to send: the one completed, with the others exactly as Xero has them."""
    ours = _crm_parts(profile.address)
    if not any(ours.values()):
        return ()
    held = [a for a in contact.addresses if not a.is_empty]
    street = next((a for a in held if a.type == "STREET"), None)
    postal = next((a for a in held if a.type == "POBOX"), None)
    if street is None and postal is not None:
        plan.gaps_left = True
        plan.kept.append(
            f"Address not copied: Xero already has a postal address "
            f"({_one_line(_xero_parts(postal))})."
        )
        return ()
    if street is None:
        plan.copied.append("street address")
        lines = tuple(line for line in (ours["line1"], ours["line2"]) if line)
        a = profile.address
        return (Address("STREET", lines, a.city, a.region, a.postal_code, a.country),)
    fill = _address_plan(plan, ours, _xero_parts(street), held_by="Xero")
    if not fill:
        return ()
    plan.copied.append(f"{_named_parts(fill)} (added to Xero's street address)")
    return tuple(_completed(a, fill) if a is street else a for a in held)


def _address_from_xero(profile: RecordProfile, contact: Contact, plan: CopyPlan) -> None:
    """Xero's street (else postal) address into an empty CRM address, or its parts into the
    empty parts of the same address."""
    source = _xero_street(contact)
    if source is None:
        return
    label = XERO_ADDRESS_LABELS.get(source.type, "address")
    theirs, ours = _xero_parts(source), _crm_parts(profile.address)
    fields = dict(zip((p for p, _ in ADDRESS_PARTS), ADDRESS_FIELDS, strict=True))
    if not any(ours.values()):
        plan.record_changes.update({fields[p]: v for p, v in theirs.items() if v})
        plan.copied.append(label)
        return
    fill = _address_plan(plan, theirs, ours, held_by="the CRM", of=f" of Xero's {label}")
    if fill:
        plan.record_changes.update({fields[p]: v for p, v in fill.items()})
        plan.copied.append(f"{_named_parts(fill)} (from Xero's {label})")


def _kept_field(plan: CopyPlan, label: str, ours: str, theirs: str, *, held_by: str) -> None:
    """Say that a value was not copied over the other side's own, when they differ."""
    if ours and theirs and not _same(ours, theirs):
        plan.kept.append(f"{label} not copied: {held_by} already has {theirs}.")


def _is_known(person: RecordPerson, known: list[ContactPerson]) -> bool:
    """The person is one of `known`: the same email, or the same name where one has no email."""
    for held in known:
        if person.email and held.email and _same(person.email, held.email):
            return True
        if person.name and _same(person.name, held.name) and not (person.email and held.email):
            return True
    return False


def _persons_to_xero(
    profile: RecordProfile, contact: Contact, plan: CopyPlan
) -> tuple[ContactPerson, ...]:
    """Xero's contact persons exactly as they are, and the organization's CRM contacts it lacks,
    up to Xero's 5; or () when none is added."""
    known = [ContactPerson(contact.first_name, contact.last_name, contact.email), *contact.persons]
    new: list[RecordPerson] = []
    for person in profile.people:
        if person.name and not _is_known(person, known):
            new.append(person)  # once, however often the CRM has it
            known.append(ContactPerson(person.first_name, person.last_name, person.email))
    room = max(0, XERO_MAX_PERSONS - len(contact.persons))
    added, left = new[:room], new[room:]
    for person in added:
        email = f" ({person.email})" if person.email else ""
        plan.copied.append(f"contact person {person.name}{email}")
    if left:
        people = "1 person" if len(left) == 1 else f"{len(left)} people"
        names = _series([p.name for p in left])
        plan.not_added.append(
            f"{people} not added: Xero allows {XERO_MAX_PERSONS} contact persons ({names})."
        )
    if not added:
        return ()
    return (*contact.persons, *(ContactPerson(p.first_name, p.last_name, p.email) for p in added))


def plan_copy_to_xero(profile: RecordProfile, contact: Contact) -> CopyPlan:
    """Which of the record's details to add to the Xero contact."""
    plan = CopyPlan()
    first = last = email = ""
    if profile.kind == "contact":
        if profile.first_name and not contact.first_name:
            first = profile.first_name
            plan.copied.append(f"first name {first}")
        _kept_field(plan, "First name", profile.first_name, contact.first_name, held_by="Xero")
        if profile.last_name and not contact.last_name:
            last = profile.last_name
            plan.copied.append(f"last name {last}")
        _kept_field(plan, "Last name", profile.last_name, contact.last_name, held_by="Xero")
    if profile.email and not contact.email:
        email = profile.email
        plan.copied.append(f"email {email}")
    _kept_field(plan, "Email", profile.email, contact.email, held_by="Xero")

    held = {p.type: p for p in contact.phones if not p.is_empty}
    slots = {kind: p.display for kind, p in held.items()}
    preferred = {"phone": "DEFAULT", "mobile": "MOBILE"}
    wanted = [(f, n, preferred[f]) for f, n in profile.phones if n]
    added: list[Phone] = []
    for crm_field, number, slot in _place(wanted, slots, XERO_PHONE_SLOTS):
        label = profile.phone_label(crm_field)
        if slot is None:
            plan.refused.append(f"{label} {number}: every phone slot in Xero is filled")
            continue
        added.append(Phone(slot, number))
        plan.copied.append(f"{label} {number} (as Xero's {XERO_PHONE_LABELS[slot]})")

    addresses = _address_to_xero(profile, contact, plan)
    persons = _persons_to_xero(profile, contact, plan)

    if plan.copied:
        # Xero's own phones go back exactly as Xero gave them (every part), beside the new ones.
        phones = (*held.values(), *added) if added else ()
        plan.draft = ContactDraft(
            first_name=first,
            last_name=last,
            email=email,
            phones=phones,
            addresses=addresses,
            persons=persons,
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
        _kept_field(plan, "Xero's first name", contact.first_name, profile.first_name,
                    held_by="the CRM")  # fmt: skip
        if contact.last_name and not profile.last_name:
            changes["last_name"] = contact.last_name
            plan.copied.append(f"last name {contact.last_name}")
        _kept_field(plan, "Xero's last name", contact.last_name, profile.last_name,
                    held_by="the CRM")  # fmt: skip
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
    _kept_field(plan, "Xero's email", contact.email, profile.email, held_by="the CRM")

    slots = dict(profile.phones)  # field -> number
    # In slot order (DEFAULT, MOBILE, DDI), not the order Xero lists them in (DDI comes first),
    # so a direct dial never takes the field that Xero's own phone or mobile would go to.
    wanted = [
        (p.type, p.display, "mobile" if p.type == "MOBILE" else "phone")
        for p in sorted(
            (p for p in contact.phones if p.type in XERO_PHONE_SLOTS),
            key=lambda p: XERO_PHONE_SLOTS.index(p.type),
        )
        if not p.is_empty
    ]
    for xero_type, number, target in _place(wanted, slots, tuple(slots)):
        label = f"Xero's {XERO_PHONE_LABELS[xero_type]} {number}"
        if target is None:
            plan.refused.append(f"{label}: both phone fields in the CRM are filled")
            continue
        changes[target] = number
        plan.copied.append(f"{label} (as {profile.phone_label(target)})")

    _address_from_xero(profile, contact, plan)
    return plan


def describe(plan: CopyPlan, *, direction: str) -> str:
    """One sentence saying exactly what was copied."""
    if not plan.copied:
        if plan.gaps_left or plan.refused or plan.not_added:
            return f"Nothing copied {direction}."
        return f"Nothing to copy {direction}: the other side already has everything."
    return f"Copied {direction}: " + "; ".join(plan.copied) + "."


def describe_refusals(plan: CopyPlan) -> str:
    """What could not be copied for want of room or form, with why; "" when nothing."""
    said = ["Not copied: " + "; ".join(plan.refused) + "."] if plan.refused else []
    return " ".join([*said, *plan.not_added])
