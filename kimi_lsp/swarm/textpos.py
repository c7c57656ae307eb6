"""LSP positions (0-based line, UTF-16 character) on Python strings.

TypeScript, LSP clients and kimi-lsp's changesets all count columns in UTF-16
code units; Python strings count code points. These helpers convert exactly.
"""

from __future__ import annotations


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def line_starts(text: str) -> list[int]:
    """Offsets where each line begins, so position lookups need no rescans."""
    starts = [0]
    index = text.find("\n")
    while index != -1:
        starts.append(index + 1)
        index = text.find("\n", index + 1)
    return starts


def offset_at(text: str, line: int, character: int, starts: list[int] | None = None) -> int:
    """Code-point offset of an LSP position; clamps like editors do at line end."""
    starts = starts or line_starts(text)
    if line >= len(starts):
        return len(text)
    start = starts[line]
    end = starts[line + 1] - 1 if line + 1 < len(starts) else len(text)
    prefix = text[start : min(end, start + character)]
    if prefix.isascii() or _utf16_len(prefix) == len(prefix):  # no surrogate pairs: a unit is a code point
        return start + len(prefix)
    units = 0
    offset = start
    while offset < end and units < character:
        units += 2 if ord(text[offset]) > 0xFFFF else 1
        offset += 1
    return offset


def position_at(text: str, offset: int, starts: list[int] | None = None) -> tuple[int, int]:
    """LSP position of a code-point offset."""
    import bisect

    starts = starts or line_starts(text)
    line = bisect.bisect_right(starts, offset) - 1
    return line, _utf16_len(text[starts[line] : offset])
