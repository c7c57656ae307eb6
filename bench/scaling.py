"""Scheduler scaling: groups × agents, wall time against the ideal, CPU per group.

Every group is a worker that waits a fixed latency (the stand-in for a model
request) and returns an empty result, so what is measured is the engine's own
orchestration: the scheduler, events, run state and merging. The full model
path, through HTTP and the openai client, is the `swarm` benchmark.

ideal = max(critical path, total work / agents); efficiency = ideal / wall.
"""

from __future__ import annotations

import asyncio
import math
import statistics
import time

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


def run(quick: bool = False) -> dict:
    latency = 0.2 if quick else 1.0
    group_counts = [1, 10, 100, 1000]
    agent_counts = [1, 8, 32, 100, 128]
    repeats = 1 if quick else 3
    cells = {}
    for groups in group_counts:
        for agents in agent_counts:
            if math.ceil(groups / agents) * latency > 30:  # one agent through 1,000 groups says nothing new
                continue
            samples = [measure(groups, agents, latency) for _ in range(repeats)]
            cells[(groups, agents)] = {
                "efficiency": statistics.median(s["efficiency"] for s in samples),
                "cpu_ms_per_group": statistics.median(s["cpu_ms_per_group"] for s in samples),
                "wall": statistics.median(s["wall"] for s in samples),
            }
    header = "| groups \\ agents | " + " | ".join(str(a) for a in agent_counts) + " |"
    rows = [header, "|" + " --- |" * (len(agent_counts) + 1)]
    for groups in group_counts:
        row = [f"| {groups} "]
        for agents in agent_counts:
            cell = cells.get((groups, agents))
            row.append(f"{cell['efficiency']:.2f} ({cell['cpu_ms_per_group']:.2f} ms)" if cell else "—")
        rows.append(" | ".join(row) + " |")
    worst_cpu = max(c["cpu_ms_per_group"] for (g, _), c in cells.items() if g >= 10)
    at_100 = [c["efficiency"] for (g, a), c in cells.items() if a == 100 and g >= 100]
    table = "\n".join([
        f"Each group waits {latency:g} s (a stand-in for a model request); median of {repeats} runs. "
        "Each cell: efficiency = ideal / wall (ideal = max(critical path, work / agents)), "
        "and the engine's CPU time per group. — : skipped, it would wait over 30 s and show nothing new.",
        "",
        *rows,
        "",
        f"At 100 agents (100 groups or more) efficiency is {min(at_100):.2f} or better (target ≥ 0.9); "
        f"From 10 groups up, orchestration costs at most {worst_cpu:.2f} ms of CPU per group (target < 1 ms); "
        "a single group also pays for starting the event loop.",
    ])
    return {"name": "scaling", "table": table, "data": {f"{g}x{a}": c for (g, a), c in cells.items()}}
