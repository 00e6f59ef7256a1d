"""CPython benchmark of `EventStreamParser` against other Python SSE parsers, fed the same bytes.

    .venv/bin/python -m bench.parser_bench               # the full run: prints a Markdown section
    .venv/bin/python -m bench.parser_bench --repeats 15  # more rounds on a noisy machine
    .venv/bin/python -m bench.parser_bench --quick       # a smoke run on 1/100 of each corpus

Each parser gets the same list of chunks (`bench.corpora`: three corpora, each cut two ways) and
is driven through its public API, the way its users drive it:

- ours: `EventStreamParser().feed(chunk)` for each chunk;
- httpx-sse: `EventSource(response).iter_sse()` over an `httpx.Response` whose stream yields the
  chunks, which includes httpx's own bytes-to-text decoding, as users get it;
- sseclient-py: `SSEClient(chunks).events()`;
- launchdarkly-eventsource: `SSEClient(connect=...).events`, with a `ConnectStrategy` (its
  documented extension point) whose connection yields the chunks.

The timed region runs from the first chunk to the list of every event the parser dispatched
(gc disabled); a warm-up run comes first and its events are the ones checked, as
(event, data, id, retry), against ours. Rounds interleave the parsers, so that the ratios of
one run share the machine's conditions. Separately, a few inputs written from the rules of
WHATWG HTML 9.2.6 go through every parser: the conformance table.

`run(repeats)` returns the Markdown; `main` prints it.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from importlib import metadata
from typing import Any

from bench.corpora import CHUNKINGS, CORPORA, DEFAULT_EVENTS, chunked, corpus, dispatched_events

# What every parser's events are compared as: (event type, data, last event ID, retry).
Dispatched = tuple[str, str, str, Any]
Parse = Callable[[list[bytes]], list[Any]]

QUICK_FRACTION = 100  # --quick: corpora of 1/100 of their events
# Timed rounds per corpus and chunking. On these shared machines one round can be 20% off (the
# same parse of llm/fixed-1460 ran at 437k to 662k events/s back to back); ratios are taken
# round by round (see `_ratio`).
DEFAULT_REPEATS = 9


@dataclass(frozen=True)
class Contender:
    """A parser as the benchmark drives it."""

    name: str  # as the tables show it
    package: str  # the distribution whose version the notes give
    prepare: Callable[[], Parse]  # imports the parser; returns chunks -> its events
    normalise: Callable[[Any], Dispatched]
    target: float | None  # the events/s ratio, ours to it, the project aims at

    def parse_all(self, chunks: list[bytes]) -> list[Dispatched]:
        return [self.normalise(event) for event in self.prepare()(chunks)]


# --- The contenders --------------------------------------------------------------------------------


def _prepare_ours() -> Parse:
    from sse_client.parser import EventStreamParser

    def parse(chunks: list[bytes]) -> list[Any]:
        parser = EventStreamParser()
        events: list[Any] = []
        for chunk in chunks:
            events += parser.feed(chunk)
        return events

    return parse


def _prepare_httpx_sse() -> Parse:
    import httpx
    import httpx_sse

    class Chunks(httpx.SyncByteStream):
        def __init__(self, chunks: list[bytes]) -> None:
            self._chunks = chunks

        def __iter__(self) -> Iterator[bytes]:
            return iter(self._chunks)

    def parse(chunks: list[bytes]) -> list[Any]:
        response = httpx.Response(
            200, headers={"content-type": "text/event-stream"}, stream=Chunks(chunks)
        )
        return list(httpx_sse.EventSource(response).iter_sse())

    return parse


def _prepare_sseclient_py() -> Parse:
    import sseclient

    def parse(chunks: list[bytes]) -> list[Any]:
        return list(sseclient.SSEClient(iter(chunks)).events())

    return parse


def _prepare_launchdarkly() -> Parse:
    from ld_eventsource import SSEClient  # type: ignore[import-untyped]
    from ld_eventsource.config import (  # type: ignore[import-untyped]
        ConnectionClient,
        ConnectionResult,
        ConnectStrategy,
    )

    class Connection(ConnectionClient):  # type: ignore[misc]
        def __init__(self, chunks: list[bytes]) -> None:
            self._chunks = chunks

        def connect(self, last_event_id: str | None) -> ConnectionResult:
            return ConnectionResult(iter(self._chunks), None)

    class Chunks(ConnectStrategy):  # type: ignore[misc]
        def __init__(self, chunks: list[bytes]) -> None:
            self._chunks = chunks

        def create_client(self, logger: Any) -> ConnectionClient:
            return Connection(self._chunks)

    def parse(chunks: list[bytes]) -> list[Any]:
        return list(SSEClient(Chunks(chunks)).events)

    return parse


def _as_is(event: Any) -> Dispatched:
    return (event.event, event.data, event.id, event.retry)


def _sseclient_event(event: Any) -> Dispatched:
    # `id` is the event's own `id` field or None; `retry` the raw field value, a str or None.
    retry = event.retry
    if isinstance(retry, str) and retry.isascii() and retry.isdigit():
        retry = int(retry)
    return (event.event, event.data, event.id or "", retry)


def _launchdarkly_event(event: Any) -> Dispatched:
    # `last_event_id` is the stream's last event ID; `retry` never reaches an event (SSEClient
    # passes its reader no callback for it).
    return (event.event, event.data, event.last_event_id or "", None)


OURS = Contender("sse-client (ours)", "sse-client", _prepare_ours, _as_is, None)
CONTENDERS: tuple[Contender, ...] = (
    OURS,
    Contender("httpx-sse", "httpx-sse", _prepare_httpx_sse, _as_is, 1.5),
    Contender("sseclient-py", "sseclient-py", _prepare_sseclient_py, _sseclient_event, 2.0),
    Contender(
        "launchdarkly-eventsource",
        "launchdarkly-eventsource",
        _prepare_launchdarkly,
        _launchdarkly_event,
        None,
    ),
)

# --- Conformance cases -----------------------------------------------------------------------------

BOM = b"\xef\xbb\xbf"


def _ev(data: str, event: str = "message", id: str = "", retry: int | None = None) -> Dispatched:
    return (event, data, id, retry)


@dataclass(frozen=True)
class Case:
    """One rule of "Interpreting an event stream", an input that tests it, and what the spec
    makes of that input."""

    rule: str
    chunks: tuple[bytes, ...]
    expected: tuple[Dispatched, ...]


CASES: tuple[Case, ...] = (
    Case(
        "CR alone ends a line",
        (b"event: e\rdata: a\rdata: b\r\rdata: c\r\r",),
        (_ev("a\nb", "e"), _ev("c")),
    ),
    Case(
        "CR LF split across chunks is one line end",
        (b"data: a\r", b"\ndata: b\r", b"\n\r", b"\n"),
        (_ev("a\nb"),),
    ),
    Case(
        "LF, CR, CRLF mixed; LF then CR is two line ends",
        (b"data: a\ndata: b\rdata: c\r\n\r\ndata: d\n\r",),
        (_ev("a\nb\nc"), _ev("d")),
    ),
    Case(
        "only CR and LF end lines (not VT, FF, NEL, U+2028)",
        ("data: a\x0bb\x0cc\x85d\u2028e\n\n".encode(),),
        (_ev("a\x0bb\x0cc\x85d\u2028e"),),
    ),
    Case("a leading BOM is ignored", (BOM + b"data: a\n\n",), (_ev("a"),)),
    Case(
        "invalid UTF-8 decodes to U+FFFD",
        (b"data: a\xffb\xe2\x82\n\n",),
        (_ev("a\ufffdb\ufffd"),),
    ),
    Case(
        "a character split across chunks",
        (b"data: \xe2\x82", b"\xac\xf0\x9f", b"\x98\x80\n\n"),
        (_ev("\u20ac\U0001f600"),),
    ),
    Case(
        "empty `data` lines are kept",
        (b"data\n\ndata: a\ndata:\n\n",),
        (_ev(""), _ev("a\n")),
    ),
    Case(
        "an event without data is not dispatched",
        (b"event: x\n\ndata: a\n\n",),
        (_ev("a"),),
    ),
    Case(
        "a keep-alive comment dispatches nothing",
        (b"id: 1\ndata: a\n\n: ping\n\nid: 2\ndata: b\n\n",),
        (_ev("a", id="1"), _ev("b", id="2")),
    ),
    Case(
        "the last event ID persists",
        (b"id: 7\ndata: a\n\ndata: b\n\n",),
        (_ev("a", id="7"), _ev("b", id="7")),
    ),
    Case(
        "an `id` with NUL is ignored",
        (b"id: 1\ndata: a\n\nid: 2\x003\ndata: b\n\n",),
        (_ev("a", id="1"), _ev("b", id="1")),
    ),
    Case(
        "`retry` of ASCII digits is applied",
        (b"retry: 1500\ndata: a\n\n",),
        (_ev("a", retry=1500),),
    ),
    Case(
        "`retry` not of ASCII digits is ignored",
        (b"retry: 1500\nretry: 1.5\nretry: -1\nretry:  10\nretry: \xd9\xa1\ndata: a\n\n",),
        (_ev("a", retry=1500),),
    ),
    Case(
        "an unfinished event at the end is dropped",
        (b"data: a\n\ndata: b\n",),
        (_ev("a"),),
    ),
)


# Why a peer fails a rule, from its source (the pinned versions); shown only for a failure the run
# observed.
DIAGNOSES: dict[tuple[str, str], str] = {
    ("httpx-sse", "a leading BOM is ignored"): "httpx decodes with `utf-8`, which keeps the BOM: "
    "it joins the first field name, and the first event is lost",
    ("httpx-sse", "an event without data is not dispatched"): "it dispatches on a blank line if "
    "the event type, the data, the last event ID or the retry is set, not only the data",
    ("httpx-sse", "a keep-alive comment dispatches nothing"): "the same test: once the stream "
    "has set an id, every blank line dispatches, so each `: ping` block becomes an empty "
    "message: the events it adds on the llm corpus",
    ("httpx-sse", "`retry` not of ASCII digits is ignored"): "`int()` takes signs, surrounding "
    "spaces, `_` and non-ASCII digits: `retry: \u0661` (ARABIC-INDIC DIGIT ONE) sets 1",
    ("sseclient-py", "a leading BOM is ignored"): "the BOM is not stripped: it joins the first "
    "field name, and the first event is lost",
    ("sseclient-py", "invalid UTF-8 decodes to U+FFFD"): "lines are decoded strictly: "
    "`UnicodeDecodeError` ends the stream",
    ("sseclient-py", "the last event ID persists"): "an event's `id` is its own `id` field only; "
    "the last event ID is not carried over (so `[DONE]` on the llm corpus has none)",
    ("sseclient-py", "an `id` with NUL is ignored"): "the NUL check is missing",
    ("sseclient-py", "`retry` not of ASCII digits is ignored"): "`retry` is the raw string of "
    "the last `retry` line, unchecked",
    ("sseclient-py", "an unfinished event at the end is dropped"): "what is buffered when the "
    "stream ends is parsed and dispatched as an event",
    ("launchdarkly-eventsource", "a leading BOM is ignored"): "the BOM is not stripped: it joins "
    "the first field name, and the first event is lost",
    ("launchdarkly-eventsource", "invalid UTF-8 decodes to U+FFFD"): "lines are decoded strictly: "
    "`UnicodeDecodeError` ends the stream",
    ("launchdarkly-eventsource", "`retry` of ASCII digits is applied"): "`SSEClient` gives its "
    "reader no callback for `retry`: the field is parsed, then dropped",
    ("launchdarkly-eventsource", "`retry` not of ASCII digits is ignored"): "`retry` never reaches "
    "the client (see above)",
}


@dataclass(frozen=True)
class CaseResult:
    passed: bool
    outcome: str  # "pass", "FAIL" or "error: <exception type>"
    got: tuple[Dispatched, ...] | None


def check_case(contender: Contender, case: Case) -> CaseResult:
    try:
        got = tuple(contender.parse_all(list(case.chunks)))
    except Exception as exc:  # a peer's failure is a result, not a crash of the benchmark
        return CaseResult(False, f"error: {type(exc).__name__}", None)
    if got == case.expected:
        return CaseResult(True, "pass", got)
    return CaseResult(False, "FAIL", got)


# --- Timing ----------------------------------------------------------------------------------------


def _time_once(parse: Parse, chunks: list[bytes]) -> float:
    gc.collect()
    gc.disable()
    try:
        start = time.perf_counter()
        events = parse(chunks)
        elapsed = time.perf_counter() - start
    finally:
        gc.enable()
    del events
    return elapsed


@dataclass(frozen=True)
class Cell:
    """One parser on one corpus cut one way."""

    corpus: str
    chunking: str
    contender: Contender
    size: int  # bytes
    events: int  # what a spec-exact parser dispatches
    seconds: float  # median
    rounds: tuple[float, ...]  # the time of each round, in order (empty if it failed)
    missing: Counter[Dispatched]  # events ours dispatched and this parser did not
    extra: Counter[Dispatched]  # and the other way round
    error: str | None

    @property
    def mb_per_s(self) -> float:
        return self.size / self.seconds / 1e6

    @property
    def events_per_s(self) -> float:
        return self.events / self.seconds


def measure(
    name: str, how: str, repeats: int, events: int | None = None, contenders: Sequence[Contender] = CONTENDERS
) -> list[Cell]:
    """Time every contender on `corpus(name, events)` cut as `how`; check its events."""
    data = corpus(name, events)
    chunks = chunked(data, how)
    expected = dispatched_events(name, events)
    parses = {contender.name: contender.prepare() for contender in contenders}
    # The warm-up run, whose events are checked.
    seen: dict[str, Counter[Dispatched]] = {}
    errors: dict[str, str] = {}
    for contender in contenders:
        try:
            seen[contender.name] = Counter(map(contender.normalise, parses[contender.name](chunks)))
        except Exception as exc:
            errors[contender.name] = f"{type(exc).__name__}: {exc}"
    ours = seen[OURS.name]
    if sum(ours.values()) != expected:
        raise AssertionError(f"{name}/{how}: ours dispatched {sum(ours.values())}, not {expected}")
    timed = [contender for contender in contenders if contender.name not in errors]
    times: dict[str, list[float]] = {contender.name: [] for contender in timed}
    for round_ in range(repeats):
        shift = round_ % len(timed)  # each parser takes each place in the order in turn
        for contender in timed[shift:] + timed[:shift]:
            times[contender.name].append(_time_once(parses[contender.name], chunks))
    cells = []
    for contender in contenders:
        got = seen.get(contender.name, Counter())
        cells.append(
            Cell(
                corpus=name,
                chunking=how,
                contender=contender,
                size=len(data),
                events=expected,
                seconds=statistics.median(times[contender.name]) if contender.name in times else float("nan"),
                rounds=tuple(times.get(contender.name, ())),
                missing=ours - got,
                extra=got - ours,
                error=errors.get(contender.name),
            )
        )
    return cells


# --- The report ------------------------------------------------------------------------------------


def _ratio(ours: Cell, peer: Cell) -> float:
    """Ours events/s ÷ its events/s: the median over the rounds of the ratio of the two times in
    each round. Both sides of a round's ratio ran moments apart, so a slow spell of the shared
    machine (which can last several rounds) moves the ratio much less than the medians."""
    if ours.rounds and len(ours.rounds) == len(peer.rounds):
        return statistics.median(theirs / mine for theirs, mine in zip(peer.rounds, ours.rounds))
    return peer.seconds / ours.seconds


def _short(value: object, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _example(events: Counter[Dispatched]) -> str:
    event, count = events.most_common(1)[0]
    return f"e.g. {_short(event)}" + (f" ({count:,} times)" if count > 1 else "")


def _events(count: int) -> str:
    return f"{count:,} event{'' if count == 1 else 's'}"


def _same_events(cell: Cell) -> str:
    if cell.error:
        return f"error: {cell.error.split(':')[0]}"
    if not cell.missing and not cell.extra:
        return "yes"
    parts = []
    if cell.extra:
        parts.append(f"{sum(cell.extra.values()):,} extra")
    if cell.missing:
        parts.append(f"{sum(cell.missing.values()):,} missing or different")
    return "no: " + ", ".join(parts)


def _throughput_table(cells: list[Cell]) -> list[str]:
    lines = [
        "| corpus | chunking | parser | MB/s | events/s | ours ÷ this (events/s) | target | same events as ours |",
        "| --- | --- | --- | ---: | ---: | ---: | --- | --- |",
    ]
    ours_by_cell = {(c.corpus, c.chunking): c for c in cells if c.contender is OURS}
    for cell in cells:
        ours = ours_by_cell[(cell.corpus, cell.chunking)]
        if cell.error:
            speed = ["—", "—", "—"]
        else:
            speed = [f"{cell.mb_per_s:.1f}", f"{cell.events_per_s:,.0f}"]
            speed.append("—" if cell.contender is OURS else f"{_ratio(ours, cell):.2f}×")
        target = cell.contender.target
        if target is None:
            verdict = "—"
        elif cell.error:
            verdict = f"≥ {target:g}×: n/a"
        else:
            verdict = f"≥ {target:g}×: {'met' if _ratio(ours, cell) >= target else 'NOT met'}"
        lines.append(
            f"| {cell.corpus} | {cell.chunking} | {cell.contender.name} | "
            + " | ".join(speed)
            + f" | {verdict} | {_same_events(cell)} |"
        )
    return lines


def _event_differences(cells: list[Cell]) -> list[str]:
    lines = []
    for cell in cells:
        if cell.error:
            lines.append(f"- {cell.contender.name}, {cell.corpus}/{cell.chunking}: raised {cell.error}")
            continue
        if not cell.missing and not cell.extra:
            continue
        detail = []
        if cell.extra:
            detail.append(f"dispatched {_events(sum(cell.extra.values()))} ours did not, {_example(cell.extra)}")
        if cell.missing:
            detail.append(f"lacks {_events(sum(cell.missing.values()))} of ours, {_example(cell.missing)}")
        lines.append(f"- {cell.contender.name}, {cell.corpus}/{cell.chunking}: " + "; ".join(detail))
    return lines or ["- none: every parser dispatched exactly our events on every corpus and chunking"]


def _conformance(contenders: Sequence[Contender]) -> tuple[list[str], list[str], dict[str, int]]:
    header = "| rule | " + " | ".join(c.name for c in contenders) + " |"
    lines = [header, "| --- |" + " --- |" * len(contenders)]
    failures = []
    passed = {c.name: 0 for c in contenders}
    for case in CASES:
        row = []
        for contender in contenders:
            result = check_case(contender, case)
            row.append(result.outcome)
            passed[contender.name] += result.passed
            if not result.passed:
                got = "raised" if result.got is None else _short(list(result.got), 110)
                why = DIAGNOSES.get((contender.name, case.rule))
                failures.append(
                    f"- {case.rule} — {contender.name}: {why + '. ' if why else ''}"
                    f"Expected {_short(list(case.expected), 110)}, got {got}."
                )
        lines.append(f"| {case.rule} | " + " | ".join(row) + " |")
    lines.append(
        "| **passed** | " + " | ".join(f"**{passed[c.name]} of {len(CASES)}**" for c in contenders) + " |"
    )
    return lines, failures, passed


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _nproc() -> int:
    try:
        return len(os.sched_getaffinity(0))  # what `nproc` prints
    except AttributeError:
        return os.cpu_count() or 0


def _load() -> str:
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:
        return "n/a"


def run(repeats: int = DEFAULT_REPEATS, *, quick: bool = False) -> str:
    """Run the benchmark and the conformance cases; return them as a Markdown section."""
    if repeats < 1:
        raise ValueError("repeats must be at least 1")
    load_before = _load()
    started = time.perf_counter()
    cells: list[Cell] = []
    for name in CORPORA:
        events = DEFAULT_EVENTS[name] // QUICK_FRACTION if quick else None
        for how in CHUNKINGS:
            cells += measure(name, how, repeats, events)
    conformance, failures, passed = _conformance(CONTENDERS)
    elapsed = time.perf_counter() - started

    targeted = [c for c in cells if c.contender.target is not None]
    ours_by_cell = {(c.corpus, c.chunking): c for c in cells if c.contender is OURS}
    unmet = [
        c
        for c in targeted
        if c.error or _ratio(ours_by_cell[(c.corpus, c.chunking)], c) < (c.contender.target or 0)
    ]
    command = "cd /work/main && .venv/bin/python -m bench.parser_bench"
    if quick:
        command += " --quick"
    if repeats != (1 if quick else DEFAULT_REPEATS):
        command += f" --repeats {repeats}"
    sizes = ", ".join(
        f"{name} {len(corpus(name, DEFAULT_EVENTS[name] // QUICK_FRACTION if quick else None)) / 1e6:.1f} MB"
        for name in CORPORA
    )
    out = [
        "## Parser benchmark (CPython)",
        "",
        f"{'QUICK smoke run (corpora at 1/100, timings meaningless). ' if quick else ''}"
        f"Median of {repeats} interleaved round{'s' if repeats != 1 else ''} after a warm-up run; "
        f"corpora: {sizes}.",
        "",
        "### Throughput",
        "",
        *_throughput_table(cells),
        "",
        f"Targets (ours ÷ peer, events/s, same run): met in {len(targeted) - len(unmet)} of "
        f"{len(targeted)} cells"
        + ("." if not unmet else ": not met for " + ", ".join(
            f"{c.contender.name} on {c.corpus}/{c.chunking}" for c in unmet) + "."),
        "",
        "### Events that differ from ours on the corpora",
        "",
        *_event_differences(cells),
        "",
        "### Conformance: inputs written from the rules of WHATWG HTML 9.2.6",
        "",
        *conformance,
        "",
        "Where a parser fails a rule (events as (event, data, id, retry)):",
        "",
        *(failures or ["- none"]),
        "",
        "### Notes",
        "",
        f"- Machine: `nproc` {_nproc()}, {_cpu_model()}, {platform.system()} {platform.release()}; "
        f"{platform.python_implementation()} {platform.python_version()}. Shared with other work: "
        f"load average {load_before} before the run, {_load()} after; the run took {elapsed:.0f} s.",
        "- Versions: "
        + ", ".join(f"{c.package} {_version(c.package)}" for c in CONTENDERS)
        + f", httpx {_version('httpx')}.",
        "- Every parser gets the same chunks and is driven through its public API (see the "
        "module docstring). httpx-sse is measured as its users run it, `EventSource.iter_sse()` "
        "over an `httpx.Response`: that includes httpx's incremental UTF-8 decoding and "
        "httpx-sse's line splitting; its `SSEDecoder` lives in the private `httpx_sse._decoders` "
        "and is not timed alone.",
        "- Timed: from the first chunk to the list of all dispatched events, `time.perf_counter`, "
        "gc disabled; each round runs every parser once, in a rotating order. events/s is the "
        "number of events a spec-exact parser dispatches over the median time (the same count "
        "for every parser); MB/s is corpus bytes over it. `ours ÷ this` is the median over the "
        "rounds of the ratio of the two parsers' times in that round, so that a slow spell of "
        "the shared machine, which can last several rounds, hits both sides of each ratio; it "
        "can differ a little from the ratio of the events/s columns.",
        "- Events are compared as (event type, data, last event ID, retry): sseclient-py's "
        "missing `id` counts as \"\", its `retry` string as an int when it is ASCII digits; "
        "launchdarkly-eventsource's `last_event_id` is its id, and it reports no retry.",
        f"- Reproduce: `{command}` (`--help` for the options).",
    ]
    return "\n".join(out) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.parser_bench",
        description=(
            "Benchmark sse_client's EventStreamParser against httpx-sse, sseclient-py and "
            "launchdarkly-eventsource on CPython: MB/s and events/s on the corpora of "
            "bench.corpora (llm, multiline, tiny; each cut in 1,460-byte and in random "
            "1..4,096-byte chunks), a check that every parser dispatched the same events, and a "
            "table of conformance to the WHATWG rules. Prints Markdown."
        ),
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=None,
        help=f"timed rounds per corpus and chunking; the median is reported (default: {DEFAULT_REPEATS}, or 1 with --quick)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: corpora at 1/100 of their events, 1 round unless --repeats is given",
    )
    args = parser.parse_args(argv)
    repeats = args.repeats if args.repeats is not None else (1 if args.quick else DEFAULT_REPEATS)
    if repeats < 1:
        parser.error("--repeats must be at least 1")
    sys.stdout.write(run(repeats, quick=args.quick))
    return 0


if __name__ == "__main__":
    sys.exit(main())
