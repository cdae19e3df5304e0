"""How fast the Xero tab renders and how many Xero calls it makes: this project vs a naive baseline.

Runs against the built-in sandbox (`manage.py runsandbox`, its own process, as Xero would be) with
injected latency per Accounting call, on a throwaway database (`var/bench.sqlite3`, or
`crm_xero_bench` beside a PostgreSQL DATABASE_URL) and Redis (REDIS_URL).

Both sides are served by gunicorn (3 workers, as docker-compose.yml runs the web process) and driven
over HTTP by this script's simulated browsers; a Celery worker handles webhook events. The naive
baseline (benchmarks/naive.py, installed by benchmarks/naive_wsgi.py) makes the same SDK calls
through the same seam the way Xero's starter apps do: sequentially (organisation, contact, then
invoice pages one after another), with no cache and no shared rate budget (only Xero's limits).
It renders the same template.

Usage: make bench [BENCH_ARGS="--latency 300 --out docs/benchmarks.md"]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm_xero.settings")
for name in ("XERO_CLIENT_ID", "XERO_CLIENT_SECRET", "XERO_LOGIN_URL", "XERO_IDENTITY_URL",
             "XERO_API_URL", "XERO_WEB_URL"):  # fmt: skip
    os.environ.pop(name, None)  # always the sandbox, never a real Xero

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import connection as db  # noqa: E402
from django.db import connections  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

SMALL_INVOICES = 30
NOTES = "<!-- notes: kept when the table above is written again -->"


@dataclass
class Run:
    seconds: list[float]
    calls: list[int]
    errors: int = 0

    def p(self, q: float) -> float:
        ordered = sorted(self.seconds)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


class Process:
    """A server this benchmark starts (the sandbox, the web process, a Celery worker)."""

    def __init__(self, name: str, command: list[str], env: dict[str, str]) -> None:
        self.name = name
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 (read when the process fails)
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT
        )

    def wait_until(self, ready: Callable[[], bool], within: float = 60) -> None:
        deadline = time.monotonic() + within
        while True:
            with contextlib.suppress(requests.ConnectionError):
                if ready():
                    return
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.log.seek(0)
                raise RuntimeError(f"{self.name} did not start:\n{self.log.read().decode()}")
            time.sleep(0.2)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def app_env(**extra: str) -> dict[str, str]:
    """The environment for the project's own processes: the benchmark's database and Redis."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("XERO_")}
    env.update(
        DATABASE_URL=database_url(),
        REDIS_URL=settings.REDIS_URL,
        SECRET_KEY=settings.SECRET_KEY,  # tokens at rest are encrypted with a key derived from it
        XERO_WEBHOOK_KEY=settings.XERO_WEBHOOK_KEY,
        **{k: v for k, v in os.environ.items() if k == "XERO_TOKEN_KEYS"},
        **extra,
    )
    return env


class Sandbox(Process):
    """`manage.py runsandbox` on a free port and the benchmark's database."""

    def __init__(self) -> None:
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        env = {k: v for k, v in app_env().items() if k != "REDIS_URL"}
        command = [sys.executable, "manage.py", "runsandbox", f"127.0.0.1:{port}", "--noreload"]
        super().__init__("the sandbox", command, env)
        self.wait_until(lambda: requests.get(f"{self.url}/sandbox/stats", timeout=5).ok)

    def requests(self, tenant: str) -> int:
        stats = requests.get(f"{self.url}/sandbox/stats", timeout=5).json()
        return stats["requests"].get(tenant.lower(), 0)

    def reset_rate_limits(self) -> None:
        requests.post(f"{self.url}/sandbox/", {"action": "reset_rate_limits"}, timeout=5)


class Web(Process):
    """The CRM under gunicorn, as docker-compose.yml runs it (3 workers)."""

    def __init__(self, wsgi: str, sandbox: Sandbox) -> None:
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        command = [
            str(Path(sys.executable).with_name("gunicorn")), wsgi,
            "--config", "python:crm_xero.gunicorn_conf",
            "--bind", f"127.0.0.1:{port}", "--workers", "3", "--timeout", "60",
        ]  # fmt: skip
        super().__init__(f"gunicorn {wsgi}", command, app_env(XERO_SANDBOX_URL=sandbox.url))
        self.wait_until(lambda: requests.get(f"{self.url}/accounts/login/", timeout=5).ok)


class Worker(Process):
    """A Celery worker, as in production: webhook events are its work."""

    def __init__(self, sandbox: Sandbox) -> None:
        command = [
            str(Path(sys.executable).with_name("celery")), "-A", "crm_xero", "worker",
            "--pool=solo", "--loglevel=WARNING",
        ]  # fmt: skip
        super().__init__("the Celery worker", command, app_env(XERO_SANDBOX_URL=sandbox.url))
        from crm_xero.celery import app

        self.wait_until(lambda: bool(app.control.ping(timeout=1)))


class Bench:
    def __init__(self, latency_ms: int) -> None:
        from sandbox import knobs, seed, testing

        self.latency_ms = latency_ms
        self.knobs, self.seed, self.testing = knobs, seed, testing
        seed.seed(big_customer_invoices=3000)
        knobs.reset()
        self.sandbox = Sandbox()
        for name in ("XERO_SANDBOX_URL", "XERO_LOGIN_URL", "XERO_IDENTITY_URL", "XERO_API_URL",
                     "XERO_WEB_URL"):  # fmt: skip
            setattr(settings, name, self.sandbox.url)
        self._records()
        self.web: Web | None = None

    def _records(self) -> None:
        from allauth.socialaccount.models import SocialAccount

        from crm_xero.accounts.models import User
        from crm_xero.crm.models import Organization
        from linking import services
        from linking.models import XeroLink
        from sandbox import dbguard
        from sandbox.models import Contact as XeroContact
        from sandbox.models import Organisation as XeroOrganisation
        from sandbox.models import XeroUser

        self.user = User.objects.create_user("bench", email="bench@example.com", is_staff=True)
        SocialAccount.objects.create(user=self.user, provider="google", uid="bench")
        au = self.seed.AU_TENANT_ID
        with dbguard.guard():
            org = XeroOrganisation.objects.get(organisation_id=au)
            small = XeroContact.objects.get(organisation=org, name="Marine Systems")
            self.seed.invoice_history(org, small, SMALL_INVOICES, key="bench", first_number=9001)
            admin = XeroUser.objects.get(email=self.seed.ADMIN_EMAIL)
        self.small_xero_id = small.contact_id
        pkce = self.testing.Pkce.generate()
        params = self.testing.authorize_params(
            redirect_uri=settings.XERO_REDIRECT_URI, scopes=settings.XERO_SCOPES, pkce=pkce
        )
        answer = self.testing.consent(
            self.sandbox.url, params, user_id=str(admin.xero_userid), tenant_ids=[str(au)]
        )
        code = self.testing.redirect_params(answer)["code"]
        outcome = services.connection_complete(
            user=self.user, code=code, code_verifier=pkce.verifier
        )
        self.connection = outcome.connection
        self.tenant = str(self.connection.tenant_id)
        self.records = {}
        for label, xero_id, name in (
            ("small", small.contact_id, "Marine Systems"),
            ("big", self.seed.BIG_CUSTOMER_ID, "City Agency Holdings"),
        ):
            record = Organization.objects.create(name=name)
            XeroLink.objects.create(
                organization=record,
                tenant_id=self.connection.tenant_id,
                xero_type=XeroLink.XeroType.CONTACT,
                xero_id=xero_id,
                xero_name=name,
            )
            self.records[label] = f"/xero/tab/organization/{record.pk}/"

    @contextlib.contextmanager
    def serving(self, wsgi: str) -> Iterator[None]:
        self.web = Web(wsgi, self.sandbox)
        try:
            self.warm_up()
            yield
        finally:
            self.web.stop()

    def warm_up(self) -> None:
        """Have every gunicorn worker render each tab once (imports, templates, connections):
        the measures are of a running server, not of its first requests."""
        self.knobs.set_latency(0)
        browsers = [self.session() for _ in range(6)]
        for url in self.records.values():
            threads = [threading.Thread(target=self.get, args=(b, url)) for b in browsers]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        self.fresh_minute()
        for url in self.records.values():  # measure the tab, not a refusal panel
            page = self.get(browsers[0], url)
            if 'data-testid="xero-invoices-total"' not in page:
                raise SystemExit(f"The tab at {url} did not show its figures:\n{page[:500]}")

    def session(self) -> requests.Session:
        """A browser signed in through SSO (its own session, with the authentication record
        allauth writes when a provider signs someone in: the SSO gate asks for it)."""
        client = Client()
        client.force_login(self.user)
        session = client.session
        session["account_authentication_methods"] = [
            {"method": "socialaccount", "at": time.time(), "provider": "google", "uid": "bench"}
        ]
        session["account_authentication_methods_user"] = str(self.user.pk)
        session.save()
        browser = requests.Session()
        browser.cookies.set(
            settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value
        )
        return browser

    def fresh_minute(self) -> None:
        """Forget cached data and both sides' rate counters: each measure starts on its own."""
        cache.clear()
        self.sandbox.reset_rate_limits()
        self.knobs.set_latency(self.latency_ms)

    def calls(self) -> int:
        return self.sandbox.requests(self.tenant)

    def get(self, browser: requests.Session, url: str) -> str:
        return browser.get(f"{self.web.url}{url}", timeout=60).text

    def render(self, browser: requests.Session, url: str) -> tuple[float, int, str]:
        before = self.calls()
        started = time.perf_counter()
        page = self.get(browser, url)
        elapsed = time.perf_counter() - started
        return elapsed, self.calls() - before, page

    def round_trip(self, call: Callable[[], object], times: int = 5) -> float:
        """The median time of one Xero call, alone."""
        self.fresh_minute()
        took = []
        for _ in range(times):
            started = time.perf_counter()
            call()
            took.append(time.perf_counter() - started)
        return statistics.median(took)

    def round_trips(self) -> dict[str, float]:
        from linking.xero import client as xero

        big = str(self.seed.BIG_CUSTOMER_ID)
        return {
            "small": self.round_trip(lambda: xero.get_organisation(self.connection)),
            "page": self.round_trip(
                lambda: xero.list_invoices(self.connection, contact_ids=[big], max_pages=1)
            ),
        }

    def renders(self, url: str, times: int, *, cold: bool) -> Run:
        browser = self.session()
        self.fresh_minute()
        run = Run([], [])
        if not cold:
            self.get(browser, url)  # warm it
        for _ in range(times):
            if cold:
                self.fresh_minute()
            seconds, calls, page = self.render(browser, url)
            run.seconds.append(seconds)
            run.calls.append(calls)
            run.errors += failed(page)
        return run

    def crowd(self, url: str, users: int = 20, renders: int = 5) -> tuple[Run, float]:
        browsers = [self.session() for _ in range(users)]
        self.fresh_minute()
        run = Run([], [])
        lock = threading.Lock()
        start = threading.Barrier(users)

        def user(browser: requests.Session) -> None:
            start.wait()
            for _ in range(renders):
                started = time.perf_counter()
                page = self.get(browser, url)
                elapsed = time.perf_counter() - started
                with lock:
                    run.seconds.append(elapsed)
                    run.errors += failed(page)

        before = self.calls()
        began = time.perf_counter()
        threads = [threading.Thread(target=user, args=(b,)) for b in browsers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - began
        run.calls = [self.calls() - before]
        return run, wall

    def webhook_to_fresh_tab(self, *, naive: bool) -> float:
        """Mark the small contact's latest unpaid invoice paid; time until the tab shows it."""
        from linking.webhooks import signature_of
        from sandbox import dbguard, webhooks
        from sandbox.models import Invoice as XeroInvoice

        url = self.records["small"]
        browser = self.session()
        self.fresh_minute()
        before = total_due(self.get(browser, url))
        with dbguard.guard():
            unpaid = XeroInvoice.objects.filter(
                contact__contact_id=self.small_xero_id, status="AUTHORISED"
            )
            invoice = unpaid.order_by("-date").first()
            XeroInvoice.objects.filter(pk=invoice.pk).update(
                status="PAID",
                amount_paid=invoice.total,
                amount_due=0,
                updated=timezone.now(),
            )
        started = time.perf_counter()
        if not naive:
            event = webhooks.event(self.seed.AU_TENANT_ID, "INVOICE", invoice.invoice_id, "UPDATE")
            body = webhooks.encode(webhooks.payload([event]))
            answer = requests.post(
                f"{self.web.url}/integrations/xero/webhooks",
                data=body,
                headers={
                    "Content-Type": "application/json",
                    "x-xero-signature": signature_of(body, settings.XERO_WEBHOOK_KEY),
                },
                timeout=10,
            )
            assert answer.status_code == 200, answer.status_code
        while total_due(self.get(browser, url)) == before:
            if time.perf_counter() - started > 30:
                raise RuntimeError("the tab never showed the change")
        took = time.perf_counter() - started
        with dbguard.guard():  # put it back for the next run
            XeroInvoice.objects.filter(pk=invoice.pk).update(
                status=invoice.status,
                amount_paid=invoice.amount_paid,
                amount_due=invoice.amount_due,
                updated=timezone.now(),
            )
        return took

    def stop(self) -> None:
        self.sandbox.stop()


def failed(page: str) -> int:
    return int('data-testid="xero-error"' in page or 'data-testid="xero-stale"' in page)


def total_due(page: str) -> str:
    found = re.search(r'data-testid="xero-invoices-total">([^<]*)<', page)
    return found.group(1) if found else ""


def measure(bench: Bench, *, quick: bool) -> dict:
    reps_cold, reps_warm = (2, 5) if quick else (5, 50)
    results: dict = {"round_trip": bench.round_trips()}
    worker = Worker(bench.sandbox)
    try:
        for side, wsgi in (("naive", "benchmarks.naive_wsgi"), ("project", "crm_xero.wsgi")):
            with bench.serving(wsgi):
                side_results = {}
                for size in ("small", "big"):
                    url = bench.records[size]
                    side_results[f"{size}_cold"] = bench.renders(url, reps_cold, cold=True)
                    warm_reps = reps_warm if side == "project" else reps_cold
                    side_results[f"{size}_warm"] = bench.renders(url, warm_reps, cold=False)
                side_results["crowd"] = bench.crowd(bench.records["small"])
                side_results["webhook"] = bench.webhook_to_fresh_tab(naive=side == "naive")
            results[side] = side_results
    finally:
        worker.stop()
    return results


def table(results: dict, latency_ms: int) -> str:
    rt, page_rt = results["round_trip"]["small"], results["round_trip"]["page"]
    n, p = results["naive"], results["project"]

    def row(measure: str, base: str, ours: str, ratio: str, target: str = "", met: str = ""):
        return f"| {measure} | {base} | {ours} | {ratio} | {target} | {met} |"

    def times(name: str, q: float) -> tuple[float, float]:
        return n[name].p(q), p[name].p(q)

    def ratio(a: float, b: float) -> str:
        return f"{a / b:,.1f}x" if b else "∞"

    def yes(ok: bool) -> str:
        return "yes" if ok else "**no**"

    lines = [
        "| Measure | Naive baseline | This project | Baseline ÷ project | Target | Met |",
        "|---|---|---|---|---|---|",
        row("RT: one sandbox round trip, GET /Organisation (p50)", ms(rt), ms(rt), "", "", ""),
        row(
            "Page RT: one round trip for a page of 1,000 invoices (p50)",
            ms(page_rt),
            ms(page_rt),
            "",
            "",
            "",
        ),
    ]
    small_target = 1.5 * rt + 0.150
    for size, label in (
        ("small", f"~{SMALL_INVOICES}-invoice contact"),
        ("big", "3,000-invoice customer"),
    ):
        for q, qn in ((0.5, "p50"), (0.95, "p95")):
            a, b = times(f"{size}_cold", q)
            target, met = "", ""
            if size == "small" and qn == "p95":
                target, met = f"≤ 1.5 x RT + 150 ms = {ms(small_target)}", yes(b <= small_target)
            if size == "big" and qn == "p95":
                target = f"≤ 3 RT = {ms(3 * rt)} (≤ 3 page RT = {ms(3 * page_rt)})"
                met = f"{yes(b <= 3 * rt)} ({yes(b <= 3 * page_rt)})"
            lines.append(row(f"{label}: cold render {qn}", ms(a), ms(b), ratio(a, b), target, met))
        for q, qn in ((0.5, "p50"), (0.95, "p95")):
            a, b = times(f"{size}_warm", q)
            target, met = ("≤ 50 ms", yes(b <= 0.050)) if qn == "p95" else ("", "")
            lines.append(row(f"{label}: warm render {qn}", ms(a), ms(b), ratio(a, b), target, met))
        cold_calls = (max(n[f"{size}_cold"].calls), max(p[f"{size}_cold"].calls))
        warm_calls = (max(n[f"{size}_warm"].calls), max(p[f"{size}_warm"].calls))
        cold_row = row(f"{label}: Xero calls per render, cold", *map(str, cold_calls), "", "", "")
        lines.append(cold_row)
        lines.append(
            row(
                f"{label}: Xero calls per render, warm",
                *map(str, warm_calls),
                "",
                "0",
                yes(warm_calls[1] == 0),
            )
        )
    (nrun, nwall), (prun, pwall) = n["crowd"], p["crowd"]
    lines += [
        row(
            "20 users x 5 renders of one contact: Xero calls",
            str(nrun.calls[0]),
            str(prun.calls[0]),
            ratio(nrun.calls[0], prun.calls[0]),
            "≤ 3",
            yes(prun.calls[0] <= 3),
        ),
        row(
            "20 users x 5 renders: errors (busy or failed tabs)",
            str(nrun.errors),
            str(prun.errors),
            "",
            "0",
            yes(prun.errors == 0),
        ),
        row(
            "20 users x 5 renders: p95 render",
            ms(nrun.p(0.95)),
            ms(prun.p(0.95)),
            ratio(nrun.p(0.95), prun.p(0.95)),
            "",
            "",
        ),
        row("20 users x 5 renders: wall time", ms(nwall), ms(pwall), ratio(nwall, pwall), "", ""),
        row(
            "A webhook for one invoice: until the tab shows it",
            f"{ms(n['webhook'])} (next render refetches all)",
            f"{ms(p['webhook'])} (webhook refetch, then a warm render)",
            "",
            "",
            "",
        ),
    ]
    return "\n".join(lines)


def database_url() -> str:
    """The benchmark database as a URL, for the sandbox process."""
    conf = db.settings_dict
    if db.vendor == "sqlite":
        return f"sqlite:///{conf['NAME']}"
    auth = f"{conf['USER']}:{conf['PASSWORD']}@" if conf.get("PASSWORD") else f"{conf['USER']}@"
    return f"postgres://{auth}{conf['HOST'] or '127.0.0.1'}:{conf['PORT'] or 5432}/{conf['NAME']}"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return (
        f"{os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=int, default=300, help="ms per sandbox Accounting call")
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (a smoke run)")
    parser.add_argument("--out", help="also write the report (Markdown) to this file")
    args = parser.parse_args()

    if not settings.REDIS_URL:
        sys.exit(
            "The benchmark measures the production shape: set REDIS_URL (scripts/bench.sh does)."
        )
    try:
        cache.clear()
    except Exception as exc:
        sys.exit(f"The benchmark needs Redis at {settings.REDIS_URL}: {exc}")
    setup_test_environment()
    test_db = "crm_xero_bench" if db.vendor == "postgresql" else str(ROOT / "var/bench.sqlite3")
    (ROOT / "var").mkdir(exist_ok=True)
    db.settings_dict.setdefault("TEST", {})["NAME"] = test_db
    db.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    bench = Bench(args.latency)
    try:
        results = measure(bench, quick=args.quick)
    finally:
        bench.stop()
        connections.close_all()
        db.creation.destroy_test_db(test_db, verbosity=0)
    report = "\n".join(
        [
            "# Xero tab benchmark",
            "",
            f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}.",
            f"Database: {db.vendor}; cache: {settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]}; "  # noqa: E501
            f"sandbox latency {args.latency} ms per Accounting call; `make bench"
            f"{' BENCH_ARGS=--quick' if args.quick else ''}`.",
            "",
            table(results, args.latency),
            "",
        ]
    )
    print(report)
    if args.out:
        out = Path(args.out)
        # Keep the hand-written notes below the marker of the file being replaced.
        notes = out.read_text().partition(NOTES)[2] if out.exists() else ""
        out.write_text(f"{report}\n{NOTES}{notes}" if notes else report)


if __name__ == "__main__":
    main()
