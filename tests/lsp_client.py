"""A pytest-lsp client that behaves like an editor for kimi-lsp's purposes.

It answers `workspace/applyEdit` by really applying the edit: to the open
buffers it keeps (versioned edits are checked against their versions), then
saving every changed file to disk. It also records
every `kimi/swarmStatus` snapshot, and advertises VS Code's capabilities.
"""

from __future__ import annotations

import asyncio
from typing import Union
from pathlib import Path

from lsprotocol import types
from pygls.uris import to_fs_path
from pytest_lsp import LanguageClient, client_capabilities
from pytest_lsp.client import make_test_lsp_client

from kimi_lsp.swarm.textpos import line_starts, offset_at

_CONVERTER = None


def apply_text_edits(text: str, edits) -> str:
    starts = line_starts(text)
    spans = sorted(
        (
            offset_at(text, e.range.start.line, e.range.start.character, starts),
            offset_at(text, e.range.end.line, e.range.end.character, starts),
            e.new_text,
        )
        for e in edits
    )
    out, cursor = [], 0
    for start, end, new in spans:
        out += [text[cursor:start], new]
        cursor = end
    out.append(text[cursor:])
    return "".join(out)


def apply_workspace_edit(edit: types.WorkspaceEdit, versions: dict[str, int], buffers: dict[str, str]) -> str | None:
    """Apply like an editor would, to open buffers first, then save; returns a failure reason or None."""
    for change in edit.document_changes or []:
        if isinstance(change, types.TextDocumentEdit):
            uri = change.text_document.uri
            if change.text_document.version is not None and versions.get(uri) != change.text_document.version:
                return f"version mismatch for {uri}"

    def current(uri: str) -> str:
        return buffers[uri] if uri in buffers else Path(to_fs_path(uri)).read_text()

    def save(uri: str, text: str) -> None:
        if uri in buffers:
            buffers[uri] = text
        Path(to_fs_path(uri)).write_text(text)

    for change in edit.document_changes or []:
        if isinstance(change, types.TextDocumentEdit):
            uri = change.text_document.uri
            save(uri, apply_text_edits(current(uri), change.edits))
        elif isinstance(change, types.RenameFile):
            new = Path(to_fs_path(change.new_uri))
            new.parent.mkdir(parents=True, exist_ok=True)
            Path(to_fs_path(change.old_uri)).rename(new)
            if change.old_uri in buffers:
                buffers[change.new_uri] = buffers.pop(change.old_uri)
        elif isinstance(change, types.CreateFile):
            Path(to_fs_path(change.uri)).touch()
        elif isinstance(change, types.DeleteFile):
            Path(to_fs_path(change.uri)).unlink()
            buffers.pop(change.uri, None)
    for uri, edits in (edit.changes or {}).items():
        save(uri, apply_text_edits(current(uri), edits))
    return None


def _command_or_code_action(obj, _type):
    """lsprotocol reads every code action with a command as a bare Command; an
    editor tells them apart by whether `command` is a string."""
    kind = types.Command if isinstance(obj.get("command"), str) else types.CodeAction
    return _CONVERTER.structure(obj, kind)


def make_editor_client() -> LanguageClient:
    global _CONVERTER
    client = make_test_lsp_client()
    _CONVERTER = client.protocol._converter
    _CONVERTER.register_structure_hook(Union[types.Command, types.CodeAction], _command_or_code_action)
    client.applied_edits = []
    client.statuses = []
    client.open_versions = {}
    client.buffers = {}
    client.status_event = asyncio.Event()

    @client.feature(types.WORKSPACE_APPLY_EDIT)
    def apply_edit(params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
        client.applied_edits.append(params)
        failure = apply_workspace_edit(params.edit, client.open_versions, client.buffers)
        return types.ApplyWorkspaceEditResult(applied=failure is None, failure_reason=failure)

    @client.feature("kimi/swarmStatus")
    def swarm_status(params) -> None:
        client.statuses.append(plain(params))
        client.status_event.set()

    return client


def plain(value):
    """pygls hands custom notifications over as named tuples; tests want JSON."""
    if hasattr(value, "_asdict"):
        return {k: plain(v) for k, v in value._asdict().items()}
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def vscode_capabilities() -> types.ClientCapabilities:
    return client_capabilities("visual-studio-code")


async def wait_for_run(client: LanguageClient, run_id: str, timeout: float = 60) -> dict:
    """The final kimi/swarmStatus snapshot of a run."""

    async def final():
        while True:
            for status in client.statuses:
                if status["runId"] == run_id and status["phase"] == "done":
                    return status
            client.status_event.clear()
            await client.status_event.wait()

    return await asyncio.wait_for(final(), timeout)


async def open_workspace(client: LanguageClient, root: Path) -> None:
    """Initialize the session on a workspace folder, with VS Code's capabilities."""
    client.root = root
    await client.initialize_session(
        types.InitializeParams(
            capabilities=vscode_capabilities(),
            root_uri=root.as_uri(),
            workspace_folders=[types.WorkspaceFolder(root.as_uri(), root.name)],
        )
    )
