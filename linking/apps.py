from django.apps import AppConfig


class LinkingConfig(AppConfig):
    name = "linking"
    verbose_name = "Xero linking"

    def ready(self) -> None:
        from linking import (
            checks,  # noqa: F401  (registers the deploy checks)
            xero,
        )

        xero.point_token_urls()  # once at start-up, not on every call (from worker threads too)
