#!/usr/bin/env bash
# The contract tests serve Xero's OpenAPI specs with Stoplight Prism; install it into .tools/prism.
set -euo pipefail
cd "$(dirname "$0")/.."
version="5.16.0"
if [ -x .tools/prism/node_modules/.bin/prism ] && [ -f ".tools/prism/.version-$version" ]; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "Installing Node.js and npm for Prism"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null
fi
echo "Installing @stoplight/prism-cli@$version into .tools/prism"
mkdir -p .tools/prism
npm install --silent --no-audit --no-fund --prefix .tools/prism "@stoplight/prism-cli@$version"
touch ".tools/prism/.version-$version"
