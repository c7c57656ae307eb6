"""The optional model pass of js-to-ts: fix residual type errors and type `any`s before suppressing.

With `model`, the files that still have tsc errors or `any` types after typing
go to model agents, a few files each; one agent gets both lists for its files
(the exact errors, and each `any` found by TypeScript's parser), since a
precise type often fixes an error too. An agent edits a private copy; its edits
are kept only when the sidecar counts no more residual errors on the whole
program than before, it added no suppression comment and its files have no
more `any`s. Whatever is left is suppressed by the gate as without a model.
"""

from __future__ import annotations

import asyncio
import re
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

from kimi_lsp.agents.tools import AgentFiles, CheckReport
from kimi_lsp.config import ModelSettings
from kimi_lsp.swarm.changeset import Changeset, FileMove, edits_between
from kimi_lsp.swarm.scheduler import GroupError
from kimi_lsp.swarm.verify import TSC_ERROR_LINE, materialize, run_tsc
from kimi_lsp.swarm.workspace import Workspace
from kimi_lsp.ts.client import tsc_command

if TYPE_CHECKING:
    from kimi_lsp.refactors.js_to_ts.session import JsToTsSession

FILES_PER_AGENT = 3
SUPPRESSION = re.compile(r"@ts-(?:expect-error|ignore|nocheck)")

ErrorCounter = Callable[[dict[str, str]], Awaitable[int]]  # residual errors of the program with these texts


async def fix_with_model(
    session: JsToTsSession, moved: dict[str, str], texts: dict[str, str], count_errors: ErrorCounter
) -> tuple[dict[str, str], int, int]:
    """The migrated texts with the model's accepted edits, the errors they removed and the `any`s they replaced."""
    errors = await _tsc_errors(session, moved, texts)
    anys = await any_sites(session, texts)
    files = sorted(set(errors) | {path for path, sites in anys.items() if sites})
    if not files:
        return texts, 0, 0
    before = await count_errors(texts)
    chunks = [files[i : i + FILES_PER_AGENT] for i in range(0, len(files), FILES_PER_AGENT)]
    fixes = await asyncio.gather(
        *(_fix_chunk(session, number, chunk, texts, errors, anys, before, count_errors) for number, chunk in enumerate(chunks, 1))
    )
    merged = dict(texts)
    for fixed in fixes:
        merged |= fixed
    if merged == texts:
        return texts, 0, 0
    after = await count_errors(merged)
    if after > before:  # each agent's edits helped alone but not together: keep none
        return texts, 0, 0
    typed = _count(anys) - _count(await any_sites(session, merged))  # never negative: no agent's files gained one
    return merged, before - after, typed


def spec(files: list[str], errors: dict[str, list[str]], anys: dict[str, list[str]], settings: ModelSettings) -> str:
    """An agent's instruction: the files, their exact errors and `any`s, the rules; deterministic, so recordings replay."""
    lines = [
        "# Fix TypeScript errors and `any` types in files just migrated from JavaScript",
        "",
        "Fix the type errors below with real types. Do not use `any` unless it is unavoidable.",
        "Replace each `any` below with a precise type where the code makes one clear; leave it where none is.",
        "Do not add @ts-ignore, @ts-expect-error or @ts-nocheck comments. Do not change behaviour.",
        "Change only the files below.",
        "",
        "Files you may change:",
    ]
    lines += [f"- MODIFY {path}" for path in files]
    listed_errors = [error for path in files for error in errors.get(path, [])]
    if listed_errors:
        lines += ["", "Errors (file:line:col code message):", *listed_errors]
    listed_anys = [site for path in files for site in anys.get(path, [])]
    if listed_anys:
        lines += ["", "`any` types (file:line:col and the line):", *listed_anys]
    lines += [
        "",
        "Verification (run_check runs exactly this): the residual type errors of the whole program must not increase,",
        "and the `any` types in your files must not increase.",
        f"Budgets: at most {settings.max_steps} steps and {settings.max_tokens} tokens.",
    ]
    return "\n".join(lines) + "\n"


async def any_sites(session: JsToTsSession, texts: dict[str, str]) -> dict[str, list[str]]:
    """Each `any` keyword of the texts, found by TypeScript's parser, as `file:line:col any in: <line>`, by file."""
    reply = await session.ts_request("anySites", {"texts": texts})
    return {
        path: [f"{path}:{site['line']}:{site['column']} any in: {site['text']}" for site in sites]
        for path, sites in reply["sites"].items()
    }


def _count(anys: dict[str, list[str]]) -> int:
    return sum(len(sites) for sites in anys.values())


async def _fix_chunk(
    session: JsToTsSession,
    number: int,
    files: list[str],
    texts: dict[str, str],
    errors: dict[str, list[str]],
    anys: dict[str, list[str]],
    before: int,
    count_errors: ErrorCounter,
) -> dict[str, str]:
    """One agent's final texts for its files, or nothing when they are not an improvement."""
    from kimi_lsp.agents.model import Counters, run_agent  # the openai package loads only when a model is used

    ws = Workspace(session.ws.root, {**session.ws.overlays, **texts})
    agent_files = AgentFiles(ws, files)

    async def check(changeset: Changeset) -> CheckReport:
        proposed = {path: changeset.new_text(path, texts[path]) for path in changeset.changes}
        added = [p for p, text in proposed.items() if len(SUPPRESSION.findall(text)) > len(SUPPRESSION.findall(texts[p]))]
        if added:
            return CheckReport(False, f"suppression comments are not allowed; fix the types instead ({', '.join(added)})")
        anys_before = sum(len(anys[path]) for path in proposed)
        anys_after = _count(await any_sites(session, proposed))
        if anys_after > anys_before:
            return CheckReport(False, f"your edits increase the `any` types in your files from {anys_before} to {anys_after}")
        after = await count_errors(texts | proposed)
        if after > before:
            return CheckReport(False, f"your edits increase the type errors from {before} to {after}")
        return CheckReport(
            True, f"type errors: {before} before your edits, {after} after; `any` types in your files: {anys_before} before, {anys_after} after"
        )

    assert session.settings
    try:
        await run_agent(
            session.model_client(), spec(files, errors, anys, session.settings), agent_files, check, Counters(f"types{number}", number), session.sink
        )
    except GroupError:
        return {}
    return {path: text for path, text in agent_files.written.items() if path in files}


async def _tsc_errors(session: JsToTsSession, moved: dict[str, str], texts: dict[str, str]) -> dict[str, list[str]]:
    """The migrated files' tsc errors as `file:line:col TSxxxx message`, by file."""
    from kimi_lsp.refactors.js_to_ts.gate import add_config_changes, verify_config

    ws = session.ws
    trial = Changeset()
    for old, new in moved.items():
        trial.add_edits(old, ws.hash(old), edits_between(ws.read(old), texts[new]))
        trial.add_move(FileMove(old, new))
    add_config_changes(session, trial, moved)
    with tempfile.TemporaryDirectory(prefix="kimi-ts-model-") as snapshot_dir:
        snapshot = Path(snapshot_dir)
        await asyncio.to_thread(materialize, ws, trial, snapshot)
        lines = await run_tsc(tsc_command(ws.root), snapshot, verify_config(ws.root, snapshot))
    errors: dict[str, list[str]] = {}
    for line in lines:
        match = TSC_ERROR_LINE.match(line.strip())
        if match and match["path"] in texts:
            errors.setdefault(match["path"], []).append(
                f"{match['path']}:{match['line']}:{match['col']} {match['code']} {match['message']}"
            )
    return errors
