"""One chat's own options end to end: `chatWithModelStream(request, onChunk, onStatus, {signal,
endpoint, headers, format, timeouts, retry})` override the configured ones for that chat only
(in page mode and, through the relay, in worker mode); a bad one is a CLIENT error before
anything is sent. And statuses a UI can show as they are: `reconnecting` says "retry N of M",
`completed.length` is the page's `text.length`, a cancel is `cancelled`.
"""

from __future__ import annotations

import urllib.parse
from typing import Any

import pytest
from playwright.sync_api import Page

from sse_client.testing.mock_script import DEFAULT_REPLY

from .conftest import BackendLog

# The page's own JS: runChat (conftest.py) with the options as a JS expression, and the text's
# length as JavaScript counts it.
RUN = """async ([endpoint, config]) => {
  const result = await runChat(endpoint, null, %s, config);
  result.jsLength = result.ok ? result.text.length : null;
  return result;
}"""


def run_chat(page: Page, endpoint: str, options: str = "undefined", config: dict[str, Any] | None = None) -> dict[str, Any]:
    result: dict[str, Any] = page.evaluate(RUN % options, [endpoint, config])
    return result


def chat_requests(log: BackendLog) -> list[dict[str, Any]]:
    return sorted((e for e in log.entries() if e["path"] == "/api/chat"), key=lambda e: e["seq"])


def reconnects(result: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for s in result["statuses"] if s["state"] == "reconnecting"]


def test_a_chats_endpoint_headers_and_format_are_its_own_and_the_next_chat_has_the_configured_ones(
    chat_page: Page, backend: str, backend_log: BackendLog
) -> None:
    configured = f"{backend}/api/chat?format=standard&delay_ms=0"
    # The mock backend logs Authorization and X-Api-Key (among a few others).
    config = {"format": "standard", "headers": {"X-Api-Key": "configured-key-1", "Authorization": "Bearer team-1234"}}
    options = ('{ endpoint: "' + backend + '/api/chat?format=openai&delay_ms=0", format: "openai",'
               ' headers: { "x-api-key": "per-call-key-1" } }')

    first = run_chat(chat_page, configured, options, config)
    second = run_chat(chat_page, configured, "undefined", config)

    assert (first["ok"], first.get("text")) == (True, DEFAULT_REPLY), first.get("error")
    assert (second["ok"], second.get("text")) == (True, DEFAULT_REPLY), second.get("error")
    sent_first, sent_second = chat_requests(backend_log)
    assert sent_first["query"]["format"] == "openai"  # the chat's endpoint, read in its format
    # Merged over the configured headers: the chat's replaces the configured one (whatever the
    # letter case: sent once), the others stay.
    assert (sent_first["headers"]["x-api-key"], sent_first["headers"]["authorization"]) == (
        "per-call-key-1", "Bearer team-1234")
    assert sent_second["query"]["format"] == "standard"
    assert (sent_second["headers"]["x-api-key"], sent_second["headers"]["authorization"]) == (
        "configured-key-1", "Bearer team-1234")


def test_a_chats_timeouts_are_its_own(chat_page: Page, backend: str, backend_log: BackendLog) -> None:
    # Events 400 ms apart: past the chat's own idle deadline (200 ms), within the configured one.
    slow = f"{backend}/api/chat?text=Slow%20and%20steady.&chunk_chars=6&delay_ms=400"
    config = {"fallback": False}

    first = run_chat(chat_page, slow, "{ timeouts: { idleMs: 200 }, retry: { maxRetries: 0 } }", config)
    second = run_chat(chat_page, slow, "undefined", config)

    assert not first["ok"] and first["error"]["type"] == "TIMEOUT", first
    assert first["statuses"][-1]["state"] == "failed"
    assert (second["ok"], second.get("text")) == (True, "Slow and steady."), second.get("error")


def test_a_chats_retry_policy_is_its_own_and_reconnecting_says_retry_n_of_m(
    chat_page: Page, backend: str, backend_log: BackendLog
) -> None:
    failing = f"{backend}/api/chat?status=503&fault_attempts=99&delay_ms=0"
    config = {"fallback": False}  # TEST_DEFAULTS: maxRetries 3, base 50 ms, cap 200 ms

    first = run_chat(chat_page, failing, "{ retry: { maxRetries: 1, baseDelayMs: 10 } }", config)
    first_requests = len(chat_requests(backend_log))
    second = run_chat(chat_page, failing, "undefined", config)

    assert first["error"]["type"] == "MAX_RETRIES_EXCEEDED" and first_requests == 2, first
    assert [(s["retry"], s["maxRetries"], s["attempt"]) for s in reconnects(first)] == [(1, 1, 2)]
    assert 0 <= reconnects(first)[0]["delayMs"] <= 10
    assert second["error"]["type"] == "MAX_RETRIES_EXCEEDED"
    assert len(chat_requests(backend_log)) == first_requests + 4  # the configured three retries
    assert [(s["retry"], s["maxRetries"], s["attempt"]) for s in reconnects(second)] == [(1, 3, 2), (2, 3, 3), (3, 3, 4)]
    for number, status in enumerate(reconnects(second), start=1):
        assert 0 <= status["delayMs"] <= min(200, 50 * 2 ** (number - 1)), status
        # Whole sentences a UI shows as they are: the cause's, then which retry of how many.
        assert status["error"]["message"].endswith(".")
        assert status["message"] == f"{status['error']['message']} Reconnecting (retry {number} of 3)..."


@pytest.mark.parametrize(("options", "words"), [
    ("{ retry: { maxRetries: -1 } }", ["retry.maxRetries"]),
    ("{ timeouts: { idleMs: 'soon' } }", ["timeouts.idleMs must be a number"]),
    ("{ timeouts: { idle: 5 } }", ["unknown option timeouts.idle", "idleMs"]),
    ("{ format: 'klingon' }", ["format must be one of", "'openai'"]),
    ("{ endpoint: '' }", ["endpoint must be a non-empty string"]),
    ("{ headers: { 'X-Api-Key': 5 } }", ["headers must map header names to string values"]),
    ("{ headers: { 'X-Api-Key': () => 'key' } }", ["headers must map header names to string values"]),
    ("{ circuit: { failureThreshold: 1 } }", ["Unknown chat option", "circuit", "endpoint, format, headers, retry"]),
], ids=["retry out of range", "timeout not a number", "unknown timeout", "unknown format", "empty endpoint",
        "header not text", "header a function", "option no chat can set"])
def test_a_bad_chat_option_is_a_client_error_before_anything_is_sent(
    chat_page: Page, backend: str, backend_log: BackendLog, options: str, words: list[str]
) -> None:
    endpoint = f"{backend}/api/chat?delay_ms=0"
    result = run_chat(chat_page, endpoint, options)
    assert not result["ok"] and (result["error"]["type"], result["error"]["isError"]) == ("CLIENT", True), result
    for word in words:
        assert word in result["error"]["message"], (word, result["error"]["message"])
    assert [s["state"] for s in result["statuses"]] == ["failed"]
    assert chat_requests(backend_log) == []  # nothing sent
    after = run_chat(chat_page, endpoint)  # nothing of it stays behind
    assert (after["ok"], after.get("text")) == (True, DEFAULT_REPLY), after.get("error")


def test_a_chats_header_values_are_redacted_like_configured_ones(chat_page: Page, backend: str) -> None:
    token = "per-call-token-0a1b2c"
    result = run_chat(chat_page, f"{backend}/api/chat?status=401&echo_auth=1&delay_ms=0",
                      "{ headers: { Authorization: 'Bearer " + token + "' } }")
    assert result["error"]["type"] == "AUTH", result
    everything = repr(result["error"]) + repr(result["statuses"])
    assert token not in everything


@pytest.mark.parametrize("fmt", ["standard", "openai"])
@pytest.mark.parametrize("how", ["stream", "fallback"])
def test_an_emoji_replys_completed_length_is_the_pages_text_length(chat_page: Page, backend: str, fmt: str, how: str) -> None:
    text = "Hi \U0001f44b\U0001f3fd, rockets \U0001f680\U0001f680 and a family \U0001f468\u200d\U0001f469\u200d\U0001f467!"
    query = urllib.parse.urlencode({"format": fmt, "text": text, "chunk_chars": 3, "delay_ms": 0})
    config = {"streaming": how == "stream"}
    result = run_chat(chat_page, f"{backend}/api/chat?{query}", "undefined", config)
    assert (result["ok"], result.get("text")) == (True, text), result.get("error")
    completed = result["statuses"][-1]
    assert completed["state"] == "completed"
    assert completed["length"] == result["jsLength"] == len(text.encode("utf-16-le")) // 2
    assert completed["length"] > len(text)  # not Python's count of code points


def test_a_cancel_with_other_options_is_the_cancelled_state_not_a_failure(chat_page: Page, backend: str) -> None:
    slow = f"{backend}/api/chat?delay_ms=200"
    result: dict[str, Any] = chat_page.evaluate("""async ([endpoint]) => {
      const controller = new AbortController();
      const running = runChat(endpoint, null, { signal: controller.signal, retry: { maxRetries: 1 },
                                                headers: { "X-Trace": "cancel-1" } });
      setTimeout(() => controller.abort(), 300);
      return await running;
    }""", [slow])
    assert result["error"]["type"] == "CANCELLED", result
    states = [s["state"] for s in result["statuses"]]
    assert states[-1] == "cancelled" and "failed" not in states
    assert result["statuses"][-1]["message"] == "The chat was cancelled."
