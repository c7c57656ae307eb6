"""Make the suppressions agree with tsc where the language service judged differently.

The sidecar places each `@ts-expect-error` from the language service's
diagnostics, but TypeScript's checker can judge a line differently depending
on the order in which it checks the program (a property it resolved one way
when the editor asked, another way in a whole-program `tsc`). tsc is the
judge, so where it disagrees the gate follows it: a directive tsc calls unused
(TS2578) is removed, and a line where tsc alone reports an error gets one.
Only plain TypeScript files are edited this way; a .tsx line may sit inside
JSX, where a line comment is text.

`for_both` settles typescript@7's native checker against the TypeScript
the migration typed with, so that the fast checker alone can prove the
result: a line only one of them reports an error on takes `@ts-ignore`,
which neither calls unused. A directive typescript@7 calls unused becomes
`@ts-ignore -- TS<code> (TypeScript 5 only)`; an error typescript@7 alone
reports gets `@ts-ignore -- TS<code> (TypeScript 7 only)`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kimi_lsp.swarm.verify import TSC_ERROR_LINE

OUR_DIRECTIVE = re.compile(r"^(\s*// )@ts-expect-error( -- TS\d+(?:, TS\d+)*)")
UNUSED_DIRECTIVE = "TS2578"
DROPPED_FROM_OUTPUT = {"TS1202", "TS1203"}  # `import = require`, `export =` under an ES module target: tsc emits nothing for them
EDITABLE = (".ts", ".mts", ".cts")
MAX_MESSAGE = 120


@dataclass
class Reconciled:
    texts: dict[str, str]
    added: int = 0
    removed: int = 0
    changed: set[str] = field(default_factory=set)


def reconcile(texts: dict[str, str], errors: list[str], snapshot_root: str, for_both: bool = False) -> Reconciled | None:
    """`texts` with the directives tsc asks for, or None when some error is not one this can settle."""
    by_file: dict[str, dict[int, list[tuple[str, str]]]] = {}
    for line in errors:
        match = TSC_ERROR_LINE.match(line.strip())
        if not match or match["path"] not in texts or not match["path"].endswith(EDITABLE):
            return None
        message = match["message"].replace(snapshot_root.rstrip("/") + "/", "")
        by_file.setdefault(match["path"], {}).setdefault(int(match["line"]) - 1, []).append((match["code"], message))
    result = Reconciled(dict(texts))
    for path, lines_with_errors in by_file.items():
        lines = texts[path].split("\n")
        for number in sorted(lines_with_errors, reverse=True):  # bottom up, so earlier line numbers hold
            found = lines_with_errors[number]
            if any(code in DROPPED_FROM_OUTPUT for code, _ in found):
                return None
            if all(code == UNUSED_DIRECTIVE for code, _ in found):
                if not OUR_DIRECTIVE.match(lines[number]):
                    return None
                if for_both:
                    lines[number] = OUR_DIRECTIVE.sub(r"\1@ts-ignore\2 (TypeScript 5 only)", lines[number], count=1)
                else:
                    del lines[number]
                    result.removed += 1
            elif all(code != UNUSED_DIRECTIVE for code, _ in found):
                lines.insert(number, _directive(lines[number], found, for_both))
                result.added += 1
            else:
                return None
        result.texts[path] = "\n".join(lines)
        result.changed.add(path)
    return result


def _directive(line: str, found: list[tuple[str, str]], for_both: bool = False) -> str:
    indent = re.match(r"[ \t]*", line).group(0)
    codes = ", ".join(dict.fromkeys(code for code, _ in found))
    message = found[0][1]
    if len(message) > MAX_MESSAGE:
        message = message[: MAX_MESSAGE - 3] + "..."
    if for_both:
        return f"{indent}// @ts-ignore -- {codes} (TypeScript 7 only): {message}"
    return f"{indent}// @ts-expect-error -- {codes}: {message}"
