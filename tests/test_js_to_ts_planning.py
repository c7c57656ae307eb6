"""js-to-ts planning and project files, without TypeScript: groups, targets, tsconfig and package.json rules, and reconciling suppressions with tsc."""

from __future__ import annotations

import json

from kimi_lsp.refactors.js_to_ts.planning import plan_groups, strongly_connected
from kimi_lsp.refactors.js_to_ts.project import (
    ProjectFacts,
    amended_tsconfig,
    compiler_options,
    new_path,
    package_changes,
    target_for,
)
from kimi_lsp.refactors.js_to_ts.reconcile import reconcile


def test_import_cycles_are_one_component_and_dependencies_come_first():
    graph = {"main.js": ["a.js", "c.js"], "a.js": ["b.js"], "b.js": ["a.js"], "c.js": []}
    components = strongly_connected(sorted(graph), graph)
    assert ["a.js", "b.js"] in components
    assert components.index(["a.js", "b.js"]) < components.index(["main.js"])
    assert components.index(["c.js"]) < components.index(["main.js"])


def test_groups_wait_only_for_earlier_waves_that_hold_their_dependencies():
    graph = {"main.js": ["a.js", "c.js"], "a.js": ["b.js"], "b.js": ["a.js"], "c.js": []}
    groups = plan_groups(sorted(graph), graph, agents=2)
    by_file = {f: i for i, (files, _) in enumerate(groups) for f in files}
    assert by_file["a.js"] == by_file["b.js"]  # a cycle is typed together
    files, after = groups[by_file["main.js"]]
    assert set(after) == {by_file["a.js"], by_file["c.js"]} - {by_file["main.js"]}
    assert all(not after for files, after in groups if "main.js" not in files)


def test_a_deep_chain_is_folded_into_at_most_two_waves():
    graph = {f"m{i}.js": [f"m{i + 1}.js"] for i in range(6)} | {"m6.js": []}
    groups = plan_groups(sorted(graph), graph, agents=1)
    assert len(groups) == 2 and groups[1][1] == [0]


def test_new_paths_follow_the_extension_and_jsx():
    assert [new_path(p, False) for p in ("a.js", "b.jsx", "c.mjs", "d.cjs")] == ["a.ts", "b.tsx", "c.mts", "d.cts"]
    assert new_path("view.js", True) == "view.tsx"


def test_target_comes_from_the_oldest_supported_node():
    assert target_for({"engines": {"node": ">=18"}}) == "ES2022"
    assert target_for({"engines": {"node": "^14.17.0 || >=16"}}) == "ES2020"
    assert target_for({"engines": {"node": ">= 0.10"}}) == "ES2017"
    assert target_for({}) == "ES2022"


def test_compiler_options_follow_the_code():
    facts = ProjectFacts(jsx=True, node_builtins=True, partial=True)
    options = compiler_options({"dependencies": {"react": "^18"}}, facts)
    assert options["jsx"] == "react-jsx" and options["types"] == ["node"] and options["allowJs"] is True
    assert options["module"] == "nodenext" and options["strict"] is True
    bundler = compiler_options({}, ProjectFacts(bundler_specifiers=True))
    assert (bundler["module"], bundler["moduleResolution"]) == ("esnext", "bundler")
    # CommonJS files beside them run under Node as they are: nodenext keeps a CommonJS package CommonJS
    mixed = compiler_options({}, ProjectFacts(bundler_specifiers=True, commonjs_modules=True))
    assert (mixed["module"], mixed["moduleResolution"]) == ("nodenext", "nodenext")


def test_an_existing_tsconfig_gains_only_missing_options_and_keeps_its_comments():
    text = '{\n  // ours\n  "compilerOptions": {\n    "strict": true,\n    "types": ["jest"],\n  },\n}\n'
    amended = amended_tsconfig(text, ProjectFacts(partial=True, node_builtins=True), {})
    assert "// ours" in amended and '"allowJs": true,' in amended and '"types": ["node", "jest"]' in amended
    assert amended_tsconfig(text, ProjectFacts(), {}) == text


def test_renamed_files_named_in_an_existing_tsconfig_are_named_by_their_new_path():
    text = '{"files": ["./main.js", "lib/a.js"], "include": ["lib/**/*"], "exclude": ["legacy.js"]}'
    amended = amended_tsconfig(text, ProjectFacts(), {"main.js": "main.ts", "lib/a.js": "lib/a.ts", "other.js": "other.ts"})
    assert amended == '{"files": ["./main.ts", "lib/a.ts"], "include": ["lib/**/*"], "exclude": ["legacy.js"]}'


def test_package_entries_that_need_a_build_are_reported_and_updated_on_request():
    text = json.dumps({"main": "./index.js", "bin": {"x": "cli.js"}, "scripts": {"start": "node index.js", "lint": "eslint ."}})
    renames = {"index.js": "index.ts", "cli.js": "cli.ts"}
    report = package_changes(text, renames, ProjectFacts(), update=False)
    assert [entry.split(":")[0] for entry in report.needs_build] == ["main", "bin.x", "scripts.start"]
    assert report.updated_text is None
    updated = json.loads(package_changes(text, renames, ProjectFacts(node_builtins=True), update=True).updated_text)
    assert updated["scripts"]["prestart"] == "npm run build" and "prelint" not in updated["scripts"]
    assert updated["scripts"]["build"] == "tsc" and updated["scripts"]["prepublishOnly"] == "npm run build"
    assert set(updated["devDependencies"]) == {"typescript", "@types/node"}


def test_suppressions_follow_tsc_where_it_judges_a_line_differently():
    texts = {
        "lib/a.ts": "class A {\n  // @ts-expect-error -- TS2339: Property 'x' does not exist\n  x!: number;\n}\n",
        "lib/b.ts": "export function f(o) {\n    return o.y;\n}\n",
    }
    errors = [
        "lib/a.ts(2,3): error TS2578: Unused '@ts-expect-error' directive.",
        "lib/b.ts(2,12): error TS2339: Property 'y' does not exist on type '/tmp/snap/lib/c'.",
    ]
    result = reconcile(texts, errors, "/tmp/snap")
    assert result.texts["lib/a.ts"] == "class A {\n  x!: number;\n}\n"
    assert result.texts["lib/b.ts"] == (
        "export function f(o) {\n    // @ts-expect-error -- TS2339: Property 'y' does not exist on type 'lib/c'.\n    return o.y;\n}\n"
    )
    assert (result.added, result.removed, result.changed) == (1, 1, {"lib/a.ts", "lib/b.ts"})


def test_lines_the_two_typescripts_judge_differently_take_ts_ignore_so_typescript7_alone_can_prove_the_result():
    texts = {
        "lib/a.ts": "class A {\n  // @ts-expect-error -- TS2339, TS2322: Property 'x' does not exist\n  x!: number;\n}\n",
        "lib/b.ts": "export function f(o) {\n    return o.y;\n}\n",
    }
    errors = [  # typescript@7 calls a.ts's directive unused, and alone reports b.ts's line
        "lib/a.ts(2,3): error TS2578: Unused '@ts-expect-error' directive.",
        "lib/b.ts(2,12): error TS2339: Property 'y' does not exist on type 'lib/c'.",
    ]
    result = reconcile(texts, errors, "/tmp/snap", for_both=True)
    assert result.texts["lib/a.ts"] == (
        "class A {\n  // @ts-ignore -- TS2339, TS2322 (TypeScript 5 only): Property 'x' does not exist\n  x!: number;\n}\n"
    )
    assert result.texts["lib/b.ts"] == (
        "export function f(o) {\n    // @ts-ignore -- TS2339 (TypeScript 7 only): Property 'y' does not exist on type 'lib/c'.\n    return o.y;\n}\n"
    )
    assert (result.added, result.removed, result.changed) == (1, 0, {"lib/a.ts", "lib/b.ts"})


def test_tsc_errors_the_gate_cannot_settle_are_left_to_fail_the_run():
    texts = {"app.tsx": "const x = <div>{y}</div>;\n", "a.ts": "let a = 1;\n"}
    assert reconcile(texts, ["app.tsx(1,17): error TS2304: Cannot find name 'y'."], "/s") is None  # a line inside JSX
    assert reconcile(texts, ["other.ts(1,1): error TS2304: Cannot find name 'z'."], "/s") is None  # not a migrated file
    assert reconcile(texts, ["a.ts(1,1): error TS2578: Unused '@ts-expect-error' directive."], "/s") is None  # not ours
