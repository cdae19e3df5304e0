"""Xero's official OpenAPI specs, read from ../shared/xero/ (never copied into the project)."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
SPEC_DIR = Path(os.environ.get("XERO_SPEC_DIR", ROOT.parent / "shared" / "xero"))


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """YAML without timestamp parsing: the spec's date strings stay strings, as on the wire."""


_Loader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@cache
def spec(name: str = "xero_accounting.yaml") -> dict[str, Any]:
    """The parsed spec file."""
    return yaml.load((SPEC_DIR / name).read_text(), Loader=_Loader)


def operation(operation_id: str, name: str = "xero_accounting.yaml") -> dict[str, Any]:
    """The spec's operation object with this operationId."""
    for path_item in spec(name)["paths"].values():
        for method, op in path_item.items():
            if isinstance(op, dict) and op.get("operationId") == operation_id:
                return {**op, "_method": method}
    raise KeyError(operation_id)


def example(operation_id: str, status: str = "200", name: str = "xero_accounting.yaml") -> Any:
    """The example response body the spec gives for an operation (a real Xero payload)."""
    response = operation(operation_id, name)["responses"][status]
    if "$ref" in response:
        response = spec(name)["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    return response["content"]["application/json"]["example"]
