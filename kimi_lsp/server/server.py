"""The kimi-lsp language server: code actions and `kimi.swarm.*` commands.

Every command takes exactly one JSON object argument. Anything else is an
InvalidParams error whose message says what was expected.
"""

from __future__ import annotations

import asyncio
import logging
import re
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from kimi_lsp import __version__
from kimi_lsp.errors import UserError
from kimi_lsp.refactors import get_refactor
from kimi_lsp.server.runs import ServerRun, run_in_background
from kimi_lsp.swarm.engine import DEFAULT_AGENTS, RunOptions, new_run_id
from kimi_lsp.swarm.events import RunState
from kimi_lsp.swarm.scheduler import MAX_AGENTS
from kimi_lsp.swarm.workspace import Workspace

log = logging.getLogger(__name__)

RENAMEABLE = (".js", ".jsx", ".ts", ".tsx", ".mjs", ".cjs", ".mts", ".cts", ".py")
IDENTIFIER = re.compile(r"[A-Za-z_$][\w$]*")


class KimiLanguageServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("kimi-lsp", __version__)
        self.runs: dict[str, ServerRun] = {}

    def root(self) -> Path:
        root = self.workspace.root_path
        if not root:
            folders = list(self.workspace.folders.values())
            root = to_fs_path(folders[0].uri) if folders else None
        if not root:
            raise UserError("open a folder first: kimi-lsp works on a workspace root")
        return Path(root)

    def snapshot_workspace(self) -> tuple[Workspace, dict[str, int]]:
        """The workspace with open buffers as overlays, and the versions read."""
        ws = Workspace(self.root())
        versions = {}
        for uri, document in self.workspace.text_documents.items():
            path = to_fs_path(uri)
            if not path or not Path(path).resolve().is_relative_to(ws.root):
                continue
            rel = Path(path).resolve().relative_to(ws.root).as_posix()
            ws.overlays[rel] = document.source
            if document.version is not None:
                versions[rel] = document.version
        return ws, versions


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


START_SHAPE = '{"refactor": "rename", "renames": [{"target": "FILE:LINE:COL", "new": "NAME"}], "moves"?: [...], "agents"?: N, "preview"?: bool}'


def create_server() -> KimiLanguageServer:
    server = KimiLanguageServer()

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.RefactorRewrite]),
    )
    def code_action(ls: KimiLanguageServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        """Offer a workspace-wide swarm rename on the identifier under the cursor."""
        return rename_actions(ls, params)

    @server.command("kimi.swarm.start")
    async def start(ls: KimiLanguageServer, *args: Any) -> dict:
        request = one_object("kimi.swarm.start", args, START_SHAPE)
        try:
            refactor = get_refactor(request.get("refactor"))
            parsed = refactor.parse(request)
            agents = parse_agents(request.get("agents"))
            ws, versions = ls.snapshot_workspace()
            session = refactor.session(parsed, ws, agents)
            await asyncio.to_thread(getattr(session, "validate", lambda: None))
        except UserError as err:
            raise invalid(err) from None
        run_id = new_run_id()
        run = ServerRun(RunState(run_id, refactor.name, agents), ws, versions, bool(request.get("preview")))
        if _supports_progress(ls):
            run.token = f"kimi-swarm/{run_id}"
        ls.runs[run_id] = run
        run.task = asyncio.create_task(run_in_background(ls, run, refactor.name, session, RunOptions(agents=agents)))
        return {"runId": run_id}

    @server.command("kimi.swarm.plan")
    async def plan(ls: KimiLanguageServer, *args: Any) -> dict:
        request = one_object("kimi.swarm.plan", args, START_SHAPE)
        try:
            refactor = get_refactor(request.get("refactor"))
            ws, _ = ls.snapshot_workspace()
            session = refactor.session(refactor.parse(request), ws, parse_agents(request.get("agents")))
            try:
                result = await session.plan()
            finally:
                await session.close()
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


def find_run(ls: KimiLanguageServer, request: dict) -> ServerRun:
    run_id = request.get("runId")
    if not isinstance(run_id, str):
        raise JsonRpcInvalidParams('expected {"runId": "..."} with a run id from kimi.swarm.start')
    if run_id not in ls.runs:
        raise JsonRpcInvalidParams(f"no run with id {run_id!r}")
    return ls.runs[run_id]


def _supports_progress(ls: KimiLanguageServer) -> bool:
    window = ls.client_capabilities.window
    return bool(window and window.work_done_progress)


def wants_kind(params: types.CodeActionParams, kind: str) -> bool:
    """Honour the client's `only` filter: kinds match by dotted prefix."""
    only = params.context.only
    return not only or any(kind == k or kind.startswith(f"{k}.") for k in only)


def rename_actions(ls: KimiLanguageServer, params: types.CodeActionParams) -> list[types.CodeAction]:
    path = to_fs_path(params.text_document.uri)
    if not path or not path.endswith(RENAMEABLE) or not wants_kind(params, types.CodeActionKind.RefactorRewrite):
        return []
    try:
        root = ls.root()
    except UserError:
        return []
    resolved = Path(path).resolve()
    if not resolved.is_relative_to(root.resolve()):
        return []
    document = ls.workspace.get_text_document(params.text_document.uri)
    position = params.range.start
    lines = document.lines
    if position.line >= len(lines):
        return []
    line = lines[position.line]
    column = len(line.encode("utf-16-le")[: position.character * 2].decode("utf-16-le", "ignore"))
    for match in IDENTIFIER.finditer(line):
        if match.start() <= column <= match.end():
            break
    else:
        return []
    name = match.group()
    start = match.start()
    if not path.endswith(".py"):
        start = len(line[:start].encode("utf-16-le")) // 2
    rel = resolved.relative_to(root.resolve()).as_posix()
    title = f"Kimi swarm: rename '{name}' across the workspace…"
    argument = {"refactor": "rename", "renames": [{"target": f"{rel}:{position.line + 1}:{start + 1}"}]}
    return [
        types.CodeAction(
            title,
            kind=types.CodeActionKind.RefactorRewrite,
            command=types.Command(title, "kimi.swarm.start", arguments=[argument]),
        )
    ]
