"""`manage.py seed_sandbox`: create the sandbox's demo data (running it twice adds nothing)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from sandbox import knobs, seed


class Command(BaseCommand):
    help = "Seed the Xero sandbox: two demo organisations, contacts, invoices and bills."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--big-customer-invoices",
            type=int,
            default=seed.DEFAULT_BIG_CUSTOMER_INVOICES,
            help="How many invoices City Agency gets (default %(default)s).",
        )
        parser.add_argument(
            "--webhook-url",
            default="",
            help="Deliver signed webhooks for changes made through the API to this URL.",
        )
        parser.add_argument("--webhook-key", default="", help="The key that signs them.")

    def handle(self, *args: Any, **options: Any) -> None:
        summary = seed.seed(big_customer_invoices=options["big_customer_invoices"])
        self.stdout.write(self.style.SUCCESS(f"Xero sandbox seeded: {summary}."))
        if options["webhook_url"]:
            knobs.set_knobs(webhook_url=options["webhook_url"], webhook_key=options["webhook_key"])
            self.stdout.write(f"Webhooks go to {options['webhook_url']}.")
