"""Find TypeScript, and talk to pools of sidecar processes.

How TypeScript is found, first match wins:
1. the project's own `node_modules/typescript`, when it has the classic
   language service API (TypeScript 4.x or 5.x);
2. the directory in the `KIMI_LSP_TYPESCRIPT` environment variable;
3. the copy installed beside kimi-lsp (`kimi_lsp/ts/node_modules`, made by
   `make setup`);
4. a copy kimi-lsp installs once with npm into `~/.cache/kimi-lsp`.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from kimi_lsp.errors import UserError

log = logging.getLogger(__name__)

HERE = Path(__file__).parent
SIDECAR = HERE / "sidecar.js"
PINNED_VERSION = json.loads((HERE / "package.json").read_text())["dependencies"]["typescript"]
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "kimi-lsp" / f"typescript-{PINNED_VERSION}"
CODE_CACHE = CACHE.parent / "v8"  # V8's compiled TypeScript, kept by the sidecars and tsc (code_cache.js)


class TypeScriptUnavailable(UserError):
    """Node or TypeScript cannot be found or installed; the message says how to fix it."""


class SidecarError(Exception):
    """The sidecar refused a request; `user` is True when the message is for the user."""

    def __init__(self, message: str, user: bool):
        super().__init__(message)
        self.user = user


def _has_language_service(package: Path) -> bool:
    try:
        version = json.loads((package / "package.json").read_text())["version"]
    except (OSError, ValueError, KeyError):
        return False
    return int(version.split(".")[0]) < 7 and (package / "lib" / "typescript.js").exists()


def node_binary() -> str:
    node = shutil.which("node")
    if not node:
        raise TypeScriptUnavailable("Node.js is not on PATH; kimi-lsp needs Node 18 or newer for JavaScript and TypeScript")
    return node


def find_typescript(root: Path) -> Path:
    """The typescript package directory the sidecar should load for this project."""
    candidates = [Path(root) / "node_modules" / "typescript"]
    if os.environ.get("KIMI_LSP_TYPESCRIPT"):
        candidates.append(Path(os.environ["KIMI_LSP_TYPESCRIPT"]))
    candidates += [HERE / "node_modules" / "typescript", CACHE / "node_modules" / "typescript"]
    for package in candidates:
        if _has_language_service(package):
            return package
    return _install_typescript()


def _install_typescript() -> Path:
    npm = shutil.which("npm")
    if not npm:
        raise TypeScriptUnavailable(
            f"TypeScript {PINNED_VERSION} is not installed and npm is not on PATH; "
            "install Node.js with npm, or set KIMI_LSP_TYPESCRIPT to a typescript package directory"
        )
    CACHE.mkdir(parents=True, exist_ok=True)
    log.info("installing typescript@%s into %s", PINNED_VERSION, CACHE)
    proc = subprocess.run(
        [npm, "install", "--no-audit", "--no-fund", "--prefix", str(CACHE), f"typescript@{PINNED_VERSION}"],
        capture_output=True,
        text=True,
    )
    package = CACHE / "node_modules" / "typescript"
    if proc.returncode != 0 or not _has_language_service(package):
        raise TypeScriptUnavailable(f"could not install typescript@{PINNED_VERSION}: {proc.stderr.strip()[-500:]}")
    return package


def tsc_command(root: Path) -> list[str]:
    """The project's own tsc when it has one (any version), else kimi-lsp's copy, through V8's code cache (tsc.js)."""
    own = Path(root) / "node_modules" / ".bin" / "tsc"
    if own.exists():
        return [str(own)]
    return [node_binary(), str(HERE / "tsc.js"), str(CODE_CACHE), str(find_typescript(root))]


NODE_ARCH = {"x86_64": "x64", "amd64": "x64", "aarch64": "arm64", "arm64": "arm64"}


def native_tsc_command(root: Path) -> list[str] | None:
    """typescript@7's native tsc (about 3.5x faster), unless the project brings its own tsc.

    Its platform package's binary runs directly when it is there: the
    package's `bin/tsc` is a Node script that only starts that binary, which
    cost every check a Node start-up.
    """
    if (Path(root) / "node_modules" / ".bin" / "tsc").exists():
        return None
    arch = NODE_ARCH.get(platform.machine().lower(), platform.machine().lower())
    binary = HERE / "node_modules" / "@typescript" / f"typescript-{sys.platform}-{arch}" / "lib" / "tsc"
    if binary.is_file() and os.access(binary, os.X_OK):
        return [str(binary)]
    native = HERE / "node_modules" / "tsgo" / "bin" / "tsc"
    return [node_binary(), str(native)] if native.exists() else None


class Sidecar:
    """One Node process with one project loaded; answers one request at a time."""

    def __init__(self, proc: asyncio.subprocess.Process, stderr: IO[bytes]):
        self.proc = proc
        self.stderr = stderr  # what Node says when it dies (a bad NODE_OPTIONS, out of memory)
        self.ids = itertools.count(1)

    @classmethod
    async def start(cls, typescript: Path) -> Sidecar:
        env = {**os.environ, "KIMI_TS_PATH": str(typescript), "KIMI_LSP_CODE_CACHE": str(CODE_CACHE)}
        stderr = tempfile.TemporaryFile()
        proc = await asyncio.create_subprocess_exec(
            node_binary(),
            "--max-old-space-size=8192",
            str(SIDECAR),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=stderr,
            env=env,
            limit=1 << 30,
        )
        return cls(proc, stderr)

    def last_words(self) -> str:
        """The end of what the process wrote to stderr, on one line."""
        self.stderr.seek(0, os.SEEK_END)
        self.stderr.seek(max(0, self.stderr.tell() - 2000))
        lines = [line.strip() for line in self.stderr.read().decode("utf-8", "replace").splitlines() if line.strip()]
        return " | ".join(lines[-3:])[-500:]

    async def request(self, method: str, params: dict) -> dict:
        request_id = next(self.ids)
        line = json.dumps({"id": request_id, "method": method, "params": params}) + "\n"
        assert self.proc.stdin and self.proc.stdout
        try:
            self.proc.stdin.write(line.encode())
            await self.proc.stdin.drain()
            raw = await self.proc.stdout.readline()
        except (BrokenPipeError, ConnectionResetError):  # it died before reading the request
            raw = b""
        if not raw:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.proc.wait(), 2)
            said = self.last_words()
            raise SidecarError(f"TypeScript sidecar exited during {method}" + (f": {said}" if said else ""), user=False)
        reply = json.loads(raw)
        if "error" in reply:
            raise SidecarError(reply["error"]["message"], reply["error"].get("user", False))
        return reply["result"]

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            self.proc.kill()

    async def close(self) -> None:
        if self.proc.returncode is None:
            assert self.proc.stdin
            self.proc.stdin.close()
            try:
                await asyncio.wait_for(self.proc.wait(), 2)
            except TimeoutError:
                self.kill()
                await self.proc.wait()
        self.stderr.close()


@dataclass
class ProjectSpec:
    root: str
    files: list[str]
    overlays: dict[str, str]


class SidecarPool:
    """Up to `size` sidecars over the same project, started on demand.

    A request cancelled while in flight kills its process (Node cannot be
    interrupted mid-computation); the pool starts a fresh one when needed.
    """

    def __init__(self, project: ProjectSpec, size: int):
        self.project = project
        self.size = max(1, size)
        self.idle: list[Sidecar] = []
        self.all: list[Sidecar] = []
        self.slots = asyncio.Semaphore(self.size)
        self.typescript: Path | None = None

    async def _new(self) -> Sidecar:
        if self.typescript is None:
            self.typescript = await asyncio.to_thread(find_typescript, Path(self.project.root))
        sidecar = await Sidecar.start(self.typescript)
        self.all.append(sidecar)
        await sidecar.request(
            "init", {"root": self.project.root, "files": self.project.files, "overlays": self.project.overlays}
        )
        return sidecar

    async def request(self, method: str, params: dict) -> dict:
        async with self.slots:
            sidecar = self.idle.pop() if self.idle else await self._new()
            try:
                result = await sidecar.request(method, params)
            except BaseException as err:
                if isinstance(err, SidecarError) and err.user:
                    self.idle.append(sidecar)
                else:
                    sidecar.kill()
                raise
            self.idle.append(sidecar)
            return result

    async def close(self) -> None:
        await asyncio.gather(*(s.close() for s in self.all), return_exceptions=True)
        self.all.clear()
        self.idle.clear()
