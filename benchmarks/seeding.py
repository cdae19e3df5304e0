"""Sandbox data for the benchmark's sizes and its realistic day, seeded for the run only.

Making each invoice with the sandbox's seeding (priced lines, payments) takes milliseconds; the
benchmark needs tens of thousands, so it makes 50 of each kind once and copies them, each copy
with its own id, number and dates (bulk_create).
"""

from __future__ import annotations

import copy
import random
from datetime import date, timedelta

from sandbox import dbguard, invoices, seed
from sandbox.models import Contact, Invoice, Organisation

TEMPLATES = 50  # distinct invoices per (status, currency): their amounts and lines are copied
FIRST_DAY = date(2020, 1, 6)


def organisation() -> Organisation:
    return Organisation.objects.get(organisation_id=seed.AU_TENANT_ID)


def contacts(org: Organisation, keys_and_names: list[tuple[str, str]]) -> dict[str, Contact]:
    """Customers of the AU organisation, by key (created if missing)."""
    specs = tuple(
        seed.ContactSpec(key, name, f"{key}@bench.example", city="Sydney")
        for key, name in keys_and_names
    )
    with dbguard.guard():
        return seed._contacts(org, specs)


class History:
    """Makes invoice histories by copying a few fully made invoices."""

    def __init__(self, org: Organisation) -> None:
        self.org = org
        self.templates: dict[tuple[str, str, int], Invoice] = {}
        self.rng = random.Random("bench")
        self.contact = Contact.objects.filter(organisation=org).first()

    def _template(self, status: str, currency: str, n: int) -> Invoice:
        key = (status, currency, n % TEMPLATES)
        if key not in self.templates:
            self.templates[key] = seed._make_invoice(
                self.org, self.contact, f"bench-template:{key}", kind="ACCREC", status=status,
                day=FIRST_DAY, number="INV-0", currency=currency, rng=self.rng,
            )  # fmt: skip
        return self.templates[key]

    def add(self, contact: Contact, count: int, *, key: str, first_number: int) -> None:
        """`count` sales invoices for the contact, spread evenly from 2020 to late 2026, mostly
        paid, the newest tenth awaiting payment or draft (as the sandbox's big customer)."""
        span = (seed.LAST_DAY - FIRST_DAY).days
        rows = []
        for i in range(count):
            status = seed._big_status(i, count)
            currency = "USD" if i % 25 == 24 else self.org.base_currency
            template = self._template(status, currency, i)
            row = copy.copy(template)
            shift = timedelta(days=i * span // max(count, 1))
            row.pk = None
            row.invoice_id = seed.stable_id(self.org.organisation_id, "invoice", f"{key}:{i}")
            row.contact = contact
            row.number = f"INV-{first_number + i:05d}"
            row.date = template.date + shift
            row.due_date = template.due_date + shift if template.due_date else None
            if template.fully_paid_on_date:
                row.fully_paid_on_date = template.fully_paid_on_date + shift
            row.updated = template.updated + shift
            row.search_text = invoices.search_text(row)
            rows.append(row)
        with dbguard.guard():
            Invoice.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
