"""Template filters for the Xero tab's rows: overdue days, part paid, credit notes, status."""

from __future__ import annotations

from django import template

from linking import figures, selectors
from linking.xero import CreditNote

register = template.Library()


@register.filter
def overdue_days(item, today) -> int:
    """Days the item is overdue on `today` (0 when it is not)."""
    return figures.days_overdue(item, today) if today else 0


@register.filter
def part_paid(item) -> bool:
    return figures.is_part_paid(item)


@register.filter
def is_credit_note(item) -> bool:
    return isinstance(item, CreditNote)


@register.filter
def status_label(status: str) -> str:
    """Xero's status in the words the lists use ("Awaiting payment" for AUTHORISED)."""
    return selectors.STATUS_LABELS.get(status, status.title() if isinstance(status, str) else "")
