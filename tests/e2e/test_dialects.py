"""Every dialect end to end: the mock backend speaks each provider's stream (`?format=`), and
the page must show exactly the reply, detected or forced, after a cut, through the fallback, or
fail with the provider's error typed. A stream in no dialect fails loudly.
"""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

import pytest
from playwright.sync_api import Page

from sse_client.testing.mock_script import DEFAULT_REPLY, split_reply
from tests.grouping import grouped_in_order

from .conftest import BackendLog
from .test_resilience import states, stream_body

DIALECTS = ["standard", "legacy", "openai", "raw", "responses", "anthropic", "gemini", "vercel",
            "tgi", "llamacpp", "langserve"]
# Those that end with a marker of their own: a cut there is told from the end. Legacy JSON and
# raw text simply end, so a cut stream of theirs looks complete (README: Backends it reads).
MARKED = [name for name in DIALECTS if name not in ("legacy", "raw")]
# Those that can report an error inside the stream (raw text cannot).
WITH_ERRORS = [name for name in DIALECTS if name != "raw"]
SINGLE_ATTEMPT = {"retry": {"maxRetries": 0}, "fallback": False}


def run_chat(page: Page, endpoint: str, config: dict[str, Any] | None = None) -> dict[str, Any]:
    result: dict[str, Any] = page.evaluate(
        "([endpoint, config]) => runChat(endpoint, null, undefined, config)", [endpoint, config]
    )
    return result


def assert_exact(page: Page, result: dict[str, Any], chunk_chars: int | None = None) -> None:
    assert result["ok"], result.get("error")
    assert result["text"] == DEFAULT_REPLY
    assert page.locator("#out").text_content() == DEFAULT_REPLY  # whole, and nothing twice
    if chunk_chars is not None:
        assert grouped_in_order(result["chunks"], split_reply(DEFAULT_REPLY, chunk_chars))
    assert result["statuses"][-1]["state"] == "completed"


@pytest.mark.parametrize("fmt", DIALECTS)
def test_each_dialect_is_detected_and_streams_the_exact_reply(chat_page: Page, backend: str, fmt: str) -> None:
    result = run_chat(chat_page, f"{backend}/api/chat?format={fmt}&delay_ms=2&chunk_chars=7")

    assert_exact(chat_page, result, 7)
    assert len(result["chunks"]) > 1  # streamed, not in one go
    # Nothing the dialect sends on purpose (pings, metadata, usage, steps) is a warning.
    assert [s for s in result["statuses"] if s.get("warning")] == []
    assert states(result) == ["connecting", "streaming", "completed"]


@pytest.mark.parametrize("fmt", DIALECTS)
def test_each_dialect_can_be_forced_with_configure(chat_page: Page, backend: str, fmt: str) -> None:
    result = run_chat(chat_page, f"{backend}/api/chat?format={fmt}&delay_ms=0", {"format": fmt})

    assert_exact(chat_page, result)


@pytest.mark.parametrize("ids", [1, 0], ids=["with-ids", "without-ids"])
@pytest.mark.parametrize("fmt", MARKED)
def test_a_cut_stream_of_each_dialect_shows_each_character_once(
    chat_page: Page, backend: str, backend_log: BackendLog, fmt: str, ids: int
) -> None:
    # The backend cannot resume: it starts again from the beginning; the client skips what it
    # showed, by event id where there are ids, by the text shown otherwise.
    body = stream_body(backend, f"{fmt}&ids={ids}")
    cut = len(body) // 2
    result = run_chat(chat_page, f"{backend}/api/chat?format={fmt}&ids={ids}&resume=0&delay_ms=0"
                                 f"&cut_after_bytes={cut}")

    assert_exact(chat_page, result)
    assert "reconnecting" in states(result)
    attempts = [e for e in backend_log.entries() if "cut_after_bytes" in e["query"]]
    assert len(attempts) == 2


@pytest.mark.parametrize("fmt", DIALECTS)
def test_the_fallback_reads_each_dialects_non_streaming_answer(
    chat_page: Page, backend: str, backend_log: BackendLog, fmt: str
) -> None:
    result = run_chat(chat_page, f"{backend}/api/chat?format={fmt}", {"streaming": False})

    assert_exact(chat_page, result)
    (entry,) = [e for e in backend_log.entries() if e["path"] == "/api/chat"]
    assert entry["body"]["stream"] is False


@pytest.mark.parametrize("fmt", DIALECTS)
def test_a_json_answer_to_a_streaming_request_is_read_in_each_dialect(chat_page: Page, backend: str, fmt: str) -> None:
    result = run_chat(chat_page, f"{backend}/api/chat?format={fmt}&json=1")

    assert_exact(chat_page, result)
    assert "fallback" in states(result)


@pytest.mark.parametrize("fmt", WITH_ERRORS)
def test_an_in_stream_error_of_each_dialect_is_a_typed_error_after_the_text_before_it(
    chat_page: Page, backend: str, fmt: str
) -> None:
    result = run_chat(chat_page, f"{backend}/api/chat?format={fmt}&error_event=3&chunk_chars=5&delay_ms=0",
                      SINGLE_ATTEMPT)

    assert not result["ok"]
    assert result["error"]["type"] == "SERVER", result["error"]
    assert result["error"]["isError"]
    assert result["page"] == DEFAULT_REPLY[:15]  # the three chunks before the error, once
    assert result["statuses"][-1]["state"] == "failed"


@pytest.mark.parametrize("fmt", WITH_ERRORS)
def test_a_rate_limit_of_each_dialect_is_rate_limited_with_its_retry_after(
    chat_page: Page, backend: str, fmt: str
) -> None:
    result = run_chat(chat_page, f"{backend}/api/chat?format={fmt}&status=429&retry_after=7", SINGLE_ATTEMPT)

    assert not result["ok"]
    assert result["error"]["type"] == "RATE_LIMITED", result["error"]
    assert result["error"]["retryable"] is True
    assert "HTTP 429" not in result["error"]["message"]  # the provider's own message is read


@pytest.mark.parametrize("fmt", MARKED)
def test_a_malformed_frame_of_each_dialect_is_a_warning_and_loses_nothing(
    chat_page: Page, backend: str, fmt: str
) -> None:
    result = run_chat(chat_page, f"{backend}/api/chat?format={fmt}&malformed=3&delay_ms=0")

    assert_exact(chat_page, result)
    warnings = [s for s in result["statuses"] if s.get("warning")]
    assert len(warnings) == 1
    assert warnings[0]["message"] == "Skipped a frame from the server that could not be read."
    assert warnings[0]["reason"]  # the parser's own words, for developers


def test_a_stream_in_no_dialect_fails_with_parse_naming_what_it_saw(chat_page: Page, backend: str) -> None:
    # Frames of JSON objects no dialect knows (raw text frames of JSON, one per frame).
    text = json.dumps({"kind": "token", "value": "Hello"})
    query = urllib.parse.urlencode({"format": "raw", "text": text * 2, "chunk_chars": len(text), "delay_ms": 0})
    result = run_chat(chat_page, f"{backend}/api/chat?{query}", SINGLE_ATTEMPT)

    assert not result["ok"]
    assert result["error"]["type"] == "PARSE", result["error"]
    assert '"kind", "value"' in result["error"]["message"]
    assert result["page"] == ""  # never JSON shown as text
    assert result["statuses"][-1]["state"] == "failed"
