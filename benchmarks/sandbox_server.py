"""The sandbox as `manage.py runsandbox` serves it (threaded), plus one benchmark-only door.

`POST /bench/reset-rate-limits` clears the sandbox process's rate-limit counters. The sandbox's
control page can do the same, but it renders its page afterwards, with counts of every
organisation's contacts, invoices and credit notes: seconds once tens of thousands are seeded.

Usage: python benchmarks/sandbox_server.py 127.0.0.1:PORT
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm_xero.settings")


def main() -> None:
    from django.core.servers.basehttp import run

    from sandbox.ratelimit import LIMITER
    from sandbox.wsgi import get_sandbox_application

    sandbox = get_sandbox_application()

    def application(environ, start_response):
        if environ.get("PATH_INFO") == "/bench/reset-rate-limits":
            LIMITER.reset()
            start_response("204 No Content", [])
            return [b""]
        return sandbox(environ, start_response)

    host, port = sys.argv[1].rsplit(":", 1)
    run(host, int(port), application, threading=True)


if __name__ == "__main__":
    main()
