#!/usr/bin/env bash
# Benchmark the Xero tab against the sandbox (this project vs a lean and a starter-app baseline,
# five customer sizes, and a realistic day in compressed time) and print a table.
# It measures the production shape: Redis (BENCH_REDIS_URL, else REDIS_URL, else
# redis://127.0.0.1:6379/1), gunicorn with DEBUG false, a Celery worker; DATABASE_URL when set (as
# CI does), else SQLite. It empties that Redis database between measures: never point it at
# production's.
# Extra arguments go to the benchmark, e.g. scripts/bench.sh --quick --out docs/benchmarks.md
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh dev
export REDIS_URL="${BENCH_REDIS_URL:-${REDIS_URL:-redis://127.0.0.1:6379/1}}"
exec .venv/bin/python benchmarks/xero_tab.py "$@"
