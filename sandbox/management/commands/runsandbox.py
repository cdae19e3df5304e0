"""`manage.py runsandbox [addrport]`: serve the Xero sandbox (default 127.0.0.1:8001), threaded."""

from __future__ import annotations

from typing import Any

from django.core.management.commands.runserver import Command as RunserverCommand

from sandbox.wsgi import SandboxWSGIHandler


class Command(RunserverCommand):
    help = (
        "Serve the built-in Xero sandbox (login, identity and api hosts on one base URL) "
        "on its own port. Development only."
    )
    default_addr = "127.0.0.1"
    default_port = "8001"

    def get_handler(self, *args: Any, **options: Any) -> SandboxWSGIHandler:
        """The sandbox's handler instead of the project's."""
        return SandboxWSGIHandler()

    def on_bind(self, server_port: int) -> None:
        """Say where the sandbox and its control page are."""
        super().on_bind(server_port)
        host = self.addr if not self._raw_ipv6 else f"[{self.addr}]"
        self.stdout.write(f"Xero sandbox control page: http://{host}:{server_port}/sandbox/")
