"""Changesets: the only thing that crosses from the engine to the adapters.

A changeset holds per-file text edits, file moves and file creations. Every
edited file carries the hash of the content its edits were computed from, so
nothing is ever applied on top of content the user changed since.
"""

from __future__ import annotations

import difflib
import hashlib
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from kimi_lsp.errors import UserError
from kimi_lsp.swarm.textpos import line_starts, offset_at, position_at

WORD = re.compile(r"\w+|\s+|.", re.DOTALL)
LONG_BLOCK = 2000  # words; see _word_edits
LINE = re.compile(r"[^\n]*\n|[^\n]+\Z")  # lines as LSP positions count them; str.splitlines also splits at \f and more


def content_hash(text: str) -> str:
    """The identity of a file's content, as recorded in a changeset."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True, order=True)
class TextEdit:
    """Replace the range [start, end) with new_text; positions are LSP positions."""

    start: tuple[int, int]
    end: tuple[int, int]
    new_text: str


@dataclass
class FileChange:
    path: str
    base_hash: str
    edits: list[TextEdit] = field(default_factory=list)


@dataclass(frozen=True)
class FileMove:
    old: str
    new: str


@dataclass(frozen=True)
class Conflict:
    path: str
    message: str


class ApplyError(UserError):
    """The changeset could not be applied; nothing the user had was lost."""


@dataclass
class Changeset:
    changes: dict[str, FileChange] = field(default_factory=dict)
    moves: list[FileMove] = field(default_factory=list)
    creates: dict[str, str] = field(default_factory=dict)

    def add_edits(self, path: str, base_hash: str, edits: list[TextEdit]) -> list[Conflict]:
        """Add edits for one file, returning conflicts instead of half-merging them."""
        change = self.changes.get(path)
        if change is None:
            change = self.changes[path] = FileChange(path, base_hash)
        if change.base_hash != base_hash:
            return [Conflict(path, "edits were computed from two different versions of the file")]
        merged = sorted(set(change.edits) | set(edits))
        conflicts = [
            Conflict(path, f"edits overlap at line {b.start[0] + 1}: {a.new_text!r} and {b.new_text!r}")
            for a, b in zip(merged, merged[1:])
            if a.end > b.start or (a.start == a.end == b.start == b.end)
        ]
        if not conflicts:
            change.edits = merged
        return conflicts

    def add_move(self, move: FileMove) -> list[Conflict]:
        for other in self.moves:
            if other == move:
                return []
            if other.old == move.old:
                return [Conflict(move.old, f"moved to both {other.new} and {move.new}")]
            if other.new == move.new:
                return [Conflict(move.new, f"both {other.old} and {move.old} move here")]
        self.moves.append(move)
        return []

    def merge(self, other: Changeset) -> list[Conflict]:
        """Fold another changeset in; any overlap is reported, never resolved silently."""
        conflicts: list[Conflict] = []
        for change in other.changes.values():
            conflicts += self.add_edits(change.path, change.base_hash, change.edits)
        for move in other.moves:
            conflicts += self.add_move(move)
        for path, text in other.creates.items():
            if path in self.creates and self.creates[path] != text:
                conflicts.append(Conflict(path, "created twice with different content"))
            self.creates[path] = text
        return conflicts

    def is_empty(self) -> bool:
        return not (any(c.edits for c in self.changes.values()) or self.moves or self.creates)

    def destination(self, path: str) -> str:
        """Where a file ends up after this changeset's moves."""
        for move in self.moves:
            if move.old == path:
                return move.new
        return path

    def new_text(self, path: str, base_text: str) -> str:
        change = self.changes.get(path)
        if change is None:
            return base_text
        starts = line_starts(base_text)
        pieces, cursor = [], 0
        for e in change.edits:
            start = offset_at(base_text, *e.start, starts)
            end = offset_at(base_text, *e.end, starts)
            pieces += [base_text[cursor:start], e.new_text]
            cursor = end
        pieces.append(base_text[cursor:])
        return "".join(pieces)

    def touched_paths(self) -> list[str]:
        """Every path the user will see changed, in final (post-move) form."""
        paths = {self.destination(p) for p, c in self.changes.items() if c.edits}
        paths |= {m.new for m in self.moves} | set(self.creates)
        return sorted(paths)

    def final_texts(self, read) -> dict[str, str]:
        """Final content of every touched file, keyed by final path."""
        out = {}
        for path in {p for p, c in self.changes.items() if c.edits} | {m.old for m in self.moves}:
            out[self.destination(path)] = self.new_text(path, read(path))
        out.update(self.creates)
        return out

    def unified_diff(self, read) -> str:
        """A reviewable diff in git's a/ b/ form, moves included."""
        chunks = []
        sources = sorted({p for p, c in self.changes.items() if c.edits} | {m.old for m in self.moves})
        for path in sources:
            old = read(path)
            new = self.new_text(path, old)
            dest = self.destination(path)
            if dest != path:
                chunks.append(f"rename from {path}\nrename to {dest}\n")
            chunks += difflib.unified_diff(LINE.findall(old), LINE.findall(new), f"a/{path}", f"b/{dest}")
        for path, text in sorted(self.creates.items()):
            chunks += difflib.unified_diff([], LINE.findall(text), "/dev/null", f"b/{path}")
        return "".join(c if c.endswith("\n") else c + "\n" for c in chunks)



def apply_edits(text: str, edits: list[TextEdit]) -> str | None:
    """The text with the edits applied, or None when two of them overlap."""
    changeset = Changeset()
    if changeset.add_edits("", "", edits):
        return None
    return changeset.new_text("", text)


def atomic_write(target: Path, data: bytes, mode_from: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".kimi-tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if mode_from.exists():
            os.chmod(tmp, mode_from.stat().st_mode & 0o7777)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def edits_between(old: str, new: str) -> list[TextEdit]:
    """Minimal edits that turn old into new, for tools that return whole files.

    Changed lines are narrowed to the changed words, so two renames that touch
    different names on the same line merge instead of conflicting.
    """
    old_lines, new_lines = LINE.findall(old), LINE.findall(new)
    # autojunk: in a file of hundreds of lines, the lines in more than 1% of
    # it (`}`, blank lines) anchor no match; without that the matcher is
    # cubic in them (a 4,000-line file typed on every tenth line took 7 s,
    # and now takes 0.2). The blocks it then replaces are narrowed by word.
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=True)
    edits = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "replace":
            edits += _word_edits("".join(old_lines[i1:i2]), "".join(new_lines[j1:j2]), i1)
        elif tag != "equal":
            edits.append(TextEdit((i1, 0), (i2, 0), "".join(new_lines[j1:j2])))
    return edits


def _word_edits(old: str, new: str, first_line: int) -> list[TextEdit]:
    """Edits between two blocks of whole lines, word by word; positions count from first_line."""
    old_words, new_words = WORD.findall(old), WORD.findall(new)
    offsets = [0]
    for word in old_words:
        offsets.append(offsets[-1] + len(word))
    starts = line_starts(old)

    def position(offset: int) -> tuple[int, int]:
        line, character = position_at(old, offset, starts)
        return first_line + line, character

    # past a few thousand words (a bundle's one 60,000-character line),
    # popular words (spaces, punctuation) stop anchoring matches: a diff as
    # exact, found in a fraction of the time, if not always the smallest
    matcher = difflib.SequenceMatcher(None, old_words, new_words, autojunk=len(old_words) > LONG_BLOCK)
    return [
        TextEdit(position(offsets[i1]), position(offsets[i2]), "".join(new_words[j1:j2]))
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
        if tag != "equal"
    ]
