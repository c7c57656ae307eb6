"""Bulk rename: symbols and files, across JavaScript, TypeScript and Python.

Every rename and move is computed against the same snapshot of the project by
a deterministic worker (TypeScript's language service in a Node sidecar, or
rope), so groups are independent and run in parallel. The merge step then
catches any two renames that touch the same text differently.

With `prose`, model agents then update comments, docs and strings that
mention a renamed symbol (see kimi_lsp/refactors/prose.py).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import keyword
import os
import re
import shutil
import tempfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from multiprocessing import get_context
from pathlib import Path
from typing import TYPE_CHECKING

from kimi_lsp.agents import rope_worker
from kimi_lsp.agents.tools import AgentFiles
from kimi_lsp.config import ModelSettings, load_settings
from kimi_lsp.errors import UserError
from kimi_lsp.refactors import prose
from kimi_lsp.swarm.changeset import Changeset, Conflict, FileMove, TextEdit, edits_between
from kimi_lsp.swarm.events import EventSink
from kimi_lsp.swarm.plan import Group, Plan
from kimi_lsp.swarm.scheduler import GroupError, GroupResult
from kimi_lsp.swarm.textpos import line_starts, offset_at
from kimi_lsp.swarm.verify import JS_TS_SUFFIXES, Verification, project_config, verify_python, verify_tsc
from kimi_lsp.swarm.workspace import Workspace, WorkspaceError
from kimi_lsp.refactors.typescript import WorkspaceSidecars
from kimi_lsp.ts.client import native_tsc_command, tsc_command

if TYPE_CHECKING:
    from kimi_lsp.agents.model import ModelClient

NAME = "rename"
RENAMES_PER_SIDECAR = 200
PY_SUFFIXES = (".py",)
IDENTIFIER = re.compile(r"[A-Za-z_$\u00a0-\uffff][\w$\u00a0-\uffff]*")
JS_RESERVED = frozenset(
    "break case catch class const continue debugger default delete do else enum export extends false finally for "
    "function if import in instanceof new null return super switch this throw true try typeof var void while with "
    "yield let static implements interface package private protected public await".split()
)
TARGET = re.compile(r"^(?P<file>.+?)(?::(?P<line>\d+):(?P<col>\d+)|#(?P<name>[^=#]+))$")


class RequestError(UserError):
    """The rename request is malformed; the message says what is expected."""


@dataclass(frozen=True)
class RenameTarget:
    file: str
    new: str
    line: int | None = None  # 1-based, as compilers print them
    col: int | None = None
    name: str | None = None

    @property
    def label(self) -> str:
        where = f"{self.file}#{self.name}" if self.name else f"{self.file}:{self.line}:{self.col}"
        return f"{where}={self.new}"


@dataclass
class RenameRequest:
    renames: list[RenameTarget] = field(default_factory=list)
    moves: list[FileMove] = field(default_factory=list)
    in_comments: bool = False
    in_strings: bool = False
    prose: bool = False  # a model also updates prose mentions of renamed symbols
    settings: dict = field(default_factory=dict)  # model settings from the editor (never the key)


def parse_target(target: str, new: str) -> RenameTarget:
    """Parse `FILE:LINE:COL` or `FILE#NAME` (NEW given separately)."""
    match = TARGET.match(target.strip())
    if not match:
        raise RequestError(f"rename target {target!r} must be FILE:LINE:COL or FILE#NAME")
    if not IDENTIFIER.fullmatch(new) or _reserved(match["file"], new):
        raise RequestError(f"new name {new!r} for {target} is not a valid identifier")
    if match["name"]:
        return RenameTarget(match["file"], new, name=match["name"].strip())
    line, col = int(match["line"]), int(match["col"])
    if line < 1 or col < 1:
        raise RequestError(f"{target}: LINE and COL are 1-based")
    return RenameTarget(match["file"], new, line=line, col=col)


def _reserved(file: str, name: str) -> bool:
    """A keyword can never be a symbol's name, and renaming to one would break the code."""
    if file.endswith(PY_SUFFIXES):
        return keyword.iskeyword(name) or not name.isidentifier()
    return name in JS_RESERVED


def parse_assignment(text: str, what: str) -> tuple[str, str]:
    left, sep, right = text.rpartition("=")
    if not sep or not left or not right:
        raise RequestError(f"{what} {text!r} must look like OLD=NEW")
    return left, right


def parse_request(args: dict) -> RenameRequest:
    """Build a request from the JSON shape shared by the CLI's --map, and LSP commands."""
    renames = args.get("renames", [])
    moves = args.get("moves", [])
    if not isinstance(renames, list) or not isinstance(moves, list):
        raise RequestError("'renames' and 'moves' must be lists")
    settings = args.get("settings") or {}
    if not isinstance(settings, dict):
        raise RequestError("'settings' must be an object of model settings")
    request = RenameRequest(
        in_comments=bool(args.get("inComments")),
        in_strings=bool(args.get("inStrings")),
        prose=bool(args.get("prose")),
        settings=dict(settings),
    )
    for entry in renames + moves:
        _add_entry(request, entry)
    if not request.renames and not request.moves:
        raise RequestError("nothing to do: give at least one rename {'target', 'new'} or move {'move', 'to'}")
    return request


def _add_entry(request: RenameRequest, entry: object) -> None:
    if not isinstance(entry, dict):
        raise RequestError(f"each rename or move must be an object, got {entry!r}")
    if "target" in entry:
        if not isinstance(entry.get("new"), str) or not isinstance(entry["target"], str):
            raise RequestError(f"rename {entry!r} needs string 'target' and 'new'")
        request.renames.append(parse_target(entry["target"], entry["new"]))
    elif "move" in entry or "from" in entry:
        old, new = entry.get("move", entry.get("from")), entry.get("to")
        if not isinstance(old, str) or not isinstance(new, str):
            raise RequestError(f"move {entry!r} needs string 'move' and 'to'")
        request.moves.append(FileMove(old, new))
    else:
        raise RequestError(f"unknown entry {entry!r}: expected {{'target', 'new'}} or {{'move', 'to'}}")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("rename")
    group.add_argument("--rename", action="append", default=[], metavar="FILE:LINE:COL=NEW|FILE#NAME=NEW")
    group.add_argument("--move", action="append", default=[], metavar="OLD=NEW", help="move a file, updating imports")
    group.add_argument("--map", type=Path, metavar="F", help="JSON list of {target,new} and {move,to} entries")
    group.add_argument("--in-comments", action="store_true", help="also rename in comments")
    group.add_argument("--in-strings", action="store_true", help="also rename in strings")
    group.add_argument(
        "--prose", action="store_true", help="then let a model update comments, docs and strings that mention renamed symbols"
    )


def request_from_args(args: argparse.Namespace) -> dict:
    """The CLI's options as the JSON request the server's commands also take."""
    renames: list[dict] = []
    moves: list[dict] = []
    if args.map:
        try:
            entries = json.loads((args.path / args.map).read_text())
        except (OSError, ValueError) as err:
            raise RequestError(f"cannot read --map {args.map}: {err}") from None
        if not isinstance(entries, list):
            raise RequestError("a rename map must be a JSON list of {'target', 'new'} and {'move', 'to'} objects")
        for entry in entries:
            (moves if isinstance(entry, dict) and "move" in entry else renames).append(entry)
    for text in args.rename:
        target, new = parse_assignment(text, "--rename")
        renames.append({"target": target, "new": new})
    for text in args.move:
        old, new = parse_assignment(text, "--move")
        moves.append({"move": old, "to": new})
    return {
        "renames": renames,
        "moves": moves,
        "inComments": args.in_comments,
        "inStrings": args.in_strings,
        "prose": args.prose,
    }


class RenameSession:
    """One bulk-rename run over one workspace."""

    def __init__(self, request: RenameRequest, ws: Workspace, agents: int):
        self.request = request
        self.ws = ws
        self.agents = agents
        # A sidecar costs a whole program load (seconds); one rename costs
        # milliseconds. Another sidecar pays off only for many renames.
        tasks = len(request.renames) + len(request.moves)
        self.sidecars = WorkspaceSidecars(ws, min(agents, os.cpu_count() or 1, 1 + tasks // RENAMES_PER_SIDECAR))
        self.rope: ProcessPoolExecutor | None = None
        self.python_snapshot: tempfile.TemporaryDirectory | None = None
        self.settings: ModelSettings | None = None
        if request.prose:
            self.settings = load_settings(ws.root, request.settings)
            self.settings.require_key()
        self.client: ModelClient | None = None
        self.sink: EventSink = lambda event: None
        self.code_groups: dict[str, Group] = {}
        self.code_results: dict[str, Changeset] = {}  # code group id -> its changeset, for the prose groups
        self.prose_edits = 0  # edits the model made in finished prose groups, for the report

    def observe(self, sink: EventSink) -> None:
        self.sink = sink

    # ------------------------------------------------------------ planning

    def _normalize(self) -> tuple[list[RenameTarget], list[FileMove]]:
        renames, moves = [], []
        for target in self.request.renames:
            rel = self.ws.relative(target.file)
            self._check_source(rel, target.label)
            renames.append(RenameTarget(rel, target.new, target.line, target.col, target.name))
        for move in self.request.moves:
            old, new = self.ws.relative(move.old), self.ws.relative(move.new)
            self._check_source(old, f"move {move.old}")
            if self.ws.exists(new):
                raise RequestError(f"cannot move {old} to {new}: {new} already exists")
            if old.endswith(PY_SUFFIXES) != new.endswith(PY_SUFFIXES):
                raise RequestError(f"cannot move {old} to {new}: the language would change")
            moves.append(FileMove(old, new))
        return renames, moves

    def _check_source(self, rel: str, label: str) -> None:
        if not self.ws.exists(rel):
            raise RequestError(f"{label}: {rel} does not exist")
        if not rel.endswith(JS_TS_SUFFIXES + PY_SUFFIXES):
            raise RequestError(f"{label}: only JavaScript, TypeScript and Python files can be renamed in")
        self.ws.read(rel)

    def _old_name(self, target: RenameTarget) -> str:
        text = self.ws.read(target.file)
        if target.name:
            if not re.search(rf"(?<![\w$]){re.escape(target.name)}(?![\w$])", text):
                raise RequestError(f"{target.label}: there is no '{target.name}' in {target.file}")
            return target.name
        starts = line_starts(text)
        if target.line > len(starts):
            raise RequestError(f"{target.label}: the file has only {len(starts)} lines")
        offset = self._offset(target, text)
        for match in IDENTIFIER.finditer(text, starts[target.line - 1]):
            if match.start() <= offset < match.end() and not _reserved(target.file, match.group()):
                return match.group()
            if match.start() > offset:
                break
        raise RequestError(f"{target.label}: there is no identifier at line {target.line}, column {target.col}")

    @staticmethod
    def _offset(target: RenameTarget, text: str) -> int:
        """Where a FILE:LINE:COL target points, counting COL the way that language's tools do.

        Python tools count code points; tsc and LSP count UTF-16 units. The
        language server builds targets the same way.
        """
        starts = line_starts(text)
        if not target.file.endswith(PY_SUFFIXES):
            return offset_at(text, target.line - 1, target.col - 1, starts)
        line_end = starts[target.line] - 1 if target.line < len(starts) else len(text)
        return min(starts[target.line - 1] + target.col - 1, line_end)

    def validate(self) -> None:
        """Cheap checks (paths, positions) so editors get errors before a run starts."""
        renames, _ = self._normalize()
        for target in renames:
            self._old_name(target)

    async def plan(self) -> Plan:
        renames, moves = self._normalize()
        old_names = {t: self._old_name(t) for t in renames}
        graph = await self._import_graph() if any(not t.file.endswith(PY_SUFFIXES) for t in renames) or any(
            not m.old.endswith(PY_SUFFIXES) for m in moves
        ) else {}
        importers = _reverse(graph)
        groups: list[Group] = []
        by_file: dict[str, list[RenameTarget]] = {}
        for target in renames:
            by_file.setdefault(target.file, []).append(target)
        for file, targets in by_file.items():
            names = sorted({old_names[t] for t in targets})
            if file.endswith(PY_SUFFIXES):
                candidates = [f for f in self.ws.source_files(PY_SUFFIXES) if any(n in self.ws.read(f) for n in names)]
            else:
                candidates = [f for f in _closure(file, importers) if any(n in self.ws.read(f) for n in names)]
            group = Group(
                f"g{len(groups) + 1}",
                f"rename in {file}",
                modify=sorted(set(candidates) | {file}),
                task=targets,
                instructions=[f"RENAME SYMBOL {old_names[t]} -> {t.new} (declared at {t.label.rpartition('=')[0]})" for t in targets],
            )
            groups.append(group)
        for move in moves:
            users = sorted(importers.get(move.old, ())) if not move.old.endswith(PY_SUFFIXES) else [
                f for f in self.ws.source_files(PY_SUFFIXES) if Path(move.old).stem in self.ws.read(f) and f != move.old
            ]
            groups.append(
                Group(f"g{len(groups) + 1}", f"move {move.old}", modify=users, rename=[(move.old, move.new)], task=[move])
            )
        self.code_groups = {g.id: g for g in groups}
        plan = Plan(NAME, str(self.ws.root), groups, self._verify_command())
        plan.conflicts = _contradictions(renames, old_names, moves)
        if self.request.prose:
            pairs = sorted({(old_names[t], t.new) for t in renames})
            files = prose.candidate_files(self.ws, [old for old, _ in pairs], JS_TS_SUFFIXES + PY_SUFFIXES)
            plan.groups += prose.prose_groups(files, pairs, list(self.code_groups), len(groups) + 1)
            plan.notes.append(
                f"prose pass: a model updates mentions of renamed symbols in {len(files)} file(s) after the code rename"
            )
        if self.request.in_comments or self.request.in_strings:
            plan.notes.append(
                "also renaming in " + " and ".join(w for w, on in [("comments", self.request.in_comments), ("strings", self.request.in_strings)] if on)
            )
        return plan

    def _verify_command(self) -> str:
        config = project_config(self.ws)
        parts = [f"tsc --noEmit -p {config}" if config else "syntax check of touched JS/TS files"]
        if any(t.file.endswith(PY_SUFFIXES) for t in self.request.renames) or any(
            m.old.endswith(PY_SUFFIXES) for m in self.request.moves
        ):
            parts.append("python compile of touched files")
        return " && ".join(parts)

    async def _import_graph(self) -> dict[str, list[str]]:
        result = await self._ts("importGraph", {})
        return self.sidecars.relative_graph(result["graph"])

    # ------------------------------------------------------------ workers

    async def _ts(self, method: str, params: dict) -> dict:
        return await self.sidecars.request(method, params)

    async def run_group(self, group: Group, agent: int) -> GroupResult:
        if isinstance(group.task, prose.ProseTask):
            return await self._run_prose(group, group.task, agent)
        result = GroupResult()
        for item in group.task:
            if isinstance(item, FileMove):
                changes = await (self._rope_move(item) if item.old.endswith(PY_SUFFIXES) else self._ts_move(item))
            elif item.file.endswith(PY_SUFFIXES):
                changes = await self._rope_rename(item)
            else:
                changes = await self._ts_rename(item)
            result.conflicts += result.changeset.merge(changes)
        self.code_results[group.id] = result.changeset
        return result

    def _edits_to_changeset(self, edits: list[dict]) -> Changeset:
        by_file: dict[str, list[TextEdit]] = {}
        for e in edits:
            try:
                rel = self.ws.relative(e["file"])
            except WorkspaceError:
                raise GroupError(f"the rename would change {e['file']}, outside the workspace") from None
            if "node_modules/" in rel:
                raise GroupError(f"the rename would change {rel}, a dependency")
            by_file.setdefault(rel, []).append(TextEdit(tuple(e["start"]), tuple(e["end"]), e["newText"]))
        changeset = Changeset()
        for rel, file_edits in by_file.items():
            conflicts = changeset.add_edits(rel, self.ws.hash(rel), file_edits)
            if conflicts:
                raise GroupError(conflicts[0].message)
        return changeset

    async def _ts_rename(self, target: RenameTarget) -> Changeset:
        params = {
            "file": self.ws.absolute(target.file),
            "newName": target.new,
            "inComments": self.request.in_comments,
            "inStrings": self.request.in_strings,
        }
        if target.name:
            params["name"] = target.name
        else:
            text = self.ws.read(target.file)
            offset = self._offset(target, text)
            line_start = line_starts(text)[target.line - 1]
            params["line"] = target.line - 1
            params["character"] = len(text[line_start:offset].encode("utf-16-le")) // 2
        result = await self._ts("rename", params)
        return self._edits_to_changeset(result["edits"])

    async def _ts_move(self, move: FileMove) -> Changeset:
        result = await self._ts("moveFile", {"from": self.ws.absolute(move.old), "to": self.ws.absolute(move.new)})
        changeset = self._edits_to_changeset(result["edits"])
        if move.old not in changeset.changes:
            changeset.add_edits(move.old, self.ws.hash(move.old), [])
        changeset.add_move(move)
        return changeset

    # ------------------------------------------------------------ rope

    def _rope(self) -> tuple[ProcessPoolExecutor, str]:
        if self.rope is None:
            self.python_snapshot = tempfile.TemporaryDirectory(prefix="kimi-py-")
            root = Path(self.python_snapshot.name)
            for rel in self.ws.source_files(PY_SUFFIXES):
                (root / rel).parent.mkdir(parents=True, exist_ok=True)
                (root / rel).write_text(self.ws.read(rel), encoding="utf-8")
            workers = min(self.agents, os.cpu_count() or 1)
            self.rope = ProcessPoolExecutor(workers, mp_context=get_context("spawn"))
        assert self.python_snapshot
        return self.rope, self.python_snapshot.name

    async def _rope_job(self, job: dict) -> Changeset:
        executor, snapshot = await asyncio.to_thread(self._rope)
        try:
            changed = await asyncio.get_running_loop().run_in_executor(
                executor, partial(rope_worker.run_job, snapshot, job)
            )
        except rope_worker.RopeJobError as err:
            raise GroupError(str(err)) from None
        changeset = Changeset()
        deleted = [p for p, t in changed.items() if t is None]
        created = [p for p, t in changed.items() if t is not None and not self.ws.exists(p)]
        if job["kind"] == "move":
            old, new = job["old"], job["new"]
            if old not in deleted or new not in created:
                raise GroupError(f"rope did not move {old} to {new}")
            changeset.add_move(FileMove(old, new))
            changeset.add_edits(old, self.ws.hash(old), edits_between(self.ws.read(old), changed[new]))
            created.remove(new)
        for path in created:
            changeset.creates[path] = changed[path]
        for path, text in changed.items():
            if text is not None and path not in created and self.ws.exists(path):
                changeset.add_edits(path, self.ws.hash(path), edits_between(self.ws.read(path), text))
        return changeset

    async def _rope_rename(self, target: RenameTarget) -> Changeset:
        job = {
            "kind": "rename",
            "file": target.file,
            "new": target.new,
            "comments": self.request.in_comments,
            "strings": self.request.in_strings,
        }
        if target.name:
            job["name"] = target.name
        else:
            job["offset"] = self._offset(target, self.ws.read(target.file))
        return await self._rope_job(job)

    async def _rope_move(self, move: FileMove) -> Changeset:
        return await self._rope_job({"kind": "move", "old": move.old, "new": move.new})

    # ------------------------------------------------------------ prose

    def _client(self) -> ModelClient:
        from kimi_lsp.agents.model import ModelClient  # the openai package loads only when a model is used

        if self.client is None:
            assert self.settings
            self.client = ModelClient.for_run(self.settings, self.agents)
        return self.client

    async def _code_changes(self, group_ids: list[str], agent: int) -> Changeset:
        """The code groups' merged edits; groups kept from an earlier run are recomputed (deterministically)."""
        merged = Changeset()
        for gid in group_ids:
            if gid not in self.code_results:
                await self.run_group(self.code_groups[gid], agent)
            if merged.merge(self.code_results[gid]):
                raise GroupError("the code renames conflict, so their prose cannot be updated")
        return merged

    async def _run_prose(self, group: Group, task: prose.ProseTask, agent: int) -> GroupResult:
        """Let a model edit the group's files as they are after the code rename; keep only its prose edits."""
        from kimi_lsp.agents.model import Counters, run_agent

        assert self.settings, "prose groups are planned only with model settings"
        code = await self._code_changes(group.after, agent)
        bases = {p: self.ws.read(p) for p in group.modify}
        renamed = {p: code.new_text(p, text) for p, text in bases.items()}
        pending = [p for p in group.modify if any(prose.mentions(renamed[p], old) for old, _ in task.pairs)]
        if not pending:
            return GroupResult(notes=["no prose mentions are left after the code rename"])
        files = AgentFiles(Workspace(self.ws.root, {**self.ws.overlays, **renamed}), pending)
        check = partial(prose.check, bases=bases, code=code)
        run = await run_agent(
            self._client(), prose.spec(group, pending, task.pairs, self.settings), files, check, Counters(group.id, agent), self.sink
        )
        try:
            changeset = prose.rebase_changeset(files.changeset(), bases, code)
        except prose.Overlap as err:
            raise GroupError(f"the model's prose edits touch renamed code ({err})") from None
        edits = sum(len(c.edits) for c in changeset.changes.values())
        self.prose_edits += edits
        return GroupResult(changeset, notes=[f"{edits} prose edit(s) by the model: {run.summary}"])

    # ------------------------------------------------------------ gate

    async def verify(self, changeset: Changeset) -> Verification:
        verification = await self._verify_code(changeset)
        if self.request.prose:
            verification.extra["prose_edits"] = self.prose_edits
        return verification

    async def _verify_code(self, changeset: Changeset) -> Verification:
        checks = []
        config = project_config(self.ws)
        touched = set(changeset.changes) | {m.old for m in changeset.moves}
        if any(p.endswith(JS_TS_SUFFIXES) for p in touched):
            if config:
                checks.append(
                    await verify_tsc(self.ws, changeset, tsc_command(self.ws.root), config, native_tsc_command(self.ws.root))
                )
            else:
                checks.append(await self._verify_syntax(changeset))
        if any(p.endswith(PY_SUFFIXES) for p in touched):
            checks.append(await asyncio.to_thread(verify_python, self.ws, changeset))
        if not checks:
            return Verification("nothing to check")
        combined = checks[0]
        for check in checks[1:]:
            combined = combined.combine(check)
        return combined

    async def _verify_syntax(self, changeset: Changeset) -> Verification:
        sources = [p for p in set(changeset.changes) | {m.old for m in changeset.moves} if p.endswith(JS_TS_SUFFIXES)]
        before = await self._ts("syntaxErrors", {"texts": {p: self.ws.read(p) for p in sources}})
        after_texts = {changeset.destination(p): changeset.new_text(p, self.ws.read(p)) for p in sources}
        after = await self._ts("syntaxErrors", {"texts": after_texts})
        return Verification(
            "syntax check of touched JS/TS files",
            sum(before["counts"].values()),
            sum(after["counts"].values()),
            new_errors=[f"{p}: {n} syntax error(s)" for p, n in after["counts"].items() if n],
        )

    async def close(self) -> None:
        if self.client:
            await self.client.close()
        await self.sidecars.close()
        if self.rope:
            self.rope.shutdown(wait=False, cancel_futures=True)
        if self.python_snapshot:
            await asyncio.to_thread(shutil.rmtree, self.python_snapshot.name, True)


def _reverse(graph: dict[str, list[str]]) -> dict[str, set[str]]:
    importers: dict[str, set[str]] = {}
    for file, deps in graph.items():
        for dep in deps:
            importers.setdefault(dep, set()).add(file)
    return importers


def _closure(file: str, importers: dict[str, set[str]]) -> set[str]:
    """The file and everything that imports it, directly or through re-exports."""
    seen, stack = {file}, [file]
    while stack:
        for user in importers.get(stack.pop(), ()):
            if user not in seen:
                seen.add(user)
                stack.append(user)
    return seen


def _contradictions(renames: list[RenameTarget], old_names: dict, moves: list[FileMove]) -> list[Conflict]:
    """Requests that cannot all hold: one symbol to two names, two symbols to one name."""
    conflicts = []
    seen: dict[tuple[str, str], RenameTarget] = {}
    for target in renames:
        key = (target.file, old_names[target])
        if key in seen and seen[key].new != target.new and target.name and seen[key].name:
            conflicts.append(Conflict(target.file, f"'{key[1]}' is renamed to both {seen[key].new} and {target.new}"))
        seen.setdefault(key, target)
    by_new: dict[tuple[str, str], str] = {}
    for (file, old), target in seen.items():
        previous = by_new.setdefault((file, target.new), old)
        if previous != old:
            conflicts.append(Conflict(file, f"both '{previous}' and '{old}' would be renamed to {target.new}"))
    targets_of_moves: dict[str, str] = {}
    for move in moves:
        if move.new in targets_of_moves:
            conflicts.append(Conflict(move.new, f"both {targets_of_moves[move.new]} and {move.old} move here"))
        targets_of_moves[move.new] = move.old
    return conflicts
