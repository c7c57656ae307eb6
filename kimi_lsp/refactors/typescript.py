"""What the TypeScript-backed refactors share: sidecars over the run's workspace."""

from __future__ import annotations

from kimi_lsp.swarm.scheduler import GroupError, TransientError
from kimi_lsp.swarm.verify import JS_TS_SUFFIXES
from kimi_lsp.swarm.workspace import Workspace, WorkspaceError
from kimi_lsp.ts.client import ProjectSpec, SidecarError, SidecarPool


class WorkspaceSidecars:
    """A pool of up to `size` sidecars over the workspace's JS/TS files, started on first use.

    Sidecar refusals become group failures with the sidecar's message; a
    crashed or killed sidecar is a transient error the scheduler retries.
    """

    def __init__(self, ws: Workspace, size: int):
        self.ws = ws
        self.size = size
        self.pool: SidecarPool | None = None

    async def request(self, method: str, params: dict) -> dict:
        if self.pool is None:
            files = [self.ws.absolute(f) for f in self.ws.source_files(JS_TS_SUFFIXES)]
            overlays = {self.ws.absolute(p): t for p, t in self.ws.overlays.items()}
            self.pool = SidecarPool(ProjectSpec(str(self.ws.root), files, overlays), self.size)
        try:
            return await self.pool.request(method, params)
        except SidecarError as err:
            if err.user:
                raise GroupError(str(err)) from None
            raise TransientError(str(err)) from None

    def relative_graph(self, graph: dict[str, list[str]]) -> dict[str, list[str]]:
        """The sidecar's import graph (absolute paths) as workspace-relative paths, inside the workspace only."""
        root = str(self.ws.root) + "/"
        relative = {}
        for file, deps in graph.items():
            try:
                relative[self.ws.relative(file)] = [self.ws.relative(d) for d in deps if d.startswith(root)]
            except WorkspaceError:
                continue
        return relative

    async def close(self) -> None:
        if self.pool:
            await self.pool.close()
