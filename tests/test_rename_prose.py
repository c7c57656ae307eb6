"""`rename --prose`: the deterministic rename, then a model for comments, docs and strings.

The model is the real fake model server over HTTP (a `kimi-lsp fake-model`
process for CLI runs), scripted to replace the old name with the new one in
every file its spec lists.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kimi_lsp.fake_model import FakeModelServer, Script
from kimi_lsp.refactors.prose import Overlap, rebase
from kimi_lsp.refactors.rename import RenameSession, parse_request
from kimi_lsp.swarm.apply import write_changeset
from kimi_lsp.swarm.changeset import TextEdit
from kimi_lsp.swarm.engine import RunOptions, RunResult, execute
from kimi_lsp.swarm.events import RunState
from kimi_lsp.swarm.workspace import Workspace
from tests.projects import REPO, read_project, run_node, run_python, write_project

KEY = "sk-rename-prose-test"
RULE = {"rule": {"replace": {"old": "fetch_user", "new": "load_user"}}}
PROJECT = {
    "users.py": 'def fetch_user(user_id):\n    """Look up one user."""\n    return {"id": user_id}\n',
    "main.py": (
        "from users import fetch_user\n"
        "\n"
        "print(fetch_user(1))  # prints what fetch_user returns\n"
    ),
    "README.md": "# Users\n\nCall `fetch_user(id)` to get one user.\n",
    "CHANGES.md": "Nothing about users here.\n",
}
RENAMED_CODE = {
    "users.py": 'def load_user(user_id):\n    """Look up one user."""\n    return {"id": user_id}\n',
    "main.py": "from users import load_user\n\nprint(load_user(1))  # prints what fetch_user returns\n",
}

OUTSIDE = {"name": "edit_file", "arguments": {"path": "CHANGES.md", "old": "Nothing", "new": "Everything"}}
UNDO = {"name": "edit_file", "arguments": {"path": "main.py", "old": "load_user(1)", "new": "fetch_user(1)"}}
FINISH = {"name": "finish", "arguments": {"summary": "done"}}
MISBEHAVING = {"turns": [{"tool_calls": [OUTSIDE, UNDO]}] + [{"tool_calls": [FINISH]}] * 3}


@pytest.fixture
def project(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    return write_project(tmp_path / "project", PROJECT)


async def cli_rename(root: Path, *args: str, env: dict[str, str]) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "kimi_lsp", "run", "rename", str(root), "--rename", "users.py#fetch_user=load_user",
        "--json", *args, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    return proc.returncode, out.decode(), err.decode()


async def run_prose(
    root: Path, conversation: dict, rename: dict | None = None, reuse: dict | None = None
) -> tuple[RunResult, FakeModelServer]:
    """An in-process run, as the language server starts it, against a fake model with one conversation.

    `reuse` makes it a retry that keeps those groups' changesets.
    """
    server = FakeModelServer(Script({"conversations": [conversation]}))
    await server.start()
    try:
        request = {"renames": [rename or {"target": "users.py#fetch_user", "new": "load_user"}], "prose": True}
        request["settings"] = {"baseUrl": server.base_url(), "maxSteps": 3}
        session = RenameSession(parse_request(request), Workspace(root), 2)
        state = RunState("t", "rename", 2)
        return await execute("rename", session, state, state.apply, RunOptions(agents=2), reuse=reuse), server
    finally:
        await server.close()


def without_key() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "KIMI_API_KEY"}


async def test_prose_run_renames_code_deterministically_and_prose_by_the_model(project, tmp_path):
    script, recording = tmp_path / "script.json", tmp_path / "trail.jsonl"
    script.write_text(json.dumps({"conversations": [RULE]}))
    output = run_python(project)
    fake = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "kimi_lsp", "fake-model", "--script", str(script),
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
    )
    try:
        url = (await asyncio.wait_for(fake.stdout.readline(), 30)).decode().strip()
        env = {**without_key(), "KIMI_API_KEY": KEY, "KIMI_BASE_URL": url, "KIMI_LSP_RECORD": str(recording)}
        code, out, err = await cli_rename(project, "--prose", env=env)
    finally:
        fake.terminate()
        await fake.wait()
    assert code == 0, out + err
    report = json.loads(out)
    assert report["status"] == "ok", report["message"]
    assert read_project(project) == {
        **PROJECT,
        "users.py": RENAMED_CODE["users.py"],
        "main.py": RENAMED_CODE["main.py"].replace("what fetch_user", "what load_user"),
        "README.md": "# Users\n\nCall `load_user(id)` to get one user.\n",
    }
    assert run_python(project) == output
    assert [g["title"] for g in report["groups"]] == ["rename in users.py", "prose mentions in README.md, main.py, users.py"]
    assert report["prose_edits"] == 2
    assert report["model"]["requests"] == 2 and report["model"]["toolCalls"] == 3
    specs = {entry["request"][1]["content"] for entry in map(json.loads, recording.read_text().splitlines())}
    assert len(specs) == 1
    # users.py has no mention left after the code rename, CHANGES.md never had one: neither is offered
    assert [line for line in specs.pop().splitlines() if "MODIFY" in line] == ["- MODIFY README.md", "- MODIFY main.py"]
    assert KEY not in recording.read_text()


async def test_without_prose_only_code_changes_and_no_key_is_needed(project):
    code, out, err = await cli_rename(project, env=without_key())
    assert code == 0, out + err
    assert "model" not in json.loads(out) and "prose_edits" not in json.loads(out)
    assert read_project(project) == {**PROJECT, **RENAMED_CODE}


async def test_prose_without_a_key_fails_fast_naming_the_settings(project):
    code, out, err = await cli_rename(project, "--prose", env=without_key())
    assert code == 2, out + err
    assert "KIMI_API_KEY" in err and "KIMI_BASE_URL" in err
    assert read_project(project) == PROJECT


async def test_edits_outside_the_group_or_on_renamed_code_are_refused(project, monkeypatch):
    """A misbehaving model: it writes a file outside its group, then reverts the code rename."""
    monkeypatch.setenv("KIMI_API_KEY", KEY)
    result, server = await run_prose(project, MISBEHAVING)
    answers = [m["content"] for m in server.requests[1]["messages"] if m["role"] == "tool"]
    assert answers[0].startswith("error: CHANGES.md: you may only write this group's files")
    feedback = [m["content"] for m in server.requests[-1]["messages"] if m["role"] == "user"]
    assert "touches code the rename already changed" in feedback[-1]
    assert result.status == "partial", result.message
    assert [o.status for o in result.outcomes.values()] == ["ok", "failed"]
    assert sorted(result.changeset.touched_paths()) == ["main.py", "users.py"]
    assert result.changeset.final_texts(Workspace(project).read) == RENAMED_CODE


def test_rebase_keeps_prose_edits_beside_code_edits_on_the_same_line():
    base = "x = old(1)  # old\n"
    code = [TextEdit((0, 4), (0, 7), "renamed")]
    assert rebase([TextEdit((0, 18), (0, 21), "renamed")], base, code) == [TextEdit((0, 14), (0, 17), "renamed")]
    with pytest.raises(Overlap):
        rebase([TextEdit((0, 4), (0, 11), "old")], base, code)


async def test_a_retry_of_the_prose_group_builds_on_the_kept_code_rename(project, monkeypatch):
    """A retry keeps the code group's changeset and runs only the prose group, which recomputes the rename."""
    monkeypatch.setenv("KIMI_API_KEY", KEY)
    first, _ = await run_prose(project, MISBEHAVING)
    assert [o.status for o in first.outcomes.values()] == ["ok", "failed"]
    retried, _ = await run_prose(project, RULE, reuse={"g1": first.outcomes["g1"].result.changeset})
    assert retried.status == "ok", retried.message
    final = retried.changeset.final_texts(Workspace(project).read)
    assert final["README.md"] == PROJECT["README.md"].replace("fetch_user", "load_user")
    assert final["main.py"] == RENAMED_CODE["main.py"].replace("what fetch_user", "what load_user")


async def test_javascript_prose_in_comments_strings_and_docs(tmp_path, monkeypatch):
    """The TypeScript sidecar renames the code; the model the comment, the string and the guide."""
    monkeypatch.setenv("KIMI_API_KEY", KEY)
    root = write_project(
        tmp_path / "js",
        {
            "package.json": '{"type": "module"}\n',
            "src/api.js": "// getUser: look up one user\nexport function getUser(id) {\n  return { id };\n}\n",
            "main.js": "import { getUser } from './src/api.js';\n\nconsole.log('calling getUser', getUser(1).id);\n",
            "docs/guide.md": "Use getUser.\n",
        },
    )
    rule = {"rule": {"replace": {"old": "getUser", "new": "fetchUser"}}}
    result, _ = await run_prose(root, rule, rename={"target": "src/api.js#getUser", "new": "fetchUser"})
    assert result.status == "ok", result.message
    write_changeset(root, result.changeset)
    assert read_project(root)["src/api.js"] == "// fetchUser: look up one user\nexport function fetchUser(id) {\n  return { id };\n}\n"
    assert read_project(root)["docs/guide.md"] == "Use fetchUser.\n"
    assert run_node(root) == "calling fetchUser 1\n"
