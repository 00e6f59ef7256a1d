"""Diagnostics of `chatWithModelStream` in the page, run after the measured runs (they patch).

- `hop_cost(n)`: µs per asyncio hop in Pyodide's WebLoop (`await asyncio.sleep(0)`: one
  `call_soon`, which schedules a JS callback and comes back in a new browser task).
- `install()`: counts the WebLoop's scheduled callbacks (by patching
  `pyodide.webloop.scheduleCallback`) and times `FetchResponse.pump` (wrapping it: the size of
  each piece handed to Python, the time Python spent on them, the time of the whole read).
  `reset()` zeroes them; `snapshot()` reads them.

(A JS `.then` on the `read()` promise cannot time the hop back into Python: Pyodide resumes the
awaiting task before such reactions run, so the latency table's (a) − (d) is the measure.)
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import pyodide.webloop as webloop

from sse_client import fetch_transport

_counts = {"immediate": 0, "timer": 0}
_reads: list[int] = []
_times = {"pump": 0.0, "python": 0.0}


async def hop_cost(n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        await asyncio.sleep(0)
    return (time.perf_counter() - start) / n * 1e6


def install() -> None:
    if getattr(webloop, "_bench_probe", False):
        return
    original = webloop.scheduleCallback

    def counting(callback: Any, delay: float) -> Any:
        # Pyodide runs delays of up to 2 ms as an immediate callback (a MessageChannel task).
        _counts["immediate" if delay <= 2 else "timer"] += 1
        return original(callback, delay)

    webloop.scheduleCallback = counting
    webloop._bench_probe = True
    pump = fetch_transport.FetchResponse.pump

    async def timed_pump(self: Any, on_piece: Callable[[bytes], bool]) -> None:
        """`FetchResponse.pump`, timing the body's whole read and the Python work per piece."""

        def timed(piece: bytes) -> bool:
            start = time.perf_counter()
            try:
                return on_piece(piece)
            finally:
                _times["python"] += time.perf_counter() - start
                _reads.append(len(piece))

        start = time.perf_counter()
        try:
            await pump(self, timed)
        finally:
            _times["pump"] += time.perf_counter() - start

    fetch_transport.FetchResponse.pump = timed_pump  # type: ignore[method-assign]


def reset() -> None:
    _counts.update(immediate=0, timer=0)
    _reads.clear()
    _times.update(pump=0.0, python=0.0)


def snapshot() -> dict[str, Any]:
    # wait: the body's read loop was waiting for bytes (or for a task to run in).
    return {**_counts, "reads": list(_reads), "wait": _times["pump"] - _times["python"], **_times}
