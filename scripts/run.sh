#!/usr/bin/env bash
# Set up everything and run the demo at http://127.0.0.1:8000 (SQLite, in-process tasks).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
.venv/bin/python manage.py migrate --no-input
.venv/bin/python manage.py seed_demo
echo
echo "Open http://127.0.0.1:8000 and sign in with the demo admin above. Ctrl-C stops the server."
exec .venv/bin/python manage.py runserver 127.0.0.1:8000
