"""js-to-ts against airbnb's ts-migrate, for `python -m bench migration`.

The work is done by bench/migration/run.py (also runnable on its own); this
adapter picks the packages and returns its table for docs/performance.md.
"""

from __future__ import annotations

import json

from bench.migration import run as migration


def run(quick: bool = False) -> dict:
    names = ["semver", "commander"] if quick else []
    status = migration.main(names, repeat=1 if quick else 3)
    results = json.loads((migration.RESULTS / "results.json").read_text())
    table = render(results)
    return {"name": "migration", "table": table, "data": {"results": results, "all_zero_errors_same_behaviour": status == 0}}


def render(results: list[dict]) -> str:
    return "\n".join([
        "Real npm packages, both tools on the same copy, on this machine; the wall time is the median of the "
        "runs, the two tools alternating (details and the behaviour checks: docs/migration.md).",
        "",
        migration.table(results),
        "",
        migration.ratios(results),
    ])
