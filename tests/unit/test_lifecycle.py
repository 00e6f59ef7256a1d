"""StatusLifecycle: each transition reported once; backend statuses passed through."""

from __future__ import annotations

from typing import Any

import pytest

from sse_client.errors import StreamError, StreamErrorType
from sse_client.lifecycle import InvalidTransition, StatusLifecycle

CUT = StreamError("The connection to the chat server failed.", type=StreamErrorType.NETWORK)


def lifecycle() -> tuple[StatusLifecycle, list[dict[str, Any]]]:
    reports: list[dict[str, Any]] = []
    return StatusLifecycle(reports.append), reports


def test_a_clean_stream_reports_connecting_streaming_completed_once_each() -> None:
    life, reports = lifecycle()
    life.connecting()
    life.streaming()
    life.streaming()  # a second arrival in the same state is not a transition
    life.completed(length=5)
    assert [r["state"] for r in reports] == ["connecting", "streaming", "completed"]
    assert reports[-1]["length"] == 5


def test_reconnecting_carries_attempt_delay_and_cause() -> None:
    life, reports = lifecycle()
    life.connecting()
    life.streaming()
    life.reconnecting(attempt=2, delay=1.2346, cause=CUT, retry=1, max_retries=3)
    life.reconnecting(attempt=3, delay=2.0, cause=CUT, retry=2, max_retries=3)  # a failed reconnect: a new transition
    life.streaming()
    assert [r["state"] for r in reports] == ["connecting", "streaming", "reconnecting", "reconnecting", "streaming"]
    assert (reports[2]["attempt"], reports[2]["delayMs"], reports[2]["error"]["type"]) == (2, 1235, "NETWORK")


def test_reconnecting_says_which_retry_of_how_many_in_whole_sentences() -> None:
    life, reports = lifecycle()
    life.connecting()
    backend_words = StreamError("model overloaded", type=StreamErrorType.SERVER)  # no capital, no end
    life.reconnecting(attempt=2, delay=0.4, cause=backend_words, retry=1, max_retries=3)
    assert (reports[-1]["retry"], reports[-1]["maxRetries"], reports[-1]["delayMs"]) == (1, 3, 400)
    assert reports[-1]["message"] == "Model overloaded. Reconnecting (retry 1 of 3)..."
    life.reconnecting(attempt=3, delay=0.8, cause=CUT, retry=2, max_retries=3)
    assert reports[-1]["message"] == "The connection to the chat server failed. Reconnecting (retry 2 of 3)..."


def test_a_skipped_frame_is_a_readable_warning_with_the_reason_beside_it() -> None:
    life, reports = lifecycle()
    life.connecting()
    life.skipped("invalid JSON: Expecting value: line 1 column 1 (char 0)")
    assert reports[-1] == {"state": "streaming", "message": "Skipped a frame from the server that could not be read.",
                           "warning": True, "reason": "invalid JSON: Expecting value: line 1 column 1 (char 0)"}


def test_backend_status_events_pass_through_in_the_streaming_state() -> None:
    life, reports = lifecycle()
    life.connecting()
    life.streaming()
    life.backend_status("Thinking...", 0.5)
    life.backend_status("Thinking...", 0.5)
    assert reports[2:] == [
        {"state": "streaming", "message": "Thinking...", "progress": 0.5, "source": "backend"},
    ] * 2


def test_a_pass_through_before_streaming_reports_the_transition_first() -> None:
    life, reports = lifecycle()
    life.connecting()
    life.warning("Skipped a malformed frame")
    assert [r["state"] for r in reports] == ["connecting", "streaming", "streaming"]
    assert reports[-1]["warning"] is True


@pytest.mark.parametrize("end", ["completed", "failed", "cancelled"])
def test_nothing_is_reported_after_a_terminal_state(end: str) -> None:
    life, reports = lifecycle()
    life.connecting()
    if end == "completed":
        life.completed(length=0)
    elif end == "failed":
        life.failed(CUT)
    else:
        life.cancelled(StreamError("The chat was cancelled.", type=StreamErrorType.CANCELLED))
    life.backend_status("late", None)
    assert len(reports) == 2 and life.finished
    with pytest.raises(InvalidTransition):
        life.streaming()


def test_fallback_leads_only_to_an_end() -> None:
    life, reports = lifecycle()
    life.connecting()
    life.fallback(reason="Streaming failed.", cause=CUT)
    with pytest.raises(InvalidTransition):
        life.reconnecting(attempt=2, delay=1, cause=CUT, retry=1, max_retries=3)
    life.completed(length=3)
    assert [r["state"] for r in reports] == ["connecting", "fallback", "completed"]
    assert reports[1]["error"]["type"] == "NETWORK"


def test_an_already_cancelled_chat_reports_only_cancelled() -> None:
    life, reports = lifecycle()
    life.cancelled(StreamError("The chat was cancelled.", type=StreamErrorType.CANCELLED))
    assert [r["state"] for r in reports] == ["cancelled"]


def test_the_terminal_status_carries_the_metrics_the_transitions_fed() -> None:
    from sse_client.metrics import ChatMetrics

    reports: list[dict[str, Any]] = []
    metrics = ChatMetrics(lambda: 0.0)
    life = StatusLifecycle(reports.append, metrics)
    life.connecting()
    life.reconnecting(attempt=2, delay=0.5, cause=CUT, retry=1, max_retries=3)
    life.fallback(reason="Streaming failed.", cause=CUT)
    life.completed(length=1)
    assert [("metrics" in r) for r in reports] == [False, False, False, True]
    assert reports[-1]["metrics"] == metrics.summary()
    assert (metrics.reconnects, metrics.retries_used, metrics.fallback_used) == (1, 1, True)
