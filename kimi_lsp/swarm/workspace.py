"""A run's view of the user's files: listing, reading, and path safety.

Unsaved editor buffers (overlays) are the source of truth for open files; the
disk is read for everything else. Every path a run touches is checked to stay
inside the workspace root, symlinks included.
"""

from __future__ import annotations

import functools
import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from kimi_lsp.errors import UserError
from kimi_lsp.swarm.changeset import content_hash

MAX_FILE_BYTES = 2 * 1024 * 1024
ALWAYS_SKIPPED_DIRS = {".git", "node_modules", ".venv", "__pycache__", ".hg", ".svn"}


class WorkspaceError(UserError):
    """A path or file the run cannot use; the message is for the user."""


@dataclass
class Workspace:
    root: Path
    overlays: dict[str, str] = field(default_factory=dict)  # relative path -> unsaved text
    _files: list[str] | None = None
    _texts: dict[str, tuple[tuple[int, int], str]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.root = Path(self.root).resolve()
        if not self.root.is_dir():
            raise WorkspaceError(f"{self.root} is not a directory")

    def relative(self, path: str | Path) -> str:
        """A user-supplied path as a workspace-relative POSIX path, or an error."""
        raw = Path(path)
        full = raw if raw.is_absolute() else self.root / raw
        resolved = full.resolve()
        if not resolved.is_relative_to(self.root):
            raise WorkspaceError(f"{path} is outside the workspace {self.root}")
        lexical = Path(os.path.normpath(full))
        if not lexical.is_relative_to(self.root):
            raise WorkspaceError(f"{path} is outside the workspace {self.root}")
        return lexical.relative_to(self.root).as_posix()

    def absolute(self, relative: str) -> str:
        return str(self.root / relative)

    def exists(self, relative: str) -> bool:
        return relative in self.overlays or (self.root / relative).is_file()

    def read(self, relative: str) -> str:
        """Text of a file, unsaved buffer first; refuses binary, huge and non-UTF-8 files.

        Planning reads the same files many times, so texts are cached for as
        long as the file's size and modification time stay the same.
        """
        if relative in self.overlays:
            return self.overlays[relative]
        path = self.root / relative
        try:
            stat = path.stat()
        except OSError:
            raise WorkspaceError(f"{relative} does not exist") from None
        key = (stat.st_mtime_ns, stat.st_size)
        cached = self._texts.get(relative)
        if cached and cached[0] == key:
            return cached[1]
        text = self._read_text(relative, path, stat.st_size)
        self._texts[relative] = (key, text)
        return text

    def _read_text(self, relative: str, path: Path, size: int) -> str:
        if size > MAX_FILE_BYTES:
            raise WorkspaceError(f"{relative} is larger than {MAX_FILE_BYTES // 1024 // 1024} MiB")
        data = path.read_bytes()
        if b"\0" in data:
            raise WorkspaceError(f"{relative} is a binary file")
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise WorkspaceError(f"{relative} is not UTF-8 text") from None

    def hash(self, relative: str) -> str:
        return content_hash(self.read(relative))

    def files(self) -> list[str]:
        """Every file in the workspace, respecting .gitignore."""
        if self._files is None:
            self._files = _git_files(self.root)
            if self._files is None:
                self._files = _walk_files(self.root)
            self._files = sorted(set(self._files) | set(self.overlays))
        return self._files

    def source_files(self, suffixes: tuple[str, ...]) -> list[str]:
        return [f for f in self.files() if f.endswith(suffixes)]


def _git_files(root: Path) -> list[str] | None:
    """Files git would track here, or None outside git or in an ignored folder."""
    try:
        ignored = subprocess.run(["git", "check-ignore", "-q", "."], cwd=root, capture_output=True, check=False)
        if ignored.returncode == 0:
            return None
        proc = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", "."],
            cwd=root,
            capture_output=True,
            check=False,
        )
    except OSError:
        return None
    if proc.returncode != 0:
        return None
    names = [n for n in proc.stdout.decode("utf-8", "replace").split("\0") if n]
    return [
        n
        for n in names
        if (root / n).is_file() and not (root / n).is_symlink() and not (set(Path(n).parts) & ALWAYS_SKIPPED_DIRS)
    ]


def _walk_files(root: Path) -> list[str]:
    """Listing for folders outside git: honours .gitignore files on the way down."""
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        rules = _ignore_rules(root, here)
        dirnames[:] = sorted(
            d for d in dirnames if d not in ALWAYS_SKIPPED_DIRS and not _ignored(rules, (here / d).relative_to(root), True)
        )
        for name in sorted(filenames):
            rel = (here / name).relative_to(root)
            if not _ignored(rules, rel, False) and not (here / name).is_symlink():
                out.append(rel.as_posix())
    return out


def _ignore_rules(root: Path, directory: Path) -> list[tuple[Path, str]]:
    """Rules from root down to directory, so deeper and later rules win, as in git."""
    rules = []
    folders = [directory, *directory.parents]
    for folder in reversed(folders[: folders.index(root) + 1]):
        ignore = folder / ".gitignore"
        if ignore.is_file():
            for line in ignore.read_text(errors="replace").splitlines():
                line = line.strip()
                if line and not line.startswith("#"):
                    rules.append((folder.relative_to(root), line))
    return rules


def _ignored(rules: list[tuple[Path, str]], rel: Path, is_dir: bool) -> bool:
    ignored = False
    for base, pattern in rules:
        negate = pattern.startswith("!")
        pattern = pattern.removeprefix("!")
        if pattern.endswith("/"):
            if not is_dir:
                continue
            pattern = pattern.rstrip("/")
        try:
            local = rel.relative_to(base).as_posix()
        except ValueError:
            continue
        # A slash at the start or in the middle anchors a pattern to its .gitignore's folder.
        subject = local if "/" in pattern else rel.name
        if _glob(pattern.lstrip("/")).fullmatch(subject):
            ignored = not negate
    return ignored


@functools.lru_cache(maxsize=None)
def _glob(pattern: str) -> re.Pattern:
    """A gitignore glob as a regex: `*`, `?` and `[...]` stop at `/`; `**` crosses folders."""
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "[" and "]" in pattern[i + 2 :]:
            end = pattern.index("]", i + 2)
            body = pattern[i + 1 : end]
            out.append("[" + ("^" + body[1:] if body.startswith("!") else body) + "]")
            i = end + 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out))
