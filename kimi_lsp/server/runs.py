"""Runs inside the language server: start, stream status, deliver one edit.

Status is coalesced: however many events the engine emits, each run sends at
most `MAX_NOTIFICATIONS_PER_SECOND` `kimi/swarmStatus` notifications and
matching `$/progress` reports, and always the final state.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Awaitable, Callable

from lsprotocol import types
from pygls.uris import to_fs_path

from kimi_lsp.errors import UserError
from kimi_lsp.runs import Runs, StartedRun
from kimi_lsp.server.edits import build_workspace_edit
from kimi_lsp.swarm.apply import ApplyConflict, ApplyPlan, ReadCurrent, read_disk
from kimi_lsp.swarm.events import Event, RunState

if TYPE_CHECKING:
    from kimi_lsp.server.server import KimiLanguageServer

log = logging.getLogger(__name__)

STATUS_NOTIFICATION = "kimi/swarmStatus"
MAX_NOTIFICATIONS_PER_SECOND = 10


@dataclass
class ServerRun:
    state: RunState
    runs: Runs
    review: str  # apply | preview | branch
    token: str | None = None
    task: asyncio.Task | None = None
    started: StartedRun | None = None
    delivery: str = "pending"
    delivered: bool = False  # the run is over for the server: applied, withheld, or kept for review
    conflicts: list[dict] = field(default_factory=list)
    changed_on_disk: set[str] = field(default_factory=set)
    diffs: dict[str, str] = field(default_factory=dict)  # group id -> unified diff, once the run is done
    dirty: asyncio.Event = field(default_factory=asyncio.Event)

    def snapshot(self) -> dict:
        snap = self.state.snapshot()
        if snap["phase"] == "done" and not self.delivered:
            snap["phase"] = "delivering"
        snap["delivery"] = self.delivery
        snap["review"] = self.review
        snap["conflicts"] = self.conflicts
        snap["changedDuringRun"] = sorted(self.changed_on_disk)
        for group in snap["groups"]:
            if group["id"] in self.diffs:
                group["diff"] = self.diffs[group["id"]]
        if self.started:
            snap["report"] = self.started.result.report()
            snap["branch"] = (self.started.record.snapshot or {}).get("branch")
        return snap


class StatusPublisher:
    """Sends coalesced snapshots of one run until it is done."""

    def __init__(self, server: KimiLanguageServer, run: ServerRun):
        self.server = server
        self.run = run

    async def loop(self) -> None:
        interval = 1 / MAX_NOTIFICATIONS_PER_SECOND
        while True:
            await self.run.dirty.wait()
            self.run.dirty.clear()
            self.publish()
            await asyncio.sleep(interval)

    def publish(self) -> None:
        snapshot = self.run.snapshot()
        self.server.protocol.notify(STATUS_NOTIFICATION, snapshot)
        if self.run.token and snapshot["status"] == "running":
            totals = snapshot["totals"]
            finished = sum(v for k, v in totals.items() if k not in ("groups", "queued", "running", "retrying"))
            percentage = int(100 * finished / totals["groups"]) if totals["groups"] else 0
            self.server.work_done_progress.report(
                self.run.token,
                types.WorkDoneProgressReport(
                    message=f"{snapshot['phase']}: {finished}/{totals['groups']} groups", percentage=percentage, cancellable=True
                ),
            )


class EngineThread:
    """The engine's own event loop, on its own thread.

    A hundred agents receiving answers at once is real CPU work (HTTP,
    parsing, tools, events). On the LSP loop it would delay every request
    behind it; on this thread the interpreter switches back to the LSP loop
    every few milliseconds, so code actions and status stay fast.
    """

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="kimi-engine", daemon=True)
        self.thread.start()

    async def run(self, coroutine: Awaitable):
        """Await a coroutine run on the engine loop; cancelling the caller cancels it there."""
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coroutine, self.loop))


async def run_in_background(
    server: KimiLanguageServer, run: ServerRun, work: Callable[[Callable[[Event], None]], Awaitable[StartedRun]]
) -> None:
    """The life of one run in the server, ending in at most one applyEdit."""
    publisher = StatusPublisher(server, run)
    if run.token:
        try:
            await server.window_work_done_progress_create_async(types.WorkDoneProgressCreateParams(run.token))
            server.work_done_progress.begin(
                run.token,
                types.WorkDoneProgressBegin(
                    title=f"Kimi swarm: {run.state.refactor}", cancellable=True, message="planning", percentage=0
                ),
            )
        except Exception:  # the client refused progress; the run goes on without it
            log.warning("client refused work-done progress for run %s", run.state.run_id)
            run.token = None

    def on_event(event: Event) -> None:
        run.state.apply(event)
        run.dirty.set()

    lsp_loop = asyncio.get_running_loop()

    def from_engine(event: Event) -> None:
        lsp_loop.call_soon_threadsafe(on_event, event)

    loop_task = asyncio.create_task(publisher.loop())
    watch_task = asyncio.create_task(watch_disk(run))
    try:
        run.started = await server.engine.run(work(from_engine))
        result = run.started.result
        if result.status in ("ok", "partial"):
            run.diffs = await asyncio.to_thread(run.runs.group_diffs, run.started)
        if result.status not in ("ok", "partial"):
            run.delivery = "not applied"
        elif result.changeset.is_empty():
            run.delivery = "nothing to apply"
        elif run.review == "branch":
            run.delivery = "branch"
        else:
            await deliver(server, run)
    except UserError as err:
        run.state.finish("failed", str(err))
        run.delivery = "not applied"
    except asyncio.CancelledError:  # the engine's task is cancelled with it; nothing was written
        run.state.finish("cancelled", "cancelled; nothing was applied")
        run.delivery = "not applied"
    except Exception as err:  # a bug must end the run visibly, never leave it hanging
        log.exception("run %s failed", run.state.run_id)
        run.state.finish("failed", f"internal error: {err!r}")
        run.delivery = "not applied"
    finally:
        loop_task.cancel()
        watch_task.cancel()
        run.delivered = True
        if run.token:
            server.work_done_progress.end(
                run.token, types.WorkDoneProgressEnd(message=f"{run.state.status}: {run.state.message}")
            )
        publisher.publish()


async def watch_disk(run: ServerRun) -> None:
    """Note files the user changes on disk while the run computes (shown in status)."""
    from watchfiles import awatch

    root = run.runs.root
    try:
        async for changes in awatch(root, recursive=True, step=200, debounce=400):
            for _, path in changes:
                rel = Path(path).relative_to(root).as_posix() if Path(path).is_relative_to(root) else path
                if not rel.startswith((".git/", "node_modules/")):
                    run.changed_on_disk.add(rel)
            run.dirty.set()
    except OSError as err:  # e.g. out of inotify watches: the apply-time checks still protect the files
        log.info("not watching %s for changes: %s", root, err)


def open_buffers(server: KimiLanguageServer, root: Path) -> dict[str, tuple[str, int | None]]:
    """The editor's open documents under root: relative path -> (text, version)."""
    buffers = {}
    for uri, document in server.workspace.text_documents.items():
        path = to_fs_path(uri)
        if path and Path(path).resolve().is_relative_to(root):
            buffers[Path(path).resolve().relative_to(root).as_posix()] = (document.source, document.version)
    return buffers


def read_editor(server: KimiLanguageServer, root: Path) -> tuple[ReadCurrent, dict[str, int]]:
    """Read the user's current content: open buffers first, then the disk."""
    disk = read_disk(root)
    buffers = open_buffers(server, root)

    def read(rel: str) -> str | None:
        return buffers[rel][0] if rel in buffers else disk(rel)

    return read, {rel: v for rel, (_, v) in buffers.items() if v is not None}


async def deliver(server: KimiLanguageServer, run: ServerRun, groups: list[str] | None = None) -> None:
    """Send the run's single workspace/applyEdit, merged with the user's edits."""
    run_id = run.state.run_id
    read, versions = read_editor(server, run.runs.root)
    try:
        plan = await asyncio.to_thread(run.runs.plan_apply, run_id, read, groups)
    except ApplyConflict as err:
        run.conflicts = [{"path": c.path, "message": c.message} for c in err.conflicts]
        run.delivery = "withheld: conflicts with your edits"
        run.state.message = str(err)
        return
    if await send_edit(server, run, plan, versions, f"Kimi swarm: {run.state.refactor}"):
        await asyncio.to_thread(run.runs.mark_applied, run_id, plan)
        await asyncio.to_thread(run.runs.cleanup_snapshot, run_id)
        run.delivery = "applied"


async def undo(server: KimiLanguageServer, run: ServerRun) -> None:
    read, versions = read_editor(server, run.runs.root)
    plan = await asyncio.to_thread(run.runs.plan_undo, run.state.run_id, read)
    if await send_edit(server, run, plan, versions, f"Undo Kimi swarm: {run.state.refactor}", preview=False):
        await asyncio.to_thread(run.runs.mark, run.state.run_id, "undone")
        run.delivery = "undone"


async def send_edit(
    server: KimiLanguageServer, run: ServerRun, plan: ApplyPlan, versions: dict, label: str, preview: bool | None = None
) -> bool:
    try:
        edit = await asyncio.to_thread(
            build_workspace_edit,
            plan, run.runs.root, versions, server.client_capabilities, run.review == "preview" if preview is None else preview, label,
        )
    except UserError as err:
        run.delivery = f"not applied: {err}"
        run.state.message = str(err)
        return False
    response = await server.workspace_apply_edit_async(types.ApplyWorkspaceEditParams(edit, label=label))
    if response.applied:
        return True
    reason = response.failure_reason or "the editor declined the edit"
    run.delivery = f"rejected: {reason}"
    run.state.message = f"not applied: {reason}"
    return False
