"""`manage.py seed_sandbox`: create the sandbox's demo data (running it twice adds nothing)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from sandbox import seed


class Command(BaseCommand):
    help = "Seed the Xero sandbox: two demo organisations, contacts, invoices and bills."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--big-customer-invoices",
            type=int,
            default=seed.DEFAULT_BIG_CUSTOMER_INVOICES,
            help="How many invoices City Agency gets (default %(default)s).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        summary = seed.seed(big_customer_invoices=options["big_customer_invoices"])
        self.stdout.write(self.style.SUCCESS(f"Xero sandbox seeded: {summary}."))
