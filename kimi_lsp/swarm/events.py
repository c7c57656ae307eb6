"""Typed events the engine emits, and the run snapshot both adapters render.

The engine never talks to an editor or a terminal. It emits these events; the
language server turns snapshots into `kimi/swarmStatus` and `$/progress`, and
the CLI turns them into a progress bar.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable


@dataclass(frozen=True)
class RunPhase:
    phase: str  # planning | running | merging | verifying | done


@dataclass(frozen=True)
class GroupQueued:
    group_id: str
    files: tuple[str, ...]
    after: tuple[str, ...] = ()


@dataclass(frozen=True)
class GroupStarted:
    group_id: str
    agent: int
    attempt: int = 1


@dataclass(frozen=True)
class GroupFinished:
    group_id: str
    status: str  # ok | failed | skipped | cancelled
    seconds: float
    error: str | None = None
    files_changed: tuple[str, ...] = ()


@dataclass(frozen=True)
class GroupRetrying:
    group_id: str
    attempt: int
    error: str
    delay: float


@dataclass(frozen=True)
class AgentStats:
    """A model agent's counters for its group so far; each event replaces the last."""

    group_id: str
    agent: int
    steps: int = 0
    tool_calls: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    requests: int = 0
    retries: int = 0

    def to_json(self) -> dict:
        return {
            "agent": self.agent,
            "steps": self.steps,
            "toolCalls": self.tool_calls,
            "tokensIn": self.tokens_in,
            "tokensOut": self.tokens_out,
            "requests": self.requests,
            "retries": self.retries,
        }


Event = RunPhase | GroupQueued | GroupStarted | GroupFinished | GroupRetrying | AgentStats
EventSink = Callable[[Event], None]


@dataclass
class GroupState:
    id: str
    files: list[str]
    after: list[str]
    status: str = "queued"
    agent: int | None = None
    attempts: int = 0
    started: float | None = None
    seconds: float = 0.0
    error: str | None = None
    files_changed: list[str] = field(default_factory=list)


class RunState:
    """A live picture of one run, folded from its events."""

    def __init__(self, run_id: str, refactor: str, agents: int):
        self.run_id = run_id
        self.refactor = refactor
        self.agents = agents
        self.phase = "planning"
        self.status = "running"
        self.started = time.monotonic()
        self.finished: float | None = None
        self.groups: dict[str, GroupState] = {}
        self.message: str | None = None
        self.version = 0
        self.agent_stats: dict[str, AgentStats] = {}  # group id -> latest model agent counters

    def apply(self, event: Event) -> None:
        self.version += 1
        match event:
            case RunPhase(phase):
                self.phase = phase
            case GroupQueued(gid, files, after):
                self.groups[gid] = GroupState(gid, list(files), list(after))
            case GroupStarted(gid, agent, attempt):
                g = self.groups[gid]
                g.status, g.agent, g.attempts, g.started = "running", agent, attempt, time.monotonic()
            case GroupRetrying(gid, attempt, error, _):
                g = self.groups[gid]
                g.status, g.error = "retrying", error
            case GroupFinished(gid, status, seconds, error, changed):
                g = self.groups[gid]
                g.status, g.seconds, g.error, g.files_changed = status, seconds, error, list(changed)
            case AgentStats():
                self.agent_stats[event.group_id] = event

    def finish(self, status: str, message: str | None = None) -> None:
        self.version += 1
        self.status, self.phase, self.message = status, "done", message
        self.finished = time.monotonic()

    def elapsed(self) -> float:
        return (self.finished or time.monotonic()) - self.started

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for g in self.groups.values():
            counts[g.status] = counts.get(g.status, 0) + 1
        return counts

    def model_totals(self) -> dict | None:
        """Model agents' counters summed over the run, or None when no model ran."""
        if not self.agent_stats:
            return None
        totals = {key: 0 for key in ("steps", "toolCalls", "tokensIn", "tokensOut", "requests", "retries")}
        for stats in self.agent_stats.values():
            for key, value in stats.to_json().items():
                if key in totals:
                    totals[key] += value
        return totals

    def snapshot(self) -> dict:
        """A JSON-ready snapshot; this is the `kimi/swarmStatus` payload."""
        now = time.monotonic()
        snapshot = {
            "runId": self.run_id,
            "refactor": self.refactor,
            "status": self.status,
            "phase": self.phase,
            "message": self.message,
            "elapsed": round(self.elapsed(), 3),
            "agents": self.agents,
            "totals": {"groups": len(self.groups), **self.counts()},
            "groups": [
                {
                    "id": g.id,
                    "status": g.status,
                    "files": g.files,
                    "after": g.after,
                    "agent": g.agent,
                    "attempts": g.attempts,
                    "elapsed": round(now - g.started if g.status == "running" and g.started else g.seconds, 3),
                    "error": g.error,
                }
                for g in self.groups.values()
            ],
        }
        if self.agent_stats:
            snapshot["model"] = self.model_totals()
            for group in snapshot["groups"]:
                if group["id"] in self.agent_stats:
                    group["model"] = self.agent_stats[group["id"]].to_json()
        return snapshot
