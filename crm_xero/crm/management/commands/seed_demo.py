from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from crm_xero.crm.demo import seed_demo

DEMO_ADMIN_EMAIL = "admin@example.com"


class Command(BaseCommand):
    help = "Seed the demo CRM and a demo admin account. Safe to run again: nothing is duplicated."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even when DEBUG is false (not for production).",
        )

    def handle(self, *args, force: bool = False, **options):
        if not settings.DEBUG and not force:
            raise CommandError("seed_demo creates a demo admin; refusing while DEBUG is false.")
        result = seed_demo(today=timezone.localdate())
        password = self._demo_admin()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo CRM ready: {result.organizations} organizations, "
                f"{result.contacts} contacts, {result.opportunities} opportunities, "
                f"{result.projects} projects."
            )
        )
        self.stdout.write(f"Demo admin: {DEMO_ADMIN_EMAIL} / password: {password}")

    def _demo_admin(self) -> str:
        password = "crm-demo-admin"
        User = get_user_model()
        user, created = User.objects.get_or_create(
            username="admin",
            defaults=dict(
                email=DEMO_ADMIN_EMAIL,
                first_name="Demo",
                last_name="Admin",
                is_staff=True,
                is_superuser=True,
            ),
        )
        if created:
            user.set_password(password)
            user.save(update_fields=["password"])
            # allauth signs people in by their (verified) email address.
            user.emailaddress_set.create(email=DEMO_ADMIN_EMAIL, primary=True, verified=True)
        return password
