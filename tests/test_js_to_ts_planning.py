"""js-to-ts planning and project files, without TypeScript: groups, targets, tsconfig and package.json rules."""

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
