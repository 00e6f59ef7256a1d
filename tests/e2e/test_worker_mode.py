"""`data-boot="worker"`, always (whatever SSE_CLIENT_BOOT says): Pyodide and the package run in
a dedicated Web Worker and the page gets the same API, relayed over postMessage.

What it is for: the page's main thread has no long task (over 50 ms, seen by a
PerformanceObserver of "longtask" entries) from the script tag until `ready`, nor while a reply
streams; the same page booted in page mode has the boot's long task, so the measure can tell.
And what must not change: chunks, statuses, abort and settle, a throwing callback, getToken
(called on the page, asked for by the worker), authFetch's stream reader and plain Response, and
clear errors when the worker cannot start. Pyodide boots once for the module.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from sse_client.testing.launcher import http_server_thread
from sse_client.testing.mock_script import DEFAULT_REPLY, split_reply

from .conftest import (
    USER_PAGE,
    BackendLog,
    QuietHandler,
    assert_no_page_errors,
    boot_attribute,
    python_proxies_after_chats,
    wait_until,
)
from .test_resilience import run_chat, states

LONG_TASK_MS = 50  # the Long Tasks API's own threshold

# First in <head>, before the loader's tag: every long task of the main thread from here on,
# with its attribution, and when the loader's tag was reached and `ready` resolved.
OBSERVER = """<script>
window.longTasks = [];
new PerformanceObserver(list => {
  for (const entry of list.getEntries()) {
    window.longTasks.push({ start: entry.startTime, duration: entry.duration, name: entry.name,
      attribution: entry.attribution.map(a => ({ name: a.name, type: a.containerType, src: a.containerSrc })) });
  }
}).observe({ type: "longtask", buffered: true });
window.loaderTagAt = performance.now();
</script>"""
READY_MARK = """<script>
window.progress = [];
SSEClient.onProgress(p => window.progress.push(p));
SSEClient.ready.then(() => { window.readyAt = performance.now(); }, () => {});
</script>"""

# The long tasks that overlap [from, to] (performance.now() times), once the observer has had
# a frame to deliver the last ones.
LONG_TASKS_BETWEEN = """async ([from, to]) => {
  await new Promise(resolve => requestAnimationFrame(() => setTimeout(resolve, 100)));
  return window.longTasks.filter(t => t.start + t.duration >= from && t.start <= to);
}"""


def page_html(bundle: str, boot: str, extra_head: str = "") -> str:
    html = USER_PAGE.format(bundle=bundle, boot=boot_attribute(boot) if boot in ("page", "worker") else f' data-boot="{boot}"')
    tag_at = html.index("<script src=")
    tag_end = html.index("</script>", tag_at) + len("</script>")
    return html[:tag_at] + extra_head + OBSERVER + html[tag_at:tag_end] + READY_MARK + html[tag_end:]


@pytest.fixture(scope="module")
def no_cors_bundle(bundle: Path) -> Iterator[str]:
    """The same bundle from a server that sends no CORS headers: a page may load the loader
    by script tag, but the worker cannot import it."""
    with http_server_thread(functools.partial(QuietHandler, directory=str(bundle))) as base:
        yield f"{base}/sse-client.js"


@pytest.fixture(scope="module")
def site(backend: str, no_cors_bundle: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Another origin than the bundle's, with a page per boot mode, and pages that cannot start
    the worker."""
    root = tmp_path_factory.mktemp("worker-site")
    bundle = f"{backend}/dist/sse-client.js"
    (root / "worker.html").write_text(page_html(bundle, "worker"), encoding="utf-8")
    (root / "page.html").write_text(page_html(bundle, "page"), encoding="utf-8")
    (root / "unknown.html").write_text(page_html(bundle, "threads"), encoding="utf-8")
    # A policy that allows the loader's script but no worker at all.
    csp = """<meta http-equiv="Content-Security-Policy" content="worker-src 'none'">"""
    (root / "no-workers.html").write_text(page_html(bundle, "worker", extra_head=csp), encoding="utf-8")
    (root / "no-cors.html").write_text(page_html(no_cors_bundle, "worker"), encoding="utf-8")
    with http_server_thread(functools.partial(QuietHandler, directory=str(root))) as base:
        yield base


def open_page(browser: Browser, url: str) -> Page:
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(f"{error.name}: {error.message}"))
    page.page_errors = errors  # type: ignore[attr-defined]
    page.goto(url)
    return page


@pytest.fixture(scope="module")
def worker_page(browser: Browser, site: str) -> Iterator[Page]:
    """The page in worker mode, booted once for the module (named so that the autouse check of
    conftest does not look at it: `no_errors` below does)."""
    page = open_page(browser, f"{site}/worker.html")
    page.evaluate("SSEClient.ready")
    yield page
    page.context.close()


@pytest.fixture(autouse=True)
def no_errors(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "worker_page" in request.fixturenames:
        assert_no_page_errors(request.getfixturevalue("worker_page"))


def chat_requests(log: BackendLog) -> list[dict[str, Any]]:
    return [entry for entry in log.entries() if entry["path"] == "/api/chat"]


def describe(tasks: list[dict[str, Any]]) -> str:
    return ", ".join(f"{t['duration']:.0f} ms at {t['start']:.0f} ({t['name']}, {t['attribution']})" for t in tasks)


# --- the main thread --------------------------------------------------------------------------


def test_the_boot_leaves_the_main_thread_free(worker_page: Page) -> None:
    window = worker_page.evaluate("[window.loaderTagAt, window.readyAt]")
    tasks = worker_page.evaluate(LONG_TASKS_BETWEEN, window)
    assert [t for t in tasks if t["duration"] > LONG_TASK_MS] == [], describe(tasks)
    assert worker_page.evaluate("[SSEClient.mode, SSEClient.pyodide]") == ["worker", None]
    print(f"\nworker mode: script tag to ready {window[1] - window[0]:.0f} ms, "
          f"long tasks of the main thread: {describe(tasks) or 'none'}")


def test_page_mode_boots_in_a_long_task_that_the_measure_sees(browser: Browser, site: str) -> None:
    page = open_page(browser, f"{site}/page.html")
    try:
        page.evaluate("SSEClient.ready")
        window = page.evaluate("[window.loaderTagAt, window.readyAt]")
        tasks = page.evaluate(LONG_TASKS_BETWEEN, window)
        assert page.evaluate("SSEClient.mode") == "page"
    finally:
        page.context.close()
    longest = max((t["duration"] for t in tasks), default=0)
    print(f"\npage mode: script tag to ready {window[1] - window[0]:.0f} ms, long tasks: {describe(tasks)}")
    assert longest > 4 * LONG_TASK_MS, describe(tasks)  # Python's start: hundreds of ms in one task


@pytest.mark.parametrize("query", [
    "format=openai&events=300&pace_hz=100",  # a model's pace
    "format=openai&events=20000&delay_ms=0&batch_bytes=65536",  # flat out
], ids=["llm-pace", "flat-out"])
def test_streaming_leaves_the_main_thread_free(worker_page: Page, backend: str, query: str) -> None:
    result = worker_page.evaluate(
        """async (endpoint) => {
          const from = performance.now();
          const result = await runChat(endpoint);
          return { ok: result.ok, error: result.error, length: result.text && result.text.length,
                   chunks: result.chunks.length, from, to: performance.now() };
        }""", f"{backend}/api/chat?{query}")
    assert result["ok"], result["error"]
    assert result["length"] > 0 and result["chunks"] > 1
    tasks = worker_page.evaluate(LONG_TASKS_BETWEEN, [result["from"], result["to"]])
    assert [t for t in tasks if t["duration"] > LONG_TASK_MS] == [], describe(tasks)


# --- the same API -----------------------------------------------------------------------------


def test_a_chat_streams_its_chunks_and_statuses_and_resolves(worker_page: Page, backend: str) -> None:
    result = run_chat(worker_page, f"{backend}/api/chat?delay_ms=10&chunk_chars=7")

    assert result["ok"], result.get("error")
    assert result["text"] == result["page"] == DEFAULT_REPLY
    assert "".join(result["chunks"]) == DEFAULT_REPLY and len(result["chunks"]) > 1
    assert states(result) == ["connecting", "streaming", "completed"]
    # The package's version, and the build's content hash, in the worker mode too.
    assert worker_page.evaluate("/^\\d+\\.\\d+\\.\\d+/.test(SSEClient.version) && /^[0-9a-f]{12}$/.test(SSEClient.build)")


def test_a_relative_endpoint_is_resolved_against_the_page(worker_page: Page, backend: str) -> None:
    # Protocol-relative: only the page's URL completes it (the worker's own URL is a blob:).
    endpoint = backend.removeprefix("http:") + "/api/chat?delay_ms=0"
    result = run_chat(worker_page, endpoint)
    assert result["ok"], result.get("error")
    assert result["text"] == DEFAULT_REPLY


def test_abort_cancels_and_nothing_but_cancelled_reaches_the_page_after_it(
    worker_page: Page, backend: str, backend_log: BackendLog
) -> None:
    result = worker_page.evaluate(
        """async (endpoint) => {
          const controller = new AbortController();
          let abortedAt = null;
          const after = [];
          SSEClient.configure({ ...TEST_DEFAULTS, endpoint });
          const settled = SSEClient.chatWithModelStream({ model: "demo" },
            chunk => { if (abortedAt !== null) after.push("chunk"); else { controller.abort(); abortedAt = Date.now(); } },
            status => { if (abortedAt !== null) after.push(status.state); },
            { signal: controller.signal }).then(() => ({ settled: "resolved" }), e => ({ settled: "rejected", type: e.type }));
          return { ...(await settled), after };
        }""", f"{backend}/api/chat?delay_ms=20&chunk_chars=4")

    assert result == {"settled": "rejected", "type": "CANCELLED", "after": ["cancelled"]}
    # The worker aborted the fetch: the backend saw the client go away.
    wait_until(lambda: chat_requests(backend_log)[0]["disconnected"], what="the backend seeing the disconnect")


def test_an_already_aborted_signal_cancels_at_once_and_sends_nothing(
    worker_page: Page, backend: str, backend_log: BackendLog
) -> None:
    result = worker_page.evaluate(
        """(endpoint) => runChat(endpoint, null, { signal: AbortSignal.abort() })""", f"{backend}/api/chat")
    assert result["error"]["type"] == "CANCELLED"
    assert states(result) == ["cancelled"]
    assert chat_requests(backend_log) == []


def test_an_on_chunk_that_throws_fails_the_chat_as_in_page_mode(
    worker_page: Page, backend: str, backend_log: BackendLog
) -> None:
    result = worker_page.evaluate(
        """async (endpoint) => {
          SSEClient.configure({ ...TEST_DEFAULTS, endpoint });
          const statuses = [];
          let calls = 0;
          try {
            await SSEClient.chatWithModelStream({ model: "demo" },
              chunk => { calls++; throw new Error("render failed"); }, s => statuses.push(s));
            return { settled: "resolved" };
          } catch (e) {
            return { settled: "rejected", calls, statuses,
                     error: { name: e.name, type: e.type, message: e.message, retryable: e.retryable, status: e.status,
                              attempt: e.attempt, cause: String(e.cause), isError: e instanceof SSEClient.SSEClientError } };
          }
        }""", f"{backend}/api/chat?delay_ms=50")

    message = "The page's onChunk callback threw an error, so the chat was stopped: Error: render failed."
    # What page mode gives (tests/e2e/test_hardening.py checks it there).
    assert result["error"] == {"name": "SSEClientError", "type": "CLIENT", "message": message, "retryable": False,
                               "status": None, "attempt": 1, "cause": "Error: render failed", "isError": True}
    assert result["calls"] == 1
    assert result["statuses"][-1] == {"state": "failed", "message": message, "error": {
        "type": "CLIENT", "message": message, "retryable": False, "status": None, "attempt": 1,
        "cause": "Error: render failed", "retryAfter": None, "causes": []}}
    assert [s["state"] for s in result["statuses"]].count("failed") == 1  # one terminal status
    # The chat was stopped in the worker too.
    wait_until(lambda: chat_requests(backend_log)[0]["disconnected"], what="the backend seeing the disconnect")


def test_an_on_status_that_throws_fails_the_chat_but_not_at_its_terminal_status(worker_page: Page, backend: str) -> None:
    result = worker_page.evaluate(
        """async (endpoint) => {
          SSEClient.configure({ ...TEST_DEFAULTS, endpoint });
          const run = when => SSEClient.chatWithModelStream({ model: "demo" }, () => {},
              s => { if (s.state === when) throw new Error("status bar broke"); })
            .then(text => "resolved: " + text, e => e.type + " " + e.attempt + " " + e.message);
          return [await run("streaming"), await run("completed")];
        }""", f"{backend}/api/chat?delay_ms=0")
    assert result == [
        "CLIENT 1 The page's onStatus callback threw an error, so the chat was stopped: Error: status bar broke.",
        f"resolved: {DEFAULT_REPLY}",
    ]


def test_get_token_runs_on_the_page_for_every_request(worker_page: Page, backend: str, backend_log: BackendLog) -> None:
    result = worker_page.evaluate(
        """async (endpoint) => {
          let issued = 0;
          return runChat(endpoint, null, undefined, { getToken: async () => "token-" + (++issued) });
        }""", f"{backend}/api/chat?status=503&delay_ms=1")
    assert result["ok"], result.get("error")
    assert [e["headers"]["authorization"] for e in chat_requests(backend_log)] == ["Bearer token-1", "Bearer token-2"]


def test_get_token_hears_the_forced_refresh_after_a_401(worker_page: Page, backend: str) -> None:
    result = worker_page.evaluate(
        """async (endpoint) => {
          const calls = [];
          const getToken = async (...args) => {
            calls.push({ args, plain: Object.getPrototypeOf(args[0]) === Object.prototype });
            return calls.length === 1 ? "stale-token-1a2b3c" : "fresh-token-4d5e6f";
          };
          const result = await runChat(endpoint, null, undefined, { getToken });
          return { ok: result.ok, text: result.text, calls };
        }""", f"{backend}/api/chat?auth_token=fresh-token-4d5e6f&delay_ms=0")
    assert (result["ok"], result["text"]) == (True, DEFAULT_REPLY)
    assert result["calls"] == [{"args": [{"forceRefresh": False}], "plain": True},
                               {"args": [{"forceRefresh": True}], "plain": True}]


def test_a_token_the_backend_echoes_is_redacted(worker_page: Page, backend: str) -> None:
    token = "sk-live-worker-5e6f7a"
    result = worker_page.evaluate(
        """async ([endpoint, token]) => {
          const result = await runChat(endpoint, null, undefined,
                                       { getToken: () => token, retry: { maxRetries: 0 }, fallback: false });
          return { type: result.error.type, everything: JSON.stringify(result) };
        }""", [f"{backend}/api/chat?status=401&echo_auth=1&fault_attempts=9", token])
    assert result["type"] == "AUTH"
    assert token not in result["everything"] and "[redacted]" in result["everything"]


def test_a_failing_get_token_is_an_auth_error(worker_page: Page, backend: str, backend_log: BackendLog) -> None:
    result = worker_page.evaluate(
        """(endpoint) => runChat(endpoint, null, undefined,
                                 { getToken: async () => { throw new Error("signed out"); } })""",
        f"{backend}/api/chat")
    assert (result["error"]["type"], result["error"]["retryable"]) == ("AUTH", False)
    assert states(result)[-1] == "failed"
    assert chat_requests(backend_log) == []


def test_random_is_refused_with_a_client_error_that_says_why(worker_page: Page) -> None:
    error = worker_page.evaluate(
        """() => { try { SSEClient.configure({ random: () => 0.5 }); }
                   catch (e) { return [e.name, e.type, e.message]; } }""")
    assert error[:2] == ["SSEClientError", "CLIENT"]
    assert 'data-boot="worker"' in error[2] and "random" in error[2]


def test_an_invalid_option_fails_the_next_chat_until_a_configure_succeeds(worker_page: Page, backend: str) -> None:
    result = worker_page.evaluate(
        """async (endpoint) => {
          SSEClient.configure({ endpont: endpoint });  // checked in the worker: no throw here
          const statuses = [];
          const first = await SSEClient.chatWithModelStream({ model: "demo" }, () => {}, s => statuses.push(s.state))
            .then(() => "resolved", e => e.type + ": " + e.message);
          SSEClient.configure({ ...TEST_DEFAULTS, endpoint });
          const second = await SSEClient.chatWithModelStream({ model: "demo" }, () => {});
          return { first, statuses, second };
        }""", f"{backend}/api/chat?delay_ms=0")
    assert result["first"].startswith("CLIENT: ") and "endpont" in result["first"]
    assert result["statuses"] == ["failed"]
    assert result["second"] == DEFAULT_REPLY


def test_a_request_holding_a_function_is_refused_in_page_modes_words(worker_page: Page, backend: str) -> None:
    message = worker_page.evaluate(
        """(endpoint) => runChat(endpoint, { model: "demo", when: () => 1 }).then(r => r.error.type + ": " + r.error.message)""",
        f"{backend}/api/chat")
    assert message.startswith("CLIENT: The chat request cannot be sent: it holds a value JSON cannot carry")
    assert "toISOString" in message


def test_auth_fetch_streams_events_through_the_worker(worker_page: Page, backend: str, backend_log: BackendLog) -> None:
    result = worker_page.evaluate(
        """async (url) => {
          SSEClient.configure({ ...TEST_DEFAULTS, getToken: async () => "stream-token" });
          const seen = [];
          const reader = await SSEClient.authFetch(url, { method: "POST", headers: { "Content-Type": "application/json" },
              body: JSON.stringify({ model: "demo", messages: [], stream: true }) },
            { stream: true, onEvent: event => seen.push(event.type) });
          const events = [];
          for await (const event of reader.readEvents()) events.push(event);
          return { events, seen, bytes: reader.bytesReceived, count: reader.eventsReceived };
        }""", f"{backend}/api/chat?format=openai&delay_ms=1&chunk_chars=8")

    chunks = [e["content"] for e in result["events"] if e["type"] == "chunk"]
    assert chunks == split_reply(DEFAULT_REPLY, 8)
    assert result["events"][-1]["type"] == "complete"
    assert result["seen"] == [e["type"] for e in result["events"]]
    (entry,) = chat_requests(backend_log)
    assert result["bytes"] == entry["bytes_sent"] > 0 and result["count"] == entry["events_sent"]
    assert entry["headers"]["authorization"] == "Bearer stream-token"


def test_cancelling_an_auth_fetch_reader_aborts_the_request_in_the_worker(
    worker_page: Page, backend: str, backend_log: BackendLog
) -> None:
    count = worker_page.evaluate(
        """async (url) => {
          const reader = await SSEClient.authFetch(url, { method: "POST", body: "{}" }, { stream: true });
          let count = 0;
          for await (const event of reader.readEvents()) { if (++count === 3) reader.cancel(); }
          return count;
        }""", f"{backend}/api/chat?delay_ms=100")
    assert 3 <= count < 10
    wait_until(lambda: chat_requests(backend_log)[0]["disconnected"], what="the backend seeing the disconnect")


def test_auth_fetch_rejects_an_http_error_with_a_typed_error(worker_page: Page, backend: str) -> None:
    error = worker_page.evaluate(
        """(url) => SSEClient.authFetch(url, { method: "POST", body: "{}" }, { stream: true })
                      .then(() => null, e => [e.name, e.type, e.status, e instanceof SSEClient.SSEClientError])""",
        f"{backend}/api/chat?status=401")
    assert error == ["SSEClientError", "AUTH", 401, True]


def test_a_plain_auth_fetch_is_the_pages_own_fetch_with_the_token(
    worker_page: Page, backend: str, backend_log: BackendLog
) -> None:
    answer = worker_page.evaluate(
        """async (url) => {
          SSEClient.configure({ ...TEST_DEFAULTS, headers: { "X-Api-Key": "key-9f8e7d" }, getToken: () => "plain-token" });
          const response = await SSEClient.authFetch(url, {
            method: "POST", headers: { "Content-Type": "application/json" }, body: '{"stream": false}' });
          const result = [response instanceof Response, response.status, await response.json()];
          SSEClient.configure({ headers: {} });
          return result;
        }""", f"{backend}/api/chat")
    assert answer[:2] == [True, 200]
    assert answer[2]["data"]["final_response"] == DEFAULT_REPLY
    (entry,) = chat_requests(backend_log)
    assert entry["headers"]["authorization"] == "Bearer plain-token"
    assert entry["headers"]["x-api-key"] == "key-9f8e7d"


def test_progress_is_relayed_from_the_worker(worker_page: Page) -> None:
    progress = worker_page.evaluate("window.progress")  # heard from right after the loader's tag
    phases = [p["phase"] for p in progress]
    assert phases[0] == "download" and phases[-2:] == ["package", "ready"], phases
    downloads = [p for p in progress if p["phase"] == "download"]
    loaded = [p["loaded"] for p in downloads]
    assert loaded == sorted(loaded) and loaded[-1] == downloads[0]["total"] > 5_000_000
    elapsed = [p["elapsedMs"] for p in progress]
    assert elapsed == sorted(elapsed)
    # A late listener hears the latest at once.
    assert worker_page.evaluate("new Promise(resolve => SSEClient.onProgress(p => resolve(p.phase)))") == "ready"


def test_no_python_proxy_outlives_a_chat_in_the_worker(worker_page: Page, backend: str) -> None:
    # The page has no Pyodide; the worker's own SSEClient (mode "host") has it.
    (worker,) = worker_page.workers
    result = {"mode": worker.evaluate("SSEClient.mode"), **python_proxies_after_chats(worker_page, worker, backend)}
    assert result == {"mode": "host", "afterChats": 0, "withLeak": 1}


# --- when the worker cannot start -------------------------------------------------------------


def ready_error(page: Page) -> Any:
    return page.evaluate("""SSEClient.ready.then(() => "ready",
        e => ({ name: e.name, type: e.type, message: e.message, isError: e instanceof SSEClient.SSEClientError }))""")


def test_a_policy_that_forbids_workers_rejects_ready_clearly(browser: Browser, site: str) -> None:
    page = open_page(browser, f"{site}/no-workers.html")
    try:
        error = ready_error(page)
        chat = page.evaluate("SSEClient.chatWithModelStream({ model: 'demo' }, () => {}).catch(e => e.type)")
        errors = page.page_errors  # type: ignore[attr-defined]
    finally:
        page.context.close()
    assert error["type"] == "NETWORK" and error["isError"], error
    assert "worker could not start" in error["message"], error
    assert chat == "NETWORK"  # the calls reject with it too
    assert errors == []  # the worker's failure is reported by `ready` only


def test_a_loader_the_worker_cannot_import_rejects_ready_clearly(browser: Browser, site: str, no_cors_bundle: str) -> None:
    # Served without CORS: fine for a <script> tag, not for the worker's module import.
    page = open_page(browser, f"{site}/no-cors.html")
    try:
        error = ready_error(page)
        errors = page.page_errors  # type: ignore[attr-defined]
    finally:
        page.context.close()
    assert error["type"] == "NETWORK", error
    assert "could not import" in error["message"] and no_cors_bundle in error["message"], error
    assert errors == []


def test_an_unknown_boot_mode_rejects_ready_with_a_client_error(browser: Browser, site: str) -> None:
    page = open_page(browser, f"{site}/unknown.html")
    try:
        error = ready_error(page)
    finally:
        page.context.close()
    assert (error["type"], error["isError"]) == ("CLIENT", True)
    assert 'data-boot="threads"' in error["message"] and '"worker"' in error["message"]
