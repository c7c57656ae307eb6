"""One swarm run, start to finish: plan, fan out, merge, verify.

The engine produces a changeset and a report. Delivering the changeset (a
WorkspaceEdit, a disk write, a diff) is the adapters' job.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from dataclasses import dataclass, field
from typing import Protocol

from kimi_lsp.errors import UserError
from kimi_lsp.swarm.changeset import Changeset, Conflict
from kimi_lsp.swarm.events import EventSink, RunPhase, RunState
from kimi_lsp.swarm.plan import Group, Plan
from kimi_lsp.swarm.scheduler import GroupOutcome, GroupResult, Scheduler, TransientError
from kimi_lsp.swarm.verify import Verification
from kimi_lsp.swarm.workspace import Workspace

log = logging.getLogger(__name__)

DEFAULT_AGENTS = 8


class Session(Protocol):
    """What a refactor provides for one run; see kimi_lsp/refactors.

    Optional extras: `validate()` (cheap checks before a run starts),
    `observe(sink)` (the run's event sink, for workers that report their own
    progress) and `admit(group)` (a reason not to start a group, or None).
    """

    async def plan(self) -> Plan: ...

    async def run_group(self, group: Group, agent: int) -> GroupResult: ...

    async def verify(self, changeset: Changeset) -> Verification: ...

    async def close(self) -> None: ...


@dataclass
class RunOptions:
    agents: int = DEFAULT_AGENTS
    group_timeout: float = 300.0
    retries: int = 2


@dataclass
class RunResult:
    run_id: str
    refactor: str
    status: str  # ok | failed | partial | cancelled
    agents: int
    changeset: Changeset = field(default_factory=Changeset)
    plan: Plan | None = None
    outcomes: dict[str, GroupOutcome] = field(default_factory=dict)
    verification: Verification | None = None
    conflicts: list[Conflict] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    message: str = ""
    wall_seconds: float = 0.0
    running_seconds: float = 0.0  # the fan-out alone, for the speedup
    model: dict | None = None  # model agents' totals, when any ran

    def report(self) -> dict:
        """The JSON report the CLI prints and the server returns from status."""
        groups = self.plan.groups if self.plan else []
        return {
            "run_id": self.run_id,
            "status": self.status,
            "refactor": self.refactor,
            "message": self.message,
            "files_changed": self.changeset.touched_paths() if self.status in ("ok", "partial") else [],
            "groups": [
                {
                    "id": g.id,
                    "title": g.title,
                    "files": g.files,
                    "status": self.outcomes[g.id].status if g.id in self.outcomes else "not run",
                    "seconds": round(self.outcomes[g.id].seconds, 3) if g.id in self.outcomes else 0.0,
                    "error": self.outcomes[g.id].error if g.id in self.outcomes else None,
                    "notes": self.outcomes[g.id].result.notes if g.id in self.outcomes and self.outcomes[g.id].result else [],
                }
                for g in groups
            ],
            "verification": self.verification.to_json() if self.verification else None,
            "conflicts": [{"path": c.path, "message": c.message} for c in self.conflicts],
            "skipped": [{"path": p, "reason": r} for p, r in sorted(self.skipped.items())],
            "agents": self.agents,
            "wall_seconds": round(self.wall_seconds, 3),
            **self.timing(),
            **({"model": self.model} if self.model else {}),
            **(self.verification.extra if self.verification else {}),  # refactor-specific fields
        }

    def timing(self) -> dict:
        """Critical path, the same groups one after another, and the speedup of the fan-out."""
        seconds = {gid: o.seconds for gid, o in self.outcomes.items()}
        path: dict[str, float] = {}
        for wave in self.plan.waves() if self.plan else []:
            for g in wave:
                path[g.id] = seconds.get(g.id, 0.0) + max((path.get(d, 0.0) for d in g.after), default=0.0)
        sequential = sum(seconds.values())
        return {
            "critical_path_seconds": round(max(path.values(), default=0.0), 3),
            "sequential_seconds": round(sequential, 3),
            "speedup": round(sequential / self.running_seconds, 2) if self.running_seconds > 0 else None,
        }


def new_run_id() -> str:
    return secrets.token_hex(4)


async def execute(
    refactor: str,
    session: Session,
    state: RunState,
    sink: EventSink,
    options: RunOptions,
    reuse: dict[str, Changeset] | None = None,
) -> RunResult:
    """Run one refactor; returns a result whose changeset passed the gate, or an empty one.

    Groups named in `reuse` are not run again: their earlier changesets are
    merged as they are (this is how a retry re-runs only failed groups).
    """
    reuse = reuse or {}
    started = time.monotonic()
    result = RunResult(state.run_id, refactor, "failed", options.agents)
    try:
        observe = getattr(session, "observe", None)  # sessions whose workers emit their own events
        if observe:
            observe(sink)
        sink(RunPhase("planning"))
        result.plan = await session.plan()
        if result.plan.conflicts:
            result.conflicts = result.plan.conflicts
            result.message = f"{len(result.conflicts)} conflicting request(s); nothing was applied"
            return result
        sink(RunPhase("running"))
        scheduler = Scheduler(
            options.agents, sink, options.group_timeout, options.retries, admit=getattr(session, "admit", None)
        )
        todo = [g for g in result.plan.groups if g.id not in reuse]
        result.outcomes = {
            g.id: GroupOutcome(g, "ok", 0.0, GroupResult(reuse[g.id])) for g in result.plan.groups if g.id in reuse
        }
        running = time.monotonic()
        result.outcomes.update(await scheduler.run(todo, session.run_group))
        result.running_seconds = time.monotonic() - running
        sink(RunPhase("merging"))
        merged = Changeset()
        for outcome in result.outcomes.values():
            if outcome.result:
                result.conflicts += outcome.result.conflicts + merged.merge(outcome.result.changeset)
                result.skipped.update(outcome.result.skipped)
        failed = [o for o in result.outcomes.values() if o.status != "ok"]
        if result.conflicts:
            result.message = f"{len(result.conflicts)} conflicting edit(s); nothing was applied"
        elif len(failed) == len(result.outcomes) and failed:
            result.message = f"all {len(failed)} group(s) failed; nothing was applied"
        else:
            sink(RunPhase("verifying"))
            result.verification = await session.verify(merged)
            if not result.verification.passed:
                result.message = f"{result.verification.failure()}; nothing was applied"
            else:
                result.changeset = merged
                result.status = "partial" if failed else "ok"
                result.message = _summary(merged, failed)
    except UserError as err:
        result.message = str(err)
    except TransientError as err:  # a worker the plan or the gate needed crashed; nothing to retry there
        result.message = f"{err}; nothing was applied"
    except asyncio.CancelledError:
        result.status, result.changeset = "cancelled", Changeset()
        result.message = "cancelled; nothing was applied"
    finally:
        await asyncio.shield(session.close())
        result.wall_seconds = time.monotonic() - started
        result.model = state.model_totals()
        state.finish(result.status, result.message)
    return result


def _summary(changeset: Changeset, failed: list[GroupOutcome]) -> str:
    text = f"{len(changeset.touched_paths())} file(s) changed"
    if failed:
        text += f"; {len(failed)} group(s) did not finish: " + "; ".join(f"{o.group.id}: {o.error}" for o in failed)
    return text
