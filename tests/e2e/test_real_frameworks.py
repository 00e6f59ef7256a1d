"""Every provider dialect end to end, from a backend as users write one: FastAPI on uvicorn,
streaming through sse-starlette's EventSourceResponse and through a hand-written
StreamingResponse (see framework_app.py), to the plain page in Chromium.

For each framework and dialect: the reply streams whole and exact; a connection cut on the first
attempt heals (the backend starts again from the beginning, as a provider without event ids
does, and the page shows each character once); the provider's in-stream error rejects with a
typed error; the fallback reads the provider's non-streaming JSON.
"""

from __future__ import annotations

import json
import tempfile
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

from sse_client.classify import sentence
from sse_client.testing.launcher import server_process
from tests.grouping import grouped_in_order

from .framework_app import DIALECTS, ERROR_AFTER, PIECES, REPLY
from .test_resilience import states

ROOT = Path(__file__).resolve().parents[2]
FRAMEWORKS = ["sse-starlette", "streaming"]
CUT_AFTER = 7
"""Events before the cut: past every dialect's opening frames, so text was shown before it."""
TOKEN = "Bearer sk-test"

# Every chat sets the options that TEST_DEFAULTS (conftest.py) leaves out, so that a test that
# forces a format does not leak it into the next one. The Authorization header, like the
# Idempotency-Key, makes the browser send a CORS preflight.
CHAT_DEFAULTS: dict[str, Any] = {"format": "auto", "headers": {"Authorization": TOKEN}}
SINGLE_ATTEMPT: dict[str, Any] = {"retry": {"maxRetries": 0}, "fallback": False}


@pytest.fixture(scope="module")
def app_base() -> Iterator[str]:
    """framework_app.py served as users serve theirs: `python -m uvicorn module:app`."""
    with tempfile.TemporaryFile() as errors:
        with server_process(
            lambda port: ["-m", "uvicorn", "tests.e2e.framework_app:app", "--host", "127.0.0.1",
                          "--port", str(port), "--log-level", "warning", "--timeout-graceful-shutdown", "1"],
            name="the framework app", health_path="/health", cwd=ROOT, stderr=errors,
        ) as base:
            yield base
        # The cuts the tests ask for are kept out of the log: anything there is a fault of the app.
        errors.seek(0)
        logged = errors.read().decode(errors="replace")
        assert logged == "", f"the framework app logged errors: {logged[-3000:]}"


class Conversation:
    """One chat's endpoint, with a session of its own for the app's attempt counting and log."""

    def __init__(self, base: str, framework: str, dialect: str, **faults: int) -> None:
        self.base = base
        self.session = uuid.uuid4().hex
        query = urllib.parse.urlencode({**faults, "session": self.session})
        self.endpoint = f"{base}/{framework}/{dialect}?{query}"

    def attempts(self) -> list[dict[str, Any]]:
        with urllib.request.urlopen(f"{self.base}/log?session={self.session}", timeout=5) as response:
            return list(json.load(response))


def run_chat(page: Page, endpoint: str, config: dict[str, Any] | None = None) -> dict[str, Any]:
    result: dict[str, Any] = page.evaluate(
        "([endpoint, config]) => runChat(endpoint, null, undefined, config)",
        [endpoint, {**CHAT_DEFAULTS, **(config or {})}],
    )
    return result


def assert_exact_reply(page: Page, result: dict[str, Any]) -> None:
    assert result["ok"], (result.get("error"), states(result), result["page"])
    assert result["text"] == REPLY
    assert page.locator("#out").text_content() == REPLY  # whole, and nothing twice
    assert [s for s in result["statuses"] if s.get("warning")] == []  # no frame was skipped


@pytest.mark.parametrize("dialect", list(DIALECTS))
@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_the_reply_streams_whole_and_in_order(chat_page: Page, app_base: str, framework: str, dialect: str) -> None:
    chat = Conversation(app_base, framework, dialect)
    result = run_chat(chat_page, chat.endpoint)

    assert_exact_reply(chat_page, result)
    assert grouped_in_order(result["chunks"], PIECES)
    assert len(result["chunks"]) > 1  # streamed, not shown in one go at the end
    assert states(result) == ["connecting", "streaming", "completed"]
    assert (chat_page.locator("#status").text_content() or "").startswith("completed")
    (attempt,) = chat.attempts()
    assert (attempt["stream"], attempt["authorization"]) == (True, TOKEN)


@pytest.mark.parametrize("dialect", list(DIALECTS))
def test_a_forced_format_reads_the_same_stream(chat_page: Page, app_base: str, dialect: str) -> None:
    result = run_chat(chat_page, Conversation(app_base, "sse-starlette", dialect).endpoint, {"format": dialect})

    assert_exact_reply(chat_page, result)
    assert grouped_in_order(result["chunks"], PIECES)
    assert states(result) == ["connecting", "streaming", "completed"]


@pytest.mark.parametrize("dialect", list(DIALECTS))
@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_a_cut_stream_started_again_shows_each_character_once(
    chat_page: Page, app_base: str, framework: str, dialect: str
) -> None:
    chat = Conversation(app_base, framework, dialect, cut=CUT_AFTER)
    result = run_chat(chat_page, chat.endpoint)

    assert_exact_reply(chat_page, result)
    assert states(result) == ["connecting", "streaming", "reconnecting", "streaming", "completed"]
    (reconnect,) = [s for s in result["statuses"] if s["state"] == "reconnecting"]
    assert reconnect["error"]["type"] == "NETWORK"
    # Text was on the page before the cut, so the second attempt's copy of it had to be skipped.
    assert result["chunkTimes"][0] < reconnect["at"]
    first, second = chat.attempts()
    assert (first["stream"], second["stream"]) == (True, True)
    assert first["idempotency_key"] and second["idempotency_key"] == first["idempotency_key"]
    assert second["last_event_id"] is None  # no provider sends ids: nothing to resume from
    assert second["authorization"] == TOKEN


@pytest.mark.parametrize("dialect", list(DIALECTS))
@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_the_providers_error_event_rejects_with_a_typed_error(
    chat_page: Page, app_base: str, framework: str, dialect: str
) -> None:
    result = run_chat(chat_page, Conversation(app_base, framework, dialect, error=1).endpoint, SINGLE_ATTEMPT)

    assert not result["ok"], (result["page"], states(result))
    error = result["error"]
    assert (error["name"], error["type"], error["retryable"]) == ("SSEClientError", "SERVER", True)
    assert error["message"] == sentence(DIALECTS[dialect].error_message)  # the provider's own words, as a sentence
    assert result["page"] == "".join(PIECES[:ERROR_AFTER])  # what came before stays, once
    assert states(result) == ["connecting", "streaming", "failed"]


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_an_anthropic_stream_overloaded_on_every_attempt_uses_up_the_retries(
    chat_page: Page, app_base: str, framework: str
) -> None:
    chat = Conversation(app_base, framework, "anthropic", error=1)
    result = run_chat(chat_page, chat.endpoint, {"fallback": False})

    assert not result["ok"], (result["page"], states(result))
    error = result["error"]
    assert (error["type"], error["retryable"]) == ("MAX_RETRIES_EXCEEDED", False)
    assert [cause["type"] for cause in error["causes"]] == ["SERVER"] * 4
    # Each attempt started the reply again; the page shows its start once.
    assert result["page"] == "".join(PIECES[:ERROR_AFTER])
    assert states(result)[-1] == "failed"
    assert states(result).count("reconnecting") == 3
    attempts = chat.attempts()
    assert [a["stream"] for a in attempts] == [True] * 4
    assert len({a["idempotency_key"] for a in attempts}) == 1


@pytest.mark.parametrize("dialect", list(DIALECTS))
def test_the_fallback_reads_the_providers_non_streaming_answer(chat_page: Page, app_base: str, dialect: str) -> None:
    chat = Conversation(app_base, "streaming", dialect)
    result = run_chat(chat_page, chat.endpoint, {"streaming": False})

    assert_exact_reply(chat_page, result)
    assert result["chunks"] == [REPLY]
    assert states(result) == ["fallback", "completed"]
    assert [a["stream"] for a in chat.attempts()] == [False]
