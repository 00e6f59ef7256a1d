"""`ChatMetrics` on a fake clock: exact times, counts and rates."""

from __future__ import annotations

from sse_client.metrics import STREAM_FIELDS, ChatMetrics


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_chat_with_nothing_yet_has_no_first_byte_nor_chunk() -> None:
    clock = Clock()
    metrics = ChatMetrics(clock)
    assert metrics.summary() == {
        "timeToFirstByteMs": None, "timeToFirstChunkMs": None, "durationMs": 0.0, "chunks": 0, "events": 0,
        "bytes": 0, "reconnects": 0, "retriesUsed": 0, "fallbackUsed": False, "stutterCorrections": 0,
        "eventsPerSecond": 0.0,
    }


def test_times_are_from_the_start_and_only_the_first_byte_and_chunk_count() -> None:
    clock = Clock()
    metrics = ChatMetrics(clock)
    clock.now += 0.0125
    metrics.on_bytes(100)
    clock.now += 0.01
    metrics.on_bytes(50)
    metrics.on_events(4)
    clock.now += 0.0025
    metrics.on_chunk()
    clock.now += 0.1
    metrics.on_chunk()
    metrics.on_events(6)
    clock.now += 0.875
    summary = metrics.summary()
    assert summary["timeToFirstByteMs"] == 12.5
    assert summary["timeToFirstChunkMs"] == 25.0
    assert summary["durationMs"] == 1000.0
    assert (summary["bytes"], summary["events"], summary["chunks"]) == (150, 10, 2)
    assert summary["eventsPerSecond"] == 10.0


def test_reconnects_count_and_the_retries_used_are_the_last_retrys_number() -> None:
    metrics = ChatMetrics(Clock())
    metrics.on_reconnect(retry=1)
    metrics.on_reconnect(retry=2)
    metrics.on_reconnect(retry=1)  # the budget started again after a healthy stretch
    metrics.on_fallback()
    metrics.stutter_corrections = 3
    summary = metrics.summary()
    assert (summary["reconnects"], summary["retriesUsed"], summary["fallbackUsed"]) == (3, 1, True)
    assert summary["stutterCorrections"] == 3


def test_a_stream_summary_has_what_applies_to_a_stream() -> None:
    clock = Clock()
    metrics = ChatMetrics(clock)
    metrics.on_bytes(10)
    metrics.on_events(1)
    clock.now += 0.5
    assert metrics.stream_summary() == {"timeToFirstByteMs": 0.0, "durationMs": 500.0, "events": 1, "bytes": 10,
                                        "eventsPerSecond": 2.0}
    assert tuple(metrics.stream_summary()) == STREAM_FIELDS


def test_the_default_clock_is_monotonic() -> None:
    summary = ChatMetrics().summary()
    assert summary["durationMs"] >= 0
