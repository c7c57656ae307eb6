"""The headless adapter: the same engine as the server, for scripts and CI.

    kimi-lsp serve [--tcp HOST:PORT]
    kimi-lsp fake-model --port P --script FILE
    kimi-lsp plan REFACTOR PATH [options]
    kimi-lsp run REFACTOR PATH [options] [--agents N] [--dry-run] [--branch] [--json]
    kimi-lsp runs [--path P]
    kimi-lsp apply|discard|undo|retry RUN [--path P]
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
from kimi_lsp.runs import Runs, StartedRun
from kimi_lsp.swarm.engine import DEFAULT_AGENTS, RunOptions, new_run_id
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
        _common_run_options(sub)
        if name == "run":
            delivery = sub.add_mutually_exclusive_group()
            delivery.add_argument("--dry-run", action="store_true", help="print a unified diff instead of writing")
            delivery.add_argument("--branch", action="store_true", help="commit the result on the run's branch kimi/<run-id>")

    runs = commands.add_parser("runs", help="list this workspace's runs, including interrupted ones")
    runs.add_argument("--path", type=Path, default=Path("."), help="the workspace root (default: .)")
    runs.add_argument("--json", action="store_true")
    for name, help_text in [
        ("apply", "apply a run's result (or finish an interrupted apply)"),
        ("discard", "delete a run, its snapshot and its branch"),
        ("undo", "revert what a run applied, keeping later edits"),
        ("retry", "re-run a run's failed groups, then apply (also resumes an interrupted run)"),
    ]:
        sub = commands.add_parser(name, help=help_text)
        sub.add_argument("run_id", metavar="RUN")
        sub.add_argument("--path", type=Path, default=Path("."), help="the workspace root (default: .)")
        if name in ("apply", "retry"):
            sub.add_argument("--groups", help="comma-separated group ids (default: all, or the failed ones)")
        if name == "retry":
            _common_run_options(sub)
            sub.add_argument("--dry-run", action="store_true", help=argparse.SUPPRESS)
            sub.add_argument("--branch", action="store_true", help="commit the result on the run's branch")
    return parser


def _common_run_options(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("--agents", type=int, default=DEFAULT_AGENTS, help=f"parallel sub-agents (1-{MAX_AGENTS})")
    sub.add_argument("--json", action="store_true", help="print a machine-readable report")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING, stream=sys.stderr)
    if args.command == "serve":
        from kimi_lsp.server import serve

        return serve(args.tcp)
    err = Console(stderr=True, soft_wrap=True)
    try:
        if args.command == "fake-model":
            return fake_model.main(args)
        if args.command in ("runs", "apply", "discard", "undo"):
            return manage(args, err)
        if not 1 <= args.agents <= MAX_AGENTS:
            raise UserError(f"--agents must be between 1 and {MAX_AGENTS}")
        if args.command == "retry":
            return asyncio.run(_retry(args, err))
        refactor = get_refactor(args.refactor)
        request = refactor.request_from_args(args)
        ws = Workspace(args.path)
        if args.command == "plan":
            return asyncio.run(_plan(refactor.session(refactor.parse(request), ws, args.agents), args))
        return asyncio.run(_run(refactor, request, ws, args, err))
    except UserError as error:
        err.print(f"[red]error:[/red] {error}", highlight=False)
        return EXIT_USAGE
    except KeyboardInterrupt:
        err.print("cancelled; nothing was applied")
        return 130


def manage(args, err: Console) -> int:
    """runs, apply, discard, undo: the review side of runs."""
    runs = Runs(Workspace(args.path).root)
    if args.command == "runs":
        records = runs.store.list()
        if args.json:
            print(json.dumps([r.listing() for r in records], indent=2))
        for record in records if not args.json else []:
            print(record.summary())
        return 0
    if args.command == "discard":
        runs.discard(args.run_id)
        err.print(f"discarded run {args.run_id}", highlight=False)
        return 0
    if args.command == "undo":
        for path in runs.undo_on_disk(args.run_id):
            err.print(f"  restored {path}", highlight=False)
        err.print(f"undid run {args.run_id}", highlight=False)
        return 0
    groups = args.groups.split(",") if args.groups else None
    for path in runs.apply_to_disk(args.run_id, groups):
        err.print(f"  changed {path}", highlight=False)
    runs.cleanup_snapshot(args.run_id)
    err.print(f"applied run {args.run_id}; `kimi-lsp undo {args.run_id}` reverts it", highlight=False)
    return 0


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


class ProgressView:
    """A live progress bar on stderr, driven by the engine's events."""

    def __init__(self, state: RunState, err: Console, quiet: bool):
        self.state = state
        self.progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("groups"),
            TimeElapsedColumn(),
            console=err,
            disable=quiet,
        )
        self.bar = self.progress.add_task(f"{state.refactor}: planning", total=None)

    def on_event(self, event: Event) -> None:
        self.state.apply(event)
        if isinstance(event, RunPhase):
            self.progress.update(self.bar, description=f"{self.state.refactor}: {event.phase}")
        counts = self.state.counts()
        finished = sum(n for s, n in counts.items() if s not in ("queued", "running", "retrying"))
        self.progress.update(self.bar, total=len(self.state.groups) or None, completed=finished)
        if isinstance(event, GroupFinished) and event.status != "ok":
            self.progress.console.print(f"  {event.group_id} {event.status}: {event.error}", highlight=False)


async def _run(refactor, request: dict, ws: Workspace, args, err: Console) -> int:
    validate = getattr(refactor.session(refactor.parse(request), ws, args.agents), "validate", None)
    if validate:
        await asyncio.to_thread(validate)
    runs = Runs(ws.root)
    state = RunState(new_run_id(), refactor.name, args.agents)
    view = ProgressView(state, err, args.json)
    review = "branch" if args.branch else "apply"
    with view.progress:
        started = await runs.run(refactor, request, ws, state, view.on_event, RunOptions(agents=args.agents), review)
        view.progress.update(view.bar, description=f"{refactor.name}: {started.result.status}")
    return deliver(runs, started, args, err)


async def _retry(args, err: Console) -> int:
    runs = Runs(Workspace(args.path).root)
    record = runs.store.load(args.run_id)
    state = RunState(record.id, record.refactor, args.agents)
    view = ProgressView(state, err, args.json)
    groups = args.groups.split(",") if args.groups else None
    with view.progress:
        started = await runs.retry(args.run_id, groups, state, view.on_event, RunOptions(agents=args.agents))
    return deliver(runs, started, args, err)


def deliver(runs: Runs, started: StartedRun, args, err: Console) -> int:
    """Write, diff, branch or keep the result, and pick the exit code."""
    result, record = started.result, started.record
    report = result.report()
    succeeded = result.status in ("ok", "partial") and not result.changeset.is_empty()
    if succeeded and args.dry_run:
        diff = result.changeset.unified_diff(runs.store.read_json(record.id, "bases.json").__getitem__)
        report["diff"] = diff
        if not args.json:
            sys.stdout.write(diff)
        runs.discard(record.id)
    elif succeeded and args.branch:
        report["branch"] = (record.snapshot or {}).get("branch")
        report["message"] += f"; committed on {report['branch'] or 'the run copy'}; `kimi-lsp apply {record.id}` applies it"
    elif succeeded:
        try:
            report["files_written"] = runs.apply_to_disk(record.id)
            runs.cleanup_snapshot(record.id)
        except UserError as error:
            report["status"], report["message"] = "failed", str(error)
            report["files_changed"] = []
            report["message"] += f"; the result is kept: `kimi-lsp apply {record.id}` after resolving, or `kimi-lsp discard {record.id}`"
    elif runs.store.run_dir(record.id).exists():  # kept because some groups failed
        report["message"] += f"; `kimi-lsp retry {record.id}` re-runs the failed groups, `kimi-lsp discard {record.id}` drops the run"
    report["dry_run"] = bool(args.dry_run)
    report["delivery"] = runs.store.load(record.id).delivery if runs.store.run_dir(record.id).exists() else "discarded"
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
        for note in group.get("notes", []):
            err.print(f"      {note}", highlight=False)
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
