"""A realistic day of Xero tab opens, in compressed time (part of `make bench`).

`--day-users` people (50) open the tabs of `--day-contacts` customers (2,000), chosen with a
Zipf(1) law (the customer of rank r with weight 1/r; the biggest customers are the most opened:
rank r has 5 + 1000 // r invoices), each person `--day-opens` times an hour (12, think times
exponential), for `--day-hours` hours (8). Meanwhile Xero changes `--day-webhooks` of the
invoices an hour (2 %): each change is made in the sandbox and announced by a signed webhook
delivery, as Xero would, a delivery a second.

Time is compressed: one simulated hour lasts `--hour-seconds` (60). Every clock of the design
is scaled with it — the cache's XERO_CACHE_TTL and XERO_CACHE_KEEP, the minute budgets of the
CRM (XERO_RATE_PER_MINUTE) and of the sandbox (Xero's 60 calls a minute; and its day and app
limits) — so a simulated minute holds a minute's calls; what cannot be scaled stays real: the
sandbox's latency, Xero's 5 calls at once, renders, the webhook coalescing delay. The day
starts with an empty cache.

Each open records its render time, whether it showed "busy" (an error or older data because
Xero could not be asked) and how many Xero calls the web process made for it (the
X-Bench-Xero-Calls header, benchmarks/instrument.py); calls made elsewhere (the Celery worker:
webhooks, background refreshes) are the sandbox's count less those.
"""

from __future__ import annotations

import argparse
import itertools
import math
import random
import threading
import time
from dataclasses import dataclass, field

import requests
from django import db

DESIGNS = {
    "project": "This project as built (a stale open fetches at request time)",
    "lean": "Lean baseline (no cache: every open fetches)",
    "starter": "Starter-app baseline (no cache, SDK models, 100 a page)",
}
TTL, KEEP, CRM_MINUTE, XERO_MINUTE, XERO_DAY, XERO_APP_MINUTE = 600, 86_400, 55, 60, 5_000, 10_000


def add_arguments(parser: argparse.ArgumentParser) -> None:
    day = parser.add_argument_group("the realistic day")
    day.add_argument("--day-users", type=int, default=50)
    day.add_argument("--day-contacts", type=int, default=2_000)
    day.add_argument("--day-hours", type=float, help="simulated hours (default 8; quick 0.5)")
    day.add_argument("--hour-seconds", type=float, help="real seconds a simulated hour lasts (60)")
    day.add_argument("--day-opens", type=float, default=12, help="opens per user an hour")
    day.add_argument("--day-webhooks", type=float, default=0.02, help="invoices changed an hour")
    day.add_argument("--day-designs", default="project", help=f"of {', '.join(DESIGNS)}")


def settle_arguments(args: argparse.Namespace) -> None:
    args.day_hours = args.day_hours or (0.5 if args.quick else 8)
    args.hour_seconds = args.hour_seconds or 60
    args.day_designs = tuple(d for d in args.day_designs.split(",") if d)
    unknown = set(args.day_designs) - set(DESIGNS)
    if unknown:
        raise SystemExit(f"--day-designs: unknown {', '.join(sorted(unknown))}")


@dataclass
class Open:
    at: float
    seconds: float
    calls: int
    busy: bool
    server: float


@dataclass
class DayResult:
    design: str
    opens: list[Open] = field(default_factory=list)
    total_calls: int = 0
    events: int = 0
    deliveries: int = 0
    failed: int = 0  # opens that got no answer or not a 200

    def p(self, q: float, *, server: bool = False) -> float | None:
        ordered = sorted(o.server if server else o.seconds for o in self.opens)
        return ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)] if ordered else None


class Customers:
    """The day's customers in the sandbox and the CRM, by Zipf rank."""

    def __init__(self, bench, count: int) -> None:
        from benchmarks import seeding
        from crm_xero.crm.models import Organization
        from linking.models import XeroLink
        from sandbox import dbguard
        from sandbox.models import Invoice

        org = seeding.organisation()
        names = [(f"day-{r}", f"Day Customer {r:04d}") for r in range(1, count + 1)]
        found = seeding.contacts(org, names)
        history = seeding.History(org)
        for r in range(1, count + 1):
            history.add(found[f"day-{r}"], 5 + 1000 // r, key=f"day-{r}", first_number=r * 10_000)
        records = Organization.objects.bulk_create(
            [Organization(name=name) for _, name in names], batch_size=1000
        )
        XeroLink.objects.bulk_create(
            [
                XeroLink(
                    organization=record,
                    tenant_id=bench.connection.tenant_id,
                    xero_type=XeroLink.XeroType.CONTACT,
                    xero_id=found[key].contact_id,
                    xero_name=name,
                )
                for record, (key, name) in zip(records, names, strict=True)
            ],
            batch_size=1000,
        )
        self.urls = [f"/xero/tab/organization/{record.pk}/" for record in records]
        self.weights = list(itertools.accumulate(1 / r for r in range(1, count + 1)))
        with dbguard.guard():
            self.invoices = list(
                Invoice.objects.filter(contact__in=found.values()).values_list("pk", "invoice_id")
            )

    def pick(self, rng: random.Random) -> str:
        return rng.choices(self.urls, cum_weights=self.weights)[0]


def _scaled_env(args: argparse.Namespace) -> dict[str, str]:
    scale = args.hour_seconds / 3600  # real seconds per simulated second
    return {
        "XERO_CACHE_TTL": str(max(1, round(TTL * scale))),
        "XERO_CACHE_KEEP": str(max(60, round(KEEP * scale))),
        "XERO_RATE_PER_MINUTE": str(round(CRM_MINUTE / scale)),
    }


def run(bench, args: argparse.Namespace) -> list[DayResult]:
    from benchmarks.xero_tab import Worker, log

    log(f"the day: seeding {args.day_contacts:,} customers")
    customers = Customers(bench, args.day_contacts)
    scale = args.hour_seconds / 3600
    env = _scaled_env(args)
    results = []
    for design in args.day_designs:
        worker = Worker(bench.sandbox, **env)
        try:
            with bench.serving(design, **env):
                bench.warm_up([customers.urls[0]])
                bench.knobs.set_rate_limits(
                    minute=round(XERO_MINUTE / scale),
                    day=round(XERO_DAY / scale),
                    app_minute=round(XERO_APP_MINUTE / scale),
                )
                log(f"the day, {design}: {args.day_hours:g} hours of {args.hour_seconds:g} s")
                results.append(_day(bench, args, customers, design))
        finally:
            worker.stop()
            bench.knobs.reset()
    return results


def _day(bench, args: argparse.Namespace, customers: Customers, design: str) -> DayResult:
    result = DayResult(design)
    length = args.day_hours * args.hour_seconds
    before = bench.calls()
    began = time.monotonic()
    end = began + length
    lock = threading.Lock()

    def user(n: int) -> None:
        rng = random.Random(f"user:{n}")
        browser = bench.session()
        db.connection.close()  # this thread's, opened to sign the browser in
        mean_think = args.hour_seconds / args.day_opens
        time.sleep(rng.uniform(0, mean_think))  # not all at nine sharp
        while time.monotonic() < end:
            url = customers.pick(rng)
            at = time.monotonic() - began
            try:
                sample = bench.render(browser, url)
            except (requests.RequestException, SystemExit):
                with lock:
                    result.failed += 1
            else:
                with lock:
                    result.opens.append(
                        Open(at, sample.seconds, sample.calls, sample.busy, sample.server)
                    )
            time.sleep(rng.expovariate(1 / mean_think))

    threads = [threading.Thread(target=user, args=(n,)) for n in range(args.day_users)]
    for thread in threads:
        thread.start()
    _webhooks(bench, args, customers, result, end)
    for thread in threads:
        thread.join()
    time.sleep(5)  # the worker's last webhook refetches
    result.total_calls = bench.calls() - before
    return result


def _webhooks(bench, args, customers: Customers, result: DayResult, end: float) -> None:
    """Change invoices in the sandbox and deliver their webhooks, once a second, until `end`."""
    from django.conf import settings
    from django.utils import timezone

    from linking.webhooks import signature_of
    from sandbox import dbguard, webhooks
    from sandbox.models import Invoice

    rng = random.Random("webhooks")
    per_second = args.day_webhooks * len(customers.invoices) / args.hour_seconds
    began = time.monotonic()
    while time.monotonic() < end:
        tick = time.monotonic()
        # As many as are due by now: a delivery that waited for a free worker makes the next one
        # bigger, not the day's changes fewer.
        count = int(per_second * (tick - began)) - result.events
        if count > 0:
            picked = rng.sample(customers.invoices, min(count, len(customers.invoices)))
            with dbguard.guard():
                Invoice.objects.filter(pk__in=[pk for pk, _ in picked]).update(
                    updated=timezone.now(), reference=f"day {result.deliveries}"
                )
            events = [
                webhooks.event(bench.seed.AU_TENANT_ID, "INVOICE", invoice_id, "UPDATE")
                for _, invoice_id in picked
            ]
            body = webhooks.encode(webhooks.payload(events))
            answer = requests.post(
                f"{bench.web.url}/integrations/xero/webhooks",
                data=body,
                headers={
                    "Content-Type": "application/json",
                    "X-Forwarded-Proto": "https",
                    "x-xero-signature": signature_of(body, settings.XERO_WEBHOOK_KEY),
                },
                timeout=60,
            )
            if answer.status_code != 200:
                raise SystemExit(f"The webhook answered HTTP {answer.status_code}")
            result.events += len(picked)
            result.deliveries += 1
        time.sleep(max(0.0, 1 - (time.monotonic() - tick)))


def table(results: list[DayResult], args: argparse.Namespace) -> str:
    from benchmarks.xero_tab import ms, yes

    latency = args.latency / 1000
    lines = [
        f"{args.day_users} users, {args.day_contacts:,} customers (Zipf(1)), "
        f"{args.day_opens:g} opens per user an hour, webhooks for "
        f"{args.day_webhooks:.0%} of the invoices an hour, {args.day_hours:g} hours, starting "
        f"with an empty cache; 1 simulated hour = {args.hour_seconds:g} s (TTL, KEEP and the "
        f"minute budgets scaled with it: "
        f"{', '.join(f'{k}={v}' for k, v in _scaled_env(args).items())}; the sandbox's minute "
        f"limit {round(XERO_MINUTE * 3600 / args.hour_seconds):,}). Compressing time multiplies "
        f"the opens a real second by {3600 / args.hour_seconds:,.0f} for the same 3 workers: "
        f"the render times as browsers see them include waits for a free worker that a real "
        f"day would not have, and as people wait for their tab, fewer opens are made than "
        f"planned (which lowers the share of warm ones); the times in the web process do not "
        f"include those waits. `--hour-seconds 300` compresses less.",
        "",
        "| Design | Opens (planned) | 0 Xero calls at request time (target ≥ 85 %) "
        "| Answered in the web "
        f"process in < {ms(latency)} (no wait for Xero) | Showed busy (target 0) | Failed "
        "requests | Render p50 / p95, browser | Render p50 / p95, in the web process | Xero "
        "calls a simulated hour (at request time + elsewhere) | Webhook events (deliveries) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for result in results:
        opens = len(result.opens) or 1
        zero = sum(o.calls == 0 for o in result.opens) / opens
        quick = sum(o.server < latency for o in result.opens) / opens
        at_request = sum(o.calls for o in result.opens)
        hours = args.day_hours
        busy = sum(o.busy for o in result.opens)
        planned = args.day_users * args.day_opens * hours
        lines.append(
            f"| {DESIGNS[result.design]} | {len(result.opens):,} ({planned:,.0f}) "
            f"| {zero:.0%}: {yes(zero >= 0.85)} "
            f"| {quick:.0%} | {busy}: {yes(busy == 0)} | {result.failed} "
            f"| {ms(result.p(0.5))} / {ms(result.p(0.95))} "
            f"| {ms(result.p(0.5, server=True))} / {ms(result.p(0.95, server=True))} "
            f"| {result.total_calls / hours:,.0f} ({at_request / hours:,.0f} + "
            f"{(result.total_calls - at_request) / hours:,.0f}) "
            f"| {result.events:,} ({result.deliveries:,}) |"
        )
    return "\n".join(lines)
