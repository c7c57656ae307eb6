"""The life of a run around the engine: snapshot, record, deliver, undo.

Both adapters go through here, so a run started in the editor can be applied
or undone from the CLI and the other way round.
"""

from __future__ import annotations

import asyncio
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from kimi_lsp.errors import UserError
from kimi_lsp.refactors import Refactor, get_refactor
from kimi_lsp.swarm.apply import ApplyPlan, ReadCurrent, plan_apply, plan_undo, read_disk, resume_plan, write_plan
from kimi_lsp.swarm.changeset import Changeset
from kimi_lsp.swarm.engine import RunOptions, RunResult, execute
from kimi_lsp.swarm.events import EventSink, RunState
from kimi_lsp.swarm.isolate import Snapshot, create_snapshot, discard_snapshot, unrecorded_snapshot
from kimi_lsp.swarm.store import RunRecord, RunStore, changeset_from_json, changeset_to_json
from kimi_lsp.swarm.workspace import Workspace

REVIEW_MODES = ("apply", "preview", "branch")
KEEP_RUNS = 50  # finished runs kept for review and undo; older ones are pruned when a run starts
PRUNABLE = ("pending", "applied", "undone", "discarded")


@dataclass
class StartedRun:
    record: RunRecord
    result: RunResult


class Runs:
    """Every run of one workspace: start, retry, apply, discard, undo."""

    def __init__(self, root: Path):
        self.root = Path(root).resolve()
        self.store = RunStore(self.root)

    # ------------------------------------------------------------ running

    async def run(
        self,
        refactor: Refactor,
        request: dict,
        user_ws: Workspace,
        state: RunState,
        sink: EventSink,
        options: RunOptions,
        review: str = "apply",
    ) -> StartedRun:
        """Run a refactor on an isolated snapshot and record the result."""
        await asyncio.to_thread(self.prune)
        record = RunRecord(state.run_id, refactor.name, str(self.root), request)
        self.store.create(record)
        run_dir = self.store.run_dir(record.id)
        making = asyncio.ensure_future(asyncio.to_thread(create_snapshot, user_ws, record.id, run_dir))
        try:
            snapshot, run_ws = await asyncio.shield(making)
        except BaseException:
            await asyncio.wait({making})
            if not making.cancelled() and making.exception() is None:
                await asyncio.to_thread(discard_snapshot, making.result()[0])
            self.store.remove(record.id)
            raise
        record.snapshot = snapshot.to_json()
        self.store.save(record)
        session = refactor.session(refactor.parse(request), run_ws, options.agents)
        result = await execute(refactor.name, session, state, sink, options)
        await asyncio.to_thread(self._record_result, record, result, run_ws)
        if not self.worth_keeping(result):
            await asyncio.to_thread(self.discard, record.id)
            record.delivery = "discarded"
        elif review == "branch" and result.status in ("ok", "partial") and not result.changeset.is_empty():
            if snapshot.kind == "worktree":
                await asyncio.to_thread(commit_groups, snapshot, result, self.bases(record.id))
            record.delivery = "branch"
            self.store.save(record)
        return StartedRun(record, result)

    async def retry(
        self, run_id: str, groups: list[str] | None, state: RunState, sink: EventSink, options: RunOptions
    ) -> StartedRun:
        """Re-run only the failed (or the named) groups on the run's own snapshot."""
        record = self.store.load(run_id)
        if record.delivery not in ("pending",):
            raise UserError(f"run {run_id} was already {record.delivery}; start a new run instead")
        snapshot = self._snapshot(record)
        refactor = get_refactor(record.refactor)
        run_ws = Workspace(Path(snapshot.path))
        keep = {gid: changeset_from_json(cs) for gid, cs in record.group_changesets.items()}
        if groups:
            unknown = set(groups) - {g["id"] for g in (record.report or {}).get("groups", [])}
            if unknown:
                raise UserError(f"run {run_id} has no group(s) {', '.join(sorted(unknown))}")
            keep = {gid: cs for gid, cs in keep.items() if gid not in groups}
        session = refactor.session(refactor.parse(record.request), run_ws, options.agents)
        record.status = "running"
        self.store.save(record)
        result = await execute(record.refactor, session, state, sink, options, reuse=keep)
        await asyncio.to_thread(self._record_result, record, result, run_ws)
        return StartedRun(record, result)

    @staticmethod
    def worth_keeping(result: RunResult) -> bool:
        """Keep a run that has a result, or failed groups a retry could fix; drop the rest."""
        if result.status in ("ok", "partial"):
            return not result.changeset.is_empty()
        return result.status == "failed" and any(o.status == "failed" for o in result.outcomes.values())

    def _record_result(self, record: RunRecord, result: RunResult, run_ws: Workspace) -> None:
        record.status = result.status
        record.report = result.report()
        record.changeset = changeset_to_json(result.changeset)
        record.group_changesets = {
            gid: changeset_to_json(o.result.changeset) for gid, o in result.outcomes.items() if o.status == "ok" and o.result
        }
        sources = {p for p, c in result.changeset.changes.items() if c.edits} | {m.old for m in result.changeset.moves}
        self.store.write_json(record.id, "bases.json", {p: run_ws.read(p) for p in sorted(sources)})
        self.store.save(record)

    # ------------------------------------------------------------ delivering

    def _snapshot(self, record: RunRecord) -> Snapshot:
        snapshot = record.snapshot_info()
        if snapshot is None:
            raise UserError(f"run {record.id} has no snapshot; it never started")
        return snapshot

    def bases(self, run_id: str) -> dict[str, str]:
        """The content each changed file had when the run took its snapshot."""
        return self.store.read_json(run_id, "bases.json") or {}

    def group_diffs(self, started: StartedRun, limit: int = 512 * 1024) -> dict[str, str]:
        """A reviewable diff per successful group (editors show it when a group is clicked)."""
        bases = self.bases(started.record.id)
        diffs = {}
        for gid, outcome in started.result.outcomes.items():
            if outcome.status == "ok" and outcome.result and not outcome.result.changeset.is_empty():
                try:
                    diff = outcome.result.changeset.unified_diff(bases.__getitem__)
                except KeyError:  # a group whose files were not part of the delivered result
                    continue
                if len(diff) <= limit:
                    diffs[gid] = diff
        return diffs

    def changeset(self, record: RunRecord, groups: list[str] | None = None) -> Changeset:
        """The run's result, or only the picked groups' part of it."""
        if record.status not in ("ok", "partial") or record.changeset is None:
            raise UserError(f"run {record.id} has no result to apply (status {record.status})")
        if not groups:
            return changeset_from_json(record.changeset)
        merged = Changeset()
        for gid in groups:
            if gid not in record.group_changesets:
                raise UserError(f"group {gid} of run {record.id} has no result to apply")
            conflicts = merged.merge(changeset_from_json(record.group_changesets[gid]))
            if conflicts:
                raise UserError(f"groups conflict: {conflicts[0].path}: {conflicts[0].message}")
        return merged

    def plan_apply(self, run_id: str, read_current: ReadCurrent, groups: list[str] | None = None) -> ApplyPlan:
        record = self.store.load(run_id)
        if record.delivery in ("applied", "discarded", "undone"):
            raise UserError(f"run {run_id} was already {record.delivery}")
        return plan_apply(self.changeset(record, groups), self.bases(run_id), read_current)

    def apply_to_disk(self, run_id: str, groups: list[str] | None = None) -> list[str]:
        """Write the run into the user's tree (CLI), resuming an interrupted apply."""
        record = self.store.load(run_id)
        journal = self.store.read_json(run_id, "apply.json")
        if record.delivery == "applying" and journal:
            plan = resume_plan(self.root, _plan_from_json(journal))
        else:
            plan = self.plan_apply(run_id, read_disk(self.root), groups)
            self.store.write_json(run_id, "apply.json", plan.to_undo())
        self._write(record, plan, "applied")
        return sorted(w.dest for w in plan.writes)

    def _write(self, record: RunRecord, plan: ApplyPlan, final: str) -> None:
        def journal(state: str) -> None:
            record.delivery = {"applying": "applying", "applied": final, "failed": "pending"}[state]
            self.store.save(record)

        write_plan(self.root, plan, journal)

    def mark_applied(self, run_id: str, plan: ApplyPlan) -> None:
        """The editor applied the run's WorkspaceEdit; remember how to undo it."""
        record = self.store.load(run_id)
        self.store.write_json(run_id, "apply.json", plan.to_undo())
        record.delivery = "applied"
        self.store.save(record)

    def plan_undo(self, run_id: str, read_current: ReadCurrent) -> ApplyPlan:
        record = self.store.load(run_id)
        undo = self.store.read_json(run_id, "apply.json")
        if record.delivery != "applied" or undo is None:
            raise UserError(f"run {run_id} is {record.delivery}, not applied; there is nothing to undo")
        return plan_undo(undo, read_current)

    def undo_on_disk(self, run_id: str) -> list[str]:
        record = self.store.load(run_id)
        plan = self.plan_undo(run_id, read_disk(self.root))
        self._write(record, plan, "undone")
        return sorted({w.dest for w in plan.writes} | set(plan.removes))

    def mark(self, run_id: str, delivery: str) -> None:
        record = self.store.load(run_id)
        record.delivery = delivery
        self.store.save(record)

    def discard(self, run_id: str) -> None:
        """Drop the run's snapshot, branch and record; the user's files stay as they are."""
        record = self.store.load(run_id)
        snapshot = record.snapshot_info() or unrecorded_snapshot(self.root, run_id, self.store.run_dir(run_id))
        if snapshot:
            discard_snapshot(snapshot)
        self.store.remove(run_id)

    def prune(self, keep: int = KEEP_RUNS) -> list[str]:
        """Drop all but the `keep` newest finished runs, as `discard` does; the ids dropped.

        A run still going or interrupted (it can be resumed) and a run
        delivered as a branch (the branch is the user's now) are never dropped.
        Records are read only when there are more than `keep` of them.
        Staging folders that a crash left behind are swept too.
        """
        self.store.sweep_staging()
        if self.store.count() <= keep:
            return []
        finished = [
            r for r in self.store.list()
            if r.status != "running" and r.delivery in PRUNABLE and not r.stale()
        ]
        dropped = [r.id for r in finished[: max(0, len(finished) - keep)]]
        for run_id in dropped:
            self.discard(run_id)
        return dropped

    def cleanup_snapshot(self, run_id: str) -> None:
        """After applying, the worktree is no longer needed; the record and its undo data stay."""
        record = self.store.load(run_id)
        snapshot = record.snapshot_info()
        if snapshot and record.delivery == "applied":
            discard_snapshot(snapshot)
            record.snapshot = None
            self.store.save(record)


def _plan_from_json(data: dict) -> ApplyPlan:
    from kimi_lsp.swarm.apply import FileWrite

    plan = ApplyPlan([FileWrite(w["source"], w["dest"], w["before"], w["after"]) for w in data["writes"]])
    plan.removes = list(data["removes"])
    return plan


def commit_groups(snapshot: Snapshot, result: RunResult, bases: dict[str, str]) -> None:
    """On the run's branch: one commit per group, with the group's spec as the message."""
    worktree = Path(snapshot.container)
    inner = Path(snapshot.path)
    git = _git_runner(worktree)
    if git("status", "--porcelain").strip():
        git("add", "-A")
        git("commit", "--quiet", "-m", "kimi: snapshot of uncommitted changes the run started from")
    assert result.plan
    cumulative = Changeset()
    for group in result.plan.groups:
        outcome = result.outcomes.get(group.id)
        if not outcome or outcome.status != "ok" or not outcome.result:
            continue
        changes = outcome.result.changeset
        cumulative.merge(changes)
        sources = {p for p, c in changes.changes.items() if c.edits} | {m.old for m in changes.moves}
        for source in sorted(sources):
            dest = inner / cumulative.destination(source)
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_text(cumulative.new_text(source, bases[source]), encoding="utf-8")
            if cumulative.destination(source) != source:
                (inner / source).unlink(missing_ok=True)
        for path, text in changes.creates.items():
            (inner / path).parent.mkdir(parents=True, exist_ok=True)
            (inner / path).write_text(text, encoding="utf-8")
        git("add", "-A")
        if git("status", "--porcelain").strip():
            spec = "\n".join([f"- {line}" for line in group.instructions] + [f"- MODIFY {p}" for p in group.modify])
            git("commit", "--quiet", "-m", f"kimi: {group.id} {group.title}\n\n{spec}\n\nRun {result.run_id}")


def _git_runner(cwd: Path) -> Callable[..., str]:
    identity = []
    for key, value in (("user.name", "kimi-lsp"), ("user.email", "kimi-lsp@localhost")):
        probe = subprocess.run(["git", "config", key], cwd=cwd, capture_output=True, text=True)
        if not probe.stdout.strip():
            identity += ["-c", f"{key}={value}"]

    def git(*args: str) -> str:
        proc = subprocess.run(["git", *identity, *args], cwd=cwd, capture_output=True, text=True)
        if proc.returncode != 0:
            raise UserError(f"git {args[0]} failed on the run's branch: {proc.stderr.strip()}")
        return proc.stdout

    return git
