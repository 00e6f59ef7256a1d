"""The page's lifecycle end to end, with Chromium's own emulation: a hidden tab's stream goes on
(no second POST); going offline mid-stream and coming back, or a freeze and resume over a stream
that went silent, is detected at once and resumed with Last-Event-ID, long before the idle
deadline (set to 30 s here, to prove it was not that). In page mode and, with
SSE_CLIENT_BOOT=worker, with the page relaying its lifecycle to the worker.

Going offline is Chromium's network emulation (`context.set_offline`). Hiding, freezing and
resuming the page are Chromium's: CDP `Page.setWebLifecycleState` ("frozen" hides the page and
freezes it: its timers, tasks and workers stop, `freeze` fires; "active" fires `resume`).

Why this module has a Chromium of its own: Playwright turns on focus emulation
(`Emulation.setFocusEmulationEnabled`) in its own CDP session of every page it opens, which
keeps the page visible, and Chromium does not freeze a visible page, so there
`Page.setWebLifecycleState` answers OK and does nothing. This module launches Chromium itself and
connects with `connect_over_cdp(..., no_defaults=True)`: pages of the browser's default context
get none of Playwright's overrides. Its own session then shows the page with focus emulation
and hides it by turning that off (after the first freeze, the page's own state is hidden).
Every test checks in the page that the freeze and the resume really happened.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import CDPSession, Page, Playwright

from sse_client.testing.mock_script import DEFAULT_REPLY
from tests.conftest import CHROMIUM_ARGS, chromium_or_fail

from .conftest import BackendLog, open_chat_page, wait_until

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


def launch_chromium(user_data_dir: Path) -> tuple[subprocess.Popen[bytes], int]:
    """Chromium, headless, with its DevTools port on a free port; returns the process and port."""
    path = chromium_or_fail()
    process = subprocess.Popen(
        [path, "--headless", *CHROMIUM_ARGS, "--remote-debugging-port=0", f"--user-data-dir={user_data_dir}",
         "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    port_file = user_data_dir / "DevToolsActivePort"  # Chromium writes its port here once it listens
    deadline = time.monotonic() + 30
    while not (port_file.exists() and port_file.read_text().strip()):
        if process.poll() is not None:
            error = process.stderr.read().decode(errors="replace")[-2000:] if process.stderr else ""
            pytest.fail(f"Chromium ({path}) exited with {process.returncode} before listening: {error}")
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"Chromium ({path}) did not open its DevTools port within 30 s")
        time.sleep(0.05)
    return process, int(port_file.read_text().split()[0])


@pytest.fixture(scope="module")
def chat_page(playwright: Playwright, page_origin: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Page]:
    """The plain page in a Chromium with none of Playwright's page overrides (see the module docs),
    visible, with a CDP session of its own (`page.lifecycle_session`) and the lifecycle events it
    gets recorded in `window.lifecycleEvents`."""
    process, port = launch_chromium(tmp_path_factory.mktemp("chromium-profile"))
    try:
        browser = playwright.chromium.connect_over_cdp(f"http://127.0.0.1:{port}", no_defaults=True)
        page = open_chat_page(browser.contexts[0], page_origin)
        page.evaluate("""() => {
          window.lifecycleEvents = [];
          for (const name of ["freeze", "resume", "visibilitychange"])
            document.addEventListener(name, () => lifecycleEvents.push(`${name}:${document.visibilityState}`));
        }""")
        session = page.context.new_cdp_session(page)
        page.lifecycle_session = session  # type: ignore[attr-defined]
        # The page's own state becomes hidden (the only way CDP has to hide it), then the
        # session's focus emulation shows it: from here `hide` and `show` are two switches.
        session.send("Page.setWebLifecycleState", {"state": "frozen"})
        session.send("Page.setWebLifecycleState", {"state": "active"})
        show(page)
        assert page.evaluate("document.visibilityState") == "visible"
        yield page
        browser.close()
    finally:
        process.terminate()
        process.wait(timeout=10)


def cdp(page: Page) -> CDPSession:
    session: CDPSession = page.lifecycle_session  # type: ignore[attr-defined]
    return session


def show(page: Page) -> None:
    """The user comes back to the tab."""
    cdp(page).send("Emulation.setFocusEmulationEnabled", {"enabled": True})


def hide(page: Page) -> None:
    """The user switches to another tab: `visibilitychange` to hidden, nothing frozen."""
    cdp(page).send("Emulation.setFocusEmulationEnabled", {"enabled": False})


def freeze(page: Page) -> None:
    """Chromium freezes the hidden tab: `freeze` fires, then its tasks, timers and workers stop."""
    hide(page)
    cdp(page).send("Page.setWebLifecycleState", {"state": "frozen"})


def resume(page: Page) -> None:
    """The tab is resumed (`resume` fires) and shown again."""
    cdp(page).send("Page.setWebLifecycleState", {"state": "active"})
    show(page)


def lifecycle_events(page: Page) -> list[str]:
    """The lifecycle events the page got since the last call (e.g. "freeze:hidden")."""
    events: list[str] = page.evaluate("lifecycleEvents.splice(0)")
    return events


@pytest.mark.parametrize("how", ["visibilitychange", "brief-freeze"])
def test_a_stream_goes_on_while_the_tab_is_hidden(chat_page: Page, backend: str, backend_log: BackendLog,
                                                  how: str) -> None:
    start_chat(chat_page, f"{backend}/api/chat?delay_ms=60", LONG_IDLE)
    wait_until(lambda: shown(chat_page) > 0, timeout=15, what="the first chunk")
    lifecycle_events(chat_page)
    if how == "visibilitychange":
        hide(chat_page)
        hidden_at = time.time() * 1000
        time.sleep(1.0)
        shown_at = time.time() * 1000
        show(chat_page)
        assert lifecycle_events(chat_page) == ["visibilitychange:hidden", "visibilitychange:visible"]
    else:
        # Frozen while the server goes on writing: after the resume bytes come within the
        # grace, which shows the stream alive.
        freeze(chat_page)
        frozen_at = time.time() * 1000
        time.sleep(0.5)
        resumed_at = time.time() * 1000
        resume(chat_page)
        assert lifecycle_events(chat_page) == [
            "visibilitychange:hidden", "freeze:hidden", "resume:hidden", "visibilitychange:visible"]
    result = finish_chat(chat_page)
    if how == "visibilitychange":  # the chunks went on arriving while the tab was hidden
        assert any(hidden_at < t < shown_at for t in result["chunkTimes"]), "no chunk while hidden"
    else:  # really frozen: no callback ran for the 0.5 s (the server wrote a chunk every 60 ms)
        assert not any(frozen_at + 100 < t < resumed_at - 100 for t in result["chunkTimes"])
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
    lifecycle_events(chat_page)
    freeze(chat_page)
    time.sleep(1.0)
    resume(chat_page)
    resumed_at = time.time()
    assert lifecycle_events(chat_page) == [
        "visibilitychange:hidden", "freeze:hidden", "resume:hidden", "visibilitychange:visible"]
    result = finish_chat(chat_page)
    assert_exact(chat_page, result)
    first, second = chat_requests(backend_log)
    assert second["headers"].get("last-event-id", "") != ""
    assert second["headers"]["idempotency-key"] == first["headers"]["idempotency-key"]
    assert second["started"] - resumed_at < 5.0  # the grace (2 s) and the backoff: not idleMs (30 s)
    (reconnect,) = reconnects(result)
    assert reconnect["error"]["type"] == "NETWORK"
