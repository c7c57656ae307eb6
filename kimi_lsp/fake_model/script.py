"""What the fake model answers: scripted turns, simple rules, or a recording.

A script is a JSON object:

    {
      "latency": 0.0,                  # seconds before every answer starts
      "tokens_per_second": 0,          # pace of streamed text; 0 = as fast as possible
      "rate_limit": {"requests": 60, "per_seconds": 60},   # sliding window; excess gets 429 + Retry-After;
                                       # "headers": false leaves out the x-ratelimit-* headers
      "conversations": [
        {"match": "src/a.js",          # substring of the first user message; omitted = any conversation
         "turns": [
           {"content": "optional text",
            "tool_calls": [{"name": "read_file", "arguments": {"path": "src/a.js"}}],
            "faults": [{"kind": "429", "retry_after": 0.2}, {"kind": "500"}],
            "latency": 0.5}
         ]},
        {"match": "src/b.js", "rule": {"replace": {"old": "var ", "new": "let "}}}
      ]
    }

Conversations are stateless on the wire, so the turn answered is the number of
assistant messages already in the request: the agent's retries of one step get
the same turn. A turn's `faults` are served first, one per request, in order:
`429` (with `retry_after` seconds), `401` (a refused key), `500`, `hang`
(never answers), `truncate` (a stream cut off mid-answer), `stream_error` (a
stream that reports an error mid-answer), `drop` (the connection dies in the
middle of an HTTP chunk). Tool-call `arguments` given as a string are sent
verbatim, which is how a script serves malformed JSON.

Rules answer any number of groups without listing turns: `replace` edits every
`MODIFY path` of the group's spec with `edit_file(path, old, new)` and then
finishes; `finish` finishes at once.

A recording (JSON lines written by the agents' `record` setting) is replayed
exactly: each request is answered with the recorded answer for the same
conversation and step.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from kimi_lsp.agents.recording import conversation_key, first_user_text, step_of
from kimi_lsp.errors import UserError

MODIFY_LINE = re.compile(r"^- MODIFY (\S.*)$", re.MULTILINE)
FAULT_KINDS = ("429", "401", "500", "hang", "truncate", "stream_error", "drop")


class ScriptError(UserError):
    """The script or recording cannot be used; the message says why."""


@dataclass
class Answer:
    """One assistant message the server will send (or a fault instead of it)."""

    content: str = ""
    tool_calls: list[dict] = field(default_factory=list)  # {"id", "name", "arguments": raw JSON text}
    fault: dict | None = None
    latency: float | None = None

    @property
    def finish_reason(self) -> str:
        return "tool_calls" if self.tool_calls else "stop"


def _tool_call(step: int, index: int, name: str, arguments) -> dict:
    raw = arguments if isinstance(arguments, str) else json.dumps(arguments)
    return {"id": f"call_{step}_{index}", "name": name, "arguments": raw}


class Script:
    """Answers chat requests as the script says; keeps which faults were served."""

    def __init__(self, data: dict):
        if not isinstance(data, dict):
            raise ScriptError("a fake-model script must be a JSON object")
        self.latency = float(data.get("latency", 0.0))
        self.tokens_per_second = float(data.get("tokens_per_second", 0) or 0)
        limit = data.get("rate_limit")
        self.rate_limit = (int(limit["requests"]), float(limit.get("per_seconds", 60))) if limit else None
        self.rate_limit_headers = bool(limit.get("headers", True)) if limit else False
        self.conversations = data.get("conversations", [])
        for conversation in self.conversations:
            for turn in conversation.get("turns", []):
                for fault in turn.get("faults", []):
                    if fault.get("kind") not in FAULT_KINDS:
                        raise ScriptError(f"unknown fault {fault!r}; expected one of {', '.join(FAULT_KINDS)}")
        self.replay: dict[tuple[str, int], dict] = {}
        if data.get("replay"):
            self.load_recording(Path(data["replay"]))
        self._faults_served: dict[tuple[int, int], int] = {}

    @classmethod
    def from_file(cls, path: Path) -> Script:
        try:
            return cls(json.loads(Path(path).read_text(encoding="utf-8")))
        except (OSError, ValueError) as err:
            raise ScriptError(f"cannot read script {path}: {err}") from None

    def load_recording(self, path: Path) -> None:
        try:
            lines = Path(path).read_text(encoding="utf-8").splitlines()
        except OSError as err:
            raise ScriptError(f"cannot read recording {path}: {err}") from None
        for line in lines:
            entry = json.loads(line)
            if "response" in entry:
                self.replay[(entry["conversation"], entry["step"])] = entry["response"]

    def answer(self, messages: list[dict]) -> Answer:
        step = step_of(messages)
        if self.replay:
            recorded = self.replay.get((conversation_key(messages), step))
            if recorded is None:
                return Answer(content="the recording has no answer for this request")
            return Answer(recorded.get("content") or "", list(recorded.get("tool_calls") or []))
        spec = first_user_text(messages)
        for index, conversation in enumerate(self.conversations):
            if conversation.get("match", "") in spec:
                return self._from_conversation(index, conversation, spec, step)
        return Answer(content="")

    def _from_conversation(self, index: int, conversation: dict, spec: str, step: int) -> Answer:
        rule = conversation.get("rule")
        if rule:
            return _rule_answer(rule, spec, step)
        turns = conversation.get("turns", [])
        if step >= len(turns):
            return Answer(content="the script has no more turns")
        turn = turns[step]
        faults = turn.get("faults", [])
        served = self._faults_served.get((index, step), 0)
        if served < len(faults):
            self._faults_served[(index, step)] = served + 1
            return Answer(fault=faults[served], latency=turn.get("latency"))
        calls = [_tool_call(step, i, c["name"], c.get("arguments", {})) for i, c in enumerate(turn.get("tool_calls", []))]
        return Answer(turn.get("content", ""), calls, latency=turn.get("latency"))


def _rule_answer(rule: dict, spec: str, step: int) -> Answer:
    if "replace" in rule and step == 0:
        old, new = rule["replace"]["old"], rule["replace"]["new"]
        paths = MODIFY_LINE.findall(spec)
        return Answer(tool_calls=[_tool_call(step, i, "edit_file", {"path": p, "old": old, "new": new}) for i, p in enumerate(paths)])
    if "replace" in rule or "finish" in rule:
        return Answer(tool_calls=[_tool_call(step, 0, "finish", {"summary": "done"})])
    raise ScriptError(f"unknown rule {rule!r}; expected 'replace' or 'finish'")
