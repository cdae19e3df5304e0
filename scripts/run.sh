#!/usr/bin/env bash
# Set up everything and run the demo at http://127.0.0.1:8000 (SQLite, in-process tasks), with the
# built-in Xero sandbox at http://127.0.0.1:8001 standing in for Xero.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
.venv/bin/python manage.py migrate --no-input
.venv/bin/python manage.py seed_demo

# The sandbox stands in for Xero, a separate service: it keeps its own SQLite file, so that the
# CRM holding its database's write lock (e.g. while refreshing a token) never blocks it.
sandbox_pid=""
if [ -z "${XERO_CLIENT_ID:-}" ]; then
  mkdir -p var
  sandbox_db="sqlite:///$(pwd)/var/sandbox.sqlite3"
  DATABASE_URL="$sandbox_db" .venv/bin/python manage.py migrate --no-input -v 0
  # Changes made in the sandbox reach the CRM as signed webhooks, as Xero's would.
  DATABASE_URL="$sandbox_db" .venv/bin/python manage.py seed_sandbox \
    --webhook-url http://127.0.0.1:8000/integrations/xero/webhooks \
    --webhook-key "${XERO_WEBHOOK_KEY:-sandbox-webhook-key-not-for-production}"
  DATABASE_URL="$sandbox_db" .venv/bin/python manage.py runsandbox 127.0.0.1:8001 &
  sandbox_pid=$!
fi
trap '[ -n "$sandbox_pid" ] && kill "$sandbox_pid" 2>/dev/null || true' EXIT INT TERM

echo
echo "Open http://127.0.0.1:8000 and choose \"Sign in with Xero\" (the sandbox) and \"Demo Admin\","
echo "(the demo admin's email and password above also sign in, but a password session sees no Xero data)."
echo "Ctrl-C stops both servers."
.venv/bin/python manage.py runserver 127.0.0.1:8000
