"""The editor's view: responsiveness during a 100-agent run, and the server's memory.

1. Responsiveness: a real `kimi-lsp serve` runs an `instruct` refactor with
   100 agents against the scripted model (1 s per request), while the client
   keeps asking for code actions and `kimi.swarm.status`. We report p50/p99
   latency and how many `kimi/swarmStatus` notifications arrive per second.
2. Memory: the same server renames a symbol used in every file of a
   generated 5,000-file project; we sample the peak RSS of the server and of
   its TypeScript sidecar.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.lsp_client import StdioClient
from bench.model_swarm import REPLACE, ServerProcess, make_project

SERVER = [sys.executable, "-m", "kimi_lsp", "serve"]
CAPABILITIES = {"window": {"workDoneProgress": True}, "workspace": {"workspaceEdit": {"documentChanges": True}}}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def responsiveness(groups: int, agents: int) -> dict:
    script = {"latency": 1.0, "conversations": [{"match": "PLAN", "turns": [{"content": "no plan"}]}, REPLACE]}

    async def with_model() -> dict:
        with tempfile.TemporaryDirectory(prefix="kimi-bench-") as tmp:
            provider = ServerProcess(script, Path(tmp))
            async with provider as base_url:
                return await asyncio.to_thread(drive, Path(tmp), base_url)

    def drive(tmp: Path, base_url: str) -> dict:
        project = tmp / "project"
        project.mkdir()
        make_project(project, groups)
        env = {**os.environ, "KIMI_API_KEY": "bench-key", "XDG_STATE_HOME": str(tmp / "state")}
        client = StdioClient(SERVER, project, CAPABILITIES, env=env)
        document = project / "m000.py"
        client.open(document, "python")
        started = time.monotonic()
        reply = client.request("workspace/executeCommand", {"command": "kimi.swarm.start", "arguments": [{
            "refactor": "instruct", "instruction": "say hi", "files": ["*.py"], "filesPerGroup": 1, "agents": agents,
            "settings": {"baseUrl": base_url, "stream": True, "requestTimeout": 60},
        }]})
        run_id = reply["result"]["runId"]
        latencies: dict[str, list[float]] = {"textDocument/codeAction": [], "kimi.swarm.status": []}
        status = "running"
        while status == "running" and time.monotonic() - started < 600:
            t = time.monotonic()
            client.request("textDocument/codeAction", {
                "textDocument": {"uri": document.as_uri()},
                "range": {"start": {"line": 0, "character": 2}, "end": {"line": 0, "character": 2}},
                "context": {"diagnostics": []},
            })
            latencies["textDocument/codeAction"].append(time.monotonic() - t)
            t = time.monotonic()
            snap = client.request("workspace/executeCommand", {"command": "kimi.swarm.status", "arguments": [{"runId": run_id}]})
            latencies["kimi.swarm.status"].append(time.monotonic() - t)
            status = snap["result"]["status"] if snap["result"]["phase"] == "done" else "running"
            time.sleep(0.02)
        elapsed = time.monotonic() - started
        client.close()
        stamps = [t for t, n in client.notifications if n["method"] == "kimi/swarmStatus"]
        per_second: dict[int, int] = {}
        for stamp in stamps:
            per_second[int(stamp - started)] = per_second.get(int(stamp - started), 0) + 1
        return {
            "status": status,
            "run_seconds": round(elapsed, 1),
            "latency_ms": {
                name: {"p50": round(1000 * statistics.median(v), 1), "p99": round(1000 * percentile(v, 0.99), 1), "n": len(v)}
                for name, v in latencies.items()
            },
            "status_notifications_per_second": {"max": max(per_second.values(), default=0),
                                                "mean": round(len(stamps) / elapsed, 1)},
        }

    return asyncio.run(with_model())


class PeakRss:
    """Samples the peak resident memory of a process and its children from /proc."""

    def __init__(self, pid: int):
        self.pid = pid
        self.peaks: dict[str, int] = {}
        self.running = True
        self.thread = threading.Thread(target=self.sample, daemon=True)
        self.thread.start()

    def sample(self) -> None:
        while self.running:
            for pid, name in [(self.pid, "server"), *((c, "sidecar") for c in children(self.pid))]:
                try:
                    status = Path(f"/proc/{pid}/status").read_text()
                except OSError:
                    continue
                rss = [int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS")]
                if rss:  # an exiting process has none
                    self.peaks[name] = max(self.peaks.get(name, 0), rss[0])
            time.sleep(0.05)

    def stop(self) -> dict[str, float]:
        self.running = False
        self.thread.join()
        return {name: round(kib / 1024, 1) for name, kib in self.peaks.items()}


def children(pid: int) -> list[int]:
    """Child processes started by any of the process's threads (the engine has its own)."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def memory(files: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="kimi-bench-") as tmp:
        project = Path(tmp) / "project"
        (project / "src").mkdir(parents=True)
        (project / "src" / "core.js").write_text("export function shared(x) {\n  return x * 2;\n}\n")
        for i in range(files):
            (project / "src" / f"f{i}.js").write_text(
                f"import {{ shared }} from './core.js';\nexport const v{i} = shared({i});\n"
            )
        env = {**os.environ, "XDG_STATE_HOME": str(Path(tmp) / "state")}
        client = StdioClient(SERVER, project, {**CAPABILITIES, "workspace": {"workspaceEdit": {"documentChanges": True}}}, env=env)
        sampler = PeakRss(client.proc.pid)
        started = time.monotonic()
        reply = client.request("workspace/executeCommand", {"command": "kimi.swarm.start", "arguments": [{
            "refactor": "rename", "renames": [{"target": "src/core.js#shared", "new": "twice"}], "review": "branch",
        }]})
        run_id = reply["result"]["runId"]
        while True:
            snap = client.request("workspace/executeCommand", {"command": "kimi.swarm.status", "arguments": [{"runId": run_id}]})
            if snap["result"]["phase"] == "done":
                break
            time.sleep(0.2)
        elapsed = time.monotonic() - started
        peaks = sampler.stop()
        changed = len(snap["result"]["report"]["files_changed"])
        client.close()
    return {"files": files, "files_changed": changed, "seconds": round(elapsed, 1), "peak_rss_mib": peaks}


def run(quick: bool = False) -> dict:
    groups, agents, files = (100, 100, 1000) if quick else (200, 100, 5000)
    repeats = 1 if quick else 3
    samples = [responsiveness(groups, agents) for _ in range(repeats)]
    mem = memory(files)

    def med(path):
        values = [path(s) for s in samples]
        return statistics.median(values)

    rows = [
        f"| `{name}` | {med(lambda s: s['latency_ms'][name]['p50'])} ms | {med(lambda s: s['latency_ms'][name]['p99'])} ms |"
        for name in ("textDocument/codeAction", "kimi.swarm.status")
    ]
    table = "\n".join([
        f"An `instruct` run of {groups} groups on {agents} agents against the scripted model (1 s per request), "
        f"median of {repeats} runs; the client asks continuously while it runs.",
        "",
        "| request | p50 | p99 |",
        "| --- | --- | --- |",
        *rows,
        "",
        f"`kimi/swarmStatus` notifications: at most {med(lambda s: s['status_notifications_per_second']['max'])} "
        f"in any one second (mean {med(lambda s: s['status_notifications_per_second']['mean'])}/s).",
        "",
        f"Memory: renaming a symbol used in all {mem['files']} files of a generated project "
        f"({mem['files_changed']} files changed, {mem['seconds']} s): peak RSS "
        + ", ".join(f"{name} {mib} MiB" for name, mib in mem["peak_rss_mib"].items()) + ".",
    ])
    return {"name": "editor", "table": table, "data": {"responsiveness": samples, "memory": mem}}
