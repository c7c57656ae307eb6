"""Run file groups on up to N parallel sub-agents, respecting dependencies.

Each group waits for the groups it comes after, then for a free agent. A group
that fails with a transient error is retried with exponential backoff and
jitter; a group whose dependency failed is skipped, and so is a group that
`admit` refuses (a spent request budget, say). Cancelling the coroutine that
runs the scheduler cancels every group at once.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from dataclasses import dataclass, field
from typing import Awaitable, Callable

from kimi_lsp.errors import UserError
from kimi_lsp.swarm.changeset import Changeset, Conflict
from kimi_lsp.swarm.events import EventSink, GroupFinished, GroupQueued, GroupRetrying, GroupStarted
from kimi_lsp.swarm.plan import Group

MAX_AGENTS = 128

log = logging.getLogger(__name__)


class TransientError(Exception):
    """A failure worth retrying: a crashed worker, a timeout, a rate limit."""


class GroupError(UserError):
    """A failure that retrying will not fix; the message is shown to the user."""


@dataclass
class GroupResult:
    changeset: Changeset = field(default_factory=Changeset)
    skipped: dict[str, str] = field(default_factory=dict)  # path -> reason
    conflicts: list[Conflict] = field(default_factory=list)  # tasks in the group whose edits disagree
    notes: list[str] = field(default_factory=list)


@dataclass
class GroupOutcome:
    group: Group
    status: str  # ok | failed | skipped | cancelled
    seconds: float = 0.0
    result: GroupResult | None = None
    error: str | None = None


Worker = Callable[[Group, int], Awaitable[GroupResult]]


@dataclass
class Scheduler:
    agents: int = 8
    sink: EventSink = lambda event: None
    group_timeout: float = 300.0
    retries: int = 2
    backoff: float = 0.25
    admit: Callable[[Group], str | None] | None = None  # checked as a group starts: a reason not to start it

    async def run(self, groups: list[Group], work: Worker) -> dict[str, GroupOutcome]:
        """Run every group; returns an outcome per group id."""
        agents = max(1, min(self.agents, MAX_AGENTS))
        free_agents: asyncio.Queue[int] = asyncio.Queue()
        for agent in range(1, agents + 1):
            free_agents.put_nowait(agent)
        done = {g.id: asyncio.Event() for g in groups}
        outcomes: dict[str, GroupOutcome] = {}
        for g in groups:
            self.sink(GroupQueued(g.id, tuple(g.files), tuple(g.after)))

        async def run_group(group: Group) -> None:
            try:
                deps = [d for d in group.after if d in done]  # others finished in an earlier attempt
                for dep in deps:
                    await done[dep].wait()
                failed = [d for d in deps if outcomes[d].status != "ok"]
                if failed:
                    outcomes[group.id] = GroupOutcome(group, "skipped", error=f"skipped: {', '.join(failed)} did not finish")
                else:
                    agent = await free_agents.get()
                    try:
                        refusal = self.admit(group) if self.admit else None
                        if refusal:
                            outcomes[group.id] = GroupOutcome(group, "skipped", error=refusal)
                        else:
                            outcomes[group.id] = await self._attempt(group, agent, work)
                    finally:
                        free_agents.put_nowait(agent)
            except asyncio.CancelledError:
                outcomes[group.id] = GroupOutcome(group, "cancelled", error="cancelled")
                raise
            finally:
                outcome = outcomes.get(group.id) or GroupOutcome(group, "cancelled", error="cancelled")
                outcomes[group.id] = outcome
                changed = tuple(outcome.result.changeset.touched_paths()) if outcome.result else ()
                self.sink(GroupFinished(group.id, outcome.status, round(outcome.seconds, 3), outcome.error, changed))
                done[group.id].set()

        tasks = [asyncio.create_task(run_group(g), name=f"group {g.id}") for g in groups]
        try:
            await asyncio.gather(*tasks)
        except asyncio.CancelledError:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise
        return outcomes

    async def _attempt(self, group: Group, agent: int, work: Worker) -> GroupOutcome:
        started = time.monotonic()
        for attempt in range(1, self.retries + 2):
            self.sink(GroupStarted(group.id, agent, attempt))
            try:
                result = await asyncio.wait_for(work(group, agent), self.group_timeout)
                return GroupOutcome(group, "ok", time.monotonic() - started, result)
            except UserError as err:  # GroupError, or e.g. Node missing: the message is for the user
                return GroupOutcome(group, "failed", time.monotonic() - started, error=str(err))
            except (TransientError, TimeoutError) as err:
                message = str(err) or f"timed out after {self.group_timeout:g}s"
                if attempt > self.retries:
                    return GroupOutcome(group, "failed", time.monotonic() - started, error=message)
                delay = self.backoff * 2 ** (attempt - 1) * random.uniform(0.5, 1.5)
                self.sink(GroupRetrying(group.id, attempt + 1, message, delay))
                await asyncio.sleep(delay)
            except Exception as err:  # a worker bug must fail its group, not the run
                log.exception("group %s crashed", group.id)
                return GroupOutcome(group, "failed", time.monotonic() - started, error=f"internal error: {err!r}")
        raise AssertionError("unreachable")
