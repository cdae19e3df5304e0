#!/usr/bin/env bash
# The accessibility tests (tests/browser/test_accessibility.py) run Deque's axe-core inside Chromium,
# offline: install it from npm into .tools/axe (its axe.min.js is injected into each page).
set -euo pipefail
cd "$(dirname "$0")/.."
version="4.14.1"
if [ -f .tools/axe/node_modules/axe-core/axe.min.js ] && [ -f ".tools/axe/.version-$version" ]; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "Installing Node.js and npm for axe-core"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null
fi
echo "Installing axe-core@$version into .tools/axe"
mkdir -p .tools/axe
npm install --silent --no-audit --no-fund --prefix .tools/axe "axe-core@$version"
touch ".tools/axe/.version-$version"
