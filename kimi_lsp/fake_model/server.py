"""A local HTTP server speaking the OpenAI Chat Completions protocol.

`POST /v1/chat/completions` answers as its script says (see script.py), with
or without streaming (server-sent events), with tool calls and usage, and with
the faults real providers produce: latency, a slow token rate, 429 with
Retry-After (scripted, or from a requests-per-window limit), 500, requests that
never answer, and streams cut off mid-answer. Tests and benchmarks point the
real `openai` client at it through `base_url`.

When it enforces a requests-per-window limit, every answer (429s included)
carries the rate-limit headers hosted OpenAI-compatible providers send
(unless the script says `"headers": false`, as some providers do):
`x-ratelimit-limit-requests`; `x-ratelimit-remaining-requests`, the requests
that remained once this one was admitted (a gateway decides that before the
model runs); and `x-ratelimit-reset-requests`, the time from the answer until
the window is empty again, such as "9.5s" or "1m2.5s".
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import time
from collections import deque

from kimi_lsp.agents.reply import Reply
from kimi_lsp.fake_model.script import Answer, Script

log = logging.getLogger(__name__)

MAX_BODY = 64 * 1024 * 1024
REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 429: "Too Many Requests", 500: "Internal Server Error"}


class FakeModelServer:
    """One listening server; `requests` logs every chat request body it received."""

    def __init__(self, script: Script):
        self.script = script
        self.requests: list[dict] = []
        self.arrivals: list[float] = []  # monotonic time of each chat request, for benchmarks
        self.rejections: list[float] = []  # monotonic time of each 429
        self.admissions: list[float] = []  # monotonic time of each request the rate limit let through
        self._admitted: deque[float] = deque()
        self._server: asyncio.Server | None = None
        self._handlers: set[asyncio.Task] = set()
        self._sequence = 0

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        self._server = await asyncio.start_server(self._connection, host, port, limit=MAX_BODY)
        return self._server.sockets[0].getsockname()[1]

    def base_url(self) -> str:
        assert self._server
        host, port = self._server.sockets[0].getsockname()[:2]
        return f"http://{host}:{port}/v1"

    async def close(self) -> None:
        if self._server:
            self._server.close()
        for task in list(self._handlers):
            task.cancel()
        await asyncio.gather(*self._handlers, return_exceptions=True)
        if self._server:
            await self._server.wait_closed()

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task
        self._handlers.add(task)
        try:
            while await self._one_request(reader, writer):
                pass
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        except asyncio.CancelledError:  # close() ends every connection; asyncio would log a cancelled handler
            pass
        finally:
            self._handlers.discard(task)
            writer.close()

    async def _one_request(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        """Serve one HTTP request; returns whether the connection stays open."""
        head = await reader.readuntil(b"\r\n\r\n")
        request_line, *header_lines = head.decode("latin-1").split("\r\n")
        method, path, _ = request_line.split(" ", 2)
        headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in header_lines if h)}
        body = await reader.readexactly(int(headers.get("content-length", 0)))
        if method == "GET" and path.rstrip("/").endswith("/models"):
            return await _send_json(writer, 200, {"object": "list", "data": [{"id": "fake", "object": "model"}]})
        if method != "POST" or not path.rstrip("/").endswith("/chat/completions"):
            return await _send_json(writer, 404, _error(f"no route {method} {path}", "not_found"))
        try:
            request = json.loads(body)
            messages = request["messages"]
        except (ValueError, KeyError, TypeError):
            return await _send_json(writer, 400, _error("the body must be a JSON chat request", "invalid_request_error"))
        self.requests.append(request)
        self.arrivals.append(time.monotonic())
        retry_after = self._rate_limited()
        if retry_after is not None:
            self.rejections.append(time.monotonic())
            error = _error("rate limit reached", "rate_limit_exceeded")
            return await _send_json(writer, 429, error, retry_after, self._quota_headers(0))
        remaining = self.script.rate_limit[0] - len(self._admitted) if self.script.rate_limit else 0
        answer = self.script.answer(messages)
        await asyncio.sleep(answer.latency if answer.latency is not None else self.script.latency)
        if answer.fault:
            return await self._fault(writer, answer.fault, request)
        self._sequence += 1
        completion_id = f"chatcmpl-fake-{self._sequence}"
        usage = _usage(messages, answer)
        if request.get("stream"):
            include_usage = bool((request.get("stream_options") or {}).get("include_usage"))
            usage = usage if include_usage else None
            await self._stream(writer, completion_id, request.get("model", "fake"), answer, usage, self._quota_headers(remaining))
            return True
        completion = _completion(completion_id, request.get("model", "fake"), answer, usage)
        return await _send_json(writer, 200, completion, extra_headers=self._quota_headers(remaining))

    def _rate_limited(self) -> float | None:
        """Seconds to wait when the sliding-window limit is full, else None (and the request counts)."""
        if not self.script.rate_limit:
            return None
        limit, window = self.script.rate_limit
        now = self._expire()
        if len(self._admitted) >= limit:
            return max(0.001, self._admitted[0] + window - now)
        self._admitted.append(now)
        self.admissions.append(now)
        return None

    def _expire(self) -> float:
        """Drop admissions older than the window; returns now."""
        assert self.script.rate_limit
        now = time.monotonic()
        while self._admitted and self._admitted[0] <= now - self.script.rate_limit[1]:
            self._admitted.popleft()
        return now

    def _quota_headers(self, remaining: int) -> dict[str, str]:
        """The x-ratelimit-*-requests headers: `remaining` as admitted, the reset as of now; none without a limit."""
        if not self.script.rate_limit or not self.script.rate_limit_headers:
            return {}
        limit, window = self.script.rate_limit
        now = self._expire()
        reset = self._admitted[-1] + window - now if self._admitted else 0.0
        return {
            "x-ratelimit-limit-requests": str(limit),
            "x-ratelimit-remaining-requests": str(remaining),
            "x-ratelimit-reset-requests": duration_text(reset),
        }

    async def _fault(self, writer: asyncio.StreamWriter, fault: dict, request: dict) -> bool:
        kind = fault["kind"]
        if kind == "429":
            self.rejections.append(time.monotonic())
            return await _send_json(writer, 429, _error("rate limit reached", "rate_limit_exceeded"), float(fault.get("retry_after", 1)))
        if kind == "401":
            return await _send_json(writer, 401, _error("incorrect API key provided", "invalid_api_key"))
        if kind == "500":
            return await _send_json(writer, 500, _error("the fake model failed", "server_error"))
        if kind == "hang":
            await asyncio.sleep(float(fault.get("seconds", 3600)))
            return False
        chunk = _chunk("chatcmpl-cut", request.get("model", "fake"), {"role": "assistant", "content": "This answer is cut off in the mid"})
        if kind == "drop":  # the connection dies in the middle of an HTTP chunk
            await _write_head(writer, 200, {"Content-Type": "text/event-stream", "Transfer-Encoding": "chunked"})
            writer.write(_http_chunk(_sse(chunk)) + b"400\r\ndata: {")
            await writer.drain()
            return False
        await _write_head(writer, 200, {"Content-Type": "text/event-stream", "Connection": "close"})
        writer.write(_sse(chunk))
        if kind == "stream_error":
            writer.write(_sse(_error("the model is overloaded", "server_error")))
        await writer.drain()
        return False

    async def _stream(
        self, writer: asyncio.StreamWriter, completion_id: str, model: str, answer: Answer, usage: dict | None, quota: dict[str, str]
    ) -> None:
        """Server-sent events in HTTP chunks on a connection that stays open, as hosted providers stream."""
        headers = {"Content-Type": "text/event-stream", "Cache-Control": "no-cache", "Transfer-Encoding": "chunked", "Connection": "keep-alive"}
        await _write_head(writer, 200, {**headers, **quota})
        delay = 1 / self.script.tokens_per_second if self.script.tokens_per_second else 0.0

        async def send(delta: dict, finish_reason: str | None = None) -> None:
            writer.write(_http_chunk(_sse(_chunk(completion_id, model, delta, finish_reason))))
            await writer.drain()

        await send({"role": "assistant", "content": ""})
        for piece in _tokens(answer.content, delay):
            await send({"content": piece})
            await asyncio.sleep(delay)
        for index, call in enumerate(answer.tool_calls):
            head = {"index": index, "id": call["id"], "type": "function", "function": {"name": call["name"], "arguments": ""}}
            await send({"tool_calls": [head]})
            for piece in _tokens(call["arguments"], delay):
                await send({"tool_calls": [{"index": index, "function": {"arguments": piece}}]})
                await asyncio.sleep(delay)
        await send({}, answer.finish_reason)
        if usage:
            usage_chunk = {"id": completion_id, "object": "chat.completion.chunk", "created": int(time.time()), "model": model, "choices": [], "usage": usage}
            writer.write(_http_chunk(_sse(usage_chunk)))
        writer.write(_http_chunk(b"data: [DONE]\n\n") + _http_chunk(b""))
        await writer.drain()


def _tokens(text: str, delay: float) -> list[str]:
    """Pieces of about one token when paced, else two halves (so clients must join deltas)."""
    if not text:
        return []
    if delay:
        return [text[i : i + 4] for i in range(0, len(text), 4)]
    middle = len(text) // 2
    return [part for part in (text[:middle], text[middle:]) if part]


def _usage(messages: list[dict], answer: Answer) -> dict:
    prompt = len(json.dumps(messages)) // 4 + 1
    completion = (len(answer.content) + sum(len(c["arguments"]) + len(c["name"]) for c in answer.tool_calls)) // 4 + 1
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def _completion(completion_id: str, model: str, answer: Answer, usage: dict) -> dict:
    return {
        "id": completion_id,
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": Reply(answer.content, answer.tool_calls, 0, 0).message(), "finish_reason": answer.finish_reason}],
        "usage": usage,
    }


def _chunk(completion_id: str, model: str, delta: dict, finish_reason: str | None = None) -> dict:
    return {
        "id": completion_id,
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
    }


def _error(message: str, kind: str) -> dict:
    return {"error": {"message": message, "type": kind, "code": kind}}


def _http_chunk(data: bytes) -> bytes:
    """One piece of a chunked HTTP body; an empty one ends the body."""
    return b"%x\r\n%s\r\n" % (len(data), data)


def _sse(payload: dict) -> bytes:
    return f"data: {json.dumps(payload)}\n\n".encode("utf-8")


async def _write_head(writer: asyncio.StreamWriter, status: int, headers: dict[str, str]) -> None:
    lines = [f"HTTP/1.1 {status} {REASONS.get(status, 'Status')}"] + [f"{k}: {v}" for k, v in headers.items()]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
    await writer.drain()


def duration_text(seconds: float) -> str:
    """A duration as OpenAI writes it in x-ratelimit-reset-*: "250ms", "9.5s", "1m2.5s".

    Rounded up to the millisecond, so a client that waits that long never
    comes back early.
    """
    milliseconds = math.ceil(seconds * 1000)
    if 0 < milliseconds < 1000:
        return f"{milliseconds}ms"
    minutes, rest = divmod(milliseconds, 60_000)
    text = f"{rest / 1000:.3f}".rstrip("0").rstrip(".") + "s"
    return f"{minutes}m{text}" if minutes else text


async def _send_json(
    writer: asyncio.StreamWriter,
    status: int,
    payload: dict,
    retry_after: float | None = None,
    extra_headers: dict[str, str] | None = None,
) -> bool:
    body = json.dumps(payload).encode("utf-8")
    headers = {"Content-Type": "application/json", "Content-Length": str(len(body)), "Connection": "keep-alive"}
    headers.update(extra_headers or {})
    if retry_after is not None:
        headers["Retry-After"] = f"{retry_after:.3f}"
        headers["Retry-After-Ms"] = str(int(retry_after * 1000))
    await _write_head(writer, status, headers)
    writer.write(body)
    await writer.drain()
    return True
