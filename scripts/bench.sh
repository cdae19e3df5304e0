#!/usr/bin/env bash
# Benchmark the Xero tab against the sandbox (this project vs a naive baseline) and print a table.
# Uses DATABASE_URL / REDIS_URL when set (as CI does), else SQLite and local memory.
# Extra arguments go to the benchmark, e.g. scripts/bench.sh --quick --out docs/benchmarks.md
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh dev
exec .venv/bin/python benchmarks/xero_tab.py "$@"
