"""Read settings from the environment, refusing bad values with ImproperlyConfigured.

Secrets may also come from a file: for NAME, the variable NAME_FILE may hold a path whose
contents are the value (the Docker secrets convention).
"""

from __future__ import annotations

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def env(name: str, default: str = "") -> str:
    """The variable's value (or the contents of the file NAME_FILE names), else default."""
    if name in os.environ:
        return os.environ[name].strip()
    path = os.environ.get(f"{name}_FILE")
    if path:
        try:
            return Path(path).read_text().strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE={path!r} cannot be read: {exc}") from exc
    return default


def envbool(name: str, default: bool) -> bool:
    """A boolean: 1/true/yes/on or 0/false/no/off (any case); empty means default."""
    value = env(name).lower()
    if not value:
        return default
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean: use true or false.")


def envint(name: str, default: int, *, minimum: int | None = None) -> int:
    """An integer, optionally with a lower bound; empty means default."""
    value = env(name)
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number.") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name}={number} is below the minimum of {minimum}.")
    return number


def envlist(name: str, default: list[str]) -> list[str]:
    """A comma- or space-separated list; empty means default."""
    value = env(name)
    if not value:
        return list(default)
    return [item for item in value.replace(",", " ").split() if item]


def envurl(name: str, default: str, *, schemes: tuple[str, ...] = ("http", "https")) -> str:
    """A URL with one of the given schemes, without a trailing slash; empty means default."""
    value = env(name) or default
    if not value:
        return value
    scheme, sep, rest = value.partition("://")
    if not sep or scheme.lower() not in schemes or not rest.strip("/"):
        allowed = ", ".join(f"{s}://" for s in schemes)
        raise ImproperlyConfigured(f"{name}={value!r} is not a URL starting with {allowed}.")
    return value.rstrip("/")
