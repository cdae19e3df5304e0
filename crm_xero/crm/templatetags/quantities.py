"""{{ line.quantity|quantity }}: "2" for 2.0000, "1.5" for 1.5000."""

from __future__ import annotations

from django import template

from crm_xero.quantities import plain

register = template.Library()


@register.filter
def quantity(value: object) -> str:
    return plain(value)
