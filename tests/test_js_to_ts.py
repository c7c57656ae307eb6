"""js-to-ts end to end through the CLI, on small real projects in tests/fixtures/js_to_ts.

Every migration must type-check with zero errors under a separate tsc run, and
the migrated program, compiled back to JavaScript with tsc, must print exactly
what the original printed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from functools import partial
from pathlib import Path

import pytest

from kimi_lsp.refactors.js_to_ts import session as session_module
from kimi_lsp.refactors.js_to_ts.request import parse_request
from kimi_lsp.swarm.engine import RunOptions, execute
from kimi_lsp.swarm.events import RunState
from kimi_lsp.swarm.workspace import Workspace
from kimi_lsp.ts import client
from tests.projects import REPO, read_project

FIXTURES = Path(__file__).parent / "fixtures" / "js_to_ts"
KIMI_TS = REPO / "kimi_lsp" / "ts" / "node_modules"
TSC = ["node", str(KIMI_TS / "typescript" / "bin" / "tsc")]
TYPE_ROOTS = ["--typeRoots", str(KIMI_TS / "@types")]


def copy_fixture(tmp: Path, name: str) -> Path:
    root = tmp / name
    shutil.copytree(FIXTURES / name, root)
    return root


def kimi(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kimi_lsp", *args], capture_output=True, text=True, cwd=REPO)


def migrate(root: Path, *options: str) -> dict:
    proc = kimi("run", "js-to-ts", str(root), "--json", *options)
    assert proc.stdout, proc.stderr
    return json.loads(proc.stdout)


def node(root: Path, entry: str) -> str:
    proc = subprocess.run(["node", entry], cwd=root, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def type_errors(root: Path) -> list[str]:
    """An independent tsc run over the migrated project."""
    proc = subprocess.run([*TSC, "--noEmit", "-p", "tsconfig.json", *TYPE_ROOTS], cwd=root, capture_output=True, text=True)
    return [line for line in proc.stdout.splitlines() if "error TS" in line]


def compile_back(root: Path) -> None:
    subprocess.run([*TSC, "-p", "tsconfig.json", *TYPE_ROOTS], cwd=root, capture_output=True, text=True, check=True)


class Migrated:
    """A fixture, what it printed before, and the report and files after migrating it."""

    def __init__(self, tmp: Path, name: str, entry: str | None, *options: str):
        self.root = copy_fixture(tmp, name)
        self.before_output = node(self.root, entry) if entry else None
        self.before = read_project(self.root)
        self.report = migrate(self.root, *options)
        self.after = read_project(self.root)


@pytest.fixture(scope="module")
def commonjs_mix(tmp_path_factory) -> Migrated:
    return Migrated(tmp_path_factory.mktemp("mix"), "commonjs_mix", "main.mjs", "--update-package")


@pytest.fixture(scope="module")
def jsx_app(tmp_path_factory) -> Migrated:
    return Migrated(tmp_path_factory.mktemp("jsx"), "jsx_app", None)


@pytest.fixture(scope="module")
def circular(tmp_path_factory) -> Migrated:
    return Migrated(tmp_path_factory.mktemp("circular"), "circular", "main.js", "--verify", "node main.js")


def assert_zero_errors(migrated: Migrated) -> None:
    assert migrated.report["status"] == "ok", migrated.report["message"]
    assert migrated.report["verification"]["errors_after"] == 0
    assert type_errors(migrated.root) == []


def test_commonjs_and_esm_mix_type_checks_and_behaves_the_same(commonjs_mix):
    assert_zero_errors(commonjs_mix)
    files = set(commonjs_mix.after)
    assert {"index.ts", "main.mts", "lib/money.ts", "lib/cart.ts", "lib/tax.cts", "tsconfig.json"} <= files
    assert not {"index.js", "main.mjs", "lib/money.js", "lib/tax.cjs"} & files
    compile_back(commonjs_mix.root)
    assert node(commonjs_mix.root, "main.mjs") == commonjs_mix.before_output


def test_commonjs_exports_become_es_exports_unless_the_module_is_one_value(commonjs_mix):
    money = commonjs_mix.after["lib/money.ts"]
    assert "import { format } from 'util';" in money
    assert "export { formatPrice, sum, VAT };" in money
    assert "export function withVat(cents: number)" in commonjs_mix.after["lib/tax.cts"]
    # module.exports = Cart stays the module's value, for require() and Node's ESM loader alike
    assert "export = Cart;" in commonjs_mix.after["lib/cart.ts"]


def test_jsdoc_becomes_annotations_with_optional_parameters(commonjs_mix):
    assert "function formatPrice(cents: number, currency?: string): string {" in commonjs_mix.after["lib/money.ts"]


def test_class_members_are_declared_with_types_from_their_use(commonjs_mix):
    cart = commonjs_mix.after["lib/cart.ts"]
    assert "  declare owner: string;" in cart  # a type only: the constructor sets it
    assert "never[]" not in cart
    assert "constructor(owner: string)" in cart
    assert "add(name: string, price: number, qty: number)" in cart


def test_report_counts_the_migration(commonjs_mix):
    report = commonjs_mix.report
    assert report["files_converted"] == 5
    assert report["suppressions"] == sum(t.count("@ts-expect-error") for t in commonjs_mix.after.values())
    assert report["errors_after"] == 0 and report["errors_before"] >= 0
    assert report["any_count"] >= 0 and report["tsc_seconds"] > 0


def test_update_package_adds_the_build_step(commonjs_mix):
    package = json.loads(commonjs_mix.after["package.json"])
    assert package["main"] == "index.js"  # tsc emits index.js beside index.ts
    assert package["scripts"]["build"] == "tsc"
    assert package["scripts"]["prestart"] == "npm run build"
    assert set(package["devDependencies"]) == {"typescript", "@types/node"}


def test_jsx_is_found_by_parsing_and_compiles_back(jsx_app):
    assert_zero_errors(jsx_app)
    files = set(jsx_app.after)
    assert {"card.tsx", "list.tsx", "app.tsx", "h.ts"} <= files  # card.js and app.js hold JSX
    assert "require('./list.jsx')" not in jsx_app.after["app.tsx"]
    assert "'./list.js'" in jsx_app.after["app.tsx"]
    assert json.loads(jsx_app.after["tsconfig.json"])["compilerOptions"]["jsx"] == "react"
    compile_back(jsx_app.root)
    expected = '<div class="card"><h2>Fruit</h2><ul><li>APPLE</li><li>PEAR</li></ul></div>\n'
    assert node(jsx_app.root, "app.js") == expected


def test_residual_errors_get_a_targeted_expect_error_on_their_line(jsx_app, circular):
    for migrated in (jsx_app, circular):
        for path, text in migrated.after.items():
            assert "@ts-nocheck" not in text
            for line in text.splitlines():
                if "@ts-expect-error" in line:
                    assert "@ts-expect-error -- TS" in line, f"{path}: {line}"
    assert any("{/* @ts-expect-error -- TS" in t for t in jsx_app.after.values())  # inside JSX children


def test_circular_imports_are_planned_together_and_keep_behaviour(circular, tmp_path):
    assert_zero_errors(circular)
    assert circular.report["verification"]["command"].endswith("&& node main.js")
    compile_back(circular.root)
    assert node(circular.root, "main.js") == circular.before_output
    plan = json.loads(kimi("plan", "js-to-ts", str(copy_fixture(tmp_path, "circular")), "--json").stdout)
    cycle = [g for g in plan["groups"] if {r["from"] for r in g["rename"]} >= {"even.js", "odd.js"}]
    assert len(cycle) == 1
    main = next(g for g in plan["groups"] if any(r["from"] == "main.js" for r in g["rename"]))
    assert main["after"] == [cycle[0]["id"]]


def test_a_file_that_does_not_parse_is_skipped_and_the_rest_converted(tmp_path):
    root = copy_fixture(tmp_path, "syntax_error")
    before = node(root, "main.js")
    report = migrate(root)
    assert report["status"] == "ok", report["message"]
    assert [s["path"] for s in report["skipped"]] == ["broken.js"]
    assert "does not parse: line 4" in report["skipped"][0]["reason"]
    after = read_project(root)
    assert after["broken.js"] == (FIXTURES / "syntax_error" / "broken.js").read_text()
    assert {"good.ts", "main.ts"} <= set(after)
    config = json.loads(after["tsconfig.json"])
    assert config["compilerOptions"]["allowJs"] is True and "broken.js" in config["exclude"]
    assert type_errors(root) == []
    compile_back(root)
    assert node(root, "main.js") == before


def test_imported_files_typescript_rejects_stay_javascript_declared_untyped(tmp_path):
    files = {
        "package.json": '{"name": "legacy", "version": "1.0.0"}\n',
        # runs in Node's sloppy mode, and would not load as strict-mode code (what tsc emits for a module)
        "area.js": "function area(shape) {\n  with (shape) {\n    return width * height;\n  }\n}\nmodule.exports = { area };\n",
        # a legacy octal literal: TypeScript does not parse it
        "mode.js": "module.exports = { mode: 0644, default: 'rw' };\n",  # `default` can be no declared name
        "main.js": "const { area } = require('./area');\nconst { mode } = require('./mode');\nconsole.log(area({ width: 2, height: 3 }), mode);\n",
    }
    report, before = migrate_written(tmp_path, files, "main.js")
    reasons = {entry["path"]: entry["reason"] for entry in report["skipped"]}
    assert reasons["area.js"].startswith("kept as JavaScript: it needs sloppy mode") and "'with' statements" in reasons["area.js"]
    assert reasons["mode.js"].startswith("does not parse: line 1") and "Octal" in reasons["mode.js"]
    assert (tmp_path / "area.js").read_text() == files["area.js"] and (tmp_path / "mode.js").read_text() == files["mode.js"]
    # main.ts imports them as untyped modules, so their errors stay out of the TypeScript program
    module = "declare function untyped(...args: any[]): any;\ndeclare namespace untyped {\n  export const %s: any;\n}\nexport = untyped;\n"
    assert (tmp_path / "area.d.ts").read_text().endswith("\n" + module % "area")
    mode = (tmp_path / "mode.d.ts").read_text()
    assert mode.startswith("// mode.js is kept as JavaScript, so what it exports is untyped here: does not parse") and mode.endswith(module % "mode")
    assert (tmp_path / "main.ts").exists() and report["errors_after"] == 0 and report["suppressions"] == 0
    assert report["any_count"] == 6  # three in each declaration
    assert type_errors(tmp_path) == []
    compile_back(tmp_path)
    assert node(tmp_path, "main.js") == before


def test_an_existing_tsconfig_is_kept_and_esm_specifiers_stay_valid(tmp_path):
    root = copy_fixture(tmp_path, "with_tsconfig")
    before = node(root, "src/main.js")
    config = (root / "tsconfig.json").read_text()
    report = migrate(root)
    assert report["status"] == "ok", report["message"]
    after = read_project(root)
    assert after["tsconfig.json"] == config  # nothing was missing, so nothing changed
    assert "from './stack.js'" in after["src/main.ts"]
    assert "items: " in after["src/stack.ts"]
    assert type_errors(root) == []
    compile_back(root)
    assert node(root, "src/main.js") == before


def test_a_verify_command_broken_by_the_migration_fails_the_run(tmp_path):
    root = copy_fixture(tmp_path, "syntax_error")
    before = read_project(root)
    report = migrate(root, "--verify", "test -f good.js && test ! -f good.ts")
    assert report["status"] == "failed"
    assert any("passed before the migration and fails after it" in line for line in report["verification"]["new_errors"])
    assert read_project(root) == before


def test_files_option_converts_only_the_selection(tmp_path):
    root = copy_fixture(tmp_path, "esm_app")
    report = migrate(root, "--files", "src/greeter.js", "--dry-run")
    assert report["status"] == "ok", report["message"]
    assert report["files_converted"] == 1
    assert report["files_changed"] == ["src/greeter.ts", "tsconfig.json"]
    assert "rename from src/greeter.js" in report["diff"]
    assert '"allowJs": true' in report["diff"]
    assert not (root / "src" / "greeter.ts").exists()


def test_a_partial_migration_leaves_what_the_project_has_as_it_was(tmp_path):
    files = {
        "package.json": '{"name": "partial", "version": "1.0.0"}\n',
        "main.js": "const { total } = require('./lib/util');\nconst { label } = require('./lib/api');\nconsole.log(label(total([1, 2, 3])));\n",
        # types written by hand beside the JavaScript: TypeScript would read api.ts instead of them
        "lib/api.js": "exports.label = (n) => `total: ${n}`;\n",
        "lib/api.d.ts": "export declare function label(n: number): string;\n",
        "lib/util.js": "/** @param {number[]} xs */\nfunction total(xs) {\n  return xs.reduce((a, b) => a + b, 0);\n}\nmodule.exports = { total };\n",
        # the project's own type test, which fails on purpose, and a script in V8's native syntax
        "types/check.ts": "import { label } from '../lib/api';\nexport const wrong: number = label(1);\n",
        "test/native.js": "const a = {};\nconsole.log(%HaveSameMap(a, {}));\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    before = node(tmp_path, "main.js")
    report = migrate(tmp_path, "--files", "lib/*")
    assert report["status"] == "ok", report["message"]
    assert report["skipped"] == [{"path": "lib/api.js", "reason": "kept as JavaScript: api.d.ts declares its types by hand"}]
    assert (tmp_path / "lib" / "util.ts").exists() and (tmp_path / "lib" / "api.js").exists()
    assert json.loads((tmp_path / "tsconfig.json").read_text())["exclude"] == ["node_modules", "test/native.js"]
    # the type test's error was there before the migration, in a file it does not change
    assert report["errors_after"] == 0 and report["errors_preexisting"] == 1
    assert "1 error(s) the project already had in files the migration does not change" in report["verification"]["command"]
    assert (tmp_path / "types" / "check.ts").read_text() == files["types/check.ts"]
    assert [line.split(": error ")[1][:6] for line in type_errors(tmp_path)] == ["TS2322"]
    subprocess.run([*TSC, "-p", "tsconfig.json", *TYPE_ROOTS], cwd=tmp_path, capture_output=True, text=True)  # emits despite that error
    assert node(tmp_path, "main.js") == before == "total: 6\n"


def test_a_class_field_set_outside_the_constructor_gets_a_definite_assignment_assertion(tmp_path):
    (tmp_path / "package.json").write_text('{"name": "fields", "version": "1.0.0"}\n')
    (tmp_path / "counter.js").write_text(
        "class Counter {\n  count;\n  static instances = 0;\n  label = 'counter';\n"
        "  reset() {\n    this.count = 0;\n  }\n  add(n) {\n    this.count += n;\n    return this.count;\n  }\n}\n"
        "const c = new Counter();\nc.reset();\nconsole.log(c.add(2), c.label);\nmodule.exports = { Counter };\n"
    )
    report = migrate(tmp_path)
    assert report["status"] == "ok", report["message"]
    text = (tmp_path / "counter.ts").read_text()
    assert "  count!: number;\n  static instances = 0;\n  label = 'counter';\n" in text
    assert report["suppressions"] == 0
    compile_back(tmp_path)
    assert node(tmp_path, "counter.js") == "2 counter\n"


SHAPE = """export default class Shape {
  /** @param {string} kind */
  constructor(kind) {
    this.kind = kind;
  }
  describe() {
    return `${this.kind} of area ${this.area}`;
  }
  render() {
    return `<${this.draw()}>`;
  }
  toJSON() {
    return this.kind;
  }
}
"""
SHAPES = """import Shape from './shape.js';

export class Square extends Shape {
  constructor(side) {
    super('square');
    this.side = side;
  }
  get area() {
    return this.side * this.side;
  }
  draw() {
    return 'square';
  }
  toJSON() {
    return { kind: this.kind, side: this.side };
  }
}

export class Circle extends Shape {
  constructor(radius) {
    super('circle');
    this.radius = radius;
  }
  get area() {
    return Math.round(Math.PI * this.radius * this.radius);
  }
  draw() {
    return 'circle';
  }
  toJSON() {
    return { kind: this.kind, radius: this.radius };
  }
}
"""


def migrate_written(root: Path, files: dict[str, str], entry: str) -> tuple[dict, str]:
    """Writes a small project, records what `entry` prints and migrates it: the report, and what it printed."""
    for name, text in files.items():
        (root / name).write_text(text)
    before = node(root, entry)
    report = migrate(root)
    assert report["status"] == "ok", report["message"]
    return report, before


def test_members_subclasses_define_otherwise_are_declared_so_that_they_may(tmp_path):
    main = (
        "import { Square, Circle } from './shapes.js';\n\n"
        "for (const shape of [new Square(2), new Circle(1)]) console.log(shape.describe(), shape.render(), JSON.stringify(shape));\n"
    )
    package = '{"name": "shapes", "version": "1.0.0", "type": "module"}\n'
    report, before = migrate_written(tmp_path, {"package.json": package, "shape.js": SHAPE, "shapes.js": SHAPES, "main.js": main}, "main.js")
    shape = (tmp_path / "shape.ts").read_text()
    # the field Shape reads and its subclasses define as getters, and the function it calls and they define as methods:
    # declared in an interface merged with the class (as a field and as a method), which cannot merge with `export default class`
    assert shape.startswith("class Shape {\n") and shape.endswith("}\ninterface Shape {\n  area: any;\n  draw(): any;\n}\nexport default Shape;\n")
    # a method whose subclasses return other things than the base's inferred result, which nothing reads
    assert "  toJSON(): unknown {\n    return this.kind;" in shape
    assert report["suppressions"] == 0 and report["any_count"] == 2
    compile_back(tmp_path)
    assert node(tmp_path, "main.js") == before


def test_results_and_fields_whose_users_need_nothing_of_the_value_are_unknown_not_any(tmp_path):
    registry = (
        "class Registry {\n  constructor() {\n    this.items = [];\n  }\n\n"
        "  /** @param {*} item */\n  add(item) {\n    this.items.push(item);\n    return this;\n  }\n\n"
        "  /** @return {Array} the items, oldest first */\n  list() {\n    return this.items.slice();\n  }\n"
        "  /** @return {Array} */\n  names() {\n    return this.items.map((item) => item.name);\n  }\n}\n"
        "module.exports = Registry;\n"
    )
    main = (
        "const Registry = require('./registry');\n"
        "const registry = new Registry().add({ name: 'a' }).add({ name: 'b' });\n"
        "console.log(registry.list().length, JSON.stringify(registry.list()));\n"
        "console.log(registry.names().map((name) => name.toUpperCase()));\n"
    )
    package = '{"name": "registry", "version": "1.0.0"}\n'
    report, before = migrate_written(tmp_path, {"package.json": package, "registry.js": registry, "main.js": main}, "main.js")
    text = (tmp_path / "registry.ts").read_text()
    # what is stored is only handed out, except for the names read off it; the list is only counted and printed
    assert "  declare items: { name: unknown; }[];\n" in text
    assert "  list(): Array<unknown> {\n" in text
    # main.ts calls toUpperCase() on what names() returns: that needs more than unknown
    assert "  names(): Array<any> {\n" in text
    assert report["suppressions"] == 0
    compile_back(tmp_path)
    assert node(tmp_path, "main.js") == before


def test_fields_declared_any_take_the_types_of_what_their_class_assigns_them(tmp_path):
    compiler = (
        "class Compiler {\n  constructor(client, builder) {\n    this.client = client;\n    this.builder = builder;\n    this.label = null;\n  }\n\n"
        "  named(label) {\n    this.label = label;\n    return this;\n  }\n\n"
        "  toSQL() {\n    const label = this.label ? ' ' + this.label.toUpperCase() : '';\n"
        "    return this.client.name + ':' + this.builder.schema + label;\n  }\n}\nmodule.exports = Compiler;\n"
    )
    client = (
        "const Compiler = require('./compiler');\n"
        "class Client {\n  constructor(name) {\n    this.name = name;\n  }\n\n"
        "  compiler(builder) {\n    return new Compiler(this, builder);\n  }\n}\nmodule.exports = Client;\n"
    )
    main = "const Client = require('./client');\nconsole.log(new Client('db').compiler({ schema: 'public' }).named('users').toSQL());\n"
    package = '{"name": "compilers", "version": "1.0.0"}\n'
    report, before = migrate_written(tmp_path, {"package.json": package, "compiler.js": compiler, "client.js": client, "main.js": main}, "main.js")
    text = (tmp_path / "compiler.ts").read_text()
    # the members were declared while the constructor's parameters had no types yet: they take the parameters' types now
    assert "  declare client: import('./client');\n  declare builder: { schema: string; };\n" in text
    assert "  constructor(client: import('./client'), builder: { schema: string; }) {\n" in text
    assert report["any_count"] == 0 and report["suppressions"] == 0
    compile_back(tmp_path)
    assert node(tmp_path, "main.js") == before == "db:public USERS\n"


def test_fields_assigned_untyped_values_take_the_types_of_their_uses_and_jsdoc_import_types_get_extensions(tmp_path):
    request = (
        "export default class Request {\n\tconstructor(url, init = {}) {\n\t\tthis.url = url;\n"
        "\t\tthis.follow = init.follow === undefined ? 20 : init.follow;\n\t\tthis.counter = init.counter || 0;\n\t}\n}\n"
    )
    fetch = (
        "import Request from './request.js';\n\n"
        "/**\n * @param {import('./request').default} request\n * @return {string}\n */\n"
        "export function redirect(request) {\n\tif (request.counter >= request.follow) {\n"
        "\t\treturn 'too many redirects: ' + request.url;\n\t}\n\trequest.counter++;\n"
        "\treturn `redirect ${request.counter}, ${request.follow - request.counter} left`;\n}\n\n"
        "const request = new Request('http://example.com', { follow: 1 });\n"
        "console.log(redirect(request));\nconsole.log(redirect(request));\n"
    )
    package = '{"name": "fetchish", "version": "1.0.0", "type": "module"}\n'
    report, before = migrate_written(tmp_path, {"package.json": package, "request.js": request, "fetch.js": fetch}, "fetch.js")
    # an ES module under nodenext names the file it imports a type from with its extension (TS2835 otherwise)
    assert "export function redirect(request: import('./request.js').default): string {" in (tmp_path / "fetch.ts").read_text()
    # the fields hold what `init` (any values) holds: their types come from their uses
    assert "  declare follow: number;\n  declare counter: number;\n" in (tmp_path / "request.ts").read_text()
    assert report["suppressions"] == 0 and report["any_count"] == 1  # init: Record<string, any>
    assert type_errors(tmp_path) == []
    compile_back(tmp_path)
    assert node(tmp_path, "fetch.js") == before == "redirect 1, 0 left\ntoo many redirects: http://example.com\n"


def test_a_jsdoc_type_naming_nothing_or_a_constructor_function_is_any_not_a_suppression_over_the_signature(tmp_path):
    pick = (
        "/**\n * @param {string} name\n * @param {Mixed} [fallback]\n * @return {Mixed}\n */\n"
        "function pick(name, fallback) {\n  const found = process.env[name];\n  return found === undefined ? fallback : found;\n}\n\n"
        "/**\n * @param {Layer} layer\n */\nfunction describe(layer) {\n  return layer.name + ' at ' + layer.path;\n}\n\n"
        "function Layer(name, path) {\n  this.name = name;\n  this.path = path;\n}\n\n"
        "console.log(pick('KIMI_LSP_NO_SUCH_VARIABLE', 'default'), describe(new Layer('root', '/')));\n"
        "module.exports = { pick, describe, Layer };\n"
    )
    report, before = migrate_written(tmp_path, {"package.json": '{"name": "pick", "version": "1.0.0"}\n', "pick.js": pick}, "pick.js")
    text = (tmp_path / "pick.ts").read_text()
    # a suppression above the signature would hide every error on its line, the parameters' uses included
    # `{Mixed}` names nothing: the result inferred in its place is `any`, written so that it counts
    assert "*/\nfunction pick(name: string, fallback?: any): any {\n" in text
    assert "*/\nfunction describe(layer: any) {\n" in text
    assert text.count("@ts-expect-error") == 1  # `new Layer(...)`: a function used as a constructor
    assert type_errors(tmp_path) == []
    compile_back(tmp_path)
    assert node(tmp_path, "pick.js") == before == "default root at /\n"


def test_a_jsdoc_type_typescript_reads_as_a_namespace_or_a_function_type_falls_back_to_any_not_a_suppression(tmp_path):
    # `Runner.constants = ...` gives the function members: TypeScript reads `{Runner}` as a namespace (TS2709)
    runner = (
        "'use strict';\nfunction Runner(suite) {\n  this.suite = suite;\n}\nRunner.constants = { EVENT_RUN: 'run' };\n"
        "/**\n * @param {function} fn\n * @returns {Runner} this, for chaining\n */\n"
        "Runner.prototype.run = function (fn) {\n  fn(this.suite);\n  return this;\n};\n"
        "/**\n * @param {string} name\n * @returns {*} this\n */\n"
        "Runner.prototype.named = function (name) {\n  this.name = name;\n  return this;\n};\nmodule.exports = Runner;\n"
    )
    base = (
        "'use strict';\n/**\n * @param {function} listener\n * @param {Suite} suite\n */\n"
        "function watch(listener, suite) {\n  process.on('exit', listener);\n  return suite;\n}\nmodule.exports = { watch };\n"
    )
    # express's ETag generators: `{function}` as `Function`, and the result inferred, each make `compile`'s
    # `return fn` an error, since `fn` may be undefined where its JSDoc says `{Function}`
    etag = (
        "'use strict';\n/**\n * @param {object} options\n * @return {function}\n */\n"
        "function generator(options) {\n  return function (body) {\n    return (options.weak ? 'W/' : '') + body.length;\n  };\n}\n"
        "var strong = generator({ weak: false });\n"
        "/**\n * @param {Boolean|Function} val\n * @return {Function}\n */\n"
        "function compile(val) {\n  var fn;\n  if (typeof val === 'function') return val;\n"
        "  if (val === true) fn = strong;\n  return fn;\n}\nmodule.exports = { compile };\n"
    )
    main = (
        "const Runner = require('./runner');\nconst { watch } = require('./watch');\nconst { compile } = require('./etag');\n"
        "Runner.prototype.run.call({ suite: 'unit' }, (suite) => console.log('ran', suite));\n"
        "console.log(watch(() => console.log('bye'), 'suite'), compile(true)('abc'), compile(false));\n"
    )
    files = {"package.json": '{"name": "runner", "version": "1.0.0"}\n', "runner.js": runner, "watch.js": base, "etag.js": etag, "main.js": main}
    report, before = migrate_written(tmp_path, files, "main.js")
    runner_ts, watch_ts = (tmp_path / "runner.ts").read_text(), (tmp_path / "watch.ts").read_text()
    # the result inferred in place of `{Runner}` is `any`, written so that it counts
    assert "*/\nRunner.prototype.run = function (fn: Function): any {\n" in runner_ts
    # JSDoc's `{*}` is `any`, which nothing in the program needs more of, but code outside it chains on it
    assert "*/\nRunner.prototype.named = function (name: string): any {\n" in runner_ts
    # `Function` is no listener for process.on, and `Suite` names nothing: both `any`, not a suppression over the line
    assert "*/\nfunction watch(listener: any, suite: any) {\n" in watch_ts
    assert "@ts-expect-error" not in watch_ts and "TS2709" not in runner_ts
    # and so `{function}` is `any` there, not the keyword `function` under a suppression
    etag_ts = (tmp_path / "etag.ts").read_text()
    assert "*/\nfunction generator(options: Record<string, any>): any {\n" in etag_ts and "@ts-expect-error" not in etag_ts, etag_ts
    assert type_errors(tmp_path) == []
    compile_back(tmp_path)
    assert node(tmp_path, "main.js") == before == "ran unit\nsuite 3 undefined\nbye\n"


def test_a_field_typescript_types_any_from_its_constructor_is_written_any_and_counted(tmp_path):
    trx = (
        'class Transaction {\n'
        '  /**\n'
        '   * @param {string} client\n'
        '   * @param {*} config\n'
        '   */\n'
        '  constructor(client, config) {\n'
        '    this.client = client;\n'
        '    this.userParams = {};\n'
        '    this.userParams = config.userParams;\n'
        '  }\n'
        '\n'
        '  describe() {\n'
        "    return this.client + ' ' + JSON.stringify(this.userParams);\n"
        '  }\n'
        '}\n'
        '\n'
        "console.log(new Transaction('pg', { userParams: { a: 1 } }).describe());\n"
        'module.exports = Transaction;\n'
    )
    report, before = migrate_written(tmp_path, {"package.json": '{"name": "trx", "version": "1.0.0"}\n', "trx.js": trx}, "trx.js")
    # `{}` is a placeholder the typing rounds drop; what the constructor then assigns is `any`
    assert "  declare userParams: any;\n" in (tmp_path / "trx.ts").read_text()
    assert report["any_count"] == 2 and report["suppressions"] == 0  # config: any (JSDoc's {*}), and the field
    compile_back(tmp_path)
    assert node(tmp_path, "trx.js") == before == 'pg {"a":1}\n'


def test_babel_output_declaring_a_require_and_its_members_in_one_statement_is_converted(tmp_path):
    # Babel compiles `const { format } = require('util')` to one `var` with two declarations,
    # on which TypeScript's convertToEsModule fails ("Changes overlap")
    say = (
        "'use strict';\n\nvar _require = require('util'), // for format\n  format = _require.format;\n\n"
        "exports.say = function say(x) {\n  return format('%s!', x);\n};\n"
    )
    main = "const { say } = require('./say');\nconsole.log(say('hi'));\n"
    package = '{"name": "say", "version": "1.0.0"}\n'
    report, before = migrate_written(tmp_path, {"package.json": package, "say.js": say, "main.js": main}, "main.js")
    assert report["skipped"] == []
    text = (tmp_path / "say.ts").read_text()
    assert "import _require = require('util');\n// for format\nvar format = _require.format;\n" in text  # the comment stays
    assert "export function say(x: string) {" in text
    assert report["any_count"] == 0 and report["suppressions"] == 0
    compile_back(tmp_path)
    assert node(tmp_path, "main.js") == before == "hi!\n"


def test_module_exports_of_a_module_passed_to_a_function_is_not_the_files_own(tmp_path):
    index = (
        "var templates = { compile: function (text) { return function (data) { return text.replace('{{x}}', data.x); }; } };\n\n"
        "module.exports = templates;\n\n"
        "// a require() hook for .tpl files: `module` here is the module of the file being loaded\n"
        "function extension(module, filename) {\n  var fs = require('fs');\n"
        "  module.exports = templates.compile(fs.readFileSync(filename, 'utf8'));\n}\n"
        "require.extensions['.tpl'] = extension;\n"
    )
    main = "const templates = require('./index');\nconst greet = require('./greeting.tpl');\nconsole.log(greet({ x: 'world' }), typeof templates.compile);\n"
    files = {"package.json": '{"name": "tpl", "version": "1.0.0"}\n', "index.js": index, "greeting.tpl": "hello {{x}}", "main.js": main}
    report, before = migrate_written(tmp_path, files, "main.js")
    text = (tmp_path / "index.ts").read_text()
    assert "  module.exports = templates.compile(fs.readFileSync(filename, 'utf8'));\n" in text
    assert text.endswith("\nexport = templates;\n")
    compile_back(tmp_path)
    assert node(tmp_path, "main.js") == before == "hello world function\n"


def test_a_commonjs_package_with_es_module_sources_for_a_bundler_stays_commonjs_where_node_runs_it(tmp_path):
    # as handlebars ships: ES module sources for Babel, Babel's CommonJS output, and a CommonJS entry that requires it
    (tmp_path / "src").mkdir()
    (tmp_path / "dist").mkdir()
    files = {
        "package.json": '{"name": "mix", "version": "1.0.0", "main": "index.js"}\n',
        "src/greet.js": "import { upper } from './upper';\n\nexport function greet(name) {\n  return 'hi ' + upper(name);\n}\n",
        "src/upper.js": "export function upper(text) {\n  return text.toUpperCase();\n}\n",
        "dist/greet.js": (
            "'use strict';\n\nexports.__esModule = true;\nexports.greet = greet;\n\nvar _upper = require('./upper');\n\n"
            "function greet(name) {\n  return 'hi ' + (0, _upper.upper)(name);\n}\n"
        ),
        "dist/upper.js": "'use strict';\n\nexports.__esModule = true;\nexports.upper = upper;\nfunction upper(text) {\n  return text.toUpperCase();\n}\n",
        "index.js": "var greet = require('./dist/greet').greet;\nmodule.exports = greet;\n",
        "main.js": "console.log(require('./index')('ann'));\n",
    }
    report, before = migrate_written(tmp_path, files, "main.js")
    config = json.loads((tmp_path / "tsconfig.json").read_text())
    # `esnext` would emit the CommonJS files as ES modules (and reject their `import = require`): Node runs them as CommonJS
    assert (config["compilerOptions"]["module"], config["compilerOptions"]["moduleResolution"]) == ("nodenext", "nodenext")
    greet = (tmp_path / "dist" / "greet.ts").read_text()
    # Babel's marker goes: tsc writes its own, which cannot be assigned again
    assert "__esModule" not in greet and "export { greet };" in greet and "function greet(name: string) {" in greet
    assert report["suppressions"] == 0 and type_errors(tmp_path) == []
    compile_back(tmp_path)
    assert node(tmp_path, "main.js") == before == "hi ANN\n"


BABEL_MARKER = "'use strict';\n\nObject.defineProperty(exports, \"__esModule\", {\n    value: true\n});\n"


def test_babel_output_whose_module_value_is_its_default_export_is_converted(tmp_path):
    # babel-plugin-add-module-exports, as async 3 ships each function: `exports.default = v` and, last, `module.exports = exports.default`
    every = (
        BABEL_MARKER + "exports.default = every;\n\nvar _helper = require('./helper.js');\n\nvar _helper2 = _interopRequireDefault(_helper);\n\n"
        "function _interopRequireDefault(obj) { return obj && obj.__esModule ? obj : { default: obj }; }\n\n"
        "function every(list, test) {\n    return (0, _helper2.default)(list, test);\n}\nmodule.exports = exports.default;\n"
    )
    # with the plugin's addDefaultProperty, as validator 13 ships: the value is also its own `default`
    helper = (
        BABEL_MARKER + "exports.default = allOf;\nfunction allOf(list, test) {\n    return list.every(test);\n}\n"
        "module.exports = exports.default;\nmodule.exports.default = exports.default;\n"
    )
    main = (
        "const every = require('./every');\nconst allOf = require('./helper');\n"
        "console.log(every([2, 4], (x) => x % 2 === 0), typeof every.default, allOf.default === allOf);\n"
    )
    package = '{"name": "every", "version": "1.0.0"}\n'
    report, before = migrate_written(tmp_path, {"package.json": package, "every.js": every, "helper.js": helper, "main.js": main}, "main.js")
    assert report["skipped"] == []
    text = (tmp_path / "every.ts").read_text()
    assert "import _helper = require('./helper.js');" in text and text.endswith("\nexport = every;\n")
    # the module's value set where the default export was, before the requires, as valueModuleChanges keeps it
    assert text.startswith("'use strict';\n\nmodule.exports = every;\n") and "exports.default" not in text and "defineProperty" not in text
    helper_text = (tmp_path / "helper.ts").read_text()
    assert "allOf.default = allOf;\nexport = allOf;\n" in helper_text and "exports.default" not in helper_text
    assert type_errors(tmp_path) == []
    compile_back(tmp_path)
    assert node(tmp_path, "main.js") == before == "true undefined true\n"


def test_commonjs_that_keeps_require_under_a_tsconfig_compiling_to_es_modules_stays_javascript(tmp_path):
    # `import = require` and `export =` are errors under `module: esnext`, and tsc emits nothing for them:
    # a suppression there would type-check and lose the statement from the compiled code
    files = {
        "package.json": '{"name": "say", "version": "1.0.0"}\n',
        "tsconfig.json": '{"compilerOptions": {"module": "esnext", "moduleResolution": "bundler", "allowJs": true, "strict": true}}\n',
        "say.js": "const util = require('util');\nfunction say(x) {\n  return util.format('%s!', x);\n}\nmodule.exports = say;\n",
        "main.js": "const say = require('./say');\nconsole.log(say('hi'));\n",
        "shout.js": "export function shout(x) {\n  return x.toUpperCase() + '!';\n}\n",
        "twice.js": "exports.twice = function (x) {\n  return x + x;\n};\n",  # named exports have an ES module form
        "loud.js": "import { shout } from './shout';\nimport { twice } from './twice';\nexport const loud = shout(twice('a'));\n",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    report = migrate(tmp_path)
    assert report["status"] == "ok", report["message"]
    skipped = {entry["path"]: entry["reason"] for entry in report["skipped"]}
    assert sorted(skipped) == ["main.js", "say.js"]
    assert all("tsconfig.json compiles TypeScript to ES modules (`module`: esnext)" in reason for reason in skipped.values())
    assert "set `module` to nodenext to convert it" in skipped["say.js"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["loud.ts", "main.js", "package.json", "say.js", "shout.ts", "tsconfig.json", "twice.ts"]
    assert all((tmp_path / name).read_text() == files[name] for name in ("main.js", "say.js", "tsconfig.json"))
    assert "export function twice (x: string) {" in (tmp_path / "twice.ts").read_text()
    assert type_errors(tmp_path) == []


def test_commonjs_in_a_package_of_es_modules_stays_javascript_with_the_rename_that_converts_it(tmp_path):
    files = {
        "package.json": '{"name": "say", "version": "1.0.0", "type": "module"}\n',
        "say.js": "module.exports = function say(x) {\n  return x + '!';\n};\n",  # Node loads it as an ES module
        "shout.js": "export function shout(x) {\n  return x.toUpperCase() + '!';\n}\n",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    report = migrate(tmp_path)
    assert report["status"] == "ok", report["message"]
    assert [entry["path"] for entry in report["skipped"]] == ["say.js"]
    assert 'package.json\'s "type": "module" makes it an ES module' in report["skipped"][0]["reason"]
    assert "rename it .cjs to convert it" in report["skipped"][0]["reason"]
    assert (tmp_path / "say.js").read_text() == files["say.js"] and (tmp_path / "shout.ts").exists()
    assert type_errors(tmp_path) == []


def install_package(root: Path, name: str, files: dict[str, str]) -> None:
    """A package in root's node_modules: index.js, and its types where files has an index.d.ts."""
    package = root / "node_modules" / name
    package.mkdir(parents=True)
    types = ', "types": "index.d.ts"' if "index.d.ts" in files else ""
    (package / "package.json").write_text(f'{{"name": "{name}", "version": "1.0.0", "main": "index.js"{types}}}\n')
    for file, text in files.items():
        (package / file).write_text(text)


def test_a_type_inferred_from_a_package_for_two_parameters_is_imported_once(tmp_path):
    install_package(
        tmp_path,
        "matchlib",
        {
            "index.d.ts": "export type Matcher = string | RegExp;\ndeclare function match(matcher: Matcher, text: string): boolean;\nexport default match;\n",
            "index.js": "const match = (m, text) => (typeof m === 'string' ? text.includes(m) : m.test(text));\nmodule.exports = match;\nmodule.exports.default = match;\n",
        },
    )
    main = (
        "const match = require('matchlib').default;\n"
        "function first(matcher, list) {\n  return list.find((text) => match(matcher, text));\n}\n"
        "function every(matcher, list) {\n  return list.every((text) => match(matcher, text));\n}\n"
        "console.log(first('a', ['xa', 'b']), every(/b/, ['b', 'ab']));\n"
    )
    report, before = migrate_written(tmp_path, {"package.json": '{"name": "f", "version": "1.0.0"}\n', "main.js": main}, "main.js")
    text = (tmp_path / "main.ts").read_text()
    # usage inference imports Matcher for each parameter it types with it: twice would not parse, and cost the file every type
    assert text.startswith("import match, { Matcher } from 'matchlib';\nfunction first(matcher: Matcher, ")
    assert "function every(matcher: Matcher, " in text and "(text: string) => match(matcher, text)" in text
    assert report["suppressions"] == 0
    compile_back(tmp_path)
    assert node(tmp_path, "main.js") == before == "xa true\n"


def test_a_type_inferred_from_usage_that_other_uses_contradict_or_too_long_to_read_is_any(tmp_path):
    # a test framework without types: inferFromUsage types `t` as the shape
    # of its uses, `{ deepEqual: (arg0: number, arg1: number, arg2: string)
    # => void; ... }` from the last call, which the other calls contradict
    same = "(a, b, msg) => console.log(JSON.stringify(a) === JSON.stringify(b) ? 'ok' : 'not ok', name, msg)"
    install_package(tmp_path, "minitest", {"index.js": f"module.exports = function test(name, body) {{\n  const same = {same};\n  body({{ deepEqual: same, same, end: () => {{}} }});\n}};\n"})
    main = (
        "const test = require('minitest');\n"
        "function twice(n) {\n  return n * 2;\n}\n"
        "function parse(query) {\n  const out = {};\n"
        "  for (const pair of query.split('&')) out[pair.split('=')[0]] = pair.split('=')[1];\n  return out;\n}\n"
        "test('parse', function (t) {\n"
        "  t.deepEqual(parse('a=1'), { a: '1' }, 'one');\n"
        "  t.deepEqual(parse('a=1&b=2'), { a: '1', b: '2' }, 'two');\n"
        "  t.deepEqual(parse('name=x&size=big'), { name: 'x', size: 'big' }, 'words');\n"
        "  t.deepEqual(twice(2), 4, 'twice');\n"
        "  t.end();\n"
        "});\n"
        # consistent uses, but the type of them all runs to a paragraph
        "test('shapes', function (t) {\n"
        "  t.same({ name: 'x', size: 'big', colour: 'red' }, { name: 'x', size: 'big', colour: 'red' }, 'flat');\n"
        "  t.same({ id: 1, tags: ['a'], nested: { deep: true } }, { id: 1, tags: ['a'], nested: { deep: true } }, 'nested');\n"
        "});\n"
    )
    report, before = migrate_written(tmp_path, {"package.json": '{"name": "q", "version": "1.0.0"}\n', "main.js": main}, "main.js")
    text = (tmp_path / "main.ts").read_text()
    assert "test('parse', function (t: any) {" in text and "test('shapes', function (t: any) {" in text
    assert "function twice(n: number) {" in text  # a type that reads on a line is still inferred
    assert report["errors_after"] == 0 and report["suppressions"] == 0
    compile_back(tmp_path)
    assert node(tmp_path, "main.js") == before == "ok parse one\nok parse two\nok parse words\nok parse twice\nok shapes flat\nok shapes nested\n"


def test_a_this_type_usage_inference_writes_outside_a_class_becomes_the_classes_passing_this_or_any(tmp_path):
    # describe(this) in Square and in Circle: inferred `this|this`; copy(this) also in an unnamed class
    shapes = (
        "function copy(source) {\n"
        "  return Object.assign(Object.create(Object.getPrototypeOf(source)), source);\n"
        "}\n"
        "function describe(shape) {\n"
        "  return shape.kind + ' ' + shape.size;\n"
        "}\n"
        "class Square {\n"
        "  constructor(size) {\n"
        "    this.kind = 'square';\n"
        "    this.size = size;\n"
        "  }\n"
        "  describe() {\n"
        "    return describe(this);\n"
        "  }\n"
        "  copy() {\n"
        "    return copy(this);\n"
        "  }\n"
        "}\n"
        "class Circle {\n"
        "  constructor(size) {\n"
        "    this.kind = 'circle';\n"
        "    this.size = size;\n"
        "  }\n"
        "  describe() {\n"
        "    return describe(this);\n"
        "  }\n"
        "}\n"
        "const Blob = class {\n"
        "  constructor() {\n"
        "    this.kind = 'blob';\n"
        "    this.size = 0;\n"
        "  }\n"
        "  copy() {\n"
        "    return copy(this);\n"
        "  }\n"
        "};\n"
        "console.log(new Square(2).describe(), new Circle(1).describe(), new Square(3).copy().describe(), new Blob().copy().kind);\n"
        "module.exports = { Square, Circle, Blob };\n"
    )
    report, before = migrate_written(tmp_path, {"package.json": '{"name": "shapes", "version": "1.0.0"}\n', "shapes.js": shapes}, "shapes.js")
    text = (tmp_path / "shapes.ts").read_text()
    assert "function describe(shape: Square | Circle) {" in text  # each class once
    # no class to name: `any` as TypeScript read the `this` anyway, then `unknown`, as copy needs nothing of it
    assert "function copy(source: unknown) {" in text
    assert report["suppressions"] == 0 and report["errors_after"] == 0
    compile_back(tmp_path)
    assert node(tmp_path, "shapes.js") == before == "square 2 circle 1 square 3 blob\n"


def test_a_function_passing_its_arguments_on_gets_a_rest_parameter_only_where_args_is_free(tmp_path):
    forward = (
        "/**\n * @param {number} a\n * @param {number} b\n */\nfunction sum(a, b) {\n  return a + b;\n}\n"
        "function total() {\n  return sum(...arguments);\n}\n"
        "function described() {\n  if (arguments.length) {\n    const args = ['x'];\n    return sum(...arguments) + args.length;\n  }\n  return 0;\n}\n"
        "console.log(total(1, 2), described(1, 2));\nmodule.exports = { total, described };\n"
    )
    package = '{"name": "forward", "version": "1.0.0"}\n'
    _, before = migrate_written(tmp_path, {"package.json": package, "forward.js": forward}, "forward.js")
    text = (tmp_path / "forward.ts").read_text()
    assert "function total(...args: Parameters<typeof sum>) {\n  return sum(...args);" in text
    # a rest parameter named args would be shadowed by the `args` where the arguments are passed on;
    # it only says that the function takes more arguments than it names
    assert "function described(...rest: unknown[]) {" in text and "return sum(...arguments) + args.length;" in text
    compile_back(tmp_path)
    assert node(tmp_path, "forward.js") == before


def test_a_line_only_typescript7_reports_takes_ts_ignore_so_its_fast_check_alone_proves_the_result(tmp_path):
    # TypeScript 7 checks side-effect imports (TS2882); TypeScript 5.9, which types the migration, does not.
    # `dotpad` is found at run time through NODE_PATH, which type checkers do not read.
    with_untyped_package(tmp_path / "shared")
    (tmp_path / "shared" / "node_modules" / "dotpad" / "index.js").write_text("console.log('registered');\n")
    root = tmp_path / "app"
    root.mkdir()
    (root / "package.json").write_text('{"name": "app", "version": "1.0.0"}\n')
    (root / "main.js").write_text("require('dotpad');\nconst { area } = require('./shapes');\nconsole.log(area(2, 3));\n")
    (root / "shapes.js").write_text("function area(w, h) {\n  return w * h;\n}\nmodule.exports = { area };\n")
    run = partial(subprocess.run, ["node", "main.js"], cwd=root, capture_output=True, text=True, check=True)
    env = {**os.environ, "NODE_PATH": str(tmp_path / "shared" / "node_modules")}
    before = run(env=env).stdout
    report = migrate(root)
    assert report["status"] == "ok", report["message"]
    assert report["verification"]["command"].startswith("tsc (typescript@7) --noEmit")
    lines = (root / "main.ts").read_text().splitlines()
    assert lines[:2] == [
        "// @ts-ignore -- TS2882 (TypeScript 7 only): Cannot find module or type declarations for side-effect import of 'dotpad'.",
        "import 'dotpad';",
    ]
    assert report["suppressions"] == 1
    native = client.native_tsc_command(root)
    assert native, "typescript@7's native tsc is installed with kimi-lsp"
    checked = subprocess.run([*native, "--noEmit", "-p", "tsconfig.json", *TYPE_ROOTS], cwd=root, capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout
    assert type_errors(root) == []
    compile_back(root)
    assert run(env=env).stdout == before == "registered\n6\n"


def test_a_module_value_declared_with_its_name_becomes_that_name_exported(tmp_path):
    app = (
        "var app = exports = module.exports = {};\n\n"
        "app.settings = {};\n\n"
        "/**\n * @param {string} name\n * @param {string} value\n * @return {app} for chaining\n */\n"
        "app.set = function set(name, value) {\n  this.settings[name] = value;\n  return this;\n};\n\n"
        "// restores the named keys of obj after fn ran\n"
        "function restore(fn, obj) {\n  var keys = Array.prototype.slice.call(arguments, 2);\n  var vals = keys.map(function (k) { return obj[k]; });\n"
        "  return function () {\n    keys.forEach(function (k, i) { obj[k] = vals[i]; });\n    return fn.apply(this, arguments);\n  };\n}\n\n"
        "app.run = function run(task) {\n  var done = restore(task, this.settings, 'mode', 'user');\n  return done(1, 2);\n};\n\n"
        "/**\n * @return {Router} a router\n */\napp.router = function router() {\n  return { stack: [] };\n};\n"
    )
    stub = "const Stub = (module.exports = function () {});\nStub.prototype.name = 'stub';\n"
    bag = (
        "module.exports = {\n  items: [1],\n  get size() {\n    return this.items.length;\n  },\n"
        "  get owned() {\n    return this.owner !== undefined;\n  },\n"  # `owner`: set on the object, never declared
        "  describe() {\n    return this.owner + ': ' + this.size;\n  },\n};\n"
        "module.exports.label = 'bag of ' + module.exports.size;\n"
    )
    # an object of exports the module changes afterwards stays one object
    util = (
        "function slow(x) {\n  return x + 1;\n}\nfunction twice(x) {\n  return 2 * x;\n}\n"
        "module.exports = { slow, twice };\n"
        "if (process.env.SLOW === undefined) module.exports.slow = function fast(x) {\n  return x + 1;\n};\n"
    )
    main = (
        "const app = require('./app');\nconst Stub = require('./stub');\nconst bag = require('./bag');\n"
        "const { slow, twice } = require('./util');\nconsole.log(slow(1), twice(2), slow.name);\n"
        "app.set('mode', 'fast').set('user', 'ann');\n"
        "console.log(app.run(function (a, b) { return [a, b]; }), JSON.stringify(app.settings), new Stub().name, app.router().stack, bag.size, bag.label, bag.owned);\n"
        "bag.owner = 'ann';\nconsole.log(bag.describe(), bag.owned);\n"
    )
    package = '{"name": "app", "version": "1.0.0"}\n'
    report, before = migrate_written(tmp_path, {"package.json": package, "app.js": app, "stub.js": stub, "bag.js": bag, "util.js": util, "main.js": main}, "main.js")
    assert not report["skipped"]
    text = (tmp_path / "app.ts").read_text()
    assert text.startswith("var app: Record<string, any> = {};\n\napp.settings = {};\n") and text.endswith("export = app;\n")
    # JSDoc's `{app}` names the object, whose type is `typeof app`
    assert "app.set = function set(name: string, value: string): typeof app {" in text
    # called with more arguments than they name, and reading them from `arguments`
    assert "function restore(fn: any, obj: { [x: string]: any; }, ...rest: unknown[]) {" in text
    assert "  return function (...rest: unknown[]) {" in text
    # JSDoc's `{Router}` names nothing TypeScript knows: the result is inferred instead
    assert "app.router = function router() {\n  return { stack: [] };" in text
    assert text.count("@ts-expect-error") == 1  # `this` in the function restore returns
    assert (tmp_path / "stub.ts").read_text() == "const Stub = function () {};\nStub.prototype.name = 'stub';\nexport = Stub;\n"
    # a value with no name of its own, filled in afterwards, gets the file's
    bag_ts = (tmp_path / "bag.ts").read_text()
    assert bag_ts.startswith("const bag = {\n") and "\nbag.label = 'bag of ' + bag.size;\n" in bag_ts and bag_ts.endswith("export = bag;\n")
    # its methods read `this.owner`, which only the program sets: `this` is a record in them
    assert "\n} satisfies ThisType<Record<string, any>>;\n" in bag_ts
    util_ts = (tmp_path / "util.ts").read_text()
    assert "\nconst util = { slow, twice };\n" in util_ts and "module.exports" not in util_ts and util_ts.endswith("\nexport = util;\n")
    assert "util.slow = function fast(x) {" in util_ts and "@ts-expect-error" not in util_ts
    assert bag_ts.count("@ts-expect-error") == 1 and "TS2339: Property 'label' does not exist" in bag_ts  # TypeScript adds no properties to an object
    compile_back(tmp_path)
    assert node(tmp_path, "main.js") == before



def test_methods_given_to_another_object_read_this_as_a_record_not_under_suppressions(tmp_path):
    # knex's pattern: methods copied onto a context object (`Object.assign`), and
    # accessors defined on a function from a map of property descriptors
    # (`Object.defineProperties`). `this` is the object they end up on, which
    # declares none of what they read.
    knex = (
        "function makeContext(client) {\n  const context = { client };\n"
        "  Object.assign(context, {\n"
        "    queryBuilder() {\n      return this.client.name + ':builder';\n    },\n"
        "    raw(sql) {\n      return this.client.name + ':' + sql;\n    },\n  });\n  return context;\n}\n\n"
        "const PROPERTIES = {\n"
        "  client: {\n    get() {\n      return this.context.client;\n    },\n"
        "    set(client) {\n      this.context.client = client;\n    },\n    configurable: true,\n  },\n"
        "  name: {\n    get() {\n      return this.context.client.name;\n    },\n    configurable: true,\n  },\n};\n\n"
        "function makeKnex(client) {\n  function knex(table) {\n    return knex.context.queryBuilder() + '(' + table + ')';\n  }\n"
        "  knex.context = makeContext(client);\n  Object.defineProperties(knex, PROPERTIES);\n  return knex;\n}\n\n"
        "module.exports = makeKnex;\n"
    )
    main = (
        "const makeKnex = require('./knex');\nconst knex = makeKnex({ name: 'pg' });\n"
        "console.log(knex('users'), knex.context.raw('select 1'), knex.name);\n"
        "knex.client = { name: 'mysql' };\nconsole.log(knex('users'), knex.name);\n"
    )
    package = '{"name": "knexish", "version": "1.0.0"}\n'
    report, before = migrate_written(tmp_path, {"package.json": package, "knex.js": knex, "main.js": main}, "main.js")
    assert not report["skipped"] and report["errors_after"] == 0
    text = (tmp_path / "knex.ts").read_text()
    assert "\n  } satisfies ThisType<Record<string, any>>);\n" in text  # the methods Object.assign copies
    # the accessors, one level down: as lib types `Object.defineProperties`'s argument
    assert "\n} satisfies PropertyDescriptorMap & ThisType<any>;\n" in text
    # the one error left is not in them: TypeScript adds to no object what `Object.assign` gives it
    assert text.count("@ts-expect-error") == 1 and "TS2339: Property 'queryBuilder' does not exist on type '{ client: any; }'" in text, text
    compile_back(tmp_path)
    assert node(tmp_path, "main.js") == before


def test_members_the_prototype_is_given_after_the_class_have_the_given_values_type(tmp_path):
    # knex's joinclause: aliases put on the prototype after the class. What
    # their uses say (`declare andOn: (first: any, ...) => any`) is a guess;
    # the prototype is given `on` itself, and a call's result for a factory.
    clause = (
        "function makeBuilder() {\n  return { wrap(sql) { return '(' + sql + ')'; } };\n}\n\n"
        "class JoinClause {\n  constructor(table) {\n    this.table = table;\n    this.clauses = [];\n  }\n"
        "  on(first, operator, second) {\n    this.clauses.push([first, operator, second].join(' '));\n    return this;\n  }\n"
        "  toSQL() {\n    return 'join ' + this.table + ' on ' + this.clauses.join(' and ');\n  }\n}\n\n"
        "JoinClause.prototype.andOn = JoinClause.prototype.alsoOn = JoinClause.prototype.on;\n"
        "JoinClause.prototype.builder = makeBuilder();\n"
        "JoinClause.prototype.describe = JoinClause.prototype.on;\n"
        "JoinClause.prototype.describe = JoinClause.prototype.toSQL;\n\n"
        "module.exports = JoinClause;\n"
    )
    main = (
        "const JoinClause = require('./clause');\n"
        "const join = new JoinClause('accounts');\n"
        "join.on('a.id', '=', 'b.id').andOn('a.x', '<', 'b.x').alsoOn('a.y', '>', 'b.y');\n"
        "console.log(join.toSQL(), join.builder.wrap(join.table), join.describe());\n"
    )
    package = '{"name": "joins", "version": "1.0.0"}\n'
    report, before = migrate_written(tmp_path, {"package.json": package, "clause.js": clause, "main.js": main}, "main.js")
    assert not report["skipped"] and report["errors_after"] == 0
    text = (tmp_path / "clause.ts").read_text()
    assert "declare andOn: typeof JoinClause.prototype.on;" in text, text
    assert "declare alsoOn: typeof JoinClause.prototype.on;" in text, text
    assert "declare builder: ReturnType<typeof makeBuilder>;" in text, text
    # given two values, `describe` is neither one's type
    assert "declare describe: typeof" not in text and text.count("declare describe:") == 1, text
    assert "@ts-expect-error" not in text
    compile_back(tmp_path)
    assert node(tmp_path, "main.js") == before


def test_what_a_declared_member_is_later_given_widens_its_type(tmp_path):
    # node-fetch's body: internals the constructor creates with `error: null`,
    # and a method that sets `error`, and `reason`, which they lacked
    body = (
        "const INTERNALS = Symbol('internals');\n\n"
        "class BodyError extends Error {}\n\n"
        "class Body {\n  constructor(body) {\n    this[INTERNALS] = { body, disturbed: false, error: null };\n  }\n"
        "  fail(message) {\n    this[INTERNALS].error = new BodyError(message);\n    this[INTERNALS].reason = String(message).toUpperCase();\n  }\n"
        "  get error() {\n    return this[INTERNALS].error;\n  }\n"
        "  get reason() {\n    return this[INTERNALS].reason;\n  }\n}\n\n"
        "module.exports = Body;\n"
    )
    main = (
        "const Body = require('./body');\nconst body = new Body('text');\nconsole.log(body.error, body.reason);\n"
        "body.fail('closed');\nconsole.log(body.error && body.error.message, body.reason);\n"
    )
    package = '{"name": "bodies", "version": "1.0.0"}\n'
    report, before = migrate_written(tmp_path, {"package.json": package, "body.js": body, "main.js": main}, "main.js")
    assert not report["skipped"] and report["errors_after"] == 0
    text = (tmp_path / "body.ts").read_text()
    assert "error: BodyError | null;" in text and "reason?: string;" in text, text
    assert "@ts-expect-error" not in text + (tmp_path / "main.ts").read_text()
    compile_back(tmp_path)
    assert node(tmp_path, "main.js") == before


def test_members_take_the_jsdoc_type_of_their_assignment_and_collections_the_types_put_in_them(tmp_path):
    # commander's `/** @type {string[]} */ this.args = [];` later given a
    # parsed value, and semver's cache: a `new Map()` filled by `set`
    index = (
        "class Index {\n  constructor(text) {\n    /** @type {Array.<string>} */\n    this.words = [];\n"
        "    this.lines = new Map();\n    this.words = JSON.parse(text);\n  }\n"
        "  add(word, line) {\n    const key = String(word).toLowerCase();\n    this.lines.set(key, Number(line));\n"
        "    this.words.push(key);\n  }\n"
        "  lineOf(word) {\n    return this.lines.get(String(word).toLowerCase());\n  }\n}\n\n"
        "module.exports = Index;\n"
    )
    main = (
        "const Index = require('./index');\nconst index = new Index('[\"a\"]');\nindex.add('Tree', '3');\n"
        "console.log(index.words.join(','), index.lineOf('tree'));\n"
    )
    package = '{"name": "words", "version": "1.0.0"}\n'
    report, before = migrate_written(tmp_path, {"package.json": package, "index.js": index, "main.js": main}, "main.js")
    assert not report["skipped"] and report["errors_after"] == 0
    text = (tmp_path / "index.ts").read_text()
    assert "declare words: Array<string>;" in text and "declare lines: Map<string, number>;" in text, text
    assert "@ts-expect-error" not in text
    compile_back(tmp_path)
    assert node(tmp_path, "main.js") == before


def test_a_generic_whose_arguments_are_all_any_and_all_defaulted_is_named_alone(tmp_path):
    # node-fetch's multipart parser: a view made of an untyped chunk's
    # `.buffer` is `Uint8Array<any>`; `Uint8Array` alone means its default
    sink = (
        "class Sink {\n  constructor() {\n    this.total = 0;\n  }\n"
        "  push(view) {\n    this.total += view.byteLength;\n    this.last = view;\n  }\n}\n\n"
        "module.exports = Sink;\n"
    )
    main = (
        "const { EventEmitter } = require('events');\nconst Sink = require('./sink');\nconst sink = new Sink();\n"
        "const emitter = new EventEmitter();\n"
        "emitter.on('data', (chunk) => sink.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)));\n"
        "emitter.emit('data', Buffer.from('hello'));\nemitter.emit('data', new TextEncoder().encode('world!'));\n"
        "console.log(sink.total, sink.last.length);\n"
    )
    package = '{"name": "bytes", "version": "1.0.0"}\n'
    report, before = migrate_written(tmp_path, {"package.json": package, "sink.js": sink, "main.js": main}, "main.js")
    assert not report["skipped"] and report["errors_after"] == 0
    text = (tmp_path / "sink.ts").read_text()
    assert "declare last: Uint8Array;" in text and "push(view: Uint8Array) {" in text, text
    assert report["any_count"] == 0 and report["suppressions"] == 0, report
    compile_back(tmp_path)
    assert node(tmp_path, "main.js") == before


def test_an_error_given_properties_is_typed_with_those_properties(tmp_path):
    # node-fetch's `const error = new Error('Premature close'); error.code = ...`
    errors = (
        "function closed(status) {\n  const error = new Error('Premature close');\n  error.code = 'ERR_STREAM_PREMATURE_CLOSE';\n"
        "  error.status = status;\n  return error;\n}\n\n"
        "function failed(cause) {\n  const error = new Error();\n  error.message = 'failed: ' + cause;\n  error.errno = 2;\n  return error;\n}\n\n"
        "module.exports = { closed, failed };\n"
    )
    main = (
        "const { closed, failed } = require('./errors');\nconst error = closed(499);\n"
        "console.log(error.message, error.code, error.status, failed('x').message, failed('y').errno);\n"
    )
    package = '{"name": "errors", "version": "1.0.0"}\n'
    report, before = migrate_written(tmp_path, {"package.json": package, "errors.js": errors, "main.js": main}, "main.js")
    assert not report["skipped"] and report["errors_after"] == 0
    text = (tmp_path / "errors.ts").read_text()
    assert "const error: Error & { code?: string; status?: number } = new Error('Premature close');" in text, text
    # `message` is Error's own
    assert "const error: Error & { errno?: number } = new Error();" in text, text
    assert "@ts-expect-error" not in text and "any" not in text, text
    compile_back(tmp_path)
    assert node(tmp_path, "main.js") == before


def test_parameters_only_called_take_the_types_their_callers_pass_and_arrays_the_types_pushed(tmp_path):
    # usage inference types `lines` from the body alone: `any[]`, and each
    # `line` the shape of its use; every call passes `string[]`
    rows = (
        "function lengths(lines) {\n  return lines.map((line) => line.trim().length);\n}\n\n"
        "function doubled(lines) {\n  const rows = [];\n  lines.forEach((line) => rows.push(line.length * 2));\n  return () => rows.slice();\n}\n\n"
        "function widest(lines) {\n  return Math.max(...lines.map((line) => line.length));\n}\n\n"
        "function matching(words, prefix) {\n  let found = [];\n  words.forEach((word) => {\n"
        "    if (word === prefix) found = [word];\n    else if (word.startsWith(prefix)) found.push(word);\n  });\n  return found.sort();\n}\n\n"
        "function shout(words) {\n  return words.map((word) => word.toUpperCase());\n}\n\nconst table = { shout };\n\n"
        "module.exports = { lengths, doubled, widest, matching, shout, table };\n"
    )
    main = (
        "const { lengths, doubled, widest, matching, shout, table } = require('./rows');\n"
        "console.log(shout(['a']).join(','), table.shout(['b', 'c']).join(','));\n"
        "console.log(lengths([' ab', 'cde ']).join(','), doubled(['a', 'bc'])().join(','), [['a', 'bcd']].map(widest).join(','));\n"
        "console.log(matching(['tree', 'trie', 'tr', 'leaf'], 'tri'), matching(['tr', 'tree'], 'tr'));\n"
    )
    package = '{"name": "rows", "version": "1.0.0"}\n'
    report, before = migrate_written(tmp_path, {"package.json": package, "rows.js": rows, "main.js": main}, "main.js")
    assert not report["skipped"] and report["errors_after"] == 0
    text = (tmp_path / "rows.ts").read_text()
    assert "function lengths(lines: string[]) {\n  return lines.map((line) => line.trim().length);" in text, text
    # a callback's array, read after the call; one the callback also replaces
    assert "const rows: number[] = [];" in text and "let found: string[] = [];" in text, text
    # passed to `map` as a value, or kept in an object: what it is called with is not all seen
    assert "function widest(lines: any[]) {" in text and "function shout(words: any[]) {" in text, text
    assert "@ts-expect-error" not in text
    compile_back(tmp_path)
    assert node(tmp_path, "main.js") == before


def test_a_destructured_parameter_nothing_types_gets_the_object_type_it_destructures(tmp_path):
    # knex's sqlite parser combinators: `function ({ index = 0, input })`.
    # Where the function only passes `input` on, it is `unknown`; where it
    # calls a method of it, the error stays (and its suppression). Options
    # destructured from a default `{}` are optional.
    combinators = (
        "function s(sequence) {\n  return function ({ index = 0, input }) {\n    let position = index;\n    const ast = [];\n"
        "    for (const parser of sequence) {\n      const result = parser({ index: position, input });\n"
        "      if (!result.success) return result;\n      position = result.index;\n      ast.push(result.ast);\n    }\n"
        "    return { success: true, ast, index: position, input };\n  };\n}\n\n"
        "function l(text) {\n  return function ({ index = 0, input }) {\n    const success = input.startsWith(text, index);\n"
        "    return { success, ast: success ? text : null, index: success ? index + text.length : index, input };\n  };\n}\n\n"
        "function describe(parser, { label } = {}) {\n  return function (state) {\n    const result = parser(state);\n"
        "    console.log(label, result.success);\n    return result;\n  };\n}\n\n"
        "module.exports = { s, l, describe };\n"
    )
    main = (
        "const { s, l, describe } = require('./combinators');\nconst greeting = describe(s([l('hello'), l(' '), l('world')]), { label: 'greeting' });\n"
        "console.log(JSON.stringify(greeting({ input: 'hello world' })));\n"
        "console.log(JSON.stringify(greeting({ index: 0, input: 'hello there' })));\n"
    )
    package = '{"name": "parsers", "version": "1.0.0"}\n'
    report, before = migrate_written(tmp_path, {"package.json": package, "combinators.js": combinators, "main.js": main}, "main.js")
    assert not report["skipped"] and report["errors_after"] == 0
    text = (tmp_path / "combinators.ts").read_text()
    assert "return function ({ index = 0, input }: { index?: number; input: unknown }) {\n    let position" in text, text
    assert text.count("TS7031") == 1, text  # `l` calls `input.startsWith`
    # defaulting to `{}`, where `label` may be missing (and was TS2339 on `{}`)
    assert ", { label }: { label?: unknown } = {}) {\n" in text and "TS2339" not in text, text
    compile_back(tmp_path)
    assert node(tmp_path, "main.js") == before

def with_untyped_package(root: Path) -> Path:
    """node_modules/dotpad: a package without type declarations (node_modules is not committed)."""
    install_package(root, "dotpad", {"index.js": "module.exports = function pad(text, width) {\n  return String(text).padEnd(width, '.');\n};\n"})
    return root


def test_class_exports_typedefs_and_symbol_members_need_no_suppression(tmp_path):
    root = with_untyped_package(copy_fixture(tmp_path, "class_library"))
    before = node(root, "main.js")
    report = migrate(root)
    assert report["status"] == "ok", report["message"]
    after = read_project(root)
    assert not [path for path, text in after.items() if "@ts-expect-error" in text]
    # `exports.Option = Option` exports the class itself, so `Option` is a type in other modules
    assert "export { Option };" in after["lib/option.ts"]
    assert "function line(option: Option, settings: Record<string, any> = {}): string {" in after["lib/command.ts"]
    assert after["lib/command.ts"].startswith("type Option=import('./option').Option;")
    # each class declares its own symbol-keyed member, the subclass's beside the base class's
    assert "declare [INTERNALS]: { required: boolean; };" in after["lib/option.ts"]
    assert "declare [INTERNALS]: { name: string; };" in after["lib/base.ts"]
    # members set at run time (by the base constructor, on the prototype) are declared, never emitted:
    # a field would reset what the base class set, a stub method would shadow the prototype's
    assert "declare label: string;" in after["lib/base.ts"]
    assert "declare shout: () => string;" in after["lib/base.ts"]
    assert "declare label" not in after["lib/option.ts"]  # the subclass uses the base class's declaration
    assert "Method not implemented" not in after["lib/option.ts"] + after["lib/base.ts"]
    # the untyped package is declared once instead of suppressed at its import; it counts as one any
    assert 'declare module "dotpad";' in after["untyped-modules.d.ts"]
    assert report["any_count"] == sum(text.count("any") for path, text in after.items() if path.endswith(".ts") and path != "untyped-modules.d.ts") + 1
    assert type_errors(root) == []
    compile_back(root)
    assert node(root, "main.js") == before


def test_untyped_packages_outside_the_config_are_suppressed_with_project_relative_messages(tmp_path):
    root = with_untyped_package(copy_fixture(tmp_path, "class_library"))
    (root / "tsconfig.json").write_text('{"compilerOptions": {"strict": true, "module": "nodenext"}, "files": ["main.js"]}\n')
    report = migrate(root)
    assert report["status"] == "ok", report["message"]
    after = read_project(root)
    assert "untyped-modules.d.ts" not in after  # the config's file list would not see it
    assert '"files": ["main.ts"]' in after["tsconfig.json"]
    suppression = next(line for line in after["lib/option.ts"].splitlines() if "TS7016" in line)
    assert "'node_modules/dotpad/index.js'" in suppression and str(tmp_path) not in suppression
    assert type_errors(root) == []



def test_a_package_not_installed_is_declared_once_not_suppressed_at_each_import(tmp_path):
    # knex's stress-test scripts import dev dependencies, which an install for running it leaves out
    with_untyped_package(tmp_path)
    script = (
        "const proxy = require('toxiproxy-client');\nconst pad = require('dotpad');\n\n"
        "module.exports = function describe(name) {\n  return pad(name, 8) + (proxy ? 'proxied' : '');\n};\n"
    )
    other = "const proxy = require('toxiproxy-client');\n\nmodule.exports = { proxied: () => Boolean(proxy) };\n"
    main = "const describe = require('./script');\nconst { proxied } = require('./other');\nconsole.log(describe('pg'), proxied());\n"
    install_package(tmp_path, "toxiproxy-client", {"index.js": "module.exports = { version: 1 };\n"})  # to run it before
    files = {"package.json": '{"name": "scripts", "version": "1.0.0"}\n', "script.js": script, "other.js": other, "main.js": main}
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    before = node(tmp_path, "main.js")
    shutil.rmtree(tmp_path / "node_modules" / "toxiproxy-client")  # not installed where it is migrated
    report = migrate(tmp_path)
    assert report["status"] == "ok", report["message"]
    after = read_project(tmp_path)
    untyped, missing = after["untyped-modules.d.ts"].split("\n\n")
    assert untyped.endswith('\ndeclare module "dotpad";') and "not installed" not in untyped
    # once, for both imports; installed later, it stays `any` until its line goes, as the header says
    assert missing.startswith("// Packages not installed here") and missing.endswith('\ndeclare module "toxiproxy-client";\n')
    assert "import proxy = require('toxiproxy-client');" in after["script.ts"]
    assert "@ts-expect-error" not in after["script.ts"] + after["other.ts"]
    assert report["any_count"] == sum(text.count("any") for path, text in after.items() if path.endswith(".ts") and path != "untyped-modules.d.ts") + 2
    assert type_errors(tmp_path) == []
    compile_back(tmp_path)
    install_package(tmp_path, "toxiproxy-client", {"index.js": "module.exports = { version: 1 };\n"})
    assert node(tmp_path, "main.js") == before == "pg......proxied true\n"


def test_a_promise_resolved_with_nothing_is_a_promise_of_void(tmp_path):
    wait = (
        "function wait(ms) {\n  return new Promise(function (resolve) {\n    setTimeout(function () {\n      resolve();\n    }, ms);\n  });\n}\n\n"
        "function run(cmd) {\n  return new Promise((resolve, reject) => {\n    if (!cmd) reject(new Error('no command'));\n    else resolve();\n  });\n}\n\n"
        "module.exports = { wait, run };\n"
    )
    main = "const { wait, run } = require('./wait');\nwait(1).then(() => run('ls')).then((value) => console.log('waited and ran', value));\n"
    files = {"package.json": '{"name": "wait", "version": "1.0.0"}\n', "wait.js": wait, "main.js": main}
    report, before = migrate_written(tmp_path, files, "main.js")
    text = (tmp_path / "wait.ts").read_text()
    # TypeScript's own fix, in place of a suppression over each `resolve()` (TS2794)
    assert text.count("new Promise<void>(") == 2 and "@ts-expect-error" not in text, text
    assert report["suppressions"] == 0
    assert type_errors(tmp_path) == []
    compile_back(tmp_path)
    assert node(tmp_path, "main.js") == before == "waited and ran undefined\n"

def test_commonjs_forms_beyond_convert_to_es_module_become_es_modules(tmp_path):
    migrated = Migrated(tmp_path, "commonjs_forms", "main.js")
    assert migrated.report["status"] == "ok", migrated.report["message"]
    after = migrated.after
    # `exports = module.exports = {}` before any export: the exports object it replaces was empty already
    assert "module.exports" not in after["lib/patterns.ts"]
    assert "export { names };" in after["lib/patterns.ts"]
    # `const parsers = (exports.parsers = ...)` names the export; `exports.FILES` read in a function is the binding
    assert "export { parsers };" in after["lib/config.ts"]
    assert "return FILES.filter(" in after["lib/config.ts"]
    # `exports.Limits = exports.limits = require(...)`: both names, the module typed
    assert "export import limits = require('./limits');" in after["lib/reporters.ts"]
    assert "export const Limits = limits;" in after["lib/reporters.ts"]
    # what tsc emitted for an ES module compiles back from the ES module itself
    assert "__esModule" not in after["lib/compiled.ts"] and "void 0" not in after["lib/compiled.ts"]
    assert "export { square };" in after["lib/compiled.ts"]
    # `ids[name] = ...` on an empty object: one Record of what is put in it instead of a suppression
    assert "const ids: Record<string, number> = {};" in after["lib/patterns.ts"]
    assert "const result: Record<string, number> = {}" in after["lib/records.ts"]
    # reduce into `{}`: the accumulator's type as reduce's type argument, its values where they can be written
    assert "items.reduce<Record<string, { size: number; seen: boolean; }>>((found, item) => {" in after["lib/records.ts"]
    assert "words.reduce<Record<string, any>>(function (counts, word) {" in after["lib/records.ts"]  # a count read from itself
    # JSDoc's {Object} on a parameter and a result whose properties are used: Records, not suppressions
    assert "function settings(options: Record<string, any>): Record<string, any> {" in after["lib/settings.ts"]
    assert "export function label (given: Record<string, any>)" in after["lib/settings.ts"]  # used through `let options = given`
    # a member the constructor sets to {} and methods fill in
    assert "declare _single: Record<string, number | string>" in after["lib/builder.ts"]
    # an error given extra properties: those, as assigned
    assert "var err: Error & { code?: string; missing?: string } = new Error('no ' + name)" in after["lib/errors.ts"]
    # parameters inference left `any` that are only passed on are `unknown`; one whose element is the result is typed by its caller
    assert "function describe(value: unknown, label: string) {" in after["lib/passing.ts"]
    assert re.search(r"function describeKey\(options: \{ key: unknown;? \}\) \{", after["lib/passing.ts"])
    assert "function firstOf(list: string[]) {" in after["lib/passing.ts"]  # not `unknown`, nor `any[]`: what its one caller passes
    # each parameter, and each property of one, is judged on its own: `options.names` must be string[], `options.key` need not
    assert "function keyed(key: unknown, names: string[]) {" in after["lib/passing.ts"]
    assert re.search(r"function keyedOptions\(options: \{ key: unknown;? names: any;? \}\) \{", after["lib/passing.ts"])
    # an array filled by a function and read where it is imported: typed by what is put in it
    assert "const seen: string[] = []" in after["lib/registry.ts"]
    # a function using `this` on several lines: one `this: any` instead of a suppression on each
    assert "function remember(this: any, value: unknown) {" in after["lib/passing.ts"]
    # JSDoc's {*} is `any`; inferred again once the program is typed, it is what the function passes it to
    assert "function priceLabel(amount: number) {" in after["lib/passing.ts"]
    # a parameter whose JSDoc type its own checks contradict on several lines: one `any`, not a suppression on each
    assert "function isPair(value: any): boolean {" in after["lib/contradicted.ts"]
    # JSDoc's types from elsewhere: a class another module exports, Node's, and `{function}`
    assert "function describeBuilder(builder: import('./builder'), done: Function): import('stream').Readable {" in after["lib/jsdoc_names.ts"]
    # a typedef of an import the module now imports itself goes; a class read by computed key gets one index signature
    assert "import { Argument, humanReadableArgName } from './argument'" in after["lib/help.ts"] and "type Argument" not in after["lib/help.ts"]
    assert "class Help {\n  [key: string | symbol]: any;\n" in after["lib/help.ts"]
    # a parameter inferred from `new Compiler(this, sql)` in a Client method is a Client, not `this`
    assert "constructor(client: import('./client'), sql: string) {" in after["lib/compiler.ts"]
    # a JSDoc type two callers do not keep to, for a value only passed on: any for the callers, then unknown
    assert "function optionsLabel(options: unknown) {" in after["lib/contradicted.ts"]
    # a callback's `any` (JSDoc's {*}) goes where what it is passed to types its parameter
    assert "words.map(/** @param {*} word */ (word) => word.toUpperCase())" in after["lib/contradicted.ts"]
    # usage inference's call signature per call: written once
    assert "function runAll(runner: { add: (arg0: string, arg1: { (step: any): void; }) => void }) {" in after["lib/contradicted.ts"]
    # a caught error (`unknown` in TypeScript) read on several lines
    assert "} catch (err: any) {" in after["lib/contradicted.ts"]
    # an arrow function's one parameter gets its type inside the parentheses the fix adds, not as the result type
    assert "source.on('data', (chunk: { text: string }) => {" in after["lib/contradicted.ts"]
    code_lines = [line for path, text in after.items() if path.endswith(".ts") for line in text.splitlines() if not line.lstrip().startswith("//")]
    # main.ts: `(event: unknown, fn: unknown) =>`, two callbacks; forwarding.ts: Child's name and the field it is kept in,
    # and the two of DropFirst; app.ts: a value
    assert migrated.report["unknown_count"] == sum(line.count("unknown") for line in code_lines) == 15
    # the field Child keeps its parent in, which nothing reads, has the type of the parameter it is set from
    assert "  declare parent: Tree\n  declare name: unknown\n  constructor(parent: Tree, name: unknown) {" in after["lib/forwarding.ts"]
    # `exports.flatten = function flatten() { ... exports.flatten(...) ... }` calls itself by name
    assert "export function flatten(value" in after["lib/settings.ts"] and "exports" not in after["lib/settings.ts"]
    assert "export { _exports as exports };" in after["lib/reporters.ts"]
    # a module value named where it is assigned and filled in later (an object, a constructor function): `export =` that name;
    # a module handing its `exports` object on has no ES form, and stays JavaScript
    assert [entry["path"] for entry in migrated.report["skipped"]] == ["lib/handed.js"]
    assert "\nvar app: Record<string, any> = {};\napp.settings = {};\n" in after["lib/app.ts"] and after["lib/app.ts"].endswith("\nexport = app;\n")
    assert "app.get = function (key: string|number) {" in after["lib/app.ts"]  # was `exports.get`, the same object
    assert "\nconst Stub = function (name: string) {\n" in after["lib/stub.ts"] and after["lib/stub.ts"].endswith("\nexport = Stub;\n")
    # functions passing on their `arguments`: a rest parameter typed as what they pass it to
    forwarding = after["lib/forwarding.ts"]
    assert "  constructor(...args: ConstructorParameters<typeof Item>) {\n    super(...args)\n" in forwarding
    assert "  item(...args: ConstructorParameters<typeof Item>) {\n    return new Item(...args)\n" in forwarding
    assert "  child(...args: DropFirst<ConstructorParameters<typeof Child>>) {\n    return new Child(this, ...args)\n" in forwarding
    assert "function total(...args: Parameters<typeof sum>) {\n  return sum(...args)\n" in forwarding
    assert forwarding.endswith("\ntype DropFirst<T extends unknown[]> = T extends [unknown, ...infer Rest] ? Rest : never;\n")
    # an override declaring more parameters than its base class's method: those are optional
    assert re.search(r"  drop\(name: string, quote\?: string(\|undefined)?\) \{", after["lib/overrides.ts"])
    # a method that sets a value when given one and returns it when not: an overload for each use, so chained calls type-check
    assert "  _bool(): string;\n  _bool(val?: string|undefined): this;\n  _bool(val?: string|undefined) {\n" in after["lib/flags.ts"]
    assert "  name(): string;\n  name(name?: string): this;\n  name(name?: string): (string|Query) {\n" in after["lib/flags.ts"]  # JSDoc's result
    # a function that may be called with `new` or without, and checks which: `this` is a record past the check
    assert "function Point(this: Record<string, any> | void, x: " in after["lib/point.ts"]
    suppressed = sorted((path, line) for path, text in after.items() if path.endswith(".ts") for line in text.splitlines() if "@ts-expect-error" in line)
    constructed = [path for path, line in suppressed if "TS7009: 'new' expression, whose target lacks a construct signature" in line]
    assert constructed == ["lib/point.ts", "main.ts", "main.ts"]  # `new Point(...)`, `new Stub(...)`: TypeScript has no construct signature for a function
    suppressed = [(path, line) for path, line in suppressed if "TS7009" not in line]
    assert [path for path, _ in suppressed] == ["lib/flags.ts", "lib/stub.ts"]
    assert "'string | undefined' is not assignable to type 'string'" in suppressed[0][1]  # `_bool(undefined)` sets undefined
    assert "TS2683: 'this' implicitly has type 'any'" in suppressed[1][1]  # a constructor function's `this`, on its one line using it
    assert type_errors(migrated.root) == []
    # built as a partly migrated project is: into an output folder, the kept JavaScript copied along
    subprocess.run([*TSC, "-p", "tsconfig.json", "--outDir", "build", *TYPE_ROOTS], cwd=migrated.root, capture_output=True, check=True)
    assert node(migrated.root, "build/main.js") == migrated.before_output


def test_a_typescript_sidecar_that_cannot_start_fails_the_run_with_nodes_reason(tmp_path):
    root = copy_fixture(tmp_path, "commonjs_mix")
    before = read_project(root)
    env = {**os.environ, "NODE_OPTIONS": "--cpu-prof"}  # Node refuses to start with it
    proc = subprocess.run([sys.executable, "-m", "kimi_lsp", "run", "js-to-ts", str(root), "--json"], capture_output=True, text=True, cwd=REPO, env=env)
    report = json.loads(proc.stdout)
    assert proc.returncode == 1 and report["status"] == "failed"
    assert "TypeScript sidecar exited during init: " in report["message"] and "--cpu-prof is not allowed in NODE_OPTIONS" in report["message"]
    assert "Traceback" not in proc.stderr
    assert read_project(root) == before


INHERITED = {
    "package.json": '{"name": "inherited", "version": "1.0.0"}\n',
    "a_base.js": (
        "class Base {\n  constructor(name) {\n    this.options = { name: name, loud: false };\n  }\n}\nmodule.exports = Base;\n"
    ),
    "b_sub.js": (
        "const Base = require('./a_base');\n"
        "class Sub extends Base {\n  describe() {\n    return this.options.loud ? this.options.name.toUpperCase() : this.options.name;\n  }\n}\n"
        "module.exports = Sub;\n"
    ),
    "c_use.js": "const Sub = require('./b_sub');\nmodule.exports = () => new Sub('sub').describe();\n",
    "d_main.js": "const use = require('./c_use');\nconsole.log(use());\n",
}


async def test_a_subclass_typed_beside_its_base_class_uses_the_base_class_declarations(tmp_path, monkeypatch):
    # two sidecars, so the base class and its subclass are typed side by side in the first wave
    monkeypatch.setattr(session_module, "FILES_PER_SIDECAR", 1)
    monkeypatch.setattr(session_module.os, "cpu_count", lambda: 2)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    root = tmp_path / "inherited"
    for name, text in INHERITED.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    session = session_module.JsToTsSession(parse_request({}), Workspace(root), 2)
    groups = [g.task for g in (await session.plan()).groups]
    await session.close()
    assert ["a_base.js"] in groups and ["b_sub.js"] in groups  # typed apart, neither waiting for the other
    session = session_module.JsToTsSession(parse_request({}), Workspace(root), 2)
    state = RunState("t", "js-to-ts", 2)
    result = await execute("js-to-ts", session, state, state.apply, RunOptions(agents=2))
    assert result.status == "ok", result.message
    after = {path: result.changeset.new_text(path, (root / path).read_text()) for path in ("a_base.js", "b_sub.js")}
    assert "declare options" in after["a_base.js"]
    assert "declare options" not in after["b_sub.js"] and "@ts-expect-error" not in after["b_sub.js"]
