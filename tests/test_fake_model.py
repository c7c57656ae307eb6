"""The fake model server, spoken to by the real `openai` client over HTTP."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys

import openai
import pytest

from kimi_lsp.agents.ratelimit import parse_duration
from kimi_lsp.fake_model import FakeModelServer, Script, ScriptError
from kimi_lsp.fake_model.server import duration_text

MESSAGES = [{"role": "system", "content": "sys"}, {"role": "user", "content": "- MODIFY src/a.js\n- MODIFY src/b.js"}]


async def serve(script: dict) -> tuple[FakeModelServer, openai.AsyncOpenAI]:
    server = FakeModelServer(Script(script))
    await server.start()
    return server, openai.AsyncOpenAI(api_key="test-key", base_url=server.base_url(), max_retries=0, timeout=5)


def turns(*turns: dict, match: str = "") -> dict:
    return {"conversations": [{"match": match, "turns": list(turns)}]}


async def test_non_streaming_answer_carries_tool_calls_and_usage():
    server, client = await serve(turns({"content": "hi", "tool_calls": [{"name": "read_file", "arguments": {"path": "a.js"}}]}))
    try:
        reply = await client.chat.completions.create(model="kimi-test", messages=MESSAGES)
    finally:
        await server.close()
    message = reply.choices[0].message
    assert message.content == "hi"
    assert message.tool_calls[0].function.name == "read_file"
    assert json.loads(message.tool_calls[0].function.arguments) == {"path": "a.js"}
    assert reply.choices[0].finish_reason == "tool_calls"
    assert reply.usage.prompt_tokens > 0 and reply.usage.completion_tokens > 0
    assert server.requests[0]["model"] == "kimi-test"


async def test_streaming_answer_joins_into_content_tool_calls_and_usage():
    server, client = await serve(
        {"tokens_per_second": 1000, **turns({"content": "some words here", "tool_calls": [{"name": "finish", "arguments": {"summary": "ok"}}]})}
    )
    try:
        stream = await client.chat.completions.create(
            model="m", messages=MESSAGES, stream=True, stream_options={"include_usage": True}
        )
        content, arguments, names, finish, usage = "", "", [], None, None
        async for chunk in stream:
            usage = chunk.usage or usage
            for choice in chunk.choices:
                content += choice.delta.content or ""
                for call in choice.delta.tool_calls or []:
                    names += [call.function.name] if call.function.name else []
                    arguments += call.function.arguments or ""
                finish = choice.finish_reason or finish
    finally:
        await server.close()
    assert content == "some words here"
    assert names == ["finish"] and json.loads(arguments) == {"summary": "ok"}
    assert finish == "tool_calls"
    assert usage.total_tokens > 0


async def test_turn_is_chosen_by_conversation_and_step():
    script = {
        "conversations": [
            {"match": "src/zzz.js", "turns": [{"content": "wrong conversation"}]},
            {"match": "src/a.js", "turns": [{"content": "first"}, {"content": "second"}]},
        ]
    }
    server, client = await serve(script)
    try:
        first = await client.chat.completions.create(model="m", messages=MESSAGES)
        second = await client.chat.completions.create(
            model="m", messages=MESSAGES + [{"role": "assistant", "content": "first"}, {"role": "user", "content": "go on"}]
        )
    finally:
        await server.close()
    assert first.choices[0].message.content == "first"
    assert second.choices[0].message.content == "second"


async def test_scripted_faults_come_first_then_the_answer():
    server, client = await serve(turns({"content": "finally", "faults": [{"kind": "429", "retry_after": 0.25}, {"kind": "500"}]}))
    try:
        with pytest.raises(openai.RateLimitError) as limited:
            await client.chat.completions.create(model="m", messages=MESSAGES)
        with pytest.raises(openai.InternalServerError):
            await client.chat.completions.create(model="m", messages=MESSAGES)
        reply = await client.chat.completions.create(model="m", messages=MESSAGES)
    finally:
        await server.close()
    assert float(limited.value.response.headers["retry-after"]) == 0.25
    assert reply.choices[0].message.content == "finally"


async def test_hang_times_out_on_the_client():
    server, client = await serve(turns({"content": "never", "faults": [{"kind": "hang"}]}))
    try:
        with pytest.raises(openai.APITimeoutError):
            await client.chat.completions.create(model="m", messages=MESSAGES, timeout=0.3)
    finally:
        await server.close()


async def test_truncated_stream_ends_without_finish_reason():
    server, client = await serve(turns({"content": "whole", "faults": [{"kind": "truncate"}]}))
    try:
        stream = await client.chat.completions.create(model="m", messages=MESSAGES, stream=True)
        finishes = [c.choices[0].finish_reason async for c in stream if c.choices]
    finally:
        await server.close()
    assert finishes and not any(finishes)


async def test_malformed_tool_arguments_are_sent_verbatim():
    server, client = await serve(turns({"tool_calls": [{"name": "edit_file", "arguments": '{"path": "a.js", "old": '}]}))
    try:
        reply = await client.chat.completions.create(model="m", messages=MESSAGES)
    finally:
        await server.close()
    assert reply.choices[0].message.tool_calls[0].function.arguments == '{"path": "a.js", "old": '


async def test_rate_limit_window_rejects_excess_with_retry_after():
    server, client = await serve({"rate_limit": {"requests": 2, "per_seconds": 30}, **turns({"content": "ok"})})
    try:
        await client.chat.completions.create(model="m", messages=MESSAGES)
        await client.chat.completions.create(model="m", messages=MESSAGES)
        with pytest.raises(openai.RateLimitError) as limited:
            await client.chat.completions.create(model="m", messages=MESSAGES)
    finally:
        await server.close()
    assert 0 < float(limited.value.response.headers["retry-after"]) <= 30
    assert len(server.rejections) == 1


async def test_rate_limit_window_says_what_remains_and_when_it_is_empty_again():
    server, client = await serve({"rate_limit": {"requests": 2, "per_seconds": 30}, **turns({"content": "ok"})})
    try:
        first = await client.chat.completions.with_raw_response.create(model="m", messages=MESSAGES)
        second = await client.chat.completions.with_raw_response.create(model="m", messages=MESSAGES, stream=True)
        with pytest.raises(openai.RateLimitError) as limited:
            await client.chat.completions.create(model="m", messages=MESSAGES)
    finally:
        await server.close()
    said = [first.headers, second.headers, limited.value.response.headers]
    assert [h["x-ratelimit-limit-requests"] for h in said] == ["2", "2", "2"]
    assert [h["x-ratelimit-remaining-requests"] for h in said] == ["1", "0", "0"]
    resets = [parse_duration(h["x-ratelimit-reset-requests"]) for h in said]
    assert all(0 < reset <= 30 for reset in resets)
    assert 0 < float(limited.value.response.headers["retry-after"]) <= resets[2]


@pytest.mark.parametrize("rate_limit", [None, {"requests": 2, "per_seconds": 30, "headers": False}], ids=["no limit", "left out"])
async def test_no_rate_limit_headers_without_a_rate_limit_or_when_left_out(rate_limit):
    server, client = await serve({"rate_limit": rate_limit, **turns({"content": "ok"})})
    try:
        raw = await client.chat.completions.with_raw_response.create(model="m", messages=MESSAGES)
    finally:
        await server.close()
    assert not [name for name in raw.headers if name.startswith("x-ratelimit")]


@pytest.mark.parametrize("seconds", [0, 0.25, 6, 9.5, 62.5, 3600.25])
def test_reset_durations_read_back_as_written(seconds):
    assert parse_duration(duration_text(seconds)) == pytest.approx(seconds, abs=0.001)


async def test_replace_rule_edits_every_modify_path_then_finishes():
    server, client = await serve({"conversations": [{"rule": {"replace": {"old": "var", "new": "let"}}}]})
    try:
        first = await client.chat.completions.create(model="m", messages=MESSAGES)
        second = await client.chat.completions.create(model="m", messages=MESSAGES + [{"role": "assistant", "content": "x"}])
    finally:
        await server.close()
    calls = first.choices[0].message.tool_calls
    assert [json.loads(c.function.arguments)["path"] for c in calls] == ["src/a.js", "src/b.js"]
    assert second.choices[0].message.tool_calls[0].function.name == "finish"


def test_unknown_fault_is_refused():
    with pytest.raises(ScriptError, match="unknown fault"):
        Script(turns({"faults": [{"kind": "explode"}]}))


async def test_cli_prints_its_url_and_serves(tmp_path):
    script = tmp_path / "script.json"
    script.write_text(json.dumps(turns({"content": "from the cli"})))
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "kimi_lsp", "fake-model", "--port", "0", "--script", str(script),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    try:
        url = (await asyncio.wait_for(proc.stdout.readline(), 20)).decode().strip()
        client = openai.AsyncOpenAI(api_key="k", base_url=url, max_retries=0, timeout=5)
        reply = await client.chat.completions.create(model="m", messages=MESSAGES)
    finally:
        proc.terminate()
        await proc.wait()
    assert url.startswith("http://127.0.0.1:")
    assert reply.choices[0].message.content == "from the cli"
