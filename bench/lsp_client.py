"""A small synchronous LSP client over a server's stdio, for benchmarks and fuzzing.

It speaks Content-Length framing directly, accepts the server's requests
(an applyEdit is reported applied, without touching files), and keeps every
notification it sees, with the time it arrived.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path


class StdioClient:
    def __init__(self, command: list[str], root: Path, capabilities: dict | None = None, init_options: dict | None = None,
                 env: dict | None = None):
        self.proc = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env or os.environ.copy()
        )
        self.next_id = 0
        self.notifications: list[tuple[float, dict]] = []
        params = {
            "processId": os.getpid(),
            "rootUri": root.as_uri(),
            "workspaceFolders": [{"uri": root.as_uri(), "name": root.name}],
            "capabilities": capabilities or {},
        }
        if init_options is not None:
            params["initializationOptions"] = init_options
        self.request("initialize", params)
        self.notify("initialized", {})

    def send(self, message: dict) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def read(self) -> dict:
        length = 0
        while (line := self.proc.stdout.readline()) not in (b"\r\n", b"\n", b""):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        if not length:
            raise EOFError("the server closed its output")
        return json.loads(self.proc.stdout.read(length))

    def notify(self, method: str, params) -> None:
        self.send({"method": method, "params": params})

    def request(self, method: str, params) -> dict:
        self.next_id += 1
        self.send({"id": self.next_id, "method": method, "params": params})
        while True:
            message = self.read()
            if "method" in message and "id" in message:  # a request from the server: accept it
                result = {"applied": True} if message["method"] == "workspace/applyEdit" else None
                self.send({"id": message["id"], "result": result})
            elif "method" in message:
                self.notifications.append((time.monotonic(), message))
            elif message.get("id") == self.next_id:
                return message

    def open(self, path: Path, language: str = "typescript") -> None:
        self.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": path.as_uri(), "languageId": language, "version": 1, "text": path.read_text()}},
        )

    def close(self) -> None:
        try:
            self.request("shutdown", None)
            self.notify("exit", None)
            self.proc.wait(timeout=10)
        except (EOFError, BrokenPipeError, subprocess.TimeoutExpired):
            self.proc.kill()
