"""`instruct`: apply a free-form instruction to a set of files with model agents.

    kimi-lsp run instruct PATH --files GLOB --instruction "..." [--check CMD] [--agents N]

The files are split into groups (the planner model may refine the file list
and the groups; an unusable planner answer falls back to grouping by folder).
Each group's agent edits only its own files, on a private overlay, until the
group's verification passes; the merged result then goes through the gate
once more before anything is delivered.
"""

from __future__ import annotations

import argparse
import asyncio
import fnmatch
import json
import math
import os
import re
import shlex
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from kimi_lsp.agents.tools import AgentFiles, CheckReport
from kimi_lsp.config import load_settings
from kimi_lsp.errors import UserError
from kimi_lsp.swarm.changeset import Changeset
from kimi_lsp.swarm.events import EventSink
from kimi_lsp.swarm.plan import Group, Plan
from kimi_lsp.swarm.scheduler import GroupResult
from kimi_lsp.swarm.verify import Verification, materialize, project_config, python_compile_errors, run_tsc
from kimi_lsp.swarm.workspace import Workspace, WorkspaceError
from kimi_lsp.ts.client import tsc_command

if TYPE_CHECKING:
    from kimi_lsp.agents.model import ModelClient

NAME = "instruct"
DEFAULT_FILES_PER_GROUP = 4
CHECK_TIMEOUT = 300.0
MAX_CHECK_OUTPUT = 2000
SECRET_ENV = ("KIMI_API_KEY", "OPENAI_API_KEY", "MOONSHOT_API_KEY")
PLANNER_PROMPT = """You split a code change into independent groups of files for parallel engineers.
Answer with JSON only: {"groups": [{"title": "...", "files": ["path", ...]}]}.
Use only paths from the list. Put files that must change together in one group, at most %d files per group.
Leave out files the instruction does not concern."""


class RequestError(UserError):
    """The instruct request is malformed; the message says what is expected."""


@dataclass
class InstructRequest:
    instruction: str
    files: list[str]  # paths or globs, relative to the workspace root
    checks: list[str] = field(default_factory=list)  # verification commands, run on snapshots
    settings: dict = field(default_factory=dict)  # model settings from the editor or the CLI (never the key)
    files_per_group: int = DEFAULT_FILES_PER_GROUP
    lines: tuple[int, int] | None = None  # a selection: 1-based first and last line, for a single file


def parse_request(args: dict) -> InstructRequest:
    """Build a request from the JSON shape shared by the CLI and `kimi.swarm.start`."""
    instruction, files = args.get("instruction"), args.get("files")
    if not isinstance(instruction, str) or not instruction.strip():
        raise RequestError("'instruction' must be a non-empty string saying what to change")
    if not isinstance(files, list) or not files or not all(isinstance(f, str) and f for f in files):
        raise RequestError("'files' must be a non-empty list of paths or globs relative to the workspace root")
    checks = args.get("checks") or []
    if not isinstance(checks, list) or not all(isinstance(c, str) and c.strip() for c in checks):
        raise RequestError("'checks' must be a list of commands")
    settings = args.get("settings") or {}
    if not isinstance(settings, dict):
        raise RequestError("'settings' must be an object of model settings")
    per_group = args.get("filesPerGroup", DEFAULT_FILES_PER_GROUP)
    if not isinstance(per_group, int) or isinstance(per_group, bool) or per_group < 1:
        raise RequestError("'filesPerGroup' must be a positive integer")
    lines = args.get("lines")
    if lines is not None:
        if not (isinstance(lines, list) and len(lines) == 2 and all(isinstance(n, int) and n >= 1 for n in lines)) or len(files) != 1:
            raise RequestError("'lines' must be [first, last] (1-based) and needs exactly one file")
        lines = (min(lines), max(lines))
    return InstructRequest(instruction.strip(), list(files), list(checks), dict(settings), per_group, lines)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("instruct")
    group.add_argument("--files", action="append", default=[], metavar="GLOB", help="files to change (repeatable)")
    group.add_argument("--instruction", metavar="TEXT", help="what to change, in plain words")
    group.add_argument("--check", action="append", default=[], metavar="CMD", help="a verification command (repeatable)")
    group.add_argument("--files-per-group", type=int, default=DEFAULT_FILES_PER_GROUP, metavar="N", help="files per agent")
    group.add_argument("--record", type=Path, metavar="FILE", help="append every model request and answer to FILE (JSON lines)")


def request_from_args(args: argparse.Namespace) -> dict:
    """The CLI's options as the JSON request `kimi.swarm.start` also takes."""
    settings = {"record": str(args.record.resolve())} if args.record else {}
    return {
        "instruction": args.instruction,
        "files": args.files,
        "checks": args.check,
        "filesPerGroup": args.files_per_group,
        "settings": settings,
    }


class Checks:
    """The plan's verification: the request's commands, tsc when configured, Python compilation.

    Each check runs on a snapshot (the workspace with a changeset applied) and
    counts errors; "before" is measured once per run and shared by every agent.
    """

    def __init__(self, ws: Workspace, commands: list[str]):
        self.ws = ws
        self.commands = commands
        self.tsconfig = project_config(ws)
        self._before: asyncio.Task | None = None

    def describe(self) -> str:
        parts = [f"`{c}`" for c in self.commands]
        if self.tsconfig:
            parts.append(f"`tsc --noEmit -p {self.tsconfig}`")
        return ", ".join(parts + ["Python compilation of changed .py files"])

    async def run(self, changeset: Changeset) -> Verification:
        """Errors after the changeset against the errors before it."""
        started = time.monotonic()
        if self._before is None:
            self._before = asyncio.create_task(self._errors(Changeset()))
        before = await asyncio.shield(self._before)
        after = await self._errors(changeset) if not changeset.is_empty() else before
        python_before = python_compile_errors({p: self.ws.read(p) for p in changeset.changes if p.endswith(".py")})
        python_after = python_compile_errors(
            {p: changeset.new_text(p, self.ws.read(p)) for p in changeset.changes if p.endswith(".py")}
        )
        known = set(before)
        return Verification(
            self.describe(),
            len(before) + len(python_before),
            len(after) + len(python_after),
            time.monotonic() - started,
            ([e for e in after if e not in known] + python_after)[:20],
        )

    async def _errors(self, changeset: Changeset) -> list[str]:
        if not self.commands and not self.tsconfig:
            return []
        with tempfile.TemporaryDirectory(prefix="kimi-check-") as snapshot:
            await asyncio.to_thread(materialize, self.ws, changeset, Path(snapshot))
            errors = []
            if self.tsconfig:
                errors += await run_tsc(tsc_command(self.ws.root), Path(snapshot), self.tsconfig)
            for command in self.commands:
                failure = await _run_command(command, Path(snapshot))
                if failure:
                    errors.append(failure)
            return errors


async def _run_command(command: str, cwd: Path) -> str | None:
    """Run one verification command; its failure as one error line, or None."""
    env = {k: v for k, v in os.environ.items() if k not in SECRET_ENV}
    try:
        proc = await asyncio.create_subprocess_exec(
            *shlex.split(command), cwd=cwd, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
        )
    except OSError as err:
        return f"`{command}` could not start: {err}"
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), CHECK_TIMEOUT)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        return f"`{command}` timed out after {CHECK_TIMEOUT:g}s"
    if proc.returncode == 0:
        return None
    tail = out.decode("utf-8", "replace")[-MAX_CHECK_OUTPUT:].strip()
    return f"`{command}` exited with {proc.returncode}: {tail}"


class InstructSession:
    """One instruction run over one workspace."""

    def __init__(self, request: InstructRequest, ws: Workspace, agents: int):
        self.request = request
        self.ws = ws
        self.settings = load_settings(ws.root, request.settings)
        self.settings.require_key()
        self.agents = min(agents, self.settings.max_agents or agents)
        self.checks = Checks(ws, request.checks)
        self.sink: EventSink = lambda event: None
        self.client: ModelClient | None = None
        self.notes: list[str] = []

    def observe(self, sink: EventSink) -> None:
        self.sink = sink

    def admit(self, group: Group) -> str | None:
        """Stop starting groups once the request budget is spent."""
        if self.client and self.client.budget.spent:
            return f"not started: {self.client.budget.message()}"
        return None

    def _client(self) -> ModelClient:
        from kimi_lsp.agents.model import ModelClient  # the openai package loads only when a model is used

        if self.client is None:
            self.client = ModelClient.for_run(self.settings, self.agents)
        return self.client

    def candidates(self) -> list[str]:
        """Workspace files matching the request's paths and globs."""
        files = self.ws.files()
        chosen: set[str] = set()
        for pattern in self.request.files:
            if not any(ch in pattern for ch in "*?["):
                rel = self.ws.relative(pattern)
                inside = [f for f in files if f == rel or f.startswith(rel.rstrip("/") + "/")]
                if not inside:
                    raise RequestError(f"{pattern} does not exist in the workspace")
                chosen.update(inside)
            else:
                chosen.update(f for f in files if fnmatch.fnmatch(f, pattern) or PurePosixPath(f).match(pattern))
        if not chosen:
            raise RequestError(f"no files match {', '.join(self.request.files)}")
        return sorted(chosen)

    def validate(self) -> None:
        self.candidates()

    async def plan(self) -> Plan:
        files = []
        for rel in self.candidates():
            try:
                self.ws.read(rel)
                files.append(rel)
            except WorkspaceError as err:
                self.notes.append(f"left out {rel}: {err}")
        if not files:
            raise RequestError("none of the matching files is a text file kimi-lsp can edit")
        grouping = await self._planned_groups(files) or _by_folder(files, self.request.files_per_group)
        groups = [
            Group(f"g{i}", title, modify=paths, instructions=[self.request.instruction])
            for i, (title, paths) in enumerate(grouping, 1)
        ]
        plan = Plan(NAME, str(self.ws.root), groups, self.checks.describe(), notes=list(self.notes))
        plan.notes.append(self._estimate(groups))
        return plan

    async def _planned_groups(self, files: list[str]) -> list[tuple[str, list[str]]] | None:
        """The planner model's grouping, or None (with a note) when its answer is unusable."""
        if len(files) <= 1:
            return None
        per_group = self.request.files_per_group
        messages = [
            {"role": "system", "content": PLANNER_PROMPT % per_group},
            {"role": "user", "content": f"PLAN\nInstruction: {self.request.instruction}\nFiles:\n" + "\n".join(f"- {f}" for f in files)},
        ]
        from kimi_lsp.agents.model import Counters

        counters = Counters("plan", 0)
        try:
            reply = await self._client().complete(self.settings.planner, messages, None, counters)
        except UserError as err:
            self.notes.append(f"planner unavailable ({err}); grouped by folder")
            return None
        finally:
            self.sink(counters.stats)
        grouping = _parse_grouping(reply.content, set(files), per_group)
        if grouping is None:
            self.notes.append("the planner's answer was not a usable grouping; grouped by folder")
        else:
            self.notes.append(f"groups from the planner model ({self.settings.planner})")
        return grouping

    def _estimate(self, groups: list[Group]) -> str:
        """A rough forecast shown before running: three turns per group plus the planner."""
        requests = 3 * len(groups) + 1
        chars = sum(len(self.ws.read(f)) for g in groups for f in g.modify)
        tokens = 3 * (1500 * len(groups) + chars // 2)
        budget = f"budget {self.settings.request_budget} requests" if self.settings.request_budget else "no request budget"
        return f"estimate: about {requests} model requests and {tokens} tokens ({budget}); worker model {self.settings.model}"

    def spec(self, group: Group) -> str:
        """The group's instruction for its agent; deterministic, so recordings replay."""
        lines = [f"# {group.id}: {group.title}", "", f"Instruction: {self.request.instruction}", ""]
        if self.request.lines:
            first, last = self.request.lines
            lines += [f"Focus on lines {first}-{last} of {group.modify[0]}.", ""]
        lines.append("Files you may change:")
        lines += [f"- MODIFY {path}" for path in group.modify]
        lines += [
            "",
            f"Verification (run_check runs exactly this; it must not get worse): {self.checks.describe()}",
            f"Budgets: at most {self.settings.max_steps} steps and {self.settings.max_tokens} tokens.",
        ]
        return "\n".join(lines) + "\n"

    async def check(self, changeset: Changeset) -> CheckReport:
        verification = await self.checks.run(changeset)
        text = f"{verification.errors_before} error(s) before, {verification.errors_after} after"
        if verification.new_errors:
            text += "\n" + "\n".join(verification.new_errors)
        return CheckReport(verification.passed, text)

    async def run_group(self, group: Group, agent: int) -> GroupResult:
        files = AgentFiles(self.ws, group.modify)
        from kimi_lsp.agents.model import Counters, run_agent

        run = await run_agent(self._client(), self.spec(group), files, self.check, Counters(group.id, agent), self.sink)
        return GroupResult(files.changeset(), notes=[run.summary])

    async def verify(self, changeset: Changeset) -> Verification:
        return await self.checks.run(changeset)

    async def close(self) -> None:
        if self.client:
            await self.client.close()


def _by_folder(files: list[str], per_group: int) -> list[tuple[str, list[str]]]:
    """Deterministic grouping: files of one folder together, at most per_group at a time."""
    by_folder: dict[str, list[str]] = {}
    for path in files:
        by_folder.setdefault(str(PurePosixPath(path).parent), []).append(path)
    groups = []
    for folder, paths in sorted(by_folder.items()):
        chunks = math.ceil(len(paths) / per_group)
        for i in range(chunks):
            part = paths[i * per_group : (i + 1) * per_group]
            suffix = f" ({i + 1}/{chunks})" if chunks > 1 else ""
            groups.append((f"{folder}{suffix}: {', '.join(PurePosixPath(p).name for p in part)}", part))
    return groups


def _parse_grouping(answer: str, allowed: set[str], per_group: int) -> list[tuple[str, list[str]]] | None:
    """Accept the planner's groups only if they are well-formed and use only listed files, each once."""
    text = re.sub(r"^```(?:json)?\s*|\s*```$", "", answer.strip())
    try:
        groups = json.loads(text)["groups"]
    except (ValueError, KeyError, TypeError):
        return None
    if not isinstance(groups, list) or not groups:
        return None
    seen: set[str] = set()
    result = []
    for group in groups:
        if not isinstance(group, dict):
            return None
        paths, title = group.get("files"), group.get("title")
        if not isinstance(paths, list) or not paths or len(paths) > per_group:
            return None
        if not all(isinstance(p, str) and p in allowed and p not in seen for p in paths) or len(set(paths)) != len(paths):
            return None
        seen.update(paths)
        result.append((title if isinstance(title, str) and title.strip() else ", ".join(paths), sorted(paths)))
    return result
