"""Model swarm benchmarks against the scripted fake model (no hosted model needed).

    python bench/model_swarm.py scaling      # 200 groups, 100 agents, 1 s per request
    python bench/model_swarm.py ratelimit    # a requests-per-window limit: adaptive vs fixed concurrency
    python bench/model_swarm.py              # both

Each group is a real `instruct` group: its agent edits its file (one request)
and finishes (a second request), through the real `openai` client over HTTP.
Scaling is measured with whole and with streamed answers (streaming is the
default setting); rate limits with a provider that sends x-ratelimit-*
headers and with one that does not.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kimi_lsp.agents.model import ModelClient  # noqa: E402
from kimi_lsp.agents.ratelimit import AdaptiveLimiter, RequestBudget  # noqa: E402
from kimi_lsp.refactors.instruct import InstructSession, parse_request  # noqa: E402
from kimi_lsp.swarm.engine import RunOptions, execute  # noqa: E402
from kimi_lsp.swarm.events import RunState  # noqa: E402
from kimi_lsp.swarm.workspace import Workspace  # noqa: E402

REPLACE = {"rule": {"replace": {"old": "hello", "new": "hi"}}}
REQUESTS_PER_GROUP = 2


class FixedLimiter(AdaptiveLimiter):
    """The baseline: a fixed number of requests in flight; each 429 is only retried after its Retry-After.

    It ignores the provider's x-ratelimit-* headers, as a client that only
    retries does.
    """

    def rate_limited(self, retry_after: float | None) -> None:
        self.rejections += 1

    def provider_said(self, headers, answered_before: int) -> None:
        return None


def make_project(root: Path, groups: int) -> None:
    for i in range(groups):
        (root / f"m{i:03}.py").write_text(f'GREETING_{i} = "hello"\n')


class ServerProcess:
    """The fake provider (kimi_lsp.fake_model) in its own process, as a real provider would be."""

    def __init__(self, script: dict, tmp: Path):
        self.script_path = tmp / "script.json"
        self.script_path.write_text(json.dumps(script))
        self.log = tmp / "arrivals.json"

    async def __aenter__(self) -> str:
        code = (
            "import asyncio, json, sys, time\n"
            "from kimi_lsp.fake_model import FakeModelServer, Script\n"
            "async def main():\n"
            f"    server = FakeModelServer(Script.from_file({str(self.script_path)!r}))\n"
            "    await server.start()\n"
            "    print(server.base_url(), flush=True)\n"
            "    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)\n"
            f"    times = {{'arrivals': server.arrivals, 'rejections': server.rejections, 'admissions': server.admissions}}\n"
            f"    open({str(self.log)!r}, 'w').write(json.dumps(times))\n"
            "asyncio.run(main())\n"
        )
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-c", code, stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=ROOT
        )
        return (await self.proc.stdout.readline()).decode().strip()

    async def __aexit__(self, *exc) -> None:
        self.proc.stdin.write(b"\n")
        await self.proc.stdin.drain()
        await self.proc.wait()
        data = json.loads(self.log.read_text())
        self.arrivals, self.rejections, self.admissions = data["arrivals"], data["rejections"], data["admissions"]


async def run_groups(script: dict, groups: int, agents: int, limiter: AdaptiveLimiter | None = None, stream: bool = False):
    """One instruct run of `groups` one-file groups; returns (result, server, CPU seconds kimi-lsp spent in the run)."""
    os.environ.setdefault("KIMI_API_KEY", "bench-key")
    with tempfile.TemporaryDirectory(prefix="kimi-bench-") as tmp:
        server = ServerProcess(script, Path(tmp))
        async with server as base_url:
            result, cpu = await _run(base_url, Path(tmp) / "project", groups, agents, limiter, stream)
    return result, server, cpu


async def _run(base_url: str, project: Path, groups: int, agents: int, limiter: AdaptiveLimiter | None, stream: bool):
    project.mkdir()
    make_project(project, groups)
    request = parse_request(
        {
            "instruction": "say hi",
            "files": ["*.py"],
            "filesPerGroup": 1,
            "settings": {"baseUrl": base_url, "stream": stream, "requestTimeout": 60},
        }
    )
    session = InstructSession(request, Workspace(project), agents)
    session.client = ModelClient(session.settings, limiter or AdaptiveLimiter(agents), RequestBudget(None), agents=agents)
    state = RunState("bench", "instruct", agents)
    cpu = time.process_time()
    result = await execute("instruct", session, state, state.apply, RunOptions(agents=agents))
    return result, time.process_time() - cpu


async def scaling(groups: int = 200, agents: int = 100, latency: float = 1.0, stream: bool = False) -> dict:
    script = {"latency": latency, "conversations": [{"match": "PLAN", "turns": [{"content": "no plan"}]}, REPLACE]}
    result, server, cpu = await run_groups(script, groups, agents, stream=stream)
    worker_arrivals = sorted(server.arrivals[1:])  # the first request is the planner's
    start = worker_arrivals[0]
    first_wave = worker_arrivals[agents - 1] - start if len(worker_arrivals) >= agents else None
    work = groups * REQUESTS_PER_GROUP * latency
    ideal = max(REQUESTS_PER_GROUP * latency, work / agents)
    return {
        "status": result.status,
        "groups": groups,
        "agents": agents,
        "fan_out_seconds": round(result.running_seconds, 2),
        "ideal_seconds": round(ideal, 2),
        "ratio_to_ideal": round(result.running_seconds / ideal, 3),
        "all_agents_busy_after_seconds": round(first_wave, 3) if first_wave is not None else None,
        "speedup_vs_sequential": result.report()["speedup"],
        "cpu_ms_per_request": round(1000 * cpu / len(server.arrivals), 2),
    }


async def rate_limit(limit: int, window: float, latency: float, groups: int, agents: int, adaptive: bool, headers: bool = True) -> dict:
    """One run against a provider enforcing `limit` requests per `window`, with or without x-ratelimit-* headers."""
    script = {
        "latency": latency,
        "rate_limit": {"requests": limit, "per_seconds": window, "headers": headers},
        "conversations": [{"match": "PLAN", "turns": [{"content": "no plan"}]}, REPLACE],
    }
    limiter = AdaptiveLimiter(agents) if adaptive else FixedLimiter(agents)
    result, server, _ = await run_groups(script, groups, agents, limiter)
    start, end = server.arrivals[0], server.arrivals[-1]
    # Steady state: after the first window, where a fresh sliding window admits a burst.
    steady_arrivals = [t for t in server.arrivals if t >= start + window]
    steady_rejections = [t for t in server.rejections if t >= start + window]
    return {
        "mode": ("adaptive" if adaptive else "fixed") + " concurrency" + ("" if headers else ", provider sends no rate-limit headers"),
        "status": result.status,
        "requests": len(server.arrivals),
        "rejected": len(server.rejections),
        "rejected_share": round(len(server.rejections) / len(server.arrivals), 3),
        "steady_rejected_share": round(len(steady_rejections) / len(steady_arrivals), 3) if steady_arrivals else None,
        "throughput_share_of_limit": throughput_share(server.admissions, limit, window),
        "seconds": round(end - start, 1),
    }


def throughput_share(admissions: list[float], limit: int, window: float) -> float | None:
    """How close the admitted requests came to the most a sliding window of `limit` per `window` lets through.

    Such a window admits `limit` requests at once, then the next `limit` a
    whole window later, and so on: N requests need at least
    window × (⌈N / limit⌉ − 1) seconds from the first admission to the last.
    The share is that least time over the time taken (1.0 = the limit's full
    rate). Unlike requests per second over a stretch of the run, it cannot
    exceed 1 because of a burst at a window's edge.
    """
    if len(admissions) <= limit:
        return None
    least = window * (math.ceil(len(admissions) / limit) - 1)
    return round(least / (admissions[-1] - admissions[0]), 3)


def run(quick: bool = False) -> dict:
    """Both benchmarks, as `python -m bench swarm` runs them; returns a markdown table and the data."""
    groups, agents = (100, 50) if quick else (200, 100)
    limit, window = (60, 6.0) if quick else (100, 10.0)
    repeats = 1 if quick else 3
    scaled = {stream: median_run(groups, agents, stream, repeats) for stream in (False, True)}
    modes = [(True, True), (True, False), (False, True)]  # (adaptive, headers); fixed concurrency ignores headers
    limited = [asyncio.run(rate_limit(limit, window, 0.5, groups, 64, adaptive, headers)) for adaptive, headers in modes]
    rows = ["| benchmark | measured | target |", "| --- | --- | --- |"]
    for stream, samples in scaled.items():
        scale = samples[len(samples) // 2]
        spread = f" (of {repeats} runs: {samples[0]['ratio_to_ideal']}–{samples[-1]['ratio_to_ideal']}×)" if repeats > 1 else ""
        rows.append(
            f"| scaling: {groups} groups × 2 requests of 1 s, {agents} agents, {'streamed' if stream else 'whole'} answers "
            f"| median fan-out {scale['fan_out_seconds']} s vs ideal {scale['ideal_seconds']} s = **{scale['ratio_to_ideal']}×**{spread}; "
            f"all agents busy after {scale['all_agents_busy_after_seconds']} s; "
            f"{scale['cpu_ms_per_request']} ms of kimi-lsp CPU per request | ≤ 1.1×; busy within 1 s |"
        )
    for outcome in limited:
        rows.append(
            f"| rate limit {limit}/{window:g} s, 64 agents, {outcome['mode']} | "
            f"throughput **{outcome['throughput_share_of_limit']:.0%}** of the limit; "
            f"**{outcome['rejected_share']:.1%}** of requests rejected over the whole run "
            f"({outcome['steady_rejected_share']:.1%} after the first window) | ≥ 90%, < 5% |"
        )
    data = {"scaling": scaled[False], "scaling_streamed": scaled[True], "rate_limit": limited}
    return {"name": "swarm", "table": "\n".join(rows), "data": data}


def median_run(groups: int, agents: int, stream: bool, repeats: int) -> list[dict]:
    """`repeats` scaling runs, sorted by their ratio to the ideal (the middle one is the median)."""
    runs = [asyncio.run(scaling(groups=groups, agents=agents, stream=stream)) for _ in range(repeats)]
    return sorted(runs, key=lambda run: run["ratio_to_ideal"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("which", nargs="?", choices=["scaling", "ratelimit", "all"], default="all")
    parser.add_argument("--rpm", type=int, default=600, help="requests the fake provider allows per window")
    parser.add_argument("--window", type=float, default=60.0, help="the provider's window in seconds")
    parser.add_argument("--groups", type=int, default=200)
    args = parser.parse_args()
    if args.which in ("scaling", "all"):
        print("scaling (1 s per request, 2 requests per group):", asyncio.run(scaling(groups=args.groups)))
    if args.which in ("ratelimit", "all"):
        for adaptive, headers in [(True, True), (True, False), (False, True)]:
            outcome = asyncio.run(rate_limit(args.rpm, args.window, 0.5, args.groups, 64, adaptive, headers))
            print(f"rate limit {args.rpm}/{args.window:g}s:", outcome)


if __name__ == "__main__":
    main()
