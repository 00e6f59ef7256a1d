"""The page's lifecycle end to end, with Chromium's own emulation: a hidden tab's stream goes on
(no second POST); going offline mid-stream and coming back, or a freeze and resume over a stream
that went silent, is detected at once and resumed with Last-Event-ID, long before the idle
deadline (set to 30 s here, to prove it was not that). In page mode and, with
SSE_CLIENT_BOOT=worker, with the page relaying its lifecycle to the worker.

Going offline is Chromium's network emulation (`context.set_offline`). A freeze is the page's
`freeze` and `resume` events, dispatched: CDP's `Page.setWebLifecycleState` ("frozen", then
"active") neither fired them nor paused timers on a visible page of headless Chromium 156.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from playwright.sync_api import Page

from sse_client.testing.mock_script import DEFAULT_REPLY

from .conftest import BackendLog, wait_until

IDLE_MS = 30_000
LONG_IDLE = {"timeouts": {"firstByteMs": 30_000, "idleMs": IDLE_MS, "noProgressMs": 60_000, "totalMs": None}}


def start_chat(page: Page, endpoint: str, config: dict[str, Any] | None = None) -> None:
    """Start a chat without waiting for it: `window.chat` is its promise."""
    page.evaluate("([endpoint, config]) => { window.chat = runChat(endpoint, null, undefined, config); }",
                  [endpoint, config])


def finish_chat(page: Page) -> dict[str, Any]:
    result: dict[str, Any] = page.evaluate("window.chat")
    return result


def shown(page: Page) -> int:
    return len(page.locator("#out").text_content() or "")


def chat_requests(log: BackendLog) -> list[dict[str, Any]]:
    return sorted((e for e in log.entries() if e["path"] == "/api/chat"), key=lambda e: e["seq"])


def assert_exact(page: Page, result: dict[str, Any]) -> None:
    assert result["ok"], result.get("error")
    assert result["text"] == DEFAULT_REPLY
    assert page.locator("#out").text_content() == DEFAULT_REPLY  # whole, and nothing twice


def reconnects(result: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for s in result["statuses"] if s["state"] == "reconnecting"]


def page_lifecycle(page: Page, event: str) -> None:
    """The page is frozen ("freeze") or resumed ("resume"), as Chromium tells a page (see the
    module docs for why the events are dispatched)."""
    page.evaluate("name => document.dispatchEvent(new Event(name))", event)


@pytest.mark.parametrize("how", ["visibilitychange", "brief-freeze"])
def test_a_stream_goes_on_while_the_tab_is_hidden(chat_page: Page, backend: str, backend_log: BackendLog,
                                                  how: str) -> None:
    start_chat(chat_page, f"{backend}/api/chat?delay_ms=60", LONG_IDLE)
    wait_until(lambda: shown(chat_page) > 0, timeout=15, what="the first chunk")
    if how == "visibilitychange":
        chat_page.evaluate("""() => {
          Object.defineProperty(document, "visibilityState", { configurable: true, get: () => "hidden" });
          Object.defineProperty(document, "hidden", { configurable: true, get: () => true });
          document.dispatchEvent(new Event("visibilitychange"));
        }""")
        time.sleep(0.5)
        chat_page.evaluate("""() => {
          delete document.visibilityState; delete document.hidden;
          document.dispatchEvent(new Event("visibilitychange"));
        }""")
    else:
        # Frozen while the server goes on writing: after the resume bytes come within the
        # grace, which shows the stream alive.
        page_lifecycle(chat_page, "freeze")
        time.sleep(0.5)
        page_lifecycle(chat_page, "resume")
    result = finish_chat(chat_page)
    assert_exact(chat_page, result)
    assert len(chat_requests(backend_log)) == 1  # no second POST
    assert reconnects(result) == []


def test_offline_mid_stream_then_online_resumes_at_once_with_last_event_id(
        chat_page: Page, backend: str, backend_log: BackendLog) -> None:
    context = chat_page.context
    start_chat(chat_page, f"{backend}/api/chat?delay_ms=80", LONG_IDLE)
    wait_until(lambda: shown(chat_page) > 20, timeout=15, what="the first chunks")
    try:
        context.set_offline(True)
        # The dead stream is noticed at once, not at the idle deadline.
        wait_until(lambda: (chat_page.locator("#status").text_content() or "").startswith("reconnecting"),
                   timeout=3, what="the reconnecting status")
        time.sleep(1.0)
        assert len(chat_requests(backend_log)) == 1  # offline: nothing tried, no retry used up
        online_at = time.time()
    finally:
        context.set_offline(False)
    result = finish_chat(chat_page)
    assert_exact(chat_page, result)
    first, *rest = chat_requests(backend_log)
    assert rest, "the chat never reconnected"
    resumed = rest[-1]
    assert resumed["headers"].get("last-event-id", "") != ""
    assert resumed["headers"]["idempotency-key"] == first["headers"]["idempotency-key"]
    assert resumed["started"] - online_at < 3.0  # at once when online: not the idle deadline (30 s)
    causes = [s["error"]["type"] for s in reconnects(result)]
    assert causes and set(causes) == {"NETWORK"}, causes


def test_a_stream_silent_across_a_freeze_is_resumed_at_the_resume_with_last_event_id(
        chat_page: Page, backend: str, backend_log: BackendLog) -> None:
    start_chat(chat_page, f"{backend}/api/chat?delay_ms=20&stall_after=5", LONG_IDLE)
    wait_until(lambda: shown(chat_page) > 0, timeout=15, what="the first chunks")
    time.sleep(0.3)  # the server has gone silent
    page_lifecycle(chat_page, "freeze")
    time.sleep(1.0)
    page_lifecycle(chat_page, "resume")
    resumed_at = time.time()
    result = finish_chat(chat_page)
    assert_exact(chat_page, result)
    first, second = chat_requests(backend_log)
    assert second["headers"].get("last-event-id", "") != ""
    assert second["headers"]["idempotency-key"] == first["headers"]["idempotency-key"]
    assert second["started"] - resumed_at < 5.0  # the grace (2 s) and the backoff: not idleMs (30 s)
    (reconnect,) = reconnects(result)
    assert reconnect["error"]["type"] == "NETWORK"
