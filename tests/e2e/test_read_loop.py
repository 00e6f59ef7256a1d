"""The body's read loop (`fetch_transport._READ_LOOP_JS`), run in Chromium on a scripted reader:
what it hands to Python, and when, against the order of its `read()` calls.

A scripted reader stands in for `response.body.getReader()`: `read()` returns a value that is
already there (the network got ahead of the page) or one that arrives later (a model's pace),
so that the order of reads and hand-overs is exact, not left to the network's timing. No
Pyodide: the loop is plain JS, handed `onPiece` as Python hands it a proxy.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from sse_client.fetch_transport import _READ_LOOP_JS

# script: one entry per read(), [text, "ready" | "later" | "fail"]; then done. `stopAfter`: the
# hand-over whose onPiece returns false (0: none). `abortAfter`: the hand-over after which the
# signal aborts (0: none). Resolves to the log: "read" per read() call, "piece <text>" per
# hand-over, then "end", or "error <message>"; and "released" when the lock is released.
RUN = """async ([source, script, stopAfter, abortAfter]) => {
  const readLoop = (0, eval)(source);
  const log = [];
  const encoder = new TextEncoder(), decoder = new TextDecoder();
  const controller = new AbortController();
  let next = 0, pieces = 0;
  const reader = {
    read() {
      log.push("read");
      const step = script[next++];
      if (step === undefined) return Promise.resolve({ done: true, value: undefined });
      const [text, when] = step;
      if (when === "fail") return Promise.reject(new TypeError(text));
      const result = { done: false, value: encoder.encode(text) };
      if (when === "ready") return Promise.resolve(result);
      return new Promise(resolve => setTimeout(() => resolve(result), 5));
    },
    releaseLock() { log.push("released"); },
  };
  const onPiece = value => {
    pieces++;
    log.push("piece " + decoder.decode(value));
    if (pieces === abortAfter) controller.abort();
    return pieces !== stopAfter;
  };
  try {
    await readLoop(reader, onPiece, controller.signal);
    log.push("end");
  } catch (error) {
    log.push("error " + error.message);
  }
  return log;
}"""


@pytest.fixture(scope="module")
def loop_page(browser: Browser) -> Iterator[Page]:
    page = browser.new_page()
    page.goto("about:blank")
    yield page
    page.close()


def run(page: Page, script: list[list[str]], *, stop_after: int = 0, abort_after: int = 0) -> list[str]:
    return page.evaluate(RUN, [_READ_LOOP_JS, script, stop_after, abort_after])


def test_at_a_models_pace_each_read_is_handed_over_before_the_next_is_asked_for(loop_page: Page) -> None:
    # At that pace the page's code is cold at every event: a read() before the hand-over would
    # keep the text from the user for as long as it takes.
    log = run(loop_page, [["a", "later"], ["b", "later"], ["c", "later"]])
    assert log == ["read", "piece a", "read", "piece b", "read", "piece c", "read", "released", "end"]


def test_reads_already_there_are_handed_over_together(loop_page: Page) -> None:
    # The network got ahead of the page: one call into Python for all that is there.
    log = run(loop_page, [["a", "later"], ["b", "ready"], ["c", "ready"], ["d", "later"], ["e", "ready"]])
    assert log == ["read", "piece a", "read", "read", "read", "piece bc", "piece d", "read", "read",
                   "piece e", "released", "end"]


def test_a_piece_that_says_stop_ends_the_loop_without_another_hand_over(loop_page: Page) -> None:
    log = run(loop_page, [["a", "later"], ["b", "later"], ["c", "later"]], stop_after=2)
    assert log == ["read", "piece a", "read", "piece b", "released", "end"]


def test_nothing_is_handed_over_after_an_abort(loop_page: Page) -> None:
    log = run(loop_page, [["a", "later"], ["b", "ready"], ["c", "later"]], abort_after=1)
    assert "piece b" not in log and "piece bc" not in log and log[-2:] == ["released", "end"]


def test_what_arrived_before_a_failure_is_handed_over_then_the_failure_is_raised(loop_page: Page) -> None:
    log = run(loop_page, [["a", "later"], ["b", "ready"], ["network lost", "fail"]])
    assert log == ["read", "piece a", "read", "read", "piece b", "released", "error network lost"]
