"""What the benchmark sees inside a web process (benchmarks only, never in production).

Installed by the benchmark's WSGI modules around an unchanged application:
- every Accounting call this process makes (urllib3 requests to `/api.xro/`) is logged with its
  start and end; a gunicorn sync worker serves one request at a time, so the calls made while a
  request is served are that request's. Each response carries them in headers:
  `X-Bench-Xero-Calls` (calls made at request time), `X-Bench-Xero-Rounds` (the longest chain of
  calls one after another: round trips on the critical path), `X-Bench-Seconds` (time in the
  application, without any wait for a free worker), `X-Bench-Pid` and `X-Bench-Rss`
  (the worker and its resident memory in bytes after the request);
- `/bench/stats`: this worker's pid, RSS and the size of the seam's per-process copy of cached
  entries (pickled bytes), as JSON;
- `/bench/floor/?of=<tab path>`: a Django view (the project's middleware, session and sign-in
  check) that returns the HTML the tab rendered the first time this process was asked, from
  memory: the floor of a warm render.
"""

from __future__ import annotations

import json
import os
import pickle
import threading
import time

import urllib3

_calls: list[tuple[float, float]] = []
_lock = threading.Lock()
_original_urlopen = urllib3.PoolManager.urlopen


def _counting_urlopen(self, method, url, *args, **kwargs):
    started = time.monotonic()
    try:
        return _original_urlopen(self, method, url, *args, **kwargs)
    finally:
        if "/api.xro/" in url:
            with _lock:
                _calls.append((started, time.monotonic()))


def rounds(calls: list[tuple[float, float]]) -> int:
    """The most calls that ran one after another (none overlapping): round trips in sequence."""
    count, free_at = 0, float("-inf")
    for started, ended in sorted(calls, key=lambda call: call[1]):
        if started >= free_at:
            count, free_at = count + 1, ended
    return count


def rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def local_cache_bytes() -> int | None:
    """Pickled size of the seam's per-process copy of cache entries, if it keeps one."""
    from linking.xero import cache

    kept = getattr(cache, "_local", None)
    if kept is None:
        return None
    lock = getattr(cache, "_local_lock", threading.Lock())
    with lock:
        entries = list(kept.values())
    return sum(len(pickle.dumps(entry, pickle.HIGHEST_PROTOCOL)) for entry in entries)


class Instrumented:
    """WSGI middleware: the headers and the stats page described above."""

    def __init__(self, application) -> None:
        self.application = application

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") == "/bench/stats":
            body = json.dumps(
                {"pid": os.getpid(), "rss": rss(), "local_cache_bytes": local_cache_bytes()}
            ).encode()
            start_response("200 OK", [("Content-Type", "application/json")])
            return [body]
        began = time.perf_counter()
        with _lock:
            first = len(_calls)

        def start(status, headers, exc_info=None):
            with _lock:
                made = _calls[first:]
            headers = [
                *headers,
                ("X-Bench-Xero-Calls", str(len(made))),
                ("X-Bench-Xero-Rounds", str(rounds(made))),
                ("X-Bench-Seconds", f"{time.perf_counter() - began:.6f}"),
                ("X-Bench-Pid", str(os.getpid())),
                ("X-Bench-Rss", str(rss())),
            ]
            return start_response(status, headers, exc_info)

        return self.application(environ, start)


def install(application):
    """Count this process's Xero calls, serve the floor view, and wrap the application."""
    from django.conf import settings

    urllib3.PoolManager.urlopen = _counting_urlopen
    settings.ROOT_URLCONF = "benchmarks.urls"
    return Instrumented(application)
