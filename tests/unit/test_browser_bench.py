"""The browser benchmark harness (bench/browser_bench.py), without a browser: it imports, its
command line explains itself, and its small pieces (statistics, the static server, the expected
replies) are right. The benchmark itself runs only from its command line."""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path

import pytest

from bench import browser_bench, dialect_bench, startup_bench
from sse_client.testing.mock_dialects import FORMATS

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
        for wasm in browser_bench.DIST.glob("pyodide-*/pyodide.asm.wasm"):  # once built
            path = wasm.relative_to(browser_bench.DIST).as_posix()
            request = urllib.request.Request(f"{site}/dist/{path}", method="HEAD")
            with urllib.request.urlopen(request) as response:
                assert response.headers["Content-Type"] == "application/wasm"
                assert response.headers["Cache-Control"] == "max-age=3600"


def test_static_site_serves_generated_pages_as_html() -> None:
    pages = startup_bench.clients_pages()
    with browser_bench.static_site(pages) as site:
        for path, content in pages.items():
            with urllib.request.urlopen(f"{site}{path}") as response:
                assert response.read() == content
                assert response.headers["Content-Type"].startswith("text/html")


# --- the per-dialect section (bench/dialect_bench.py) -----------------------------------------


def test_every_dialect_of_the_mock_has_a_js_reader_in_the_clients_page() -> None:
    script = (ROOT / "bench" / "pages" / "clients.js").read_text(encoding="utf-8")
    table = script[script.index("const DIALECTS = {"):script.index("\n};", script.index("const DIALECTS = {"))]
    readers = set(re.findall(r"^  (\w+)\(event, data\) \{", table, flags=re.MULTILINE))
    assert readers == set(FORMATS)


def test_dialect_query_writes_one_event_per_write_and_names_its_reply() -> None:
    query = dialect_bench.query("tgi", 7)
    assert "batch_bytes" not in query and "delay_ms=0" in query and "format=tgi" in query
    assert browser_bench.expected_reply(query) == "".join(
        browser_bench.expected_pieces(query)) != ""
    assert len(browser_bench.expected_pieces(query)) == 7


def test_standard_and_openai_must_reach_one_and_a_half_the_others_parity() -> None:
    assert {name: dialect_bench.target(name) for name in FORMATS} == {
        name: 1.5 if name in ("standard", "openai") else 1.0 for name in FORMATS}


def _runs(dialect: str, ours: float, js: float, *, ok: bool = True) -> dialect_bench.DialectRuns:
    return dialect_bench.DialectRuns(
        dialect=dialect, rates={"ours": [ours, ours * 2, ours / 2], "jsPipeline": [js],
                                "fetchOnly": [50_000.0]},
        replayed={"ours": [ours], "jsPipeline": [js], "fetchOnly": [500_000.0]}, pieces=12,
        body_bytes=1_000, reads=[3, 5], ok={"ours": ok, "jsPipeline": True})


def test_dialect_verdicts_use_each_rounds_ratio_and_require_the_right_reply() -> None:
    # Rounds of 1.2x, 1.5x and 2.0x: 1.5x met, though the ratio of the medians is 30 / 25.
    runs = dialect_bench.DialectRuns(
        dialect="standard", rates={"ours": [30.0, 45.0, 20.0], "jsPipeline": [25.0, 30.0, 10.0],
                                   "fetchOnly": [50.0] * 3},
        replayed={"ours": [1.0], "jsPipeline": [1.0], "fetchOnly": [1.0]}, pieces=12,
        body_bytes=1_000, reads=[3, 5], ok={"ours": True, "jsPipeline": True})
    assert (runs.ratio, runs.ratio_of_medians, runs.met) == (1.5, 1.2, True)
    assert _runs("openai", 30_000, 20_000).ratio == 1.5
    assert _runs("openai", 30_000, 20_000).met
    assert not _runs("openai", 29_000, 20_000).met
    assert _runs("tgi", 20_000, 20_000).met
    assert not _runs("tgi", 40_000, 20_000, ok=False).met


def test_dialect_section_states_worst_and_best_and_adds_its_two_targets() -> None:
    result = dialect_bench.DialectThroughput(events=10, rounds=1, dialects=[
        _runs("openai", 40_000, 20_000), _runs("tgi", 10_000, 20_000),
        _runs("raw", 30_000, 20_000, ok=False)])
    targets: list[tuple[str, str, bool]] = []
    text = "\n".join(dialect_bench.section(result, targets))
    assert "worst 0.50× (`tgi`), best 2.00× (`openai`); target met in 1 of 3" in text
    assert "wrong reply: ours" in text
    assert "Ratio (a)/(b) from memory: worst 0.50× (`tgi`), best 2.00× (`openai`)" in text
    assert [(name.split(":")[0], measured, ok) for name, measured, ok in targets] == [
        ("One event per write, every dialect",
         "worst 0.50× (`tgi`), best 2.00× (`openai`); ≥ 1.0× in 1 of 3", False),
        ("One event per write, `openai`", "`openai` 2.00×", True)]


def test_rendered_streams_are_the_mocks_frames_one_event_each() -> None:
    for dialect in FORMATS:
        stream = dialect_bench.render_stream(dialect, 7)
        frames = stream["frames"]
        assert len(frames) >= 7
        for frame in frames:  # one event per frame: it ends in the only blank line it has
            ending = "\r\n\r\n" if frame.endswith("\r\n\r\n") else "\n\n"
            assert frame.endswith(ending) and ending not in frame[:-len(ending)]
    assert dialect_bench.render_stream("vercel", 3)["headers"] == {
        "x-vercel-ai-ui-message-stream": "v1"}
    assert dialect_bench.render_stream("openai", 3)["frames"][-1].endswith("data: [DONE]\n\n")


def test_events_per_read_takes_the_median_run() -> None:
    assert dialect_bench.events_per_read(1_000, [4, 10, 5]) == 200.0
    assert dialect_bench.events_per_read(1_000, []) != dialect_bench.events_per_read(1_000, [])


@pytest.mark.skipif(shutil.which("node") is None, reason="the event server needs Node")
def test_event_server_writes_the_rendered_frames_with_cors() -> None:
    with dialect_bench.event_server(events=5, dialects=["openai", "vercel"]) as server:
        for dialect in ("openai", "vercel"):
            expected = "".join(dialect_bench.render_stream(dialect, 5)["frames"]).encode()
            for data in (None, b'{"stream": true}'):  # GET (EventSource) and POST
                request = urllib.request.Request(dialect_bench.stream_url(server, dialect),
                                                 data=data, headers={"Origin": "http://a.test"})
                with urllib.request.urlopen(request) as response:
                    assert response.read() == expected
                    assert response.headers["Content-Type"].startswith("text/event-stream")
                    assert response.headers["Cache-Control"] == "no-cache"
                    assert response.headers["Access-Control-Allow-Origin"] == "*"
                    if dialect == "vercel":
                        assert response.headers["x-vercel-ai-ui-message-stream"] == "v1"
        asked = "authorization, idempotency-key, last-event-id, content-type"
        preflight = urllib.request.Request(
            dialect_bench.stream_url(server, "openai"), method="OPTIONS",
            headers={"Origin": "http://a.test", "Access-Control-Request-Method": "POST",
                     "Access-Control-Request-Headers": asked})
        with urllib.request.urlopen(preflight) as response:
            assert response.status == 204
            assert response.headers["Access-Control-Allow-Headers"] == asked
            assert "POST" in response.headers["Access-Control-Allow-Methods"]
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(dialect_bench.stream_url(server, "tgi"))
        assert missing.value.code == 404


def test_dialect_section_shows_the_first_cold_stream_beside_the_measured_ones() -> None:
    runs = dataclasses.replace(_runs("openai", 40_000, 20_000),
                               first={"ours": 10_000.0, "jsPipeline": 20_000.0, "fetchOnly": 30_000.0})
    text = "\n".join(dialect_bench.section(
        dialect_bench.DialectThroughput(events=10_000, rounds=1, dialects=[runs]), []))
    assert "| 0.50× |" in text
    assert "worst 0.50× (`openai`)" in text


# --- the start-up section (bench/startup_bench.py) --------------------------------------------


def test_start_up_variants_are_the_issues_each_a_page_of_its_own() -> None:
    names = [variant.name for variant in startup_bench.VARIANTS]
    assert names[0] == "bare" and len(set(names)) == len(names)
    assert {"bare", "default", "snapshot", "worker"} <= set(names)
    assert len({variant.slug for variant in startup_bench.VARIANTS}) == len(names)
    assert [v.name for v in startup_bench.VARIANTS if not v.loader] == ["bare"]
    with pytest.raises(ValueError):  # the clients page has no snapshot bundle
        startup_bench.Variant("x", snapshot=True, stream=True)


def test_start_up_pages_probe_first_then_boot_as_a_user_page_would() -> None:
    pages = {v.name: startup_bench.startup_page(v, "pyodide-0123456789ab/") for v in startup_bench.VARIANTS}
    for page in pages.values():
        assert "__BOOT__" not in page and "__VARIANT__" not in page
        assert page.count("window.startup =") == 1
        probe = page.index('observe({ type: "longtask", buffered: true })')
        boot = page.index('<script src="/dist/')
        assert probe < boot  # the observer sees the whole boot
        assert "window.startup =" in page[boot:]
    assert '<script src="/dist/pyodide-0123456789ab/pyodide.js"></script>' in pages["bare"]
    assert "sse-client.js" not in pages["bare"]
    assert '<script src="/dist/sse-client.js"></script>' in pages["default"]
    assert pages["snapshot"].count("<script src=") == pages["default"].count("<script src=")
    assert '<script src="/dist/sse-client.js" data-boot="worker"></script>' in pages["worker"]


def test_clients_pages_differ_from_clients_html_only_in_the_loader_tag() -> None:
    source = (ROOT / "bench" / "pages" / "clients.html").read_text(encoding="utf-8")
    pages = startup_bench.clients_pages()
    assert set(pages) == {f"/bench/clients-{v.slug}.html" for v in startup_bench.VARIANTS if v.stream}
    for content in pages.values():
        assert content.decode().replace(' data-boot="worker"', "") == source


def test_without_compression_counts_each_gzipped_body_as_its_file(tmp_path: Path) -> None:
    (tmp_path / "pyodide-x").mkdir()
    (tmp_path / "pyodide-x" / "a.wasm").write_bytes(b"w" * 1_000)
    gzipped = startup_bench.file_transfer("pyodide-x/a.wasm", 300, 100, "gzip", tmp_path)
    assert (gzipped["wire"], gzipped["identity"]) == (300, 1_100)
    cached = startup_bench.file_transfer("pyodide-x/a.wasm", 0, 0, "gzip", tmp_path)
    assert cached["identity"] == 0
    revalidated = startup_bench.file_transfer("pyodide-x/a.wasm", 100, 100, "gzip", tmp_path)
    assert revalidated["identity"] == 100  # a 304: headers only, either way
    plain = startup_bench.file_transfer("sse-client.js", 500, 100, "", tmp_path)
    assert plain["identity"] == 500


def test_a_loader_without_the_boot_mode_is_an_error_not_a_result() -> None:
    worker = startup_bench.Variant("worker", boot="worker")
    assert startup_bench.check_mode(worker, {"mode": "worker"}) == ""
    assert "not 'worker'" in startup_bench.check_mode(worker, {"mode": None})
    assert startup_bench.check_mode(startup_bench.Variant("default"), {"mode": None}) == ""
    assert startup_bench.check_mode(worker, {"error": "not ready after 60000 ms"}) == "not ready after 60000 ms"
    snapshot = startup_bench.Variant("snapshot", snapshot=True)
    assert startup_bench.check_mode(snapshot, {"fromSnapshot": True}) == ""
    assert startup_bench.check_mode(snapshot, {"fromSnapshot": None}) == ""  # a loader that does not say
    assert "without its snapshot" in startup_bench.check_mode(
        snapshot, {"fromSnapshot": False, "snapshotError": "made by another build"})


def _load(ready: float, *, wire: int = 0, identity: int = 0, long_tasks: Sequence[float] = ()) -> dict[str, object]:
    return {"ready": ready, "mode": None, "longTaskSupport": True, "longTasks": list(long_tasks),
            "probe": {"loadPyodideCalled": 10.0, "loadPyodideResolved": ready - 5},
            "progress": {"download": 5.0, "ready": ready},
            "files": [{"path": "pyodide-x/pyodide.asm.wasm", "wire": wire, "identity": identity, "encoding": "gzip"}]}


def test_start_up_section_reports_ratios_targets_and_a_failed_variant_as_na() -> None:
    variants = (startup_bench.Variant("bare", loader=False), startup_bench.Variant("default"),
                startup_bench.Variant("worker", boot="worker", stream=True))
    loads = {("bare", "cold"): [_load(2_000, wire=6_000_000), _load(2_200, wire=6_000_000)],
             ("bare", "warm"): [_load(1_000), _load(1_200)],
             ("default", "cold"): [_load(900, wire=4_900_000, identity=14_000_000, long_tasks=[300])],
             ("default", "warm"): [_load(400)],
             ("worker", "cold"): [], ("worker", "warm"): []}
    result = startup_bench.Startup(
        variants=variants, runs=1, loads=loads, errors={"worker": "cold: SSEClient.mode is None"},
        files=[("default", "pyodide-x/pyodide.asm.wasm", 9_000_000, 3_500_000)],
        package={"pyc": 200_000, "deflated": 90_000, "loader": 9_000})
    streaming = startup_bench.Streaming(events=10, pace_hz=100, rounds=1, samples={"default": [1.0, 2.0]},
                                        ok={"default": True}, errors={"worker": "no worker mode"})
    targets: list[tuple[str, str, bool]] = []
    text = "\n".join(startup_bench.section(result, streaming, targets))
    assert "| `default` | 900 | 900–900 | 0.43× | 4,900 | 14,000 | 1 (1) | 300 | 1 | 900 |" in text
    assert "| `default` | 400 | 400–400 | 0.36× |" in text  # warm, against bare's 1,100
    assert "| `worker` | n/a (error: cold: SSEClient.mode is None) |" in text
    assert "`pyodide-x/pyodide.asm.wasm` | 9,000,000 | 3,500,000 | `bare`, `default`" in text
    verdicts = {name: (measured, ok) for name, measured, ok in targets}
    assert verdicts["Warm ready ≤ 0.35× bare `loadPyodide`: `default`"][1] is False
    assert verdicts["Cold ready ≤ 0.5× bare `loadPyodide`: `default`"] == ("0.43× (900 vs 2,100 ms)", True)
    assert verdicts["Cold ready ≤ 0.5× bare `loadPyodide`: `worker`"] == (
        "n/a (error: cold: SSEClient.mode is None)", False)
    assert verdicts["First visit ≤ 5 MB over the wire with gzip, no snapshot: `default`"][1] is True
    assert verdicts["No main-thread long task over 50 ms in the worker mode: `worker`"][1] is False
    assert verdicts["p99 at LLM pace within 1 ms of in-page: `worker`"] == ("n/a (error: no worker mode)", False)
    assert verdicts["Our package < 100 KB (an earlier target: its files deflated + the loader)"][1] is True
