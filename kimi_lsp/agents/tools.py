"""The tools a model agent may call, confined to its run's workspace.

An agent works on a private in-memory overlay of the workspace: reads see the
workspace (unsaved editor buffers included) plus the agent's own writes, and
writes never touch the user's tree. The overlay becomes the group's changeset,
diffed against the content it started from.

The boundaries are enforced here, not asked of the model, so text in a file
(prompt injection) cannot widen them: paths must be relative, without `..`,
and resolve (symlinks included) inside the workspace; only the group's own
files may be written; `run_check` runs the plan's verification commands and
nothing else; there is no network tool.
"""

from __future__ import annotations

import asyncio
import fnmatch
import json
import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Awaitable, Callable

from kimi_lsp.swarm.changeset import Changeset, content_hash, edits_between
from kimi_lsp.swarm.workspace import ALWAYS_SKIPPED_DIRS, Workspace, WorkspaceError

MAX_READ_CHARS = 100_000
MAX_LISTED = 500
MAX_GREP_LINES = 200



@dataclass(frozen=True)
class CheckReport:
    """The plan's verification on an agent's edits: passed means no worse than before."""

    passed: bool
    text: str


Checker = Callable[[Changeset], Awaitable[CheckReport]]

TOOL_SPECS = [
    {"name": "read_file", "description": "Read a text file of the workspace.", "parameters": {"path": "string"}},
    {
        "name": "write_file",
        "description": "Replace the whole content of one of this group's files.",
        "parameters": {"path": "string", "content": "string"},
    },
    {
        "name": "edit_file",
        "description": "Replace the exact text `old` (which must occur exactly once) with `new` in one of this group's files.",
        "parameters": {"path": "string", "old": "string", "new": "string"},
    },
    {"name": "list_files", "description": "List workspace files matching a glob such as 'src/**/*.js'.", "parameters": {"glob": "string"}},
    {"name": "grep", "description": "Search workspace files for a regular expression; answers path:line: text.", "parameters": {"pattern": "string"}},
    {"name": "run_check", "description": "Run the plan's verification commands on your current edits.", "parameters": {}},
    {"name": "finish", "description": "Stop: your edits are complete. Summarise what you changed.", "parameters": {"summary": "string"}},
]


def openai_tools() -> list[dict]:
    """The tool list in the Chat Completions `tools` format."""
    return [
        {
            "type": "function",
            "function": {
                "name": spec["name"],
                "description": spec["description"],
                "parameters": {
                    "type": "object",
                    "properties": {name: {"type": kind} for name, kind in spec["parameters"].items()},
                    "required": list(spec["parameters"]),
                },
            },
        }
        for spec in TOOL_SPECS
    ]


class ToolError(Exception):
    """A refused or failed tool call; the message goes back to the model."""


class AgentFiles:
    """One agent's private overlay of the workspace."""

    def __init__(self, ws: Workspace, writable: list[str]):
        self.ws = ws
        self.writable = set(writable)
        self.written: dict[str, str] = {}

    def path(self, raw: object) -> str:
        """A model-supplied path, checked to stay inside the workspace."""
        if not isinstance(raw, str) or not raw.strip():
            raise ToolError("path must be a non-empty string relative to the workspace root")
        pure = PurePosixPath(raw.replace("\\", "/"))
        if pure.is_absolute() or raw.startswith("~") or re.match(r"^[A-Za-z]:", raw):
            raise ToolError(f"{raw}: absolute paths are refused; use a path relative to the workspace root")
        if ".." in pure.parts:
            raise ToolError(f"{raw}: '..' is refused; paths stay inside the workspace")
        try:
            rel = self.ws.relative(str(pure))
        except WorkspaceError:
            raise ToolError(f"{raw}: refused, it resolves outside the workspace") from None
        if set(PurePosixPath(rel).parts) & ALWAYS_SKIPPED_DIRS:
            raise ToolError(f"{raw}: refused, {', '.join(sorted(ALWAYS_SKIPPED_DIRS))} are off limits")
        return rel

    def read(self, raw: object) -> str:
        rel = self.path(raw)
        if rel in self.written:
            return self.written[rel]
        try:
            return self.ws.read(rel)
        except WorkspaceError as err:
            raise ToolError(str(err)) from None

    def write(self, raw: object, content: object) -> str:
        rel = self.path(raw)
        if rel not in self.writable:
            raise ToolError(f"{rel}: you may only write this group's files: {', '.join(sorted(self.writable))}")
        if not isinstance(content, str):
            raise ToolError("content must be a string")
        self.written[rel] = content
        return rel

    def files(self) -> list[str]:
        return sorted(set(self.ws.files()) | set(self.written))

    def changeset(self) -> Changeset:
        """The agent's writes as edits against the content they started from."""
        changeset = Changeset()
        for rel, text in sorted(self.written.items()):
            base = self.ws.read(rel)
            if text != base:
                changeset.add_edits(rel, content_hash(base), edits_between(base, text))
        return changeset


@dataclass
class ToolBox:
    files: AgentFiles
    checker: Checker
    finished: str | None = None  # the summary, once the agent called finish
    checks_run: int = 0

    async def call(self, name: str, raw_arguments: str) -> str:
        """Run one tool call; every failure becomes a message the model can act on."""
        try:
            arguments = json.loads(raw_arguments or "{}")
        except ValueError as err:
            return f"error: the arguments of {name} are not valid JSON ({err}); send a JSON object"
        if not isinstance(arguments, dict):
            return f"error: the arguments of {name} must be a JSON object"
        handler = getattr(self, f"_tool_{name}", None)
        if handler is None:
            return f"error: there is no tool {name!r}; the tools are {', '.join(s['name'] for s in TOOL_SPECS)}"
        try:
            return await handler(**arguments)
        except TypeError as err:
            return f"error: bad arguments for {name}: {err}"
        except ToolError as err:
            return f"error: {err}"

    async def _tool_read_file(self, path: str) -> str:
        text = self.files.read(path)
        if len(text) > MAX_READ_CHARS:
            return text[:MAX_READ_CHARS] + f"\n[truncated: {len(text)} characters in all]"
        return text

    async def _tool_write_file(self, path: str, content: str) -> str:
        rel = self.files.write(path, content)
        return f"wrote {rel} ({len(content)} characters)"

    async def _tool_edit_file(self, path: str, old: str, new: str) -> str:
        text = self.files.read(path)
        if not isinstance(old, str) or not isinstance(new, str) or not old:
            raise ToolError("old and new must be strings, and old must not be empty")
        count = text.count(old)
        if count != 1:
            raise ToolError(f"the old text occurs {count} times in {path}; it must occur exactly once")
        rel = self.files.write(path, text.replace(old, new, 1))
        return f"edited {rel}"

    async def _tool_list_files(self, glob: str = "**") -> str:
        if not isinstance(glob, str):
            raise ToolError("glob must be a string")
        names = await asyncio.to_thread(self.files.files)
        matches = [n for n in names if fnmatch.fnmatch(n, glob) or fnmatch.fnmatch(n, glob.replace("**/", ""))]
        shown = "\n".join(matches[:MAX_LISTED])
        return shown + (f"\n[{len(matches) - MAX_LISTED} more]" if len(matches) > MAX_LISTED else "") or "no files match"

    async def _tool_grep(self, pattern: str) -> str:
        try:
            regex = re.compile(pattern)
        except (re.error, TypeError) as err:
            raise ToolError(f"not a regular expression: {err}") from None
        return await asyncio.to_thread(self._grep, regex)

    def _grep(self, regex: re.Pattern) -> str:
        hits: list[str] = []
        for rel in self.files.files():
            try:
                text = self.files.read(rel)
            except ToolError:
                continue
            for number, line in enumerate(text.splitlines(), 1):
                if regex.search(line):
                    hits.append(f"{rel}:{number}: {line[:300]}")
                    if len(hits) >= MAX_GREP_LINES:
                        return "\n".join(hits) + "\n[more matches not shown]"
        return "\n".join(hits) or "no matches"

    async def _tool_run_check(self) -> str:
        self.checks_run += 1
        report = await self.checker(self.files.changeset())
        return ("passed: " if report.passed else "failed: ") + report.text

    async def _tool_finish(self, summary: str = "") -> str:
        self.finished = str(summary) or "done"
        return "finished"
