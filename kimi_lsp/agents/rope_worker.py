"""Python renames and moves with rope, run in a worker process.

Each job works on its own private copy of the Python files, so rope can apply
its changes freely; the caller diffs the copy against the originals. Nothing
here touches the user's tree.
"""

from __future__ import annotations

import ast
import re
import shutil
import tempfile
from pathlib import Path


class RopeJobError(Exception):
    """A rename or move rope refused; the message is for the user."""


def offset_of_name(source: str, name: str) -> int:
    """Offset of the top-level def, class or assignment called `name`."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    line_offsets = [0]
    for line in lines:
        line_offsets.append(line_offsets[-1] + len(line))
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name == name:
            line = lines[node.lineno - 1]
            match = re.compile(rf"\b(def|class)\s+({re.escape(name)})\b").search(line, node.col_offset)
            if match:
                return line_offsets[node.lineno - 1] + match.start(2)
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AnnAssign):
            targets = [node.target]
        for target in targets:
            for sub in ast.walk(target):
                if isinstance(sub, ast.Name) and sub.id == name:
                    return line_offsets[sub.lineno - 1] + sub.col_offset
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
                changes = Rename(project, resource, offset).get_changes(job["new"], docs=job.get("docs", False))
                project.do(changes)
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
