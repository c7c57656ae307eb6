"""Plans: file groups with specs, ordered into waves by their dependencies."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kimi_lsp.swarm.changeset import Conflict


@dataclass
class Group:
    """One unit of work for one sub-agent, described by a spec."""

    id: str
    title: str
    modify: list[str] = field(default_factory=list)
    rename: list[tuple[str, str]] = field(default_factory=list)
    after: list[str] = field(default_factory=list)
    task: Any = None
    instructions: list[str] = field(default_factory=list)

    @property
    def files(self) -> list[str]:
        return sorted(set(self.modify) | {old for old, _ in self.rename})


@dataclass
class Plan:
    refactor: str
    root: str
    groups: list[Group]
    verify_command: str
    notes: list[str] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)

    def waves(self) -> list[list[Group]]:
        """Groups in dependency order; each wave only needs earlier waves."""
        done: set[str] = set()
        pending = list(self.groups)
        waves = []
        while pending:
            wave = [g for g in pending if set(g.after) <= done]
            if not wave:
                raise ValueError("group dependencies form a cycle: " + ", ".join(g.id for g in pending))
            waves.append(wave)
            done |= {g.id for g in wave}
            pending = [g for g in pending if g.id not in done]
        return waves

    def spec_markdown(self) -> str:
        """The plan as specs a person or a sub-agent can read and act on."""
        lines = [f"# Plan: {self.refactor} in {self.root}", ""]
        lines.append(f"{len(self.groups)} group(s) in {len(self.waves())} wave(s).")
        lines.append(f"Verification: `{self.verify_command}`")
        lines += [f"Note: {n}" for n in self.notes]
        lines += [f"CONFLICT {c.path}: {c.message}" for c in self.conflicts]
        for group in self.groups:
            tag = f"[AFTER {', '.join(group.after)}]" if group.after else "[INDEPENDENT]"
            lines += ["", f"## {group.id}: {group.title} {tag}", ""]
            lines += [f"- {text}" for text in group.instructions]
            lines += [f"- RENAME {old} -> {new}" for old, new in group.rename]
            lines += [f"- MODIFY {path}" for path in group.modify]
            lines.append(f"- VERIFY `{self.verify_command}`")
        return "\n".join(lines) + "\n"

    def to_json(self) -> list[dict]:
        return [
            {
                "id": g.id,
                "title": g.title,
                "modify": g.modify,
                "rename": [{"from": a, "to": b} for a, b in g.rename],
                "after": g.after,
                "independent": not g.after,
            }
            for g in self.groups
        ]
