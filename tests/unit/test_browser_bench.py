"""The browser benchmark harness (bench/browser_bench.py), without a browser: it imports, its
command line explains itself, and its small pieces (statistics, the static server, the expected
replies) are right. The benchmark itself runs only from its command line."""

from __future__ import annotations

import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from bench import browser_bench

ROOT = Path(__file__).resolve().parents[2]


def test_help_names_the_options_and_the_browser_variable() -> None:
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "browser_bench.py"), "--help"],
                            capture_output=True, text=True, cwd=ROOT, check=True)
    for word in ("--quick", "--output", "CHROMIUM_PATH", "Markdown"):
        assert word in result.stdout


def test_percentile_interpolates_between_ranks() -> None:
    values = [float(v) for v in range(1, 101)]
    assert browser_bench.percentile(values, 50) == 50.5
    assert browser_bench.percentile(values, 99) == 99.01
    assert browser_bench.percentile([3.0], 99) == 3.0


def test_expected_reply_follows_the_mock_options() -> None:
    reply = browser_bench.expected_reply("format=openai&events=4&chunk_chars=2&text=abcde&session=x")
    assert reply == "abcdeab"
    assert browser_bench.js_length("a🚀") == 3  # UTF-16 code units, as JS counts


def test_missing_chromium_fails_with_what_to_do(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHROMIUM_PATH", str(ROOT / "no-such-chromium"))
    with pytest.raises(SystemExit, match="CHROMIUM_PATH"):
        browser_bench.find_chromium()


def test_static_site_serves_pages_wasm_and_blobs() -> None:
    with browser_bench.static_site({"/corpora/x": b"data: x\n\n"}) as site:
        with urllib.request.urlopen(f"{site}/bench/clients.html") as response:
            assert b"sse-client.js" in response.read()
            assert response.headers["Cache-Control"] == "no-cache"
        with urllib.request.urlopen(f"{site}/corpora/x") as response:
            assert response.read() == b"data: x\n\n"
        if (browser_bench.DIST / "pyodide" / "pyodide.asm.wasm").exists():
            request = urllib.request.Request(f"{site}/dist/pyodide/pyodide.asm.wasm", method="HEAD")
            with urllib.request.urlopen(request) as response:
                assert response.headers["Content-Type"] == "application/wasm"
                assert response.headers["Cache-Control"] == "max-age=3600"
