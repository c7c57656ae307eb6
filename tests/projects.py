"""Generated projects for end-to-end tests: write them, run them, snapshot them.

Tests describe a project as a dict of relative path -> text, so each test shows
the whole program it renames in, and the expected result is exact text.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def write_project(root: Path, files: dict[str, str]) -> Path:
    """Write every file under root, creating folders as needed."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def read_project(root: Path) -> dict[str, str]:
    """Every file under root as text, the same shape write_project takes."""
    return {
        p.relative_to(root).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts and "node_modules" not in p.parts
    }


def changed(before: dict[str, str], edits: dict[str, str | None]) -> dict[str, str]:
    """The project `before` with some files replaced (text) or removed (None)."""
    after = {**before, **{p: t for p, t in edits.items() if t is not None}}
    return {p: t for p, t in sorted(after.items()) if edits.get(p, "") is not None}


def snapshot_bytes(root: Path) -> dict[str, bytes]:
    """Exact bytes of every file, to prove a failed run wrote nothing."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def run_node(root: Path, entry: str = "main.js") -> str:
    """The program's stdout; a crash fails the test with node's stderr."""
    return _run(["node", entry], root)


def run_python(root: Path, entry: str = "main.py") -> str:
    """The program's stdout, run without writing bytecode into the project."""
    return _run([sys.executable, "-B", entry], root)


def _run(command: list[str], root: Path) -> str:
    proc = subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, f"{' '.join(command)} failed in {root}:\n{proc.stderr}"
    return proc.stdout


@dataclass
class CliResult:
    code: int
    stdout: str
    stderr: str

    @property
    def report(self) -> dict:
        """The --json report printed on stdout."""
        return json.loads(self.stdout)


def kimi(*args: str | Path, columns: int = 1000) -> CliResult:
    """Run the real CLI in a subprocess, as a user or a CI job would.

    The terminal is wide by default so messages with long temporary paths
    stay on one line and can be compared exactly.
    """
    proc = subprocess.run(
        [sys.executable, "-m", "kimi_lsp", *map(str, args)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": str(columns)},
    )
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


def rename(root: Path, *args: str | Path) -> CliResult:
    """`kimi-lsp run rename ROOT ARGS... --json`."""
    return kimi("run", "rename", root, *args, "--json")
