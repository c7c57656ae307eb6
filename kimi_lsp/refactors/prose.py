"""The optional model pass of `rename`: prose that mentions a renamed symbol.

The deterministic rename changes code; comments, docstrings, strings and docs
that name a symbol in words are left behind. With `prose`, groups that come
after every code group hand those files to a model agent. The agent edits the
files as they will be after the code rename, and its edits are then rebased
onto the original text, so they merge with the code groups' edits like any
other group's: disjoint edits against the same base. An agent edit that
touches text the code rename changed is refused, never merged half-way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from kimi_lsp.agents.tools import CheckReport
from kimi_lsp.config import ModelSettings
from kimi_lsp.swarm.changeset import Changeset, TextEdit, apply_edits, content_hash
from kimi_lsp.swarm.plan import Group
from kimi_lsp.swarm.textpos import line_starts, offset_at, position_at
from kimi_lsp.swarm.verify import python_compile_errors
from kimi_lsp.swarm.workspace import Workspace, WorkspaceError

DOC_SUFFIXES = (".md", ".rst", ".txt")
FILES_PER_GROUP = 4
CHECK_DESCRIPTION = "your edits must not touch code the rename changed, and Python files must still compile"


class Overlap(Exception):
    """A prose edit touches text the deterministic rename changed."""


@dataclass(frozen=True)
class ProseTask:
    """What a prose group's agent renames: (old, new) symbol names."""

    pairs: tuple[tuple[str, str], ...]


def mentions(text: str, name: str) -> bool:
    """Whether text names `name` as a whole word (identifiers may contain $)."""
    return re.search(rf"(?<![\w$]){re.escape(name)}(?![\w$])", text) is not None


def candidate_files(ws: Workspace, names: list[str], source_suffixes: tuple[str, ...]) -> list[str]:
    """Docs and source files that mention any of the old names; unreadable files are left out."""
    found = []
    for rel in ws.source_files(DOC_SUFFIXES + source_suffixes):
        try:
            text = ws.read(rel)
        except WorkspaceError:
            continue
        if any(mentions(text, name) for name in names):
            found.append(rel)
    return found


def prose_groups(files: list[str], pairs: list[tuple[str, str]], after: list[str], first_number: int) -> list[Group]:
    """A few files per agent, each group after every code group."""
    task = ProseTask(tuple(pairs))
    groups = []
    for start in range(0, len(files), FILES_PER_GROUP):
        chunk = files[start : start + FILES_PER_GROUP]
        groups.append(
            Group(
                f"g{first_number + len(groups)}",
                "prose mentions in " + ", ".join(PurePosixPath(p).name for p in chunk),
                modify=chunk,
                after=list(after),
                task=task,
                instructions=[f"RENAME PROSE MENTIONS {old} -> {new}" for old, new in pairs],
            )
        )
    return groups


def spec(group: Group, files: list[str], pairs: tuple[tuple[str, str], ...], settings: ModelSettings) -> str:
    """The prose agent's instruction; deterministic, so recordings replay."""
    lines = [f"# {group.id}: {group.title}", "", "Rename prose mentions of these renamed symbols (OLD -> NEW):"]
    lines += [f"- {old} -> {new}" for old, new in pairs]
    lines += [
        "",
        "The code itself is already renamed. Change only mentions in prose: comments, docstrings,",
        "documentation text and string literals. Do not change code identifiers. Change only the files below.",
        "",
        "Files you may change:",
    ]
    lines += [f"- MODIFY {path}" for path in files]
    lines += [
        "",
        f"Verification (run_check runs exactly this): {CHECK_DESCRIPTION}.",
        f"Budgets: at most {settings.max_steps} steps and {settings.max_tokens} tokens.",
    ]
    return "\n".join(lines) + "\n"


def rebase(edits: list[TextEdit], base: str, code_edits: list[TextEdit]) -> list[TextEdit]:
    """Edits made on `base` with `code_edits` applied, expressed against `base` itself.

    Raises Overlap when an edit touches text a code edit wrote.
    """
    starts = line_starts(base)
    regions = []  # (start, end) of each code edit's text in the renamed file, (start, end) it replaced in base
    shift = 0
    for edit in sorted(code_edits):
        base_start, base_end = offset_at(base, *edit.start, starts), offset_at(base, *edit.end, starts)
        regions.append((base_start + shift, base_start + shift + len(edit.new_text), base_start, base_end))
        shift += len(edit.new_text) - (base_end - base_start)
    renamed = apply_edits(base, code_edits)
    renamed_starts = line_starts(renamed)

    def to_base(offset: int) -> int:
        mapped = offset
        for start, end, _, base_end in regions:
            if end <= offset:
                mapped = base_end + offset - end
            elif start < offset:
                raise Overlap(f"line {position_at(renamed, offset, renamed_starts)[0] + 1}")
            else:
                break
        return mapped

    rebased = []
    for edit in edits:
        start, end = offset_at(renamed, *edit.start, renamed_starts), offset_at(renamed, *edit.end, renamed_starts)
        if any(max(start, r_start) < min(end, r_end) for r_start, r_end, _, _ in regions):
            raise Overlap(f"line {edit.start[0] + 1}")
        rebased.append(TextEdit(position_at(base, to_base(start), starts), position_at(base, to_base(end), starts), edit.new_text))
    return rebased


def rebase_changeset(agent: Changeset, bases: dict[str, str], code: Changeset) -> Changeset:
    """The agent's changeset (against the renamed files) as one against the original files.

    The result merges with `code` without conflict and, merged, gives exactly
    the agent's final text; anything else raises Overlap.
    """
    result = Changeset()
    for path, change in agent.changes.items():
        base = bases[path]
        code_edits = code.changes[path].edits if path in code.changes else []
        edits = rebase(change.edits, base, code_edits)
        wanted = agent.new_text(path, apply_edits(base, code_edits))
        if apply_edits(base, code_edits + edits) != wanted:
            raise Overlap(f"{path}: the edits could not be separated from the rename's")
        result.add_edits(path, content_hash(base), edits)
    return result


async def check(agent: Changeset, bases: dict[str, str], code: Changeset) -> CheckReport:
    """The prose agent's verification: edits stay off the renamed code, Python still compiles."""
    try:
        rebase_changeset(agent, bases, code)
    except Overlap as err:
        return CheckReport(False, f"an edit touches code the rename already changed ({err}); change only prose")
    renamed = {p: code.new_text(p, bases[p]) for p in agent.changes if p.endswith(".py")}
    before = python_compile_errors(renamed)
    after = python_compile_errors({p: agent.new_text(p, text) for p, text in renamed.items()})
    new_errors = [e for e in after if e not in before]
    if new_errors:
        return CheckReport(False, "Python no longer compiles:\n" + "\n".join(new_errors))
    return CheckReport(True, "the edits keep off the renamed code and compile")
