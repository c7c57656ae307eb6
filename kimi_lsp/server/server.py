"""The kimi-lsp language server: code actions and `kimi.swarm.*` commands.

Every command takes exactly one JSON object argument. Anything else is an
InvalidParams error whose message says what was expected.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from kimi_lsp import __version__
from kimi_lsp.errors import UserError
from kimi_lsp.refactors import get_refactor
from kimi_lsp.runs import REVIEW_MODES, Runs
from kimi_lsp.server.actions import code_actions
from kimi_lsp.server.runs import EngineThread, ServerRun, deliver, open_buffers, run_in_background, undo
from kimi_lsp.swarm.engine import DEFAULT_AGENTS, RunOptions, new_run_id
from kimi_lsp.swarm.events import RunState
from kimi_lsp.swarm.scheduler import MAX_AGENTS
from kimi_lsp.swarm.workspace import Workspace

log = logging.getLogger(__name__)



class KimiLanguageServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("kimi-lsp", __version__)
        self.runs: dict[str, ServerRun] = {}
        self.kimi_settings: dict = {}  # the editor's `kimi` settings section (never holds the API key)
        self._engine: EngineThread | None = None

    @property
    def engine(self) -> EngineThread:
        """Runs execute here, off the loop that answers the editor."""
        if self._engine is None:
            self._engine = EngineThread()
        return self._engine

    def new_run(self, state: RunState, review: str) -> ServerRun:
        run = ServerRun(state, Runs(self.root()), review)
        if _supports_progress(self):
            run.token = f"kimi-swarm/{state.run_id}"
        self.runs[state.run_id] = run
        return run

    async def review_run(self, request: dict) -> ServerRun:
        """A run to apply, discard or undo: from this session, or recorded on disk by an earlier one."""
        run_id = _run_id(request)
        run = self.runs.get(run_id)
        if run and run.task and not run.task.done() and run.state.phase != "done":
            raise JsonRpcInvalidParams(f"run {run_id} is still running; cancel it or wait")
        if run is None:
            try:
                runs = Runs(self.root())
                record = await asyncio.to_thread(runs.store.load, run_id)
            except UserError as err:
                raise invalid(err) from None
            run = ServerRun(RunState(run_id, record.refactor, 0), runs, "apply", delivered=True)
            run.state.finish(record.status, None)
            self.runs[run_id] = run
        return run

    def root(self) -> Path:
        root = self.workspace.root_path
        if not root:
            folders = list(self.workspace.folders.values())
            root = to_fs_path(folders[0].uri) if folders else None
        if not root:
            raise UserError("open a folder first: kimi-lsp works on a workspace root")
        return Path(root)

    def snapshot_workspace(self) -> Workspace:
        """The workspace with the editor's open buffers as overlays (they win over the disk)."""
        ws = Workspace(self.root())
        ws.overlays = {rel: text for rel, (text, _) in open_buffers(self, ws.root).items()}
        return ws


def one_object(command: str, args: tuple, expected: str) -> dict:
    """The single JSON object argument every command takes."""
    if len(args) != 1 or not isinstance(args[0], dict):
        raise JsonRpcInvalidParams(f"{command} takes one JSON object argument: {expected}")
    return args[0]


def invalid(err: Exception) -> JsonRpcInvalidParams:
    return JsonRpcInvalidParams(str(err))


def parse_agents(value: Any) -> int:
    if value is None:
        return DEFAULT_AGENTS
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_AGENTS:
        raise UserError(f"'agents' must be an integer from 1 to {MAX_AGENTS}")
    return value


START_SHAPE = (
    '{"refactor": "rename", "renames": [{"target": "FILE:LINE:COL", "new": "NAME"}], "moves"?: [...], '
    '"agents"?: N, "review"?: "apply" | "preview" | "branch"}'
)


def create_server() -> KimiLanguageServer:
    server = KimiLanguageServer()

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.RefactorRewrite]),
    )
    def code_action(ls: KimiLanguageServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        """Swarm refactors that apply here: rename, convert to TypeScript, apply an instruction."""
        return code_actions(ls, params)

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    def configuration_changed(ls: KimiLanguageServer, params: types.DidChangeConfigurationParams) -> None:
        """Keep the `kimi` section; model refactors read it (see docs/configuration.md)."""
        settings = params.settings if isinstance(params.settings, dict) else {}
        section = settings.get("kimi")
        ls.kimi_settings = dict(section) if isinstance(section, dict) else {}

    @server.command("kimi.swarm.start")
    async def start(ls: KimiLanguageServer, *args: Any) -> dict:
        request = with_settings(ls, one_object("kimi.swarm.start", args, START_SHAPE))
        try:
            refactor = get_refactor(request.get("refactor"))
            parsed = refactor.parse(request)
            agents = parse_agents(request.get("agents"))
            review = parse_review(request)
            ws = ls.snapshot_workspace()
            await asyncio.to_thread(getattr(refactor.session(parsed, ws, agents), "validate", lambda: None))
        except UserError as err:
            raise invalid(err) from None
        run = ls.new_run(RunState(new_run_id(), refactor.name, agents), review)
        options = RunOptions(agents=agents)
        run.task = asyncio.create_task(
            run_in_background(ls, run, lambda sink: run.runs.run(refactor, request, ws, run.state, sink, options, review))
        )
        return {"runId": run.state.run_id}

    @server.command("kimi.swarm.retry")
    async def retry(ls: KimiLanguageServer, *args: Any) -> dict:
        """Re-run only the failed (or the named) groups of a run, on its own snapshot."""
        request = one_object("kimi.swarm.retry", args, '{"runId": "...", "groups"?: ["g1", ...]}')
        try:
            runs = Runs(ls.root())
            record = runs.store.load(_run_id(request))
            groups = parse_groups(request)
            agents = parse_agents(request.get("agents"))
        except UserError as err:
            raise invalid(err) from None
        previous = ls.runs.get(record.id)
        if previous and previous.task and not previous.task.done():
            raise JsonRpcInvalidParams(f"run {record.id} is still running")
        run = ls.new_run(RunState(record.id, record.refactor, agents), previous.review if previous else "apply")
        options = RunOptions(agents=agents)
        run.task = asyncio.create_task(
            run_in_background(ls, run, lambda sink: run.runs.retry(record.id, groups, run.state, sink, options))
        )
        return {"runId": record.id}

    @server.command("kimi.swarm.apply")
    async def apply(ls: KimiLanguageServer, *args: Any) -> dict:
        """Deliver a run kept for review (branch mode, or withheld) as one WorkspaceEdit."""
        request = one_object("kimi.swarm.apply", args, '{"runId": "...", "groups"?: ["g1", ...]}')
        run = await ls.review_run(request)
        await deliver(ls, run, parse_groups_or_invalid(request))
        if run.delivery != "applied":
            raise JsonRpcInvalidParams(f"run {run.state.run_id} was not applied: {run.state.message or run.delivery}")
        return run.snapshot()

    @server.command("kimi.swarm.discard")
    async def discard(ls: KimiLanguageServer, *args: Any) -> dict:
        """Drop a run: its snapshot, branch and record. The user's files are untouched."""
        request = one_object("kimi.swarm.discard", args, '{"runId": "..."}')
        run = await ls.review_run(request)
        if run.task and not run.task.done():
            run.task.cancel()
            await asyncio.wait({run.task}, timeout=5)
        try:
            await asyncio.to_thread(run.runs.discard, run.state.run_id)
        except UserError as err:
            raise invalid(err) from None
        run.delivery = "discarded"
        ls.runs.pop(run.state.run_id, None)
        return {"runId": run.state.run_id, "delivery": "discarded"}

    @server.command("kimi.swarm.undo")
    async def undo_run(ls: KimiLanguageServer, *args: Any) -> dict:
        """Revert exactly what a run applied, keeping the user's later edits."""
        request = one_object("kimi.swarm.undo", args, '{"runId": "..."}')
        run = await ls.review_run(request)
        try:
            await undo(ls, run)
        except UserError as err:
            raise invalid(err) from None
        if run.delivery != "undone":
            raise JsonRpcInvalidParams(f"run {run.state.run_id} was not undone: {run.state.message or run.delivery}")
        return run.snapshot()

    @server.command("kimi.swarm.runs")
    async def list_runs(ls: KimiLanguageServer, *args: Any) -> dict:
        """Runs recorded for this workspace, including ones a crash interrupted."""
        if args:
            one_object("kimi.swarm.runs", args, "{}")
        try:
            records = await asyncio.to_thread(Runs(ls.root()).store.list)
        except UserError as err:
            raise invalid(err) from None
        return {
            "runs": [r.listing() for r in records]
        }

    @server.command("kimi.swarm.plan")
    async def plan(ls: KimiLanguageServer, *args: Any) -> dict:
        request = with_settings(ls, one_object("kimi.swarm.plan", args, START_SHAPE))
        try:
            refactor = get_refactor(request.get("refactor"))
            ws = ls.snapshot_workspace()
            session = refactor.session(refactor.parse(request), ws, parse_agents(request.get("agents")))
            result = await ls.engine.run(plan_and_close(session))
        except UserError as err:
            raise invalid(err) from None
        return {"spec": result.spec_markdown(), "groups": result.to_json()}

    @server.command("kimi.swarm.cancel")
    async def cancel(ls: KimiLanguageServer, *args: Any) -> dict:
        run = find_run(ls, one_object("kimi.swarm.cancel", args, '{"runId": "..."}'))
        if run.task and not run.task.done():
            run.task.cancel()
            await asyncio.wait({run.task}, timeout=5)
        return {"runId": run.state.run_id, "status": run.state.status}

    @server.command("kimi.swarm.status")
    def status(ls: KimiLanguageServer, *args: Any) -> dict:
        request = one_object("kimi.swarm.status", args, '{"runId"?: "..."}') if args else {}
        if request.get("runId") is None:
            return {"runs": [run.snapshot() for run in ls.runs.values()]}
        return find_run(ls, request).snapshot()

    @server.feature(types.WINDOW_WORK_DONE_PROGRESS_CANCEL)
    def progress_cancelled(ls: KimiLanguageServer, params: types.WorkDoneProgressCancelParams) -> None:
        """Cancelling the progress notification in the editor stops the run."""
        for run in ls.runs.values():
            if run.token == params.token and run.task and not run.task.done():
                run.task.cancel()

    return server


async def plan_and_close(session):
    """Planning lists and reads files; it runs on the engine thread like a run does."""
    try:
        return await session.plan()
    finally:
        await session.close()


def _run_id(request: dict) -> str:
    run_id = request.get("runId")
    if not isinstance(run_id, str) or not run_id:
        raise JsonRpcInvalidParams('expected {"runId": "..."} with a run id from kimi.swarm.start')
    return run_id


def parse_review(request: dict) -> str:
    review = request.get("review", "preview" if request.get("preview") else "apply")
    if review not in REVIEW_MODES:
        raise UserError(f"'review' must be one of {', '.join(REVIEW_MODES)}")
    return review


def parse_groups(request: dict) -> list[str] | None:
    groups = request.get("groups")
    if groups is None:
        return None
    if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
        raise UserError("'groups' must be a list of group ids such as [\"g1\", \"g3\"]")
    return groups


def parse_groups_or_invalid(request: dict) -> list[str] | None:
    try:
        return parse_groups(request)
    except UserError as err:
        raise invalid(err) from None


def find_run(ls: KimiLanguageServer, request: dict) -> ServerRun:
    run_id = _run_id(request)
    if run_id not in ls.runs:
        raise JsonRpcInvalidParams(f"no run with id {run_id!r}")
    return ls.runs[run_id]


def _supports_progress(ls: KimiLanguageServer) -> bool:
    window = ls.client_capabilities.window
    return bool(window and window.work_done_progress)


def with_settings(ls: KimiLanguageServer, request: dict) -> dict:
    """The request with the editor's `kimi` settings under it; the request's own settings win."""
    if not ls.kimi_settings:
        return request
    own = request.get("settings")
    return {**request, "settings": {**ls.kimi_settings, **(own if isinstance(own, dict) else {})}}
