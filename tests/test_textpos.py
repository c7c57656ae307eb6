"""LSP positions count UTF-16 code units; Python strings count code points."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from kimi_lsp.swarm.textpos import line_starts, offset_at, position_at

# 😀 (U+1F600) is one code point and two UTF-16 units; é is one of each.
TEXT = "a😀b\né😀😀x\n\nlast"


def test_line_starts_are_the_offsets_after_each_newline():
    assert line_starts(TEXT) == [0, 4, 9, 10]
    assert line_starts("") == [0]
    assert line_starts("\n") == [0, 1]


def test_line_starts_break_at_newline_only():
    # Form feed and U+2028 are not line breaks for LSP clients or for kimi-lsp.
    assert line_starts("a\x0cb\u2028c\r\nd") == [0, 7]


def test_astral_character_counts_as_two_units():
    assert offset_at(TEXT, 0, 0) == 0
    assert offset_at(TEXT, 0, 1) == 1  # before 😀
    assert offset_at(TEXT, 0, 3) == 2  # after 😀: "b"
    assert offset_at(TEXT, 1, 5) == 7  # é, 😀, 😀 -> "x"
    assert TEXT[offset_at(TEXT, 1, 5)] == "x"


def test_position_at_reports_utf16_columns():
    assert position_at(TEXT, 2) == (0, 3)
    assert position_at(TEXT, 7) == (1, 5)
    assert position_at(TEXT, 9) == (2, 0)
    assert position_at(TEXT, len(TEXT)) == (3, 4)


def test_column_inside_a_surrogate_pair_rounds_to_after_the_character():
    # Character 2 on line 0 is the low surrogate of 😀; no code point starts there.
    assert offset_at(TEXT, 0, 2) == 2


def test_column_past_line_end_clamps_to_the_line_end():
    assert offset_at(TEXT, 0, 99) == 3  # the "\n" after "a😀b"
    assert offset_at(TEXT, 2, 5) == 9  # the empty line
    assert offset_at(TEXT, 3, 99) == len(TEXT)


def test_line_past_the_end_is_the_end_of_the_text():
    assert offset_at(TEXT, 10, 0) == len(TEXT)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(["a", "é", "😀", "𝔘", "\n", " ", "\r"]), max_size=40), st.data())
def test_offset_and_position_round_trip(text, data):
    offset = data.draw(st.integers(0, len(text)))

    line, character = position_at(text, offset)

    assert offset_at(text, line, character) == offset
    assert len(text[line_starts(text)[line] : offset].encode("utf-16-le")) == 2 * character
