"""Run kimi-lsp's benchmark suite and regenerate the tables in docs/performance.md.

    python -m bench                 # every benchmark, full size
    python -m bench --quick         # smaller inputs, fewer repeats (a smoke run)
    python -m bench rename editor   # only these

Each benchmark measures its contenders side by side in one run, prints a
table with ratios, writes bench/results/<name>.json, and replaces the block
between `<!-- bench:<name> -->` and `<!-- /bench:<name> -->` in
docs/performance.md.
"""

from __future__ import annotations

import argparse
import importlib
import json
import platform
import re
import time
from pathlib import Path

from bench.tools import BENCH

BENCHMARKS = {
    "scaling": "bench.scaling",
    "swarm": "bench.model_swarm",
    "editor": "bench.editor",
    "rename": "bench.rename",
    "migration": "bench.ts_migrate",
}
DOC = BENCH.parent / "docs" / "performance.md"


def update_doc(name: str, table: str) -> None:
    text = DOC.read_text()
    block = f"<!-- bench:{name} -->\n{table}\n<!-- /bench:{name} -->"
    pattern = re.compile(rf"<!-- bench:{name} -->.*?<!-- /bench:{name} -->", re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _: block, text)
    else:
        text += f"\n{block}\n"
    DOC.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help=f"benchmarks to run: {', '.join(BENCHMARKS)} (default: all)")
    parser.add_argument("--quick", action="store_true", help="smaller inputs and fewer repeats")
    args = parser.parse_args()
    unknown = set(args.names) - set(BENCHMARKS)
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    results = BENCH / "results"
    results.mkdir(exist_ok=True)
    for name in args.names or list(BENCHMARKS):
        module = importlib.import_module(BENCHMARKS[name])
        started = time.monotonic()
        result = module.run(quick=args.quick)
        result["seconds"] = round(time.monotonic() - started, 1)
        result["machine"] = f"{platform.machine()}, {platform.python_version()}, quick={args.quick}"
        print(f"\n## {name} ({result['seconds']} s)\n\n{result['table']}\n", flush=True)
        (results / f"{name}.json").write_text(json.dumps(result, indent=2, default=str))
        update_doc(name, result["table"])


if __name__ == "__main__":
    main()
