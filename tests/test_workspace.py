"""The workspace: which files a run sees, which paths it may touch, what it can read."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from kimi_lsp.swarm.workspace import MAX_FILE_BYTES, Workspace, WorkspaceError
from tests.projects import write_project

TREE = {
    ".gitignore": "*.log\n!keep.log\nbuild/\n/top.txt\ndocs/*.md\n**/gen/**\ncache\n[ab].tmp\nnote?.txt\n",
    "a.js": "",
    "debug.log": "",
    "keep.log": "",
    "top.txt": "",
    "sub/top.txt": "",
    "build/out.js": "",
    "src/build/x.js": "",
    "src/build.js": "",
    "docs/a.md": "",
    "docs/deep/b.md": "",
    "src/gen/x.js": "",
    "src/gen/y/z.js": "",
    "cache/c.js": "",
    "src/cache": "",
    "a.tmp": "",
    "c.tmp": "",
    "note1.txt": "",
    "note10.txt": "",
    "src/.gitignore": "local.js\n/only-here.js\n!debug.log\n",
    "src/local.js": "",
    "src/only-here.js": "",
    "src/deep/only-here.js": "",
    "src/deep/local.js": "",
    "src/debug.log": "",
    "node_modules/m/index.js": "",
    ".venv/lib/x.py": "",
    "lib/x.log": "",
    "a dir/spaced name.js": "",
}
# What `git ls-files --others --exclude-standard` lists for TREE.
VISIBLE = [
    ".gitignore",
    "a dir/spaced name.js",
    "a.js",
    "c.tmp",
    "docs/deep/b.md",
    "keep.log",
    "note10.txt",
    "src/.gitignore",
    "src/build.js",
    "src/debug.log",
    "src/deep/only-here.js",
    "sub/top.txt",
]


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


def test_listing_outside_git_honours_gitignore_like_git(tmp_path):
    write_project(tmp_path, TREE)

    assert Workspace(tmp_path).files() == VISIBLE


def test_listing_inside_git_comes_from_git(tmp_path):
    write_project(tmp_path, TREE)
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "-f", "build/out.js")  # tracked files are listed even when ignored

    assert Workspace(tmp_path).files() == sorted(VISIBLE + ["build/out.js"])


def test_listing_of_a_folder_inside_a_git_repository_uses_the_repository_rules(tmp_path):
    write_project(tmp_path, {".gitignore": "*.gen.js\n", "app/main.js": "", "app/x.gen.js": "", "other.js": ""})
    git(tmp_path, "init", "-q")

    assert Workspace(tmp_path / "app").files() == ["main.js"]


def test_deeper_gitignore_overrides_its_parents_outside_git(tmp_path):
    write_project(tmp_path, {".gitignore": "*.log\n", "src/.gitignore": "!important.log\n", "src/important.log": "", "x.log": ""})

    assert Workspace(tmp_path).files() == [".gitignore", "src/.gitignore", "src/important.log"]


@pytest.mark.parametrize("in_git", [False, True])
def test_symlinked_files_are_not_listed(tmp_path, in_git):
    root = write_project(tmp_path / "project", {"a.js": ""})
    write_project(tmp_path / "outside", {"secret.js": ""})
    (root / "inner.js").symlink_to(root / "a.js")
    (root / "secret.js").symlink_to(tmp_path / "outside" / "secret.js")
    if in_git:
        git(root, "init", "-q")

    assert Workspace(root).files() == ["a.js"]


def test_overlays_are_listed_and_read_before_the_disk(tmp_path):
    write_project(tmp_path, {"a.js": "disk\n"})
    ws = Workspace(tmp_path, overlays={"a.js": "buffer\n", "new.js": "unsaved\n"})

    assert ws.files() == ["a.js", "new.js"]
    assert ws.read("a.js") == "buffer\n"
    assert ws.exists("new.js")
    assert not ws.exists("gone.js")


# ---------------------------------------------------------------- path safety


def test_relative_paths_are_normalised(tmp_path):
    write_project(tmp_path, {"src/a.js": ""})
    ws = Workspace(tmp_path)

    assert ws.relative("src/../src/./a.js") == "src/a.js"
    assert ws.relative(tmp_path / "src" / "a.js") == "src/a.js"


@pytest.mark.parametrize("path", ["../x.js", "src/../../x.js", "/etc/passwd"])
def test_paths_outside_the_root_are_refused(tmp_path, path):
    root = write_project(tmp_path / "project", {"src/a.js": ""})
    (tmp_path / "x.js").write_text("")

    with pytest.raises(WorkspaceError, match="is outside the workspace"):
        Workspace(root).relative(path)


@pytest.mark.parametrize("path", ["linked/secret.js", "secret.js"])
def test_paths_that_leave_the_root_through_a_symlink_are_refused(tmp_path, path):
    root = write_project(tmp_path / "project", {"a.js": ""})
    write_project(tmp_path / "outside", {"secret.js": ""})
    (root / "linked").symlink_to(tmp_path / "outside", target_is_directory=True)
    (root / "secret.js").symlink_to(tmp_path / "outside" / "secret.js")

    with pytest.raises(WorkspaceError, match=f"{path} is outside the workspace"):
        Workspace(root).relative(path)


def test_a_symlink_inside_the_root_is_allowed(tmp_path):
    root = write_project(tmp_path, {"src/a.js": ""})
    (root / "alias").symlink_to(root / "src", target_is_directory=True)

    assert Workspace(root).relative("alias/a.js") == "alias/a.js"


def test_a_workspace_must_be_a_directory(tmp_path):
    (tmp_path / "file.js").write_text("")

    with pytest.raises(WorkspaceError, match="is not a directory"):
        Workspace(tmp_path / "file.js")


# ---------------------------------------------------------------- reading


def test_binary_files_are_refused(tmp_path):
    (tmp_path / "logo.js").write_bytes(b"GIF89a\x00\x01")

    with pytest.raises(WorkspaceError, match="^logo.js is a binary file$"):
        Workspace(tmp_path).read("logo.js")


def test_non_utf8_files_are_refused(tmp_path):
    (tmp_path / "latin1.py").write_bytes("name = 'café'\n".encode("latin-1"))

    with pytest.raises(WorkspaceError, match="^latin1.py is not UTF-8 text$"):
        Workspace(tmp_path).read("latin1.py")


def test_huge_files_are_refused(tmp_path):
    with open(tmp_path / "bundle.js", "wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)

    with pytest.raises(WorkspaceError, match="^bundle.js is larger than 2 MiB$"):
        Workspace(tmp_path).read("bundle.js")


def test_missing_files_are_named(tmp_path):
    with pytest.raises(WorkspaceError, match="^gone.js does not exist$"):
        Workspace(tmp_path).read("gone.js")


def test_utf8_text_is_read_exactly(tmp_path):
    text = "const s = '😀';\r\nmore\n"
    (tmp_path / "a.js").write_bytes(text.encode("utf-8"))
    ws = Workspace(tmp_path)

    assert ws.read("a.js") == text
    assert ws.hash("a.js") == ws.hash("a.js") != Workspace(tmp_path, overlays={"a.js": "x"}).hash("a.js")


def test_files_is_computed_once_per_workspace(tmp_path):
    write_project(tmp_path, {"a.js": ""})
    ws = Workspace(tmp_path)
    assert ws.files() == ["a.js"]

    (tmp_path / "b.js").write_text("")

    assert ws.files() == ["a.js"]
    assert Workspace(tmp_path).files() == ["a.js", "b.js"]
