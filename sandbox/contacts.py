"""Contacts: validation, saving and serialisation in Xero's shape.

https://developer.xero.com/documentation/api/accounting/contacts
"""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q, Sum
from django.utils import timezone

from sandbox import wire
from sandbox.models import Contact, Invoice, Organisation
from sandbox.where import Field

# https://developer.xero.com/documentation/api/accounting/types#phones
PHONE_TYPES = ("DEFAULT", "DDI", "FAX", "MOBILE")
# https://developer.xero.com/documentation/api/accounting/types#addresses
ADDRESS_TYPES = ("STREET", "POBOX")
STATUSES = ("ACTIVE", "ARCHIVED")
# Xero keeps up to 5 people on a contact (ContactPersons).
MAX_CONTACT_PERSONS = 5
PHONE_FIELDS = {"PhoneNumber": 50, "PhoneAreaCode": 10, "PhoneCountryCode": 20}
ADDRESS_FIELDS = {
    "AddressLine1": 500,
    "AddressLine2": 500,
    "AddressLine3": 500,
    "AddressLine4": 500,
    "City": 255,
    "Region": 255,
    "PostalCode": 50,
    "Country": 50,
    "AttentionTo": 255,
}
# Scalar fields: JSON name -> (model column, max length).
SCALARS = {
    "Name": ("name", 255),
    "FirstName": ("first_name", 255),
    "LastName": ("last_name", 255),
    "EmailAddress": ("email", 255),
    "ContactNumber": ("contact_number", 50),
    "AccountNumber": ("account_number", 50),
    "CompanyNumber": ("company_number", 50),
    "TaxNumber": ("tax_number", 50),
    "BankAccountDetails": ("bank_account_details", 255),
    "DefaultCurrency": ("default_currency", 3),
}
DOCUMENT_SCALARS = (
    "Website",
    "XeroNetworkKey",
    "SalesDefaultAccountCode",
    "PurchasesDefaultAccountCode",
    "AccountsReceivableTaxType",
    "AccountsPayableTaxType",
    "SalesDefaultLineAmountType",
    "PurchasesDefaultLineAmountType",
)
# https://developer.xero.com/documentation/api/accounting/types#payment-terms
LINE_AMOUNT_TYPE_DEFAULTS = ("INCLUSIVE", "EXCLUSIVE", "NONE")
PAYMENT_TERM_TYPES = (
    "DAYSAFTERBILLDATE",
    "DAYSAFTERBILLMONTH",
    "OFCURRENTMONTH",
    "OFFOLLOWINGMONTH",
)
EMAIL_RE = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")

# Fields that `where` and `order` may name, with their columns.
FIELDS = {
    "ContactID": Field("guid", "contact_id"),
    "ContactNumber": Field("string", "contact_number"),
    "AccountNumber": Field("string", "account_number"),
    "ContactStatus": Field("string", "status"),
    "Name": Field("string", "name"),
    "FirstName": Field("string", "first_name"),
    "LastName": Field("string", "last_name"),
    "EmailAddress": Field("string", "email"),
    "CompanyNumber": Field("string", "company_number"),
    "TaxNumber": Field("string", "tax_number"),
    "BankAccountDetails": Field("string", "bank_account_details"),
    "DefaultCurrency": Field("string", "default_currency"),
    "IsSupplier": Field("bool", "is_supplier"),
    "IsCustomer": Field("bool", "is_customer"),
    "UpdatedDateUTC": Field("datetime", "updated"),
}


@dataclass
class Outcome:
    """The result of validating one submitted contact: the unsaved row or the error messages."""

    submitted: Mapping[str, Any]
    contact: Contact | None = None
    errors: list[str] = field(default_factory=list)
    created: bool = False


# ------------------------------------------------------------------------------- serialising


def serialize(
    contact: Contact, *, summary: bool = False, balances: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The contact as Xero returns it; `summary` is the summaryOnly shape."""
    data: dict[str, Any] = {"ContactID": str(contact.contact_id), "ContactStatus": contact.status}
    for name, (column, _) in SCALARS.items():
        value = getattr(contact, column)
        if value or name in ("Name", "BankAccountDetails"):
            data[name] = value
    doc = contact.document
    if not summary:
        for name in DOCUMENT_SCALARS:
            if doc.get(name):
                data[name] = doc[name]
        data["Addresses"] = doc.get("Addresses") or _blank_addresses()
        data["Phones"] = doc.get("Phones") or _blank_phones()
    data["UpdatedDateUTC"] = wire.ms_datetime(contact.updated)
    if not summary:
        data["ContactGroups"] = []
    data["IsSupplier"] = contact.is_supplier
    data["IsCustomer"] = contact.is_customer
    if not summary:
        data["SalesTrackingCategories"] = []
        data["PurchasesTrackingCategories"] = []
        data["ContactPersons"] = doc.get("ContactPersons", [])
        if doc.get("PaymentTerms"):
            data["PaymentTerms"] = doc["PaymentTerms"]
        if balances is not None:
            data["Balances"] = balances
    data["HasAttachments"] = False
    data["HasValidationErrors"] = False
    return data


def reference(contact: Contact) -> dict[str, Any]:
    """The short contact that list answers embed in an invoice."""
    return {
        "ContactID": str(contact.contact_id),
        "Name": contact.name,
        "Addresses": [],
        "Phones": [],
        "ContactGroups": [],
        "ContactPersons": [],
        "HasValidationErrors": False,
    }


def balances_for(contacts: Iterable[Contact]) -> dict[int, dict[str, Any]]:
    """Outstanding and overdue amounts of AUTHORISED invoices and bills, per contact pk."""
    pks = [c.pk for c in contacts]
    today = timezone.now().date()
    rows = (
        Invoice.objects.filter(contact_id__in=pks, status="AUTHORISED")
        .values("contact_id", "type")
        .annotate(
            outstanding=Sum("amount_due"),
            overdue=Sum("amount_due", filter=Q(due_date__lt=today)),
        )
    )
    totals: dict[int, dict[str, tuple[Decimal, Decimal]]] = defaultdict(dict)
    for row in rows:
        totals[row["contact_id"]][row["type"]] = (row["outstanding"], row["overdue"] or 0)
    result = {}
    for pk in pks:
        receivable = totals[pk].get("ACCREC", (0, 0))
        payable = totals[pk].get("ACCPAY", (0, 0))
        result[pk] = {
            "AccountsReceivable": {
                "Outstanding": wire.money(receivable[0]),
                "Overdue": wire.money(receivable[1]),
            },
            "AccountsPayable": {
                "Outstanding": wire.money(payable[0]),
                "Overdue": wire.money(payable[1]),
            },
        }
    return result


def _blank_addresses() -> list[dict[str, str]]:
    return [
        {"AddressType": t, "City": "", "Region": "", "PostalCode": "", "Country": ""}
        for t in ADDRESS_TYPES
    ]


def _blank_phones() -> list[dict[str, str]]:
    return [
        {"PhoneType": t, "PhoneNumber": "", "PhoneAreaCode": "", "PhoneCountryCode": ""}
        for t in PHONE_TYPES
    ]


def search_text(contact: Contact) -> str:
    """The lowercased text that searchTerm matches: Name, FirstName, LastName, number, email."""
    parts = (contact.name, contact.first_name, contact.last_name, contact.contact_number)
    return "\n".join(p.lower() for p in (*parts, contact.email) if p)


def fill_columns(contact: Contact) -> Contact:
    """Set the derived columns (lowercased name and email, search text)."""
    contact.name_lower = contact.name.lower()
    contact.email_lower = contact.email.lower()
    contact.search_text = search_text(contact)
    return contact


# -------------------------------------------------------------------------------- validating


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        raise ValueError("not text")
    return wire.clean_text(str(value)).strip()


def merge_typed(
    current: list[dict[str, Any]],
    given: Any,
    key: str,
    types: tuple[str, ...],
    limits: Mapping[str, int],
    errors: list[str],
) -> list[dict[str, Any]]:
    """Submitted Phones/Addresses over the current ones, as Xero does on an update: a type not
    submitted keeps its entry; a submitted entry replaces its type's entry whole (a part left
    out, e.g. PhoneAreaCode, is emptied); the last entry of a type wins."""
    by_type = {entry[key]: dict(entry) for entry in current}
    if not isinstance(given, list):
        errors.append(f"{'Phones' if key == 'PhoneType' else 'Addresses'} must be a list.")
        return current
    for entry in given:
        kind = str(entry.get(key, "")).upper() if isinstance(entry, dict) else ""
        if kind not in types:
            errors.append(f"{key} must be one of {', '.join(types)}.")
            continue
        merged: dict[str, Any] = {key: kind}
        for name, limit in limits.items():
            if name in entry:
                try:
                    value = _text(entry[name])
                except ValueError:
                    errors.append(f"{name} is not valid.")
                    continue
                if len(value) > limit:
                    errors.append(f"{name} must be {limit} characters or less.")
                merged[name] = value
        by_type[kind] = merged
    return [_complete(by_type.get(t, {key: t}), key, limits) for t in types]


def _complete(entry: dict[str, Any], key: str, limits: Mapping[str, int]) -> dict[str, Any]:
    """An entry with the fields Xero always returns for it (empty strings when unset)."""
    always = (
        ("PhoneNumber", "PhoneAreaCode", "PhoneCountryCode")
        if key == "PhoneType"
        else ("City", "Region", "PostalCode", "Country")
    )
    result = {key: entry[key]}
    for name in limits:
        if entry.get(name) or name in always:
            result[name] = entry.get(name, "")
    return result


def _apply_scalars(contact: Contact, data: Mapping[str, Any], errors: list[str]) -> None:
    for name, (column, limit) in SCALARS.items():
        if name not in data:
            continue
        try:
            value = _text(data[name])
        except ValueError:
            errors.append(f"{name} is not valid.")
            continue
        if len(value) > limit:
            errors.append(f"{name} must be {limit} characters or less.")
        setattr(contact, column, value)
    for name in DOCUMENT_SCALARS:
        if name in data:
            try:
                contact.document[name] = _text(data[name])
            except ValueError:
                errors.append(f"{name} is not valid.")
    for name in ("SalesDefaultLineAmountType", "PurchasesDefaultLineAmountType"):
        value = contact.document.get(name)
        if name in data and value and value not in LINE_AMOUNT_TYPE_DEFAULTS:
            errors.append(f"{name} must be one of {', '.join(LINE_AMOUNT_TYPE_DEFAULTS)}.")
    if "PaymentTerms" in data:
        terms = payment_terms(data["PaymentTerms"], errors)
        if terms is not None:
            contact.document["PaymentTerms"] = terms


def payment_terms(given: Any, errors: list[str]) -> dict[str, Any] | None:
    """PaymentTerms {"Sales": {"Day": n, "Type": ...}, "Bills": {...}} checked, or None."""
    if not isinstance(given, Mapping):
        errors.append("PaymentTerms is not valid.")
        return None
    terms: dict[str, Any] = {}
    for side in ("Bills", "Sales"):
        entry = given.get(side)
        if entry is None:
            continue
        kind = str(entry.get("Type") or "").upper() if isinstance(entry, Mapping) else ""
        try:
            day = int(entry.get("Day")) if isinstance(entry, Mapping) else -1
        except (TypeError, ValueError):
            day = -1
        if kind not in PAYMENT_TERM_TYPES or not 0 <= day <= 999:
            errors.append(f"PaymentTerms {side} must have a Day and a Type of "
                          f"{', '.join(PAYMENT_TERM_TYPES)}.")  # fmt: skip
            continue
        terms[side] = {"Day": day, "Type": kind}
    return terms


def _apply_collections(contact: Contact, data: Mapping[str, Any], errors: list[str]) -> None:
    doc = contact.document
    if "Phones" in data:
        doc["Phones"] = merge_typed(
            doc.get("Phones") or _blank_phones(),
            data["Phones"],
            "PhoneType",
            PHONE_TYPES,
            PHONE_FIELDS,
            errors,
        )
    if "Addresses" in data:
        doc["Addresses"] = merge_typed(
            doc.get("Addresses") or _blank_addresses(),
            data["Addresses"],
            "AddressType",
            ADDRESS_TYPES,
            ADDRESS_FIELDS,
            errors,
        )
    if "ContactPersons" in data:
        doc["ContactPersons"] = _persons(data["ContactPersons"], errors)


def _persons(given: Any, errors: list[str]) -> list[dict[str, Any]]:
    """The submitted ContactPersons, which replace the contact's whole list (at most 5)."""
    if not isinstance(given, list) or not all(isinstance(p, dict) for p in given):
        errors.append("ContactPersons is not valid.")
        return []
    if len(given) > MAX_CONTACT_PERSONS:
        errors.append(f"A contact can have at most {MAX_CONTACT_PERSONS} contact persons.")
    persons = []
    for person in given:
        entry = {k: _text(person.get(k)) for k in ("FirstName", "LastName", "EmailAddress")}
        entry["IncludeInEmails"] = bool(person.get("IncludeInEmails", False))
        persons.append(entry)
    return persons


def _check_rules(
    contact: Contact, data: Mapping[str, Any], taken_names: set[str], errors: list[str]
) -> None:
    """Xero's rules on status, name and email address."""
    if "ContactStatus" in data:
        status = str(data["ContactStatus"] or "").upper()
        if status not in STATUSES:
            errors.append("ContactStatus must be ACTIVE or ARCHIVED.")
        else:
            contact.status = status
    if not contact.name:
        errors.append("The contact name must be specified.")
    elif contact.status == "ACTIVE" and contact.name.lower() in taken_names:
        # https://developer.xero.com/documentation/api/accounting/contacts (example 400 answer)
        errors.append(
            f"The contact name {contact.name} is already assigned to another contact. "
            "The contact name must be unique across all active contacts."
        )
    if contact.email and not (contact.email.isascii() and EMAIL_RE.match(contact.email)):
        errors.append("Email address must be valid.")
    if contact.default_currency and not re.fullmatch(r"[A-Z]{3}", contact.default_currency):
        errors.append("DefaultCurrency must be a three-letter currency code.")


def validate(
    organisation: Organisation,
    data: Any,
    existing: Contact | None,
    taken_names: set[str],
) -> Outcome:
    """Apply submitted fields to `existing` (or a new contact) and check Xero's rules."""
    if not isinstance(data, dict):
        return Outcome({}, errors=["A contact must be a JSON object."])
    contact = existing or Contact(
        organisation=organisation, contact_id=uuid.uuid4(), status="ACTIVE", document={}
    )
    contact.document = dict(contact.document)
    errors: list[str] = []
    _apply_scalars(contact, data, errors)
    _apply_collections(contact, data, errors)
    own_name = existing.name_lower if existing and existing.status == "ACTIVE" else None
    _check_rules(contact, data, taken_names - {own_name}, errors)
    contact.updated = timezone.now()
    fill_columns(contact)
    return Outcome(data, contact, errors, created=existing is None)


def active_names(organisation: Organisation) -> set[str]:
    """Lowercased names of the organisation's active contacts."""
    rows = Contact.objects.filter(organisation=organisation, status="ACTIVE")
    return set(rows.values_list("name_lower", flat=True))


def error_element(outcome: Outcome) -> dict[str, Any]:
    """A failing element as Xero echoes it: the submitted fields plus ValidationErrors."""
    element = wire.scrub(dict(outcome.submitted)) if isinstance(outcome.submitted, Mapping) else {}
    element.setdefault("ContactID", "00000000-0000-0000-0000-000000000000")
    element["HasValidationErrors"] = True
    element["ValidationErrors"] = [{"Message": message} for message in outcome.errors]
    return element


def validate_batch(
    organisation: Organisation, items: list[Any], *, path_contact: Contact | None = None
) -> list[Outcome]:
    """Validate submitted contacts in order, each seeing the names the earlier ones take."""
    taken = active_names(organisation)
    outcomes = []
    for item in items:
        existing = path_contact or _existing(organisation, item)
        outcome = validate(organisation, item, existing, taken)
        if outcome.contact and not outcome.errors and outcome.contact.status == "ACTIVE":
            if existing is not None and existing.status == "ACTIVE":
                taken.discard(existing.name_lower)
            taken.add(outcome.contact.name_lower)
        outcomes.append(outcome)
    return outcomes


def _existing(organisation: Organisation, item: Any) -> Contact | None:
    """The contact a submitted ContactID names in this organisation, if any."""
    if not isinstance(item, dict) or not item.get("ContactID"):
        return None
    try:
        contact_id = uuid.UUID(str(item["ContactID"]))
    except ValueError:
        return None
    return Contact.objects.filter(organisation=organisation, contact_id=contact_id).first()
