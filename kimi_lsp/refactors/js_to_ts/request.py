"""The js-to-ts request: which files, and what to check; from JSON or CLI options."""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field

from kimi_lsp.errors import UserError

NAME = "js-to-ts"


class RequestError(UserError):
    """The js-to-ts request is malformed; the message says what is expected."""


@dataclass
class MigrationRequest:
    files: list[str] = field(default_factory=list)  # globs or paths; empty means everything
    folder: str | None = None
    verify: str | None = None  # a project command that must pass before and after, e.g. "npm test"
    update_package: bool = False
    model: bool = False  # residual type errors go to model agents before any suppression
    settings: dict = field(default_factory=dict)  # model settings from the editor (never the key)


def parse_request(args: dict) -> MigrationRequest:
    files = args.get("files") or []
    if not isinstance(files, list) or not all(isinstance(f, str) and f for f in files):
        raise RequestError("'files' must be a list of paths or globs")
    folder = args.get("folder")
    if folder is not None and not isinstance(folder, str):
        raise RequestError("'folder' must be a path")
    verify = args.get("verify")
    if verify is not None and (not isinstance(verify, str) or not verify.strip()):
        raise RequestError("'verify' must be a shell command such as \"npm test\"")
    settings = args.get("settings") or {}
    if not isinstance(settings, dict):
        raise RequestError("'settings' must be an object of model settings")
    return MigrationRequest(files, folder or None, verify, bool(args.get("updatePackage")), bool(args.get("model")), dict(settings))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(NAME)
    if "--files" not in parser._option_string_actions:  # other refactors share this option and its meaning
        group.add_argument("--files", action="append", default=[], metavar="GLOB", help="only these files or globs (repeatable)")
    group.add_argument("--verify", metavar="CMD", help="a command that must pass before and after, e.g. 'npm test'")
    group.add_argument(
        "--update-package", action="store_true", help="update package.json scripts and devDependencies for the build step"
    )
    group.add_argument(
        "--model", action="store_true", help="let a model fix remaining type errors before any @ts-expect-error is added"
    )


def request_from_args(args: argparse.Namespace) -> dict:
    """The CLI's options as the JSON request the server's commands also take."""
    return {
        "files": getattr(args, "files", None) or [],
        "verify": args.verify,
        "updatePackage": args.update_package,
        "model": args.model,
    }
