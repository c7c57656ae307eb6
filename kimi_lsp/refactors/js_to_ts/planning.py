"""File groups for a migration, from the import graph.

Files that import each other in a cycle (a strongly connected component) stay
in one group: their types are inferred together. Components are ordered so a
module is typed before the modules that import it, because inferring a
caller's types works better once its callees are typed. Layers of that order
become waves; within a wave, components are packed into groups of similar
size, one per agent, and each group comes after the groups holding its
dependencies.
"""

from __future__ import annotations

from kimi_lsp.swarm.plan import Group

MAX_WAVES = 2  # deeper layering costs more time than it gains in inference


def strongly_connected(nodes: list[str], graph: dict[str, list[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative; components come out dependencies first."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []
    members = set(nodes)
    counter = 0
    for start in nodes:
        if start in index:
            continue
        work = [(start, iter(sorted(d for d in graph.get(start, ()) if d in members)))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, deps = work[-1]
            for dep in deps:
                if dep not in index:
                    index[dep] = low[dep] = counter
                    counter += 1
                    stack.append(dep)
                    on_stack.add(dep)
                    work.append((dep, iter(sorted(d for d in graph.get(dep, ()) if d in members))))
                    break
                if dep in on_stack:
                    low[node] = min(low[node], index[dep])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    components.append(sorted(component))
    return components


def plan_groups(files: list[str], graph: dict[str, list[str]], agents: int) -> list[tuple[list[str], list[int]]]:
    """Groups as (files, indexes of groups they come after), dependencies first."""
    components = strongly_connected(sorted(files), graph)
    component_of = {f: i for i, c in enumerate(components) for f in c}
    depth: dict[int, int] = {}
    for i, component in enumerate(components):  # dependencies come first, so their depth is known
        deps = {component_of[d] for f in component for d in graph.get(f, ()) if d in component_of} - {i}
        depth[i] = 1 + max((depth[d] for d in deps), default=-1)
    deepest = max(depth.values(), default=0)
    waves = min(MAX_WAVES, deepest + 1)
    wave_of = {i: depth[i] * waves // (deepest + 1) for i in depth}
    groups: list[tuple[list[str], list[int]]] = []
    group_of_component: dict[int, int] = {}
    for wave in range(waves):
        in_wave = [i for i in range(len(components)) if wave_of[i] == wave]
        size = sum(len(components[i]) for i in in_wave)
        buckets = max(1, min(agents, len(in_wave)))
        target = -(-size // buckets)
        bins: list[list[int]] = [[]]
        for i in sorted(in_wave, key=lambda c: components[c][0]):
            if bins[-1] and sum(len(components[c]) for c in bins[-1]) + len(components[i]) > target:
                bins.append([])
            bins[-1].append(i)
        earlier = dict(group_of_component)  # groups of a wave only wait for earlier waves
        for members in bins:
            number = len(groups)
            after = set()
            for i in members:
                group_of_component[i] = number
                for f in components[i]:
                    for d in graph.get(f, ()):
                        if d in component_of and component_of[d] in earlier:
                            after.add(earlier[component_of[d]])
            groups.append((sorted(f for i in members for f in components[i]), sorted(after)))
    return groups


def to_groups(planned: list[tuple[list[str], list[int]]], renames: dict[str, str], modules: dict[str, str]) -> list[Group]:
    """Plan groups; `modules` says how each file's module syntax was converted (shown when it was CommonJS)."""
    return [
        Group(
            f"g{n + 1}",
            f"convert {len(files)} file(s)" + (f" from {files[0]}" if files else ""),
            modify=[],
            rename=[(f, renames[f]) for f in files],
            after=[f"g{a + 1}" for a in after],
            task=files,
            instructions=["TYPE with TypeScript's codefixes: JSDoc -> annotations, missing members, inferred from usage"]
            + [f"MODULE {f}: CommonJS -> {modules[f]}" for f in files if modules.get(f)],
        )
        for n, (files, after) in enumerate(planned)
    ]
