"""Bulk rename: kimi-lsp against TypeScript's own language servers, side by side.

A generated TypeScript project (1,000 files by default) gets 100 renames of
exported functions, each used in several other files. The same renames go
one by one through `tsc --lsp --stdio` (typescript@7) and through
typescript-language-server (tsserver 5.9). We check that all three produce
the same edit sets, and time them.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.lsp_client import StdioClient
from bench.tools import BENCH, node_modules

ROOT = BENCH.parent


def make_project(root: Path, files: int) -> list[tuple[str, int, int, str]]:
    """Write the project; returns the renames as (file, line, character, new name)."""
    src = root / "src"
    src.mkdir(parents=True)
    (root / "tsconfig.json").write_text(json.dumps({
        "compilerOptions": {"strict": True, "target": "es2022", "module": "esnext", "moduleResolution": "bundler", "noEmit": True},
        "include": ["src"],
    }))
    for i in range(files):
        deps = sorted({(i * 7 + k * 13 + 1) % files for k in range(3)} - {i})
        imports = "".join(f"import {{ fn{j} }} from './m{j}';\n" for j in deps)
        uses = " + ".join(f"fn{j}({n})" for n, j in enumerate(deps)) or "0"
        (src / f"m{i}.ts").write_text(
            f"{imports}\nexport function fn{i}(x: number): number {{\n  return x + {i};\n}}\n\n"
            f"export const use{i} = (): number => {uses};\n"
        )
    step = max(1, files // 100)
    renames = []
    for i in range(0, files, step)[:100]:
        deps = {(i * 7 + k * 13 + 1) % files for k in range(3)} - {i}
        line = len(deps) + 2  # after the imports and a blank line
        renames.append((f"src/m{i}.ts", line, len("export function "), f"renamed{i}"))
    return renames


def normalize(root: Path, edit: dict) -> set[tuple]:
    """A WorkspaceEdit as a set of (path, start, end, text), whatever its shape."""
    out = set()
    changes = dict(edit.get("changes") or {})
    for change in edit.get("documentChanges") or []:
        if "textDocument" in change:
            changes.setdefault(change["textDocument"]["uri"], []).extend(change["edits"])
    for uri, edits in changes.items():
        path = Path(uri.replace("file://", "")).resolve().relative_to(root.resolve()).as_posix()
        for e in edits:
            r = e["range"]
            out.add((path, r["start"]["line"], r["start"]["character"], r["end"]["line"], r["end"]["character"], e["newText"]))
    return out


def via_language_server(command: list[str], root: Path, renames, init_options=None) -> tuple[float, list[set]]:
    """Renames one by one through a language server, as an editor would."""
    started = time.monotonic()
    client = StdioClient(command, root, capabilities={"workspace": {"workspaceEdit": {"documentChanges": True}}},
                         init_options=init_options)
    results, opened = [], set()
    for file, line, character, new in renames:
        path = root / file
        if file not in opened:
            client.open(path)
            opened.add(file)
        reply = client.request("textDocument/rename", {
            "textDocument": {"uri": path.as_uri()},
            "position": {"line": line - 1, "character": character},
            "newName": new,
        })
        results.append(normalize(root, reply.get("result") or {}))
    elapsed = time.monotonic() - started
    client.close()
    return elapsed, results


def via_kimi_engine(root: Path, renames, agents: int) -> tuple[float, list[set]]:
    """kimi-lsp's engine in process: plan, fan out, merge (the gate is timed separately)."""
    from kimi_lsp.refactors.rename import RenameSession, parse_request
    from kimi_lsp.swarm.workspace import Workspace

    request = parse_request({"renames": [{"target": f"{f}:{line}:{col + 1}", "new": new} for f, line, col, new in renames]})

    async def run():
        session = RenameSession(request, Workspace(root), agents)
        try:
            plan = await session.plan()
            results = await asyncio.gather(*(session.run_group(g, 1) for g in plan.groups))
        finally:
            await session.close()
        return plan, results

    started = time.monotonic()
    plan, results = asyncio.run(run())
    elapsed = time.monotonic() - started
    by_target = {}
    for group, result in zip(plan.groups, results):
        edits = {
            (c.path, e.start[0], e.start[1], e.end[0], e.end[1], e.new_text)
            for c in result.changeset.changes.values() for e in c.edits
        }
        by_target[group.task[0].file] = edits
    return elapsed, [by_target[f] for f, *_ in renames]


def via_kimi_cli(root: Path, renames, agents: int) -> float:
    """The whole `kimi-lsp run rename`: snapshot, plan, fan out, merge, tsc gate, write."""
    mapping = root.parent / "renames.json"
    mapping.write_text(json.dumps([{"target": f"{f}:{line}:{col + 1}", "new": new} for f, line, col, new in renames]))
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "kimi_lsp", "run", "rename", str(root), "--map", str(mapping), "--agents",
                    str(agents), "--json"], check=True, capture_output=True)
    return time.monotonic() - started


def run(quick: bool = False, agents: int = 8) -> dict:
    files, repeats = (200, 1) if quick else (1000, 3)
    modules = node_modules()
    servers = {
        "tsc --lsp (typescript@7)": ([ "node", str(modules / "tsgo" / "bin" / "tsc"), "--lsp", "--stdio"], None),
        "typescript-language-server": (
            ["node", str(modules / "typescript-language-server" / "lib" / "cli.mjs"), "--stdio"],
            {"tsserver": {"path": str(modules / "typescript" / "lib")}},
        ),
    }
    times: dict[str, list[float]] = {name: [] for name in ["kimi-lsp engine", "kimi-lsp run (with tsc gate)", *servers]}
    agreement: dict[str, str] = {}
    for _ in range(repeats):
        with tempfile.TemporaryDirectory(prefix="kimi-bench-") as tmp:
            root = Path(tmp) / "project"
            renames = make_project(root, files)
            elapsed, ours = via_kimi_engine(root, renames, agents)
            times["kimi-lsp engine"].append(elapsed)
            for name, (command, options) in servers.items():
                elapsed, theirs = via_language_server(command, root, renames, options)
                times[name].append(elapsed)
                same = sum(a == b for a, b in zip(ours, theirs))
                agreement[name] = f"{same}/{len(renames)} identical edit sets"
            times["kimi-lsp run (with tsc gate)"].append(via_kimi_cli(root, renames, agents))
            shutil.rmtree(root)
    medians = {name: statistics.median(values) for name, values in times.items()}
    base = medians["kimi-lsp engine"]
    rows = [
        f"| {name} | {medians[name]:.2f} s | {medians[name] / base:.1f}× | {agreement.get(name, 'reference')} |"
        for name in times
    ]
    table = "\n".join([
        f"{len(renames)} renames on a generated {files}-file TypeScript project, median of {repeats} runs, {agents} agents.",
        "",
        "| how | wall time | vs kimi-lsp engine | edits compared with kimi-lsp |",
        "| --- | --- | --- | --- |",
        *rows,
    ])
    return {"name": "rename", "table": table, "data": {"medians": medians, "times": times, "agreement": agreement}}
