"""The control page at /sandbox/ and the runsandbox / seed_sandbox commands."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from sandbox import knobs, seed
from sandbox.management.commands.runsandbox import Command as RunSandbox
from sandbox.models import Invoice
from sandbox.wsgi import SandboxWSGIHandler
from tests.sandbox.helpers import api

ROOT = Path(__file__).resolve().parents[2]


def control(sandbox, **form: str) -> requests.Response:
    return requests.post(f"{sandbox.url}/sandbox/", data=form, timeout=20)


def test_the_page_shows_tenants_and_knobs_and_sets_no_cookies(xero_sandbox) -> None:
    page = requests.get(
        f"{xero_sandbox.url}/sandbox/", cookies={"sessionid": "crm-session"}, timeout=10
    )
    assert page.status_code == 200
    assert "Developer tool" in page.text and "never deployed" in page.text
    for text in (str(seed.AU_TENANT_ID), str(seed.NZ_TENANT_ID), seed.AU_SHORT_CODE,
                 "Latency per API call", "Send webhook", "Intent-to-receive probe"):  # fmt: skip
        assert text in page.text
    assert "Set-Cookie" not in page.headers


def test_saving_and_resetting_knobs(xero_sandbox) -> None:
    saved = control(xero_sandbox, action="knobs", latency_ms="7", fail_next_count="0",
                    fail_next_status="503", fail_next_scope="token", minute_limit="30",
                    refresh_grace_seconds="5")  # fmt: skip
    assert saved.status_code == 200 and "Knobs saved." in saved.text
    row = knobs.current()
    assert (row.latency_ms, row.fail_next_status, row.fail_next_scope, row.minute_limit) == (
        7,
        503,
        "token",
        30,
    )
    assert "Set-Cookie" not in saved.headers
    refused = control(xero_sandbox, action="knobs", latency_ms="soon")
    assert refused.status_code == 400 and "whole number" in refused.text
    bad_scope = control(xero_sandbox, action="knobs", fail_next_scope="everything")
    assert bad_scope.status_code == 400
    assert control(xero_sandbox, action="reset").status_code == 200
    assert (knobs.current().latency_ms, knobs.current().minute_limit) == (0, 60)


def test_resetting_the_rate_limit_counters(xero_sandbox) -> None:
    tokens = xero_sandbox.mint_tokens()
    for _ in range(3):
        last = api(xero_sandbox, tokens, "GET", "/Organisation")
    assert last.headers["X-MinLimit-Remaining"] == "57"
    assert control(xero_sandbox, action="reset_rate_limits").status_code == 200
    fresh = api(xero_sandbox, tokens, "GET", "/Organisation")
    assert fresh.headers["X-MinLimit-Remaining"] == "59"


def test_seeding_from_the_page(xero_sandbox) -> None:
    answer = control(xero_sandbox, action="seed", invoices="130")
    assert answer.status_code == 200 and "130 for City Agency" in answer.text
    assert Invoice.objects.filter(contact__contact_id=seed.BIG_CUSTOMER_ID).count() == 130


def test_the_sandbox_serves_only_its_own_urls(xero_sandbox) -> None:
    for path in ("/admin/", "/accounts/login/", "/"):
        assert requests.get(f"{xero_sandbox.url}{path}", timeout=10).status_code == 404


def test_runsandbox_defaults_and_handler() -> None:
    command = RunSandbox()
    assert (command.default_addr, command.default_port) == ("127.0.0.1", "8001")
    assert isinstance(command.get_handler(), SandboxWSGIHandler)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_runsandbox_serves_the_sandbox_from_its_own_process(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "REDIS_"))}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'sandbox.sqlite3'}",
        DJANGO_SETTINGS_MODULE="crm_xero.settings",
        DJANGO_RUNSERVER_HIDE_WARNING="true",
    )
    manage = [sys.executable, str(ROOT / "manage.py")]
    for args in (["migrate", "-v", "0"], ["seed_sandbox", "--big-customer-invoices", "5"]):
        done = subprocess.run(manage + args, cwd=ROOT, env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
    port = free_port()
    server = subprocess.Popen(
        [*manage, "runsandbox", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                answer = requests.get(f"{base}/.well-known/openid-configuration", timeout=2)
                break
            except requests.ConnectionError:
                assert server.poll() is None and time.monotonic() < deadline
                time.sleep(0.2)
        assert answer.json()["issuer"] == base
        assert requests.get(f"{base}/sandbox/", timeout=5).status_code == 200
        assert requests.get(f"{base}/connections", timeout=5).status_code == 401
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=10)
    assert f"http://127.0.0.1:{port}/sandbox/" in output
