"""kimi-lsp js-to-ts against airbnb's ts-migrate, side by side, on real npm packages.

    python bench/migration/run.py [--repeat N] [NAME ...]

For each package: `npm pack NAME@VERSION` (tarballs are cached in
bench/results/migration, never committed), unpack, install its runtime
dependencies, and record what a behaviour script prints. Then migrate two
copies, one with `kimi-lsp run js-to-ts`, one with `ts-migrate init + rename +
migrate` (bench/migration/node_modules, TypeScript 5.9.3 pinned), and measure
for each: wall time, `any` types, suppressions, and tsc errors. Finally the
kimi-lsp result is compiled back to JavaScript with tsc and must print exactly
what the original printed. With --repeat N the two tools run N times each,
alternating, and the wall time is the median (this machine is shared, so
single runs wobble); the counts are the same every run. Results go to
bench/results/migration/results.json (the latest per package) and a markdown
table on stdout (docs/migration.md holds a copy).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
RESULTS = REPO / "bench" / "results" / "migration"
# Outside any git repository: each package is its own project, as a user would have it.
WORK = Path(tempfile.gettempdir()) / "kimi-lsp-migration-bench"
TSC = ["node", str(REPO / "kimi_lsp" / "ts" / "node_modules" / "typescript" / "bin" / "tsc")]
KIMI_TYPES = str(REPO / "kimi_lsp" / "ts" / "node_modules" / "@types")
TS_MIGRATE = HERE / "node_modules" / ".bin" / "ts-migrate"


@dataclass(frozen=True)
class Package:
    name: str
    version: str
    kind: str
    behaviour: str  # script in bench/migration/behaviour, run as `node SCRIPT PACKAGE_DIR`


PACKAGES = [
    Package("semver", "7.6.3", "CommonJS utility library", "semver.js"),
    Package("commander", "12.1.0", "CommonJS CLI library", "commander.js"),
    Package("express", "4.21.2", "CommonJS web framework", "express.js"),
    Package("node-fetch", "3.3.2", "ES module HTTP client", "node-fetch.js"),
    Package("mocha", "10.8.2", "CommonJS test runner", "mocha.js"),
    Package("knex", "3.1.0", "CommonJS SQL query builder", "knex.js"),
]


@dataclass
class Outcome:
    tool: str
    seconds: float  # the median over the runs
    runs: int
    files: int
    any: int
    unknown: int  # counted apart: the type-safe top type, not in "any + supp."
    suppressions: int
    tsc_errors: int
    same_behaviour: bool | None = None


def run(cmd: list[str], cwd: Path, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed in {cwd}:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    return proc


def fetch(package: Package) -> Path:
    """The unpacked package with its runtime dependencies installed; reproducible from the pinned version."""
    tarball = RESULTS / "tarballs" / f"{package.name}-{package.version}.tgz"
    if not tarball.exists():
        tarball.parent.mkdir(parents=True, exist_ok=True)
        proc = run(["npm", "pack", f"{package.name}@{package.version}", "--json", "--pack-destination", str(tarball.parent)], REPO)
        (tarball.parent / json.loads(proc.stdout)[0]["filename"]).rename(tarball)
    original = WORK / package.name / "original"
    if not original.exists():
        original.parent.mkdir(parents=True, exist_ok=True)
        with tarfile.open(tarball) as archive:
            archive.extractall(original.parent, filter="data")
        (original.parent / "package").rename(original)
        run(["npm", "install", "--omit=dev", "--ignore-scripts", "--no-audit", "--no-fund", "--no-package-lock"], original)
    return original


def behaviour(package: Package, root: Path) -> str:
    proc = run(["node", str(HERE / "behaviour" / package.behaviour), str(root)], root, check=False)
    return f"exit {proc.returncode}\n{proc.stdout}"


def fresh_copy(original: Path, tool: str) -> Path:
    dest = original.parent / tool
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(original, dest, symlinks=True)
    return dest


def counts(root: Path) -> dict:
    return json.loads(run(["node", str(HERE / "count.js"), str(root)], HERE).stdout)


def tsc_errors(root: Path, config: str = "tsconfig.json") -> int:
    proc = run([*TSC, "--noEmit", "-p", config, "--typeRoots", KIMI_TYPES], root, check=False)
    return sum("error TS" in line for line in proc.stdout.splitlines())


def with_kimi(package: Package, original: Path, expected: str) -> Outcome:
    root = fresh_copy(original, "kimi")
    started = time.monotonic()
    proc = run([sys.executable, "-m", "kimi_lsp", "run", "js-to-ts", str(root), "--json"], REPO, check=False)
    seconds = time.monotonic() - started
    if not proc.stdout.strip():
        raise RuntimeError(f"kimi-lsp on {package.name} failed: {proc.stderr[-2000:]}")
    report = json.loads(proc.stdout)
    if report["status"] != "ok":
        raise RuntimeError(f"kimi-lsp on {package.name}: {report['message']}")
    found = counts(root)
    outcome = Outcome("kimi-lsp", seconds, 1, found["files"], found["any"], found["unknown"], found["suppressions"], tsc_errors(root))
    # files kept as JavaScript are inputs, not outputs: compile only the TypeScript, in place
    run([*TSC, "-p", "tsconfig.json", "--noEmit", "false", "--allowJs", "false", "--typeRoots", KIMI_TYPES], root, check=False)
    outcome.same_behaviour = behaviour(package, root) == expected
    return outcome


def with_ts_migrate(package: Package, original: Path) -> Outcome:
    root = fresh_copy(original, "ts-migrate")
    started = time.monotonic()
    # `ts-migrate init` is `npx tsc --init` in the folder; run that tsc directly (npx would go to the network)
    run(["node", str(HERE / "node_modules" / "typescript" / "bin" / "tsc"), "--init"], root)
    run([str(TS_MIGRATE), "rename", str(root)], HERE)
    # exits non-zero when its last plugin, eslint-fix, finds no ESLint config; the migration itself is written
    run([str(TS_MIGRATE), "migrate", str(root)], HERE, check=False)
    seconds = time.monotonic() - started
    found = counts(root)
    return Outcome("ts-migrate", seconds, 1, found["files"], found["any"], found["unknown"], found["suppressions"], tsc_errors(root))


def table(results: list[dict]) -> str:
    lines = [
        "| package | kind | files | tool | wall s (median) | runs | `any` | suppressions | any + supp. | `unknown` | tsc errors | same behaviour |",
        "| --- | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for entry in results:
        for outcome in entry["outcomes"]:
            same = {True: "yes", False: "NO", None: "not run"}[outcome["same_behaviour"]]
            lines.append(
                f"| {entry['package']}@{entry['version']} | {entry['kind']} | {outcome['files']} | {outcome['tool']} "
                f"| {outcome['seconds']:.1f} | {outcome.get('runs', 1)} | {outcome['any']} | {outcome['suppressions']} "
                f"| {outcome['any'] + outcome['suppressions']} | {outcome.get('unknown', '')} | {outcome['tsc_errors']} | {same} |"
            )
    return "\n".join(lines)


def ratios(results: list[dict]) -> str:
    """kimi-lsp against each ts-migrate row: how many times fewer anys plus suppressions, how many times faster."""
    lines = []
    for entry in results:
        kimi, *others = entry["outcomes"]
        kimi_total = max(1, kimi["any"] + kimi["suppressions"])
        parts = [f"{(o['any'] + o['suppressions']) / kimi_total:.1f}x fewer anys plus suppressions than {o['tool']}, {_speed(o, kimi)}" for o in others]
        lines.append(f"- {entry['package']}: kimi-lsp has " + "; ".join(parts))
    return "\n".join(lines)


def _speed(other: dict, kimi: dict) -> str:
    ratio = other["seconds"] / kimi["seconds"]
    return f"{ratio:.1f}x faster" if ratio >= 1 else f"{1 / ratio:.1f}x slower"


def main(names: list[str], repeat: int = 1) -> int:
    if not TS_MIGRATE.exists():
        run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], HERE)
    chosen = [p for p in PACKAGES if not names or p.name in names]
    results = []
    for package in chosen:
        original = fetch(package)
        expected = behaviour(package, original)
        runs = [lambda: with_kimi(package, original, expected), lambda: with_ts_migrate(package, original)]
        rounds = [[measure() for measure in runs] for _ in range(repeat)]  # alternating, so load hits both alike
        outcomes = []
        for tool in range(len(runs)):
            last = rounds[-1][tool]
            last.seconds, last.runs = statistics.median(r[tool].seconds for r in rounds), repeat
            outcomes.append(last)
        results.append({**asdict(package), "package": package.name, "outcomes": [asdict(o) for o in outcomes]})
        for outcome in outcomes:
            print(f"{package.name}: {asdict(outcome)}", file=sys.stderr)
    load = Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else []
    print(f"load average at the end: {' '.join(load)} on {os.cpu_count()} cores", file=sys.stderr)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stored = RESULTS / "results.json"
    latest = {entry["package"]: entry for entry in (json.loads(stored.read_text()) if stored.exists() else [])}
    latest |= {entry["package"]: entry for entry in results}
    order = [p.name for p in PACKAGES]
    results = sorted(latest.values(), key=lambda e: order.index(e["package"]) if e["package"] in order else len(order))
    stored.write_text(json.dumps(results, indent=2))
    print(table(results))
    print()
    print(ratios(results))
    return 0 if all(r["outcomes"][0]["tsc_errors"] == 0 and r["outcomes"][0]["same_behaviour"] for r in results) else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="kimi-lsp js-to-ts against ts-migrate on real npm packages")
    parser.add_argument("names", nargs="*", help="packages to run (default: all)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per tool, alternating; wall time is the median")
    args = parser.parse_args()
    sys.exit(main(args.names, args.repeat))
