"""Xero's official OpenAPI specs (../shared/xero/) as strict JSON Schema validators.

Adaptations: OpenAPI component refs resolve inside the loaded document; string fields marked
`x-is-msdate`/`x-is-msdate-time` must look like `/Date(1539993600000+0000)/`; `format: uuid` is
checked; and object schemas reject keys they do not list (so a misspelt key fails), except for
the keys that real Xero answers carry beyond the spec (listed in EXTRA_KEYS).
"""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from jsonschema import Draft202012Validator, FormatChecker

ROOT = Path(__file__).resolve().parents[2]
SPEC_DIR = ROOT.parent / "shared" / "xero"
MS_DATE_PATTERN = r"^/Date\(-?\d+([+-]\d{4})?\)/$"
ENVELOPE = {"Id": {"type": "string"}, "Status": {"const": "OK"}, "ProviderName": {"type": "string"},
            "DateTimeUTC": {"type": "string", "pattern": MS_DATE_PATTERN}}  # fmt: skip
EXTRA_KEYS = {
    "Organisations": ENVELOPE,
    "Contacts": ENVELOPE,
    "Invoices": ENVELOPE,
    "CreditNotes": ENVELOPE,
    "Allocations": ENVELOPE,
    "Items": ENVELOPE,
    "Accounts": ENVELOPE,
    "TaxRates": ENVELOPE,
    "TrackingCategories": ENVELOPE,
    "BrandingThemes": ENVELOPE,
    "Currencies": ENVELOPE,
    "OnlineInvoices": ENVELOPE,
    # Xero sends a readable twin of each invoice date, and empty ValidationErrors on lines.
    "Invoice": {"DateString": {"type": "string"}, "DueDateString": {"type": "string"}},
    # ... and of credit note dates, with the CreditNoteID repeated as ID (the spec's examples).
    "CreditNote": {
        "ID": {"type": "string", "format": "uuid"},
        "DateString": {"type": "string"},
        "DueDateString": {"type": "string"},
    },
    "LineItem": {"ValidationErrors": {"type": "array"}},
    # The token endpoint also answers with the granted scope (space-separated).
    "AccessToken": {"scope": {"type": "string"}},
}
# Error elements echo whatever element was submitted, so they stay open.
OPEN_SCHEMAS = {"Element", "Error"}


def _load(name: str) -> dict[str, Any]:
    with (SPEC_DIR / name).open() as f:
        return yaml.load(f, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def _tighten(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    schema = copy.deepcopy(schema)
    for prop in schema.get("properties", {}).values():
        if prop.get("x-is-msdate") or prop.get("x-is-msdate-time"):
            prop["pattern"] = MS_DATE_PATTERN
    if "properties" in schema and name not in OPEN_SCHEMAS:
        schema["properties"].update(EXTRA_KEYS.get(name, {}))
        schema["additionalProperties"] = False
    return schema


@functools.cache
def accounting_spec() -> dict[str, Any]:
    """xero_accounting.yaml with its component schemas tightened."""
    spec = _load("xero_accounting.yaml")
    schemas = spec["components"]["schemas"]
    spec["components"]["schemas"] = {n: _tighten(n, s) for n, s in schemas.items()}
    return spec


@functools.cache
def identity_spec() -> dict[str, Any]:
    spec = _load("xero-identity.yaml")
    schemas = spec["components"]["schemas"]
    spec["components"]["schemas"] = {n: _tighten(n, s) for n, s in schemas.items()}
    return spec


@functools.cache
def webhooks_spec() -> dict[str, Any]:
    return _load("xero-webhooks.yaml")


def _format_checker() -> FormatChecker:
    checker = FormatChecker(formats=())
    checker.checks("uuid", raises=ValueError)(lambda value: _is_uuid(value))
    return checker


def _is_uuid(value: object) -> bool:
    import uuid

    if isinstance(value, str):
        uuid.UUID(value)
    return True


def validate(document: Any, spec: dict[str, Any], schema: dict[str, Any]) -> None:
    """Validate against `schema`, whose #/components/... refs resolve inside `spec`."""
    root = {**schema, "components": spec["components"]}
    validator = Draft202012Validator(root, format_checker=_format_checker())
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    if errors:
        details = "\n".join(
            f"{'/'.join(map(str, e.absolute_path))}: {e.message[:300]}" for e in errors[:10]
        )
        raise jsonschema.ValidationError(f"{len(errors)} schema errors:\n{details}")


def response_schema(path: str, method: str, status: str = "200") -> dict[str, Any]:
    """The JSON response schema the accounting spec declares for an operation."""
    spec = accounting_spec()
    response = spec["paths"][path][method]["responses"][status]
    if "$ref" in response:
        response = spec["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    return response["content"]["application/json"]["schema"]


def validate_accounting(document: Any, path: str, method: str, status: str = "200") -> None:
    """Validate an Accounting answer against its operation's response schema."""
    validate(document, accounting_spec(), response_schema(path, method, status))
