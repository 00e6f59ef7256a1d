"""Metrics, debug logging and the rollout switch end to end (issue 11), in page and worker mode
(SSE_CLIENT_BOOT): a chat's final status carries metrics that match what the page saw,
`SSEClient.metrics()` totals them, `debug` logs statuses without a secret, and `rolloutPercent`
decides, by a bucket kept in localStorage, whether a browser streams at all.
"""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Browser, Page

from sse_client.testing.mock_script import DEFAULT_REPLY

from .conftest import PAGE_PATH, BackendLog, wait_until
from .test_resilience import chat_requests, run_chat, stream_body

RESET = {"rolloutPercent": 100, "streaming": "auto", "debug": False, "headers": {}}


def final(result: dict[str, Any]) -> dict[str, Any]:
    status: dict[str, Any] = result["statuses"][-1]
    assert status["state"] in ("completed", "failed", "cancelled")
    return status


def test_a_completed_chats_metrics_match_what_the_page_saw(chat_page: Page, backend: str) -> None:
    result = run_chat(chat_page, f"{backend}/api/chat?format=standard&delay_ms=1", RESET)
    assert result["ok"], result.get("error")
    metrics = final(result)["metrics"]
    assert metrics["chunks"] == len(result["chunks"]) > 0
    assert metrics["bytes"] > len(DEFAULT_REPLY.encode())
    assert metrics["events"] >= metrics["chunks"]
    assert 0 <= metrics["timeToFirstByteMs"] <= metrics["timeToFirstChunkMs"] <= metrics["durationMs"]
    assert (metrics["reconnects"], metrics["retriesUsed"], metrics["fallbackUsed"]) == (0, 0, False)
    assert metrics["eventsPerSecond"] > 0


def test_a_cut_and_resumed_chat_counts_one_reconnect(chat_page: Page, backend: str) -> None:
    body = stream_body(backend, "standard")
    cut = body.index(b"\n\n", len(body) // 3) - 5
    result = run_chat(chat_page, f"{backend}/api/chat?format=standard&delay_ms=1&cut_after_bytes={cut}&resume=1", RESET)
    assert result["ok"], result.get("error")
    metrics = final(result)["metrics"]
    assert (metrics["reconnects"], metrics["retriesUsed"], metrics["fallbackUsed"]) == (1, 1, False)
    assert metrics["chunks"] == len(result["chunks"])


def test_the_fallback_is_counted(chat_page: Page, backend: str) -> None:
    result = run_chat(chat_page, f"{backend}/api/chat?format=openai&json=1", RESET)
    assert result["ok"], result.get("error")
    metrics = final(result)["metrics"]
    assert metrics["fallbackUsed"] is True
    assert metrics["bytes"] > 0 and metrics["chunks"] == len(result["chunks"]) == 1


def test_the_totals_add_up_the_chats(chat_page: Page, backend: str) -> None:
    before = chat_page.evaluate("SSEClient.metrics()")
    ok = run_chat(chat_page, f"{backend}/api/chat?format=standard&delay_ms=0", RESET)
    failed = run_chat(chat_page, f"{backend}/api/chat?format=standard&status=401", RESET)
    assert ok["ok"] and not failed["ok"]
    after = chat_page.evaluate("SSEClient.metrics()")
    assert after["chats"] - before["chats"] == 2
    assert (after["completed"] - before["completed"], after["failed"] - before["failed"]) == (1, 1)
    assert after["chunks"] - before["chunks"] == final(ok)["metrics"]["chunks"] + final(failed)["metrics"]["chunks"]
    assert after["bytes"] - before["bytes"] == final(ok)["metrics"]["bytes"] + final(failed)["metrics"]["bytes"]
    assert after["measured"] - before["measured"] == 2


def test_debug_logs_statuses_and_a_summary_but_no_secret(chat_page: Page, backend: str) -> None:
    lines: list[str] = []
    chat_page.on("console", lambda message: lines.append(message.text))
    token, secret = "tok-0123456789-secret", "hdr-9876543210-secret"
    chat_page.evaluate(
        "(token) => SSEClient.configure({ getToken: () => token })", token)
    # Quiet by default.
    quiet = run_chat(chat_page, f"{backend}/api/chat?format=standard&delay_ms=0",
                     {**RESET, "headers": {"X-Secret": secret}})
    assert quiet["ok"]
    assert not [line for line in lines if "[sse-client]" in line]
    # The token is echoed back in an error body: the status is redacted, and so is its log line.
    loud = run_chat(chat_page, f"{backend}/api/chat?format=standard&auth_token=other&echo_auth=1",
                    {**RESET, "debug": True, "headers": {"X-Secret": secret}})
    assert not loud["ok"]
    ours = [line for line in lines if line.startswith("[sse-client]")]
    assert any(" connecting: " in line for line in ours), ours
    assert any(" failed summary: " in line and "bytes" in line for line in ours), ours
    assert not any(token in line or secret in line for line in lines)
    chat_page.evaluate("SSEClient.configure({ debug: false, getToken: null })")


def test_rollout_percent_zero_does_not_stream_and_one_hundred_does(
    chat_page: Page, backend: str, backend_log: BackendLog
) -> None:
    result = run_chat(chat_page, f"{backend}/api/chat?format=standard", {**RESET, "rolloutPercent": 0})
    assert result["ok"] and result["text"] == DEFAULT_REPLY
    assert final(result)["metrics"]["fallbackUsed"] is True
    assert [r["body"]["stream"] for r in chat_requests(backend_log)] == [False]
    backend_log.clear()
    result = run_chat(chat_page, f"{backend}/api/chat?format=standard", {**RESET, "rolloutPercent": 100})
    assert result["ok"] and result["text"] == DEFAULT_REPLY
    assert [r["body"]["stream"] for r in chat_requests(backend_log)] == [True]
    # "always" streams whatever the rollout says; "never" does not.
    backend_log.clear()
    run_chat(chat_page, f"{backend}/api/chat?format=standard", {**RESET, "rolloutPercent": 0, "streaming": "always"})
    run_chat(chat_page, f"{backend}/api/chat?format=standard", {**RESET, "streaming": "never"})
    assert [r["body"]["stream"] for r in chat_requests(backend_log)] == [True, False]


def test_the_bucket_persists_across_a_reload(browser: Browser, page_origin: str, backend: str,
                                             backend_log: BackendLog) -> None:
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(page_origin + PAGE_PATH)
        page.wait_for_function("window.SSEClient !== undefined")
        page.evaluate("SSEClient.ready")
        bucket = page.evaluate("localStorage.getItem('sse-client.rolloutBucket')")
        assert bucket is not None and 0 <= int(bucket) <= 99
        page.reload()
        page.wait_for_function("window.SSEClient !== undefined")
        page.evaluate("SSEClient.ready")
        assert page.evaluate("localStorage.getItem('sse-client.rolloutBucket')") == bucket
        # The stored bucket decides: a percent just above it streams, one at it does not.
        for percent, streams in ((int(bucket) + 1, True), (int(bucket), False)):
            backend_log.clear()
            result = run_chat(page, f"{backend}/api/chat?format=standard", {**RESET, "rolloutPercent": percent})
            assert result["ok"], result.get("error")
            wait_until(lambda: len(chat_requests(backend_log)) == 1, what="the chat's request")
            assert chat_requests(backend_log)[0]["body"]["stream"] is streams
    finally:
        context.close()


def test_the_reader_of_authfetch_has_metrics(chat_page: Page, backend: str) -> None:
    metrics = chat_page.evaluate("""async (url) => {
      const reader = await SSEClient.authFetch(url, { method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ model: "demo", messages: [], stream: true }) }, { stream: true });
      const before = reader.metrics;
      await reader.readToCompletion();
      return [before, reader.metrics, reader.bytesReceived, reader.eventsReceived];
    }""", f"{backend}/api/chat?format=standard&delay_ms=0")
    before, after, received, events = metrics
    assert before is None
    assert (after["bytes"], after["events"]) == (received, events)
    assert sorted(after) == sorted(["timeToFirstByteMs", "durationMs", "events", "bytes", "eventsPerSecond"])
    assert after["timeToFirstByteMs"] <= after["durationMs"]
