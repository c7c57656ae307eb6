"""Runs on disk: what a run was asked, what it produced, and what it applied.

A run directory survives the process that made it, so a run can be applied,
discarded, retried or undone later, from the CLI or another server, and a run
interrupted by a crash is found again on the next start.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from kimi_lsp.errors import UserError
from kimi_lsp.swarm.changeset import Changeset, FileChange, FileMove, TextEdit
from kimi_lsp.swarm.isolate import Snapshot, state_dir

STAGING_PREFIX = ".new-"  # a run folder being created; never a run id, which is hex
STAGING_TIMEOUT = 60.0  # seconds after which a staging folder can only be a crash's leftover


def changeset_to_json(changeset: Changeset) -> dict:
    return {
        "changes": [
            {"path": c.path, "base_hash": c.base_hash, "edits": [[*e.start, *e.end, e.new_text] for e in c.edits]}
            for c in changeset.changes.values()
        ],
        "moves": [[m.old, m.new] for m in changeset.moves],
        "creates": changeset.creates,
    }


def changeset_from_json(data: dict) -> Changeset:
    changeset = Changeset()
    for change in data.get("changes", []):
        edits = [TextEdit((a, b), (c, d), text) for a, b, c, d, text in change["edits"]]
        changeset.changes[change["path"]] = FileChange(change["path"], change["base_hash"], edits)
    changeset.moves = [FileMove(old, new) for old, new in data.get("moves", [])]
    changeset.creates = dict(data.get("creates", {}))
    return changeset


@dataclass
class RunRecord:
    id: str
    refactor: str
    root: str  # the user's workspace root
    request: dict
    created: float = field(default_factory=time.time)
    status: str = "running"  # running | ok | partial | failed | cancelled
    delivery: str = "pending"  # pending | applying | applied | branch | discarded | undone
    pid: int = field(default_factory=os.getpid)
    snapshot: dict | None = None
    report: dict | None = None
    changeset: dict | None = None
    group_changesets: dict[str, dict] = field(default_factory=dict)

    def snapshot_info(self) -> Snapshot | None:
        return Snapshot(**self.snapshot) if self.snapshot else None

    def stale(self) -> bool:
        """A run whose process died before it finished or finished applying."""
        if self.status != "running" and self.delivery != "applying":
            return False
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        return self.pid != os.getpid() and _is_zombie(self.pid)

    def listing(self) -> dict:
        """What `kimi-lsp runs --json` and `kimi.swarm.runs` show of a run."""
        return {
            "runId": self.id,
            "refactor": self.refactor,
            "status": self.status,
            "delivery": self.delivery,
            "stale": self.stale(),
            "created": self.created,
            "filesChanged": (self.report or {}).get("files_changed", []),
        }

    def summary(self) -> str:
        state = "interrupted" if self.stale() else self.status
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(self.created))
        files = len((self.report or {}).get("files_changed", []))
        return f"{self.id}  {when}  {self.refactor:<8} {state:<11} {self.delivery:<10} {files} file(s)"


def _is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"
    except OSError:
        return False


def _write_atomically(path: Path, data: dict) -> None:
    """Write JSON to a temporary file beside `path`, flushed to disk, then rename it over `path`."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w") as handle:
        json.dump(data, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


class RunStore:
    """The runs of one workspace, under `.git/kimi-lsp/runs` or the user's state dir."""

    def __init__(self, root: Path):
        self.root = Path(root).resolve()
        self.dir = state_dir(self.root) / "runs"

    def run_dir(self, run_id: str) -> Path:
        return self.dir / run_id

    def create(self, record: RunRecord) -> None:
        """A new run's folder, with its record already in it.

        The record is written in a hidden staging folder that is then renamed
        into place, so a crash never leaves a run folder without a record,
        which `kimi-lsp runs` could not list and nothing would clean up; a
        staging folder left by a crash is swept by `sweep_staging`.
        """
        self.dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=self.dir, prefix=f"{STAGING_PREFIX}{record.id}."))
        _write_atomically(staging / "run.json", asdict(record))
        os.rename(staging, self.run_dir(record.id))

    def save(self, record: RunRecord) -> None:
        """Write the record atomically, so a crash never leaves half a record."""
        folder = self.run_dir(record.id)
        folder.mkdir(parents=True, exist_ok=True)
        _write_atomically(folder / "run.json", asdict(record))

    def sweep_staging(self, older_than: float = STAGING_TIMEOUT) -> None:
        """Remove staging folders that a crash left behind; `create` renames its own within milliseconds."""
        if not self.dir.is_dir():
            return
        for folder in self.dir.glob(f"{STAGING_PREFIX}*"):
            try:
                if time.time() - folder.stat().st_mtime > older_than:
                    shutil.rmtree(folder, ignore_errors=True)
            except OSError:
                continue

    def load(self, run_id: str) -> RunRecord:
        path = self.run_dir(run_id) / "run.json"
        if not isinstance(run_id, str) or "/" in run_id or not path.is_file():
            raise UserError(f"no run {run_id!r} in {self.root}; `kimi-lsp runs` lists them")
        return RunRecord(**json.loads(path.read_text()))

    def count(self) -> int:
        """How many runs are recorded, without reading them."""
        return sum(1 for folder in self._run_folders())

    def list(self) -> list[RunRecord]:
        records = []
        for folder in self._run_folders():
            try:
                records.append(RunRecord(**json.loads((folder / "run.json").read_text())))
            except (OSError, ValueError, TypeError):
                continue
        return sorted(records, key=lambda r: r.created)

    def remove(self, run_id: str) -> None:
        shutil.rmtree(self.run_dir(run_id), ignore_errors=True)

    def _run_folders(self) -> list[Path]:
        if not self.dir.is_dir():
            return []
        return [folder for folder in self.dir.iterdir() if folder.is_dir() and not folder.name.startswith(STAGING_PREFIX)]

    def write_json(self, run_id: str, name: str, data: dict) -> None:
        _write_atomically(self.run_dir(run_id) / name, data)

    def read_json(self, run_id: str, name: str) -> dict | None:
        path = self.run_dir(run_id) / name
        return json.loads(path.read_text()) if path.is_file() else None
