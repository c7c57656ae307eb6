"""The rename CLI end to end: real subprocess, real node, real tsc, real rope.

Every test writes a small project, runs `kimi-lsp run rename`, and checks the
exact text of every file afterwards. Where the project can run, it runs before
and after and must print the same thing.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.projects import (
    changed,
    kimi,
    read_project,
    rename,
    run_node,
    run_python,
    snapshot_bytes,
    write_project,
)

ESM_PACKAGE = '{"type": "module"}\n'


@pytest.fixture
def project(tmp_path: Path, monkeypatch):
    """Write a project (relative path -> text) and return its root.

    Run records go under tmp_path too, not into the user's state directory.
    """
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))

    def make(files: dict[str, str]) -> Path:
        return write_project(tmp_path / "project", files)

    return make


def rename_ok(root: Path, *args: str) -> dict:
    """Run a rename that must succeed; returns the JSON report."""
    result = rename(root, *args)
    assert result.code == 0, result.stdout + result.stderr
    report = result.report
    assert report["status"] == "ok", report
    return report


def rename_failed(root: Path, *args: str) -> dict:
    """Run a rename that must fail without touching a single byte."""
    before = snapshot_bytes(root)
    result = rename(root, *args)
    assert result.code == 1, result.stdout + result.stderr
    assert snapshot_bytes(root) == before
    report = result.report
    assert report["status"] == "failed"
    assert report["files_changed"] == []
    return report


# ---------------------------------------------------------------- ES modules

ESM = {
    "package.json": ESM_PACKAGE,
    "src/api.js": (
        "export function getUser(id) {\n"
        "  return { id, name: 'user' + id };\n"
        "}\n"
        "\n"
        "export const api = { getUser };\n"
        "\n"
        "export default function greet(user) {\n"
        "  return 'hello ' + user.name;\n"
        "}\n"
    ),
    "src/index.js": (
        "export { getUser as loadUser } from './api.js';\n"
        "export { getUser } from './api.js';\n"
        "export { default as greet } from './api.js';\n"
    ),
    "main.js": (
        "import greetUser, { getUser as gu, api } from './src/api.js';\n"
        "import { loadUser, getUser } from './src/index.js';\n"
        "import * as ns from './src/api.js';\n"
        "\n"
        "const { getUser: picked } = api;\n"
        "const { getUser: fromNs } = ns;\n"
        "console.log(greetUser(gu(1)), loadUser(2).name, getUser(3).name);\n"
        "console.log(picked(4).id, fromNs(5).id, ns.getUser(6).name, api.getUser(7).name);\n"
    ),
}


def test_esm_rename_matches_typescript_for_shorthand_reexports_aliases_and_namespaces(project):
    root = project(ESM)
    output = run_node(root)

    report = rename_ok(root, "--rename", "src/api.js#getUser=fetchUser")

    # TypeScript keeps every public name that is not the declaration's own:
    # the shorthand property, and the name index.js re-exports.
    assert read_project(root) == changed(
        ESM,
        {
            "src/api.js": (
                "export function fetchUser(id) {\n"
                "  return { id, name: 'user' + id };\n"
                "}\n"
                "\n"
                "export const api = { getUser: fetchUser };\n"
                "\n"
                "export default function greet(user) {\n"
                "  return 'hello ' + user.name;\n"
                "}\n"
            ),
            "src/index.js": (
                "export { fetchUser as loadUser } from './api.js';\n"
                "export { fetchUser as getUser } from './api.js';\n"
                "export { default as greet } from './api.js';\n"
            ),
            "main.js": (
                "import greetUser, { fetchUser as gu, api } from './src/api.js';\n"
                "import { loadUser, getUser } from './src/index.js';\n"
                "import * as ns from './src/api.js';\n"
                "\n"
                "const { getUser: picked } = api;\n"
                "const { fetchUser: fromNs } = ns;\n"
                "console.log(greetUser(gu(1)), loadUser(2).name, getUser(3).name);\n"
                "console.log(picked(4).id, fromNs(5).id, ns.fetchUser(6).name, api.getUser(7).name);\n"
            ),
        },
    )
    assert run_node(root) == output == "hello user1 user2 user3\n4 5 user6 user7\n"
    assert report["files_changed"] == ["main.js", "src/api.js", "src/index.js"]
    assert [(g["id"], g["status"]) for g in report["groups"]] == [("g1", "ok")]
    assert report["verification"]["errors_before"] == report["verification"]["errors_after"] == 0


DEFAULTS = {
    "package.json": ESM_PACKAGE,
    "src/format.js": (
        "function formatName({ first, last }) {\n"
        "  return `${last}, ${first}`;\n"
        "}\n"
        "\n"
        "export default formatName;\n"
    ),
    "src/people.js": (
        "export const people = [{ first: 'Ada', last: 'Lovelace' }];\n"
        "export const [firstPerson] = people;\n"
        "export const { first: firstName } = firstPerson;\n"
    ),
    "main.js": (
        "import formatName from './src/format.js';\n"
        "import { people, firstPerson, firstName } from './src/people.js';\n"
        "\n"
        "const [{ first, last }] = people;\n"
        "console.log(formatName(firstPerson), firstName, first, last);\n"
    ),
}


def test_esm_rename_of_default_export_and_destructured_bindings(project):
    root = project(DEFAULTS)
    output = run_node(root)

    rename_ok(
        root,
        "--rename", "src/format.js#formatName=fullName",
        "--rename", "src/people.js#firstPerson=pioneer",
        "--rename", "src/people.js:3:23=givenName",
    )

    assert read_project(root) == changed(
        DEFAULTS,
        {
            "src/format.js": (
                "function fullName({ first, last }) {\n"
                "  return `${last}, ${first}`;\n"
                "}\n"
                "\n"
                "export default fullName;\n"
            ),
            "src/people.js": (
                "export const people = [{ first: 'Ada', last: 'Lovelace' }];\n"
                "export const [pioneer] = people;\n"
                "export const { first: givenName } = pioneer;\n"
            ),
            "main.js": (
                "import fullName from './src/format.js';\n"
                "import { people, pioneer, givenName } from './src/people.js';\n"
                "\n"
                "const [{ first, last }] = people;\n"
                "console.log(fullName(pioneer), givenName, first, last);\n"
            ),
        },
    )
    assert run_node(root) == output == "Lovelace, Ada Ada Ada Lovelace\n"


JSX = {
    "src/Button.jsx": (
        "export function Button({ label, onClick }) {\n"
        "  return <button onClick={onClick}>{label}</button>;\n"
        "}\n"
        "\n"
        "export default Button;\n"
    ),
    "src/App.jsx": (
        "import { Button } from './Button.jsx';\n"
        "import Default from './Button';\n"
        "\n"
        "export function App() {\n"
        "  return (\n"
        "    <div>\n"
        '      <Button label="Save" onClick={() => {}} />\n'
        '      <Button label="Cancel">\n'
        "        <span>x</span>\n"
        "      </Button>\n"
        '      <Default label="d" />\n'
        "    </div>\n"
        "  );\n"
        "}\n"
    ),
}


def test_jsx_component_rename_updates_opening_and_closing_tags(project):
    root = project(JSX)

    rename_ok(root, "--rename", "src/Button.jsx:1:17=PrimaryButton")

    assert read_project(root) == changed(
        JSX,
        {
            "src/Button.jsx": (
                "export function PrimaryButton({ label, onClick }) {\n"
                "  return <button onClick={onClick}>{label}</button>;\n"
                "}\n"
                "\n"
                "export default PrimaryButton;\n"
            ),
            "src/App.jsx": (
                "import { PrimaryButton } from './Button.jsx';\n"
                "import Default from './Button';\n"
                "\n"
                "export function App() {\n"
                "  return (\n"
                "    <div>\n"
                '      <PrimaryButton label="Save" onClick={() => {}} />\n'
                '      <PrimaryButton label="Cancel">\n'
                "        <span>x</span>\n"
                "      </PrimaryButton>\n"
                '      <Default label="d" />\n'
                "    </div>\n"
                "  );\n"
                "}\n"
            ),
        },
    )


def test_column_counts_utf16_units_in_javascript(project):
    # 😀 is two UTF-16 units: `greet` starts at column 19 as tsc and editors count.
    files = {
        "package.json": ESM_PACKAGE,
        "main.js": "const s = '😀😀'; greet();\nfunction greet() {\n  console.log(s);\n}\n",
    }
    root = project(files)

    rename_ok(root, "--rename", "main.js:1:19=salute")

    assert read_project(root)["main.js"] == "const s = '😀😀'; salute();\nfunction salute() {\n  console.log(s);\n}\n"
    assert run_node(root) == "😀😀\n"


def test_line_separator_in_a_string_does_not_shift_later_edits(project):
    # TypeScript's line map breaks at U+2028; editors and changesets do not.
    files = {
        "package.json": ESM_PACKAGE,
        "main.js": "const s = 'a\u2028b';\nfunction getUser() {\n  return s.length;\n}\nconsole.log(getUser());\n",
    }
    root = project(files)

    rename_ok(root, "--rename", "main.js:5:13=fetchUser")

    assert read_project(root)["main.js"] == (
        "const s = 'a\u2028b';\nfunction fetchUser() {\n  return s.length;\n}\nconsole.log(fetchUser());\n"
    )
    assert run_node(root) == "3\n"


# ---------------------------------------------------------------- TypeScript

TS = {
    "tsconfig.json": (
        '{\n  "compilerOptions": {"strict": true, "target": "ES2022", "module": "ESNext", '
        '"moduleResolution": "Bundler", "noEmit": true},\n  "include": ["src"]\n}\n'
    ),
    "src/user.ts": (
        "export interface User {\n"
        "  id: number;\n"
        "  name: string;\n"
        "}\n"
        "\n"
        "export function getUser(id: number): User {\n"
        "  return { id, name: `user${id}` };\n"
        "}\n"
        "\n"
        "export function formatUser(user: User): string {\n"
        "  return user.name;\n"
        "}\n"
    ),
    "src/main.ts": (
        "import { getUser, formatUser, type User } from './user';\n"
        "\n"
        "const users: User[] = [getUser(1), getUser(2)];\n"
        "console.log(users.map(formatUser).join(','));\n"
    ),
}


def test_typescript_rename_passes_the_tsc_gate(project):
    root = project(TS)

    report = rename_ok(root, "--rename", "src/user.ts#getUser=fetchUser", "--rename", "src/user.ts#User=Account")

    assert read_project(root) == changed(
        TS,
        {
            "src/user.ts": (
                "export interface Account {\n"
                "  id: number;\n"
                "  name: string;\n"
                "}\n"
                "\n"
                "export function fetchUser(id: number): Account {\n"
                "  return { id, name: `user${id}` };\n"
                "}\n"
                "\n"
                "export function formatUser(user: Account): string {\n"
                "  return user.name;\n"
                "}\n"
            ),
            "src/main.ts": (
                "import { fetchUser, formatUser, type Account } from './user';\n"
                "\n"
                "const users: Account[] = [fetchUser(1), fetchUser(2)];\n"
                "console.log(users.map(formatUser).join(','));\n"
            ),
        },
    )
    verification = report["verification"]
    assert verification["command"].startswith("tsc")  # "tsc" or "tsc (typescript@7)", whichever checked
    assert verification["command"].endswith(" --noEmit -p tsconfig.json")
    assert (verification["errors_before"], verification["errors_after"]) == (0, 0)


def test_typescript_rename_that_makes_tsc_worse_is_refused(project):
    root = project(TS)

    report = rename_failed(root, "--rename", "src/user.ts#getUser=formatUser")

    verification = report["verification"]
    assert verification["errors_before"] == 0
    assert verification["errors_after"] > 0
    assert any("error TS2393: Duplicate function implementation." in line for line in verification["new_errors"])
    assert "nothing was applied" in report["message"]


# ---------------------------------------------------------------- CommonJS

CJS = {
    "src/api.js": (
        "function getUser(id) {\n"
        "  return { id, name: 'user' + id };\n"
        "}\n"
        "\n"
        "function listUsers() {\n"
        "  return [getUser(1), getUser(2)];\n"
        "}\n"
        "\n"
        "module.exports = { getUser, listUsers };\n"
    ),
    "src/index.js": "exports.api = require('./api');\n",
    "src/consumer.js": (
        "const { getUser } = require('./api');\n"
        "const { getUser: gu } = require('./api');\n"
        "const api = require('./api');\n"
        "const helpers = { getUser };\n"
        "\n"
        "function show(id) {\n"
        "  return [getUser(id).name, gu(id).name, api.getUser(id).name, helpers.getUser(id).name].join(' ');\n"
        "}\n"
        "\n"
        "module.exports = { show };\n"
    ),
    "src/local.js": (
        "function getUser() {\n"
        "  return 'local';\n"
        "}\n"
        "const store = {\n"
        "  getUser() {\n"
        "    return 'store';\n"
        "  },\n"
        "};\n"
        "module.exports = { getUser, store };\n"
    ),
    "src/other.js": (
        "const local = require('./local');\n"
        "const { getUser } = require('./local');\n"
        "module.exports = { other: () => [getUser(), local.getUser(), local.store.getUser()].join(' ') };\n"
    ),
    "main.js": (
        "const idx = require('./src/index');\n"
        "const { show } = require('./src/consumer');\n"
        "const { other } = require('./src/other');\n"
        "console.log(idx.api.getUser(7).name, idx.api.listUsers().length);\n"
        "console.log(show(3));\n"
        "console.log(other());\n"
    ),
}


def test_commonjs_rename_follows_requires_destructuring_and_property_chains(project):
    root = project(CJS)
    output = run_node(root)

    report = rename_ok(root, "--rename", "src/api.js#getUser=fetchUser")

    # local.js and other.js have their own getUser: untouched. `helpers` is a
    # plain object, so it keeps its property name, as an editor's rename would.
    assert read_project(root) == changed(
        CJS,
        {
            "src/api.js": (
                "function fetchUser(id) {\n"
                "  return { id, name: 'user' + id };\n"
                "}\n"
                "\n"
                "function listUsers() {\n"
                "  return [fetchUser(1), fetchUser(2)];\n"
                "}\n"
                "\n"
                "module.exports = { fetchUser, listUsers };\n"
            ),
            "src/consumer.js": (
                "const { fetchUser } = require('./api');\n"
                "const { fetchUser: gu } = require('./api');\n"
                "const api = require('./api');\n"
                "const helpers = { getUser: fetchUser };\n"
                "\n"
                "function show(id) {\n"
                "  return [fetchUser(id).name, gu(id).name, api.fetchUser(id).name, helpers.getUser(id).name].join(' ');\n"
                "}\n"
                "\n"
                "module.exports = { show };\n"
            ),
            "main.js": (
                "const idx = require('./src/index');\n"
                "const { show } = require('./src/consumer');\n"
                "const { other } = require('./src/other');\n"
                "console.log(idx.api.fetchUser(7).name, idx.api.listUsers().length);\n"
                "console.log(show(3));\n"
                "console.log(other());\n"
            ),
        },
    )
    assert run_node(root) == output == "user7 2\nuser3 user3 user3 user3\nlocal local store\n"
    assert report["files_changed"] == ["main.js", "src/api.js", "src/consumer.js"]


CJS_ASSIGNMENTS = {
    "src/a.js": "exports.getUser = function (id) {\n  return 'a' + id;\n};\nexports.other = () => exports.getUser(0);\n",
    "src/b.js": "function getUser(id) {\n  return 'b' + id;\n}\nmodule.exports.getUser = getUser;\n",
    "src/c.js": (
        "const { getUser } = require('./a');\n"
        "const b = require('./b');\n"
        "const { getUser: bUser } = require('./b');\n"
        "module.exports = { both: (id) => getUser(id) + b.getUser(id) + bUser(id) };\n"
    ),
    "main.js": (
        "const a = require('./src/a');\n"
        "const { both } = require('./src/c');\n"
        "console.log(a.getUser(1), a.other(), both(2));\n"
    ),
}


def test_commonjs_rename_of_exports_and_module_exports_assignments(project):
    root = project(CJS_ASSIGNMENTS)
    output = run_node(root)

    report = rename_ok(root, "--rename", "src/a.js#getUser=fetchA", "--rename", "src/b.js#getUser=fetchB")

    assert read_project(root) == changed(
        CJS_ASSIGNMENTS,
        {
            "src/a.js": "exports.fetchA = function (id) {\n  return 'a' + id;\n};\nexports.other = () => exports.fetchA(0);\n",
            "src/b.js": "function fetchB(id) {\n  return 'b' + id;\n}\nmodule.exports.fetchB = fetchB;\n",
            "src/c.js": (
                "const { fetchA } = require('./a');\n"
                "const b = require('./b');\n"
                "const { fetchB: bUser } = require('./b');\n"
                "module.exports = { both: (id) => fetchA(id) + b.fetchB(id) + bUser(id) };\n"
            ),
            "main.js": (
                "const a = require('./src/a');\n"
                "const { both } = require('./src/c');\n"
                "console.log(a.fetchA(1), a.other(), both(2));\n"
            ),
        },
    )
    assert run_node(root) == output == "a1 a0 a2b2b2\n"
    assert [g["status"] for g in report["groups"]] == ["ok", "ok"]


def test_rename_from_a_use_typescript_cannot_resolve_fails_instead_of_changing_nothing(project):
    root = project(CJS)

    report = rename_failed(root, "--rename", "main.js:4:21=fetchUser")

    assert report["groups"][0]["error"] == (
        "TypeScript found nothing to rename at main.js:4:21; rename 'getUser' where it is declared"
    )


# ---------------------------------------------------------------- moves

MOVES = {
    "src/util.js": "function formatAmount(n) {\n  return '$' + n.toFixed(2);\n}\nmodule.exports = { formatAmount };\n",
    "src/esm/util.mjs": "export const shout = (s) => s.toUpperCase() + '!';\n",
    "src/esm/use.mjs": "import { shout } from './util.mjs';\nexport const hello = () => shout('hello');\n",
    "src/money.js": (
        "const { formatAmount } = require('./util');\n"
        "const util = require('./util.js');\n"
        "module.exports = { price: (n) => formatAmount(n) + ' ' + util.formatAmount(n * 2) };\n"
    ),
    "main.js": (
        "const { price } = require('./src/money');\n"
        "const { formatAmount } = require('./src/util');\n"
        "import('./src/esm/use.mjs').then(({ hello }) => console.log(price(1.5), formatAmount(2), hello()));\n"
    ),
}


def test_moves_update_requires_and_imports_and_the_program_still_runs(project):
    root = project(MOVES)
    output = run_node(root)

    report = rename_ok(root, "--move", "src/util.js=src/lib/format.js", "--move", "src/esm/util.mjs=src/shared/text.mjs")

    # TypeScript's "auto" specifier ending follows the file's other imports,
    # as in an editor: money.js already uses './util.js', so both get '.js'.
    assert read_project(root) == changed(
        MOVES,
        {
            "src/util.js": None,
            "src/esm/util.mjs": None,
            "src/lib/format.js": MOVES["src/util.js"],
            "src/shared/text.mjs": MOVES["src/esm/util.mjs"],
            "src/esm/use.mjs": "import { shout } from '../shared/text.mjs';\nexport const hello = () => shout('hello');\n",
            "src/money.js": (
                "const { formatAmount } = require('./lib/format.js');\n"
                "const util = require('./lib/format.js');\n"
                "module.exports = { price: (n) => formatAmount(n) + ' ' + util.formatAmount(n * 2) };\n"
            ),
            "main.js": (
                "const { price } = require('./src/money');\n"
                "const { formatAmount } = require('./src/lib/format');\n"
                "import('./src/esm/use.mjs').then(({ hello }) => console.log(price(1.5), formatAmount(2), hello()));\n"
            ),
        },
    )
    assert run_node(root) == output == "$1.50 $3.00 $2.00 HELLO!\n"
    assert report["files_changed"] == [
        "main.js", "src/esm/use.mjs", "src/lib/format.js", "src/money.js", "src/shared/text.mjs",
    ]


def test_move_onto_an_existing_file_is_a_usage_error(project):
    root = project(MOVES)
    before = snapshot_bytes(root)

    result = kimi("plan", "rename", root, "--move", "src/util.js=src/money.js")

    assert result.code == 2
    assert result.stderr == "error: cannot move src/util.js to src/money.js: src/money.js already exists\n"
    assert snapshot_bytes(root) == before


# ---------------------------------------------------------------- Python

PY = {
    "shop/__init__.py": "",
    "shop/pricing.py": (
        "TAX = 0.2\n"
        "\n"
        "\n"
        "def total_price(amount):\n"
        '    """Price with tax."""\n'
        "    return round(amount * (1 + TAX), 2)\n"
        "\n"
        "\n"
        "class Cart:\n"
        "    def __init__(self):\n"
        "        self.items = []\n"
        "\n"
        "    def add(self, amount):\n"
        "        self.items.append(amount)\n"
        "        return self\n"
        "\n"
        "    def total(self):\n"
        "        return total_price(sum(self.items))\n"
    ),
    "shop/report.py": (
        "from shop.pricing import total_price, Cart\n"
        "from shop import pricing\n"
        "\n"
        "\n"
        "def report(amount):\n"
        "    cart = Cart().add(amount)\n"
        '    return f"{total_price(amount)} {pricing.total_price(1)} {cart.total()}"\n'
    ),
    "main.py": (
        "import shop.pricing\n"
        "from shop.report import report\n"
        "\n"
        "print(report(10), shop.pricing.total_price(2), shop.pricing.Cart().add(1).total())\n"
    ),
}


def test_python_function_and_class_renames_across_modules(project):
    root = project(PY)
    output = run_python(root)

    # Both renames touch the same lines: rope's whole-file results must merge.
    report = rename_ok(root, "--rename", "shop/pricing.py#total_price=price_with_tax", "--rename", "shop/pricing.py:9:7=Basket")

    assert read_project(root) == changed(
        PY,
        {
            "shop/pricing.py": PY["shop/pricing.py"]
            .replace("total_price", "price_with_tax")
            .replace("class Cart", "class Basket"),
            "shop/report.py": (
                "from shop.pricing import price_with_tax, Basket\n"
                "from shop import pricing\n"
                "\n"
                "\n"
                "def report(amount):\n"
                "    cart = Basket().add(amount)\n"
                '    return f"{price_with_tax(amount)} {pricing.price_with_tax(1)} {cart.total()}"\n'
            ),
            "main.py": (
                "import shop.pricing\n"
                "from shop.report import report\n"
                "\n"
                "print(report(10), shop.pricing.price_with_tax(2), shop.pricing.Basket().add(1).total())\n"
            ),
        },
    )
    assert run_python(root) == output == "12.0 1.2 12.0 2.4 1.2\n"
    assert report["verification"]["command"] == "python compile of touched files"


def test_python_column_counts_code_points(project):
    # Python tools count code points: `f` is at column 15 after four emoji.
    files = {"main.py": 'def f(x):\n    return x\n\n\nprint("😀😀😀😀", f(1))\n'}
    root = project(files)

    rename_ok(root, "--rename", "main.py:5:15=identity")

    assert read_project(root) == {"main.py": 'def identity(x):\n    return x\n\n\nprint("😀😀😀😀", identity(1))\n'}
    assert run_python(root) == "😀😀😀😀 1\n"


def test_python_form_feed_does_not_shift_lines(project):
    # str.splitlines() breaks at form feeds; Python, rope and LSP do not.
    files = {
        "lib.py": "def helper():\n    return 1\n\x0c\n\ndef get_user(uid):\n    return helper() + uid\n",
        "main.py": "from lib import get_user\n\nprint(get_user(1))\n",
    }
    root = project(files)

    rename_ok(root, "--rename", "lib.py#get_user=fetch_user")

    assert read_project(root) == {
        "lib.py": "def helper():\n    return 1\n\x0c\n\ndef fetch_user(uid):\n    return helper() + uid\n",
        "main.py": "from lib import fetch_user\n\nprint(fetch_user(1))\n",
    }
    assert run_python(root) == "2\n"


def test_python_module_move_updates_every_import_form(project):
    root = project(PY)
    output = run_python(root)

    rename_ok(root, "--move", "shop/pricing.py=shop/billing/prices.py")

    assert read_project(root) == changed(
        PY,
        {
            "shop/pricing.py": None,
            "shop/billing/__init__.py": "",
            "shop/billing/prices.py": PY["shop/pricing.py"],
            "shop/report.py": (
                "from shop.billing.prices import total_price, Cart\n"
                "from shop.billing import prices\n"
                "\n"
                "\n"
                "def report(amount):\n"
                "    cart = Cart().add(amount)\n"
                '    return f"{total_price(amount)} {prices.total_price(1)} {cart.total()}"\n'
            ),
            "main.py": (
                "import shop.billing.prices\n"
                "from shop.report import report\n"
                "\n"
                "print(report(10), shop.billing.prices.total_price(2), shop.billing.prices.Cart().add(1).total())\n"
            ),
        },
    )
    assert run_python(root) == output


# ---------------------------------------------------------------- comments and strings

DOCS = {
    "package.json": ESM_PACKAGE,
    "src/api.js": (
        "// getUser loads a user\n"
        "export function getUser(id) {\n"
        "  /* getUser is cheap */\n"
        "  return { id, label: 'getUser' };\n"
        "}\n"
    ),
    "main.js": "import { getUser } from './src/api.js';\n// call getUser once\nconsole.log(getUser(1).label, \"getUser\");\n",
    "lib.py": (
        "# get_user loads a user\n"
        "def get_user(uid):\n"
        '    """get_user docs."""\n'
        "    return 'get_user'  # get_user trailing\n"
    ),
    "main.py": "from lib import get_user\n\nprint(get_user(1), 'get_user')  # get_user\n",
}
DOCS_RENAMES = ("--rename", "src/api.js#getUser=fetchUser", "--rename", "lib.py#get_user=fetch_user")


def test_comments_and_strings_are_untouched_by_default(project):
    root = project(DOCS)

    rename_ok(root, *DOCS_RENAMES)

    assert read_project(root) == changed(
        DOCS,
        {
            "src/api.js": (
                "// getUser loads a user\n"
                "export function fetchUser(id) {\n"
                "  /* getUser is cheap */\n"
                "  return { id, label: 'getUser' };\n"
                "}\n"
            ),
            "main.js": "import { fetchUser } from './src/api.js';\n// call getUser once\nconsole.log(fetchUser(1).label, \"getUser\");\n",
            "lib.py": (
                "# get_user loads a user\n"
                "def fetch_user(uid):\n"
                '    """get_user docs."""\n'
                "    return 'get_user'  # get_user trailing\n"
            ),
            "main.py": "from lib import fetch_user\n\nprint(fetch_user(1), 'get_user')  # get_user\n",
        },
    )


def test_in_comments_renames_comments_but_not_strings(project):
    root = project(DOCS)

    rename_ok(root, *DOCS_RENAMES, "--in-comments")

    assert read_project(root) == changed(
        DOCS,
        {
            "src/api.js": (
                "// fetchUser loads a user\n"
                "export function fetchUser(id) {\n"
                "  /* fetchUser is cheap */\n"
                "  return { id, label: 'getUser' };\n"
                "}\n"
            ),
            "main.js": "import { fetchUser } from './src/api.js';\n// call fetchUser once\nconsole.log(fetchUser(1).label, \"getUser\");\n",
            "lib.py": (
                "# fetch_user loads a user\n"
                "def fetch_user(uid):\n"
                '    """get_user docs."""\n'
                "    return 'get_user'  # fetch_user trailing\n"
            ),
            "main.py": "from lib import fetch_user\n\nprint(fetch_user(1), 'get_user')  # fetch_user\n",
        },
    )
    assert run_node(root) == "getUser getUser\n"
    assert run_python(root) == "get_user get_user\n"


def test_in_strings_renames_strings_but_not_comments(project):
    root = project(DOCS)

    rename_ok(root, *DOCS_RENAMES, "--in-strings")

    assert read_project(root) == changed(
        DOCS,
        {
            "src/api.js": (
                "// getUser loads a user\n"
                "export function fetchUser(id) {\n"
                "  /* getUser is cheap */\n"
                "  return { id, label: 'fetchUser' };\n"
                "}\n"
            ),
            "main.js": "import { fetchUser } from './src/api.js';\n// call getUser once\nconsole.log(fetchUser(1).label, \"fetchUser\");\n",
            "lib.py": (
                "# get_user loads a user\n"
                "def fetch_user(uid):\n"
                '    """fetch_user docs."""\n'
                "    return 'fetch_user'  # get_user trailing\n"
            ),
            "main.py": "from lib import fetch_user\n\nprint(fetch_user(1), 'fetch_user')  # get_user\n",
        },
    )


# ---------------------------------------------------------------- map, dry run, plan

def test_map_file_combines_renames_and_moves(project):
    root = project(MOVES)
    output = run_node(root)
    (root / "renames.json").write_text(
        json.dumps(
            [
                {"target": "src/util.js#formatAmount", "new": "formatMoney"},
                {"move": "src/esm/util.mjs", "to": "src/esm/text.mjs"},
            ]
        )
    )

    report = rename_ok(root, "--map", "renames.json")

    assert [g["title"] for g in report["groups"]] == ["rename in src/util.js", "move src/esm/util.mjs"]
    after = read_project(root)
    assert after["src/util.js"] == "function formatMoney(n) {\n  return '$' + n.toFixed(2);\n}\nmodule.exports = { formatMoney };\n"
    assert after["src/money.js"] == (
        "const { formatMoney } = require('./util');\n"
        "const util = require('./util.js');\n"
        "module.exports = { price: (n) => formatMoney(n) + ' ' + util.formatMoney(n * 2) };\n"
    )
    assert after["src/esm/use.mjs"] == "import { shout } from './text.mjs';\nexport const hello = () => shout('hello');\n"
    assert "src/esm/util.mjs" not in after
    assert run_node(root) == output


def test_dry_run_prints_a_unified_diff_and_writes_nothing(project):
    root = project(MOVES)
    before = snapshot_bytes(root)

    result = kimi("run", "rename", root, "--rename", "src/util.js#formatAmount=fmt", "--move", "src/esm/util.mjs=src/shared/text.mjs", "--dry-run")

    assert result.code == 0, result.stderr
    assert snapshot_bytes(root) == before
    assert result.stdout == (
        "--- a/main.js\n"
        "+++ b/main.js\n"
        "@@ -1,3 +1,3 @@\n"
        " const { price } = require('./src/money');\n"
        "-const { formatAmount } = require('./src/util');\n"
        "-import('./src/esm/use.mjs').then(({ hello }) => console.log(price(1.5), formatAmount(2), hello()));\n"
        "+const { fmt } = require('./src/util');\n"
        "+import('./src/esm/use.mjs').then(({ hello }) => console.log(price(1.5), fmt(2), hello()));\n"
        "--- a/src/esm/use.mjs\n"
        "+++ b/src/esm/use.mjs\n"
        "@@ -1,2 +1,2 @@\n"
        "-import { shout } from './util.mjs';\n"
        "+import { shout } from '../shared/text.mjs';\n"
        " export const hello = () => shout('hello');\n"
        "rename from src/esm/util.mjs\n"
        "rename to src/shared/text.mjs\n"
        "--- a/src/money.js\n"
        "+++ b/src/money.js\n"
        "@@ -1,3 +1,3 @@\n"
        "-const { formatAmount } = require('./util');\n"
        "+const { fmt } = require('./util');\n"
        " const util = require('./util.js');\n"
        "-module.exports = { price: (n) => formatAmount(n) + ' ' + util.formatAmount(n * 2) };\n"
        "+module.exports = { price: (n) => fmt(n) + ' ' + util.fmt(n * 2) };\n"
        "--- a/src/util.js\n"
        "+++ b/src/util.js\n"
        "@@ -1,4 +1,4 @@\n"
        "-function formatAmount(n) {\n"
        "+function fmt(n) {\n"
        "   return '$' + n.toFixed(2);\n"
        " }\n"
        "-module.exports = { formatAmount };\n"
        "+module.exports = { fmt };\n"
    )
    assert "would change src/util.js" in result.stderr


def test_dry_run_json_report_carries_the_diff(project):
    root = project(MOVES)
    before = snapshot_bytes(root)

    result = rename(root, "--rename", "src/util.js#formatAmount=fmt", "--dry-run")

    assert result.code == 0
    assert snapshot_bytes(root) == before
    report = result.report
    assert report["dry_run"] is True
    assert "files_written" not in report
    assert report["files_changed"] == ["main.js", "src/money.js", "src/util.js"]
    assert "-function formatAmount(n) {\n+function fmt(n) {\n" in report["diff"]


def test_plan_prints_spec_markdown_and_changes_nothing(project):
    root = project(MOVES)
    before = snapshot_bytes(root)

    result = kimi("plan", "rename", root, "--rename", "src/util.js#formatAmount=fmt", "--move", "src/esm/util.mjs=src/shared/text.mjs")

    assert result.code == 0, result.stderr
    assert snapshot_bytes(root) == before
    assert result.stdout == (
        f"# Plan: rename in {root.resolve()}\n"
        "\n"
        "2 group(s) in 1 wave(s).\n"
        "Verification: `syntax check of touched JS/TS files`\n"
        "\n"
        "## g1: rename in src/util.js [INDEPENDENT]\n"
        "\n"
        "- RENAME SYMBOL formatAmount -> fmt (declared at src/util.js#formatAmount)\n"
        "- MODIFY main.js\n"
        "- MODIFY src/money.js\n"
        "- MODIFY src/util.js\n"
        "- VERIFY `syntax check of touched JS/TS files`\n"
        "\n"
        "## g2: move src/esm/util.mjs [INDEPENDENT]\n"
        "\n"
        "- RENAME src/esm/util.mjs -> src/shared/text.mjs\n"
        "- MODIFY src/esm/use.mjs\n"
        "- VERIFY `syntax check of touched JS/TS files`\n"
    )


# ---------------------------------------------------------------- conflicts

CONFLICTS = {
    "package.json": ESM_PACKAGE,
    "src/api.js": (
        "export function getUser(id) {\n"
        "  return { id };\n"
        "}\n"
        "\n"
        "export function listUsers() {\n"
        "  return [getUser(1)];\n"
        "}\n"
    ),
    "main.js": "import { getUser, listUsers } from './src/api.js';\nconsole.log(getUser(1).id, listUsers().length);\n",
}


def test_one_symbol_renamed_to_two_names_is_a_conflict(project):
    root = project(CONFLICTS)

    report = rename_failed(root, "--rename", "src/api.js#getUser=loadUser", "--rename", "src/api.js#getUser=readUser")

    assert report["conflicts"] == [{"path": "src/api.js", "message": "'getUser' is renamed to both loadUser and readUser"}]


def test_two_symbols_renamed_to_one_name_is_a_conflict(project):
    root = project(CONFLICTS)

    report = rename_failed(root, "--rename", "src/api.js#getUser=load", "--rename", "src/api.js#listUsers=load")

    assert report["conflicts"] == [{"path": "src/api.js", "message": "both 'getUser' and 'listUsers' would be renamed to load"}]


def test_one_symbol_renamed_twice_by_position_reports_every_overlap(project):
    root = project(CONFLICTS)

    # The declaration and a use: one group, whose two renames disagree everywhere.
    report = rename_failed(root, "--rename", "src/api.js:1:17=loadUser", "--rename", "src/api.js:6:11=readUser")

    assert report["conflicts"] == [
        {"path": "src/api.js", "message": "edits overlap at line 1: 'loadUser' and 'readUser'"},
        {"path": "src/api.js", "message": "edits overlap at line 6: 'loadUser' and 'readUser'"},
        {"path": "main.js", "message": "edits overlap at line 1: 'loadUser' and 'readUser'"},
        {"path": "main.js", "message": "edits overlap at line 2: 'loadUser' and 'readUser'"},
    ]


def test_renames_from_two_files_that_disagree_are_a_conflict(project):
    root = project(CONFLICTS)

    report = rename_failed(root, "--rename", "src/api.js#getUser=loadUser", "--rename", "main.js:1:10=readUser")

    assert [g["status"] for g in report["groups"]] == ["ok", "ok"]
    assert report["conflicts"] == [
        {"path": "main.js", "message": "edits overlap at line 1: 'getUser as readUser' and 'loadUser'"},
        {"path": "main.js", "message": "edits overlap at line 2: 'loadUser' and 'readUser'"},
    ]


# ---------------------------------------------------------------- bad input

BAD_INPUT = [
    ("src/missing.js#getUser=f", "src/missing.js#getUser=f: src/missing.js does not exist"),
    ("src/api.js:2:3=f", "src/api.js:2:3=f: there is no identifier at line 2, column 3"),  # `return`
    ("src/api.js:20:1=f", "src/api.js:20:1=f: the file has only 8 lines"),
    ("src/api.js#nothere=f", "src/api.js#nothere=f: there is no 'nothere' in src/api.js"),
    ("../outside.js:1:1=f", "../outside.js is outside the workspace {root}"),
]
PARSE_ERRORS = [
    ("src/api.js#getUser=1abc", "new name '1abc' for src/api.js#getUser is not a valid identifier"),
    ("src/api.js#getUser=class", "new name 'class' for src/api.js#getUser is not a valid identifier"),
    ("src/api.js=f", "rename target 'src/api.js' must be FILE:LINE:COL or FILE#NAME"),
    ("getUser", "--rename 'getUser' must look like OLD=NEW"),
]
def bad_input_project(project) -> Path:
    root = project(CONFLICTS)
    (root.parent / "outside.js").write_text("export const x = 1;\n")
    return root


def assert_usage_error(result, message: str) -> None:
    assert result.code == 2, result.stdout + result.stderr
    assert result.stderr == f"error: {message}\n"
    assert result.stdout == ""


@pytest.mark.parametrize("target, message", BAD_INPUT + PARSE_ERRORS)
def test_plan_reports_bad_input_as_a_one_line_usage_error(project, target, message):
    root = bad_input_project(project)

    result = kimi("plan", "rename", root, "--rename", target)

    assert_usage_error(result, message.format(root=root.resolve()))


@pytest.mark.parametrize("target, message", [BAD_INPUT[0], BAD_INPUT[1], BAD_INPUT[-1], PARSE_ERRORS[0]])
def test_run_reports_bad_input_as_a_one_line_usage_error(project, target, message):
    root = bad_input_project(project)
    before = snapshot_bytes(root)

    result = kimi("run", "rename", root, "--rename", target)

    assert snapshot_bytes(root) == before
    assert_usage_error(result, message.format(root=root.resolve()))


def test_long_error_messages_stay_on_one_line_in_narrow_logs(project):
    root = bad_input_project(project)

    result = kimi("plan", "rename", root, "--rename", "../outside.js:1:1=f", columns=80)

    assert result.stderr == f"error: ../outside.js is outside the workspace {root}\n"


# ---------------------------------------------------------------- scale

PAGES = 24


def many_files() -> dict[str, str]:
    files = {"src/user.js": "function getUser(id) {\n  return { id, name: `user${id}` };\n}\n\nmodule.exports = { getUser };\n"}
    for i in range(1, PAGES):
        files[f"src/page{i}.js"] = (
            f"const {{ getUser }} = require('./user');\n\nexports.page{i} = () => getUser({i}).name;\n"
        )
    files["main.js"] = "".join(f"console.log(require('./src/page{i}').page{i}());\n" for i in range(1, PAGES))
    return files


def test_one_rename_touches_every_file_of_a_large_project(project):
    files = many_files()
    root = project(files)
    output = run_node(root)

    report = rename_ok(root, "--rename", "src/user.js#getUser=fetchUser", "--agents", "4")

    expected = {
        path: text.replace("getUser", "fetchUser") if path != "main.js" else text for path, text in files.items()
    }
    assert read_project(root) == expected
    assert len(report["files_changed"]) == PAGES
    assert run_node(root) == output == "".join(f"user{i}\n" for i in range(1, PAGES))
    assert report["agents"] == 4
