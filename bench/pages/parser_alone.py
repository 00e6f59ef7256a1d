"""Our parser alone: `EventStreamParser().feed` over a corpus in fixed pieces, timed in Python.

Run by bench/browser_bench.py inside the page under Pyodide (the corpus fetched into Pyodide's file
system) and on CPython in the harness process, for scale: `run(path, piece, runs)`.
"""

from __future__ import annotations

import time
from typing import Any

from sse_client.parser import EventStreamParser


def run(path: str, piece: int, runs: int) -> dict[str, Any]:
    """Seconds of each of `runs` parses of the file at `path`, after one warm-up parse."""
    with open(path, "rb") as file:
        data = file.read()
    # The same pieces as bench.corpora.chunked(data, "fixed-1460") when piece == 1460.
    chunks = [data[start:start + piece] for start in range(0, len(data), piece)]

    def once() -> tuple[float, int]:
        parser = EventStreamParser()
        events = 0
        start = time.perf_counter()
        for chunk in chunks:
            events += len(parser.feed(chunk))
        return time.perf_counter() - start, events

    once()
    timings = [once() for _ in range(runs)]
    return {"bytes": len(data), "events": timings[0][1], "seconds": [t for t, _ in timings]}
