"""gunicorn as deployed (crm_xero/gunicorn_conf.py): no query string in its access log."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.test_settings import clean_environ

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).with_name("gunicorn")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_access_log_shows_the_callbacks_path_but_not_its_code_or_state(tmp_path):
    port = free_port()
    out = tmp_path / "gunicorn.out"
    with out.open("wb") as sink:
        server = subprocess.Popen(
            # The config as the Dockerfile and docker-compose.yml use it; one worker, a free port.
            [
                str(GUNICORN),
                "--config",
                "python:crm_xero.gunicorn_conf",
                "crm_xero.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
            ],
            cwd=ROOT,
            env=clean_environ(),
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    answer = requests.get(
                        f"http://127.0.0.1:{port}/integrations/xero/callback",
                        params={"code": "secret-oauth-code", "state": "secret-state"},
                        allow_redirects=False,
                        timeout=30,  # the worker imports Django once the port is open
                    )
                    break
                except requests.ConnectionError:
                    assert server.poll() is None, out.read_text()
                    assert time.monotonic() < deadline, out.read_text()
                    time.sleep(0.2)
            # Anonymous: sent to the sign-in page (?next= holds the code: a query string too).
            assert answer.status_code == 302
            assert "secret-oauth-code" in answer.headers["Location"]
            search = requests.get(
                f"http://127.0.0.1:{port}/organizations/",
                params={"q": "secret search term"},
                allow_redirects=False,
                timeout=5,
            )
            assert search.status_code == 302
        finally:
            server.terminate()
            server.wait(timeout=20)

    log = out.read_text()
    lines = [line for line in log.splitlines() if '"GET /' in line]
    assert len(lines) == 2, log
    assert '"GET /integrations/xero/callback HTTP/1.1" 302' in lines[0]
    assert '"GET /organizations/ HTTP/1.1" 302' in lines[1]
    assert "secret" not in log
    assert "code=" not in log and "?" not in "".join(lines)
