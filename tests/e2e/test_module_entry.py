"""The ES module entry, `dist/sse-client.mjs`: the same loader as the script tag's, imported.

On a plain page on another origin (the module alone; imported twice, then a script tag added:
one Python), with `?boot=worker` (Python in the library's own worker, as `data-boot="worker"`),
in a user's own module Web Worker (no `document`, no `window`), and after a script tag on the
same page (the tag's API, reused). `version` is pyproject.toml's, `build` the content hash.
Each page boots once for the module, whatever SSE_CLIENT_BOOT says (the pages choose).
"""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from sse_client.testing.launcher import http_server_thread
from sse_client.testing.mock_script import DEFAULT_REPLY

from .conftest import ROOT, QuietHandler

sys.path.insert(0, str(ROOT))
import build  # noqa: E402  (build.py at the top of the repository)

NAMES = ["ready", "configure", "chatWithModelStream", "authFetch", "onProgress", "SSEClientError", "version", "build"]

# Every test page: the module's API and window.SSEClient side by side, and a chat through the
# imported functions (not window.SSEClient).
MODULE_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>module page</title>{head}</head>
<body><pre id="out"></pre>
<script type="module">
import SSEClient, {{ ready, configure, chatWithModelStream, authFetch, onProgress, SSEClientError, version, build }}
  from "{module}";
window.imported = {{ SSEClient, ready, configure, chatWithModelStream, authFetch, onProgress, SSEClientError, version, build }};
window.chat = async function (endpoint) {{
  await ready;
  configure({{ endpoint, getToken: async () => "module-token" }});
  const out = document.getElementById("out");
  const chunks = [], statuses = [];
  const text = await chatWithModelStream({{ model: "demo", messages: [{{ role: "user", content: "Hi" }}] }},
    chunk => {{ chunks.push(chunk); out.textContent += chunk; }}, status => {{ if (statuses.at(-1) !== status.state) statuses.push(status.state); }});
  return {{ text, chunks, statuses, page: out.textContent }};
}};
</script>
{body}</body></html>
"""

# A user's own module worker: imports the module, streams a chat and reads a stream with the
# reader API when the page asks, and says what it is running in.
USER_WORKER = """import SSEClient, {{ ready, configure, chatWithModelStream, authFetch, version, build }} from "{module}";

self.onmessage = async (event) => {{
  const [endpoint] = event.data;
  try {{
    await ready;
    configure({{ endpoint }});
    const chunks = [], statuses = [];
    const text = await chatWithModelStream({{ model: "demo", messages: [{{ role: "user", content: "Hi" }}] }},
      chunk => chunks.push(chunk), status => {{ if (statuses.at(-1) !== status.state) statuses.push(status.state); }});
    const reader = await authFetch(endpoint, {{ method: "POST", headers: {{ "Content-Type": "application/json" }},
                                                body: JSON.stringify({{ model: "demo", messages: [], stream: true }}) }},
                                   {{ stream: true }});
    const streamed = await reader.readToCompletion();
    self.postMessage({{ ok: true, text, chunks, statuses, streamed, mode: SSEClient.mode, version, build,
                       hasDocument: typeof document !== "undefined", hasWindow: typeof window !== "undefined",
                       isGlobal: self.SSEClient === SSEClient, hasPyodide: SSEClient.pyodide !== null }});
  }} catch (error) {{
    self.postMessage({{ ok: false, error: String(error), type: error.type }});
  }}
}};
"""

USER_WORKER_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>a user's worker</title></head><body>
<script>
window.askWorker = (endpoint) => new Promise(resolve => {
  const worker = new Worker("user-worker.js", { type: "module" });
  worker.onmessage = event => { resolve(event.data); worker.terminate(); };
  worker.onerror = event => resolve({ ok: false, error: "worker error: " + event.message });
  worker.postMessage([endpoint]);
});
</script></body></html>
"""

# Resources the page itself fetched for Python (in page mode: none go through a worker).
PYTHON_DOWNLOADS = """() => performance.getEntriesByType("resource").map(e => e.name)
  .filter(name => /pyodide\\.js$|pyodide\\.asm\\.wasm$|runtime\\.zip$/.test(name)).length"""


@pytest.fixture(scope="module")
def site(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("module-site")
    module = f"{backend}/dist/sse-client.mjs"
    tag = f'<script src="{backend}/dist/sse-client.js"></script>'
    # The module alone; then imported again by another URL, and a script tag added: one Python.
    again = f"""<script type="module">
      import * as second from "{module}?again";
      window.second = second;
      const tag = document.createElement("script");
      tag.src = "{backend}/dist/sse-client.js";
      tag.onload = () => {{ window.tagLoaded = true; }};
      document.head.appendChild(tag);
    </script>"""
    (root / "module.html").write_text(MODULE_PAGE.format(head="", module=module, body=again), encoding="utf-8")
    (root / "worker-mode.html").write_text(MODULE_PAGE.format(head="", module=module + "?boot=worker", body=""),
                                           encoding="utf-8")
    (root / "tag-first.html").write_text(MODULE_PAGE.format(head=tag, module=module, body=""), encoding="utf-8")
    (root / "user-worker.html").write_text(USER_WORKER_PAGE, encoding="utf-8")
    (root / "user-worker.js").write_text(USER_WORKER.format(module=module), encoding="utf-8")
    with http_server_thread(functools.partial(JavaScriptHandler, directory=str(root))) as base:
        yield base


class JavaScriptHandler(QuietHandler):
    """A module worker's script must come as JavaScript, whatever the machine's mime.types say."""

    extensions_map = {**QuietHandler.extensions_map, ".js": "text/javascript"}


@contextmanager
def open_page(browser: Browser, url: str) -> Iterator[Page]:
    """The page at `url` in its own context; no uncaught error or unhandled rejection on it."""
    context = browser.new_context()
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(f"{error.name}: {error.message}"))
        page.goto(url)
        yield page
        assert errors == [], f"the page reported uncaught errors: {errors}"
    finally:
        context.close()


@pytest.fixture(scope="module")
def module_page(browser: Browser, site: str) -> Iterator[Page]:
    with open_page(browser, f"{site}/module.html") as page:
        page.wait_for_function("window.imported && window.second && window.tagLoaded")
        page.evaluate("imported.ready")
        yield page


@pytest.fixture(scope="module")
def worker_mode_page(browser: Browser, site: str) -> Iterator[Page]:
    with open_page(browser, f"{site}/worker-mode.html") as page:
        page.wait_for_function("window.imported !== undefined")
        page.evaluate("imported.ready")
        yield page


def chat(page: Page, endpoint: str) -> dict[str, Any]:
    result: dict[str, Any] = page.evaluate("(endpoint) => chat(endpoint)", endpoint)
    return result


def test_the_module_exports_the_api_and_streams_a_chat(module_page: Page, backend: str) -> None:
    exported = module_page.evaluate(f"""() => {{
      const names = {NAMES};
      return {{ same: names.every(name => imported[name] === imported.SSEClient[name]),
               types: names.map(name => typeof imported[name]),
               isGlobal: imported.SSEClient === window.SSEClient, mode: imported.SSEClient.mode,
               isClass: new imported.SSEClientError({{ type: "CLIENT", message: "x" }}) instanceof Error }};
    }}""")
    assert exported == {"same": True, "isGlobal": True, "mode": "page", "isClass": True,
                        "types": ["object", "function", "function", "function", "function", "function", "string", "string"]}

    result = chat(module_page, f"{backend}/api/chat?delay_ms=5&chunk_chars=10")
    assert result["text"] == result["page"] == DEFAULT_REPLY
    assert "".join(result["chunks"]) == DEFAULT_REPLY and len(result["chunks"]) > 1  # streamed, in pieces
    assert result["statuses"] == ["connecting", "streaming", "completed"]


def test_importing_again_and_a_script_tag_boot_python_once(module_page: Page) -> None:
    seen = module_page.evaluate("""() => ({
      sameAsSecondImport: window.second.default === imported.SSEClient && window.second.ready === imported.ready,
      sameAfterTag: window.SSEClient === imported.SSEClient,
      pyodideScripts: document.querySelectorAll('script[src$="pyodide.js"]').length,
    })""")
    assert seen == {"sameAsSecondImport": True, "sameAfterTag": True, "pyodideScripts": 1}
    assert module_page.evaluate(PYTHON_DOWNLOADS) == 3  # pyodide.js, the .wasm and the runtime zip, once each


def test_version_is_the_packages_and_build_the_content_hash(module_page: Page, bundle: Path) -> None:
    version, build_hash = module_page.evaluate("[imported.version, imported.build]")
    assert version == build.project_version()
    assert re.fullmatch(r"\d+\.\d+\.\d+\S*", version)
    loader = (bundle / "sse-client.js").read_text(encoding="utf-8")
    assert re.fullmatch(r"[0-9a-f]{12}", build_hash) and f'"build": "{build_hash}"' in loader


def test_boot_worker_in_the_module_url_runs_python_in_a_worker(worker_mode_page: Page, backend: str) -> None:
    assert worker_mode_page.evaluate("[imported.SSEClient.mode, imported.SSEClient.pyodide]") == ["worker", None]
    # The page fetched nothing of Python's: the worker did.
    assert worker_mode_page.evaluate(PYTHON_DOWNLOADS) == 0
    result = chat(worker_mode_page, f"{backend}/api/chat?delay_ms=5&chunk_chars=10")
    assert result["text"] == result["page"] == DEFAULT_REPLY
    assert result["statuses"] == ["connecting", "streaming", "completed"]


def test_a_script_tag_then_the_module_share_one_python(browser: Browser, site: str, backend: str) -> None:
    with open_page(browser, f"{site}/tag-first.html") as page:
        page.wait_for_function("window.imported !== undefined")
        page.evaluate("imported.ready")
        assert page.evaluate("imported.SSEClient === window.SSEClient && imported.ready === SSEClient.ready")
        assert page.evaluate(PYTHON_DOWNLOADS) == 3
        result = chat(page, f"{backend}/api/chat?delay_ms=1")
        assert result["text"] == DEFAULT_REPLY


def test_a_users_own_module_worker_imports_it_and_streams(browser: Browser, site: str, backend: str) -> None:
    with open_page(browser, f"{site}/user-worker.html") as page:
        # Protocol-relative: only the worker's own location completes it (there is no document).
        endpoint = backend.removeprefix("http:") + "/api/chat?delay_ms=1&chunk_chars=10"
        result = page.evaluate("(endpoint) => askWorker(endpoint)", endpoint)
        assert result["ok"], result
        assert result["text"] == result["streamed"] == DEFAULT_REPLY
        assert "".join(result["chunks"]) == DEFAULT_REPLY and len(result["chunks"]) > 1
        assert result["statuses"] == ["connecting", "streaming", "completed"]
        assert (result["hasDocument"], result["hasWindow"]) == (False, False)
        assert (result["mode"], result["isGlobal"], result["hasPyodide"]) == ("page", True, True)
        assert result["version"] == build.project_version()
