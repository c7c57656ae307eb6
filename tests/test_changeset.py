"""Changesets: merging edits without losing or half-applying any, and writing all or nothing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kimi_lsp.swarm.apply import write_changeset
from kimi_lsp.swarm.changeset import (
    ApplyError,
    Changeset,
    Conflict,
    FileMove,
    TextEdit,
    content_hash,
    edits_between,
)
from tests.projects import snapshot_bytes, write_project

SOURCE = "const a = getUser(1);\nconst b = getUser(2);\n"
BASE = content_hash(SOURCE)


def edit(line: int, start: int, end: int, text: str) -> TextEdit:
    return TextEdit((line, start), (line, end), text)


def test_non_overlapping_edits_merge_and_apply_in_order():
    changeset = Changeset()

    assert changeset.add_edits("a.js", BASE, [edit(1, 10, 17, "fetchUser")]) == []
    assert changeset.add_edits("a.js", BASE, [edit(0, 10, 17, "fetchUser"), edit(0, 6, 7, "x")]) == []

    assert changeset.new_text("a.js", SOURCE) == "const x = fetchUser(1);\nconst b = fetchUser(2);\n"


def test_identical_edits_from_two_workers_are_kept_once():
    first, second = Changeset(), Changeset()
    first.add_edits("a.js", BASE, [edit(0, 10, 17, "fetchUser")])
    second.add_edits("a.js", BASE, [edit(0, 10, 17, "fetchUser")])

    assert first.merge(second) == []
    assert first.changes["a.js"].edits == [edit(0, 10, 17, "fetchUser")]


def test_overlapping_edits_are_a_conflict_and_leave_the_file_as_it_was():
    changeset = Changeset()
    changeset.add_edits("a.js", BASE, [edit(0, 10, 17, "fetchUser")])

    conflicts = changeset.add_edits("a.js", BASE, [edit(0, 10, 17, "loadUser"), edit(1, 10, 17, "loadUser")])

    assert conflicts == [Conflict("a.js", "edits overlap at line 1: 'fetchUser' and 'loadUser'")]
    assert changeset.changes["a.js"].edits == [edit(0, 10, 17, "fetchUser")]


def test_partly_overlapping_ranges_conflict():
    changeset = Changeset()
    changeset.add_edits("a.js", BASE, [edit(0, 6, 12, "x")])

    assert changeset.add_edits("a.js", BASE, [edit(0, 10, 17, "y")]) == [
        Conflict("a.js", "edits overlap at line 1: 'x' and 'y'")
    ]


def test_two_inserts_at_the_same_point_conflict_because_their_order_is_unknown():
    changeset = Changeset()
    changeset.add_edits("a.js", BASE, [edit(0, 0, 0, "// one\n")])

    assert changeset.add_edits("a.js", BASE, [edit(0, 0, 0, "// two\n")]) == [
        Conflict("a.js", "edits overlap at line 1: '// one\\n' and '// two\\n'")
    ]


def test_adjacent_edits_do_not_conflict():
    changeset = Changeset()

    assert changeset.add_edits("a.js", BASE, [edit(0, 6, 7, "x"), edit(0, 7, 7, "y")]) == []
    assert changeset.new_text("a.js", SOURCE).startswith("const xy = getUser(1);")


def test_edits_computed_from_different_versions_conflict():
    changeset = Changeset()
    changeset.add_edits("a.js", BASE, [edit(0, 6, 7, "x")])

    assert changeset.add_edits("a.js", content_hash("other"), [edit(1, 6, 7, "y")]) == [
        Conflict("a.js", "edits were computed from two different versions of the file")
    ]


def test_edit_positions_count_utf16_units():
    text = "const s = '😀'; getUser();\n"
    changeset = Changeset()
    changeset.add_edits("a.js", content_hash(text), [edit(0, 16, 23, "fetchUser")])

    assert changeset.new_text("a.js", text) == "const s = '😀'; fetchUser();\n"


def test_moves_conflict_only_when_they_disagree():
    changeset = Changeset()

    assert changeset.add_move(FileMove("a.js", "lib/a.js")) == []
    assert changeset.add_move(FileMove("a.js", "lib/a.js")) == []
    assert changeset.add_move(FileMove("a.js", "util/a.js")) == [Conflict("a.js", "moved to both lib/a.js and util/a.js")]
    assert changeset.add_move(FileMove("b.js", "lib/a.js")) == [Conflict("lib/a.js", "both a.js and b.js move here")]
    assert changeset.moves == [FileMove("a.js", "lib/a.js")]


def test_creating_one_file_twice_with_different_content_conflicts():
    first, second, same = Changeset(), Changeset(), Changeset()
    first.creates["pkg/__init__.py"] = ""
    same.creates["pkg/__init__.py"] = ""
    second.creates["pkg/__init__.py"] = "x = 1\n"

    assert first.merge(same) == []
    assert first.merge(second) == [Conflict("pkg/__init__.py", "created twice with different content")]


def test_touched_paths_and_final_texts_use_paths_after_moves():
    changeset = Changeset()
    changeset.add_edits("a.js", BASE, [edit(0, 10, 17, "fetchUser")])
    changeset.add_edits("b.js", content_hash("x\n"), [])
    changeset.add_move(FileMove("a.js", "lib/a.js"))
    changeset.creates["lib/index.js"] = "export * from './a.js';\n"

    assert changeset.destination("a.js") == "lib/a.js"
    assert changeset.destination("b.js") == "b.js"
    assert changeset.touched_paths() == ["lib/a.js", "lib/index.js"]
    assert changeset.final_texts({"a.js": SOURCE}.__getitem__) == {
        "lib/a.js": "const a = fetchUser(1);\nconst b = getUser(2);\n",
        "lib/index.js": "export * from './a.js';\n",
    }
    assert not changeset.is_empty()
    assert Changeset().is_empty()


def test_unified_diff_shows_moves_and_creations():
    changeset = Changeset()
    changeset.add_edits("a.js", BASE, [edit(0, 10, 17, "fetchUser")])
    changeset.add_move(FileMove("a.js", "lib/a.js"))
    changeset.creates["new.js"] = "x\n"

    assert changeset.unified_diff({"a.js": SOURCE}.__getitem__) == (
        "rename from a.js\n"
        "rename to lib/a.js\n"
        "--- a/a.js\n"
        "+++ b/lib/a.js\n"
        "@@ -1,2 +1,2 @@\n"
        "-const a = getUser(1);\n"
        "+const a = fetchUser(1);\n"
        " const b = getUser(2);\n"
        "--- /dev/null\n"
        "+++ b/new.js\n"
        "@@ -0,0 +1 @@\n"
        "+x\n"
    )


# ---------------------------------------------------------------- writing


def renaming_changeset(root: Path) -> Changeset:
    changeset = Changeset()
    changeset.add_edits("a.js", BASE, [edit(0, 10, 17, "fetchUser")])
    changeset.add_edits("src/b.js", content_hash((root / "src/b.js").read_text()), [edit(0, 0, 1, "y")])
    changeset.add_move(FileMove("src/b.js", "lib/b.js"))
    changeset.creates["lib/index.js"] = "module.exports = require('./b');\n"
    return changeset


def test_write_applies_edits_moves_and_creations(tmp_path):
    write_project(tmp_path, {"a.js": SOURCE, "src/b.js": "x = 1;\n"})
    (tmp_path / "src/b.js").chmod(0o755)

    written = write_changeset(tmp_path, renaming_changeset(tmp_path))

    assert written == ["a.js", "lib/b.js", "lib/index.js"]
    assert {p: t.decode() for p, t in snapshot_bytes(tmp_path).items()} == {
        "a.js": "const a = fetchUser(1);\nconst b = getUser(2);\n",
        "lib/b.js": "y = 1;\n",
        "lib/index.js": "module.exports = require('./b');\n",
    }
    assert (tmp_path / "lib/b.js").stat().st_mode & 0o777 == 0o755


def test_write_refuses_a_file_changed_since_the_run_started_and_writes_nothing(tmp_path):
    write_project(tmp_path, {"a.js": SOURCE, "src/b.js": "x = 1;\n"})
    changeset = renaming_changeset(tmp_path)
    (tmp_path / "src/b.js").write_text("x = 2;\n")
    before = snapshot_bytes(tmp_path)

    with pytest.raises(ApplyError, match="src/b.js changed since the run started; nothing was written"):
        write_changeset(tmp_path, changeset)

    assert snapshot_bytes(tmp_path) == before


def test_write_refuses_to_move_onto_an_existing_file(tmp_path):
    write_project(tmp_path, {"a.js": SOURCE, "src/b.js": "x = 1;\n", "lib/b.js": "mine\n"})
    before = snapshot_bytes(tmp_path)

    with pytest.raises(ApplyError, match="nothing was applied: lib/b.js: already exists"):
        write_changeset(tmp_path, renaming_changeset(tmp_path))

    assert snapshot_bytes(tmp_path) == before


def test_write_that_fails_partway_restores_every_file(tmp_path):
    write_project(tmp_path, {"a.js": SOURCE, "src/b.js": "x = 1;\n"})
    changeset = renaming_changeset(tmp_path)
    # Edits are written first; this creation then fails, because a.js is a file.
    changeset.creates["a.js/c.js"] = "c\n"
    before = snapshot_bytes(tmp_path)

    with pytest.raises(ApplyError, match="every file was restored"):
        write_changeset(tmp_path, changeset)

    assert snapshot_bytes(tmp_path) == before
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".kimi-tmp")]


# ---------------------------------------------------------------- whole-file results


def apply(text: str, edits: list[TextEdit]) -> str:
    changeset = Changeset()
    assert changeset.add_edits("f", content_hash(text), edits) == []
    return changeset.new_text("f", text)


def test_edits_between_narrows_changed_lines_to_changed_words():
    old = "from shop.pricing import total_price, Cart\n"
    new = "from shop.pricing import price_with_tax, Cart\n"

    assert edits_between(old, new) == [edit(0, 25, 36, "price_with_tax")]


def test_two_whole_file_renames_of_one_line_merge():
    old = "x = total_price(Cart())\n"
    changeset = Changeset()

    assert changeset.add_edits("f", content_hash(old), edits_between(old, "x = price(Cart())\n")) == []
    assert changeset.add_edits("f", content_hash(old), edits_between(old, "x = total_price(Basket())\n")) == []
    assert changeset.new_text("f", old) == "x = price(Basket())\n"


def test_edits_between_counts_lines_like_lsp_not_like_splitlines():
    old = "a = 1\n\x0c\nb = old\n"

    assert edits_between(old, "a = 1\n\x0c\nb = new\n") == [edit(2, 4, 7, "new")]


def test_edits_between_handles_inserted_and_deleted_lines_and_missing_final_newline():
    old = "one\ntwo\nthree"
    new = "zero\none\nthree!"

    assert apply(old, edits_between(old, new)) == new


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.sampled_from(["a", "bb", "😀", " ", "\n", "\x0c", "é", "_x1"]), max_size=30),
    st.lists(st.sampled_from(["a", "bb", "😀", " ", "\n", "\x0c", "é", "_x1"]), max_size=30),
)
def test_edits_between_always_reproduces_the_new_text(old_parts, new_parts):
    old, new = "".join(old_parts), "".join(new_parts)

    assert apply(old, edits_between(old, new)) == new


def test_a_long_line_changed_in_many_places_gets_narrow_edits_that_reproduce_it():
    # a bundle's one long line, typed here and there: past LONG_BLOCK words the
    # word diff takes its fast path, and must stay exact (the 😀 shifts columns)
    statements = [f"var v{i} = f(v{i - 1}, '😀');" if i == 7 else f"var v{i} = f(v{i - 1});" for i in range(3000)]
    old = "head();\n" + " ".join(statements) + "\ntail();\n"
    typed = [s.replace(f"var v{i} =", f"var v{i}: number =") if i % 250 == 3 else s for i, s in enumerate(statements)]
    new = "head();\n" + " ".join(typed) + "\ntail();\n"

    edits = edits_between(old, new)

    assert apply(old, edits) == new
    assert len(edits) == 12 and all(e.start[0] == 1 and e.end[0] == 1 for e in edits)
    assert sum(e.end[1] - e.start[1] for e in edits) < 200  # each edit narrows to about the words it changes


def test_a_long_file_of_repeated_lines_changed_on_every_tenth_gets_one_edit_per_change():
    # a fifth of the lines are `  }`: the line diff must neither stall on them nor misplace an edit
    lines = [f"  const value{i} = compute(value{i - 1});\n" if i % 5 else "  }\n" for i in range(3000)]
    old = "".join(lines)
    new = "".join(line.replace("const value", "const value: number | undefined = value") if i % 10 == 3 else line for i, line in enumerate(lines))

    edits = edits_between(old, new)

    assert apply(old, edits) == new
    assert len(edits) == 300 and all(e.start[0] == e.end[0] and e.start[0] % 10 == 3 for e in edits)
