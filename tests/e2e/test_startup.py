"""Start-up as a page sees it: what the loader downloads (only the precompiled runtime, never
Pyodide's whole standard library or its package list), the progress it reports, tracebacks
that still name file and line without sources, and the memory snapshot option: used when the
bundle has one, reseeded so that two pages draw different jitter, and a clean fallback to the
normal boot when it was made for another Pyodide build.
"""

from __future__ import annotations

import functools
import gzip
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser

from sse_client.testing.launcher import http_server_thread, mock_backend_process
from tests.e2e.conftest import QuietHandler, build_web_root

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>start-up</title>
<script>
window.progress = [];
</script>
<script src="{loader}"></script>
<script>
SSEClient.onProgress(p => window.progress.push(p));
</script>
</head><body></body></html>
"""


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Serves a page per bundle URL, from another origin than the bundle."""
    root = tmp_path_factory.mktemp("startup-pages")
    handler = functools.partial(QuietHandler, directory=str(root))
    with http_server_thread(handler) as base:
        def page_for(backend: str) -> str:
            name = f"page-{abs(hash(backend))}.html"
            (root / name).write_text(PAGE.format(loader=f"{backend}/dist/sse-client.js"), encoding="utf-8")
            return f"{base}/{name}"
        yield page_for


@pytest.fixture(scope="module")
def snapshot_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_web_root(tmp_path_factory.mktemp("snapshot-web"), snapshot=True)


@pytest.fixture(scope="module")
def snapshot_backend(snapshot_root: Path) -> Iterator[str]:
    with mock_backend_process(snapshot_root) as base:
        yield base


@pytest.fixture(scope="module")
def foreign_snapshot_backend(snapshot_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The snapshot bundle with a snapshot that says it was made by another Pyodide build."""
    root = tmp_path_factory.mktemp("foreign-snapshot-web")
    shutil.copytree(snapshot_root / "dist", root / "dist")
    (snapshot,) = (root / "dist").glob("app-*/snapshot.bin")
    data = bytearray(snapshot.read_bytes())
    data[16:48] = b"0" * 32  # the build id Pyodide writes into the snapshot's header
    snapshot.write_bytes(bytes(data))
    (snapshot.parent / "snapshot.bin.gz").write_bytes(gzip.compress(bytes(data), compresslevel=1))
    with mock_backend_process(root) as base:
        yield base


def boot(browser: Browser, url: str) -> tuple[Any, list[str]]:
    """A new page (empty cache) at `url`, ready; and the URLs it requested."""
    context = browser.new_context()
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(url)
    page.evaluate("SSEClient.ready")
    return page, requested


def chat(page: Any, backend: str) -> str:
    return str(page.evaluate(
        """async (endpoint) => {
          SSEClient.configure({ endpoint });
          return await SSEClient.chatWithModelStream({ model: "m", messages: [] }, () => {});
        }""", f"{backend}/api/chat?text=booted+fine&chunk_chars=3"))


def test_the_loader_downloads_the_precompiled_runtime_and_nothing_else(
        browser: Browser, backend: str, pages: Any) -> None:
    page, requested = boot(browser, pages(backend))
    try:
        names = sorted(url.rsplit("/", 1)[1] for url in requested if "/dist/" in url)
        assert names == ["pyodide.asm.mjs", "pyodide.asm.wasm", "pyodide.js", "runtime.zip", "sse-client.js"]
        assert page.evaluate("[SSEClient.fromSnapshot, SSEClient.snapshotError]") == [False, None]
        assert chat(page, backend) == "booted fine"
    finally:
        page.context.close()


def test_progress_reports_the_phases_and_the_bytes(browser: Browser, backend: str, pages: Any) -> None:
    page, _ = boot(browser, pages(backend))
    try:
        progress = page.evaluate("window.progress")
        phases = [p["phase"] for p in progress]
        # In order, each phase once after the downloads.
        assert phases[0] == "download"
        assert phases[-3:] == ["start", "package", "ready"]
        assert phases.count("start") == 1
        downloads = [p for p in progress if p["phase"] == "download"]
        total = downloads[0]["total"]
        assert total > 5_000_000  # the wasm and the runtime zip, uncompressed
        loaded = [p["loaded"] for p in downloads]
        assert loaded == sorted(loaded)
        assert loaded[-1] == total  # every byte counted, none twice (gzip or not: decoded bytes)
        assert len(downloads) > 3  # a real bar, not a jump from 0 to done
        elapsed = [p["elapsedMs"] for p in progress]
        assert elapsed == sorted(elapsed)
        # A late listener hears the latest at once, and can unsubscribe.
        assert page.evaluate("""() => {
          const heard = [];
          const stop = SSEClient.onProgress(p => heard.push(p.phase));
          stop();
          return heard;
        }""") == ["ready"]
    finally:
        page.context.close()


def test_a_traceback_from_the_precompiled_package_names_file_and_line(
        browser: Browser, backend: str, pages: Any) -> None:
    page, _ = boot(browser, pages(backend))
    try:
        message = page.evaluate("""() => {
          try { SSEClient.pyodide.runPython("import sse_client.parser as p; p.EventStreamParser(max_event_bytes='x')"); }
          catch (error) { return error.message; }
        }""")
        assert 'File "/lib/python314.zip/sse_client/parser.py", line ' in message
        assert "in __init__" in message
    finally:
        page.context.close()


def test_a_bundle_with_a_snapshot_boots_from_it(browser: Browser, snapshot_backend: str, pages: Any) -> None:
    page, requested = boot(browser, pages(snapshot_backend))
    try:
        assert any(url.endswith("/snapshot.bin") for url in requested)
        assert page.evaluate("[SSEClient.fromSnapshot, SSEClient.snapshotError]") == [True, None]
        # The package was imported when the snapshot was made, not by this page.
        assert page.evaluate("SSEClient.pyodide.runPython('import sys; \"sse_client.bridge\" in sys.modules')")
        assert chat(page, snapshot_backend) == "booted fine"
    finally:
        page.context.close()


def test_two_pages_from_one_snapshot_draw_different_jitter(
        browser: Browser, snapshot_backend: str, pages: Any) -> None:
    # The jitter's random source is the configured `random`, by default Python's random.random:
    # frozen in the snapshot, it would be the same sequence on every page.
    draws = []
    for _ in range(2):
        page, _ = boot(browser, pages(snapshot_backend))
        try:
            draws.append(page.evaluate(
                "SSEClient.pyodide.runPython('from sse_client.config import ClientConfig; "
                "r = ClientConfig().random; [r() for _ in range(3)]').toJs()"))
        finally:
            page.context.close()
    assert draws[0] != draws[1]


def test_a_snapshot_of_another_build_falls_back_to_the_normal_boot(
        browser: Browser, foreign_snapshot_backend: str, pages: Any) -> None:
    page, _ = boot(browser, pages(foreign_snapshot_backend))
    try:
        assert "build id mismatch" in page.evaluate("String(SSEClient.snapshotError)")
        assert page.evaluate("SSEClient.fromSnapshot") is False
        assert chat(page, foreign_snapshot_backend) == "booted fine"
    finally:
        page.context.close()


def test_the_demo_shows_a_progress_bar_while_python_boots(browser: Browser, backend: str) -> None:
    context = browser.new_context()
    page = context.new_page()
    try:
        # Record what the bar showed, every time it changed, until ready.
        page.add_init_script("""
          window.bootShown = [];
          new MutationObserver(() => {
            const bar = document.getElementById("boot-bar"), text = document.getElementById("boot-text");
            if (bar && text) window.bootShown.push([bar.value, text.textContent]);
          }).observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
        """)
        page.goto(f"{backend}/")
        page.wait_for_selector("#send:not([disabled])", timeout=60_000)
        shown = page.evaluate("window.bootShown")
        texts = [text for _, text in shown]
        downloading = [value for value, text in shown if text.startswith("Downloading the Python runtime")]
        assert len(set(downloading)) > 2 and downloading == sorted(downloading)  # it moved, forwards
        assert "Starting Python..." in texts and "Loading sse_client..." in texts
        assert page.locator("#boot").is_hidden()
    finally:
        context.close()
