"""Swarm scaling: groups × agents, wall time against the ideal, CPU per group.

Two grids. In the first, every group is a worker that waits a fixed latency
(the stand-in for a model request) and returns an empty result, so what is
measured is the engine's own orchestration: the scheduler, events, run state
and merging. In the second, every group is a real `instruct` group against
the scripted model (`kimi-lsp fake-model` in its own process, 1 s per request
and 40 tokens/s, streamed): two requests through HTTP and the openai client,
the edit, and the group's check.

ideal = max(critical path, total work / agents); efficiency = ideal / wall.
For the model grid the critical path is one group run alone on one agent
(measured first), and the work is that times the number of groups.
"""

from __future__ import annotations

import asyncio
import math
import statistics
import time

from bench.model_swarm import REPLACE, run_groups

from kimi_lsp.swarm.changeset import Changeset
from kimi_lsp.swarm.engine import RunOptions, execute
from kimi_lsp.swarm.events import RunState
from kimi_lsp.swarm.plan import Group, Plan
from kimi_lsp.swarm.scheduler import GroupResult
from kimi_lsp.swarm.verify import Verification


class WaitingSession:
    """A refactor whose groups only wait, like agents waiting on a model."""

    def __init__(self, groups: int, latency: float):
        self.groups = groups
        self.latency = latency

    async def plan(self) -> Plan:
        groups = [Group(f"g{i}", f"group {i}", modify=[f"f{i}.py"]) for i in range(self.groups)]
        return Plan("scaling", "/bench", groups, "none")

    async def run_group(self, group: Group, agent: int) -> GroupResult:
        await asyncio.sleep(self.latency)
        return GroupResult(Changeset())

    async def verify(self, changeset: Changeset) -> Verification:
        return Verification("none")

    async def close(self) -> None:
        return None


def measure(groups: int, agents: int, latency: float) -> dict:
    session = WaitingSession(groups, latency)
    state = RunState("bench", "scaling", agents)
    cpu, wall = time.process_time(), time.monotonic()
    result = asyncio.run(execute("scaling", session, state, state.apply, RunOptions(agents=agents)))
    wall, cpu = time.monotonic() - wall, time.process_time() - cpu
    ideal = max(latency, groups * latency / agents)
    return {
        "groups": groups,
        "agents": agents,
        "status": result.status,
        "wall": wall,
        "ideal": ideal,
        "efficiency": ideal / wall,
        "cpu_ms_per_group": 1000 * cpu / groups,
    }


MODEL_SCRIPT = {
    "latency": 1.0,
    "tokens_per_second": 40,
    "conversations": [{"match": "PLAN", "turns": [{"content": "no plan"}]}, REPLACE],
}


def measure_model(groups: int, agents: int, alone: float | None = None) -> dict:
    """One instruct run through the scripted model; `alone` is one group's time on one agent (the critical path)."""
    result, _server, cpu = asyncio.run(run_groups(MODEL_SCRIPT, groups, agents, stream=True))
    wall = result.running_seconds
    alone = alone or wall
    ideal = max(alone, groups * alone / agents)
    return {"groups": groups, "agents": agents, "status": result.status, "wall": wall, "ideal": ideal,
            "efficiency": ideal / wall, "cpu_ms_per_group": 1000 * cpu / groups}


GROUP_COUNTS = [1, 10, 100, 1000]
AGENT_COUNTS = [1, 8, 32, 100, 128]


def grid(measure_cell, group_seconds: float, repeats: int, group_counts: list[int] = GROUP_COUNTS) -> dict:
    """The median of `repeats` runs per cell, skipping cells that would take over 30 s of waiting in one run."""
    cells = {}
    for groups in group_counts:
        for agents in AGENT_COUNTS:
            if math.ceil(groups / agents) * group_seconds > 30:  # one agent through 1,000 groups says nothing new
                continue
            samples = [measure_cell(groups, agents) for _ in range(repeats)]
            if any(s["status"] != "ok" for s in samples):
                raise RuntimeError(f"{groups} groups on {agents} agents: {[s['status'] for s in samples]}")
            cells[(groups, agents)] = {
                "efficiency": statistics.median(s["efficiency"] for s in samples),
                "cpu_ms_per_group": statistics.median(s["cpu_ms_per_group"] for s in samples),
                "wall": statistics.median(s["wall"] for s in samples),
            }
    return cells


def grid_table(cells: dict) -> list[str]:
    header = "| groups \\ agents | " + " | ".join(str(a) for a in AGENT_COUNTS) + " |"
    rows = [header, "|" + " --- |" * (len(AGENT_COUNTS) + 1)]
    for groups in GROUP_COUNTS:
        row = [f"| {groups} "]
        for agents in AGENT_COUNTS:
            cell = cells.get((groups, agents))
            row.append(f"{cell['efficiency']:.2f} ({cell['cpu_ms_per_group']:.2f} ms)" if cell else "—")
        rows.append(" | ".join(row) + " |")
    return rows


def run(quick: bool = False) -> dict:
    latency = 0.2 if quick else 1.0
    repeats = 1 if quick else 3
    waiting = grid(lambda g, a: measure(g, a, latency), latency, repeats)
    alone = statistics.median(measure_model(1, 1)["wall"] for _ in range(repeats))
    model_repeats = 1 if quick else 2
    model = grid(lambda g, a: measure_model(g, a, alone), alone, model_repeats, GROUP_COUNTS[:-1] if quick else GROUP_COUNTS)
    worst_cpu = max(c["cpu_ms_per_group"] for (g, _), c in waiting.items() if g >= 10)
    at_100 = [c["efficiency"] for (g, a), c in waiting.items() if a == 100 and g >= 100]
    lines = [
        f"**Orchestration.** Each group waits {latency:g} s (a stand-in for a model request); median of {repeats} runs. "
        "Each cell: efficiency = ideal / wall (ideal = max(critical path, work / agents)), "
        "and the engine's CPU time per group. — : skipped, it would wait over 30 s and show nothing new.",
        "",
        *grid_table(waiting),
        "",
        f"At 100 agents (100 groups or more) efficiency is {min(at_100):.2f} or better (target ≥ 0.9); "
        f"From 10 groups up, orchestration costs at most {worst_cpu:.2f} ms of CPU per group (target < 1 ms); "
        "a single group also pays for starting the event loop.",
    ]
    model_at_100 = [c["efficiency"] for (g, a), c in model.items() if a == 100 and g >= 100]
    lines += [
        "",
        "**Through the scripted model.** Each group is an `instruct` group: two streamed requests of 1 s at "
        f"40 tokens/s through HTTP and the openai client, the edit and the group's check; one group alone takes {alone:.2f} s "
        f"(the critical path). Median of {model_repeats} runs. Each cell: efficiency, and all of kimi-lsp's CPU time per group "
        "(HTTP client, answers, tools, checks, plan and merge).",
        "",
        *grid_table(model),
        "",
        f"At 100 agents (100 groups or more) efficiency is {min(model_at_100):.2f} or better (target ≥ 0.9).",
    ]
    data = {"waiting": {f"{g}x{a}": c for (g, a), c in waiting.items()},
            "model": {f"{g}x{a}": c for (g, a), c in model.items()}, "one_group_alone_seconds": alone}
    return {"name": "scaling", "table": "\n".join(lines), "data": data}
