"""Record every model request and answer of a run, as an audit trail and for replay.

A recording is a JSON-lines file. Each line names the agent's group, the
conversation (a hash of its first user message, the group's spec) and the step
(how many answers the conversation already had), with the request and either
the answer or the error. `kimi-lsp fake-model --replay FILE` answers from it,
so a recorded run can be repeated exactly, in CI, without a model.
"""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path


def first_user_text(messages: list[dict]) -> str:
    return str(next((m.get("content") or "" for m in messages if m.get("role") == "user"), ""))


def conversation_key(messages: list[dict]) -> str:
    """Identifies a conversation by its first user message (the group's spec)."""
    return hashlib.sha256(first_user_text(messages).encode("utf-8")).hexdigest()[:16]


def step_of(messages: list[dict]) -> int:
    return sum(1 for m in messages if m.get("role") == "assistant")


class Recorder:
    """Appends entries to a JSON-lines file; safe to share between a run's agents."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()

    def record(self, agent: str, model: str, messages: list[dict], response: dict | None = None, error: str | None = None) -> None:
        entry = {
            "agent": agent,
            "conversation": conversation_key(messages),
            "step": step_of(messages),
            "model": model,
            "request": messages,
        }
        if response is not None:
            entry["response"] = response
        else:
            entry["error"] = error
        line = json.dumps(entry, ensure_ascii=False) + "\n"
        with self._lock, self.path.open("a", encoding="utf-8") as out:
            out.write(line)
