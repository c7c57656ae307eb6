#!/usr/bin/env bash
# Installs the locked dependencies, type-checks, unit-tests and packages the
# extension into editors/vscode/kimi-swarm.vsix. Needs Node 20 or newer.
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci --no-audit --no-fund --loglevel=error
npm test
npm run package
