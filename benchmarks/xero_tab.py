"""How fast the Xero tab renders and how many Xero calls it makes: this project vs two baselines.

Runs against the built-in sandbox (`manage.py runsandbox`, its own process, as Xero would be) with
injected latency per Accounting call, on a throwaway database (`var/bench.sqlite3`, or
`crm_xero_bench` beside a PostgreSQL DATABASE_URL) and Redis (REDIS_URL; the benchmark empties
that Redis database).

Every side is served by gunicorn (3 workers, DEBUG false, behind an HTTPS proxy as in
docker-compose.yml) and driven over HTTP by this script's simulated browsers; a Celery worker
handles webhook events and background work. The baselines (benchmarks/baselines.py) go through
the same seam and render the same template:
- lean: contact, then invoice pages of 1,000, one call after another, no cache;
- starter: Xero's starter-app pattern: the SDK's models at the default page size (100),
  sequentially, no cache.
Customers of 34, 1,000, 3,000, 10,000 and 30,000 invoices are seeded for the run only; a
realistic day (benchmarks/day.py) runs in compressed time. Xero calls per request are counted
inside the web process (benchmarks/instrument.py), no product change.

Usage: make bench [BENCH_ARGS="--quick --out docs/benchmarks.md"]
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import math
import os
import platform
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
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

SIZES = (34, 1_000, 3_000, 10_000, 30_000)
QUICK_SIZES = (34, 1_000, 3_000)
WORKERS = 3  # gunicorn workers, as crm_xero/gunicorn_conf.py
PAGE = 1_000  # invoices a page (the project's and the lean baseline's)
STARTER_PAGE = 100
CONCURRENT = 5  # Xero's calls at once per tenant
MINUTE_CALLS = 55  # the most calls a baseline may need in one render and stay in Xero's minute
NOTES = "<!-- notes: kept when the table above is written again -->"
SIDES = ("lean", "starter", "project")
WSGI = {side: f"benchmarks.{side}_wsgi" for side in SIDES}


@dataclass
class Sample:
    seconds: float
    calls: int
    rounds: int
    pid: str
    busy: bool
    server: float = 0.0  # of `seconds`, in the web process (not waiting for a free worker)
    first: bool = False  # this worker's first render of the entry since it changed


@dataclass
class Run:
    samples: list[Sample] = field(default_factory=list)

    def p(self, q: float, *, where: Callable[[Sample], bool] = lambda s: True) -> float | None:
        ordered = sorted(s.seconds for s in self.samples if where(s))
        if not ordered:
            return None
        return ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)]

    @property
    def n(self) -> int:
        return len(self.samples)

    def most(self, name: str) -> int:
        return max((getattr(s, name) for s in self.samples), default=0)

    @property
    def busy(self) -> int:
        return sum(s.busy for s in self.samples)


def ms(seconds: float | None) -> str:
    return "n/a" if seconds is None else f"{seconds * 1000:,.0f} ms"


def mb(size: float | None) -> str:
    if size is None:
        return "n/a"
    return f"{size / 1e6:,.1f} MB" if abs(size) >= 1e6 else f"{size / 1e3:,.0f} kB"


def rounds(count: int) -> str:
    return f"{count} round{'' if count == 1 else 's'}"


class Process:
    """A server this benchmark starts (the sandbox, the web process, a Celery worker)."""

    def __init__(self, name: str, command: list[str], env: dict[str, str]) -> None:
        self.name = name
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 (read when the process fails)
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT
        )

    def wait_until(self, ready: Callable[[], bool], within: float = 90) -> None:
        deadline = time.monotonic() + within
        while True:
            with contextlib.suppress(requests.RequestException):
                if ready():
                    return
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()  # nobody else holds it yet
                raise RuntimeError(f"{self.name} did not start:\n{self.output()}")
            time.sleep(0.2)

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-5000:]

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


def production_env(sandbox: Sandbox, **extra: str) -> dict[str, str]:
    """As docker-compose.yml runs web and worker: DEBUG false, behind a TLS proxy."""
    return app_env(
        DEBUG="false",
        ALLOWED_HOSTS="127.0.0.1",
        USE_X_FORWARDED_PROTO="true",
        XERO_SANDBOX_URL=sandbox.url,
        **extra,
    )


class Sandbox(Process):
    """The sandbox (as `manage.py runsandbox` serves it: benchmarks/sandbox_server.py) on a free
    port and the benchmark's database."""

    def __init__(self) -> None:
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        env = {k: v for k, v in app_env().items() if k != "REDIS_URL"}
        command = [sys.executable, "benchmarks/sandbox_server.py", f"127.0.0.1:{port}"]
        super().__init__("the sandbox", command, env)
        self.wait_until(lambda: requests.get(f"{self.url}/sandbox/stats", timeout=5).ok)

    def requests(self, tenant: str) -> int:
        stats = requests.get(f"{self.url}/sandbox/stats", timeout=60).json()
        return stats["requests"].get(tenant.lower(), 0)

    def reset_rate_limits(self) -> None:
        requests.post(f"{self.url}/bench/reset-rate-limits", timeout=60).raise_for_status()


class Web(Process):
    """The CRM under gunicorn, as docker-compose.yml runs it (3 workers, DEBUG false)."""

    def __init__(self, wsgi: str, sandbox: Sandbox, **extra: str) -> None:
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        command = [
            str(Path(sys.executable).with_name("gunicorn")), wsgi,
            "--config", "python:crm_xero.gunicorn_conf", "--access-logfile", "/dev/null",
            "--bind", f"127.0.0.1:{port}", "--workers", str(WORKERS), "--timeout", "120",
        ]  # fmt: skip
        super().__init__(f"gunicorn {wsgi}", command, production_env(sandbox, **extra))
        self.wait_until(lambda: requests.get(f"{self.url}/bench/stats", timeout=5).ok)


class Worker(Process):
    """A Celery worker, as docker-compose.yml runs it (prefork, concurrency 2)."""

    def __init__(self, sandbox: Sandbox, **extra: str) -> None:
        command = [
            str(Path(sys.executable).with_name("celery")), "-A", "crm_xero", "worker",
            "--concurrency=2", "--loglevel=WARNING",
        ]  # fmt: skip
        super().__init__("the Celery worker", command, production_env(sandbox, **extra))
        from crm_xero.celery import app

        self.wait_until(lambda: bool(app.control.ping(timeout=1)))


def busy(page: str) -> bool:
    """The tab showed an error or older data because Xero could not be asked."""
    return 'data-testid="xero-error"' in page or 'data-testid="xero-stale"' in page


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        from benchmarks import seeding
        from sandbox import knobs, seed

        self.args = args
        self.latency_ms = args.latency
        self.knobs, self.seed = knobs, seed
        started = time.perf_counter()
        seed.seed(big_customer_invoices=0)
        knobs.reset()
        org = seeding.organisation()
        history = seeding.History(org)
        names = [(f"bench-{n}", f"Bench Customer {n:,}") for n in args.sizes]
        found = seeding.contacts(org, [*names, ("bench-warm-up", "Bench Warm-up")])
        history.add(found["bench-warm-up"], 10, key="bench-warm-up", first_number=1)
        self.sizes: dict[int, str] = {}
        for n in args.sizes:
            contact = found[f"bench-{n}"]
            history.add(contact, n, key=f"bench-{n}", first_number=10_000 + n)
            self.sizes[n] = str(contact.contact_id)
        self.history = history
        self.seeded_in = time.perf_counter() - started
        self.sandbox = Sandbox()
        for name in ("XERO_SANDBOX_URL", "XERO_LOGIN_URL", "XERO_IDENTITY_URL", "XERO_API_URL",
                     "XERO_WEB_URL"):  # fmt: skip
            setattr(settings, name, self.sandbox.url)
        try:
            self._connect()
        except BaseException:
            self.sandbox.stop()
            raise
        self.records = {
            n: self.link(xero_id, f"Bench Customer {n:,}") for n, xero_id in self.sizes.items()
        }
        self.warm_up_url = self.link(str(found["bench-warm-up"].contact_id), "Bench Warm-up")
        self.web: Web | None = None

    def _connect(self) -> None:
        from allauth.socialaccount.models import SocialAccount

        from crm_xero.accounts.models import User
        from linking import services
        from sandbox import dbguard, testing
        from sandbox.models import XeroUser

        self.user = User.objects.create_user("bench", email="bench@example.com", is_staff=True)
        SocialAccount.objects.create(user=self.user, provider="google", uid="bench")
        with dbguard.guard():
            admin = XeroUser.objects.get(email=self.seed.ADMIN_EMAIL)
        pkce = testing.Pkce.generate()
        params = testing.authorize_params(
            redirect_uri=settings.XERO_REDIRECT_URI, scopes=settings.XERO_SCOPES, pkce=pkce
        )
        answer = testing.consent(
            self.sandbox.url,
            params,
            user_id=str(admin.xero_userid),
            tenant_ids=[str(self.seed.AU_TENANT_ID)],
        )
        code = testing.redirect_params(answer)["code"]
        outcome = services.connection_complete(
            user=self.user, code=code, code_verifier=pkce.verifier
        )
        self.connection = outcome.connection
        self.tenant = str(self.connection.tenant_id)

    def link(self, xero_id: str, name: str) -> str:
        """A CRM organisation linked to the Xero contact; its tab's URL."""
        from crm_xero.crm.models import Organization
        from linking.models import XeroLink

        record = Organization.objects.create(name=name)
        XeroLink.objects.create(
            organization=record,
            tenant_id=self.connection.tenant_id,
            xero_type=XeroLink.XeroType.CONTACT,
            xero_id=xero_id,
            xero_name=name,
        )
        return f"/xero/tab/organization/{record.pk}/"

    @contextlib.contextmanager
    def serving(self, side: str, **env: str) -> Iterator[Web]:
        self.web = Web(WSGI[side], self.sandbox, **env)
        try:
            yield self.web
        finally:
            self.web.stop()

    def session(self) -> requests.Session:
        """A browser signed in through SSO (its own session, with the authentication record
        allauth writes when a provider signs someone in: the SSO gate asks for it), reaching
        the CRM through an HTTPS proxy."""
        client = Client()
        client.force_login(self.user)
        session = client.session
        session["account_authentication_methods"] = [
            {"method": "socialaccount", "at": time.time(), "provider": "google", "uid": "bench"}
        ]
        session["account_authentication_methods_user"] = str(self.user.pk)
        session.save()
        browser = requests.Session()
        csrf = secrets.token_hex(16)  # a CSRF secret of Django's length (32)
        browser.cookies.set(
            settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value
        )
        browser.cookies.set(settings.CSRF_COOKIE_NAME, csrf)
        browser.headers.update({"X-Forwarded-Proto": "https", "X-CSRFToken": csrf})
        return browser

    def fresh_minute(self) -> None:
        """Forget cached data and both sides' rate counters: each measure starts on its own."""
        cache.clear()
        self.sandbox.reset_rate_limits()
        self.knobs.set_latency(self.latency_ms)

    def forget_budget(self) -> None:
        """Both sides' rate counters, the cached data kept: the CRM's rate budget is the Redis
        keys with "budget" in their names (linking/xero/budget.py)."""
        import redis

        client = redis.Redis.from_url(settings.REDIS_URL)
        keys = list(client.scan_iter(match="*budget*", count=1000))
        if keys:
            client.delete(*keys)
        self.sandbox.reset_rate_limits()

    def calls(self) -> int:
        return self.sandbox.requests(self.tenant)

    def render(self, browser: requests.Session, url: str, *, post: bool = False) -> Sample:
        started = time.perf_counter()
        if post:
            origin = self.web.url.replace("http://", "https://")
            answer = browser.post(
                f"{self.web.url}{url}",
                headers={"Origin": origin, "HX-Request": "true"},
                timeout=180,
            )
        else:
            answer = browser.get(f"{self.web.url}{url}", timeout=180)
        elapsed = time.perf_counter() - started
        if answer.status_code != 200:
            raise SystemExit(f"{url} answered HTTP {answer.status_code}:\n{answer.text[:800]}")
        headers = answer.headers
        return Sample(
            elapsed,
            int(headers.get("X-Bench-Xero-Calls", 0)),
            int(headers.get("X-Bench-Xero-Rounds", 0)),
            headers.get("X-Bench-Pid", ""),
            busy(answer.text),
            float(headers.get("X-Bench-Seconds", 0)),
        )

    def worker_stats(self) -> dict[str, dict]:
        """/bench/stats of every gunicorn worker (asked until each has answered)."""
        found: dict[str, dict] = {}
        for _ in range(200):
            stats = requests.get(f"{self.web.url}/bench/stats", timeout=30).json()
            found[str(stats["pid"])] = stats
            if len(found) == WORKERS:
                break
        return found

    def warm_up(self, urls: list[str], *, shows: str = 'data-testid="xero-invoices-total"') -> None:
        """Have every gunicorn worker render each tab once without latency (imports, templates,
        connections): the measures are of a running server, not of its first requests."""
        self.knobs.set_latency(0)
        browsers = [self.session() for _ in range(2 * WORKERS)]
        for url in urls:
            threads = [threading.Thread(target=self.render, args=(b, url)) for b in browsers]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        self.fresh_minute()
        for url in urls:  # measure the tab, not a refusal panel
            page = browsers[0].get(f"{self.web.url}{url}", timeout=180).text
            if shows not in page:
                raise SystemExit(
                    f"The tab at {url} did not show {shows}:\n{page[:800]}\n"
                    f"The web process said:\n{self.web.output()}"
                )

    def page_round_trip(self, xero_id: str, times: int = 5) -> float:
        """The median time of one GET /Invoices page (1,000 a page) of this contact, alone."""
        from linking import xero

        self.fresh_minute()
        took = []
        for _ in range(times):
            started = time.perf_counter()
            xero.list_invoices(self.connection, contact_ids=[xero_id], max_pages=1)
            took.append(time.perf_counter() - started)
        return statistics.median(took)

    def cold(self, url: str, times: int, *, refresh: bool = False) -> Run:
        """Renders with nothing cached (or, `refresh`, Refresh on a cached, known customer)."""
        browser = self.session()
        run = Run()
        for _ in range(times):
            self.fresh_minute()
            if refresh:
                self.render(browser, url)  # known: cached once
                self.forget_budget()
            run.samples.append(
                self.render(browser, f"{url}refresh" if refresh else url, post=refresh)
            )
        return run

    def warm(self, url: str, times: int) -> Run:
        """Renders after one cold render, across every worker; each worker's first marked."""
        browser = self.session()
        self.fresh_minute()
        self.render(browser, url)
        run, seen = Run(), set()
        while run.n < times or (len(seen) < WORKERS and run.n < times + 100):
            sample = self.render(browser, url)
            sample.first = sample.pid not in seen
            seen.add(sample.pid)
            run.samples.append(sample)
        return run

    def after_write(self, url: str, xero_id: str, writes: int) -> Run:
        """After each write through the app to the contact's invoices, every worker's first
        render (it finds the entry changed)."""
        from linking import xero

        browser = self.session()
        self.fresh_minute()
        self.render(browser, url)
        for _ in range(3 * WORKERS):
            self.render(browser, url)
        item = xero.list_invoices(self.connection, contact_ids=[xero_id], max_pages=1)[0]
        run = Run()
        for n in range(writes):
            changed = dataclasses.replace(
                item, reference=f"bench write {n}", updated_at=timezone.now()
            )
            xero.remember_invoices(self.connection, [changed])
            seen: set[str] = set()
            for _ in range(6 * WORKERS):
                sample = self.render(browser, url)
                if sample.pid not in seen:
                    sample.first = True
                    run.samples.append(sample)
                    seen.add(sample.pid)
                if len(seen) == WORKERS:
                    break
        return run

    def floor(self, url: str, times: int) -> Run:
        """The same HTML from memory, through a Django view (first per worker left out)."""
        browser = self.session()
        floor_url = f"/bench/floor/?of={url}"
        run, seen = Run(), set()
        while len([s for s in run.samples if not s.first]) < times:
            sample = self.render(browser, floor_url)
            sample.first = sample.pid not in seen
            seen.add(sample.pid)
            run.samples.append(sample)
        return run

    def redis_bytes(self, url: str) -> int:
        """What one customer's cold render leaves in Redis (MEMORY USAGE of every new key)."""
        import redis

        client = redis.Redis.from_url(settings.REDIS_URL)
        self.fresh_minute()
        before = set(client.scan_iter(count=1000))
        self.render(self.session(), url)
        time.sleep(2)  # writes made beside the render
        new = [k for k in client.scan_iter(count=1000) if k not in before]
        pipe = client.pipeline()
        for key in new:
            pipe.memory_usage(key, samples=0)
        return sum(size or 0 for size in pipe.execute())

    def stop(self) -> None:
        self.sandbox.stop()


@dataclass
class SizeResult:
    page_rt: float
    sides: dict[str, dict[str, object]] = field(default_factory=dict)


def measure_sizes(bench: Bench, args: argparse.Namespace) -> dict[int, SizeResult]:
    results = {n: SizeResult(bench.page_round_trip(bench.sizes[n])) for n in args.sizes}
    for side in args.sides:
        with bench.serving(side):
            bench.warm_up([bench.warm_up_url])
            for n in args.sizes:
                url, got = bench.records[n], {}
                pages = math.ceil(n / (STARTER_PAGE if side == "starter" else PAGE))
                if side != "project" and pages + 1 > MINUTE_CALLS:
                    got["skipped"] = pages + 1
                    results[n].sides[side] = got
                    continue
                reps = args.cold if side == "project" or n <= 3_000 else args.cold_big_baseline
                log(f"{side}: {n:,} invoices, {reps} cold renders")
                got["cold"] = bench.cold(url, reps)
                if side == "project":
                    got["refresh"] = bench.cold(url, reps, refresh=True)
                    before = bench.worker_stats()
                    log(f"{side}: {n:,} invoices, {args.warm} warm renders")
                    got["warm"] = bench.warm(url, args.warm)
                    after = bench.worker_stats()
                    got["rss"] = statistics.median(
                        after[p]["rss"] - before[p]["rss"] for p in after if p in before
                    )
                    local = [s["local_cache_bytes"] for s in after.values()]
                    got["local"] = None if None in local else max(local)
                    got["after_write"] = bench.after_write(url, bench.sizes[n], args.writes)
                    got["floor"] = bench.floor(url, args.warm)
                    got["redis"] = bench.redis_bytes(url)
                results[n].sides[side] = got
    for n in args.sizes:  # the local copies grow size by size: each size's own share
        project = results[n].sides.get("project", {})
        smaller = [results[m].sides.get("project", {}).get("local") for m in args.sizes if m < n]
        if project.get("local") is not None and smaller and smaller[-1] is not None:
            project["local_own"] = project["local"] - smaller[-1]
        elif "local" in project:
            project["local_own"] = project["local"]
    return results


def measure_composer(bench: Bench, args: argparse.Namespace) -> dict[str, Run]:
    """Actions → Create invoice draft on the smallest customer's tab (issue 13): the composer
    with nothing cached (its reference data: items, accounts, tax rates, tracking, themes,
    currencies, the organisation's terms; and the contact), then warm."""
    url = f"{bench.records[min(args.sizes)]}invoice"
    with bench.serving("project"):
        bench.warm_up([url], shows='data-testid="draft-total"')
        log(f"project: the invoice composer, {args.cold} cold and {args.warm} warm renders")
        return {"cold": bench.cold(url, args.cold), "warm": bench.warm(url, args.warm)}


def composer_table(runs: dict[str, Run]) -> str:
    cold, warm = runs["cold"], runs["warm"]
    rows = [
        "| Measure | This project | Target | Met |",
        "|---|---|---|---|",
        f"| Xero calls, cold (nothing cached) | {cold.most('calls')} in "
        f"{rounds(cold.most('rounds'))} |  |  |",
        f"| Render, cold p50 / p95 (n = {cold.n}) | {ms(cold.p(0.5))} / {ms(cold.p(0.95))} |  |  |",
        f"| Xero calls per warm render (most) | {warm.most('calls')} | 0 "
        f"| {yes(warm.most('calls') == 0)} |",
        f"| Render, warm p50 / p95 (n = {warm.n}, every worker) | {ms(warm.p(0.5))} / "
        f"{ms(warm.p(0.95))} |  |  |",
    ]
    return "\n".join(rows)


def log(text: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {text}", file=sys.stderr, flush=True)


def yes(ok: bool) -> str:
    return "yes" if ok else "**no**"


def ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:,.1f}x" if a and b else ""


def sizes_table(results: dict[int, SizeResult], sides: tuple[str, ...]) -> str:
    head = (
        "| Invoices | Measure | Lean | Starter app | This project | Floor | Lean ÷ project "
        "| Starter ÷ project | Target | Met |"
    )
    lines = [head, "|---|---|---|---|---|---|---|---|---|---|"]
    small = min(results)
    small_warm = results[small].sides.get("project", {}).get("warm")
    for n, result in results.items():
        lines += size_rows(n, result, small, small_warm)
    return "\n".join(lines)


def size_rows(n: int, result: SizeResult, small: int, small_warm: Run | None) -> list[str]:
    """The table's rows for one customer size."""
    lines: list[str] = []
    got = {side: result.sides.get(side, {}) for side in SIDES}
    p, pages = got["project"], math.ceil(n / PAGE)
    known_rounds = math.ceil((pages + 1) / CONCURRENT)

    def base(side: str, key: str, q: float) -> float | None:
        if "skipped" in got[side]:
            return None
        run = got[side].get(key) or got[side].get("cold")
        return run.p(q) if run else None

    def skipped(side: str, shown: str) -> str:
        calls = got[side].get("skipped")
        if not calls:
            return shown
        return f"not run: {calls} calls, over Xero's 60 a minute" if not lines else "n/a"

    def row(measure, lean, starter, ours, floor="", target="", met="", ratios=None):
        a, b = ratios or ("", "")
        lines.append(
            f"| {n:,} | {measure} | {skipped('lean', lean)} | {skipped('starter', starter)} "
            f"| {ours} | {floor} | {a} | {b} | {target} | {met} |"
        )

    def calls(side: str, key: str = "cold") -> str:
        run = got[side].get(key)
        return f"{run.most('calls')} in {rounds(run.most('rounds'))}" if run else "n/a"

    row(
        "Xero calls, cold (first open, nothing cached)",
        calls("lean"),
        calls("starter"),
        calls("project"),
        f"{pages + 1} in {rounds(known_rounds)} (count known)",
    )
    target, met = "", ""
    if n == 30_000 and p.get("refresh"):
        target, met = "≤ 7 rounds", yes(p["refresh"].most("rounds") <= 7)
    row(
        "Xero calls, Refresh of a known customer",
        "as cold",
        "as cold",
        calls("project", "refresh"),
        f"{pages + 1} in {rounds(known_rounds)}",
        target,
        met,
    )
    for key, label in (("cold", "cold (first open)"), ("refresh", "Refresh (known customer)")):
        run = p.get(key)
        for q, qn in ((0.5, "p50"), (0.95, "p95")):
            ours = run.p(q) if run else None
            target, met = "", ""
            if key == "refresh" and n == 3_000 and qn == "p50" and ours:
                target = f"≤ 1.5 x page RT = {ms(1.5 * result.page_rt)}"
                met = yes(ours <= 1.5 * result.page_rt)
            a, b = base("lean", "cold", q), base("starter", "cold", q)
            row(
                f"Render, {label} {qn} (n = {run.n if run else 0})",
                ms(a) if key == "cold" else "as cold",
                ms(b) if key == "cold" else "as cold",
                ms(ours),
                f"{ms(result.page_rt)} (one page RT)" if qn == "p50" else "",
                target,
                met,
                (ratio(a, ours), ratio(b, ours)),
            )
    warm, floor = p.get("warm"), p.get("floor")
    for q, qn in ((0.5, "p50"), (0.95, "p95")):
        ours = warm.p(q) if warm else None
        target, met = "", ""
        if qn == "p95" and ours is not None:
            target, met = "≤ 50 ms", yes(ours <= 0.050)
            if n != small and small_warm:
                limit = 2 * small_warm.p(0.95)
                target += f" and ≤ 2 x {small:,}'s = {ms(limit)}"
                met = yes(ours <= 0.050 and ours <= limit)
        a, b = base("lean", "cold", q), base("starter", "cold", q)
        row(
            f"Render, warm {qn} (n = {warm.n if warm else 0}, every worker, first renders in)",
            f"{ms(a)} (no cache)",
            f"{ms(b)} (no cache)",
            ms(ours),
            f"{ms(floor.p(q, where=lambda s: not s.first))} (HTML from memory)" if floor else "",
            target,
            met,
            (ratio(a, ours), ratio(b, ours)),
        )
    if warm:
        firsts = [s.seconds for s in warm.samples if s.first]
        row(
            f"Render, warm: each worker's first ({len(firsts)} workers)",
            "",
            "",
            " / ".join(ms(s) for s in firsts),
        )
        row("Xero calls per warm render (most)", "as cold", "as cold", str(warm.most("calls")))
    written = p.get("after_write")
    if written:
        ours = written.p(0.5)
        target, met = ("≤ 30 ms", yes(ours <= 0.030)) if n == 30_000 else ("", "")
        row(
            f"Render after a write, p50 (n = {written.n}: each worker's first)",
            "",
            "",
            ms(ours),
            "",
            target,
            met,
        )
    if "rss" in p:
        row(
            "Memory per web worker: RSS growth (median) · local copy (pickled)",
            "",
            "",
            f"{mb(p['rss'])} · {mb(p.get('local_own'))}",
        )
        row("Redis bytes for this customer (MEMORY USAGE)", "", "", mb(p["redis"]))
    return lines


def database_url() -> str:
    """The benchmark database as a URL, for the processes it starts."""
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
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}, load average at the start {load}"
    )


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=int, default=300, help="ms per sandbox Accounting call")
    parser.add_argument("--quick", action="store_true", help="a short run of every measure")
    parser.add_argument("--out", help="also write the report (Markdown) to this file")
    parser.add_argument("--sizes", help="comma-separated invoice counts (default: all five)")
    parser.add_argument("--sides", default=",".join(SIDES), help="lean,starter,project")
    parser.add_argument("--cold", type=int, help="cold renders per size (default 20)")
    parser.add_argument("--warm", type=int, help="warm renders per size (default 200)")
    parser.add_argument("--no-day", action="store_true", help="skip the realistic day")
    parser.add_argument("--no-composer", action="store_true", help="skip the invoice composer")
    from benchmarks import day

    day.add_arguments(parser)
    args = parser.parse_args()
    args.sizes = (
        tuple(int(s) for s in args.sizes.split(","))
        if args.sizes
        else (QUICK_SIZES if args.quick else SIZES)
    )
    args.sides = tuple(s for s in args.sides.split(",") if s)
    args.cold = args.cold or (3 if args.quick else 20)
    args.warm = args.warm or (30 if args.quick else 200)
    args.cold_big_baseline = 2 if args.quick else 5
    args.writes = 2 if args.quick else 10
    day.settle_arguments(args)
    return args


def main() -> None:
    args = arguments()
    if not settings.REDIS_URL:
        sys.exit(
            "The benchmark measures the production shape: set REDIS_URL (scripts/bench.sh does)."
        )
    try:
        cache.clear()
    except Exception as exc:
        sys.exit(f"The benchmark needs Redis at {settings.REDIS_URL}: {exc}")
    from benchmarks import day

    began, started_at = time.perf_counter(), datetime.now(UTC)
    setup_test_environment()
    test_db = "crm_xero_bench" if db.vendor == "postgresql" else str(ROOT / "var/bench.sqlite3")
    (ROOT / "var").mkdir(exist_ok=True)
    db.settings_dict.setdefault("TEST", {})["NAME"] = test_db
    db.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    where = machine()
    try:
        bench = Bench(args)
        try:
            log(f"seeded {sum(args.sizes):,} invoices in {bench.seeded_in:.0f} s")
            sizes = measure_sizes(bench, args)
            composer = None if args.no_composer else measure_composer(bench, args)
            days = None if args.no_day else day.run(bench, args)
        finally:
            bench.stop()
    finally:
        connections.close_all()
        db.creation.destroy_test_db(test_db, verbosity=0)
    wall = time.perf_counter() - began
    command = "make bench" + (f' BENCH_ARGS="{" ".join(sys.argv[1:])}"' if sys.argv[1:] else "")
    backend = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    parts = [
        "# Xero tab benchmark",
        "",
        f"Run {started_at:%Y-%m-%d %H:%M} UTC on {where}; took {wall / 60:,.1f} minutes.",
        f"Database: {db.vendor}; cache: {backend}; gunicorn {WORKERS} workers and a Celery "
        f"worker (concurrency 2) with DEBUG false behind an HTTPS proxy (X-Forwarded-Proto); "
        f"sandbox latency {args.latency} ms per Accounting call; "
        f"`{command}`.",
        "",
        "## Customers by size",
        "",
        sizes_table(sizes, args.sides),
        "",
    ]
    if composer is not None:
        parts += ["## The invoice composer (a contact's Create invoice draft)", "",
                  composer_table(composer), ""]  # fmt: skip
    if days is not None:
        parts += ["## A realistic day", "", day.table(days, args), ""]
    report = "\n".join(parts)
    print(report)
    if args.out:
        out = Path(args.out)
        # Keep the hand-written notes below the marker of the file being replaced.
        notes = out.read_text().partition(NOTES)[2] if out.exists() else ""
        out.write_text(f"{report}\n{NOTES}{notes}" if notes else report)


if __name__ == "__main__":
    main()
