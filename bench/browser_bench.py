"""The browser benchmark: sse_client against the JavaScript ways to read an event stream, in one
Chromium run (Debian's Chromium, driven by Playwright).

    .venv/bin/python bench/browser_bench.py            # the full run (several minutes)
    .venv/bin/python bench/browser_bench.py --quick    # smaller numbers, a minute or two

It builds the bundle (`build.py`), starts the mock backend in a subprocess on a free port, serves
the bench pages (`bench/pages/`), `web/dist/`, the eventsource-parser ESM build and the parser
corpora (`bench.corpora`) from its own static server on another port (another origin, as a real
page and API would be), launches Chromium, measures, stops everything it started, and returns a
Markdown section (`run()`), printed by the command line:

1. Throughput and latency. One page, the same stream for every client: (a) `SSEClient.chatWithModelStream`,
   (b) `fetch` -> `TextDecoderStream` -> `EventSourceParserStream` (npm eventsource-parser),
   (c) the native `EventSource` (GET), and (d) `fetch` reading bytes only (the ceiling). Flat
   out: events/s from the request to the last callback, median of interleaved runs. At LLM
   pace (100 events/s, each event stamped by the server right before the write, in the
   `obfuscation` padding of OpenAI's chunks): latency from the write to the callback, p50 and p99. Then every dialect of the mock
   backend, one event per write from an independent Node event server (bench/event_server.mjs):
   (a) against (b) reading that dialect (bench/dialect_bench.py).
2. Our parser alone in the page under Pyodide: `EventStreamParser.feed` over the three corpora in
   1,460-byte pieces, MB/s (10^6 bytes/s), timed inside Python; CPython in this process alongside.
3. Where the time of (a) goes, per event, inside Pyodide (a stage-by-stage decomposition and
   cProfile), to explain the throughput numbers.
4. Start-up (bench/startup_bench.py): navigation start to ready for a bare `loadPyodide`, the
   default loader and each boot option (memory snapshot, worker), cold (a new browser context:
   empty HTTP cache) and warm (a reload), interleaved; bytes over the wire with and without
   compression, the longest main-thread task; and (a)'s latency at LLM pace per boot mode.
5. Memory: one long stream and many chats in a row; JS heap (CDP, after GC), the WASM heap and
   Python's own counts, and PyProxies left alive (Pyodide's allocation tracer).

Chromium: `/usr/bin/chromium` unless CHROMIUM_PATH says otherwise (see ../shared/STACK.md).
Timings on a shared 2-core machine are noisy: every comparison is within this one run, medians of
interleaved runs.
"""

from __future__ import annotations

import argparse
import http.server
import importlib.metadata
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sse_client.testing.launcher import http_server_thread, mock_backend_process

if TYPE_CHECKING:
    from bench.dialect_bench import DialectThroughput
    from bench.startup_bench import Startup, Streaming

ROOT = Path(__file__).resolve().parents[1]
PAGES = Path(__file__).resolve().parent / "pages"
DIST = ROOT / "web" / "dist"
EVENTSOURCE_PARSER = ROOT / "node_modules" / "eventsource-parser"
DEFAULT_CHROMIUM = "/usr/bin/chromium"
# ../shared/STACK.md: as root Chromium needs --no-sandbox; without the background-networking
# flags it floods the closed network.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PIECE = 1460  # bytes per feed in the parser-alone run: one TCP segment's payload on Ethernet
KB = 1024
MB = 1_000_000  # throughput MB/s are 10^6 bytes per second


@dataclass(frozen=True, kw_only=True)
class Plan:
    """How much to measure."""

    flat_events: int  # events in each flat-out stream
    flat_runs: int  # interleaved runs of each client
    paced_events: int  # events in each stream at LLM pace
    paced_runs: int
    pace_hz: int
    parser_runs: int
    startup_runs: int  # cold + warm, per start-up variant (bench/startup_bench.py)
    memory_events: int  # the one long stream of the memory run
    memory_chats: int  # the chats in a row of the memory run
    dialect_events: int  # events in each stream of the per-dialect run (one event per write)
    dialect_rounds: int  # measured rounds of every dialect and client


FULL = Plan(flat_events=20_000, flat_runs=5, paced_events=300, paced_runs=5, pace_hz=100,
            parser_runs=7, startup_runs=5, memory_events=100_000, memory_chats=200,
            dialect_events=20_000, dialect_rounds=15)
QUICK = Plan(flat_events=2_000, flat_runs=3, paced_events=100, paced_runs=1, pace_hz=100,
             parser_runs=3, startup_runs=2, memory_events=10_000, memory_chats=20,
             dialect_events=1_000, dialect_rounds=2)

# Targets (ratios within this run; the start-up ones are in bench/startup_bench.py).
PIPELINE_LATENCY_BUDGET_MS = 0.5  # p99 of ours at LLM pace, minus the JS pipeline's
LATENCY_BUDGET_MS = 2.0
PARSER_TARGET_MBPS = 40.0
MEMORY_BUDGET_BYTES = 2 * 1024 * 1024


# --- the pieces of the run --------------------------------------------------------------------


def find_chromium() -> str:
    """The Chromium to drive: CHROMIUM_PATH, else Debian's. Fails with what to do."""
    path = os.environ.get("CHROMIUM_PATH") or DEFAULT_CHROMIUM
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        raise SystemExit(
            f"browser_bench: no Chromium at {path}. Install Debian's (apt-get install chromium) "
            "or set CHROMIUM_PATH to a Chromium executable.")
    return path


def build() -> None:
    """`python3 build.py`: web/dist/ from the current sources (a no-op rebuild is quick)."""
    subprocess.run([sys.executable, str(ROOT / "build.py")], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)


def mock_backend() -> Any:
    """The mock backend in its own process, as the README starts it; yields its base URL."""
    return mock_backend_process(ROOT / "web")


class _SiteHandler(http.server.SimpleHTTPRequestHandler):
    """Serves /bench/ (the pages), /dist/ (web/dist), /vendor/eventsource-parser/, and blobs
    (/corpora/, generated pages) by their path."""

    protocol_version = "HTTP/1.1"  # keep-alive, as any real static server
    mounts: dict[str, Path] = {}
    blobs: dict[str, bytes] = {}
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".wasm": "application/wasm", ".mjs": "text/javascript",
                      ".js": "text/javascript", ".zip": "application/zip",
                      ".json": "application/json", ".html": "text/html; charset=utf-8"}

    def do_GET(self) -> None:
        path = urllib.parse.urlsplit(self.path).path
        blob = self.blobs.get(path)
        if blob is None:
            super().do_GET()
            return
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Length", str(len(blob)))
        self.end_headers()
        self.wfile.write(blob)

    def translate_path(self, path: str) -> str:
        path = urllib.parse.unquote(urllib.parse.urlsplit(path).path)
        for prefix, directory in self.mounts.items():
            if path.startswith(prefix):
                relative = Path(path[len(prefix):])
                if ".." in relative.parts:
                    break
                return str(directory / relative)
        return str(Path("/nonexistent") / "404")

    def end_headers(self) -> None:
        # The bundle as a deploy would serve versioned assets: cacheable (the warm start-up
        # run reloads from the HTTP cache). The bench pages themselves are revalidated.
        path = urllib.parse.urlsplit(self.path).path
        cacheable = path.startswith(("/dist/", "/vendor/"))
        self.send_header("Cache-Control", "max-age=3600" if cacheable else "no-cache")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def static_site(blobs: dict[str, bytes]) -> Iterator[str]:
    """The bench pages' origin (http.server in a thread); yields its base URL."""
    handler = type("SiteHandler", (_SiteHandler,), {
        "mounts": {"/bench/": PAGES, "/dist/": DIST,
                   "/vendor/eventsource-parser/": EVENTSOURCE_PARSER / "dist"},
        "blobs": blobs,
    })
    with http_server_thread(handler) as base:
        yield base


def corpora_blobs() -> dict[str, bytes]:
    """`/corpora/<name>` for each corpus of bench.corpora (written by another part of the bench)."""
    from bench import corpora  # lazily: it is a sibling module, importable from ROOT

    return {f"/corpora/{name}": corpora.corpus(name) for name in corpora.CORPORA}


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100), linear between the closest ranks."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def expected_reply(query: str) -> str:
    """The reply the mock backend sends for `query`: what every client must end up with."""
    from sse_client.testing.mock_script import MockOptions, reply_text

    params = dict(urllib.parse.parse_qsl(query))
    params.pop("session", None)
    return reply_text(MockOptions.from_query(params))


def expected_pieces(query: str) -> list[str]:
    """The content of each chunk event the mock backend sends for `query`, in order."""
    from sse_client.testing.mock_script import MockOptions, reply_pieces

    params = dict(urllib.parse.parse_qsl(query))
    params.pop("session", None)
    return reply_pieces(MockOptions.from_query(params))


def event_arrivals(calls: list[list[float]], pieces: list[str]) -> list[float]:
    """For each content event, the time of the onChunk call that delivered it: `calls` are
    (time, length of the text so far) per call, and an event is delivered by the first call
    whose text reaches its end."""
    arrivals: list[float] = []
    end = 0
    call = 0
    for piece in pieces:
        end += len(piece.encode("utf-16-le")) // 2  # JS string lengths count UTF-16 units
        while calls[call][1] < end:
            call += 1
        arrivals.append(calls[call][0])
    return arrivals


def fetch_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


# --- 1. throughput and latency ----------------------------------------------------------------

CLIENTS = ("ours", "jsPipeline", "eventSource")
CLIENT_NAMES = {
    "ours": "(a) `SSEClient.chatWithModelStream`",
    "jsPipeline": "(b) fetch → TextDecoderStream → EventSourceParserStream",
    "eventSource": "(c) native `EventSource` (GET)",
    "fetchOnly": "(d) fetch, bytes only (floor: server + network)",
}
FLAT_QUERY = "format=openai&events={events}&delay_ms=0&batch_bytes=65536"


@dataclass
class Throughput:
    events: int
    body_bytes: int
    rates: dict[str, list[float]]  # client -> events/s of each run
    one_event_ms: dict[str, list[float]]  # client -> ms of each 1-event chat
    reads: list[int]  # read() results per body, seen by (d)
    ok_by_client: dict[str, bool]


def measure_throughput(page: Any, backend: str, plan: Plan) -> Throughput:
    """Flat out, interleaved; then 1-event chats, to tell the fixed cost from the per-event one."""
    rates: dict[str, list[float]] = {name: [] for name in (*CLIENTS, "fetchOnly")}
    one_event: dict[str, list[float]] = {name: [] for name in (*CLIENTS, "fetchOnly")}
    ok_by_client = {name: True for name in CLIENTS}
    reads: list[int] = []
    body_bytes = 0
    for events, runs in ((plan.flat_events, plan.flat_runs), (1, plan.flat_runs)):
        query = FLAT_QUERY.format(events=events)
        url = f"{backend}/api/chat?{query}"
        page.evaluate("text => bench.setExpected(text)", expected_reply(query))
        for run in range(runs + 1):  # run 0 warms up: JIT, imports, the CORS preflight cache
            for name in (*CLIENTS, "fetchOnly"):
                result = page.evaluate(f"url => bench.{name}(url)", url)
                if name == "ours":  # onChunk calls are not events: the whole text is the check
                    ok_by_client[name] &= bool(result["ok"])
                elif name != "fetchOnly":
                    ok_by_client[name] &= bool(result["ok"]) and result["events"] == events
                if not run:
                    continue
                if events == 1:
                    one_event[name].append(result["ms"])
                elif name == "fetchOnly":
                    body_bytes = result["bytes"]
                    reads.append(result["reads"])
                    rates[name].append(events / (result["ms"] / 1000))
                else:
                    rates[name].append(events / (result["ms"] / 1000))
    return Throughput(events=plan.flat_events, body_bytes=body_bytes, rates=rates,
                      one_event_ms=one_event, reads=reads, ok_by_client=ok_by_client)


@dataclass
class Latency:
    events: int
    runs: int
    samples: dict[str, list[float]]  # client -> latency of every content event, all runs, ms
    ok_by_client: dict[str, bool]
    first: dict[str, list[float]] = field(default_factory=dict)
    """Per client, the latencies of its warm-up run (not in `samples`): the page's first
    streams at this pace, before V8 has tiered up the code they run."""


def paced_query(events: int, pace_hz: int) -> str:
    """The mock backend's stream at LLM pace: OpenAI chunks, each stamped with the server's
    write time in `obfuscation`, where OpenAI puts the padding that changes with every chunk
    (`stamp_as`), so that the frames are what OpenAI sends but for that value. (A stamp in a
    member the dialect does not know to vary would make every frame one of a new shape.)"""
    return f"format=openai&events={events}&pace_hz={pace_hz}&stamp=1&stamp_as=obfuscation"


def measure_latency(page: Any, backend: str, plan: Plan,
                    clients: Sequence[str] = (*CLIENTS, "fetchOnly"), *, warm_up: bool = False) -> Latency:
    """`plan.paced_runs` runs of each client at LLM pace, interleaved; with `warm_up`, after a
    run of each that is kept apart (`Latency.first`), as the other sections warm up."""
    samples: dict[str, list[float]] = {name: [] for name in clients}
    first: dict[str, list[float]] = {}
    ok_by_client = {name: True for name in CLIENTS if name in clients}
    base_query = paced_query(plan.paced_events, plan.pace_hz)
    page.evaluate("text => bench.setExpected(text)", expected_reply(base_query))
    pieces = expected_pieces(base_query)
    for run in range(plan.paced_runs + warm_up):
        for name in clients:
            session = uuid.uuid4().hex
            url = f"{backend}/api/chat?{base_query}&session={session}"
            if name == "ours":
                result = page.evaluate("url => bench.ours(url, {arrivals: true})", url)
                # Content event k (id k + 1; id 0 is the role delta) reached the page with the
                # first onChunk call whose text covers it.
                stamps = dict(fetch_json(f"{backend}/api/mock/stamps?session={session}")["stamps"])
                lags = [arrival - stamps[k + 1] for k, arrival in enumerate(event_arrivals(result["arrivals"], pieces))]
                ok_by_client[name] &= bool(result["ok"])
            else:
                result = page.evaluate(f"url => bench.{name}(url, {{latencies: true}})", url)
                lags = result["latencies"]
            if name not in ("fetchOnly", "ours"):
                ok_by_client[name] &= bool(result["ok"]) and result["events"] == plan.paced_events
            if warm_up and not run:
                first[name] = lags
            else:
                samples[name] += lags
    return Latency(events=plan.paced_events, runs=plan.paced_runs, samples=samples, first=first,
                   ok_by_client=ok_by_client)


# --- 2. the parser alone under Pyodide --------------------------------------------------------


def python_call(module: str, expression: str) -> str:
    """Python for `bench.python`: import bench/pages/<module>.py, return `expression` as JSON
    (top-level `await` is allowed: `bench.python` runs it with runPythonAsync)."""
    return (f"import importlib, json\nimportlib.invalidate_caches()\nimport {module}\n"
            f"json.dumps({expression})")


def add_stdlib(page: Any, site: str) -> None:
    """Pyodide's whole standard library on the page's sys.path (`bench.addStdlib` in
    clients.js), for the harness's own Python in the page (cProfile, tracemalloc ...): the
    bundle's runtime has only what sse_client imports. Called after the measured streaming
    runs, which see the bundle as shipped."""
    found = sorted(DIST.glob("pyodide-*/python_stdlib.zip"))
    if not found:
        raise SystemExit("browser_bench: web/dist has no pyodide-*/python_stdlib.zip; run python3 build.py")
    page.evaluate("url => bench.addStdlib(url)", f"{site}/dist/{found[0].relative_to(DIST).as_posix()}")


def load_python_module(page: Any, site: str, module: str) -> None:
    page.evaluate("([name, url]) => bench.loadPythonModule(name, url)",
                  [module, f"{site}/bench/{module}.py"])


@dataclass
class ParserRun:
    corpus: str
    bytes: int
    events: int
    expected_events: int
    pyodide_mbps: float
    cpython_mbps: float


def measure_parser(page: Any, site: str, plan: Plan) -> list[ParserRun]:
    from bench import corpora

    load_python_module(page, site, "parser_alone")
    sys.path.insert(0, str(PAGES))
    try:
        import parser_alone  # the same file, on CPython in this process
    finally:
        sys.path.remove(str(PAGES))
    results = []
    for name in corpora.CORPORA:
        path = f"/tmp/corpus-{name}"
        page.evaluate("([url, path]) => bench.fetchIntoPyodide(url, path)",
                      [f"{site}/corpora/{name}", path])
        in_page = page.evaluate("code => bench.python(code)", python_call(
            "parser_alone", f"parser_alone.run({path!r}, {PIECE}, {plan.parser_runs})"))
        with tempfile.NamedTemporaryFile(suffix=f"-{name}") as local:
            local.write(corpora.corpus(name))
            local.flush()
            native = parser_alone.run(local.name, PIECE, plan.parser_runs)
        results.append(ParserRun(
            corpus=name, bytes=in_page["bytes"], events=in_page["events"],
            expected_events=corpora.dispatched_events(name),
            pyodide_mbps=in_page["bytes"] / median(in_page["seconds"]) / MB,
            cpython_mbps=native["bytes"] / median(native["seconds"]) / MB))
    return results


# --- 3. where the time of (a) goes ------------------------------------------------------------

PROFILE_PIECE = 65_536  # bytes per read when the consumer keeps up with the network


@dataclass
class Diagnosis:
    events: int
    chunks: int
    stages: dict[str, float]  # seconds, median
    profile_total: float
    profile: list[list[Any]]
    peaks: dict[str, int]  # tracemalloc peak of the in-memory service: "pieces" | "whole"
    python_hop_us: list[float]
    js_hop_us: list[float]
    paced: dict[str, Any]  # scheduled callbacks etc. during one (a) run at LLM pace
    flat: dict[str, Any]  # the same during one flat-out (a) run, with read sizes and times
    flat_ms: float


def diagnose(page: Any, site: str, backend: str, plan: Plan) -> Diagnosis:
    """Decompose (a)'s time. Runs after every measured run of the page: it patches the page."""
    query = FLAT_QUERY.format(events=plan.flat_events)
    path = "/tmp/flat-body"
    page.evaluate("([url, path]) => bench.fetchIntoPyodide(url, path)",
                  [f"{backend}/api/chat?{query}", path])
    load_python_module(page, site, "pipeline_profile")
    result = page.evaluate("code => bench.python(code)", python_call(
        "pipeline_profile",
        f"await pipeline_profile.run({path!r}, {PROFILE_PIECE}, {max(3, plan.flat_runs)})"))
    load_python_module(page, site, "scheduling_probe")
    python_hops = [page.evaluate("code => bench.python(code)", python_call(
        "scheduling_probe", "await scheduling_probe.hop_cost(2000)")) for _ in range(3)]
    js_hops = [page.evaluate("bench.messageChannelHop(2000)") for _ in range(3)]
    page.evaluate("code => bench.python(code)", python_call(
        "scheduling_probe", "scheduling_probe.install()"))
    runs = {}
    for name, run_query in (("paced", f"format=openai&events={plan.paced_events}"
                                      f"&pace_hz={plan.pace_hz}"),
                            ("flat", query)):
        page.evaluate("text => bench.setExpected(text)", expected_reply(run_query))
        page.evaluate("code => bench.python(code)", python_call(
            "scheduling_probe", "scheduling_probe.reset()"))
        outcome = page.evaluate("url => bench.ours(url)", f"{backend}/api/chat?{run_query}")
        runs[name] = page.evaluate("code => bench.python(code)", python_call(
            "scheduling_probe", "scheduling_probe.snapshot()"))
        runs[name]["events"] = outcome["callbacks"]
        runs[name]["ms"] = outcome["ms"]
    return Diagnosis(events=plan.flat_events, chunks=result["chunks"], stages=result["stages"],
                     profile_total=result["profile_total"], profile=result["profile"],
                     peaks=result["peaks"], python_hop_us=python_hops, js_hop_us=js_hops,
                     paced=runs["paced"], flat=runs["flat"], flat_ms=runs["flat"]["ms"])


# --- 5. memory --------------------------------------------------------------------------------


@dataclass
class Memory:
    phases: list[tuple[str, dict[str, Any], dict[str, Any], dict[str, Any]]]  # name, before, after, outcome
    tracemalloc: bool


def snapshot(page: Any, cdp: Any) -> dict[str, Any]:
    """Both heaps after garbage collection (JS by CDP, Python by gc.collect())."""
    python = page.evaluate("bench.pyodideMemory()")
    for _ in range(2):
        cdp.send("HeapProfiler.collectGarbage")
    heap = cdp.send("Runtime.getHeapUsage")
    return {"jsUsed": heap["usedSize"], "jsTotal": heap["totalSize"], **python}


def js_length(text: str) -> int:
    """The length of `text` as JavaScript counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


TRACEMALLOC = """() => bench.python(`
import json, tracemalloc
try:
    tracemalloc.start()
except Exception:
    pass
json.dumps(tracemalloc.is_tracing())`)"""
RESET_PEAK = """() => bench.python(`
import json, tracemalloc
if tracemalloc.is_tracing():
    tracemalloc.reset_peak()
json.dumps(True)`)"""


def measure_memory(browser: Any, site: str, backend: str, plan: Plan) -> Memory:
    context = browser.new_context()
    try:
        page = context.new_page()
        open_clients_page(page, site)
        add_stdlib(page, site)
        cdp = context.new_cdp_session(page)
        long_query = FLAT_QUERY.format(events=plan.memory_events)
        short_query = "delay_ms=0"  # the default reply, standard format: ~40 events
        long_url, short_url = (f"{backend}/api/chat?{q}" for q in (long_query, short_query))
        long_length, short_length = (js_length(expected_reply(q)) for q in (long_query, short_query))
        # Warm up: one chat, then start tracemalloc and chat once more, so that caches, imports
        # and the tracer's own tables are in place before the first snapshot.
        page.evaluate("([url, n]) => bench.memoryChat(url, n)", [short_url, short_length])
        tracing = page.evaluate(TRACEMALLOC)
        page.evaluate("([url, n]) => bench.memoryChat(url, n)", [short_url, short_length])
        page.evaluate("SSEClient.pyodide._module.enable_pyproxy_allocation_tracing()")
        phases = []
        try:
            before = snapshot(page, cdp)
            page.evaluate(RESET_PEAK)
            outcome = page.evaluate("([url, n]) => bench.memoryChat(url, n)", [long_url, long_length])
            after = snapshot(page, cdp)
            phases.append((f"one stream of {plan.memory_events:,} events", before, after, outcome))
            before = after
            page.evaluate(RESET_PEAK)
            outcome = page.evaluate("([url, count, n]) => bench.manyChats(url, count, n)",
                                    [short_url, plan.memory_chats, short_length])
            after = snapshot(page, cdp)
            phases.append((f"{plan.memory_chats} chats in a row", before, after, outcome))
        finally:
            page.evaluate("SSEClient.pyodide._module.disable_pyproxy_allocation_tracing()")
        return Memory(phases=phases, tracemalloc=bool(tracing))
    finally:
        context.close()


# --- the run ----------------------------------------------------------------------------------


def open_clients_page(page: Any, site: str, name: str = "clients.html") -> None:
    page.goto(f"{site}/bench/{name}", wait_until="domcontentloaded")
    page.wait_for_function("window.benchLoaded === true && window.SSEClient !== undefined",
                           timeout=60_000)
    page.evaluate("SSEClient.ready.then(() => true)")


@dataclass
class Results:
    plan: Plan
    quick: bool
    browser_version: str
    pyodide_version: str
    throughput: Throughput
    latency: Latency
    dialects: DialectThroughput
    parser: list[ParserRun]
    diagnosis: Diagnosis
    startup: Startup
    streaming: Streaming  # (a)'s latency at LLM pace per boot mode
    memory: Memory
    seconds: float


def run(quick: bool = False, *, log: Callable[[str], None] | None = None) -> str:
    """Run the whole browser benchmark once; return its Markdown section."""
    plan = QUICK if quick else FULL
    say = log or (lambda message: print(message, file=sys.stderr, flush=True))
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise SystemExit("browser_bench: Playwright is missing; run it with the project's "
                         ".venv/bin/python (python3 build.py test sets it up)") from None
    # Lazily, as bench.corpora: they import this module.
    from bench import dialect_bench, startup_bench

    chromium = find_chromium()
    if not (EVENTSOURCE_PARSER / "dist" / "stream.js").exists():
        raise SystemExit("browser_bench: node_modules/eventsource-parser is missing; run npm ci")
    say("building web/dist ...")
    build()
    blobs = {**corpora_blobs(), **startup_bench.clients_pages()}
    started = time.monotonic()
    with mock_backend() as backend, static_site(blobs) as site, \
            dialect_bench.event_server(events=plan.dialect_events) as event_server, \
            sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context()
            page = context.new_page()
            say("clients page: booting ...")
            open_clients_page(page, site)
            pyodide_version = page.evaluate("SSEClient.pyodide.version")
            say("throughput ...")
            throughput = measure_throughput(page, backend, plan)
            say("latency at LLM pace ...")
            latency = measure_latency(page, backend, plan, warm_up=True)
            say("latency at LLM pace per boot mode ...")
            streaming = startup_bench.measure_streaming(context, page, site, backend, plan)
            say("throughput per dialect, one event per write ...")
            dialects = dialect_bench.measure(page, event_server, events=plan.dialect_events,
                                             rounds=plan.dialect_rounds)
            say("parser alone ...")
            add_stdlib(page, site)
            parser = measure_parser(page, site, plan)
            say("diagnosis of (a) ...")
            diagnosis = diagnose(page, site, backend, plan)
            say("diagnosis of (a) per dialect ...")
            dialects = replace(dialects, probes=dialect_bench.probe(
                page, site, events=plan.dialect_events, server=event_server))
            context.close()
            say("start-up ...")
            startup = startup_bench.measure_startup(browser, plan, say)
            say("memory ...")
            memory = measure_memory(browser, site, backend, plan)
            browser_version = browser.version
        finally:
            browser.close()
    return report(Results(
        plan=plan, quick=quick, browser_version=browser_version, pyodide_version=pyodide_version,
        throughput=throughput, latency=latency, dialects=dialects, parser=parser,
        diagnosis=diagnosis, startup=startup, streaming=streaming, memory=memory, seconds=time.monotonic() - started))


# --- the report -------------------------------------------------------------------------------


def report(results: Results) -> str:
    """The Markdown section: targets first, then each measurement with how it was taken."""
    r = results
    targets: list[tuple[str, str, bool]] = []
    body: list[str] = []
    body += _throughput_section(r, targets)
    body += _latency_section(r, targets)
    from bench import dialect_bench, startup_bench

    body += dialect_bench.section(r.dialects, targets)
    body += _parser_section(r, targets)
    body += _diagnosis_section(r)
    body += startup_bench.section(r.startup, r.streaming, targets)
    body += _memory_section(r, targets)
    head = [
        "## Browser benchmark (Chromium, Pyodide)" + (" — quick run" if r.quick else ""),
        "",
        f"Chromium {r.browser_version} (Debian's, headless, Playwright "
        f"{importlib.metadata.version('playwright')}), Pyodide {r.pyodide_version}, "
        f"eventsource-parser {_npm_version(EVENTSOURCE_PARSER)}; {platform.machine()}, "
        f"{os.cpu_count()} cores shared with other work, so every comparison is within this one "
        f"run (medians of interleaved runs). The pages come from the harness's static server, "
        f"the streams from the mock backend and, per dialect, from a Node event server, each on "
        f"another port (another origin, with CORS). "
        f"Harness run time {r.seconds:.0f} s.",
        "",
        "### Targets",
        "",
        _table(["target", "measured", "verdict"],
               [[name, measured, "**met**" if ok else "**not met**"]
                for name, measured, ok in targets]),
        "",
    ]
    tail = [
        "### Reproduce",
        "",
        "    python3 build.py test    # once: .venv, npm ci (pyodide, eventsource-parser)",
        "    .venv/bin/python bench/browser_bench.py" + (" --quick" if r.quick else ""),
        "",
        "`CHROMIUM_PATH` selects another Chromium (default `/usr/bin/chromium`). The pages and the "
        "Python they run in Pyodide are in `bench/pages/`; the mock backend's benchmark options "
        "(`GET /api/chat`, `events`, `batch_bytes`, `pace_hz`, `stamp`, `/api/mock/stamps`) are "
        "documented in `sse_client/testing/mock_backend.py`.",
    ]
    return "\n".join(head + body + tail) + "\n"


def _throughput_section(r: Results, targets: list[tuple[str, str, bool]]) -> list[str]:
    t = r.throughput
    rate = {name: median(values) for name, values in t.rates.items()}
    fixed = {name: median(values) for name, values in t.one_event_ms.items()}
    ok = all(t.ok_by_client.values())
    rows = []
    for name in (*CLIENTS, "fetchOnly"):
        stream_ms = t.events / rate[name] * 1000
        rows.append([CLIENT_NAMES[name], f"{rate[name]:,.0f}", f"{rate[name] / rate['jsPipeline']:.2f}",
                     f"{stream_ms:,.0f}", f"{fixed[name]:.1f}",
                     f"{(stream_ms - fixed[name]) / (t.events - 1) * 1000:.1f}",
                     ", ".join(f"{v:,.0f}" for v in t.rates[name])])
    targets.append(("End-to-end events/s of (a) ≥ (b), flat out",
                    f"{rate['ours']:,.0f} vs {rate['jsPipeline']:,.0f} events/s "
                    f"({rate['ours'] / rate['jsPipeline']:.2f}×)",
                    rate["ours"] >= rate["jsPipeline"]))
    return [
        f"### Flat out: {t.events:,} events, one page, the same stream",
        "",
        f"OpenAI `chat.completion.chunk` events from the mock backend "
        f"(`{FLAT_QUERY.format(events=t.events)}`: the {t.body_bytes / MB:.2f} MB body is "
        f"rendered before the first byte and written in 64 KB writes). Time from the request to "
        f"the last callback; {r.plan.flat_runs} runs of each client interleaved (a, b, c, d, a, "
        f"b, ...) after a warm-up round; then the same with a 1-event stream, for the fixed cost "
        f"of a chat. Per event = (stream − 1-event chat) / (events − 1). (b) and (c) "
        f"`JSON.parse` each event and append `choices[0].delta.content`, the work (a) does in "
        f"Python. Every run of (a), (b), (c) ended with exactly the expected content callbacks "
        f"and text: {'yes' if ok else 'NO: ' + str(t.ok_by_client)}.",
        "",
        _table(["client", "events/s (median)", "vs (b)", "ms per stream", "1-event chat ms",
                "µs per event", "runs (events/s)"], rows),
        "",
        f"(d) got the body in {median(t.reads):.0f} `read()` result(s) (median): when the page "
        f"keeps up, Chromium hands over whatever has arrived, "
        f"{t.body_bytes / median(t.reads) / KB:,.0f} KB per read here.",
        "",
    ]


def _latency_section(r: Results, targets: list[tuple[str, str, bool]]) -> list[str]:
    lat = r.latency
    p50 = {name: percentile(values, 50) for name, values in lat.samples.items()}
    p99 = {name: percentile(values, 99) for name, values in lat.samples.items()}
    rows = [[CLIENT_NAMES[name], len(lat.samples[name]), f"{p50[name]:.2f}", f"{p99[name]:.2f}",
             f"{max(lat.samples[name]):.2f}", f"{p99[name] - p99['eventSource']:+.2f}",
             f"{percentile(lat.first[name], 50):.2f} / {percentile(lat.first[name], 99):.2f}"
             if lat.first.get(name) else "—"]
            for name in (*CLIENTS, "fetchOnly")]
    ok = all(lat.ok_by_client.values())
    targets.append(("At LLM pace, p99 latency of (a) within 2 ms of (c)",
                    f"{p99['ours']:.2f} vs {p99['eventSource']:.2f} ms "
                    f"({p99['ours'] - p99['eventSource']:+.2f} ms)",
                    p99["ours"] - p99["eventSource"] <= LATENCY_BUDGET_MS))
    targets.append(("At LLM pace, p99 latency of (a) within 0.5 ms of (b)",
                    f"{p99['ours']:.2f} vs {p99['jsPipeline']:.2f} ms "
                    f"({p99['ours'] - p99['jsPipeline']:+.2f} ms)",
                    p99["ours"] - p99["jsPipeline"] <= PIPELINE_LATENCY_BUDGET_MS))
    return [
        f"### At LLM pace: {lat.events} events at {r.plan.pace_hz}/s",
        "",
        f"`{paced_query(lat.events, r.plan.pace_hz)}`: the server writes event k at "
        f"k/{r.plan.pace_hz} s, with its `time.time() * 1000`, taken right before the write, as "
        f"the string in the chunk's `obfuscation` member (where OpenAI puts the padding that "
        f"changes with every chunk: the frames are OpenAI's but for that value). Latency = "
        f"`performance.timeOrigin + performance.now()` in the callback − that stamp (same "
        f"machine, same clock; Chromium coarsens `performance.now()` to 0.1 ms). (b) and (c) take "
        f"the stamp from the event they parsed; (a)'s onChunk gets only text, so its k-th call is "
        f"paired with the stamp the server logged for content event k (`/api/mock/stamps`); (d) "
        f"finds every stamp in the bytes of each `read()` (the floor: server write to bytes in "
        f"the page). {lat.runs} run(s) per client, interleaved, after a warm-up run of each, as "
        f"in the other sections; percentiles over all callbacks of the measured runs. All "
        f"content arrived, in order, as the expected text: "
        f"{'yes' if ok else 'NO: ' + str(lat.ok_by_client)}.",
        "",
        _table(["client", "samples", "p50 ms", "p99 ms", "max ms", "p99 − (c) ms",
                "warm-up run: p50 / p99 ms"], rows),
        "",
    ]


def _parser_section(r: Results, targets: list[tuple[str, str, bool]]) -> list[str]:
    rows = []
    for run in r.parser:
        events = f"{run.events:,}"
        if run.events != run.expected_events:
            events += f" (expected {run.expected_events:,}!)"
        rows.append([f"`{run.corpus}`", f"{run.bytes / MB:.2f}", events, f"{run.pyodide_mbps:.1f}",
                     f"{run.cpython_mbps:.1f}", f"{run.cpython_mbps / run.pyodide_mbps:.1f}×"])
    llm = next(run for run in r.parser if run.corpus == "llm")
    targets.append(("Our parser alone ≥ 40 MB/s on 'llm' under Pyodide",
                    f"{llm.pyodide_mbps:.1f} MB/s", llm.pyodide_mbps >= PARSER_TARGET_MBPS))
    return [
        "### Our parser alone, in the page under Pyodide",
        "",
        f"`EventStreamParser().feed` over the corpora of `bench.corpora` (fetched into Pyodide's "
        f"file system), in {PIECE:,}-byte pieces, timed inside Python with `time.perf_counter`; "
        f"median of {r.plan.parser_runs} runs after a warm-up (`bench/pages/parser_alone.py`). "
        f"The same file runs on CPython {platform.python_version()} in the harness process, for "
        f"scale. MB = 10^6 bytes.",
        "",
        _table(["corpus", "MB", "events", "Pyodide MB/s", "CPython MB/s", "CPython / Pyodide"],
               rows),
        "",
    ]


def _diagnosis_section(r: Results) -> list[str]:
    d = r.diagnosis
    per_event = {name: value / d.events * 1e6 for name, value in d.stages.items()}
    rate = {name: median(values) for name, values in r.throughput.rates.items()}
    labels = [
        ("parse", "`EventStreamParser.feed`"),
        ("parse_json", "parse + `json.loads` of each event's data"),
        ("normalize", "parse + `PayloadNormalizer.normalize` (json.loads inside)"),
        ("assemble", "… + `ReplyAssembler.accept`"),
        ("callback", "… + the JS onChunk (Python → JS call, str → JS string) per event"),
        ("lane", "`FastLane.decode` + `ReplyAssembler.accept` + one onChunk per piece: what "
                 "`ChatRun` does once the frames have one shape"),
        ("service", f"the whole `SSEService.chat_with_model_stream`, in-memory transport, "
                    f"{PROFILE_PIECE // KB} KB reads"),
        ("service_whole", "the same, the whole body in one read"),
    ]
    rows = [[label, f"{per_event[key]:.1f}"] for key, label in labels]
    rows.append(["(a) flat out in the page, from the table above", f"{1e6 / rate['ours']:.1f}"])
    rows.append(["(b) flat out in the page, for comparison", f"{1e6 / rate['jsPipeline']:.1f}"])
    flat, paced = d.flat, d.paced
    reads = flat["reads"]
    lines = [
        "### Why: where (a)'s time goes",
        "",
        f"Diagnostics, run after the measured runs (they patch the page). First the flat-out body "
        f"({d.events:,} events), fetched once into Pyodide's file system and fed from memory in "
        f"{PROFILE_PIECE // KB} KB pieces through more and more of the pipeline "
        f"(`bench/pages/pipeline_profile.py`); median of {max(3, r.plan.flat_runs)} runs:",
        "",
        _table(["stage", "µs per event"], rows),
        "",
        f"Python→JS crossings of (a): one onChunk call per piece of the body (all the text it "
        f"brought); per piece, one call from the body's read loop, which runs in JS, into "
        f"Python, and `.length`, `.to_bytes()` on the piece. In one flat-out run of "
        f"(a) with `FetchResponse.pump` timed (`bench/pages/scheduling_probe.py`): "
        f"{len(reads)} piece(s) handed to Python (median {median(reads) / KB if reads else 0:,.0f}"
        f" KB, largest {max(reads, default=0) / KB:,.0f} KB: a read that brings more than 64 KB "
        f"is handed over in 64 KB pieces). From the body's first read to its end, Python spent "
        f"{flat['python'] * 1000:,.0f} ms handling them and the read loop "
        f"{flat['wait'] * 1000:,.0f} ms waiting for bytes (the whole chat, request to last "
        f"callback: {flat['ms']:,.0f} ms); {flat['immediate']} immediate and {flat['timer']} "
        f"timed WebLoop callbacks.",
        "",
        f"Scheduling, which is what latency at LLM pace is made of: one asyncio hop in Pyodide's "
        f"WebLoop (`await asyncio.sleep(0)` in a loop) costs {median(d.python_hop_us):,.0f} µs "
        f"(runs {', '.join(f'{v:,.0f}' for v in d.python_hop_us)}), a bare MessageChannel hop "
        f"in the same page {median(d.js_hop_us):,.1f} µs. In one (a) run at LLM pace "
        f"({paced['events']} events, {len(paced['reads'])} pieces) the WebLoop scheduled "
        f"{paced['immediate']} immediate callbacks ({paced['immediate'] / max(1, paced['events']):.1f}"
        f" per event) and {paced['timer']} timer(s). The latency table's (a) − (d) is what the "
        f"client adds to the network's floor: p50 "
        f"{percentile(r.latency.samples['ours'], 50) - percentile(r.latency.samples['fetchOnly'], 50):+.2f}"
        f" ms, p99 "
        f"{percentile(r.latency.samples['ours'], 99) - percentile(r.latency.samples['fetchOnly'], 99):+.2f}"
        f" ms; (b) − (d): p50 "
        f"{percentile(r.latency.samples['jsPipeline'], 50) - percentile(r.latency.samples['fetchOnly'], 50):+.2f}"
        f" ms.",
        "",
        f"Peak Python memory (tracemalloc) of the in-memory service chat: "
        f"{d.peaks['pieces'] / 1024 / 1024:.1f} MB fed in {PROFILE_PIECE // KB} KB pieces, "
        f"{d.peaks['whole'] / 1024 / 1024:.1f} MB fed the {sum(reads) / MB if reads else 0:.1f} "
        f"MB body as one piece (what a slow consumer gets from fetch).",
        "",
        f"cProfile of one in-memory service chat (profiling inflates Python-level calls; total "
        f"{d.profile_total:.3f} s), by own time:",
        "",
        _table(["function", "calls", "own s", "cumulative s"],
               [[f"`{name}`", f"{calls:,}", f"{own:.3f}", f"{cumulative:.3f}"]
                for name, calls, own, cumulative in d.profile]),
        "",
    ]
    return lines


def _memory_section(r: Results, targets: list[tuple[str, str, bool]]) -> list[str]:
    m = r.memory
    measures = (("JS heap used", "jsUsed", "MB"), ("WASM heap (`HEAP8.length`)", "wasmBytes", "MB"),
                ("Python, tracemalloc current", "traced", "MB"),
                ("Python, tracemalloc peak during", "tracedPeak", "MB"),
                ("Python, `sys.getallocatedblocks()`", "blocks", ""),
                ("Python, `len(gc.get_objects())`", "gcObjects", ""),
                ("… of which cancelled asyncio timers not yet fired", "cancelledTimers", ""),
                ("PyProxies alive", "proxies", ""))
    rows = []
    for name, before, after, outcome in m.phases:
        label = name if outcome.get("ok") else f"{name} (a chat FAILED: {outcome})"
        for measure, key, unit in measures:
            if before.get(key) is None or after.get(key) is None:
                continue
            if key == "blocks" and not (before[key] or after[key]):
                continue  # 0 under Pyodide's allocator: it does not count blocks
            if unit:
                cells = [f"{before[key] / 1024 / 1024:.2f} MB", f"{after[key] / 1024 / 1024:.2f} MB",
                         f"{(after[key] - before[key]) / 1024 / 1024:+.2f} MB"]
            else:
                cells = [f"{before[key]:,}", f"{after[key]:,}", f"{after[key] - before[key]:+,}"]
            if key == "tracedPeak":
                cells = ["", cells[1], ""]
            rows.append([label, measure, *cells])
        js_growth = after["jsUsed"] - before["jsUsed"]
        wasm_growth = after["wasmBytes"] - before["wasmBytes"]
        targets.append((f"Memory, {name}: < 2 MB growth in each heap, no proxy alive",
                        f"JS {js_growth / 1024 / 1024:+.2f} MB, WASM {wasm_growth / 1024 / 1024:+.2f} MB, "
                        f"{after['proxies']} proxies",
                        js_growth < MEMORY_BUDGET_BYTES and wasm_growth < MEMORY_BUDGET_BYTES
                        and after["proxies"] == 0 and bool(outcome.get("ok"))))
    return [
        "### Memory",
        "",
        "A fresh page: one warm-up chat, `tracemalloc.start()`"
        + ("" if m.tracemalloc else " (unavailable)")
        + ", a second warm-up chat, then `enable_pyproxy_allocation_tracing()`. Snapshots after "
        "`gc.collect()` in Python and CDP `HeapProfiler.collectGarbage` (twice): JS heap = "
        "`Runtime.getHeapUsage().usedSize`; WASM heap = `HEAP8.length` (WebAssembly memory only "
        "ever grows, so this is the high-water mark); Python's own view = tracemalloc (current, "
        "and the peak during the scenario) and the number of objects the gc tracks; proxies = "
        "`pyproxy_alloc_map.size`, the PyProxies created since tracing began and not destroyed. "
        "The long stream is OpenAI format at full speed; the chats are the mock's default reply "
        "(standard format, ~40 events, `delay_ms=0`). onChunk only counts; no reply is kept. "
        "Cancelled timers: a chat's heartbeat watchdog sleeps until its next deadline "
        "(`asyncio.sleep`, a JS `setTimeout` under Pyodide's WebLoop); cancelling it cannot clear "
        "the `setTimeout`, so its Handle, Context and closure stay alive until the deadline would "
        "have passed (up to `timeouts.idleMs` later), then go.",
        "",
        _table(["scenario", "measure", "before", "after", "growth"], rows),
        "",
    ]


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def _npm_version(package: Path) -> str:
    try:
        return str(json.loads((package / "package.json").read_text(encoding="utf-8"))["version"])
    except (OSError, ValueError, KeyError):
        return "?"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="bench/browser_bench.py",
        description="Measure sse_client in Debian's Chromium against the JavaScript ways to read "
                    "an event stream (fetch + eventsource-parser, the native EventSource): "
                    "throughput, latency at LLM pace, the parser alone under Pyodide, start-up "
                    "(cold and warm, bytes transferred, main-thread long tasks) of the loader and "
                    "each boot option against a bare loadPyodide, and memory. Builds web/dist (and "
                    "a snapshot bundle in a temporary directory), starts the mock backends and a "
                    "static server, drives Chromium with Playwright, stops them all, and prints a "
                    "Markdown section to stdout (progress to stderr).",
        epilog="Environment: CHROMIUM_PATH overrides the browser (default /usr/bin/chromium). "
               "Run it with the project's .venv/bin/python (Playwright, Starlette, uvicorn) after "
               "npm ci (pyodide, eventsource-parser).")
    parser.add_argument("--quick", action="store_true",
                        help=f"a smaller run: {QUICK.flat_events:,} events flat out, "
                             f"{QUICK.paced_events} paced, {QUICK.startup_runs} start-up runs, "
                             f"{QUICK.memory_events:,} events and {QUICK.memory_chats} chats for "
                             f"memory, {QUICK.dialect_events:,} events per dialect (the full run: "
                             f"{FULL.flat_events:,}, {FULL.paced_events} x {FULL.paced_runs}, "
                             f"{FULL.startup_runs}, {FULL.memory_events:,}, {FULL.memory_chats}, "
                             f"{FULL.dialect_events:,} x {FULL.dialect_rounds})")
    parser.add_argument("--output", type=Path, default=None, metavar="FILE",
                        help="also write the Markdown to FILE")
    args = parser.parse_args(argv)
    markdown = run(quick=args.quick)
    if args.output is not None:
        args.output.write_text(markdown, encoding="utf-8")
    print(markdown, end="")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))  # `bench.corpora` and `sse_client` from this checkout
    sys.exit(main())
