"""Where the benchmarks' reference tools live, installed on first use."""

from __future__ import annotations

import subprocess
from pathlib import Path

BENCH = Path(__file__).resolve().parent


def node_modules() -> Path:
    """bench/node_modules, with typescript@7, typescript 5.9 and typescript-language-server."""
    modules = BENCH / "node_modules"
    if not (modules / "typescript-language-server").is_dir() or not (modules / "tsgo").is_dir():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=BENCH, check=True)
    return modules
