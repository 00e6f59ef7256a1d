"""Streaming chat end to end: a plain page on another origin loads the bundle by script tag and
streams replies from the mock backend over real HTTP, in real Chromium.

Each test asserts what a user would see: the text on the page, the order of the chunks, the
statuses, and that text appeared while the backend was still sending.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page

from sse_client.testing.mock_script import DEFAULT_REPLY, STATUS_MESSAGE, split_reply
from tests.grouping import grouped_in_order

from .conftest import BOOT, BackendLog, python_proxies_after_chats, wait_until

FORMATS = ["standard", "legacy", "openai", "raw"]


# The errors of one attempt, as a caller who switched retries and fallback off sees them
# (test_resilience.py covers what retries and fallback make of them).
SINGLE_ATTEMPT = {"retry": {"maxRetries": 0}, "fallback": False}


def run_chat(
    page: Page, endpoint: str, request: dict[str, Any] | None = None, config: dict[str, Any] | None = None
) -> dict[str, Any]:
    result: dict[str, Any] = page.evaluate(
        "([endpoint, request, config]) => runChat(endpoint, request, undefined, config)", [endpoint, request, config]
    )
    return result


def states(result: dict[str, Any]) -> list[str]:
    """The sequence of distinct states, in order (a state repeats for backend status events)."""
    seen: list[str] = []
    for status in result["statuses"]:
        if not seen or seen[-1] != status["state"]:
            seen.append(status["state"])
    return seen


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_format_streams_the_whole_reply_in_order(chat_page: Page, backend: str, fmt: str) -> None:
    result = run_chat(chat_page, f"{backend}/api/chat?format={fmt}&delay_ms=10&chunk_chars=7")

    assert result["ok"], result.get("error")
    assert result["text"] == DEFAULT_REPLY
    assert chat_page.locator("#out").text_content() == DEFAULT_REPLY
    assert grouped_in_order(result["chunks"], split_reply(DEFAULT_REPLY, 7))
    # Streamed in pieces, not in one go (events that reach a busy page together come in one
    # call, so not one call per event; the timing is asserted in the test after next).
    assert len(result["chunks"]) > 1
    assert states(result) == ["connecting", "streaming", "completed"]
    assert chat_page.locator("#status").text_content() == "completed Done."


@pytest.mark.parametrize("fmt", ["standard", "legacy"])
def test_backend_status_events_reach_on_status(chat_page: Page, backend: str, fmt: str) -> None:
    result = run_chat(chat_page, f"{backend}/api/chat?format={fmt}&delay_ms=1")

    streaming = [s for s in result["statuses"] if s["state"] == "streaming"]
    assert STATUS_MESSAGE in [s["message"] for s in streaming]


@pytest.mark.parametrize("fmt", FORMATS)
def test_stuttering_upstream_is_shown_once_as_deltas(chat_page: Page, backend: str, fmt: str) -> None:
    result = run_chat(chat_page, f"{backend}/api/chat?format={fmt}&delay_ms=1&chunk_chars=9&stutter=1")

    assert result["ok"], result.get("error")
    assert chat_page.locator("#out").text_content() == DEFAULT_REPLY
    assert grouped_in_order(result["chunks"], split_reply(DEFAULT_REPLY, 9))


def test_first_chunk_reaches_the_page_while_the_backend_is_still_sending(
    chat_page: Page, backend: str, backend_log: BackendLog
) -> None:
    # Eight events 150 ms apart: a buffering client would show nothing until the last one.
    result = run_chat(chat_page, f"{backend}/api/chat?delay_ms=150&chunk_chars=40")

    assert result["ok"], result.get("error")
    (entry,) = [e for e in backend_log.entries() if e["path"] == "/api/chat"]
    first_chunk_at = result["chunkTimes"][0] / 1000  # same machine, same wall clock
    assert first_chunk_at < entry["last_write"] - 0.5, (first_chunk_at, entry)
    # And the chunks arrive spread out as they were sent, not in one burst at the end.
    spread = (result["chunkTimes"][-1] - result["chunkTimes"][0]) / 1000
    assert spread > 0.5 * (entry["last_write"] - entry["first_write"]), (spread, entry)


def test_bytes_dripped_one_at_a_time_give_the_exact_text(chat_page: Page, backend: str) -> None:
    # Every multi-byte character of the reply is split across reads.
    result = run_chat(chat_page, f"{backend}/api/chat?format=openai&drip=1&delay_ms=0")

    assert result["ok"], result.get("error")
    assert chat_page.locator("#out").text_content() == DEFAULT_REPLY


def test_the_request_follows_the_protocol(chat_page: Page, backend: str, backend_log: BackendLog) -> None:
    request = {"model": "demo", "messages": [{"role": "user", "content": "Hi ✓"}]}
    run_chat(chat_page, f"{backend}/api/chat?delay_ms=0", request)

    (entry,) = [e for e in backend_log.entries() if e["path"] == "/api/chat"]
    assert entry["method"] == "POST"
    assert entry["body"] == {**request, "stream": True}
    assert entry["headers"]["accept"] == "text/event-stream"
    assert entry["headers"]["content-type"].startswith("application/json")
    assert entry["headers"]["origin"] != backend  # the page is on another origin: CORS worked


def test_a_malformed_frame_is_skipped_with_a_warning(chat_page: Page, backend: str) -> None:
    result = run_chat(chat_page, f"{backend}/api/chat?malformed=3&delay_ms=1")

    assert result["ok"], result.get("error")
    assert chat_page.locator("#out").text_content() == DEFAULT_REPLY
    warnings = [s for s in result["statuses"] if s.get("warning")]
    assert len(warnings) == 1
    # A sentence a user can read; the parser's words (a JSON error) beside it, for developers.
    assert warnings[0]["message"] == "Skipped a frame from the server that could not be read."
    assert warnings[0]["reason"]


def test_a_json_answer_to_a_streaming_request_is_the_reply(chat_page: Page, backend: str) -> None:
    result = run_chat(chat_page, f"{backend}/api/chat?json=1")

    assert result["ok"], result.get("error")
    assert result["chunks"] == [DEFAULT_REPLY]
    assert chat_page.locator("#out").text_content() == DEFAULT_REPLY


@pytest.mark.parametrize(
    ("status", "error_type"), [(401, "AUTH"), (404, "CLIENT"), (500, "SERVER"), (429, "RATE_LIMITED")]
)
def test_an_http_error_rejects_with_a_typed_error(chat_page: Page, backend: str, status: int, error_type: str) -> None:
    result = run_chat(chat_page, f"{backend}/api/chat?status={status}&fault_attempts=100", config=SINGLE_ATTEMPT)

    assert not result["ok"]
    error = result["error"]
    assert error["isError"] and error["name"] == "SSEClientError"
    assert (error["type"], error["status"]) == (error_type, status)
    assert states(result) == ["connecting", "failed"]
    assert result["page"] == ""


def test_an_error_inside_the_stream_rejects_with_server(chat_page: Page, backend: str) -> None:
    result = run_chat(
        chat_page, f"{backend}/api/chat?format=openai&error_event=3&delay_ms=1&chunk_chars=8", config=SINGLE_ATTEMPT
    )

    assert not result["ok"]
    assert result["error"]["type"] == "SERVER"
    # What arrived before the error stays on the page, exactly once.
    assert result["page"] == "".join(split_reply(DEFAULT_REPLY, 8)[:3])


def test_an_unreachable_backend_rejects_with_network(chat_page: Page) -> None:
    result = run_chat(chat_page, "http://127.0.0.1:9/api/chat", config=SINGLE_ATTEMPT)

    assert not result["ok"]
    assert (result["error"]["type"], result["error"]["retryable"]) == ("NETWORK", True)


def test_an_unknown_option_is_a_clear_error(chat_page: Page) -> None:
    if BOOT == "worker":
        # The worker checks the options: the error comes with the next call, as for a
        # configure() made before ready (a later configure() that succeeds clears it).
        error = chat_page.evaluate(
            """async () => {
              SSEClient.configure({ endpont: '/x' });
              try { await SSEClient.chatWithModelStream({ model: 'demo' }, () => {}); }
              catch (e) { return [e.name, e.type, e.message]; }
              finally { SSEClient.configure({}); }
            }""")
    else:
        error = chat_page.evaluate(
            "() => { try { SSEClient.configure({ endpont: '/x' }); } catch (e) { return [e.name, e.type, e.message]; } }"
        )
    assert error[0:2] == ["SSEClientError", "CLIENT"]
    assert "endpont" in error[2]


def test_demo_page_streams_a_reply(page: Page, backend: str) -> None:
    page.goto(f"{backend}/")
    page.wait_for_selector("#send:not([disabled])", timeout=60_000)
    page.select_option("#format", "openai")
    page.fill("#prompt", "Hello there")
    page.click("#send")
    page.wait_for_function("document.getElementById('status').textContent.startsWith('completed')")

    assert page.locator("#messages li.user").last.text_content() == "Hello there"
    assert page.locator("#messages li.assistant").last.text_content() == DEFAULT_REPLY


def test_no_python_proxy_outlives_a_chat(chat_page: Page, backend: str) -> None:
    # Pyodide's own allocation tracer records every PyProxy created and not yet destroyed.
    # It catches a deliberate leak (runPython("object()") below) and must see nothing else.
    # With data-boot="worker" the runtime is the worker's (its own SSEClient has it).
    runtime = chat_page.workers[0] if BOOT == "worker" else chat_page
    result = python_proxies_after_chats(chat_page, runtime, backend)
    assert result == {"afterChats": 0, "withLeak": 1}


def test_cancel_aborts_the_stream_and_rejects_with_cancelled(
    chat_page: Page, backend: str, backend_log: BackendLog
) -> None:
    result = chat_page.evaluate(
        """async (endpoint) => {
          const controller = new AbortController();
          const pending = runChat(endpoint, null, { signal: controller.signal });
          // Abort once the reply has begun to show (polled, not a fixed wait).
          while (!document.getElementById("out").textContent) await new Promise(r => setTimeout(r, 5));
          controller.abort();
          return await pending;
        }""",
        f"{backend}/api/chat?delay_ms=100&chunk_chars=8",
    )

    assert not result["ok"]
    assert result["error"]["type"] == "CANCELLED"
    assert states(result)[-1] == "cancelled"
    assert 0 < len(result["chunks"]) < len(split_reply(DEFAULT_REPLY, 8))
    # The backend saw the client go away (at its next write): the fetch was really aborted.
    def chat() -> dict[str, Any]:
        (entry,) = [e for e in backend_log.entries() if e["path"] == "/api/chat"]
        return entry

    wait_until(lambda: chat()["disconnected"], what="the backend seeing the disconnect")
    assert not chat()["completed"]


def test_an_already_aborted_signal_cancels_at_once(chat_page: Page, backend: str, backend_log: BackendLog) -> None:
    result = chat_page.evaluate(
        "(endpoint) => runChat(endpoint, null, { signal: AbortSignal.abort() })", f"{backend}/api/chat"
    )

    assert result["error"]["type"] == "CANCELLED"
    assert states(result) == ["cancelled"]
    assert [e for e in backend_log.entries() if e["path"] == "/api/chat"] == []


def test_nothing_reaches_the_page_after_an_abort_made_inside_onchunk(chat_page: Page, backend: str) -> None:
    # A fast stream in many small writes: pieces keep arriving right after the abort, and the
    # body is read in JS, so only the abort itself can keep them from onChunk and onStatus.
    result = chat_page.evaluate(
        """async (endpoint) => {
          const controller = new AbortController();
          const seen = { chunksAfter: 0, statusesAfter: [] };
          SSEClient.configure({ ...TEST_DEFAULTS, endpoint });
          try {
            await SSEClient.chatWithModelStream({},
              () => { if (controller.signal.aborted) seen.chunksAfter++; else controller.abort(); },
              (status) => { if (controller.signal.aborted) seen.statusesAfter.push(status.state); },
              { signal: controller.signal });
          } catch (error) { seen.error = error.type; }
          return seen;
        }""",
        f"{backend}/api/chat?format=openai&events=3000&delay_ms=0&batch_bytes=300",
    )
    assert result == {"chunksAfter": 0, "statusesAfter": ["cancelled"], "error": "CANCELLED"}
