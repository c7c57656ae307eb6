"""The verification gate: a result may not make the project's checks worse.

Checks run on snapshots, never on the user's tree: the "after" snapshot is the
workspace with the changeset applied, in a temporary directory.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from kimi_lsp.swarm.changeset import Changeset
from kimi_lsp.swarm.workspace import Workspace

TSC_ERROR = re.compile(r"error TS\d+:")
# one `tsc --pretty false` error line: path(line,col): error TSxxxx: message
TSC_ERROR_LINE = re.compile(r"^(?P<path>.+?)\((?P<line>\d+),(?P<col>\d+)\): error (?P<code>TS\d+): (?P<message>.*)$")
JS_TS_SUFFIXES = (".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts")


@dataclass
class Verification:
    command: str
    errors_before: int = 0
    errors_after: int = 0
    seconds: float = 0.0
    new_errors: list[str] = field(default_factory=list)
    extra: dict = field(default_factory=dict)  # refactor-specific fields for the run report (e.g. js-to-ts counts)

    @property
    def passed(self) -> bool:
        return self.errors_after <= self.errors_before

    def failure(self) -> str:
        """Why a result that did not pass is refused, for the run's message."""
        return f"verification got worse ({self.errors_before} -> {self.errors_after} errors)"

    def to_json(self) -> dict:
        return {
            "command": self.command,
            "errors_before": self.errors_before,
            "errors_after": self.errors_after,
            "passed": self.passed,
            "seconds": round(self.seconds, 3),
            "new_errors": self.new_errors,
        }

    def combine(self, other: Verification) -> Verification:
        return Verification(
            f"{self.command} && {other.command}",
            self.errors_before + other.errors_before,
            self.errors_after + other.errors_after,
            max(self.seconds, other.seconds),
            self.new_errors + other.new_errors,
        )


def materialize(ws: Workspace, changeset: Changeset | None, dest: Path) -> None:
    """Copy the workspace (buffers included) into dest, with the changeset applied."""
    moved_away = {m.old for m in changeset.moves} if changeset else set()
    for rel in ws.files():
        if rel in moved_away:
            continue
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if changeset and rel in changeset.changes or rel in ws.overlays:
            target.write_text(changeset.new_text(rel, ws.read(rel)) if changeset else ws.read(rel), encoding="utf-8")
        else:
            shutil.copy2(ws.root / rel, target)
    if changeset:
        for move in changeset.moves:
            target = dest / move.new
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(changeset.new_text(move.old, ws.read(move.old)), encoding="utf-8")
        for rel, text in changeset.creates.items():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            (dest / rel).write_text(text, encoding="utf-8")
    modules = ws.root / "node_modules"
    if modules.is_dir():
        os.symlink(modules, dest / "node_modules", target_is_directory=True)


def project_config(ws: Workspace) -> str | None:
    for name in ("tsconfig.json", "jsconfig.json"):
        if (ws.root / name).is_file():
            return name
    return None


async def run_tsc(tsc: list[str], cwd: Path, config: str) -> list[str]:
    """Error lines from `tsc --noEmit -p config`, paths relative to cwd."""
    proc = await asyncio.create_subprocess_exec(
        *tsc, "--noEmit", "--pretty", "false", "-p", config,
        cwd=cwd, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await proc.communicate()
    return [line for line in out.decode("utf-8", "replace").splitlines() if TSC_ERROR.search(line)]


CONFIG_ERROR = re.compile(r"error TS5\d{3}:")


async def verify_tsc(
    ws: Workspace, changeset: Changeset, tsc: list[str], config: str, fast_tsc: list[str] | None = None
) -> Verification:
    """Type-check before and after, on snapshots.

    `fast_tsc` (typescript@7's native tsc) is tried first; if it rejects the
    project's configuration (options TypeScript 7 removed), both checks run
    with `tsc` instead, so before and after are always judged alike.
    """
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="kimi-before-") as before_dir, tempfile.TemporaryDirectory(
        prefix="kimi-after-"
    ) as after_dir:
        before_root = ws.root
        if ws.overlays:
            await asyncio.to_thread(materialize, ws, None, Path(before_dir))
            before_root = Path(before_dir)
        materialized = asyncio.create_task(asyncio.to_thread(materialize, ws, changeset, Path(after_dir)))
        if fast_tsc:
            fast_tsc = fast_tsc + await _typescript5_defaults(fast_tsc, before_root, config)
        before = await run_tsc(fast_tsc, before_root, config) if fast_tsc else None
        if before is None or any(CONFIG_ERROR.search(line) for line in before):
            fast_tsc, before = None, None
        checker = fast_tsc or tsc
        await materialized
        if before is None:
            before, after = await asyncio.gather(run_tsc(checker, before_root, config), run_tsc(checker, Path(after_dir), config))
        else:
            after = await run_tsc(checker, Path(after_dir), config)
    known = Counter(_without_position(line) for line in before)
    name = "tsc (typescript@7)" if fast_tsc else "tsc"
    return Verification(
        f"{name} --noEmit -p {config}",
        len(before),
        len(after),
        time.monotonic() - started,
        _new_lines(after, known)[:20],
    )


async def _typescript5_defaults(tsc: list[str], cwd: Path, config: str) -> list[str]:
    """Options that keep TypeScript 7 judging like TypeScript 5 did where the config is silent.

    TypeScript 7 turns `strict` on by default; a project that never set it
    was written (and is checked in its editor) without it.
    """
    proc = await asyncio.create_subprocess_exec(
        *tsc, "--showConfig", "-p", config, cwd=cwd, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL
    )
    out, _ = await proc.communicate()
    try:
        options = json.loads(out).get("compilerOptions", {})
    except ValueError:
        return []
    return [] if "strict" in options else ["--strict", "false"]


async def native_tsc_errors(fast_tsc: list[str], cwd: Path, config: str, sets_strict: bool = False) -> list[str]:
    """The errors typescript@7's native tsc finds, judging as TypeScript 5 does where the config is silent.

    `sets_strict` says the config sets `strict` itself, so TypeScript 7 needs
    no defaults and no `--showConfig` run to find that out.
    """
    if not sets_strict:
        fast_tsc = fast_tsc + await _typescript5_defaults(fast_tsc, cwd, config)
    return await run_tsc(fast_tsc, cwd, config)


def _without_position(line: str) -> str:
    """An error without its line and column, which edits elsewhere in the file shift."""
    return re.sub(r"\(\d+,\d+\)", "", line, count=1)


def _new_lines(after: list[str], known: Counter) -> list[str]:
    fresh = []
    for line in after:
        key = _without_position(line)
        if known[key]:
            known[key] -= 1
        else:
            fresh.append(line)
    return fresh


def python_compile_errors(texts: dict[str, str]) -> list[str]:
    errors = []
    for path, text in texts.items():
        try:
            compile(text, path, "exec", dont_inherit=True)
        except SyntaxError as err:
            errors.append(f"{path}:{err.lineno}: {err.msg}")
    return errors


def verify_python(ws: Workspace, changeset: Changeset) -> Verification:
    """Compile every touched Python file, before and after."""
    started = time.monotonic()
    sources = {p for p, c in changeset.changes.items() if c.edits and p.endswith(".py")}
    sources |= {m.old for m in changeset.moves if m.old.endswith(".py")}
    before = python_compile_errors({p: ws.read(p) for p in sources})
    after_texts = {changeset.destination(p): changeset.new_text(p, ws.read(p)) for p in sources}
    after_texts |= {p: t for p, t in changeset.creates.items() if p.endswith(".py")}
    after = python_compile_errors(after_texts)
    return Verification(
        "python compile of touched files", len(before), len(after), time.monotonic() - started, after[:20]
    )
