"""Runs inside the language server: start, stream status, deliver one edit.

Status is coalesced: however many events the engine emits, each run sends at
most `MAX_NOTIFICATIONS_PER_SECOND` `kimi/swarmStatus` notifications and
matching `$/progress` reports, and always the final state.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from lsprotocol import types

from kimi_lsp.errors import UserError
from kimi_lsp.server.edits import build_workspace_edit
from kimi_lsp.swarm.changeset import content_hash
from kimi_lsp.swarm.engine import RunOptions, RunResult, Session, execute
from kimi_lsp.swarm.events import Event, RunState
from kimi_lsp.swarm.workspace import Workspace

if TYPE_CHECKING:
    from kimi_lsp.server.server import KimiLanguageServer

log = logging.getLogger(__name__)

STATUS_NOTIFICATION = "kimi/swarmStatus"
MAX_NOTIFICATIONS_PER_SECOND = 10


@dataclass
class ServerRun:
    state: RunState
    ws: Workspace
    versions: dict[str, int]
    preview: bool
    token: str | None = None
    task: asyncio.Task | None = None
    result: RunResult | None = None
    delivery: str = "pending"
    dirty: asyncio.Event = field(default_factory=asyncio.Event)

    def snapshot(self) -> dict:
        snap = self.state.snapshot()
        snap["delivery"] = self.delivery
        if self.result:
            snap["report"] = self.result.report()
        return snap


class StatusPublisher:
    """Sends coalesced snapshots of one run until it is done."""

    def __init__(self, server: KimiLanguageServer, run: ServerRun):
        self.server = server
        self.run = run

    async def loop(self) -> None:
        interval = 1 / MAX_NOTIFICATIONS_PER_SECOND
        while self.run.state.phase != "done":
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


async def run_in_background(
    server: KimiLanguageServer, run: ServerRun, refactor: str, session: Session, options: RunOptions
) -> None:
    """The life of one run in the server, ending in exactly one applyEdit at most."""
    publisher = StatusPublisher(server, run)
    if run.token:
        try:
            await server.window_work_done_progress_create_async(types.WorkDoneProgressCreateParams(run.token))
            server.work_done_progress.begin(
                run.token,
                types.WorkDoneProgressBegin(title=f"Kimi swarm: {refactor}", cancellable=True, message="planning", percentage=0),
            )
        except Exception:  # the client refused progress; the run goes on without it
            log.warning("client refused work-done progress for run %s", run.state.run_id)
            run.token = None

    def on_event(event: Event) -> None:
        run.state.apply(event)
        run.dirty.set()

    loop_task = asyncio.create_task(publisher.loop())
    try:
        run.result = await execute(refactor, session, run.state, on_event, options)
        if run.result.status in ("ok", "partial") and not run.result.changeset.is_empty():
            run.delivery = await deliver(server, run)
            run.state.message = run.result.message
        elif run.result.status in ("ok", "partial"):
            run.delivery = "nothing to apply"
        else:
            run.delivery = "not applied"
    finally:
        loop_task.cancel()
        if run.token:
            message = run.result.message if run.result else "stopped"
            server.work_done_progress.end(run.token, types.WorkDoneProgressEnd(message=f"{run.state.status}: {message}"))
        publisher.publish()


def changed_since_snapshot(server: KimiLanguageServer, run: ServerRun) -> list[str]:
    """Files the user changed while the run was computing; never overwrite those."""
    changed = []
    result = run.result
    assert result
    for path, change in result.changeset.changes.items():
        if not change.edits and path not in {m.old for m in result.changeset.moves}:
            continue
        document = server.workspace.text_documents.get(run.ws.root.joinpath(path).as_uri())
        if document is not None:
            if path in run.versions and document.version != run.versions[path]:
                changed.append(path)
                continue
            current = document.source
        else:
            try:
                current = (run.ws.root / path).read_text(encoding="utf-8")
            except OSError:
                changed.append(path)
                continue
        if content_hash(current) != change.base_hash:
            changed.append(path)
    return changed


async def deliver(server: KimiLanguageServer, run: ServerRun) -> str:
    """Send the run's single workspace/applyEdit."""
    result = run.result
    assert result
    stale = changed_since_snapshot(server, run)
    if stale:
        result.message = f"not applied: changed during the run: {', '.join(stale)}"
        return "withheld: files changed during the run"
    try:
        edit = build_workspace_edit(
            result.changeset, run.ws, run.versions, server.client_capabilities, run.preview, f"Kimi swarm: {result.refactor}"
        )
    except UserError as err:
        result.message = str(err)
        return f"not applied: {err}"
    response = await server.workspace_apply_edit_async(
        types.ApplyWorkspaceEditParams(edit, label=f"Kimi swarm: {result.refactor}")
    )
    if response.applied:
        return "applied"
    reason = response.failure_reason or "the editor declined the edit"
    result.message = f"not applied: {reason}"
    return f"rejected: {reason}"
