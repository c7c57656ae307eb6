"""End to end over stdio with a real LSP client: code action -> run -> one applyEdit."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.lsp_client import make_editor_client, open_workspace, wait_for_run

FILES = 24


def write_project(root: Path) -> None:
    """A CommonJS-free ES module project: one module used by 23 others."""
    (root / "src").mkdir()
    (root / "src" / "user.mjs").write_text(
        "export function getUser(id) {\n  return { id, name: `user${id}` };\n}\n"
    )
    lines = []
    for i in range(1, FILES):
        (root / "src" / f"page{i}.mjs").write_text(
            f"import {{ getUser }} from './user.mjs';\n\nexport function page{i}() {{\n  return getUser({i}).name;\n}}\n"
        )
        lines.append(f"import {{ page{i} }} from './src/page{i}.mjs';\nconsole.log(page{i}());\n")
    (root / "main.mjs").write_text("".join(lines))


def node_output(root: Path) -> str:
    return subprocess.run(["node", "main.mjs"], cwd=root, capture_output=True, text=True, check=True).stdout


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=[sys.executable, "-m", "kimi_lsp", "serve"], client_factory=make_editor_client)
)
async def client(lsp_client: LanguageClient, tmp_path_factory):
    root = tmp_path_factory.mktemp("project")
    write_project(root)
    await open_workspace(lsp_client, root)
    yield
    await lsp_client.shutdown_session()


def open_document(client: LanguageClient, path: Path, version: int = 1) -> str:
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "javascript", version, path.read_text()))
    )
    client.open_versions[uri] = version
    client.buffers[uri] = path.read_text()
    return uri


async def code_actions(client: LanguageClient, uri: str, line: int, character: int, only=None) -> list:
    return await client.text_document_code_action_async(
        types.CodeActionParams(
            types.TextDocumentIdentifier(uri),
            types.Range(types.Position(line, character), types.Position(line, character)),
            types.CodeActionContext(diagnostics=[], only=only),
        )
    )


async def test_code_action_offers_swarm_rename_at_identifier(client: LanguageClient):
    uri = open_document(client, client.root / "src" / "user.mjs")
    actions = await code_actions(client, uri, 0, 18, only=[types.CodeActionKind.RefactorRewrite])
    renames = [a for a in actions if a.title.startswith("Kimi swarm: rename")]
    assert len(renames) == 1
    action = renames[0]
    assert action.title == "Kimi swarm: rename 'getUser' across the workspace…"
    assert action.kind == types.CodeActionKind.RefactorRewrite
    assert action.command.command == "kimi.swarm.start"
    assert list(action.command.arguments) == [{"refactor": "rename", "renames": [{"target": "src/user.mjs:1:17"}]}]
    assert await code_actions(client, uri, 0, 18, only=[types.CodeActionKind.QuickFix]) in ([], ())
    assert await code_actions(client, uri, 0, 6, only=[types.CodeActionKind.Refactor]) != []


async def test_no_rename_action_off_an_identifier(client: LanguageClient):
    uri = open_document(client, client.root / "src" / "user.mjs")
    actions = await code_actions(client, uri, 2, 0)
    assert not [a for a in actions if a.title.startswith("Kimi swarm: rename")]


async def test_rename_applies_one_versioned_edit_across_all_files(client: LanguageClient):
    before = node_output(client.root)
    user_uri = open_document(client, client.root / "src" / "user.mjs", version=7)
    argument = {"refactor": "rename", "renames": [{"target": "src/user.mjs:1:17", "new": "fetchUser"}], "agents": 4}
    result = await client.workspace_execute_command_async(types.ExecuteCommandParams("kimi.swarm.start", [argument]))
    run_id = result["runId"] if isinstance(result, dict) else result.runId
    final = await wait_for_run(client, run_id)

    assert final["status"] == "ok", final
    assert final["delivery"] == "applied"
    assert len(client.applied_edits) == 1
    edit = client.applied_edits[0].edit
    documents = {c.text_document.uri: c.text_document.version for c in edit.document_changes}
    assert len(documents) == FILES
    assert documents[user_uri] == 7
    assert all(v is None for uri, v in documents.items() if uri != user_uri)

    assert "export function fetchUser(id)" in (client.root / "src" / "user.mjs").read_text()
    assert "getUser" not in "".join(p.read_text() for p in client.root.rglob("*.mjs"))
    assert node_output(client.root) == before

    diff = final["groups"][0]["diff"]
    assert "-export function getUser(id) {\n+export function fetchUser(id) {" in diff
    assert "+++ b/src/page7.mjs" in diff

    token = f"kimi-swarm/{run_id}"
    kinds = [getattr(p, "kind", None) for p in client.progress_reports[token]]
    assert kinds[0] == "begin" and kinds[-1] == "end" and "report" in kinds


async def test_status_answers_while_a_run_is_going(client: LanguageClient):
    argument = {"refactor": "rename", "renames": [{"target": "src/user.mjs#getUser", "new": "loadUser"}]}
    result = await client.workspace_execute_command_async(types.ExecuteCommandParams("kimi.swarm.start", [argument]))
    run_id = result["runId"]
    status = await client.workspace_execute_command_async(types.ExecuteCommandParams("kimi.swarm.status", [{"runId": run_id}]))
    assert status["runId"] == run_id
    listing = await client.workspace_execute_command_async(types.ExecuteCommandParams("kimi.swarm.status", []))
    assert [r["runId"] for r in listing["runs"]] == [run_id]
    await wait_for_run(client, run_id)


async def test_cancelling_a_run_applies_nothing(client: LanguageClient):
    before = {p: p.read_bytes() for p in client.root.rglob("*.mjs")}
    argument = {"refactor": "rename", "renames": [{"target": "src/user.mjs#getUser", "new": "fetchUser"}]}
    result = await client.workspace_execute_command_async(types.ExecuteCommandParams("kimi.swarm.start", [argument]))
    started = time.monotonic()
    cancelled = await client.workspace_execute_command_async(
        types.ExecuteCommandParams("kimi.swarm.cancel", [{"runId": result["runId"]}])
    )
    assert time.monotonic() - started < 5
    assert cancelled["status"] == "cancelled"
    final = await wait_for_run(client, result["runId"])
    assert final["status"] == "cancelled"
    assert client.applied_edits == []
    assert {p: p.read_bytes() for p in client.root.rglob("*.mjs")} == before


async def test_cancelling_the_progress_stops_the_run(client: LanguageClient):
    argument = {"refactor": "rename", "renames": [{"target": "src/user.mjs#getUser", "new": "fetchUser"}]}
    result = await client.workspace_execute_command_async(types.ExecuteCommandParams("kimi.swarm.start", [argument]))
    token = f"kimi-swarm/{result['runId']}"
    while token not in client.progress_reports:
        await client.status_event.wait()
    client.window_work_done_progress_cancel(types.WorkDoneProgressCancelParams(token))
    final = await wait_for_run(client, result["runId"])
    assert final["status"] == "cancelled"
    assert client.applied_edits == []


@pytest.mark.parametrize(
    "arguments, message",
    [
        ([], "takes one JSON object argument"),
        (["rename"], "takes one JSON object argument"),
        ([{"refactor": "rename"}, {}], "takes one JSON object argument"),
        ([{"refactor": "nope"}], "unknown refactor 'nope'"),
        ([{"refactor": "rename", "renames": [{"target": "src/user.mjs:1:17"}]}], "needs string 'target' and 'new'"),
        ([{"refactor": "rename", "renames": [{"target": "src/missing.js:1:1", "new": "x"}]}], "does not exist"),
        ([{"refactor": "rename", "renames": [{"target": "../outside.js#x", "new": "y"}]}], "outside the workspace"),
        ([{"refactor": "rename", "renames": [{"target": "src/user.mjs:1:1", "new": "2bad"}]}], "not a valid identifier"),
        ([{"refactor": "rename", "renames": [{"target": "src/user.mjs#getUser", "new": "x"}], "agents": 0}], "'agents'"),
    ],
)
async def test_bad_arguments_get_invalid_params_with_a_clear_message(client: LanguageClient, arguments, message):
    with pytest.raises(JsonRpcInvalidParams, match=message):
        await client.workspace_execute_command_async(types.ExecuteCommandParams("kimi.swarm.start", arguments))
    status = await client.workspace_execute_command_async(types.ExecuteCommandParams("kimi.swarm.status", []))
    assert status["runs"] == []


async def test_plan_command_returns_spec_and_groups(client: LanguageClient):
    argument = {"refactor": "rename", "renames": [{"target": "src/user.mjs#getUser", "new": "fetchUser"}]}
    plan = await client.workspace_execute_command_async(types.ExecuteCommandParams("kimi.swarm.plan", [argument]))
    assert "[INDEPENDENT]" in plan["spec"]
    assert "MODIFY src/page1.mjs" in plan["spec"]
    assert len(plan["groups"][0]["modify"]) == FILES


async def test_preview_edit_carries_annotations_that_need_confirmation(client: LanguageClient):
    argument = {"refactor": "rename", "renames": [{"target": "src/user.mjs#getUser", "new": "fetchUser"}], "preview": True}
    result = await client.workspace_execute_command_async(types.ExecuteCommandParams("kimi.swarm.start", [argument]))
    final = await wait_for_run(client, result["runId"])
    assert final["delivery"] == "applied", (final, [m.message for m in client.log_messages])
    edit = client.applied_edits[0].edit
    assert edit.change_annotations["kimi-swarm"].needs_confirmation is True
    annotated = [e for change in edit.document_changes for e in change.edits]
    assert len(annotated) > FILES and all(e.annotation_id == "kimi-swarm" for e in annotated)


async def start_rename(client: LanguageClient, new: str = "fetchUser", **extra) -> str:
    argument = {"refactor": "rename", "renames": [{"target": "src/user.mjs#getUser", "new": new}], **extra}
    result = await client.workspace_execute_command_async(types.ExecuteCommandParams("kimi.swarm.start", [argument]))
    return result["runId"]


def type_into(client: LanguageClient, uri: str, version: int, text: str) -> None:
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(version=version, uri=uri),
            [types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )
    client.open_versions[uri] = version
    client.buffers[uri] = text


async def test_edits_typed_during_the_run_elsewhere_in_the_file_are_kept(client: LanguageClient):
    path = client.root / "src" / "user.mjs"
    uri = open_document(client, path, version=1)
    run_id = await start_rename(client)
    mine = "// typed by the user\n" + path.read_text().replace("getUser(id)", "getUser(id, options)")
    type_into(client, uri, 2, mine)
    final = await wait_for_run(client, run_id)
    assert final["delivery"] == "applied", final
    versions = {c.text_document.uri: c.text_document.version for c in client.applied_edits[0].edit.document_changes}
    assert versions[uri] == 2
    assert path.read_text().startswith("// typed by the user\nexport function fetchUser(id, options) {")


async def test_edits_to_the_same_lines_are_withheld_never_overwritten(client: LanguageClient):
    path = client.root / "src" / "user.mjs"
    uri = open_document(client, path, version=1)
    original = path.read_text()
    run_id = await start_rename(client)
    mine = original.replace("export function getUser(id) {", "export function getUserById(id) {")
    type_into(client, uri, 2, mine)
    final = await wait_for_run(client, run_id)
    assert final["delivery"].startswith("withheld")
    assert final["conflicts"] == [{"path": "src/user.mjs", "message": "you changed text this run also changes"}]
    assert client.applied_edits == []
    assert path.read_text() == original


async def test_branch_review_then_apply_then_undo(client: LanguageClient):
    before = {p: p.read_text() for p in client.root.rglob("*.mjs")}
    run_id = await start_rename(client, review="branch")
    final = await wait_for_run(client, run_id)
    assert final["delivery"] == "branch" and client.applied_edits == []
    assert {p: p.read_text() for p in client.root.rglob("*.mjs")} == before

    applied = await client.workspace_execute_command_async(types.ExecuteCommandParams("kimi.swarm.apply", [{"runId": run_id}]))
    assert applied["delivery"] == "applied"
    assert "fetchUser" in (client.root / "src" / "page3.mjs").read_text()

    page = client.root / "src" / "page3.mjs"
    page.write_text(page.read_text() + "// later edit\n")
    undone = await client.workspace_execute_command_async(types.ExecuteCommandParams("kimi.swarm.undo", [{"runId": run_id}]))
    assert undone["delivery"] == "undone"
    assert len(client.applied_edits) == 2
    after = {p: p.read_text() for p in client.root.rglob("*.mjs")}
    assert after[page] == before[page] + "// later edit\n"
    assert all(after[p] == before[p] for p in before if p != page)


async def test_discard_removes_the_run(client: LanguageClient):
    run_id = await start_rename(client, review="branch")
    await wait_for_run(client, run_id)
    listed = await client.workspace_execute_command_async(types.ExecuteCommandParams("kimi.swarm.runs", []))
    assert [r["runId"] for r in listed["runs"]] == [run_id]
    await client.workspace_execute_command_async(types.ExecuteCommandParams("kimi.swarm.discard", [{"runId": run_id}]))
    listed = await client.workspace_execute_command_async(types.ExecuteCommandParams("kimi.swarm.runs", []))
    assert listed["runs"] == []
    with pytest.raises(JsonRpcInvalidParams, match="no run"):
        await client.workspace_execute_command_async(types.ExecuteCommandParams("kimi.swarm.apply", [{"runId": run_id}]))
