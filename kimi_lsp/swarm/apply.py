"""Applying a run's result to the user's files, and undoing it.

Nothing the user changed is ever overwritten. A file the user edited since
the snapshot is merged three-way: the user's changes and the run's are both
kept where they touch different text, and a file where both changed the same
text is withheld and reported. Applying is all or nothing: if any file is withheld, nothing is
written.

Disk writes go through a journal and atomic replaces, so a crash at any
moment leaves every file either untouched or fully applied, and the next
`kimi-lsp apply` finishes the job.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from kimi_lsp.errors import UserError
from kimi_lsp.swarm.changeset import ApplyError, Changeset, Conflict, apply_edits, atomic_write, content_hash, edits_between

ReadCurrent = Callable[[str], "str | None"]


class ApplyConflict(ApplyError):
    def __init__(self, conflicts: list[Conflict]):
        self.conflicts = conflicts
        detail = "; ".join(f"{c.path}: {c.message}" for c in conflicts)
        super().__init__(f"nothing was applied: {detail}")


@dataclass
class FileWrite:
    source: str  # path the run read (before any move)
    dest: str  # path the file ends up at
    before: str | None  # the user's content now (None: a new file)
    after: str
    merged: bool = False


@dataclass
class ApplyPlan:
    writes: list[FileWrite] = field(default_factory=list)
    removes: list[str] = field(default_factory=list)  # sources of moves

    def to_undo(self) -> dict:
        return {
            "writes": [{"source": w.source, "dest": w.dest, "before": w.before, "after": w.after} for w in self.writes],
            "removes": self.removes,
        }


def merge3(base: str, ours: str, theirs: str) -> str | None:
    """Three-way merge at word granularity; None when both sides changed the same text.

    Both sides are diffed against the base and their edits combined; any
    overlap is a conflict. Unlike a line merge, changes on the same or on
    neighbouring lines merge as long as they do not touch the same words.
    """
    return apply_edits(base, edits_between(base, ours) + edits_between(base, theirs))


def plan_apply(changeset: Changeset, bases: dict[str, str], read_current: ReadCurrent) -> ApplyPlan:
    """Final content of every file, merged with the user's edits; raises on conflicts."""
    plan, conflicts = ApplyPlan(), []
    moved = {m.old: m.new for m in changeset.moves}
    sources = sorted({p for p, c in changeset.changes.items() if c.edits} | set(moved))
    for source in sources:
        base = bases[source]
        theirs = changeset.new_text(source, base)
        current = read_current(source)
        dest = moved.get(source, source)
        if current is None:
            conflicts.append(Conflict(source, "deleted since the run started"))
            continue
        if dest != source and read_current(dest) is not None:
            conflicts.append(Conflict(dest, "already exists"))
            continue
        if current == base:
            plan.writes.append(FileWrite(source, dest, current, theirs))
            continue
        merged = merge3(base, current, theirs)
        if merged is None:
            conflicts.append(Conflict(source, "you changed text this run also changes"))
        else:
            plan.writes.append(FileWrite(source, dest, current, merged, merged=True))
    for path, text in sorted(changeset.creates.items()):
        current = read_current(path)
        if current is not None and current != text:
            conflicts.append(Conflict(path, "already exists"))
        elif current is None:
            plan.writes.append(FileWrite(path, path, None, text))
    if conflicts:
        raise ApplyConflict(conflicts)
    plan.removes = [s for s in sources if s in moved]
    return plan


def plan_undo(undo: dict, read_current: ReadCurrent) -> ApplyPlan:
    """The reverse of an applied plan, keeping whatever the user changed since."""
    plan, conflicts = ApplyPlan(), []
    for write in undo["writes"]:
        current = read_current(write["dest"])
        if write["before"] is None:  # a file the run created
            if current is not None and current != write["after"]:
                conflicts.append(Conflict(write["dest"], "changed since it was created; delete it by hand"))
            elif current is not None:
                plan.removes.append(write["dest"])
            continue
        if current is None:
            conflicts.append(Conflict(write["dest"], "deleted since the run was applied"))
            continue
        if write["source"] != write["dest"] and read_current(write["source"]) is not None:
            conflicts.append(Conflict(write["source"], "exists again; cannot move the file back"))
            continue
        restored = write["before"] if current == write["after"] else merge3(write["after"], current, write["before"])
        if restored is None:
            conflicts.append(Conflict(write["dest"], "you changed text the run changed"))
            continue
        plan.writes.append(FileWrite(write["dest"], write["source"], current, restored))
        if write["source"] != write["dest"]:
            plan.removes.append(write["dest"])
    if conflicts:
        raise ApplyConflict(conflicts)
    return plan


def read_disk(root: Path) -> ReadCurrent:
    def read(rel: str) -> str | None:
        path = root / rel
        if not path.is_file():
            return None
        try:
            return path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise UserError(f"{rel} is no longer UTF-8 text; nothing was applied") from None

    return read


def write_plan(root: Path, plan: ApplyPlan, journal: Callable[[str], None] = lambda state: None) -> None:
    """Write every file atomically; on a failure restore what was written.

    `journal` is told "applying" before the first write and "applied" after
    the last, so an interrupted apply is recognisable after a crash.
    """
    for write in plan.writes:
        target = root / write.dest
        if target.exists() and not os.access(target, os.W_OK):
            raise ApplyError(f"{write.dest} is read-only; nothing was applied")
    journal("applying")
    done: list[FileWrite] = []
    fail_after = int(os.environ.get("KIMI_LSP_FAULT_AFTER_WRITES", "-1"))
    delay = float(os.environ.get("KIMI_LSP_WRITE_DELAY", "0"))
    try:
        for write in plan.writes:
            if len(done) == fail_after:
                raise OSError("injected write failure (KIMI_LSP_FAULT_AFTER_WRITES)")
            source = root / write.source
            atomic_write(root / write.dest, write.after.encode("utf-8"), mode_from=source)
            done.append(write)
            time.sleep(delay)
        for rel in plan.removes:
            (root / rel).unlink(missing_ok=True)
    except OSError as err:
        for write in reversed(done):
            if write.source != write.dest or write.before is None:
                (root / write.dest).unlink(missing_ok=True)
            if write.before is not None:
                atomic_write(root / write.source, write.before.encode("utf-8"), mode_from=root / write.source)
        journal("failed")
        raise ApplyError(f"writing failed ({err}); every file was restored") from None
    journal("applied")


def write_changeset(root: Path, changeset: Changeset) -> list[str]:
    """Apply a changeset computed from the files as they are on disk now.

    Runs keep the content they read and go through `plan_apply`; this is for
    callers holding only a changeset, and refuses any file whose content no
    longer matches the hash the changeset was computed from.
    """
    read = read_disk(Path(root))
    bases = {}
    for path, change in changeset.changes.items():
        current = read(path)
        if current is None or content_hash(current) != change.base_hash:
            raise ApplyError(f"{path} changed since the run started; nothing was written")
        bases[path] = current
    plan = plan_apply(changeset, bases, read)
    write_plan(Path(root), plan)
    return sorted(w.dest for w in plan.writes)


def resume_plan(root: Path, plan: ApplyPlan) -> ApplyPlan:
    """After a crash mid-apply: only the writes and removals that did not happen yet."""
    read = read_disk(root)
    remaining = ApplyPlan()
    for write in plan.writes:
        current = read(write.dest)
        if current is not None and content_hash(current) == content_hash(write.after):
            continue
        remaining.writes.append(write)
    remaining.removes = list(plan.removes)
    return remaining
