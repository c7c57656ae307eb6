"""ApplyPlan -> WorkspaceEdit, shaped by what the client says it supports."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types

from kimi_lsp.errors import UserError
from kimi_lsp.swarm.apply import ApplyPlan
from kimi_lsp.swarm.changeset import TextEdit, edits_between

PREVIEW_ANNOTATION = "kimi-swarm"


def uri(root: Path, rel: str) -> str:
    return (root / rel).as_uri()


def _range(edit: TextEdit) -> types.Range:
    return types.Range(types.Position(*edit.start), types.Position(*edit.end))


def build_workspace_edit(
    plan: ApplyPlan,
    root: Path,
    versions: dict[str, int],
    capabilities: types.ClientCapabilities,
    preview: bool = False,
    label: str = "Kimi swarm",
) -> types.WorkspaceEdit:
    """One edit for the whole run.

    Open documents get versioned TextDocumentEdits (the version the plan was
    computed against), so the client refuses them if the user types in
    between. Moves become RenameFile operations after the edits to the old
    path. With `preview`, every change carries an annotation that needs
    confirmation, which makes VS Code open its refactor preview.
    """
    edit_caps = capabilities.workspace.workspace_edit if capabilities.workspace else None
    document_changes = bool(edit_caps and edit_caps.document_changes)
    operations = set(edit_caps.resource_operations or []) if edit_caps else set()
    annotation_id = PREVIEW_ANNOTATION if preview and edit_caps and edit_caps.change_annotation_support else None

    def text_edits(before: str, after: str) -> list[types.TextEdit]:
        edits = edits_between(before, after)
        if annotation_id:
            return [types.AnnotatedTextEdit(annotation_id=annotation_id, range=_range(e), new_text=e.new_text) for e in edits]
        return [types.TextEdit(_range(e), e.new_text) for e in edits]

    moves = [w for w in plan.writes if w.before is not None and w.source != w.dest]
    creates = [w for w in plan.writes if w.before is None]
    deletes = [p for p in plan.removes if p not in {w.source for w in moves}]
    if not document_changes:
        if moves or creates or deletes:
            raise UserError("this editor cannot rename, create or delete files through LSP; use the kimi-lsp CLI")
        return types.WorkspaceEdit(
            changes={uri(root, w.source): text_edits(w.before, w.after) for w in plan.writes if w.before != w.after}
        )
    needed = {
        types.ResourceOperationKind.Rename: moves,
        types.ResourceOperationKind.Create: creates,
        types.ResourceOperationKind.Delete: deletes,
    }
    missing = [kind.value for kind, items in needed.items() if items and kind not in operations]
    if missing:
        raise UserError(f"this editor does not allow file operations ({', '.join(missing)}) through LSP; use the kimi-lsp CLI")

    changes: list = []
    for write in plan.writes:
        if write.before is None or write.before == write.after:
            continue
        identifier = types.OptionalVersionedTextDocumentIdentifier(uri(root, write.source), versions.get(write.source))
        changes.append(types.TextDocumentEdit(identifier, text_edits(write.before, write.after)))
    for write in moves:
        changes.append(types.RenameFile(uri(root, write.source), uri(root, write.dest), annotation_id=annotation_id))
    for write in creates:
        changes.append(types.CreateFile(uri(root, write.dest), annotation_id=annotation_id))
        identifier = types.OptionalVersionedTextDocumentIdentifier(uri(root, write.dest), None)
        changes.append(types.TextDocumentEdit(identifier, text_edits("", write.after)))
    for path in deletes:
        changes.append(types.DeleteFile(uri(root, path), annotation_id=annotation_id))
    result = types.WorkspaceEdit(document_changes=changes)
    if annotation_id:
        result.change_annotations = {
            annotation_id: types.ChangeAnnotation(label, needs_confirmation=True, description="Review before applying")
        }
    return result
