"""The headless adapter: the same engine as the server, for scripts and CI.

    kimi-lsp serve [--tcp HOST:PORT]
    kimi-lsp fake-model --port P --script FILE
    kimi-lsp plan REFACTOR PATH [options]
    kimi-lsp run REFACTOR PATH [options] [--agents N] [--dry-run] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from kimi_lsp import __version__, fake_model
from kimi_lsp.errors import UserError
from kimi_lsp.refactors import REFACTORS, get_refactor
from kimi_lsp.swarm.engine import DEFAULT_AGENTS, RunOptions, RunResult, execute, new_run_id
from kimi_lsp.swarm.events import Event, GroupFinished, RunPhase, RunState
from kimi_lsp.swarm.scheduler import MAX_AGENTS
from kimi_lsp.swarm.workspace import Workspace

EXIT_USAGE = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kimi-lsp", description="Swarm refactors for editors and the command line.")
    parser.add_argument("--version", action="version", version=f"kimi-lsp {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log details to stderr")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="speak LSP on stdio (or TCP)")
    serve.add_argument("--tcp", metavar="HOST:PORT", help="listen on TCP instead of stdio")
    fake_model.add_arguments(commands.add_parser("fake-model", help="serve a scripted OpenAI-compatible model for tests"))

    for name, help_text in [("plan", "print the plan as spec markdown; changes nothing"), ("run", "run a refactor")]:
        sub = commands.add_parser(name, help=help_text)
        sub.add_argument("refactor", choices=sorted(REFACTORS), help="which refactor")
        sub.add_argument("path", type=Path, help="the project root; other paths are relative to it")
        for refactor in REFACTORS.values():
            refactor.add_arguments(sub)
        sub.add_argument("--agents", type=int, default=DEFAULT_AGENTS, help=f"parallel sub-agents (1-{MAX_AGENTS})")
        sub.add_argument("--json", action="store_true", help="print a machine-readable report")
        if name == "run":
            sub.add_argument("--dry-run", action="store_true", help="print a unified diff instead of writing")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING, stream=sys.stderr)
    if args.command == "serve":
        from kimi_lsp.server import serve

        return serve(args.tcp)
    err = Console(stderr=True)
    try:
        if args.command == "fake-model":
            return fake_model.main(args)
        if not 1 <= args.agents <= MAX_AGENTS:
            raise UserError(f"--agents must be between 1 and {MAX_AGENTS}")
        refactor = get_refactor(args.refactor)
        request = refactor.parse(refactor.request_from_args(args))
        ws = Workspace(args.path)
        session = refactor.session(request, ws, args.agents)
        if args.command == "plan":
            return asyncio.run(_plan(session, args))
        return asyncio.run(_run(refactor.name, session, ws, args, err))
    except UserError as error:
        err.print(f"[red]error:[/red] {error}", highlight=False)
        return EXIT_USAGE
    except KeyboardInterrupt:
        err.print("cancelled; nothing was applied")
        return 130


async def _plan(session, args) -> int:
    try:
        plan = await session.plan()
    finally:
        await session.close()
    if args.json:
        print(json.dumps({"spec": plan.spec_markdown(), "groups": plan.to_json()}, indent=2))
    else:
        print(plan.spec_markdown(), end="")
    return 1 if plan.conflicts else 0


async def _run(name: str, session, ws: Workspace, args, err: Console) -> int:
    state = RunState(new_run_id(), name, args.agents)
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("groups"),
        TimeElapsedColumn(),
        console=err,
        disable=args.json,
    )
    bar = progress.add_task(f"{name}: planning", total=None)

    def on_event(event: Event) -> None:
        state.apply(event)
        if isinstance(event, RunPhase):
            progress.update(bar, description=f"{name}: {event.phase}")
        counts = state.counts()
        finished = sum(n for s, n in counts.items() if s not in ("queued", "running", "retrying"))
        progress.update(bar, total=len(state.groups) or None, completed=finished)
        if isinstance(event, GroupFinished) and event.status != "ok":
            progress.console.print(f"  {event.group_id} {event.status}: {event.error}", highlight=False)

    with progress:
        result = await execute(name, session, state, on_event, RunOptions(agents=args.agents))
        progress.update(bar, description=f"{name}: {result.status}")
    return deliver(result, ws, args, err)


def deliver(result: RunResult, ws: Workspace, args, err: Console) -> int:
    """Write, diff or report the result, and pick the exit code."""
    report = result.report()
    if result.status in ("ok", "partial") and not result.changeset.is_empty():
        if args.dry_run:
            diff = result.changeset.unified_diff(ws.read)
            if args.json:
                report["diff"] = diff
            else:
                sys.stdout.write(diff)
        else:
            try:
                report["files_written"] = result.changeset.write(ws.root)
            except UserError as error:
                report["status"], report["message"] = "failed", str(error)
                report["files_changed"] = []
    report["dry_run"] = bool(args.dry_run)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        _print_report(report, err)
    return 0 if report["status"] == "ok" else 1


def _print_report(report: dict, err: Console) -> None:
    colour = {"ok": "green", "partial": "yellow"}.get(report["status"], "red")
    err.print(f"[{colour}]{report['status']}[/{colour}]: {report['message']}", highlight=False)
    for group in report["groups"]:
        mark = "✓" if group["status"] == "ok" else "✗"
        err.print(f"  {mark} {group['id']} {group['title']} ({group['seconds']:.2f}s){' - ' + group['error'] if group['error'] else ''}", highlight=False)
    for conflict in report["conflicts"]:
        err.print(f"  conflict {conflict['path']}: {conflict['message']}", highlight=False)
    for skip in report["skipped"]:
        err.print(f"  skipped {skip['path']}: {skip['reason']}", highlight=False)
    verification = report["verification"]
    if verification:
        err.print(
            f"  verification: {verification['command']}: {verification['errors_before']} -> {verification['errors_after']} errors",
            highlight=False,
        )
        for line in verification["new_errors"]:
            err.print(f"    {line}", highlight=False)
    action = "would change" if report["dry_run"] else "changed"
    for path in report["files_changed"]:
        err.print(f"  {action} {path}", highlight=False)
    err.print(f"  {report['agents']} agents, {report['wall_seconds']:.2f}s", highlight=False)
