#!/usr/bin/env bash
# Installs the locked dependencies, type-checks, unit-tests and packages the
# extension into editors/vscode/kimi-swarm.vsix. Needs Node 20 or newer.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
npm test
npm run package
