"""`js-to-ts --model`: residual type errors and `any` types go to a model before any suppression.

The model is the real fake model server over HTTP, scripted to replace one
expression in every file its spec lists.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kimi_lsp.fake_model import FakeModelServer, Script
from kimi_lsp.refactors.js_to_ts.request import parse_request
from kimi_lsp.refactors.js_to_ts.session import JsToTsSession
from kimi_lsp.swarm.apply import write_changeset
from kimi_lsp.swarm.engine import RunOptions, RunResult, execute
from kimi_lsp.swarm.events import RunState
from kimi_lsp.swarm.verify import run_tsc
from kimi_lsp.swarm.workspace import Workspace
from kimi_lsp.ts.client import tsc_command
from tests.projects import REPO, read_project, write_project

KEY = "sk-js-to-ts-model-test"
PROJECT = {
    "package.json": '{"type": "module"}\n',
    "src/label.js": (
        "const count = 3;\n"
        "export const label = count.toUpperCase();\n"
        "let size = 1;\n"
        "size = 'large';\n"
        "export { size };\n"
    ),
}
FIX = {"rule": {"replace": {"old": "count.toUpperCase()", "new": "String(count).toUpperCase()"}}}
WORSE = {"rule": {"replace": {"old": "const count = 3;", "new": "const count: string = 3;\nconst other: number = 'x';"}}}

# Typing alone leaves `items: any` here (nothing calls `total`) and no error.
ANY_PROJECT = {
    "package.json": '{"type": "module"}\n',
    "src/prices.js": (
        "export function total(items) {\n"
        "  let sum = 0;\n"
        "  for (const item of items) sum += item.price;\n"
        "  return sum;\n"
        "}\n"
    ),
}
ANY_SITE = "src/prices.ts:1:30 any in: export function total(items: any) {"
TYPED = {"match": ANY_SITE, "rule": {"replace": {"old": "items: any", "new": "items: { price: number }[]"}}}
MISTYPED = {"rule": {"replace": {"old": "items: any", "new": "items: string[]"}}}
ANOTHER_ANY = {"rule": {"replace": {"old": "let sum = 0;", "new": "let sum: any = 0;"}}}


@pytest.fixture
def project(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("KIMI_API_KEY", KEY)
    return write_project(tmp_path / "project", PROJECT)


@pytest.fixture
def any_project(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("KIMI_API_KEY", KEY)
    return write_project(tmp_path / "any-project", ANY_PROJECT)


async def migrate(root: Path, conversation: dict | None) -> RunResult:
    """An in-process run as the language server starts it; with a conversation, against a fake model."""
    request: dict = {}
    server = None
    if conversation is not None:
        server = FakeModelServer(Script({"conversations": [conversation]}))
        await server.start()
        request = {"model": True, "settings": {"baseUrl": server.base_url(), "maxSteps": 3}}
    try:
        session = JsToTsSession(parse_request(request), Workspace(root), 2)
        state = RunState("t", "js-to-ts", 2)
        return await execute("js-to-ts", session, state, state.apply, RunOptions(agents=2))
    finally:
        if server:
            await server.close()


async def test_the_model_fixes_an_error_that_would_otherwise_be_suppressed(project, tmp_path):
    plain = await migrate(write_project(tmp_path / "plain", PROJECT), None)
    assert plain.status == "ok", plain.message
    assert "model_fixed" not in plain.report() and "model" not in plain.report()
    result = await migrate(project, FIX)
    assert result.status == "ok", result.message
    report = result.report()
    assert report["errors_after"] == 0
    assert report["model_fixed"] >= 1
    assert report["suppressions"] < plain.report()["suppressions"]
    assert report["model"]["requests"] >= 1
    write_changeset(project, result.changeset)
    migrated = read_project(project)["src/label.ts"]
    assert "String(count).toUpperCase()" in migrated
    assert "@ts-expect-error" in migrated  # the error the model left is still suppressed


async def test_a_model_that_makes_things_worse_is_ignored(project, tmp_path):
    plain = await migrate(write_project(tmp_path / "plain", PROJECT), None)
    result = await migrate(project, WORSE)
    assert result.status == "ok", result.message
    assert result.report()["model_fixed"] == 0
    assert result.report()["suppressions"] == plain.report()["suppressions"]
    assert result.changeset.final_texts(Workspace(project).read) == plain.changeset.final_texts(Workspace(project).read)


async def test_model_without_a_key_fails_fast_naming_the_settings(project):
    env = {k: v for k, v in os.environ.items() if k != "KIMI_API_KEY"}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "kimi_lsp", "run", "js-to-ts", str(project), "--model", "--json",
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode == 2, out.decode() + err.decode()
    assert "KIMI_API_KEY" in err.decode()
    assert read_project(project) == PROJECT


async def test_the_model_replaces_an_any_with_the_type_its_code_makes_clear(any_project):
    result = await migrate(any_project, TYPED)  # the script answers only a spec listing the exact site
    assert result.status == "ok", result.message
    report = result.report()
    assert (report["model_typed"], report["model_fixed"], report["any_count"]) == (1, 0, 0)
    assert (report["errors_after"], report["suppressions"]) == (0, 0)
    write_changeset(any_project, result.changeset)
    migrated = read_project(any_project)["src/prices.ts"]
    assert migrated.startswith("export function total(items: { price: number }[]) {\n")
    assert await run_tsc(tsc_command(any_project), any_project, "tsconfig.json") == []


@pytest.mark.parametrize("conversation", [MISTYPED, ANOTHER_ANY], ids=["adds-an-error", "adds-an-any"])
async def test_a_replacement_that_adds_errors_or_anys_is_rejected_and_the_any_stays(any_project, conversation):
    result = await migrate(any_project, conversation)
    assert result.status == "ok", result.message
    report = result.report()
    assert (report["model_typed"], report["model_fixed"], report["any_count"]) == (0, 0, 1)
    assert (report["errors_after"], report["suppressions"]) == (0, 0)
    assert report["model"]["requests"] >= 2  # the model did edit, and the check sent it back
    write_changeset(any_project, result.changeset)
    migrated = read_project(any_project)["src/prices.ts"]
    assert migrated == ANY_PROJECT["src/prices.js"].replace("total(items)", "total(items: any)")
    assert await run_tsc(tsc_command(any_project), any_project, "tsconfig.json") == []
