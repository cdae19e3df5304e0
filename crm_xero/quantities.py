"""Quantities as people write them: "2", "1.5", never "2.0000" (a DecimalField's four places)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation


def plain(value: object) -> str:
    """A quantity without trailing zeros or an exponent: 2.0000 → "2", 1.5000 → "1.5", 100 → "100";
    anything that is not a number is given back as text ("" for None)."""
    if value is None or value == "":
        return ""
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    if not number.is_finite():
        return str(value)
    text = f"{number:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def plain_decimal(value: Decimal) -> Decimal:
    """The same number with no trailing zeros, so that a form shows it as `plain` writes it."""
    return Decimal(plain(value))
