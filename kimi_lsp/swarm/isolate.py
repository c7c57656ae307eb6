"""Isolated snapshots: every run works on its own copy of the user's files.

In a git repository a run gets a worktree on a new branch `kimi/<run-id>`,
created from HEAD, with the user's uncommitted changes and unsaved buffers
copied over it. Outside git it gets a plain copy. The user's working tree is
not touched until the result is applied.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

import git

from kimi_lsp.errors import UserError
from kimi_lsp.swarm.verify import materialize
from kimi_lsp.swarm.workspace import ALWAYS_SKIPPED_DIRS, Workspace


class IsolationError(UserError):
    """The run's snapshot could not be made; the message says why."""


@dataclass
class Snapshot:
    kind: str  # worktree | copy
    path: str  # the snapshot's copy of the workspace root
    container: str  # what to remove on discard (the worktree root, or the copy)
    branch: str | None = None
    repo: str | None = None
    base_commit: str | None = None

    def to_json(self) -> dict:
        return asdict(self)


def _repo(root: Path) -> git.Repo | None:
    try:
        repo = git.Repo(root, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return None
    if repo.bare or not repo.head.is_valid():
        return None
    return repo


def state_dir(root: Path) -> Path:
    """Where kimi-lsp keeps runs for this workspace: inside .git, or in the user's state dir."""
    repo = _repo(root)
    if repo is not None:
        return Path(repo.git_dir) / "kimi-lsp"
    base = Path(os.environ.get("XDG_STATE_HOME", Path.home() / ".local" / "state")) / "kimi-lsp"
    return base / hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:16]


def create_snapshot(ws: Workspace, run_id: str, run_dir: Path) -> tuple[Snapshot, Workspace]:
    """Make the run's isolated copy; returns it and a Workspace rooted in it."""
    repo = _repo(ws.root)
    if repo is not None and _tracked(repo, ws.root):
        snapshot = _worktree(repo, ws, run_id, run_dir / "tree")
    else:
        dest = run_dir / "copy"
        dest.mkdir(parents=True)
        materialize(ws, None, dest)
        snapshot = Snapshot("copy", str(dest), str(dest))
    return snapshot, Workspace(Path(snapshot.path))


def unrecorded_snapshot(root: Path, run_id: str, run_dir: Path) -> Snapshot | None:
    """Where a run killed while making its snapshot (before recording it) may have left a worktree and branch.

    `git worktree add` goes on after the process that started it is killed,
    so such a run can leave both behind; `discard_snapshot` of this removes
    whatever is there.
    """
    repo = _repo(root)
    if repo is None:
        return None
    tree = run_dir / "tree"
    return Snapshot("worktree", str(tree), str(tree), f"kimi/{run_id}", str(Path(repo.working_tree_dir).resolve()))


def _tracked(repo: git.Repo, root: Path) -> bool:
    """Whether HEAD has the workspace folder; an ignored or new folder gets a plain copy."""
    rel = root.relative_to(Path(repo.working_tree_dir).resolve()).as_posix()
    return rel == "." or bool(repo.git.ls_tree("HEAD", "--", rel).strip())


def _worktree(repo: git.Repo, ws: Workspace, run_id: str, dest: Path) -> Snapshot:
    top = Path(repo.working_tree_dir).resolve()
    branch = f"kimi/{run_id}"
    try:
        repo.git.worktree("add", "--quiet", "-b", branch, str(dest), "HEAD")
    except git.GitCommandError as err:
        raise IsolationError(f"could not create a git worktree for the run: {err.stderr.strip()}") from None
    inner = dest / ws.root.relative_to(top)
    _overlay_uncommitted(repo, top, dest)
    for rel, text in ws.overlays.items():
        target = inner / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    for folder in {top, ws.root}:
        modules = folder / "node_modules"
        link = dest / folder.relative_to(top) / "node_modules"
        if modules.is_dir() and not link.exists():
            os.symlink(modules, link, target_is_directory=True)
    return Snapshot("worktree", str(inner), str(dest), branch, str(top), repo.head.commit.hexsha)


def _overlay_uncommitted(repo: git.Repo, top: Path, dest: Path) -> None:
    """Copy staged, unstaged and untracked (not ignored) changes into the worktree."""
    status = repo.git.status("--porcelain=v1", "-z", "--untracked-files=all")
    entries = status.split("\0")
    index = 0
    while index < len(entries):
        entry = entries[index]
        index += 1
        if len(entry) < 4:
            continue
        code, rel = entry[:2], entry[3:]
        if code[0] in "RC":
            index += 1  # the next entry is the rename's source path
        if set(Path(rel).parts) & ALWAYS_SKIPPED_DIRS:
            continue
        source, target = top / rel, dest / rel
        if source.is_file() and not source.is_symlink():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
        elif not source.exists() and (target.exists() or target.is_symlink()):
            target.unlink()


def discard_snapshot(snapshot: Snapshot) -> None:
    """Remove the snapshot and its branch; leaves nothing behind."""
    if snapshot.kind == "worktree" and snapshot.repo:
        repo = git.Repo(snapshot.repo)
        if Path(snapshot.container).exists():
            repo.git.worktree("remove", "--force", snapshot.container)
        repo.git.worktree("prune")
        if snapshot.branch and snapshot.branch in [h.name for h in repo.heads]:
            repo.git.branch("-D", snapshot.branch)
    else:
        shutil.rmtree(snapshot.container, ignore_errors=True)
