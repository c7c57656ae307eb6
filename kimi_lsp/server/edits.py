"""Changeset -> WorkspaceEdit, shaped by what the client says it supports."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types

from kimi_lsp.errors import UserError
from kimi_lsp.swarm.changeset import Changeset, TextEdit
from kimi_lsp.swarm.workspace import Workspace

PREVIEW_ANNOTATION = "kimi-swarm"


def uri(root: Path, rel: str) -> str:
    return (root / rel).as_uri()


def _range(edit: TextEdit) -> types.Range:
    return types.Range(types.Position(*edit.start), types.Position(*edit.end))


def build_workspace_edit(
    changeset: Changeset,
    ws: Workspace,
    versions: dict[str, int],
    capabilities: types.ClientCapabilities,
    preview: bool = False,
    label: str = "Kimi swarm",
) -> types.WorkspaceEdit:
    """One edit for the whole run.

    Open documents get versioned TextDocumentEdits (the version the run read),
    so the client refuses them if the user has typed since. Moves become
    RenameFile operations after the edits to the old path. With `preview`,
    every change carries an annotation that needs confirmation, which makes
    VS Code open its refactor preview.
    """
    edit_caps = capabilities.workspace.workspace_edit if capabilities.workspace else None
    document_changes = bool(edit_caps and edit_caps.document_changes)
    operations = set(edit_caps.resource_operations or []) if edit_caps else set()
    annotations = bool(edit_caps and edit_caps.change_annotation_support) and preview
    annotation_id = PREVIEW_ANNOTATION if annotations else None

    def text_edit(e: TextEdit) -> types.TextEdit:
        if annotation_id:
            return types.AnnotatedTextEdit(annotation_id=annotation_id, range=_range(e), new_text=e.new_text)
        return types.TextEdit(_range(e), e.new_text)

    edited = {p: c for p, c in changeset.changes.items() if c.edits}
    if not document_changes:
        if changeset.moves or changeset.creates:
            raise UserError("this editor cannot rename or create files through LSP; run the refactor from the CLI")
        return types.WorkspaceEdit(changes={uri(ws.root, p): [text_edit(e) for e in c.edits] for p, c in edited.items()})

    if (changeset.moves and types.ResourceOperationKind.Rename not in operations) or (
        changeset.creates and types.ResourceOperationKind.Create not in operations
    ):
        raise UserError("this editor does not allow file renames or creations through LSP; run the refactor from the CLI")

    changes: list = []
    for path, change in sorted(edited.items()):
        identifier = types.OptionalVersionedTextDocumentIdentifier(uri(ws.root, path), versions.get(path))
        changes.append(types.TextDocumentEdit(identifier, [text_edit(e) for e in change.edits]))
    for move in changeset.moves:
        changes.append(
            types.RenameFile(
                uri(ws.root, move.old), uri(ws.root, move.new), annotation_id=annotation_id
            )
        )
    for path, text in sorted(changeset.creates.items()):
        changes.append(types.CreateFile(uri(ws.root, path), annotation_id=annotation_id))
        identifier = types.OptionalVersionedTextDocumentIdentifier(uri(ws.root, path), None)
        changes.append(types.TextDocumentEdit(identifier, [text_edit(TextEdit((0, 0), (0, 0), text))]))
    result = types.WorkspaceEdit(document_changes=changes)
    if annotation_id:
        result.change_annotations = {
            annotation_id: types.ChangeAnnotation(label, needs_confirmation=True, description="Review before applying")
        }
    return result
