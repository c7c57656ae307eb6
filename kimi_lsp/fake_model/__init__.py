"""A scripted stand-in for an OpenAI-compatible model provider.

    kimi-lsp fake-model --port P --script FILE
    kimi-lsp fake-model --port P --replay RECORDING.jsonl

It lets tests, benchmarks and demos run model-backed refactors without a
hosted model: point `KIMI_BASE_URL` at the URL it prints.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from kimi_lsp.fake_model.script import Script, ScriptError
from kimi_lsp.fake_model.server import FakeModelServer

__all__ = ["FakeModelServer", "Script", "ScriptError", "add_arguments", "main"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port to listen on; 0 picks a free one")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--script", type=Path, metavar="FILE", help="a JSON script of answers and faults")
    source.add_argument("--replay", type=Path, metavar="FILE", help="a JSON-lines recording to answer from")


def main(args: argparse.Namespace) -> int:
    """Serve until interrupted; the first line on stdout is the base URL."""
    script = Script.from_file(args.script) if args.script else Script({"replay": str(args.replay)})
    try:
        asyncio.run(_serve(script, args.host, args.port))
    except KeyboardInterrupt:
        pass
    return 0


async def _serve(script: Script, host: str, port: int) -> None:
    server = FakeModelServer(script)
    await server.start(host, port)
    print(server.base_url(), flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await server.close()
        print(f"served {len(server.requests)} request(s), rejected {len(server.rejections)}", file=sys.stderr)
