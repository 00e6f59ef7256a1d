"""End-to-end fixtures: the built bundle, the mock backend as a real HTTP server in its own
process, and a plain HTML page on another origin that loads the bundle by script tag.

Pyodide takes seconds to boot, so the page is booted once per test module.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Worker

from sse_client.testing.launcher import http_server_thread, mock_backend_process

ROOT = Path(__file__).resolve().parents[2]
PAGE_PATH = "/any/nested/path/chat.html"

# A page as a web developer would write it: one script tag from the backend's origin, then the
# API. `runChat` records what a user would see: the text on the page, the statuses, and when
# each chunk arrived.
USER_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>plain page</title>
<script src="{bundle}"{boot}></script></head>
<body><pre id="out"></pre><p id="status"></p>
<script>
// Every chat configures every option, so that no test inherits another's settings. Tests use
// short delays; the defaults of the library are seconds.
window.TEST_DEFAULTS = {{
  streaming: true, fallback: true, getToken: null, format: "auto",
  retry: {{ baseDelayMs: 50, factor: 2, maxDelayMs: 200, maxRetries: 3, retryAfterCapMs: 30000, healthyAfterMs: 10000 }},
  timeouts: {{ firstByteMs: 5000, idleMs: 1000, noProgressMs: 2000, totalMs: null }},
  circuit: {{ failureThreshold: 5, coolDownMs: 30000 }},
}};
window.runChat = async function (endpoint, request, options, config) {{
  const out = document.getElementById("out");
  const line = document.getElementById("status");
  out.textContent = "";
  const chunks = [], chunkTimes = [], statuses = [];
  SSEClient.configure({{ ...TEST_DEFAULTS, ...(config || {{}}), endpoint }});
  const started = Date.now();
  try {{
    const text = await SSEClient.chatWithModelStream(
      request || {{ model: "demo", messages: [{{ role: "user", content: "Hello" }}] }},
      chunk => {{ out.textContent += chunk; chunks.push(chunk); chunkTimes.push(Date.now()); }},
      status => {{ statuses.push({{ ...status, at: Date.now() }}); line.textContent = status.state + " " + (status.message ?? ""); }},
      options);
    return {{ ok: true, text, chunks, chunkTimes, statuses, started, page: out.textContent }};
  }} catch (error) {{
    return {{ ok: false, chunks, chunkTimes, statuses, started, page: out.textContent,
             error: {{ name: error.name, type: error.type, status: error.status,
                      retryable: error.retryable, message: error.message,
                      causes: error.causes.map(c => ({{ type: c.type, status: c.status, isError: c instanceof Error }})),
                      isError: error instanceof Error }} }};
  }}
}};
</script></body></html>
"""


# How the bundle boots in this run: "page" (the default), "worker" (data-boot="worker"),
# "snapshot" (a bundle built with a memory snapshot) or "module" (the ES module entry). build.py test runs the e2e suite once more
# for each option.
BOOT = os.environ.get("SSE_CLIENT_BOOT", "page")
if BOOT not in ("page", "worker", "snapshot", "module"):
    raise pytest.UsageError(f"SSE_CLIENT_BOOT={BOOT!r}: expected page, worker, snapshot or module")


def boot_attribute(boot: str) -> str:
    """The script tag's attribute that asks for `boot` ("worker": data-boot="worker"; "module":
    the tag loads the ES module entry, sse-client.mjs, as a module script)."""
    return {"worker": ' data-boot="worker"', "module": ' type="module"'}.get(boot, "")


def bundle_entry(backend: str) -> str:
    """The URL the test page's script tag loads: the ES module entry in the "module" run."""
    return f"{backend}/dist/sse-client.{'mjs' if BOOT == 'module' else 'js'}"


def build_web_root(root: Path, *, snapshot: bool) -> Path:
    """A web root like web/ (dist/ and demo/) with a bundle built into it; for variants of the
    bundle that must not replace web/dist."""
    import build  # build.py at the top of the repository

    build.build(root / "dist", snapshot=snapshot)
    (root / "demo").symlink_to(ROOT / "web" / "demo")
    return root


@pytest.fixture(scope="session")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundle built from the current sources (a no-op rebuild is quick)."""
    if BOOT == "snapshot":
        return build_web_root(tmp_path_factory.mktemp("web"), snapshot=True) / "dist"
    subprocess.run([sys.executable, str(ROOT / "build.py")], check=True, cwd=ROOT)
    return ROOT / "web" / "dist"


@pytest.fixture(scope="session")
def backend(bundle: Path) -> Iterator[str]:
    """Base URL of the mock backend, started exactly as the README says."""
    with mock_backend_process(bundle.parent) as base:
        yield base


@pytest.fixture(scope="session")
def page_origin(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Another origin (its own port) serving a plain page at a nested path."""
    root = tmp_path_factory.mktemp("site")
    page = root / PAGE_PATH.lstrip("/")
    page.parent.mkdir(parents=True)
    page.write_text(USER_PAGE.format(bundle=bundle_entry(backend), boot=boot_attribute(BOOT)), encoding="utf-8")
    handler = functools.partial(QuietHandler, directory=str(root))
    with http_server_thread(handler) as base:
        yield base


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def chat_page(browser: Browser, page_origin: str) -> Iterator[Page]:
    """The plain page, booted once per module, with `SSEClient.ready` resolved."""
    context = browser.new_context()
    yield open_chat_page(context, page_origin)
    context.close()


def open_chat_page(context: BrowserContext, page_origin: str) -> Page:
    """A new page of `context` on the plain page, booted the way this run asks (`BOOT`), with
    `SSEClient.ready` resolved and its uncaught errors collected in `page.page_errors`."""
    page = context.new_page()
    # Uncaught exceptions and unhandled promise rejections: none may reach a user's page.
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(f"{error.name}: {error.message}"))
    page.page_errors = errors  # type: ignore[attr-defined]
    page.goto(page_origin + PAGE_PATH)
    page.wait_for_function("window.SSEClient !== undefined")
    page.evaluate("SSEClient.ready")
    if BOOT == "snapshot":  # the run is worth nothing if the page quietly booted the normal way
        assert page.evaluate("[SSEClient.fromSnapshot, SSEClient.snapshotError]") == [True, None]
    assert page.evaluate("SSEClient.mode") == ("worker" if BOOT == "worker" else "page")
    if BOOT == "module":  # the ES module entry, not the script-tag loader, booted this page
        assert page.evaluate("performance.getEntriesByType('resource').map(e => e.name)"
                             ".some(name => name.endsWith('/dist/sse-client.mjs'))")
    return page


@pytest.fixture(autouse=True)
def no_page_errors(request: pytest.FixtureRequest) -> Iterator[None]:
    """After each test on the module's page: no uncaught error or unhandled rejection."""
    yield
    if "chat_page" in request.fixturenames:
        assert_no_page_errors(request.getfixturevalue("chat_page"))


def assert_no_page_errors(page: Page) -> None:
    """No uncaught error or unhandled rejection on `page` (as `open_chat_page` collects them)
    since the last check."""
    errors = list(page.page_errors)  # type: ignore[attr-defined]
    page.page_errors.clear()  # type: ignore[attr-defined]
    assert errors == [], f"the page reported uncaught errors: {errors}"


def python_proxies_after_chats(page: Page, runtime: Page | Worker, backend: str) -> dict[str, int]:
    """Pyodide's own allocation tracer in `runtime` (the page, or the worker whose SSEClient has
    Pyodide) over three chats and a cancelled one on `page`: the PyProxies alive after them
    (`afterChats`), and with one deliberate leak (`withLeak`, which shows the tracer works)."""
    runtime.evaluate("""() => {
      SSEClient.pyodide.runPython("None"); // Pyodide keeps a proxy of its own from the first runPython
      SSEClient.pyodide._module.enable_pyproxy_allocation_tracing();
    }""")
    try:
        page.evaluate(
            """async (endpoint) => {
              SSEClient.configure({ endpoint });
              for (let i = 0; i < 3; i++) {
                await SSEClient.chatWithModelStream({}, () => {}, () => {}, { signal: new AbortController().signal });
              }
              try { await SSEClient.chatWithModelStream({}, () => {}, () => {}, { signal: AbortSignal.abort() }); }
              catch (e) {}
            }""",
            f"{backend}/api/chat?delay_ms=0",
        )
        counts: dict[str, int] = runtime.evaluate("""() => {
          const afterChats = SSEClient.pyodide._module.pyproxy_alloc_map.size;
          const leak = SSEClient.pyodide.runPython("object()");
          const withLeak = SSEClient.pyodide._module.pyproxy_alloc_map.size;
          leak.destroy();
          return { afterChats, withLeak };
        }""")
    finally:
        runtime.evaluate("() => SSEClient.pyodide._module.disable_pyproxy_allocation_tracing()")
    return counts


def wait_until(condition: Callable[[], bool], *, timeout: float = 5.0, what: str = "the condition") -> None:
    """Poll `condition` until it holds (no fixed waits: a busy machine is slow, a quiet one fast);
    fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout} s")
        time.sleep(0.02)


class BackendLog:
    """The mock backend's request log, over HTTP."""

    def __init__(self, base: str) -> None:
        self.base = base

    def clear(self) -> None:
        request = urllib.request.Request(f"{self.base}/api/mock/requests", method="DELETE")
        urllib.request.urlopen(request, timeout=5).close()

    def entries(self) -> list[dict[str, Any]]:
        with urllib.request.urlopen(f"{self.base}/api/mock/requests", timeout=5) as response:
            return list(json.load(response))


@pytest.fixture
def backend_log(backend: str) -> BackendLog:
    log = BackendLog(backend)
    log.clear()
    return log
