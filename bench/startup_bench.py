"""Start-up: a section of the browser benchmark (bench/browser_bench.py runs it, in the same
Chromium run as the rest).

Each variant of `VARIANTS` is a page that boots one way; adding one is one entry there:

    bare             pyodide.js by script tag, then `loadPyodide({indexURL})` from the bundle's
                     own pyodide-<hex>/, with Pyodide's whole standard library: the baseline
    default          `<script src=".../sse-client.js">`: the loader as `python3 build.py` builds it
    snapshot         the same from a bundle built with a memory snapshot (`build.build(dist,
                     snapshot=True)`, into a temporary directory)
    worker           `<script src=".../sse-client.js" data-boot="worker">`: Pyodide in a Web Worker
    worker+snapshot  both

Every variant is measured cold (a new browser context: an empty HTTP cache) and warm (a reload in
that context), `Plan.startup_runs` times, the variants' order rotated each run. Per page load:
navigation start to ready (`SSEClient.ready` resolved; for bare, `loadPyodide` resolved); the
bytes the page's requests for `/dist/` took over the wire (Playwright's `request.sizes()`, which
are Chromium's encoded lengths, headers included; a dedicated worker's requests are the page's
too); the same requests without compression (each gzip'd body counted as its file's size); and
the long tasks of the page's main thread (a `longtask` PerformanceObserver registered before the
loader; a worker's own tasks are not the page's). A variant whose page fails to get ready, whose
`SSEClient.mode` is not its boot mode, or that booted without its snapshot
(`SSEClient.fromSnapshot` false) is reported as "n/a (error ...)", and the run goes on.

Each bundle (the default one and the snapshot one) is served by a mock backend of its own
(`python -m sse_client.testing.mock_backend --web-root`), as a deploy would serve it: `.gz`
siblings to a request that accepts gzip, the content-hashed directories `immutable`, the loader
and the pages `no-cache`; the start-up pages (bench/pages/startup.html with each variant's script
tags put in) come from the same origin as their bundle, as `/demo/<variant>.html`.

The streaming check per boot mode (`measure_streaming`) runs on the clients page, beside the
default one: latency at LLM pace of `SSEClient.chatWithModelStream`, interleaved rounds.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import sys
import tempfile
import urllib.parse
import zipfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from bench.browser_bench import (
    DIST,
    KB,
    PAGES,
    ROOT,
    Plan,
    _table,
    measure_latency,
    median,
    open_clients_page,
    percentile,
)
from sse_client.testing.launcher import mock_backend_process

# Targets (issue 10), ratios within this run.
WARM_RATIO = 0.35  # warm ready ≤ this × bare loadPyodide's
COLD_RATIO = 0.5
FIRST_VISIT_BYTES = 5_000_000  # over the wire with gzip, everything a first visit downloads (MB = 10^6)
LONG_TASK_MS = 50.0  # the longest main-thread task in the worker mode
WORKER_LATENCY_MS = 1.0  # p99 at LLM pace, worker − in-page
PACKAGE_BUDGET_BYTES = 100 * KB  # an earlier target: the package and the loader
LOAD_TIMEOUT_MS = 60_000
LOADER = "/dist/sse-client.js"


@dataclass(frozen=True)
class Variant:
    """One way to boot, a page of its own."""

    name: str
    loader: bool = True  # False: a bare loadPyodide, no sse_client
    snapshot: bool = False  # from the bundle built with a memory snapshot
    boot: str | None = None  # the loader tag's data-boot (also what SSEClient.mode must say)
    stream: bool = False  # also measure latency at LLM pace on the clients page booted this way

    def __post_init__(self) -> None:
        if self.stream and (self.snapshot or not self.loader):
            raise ValueError(f"{self.name}: the clients page has the default bundle's loader only")

    @property
    def slug(self) -> str:
        return "".join(c if c.isalnum() else "-" for c in self.name)


VARIANTS: tuple[Variant, ...] = (
    Variant("bare", loader=False),
    Variant("default"),
    Variant("snapshot", snapshot=True),
    Variant("worker", boot="worker", stream=True),
    Variant("worker+snapshot", snapshot=True, boot="worker"),
)
STATES = ("cold", "warm")


# --- the pages --------------------------------------------------------------------------------

BARE_BOOT = """<script src="/dist/{runtime}pyodide.js"></script>
<script>
// Only Pyodide, from the same bundle's runtime directory, as its docs show it.
window.startup = loadPyodide({{ indexURL: new URL("/dist/{runtime}", location.href).href }})
  .then(function () {{ return {{ ready: performance.now(), mode: null }}; }});
</script>"""
LOADER_BOOT = """{tag}
<script>
// What a user page does: one script tag, then await SSEClient.ready.
window.startup = typeof SSEClient === "undefined"
  ? Promise.reject(new Error("the loader did not define SSEClient"))
  : (SSEClient.onProgress && SSEClient.onProgress(recordProgress), SSEClient.ready.then(function () {{
      return {{ ready: performance.now(), mode: SSEClient.mode === undefined ? null : SSEClient.mode,
               fromSnapshot: SSEClient.fromSnapshot === undefined ? null : SSEClient.fromSnapshot,
               snapshotError: SSEClient.snapshotError ? String(SSEClient.snapshotError.message || SSEClient.snapshotError) : null }};
    }}));
</script>"""


def loader_tag(variant: Variant) -> str:
    boot = f' data-boot="{variant.boot}"' if variant.boot else ""
    return f'<script src="{LOADER}"{boot}></script>'


def startup_page(variant: Variant, runtime: str) -> str:
    """The page of `variant`; `runtime` is the bundle's `pyodide-<hex>/`."""
    template = (PAGES / "startup.html").read_text(encoding="utf-8")
    boot = (LOADER_BOOT.format(tag=loader_tag(variant)) if variant.loader
            else BARE_BOOT.format(runtime=runtime))
    return template.replace("__BOOT__", boot).replace("__VARIANT__", variant.name)


def clients_pages(variants: Sequence[Variant] = VARIANTS) -> dict[str, bytes]:
    """`/bench/clients-<variant>.html` for each variant that streams: clients.html with that
    variant's script tag (served by the harness's static site, beside clients.html)."""
    source = (PAGES / "clients.html").read_text(encoding="utf-8")
    default = loader_tag(Variant("default"))
    if default not in source:
        raise SystemExit(f"startup_bench: bench/pages/clients.html has lost its {default}")
    return {f"/bench/clients-{v.slug}.html": source.replace(default, loader_tag(v)).encode()
            for v in variants if v.stream}


# --- the bundles, served ----------------------------------------------------------------------


@dataclass
class Bundle:
    name: str  # "default" | "snapshot"
    dist: Path
    base: str = ""  # the mock backend serving it
    error: str = ""  # why it could not be built or served

    @property
    def runtime(self) -> str:
        """`pyodide-<hex>/`: the runtime directory of this bundle."""
        found = sorted(path.name for path in self.dist.glob("pyodide-*") if path.is_dir())
        return f"{found[0]}/" if found else "pyodide-missing/"


def build_snapshot_bundle(dist: Path) -> None:
    """`build.build(dist, snapshot=True)` in a child process (build.py prints; the bench's
    stdout is its report). `dist` starts as a copy of web/dist, so that only what differs is
    rebuilt."""
    code = ("import sys; from pathlib import Path; sys.path.insert(0, sys.argv[1]); import build; "
            "build.build(Path(sys.argv[2]), snapshot=True)")
    result = subprocess.run([sys.executable, "-c", code, str(ROOT), str(dist)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if result.returncode:
        raise RuntimeError(f"the snapshot build failed: {result.stderr.strip()[-300:]}")


@contextlib.contextmanager
def serve_bundles(variants: Sequence[Variant], say: Callable[[str], None]) -> Iterator[dict[bool, Bundle]]:
    """The bundles the variants need (keyed by `snapshot`), each in a web root of its own (a copy
    of web/dist, built just before; the snapshot one built into its copy), with the variants'
    pages as its demo, served by a mock backend each. A bundle that cannot be built or served
    carries its error instead."""
    with tempfile.TemporaryDirectory(prefix="sse-client-startup-") as temporary, \
            contextlib.ExitStack() as stack:
        bundles: dict[bool, Bundle] = {}
        for snapshot in sorted({v.snapshot for v in variants}):
            name = "snapshot" if snapshot else "default"
            root = Path(temporary) / name
            bundle = bundles[snapshot] = Bundle(name=name, dist=root / "dist")
            try:
                shutil.copytree(DIST, bundle.dist)
                if snapshot:
                    say("start-up: building the bundle with a memory snapshot ...")
                    build_snapshot_bundle(bundle.dist)
                (root / "demo").mkdir()
                for variant in variants:
                    if variant.snapshot == snapshot:
                        (root / "demo" / f"{variant.slug}.html").write_text(
                            startup_page(variant, bundle.runtime), encoding="utf-8")
                bundle.base = stack.enter_context(mock_backend_process(root))
            except (OSError, RuntimeError) as error:
                bundle.error = f"{name} bundle: {error}"
        yield bundles


# --- measuring --------------------------------------------------------------------------------

LOAD_RESULT = """async (timeoutMs) => {
  const outcome = await Promise.race([
    (window.startup || Promise.reject(new Error("the page set no window.startup")))
      .then(value => ({ ok: true, ...value }),
            error => ({ ok: false, error: String((error && error.message) || error) })),
    new Promise(resolve => setTimeout(() => resolve({ ok: false, error: `not ready after ${timeoutMs} ms` }), timeoutMs)),
  ]);
  // Let the task that resolved ready end and be reported, then take what is pending.
  await new Promise(resolve => setTimeout(resolve, 100));
  window.flushLongTasks();
  return { ...outcome, longTasks: window.longTasks, longTaskSupport: window.longTaskSupport,
           progress: window.progressTimes, probe: window.startupProbe };
}"""


def transfer(request: Any, dist: Path) -> dict[str, Any]:
    """What one finished request for `/dist/...` took: over the wire (headers and body as they
    came; 0 from the HTTP cache) and without compression (its gzip'd body as the file's size)."""
    sizes = request.sizes()
    response = request.response()
    headers = max(0, sizes["responseHeadersSize"])
    wire = max(0, headers + sizes["responseBodySize"])
    encoding = (response.headers.get("content-encoding") if response is not None else None) or ""
    path = urllib.parse.unquote(urllib.parse.urlsplit(request.url).path)[len("/dist/"):]
    return file_transfer(path, wire, headers, encoding, dist)


def file_transfer(path: str, wire: int, headers: int, encoding: str, dist: Path) -> dict[str, Any]:
    plain = dist / path
    identity = wire
    if encoding == "gzip" and wire > headers and plain.is_file():
        identity = headers + plain.stat().st_size
    return {"path": path, "wire": wire, "identity": identity, "encoding": encoding}


def load_once(page: Any, navigate: Callable[[], Any], dist: Path) -> dict[str, Any]:
    """One page load: navigate, wait for ready; what it took. `error` says why it failed."""
    requests: list[Any] = []

    def finished(request: Any) -> None:
        requests.append(request)

    page.on("requestfinished", finished)
    try:
        navigate()
        result: dict[str, Any] = page.evaluate(LOAD_RESULT, LOAD_TIMEOUT_MS)
    finally:
        page.remove_listener("requestfinished", finished)
    if not result.get("ok"):
        return {"error": result.get("error", "?")}
    ready = result["ready"]
    result["files"] = [transfer(request, dist) for request in requests
                       if urllib.parse.urlsplit(request.url).path.startswith("/dist/")]
    # The long tasks of the boot: those that began before ready (the one it resolved in, too).
    result["longTasks"] = [task["duration"] for task in result["longTasks"] if task["start"] < ready]
    return result


@dataclass
class Startup:
    variants: tuple[Variant, ...]
    runs: int
    loads: dict[tuple[str, str], list[dict[str, Any]]]  # (variant, cold|warm) -> page loads
    errors: dict[str, str]  # variant -> why it is n/a
    files: list[tuple[str, str, int, int | None]]  # (bundle, path, bytes, gzip sibling's bytes)
    package: dict[str, int]  # the package's own .pyc in runtime.zip, and the loader, in bytes


def check_mode(variant: Variant, load: dict[str, Any]) -> str:
    if "error" in load:
        return str(load["error"])
    if variant.boot and load.get("mode") != variant.boot:
        return (f"SSEClient.mode is {load.get('mode')!r}, not {variant.boot!r}: this loader has "
                f"no {variant.boot} boot mode")
    if variant.snapshot and load.get("fromSnapshot") is False:  # None: a loader that does not say
        return f"booted without its snapshot (SSEClient.snapshotError: {load.get('snapshotError')})"
    return ""


def measure_startup(browser: Any, plan: Plan, say: Callable[[str], None],
                    variants: Sequence[Variant] = VARIANTS) -> Startup:
    variants = tuple(variants)
    loads: dict[tuple[str, str], list[dict[str, Any]]] = {
        (v.name, state): [] for v in variants for state in STATES}
    errors: dict[str, str] = {}
    with serve_bundles(variants, say) as bundles:
        for run in range(plan.startup_runs):
            shift = run % len(variants)
            for variant in variants[shift:] + variants[:shift]:
                bundle = bundles[variant.snapshot]
                if bundle.error and variant.name not in errors:
                    errors[variant.name] = bundle.error
                if variant.name in errors:
                    continue
                say(f"start-up: {variant.name} (run {run + 1} of {plan.startup_runs}) ...")
                errors.update(measure_variant(browser, variant, bundle, loads, done=run))
        files = bundle_files(bundles)
        default = bundles.get(False)
        package = package_sizes(default) if default is not None and not default.error else {}
    return Startup(variants=variants, runs=plan.startup_runs, loads=loads, errors=errors,
                   files=files, package=package)


def first_line(error: BaseException) -> str:
    """What an error says, in one line, without Playwright's `Page.evaluate: ` prefix."""
    lines = str(error).strip().splitlines()
    text = lines[0] if lines else type(error).__name__
    for prefix in ("Page.evaluate: ", "Page.goto: ", "Page.reload: ", "Page.wait_for_function: "):
        text = text.removeprefix(prefix)
    return text[:300]


def measure_variant(browser: Any, variant: Variant, bundle: Bundle,
                    loads: dict[tuple[str, str], list[dict[str, Any]]], *, done: int) -> dict[str, str]:
    """One cold and one warm load of `variant`, into `loads`; {name: error} if it failed."""
    url = f"{bundle.base}/demo/{variant.slug}.html"
    context = browser.new_context()  # a new context: an empty HTTP cache
    page_errors: list[str] = []
    try:
        page = context.new_page()
        page.on("pageerror", lambda error: page_errors.append(str(error)))
        steps = (("cold", lambda: page.goto(url, wait_until="domcontentloaded")),
                 ("warm", lambda: page.reload(wait_until="domcontentloaded")))
        for state, navigate in steps:
            load = load_once(page, navigate, bundle.dist)
            problem = check_mode(variant, load)
            if problem:
                raise RuntimeError(f"{state}: {problem}")
            loads[(variant.name, state)].append(load)
    except Exception as error:  # noqa: BLE001 - any failure makes this variant n/a, not the run
        text = first_line(error)
        if page_errors:
            text += f" (page error: {page_errors[0][:200]})"
        if done:
            text += f"; after {done} good run(s)"
        return {variant.name: text[:400]}
    finally:
        context.close()
    return {}


def bundle_files(bundles: dict[bool, Bundle]) -> list[tuple[str, str, int, int | None]]:
    rows = []
    for bundle in bundles.values():
        if bundle.error:
            continue
        for path in sorted(bundle.dist.rglob("*")):
            if path.is_file() and path.suffix != ".gz":
                sibling = path.with_name(path.name + ".gz")
                rows.append((bundle.name, str(path.relative_to(bundle.dist)), path.stat().st_size,
                             sibling.stat().st_size if sibling.is_file() else None))
    return rows


def package_sizes(bundle: Bundle) -> dict[str, int]:
    """sse_client's own files in runtime.zip: as stored, and deflated one by one (as the zip of
    sources used to be); and the loader."""
    sizes = {"pyc": 0, "deflated": 0, "loader": (bundle.dist / "sse-client.js").stat().st_size}
    for archive in bundle.dist.glob("app-*/runtime.zip"):
        with zipfile.ZipFile(archive) as runtime:
            for info in runtime.infolist():
                if info.filename.startswith("sse_client/"):
                    data = runtime.read(info)
                    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
                    sizes["pyc"] += len(data)
                    sizes["deflated"] += len(packer.compress(data) + packer.flush())
    return sizes


@dataclass
class Streaming:
    """Latency at LLM pace of (a) on the clients page booted each way, interleaved."""

    events: int
    pace_hz: int
    rounds: int
    samples: dict[str, list[float]] = field(default_factory=dict)  # variant -> latencies, ms
    ok: dict[str, bool] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def measure_streaming(context: Any, page: Any, site: str, backend: str, plan: Plan,
                      variants: Sequence[Variant] = VARIANTS) -> Streaming:
    """(a)'s latency at LLM pace on `page` (the default clients page) and on a clients page per
    streaming variant, in the same context, `plan.paced_runs` interleaved rounds."""
    result = Streaming(events=plan.paced_events, pace_hz=plan.pace_hz, rounds=plan.paced_runs)
    pages = {"default": page}
    for variant in variants:
        if not variant.stream:
            continue
        other = context.new_page()
        try:
            open_clients_page(other, site, f"clients-{variant.slug}.html")
            problem = check_mode(variant, {"mode": other.evaluate(
                "SSEClient.mode === undefined ? null : SSEClient.mode")})
            if problem:
                raise RuntimeError(problem)
            pages[variant.name] = other
        except Exception as error:  # noqa: BLE001 - n/a, not a crashed run
            result.errors[variant.name] = first_line(error)
            other.close()
    if len(pages) > 1:
        one = replace(plan, paced_runs=1)
        for run in range(plan.paced_runs):
            names = list(pages)
            names = names[run % len(names):] + names[:run % len(names)]
            for name in names:
                if name in result.errors:
                    continue
                try:
                    latency = measure_latency(pages[name], backend, one, clients=("ours",))
                except Exception as error:  # noqa: BLE001
                    result.errors[name] = first_line(error)
                    continue
                result.samples.setdefault(name, []).extend(latency.samples["ours"])
                result.ok[name] = result.ok.get(name, True) and latency.ok_by_client["ours"]
    for name, other in pages.items():
        if name != "default":
            other.close()
    return result


# --- the report -------------------------------------------------------------------------------


def _spread(values: Sequence[float]) -> str:
    return f"{min(values):,.0f}–{max(values):,.0f}"


def _kb(value: float) -> str:
    return f"{value / 1000:,.0f}"


def dist_bytes(load: dict[str, Any], key: str) -> int:
    return sum(int(f[key]) for f in load["files"])


def longest_task(loads: Sequence[dict[str, Any]]) -> float:
    return max((max(load["longTasks"], default=0.0) for load in loads), default=0.0)


def section(s: Startup, streaming: Streaming | None, targets: list[tuple[str, str, bool]]) -> list[str]:
    ready = {key: [load["ready"] for load in loads] for key, loads in s.loads.items() if loads}
    lines = [
        "### Start-up",
        "",
        "Navigation start to ready: `SSEClient.ready` resolved, or for `bare` `loadPyodide` "
        "resolved (`pyodide.js` by script tag, then `loadPyodide({indexURL})` from the same "
        "bundle's `pyodide-<hex>/`, with Pyodide's whole standard library and lock file: the "
        "baseline). Variants: "
        + "; ".join(f"`{v.name}` {_describe(v)}" for v in s.variants)
        + f". Cold: a new browser context each run (empty HTTP cache); warm: a reload in that "
        f"context. {s.runs} run(s) of each, the variants' order rotated each run. Each bundle is "
        f"served by a mock backend of its own, as a deploy would: `.gz` siblings to a request "
        f"that accepts gzip, `pyodide-<hex>/` and `app-<hex>/` as `immutable`, the loader and "
        f"the page `no-cache` (a warm load revalidates them). Transferred = the page's requests "
        f"for `/dist/` (a worker's included), headers and body as they came over the wire "
        f"(Playwright's `request.sizes()`; 0 from the HTTP cache); without compression = the "
        f"same requests with each gzip'd body counted as its file's size (computed, not a "
        f"second run). kB = 1,000 bytes. Long tasks: a `longtask` PerformanceObserver "
        f"(buffered) registered in an inline script before the loader; only the page's main "
        f"thread (a worker's tasks are not the page's), tasks that began before ready. "
        f"(`bench/pages/startup.html`, `bench/startup_bench.py`.)",
        "",
    ]
    for state in STATES:
        rows = []
        bare = ready.get(("bare", state))
        for v in s.variants:
            loads = s.loads[(v.name, state)]
            if v.name in s.errors or not loads:
                rows.append([f"`{v.name}`", f"n/a (error: {s.errors.get(v.name, 'no run')})",
                             *[""] * 8])
                continue
            values = ready[(v.name, state)]
            ratio = f"{median(values) / median(bare):.2f}×" if bare else "n/a"
            supported = all(load.get("longTaskSupport") for load in loads)
            longest = longest_task(loads)
            rows.append([
                f"`{v.name}`", f"{median(values):,.0f}", _spread(values), ratio,
                _kb(median([dist_bytes(load, "wire") for load in loads])),
                _kb(median([dist_bytes(load, "identity") for load in loads])),
                f"{median([len(load['files']) for load in loads]):.0f} "
                f"({median([sum(1 for f in load['files'] if f['wire']) for load in loads]):.0f})",
                (f"{longest:,.0f}" if longest else "none over 50") if supported else "unsupported",
                f"{median([len(load['longTasks']) for load in loads]):.0f}",
                ", ".join(f"{value:,.0f}" for value in values),
            ])
        title = ("Cold: a first visit (new context, empty HTTP cache)" if state == "cold"
                 else "Warm: a reload (HTTP cache)")
        lines += [
            f"**{title}**, ms since navigation start:",
            "",
            _table(["variant", "ready (median)", "spread", "× bare", "transferred kB (gzip)",
                    "without compression kB", "requests (over the network)",
                    "longest main-thread task ms (worst run)", "long tasks per load (median)",
                    "runs (ready)"], rows),
            "",
        ]
    lines += _phases(s)
    if streaming is not None:
        lines += _streaming(streaming)
    lines += _sizes(s)
    _targets(s, streaming, ready, targets)
    lines += [
        "Reproduce: `python3 build.py bench` (the whole benchmark; `--quick` for a smoke run), or "
        "`.venv/bin/python -m bench.run --quick --no-write`. A variant is one entry of "
        "`VARIANTS` in `bench/startup_bench.py`.",
        "",
    ]
    return lines


def _describe(v: Variant) -> str:
    if not v.loader:
        return "(bare `loadPyodide`)"
    tag = loader_tag(v).replace("</script>", "").replace(LOADER, "…/sse-client.js")
    where = "the bundle built with `--snapshot`" if v.snapshot else "the bundle as built"
    return f"(`{tag}`, {where})"


PHASE_ORDER = ("download", "downloaded", "start", "package", "ready")
Timing = Callable[[dict[str, Any]], "float | None"]


def _at(loads: Sequence[dict[str, Any]], get: Timing) -> str:
    """The median of a time over the loads, or – when some load has none."""
    values = [value for value in map(get, loads) if value is not None]
    return f"{median(values):,.0f}" if values and len(values) == len(loads) else "–"


def _probe(key: str) -> Timing:
    return lambda load: load["probe"].get(key)


def _progress(phase: str) -> Timing:
    return lambda load: (load.get("progress") or {}).get(phase)


def _after_pyodide(load: dict[str, Any]) -> float | None:
    resolved = load["probe"].get("loadPyodideResolved")
    return None if resolved is None else float(load["ready"] - resolved)


def _phases(s: Startup) -> list[str]:
    seen: list[str] = []
    for loads in s.loads.values():
        for load in loads:
            for phase in load.get("progress") or {}:
                if phase not in seen:
                    seen.append(phase)
    phases = [p for p in PHASE_ORDER if p in seen] + [p for p in seen if p not in PHASE_ORDER]
    rows = []
    for state in STATES:
        for v in s.variants:
            loads = s.loads[(v.name, state)]
            if v.name in s.errors or not loads:
                continue
            rows.append([state, f"`{v.name}`", _at(loads, _probe("loadPyodideCalled")),
                         _at(loads, _probe("loadPyodideResolved")), _at(loads, _after_pyodide),
                         *[_at(loads, _progress(p)) for p in phases],
                         f"{median([x['ready'] for x in loads]):,.0f}"])
    return [
        "Where the time goes (medians, ms since navigation start): `loadPyodide` called and "
        "resolved on the page's main thread (a probe that wraps `globalThis.loadPyodide` when "
        "`pyodide.js` defines it; a worker's is not seen), and the first time the loader's "
        "`onProgress` reported each phase (`downloaded`: the first report with every byte of "
        "the runtime counted; a listener added late hears the latest phase at once).",
        "",
        _table(["cache", "variant", "loadPyodide called", "loadPyodide resolved", "ready − resolved",
                *[f"`{p}`" for p in phases], "ready"], rows),
        "",
    ]


def _streaming(st: Streaming) -> list[str]:
    lines = [
        f"Streaming per boot mode: (a) `SSEClient.chatWithModelStream` at LLM pace "
        f"({st.events} events at {st.pace_hz}/s, stamped, measured as in the latency section "
        f"above) on the clients page as it is and on a copy whose loader tag has the variant's "
        f"`data-boot`, in the same context, {st.rounds} interleaved round(s); ms from the "
        f"server's write to onChunk on the page's main thread.",
        "",
    ]
    rows = []
    base = percentile(st.samples["default"], 99) if st.samples.get("default") else None
    for name in ["default", *[n for n in (*st.samples, *st.errors) if n != "default"]]:
        if name in st.errors:
            rows.append([f"`{name}`", f"n/a (error: {st.errors[name]})", "", "", "", ""])
            continue
        if name not in st.samples or not st.samples[name]:
            continue
        values = st.samples[name]
        p99 = percentile(values, 99)
        label = f"`{name}`" + ("" if st.ok.get(name, False) else " (wrong reply!)")
        rows.append([label, f"{len(values):,}", f"{percentile(values, 50):.2f}", f"{p99:.2f}",
                     f"{max(values):.2f}", f"{p99 - base:+.2f}" if base is not None else ""])
    if len(rows) <= 1 and not st.errors:
        return []
    return lines + [_table(["boot", "samples", "p50 ms", "p99 ms", "max ms", "p99 − default"], rows), ""]


def _sizes(s: Startup) -> list[str]:
    fetched: dict[tuple[str, str], list[str]] = {}
    for v in s.variants:
        for load in s.loads[(v.name, "cold")][:1]:
            bundle = "snapshot" if v.snapshot else "default"
            for f in load["files"]:
                names = fetched.setdefault((bundle, f["path"]), [])
                if v.name not in names:
                    names.append(v.name)
    rows = []
    for bundle, path, size, packed in s.files:
        if bundle == "snapshot" and not path.startswith("app-"):
            continue  # the same files as the default bundle's
        users = fetched.get((bundle, path), [])
        if bundle == "default" and not path.startswith("app-"):
            users = users + [u for u in fetched.get(("snapshot", path), []) if u not in users]
        rows.append([f"`{path}`" + (" (snapshot bundle)" if bundle == "snapshot" else ""),
                     f"{size:,}", f"{packed:,}" if packed is not None else "–",
                     ", ".join(f"`{u}`" for u in users) or "–"])
    lines = [
        "The bundles' files, bytes (the `.gz` beside each is what a server with precompressed "
        "files sends), and the variants whose first visit requested each (from the first cold "
        "run):",
        "",
        _table(["file", "bytes", "gzip (.gz)", "requested by"], rows),
        "",
    ]
    if s.package:
        p = s.package
        lines += [
            f"The package itself: sse_client's .pyc in `runtime.zip` {p['pyc']:,} bytes "
            f"(deflated one by one, as a zip of them would be: {p['deflated']:,}), the loader "
            f"`sse-client.js` {p['loader']:,} bytes.",
            "",
        ]
    return lines


def _targets(s: Startup, streaming: Streaming | None, ready: dict[tuple[str, str], list[float]],
             targets: list[tuple[str, str, bool]]) -> None:
    def missing(name: str) -> str:
        return f"n/a (error: {s.errors[name]})" if name in s.errors else "n/a (no run)"

    loaders = [v for v in s.variants if v.loader]
    for state, limit in (("warm", WARM_RATIO), ("cold", COLD_RATIO)):
        bare = ready.get(("bare", state))
        for v in loaders:
            name = f"{state.capitalize()} ready ≤ {limit}× bare `loadPyodide`: `{v.name}`"
            values = ready.get((v.name, state))
            if not bare or not values or v.name in s.errors:
                targets.append((name, missing("bare" if not bare else v.name), False))
                continue
            ratio = median(values) / median(bare)
            targets.append((name, f"{ratio:.2f}× ({median(values):,.0f} vs {median(bare):,.0f} ms)",
                            ratio <= limit))
    for v in loaders:
        if v.snapshot:
            continue
        name = f"First visit ≤ {FIRST_VISIT_BYTES / 1e6:.0f} MB over the wire with gzip, no snapshot: `{v.name}`"
        loads = s.loads[(v.name, "cold")]
        if not loads or v.name in s.errors:
            targets.append((name, missing(v.name), False))
            continue
        wire = median([dist_bytes(load, "wire") for load in loads])
        identity = median([dist_bytes(load, "identity") for load in loads])
        targets.append((name, f"{wire / 1e6:.2f} MB = {wire / 2**20:.2f} MiB, headers included "
                              f"({identity / 1e6:.2f} MB without compression)",
                        wire <= FIRST_VISIT_BYTES))
    for v in loaders:
        if v.boot != "worker":
            continue
        name = f"No main-thread long task over {LONG_TASK_MS:.0f} ms in the worker mode: `{v.name}`"
        loads = [load for state in STATES for load in s.loads[(v.name, state)]]
        if not loads or v.name in s.errors:
            targets.append((name, missing(v.name), False))
            continue
        if not all(load.get("longTaskSupport") for load in loads):
            targets.append((name, "n/a (no longtask entries in this browser)", False))
            continue
        worst = {state: longest_task(s.loads[(v.name, state)]) for state in STATES}
        targets.append((name, ", ".join(f"{state}: {f'{ms:,.0f} ms' if ms else 'none'}"
                                        for state, ms in worst.items()),
                        max(worst.values()) <= LONG_TASK_MS))
    if streaming is not None:
        base = streaming.samples.get("default")
        for v in s.variants:
            if not v.stream:
                continue
            name = f"p99 at LLM pace within {WORKER_LATENCY_MS:g} ms of in-page: `{v.name}`"
            values = streaming.samples.get(v.name)
            if v.name in streaming.errors or not values or not base:
                error = streaming.errors.get(v.name) or streaming.errors.get("default") or "no samples"
                targets.append((name, f"n/a (error: {error})", False))
                continue
            p99, p99_base = percentile(values, 99), percentile(base, 99)
            targets.append((name, f"{p99:.2f} vs {p99_base:.2f} ms ({p99 - p99_base:+.2f})",
                            p99 - p99_base <= WORKER_LATENCY_MS and streaming.ok.get(v.name, False)))
    if s.package:
        total = s.package["deflated"] + s.package["loader"]
        targets.append((f"Our package < {PACKAGE_BUDGET_BYTES // KB} KB (an earlier target: its "
                        f"files deflated + the loader)",
                        f"{total / KB:.1f} KB ({s.package['deflated'] / KB:.1f} KB of .pyc deflated "
                        f"+ {s.package['loader'] / KB:.1f} KB loader)", total < PACKAGE_BUDGET_BYTES))
