"""The retry loop (`ChatRun` through `SSEService`) over a mock transport: reconnection with
exact backoff delays, exactly-once resume, heartbeat deadlines, fallback, circuit breaker,
cancel. Delays are asserted exactly: the random source is seeded and the backoff sleep recorded.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

import pytest

from sse_client.backoff import BackoffPolicy
from sse_client.chat_run import ChatRun
from sse_client.circuit import CircuitPolicy
from sse_client.classify import network_error
from sse_client.config import ClientConfig
from sse_client.errors import StreamError, StreamErrorType
from sse_client.heartbeat import Deadlines
from sse_client.service import SSEService
from sse_client.testing.mock_transport import MockResponse, MockTransport
from sse_client.transport import HttpRequest

from .virtual_time import VirtualTimeLoop

PIECES = ["Hel", "lo, ", "wör", "ld", "! 🚀"]
REPLY = "".join(PIECES)
SSE = {"content-type": "text/event-stream"}
JSON = {"content-type": "application/json"}
NO_DEADLINES = Deadlines(first_byte=None, idle=None, no_progress=None, total=None)


def standard_events(pieces: list[str] = PIECES, *, final: bool = True) -> list[bytes]:
    """One event per piece: id = sequence number, as PROTOCOL.md has it."""
    frames = [{"type": "chunk", "data": {"content": p, "index": i}} for i, p in enumerate(pieces)]
    if final:
        frames.append({"type": "complete", "data": {"final_response": "".join(pieces)}})
    return [f"id: {i}\ndata: {json.dumps(f, ensure_ascii=False)}\n\n".encode() for i, f in enumerate(frames)]


def openai_events(pieces: list[str] = PIECES) -> list[bytes]:
    frames = [
        json.dumps({"object": "chat.completion.chunk", "choices": [{"delta": {"content": p}}]}, ensure_ascii=False)
        for p in pieces
    ] + ["[DONE]"]
    return [f"id: {i}\ndata: {f}\n\n".encode() for i, f in enumerate(frames)]


def after(events: list[bytes], request: HttpRequest) -> list[bytes]:
    """What a resuming backend sends: the events after Last-Event-ID."""
    last = request.headers.get("Last-Event-ID")
    return events if last is None else events[int(last) + 1 :]


def cut() -> StreamError:
    return network_error("TypeError: network error")


def non_streaming(text: str = REPLY) -> MockResponse:
    return MockResponse(200, JSON, [json.dumps({"type": "complete", "data": {"final_response": text}}).encode()])


class Run:
    """A service over `handler`, with seeded jitter and recorded backoff sleeps."""

    def __init__(self, handler: Callable[[HttpRequest], MockResponse], **config: Any) -> None:
        self.transport = MockTransport(handler)
        self.sleeps: list[float] = []
        self.now = 0.0
        self.config = ClientConfig(endpoint="/api/chat", random=random.Random(7).random, **config)
        self.service = SSEService(self.transport, self.config, sleep=self._sleep, clock=lambda: self.now)
        self.chunks: list[str] = []
        self.statuses: list[dict[str, Any]] = []

    async def _sleep(self, delay: float) -> None:
        self.sleeps.append(delay)
        self.now += delay

    def chat(self) -> str:
        return asyncio.run(self.achat())

    async def achat(self) -> str:
        return await self.service.chat_with_model_stream({"model": "m"}, self.chunks.append, self.statuses.append)

    def fails(self) -> StreamError:
        with pytest.raises(StreamError) as caught:
            self.chat()
        return caught.value

    @property
    def states(self) -> list[str]:
        return [s["state"] for s in self.statuses if not s.get("source") and not s.get("warning")]

    @property
    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(r.body or b"") for r in self.transport.requests]


def expected_delays(count: int, base: float = 1.0) -> list[float]:
    """Full jitter with the seeded source: uniform(0, min(8, base * 2**n))."""
    source = random.Random(7)
    return [source.random() * min(8.0, base * 2**n) for n in range(count)]


# --- reconnect and resume -------------------------------------------------------------------


@pytest.mark.parametrize("make_events", [standard_events, openai_events])
def test_a_cut_resumes_after_the_last_event_id_with_the_same_idempotency_key(make_events: Any) -> None:
    events = make_events()

    def handler(request: HttpRequest) -> MockResponse:
        if len(run.transport.requests) == 1:
            return MockResponse(200, SSE, [*events[:2], events[2][:9], cut()])
        return MockResponse(200, SSE, after(events, request))

    run = Run(handler, deadlines=NO_DEADLINES)
    assert run.chat() == REPLY
    assert "".join(run.chunks) == REPLY and run.chunks == PIECES
    first, second = run.transport.requests
    assert "Last-Event-ID" not in first.headers
    assert second.headers["Last-Event-ID"] == "1"
    assert first.headers["Idempotency-Key"] == second.headers["Idempotency-Key"] != ""
    assert run.states == ["connecting", "streaming", "reconnecting", "streaming", "completed"]
    reconnecting = run.statuses[run.states.index("reconnecting")]
    assert (reconnecting["attempt"], reconnecting["error"]["type"]) == (2, "NETWORK")
    assert run.sleeps == expected_delays(1)


@pytest.mark.parametrize("make_events", [standard_events, openai_events])
def test_a_backend_that_starts_again_from_the_beginning_shows_nothing_twice(make_events: Any) -> None:
    events = make_events()

    def handler(request: HttpRequest) -> MockResponse:
        if len(run.transport.requests) == 1:
            return MockResponse(200, SSE, [*events[:3], cut()])
        return MockResponse(200, SSE, events)  # ignores Last-Event-ID

    run = Run(handler, deadlines=NO_DEADLINES)
    assert run.chat() == REPLY
    assert run.chunks == PIECES


def test_a_long_openai_stream_replayed_from_the_start_in_one_read_is_shown_once() -> None:
    # Long enough for the fast lane (frames of one learned shape) on the first connection; the
    # replay comes in one read, where merged chunks would hide which frames were seen already.
    pieces = [f"w{n} " for n in range(200)]
    events = openai_events(pieces)

    def handler(request: HttpRequest) -> MockResponse:
        if len(run.transport.requests) == 1:
            return MockResponse(200, SSE, [b"".join(events[:5]), b"".join(events[5:120]), cut()])
        return MockResponse(200, SSE, [b"".join(events)])  # ignores Last-Event-ID

    run = Run(handler, deadlines=NO_DEADLINES)
    assert run.chat() == "".join(pieces)
    assert run.chunks == ["".join(pieces[:5]), "".join(pieces[5:120]), "".join(pieces[120:])]


def openai_events_without_ids(pieces: list[str] = PIECES) -> list[bytes]:
    frames = [json.dumps({"choices": [{"delta": {"content": p}}]}, ensure_ascii=False) for p in pieces]
    return [f"data: {f}\n\n".encode() for f in [*frames, "[DONE]"]]


@pytest.mark.parametrize("whole", [False, True])
def test_a_stream_without_ids_started_again_shows_nothing_twice(whole: bool) -> None:
    # OpenAI-compatible upstreams often send no ids: nothing to resume from, so the backend
    # starts again, and the text already shown is recognised and skipped.
    events = openai_events_without_ids()

    def handler(request: HttpRequest) -> MockResponse:
        if len(run.transport.requests) == 1:
            return MockResponse(200, SSE, [*events[:3], cut()])
        assert "Last-Event-ID" not in request.headers
        return MockResponse(200, SSE, [b"".join(events)] if whole else events)

    run = Run(handler, deadlines=NO_DEADLINES)
    assert run.chat() == REPLY
    assert "".join(run.chunks) == REPLY


def test_a_stream_without_ids_started_again_with_another_reply_fails_keeping_what_was_shown() -> None:
    events = openai_events_without_ids()
    other = openai_events_without_ids(["Good", "bye"])

    def handler(request: HttpRequest) -> MockResponse:
        if len(run.transport.requests) == 1:
            return MockResponse(200, SSE, [*events[:3], cut()])
        return MockResponse(200, SSE, other)

    run = Run(handler, deadlines=NO_DEADLINES)
    error = run.fails()
    assert (error.type, error.retryable) == (StreamErrorType.SERVER, False)
    assert "".join(run.chunks) == "".join(PIECES[:3])
    assert len(run.transport.requests) == 2  # no more tries: the same would happen again


def test_a_cumulative_upstream_without_ids_replayed_from_the_start_is_shown_once() -> None:
    cumulative = [REPLY[:n] for n in (3, 7, 10, 12, len(REPLY))]
    events = [f"data: {json.dumps({'chunk': c}, ensure_ascii=False)}\n\n".encode() for c in cumulative]

    def handler(request: HttpRequest) -> MockResponse:
        if len(run.transport.requests) == 1:
            return MockResponse(200, SSE, [*events[:3], cut()])
        return MockResponse(200, SSE, events)

    run = Run(handler, deadlines=NO_DEADLINES)
    assert run.chat() == REPLY
    assert "".join(run.chunks) == REPLY


def test_a_backend_with_ids_that_are_not_numbers_is_left_to_resume() -> None:
    # Ids such as Redis stream ids: Last-Event-ID is sent and the backend resumes after it; its
    # text is not checked against what was shown (it does not start again).
    pieces_events = openai_events_without_ids()
    events = [f"id: 17000000-{n}\n".encode() + event for n, event in enumerate(pieces_events)]

    def handler(request: HttpRequest) -> MockResponse:
        if len(run.transport.requests) == 1:
            return MockResponse(200, SSE, [*events[:3], cut()])
        assert request.headers["Last-Event-ID"] == "17000000-2"
        return MockResponse(200, SSE, events[3:])

    run = Run(handler, deadlines=NO_DEADLINES)
    assert run.chat() == REPLY and run.chunks == PIECES


@pytest.mark.parametrize("ending", ["done", "close"])
def test_a_stream_without_ids_started_again_that_ends_short_of_the_text_shown_fails(ending: str) -> None:
    # The restarted reply is a prefix of what was shown: it is another, shorter reply.
    fmt_events = openai_events_without_ids() if ending == "done" else [
        f"data: {json.dumps({'chunk': p}, ensure_ascii=False)}\n\n".encode() for p in PIECES]
    shorter = fmt_events[:1] + ([fmt_events[-1]] if ending == "done" else [])

    def handler(request: HttpRequest) -> MockResponse:
        if len(run.transport.requests) == 1:
            return MockResponse(200, SSE, [*fmt_events[:3], cut()])
        return MockResponse(200, SSE, shorter)

    run = Run(handler, deadlines=NO_DEADLINES)
    error = run.fails()
    assert (error.type, error.retryable) == (StreamErrorType.SERVER, False)
    assert "".join(run.chunks) == "".join(PIECES[:3])


def test_a_cumulative_upstream_without_ids_cut_after_its_first_chunk_is_shown_once() -> None:
    # One chunk is not enough to tell a stuttering stream: the restart must not decide it.
    cumulative = [REPLY[:n] for n in (3, 7, 10, 12, len(REPLY))]
    events = [f"data: {json.dumps({'chunk': c}, ensure_ascii=False)}\n\n".encode() for c in cumulative]

    def handler(request: HttpRequest) -> MockResponse:
        if len(run.transport.requests) == 1:
            return MockResponse(200, SSE, [events[0], cut()])
        return MockResponse(200, SSE, events)

    run = Run(handler, deadlines=NO_DEADLINES)
    assert run.chat() == REPLY
    assert "".join(run.chunks) == REPLY


def test_a_cumulative_upstream_replayed_from_the_start_is_shown_once() -> None:
    cumulative = [REPLY[:n] for n in (3, 7, 10, 12, len(REPLY))]
    events = [
        f"id: {i}\ndata: {json.dumps({'chunk': c}, ensure_ascii=False)}\n\n".encode() for i, c in enumerate(cumulative)
    ]

    def handler(request: HttpRequest) -> MockResponse:
        if len(run.transport.requests) == 1:
            return MockResponse(200, SSE, [*events[:2], cut()])
        return MockResponse(200, SSE, events)

    run = Run(handler, deadlines=NO_DEADLINES)
    assert run.chat() == REPLY
    assert "".join(run.chunks) == REPLY


def test_backoff_delays_follow_the_policy_exactly() -> None:
    def handler(request: HttpRequest) -> MockResponse:
        if len(run.transport.requests) <= 3:
            return MockResponse(503, JSON, [b"{}"])
        return MockResponse(200, SSE, standard_events())

    run = Run(handler, deadlines=NO_DEADLINES)
    assert run.chat() == REPLY
    assert run.sleeps == expected_delays(3)
    assert [s["attempt"] for s in run.statuses if s["state"] == "reconnecting"] == [2, 3, 4]
    assert [(s["retry"], s["maxRetries"]) for s in run.statuses if s["state"] == "reconnecting"] == [
        (1, 3), (2, 3), (3, 3)]
    assert [s["delayMs"] for s in run.statuses if s["state"] == "reconnecting"] == [
        round(d * 1000) for d in expected_delays(3)
    ]


def test_the_streams_retry_field_sets_the_base_delay() -> None:
    def handler(request: HttpRequest) -> MockResponse:
        if len(run.transport.requests) == 1:
            return MockResponse(200, SSE, [b"retry: 250\n\n", standard_events()[0], cut()])
        return MockResponse(200, SSE, after(standard_events(), request))

    run = Run(handler, deadlines=NO_DEADLINES)
    assert run.chat() == REPLY
    assert run.sleeps == expected_delays(1, base=0.25)


def test_retry_after_is_a_floor_capped_by_retry_after_cap() -> None:
    def handler(request: HttpRequest) -> MockResponse:
        count = len(run.transport.requests)
        if count == 1:
            return MockResponse(429, {"retry-after": "3"}, [b""])
        if count == 2:
            return MockResponse(503, {"retry-after": "120"}, [b""])
        return MockResponse(200, SSE, standard_events())

    run = Run(handler, deadlines=NO_DEADLINES)
    assert run.chat() == REPLY
    assert run.sleeps == [3.0, 30.0]


def test_a_retry_after_date_is_read_on_the_injected_wall_clock() -> None:
    def handler(request: HttpRequest) -> MockResponse:
        if len(run.transport.requests) == 1:
            return MockResponse(503, {"retry-after": "Tue, 01 Dec 2026 12:00:05 GMT"}, [b""])
        return MockResponse(200, SSE, standard_events())

    run = Run(handler, deadlines=NO_DEADLINES)
    noon = 1796126400.0  # Tue, 01 Dec 2026 12:00:00 GMT
    run.service = SSEService(run.transport, run.config, sleep=run._sleep, clock=lambda: run.now,
                             wall_clock=lambda: noon)
    assert run.chat() == REPLY
    assert run.sleeps == [5.0]  # the date is 5 s after the wall clock's now: a floor of 5 s


@pytest.mark.parametrize(("status", "kind"), [(401, StreamErrorType.AUTH), (404, StreamErrorType.CLIENT)])
def test_a_non_retryable_error_fails_at_once(status: int, kind: StreamErrorType) -> None:
    run = Run(lambda request: MockResponse(status, JSON, [b"{}"]), deadlines=NO_DEADLINES)
    error = run.fails()
    assert (error.type, error.status, error.retryable) == (kind, status, False)
    assert len(run.transport.requests) == 1 and run.sleeps == []
    assert run.states == ["connecting", "failed"]


def test_an_error_inside_the_stream_is_retried() -> None:
    error_frame = b'data: {"type": "error", "data": {"code": "UPSTREAM", "message": "upstream hiccup"}}\n\n'

    def handler(request: HttpRequest) -> MockResponse:
        if len(run.transport.requests) == 1:
            return MockResponse(200, SSE, [*standard_events()[:2], error_frame])
        return MockResponse(200, SSE, after(standard_events(), request))

    run = Run(handler, deadlines=NO_DEADLINES)
    assert run.chat() == REPLY
    assert run.chunks == PIECES
    assert run.statuses[run.states.index("reconnecting")]["error"]["type"] == "SERVER"


def test_the_retry_budget_resets_after_a_healthy_stretch() -> None:
    # Each attempt streams one more piece for 20 s of fake time, then is cut: with a budget
    # of one retry, only the reset after each healthy stretch lets the reply complete.
    events = standard_events()

    class SlowPiece(MockResponse):
        async def chunks(self) -> Any:  # type: ignore[override]
            async for piece in super().chunks():
                run.now += 20.0
                yield piece

    def handler(request: HttpRequest) -> MockResponse:
        rest = after(events, request)
        return SlowPiece(200, SSE, [*rest[:2], cut()] if len(rest) > 2 else rest)

    run = Run(handler, deadlines=NO_DEADLINES, backoff=BackoffPolicy(max_retries=1, healthy_after=10.0))
    assert run.chat() == REPLY
    assert run.chunks == PIECES
    assert len(run.sleeps) >= 2
    # Each reconnect is "retry 1 of 1" again; the attempt number goes on counting.
    reconnects = [s for s in run.statuses if s["state"] == "reconnecting"]
    assert [(s["retry"], s["maxRetries"]) for s in reconnects] == [(1, 1)] * len(reconnects)
    assert [s["attempt"] for s in reconnects] == list(range(2, 2 + len(reconnects)))


# --- fallback ---------------------------------------------------------------------------------


def test_when_retries_are_used_up_the_fallback_delivers_only_what_is_missing() -> None:
    def handler(request: HttpRequest) -> MockResponse:
        if json.loads(request.body or b"")["stream"] is False:
            return non_streaming()
        return MockResponse(200, SSE, [*standard_events()[:2], cut()])

    run = Run(handler, deadlines=NO_DEADLINES)
    assert run.chat() == REPLY
    assert run.chunks == [*PIECES[:2], "".join(PIECES[2:])]
    assert [b["stream"] for b in run.bodies] == [True, True, True, True, False]
    assert run.states[-2:] == ["fallback", "completed"]
    fallback = run.transport.requests[-1]
    assert fallback.headers["Idempotency-Key"] == run.transport.requests[0].headers["Idempotency-Key"]


def test_a_failed_fallback_rejects_with_max_retries_exceeded_and_its_causes() -> None:
    run = Run(lambda request: MockResponse(502, JSON, [b"{}"]), deadlines=NO_DEADLINES)
    error = run.fails()
    assert error.type is StreamErrorType.MAX_RETRIES_EXCEEDED
    assert [cause.type for cause in error.causes] == [StreamErrorType.SERVER] * 5
    assert [cause.attempt for cause in error.causes[:4]] == [1, 2, 3, 4]
    assert run.states[-2:] == ["fallback", "failed"]


def test_streaming_switched_off_uses_one_non_streaming_request() -> None:
    run = Run(lambda request: non_streaming(), streaming="never")
    assert run.chat() == REPLY
    assert run.chunks == [REPLY] and [b["stream"] for b in run.bodies] == [False]
    assert run.states == ["fallback", "completed"]


def test_a_json_answer_to_a_streaming_request_is_the_fallback() -> None:
    run = Run(lambda request: non_streaming(), deadlines=NO_DEADLINES)
    assert run.chat() == REPLY
    assert len(run.transport.requests) == 1
    assert run.states == ["connecting", "fallback", "completed"]


def test_without_fallback_exhausted_retries_fail_with_max_retries_exceeded() -> None:
    run = Run(lambda request: MockResponse(500, JSON, [b"{}"]), deadlines=NO_DEADLINES, fallback=False)
    error = run.fails()
    assert error.type is StreamErrorType.MAX_RETRIES_EXCEEDED and error.attempt == 4
    assert [(cause.type, cause.attempt) for cause in error.causes] == [(StreamErrorType.SERVER, n) for n in (1, 2, 3, 4)]
    assert len(run.transport.requests) == 4
    assert "fallback" not in run.states


# --- circuit breaker --------------------------------------------------------------------------


def test_an_open_circuit_goes_straight_to_the_fallback_then_lets_one_trial_through() -> None:
    streaming_ok = False

    def handler(request: HttpRequest) -> MockResponse:
        if json.loads(request.body or b"")["stream"] is False:
            return non_streaming()
        if streaming_ok:
            return MockResponse(200, SSE, standard_events())
        return MockResponse(500, JSON, [b"{}"])

    run = Run(
        handler,
        deadlines=NO_DEADLINES,
        backoff=BackoffPolicy(max_retries=1),
        circuit=CircuitPolicy(failure_threshold=2, cool_down=60.0),
    )
    assert run.chat() == REPLY  # streaming gave up (2 attempts): one failure, then the fallback
    assert run.service.breaker.state == "closed"
    assert run.chat() == REPLY  # the second chat whose streaming gave up opens the circuit
    assert [b["stream"] for b in run.bodies] == [True, True, False, True, True, False]
    assert run.service.breaker.state == "open"

    assert run.chat() == REPLY  # open: no streaming attempt at all
    assert [b["stream"] for b in run.bodies][6:] == [False]

    run.now += 61.0
    streaming_ok = True
    assert run.chat() == REPLY  # half-open: one trial streams, and closes the circuit
    assert [b["stream"] for b in run.bodies][7:] == [True]
    assert run.service.breaker.state == "closed"


def test_streams_cut_after_a_healthy_stretch_and_resumed_do_not_open_the_circuit() -> None:
    # Each chat's first connection streams half the reply, then is cut; the reconnect resumes.
    def handler(request: HttpRequest) -> MockResponse:
        events = standard_events()
        if request.headers.get("Last-Event-ID") is None:
            return MockResponse(200, SSE, [*events[:3], cut()])
        return MockResponse(200, SSE, after(events, request))

    run = Run(handler, deadlines=NO_DEADLINES, circuit=CircuitPolicy(failure_threshold=2, cool_down=60.0))
    for _ in range(5):
        run.chunks.clear()
        assert run.chat() == REPLY and "".join(run.chunks) == REPLY
    assert run.service.breaker.state == "closed"
    assert all(b["stream"] for b in run.bodies)  # never the fallback


# --- heartbeat deadlines (virtual time: exact, and never racing a busy machine) ---------------


class VirtualTimeRun(Run):
    """A run on a virtual-time loop: the watchdog, the mock server's pauses and the backoff all
    wait on the loop's clock, which jumps from timer to timer."""

    def __init__(self, handler: Callable[[HttpRequest], MockResponse], **config: Any) -> None:
        super().__init__(handler, **config)
        self.loop = VirtualTimeLoop()
        self.service = SSEService(self.transport, self.config, sleep=self._sleep, clock=self.loop.time)

    async def _sleep(self, delay: float) -> None:
        self.sleeps.append(delay)
        await asyncio.sleep(delay)

    def chat(self) -> str:
        try:
            return self.loop.run_until_complete(self.achat())
        finally:
            self.loop.close()

    def reconnect_at(self) -> float:
        """When the first attempt gave up (its `reconnecting` status was reported)."""
        return float(next(s["at"] for s in self.statuses if s["state"] == "reconnecting"))

    async def achat(self) -> str:
        loop = self.loop

        def stamped(status: dict[str, Any]) -> None:
            self.statuses.append({**status, "at": loop.time()})

        return await self.service.chat_with_model_stream({"model": "m"}, self.chunks.append, stamped)


SHORT = Deadlines(first_byte=0.2, idle=0.1, no_progress=0.3, total=None)


@pytest.mark.parametrize(
    ("first_attempt", "deadline", "due"),
    [
        ([1.0], "first_byte", 0.2),
        ([standard_events()[0], 1.0], "idle", 0.1),
        ([standard_events()[0], *[b": keep-alive\n\n", 0.05] * 20], "no_progress", 0.3),
    ],
)
def test_a_passed_deadline_is_a_retried_timeout_at_the_moment_it_is_due(
    first_attempt: list[Any], deadline: str, due: float
) -> None:
    def handler(request: HttpRequest) -> MockResponse:
        if len(run.transport.requests) == 1:
            return MockResponse(200, SSE, first_attempt)
        return MockResponse(200, SSE, after(standard_events(), request))

    run = VirtualTimeRun(handler, deadlines=SHORT)
    assert run.chat() == REPLY
    assert run.chunks == PIECES
    cause = run.statuses[run.states.index("reconnecting")]["error"]
    assert (cause["type"], cause["cause"]) == ("TIMEOUT", deadline)
    assert run.reconnect_at() == pytest.approx(due)
    assert run.transport.responses[0].closed  # the stalled request was aborted


@pytest.mark.parametrize(
    ("deadlines", "deadline", "due"),
    [
        # The first byte at 0.5 s arms deadlines shorter than the first-byte one: each fires
        # when it is due, not when the deadline computed before the first byte would have.
        (Deadlines(first_byte=5, idle=None, no_progress=1.5, total=None), "no_progress", 2.0),
        (Deadlines(first_byte=5, idle=0.25, no_progress=None, total=None), "idle", 0.75),
        (Deadlines(first_byte=5, idle=3, no_progress=1.5, total=4), "no_progress", 2.0),
        (Deadlines(first_byte=5, idle=3, no_progress=10, total=1.2), "total", 1.2),
    ],
)
def test_every_deadline_fires_when_due_whatever_the_order_they_are_armed(
    deadlines: Deadlines, deadline: str, due: float
) -> None:
    # A server whose first byte, a keep-alive, comes at 0.5 s; then it sends keep-alives every
    # 0.2 s (or, to pass the idle deadline, nothing), never any content.
    pings = [0.5, b": keep-alive\n\n"] + ([100.0] if deadline == "idle" else [0.2, b": keep-alive\n\n"] * 30)
    run = VirtualTimeRun(lambda request: MockResponse(200, SSE, pings), deadlines=deadlines,
                         backoff=BackoffPolicy(max_retries=0), fallback=False)
    error = run.fails()
    assert (error.type, error.cause) == (StreamErrorType.TIMEOUT, deadline)
    assert run.statuses[-1]["at"] == pytest.approx(due, abs=1e-6)


def test_the_total_deadline_bounds_an_attempt() -> None:
    slow = [piece for event in standard_events() for piece in (event, 0.05)]
    run = VirtualTimeRun(
        lambda request: MockResponse(200, SSE, slow),
        deadlines=replace(SHORT, total=0.12),
        backoff=BackoffPolicy(max_retries=0),
        fallback=False,
    )
    error = run.fails()
    assert (error.type, error.cause) == (StreamErrorType.TIMEOUT, "total")
    assert run.statuses[-1]["at"] == pytest.approx(0.12)


# --- cancel -----------------------------------------------------------------------------------


def test_cancel_during_the_backoff_wait_stops_all_retries() -> None:
    async def scenario() -> tuple[StreamError, int]:
        run = Run(lambda request: MockResponse(503, JSON, [b"{}"]), deadlines=NO_DEADLINES)
        waiting = asyncio.Event()

        async def sleep(delay: float) -> None:
            waiting.set()
            await asyncio.sleep(3600)

        run.service._sleep = sleep
        task = asyncio.ensure_future(run.achat())
        await waiting.wait()
        task.cancel()
        with pytest.raises(StreamError) as caught:
            await task
        assert run.states[-1] == "cancelled"
        return caught.value, len(run.transport.requests)

    error, requests = asyncio.run(scenario())
    assert error.type is StreamErrorType.CANCELLED
    assert requests == 1


def test_cancel_mid_stream_closes_the_response() -> None:
    async def scenario() -> None:
        run = Run(
            lambda request: MockResponse(200, SSE, [standard_events()[0], 3600.0]), deadlines=NO_DEADLINES
        )
        task = asyncio.ensure_future(run.achat())
        while not run.chunks:
            await asyncio.sleep(0.001)
        task.cancel()
        with pytest.raises(StreamError) as caught:
            await task
        assert caught.value.type is StreamErrorType.CANCELLED
        assert run.transport.responses[0].closed
        assert run.states == ["connecting", "streaming", "cancelled"]

    asyncio.run(scenario())


def test_a_caller_that_keeps_the_pieces_gets_no_second_copy() -> None:
    run = Run(lambda request: MockResponse(200, SSE, standard_events()), deadlines=NO_DEADLINES)

    async def chat() -> str:
        return await run.service.chat_with_model_stream(
            {"model": "m"}, run.chunks.append, run.statuses.append, collect_text=False
        )

    assert asyncio.run(chat()) == ""
    assert run.chunks == PIECES
    # As JavaScript counts the text (the rocket is two UTF-16 code units): text.length.
    completed = dict(run.statuses[-1])
    assert completed.pop("metrics")["chunks"] == len(PIECES)
    assert completed == {"state": "completed", "message": "Done.", "length": len(REPLY) + 1}


def test_text_that_arrives_in_one_piece_is_delivered_in_one_call() -> None:
    status = b'data: {"type": "status", "data": {"message": "Thinking", "progress": 0.5}}\n\n'
    events = standard_events()
    body = b"".join([*events[:2], status, *events[2:]])  # the whole reply in one read
    order: list[str] = []
    run = Run(lambda request: MockResponse(200, SSE, [body]), deadlines=NO_DEADLINES)
    run.service = SSEService(run.transport, run.config, sleep=run._sleep)

    async def chat() -> str:
        return await run.service.chat_with_model_stream(
            {}, lambda text: order.append("chunk:" + text), lambda s: order.append("status:" + s["state"])
        )

    assert asyncio.run(chat()) == REPLY
    # One call per run of text, and the text before the backend's status comes before it.
    assert order == [
        "status:connecting", "status:streaming", "chunk:" + "".join(PIECES[:2]), "status:streaming",
        "chunk:" + "".join(PIECES[2:]), "status:completed",
    ]


# --- the body is pushed: pieces can arrive after the watchdog gave up, before the attempt's task
# has woken to be cancelled (FetchResponse.pump's read loop runs in JS) -------------------------


class LateWakeResponse(MockResponse):
    """Hands over its whole body at once, then does not return until cancelled: a read loop
    whose end reaches the attempt's task only after the watchdog has fired."""

    async def pump(self, on_piece: Callable[[bytes], bool]) -> None:
        for piece in self._body:
            assert isinstance(piece, bytes)
            if not on_piece(piece):
                break
        await asyncio.Event().wait()


def virtual_time_service(handler: Callable[[HttpRequest], MockResponse]
                         ) -> tuple[SSEService, MockTransport, VirtualTimeLoop]:
    """A service on a virtual-time loop, with a 50 ms idle deadline and one quick retry."""
    transport = MockTransport(handler)
    config = ClientConfig(endpoint="/api/chat", random=random.Random(7).random,
                          deadlines=Deadlines(first_byte=1.0, idle=0.05, no_progress=1.0, total=None),
                          backoff=BackoffPolicy(max_retries=1, base_delay=0.01))
    loop = VirtualTimeLoop()
    return SSEService(transport, config, clock=loop.time), transport, loop


def test_a_reply_completed_before_the_deadline_passed_is_not_asked_for_again() -> None:
    # No ids (as OpenAI sends): a reconnect could not tell a replay from new text.
    events = [f"data: {json.dumps({'choices': [{'delta': {'content': p}}]})}\n\n".encode() for p in PIECES]
    body = b"".join([*events, b"data: [DONE]\n\n"])
    chunks: list[str] = []
    service, transport, loop = virtual_time_service(lambda request: LateWakeResponse(200, SSE, [body]))

    text = loop.run_until_complete(service.chat_with_model_stream({}, chunks.append, None))
    loop.close()
    assert text == REPLY and "".join(chunks) == REPLY
    assert len(transport.requests) == 1


@pytest.mark.parametrize("make_events", [standard_events, openai_events])
@pytest.mark.parametrize("resuming", [True, False])
def test_a_piece_handed_over_after_the_watchdog_fired_is_not_even_parsed(
    monkeypatch: pytest.MonkeyPatch, make_events: Any, resuming: bool
) -> None:
    # The read loop (JS) can hand over a piece after the watchdog fired and before the attempt's
    # task is cancelled. Simulated by handing it over as the watchdog returns. Parsing it would
    # move the chat's last event id past text nobody was shown.
    events = make_events()
    late: list[Callable[[], object]] = []
    handed: list[bool] = []
    watch = ChatRun._watch

    async def watch_then_hand_over(self: ChatRun, monitor: Any, rearmed: asyncio.Event) -> str:
        which = await watch(self, monitor, rearmed)
        while late:
            late.pop(0)()
        return which

    monkeypatch.setattr(ChatRun, "_watch", watch_then_hand_over)

    class Stalls(MockResponse):
        async def pump(self, on_piece: Callable[[bytes], bool]) -> None:
            on_piece(events[0])
            late.append(lambda: handed.append(on_piece(b"".join(events[1:3]))))
            await asyncio.Event().wait()

    def handler(request: HttpRequest) -> MockResponse:
        if len(transport.requests) == 1:
            return Stalls(200, SSE, [])
        return MockResponse(200, SSE, after(events, request) if resuming else events)

    service, transport, loop = virtual_time_service(handler)
    chunks: list[str] = []
    assert loop.run_until_complete(service.chat_with_model_stream({}, chunks.append, None)) == REPLY
    loop.close()
    assert handed == [False] and chunks == PIECES
    assert transport.requests[1].headers["Last-Event-ID"] == "0"


def test_a_chat_cut_again_and_again_after_healthy_stretches_keeps_streaming_and_the_circuit_closed() -> None:
    # Five cuts in one chat, each after more than healthyAfter of streaming: every cut starts a
    # fresh retry budget, streaming recovers every time, and none of it is a failure of
    # streaming for the circuit (with the threshold at 5, counting them would open it).
    pieces = [f"p{n} " for n in range(8)]
    events = standard_events(pieces)

    def handler(request: HttpRequest) -> MockResponse:
        rest = after(events, request)
        if len(run.transport.requests) <= 5:
            return MockResponse(200, SSE, [rest[0], 11.0, cut()])
        return MockResponse(200, SSE, rest)

    run = VirtualTimeRun(handler, deadlines=NO_DEADLINES,
                         backoff=BackoffPolicy(max_retries=1, healthy_after=10.0),
                         circuit=CircuitPolicy(failure_threshold=5, cool_down=60.0))
    assert run.chat() == "".join(pieces)
    assert all(b["stream"] for b in run.bodies) and len(run.bodies) == 6  # no fallback
    assert run.service.breaker.state == "closed"


# --- a 401: one forced token refresh and one immediate retry --------------------------------


class Tokens:
    """A token provider that hands out the given tokens in turn (a stale one, then a fresh one)
    and records the argument of each call; `fail_refresh` makes a forced refresh raise."""

    def __init__(self, *tokens: str, fail_refresh: bool = False) -> None:
        self.tokens = list(tokens)
        self.fail_refresh = fail_refresh
        self.asked: list[bool] = []

    async def __call__(self, request: Mapping[str, bool]) -> str:
        self.asked.append(request["forceRefresh"])
        if request["forceRefresh"] and self.fail_refresh:
            raise RuntimeError("the refresh token was revoked")
        return self.tokens.pop(0)


def bearer(request: HttpRequest) -> str | None:
    return request.headers.get("Authorization")


def refused(token: str = "") -> MockResponse:
    """The 401 a backend answers a stale token with (echoing it, as some proxies do)."""
    body = {"type": "error", "data": {"code": "UNAUTHORIZED", "message": f"bad token {token}"}}
    return MockResponse(401, JSON, [json.dumps(body).encode()])


def accepting(token: str, answer: Callable[[HttpRequest], MockResponse]) -> Callable[[HttpRequest], MockResponse]:
    """A backend that answers 401 to any other token than `token`."""
    def handler(request: HttpRequest) -> MockResponse:
        return answer(request) if bearer(request) == f"Bearer {token}" else refused(bearer(request) or "")

    return handler


def test_a_401_asks_for_a_fresh_token_once_and_sends_the_same_request_again_at_once() -> None:
    tokens = Tokens("stale-token-1", "fresh-token-2")
    run = Run(accepting("fresh-token-2", lambda request: MockResponse(200, SSE, standard_events())),
              get_token=tokens, deadlines=NO_DEADLINES)
    assert run.chat() == REPLY and run.chunks == PIECES
    assert tokens.asked == [False, True]
    first, second = run.transport.requests
    assert (bearer(first), bearer(second)) == ("Bearer stale-token-1", "Bearer fresh-token-2")
    assert first.headers["Idempotency-Key"] == second.headers["Idempotency-Key"]
    assert first.body == second.body and first.url == second.url
    assert run.transport.responses[0].closed
    # Not a retry: no backoff, no reconnecting status, and the same attempt.
    assert run.sleeps == []
    assert run.states == ["connecting", "streaming", "completed"]


def test_the_refresh_and_retry_take_no_time() -> None:
    tokens = Tokens("stale-token-1", "fresh-token-2")
    run = VirtualTimeRun(accepting("fresh-token-2", lambda request: MockResponse(200, SSE, standard_events())),
                         get_token=tokens, deadlines=SHORT)
    assert run.chat() == REPLY
    assert [s["at"] for s in run.statuses] == [0.0, 0.0, 0.0]
    assert run.sleeps == []


def test_a_second_401_is_an_auth_error_without_a_retry_or_another_refresh() -> None:
    tokens = Tokens("stale-token-1", "fresh-token-2")
    run = Run(lambda request: refused(bearer(request) or ""), get_token=tokens, deadlines=NO_DEADLINES)
    error = run.fails()
    assert (error.type, error.status, error.retryable, error.attempt) == (StreamErrorType.AUTH, 401, False, 1)
    assert tokens.asked == [False, True] and len(run.transport.requests) == 2
    assert run.sleeps == [] and run.states == ["connecting", "failed"]
    assert all(response.closed for response in run.transport.responses)
    # The fresh token is a secret: the bridge redacts it from the error, which echoes it.
    assert "fresh-token-2" in error.message
    assert "fresh-token-2" not in json.dumps(run.service.secrets.redact(error.to_dict()))


def test_without_a_token_provider_a_401_is_an_auth_error_at_once() -> None:
    run = Run(lambda request: refused(), deadlines=NO_DEADLINES)
    error = run.fails()
    assert (error.type, error.status) == (StreamErrorType.AUTH, 401)
    assert len(run.transport.requests) == 1 and bearer(run.transport.requests[0]) is None


def test_a_forced_refresh_that_fails_is_the_token_error() -> None:
    tokens = Tokens("stale-token-1", fail_refresh=True)
    run = Run(lambda request: refused(), get_token=tokens, deadlines=NO_DEADLINES)
    error = run.fails()
    assert (error.type, error.retryable, error.message) == (StreamErrorType.AUTH, False, "Could not get a sign-in token.")
    assert isinstance(error.cause, RuntimeError)
    assert tokens.asked == [False, True] and len(run.transport.requests) == 1
    assert run.transport.responses[0].closed
    assert run.states == ["connecting", "failed"]


def test_a_403_is_not_refreshed() -> None:
    tokens = Tokens("token-1", "token-2")
    run = Run(lambda request: MockResponse(403, JSON, [b"{}"]), get_token=tokens, deadlines=NO_DEADLINES)
    assert run.fails().type is StreamErrorType.AUTH
    assert tokens.asked == [False] and len(run.transport.requests) == 1


def test_the_refresh_uses_none_of_the_retry_budget() -> None:
    tokens = Tokens("stale-token-1", "fresh-token-2")
    run = Run(accepting("fresh-token-2", lambda request: MockResponse(200, SSE, standard_events())),
              get_token=tokens, deadlines=NO_DEADLINES, backoff=BackoffPolicy(max_retries=0), fallback=False)
    assert run.chat() == REPLY


def test_a_401_on_a_reconnect_is_refreshed_and_resumes_after_the_last_event_id() -> None:
    events = standard_events()
    tokens = Tokens("token-1", "stale-token-2", "fresh-token-3")

    def handler(request: HttpRequest) -> MockResponse:
        if len(run.transport.requests) == 1:
            return MockResponse(200, SSE, [*events[:2], cut()])
        return accepting("fresh-token-3", lambda request: MockResponse(200, SSE, after(events, request)))(request)

    run = Run(handler, get_token=tokens, deadlines=NO_DEADLINES)
    assert run.chat() == REPLY and run.chunks == PIECES
    assert tokens.asked == [False, False, True]
    _, stale, fresh = run.transport.requests
    assert stale.headers["Last-Event-ID"] == fresh.headers["Last-Event-ID"] == "1"
    assert run.sleeps == expected_delays(1)  # the cut's backoff only
    assert run.states == ["connecting", "streaming", "reconnecting", "streaming", "completed"]


def test_a_401_after_the_refresh_was_used_is_an_auth_error_even_on_a_later_attempt() -> None:
    events = standard_events()
    tokens = Tokens("stale-token-1", "fresh-token-2", "token-3")

    def handler(request: HttpRequest) -> MockResponse:
        number = len(run.transport.requests)
        if number == 1:
            return refused()
        if number == 2:
            return MockResponse(200, SSE, [*events[:2], cut()])
        return refused()

    run = Run(handler, get_token=tokens, deadlines=NO_DEADLINES)
    error = run.fails()
    assert (error.type, error.status, error.attempt) == (StreamErrorType.AUTH, 401, 2)
    assert tokens.asked == [False, True, False] and len(run.transport.requests) == 3
    assert run.chunks == PIECES[:2]


def test_the_fallback_request_is_refreshed_too() -> None:
    tokens = Tokens("stale-token-1", "fresh-token-2")
    run = Run(accepting("fresh-token-2", lambda request: non_streaming()), get_token=tokens, streaming="never")
    assert run.chat() == REPLY
    assert [b["stream"] for b in run.bodies] == [False, False]
    assert tokens.asked == [False, True]
    assert run.states == ["fallback", "completed"]


def test_a_second_401_of_the_fallback_is_an_auth_error() -> None:
    tokens = Tokens("stale-token-1", "fresh-token-2")
    run = Run(lambda request: refused(), get_token=tokens, streaming="never")
    error = run.fails()
    assert (error.type, error.status) == (StreamErrorType.AUTH, 401)
    assert len(run.transport.requests) == 2 and run.states == ["fallback", "failed"]


def test_every_token_sent_is_a_secret() -> None:
    tokens = Tokens("stale-token-1", "fresh-token-2")
    run = Run(accepting("fresh-token-2", lambda request: MockResponse(200, SSE, standard_events())),
              get_token=tokens, deadlines=NO_DEADLINES)
    run.chat()
    assert run.service.secrets.redact("stale-token-1 fresh-token-2") == "[redacted] [redacted]"


# --- metrics and the rollout (metrics.py, config.streams) --------------------------------------


def test_the_completed_status_carries_the_chats_metrics_across_a_reconnect() -> None:
    events = standard_events()

    def handler(request: HttpRequest) -> MockResponse:
        if len(run.transport.requests) == 1:
            return MockResponse(200, SSE, [*events[:2], events[2][:9], cut()])
        return MockResponse(200, SSE, after(events, request))

    run = Run(handler, deadlines=NO_DEADLINES)
    assert run.chat() == REPLY
    metrics = run.statuses[-1]["metrics"]
    assert metrics["chunks"] == len(run.chunks)
    assert (metrics["reconnects"], metrics["retriesUsed"], metrics["fallbackUsed"]) == (1, 1, False)
    sent = sum(len(piece) for piece in [*events[:2], events[2][:9]]) + sum(
        len(piece) for piece in after(events, run.transport.requests[1]))
    assert metrics["bytes"] == sent
    assert metrics["events"] == len(events)  # two before the cut, the rest after it
    assert metrics["timeToFirstByteMs"] == metrics["timeToFirstChunkMs"] == 0.0
    assert metrics["durationMs"] == round(sum(run.sleeps) * 1000, 1)  # the fake clock moves in the backoff only


def test_the_fallbacks_answer_is_counted_in_the_metrics() -> None:
    run = Run(lambda request: non_streaming(), streaming="never")
    assert run.chat() == REPLY
    metrics = run.statuses[-1]["metrics"]
    assert metrics["fallbackUsed"] is True and metrics["bytes"] > len(REPLY)
    assert (metrics["chunks"], metrics["events"], metrics["reconnects"]) == (1, 0, 0)


def test_a_failed_chat_carries_metrics_too() -> None:
    run = Run(lambda request: MockResponse(401, JSON, [b"{}"]), deadlines=NO_DEADLINES)
    run.fails()
    assert run.statuses[-1]["state"] == "failed"
    assert run.statuses[-1]["metrics"]["chunks"] == 0


def test_a_stuttering_upstream_counts_its_corrections() -> None:
    frames = [b'data: {"chunk": "Hel"}\n\n', b'data: {"chunk": "Hello"}\n\n', b'data: {"chunk": "Hello there"}\n\n']
    run = Run(lambda request: MockResponse(200, SSE, frames), format="legacy", deadlines=NO_DEADLINES)
    assert run.chat() == "Hello there"
    assert run.statuses[-1]["metrics"]["stutterCorrections"] == 2


@pytest.mark.parametrize(("options", "stream", "reason"), [
    ({"rollout_percent": 0, "rollout_bucket": 0}, False, "Streaming is not rolled out to this browser."),
    ({"rollout_percent": 50, "rollout_bucket": 49}, True, None),
    ({"rollout_percent": 50, "rollout_bucket": 50}, False, "Streaming is not rolled out to this browser."),
    ({"streaming": "always", "rollout_percent": 0, "rollout_bucket": 0}, True, None),
    ({"streaming": "never"}, False, "Streaming is switched off."),
])
def test_a_browser_outside_the_rollout_makes_only_the_non_streaming_request(
    options: dict[str, Any], stream: bool, reason: str | None
) -> None:
    run = Run(lambda request: MockResponse(200, SSE, standard_events()) if stream else non_streaming(),
              deadlines=NO_DEADLINES, **options)
    assert run.chat() == REPLY
    assert [b["stream"] for b in run.bodies] == [stream]
    if reason is not None:
        assert run.statuses[0]["message"].startswith(reason)
