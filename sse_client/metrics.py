"""`ChatMetrics`: what one chat (or one `authFetch` stream) cost and did, measured as it runs.

    metrics = ChatMetrics(clock)          # the clock starts now: the chat's start
    metrics.on_bytes(512)                 # a piece of a body arrived (the first: time to first byte)
    metrics.on_events(3)                  # server-sent events read (an attempt's count)
    metrics.on_chunk()                    # one onChunk call (the first: time to first chunk)
    metrics.on_reconnect(retry=1)         # a reconnect, retry 1 of the budget
    metrics.on_fallback()                 # the non-streaming request was used
    metrics.stutter_corrections = 2       # cumulative chunks cut back to deltas, so far
    metrics.summary()                     # {"timeToFirstByteMs": ..., "durationMs": ..., ...}

The chat's loop calls these from the hooks it already has (the bytes callback, the flush of one
`onChunk` call, the lifecycle's transitions); `StatusLifecycle` puts `summary()` on the terminal
status. Times come from the injected monotonic `clock` (seconds), so that tests assert exact
values on a fake one. Sans-I/O.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

# What applies to a stream of the low-level API (`authFetch`): no chunks handed to a callback,
# no reconnects, no fallback.
STREAM_FIELDS = ("timeToFirstByteMs", "durationMs", "events", "bytes", "eventsPerSecond")


class ChatMetrics:
    """The running measures of one chat; `summary()` at any time, usually at its end."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self.started = clock()
        self.first_byte: float | None = None  # seconds since the start
        self.first_chunk: float | None = None
        self.chunks = 0
        self.events = 0
        self.bytes = 0
        self.reconnects = 0
        self.retries_used = 0
        self.fallback_used = False
        self.stutter_corrections = 0

    def on_bytes(self, size: int) -> None:
        """A piece of a response body arrived (a streamed one, or a fallback's answer)."""
        if self.first_byte is None:
            self.first_byte = self._clock() - self.started
        self.bytes += size

    def on_events(self, count: int) -> None:
        self.events += count

    def on_chunk(self) -> None:
        """One call of `onChunk`."""
        if self.first_chunk is None:
            self.first_chunk = self._clock() - self.started
        self.chunks += 1

    def on_reconnect(self, *, retry: int) -> None:
        """A reconnect, which is retry number `retry` of the budget (which starts again after a
        healthy stretch: `retriesUsed` is the budget used when the chat ended)."""
        self.reconnects += 1
        self.retries_used = retry

    def on_fallback(self) -> None:
        self.fallback_used = True

    def summary(self) -> dict[str, Any]:
        """The measures as plain data for JavaScript: milliseconds (to 0.1 ms), counts, and the
        events per second over the whole duration (0 for a chat that took no time)."""
        duration = self._clock() - self.started
        return {
            "timeToFirstByteMs": _ms(self.first_byte),
            "timeToFirstChunkMs": _ms(self.first_chunk),
            "durationMs": _ms(duration),
            "chunks": self.chunks,
            "events": self.events,
            "bytes": self.bytes,
            "reconnects": self.reconnects,
            "retriesUsed": self.retries_used,
            "fallbackUsed": self.fallback_used,
            "stutterCorrections": self.stutter_corrections,
            "eventsPerSecond": round(self.events / duration, 1) if duration > 0 else 0.0,
        }

    def stream_summary(self) -> dict[str, Any]:
        """`summary()` with what applies to a stream of the low-level API (`STREAM_FIELDS`)."""
        whole = self.summary()
        return {name: whole[name] for name in STREAM_FIELDS}


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 1)
