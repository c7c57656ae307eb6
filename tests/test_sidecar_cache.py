"""The sidecar keeps V8's compiled TypeScript as a code cache between starts."""

from __future__ import annotations

from pathlib import Path

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
