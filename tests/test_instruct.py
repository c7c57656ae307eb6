"""The instruct refactor: planning, agents, budget, gate; in process, from the CLI, and over LSP."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from kimi_lsp.fake_model import FakeModelServer, Script
from kimi_lsp.refactors.instruct import InstructSession, RequestError, parse_request
from kimi_lsp.swarm.engine import RunOptions, execute
from kimi_lsp.swarm.events import RunState
from kimi_lsp.swarm.workspace import Workspace
from tests.lsp_client import make_editor_client, open_workspace, wait_for_run

KEY = "sk-instruct-test"
REPLACE = {"rule": {"replace": {"old": "hello", "new": "hi"}}}
IMPORT_ALL = "python -c 'import a, b, c, d, e'"


def write_project(root: Path, modules: str = "abcde") -> None:
    for name in modules:
        (root / f"{name}.py").write_text(f'GREETING_{name.upper()} = "hello"\n')
    (root / "notes.txt").write_text("hello\n")


async def fake_server(*conversations: dict, **options) -> FakeModelServer:
    server = FakeModelServer(Script({"conversations": list(conversations), **options}))
    await server.start()
    return server


async def run_instruct(root: Path, server: FakeModelServer, agents: int = 4, **request):
    session = InstructSession(
        parse_request({"instruction": "say hi", "files": ["*.py"], "settings": {"baseUrl": server.base_url()}, **request}),
        Workspace(root),
        agents,
    )
    state = RunState("t", "instruct", agents)
    result = await execute("instruct", session, state, state.apply, RunOptions(agents=agents))
    return result, state


@pytest.fixture(autouse=True)
def api_key(monkeypatch):
    monkeypatch.setenv("KIMI_API_KEY", KEY)


@pytest.mark.parametrize(
    "request_json, message",
    [
        ({"files": ["*.py"]}, "instruction"),
        ({"instruction": "x", "files": []}, "files"),
        ({"instruction": "x", "files": ["a.py"], "checks": "make"}, "checks"),
        ({"instruction": "x", "files": ["a.py", "b.py"], "lines": [1, 2]}, "lines"),
    ],
)
def test_malformed_requests_say_what_is_expected(request_json, message):
    with pytest.raises(RequestError, match=message):
        parse_request(request_json)


async def test_agents_edit_every_group_and_the_report_counts_model_work(tmp_path):
    write_project(tmp_path)
    server = await fake_server(REPLACE)
    try:
        result, state = await run_instruct(tmp_path, server, filesPerGroup=2, checks=[IMPORT_ALL])
    finally:
        await server.close()
    assert result.status == "ok", result.message
    assert [g.modify for g in result.plan.groups] == [["a.py", "b.py"], ["c.py", "d.py"], ["e.py"]]
    assert any("grouped by folder" in note for note in result.plan.notes)  # the planner was not scripted
    assert sorted(result.changeset.touched_paths()) == [f"{m}.py" for m in "abcde"]
    assert (tmp_path / "a.py").read_text() == 'GREETING_A = "hello"\n'  # delivery is the adapter's job
    report = result.report()
    assert report["model"]["requests"] == 7 and report["model"]["toolCalls"] == 8
    assert report["critical_path_seconds"] > 0 and report["speedup"] is not None
    snapshot = state.snapshot()
    assert snapshot["model"]["steps"] == 6
    assert {g["id"]: g["model"]["steps"] for g in snapshot["groups"]} == {"g1": 2, "g2": 2, "g3": 2}
    assert KEY not in json.dumps(server.requests)


async def test_planner_groups_are_used_when_well_formed(tmp_path):
    write_project(tmp_path, "abc")
    answer = json.dumps({"groups": [{"title": "first two", "files": ["a.py", "b.py"]}, {"title": "last", "files": ["c.py"]}]})
    server = await fake_server({"match": "PLAN", "turns": [{"content": f"```json\n{answer}\n```"}]}, REPLACE)
    settings = {"baseUrl": server.base_url(), "plannerModel": "kimi-planner", "model": "kimi-worker"}
    try:
        result, _ = await run_instruct(tmp_path, server, settings=settings)
    finally:
        await server.close()
    assert [(g.title, g.modify) for g in result.plan.groups] == [("first two", ["a.py", "b.py"]), ("last", ["c.py"])]
    assert [r["model"] for r in server.requests] == ["kimi-planner"] + ["kimi-worker"] * 4


@pytest.mark.parametrize(
    "answer",
    [
        "Sure! Here are the groups: a.py and b.py",
        json.dumps({"groups": [{"files": ["a.py", "../../etc/passwd"]}]}),
        json.dumps({"groups": [{"files": ["a.py"]}, {"files": ["a.py"]}]}),
        json.dumps({"groups": []}),
    ],
    ids=["prose", "foreign path", "duplicate", "empty"],
)
async def test_unusable_planner_answers_fall_back_to_folder_groups(tmp_path, answer):
    write_project(tmp_path, "abc")
    server = await fake_server({"match": "PLAN", "turns": [{"content": answer}]}, REPLACE)
    try:
        result, _ = await run_instruct(tmp_path, server, filesPerGroup=1)
    finally:
        await server.close()
    assert [g.modify for g in result.plan.groups] == [["a.py"], ["b.py"], ["c.py"]]
    assert result.status == "ok"


async def test_spent_request_budget_stops_new_groups_and_says_so(tmp_path):
    write_project(tmp_path)
    server = await fake_server(REPLACE)
    try:
        result, _ = await run_instruct(
            tmp_path, server, agents=1, filesPerGroup=1, settings={"baseUrl": server.base_url(), "requestBudget": 5}
        )
    finally:
        await server.close()
    report = result.report()
    statuses = [g["status"] for g in report["groups"]]
    assert statuses[:2] == ["ok", "ok"] and "ok" not in statuses[2:]
    assert any("request budget spent" in (g["error"] or "") for g in report["groups"])
    assert result.status == "partial" and "request budget spent" in result.message
    assert len(server.requests) == 5


async def test_a_result_the_gate_rejects_is_not_delivered(tmp_path):
    write_project(tmp_path, "ab")
    breaking = {"rule": {"replace": {"old": '"hello"', "new": '"hello'}}}
    server = await fake_server(breaking)
    try:
        result, _ = await run_instruct(tmp_path, server, settings={"baseUrl": server.base_url(), "maxSteps": 3})
    finally:
        await server.close()
    assert result.status == "failed" and result.changeset.is_empty()
    feedback = [m for m in server.requests[-1]["messages"] if m["role"] == "user"][-1]["content"]
    assert "verification failed" in feedback and "a.py" in feedback


def test_no_key_fails_fast_naming_the_settings(tmp_path, monkeypatch):
    monkeypatch.delenv("KIMI_API_KEY")
    write_project(tmp_path)
    proc = subprocess.run(
        [sys.executable, "-m", "kimi_lsp", "run", "instruct", str(tmp_path), "--files", "*.py", "--instruction", "say hi"],
        capture_output=True, text=True, timeout=60, env={k: v for k, v in os.environ.items() if k != "KIMI_API_KEY"},
    )
    assert proc.returncode == 2
    assert "KIMI_API_KEY" in proc.stderr and "KIMI_BASE_URL" in proc.stderr
    assert (tmp_path / "a.py").read_text() == 'GREETING_A = "hello"\n'


async def test_cli_run_writes_the_gated_result_and_records_a_replayable_trail(tmp_path):
    """kimi-lsp fake-model and kimi-lsp run instruct, both as real processes."""
    project, recording = tmp_path / "project", tmp_path / "trail.jsonl"
    project.mkdir()
    write_project(project)
    script = tmp_path / "script.json"
    script.write_text(json.dumps({"conversations": [REPLACE]}))

    async def cli_run(source: list[str], root: Path) -> tuple[int, dict]:
        fake = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "kimi_lsp", "fake-model", *source, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
        )
        try:
            url = (await asyncio.wait_for(fake.stdout.readline(), 30)).decode().strip()
            env = {**os.environ, "KIMI_BASE_URL": url}
            run = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "kimi_lsp", "run", "instruct", str(root), "--files", "*.py",
                "--instruction", "say hi", "--check", IMPORT_ALL, "--agents", "3", "--json", "--record", str(recording),
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
            )
            out, _ = await asyncio.wait_for(run.communicate(), 120)
            return run.returncode, json.loads(out)
        finally:
            fake.terminate()
            await fake.wait()

    code, report = await cli_run(["--script", str(script)], project)
    assert code == 0, report["message"]
    assert report["verification"]["passed"] and report["files_changed"] == [f"{m}.py" for m in "abcde"]
    assert (project / "c.py").read_text() == 'GREETING_C = "hi"\n'
    assert (project / "notes.txt").read_text() == "hello\n"

    copy = tmp_path / "copy"
    copy.mkdir()
    write_project(copy)
    trail = recording.read_text().splitlines()
    code, replayed = await cli_run(["--replay", str(recording)], copy)
    assert code == 0 and replayed["files_changed"] == report["files_changed"]
    assert {f.name: f.read_text() for f in copy.glob("*.py")} == {f.name: f.read_text() for f in project.glob("*.py")}
    assert sorted(recording.read_text().splitlines()[len(trail):]) == sorted(trail)  # the replay asked exactly what was recorded


# ---------------------------------------------------------------- over LSP


@pytest_lsp.fixture(
    config=ClientServerConfig(
        server_command=[sys.executable, "-m", "kimi_lsp", "serve"],
        client_factory=make_editor_client,
        server_env={**os.environ, "KIMI_API_KEY": KEY},
    )
)
async def client(lsp_client: LanguageClient, tmp_path_factory):
    root = tmp_path_factory.mktemp("project")
    write_project(root, "ab")
    await open_workspace(lsp_client, root)
    yield
    await lsp_client.shutdown_session()


async def test_code_action_on_a_selection_offers_an_instruction_run(client: LanguageClient):
    uri = (client.root / "a.py").as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "python", 1, (client.root / "a.py").read_text()))
    )
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            types.TextDocumentIdentifier(uri),
            types.Range(types.Position(0, 0), types.Position(0, 5)),
            types.CodeActionContext(diagnostics=[]),
        )
    )
    instruct = [a for a in actions if a.command.arguments[0]["refactor"] == "instruct"]
    assert [a.title for a in instruct] == ["Kimi swarm: apply an instruction to a.py…"]
    assert instruct[0].command.arguments[0] == {"refactor": "instruct", "files": ["a.py"]}


async def test_swarm_start_runs_model_agents_and_applies_one_edit(client: LanguageClient):
    server = await fake_server(REPLACE)
    try:
        client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams({"kimi": {"baseUrl": server.base_url(), "model": "kimi-editor"}})
        )
        started = await client.workspace_execute_command_async(
            types.ExecuteCommandParams(
                "kimi.swarm.start", [{"refactor": "instruct", "instruction": "say hi", "files": ["*.py"], "checks": [IMPORT_ALL.replace(", c, d, e", "")]}]
            )
        )
        final = await wait_for_run(client, started["runId"] if isinstance(started, dict) else started.runId)
    finally:
        await server.close()
    assert final["status"] == "ok", final["message"]
    assert final["model"]["requests"] >= 2 and all(g["model"]["toolCalls"] >= 1 for g in final["groups"])
    assert len(client.applied_edits) == 1
    assert (client.root / "a.py").read_text() == 'GREETING_A = "hi"\n'
    assert {r["model"] for r in server.requests} == {"kimi-editor"}
    assert KEY not in json.dumps(server.requests)
