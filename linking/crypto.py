"""Encryption of Xero tokens at rest (Fernet, rotatable with MultiFernet)."""

from __future__ import annotations

import base64
import hashlib
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def _derived_key() -> bytes:
    """A Fernet key derived from SECRET_KEY, for when XERO_TOKEN_KEYS is not set."""
    digest = hashlib.sha256(b"crm_xero.xero-tokens:" + settings.SECRET_KEY.encode()).digest()
    return base64.urlsafe_b64encode(digest)


@cache
def _fernet(keys: tuple[str, ...], secret_key: str) -> MultiFernet:
    try:
        fernets = [Fernet(k.encode()) for k in keys] or [Fernet(_derived_key())]
    except ValueError as exc:
        raise ImproperlyConfigured(
            "XERO_TOKEN_KEYS must be Fernet keys (32 url-safe base64-encoded bytes each)."
        ) from exc
    return MultiFernet(fernets)


def fernet() -> MultiFernet:
    """The MultiFernet for the configured keys: encrypts with the first, decrypts with any."""
    return _fernet(tuple(settings.XERO_TOKEN_KEYS), settings.SECRET_KEY)


def encrypt(value: str) -> str:
    """The value encrypted with the newest key ("" stays "")."""
    return fernet().encrypt(value.encode()).decode() if value else ""


def decrypt(value: str) -> str:
    """The plain text of an encrypted value; raises InvalidToken when no key fits."""
    return fernet().decrypt(value.encode()).decode() if value else ""


def rotate(value: str) -> str:
    """The value re-encrypted with the newest key."""
    return fernet().rotate(value.encode()).decode() if value else ""


__all__ = ["InvalidToken", "decrypt", "encrypt", "rotate"]
