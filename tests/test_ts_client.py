"""How kimi-lsp runs TypeScript: V8 code caches for the sidecar and tsc, and typescript@7's native tsc."""

from __future__ import annotations

from pathlib import Path

from kimi_lsp.swarm.verify import run_tsc
from kimi_lsp.ts import client


async def started_and_closed(root: Path) -> dict:
    sidecar = await client.Sidecar.start(client.find_typescript(root))
    reply = await sidecar.request("init", {"root": str(root), "files": []})
    await sidecar.close()
    return reply


async def test_the_first_sidecar_writes_a_code_cache_that_later_ones_start_from(tmp_path, monkeypatch):
    cache = tmp_path / "v8"
    monkeypatch.setattr(client, "CODE_CACHE", cache)
    assert (await started_and_closed(tmp_path))["typescript"]
    [written] = cache.iterdir()
    first = written.stat().st_mtime_ns, written.read_bytes()
    await started_and_closed(tmp_path)
    assert (written.stat().st_mtime_ns, written.read_bytes()) == first  # accepted as it was, not written again
    written.write_bytes(b"not a code cache")
    assert (await started_and_closed(tmp_path))["typescript"]  # V8 rejects it and compiles
    assert written.read_bytes() != b"not a code cache"  # and a fresh cache replaces it
    assert [p.name for p in cache.iterdir()] == [written.name]  # no partial files left


async def test_typescript_7s_tsc_runs_as_its_native_binary(tmp_path):
    command = client.native_tsc_command(tmp_path)
    assert command and len(command) == 1 and "typescript-" in command[0]  # no Node start-up before it
    (tmp_path / "tsconfig.json").write_text('{"compilerOptions": {"strict": true}, "files": ["a.ts"]}\n')
    (tmp_path / "a.ts").write_text("export const n: number = 'one';\n")
    [error] = await run_tsc(command, tmp_path, "tsconfig.json")
    assert error.startswith("a.ts(1,14): error TS2322")


async def test_tsc_reports_the_same_errors_with_its_code_cache(tmp_path, monkeypatch):
    cache = tmp_path / "v8"
    monkeypatch.setattr(client, "CODE_CACHE", cache)
    project = tmp_path / "project"
    project.mkdir()
    (project / "tsconfig.json").write_text('{"compilerOptions": {"strict": true}, "files": ["a.ts"]}\n')
    (project / "a.ts").write_text("export const n: number = 'one';\n")
    first = await run_tsc(client.tsc_command(project), project, "tsconfig.json")
    [written] = cache.iterdir()
    assert written.name.startswith("_tsc-") or written.name.startswith("tsc-")
    assert await run_tsc(client.tsc_command(project), project, "tsconfig.json") == first
    assert len(first) == 1 and first[0].startswith("a.ts(1,14): error TS2322")
