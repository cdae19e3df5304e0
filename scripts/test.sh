#!/usr/bin/env bash
# Install what the tests need (Python packages, Debian's chromium, Prism, axe-core) and run the whole suite.
# Extra arguments go to pytest, e.g. scripts/test.sh -k organization
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh dev
scripts/ensure-chromium.sh
scripts/ensure-prism.sh
scripts/ensure-axe.sh
exec .venv/bin/pytest "$@"
