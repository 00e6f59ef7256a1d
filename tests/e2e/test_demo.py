"""The demo page (web/demo/) driven as a developer would drive it in front of a colleague: pick a
fault, send, and watch the page.

Each test asserts what is visible at the end: the timeline's rows (one per status, in order),
the reply's exact text, the typing indicator hidden, and saves a screenshot of the page (checked
to be a real PNG with the timeline in it). The demo boots once for the module.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from sse_client.testing.mock_script import DEFAULT_REPLY

TERMINAL = "#timeline li:is([data-state=completed], [data-state=failed], [data-state=cancelled])"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def page_errors() -> list[str]:
    """The demo's uncaught errors and unhandled rejections, as they happen."""
    return []


@pytest.fixture(scope="module")
def demo(browser: Browser, backend: str, page_errors: list[str]) -> Iterator[Page]:
    """The demo page, booted once for the module."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.on("pageerror", lambda error: page_errors.append(f"{error.name}: {error.message}"))
    page.goto(f"{backend}/")
    page.wait_for_selector("#send:not([disabled])", timeout=60_000)
    yield page
    context.close()


@pytest.fixture(autouse=True)
def no_page_errors(demo: Page, page_errors: list[str]) -> Iterator[None]:
    """After each test: none may reach a user's page (overrides conftest's, for the demo)."""
    yield
    errors = list(page_errors)
    page_errors.clear()
    assert errors == [], f"the demo reported uncaught errors: {errors}"


def send(page: Page, fault: str, fmt: str = "standard", prompt: str = "Hello",
         while_running: Callable[[Page], None] | None = None) -> list[str]:
    """Pick `fmt` and `fault` in the panel, send `prompt`, wait for the chat to end; the
    timeline's states in order (a state repeated by consecutive rows once)."""
    page.select_option("#format", fmt)
    page.check(f"#fault-{fault}")
    page.fill("#prompt", prompt)
    page.click("#send")
    expect(page.locator("#send")).to_be_disabled()  # the chat started
    if while_running:
        while_running(page)
    page.wait_for_selector(TERMINAL, timeout=20_000)
    expect(page.locator("#send")).to_be_enabled()
    expect(page.locator("#typing")).to_be_hidden()
    expect(page.locator("#cancel")).to_be_disabled()
    check_metrics_if_shown(page)
    rows = page.locator("#timeline li").evaluate_all("rows => rows.map(r => r.dataset.state)")
    return [state for i, state in enumerate(rows) if i == 0 or rows[i - 1] != state]


def reply(page: Page) -> str:
    """The last assistant message's text, without the note a cancel or an error adds."""
    return str(page.locator("#messages li.assistant").last.evaluate("li => li.firstChild.data"))


def row_text(page: Page, state: str, n: int = 0) -> str:
    return str(page.locator(f"#timeline li[data-state={state}]").nth(n).text_content())


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_SIGNATURE and data[12:16] == b"IHDR", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def screenshot(page: Page, tmp_path: Path, name: str) -> None:
    """Saves the page as it is now, and checks the timeline is on it: the element's own
    screenshot is its rendered box, non-empty and inside the page's."""
    path = tmp_path / f"demo-{name}.png"
    page.screenshot(path=path, full_page=True)
    page_width, page_height = png_size(path.read_bytes())
    timeline = page.locator("#timeline")
    expect(timeline).to_be_visible()
    box = timeline.bounding_box()
    assert box is not None
    width, height = png_size(timeline.screenshot())
    assert width > 100 and height > 20  # at least a row
    assert abs(width - box["width"]) <= 2 and abs(height - box["height"]) <= 2  # rounded to pixels
    assert box["x"] + box["width"] <= page_width + 1 and box["y"] + box["height"] <= page_height + 1
    # To look at them: DEMO_SCREENSHOTS=dir pytest tests/e2e/test_demo.py
    if os.environ.get("DEMO_SCREENSHOTS"):
        Path(os.environ["DEMO_SCREENSHOTS"]).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, os.environ["DEMO_SCREENSHOTS"])


def check_metrics_if_shown(page: Page) -> None:
    """The library may add `metrics` to the final status; the demo shows them if it does."""
    metrics = page.locator(f"{TERMINAL} .metrics")
    if metrics.count():
        expect(metrics).to_be_visible()
        assert "duration" in metrics.locator("dt").all_text_contents()


def test_a_provider_dialect_streams_and_completes(demo: Page, tmp_path: Path) -> None:
    markup = '<img src=x onerror="window.pwned = 1">'
    states = send(demo, "none", fmt="anthropic", prompt=markup)

    assert states == ["connecting", "streaming", "completed"]
    assert reply(demo) == DEFAULT_REPLY
    # The user's text went on the page as text, not as HTML.
    assert demo.locator("#messages li.user").last.text_content() == markup
    assert demo.locator("#messages img").count() == 0 and demo.evaluate("window.pwned") is None
    assert demo.locator("#status").text_content().startswith("completed")  # type: ignore[union-attr]
    assert "format=anthropic" in demo.locator("#endpoint").text_content()  # type: ignore[operator]
    screenshot(demo, tmp_path, "anthropic")


def test_a_cut_stream_reconnects_and_completes_exactly_once(demo: Page, tmp_path: Path) -> None:
    states = send(demo, "cut")

    assert states[0] == "connecting" and states[-1] == "completed"
    assert "reconnecting" in states
    assert "retry 1 of 3" in row_text(demo, "reconnecting")
    assert "NETWORK" in row_text(demo, "reconnecting")
    assert reply(demo) == DEFAULT_REPLY
    screenshot(demo, tmp_path, "cut")


def test_a_503_is_retried_and_completes(demo: Page, tmp_path: Path) -> None:
    states = send(demo, "503", fmt="openai")

    assert states == ["connecting", "reconnecting", "streaming", "completed"]
    assert "retry 1 of 3" in row_text(demo, "reconnecting")
    assert "SERVER" in row_text(demo, "reconnecting")
    assert reply(demo) == DEFAULT_REPLY
    screenshot(demo, tmp_path, "503")


def test_a_429_waits_out_retry_after_with_a_live_countdown(demo: Page, tmp_path: Path) -> None:
    countdown = demo.locator("#timeline li[data-state=reconnecting] .countdown")
    seen: list[float] = []

    def during_the_wait(page: Page) -> None:
        expect(countdown).to_have_text(re.compile(r"next try in \d"))
        seen.append(float(re.findall(r"[\d.]+", str(countdown.text_content()))[0]))
        # Still waiting for the reply's first chunk: the typing indicator says so.
        expect(page.locator("#typing")).to_be_visible()
        screenshot(page, tmp_path, "429-waiting")
        # It counts down, live.
        expect(countdown).not_to_have_text(f"next try in {seen[0]:.1f} s")

    states = send(demo, "429", while_running=during_the_wait)

    assert states == ["connecting", "reconnecting", "streaming", "completed"]
    assert "RATE_LIMITED" in row_text(demo, "reconnecting")
    assert 0 < seen[0] <= 2.0
    waited = float(re.findall(r"waited ([\d.]+) s", str(countdown.text_content()))[0])
    assert waited >= 1.9  # Retry-After: 2 is the floor of the wait
    assert reply(demo) == DEFAULT_REPLY
    screenshot(demo, tmp_path, "429")


def test_a_stalled_stream_times_out_and_resumes(demo: Page, tmp_path: Path) -> None:
    states = send(demo, "stall")

    assert states[0] == "connecting" and states[-1] == "completed"
    assert "reconnecting" in states
    assert "TIMEOUT" in row_text(demo, "reconnecting")
    assert reply(demo) == DEFAULT_REPLY
    screenshot(demo, tmp_path, "stall")


def test_a_stuttering_upstream_shows_the_reply_once(demo: Page, tmp_path: Path) -> None:
    states = send(demo, "stutter", fmt="openai")

    assert states == ["connecting", "streaming", "completed"]
    assert reply(demo) == DEFAULT_REPLY
    screenshot(demo, tmp_path, "stutter")


def test_stutter_is_offered_only_for_generic_formats(demo: Page) -> None:
    demo.select_option("#format", "gemini")
    expect(demo.locator("#fault-stutter")).to_be_disabled()
    demo.select_option("#format", "raw")
    expect(demo.locator("#fault-stutter")).to_be_enabled()


def test_a_json_only_backend_is_read_as_the_fallback(demo: Page, tmp_path: Path) -> None:
    states = send(demo, "json", fmt="gemini")

    assert states == ["connecting", "fallback", "completed"]
    assert reply(demo) == DEFAULT_REPLY
    screenshot(demo, tmp_path, "json")


def test_when_retries_run_out_the_fallback_completes(demo: Page, tmp_path: Path) -> None:
    states = send(demo, "down")

    assert states == ["connecting", "reconnecting", "fallback", "completed"]
    retries = demo.locator("#timeline li[data-state=reconnecting] .retry").all_text_contents()
    assert retries == ["retry 1 of 3", "retry 2 of 3", "retry 3 of 3"]
    assert reply(demo) == DEFAULT_REPLY
    screenshot(demo, tmp_path, "fallback")


def test_cancel_is_shown_as_cancelled_not_as_an_error(demo: Page, tmp_path: Path) -> None:
    def cancel_mid_stream(page: Page) -> None:
        page.wait_for_function("document.querySelector('#messages li.assistant:last-child').textContent.length > 20")
        page.click("#cancel")

    states = send(demo, "slow", while_running=cancel_mid_stream)

    assert states == ["connecting", "streaming", "cancelled"]
    last = demo.locator("#messages li.assistant").last
    expect(last).to_have_class(re.compile(r"\bcancelled\b"))
    expect(last).not_to_have_class(re.compile(r"\berror\b"))
    expect(last.locator(".note")).to_have_text("cancelled")
    shown = reply(demo)
    assert 20 < len(shown) < len(DEFAULT_REPLY) and DEFAULT_REPLY.startswith(shown)  # kept, once
    assert demo.locator("#status").text_content().startswith("cancelled")  # type: ignore[union-attr]
    screenshot(demo, tmp_path, "cancelled")


def test_the_conversation_follows_new_text_unless_scrolled_up(demo: Page) -> None:
    conversation = demo.locator("#conversation")
    for _ in range(5):  # longer than its box (the tests before this one may have done it already)
        if conversation.evaluate("c => c.scrollHeight > c.clientHeight + 100"):
            break
        send(demo, "none")
    # The newest text is in view.
    assert conversation.evaluate("c => c.scrollHeight > c.clientHeight + 100")
    assert conversation.evaluate("c => c.scrollHeight - c.scrollTop - c.clientHeight < 2")

    def scroll_up_and_read(page: Page) -> None:
        page.wait_for_function("document.querySelector('#messages li.assistant:last-child').textContent.length > 0")
        conversation.evaluate("c => { c.scrollTop = 0; }")
        length = len(reply(page))
        page.wait_for_function(f"document.querySelector('#messages li.assistant:last-child').textContent.length > {length + 16}")
        assert conversation.evaluate("c => c.scrollTop") == 0  # the reader is left where they are
        page.click("#cancel")

    send(demo, "slow", while_running=scroll_up_and_read)


def test_the_final_status_shows_the_chat_metrics(demo: Page) -> None:
    # What the demo makes of metrics, whether or not this build of the library reports them: the
    # final status's metrics are replaced with known ones (one the demo has no label for).
    demo.evaluate("""() => {
      window.realChat = SSEClient.chatWithModelStream;
      SSEClient.chatWithModelStream = (request, onChunk, onStatus, options) => window.realChat(request, onChunk,
        status => onStatus(status.state !== "completed" ? status : { ...status, metrics:
          { durationMs: 12345.6, timeToFirstByteMs: 12.4, chunks: 38, fallbackUsed: false, newThing: "<b>x</b>" } }),
        options);
    }""")
    try:
        send(demo, "none")
    finally:
        demo.evaluate("() => { SSEClient.chatWithModelStream = window.realChat; }")

    metrics = demo.locator("#timeline li[data-state=completed] .metrics")
    expect(metrics).to_be_visible()
    labels = metrics.locator("dt").all_text_contents()
    values = metrics.locator("dd").all_text_contents()
    # In the demo's order, units shown, unknown ones last and as text.
    assert list(zip(labels, values, strict=True)) == [
        ("first byte", "12 ms"), ("duration", "12.3 s"), ("chunks", "38"), ("fallback used", "no"),
        ("newThing", "<b>x</b>"),
    ]
