"""Throughput per dialect, one event per write: a section of the browser benchmark
(bench/browser_bench.py runs it on its clients page, after the OpenAI flat-out and latency runs).

For every dialect the mock backend speaks (`format=`), the same stream goes to
(a) `SSEClient.chatWithModelStream` (its default `format: "auto"`: it detects the dialect, as a
user who never configures one gets) and (b) fetch -> TextDecoderStream -> EventSourceParserStream
with the few lines of JSON.parse and field access a JS user writes for that dialect
(`DIALECTS` in bench/pages/clients.js), and (d) the bytes alone, the floor of server + network.
The stream is what the mock writes for `format=<d>&events=N&delay_ms=0` (no `batch_bytes`),
rendered by the mock's own `build_frames` (:func:`render_stream`) and served by an independent
event server, bench/event_server.mjs (Node's `http`, started by :func:`event_server`), which
writes each event with its own `res.write()`, as real LLM servers do, as fast as the socket takes
them. (The Python mock backend writing one event per write tops out at a few tens of thousands
of events/s on a 2-core machine, below what either client reads: against it both just keep up,
and their ratio says nothing.) Against a fast server one event per
write is not one event per read: a read brings whatever has arrived, often hundreds of events.
Events/s from the request to the last text, median of interleaved rounds after a warm-up round,
whose first (cold) streams are reported too.

The same bodies are then replayed from memory by a `fetch` stand-in, one event per `read()`: the
clients' own cost per event, no server and no batching by the network. Last, after the page's
other diagnostics, one timed run of (a) per dialect, from memory and from the event server, says
how much of that cost is Python's (:func:`probe`).
"""

from __future__ import annotations

import json
import shutil
import tempfile
import urllib.parse
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.browser_bench import (
    _table,
    expected_reply,
    load_python_module,
    median,
    python_call,
)
from sse_client.testing.launcher import server_process
from sse_client.testing.mock_dialects import FORMATS
from sse_client.testing.mock_script import MockOptions, build_frames, stream_headers

EVENT_SERVER = Path(__file__).resolve().parent / "event_server.mjs"
CREATED = 1_700_000_000  # the `created` time in the rendered frames: any fixed one will do
MODEL = "bench"  # the model the clients page asks for, which the mock backend would echo

CLIENTS = ("ours", "jsPipeline", "fetchOnly")  # (a), (b), (d); over the network and from memory
TARGETS = {"standard": 1.5, "openai": 1.5}
"""(a) / (b) each dialect must reach; the issue asks more of the two formats most chats use."""
DEFAULT_TARGET = 1.0


def query(dialect: str, events: int) -> str:
    """The mock backend's query for `dialect` flat out, one event per write."""
    return f"format={dialect}&events={events}&delay_ms=0"


def render_stream(dialect: str, events: int) -> dict[str, Any]:
    """The stream the mock backend writes for :func:`query`, as the event server serves it:
    `frames`, the wire text of each event in order (the mock's own `build_frames`), and the
    dialect's response `headers` (e.g. Vercel's `x-vercel-ai-ui-message-stream`)."""
    options = MockOptions.from_query(dict(urllib.parse.parse_qsl(query(dialect, events))))
    return {"frames": [frame.wire for frame in build_frames(options, model=MODEL, created=CREATED)],
            "headers": dict(stream_headers(options.format))}


def node() -> str:
    """The `node` to run the event server with; fails with what to do."""
    found = shutil.which("node")
    if found is None:
        raise SystemExit("dialect_bench: no `node` on PATH; the event server needs Node 20 or "
                         "later (the one npm ci uses)")
    return found


@contextmanager
def event_server(*, events: int, dialects: Sequence[str] = FORMATS) -> Iterator[str]:
    """`node bench/event_server.mjs` in a process of its own, serving `/stream/<dialect>` for
    each dialect (rendered here by :func:`render_stream` into a temporary directory) one event
    per write; yields its base URL, and stops it afterwards."""
    with tempfile.TemporaryDirectory(prefix="event-server-") as directory:
        for dialect in dialects:
            (Path(directory) / f"{dialect}.json").write_text(
                json.dumps(render_stream(dialect, events), ensure_ascii=False), encoding="utf-8")
        with server_process(
            lambda port: [str(EVENT_SERVER), "--port", str(port), "--dir", directory],
            program=[node()], name="the event server", health_path="/health",
        ) as base:
            yield base


def target(dialect: str) -> float:
    """The ratio (a) / (b) that `dialect` must reach."""
    return TARGETS.get(dialect, DEFAULT_TARGET)


@dataclass(frozen=True, kw_only=True)
class DialectRuns:
    """One dialect's runs: events/s per client (every measured round), and what (d) saw."""

    dialect: str
    rates: dict[str, list[float]]  # against the event server: the verdict
    replayed: dict[str, list[float]]  # the same, on the body replayed from memory
    pieces: int  # reads of the replayed body: its events, and whatever follows the last one
    body_bytes: int
    reads: list[int]  # read() results of (d) against the event server, per measured round
    ok: dict[str, bool]  # (a), (b): every run, warm-up included, ended in the expected reply
    first: dict[str, float] = field(default_factory=dict)
    """Events/s of each client's first stream of the dialect in the page (the warm-up round):
    cold, as a page's first chat is, its code paths and patterns met for the first time."""

    def rate(self, client: str) -> float:
        return median(self.rates[client])

    @property
    def ratio(self) -> float:
        """(a) / (b), the verdict's: the median of each round's ratio. The two ran a moment
        apart, so a busy spell of the shared machine, which can last several rounds, weighs on
        both sides of each ratio (as in the parser benchmark's `ours ÷ this`)."""
        return median([a / b for a, b in zip(self.rates["ours"], self.rates["jsPipeline"])])

    @property
    def ratio_of_medians(self) -> float:
        """(a) / (b) of the medians, shown beside the verdict: a slow spell in the runs of one
        client and not the other's moves it."""
        return self.rate("ours") / self.rate("jsPipeline")

    @property
    def replay_ratio(self) -> float:
        """(a) / (b) of the medians from memory: the clients' own cost, no server in the way."""
        return median(self.replayed["ours"]) / median(self.replayed["jsPipeline"])

    @property
    def first_ratio(self) -> float:
        """(a) / (b) of the first streams (see `first`)."""
        return self.first["ours"] / self.first["jsPipeline"]

    @property
    def ok_all(self) -> bool:
        return all(self.ok.values())

    @property
    def met(self) -> bool:
        return self.ok_all and self.ratio >= target(self.dialect)


@dataclass(frozen=True, kw_only=True)
class DialectThroughput:
    events: int
    rounds: int
    dialects: list[DialectRuns]
    probes: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Per dialect, one more run of (a) with `FetchResponse.pump` timed (see :func:`probe`)."""


def _run(page: Any, client: str, url: str, dialect: str,
         events: int) -> tuple[dict[str, Any], bool]:
    """One run of `client` on `url`; and whether it ended in exactly the expected reply."""
    if client == "jsPipeline":
        result = page.evaluate("([url, dialect]) => bench.jsPipeline(url, {dialect})",
                               [url, dialect])
        return result, bool(result["ok"]) and result["events"] == events
    result = page.evaluate(f"url => bench.{client}(url)", url)
    # (a): onChunk calls are not events, the text is the check; (d) has nothing to check.
    return result, bool(result.get("ok", True))


def stream_url(server: str, dialect: str) -> str:
    """Where the event server serves `dialect`'s stream."""
    return f"{server}/stream/{dialect}"


def measure(page: Any, server: str, *, events: int, rounds: int,
            dialects: Sequence[str] = FORMATS) -> DialectThroughput:
    """`rounds` measured rounds after a warm-up one; each round runs every dialect, and within a
    dialect every client, in turn, so that a busy spell of the machine falls on all of them.
    The streams come from the event server at `server` (:func:`event_server`); the warm-up
    round's rates are kept as the first (cold) streams. Then the same from memory
    (`bench.replay`): the bodies, fetched once, one event per read."""
    rates: dict[str, dict[str, list[float]]] = {d: {c: [] for c in CLIENTS} for d in dialects}
    first: dict[str, dict[str, float]] = {d: {} for d in dialects}
    replayed: dict[str, dict[str, list[float]]] = {d: {c: [] for c in CLIENTS} for d in dialects}
    ok = {d: {"ours": True, "jsPipeline": True} for d in dialects}
    body_bytes = dict.fromkeys(dialects, 0)
    reads: dict[str, list[int]] = {d: [] for d in dialects}
    for round_ in range(rounds + 1):  # round 0 warms up: JIT, detection code paths, preflight
        for dialect in dialects:
            page.evaluate("text => bench.setExpected(text)", expected_reply(query(dialect, events)))
            for client in CLIENTS:
                result, good = _run(page, client, stream_url(server, dialect), dialect, events)
                if client in ok[dialect]:
                    ok[dialect][client] &= good
                rate = events / (result["ms"] / 1000)
                if client == "fetchOnly":
                    body_bytes[dialect] = result["bytes"]
                if not round_:
                    first[dialect][client] = rate
                    continue
                rates[dialect][client].append(rate)
                if client == "fetchOnly":
                    reads[dialect].append(result["reads"])
    pieces = {dialect: page.evaluate("([name, url]) => bench.loadReplay(name, url)",
                                     [dialect, stream_url(server, dialect)])
              for dialect in dialects}
    try:
        for round_ in range(rounds + 1):
            for dialect in dialects:
                page.evaluate("text => bench.setExpected(text)",
                              expected_reply(query(dialect, events)))
                page.evaluate("name => bench.replay(name)", dialect)
                for client in CLIENTS:
                    result, good = _run(page, client, f"{server}/replay", dialect, events)
                    if client in ok[dialect]:
                        ok[dialect][client] &= good
                    if round_:
                        replayed[dialect][client].append(events / (result["ms"] / 1000))
    finally:
        page.evaluate("bench.replay(null)")
    return DialectThroughput(events=events, rounds=rounds, dialects=[
        DialectRuns(dialect=d, rates=rates[d], first=first[d], replayed=replayed[d], pieces=pieces[d],
                    body_bytes=body_bytes[d], reads=reads[d], ok=ok[d])
        for d in dialects])


def probe(page: Any, site: str, *, events: int, dialects: Sequence[str] = FORMATS,
          server: str | None = None) -> dict[str, dict[str, Any]]:
    """Where (a)'s time goes, per dialect: one more run of each on the body replayed from memory
    (loaded by :func:`measure`) and, with `server`, one on the event server's stream, with
    `FetchResponse.pump` timed by bench/pages/scheduling_probe.py: the pieces handed to Python
    and the time Python spent on them; the rest is the JS read loop, the stream and the call
    into Python (and, from the server, the wait for bytes). Keys: the dialect (from memory) and
    `<dialect>@server`. It patches the page, so it runs after every measured run of it."""
    load_python_module(page, site, "scheduling_probe")
    page.evaluate("code => bench.python(code)", python_call("scheduling_probe",
                                                            "scheduling_probe.install()"))
    probes = {}

    def timed(key: str, url: str) -> None:
        page.evaluate("code => bench.python(code)", python_call("scheduling_probe",
                                                                "scheduling_probe.reset()"))
        outcome = page.evaluate("url => bench.ours(url)", url)
        probes[key] = {**page.evaluate("code => bench.python(code)", python_call(
            "scheduling_probe", "scheduling_probe.snapshot()")), "ms": outcome["ms"],
            "ok": outcome["ok"]}

    for dialect in dialects:
        page.evaluate("text => bench.setExpected(text)", expected_reply(query(dialect, events)))
        if server is not None:
            timed(f"{dialect}@server", stream_url(server, dialect))
        page.evaluate("name => bench.replay(name)", dialect)
        try:
            timed(dialect, "/api/chat?replay")
        finally:
            page.evaluate("bench.replay(null)")
    return probes


def _probe_rows(result: DialectThroughput) -> list[list[str]]:
    rows = []
    for runs in result.dialects:
        for key, source, rates in ((runs.dialect, "memory", runs.replayed),
                                   (f"{runs.dialect}@server", "event server", runs.rates)):
            found = result.probes.get(key)
            if not found:
                continue
            python_us = found["python"] / result.events * 1e6
            name = f"`{runs.dialect}`" + ("" if found["ok"] else " (wrong reply!)")
            rows.append([
                name, source, f"{len(found['reads']):,}", f"{found['ms']:,.0f}",
                f"{found['ms'] * 1000 / result.events:.1f}", f"{python_us:.1f}",
                f"{found['ms'] * 1000 / result.events - python_us:.1f}",
                f"{1e6 / median(rates['jsPipeline']):.1f}"])
    return rows


def events_per_read(events: int, reads: Sequence[int]) -> float:
    """How many events a `read()` of (d) brought, on the median run: one event per write is
    not one event per read when the server writes faster than the page reads."""
    return events / median(reads) if reads else float("nan")


def _network_rows(result: DialectThroughput) -> list[list[str]]:
    rows = []
    for runs in result.dialects:
        verdict = "met" if runs.met else "**not met**"
        if not runs.ok_all:
            verdict += f" (wrong reply: {', '.join(c for c, good in runs.ok.items() if not good)})"
        rows.append([
            f"`{runs.dialect}`", f"{runs.rate('ours'):,.0f}", f"{runs.rate('jsPipeline'):,.0f}",
            f"**{runs.ratio:.2f}×**", f"{runs.ratio_of_medians:.2f}×", f"≥ {target(runs.dialect):.1f}×", verdict,
            f"{runs.rate('fetchOnly'):,.0f}", f"{runs.body_bytes / result.events:,.0f}",
            f"{median(runs.reads):,.0f}", f"{events_per_read(result.events, runs.reads):,.1f}",
            f"{runs.first_ratio:.2f}×" if runs.first else "—", _runs_cell(runs.rates)])
    return rows


def _replay_rows(result: DialectThroughput) -> list[list[str]]:
    rows = []
    for runs in result.dialects:
        rate = {client: median(values) for client, values in runs.replayed.items()}
        rows.append([
            f"`{runs.dialect}`", f"{runs.pieces:,}", f"{rate['ours']:,.0f}",
            f"{rate['jsPipeline']:,.0f}", f"**{runs.replay_ratio:.2f}×**",
            f"{1e6 / rate['ours']:.1f}", f"{1e6 / rate['jsPipeline']:.1f}",
            f"{1e6 / rate['fetchOnly'] * result.events / runs.pieces:.1f}",
            _runs_cell(runs.replayed)])
    return rows


def _runs_cell(rates: dict[str, list[float]]) -> str:
    """Every measured run of (a), then of (b), in thousands of events/s."""
    return " / ".join(", ".join(f"{v / 1000:,.0f}k" for v in rates[client])
                      for client in ("ours", "jsPipeline"))


def section(result: DialectThroughput, targets: list[tuple[str, str, bool]]) -> list[str]:
    """The Markdown section; appends its two targets to `targets`: every dialect at least at
    parity with (b), and the stricter ratio of the formats in `TARGETS`."""
    by_ratio = sorted(result.dialects, key=lambda runs: runs.ratio)
    worst, best = by_ratio[0], by_ratio[-1]
    by_replay = sorted(result.dialects, key=lambda runs: runs.replay_ratio)
    worst_replay, best_replay = by_replay[0], by_replay[-1]
    met = sum(runs.met for runs in result.dialects)
    at_parity = [runs.ok_all and runs.ratio >= DEFAULT_TARGET for runs in result.dialects]
    targets.append((
        "One event per write, every dialect: events/s of (a) ≥ (b)",
        f"worst {worst.ratio:.2f}× (`{worst.dialect}`), best {best.ratio:.2f}× "
        f"(`{best.dialect}`); ≥ {DEFAULT_TARGET:.1f}× in {sum(at_parity)} of {len(at_parity)}",
        all(at_parity)))
    stricter = [runs for runs in result.dialects if runs.dialect in TARGETS]
    if stricter:
        targets.append((
            f"One event per write, {' and '.join(f'`{runs.dialect}`' for runs in stricter)}: "
            f"events/s of (a) ≥ {max(TARGETS.values()):.1f}× (b)",
            ", ".join(f"`{runs.dialect}` {runs.ratio:.2f}×" for runs in stricter),
            all(runs.met for runs in stricter)))
    example = query("<dialect>", result.events)
    reads = [events_per_read(result.events, runs.reads) for runs in result.dialects]
    lines = [
        f"### Throughput per dialect, one event per write: {result.events:,} events",
        "",
        f"Each dialect's stream is the mock backend's `{example}` (its frames rendered by the "
        f"mock's own `build_frames`), served by an independent event server, "
        f"`bench/event_server.mjs` (Node's `http`, in a process of its own): it writes each event "
        f"with its own `res.write()`, as real LLM servers do, as fast as the socket takes them "
        f"(waiting for `drain` when the socket is full), chunked, with CORS for the page's origin. "
        f"(a) `SSEClient.chatWithModelStream` with its default `format: \"auto\"` (it detects "
        f"the dialect); (b) fetch → TextDecoderStream → EventSourceParserStream and, per event, "
        f"the JSON.parse and field access a JS user writes for that dialect (`DIALECTS` in "
        f"`bench/pages/clients.js`: e.g. `choices[0].delta.content` to `[DONE]`, `delta.text` of "
        f"`content_block_delta` to `message_stop`; LangServe's and the legacy and raw formats' "
        f"streams end at the close, since their end, if any, is a data-less event the spec never "
        f"dispatches); (d) the bytes alone, the floor of server + network. Events/s from the "
        f"request to the last text; {result.rounds} round(s) after a warm-up round, each running "
        f"every dialect and within it (a), (b), (d) in turn; medians, and the verdict on the "
        f"median of each round's ratio (a)/(b), as in the parser benchmark: a busy spell of the "
        f"shared machine then weighs on both sides of a ratio (beside it the ratio of the "
        f"medians, which such a spell moves). Every run of (a) and (b) "
        f"ended in exactly the expected reply (and (b) in {result.events:,} text events) unless "
        f"the verdict says otherwise.",
        "",
        f"One event per write is not one event per read: the page reads whatever has arrived "
        f"since its last read, so when the server writes faster than the page reads, a read "
        f"brings many events ({min(reads):,.1f} to {max(reads):,.1f} per read of (d) here, "
        f"median run); a client slower than (d) gets still more per read.",
        "",
        f"Ratio (a)/(b): worst {worst.ratio:.2f}× (`{worst.dialect}`), best {best.ratio:.2f}× "
        f"(`{best.dialect}`); target met in {met} of {len(result.dialects)} dialects.",
        "",
        _table(["dialect", "(a) events/s", "(b) events/s", "(a)/(b), per round", "of the medians", "target", "verdict",
                "(d) events/s", "bytes per event", "(d) reads", "events per (d) read",
                "first stream (a)/(b)", "runs (a) / (b)"],
               _network_rows(result)),
        "",
    ]
    firsts = sorted((runs for runs in result.dialects if runs.first), key=lambda runs: runs.first_ratio)
    if firsts:
        lines += [
            f"First stream of each dialect (the warm-up round: cold, as a page's first chat is, "
            f"every code path and pattern met for the first time), (a)/(b): worst "
            f"{firsts[0].first_ratio:.2f}× (`{firsts[0].dialect}`), best {firsts[-1].first_ratio:.2f}× "
            f"(`{firsts[-1].dialect}`). Start-up itself, cold and warm cache, is in its own section.",
            "",
        ]
    return lines + [
        f"The same bodies from memory: fetched once, cut after every blank line, and replayed "
        f"by a `fetch` stand-in (`bench.replay` in `bench/pages/clients.js`) as a stream that "
        f"gives one event per `read()` to (a) and (b) alike; {result.rounds} round(s) after a "
        f"warm-up round, as above. With no server on the machine's two cores and no batching by "
        f"the network, this is the clients' own cost per event; (d), the bytes alone, is the "
        f"cost of the stand-in itself. Ratio (a)/(b) from memory: worst "
        f"{worst_replay.replay_ratio:.2f}× (`{worst_replay.dialect}`), best "
        f"{best_replay.replay_ratio:.2f}× (`{best_replay.dialect}`).",
        "",
        _table(["dialect", "reads", "(a) events/s", "(b) events/s", "(a)/(b)",
                "(a) µs per event", "(b) µs per event", "(d) µs per read", "runs (a) / (b)"],
               _replay_rows(result)),
        "",
    ] + ([
        "Where (a)'s time goes: one more run of (a) per dialect on the replayed body and, if "
        "it was measured, on the event server's stream, after every measured run, with "
        "`FetchResponse.pump` timed (`bench/pages/scheduling_probe.py`, which adds a little per "
        "piece): the time Python spent on the pieces the read loop handed it (parsing, "
        "decoding, assembling, the onChunk calls into JS), and the rest: the JS read loop, the "
        "stream, the call into Python for each piece, and from the server the request and the "
        "wait for bytes. (b)'s whole cost per event from the same source (its median above) "
        "beside it:",
        "",
        _table(["dialect", "source", "pieces to Python", "(a) ms", "(a) µs per event",
                "… in Python", "… the rest", "(b) µs per event"], _probe_rows(result)),
        "",
    ] if result.probes else [])
