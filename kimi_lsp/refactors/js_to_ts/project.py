"""What a migration changes besides the sources: tsconfig.json and package.json.

A new tsconfig is fitted to the project (module system, target, JSX, Node
types); an existing one gets only the options the migration needs, inserted as
text so its comments and layout survive. package.json entries that point at
renamed files are reported, and changed only when the user asks.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from kimi_lsp.ts.client import HERE as KIMI_TS

RENAMED_SUFFIX = {".js": ".ts", ".jsx": ".tsx", ".mjs": ".mts", ".cjs": ".cts"}
TYPESCRIPT_RANGE = "^5.9.3"
NODE_TYPES_RANGE = "^20.19.25"
# engines.node major version -> the newest ECMAScript target it runs natively.
TARGETS = [(20, "ES2023"), (18, "ES2022"), (16, "ES2021"), (14, "ES2020"), (12, "ES2019"), (10, "ES2018")]
DEFAULT_TARGET = "ES2022"
COMPILER_OPTIONS = re.compile(r'"compilerOptions"\s*:\s*\{')
TYPES_ARRAY = re.compile(r'"types"\s*:\s*\[')


def new_path(rel: str, jsx: bool) -> str:
    """Where a JavaScript file goes: .js -> .ts (.tsx when it has JSX), .jsx -> .tsx, .mjs -> .mts, .cjs -> .cts."""
    stem, suffix = rel.rsplit(".", 1)
    target = RENAMED_SUFFIX["." + suffix]
    if jsx and target == ".ts":
        target = ".tsx"
    return stem + target


DECLARATION_SUFFIXES = {"js": ".d.ts", "jsx": ".d.ts", "mjs": ".d.mts", "cjs": ".d.cts"}


def declaration_path(rel: str) -> str:
    """Where TypeScript looks for a JavaScript file's declarations: a.js -> a.d.ts, a.cjs -> a.d.cts."""
    stem, suffix = rel.rsplit(".", 1)
    return stem + DECLARATION_SUFFIXES[suffix]


def untyped_declaration(rel: str, reason: str, names: list[str], esm_package: bool) -> tuple[str, str] | None:
    """A declaration file beside a kept CommonJS file TypeScript rejects, so importers see it as untyped.

    Without it, a module importing the file pulls it into the program, and
    its errors (it does not parse, or needs sloppy mode) fail the check.
    TypeScript resolves `./a` and `./a.js` to `a.d.ts` before `a.js`. The
    module's value may be called, and has the names TypeScript saw exported,
    each `any` (named imports need them declared). An ES module has no
    `export =`, so it gets none.
    """
    suffix = rel.rsplit(".", 1)[1]
    if suffix == "mjs" or (esm_package and suffix != "cjs"):
        return None
    name = rel.rsplit("/", 1)[-1]
    reason = reason.removeprefix("kept as JavaScript: ")
    members = "".join(f"  export const {export}: any;\n" for export in names)  # identifiers, no reserved words (the sidecar's exportNames)
    text = (
        f"// {name} is kept as JavaScript, so what it exports is untyped here: {reason}\n"
        "declare function untyped(...args: any[]): any;\n"
        f"declare namespace untyped {{\n{members}}}\n"
        "export = untyped;\n"
    )
    return declaration_path(rel), text


def read_package(text: str | None) -> dict:
    if not text:
        return {}
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def target_for(package: dict) -> str:
    """The ECMAScript target matching the oldest Node version the package supports."""
    engines = package.get("engines")
    wanted = engines.get("node") if isinstance(engines, dict) else None
    if not isinstance(wanted, str):
        return DEFAULT_TARGET
    versions = [int(v) for v in re.findall(r"(?<![\d.])(\d+)(?:\.\d+)*", wanted)]
    if not versions:
        return DEFAULT_TARGET
    oldest = min(versions)
    for major, target in TARGETS:
        if oldest >= major:
            return target
    return "ES2017"


def dependency_names(package: dict) -> set[str]:
    names: set[str] = set()
    for key in ("dependencies", "devDependencies", "peerDependencies"):
        if isinstance(package.get(key), dict):
            names |= set(package[key])
    return names


@dataclass
class ProjectFacts:
    """What the JavaScript program tells us, collected while preparing files."""

    bundler_specifiers: bool = False  # ESM code imports relative paths without extensions
    commonjs_modules: bool = False  # some converted file is CommonJS, which Node may run as it is
    jsx: bool = False
    node_builtins: bool = False
    partial: bool = False  # some JavaScript stays JavaScript
    has_node_types: bool = False  # the project has @types/node installed
    unparseable: list[str] = field(default_factory=list)  # stay JavaScript, and out of the TypeScript program


def compiler_options(package: dict, facts: ProjectFacts) -> dict:
    """compilerOptions for a new tsconfig.json."""
    options: dict = {"target": target_for(package)}
    # ES modules written for a bundler, unless CommonJS files beside them run under
    # Node: nodenext compiles every file of a CommonJS package to CommonJS, as Node loads it
    if facts.bundler_specifiers and not facts.commonjs_modules:
        options |= {"module": "esnext", "moduleResolution": "bundler"}
    else:
        options |= {"module": "nodenext", "moduleResolution": "nodenext"}
    options |= {"strict": True, "esModuleInterop": True, "skipLibCheck": True, "resolveJsonModule": True}
    options["forceConsistentCasingInFileNames"] = True
    if facts.jsx:
        options["jsx"] = "react-jsx" if "react" in dependency_names(package) else "react"
    if facts.node_builtins:
        options["types"] = ["node"]
    if facts.partial:
        options["allowJs"] = True
    return options


def new_tsconfig(package: dict, facts: ProjectFacts) -> str:
    config = {"compilerOptions": compiler_options(package, facts), "exclude": ["node_modules", *facts.unparseable]}
    return json.dumps(config, indent=2) + "\n"


def amended_tsconfig(text: str, facts: ProjectFacts, renames: dict[str, str]) -> str:
    """The existing tsconfig with only the options this migration needs added.

    A renamed file named in it (say in "files" or "include") is named by its new path.
    """
    for old, new in renames.items():
        for prefix in ("", "./"):
            text = text.replace(json.dumps(prefix + old), json.dumps(prefix + new))
    current = _loose_json(text).get("compilerOptions", {})
    additions = {}
    if facts.partial and "allowJs" not in current:
        additions["allowJs"] = True
    if facts.jsx and "jsx" not in current:
        additions["jsx"] = "react"
    if facts.node_builtins and isinstance(current.get("types"), list) and "node" not in current["types"]:
        text = TYPES_ARRAY.sub(lambda m: m.group(0) + '"node", ', text, count=1)
    if not additions:
        return text
    inserted = "".join(f"\n    {json.dumps(k)}: {json.dumps(v)}," for k, v in additions.items())
    if COMPILER_OPTIONS.search(text):
        return COMPILER_OPTIONS.sub(lambda m: m.group(0) + inserted, text, count=1)
    brace = text.index("{")
    return text[: brace + 1] + f'\n  "compilerOptions": {{{inserted.rstrip(",")}\n  }},' + text[brace + 1 :]


def _loose_json(text: str) -> dict:
    """tsconfig.json allows comments and trailing commas; read it anyway."""
    stripped = re.sub(r'("(?:\\.|[^"\\])*")|//[^\n]*|/\*.*?\*/', lambda m: m.group(1) or "", text, flags=re.S)
    stripped = re.sub(r",(\s*[}\]])", r"\1", stripped)
    try:
        data = json.loads(stripped)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def kimi_type_roots(root: Path) -> list[str] | None:
    """Type roots that add kimi-lsp's own @types/node when the project has none installed."""
    if (root / "node_modules" / "@types" / "node").is_dir():
        return None
    return [str(root / "node_modules" / "@types"), str(KIMI_TS / "node_modules" / "@types")]


# ------------------------------------------------------------ package.json


@dataclass
class PackageReport:
    needs_build: list[str] = field(default_factory=list)  # human-readable entries
    updated_text: str | None = None  # the new package.json with --update-package


def _entry_paths(value, where: str):
    """Every (where, path) string inside main/bin/exports values."""
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, dict):
        for key, inner in value.items():
            yield from _entry_paths(inner, f"{where}.{key}")
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _entry_paths(inner, f"{where}[{index}]")


def _normal(path: str) -> str:
    return path[2:] if path.startswith("./") else path


def package_changes(text: str, renames: dict[str, str], facts: ProjectFacts, update: bool) -> PackageReport:
    """Entries that now need `tsc` to produce the file they name; updated when asked."""
    package = read_package(text)
    report = PackageReport()
    for key in ("main", "module", "bin", "exports"):
        for where, path in _entry_paths(package.get(key), key):
            if _normal(path) in renames:
                report.needs_build.append(f"{where}: {path} is built from {renames[_normal(path)]} by `tsc`")
    scripts = package.get("scripts") if isinstance(package.get("scripts"), dict) else {}
    running = []
    for name, command in scripts.items():
        if isinstance(command, str) and _names_renamed(command, renames):
            running.append(name)
            report.needs_build.append(f"scripts.{name}: runs files that are built by `tsc`")
    if not update:
        return report
    scripts = dict(scripts)
    scripts.setdefault("build", "tsc")
    for name in running:
        hook = f"pre{name}"
        scripts[hook] = f"npm run build && {scripts[hook]}" if hook in scripts else "npm run build"
    if report.needs_build and any(k in package for k in ("main", "bin", "exports")):
        scripts.setdefault("prepublishOnly", "npm run build")
    package["scripts"] = scripts
    dev = dict(package.get("devDependencies") or {})
    dev.setdefault("typescript", TYPESCRIPT_RANGE)
    if facts.node_builtins:
        dev.setdefault("@types/node", NODE_TYPES_RANGE)
    package["devDependencies"] = dict(sorted(dev.items()))
    indent = re.search(r"\n([ \t]+)\"", text)
    report.updated_text = json.dumps(package, indent=indent.group(1) if indent else 2) + "\n"
    return report


def _names_renamed(command: str, renames: dict[str, str]) -> bool:
    try:
        words = shlex.split(command)
    except ValueError:
        words = command.split()
    return any(_normal(word) in renames for word in words)
