"""The scheduler: dependencies, retries, timeouts, concurrency and cancellation.

Workers here are small real coroutines; the scheduler cannot tell them from
the TypeScript or rope workers.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from kimi_lsp.swarm.events import GroupFinished, GroupRetrying, GroupStarted, RunState
from kimi_lsp.swarm.plan import Group, Plan
from kimi_lsp.swarm.scheduler import GroupError, GroupResult, Scheduler, TransientError


class Recorder:
    """An event sink that keeps every event and folds them into a RunState."""

    def __init__(self):
        self.events: list = []
        self.state = RunState("run", "test", 2)

    def __call__(self, event) -> None:
        self.events.append(event)
        self.state.apply(event)

    def of(self, kind: type) -> list:
        return [e for e in self.events if isinstance(e, kind)]

    def finished(self) -> dict[str, str]:
        return {e.group_id: e.status for e in self.of(GroupFinished)}


def scheduler(recorder: Recorder, **options) -> Scheduler:
    return Scheduler(sink=recorder, backoff=0.001, **options)


def groups(*specs: str) -> list[Group]:
    """`"g2<g1"` is a group g2 that comes after g1."""
    out = []
    for spec in specs:
        gid, _, after = spec.partition("<")
        out.append(Group(gid, f"group {gid}", modify=[f"{gid}.js"], after=after.split(",") if after else []))
    return out


async def test_groups_run_after_the_groups_they_depend_on():
    recorder, order = Recorder(), []

    async def work(group: Group, agent: int) -> GroupResult:
        order.append(f"start {group.id}")
        await asyncio.sleep(0.01 if group.id == "g1" else 0)
        order.append(f"end {group.id}")
        return GroupResult()

    outcomes = await scheduler(recorder, agents=4).run(groups("g3<g2", "g2<g1", "g1"), work)

    assert order == ["start g1", "end g1", "start g2", "end g2", "start g3", "end g3"]
    assert {gid: o.status for gid, o in outcomes.items()} == {"g1": "ok", "g2": "ok", "g3": "ok"}


async def test_independent_groups_do_not_wait_for_each_other():
    recorder, running, most = Recorder(), set(), 0
    gate = asyncio.Event()

    async def work(group: Group, agent: int) -> GroupResult:
        nonlocal most
        running.add(group.id)
        most = max(most, len(running))
        if len(running) == 3:
            gate.set()
        await asyncio.wait_for(gate.wait(), 5)
        running.discard(group.id)
        return GroupResult()

    await scheduler(recorder, agents=3).run(groups("g1", "g2", "g3"), work)

    assert most == 3


async def test_a_failed_dependency_skips_its_dependents_transitively():
    recorder, ran = Recorder(), []

    async def work(group: Group, agent: int) -> GroupResult:
        ran.append(group.id)
        if group.id == "g1":
            raise GroupError("cannot rename here")
        return GroupResult()

    outcomes = await scheduler(recorder).run(groups("g1", "g2<g1", "g3<g2", "g4"), work)

    assert sorted(ran) == ["g1", "g4"]
    assert {gid: (o.status, o.error) for gid, o in outcomes.items()} == {
        "g1": ("failed", "cannot rename here"),
        "g2": ("skipped", "skipped: g1 did not finish"),
        "g3": ("skipped", "skipped: g2 did not finish"),
        "g4": ("ok", None),
    }
    assert recorder.finished() == {"g1": "failed", "g2": "skipped", "g3": "skipped", "g4": "ok"}
    assert recorder.state.counts() == {"failed": 1, "skipped": 2, "ok": 1}


async def test_transient_errors_are_retried_until_the_group_succeeds():
    recorder, attempts = Recorder(), []

    async def work(group: Group, agent: int) -> GroupResult:
        attempts.append(agent)
        if len(attempts) < 3:
            raise TransientError(f"sidecar crashed ({len(attempts)})")
        return GroupResult(notes=["done"])

    outcomes = await scheduler(recorder, retries=2).run(groups("g1"), work)

    assert outcomes["g1"].status == "ok"
    assert outcomes["g1"].result.notes == ["done"]
    assert len(set(attempts)) == 1  # the group keeps its agent between attempts
    assert [e.attempt for e in recorder.of(GroupStarted)] == [1, 2, 3]
    assert [(e.attempt, e.error) for e in recorder.of(GroupRetrying)] == [
        (2, "sidecar crashed (1)"),
        (3, "sidecar crashed (2)"),
    ]
    assert recorder.state.groups["g1"].attempts == 3


async def test_a_group_fails_with_the_last_error_once_retries_are_spent():
    recorder, calls = Recorder(), 0

    async def work(group: Group, agent: int) -> GroupResult:
        nonlocal calls
        calls += 1
        raise TransientError(f"rate limited ({calls})")

    outcomes = await scheduler(recorder, retries=1).run(groups("g1"), work)

    assert calls == 2
    assert (outcomes["g1"].status, outcomes["g1"].error) == ("failed", "rate limited (2)")


async def test_group_errors_are_not_retried():
    recorder, calls = Recorder(), 0

    async def work(group: Group, agent: int) -> GroupResult:
        nonlocal calls
        calls += 1
        raise GroupError("no identifier there")

    outcomes = await scheduler(recorder, retries=3).run(groups("g1"), work)

    assert calls == 1
    assert (outcomes["g1"].status, outcomes["g1"].error) == ("failed", "no identifier there")
    assert recorder.of(GroupRetrying) == []


async def test_a_group_that_times_out_is_retried_then_fails():
    recorder, calls = Recorder(), 0

    async def work(group: Group, agent: int) -> GroupResult:
        nonlocal calls
        calls += 1
        await asyncio.sleep(60)
        return GroupResult()

    outcomes = await scheduler(recorder, group_timeout=0.05, retries=1).run(groups("g1"), work)

    assert calls == 2
    assert (outcomes["g1"].status, outcomes["g1"].error) == ("failed", "timed out after 0.05s")
    assert [e.error for e in recorder.of(GroupRetrying)] == ["timed out after 0.05s"]


async def test_a_crashing_worker_fails_its_group_not_the_run():
    recorder = Recorder()

    async def work(group: Group, agent: int) -> GroupResult:
        if group.id == "g1":
            raise ValueError("worker bug")
        return GroupResult()

    outcomes = await scheduler(recorder).run(groups("g1", "g2"), work)

    assert (outcomes["g1"].status, outcomes["g1"].error) == ("failed", "internal error: ValueError('worker bug')")
    assert outcomes["g2"].status == "ok"


@pytest.mark.parametrize("agents", [1, 3])
async def test_concurrency_never_exceeds_the_number_of_agents(agents):
    recorder, running, most, seen_agents = Recorder(), set(), 0, set()

    async def work(group: Group, agent: int) -> GroupResult:
        nonlocal most
        assert agent not in running, "two groups share an agent"
        running.add(agent)
        seen_agents.add(agent)
        most = max(most, len(running))
        await asyncio.sleep(0.005)
        running.discard(agent)
        return GroupResult()

    outcomes = await scheduler(recorder, agents=agents).run(groups(*[f"g{i}" for i in range(12)]), work)

    assert most == agents
    assert seen_agents == set(range(1, agents + 1))
    assert all(o.status == "ok" for o in outcomes.values())


async def test_cancelling_the_run_stops_every_group_quickly():
    recorder, started, stopped = Recorder(), asyncio.Event(), []

    async def work(group: Group, agent: int) -> GroupResult:
        if len(recorder.of(GroupStarted)) == 2:
            started.set()
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            stopped.append(group.id)
            raise
        return GroupResult()

    run = asyncio.create_task(
        scheduler(recorder, agents=2).run(groups("g1", "g2", "g3", "g4<g1", "g5<g4"), work)
    )
    await asyncio.wait_for(started.wait(), 5)
    began = time.monotonic()
    run.cancel()

    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(run, 5)

    assert time.monotonic() - began < 2  # generous: it should take milliseconds
    assert sorted(stopped) == ["g1", "g2"]
    assert recorder.finished() == {g: "cancelled" for g in ["g1", "g2", "g3", "g4", "g5"]}


async def test_cancelling_during_a_retry_backoff_stops_the_group():
    recorder = Recorder()

    async def work(group: Group, agent: int) -> GroupResult:
        raise TransientError("flaky")

    slow = Scheduler(sink=recorder, backoff=3600, retries=5)
    run = asyncio.create_task(slow.run(groups("g1"), work))
    while not recorder.of(GroupRetrying):
        await asyncio.sleep(0.001)
    run.cancel()

    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(run, 5)
    assert recorder.finished() == {"g1": "cancelled"}


# ---------------------------------------------------------------- plans


def test_plan_waves_follow_dependencies():
    plan = Plan("rename", "/p", groups("g1", "g2<g1", "g3", "g4<g2,g3"), "tsc")

    assert [[g.id for g in wave] for wave in plan.waves()] == [["g1", "g3"], ["g2"], ["g4"]]


def test_plan_with_a_dependency_cycle_is_refused():
    plan = Plan("rename", "/p", groups("g1<g2", "g2<g1", "g3"), "tsc")

    with pytest.raises(ValueError, match="group dependencies form a cycle: g1, g2"):
        plan.waves()


def test_spec_markdown_tags_independent_and_dependent_groups():
    first, second = groups("g1", "g2<g1")
    first.instructions = ["RENAME SYMBOL getUser -> fetchUser (declared at api.js#getUser)"]
    second.rename = [("util.js", "lib/util.js")]
    plan = Plan("rename", "/p", [first, second], "tsc --noEmit -p tsconfig.json")

    assert plan.spec_markdown() == (
        "# Plan: rename in /p\n"
        "\n"
        "2 group(s) in 2 wave(s).\n"
        "Verification: `tsc --noEmit -p tsconfig.json`\n"
        "\n"
        "## g1: group g1 [INDEPENDENT]\n"
        "\n"
        "- RENAME SYMBOL getUser -> fetchUser (declared at api.js#getUser)\n"
        "- MODIFY g1.js\n"
        "- VERIFY `tsc --noEmit -p tsconfig.json`\n"
        "\n"
        "## g2: group g2 [AFTER g1]\n"
        "\n"
        "- RENAME util.js -> lib/util.js\n"
        "- MODIFY g2.js\n"
        "- VERIFY `tsc --noEmit -p tsconfig.json`\n"
    )
    assert [g["independent"] for g in plan.to_json()] == [True, False]
