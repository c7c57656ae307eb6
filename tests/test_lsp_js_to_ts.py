"""js-to-ts from an editor: code action -> progress -> one WorkspaceEdit with RenameFile + TextDocumentEdits."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.lsp_client import make_editor_client, open_workspace, wait_for_run

PROJECT = {
    "package.json": '{ "name": "shapes", "version": "1.0.0" }\n',
    "lib/square.js": (
        "/**\n * @param {number} side\n * @returns {number}\n */\n"
        "function area(side) {\n  return side * side;\n}\n\nmodule.exports = { area };\n"
    ),
    "lib/label.js": "const { area } = require('./square');\n\nexports.label = (side) => `square ${side}: ${area(side)}`;\n",
    "main.js": "const { label } = require('./lib/label');\n\nconsole.log(label(3));\n",
}


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=[sys.executable, "-m", "kimi_lsp", "serve"], client_factory=make_editor_client)
)
async def client(lsp_client: LanguageClient, tmp_path_factory):
    root = tmp_path_factory.mktemp("shapes")
    for rel, text in PROJECT.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    await open_workspace(lsp_client, root)
    yield
    await lsp_client.shutdown_session()


def open_document(client: LanguageClient, path: Path) -> str:
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "javascript", 1, path.read_text()))
    )
    client.open_versions[uri] = 1
    client.buffers[uri] = path.read_text()
    return uri


async def conversion_actions(client: LanguageClient, uri: str) -> dict[str, types.CodeAction]:
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            types.TextDocumentIdentifier(uri),
            types.Range(types.Position(0, 0), types.Position(0, 0)),
            types.CodeActionContext(diagnostics=[], only=[types.CodeActionKind.RefactorRewrite]),
        )
    )
    return {a.title: a for a in actions or [] if "to TypeScript" in a.title}


async def start(client: LanguageClient, argument: dict) -> dict:
    result = await client.workspace_execute_command_async(types.ExecuteCommandParams("kimi.swarm.start", [argument]))
    run_id = result["runId"] if isinstance(result, dict) else result.runId
    return {"runId": run_id, **await wait_for_run(client, run_id, timeout=180)}


async def test_javascript_files_offer_file_folder_and_workspace_conversion(client: LanguageClient):
    uri = open_document(client, client.root / "lib" / "label.js")
    actions = await conversion_actions(client, uri)
    arguments = {title: list(a.command.arguments) for title, a in actions.items()}
    assert arguments == {
        "Kimi swarm: convert this file to TypeScript": [{"refactor": "js-to-ts", "files": ["lib/label.js"]}],
        "Kimi swarm: convert this folder to TypeScript": [{"refactor": "js-to-ts", "folder": "lib"}],
        "Kimi swarm: convert the whole workspace to TypeScript": [{"refactor": "js-to-ts"}],
    }
    assert all(a.command.command == "kimi.swarm.start" for a in actions.values())
    top = await conversion_actions(client, open_document(client, client.root / "main.js"))
    assert "Kimi swarm: convert this folder to TypeScript" not in top  # the folder is the workspace


async def test_folder_conversion_applies_one_edit_with_renames_and_text_edits(client: LanguageClient):
    uri = open_document(client, client.root / "lib" / "square.js")
    action = (await conversion_actions(client, uri))["Kimi swarm: convert this folder to TypeScript"]
    final = await start(client, action.command.arguments[0])
    assert final["status"] == "ok", final
    assert len(client.applied_edits) == 1
    changes = client.applied_edits[0].edit.document_changes
    renames = {(Path(c.old_uri).name, Path(c.new_uri).name) for c in changes if isinstance(c, types.RenameFile)}
    assert renames == {("square.js", "square.ts"), ("label.js", "label.ts")}
    edited = [c for c in changes if isinstance(c, types.TextDocumentEdit)]
    assert {Path(c.text_document.uri).name for c in edited} >= {"square.js", "label.js", "tsconfig.json"}
    first_rename = next(i for i, c in enumerate(changes) if isinstance(c, types.RenameFile))
    assert all(i < first_rename for i, c in enumerate(changes) if isinstance(c, types.TextDocumentEdit) and c.text_document.uri.endswith(".js"))
    assert any(isinstance(c, types.CreateFile) and c.uri.endswith("/tsconfig.json") for c in changes)

    square = (client.root / "lib" / "square.ts").read_text()
    assert "function area(side: number): number {" in square
    assert "export { area };" in square
    assert not (client.root / "lib" / "square.js").exists()
    assert (client.root / "main.js").exists()  # outside the folder: still JavaScript
    token = f"kimi-swarm/{final['runId']}"
    kinds = [getattr(p, "kind", None) for p in client.progress_reports[token]]
    assert kinds[0] == "begin" and kinds[-1] == "end"


async def test_preview_carries_change_annotations_on_every_change(client: LanguageClient):
    before = len(client.applied_edits)
    final = await start(client, {"refactor": "js-to-ts", "files": ["main.js"], "preview": True})
    assert final["status"] == "ok", final
    edit = client.applied_edits[before].edit
    assert edit.change_annotations and all(a.needs_confirmation for a in edit.change_annotations.values())
    for change in edit.document_changes:
        if isinstance(change, types.TextDocumentEdit):
            assert all(isinstance(e, types.AnnotatedTextEdit) for e in change.edits)
        else:
            assert change.annotation_id in edit.change_annotations
    assert any(isinstance(c, types.RenameFile) and c.new_uri.endswith("/main.ts") for c in edit.document_changes)
    assert (client.root / "main.ts").exists()
