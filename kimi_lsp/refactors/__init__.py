"""The refactors kimi-lsp can run, by name.

A refactor is data plus small functions: how to read a request, and a session
class that plans groups, runs one group, and verifies a merged changeset. The
engine and the adapters need no changes to gain a new one.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Any, Callable

from kimi_lsp.errors import UserError
from kimi_lsp.refactors import instruct, js_to_ts, rename
from kimi_lsp.swarm.engine import Session
from kimi_lsp.swarm.workspace import Workspace


@dataclass(frozen=True)
class Refactor:
    name: str
    parse: Callable[[dict], Any]  # JSON request (LSP command or CLI) -> typed request
    session: Callable[[Any, Workspace, int], Session]
    add_arguments: Callable[[argparse.ArgumentParser], None]  # the refactor's CLI options
    request_from_args: Callable[[argparse.Namespace], dict]  # CLI options -> JSON request


REFACTORS = {
    instruct.NAME: Refactor(
        instruct.NAME, instruct.parse_request, instruct.InstructSession, instruct.add_arguments, instruct.request_from_args
    ),
    rename.NAME: Refactor(
        rename.NAME, rename.parse_request, rename.RenameSession, rename.add_arguments, rename.request_from_args
    ),
    js_to_ts.NAME: Refactor(
        js_to_ts.NAME, js_to_ts.parse_request, js_to_ts.JsToTsSession, js_to_ts.add_arguments, js_to_ts.request_from_args
    ),
}


class UnknownRefactor(UserError):
    pass


def get_refactor(name: object) -> Refactor:
    if not isinstance(name, str) or name not in REFACTORS:
        raise UnknownRefactor(f"unknown refactor {name!r}; available: {', '.join(sorted(REFACTORS))}")
    return REFACTORS[name]
