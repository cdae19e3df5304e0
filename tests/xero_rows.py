"""The sandbox's row of a Xero contact, flattened field by field, to compare before and after.

Every column and every part of every phone, address and contact person becomes one entry
("Phones.DEFAULT.PhoneAreaCode", "Addresses.STREET.City", "ContactPersons.0.EmailAddress"), so a
test can assert that a copy changed nothing but the empty slots it filled.
"""

from __future__ import annotations

from typing import Any

from sandbox.models import Contact as XeroContact

# Columns the sandbox derives from others or stamps on every write.
DERIVED = {"id", "updated", "name_lower", "email_lower", "search_text", "document"}
TYPED = {"Phones": "PhoneType", "Addresses": "AddressType"}


def contact_row(contact_id: object) -> dict[str, Any]:
    """The contact's row and document, one entry per field; an absent part reads as ""."""
    row = XeroContact.objects.get(contact_id=contact_id)
    flat: dict[str, Any] = {
        f.name: getattr(row, f.attname)
        for f in XeroContact._meta.concrete_fields
        if f.name not in DERIVED
    }
    for key, value in row.document.items():
        if key in TYPED:
            for entry in value:
                kind = entry[TYPED[key]]
                flat.update({f"{key}.{kind}.{k}": v for k, v in entry.items() if k != TYPED[key]})
        elif key == "ContactPersons":
            for index, person in enumerate(value):
                flat.update({f"{key}.{index}.{k}": v for k, v in person.items()})
        else:
            flat[key] = value
    return flat


def changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Every field whose value differs: (before, after), "" for one that is not there."""
    return {
        key: (before.get(key, ""), after.get(key, ""))
        for key in sorted(before.keys() | after.keys())
        if before.get(key, "") != after.get(key, "")
    }
