"""Code actions: each one is a `kimi.swarm.start` command with its JSON argument.

The client completes what only the user can say (a rename's new name, an
instruction) before running the command.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types
from pygls.uris import to_fs_path

from kimi_lsp.errors import UserError

if TYPE_CHECKING:
    from kimi_lsp.server.server import KimiLanguageServer

JAVASCRIPT = (".js", ".jsx", ".mjs", ".cjs")
RENAMEABLE = (".js", ".jsx", ".ts", ".tsx", ".mjs", ".cjs", ".mts", ".cts", ".py")
IDENTIFIER = re.compile(r"[A-Za-z_$][\w$]*")
KIND = types.CodeActionKind.RefactorRewrite


def code_actions(ls: KimiLanguageServer, params: types.CodeActionParams) -> list[types.CodeAction]:
    """Every swarm action that applies where the user is."""
    only = params.context.only
    if only and not any(KIND == k or KIND.startswith(f"{k}.") for k in only):
        return []
    rel = workspace_path(ls, params.text_document.uri)
    if rel is None:
        return []
    return rename_actions(ls, params, rel) + instruct_actions(ls, params, rel) + js_to_ts_actions(rel)


def workspace_path(ls: KimiLanguageServer, uri: str) -> str | None:
    """The document's path relative to the workspace root, or None outside it."""
    path = to_fs_path(uri)
    if not path:
        return None
    try:
        root = ls.root().resolve()
    except UserError:
        return None
    resolved = Path(path).resolve()
    return resolved.relative_to(root).as_posix() if resolved.is_relative_to(root) else None


def action(title: str, argument: dict) -> types.CodeAction:
    return types.CodeAction(title, kind=KIND, command=types.Command(title, "kimi.swarm.start", arguments=[argument]))


def rename_actions(ls: KimiLanguageServer, params: types.CodeActionParams, rel: str) -> list[types.CodeAction]:
    """A workspace-wide swarm rename of the identifier under the cursor."""
    if not rel.endswith(RENAMEABLE):
        return []
    lines = ls.workspace.get_text_document(params.text_document.uri).lines
    position = params.range.start
    if position.line >= len(lines):
        return []
    line = lines[position.line]
    column = len(line.encode("utf-16-le")[: position.character * 2].decode("utf-16-le", "ignore"))
    match = next((m for m in IDENTIFIER.finditer(line) if m.start() <= column <= m.end()), None)
    if match is None:
        return []
    start = match.start() if rel.endswith(".py") else len(line[: match.start()].encode("utf-16-le")) // 2
    target = f"{rel}:{position.line + 1}:{start + 1}"
    return [action(f"Kimi swarm: rename '{match.group()}' across the workspace…", {"refactor": "rename", "renames": [{"target": target}]})]


def instruct_actions(ls: KimiLanguageServer, params: types.CodeActionParams, rel: str) -> list[types.CodeAction]:
    """An instruction run on a selection (all of it: the whole file); the client asks for the instruction.

    Only a selection gets the offer, so a plain cursor keeps a short menu.
    """
    start, end = params.range.start, params.range.end
    if (start.line, start.character) == (end.line, end.character):
        return []
    argument: dict = {"refactor": "instruct", "files": [rel]}
    last = end.line if end.character or end.line == start.line else end.line - 1
    if start.line == 0 and start.character == 0 and last + 1 >= len(ls.workspace.get_text_document(params.text_document.uri).lines):
        return [action(f"Kimi swarm: apply an instruction to {rel}…", argument)]
    argument["lines"] = [start.line + 1, last + 1]
    return [action(f"Kimi swarm: apply an instruction to lines {start.line + 1}-{last + 1} of {rel}…", argument)]


def js_to_ts_actions(rel: str) -> list[types.CodeAction]:
    """On a JavaScript file: convert it, its folder, or the whole workspace to TypeScript."""
    if not rel.endswith(JAVASCRIPT):
        return []
    folder = Path(rel).parent.as_posix()
    offers = [("this file", {"files": [rel]})]
    if folder != ".":
        offers.append(("this folder", {"folder": folder}))
    offers.append(("the whole workspace", {}))
    return [action(f"Kimi swarm: convert {what} to TypeScript", {"refactor": "js-to-ts", **scope}) for what, scope in offers]
