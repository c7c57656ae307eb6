# Everything kimi-lsp needs, installed locally: a Python venv and the npm
# packages of the TypeScript sidecar. Targets are safe to run again.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO := build/demo
DEMO_ARGS := --rename src/money.js:3:10=formatAmount --rename 'src/api.js\#getUser=fetchUser' \
	--move src/util.js=src/lib/format.js --map renames.json

.PHONY: setup demo test test-python test-vscode e2e-vscode bench clean

setup: $(VENV)/.installed kimi_lsp/ts/node_modules/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

kimi_lsp/ts/node_modules/.installed: kimi_lsp/ts/package.json kimi_lsp/ts/package-lock.json
	cd kimi_lsp/ts && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The quick start's main job: a swarm rename on a copy of examples/shop.
demo: setup
	rm -rf $(DEMO) && mkdir -p build && cp -r examples/shop $(DEMO)
	cd $(DEMO) && node index.js > ../demo-before.txt
	$(BIN)/kimi-lsp plan rename $(DEMO) $(DEMO_ARGS)
	$(BIN)/kimi-lsp run rename $(DEMO) $(DEMO_ARGS) --agents 8
	cd $(DEMO) && node index.js > ../demo-after.txt
	diff build/demo-before.txt build/demo-after.txt && echo "examples/shop still prints the same output after the rename (see $(DEMO))"

# The whole suite: Python (engine, CLI, language server over stdio, Neovim)
# and the VS Code extension's unit tests and packaging.
test: test-python test-vscode

test-python: setup
	$(BIN)/python -m pytest

test-vscode:
	bash editors/vscode/scripts/ci.sh

# The extension in a real VS Code (code-server in headless Chromium); CI runs it too.
e2e-vscode: setup
	bash editors/vscode/e2e/run.sh

# The benchmark suite; regenerates the tables in docs/performance.md.
bench: setup
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) build kimi_lsp/ts/node_modules bench/node_modules editors/vscode/node_modules
