"""Python renames and moves with rope, run in a worker process.

Each job works on its own private copy of the Python files, so rope can apply
its changes freely; the caller diffs the copy against the originals. Nothing
here touches the user's tree.
"""

from __future__ import annotations

import ast
import io
import re
import shutil
import tempfile
import tokenize
from pathlib import Path

from kimi_lsp.swarm.changeset import TextEdit, apply_edits, edits_between
from kimi_lsp.swarm.textpos import line_starts, offset_at


class RopeJobError(Exception):
    """A rename or move rope refused; the message is for the user."""


def offset_of_name(source: str, name: str) -> int:
    """Offset of the top-level def, class or assignment called `name`."""
    tree = ast.parse(source)
    starts = line_starts(source)

    def offset(lineno: int, col_offset: int) -> int:
        # ast counts lines at "\n" only (str.splitlines also splits at form
        # feeds and more) and columns in UTF-8 bytes.
        line = source[starts[lineno - 1] :].partition("\n")[0]
        return starts[lineno - 1] + len(line.encode("utf-8")[:col_offset].decode("utf-8", "ignore"))

    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name == name:
            match = re.compile(rf"\b(def|class)\s+({re.escape(name)})\b").search(source, offset(node.lineno, node.col_offset))
            if match:
                return match.start(2)
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AnnAssign):
            targets = [node.target]
        for target in targets:
            for sub in ast.walk(target):
                if isinstance(sub, ast.Name) and sub.id == name:
                    return offset(sub.lineno, sub.col_offset)
    raise RopeJobError(f"no top-level def, class or assignment named '{name}'")


def run_job(snapshot: str, job: dict) -> dict[str, str | None]:
    """Run one rename or move on a private copy; returns changed files (None = deleted)."""
    from rope.base.exceptions import RopeError
    from rope.base.project import Project
    from rope.refactor.move import MoveModule
    from rope.refactor.rename import Rename

    with tempfile.TemporaryDirectory(prefix="kimi-rope-") as tmp:
        work = Path(tmp) / "work"
        shutil.copytree(snapshot, work)
        before = {p.relative_to(work).as_posix(): p.read_text() for p in work.rglob("*.py")}
        project = Project(str(work), ropefolder=None)
        try:
            if job["kind"] == "rename":
                resource = project.get_resource(job["file"])
                source = resource.read()
                offset = job.get("offset")
                if offset is None:
                    offset = offset_of_name(source, job["name"])
                rename = Rename(project, resource, offset)
                project.do(_rename_changes(rename, job["new"], job.get("comments", False), job.get("strings", False)))
            else:
                _move_module(project, job["old"], job["new"], MoveModule, Rename)
        except RopeError as err:
            raise RopeJobError(f"rope could not refactor: {err}") from None
        except SyntaxError as err:
            raise RopeJobError(f"{err.filename}:{err.lineno}: syntax error: {err.msg}") from None
        finally:
            project.close()
        after = {p.relative_to(work).as_posix(): p.read_text() for p in work.rglob("*.py")}
    changed: dict[str, str | None] = {p: None for p in before if p not in after}
    changed |= {p: t for p, t in after.items() if before.get(p) != t}
    return changed


def _rename_changes(rename, new: str, comments: bool, strings: bool):
    """Rope renames in comments and strings only together (`docs`); keep just the kind asked for."""
    from rope.base.change import ChangeContents

    changes = rename.get_changes(new, docs=comments or strings)
    if comments == strings:
        return changes
    code_only = {
        c.resource.path: c.new_contents for c in rename.get_changes(new, docs=False).changes if isinstance(c, ChangeContents)
    }
    for change in changes.changes:
        if isinstance(change, ChangeContents):
            old = change.resource.read()
            code = code_only.get(change.resource.path, old)
            change.new_contents = _keep_docs(old, code, change.new_contents, comments)
    return changes


def _keep_docs(old: str, code: str, everything: str, comments: bool) -> str:
    """The code renames plus only the comment (or only the string) renames of `everything`."""
    code_edits = edits_between(old, code)
    comment_spans = _comment_spans(old)
    starts = line_starts(old)

    def in_comment(e: TextEdit) -> bool:
        offset = offset_at(old, *e.start, starts)
        return any(start <= offset < end for start, end in comment_spans)

    kept = code_edits + [e for e in edits_between(old, everything) if e not in code_edits and in_comment(e) == comments]
    text = apply_edits(old, kept)
    if text is None:
        raise RopeJobError("rope renamed comments and strings in a way kimi-lsp cannot separate; use both flags")
    return text


def _comment_spans(source: str) -> list[tuple[int, int]]:
    """Code-point ranges of the `#` comments in source."""
    starts = line_starts(source)
    return [
        (starts[token.start[0] - 1] + token.start[1], starts[token.end[0] - 1] + token.end[1])
        for token in tokenize.generate_tokens(io.StringIO(source).readline)
        if token.type == tokenize.COMMENT
    ]


def _move_module(project, old: str, new: str, MoveModule, Rename) -> None:
    old_path, new_path = Path(old), Path(new)
    if new_path.suffix != ".py":
        raise RopeJobError(f"{new} must end in .py")
    current = old_path
    if old_path.parent != new_path.parent:
        folder = project.get_folder(new_path.parent.as_posix() if new_path.parent != Path(".") else "")
        if not folder.exists():
            folder.create()
            init = project.get_file((new_path.parent / "__init__.py").as_posix())
            if not init.exists():
                init.create()
        changes = MoveModule(project, project.get_resource(current.as_posix())).get_changes(folder)
        project.do(changes)
        current = new_path.parent / old_path.name
    if current.name != new_path.name:
        resource = project.get_resource(current.as_posix())
        project.do(Rename(project, resource).get_changes(new_path.stem))
