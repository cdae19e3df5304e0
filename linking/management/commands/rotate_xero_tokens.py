from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import transaction

from linking import crypto
from linking.models import PendingXeroConsent, XeroConnection


class Command(BaseCommand):
    help = "Re-encrypt stored Xero tokens with the newest key in XERO_TOKEN_KEYS."

    @transaction.atomic
    def handle(self, *args, **options):
        count = 0
        for connection in XeroConnection.objects.select_for_update():
            connection.access_token_encrypted = crypto.rotate(connection.access_token_encrypted)
            connection.refresh_token_encrypted = crypto.rotate(connection.refresh_token_encrypted)
            connection.save(update_fields=["access_token_encrypted", "refresh_token_encrypted"])
            count += 1
        for pending in PendingXeroConsent.objects.select_for_update():
            pending.tokens_encrypted = crypto.rotate(pending.tokens_encrypted)
            pending.save(update_fields=["tokens_encrypted"])
            count += 1
        self.stdout.write(f"Re-encrypted the tokens of {count} record(s) with the newest key.")
