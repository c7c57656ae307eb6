"""One JavaScript -> TypeScript migration run over one workspace.

Planning prepares every file on the JavaScript program at once (parse check,
JSX detection, CommonJS -> ES module syntax), so every group sees the same
converted program. Groups then rename their files and type them with
TypeScript's codefixes, each on a sidecar holding the whole renamed program;
a group sees the typed output of the groups it comes after. The gate adds a
targeted `@ts-expect-error` on each line that still has an error (with
`model`, after model agents tried to fix it) and proves the result with a
real `tsc --noEmit`.
"""

from __future__ import annotations

import asyncio
import fnmatch
import os
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kimi_lsp.config import ModelSettings, load_settings
from kimi_lsp.refactors.js_to_ts import gate
from kimi_lsp.refactors.js_to_ts.planning import plan_groups, to_groups
from kimi_lsp.refactors.js_to_ts.project import (
    ProjectFacts,
    amended_tsconfig,
    declaration_path,
    kimi_type_roots,
    new_path,
    new_tsconfig,
    package_changes,
    read_package,
    untyped_declaration,
)
from kimi_lsp.refactors.js_to_ts.request import NAME, MigrationRequest, RequestError
from kimi_lsp.refactors.typescript import WorkspaceSidecars
from kimi_lsp.swarm.changeset import Changeset, FileMove, edits_between
from kimi_lsp.swarm.events import EventSink
from kimi_lsp.swarm.plan import Group, Plan
from kimi_lsp.swarm.scheduler import GroupResult
from kimi_lsp.swarm.verify import JS_TS_SUFFIXES, Verification
from kimi_lsp.swarm.workspace import Workspace

if TYPE_CHECKING:
    from kimi_lsp.agents.model import ModelClient

JS_SUFFIXES = (".js", ".jsx", ".mjs", ".cjs")
# Each sidecar loads the whole program before it types its group, and on two
# shared cores a second program costs more than it saves below this many files
# (bench/migration: one sidecar was faster on every package up to mocha's 55).
FILES_PER_SIDECAR = 100
# Tools load these by their .js name; renaming them would break the tool, not type it.
TOOL_CONFIG = ("*.config.js", "*.config.cjs", "*.config.mjs", ".*rc.js", ".*rc.cjs", "gulpfile.js", "Gruntfile.js")


@dataclass
class Prepared:
    """A file after the JavaScript-program steps, before typing."""

    old: str
    new: str
    text: str  # the converted source, to be written at `new`
    module: str  # how its CommonJS syntax was converted ("" for ES modules), shown in the plan


class JsToTsSession:
    def __init__(self, request: MigrationRequest, ws: Workspace, agents: int):
        self.request = request
        self.ws = ws
        self.agents = agents
        self.key = secrets.token_hex(6)
        self.sidecars = WorkspaceSidecars(ws, min(agents, os.cpu_count() or 1))
        self.prepared: dict[str, Prepared] = {}
        self.typed: dict[str, str] = {}  # new path -> text from finished groups
        self.skipped: dict[str, str] = {}
        self.declarations: dict[str, str] = {}  # path -> text: kept JavaScript files' untyped declarations
        self.facts = ProjectFacts()
        self.package = read_package(ws.read("package.json") if ws.exists("package.json") else None)
        self.tsconfig_existed = ws.exists("tsconfig.json")
        self.tsconfig = ""
        self.settings: ModelSettings | None = None  # set when residual errors go to a model first
        if request.model:
            self.settings = load_settings(ws.root, request.settings)
            self.settings.require_key()
        self.client: ModelClient | None = None
        self.sink: EventSink = lambda event: None

    def observe(self, sink: EventSink) -> None:
        self.sink = sink

    def model_client(self) -> ModelClient:
        from kimi_lsp.agents.model import ModelClient  # the openai package loads only when a model is used

        if self.client is None:
            assert self.settings
            self.client = ModelClient.for_run(self.settings, self.agents)
        return self.client

    # ------------------------------------------------------------ selection

    def _selected(self) -> list[str]:
        """The JavaScript files the request names; tool configs are reported, not renamed."""
        candidates = self.ws.source_files(JS_SUFFIXES)
        if self.request.folder:
            folder = self.ws.relative(self.request.folder).rstrip("/")
            if folder not in ("", ".") and not (self.ws.root / folder).is_dir():
                raise RequestError(f"folder {self.request.folder} does not exist")
            if folder not in ("", "."):
                candidates = [f for f in candidates if f.startswith(folder + "/")]
        if self.request.files:
            patterns = [self.ws.relative(p) for p in self.request.files]
            candidates = [f for f in candidates if any(f == p or fnmatch.fnmatch(f, p) for p in patterns)]
        selected = []
        for rel in candidates:
            name = rel.rsplit("/", 1)[-1]
            declared = declaration_path(rel)
            if any(fnmatch.fnmatch(name, pattern) for pattern in TOOL_CONFIG):
                self.skipped[rel] = "a tool's configuration file, loaded by its .js name"
            elif self.ws.exists(declared):
                # TypeScript reads a.ts before a.d.ts: the declarations its users see would go unused
                self.skipped[rel] = f"kept as JavaScript: {declared.rsplit('/', 1)[-1]} declares its types by hand"
            else:
                selected.append(rel)
        if not selected:
            raise RequestError("no JavaScript files to convert (.js, .jsx, .mjs, .cjs) in the selection")
        return selected

    def validate(self) -> None:
        """Cheap checks so an editor hears about an empty selection before a run starts."""
        self._selected()

    # ------------------------------------------------------------ planning

    async def plan(self) -> Plan:
        selected = self._selected()
        workers = min(self.agents, os.cpu_count() or 1, -(-len(selected) // FILES_PER_SIDECAR))
        warm_up = asyncio.ensure_future(self._warm_up(workers))
        result = await self.ts_request(
            "jsToTsPrepare",
            {
                "root": str(self.ws.root),
                "files": [self.ws.absolute(f) for f in self.ws.source_files(JS_TS_SUFFIXES)],
                "migrate": [self.ws.absolute(f) for f in selected],
                "convertCommonJs": True,
                # the project's own tsconfig, whose `module` decides what CommonJS can become
                "tsconfig": self.ws.read("tsconfig.json") if self.tsconfig_existed else None,
            },
        )
        await warm_up
        esm_package = self.package.get("type") == "module"
        untyped: dict[str, tuple[str, list[str]]] = {}  # JavaScript out of the TypeScript program -> (why, its export names)
        for path, info in result.get("unparsed", {}).items():  # not selected, and does not parse
            untyped[self.ws.relative(path)] = (info["skipped"], info["exports"])
        for rel in selected:
            info = result["files"].get(self.ws.absolute(rel))
            if info is None:
                self.skipped[rel] = "not part of the JavaScript program"
                continue
            if "skipped" in info:
                self.skipped[rel] = info["skipped"]
                if info.get("unparseable"):
                    untyped[rel] = (info["skipped"], info["exports"])
                continue
            target = new_path(rel, info["jsx"])
            if self.ws.exists(target):
                self.skipped[rel] = f"{target} already exists"
                continue
            self.prepared[rel] = Prepared(rel, target, info["text"], info.get("module", ""))
            self.facts.jsx |= target.endswith(".tsx")
            self.facts.node_builtins |= info["usesNode"]
            is_esm = rel.endswith(".mjs") or (esm_package and not rel.endswith(".cjs")) or not info["commonJs"]
            self.facts.bundler_specifiers |= is_esm and info["extensionless"] and not rel.endswith(".mjs") and not esm_package
            self.facts.commonjs_modules |= not is_esm
        self.facts.unparseable = sorted(untyped)
        self.facts.partial = any(f not in self.prepared for f in self.ws.source_files(JS_SUFFIXES))
        self.facts.has_node_types = kimi_type_roots(self.ws.root) is None
        renames = {p.old: p.new for p in self.prepared.values()}
        self.tsconfig = (
            amended_tsconfig(self.ws.read("tsconfig.json"), self.facts, renames)
            if self.tsconfig_existed
            else new_tsconfig(self.package, self.facts)
        )
        graph = self.sidecars.relative_graph(result["graph"])
        imported = {dep for deps in graph.values() for dep in deps}
        for rel, (reason, names) in untyped.items():
            declared = untyped_declaration(rel, reason, names, esm_package) if rel in imported else None
            if declared and not self.ws.exists(declared[0]):
                self.declarations[declared[0]] = declared[1]
        modules = {p.old: p.module for p in self.prepared.values()}
        groups = to_groups(plan_groups(sorted(renames), graph, workers), renames, modules)
        plan = Plan(NAME, str(self.ws.root), groups, self._verify_command())
        plan.notes += self._notes(renames)
        return plan

    def _notes(self, renames: dict[str, str]) -> list[str]:
        notes = [("AMEND" if self.tsconfig_existed else "CREATE") + " tsconfig.json"]
        notes += [f"CREATE {path}: declares a kept JavaScript file untyped for the modules importing it" for path in self.declarations]
        if self.settings:
            notes.append("model pass: model agents fix the remaining type errors before any @ts-expect-error is added, and replace anys where a precise type is clear")
        if self.ws.exists("package.json"):
            report = package_changes(self.ws.read("package.json"), renames, self.facts, self.request.update_package)
            notes += [f"package.json {entry}" for entry in report.needs_build]
            if report.updated_text:
                notes.append("MODIFY package.json: build script and devDependencies")
        if self.facts.node_builtins and not self.facts.has_node_types:
            notes.append("the code uses Node builtins: install @types/node (npm i -D @types/node)")
        notes += [f"SKIP {path}: {reason}" for path, reason in sorted(self.skipped.items())]
        return notes

    def _verify_command(self, checker: str = "tsc") -> str:
        command = f"{checker} --noEmit -p tsconfig.json (zero errors)"
        return f"{command} && {self.request.verify}" if self.request.verify else command

    async def _warm_up(self, workers: int) -> None:
        """Start the other sidecars while the first one prepares, so the first wave does not wait for them."""
        await asyncio.gather(*(self.ts_request("syntaxErrors", {"texts": {}}) for _ in range(workers - 1)))

    # ------------------------------------------------------------ workers

    async def ts_request(self, method: str, params: dict) -> dict:
        return await self.sidecars.request(method, params)

    def program_params(self, texts: dict[str, str]) -> dict:
        """The renamed TypeScript program: every prepared file at its new path, the rest as they are."""
        moved = set(self.prepared)
        rest = [f for f in self.ws.source_files(JS_TS_SUFFIXES) if f not in moved]
        overlays = {self.ws.absolute(p.new): texts.get(p.new, p.text) for p in self.prepared.values()}
        overlays |= {self.ws.absolute(p): t for p, t in self.ws.overlays.items() if p not in moved}
        overlays |= {self.ws.absolute(p): t for p, t in self.declarations.items()}
        return {
            "key": self.key,
            "root": str(self.ws.root),
            "files": sorted(overlays) + [self.ws.absolute(f) for f in rest if self.ws.absolute(f) not in overlays],
            "overlays": overlays,
            "tsconfig": self.tsconfig,
            "typeRoots": kimi_type_roots(self.ws.root),
        }

    async def run_group(self, group: Group, agent: int) -> GroupResult:
        files: list[str] = group.task
        params = self.program_params(self.typed)
        params["targets"] = [self.ws.absolute(self.prepared[f].new) for f in files]
        result = await self.ts_request("jsToTsTypes", params)
        changeset = Changeset()
        for rel in files:
            prepared = self.prepared[rel]
            text = result["texts"].get(self.ws.absolute(prepared.new), prepared.text)
            self.typed[prepared.new] = text
            original = self.ws.read(rel)
            changeset.add_edits(rel, self.ws.hash(rel), edits_between(original, text))
            changeset.add_move(FileMove(rel, prepared.new))
        return GroupResult(changeset, skipped=dict(self.skipped))

    # ------------------------------------------------------------ gate

    async def verify(self, changeset: Changeset) -> Verification:
        """Suppress what is left, prove zero errors with tsc, run the project's command.

        The suppressions and the tsconfig/package.json changes are added to
        the changeset being verified, so what is delivered is what was checked.
        """
        return await gate.finish_and_verify(self, changeset)

    async def close(self) -> None:
        if self.client:
            await self.client.close()
        await self.sidecars.close()
