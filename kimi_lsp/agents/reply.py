"""One answer from a model, in the shape the agent loop and the fake model share.

Kept apart from the agent loop so the fake model server can use it without
loading the openai package.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Reply:
    content: str
    tool_calls: list[dict]  # {"id", "name", "arguments"} with arguments as raw text
    tokens_in: int
    tokens_out: int

    def message(self) -> dict:
        """The assistant message to append to the conversation."""
        message: dict = {"role": "assistant", "content": self.content or None}
        if self.tool_calls:
            message["tool_calls"] = [
                {"id": c["id"], "type": "function", "function": {"name": c["name"], "arguments": c["arguments"]}}
                for c in self.tool_calls
            ]
        return message

    def recorded(self) -> dict:
        return {
            "content": self.content,
            "tool_calls": self.tool_calls,
            "usage": {"prompt_tokens": self.tokens_in, "completion_tokens": self.tokens_out},
        }
