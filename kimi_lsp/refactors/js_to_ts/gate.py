"""The migration's gate: zero type errors, proven by tsc, and the project's own command.

With `model`, residual errors first go to model agents (model_fixes.py).
Errors still left get a targeted `// @ts-expect-error -- TS<code>: <message>` on
the line above them (computed in the sidecar on the whole program); then the
result is materialized in a temporary directory and checked with a real
`tsc --noEmit`: typescript@7's native tsc when it is there, whose zero stands
(a line it judges unlike the TypeScript that placed the suppressions takes
`@ts-ignore`, which satisfies both), else the TypeScript 5 tsc. Errors the
project already had in files the migration does not change are its own, and
counted apart (Preexisting). With `--verify CMD`, the command runs on a
snapshot of the original and on the migrated snapshot compiled back to
JavaScript; a command that passed before and fails after fails the run.
"""

from __future__ import annotations

import asyncio
import json
import shlex
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from kimi_lsp.refactors.js_to_ts.model_fixes import fix_with_model
from kimi_lsp.refactors.js_to_ts.project import kimi_type_roots, package_changes
from kimi_lsp.refactors.js_to_ts.reconcile import DROPPED_FROM_OUTPUT, reconcile
from kimi_lsp.errors import UserError
from kimi_lsp.swarm.changeset import Changeset, edits_between
from kimi_lsp.swarm.scheduler import TransientError
from kimi_lsp.swarm.verify import TSC_ERROR_LINE, Verification, materialize, native_tsc_errors, run_tsc
from kimi_lsp.ts.client import native_tsc_command, tsc_command

if TYPE_CHECKING:
    from kimi_lsp.refactors.js_to_ts.session import JsToTsSession
    from kimi_lsp.swarm.workspace import Workspace

VERIFY_CONFIG = "tsconfig.kimi-verify.json"
RECONCILE_ROUNDS = 2  # tsc-driven fix-ups of the suppressions, each followed by another tsc
COMMAND_TIMEOUT = 600


class GateError(UserError):
    """The gate itself could not run; nothing is applied."""


@dataclass
class MigrationVerification(Verification):
    """A migration passes only with zero type errors and a project command that still passes."""

    command_broken: bool = False

    @property
    def passed(self) -> bool:
        return self.errors_after == 0 and not self.command_broken

    def failure(self) -> str:
        if self.errors_after:
            message = f"the migrated code still has {self.errors_after} type error(s) (first: {self.new_errors[0]})"
            if any(f"error {code}:" in line for line in self.new_errors for code in DROPPED_FROM_OUTPUT):
                message += (
                    "; the tsconfig's `module` compiles to ES modules, which cannot hold CommonJS's"
                    " `import = require` or `export =`: keep those files JavaScript (--files), or set `module` to nodenext"
                )
            return message
        return self.new_errors[0]  # the project command's own line: passed before, fails after


async def finish_and_verify(session: JsToTsSession, changeset: Changeset) -> Verification:
    ws = session.ws
    moved = {m.old: m.new for m in changeset.moves}
    texts = {new: changeset.new_text(old, ws.read(old)) for old, new in moved.items()}
    model_fixed = model_typed = 0
    if session.settings:
        texts, model_fixed, model_typed = await fix_with_model(session, moved, texts, partial(_error_count, session, moved=moved))
    residual = await _residual(session, texts, moved)
    finals = {new: residual["texts"].get(ws.absolute(new), texts[new]) for new in moved.values()}
    for old, new in moved.items():
        changeset.changes[old].edits = edits_between(ws.read(old), finals[new])
    add_config_changes(session, changeset, moved)
    if residual.get("declarations"):
        changeset.creates[residual["declarations"]["path"]] = residual["declarations"]["text"]
    changeset.creates |= session.declarations

    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="kimi-ts-after-") as after_dir:
        after = Path(after_dir)
        await asyncio.to_thread(materialize, ws, changeset, after)
        config = verify_config(ws.root, after)
        tsc, native = tsc_command(ws.root), native_tsc_command(ws.root)
        written = not session.tsconfig_existed  # a tsconfig of ours, which sets `strict`
        suppressions = residual["suppressions"]
        errors = None  # typescript@7 answers first; its verdict stands when it finds nothing
        if native:
            check = partial(native_tsc_errors, native, after, config, sets_strict=written)
            errors = await check()
            settled = errors and reconcile(finals, errors, str(after), for_both=True)
            if settled:  # lines the two TypeScripts judge differently: `@ts-ignore` there satisfies both
                _write(changeset, ws, after, moved, settled.texts, settled.changed)
                errors = await check()
                if errors:
                    _write(changeset, ws, after, moved, finals, settled.changed)
                else:
                    finals, suppressions = settled.texts, suppressions + settled.added
        checker = "tsc (typescript@7)" if errors == [] else "tsc"
        if errors != []:  # tsc, the TypeScript the migration typed with, judges
            errors = await run_tsc(tsc, after, config)
        preexisting = Preexisting(session, changeset, partial(run_tsc, tsc))
        errors = await preexisting.without(errors)
        for _ in range(RECONCILE_ROUNDS):
            reconciled = errors and reconcile(finals, errors, str(after))
            if not reconciled:
                break
            finals, suppressions = reconciled.texts, suppressions + reconciled.added - reconciled.removed
            _write(changeset, ws, after, moved, finals, reconciled.changed)
            errors = await preexisting.without(await run_tsc(tsc, after, config))
        tsc_seconds = time.monotonic() - started
        broken, command_lines = False, []
        if session.request.verify and not errors:
            broken, command_lines = await _project_command(session, after, config)
    command = session._verify_command(checker)
    if preexisting.count:
        command += f"; {preexisting.count} error(s) the project already had in files the migration does not change are left as they were"
    verification = MigrationVerification(
        command,
        residual["errorsBefore"] + model_fixed,
        len(errors),
        time.monotonic() - started,
        (errors + command_lines)[:20],
        command_broken=broken,
    )
    verification.extra = {
        "files_converted": len(moved),
        "any_count": residual["anyCount"] + sum(text.split("\n", 1)[1].count(": any") for text in session.declarations.values()),
        "unknown_count": residual["unknownCount"],
        "suppressions": suppressions,
        "errors_before": residual["errorsBefore"] + model_fixed,  # before the model's fixes, if any
        "errors_after": len(errors),
        "tsc_seconds": round(tsc_seconds, 3),
        "errors_preexisting": preexisting.count,
    }
    if session.settings:
        verification.extra["model_fixed"] = model_fixed
        verification.extra["model_typed"] = model_typed  # `any`s the model replaced
    return verification


class Preexisting:
    """Errors in files the migration does not change that the project had before it.

    A project's own TypeScript (type tests written for tsd, say) may not
    type-check under the tsconfig the migration writes; those errors are
    the project's, not the migration's. The original project is checked
    once, with the same tsconfig and checker, only when the result has
    errors outside the migrated files; errors there that it had before are
    left out of the count, and counted apart.
    """

    def __init__(self, session: JsToTsSession, changeset: Changeset, check):
        self.session = session
        self.migrated = {m.new for m in changeset.moves} | set(changeset.creates) | set(changeset.changes)
        self.check = check  # (cwd, config) -> error lines
        self.known: Counter | None = None
        self.count = 0

    async def without(self, errors: list[str]) -> list[str]:
        ours, outside = [], []
        for line in errors:  # an error without a file is the config's, so the migration's
            path, place = self._parse(line)
            (ours if path is None or path in self.migrated else outside).append((line, place))
        self.count = 0
        if not outside:
            return errors
        if self.known is None:
            self.known = await self._before()
        known = Counter(self.known)
        fresh = []
        for line, place in outside:  # by place and code: the files are unchanged, and a message may list a union in another order
            if known[place]:
                known[place] -= 1
            else:
                fresh.append(line)
        self.count = len(outside) - len(fresh)
        return [line for line, _ in ours] + fresh

    @staticmethod
    def _parse(line: str) -> tuple[str | None, str]:
        """A tsc error line's file, and its place and code (the line itself where it names no file)."""
        match = TSC_ERROR_LINE.match(line.strip())
        if not match:
            return None, line
        return match["path"], f"{match['path']}({match['line']},{match['col']}) {match['code']}"

    async def _before(self) -> Counter:
        ws = self.session.ws
        with tempfile.TemporaryDirectory(prefix="kimi-ts-before-") as before_dir:
            before = Path(before_dir)
            await asyncio.to_thread(materialize, ws, None, before)
            (before / "tsconfig.json").write_text(self.session.tsconfig, encoding="utf-8")
            return Counter(self._parse(line)[1] for line in await self.check(before, verify_config(ws.root, before)))


async def _error_count(session: JsToTsSession, texts: dict[str, str], moved: dict[str, str]) -> int:
    return (await _residual(session, texts, moved))["errorsBefore"]


async def _residual(session: JsToTsSession, texts: dict[str, str], moved: dict[str, str]) -> dict:
    """The sidecar's residual pass on the program with `texts`: suppressed texts and error counts."""
    params = session.program_params(texts)
    params["targets"] = [session.ws.absolute(new) for new in moved.values()]
    try:
        return await session.ts_request("jsToTsResidual", params)
    except TransientError as err:  # no retry at the gate: report it
        raise GateError(str(err)) from None


def _write(changeset: Changeset, ws: Workspace, after: Path, moved: dict[str, str], texts: dict[str, str], changed: set[str]) -> None:
    """`texts` of the `changed` files into the changeset and the snapshot being checked."""
    for old, new in moved.items():
        if new in changed:
            changeset.changes[old].edits = edits_between(ws.read(old), texts[new])
            (after / new).write_text(texts[new], encoding="utf-8")


def add_config_changes(session: JsToTsSession, changeset: Changeset, moved: dict[str, str]) -> None:
    ws = session.ws
    if session.tsconfig_existed:
        edits = edits_between(ws.read("tsconfig.json"), session.tsconfig)
        if edits:
            changeset.changes.pop("tsconfig.json", None)
            changeset.add_edits("tsconfig.json", ws.hash("tsconfig.json"), edits)
    else:
        changeset.creates["tsconfig.json"] = session.tsconfig
    if ws.exists("package.json"):
        report = package_changes(ws.read("package.json"), moved, session.facts, session.request.update_package)
        if report.updated_text:
            changeset.changes.pop("package.json", None)
            changeset.add_edits("package.json", ws.hash("package.json"), edits_between(ws.read("package.json"), report.updated_text))


def verify_config(root: Path, snapshot: Path) -> str:
    """tsconfig.json, or a config extending it that adds kimi-lsp's @types/node when the project lacks one."""
    type_roots = kimi_type_roots(root)
    if not type_roots:
        return "tsconfig.json"
    roots = [str(snapshot / "node_modules" / "@types"), type_roots[1]]
    config = {"extends": "./tsconfig.json", "compilerOptions": {"typeRoots": roots}}
    (snapshot / VERIFY_CONFIG).write_text(json.dumps(config), encoding="utf-8")
    return VERIFY_CONFIG


async def _shell(command: str, cwd: Path) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_shell(
        command, cwd=cwd, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), COMMAND_TIMEOUT)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        return -1, f"timed out after {COMMAND_TIMEOUT}s"
    return proc.returncode or 0, out.decode("utf-8", "replace")


async def _project_command(session: JsToTsSession, after: Path, config: str) -> tuple[bool, list[str]]:
    """Run the command on the original and on the migrated code compiled back; True when it broke."""
    ws = session.ws
    command = session.request.verify
    assert command
    with tempfile.TemporaryDirectory(prefix="kimi-ts-before-") as before_dir:
        before = Path(before_dir)
        await asyncio.to_thread(materialize, ws, None, before)
        tsc = shlex.join(tsc_command(ws.root))
        compile_back = f"{tsc} -p {config} --noEmit false --allowJs false > /dev/null; true"
        (before_code, _), (_, _) = await asyncio.gather(_shell(command, before), _shell(compile_back, after))
        after_code, after_output = await _shell(command, after)
    if before_code != 0:
        return False, [f"`{command}` already failed before the migration (exit {before_code}); not used as a gate"]
    if after_code != 0:
        tail = after_output.strip().splitlines()[-10:]
        return True, [f"`{command}` passed before the migration and fails after it (exit {after_code})", *tail]
    return False, []
