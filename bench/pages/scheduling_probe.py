"""Diagnostics of `chatWithModelStream` in the page, run after the measured runs (they patch).

- `hop_cost(n)`: µs per asyncio hop in Pyodide's WebLoop (`await asyncio.sleep(0)`: one
  `call_soon`, which schedules a JS callback and comes back in a new browser task).
- `install()`: counts the WebLoop's scheduled callbacks (by patching
  `pyodide.webloop.scheduleCallback`) and times `FetchResponse.chunks` (by replacing it with an
  equivalent that records each `read()` size and the time spent awaiting `read()`).
  `reset()` zeroes them; `snapshot()` reads them.

(A JS `.then` on the `read()` promise cannot time the hop back into Python: Pyodide resumes the
awaiting task before such reactions run, so the latency table's (a) − (d) is the measure.)
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import pyodide.webloop as webloop
from pyodide.ffi import JsException

from sse_client import fetch_transport

_counts = {"immediate": 0, "timer": 0}
_reads: list[int] = []
_times = {"wait": 0.0}


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
    fetch_transport.FetchResponse.chunks = _timed_chunks  # type: ignore[method-assign]


async def _timed_chunks(self: Any) -> AsyncIterator[bytes]:
    """`FetchResponse.chunks` as it stands, with timing around the awaits."""
    body = self._response.body
    if body is None:
        return
    reader = body.getReader()
    try:
        while True:
            start = time.perf_counter()
            try:
                result = await reader.read()
            except JsException as exc:
                if self._closed:
                    return
                raise fetch_transport._map_js_error(exc, self._controller) from None
            _times["wait"] += time.perf_counter() - start
            if result.done:
                return
            data = result.value.to_bytes()
            _reads.append(len(data))
            yield data
    finally:
        try:
            reader.releaseLock()
        except JsException:
            pass


def reset() -> None:
    _counts.update(immediate=0, timer=0)
    _reads.clear()
    _times.update(wait=0.0)


def snapshot() -> dict[str, Any]:
    return {**_counts, "reads": list(_reads), **_times}
