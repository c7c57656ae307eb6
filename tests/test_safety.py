"""Fault injection: kills, failing writes and concurrent edits never lose the user's work."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kimi_lsp.runs import Runs
from kimi_lsp.swarm.store import RunRecord

FILES = 8
RENAME = ["--rename", "src/lib.js#total=sumAll"]


def write_project(root: Path) -> None:
    (root / "src").mkdir(parents=True)
    (root / "src" / "lib.js").write_text("function total(xs) {\n  return xs.reduce((a, b) => a + b, 0);\n}\nmodule.exports = { total };\n")
    lines = []
    for i in range(FILES):
        (root / "src" / f"use{i}.js").write_text(
            f"const {{ total }} = require('./lib');\nexports.use{i} = () => total([{i}, {i}]);\n"
        )
        lines.append(f"console.log(require('./src/use{i}').use{i}());\n")
    (root / "main.js").write_text("".join(lines))


def git_init(root: Path) -> None:
    for args in (["init", "-q"], ["add", "-A"], ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "init"]):
        subprocess.run(["git", *args], cwd=root, check=True)


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file() and ".git" not in p.parts}


def cli(*args: str, env: dict | None = None, check: bool = False) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kimi_lsp", *args], capture_output=True, text=True, env=env, check=check)


@pytest.fixture
def state_env(tmp_path) -> dict:
    return {**os.environ, "XDG_STATE_HOME": str(tmp_path / "state")}


@pytest.fixture
def expected(tmp_path, state_env) -> dict[str, bytes]:
    """What a clean, uninterrupted run produces."""
    root = tmp_path / "reference"
    write_project(root)
    cli("run", "rename", str(root), *RENAME, env=state_env, check=True)
    return snapshot(root)


def assert_each_file_old_or_new(root: Path, before: dict[str, bytes], after: dict[str, bytes]) -> None:
    now = snapshot(root)
    for path in set(before) | set(after):
        assert now.get(path) in (before.get(path), after.get(path)), f"{path} is neither untouched nor fully applied"


def wait_for_delivery(root: Path, state_env: dict, delivery: str, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        runs = json.loads(cli("runs", "--path", str(root), "--json", env=state_env).stdout or "[]")
        for run in runs:
            if run["delivery"] == delivery:
                return run["runId"]
        time.sleep(0.05)
    raise AssertionError(f"no run reached {delivery}")


def test_sigkill_while_applying_leaves_every_file_old_or_new_and_apply_finishes(tmp_path, state_env, expected):
    root = tmp_path / "project"
    write_project(root)
    before = snapshot(root)
    env = {**state_env, "KIMI_LSP_WRITE_DELAY": "0.3"}
    proc = subprocess.Popen([sys.executable, "-m", "kimi_lsp", "run", "rename", str(root), *RENAME], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    run_id = wait_for_delivery(root, state_env, "applying")
    time.sleep(0.7)  # a few of the nine files are written
    proc.send_signal(signal.SIGKILL)
    proc.wait()

    now = snapshot(root)
    assert now != before and now != expected, "the kill should land mid-apply"
    assert_each_file_old_or_new(root, before, expected)
    listing = cli("runs", "--path", str(root), env=state_env).stdout
    assert run_id in listing and "interrupted" in listing

    cli("apply", run_id, "--path", str(root), env=state_env, check=True)
    assert snapshot(root) == expected


@pytest.mark.parametrize("delay", [0.05, 0.4, 1.0])
def test_sigkill_at_any_moment_of_a_git_run_is_recoverable(tmp_path, state_env, expected, delay):
    root = tmp_path / "project"
    write_project(root)
    git_init(root)
    before = snapshot(root)
    proc = subprocess.Popen([sys.executable, "-m", "kimi_lsp", "run", "rename", str(root), *RENAME], env=state_env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert_each_file_old_or_new(root, before, expected)

    for run in json.loads(cli("runs", "--path", str(root), "--json", env=state_env).stdout):
        cli("discard", run["runId"], "--path", str(root), env=state_env, check=True)
    worktrees = subprocess.run(["git", "worktree", "list"], cwd=root, capture_output=True, text=True).stdout
    branches = subprocess.run(["git", "branch", "--list", "kimi/*"], cwd=root, capture_output=True, text=True).stdout
    assert len(worktrees.strip().splitlines()) == 1 and branches.strip() == ""
    assert not list((root / ".git" / "kimi-lsp" / "runs").glob("*")) if (root / ".git" / "kimi-lsp" / "runs").exists() else True


def test_discarding_a_run_killed_while_its_worktree_was_made_removes_the_worktree_and_branch(tmp_path, state_env):
    # the state a SIGKILL during `git worktree add` leaves: the run recorded without its snapshot,
    # and the worktree and branch that git finished making after kimi-lsp died
    root = tmp_path / "project"
    write_project(root)
    git_init(root)
    runs = Runs(root)
    runs.store.save(RunRecord("killed01", "rename", str(runs.root), {}))
    tree = runs.store.run_dir("killed01") / "tree"
    subprocess.run(["git", "worktree", "add", "--quiet", "-b", "kimi/killed01", str(tree), "HEAD"], cwd=root, check=True)
    cli("discard", "killed01", "--path", str(root), env=state_env, check=True)
    worktrees = subprocess.run(["git", "worktree", "list"], cwd=root, capture_output=True, text=True).stdout
    branches = subprocess.run(["git", "branch", "--list", "kimi/*"], cwd=root, capture_output=True, text=True).stdout
    assert len(worktrees.strip().splitlines()) == 1 and branches.strip() == ""
    assert not runs.store.run_dir("killed01").exists()


def test_a_write_failure_partway_restores_every_file(tmp_path, state_env):
    root = tmp_path / "project"
    write_project(root)
    before = snapshot(root)
    result = cli("run", "rename", str(root), *RENAME, "--json", env={**state_env, "KIMI_LSP_FAULT_AFTER_WRITES": "3"})
    report = json.loads(result.stdout)
    assert result.returncode == 1
    assert report["status"] == "failed" and "every file was restored" in report["message"]
    assert snapshot(root) == before


def wait_for_snapshot(state_env: dict, timeout: float = 60) -> None:
    """Block until the run has its snapshot, reading run records directly (fast)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for record in Path(state_env["XDG_STATE_HOME"]).glob("kimi-lsp/*/runs/*/run.json"):
            try:
                run = json.loads(record.read_text())
            except ValueError:
                continue
            assert run["delivery"] == "pending", "the run finished before the test could edit"
            if run["snapshot"]:
                return
        time.sleep(0.01)
    raise AssertionError("the run never took its snapshot")


@pytest.mark.parametrize(
    "edit, delivered",
    [
        (lambda text: text + "// appended by the user\n", True),
        (lambda text: text.replace("function total(xs)", "function totalOf(xs)"), False),
    ],
    ids=["elsewhere-merged", "same-word-withheld"],
)
def test_a_file_changed_on_disk_during_the_run_is_merged_or_withheld(tmp_path, state_env, edit, delivered):
    root = tmp_path / "project"
    write_project(root)
    proc = subprocess.Popen([sys.executable, "-m", "kimi_lsp", "run", "rename", str(root), *RENAME, "--json"],
                            env=state_env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    wait_for_snapshot(state_env)
    lib = root / "src" / "lib.js"
    mine = edit(lib.read_text())
    lib.write_text(mine)
    out, _ = proc.communicate(timeout=120)
    report = json.loads(out)
    if delivered:
        assert report["status"] == "ok", report
        assert lib.read_text() == mine.replace("total", "sumAll")
    else:
        assert report["status"] == "failed" and "you changed text this run also changes" in report["message"]
        assert lib.read_text() == mine
        assert "kimi-lsp apply" in report["message"]


def test_undo_reverts_only_what_the_run_applied(tmp_path, state_env):
    root = tmp_path / "project"
    write_project(root)
    before = snapshot(root)
    report = json.loads(cli("run", "rename", str(root), *RENAME, "--json", env=state_env).stdout)
    use0 = root / "src" / "use0.js"
    use0.write_text(use0.read_text() + "// kept\n")
    (root / "notes.txt").write_text("mine\n")
    cli("undo", report["run_id"], "--path", str(root), env=state_env, check=True)
    now = snapshot(root)
    assert now.pop("notes.txt") == b"mine\n"
    assert now.pop("src/use0.js") == before["src/use0.js"] + b"// kept\n"
    before.pop("src/use0.js")
    assert now == before


def test_read_only_file_refuses_the_whole_apply(tmp_path, state_env):
    if os.geteuid() == 0:
        pytest.skip("root can write read-only files; the check uses os.access")
    root = tmp_path / "project"
    write_project(root)
    (root / "src" / "use3.js").chmod(0o444)
    before = snapshot(root)
    result = cli("run", "rename", str(root), *RENAME, env=state_env)
    assert result.returncode == 1 and "read-only" in result.stderr
    assert snapshot(root) == before


def test_dirty_index_and_detached_head_are_snapshotted_as_they_are(tmp_path, state_env):
    root = tmp_path / "project"
    write_project(root)
    git_init(root)
    subprocess.run(["git", "checkout", "-q", "--detach"], cwd=root, check=True)
    staged = root / "src" / "use1.js"
    staged.write_text(staged.read_text() + "// staged\n")
    subprocess.run(["git", "add", "src/use1.js"], cwd=root, check=True)
    untracked = root / "src" / "extra.js"
    untracked.write_text("const { total } = require('./lib');\nmodule.exports = total;\n")
    result = cli("run", "rename", str(root), *RENAME, "--json", env=state_env)
    report = json.loads(result.stdout)
    assert report["status"] == "ok", report
    assert staged.read_text().endswith("// staged\n") and "sumAll" in staged.read_text()
    assert "sumAll" in untracked.read_text()
    assert shutil.which("git")
    worktrees = subprocess.run(["git", "worktree", "list"], cwd=root, capture_output=True, text=True).stdout
    assert len(worktrees.strip().splitlines()) == 1, "an applied run's worktree is removed"


def test_missing_node_is_a_clear_error_and_nothing_is_written(tmp_path, state_env):
    root = tmp_path / "project"
    write_project(root)
    before = snapshot(root)
    tools = tmp_path / "bin"  # git, but no node
    tools.mkdir()
    (tools / "git").symlink_to(shutil.which("git"))
    result = cli("run", "rename", str(root), *RENAME, "--json", env={**state_env, "PATH": str(tools)})
    report = json.loads(result.stdout)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert report["status"] == "failed"
    assert "Node.js is not on PATH" in report["message"]
    assert snapshot(root) == before


def test_old_finished_runs_are_pruned_when_a_run_starts_but_interrupted_and_branch_runs_are_kept(tmp_path, state_env, monkeypatch):
    from kimi_lsp.runs import KEEP_RUNS, Runs
    from kimi_lsp.swarm.store import RunRecord

    root = tmp_path / "project"
    write_project(root)
    monkeypatch.setenv("XDG_STATE_HOME", state_env["XDG_STATE_HOME"])  # outside git, runs live in the state dir
    store = Runs(root).store
    exited = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    store.save(RunRecord("interrupted", "rename", str(root), {}, created=1.0, pid=int(exited.stdout)))
    store.save(RunRecord("branch", "rename", str(root), {}, created=2.0, status="ok", delivery="branch"))
    for i in range(KEEP_RUNS + 1):
        store.save(RunRecord(f"old{i}", "rename", str(root), {}, created=10.0 + i, status="ok", delivery="applied"))
    report = json.loads(cli("run", "rename", str(root), *RENAME, "--json", env=state_env).stdout)
    kept = {r.id for r in store.list()}
    assert "old0" not in kept
    assert {"interrupted", "branch", "old1", f"old{KEEP_RUNS}", report["run_id"]} <= kept
    assert len(kept) == KEEP_RUNS + 3


def test_a_crash_while_a_run_folder_is_made_leaves_no_unlisted_run_and_its_leftover_is_swept(tmp_path, monkeypatch):
    from kimi_lsp.swarm import store as store_module

    root = tmp_path / "project"
    write_project(root)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    runs = Runs(root)

    def crash(*args, **kwargs):
        raise KeyboardInterrupt  # the process dies while the first record is being written

    monkeypatch.setattr(store_module.json, "dump", crash)
    with pytest.raises(KeyboardInterrupt):
        runs.store.create(RunRecord("abc123", "rename", str(root), {}))
    monkeypatch.undo()
    assert not runs.store.run_dir("abc123").exists() and runs.store.count() == 0
    (leftover,) = runs.store.dir.iterdir()
    fresh = runs.store.dir / f"{store_module.STAGING_PREFIX}def456.x"
    fresh.mkdir()  # another process creating its run right now
    an_hour_ago = time.time() - 3600
    os.utime(leftover, (an_hour_ago, an_hour_ago))
    runs.prune()
    assert sorted(runs.store.dir.iterdir()) == [fresh]
