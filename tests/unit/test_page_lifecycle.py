"""The page's lifecycle in the retry loop (`ChatRun` through `SSEService`), on virtual time:
going offline ends the attempt at once and the reconnect waits for `online`, not for the backoff
or the idle deadline; a stream silent after a freeze and resume is resumed after the grace.
Every reconnect carries Last-Event-ID and the reply is exact. The decisions themselves are
tested in test_connectivity.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from sse_client.backoff import BackoffPolicy
from sse_client.connectivity import Connectivity
from sse_client.errors import StreamErrorType
from sse_client.heartbeat import RESUME_GRACE, Deadlines
from sse_client.service import SSEService
from sse_client.testing.mock_transport import MockResponse
from sse_client.transport import HttpRequest

from .test_chat_run import JSON, PIECES, REPLY, SSE, VirtualTimeRun, after, cut, standard_events

LONG = Deadlines(first_byte=30.0, idle=30.0, no_progress=60.0, total=None)


class PageRun(VirtualTimeRun):
    """A virtual-time run whose page sends lifecycle events at given times."""

    def __init__(self, handler: Callable[[HttpRequest], MockResponse], **config: Any) -> None:
        super().__init__(handler, **config)
        self.connectivity = Connectivity()
        self.service = SSEService(self.transport, self.config, sleep=self._sleep, clock=self.loop.time,
                                  connectivity=self.connectivity)
        self.request_times: list[float] = []
        inner = self.transport.handler

        def timed(request: HttpRequest) -> MockResponse:
            self.request_times.append(self.loop.time())
            return inner(request)

        self.transport.handler = timed

    def at(self, when: float, event: str) -> None:
        self.loop.call_at(when, self.connectivity.notify, event)

    def cause(self) -> dict[str, Any]:
        return dict(self.statuses[self.states.index("reconnecting")]["error"])


def stalls_after_two_events(run: VirtualTimeRun) -> Callable[[HttpRequest], MockResponse]:
    events = standard_events()

    def handler(request: HttpRequest) -> MockResponse:
        if len(run.transport.requests) == 1:
            return MockResponse(200, SSE, [*events[:2], 1000.0])  # then silence
        return MockResponse(200, SSE, after(events, request))

    return handler


def test_going_offline_ends_the_attempt_at_once_and_the_reconnect_waits_for_online() -> None:
    run = PageRun(lambda request: handler(request), deadlines=LONG)
    handler = stalls_after_two_events(run)
    run.at(0.5, "offline")
    run.at(7.0, "online")
    assert run.chat() == REPLY
    assert run.chunks == PIECES
    assert run.reconnect_at() == pytest.approx(0.5)  # not at the idle deadline (30 s)
    assert (run.cause()["type"], run.cause()["cause"]) == ("NETWORK", "the network went offline")
    assert run.statuses[run.states.index("reconnecting")]["delayMs"] == 0
    assert run.request_times == [0.0, pytest.approx(7.0)]  # at once when online, no backoff
    assert run.sleeps == []
    assert run.transport.requests[1].headers["Last-Event-ID"] == "1"
    assert run.transport.responses[0].closed  # the dead fetch was aborted
    assert run.states == ["connecting", "streaming", "reconnecting", "streaming", "completed"]
    assert run.connectivity.listeners == 0


def test_the_wait_for_the_network_is_bounded_then_the_attempt_goes_anyway() -> None:
    run = PageRun(lambda request: handler(request), deadlines=Deadlines(first_byte=30.0, idle=5.0, no_progress=60.0))
    handler = stalls_after_two_events(run)
    run.at(0.5, "offline")
    run.at(1.0, "freeze")  # between attempts: nothing to check
    run.at(1.5, "resume")
    assert run.chat() == REPLY  # navigator.onLine can be wrong: the request may well get through
    assert run.request_times == [0.0, pytest.approx(5.5)]


def test_a_chat_that_starts_offline_waits_for_the_network_instead_of_using_up_its_retries() -> None:
    events = standard_events()

    def handler(request: HttpRequest) -> MockResponse:
        if not run.connectivity.online:
            return MockResponse(200, SSE, [cut()])  # "Failed to fetch"
        return MockResponse(200, SSE, after(events, request))

    run = PageRun(handler, deadlines=LONG, backoff=BackoffPolicy(max_retries=1))
    run.connectivity.notify("offline")
    run.at(12.0, "online")
    assert run.chat() == REPLY
    assert run.request_times == [0.0, pytest.approx(12.0)]
    assert run.sleeps == []


def test_a_server_error_while_offline_waits_its_backoff_and_then_for_the_network() -> None:
    events = standard_events()

    def handler(request: HttpRequest) -> MockResponse:
        if len(run.transport.requests) == 1:
            return MockResponse(503, JSON, [b"{}"])
        return MockResponse(200, SSE, after(events, request))

    run = PageRun(handler, deadlines=LONG)
    run.connectivity.notify("offline")
    run.at(9.0, "online")
    assert run.chat() == REPLY
    assert len(run.sleeps) == 1 and run.sleeps[0] < 9.0
    assert run.request_times == [0.0, pytest.approx(9.0)]


def test_online_during_an_attempt_changes_nothing() -> None:
    run = PageRun(lambda request: MockResponse(200, SSE, [standard_events()[0], 0.5, *standard_events()[1:]]),
                  deadlines=LONG)
    run.connectivity.notify("offline")
    run.at(0.2, "online")  # the first attempt went anyway (the wait is only for a failed one)
    assert run.chat() == REPLY
    assert len(run.transport.requests) == 1


def test_a_stream_silent_after_a_freeze_and_resume_is_resumed_after_the_grace() -> None:
    run = PageRun(lambda request: handler(request), deadlines=LONG)
    handler = stalls_after_two_events(run)
    run.at(1.0, "freeze")
    run.at(6.0, "resume")
    assert run.chat() == REPLY
    assert run.chunks == PIECES
    assert run.reconnect_at() == pytest.approx(6.0 + RESUME_GRACE)  # not at the idle deadline (30 s)
    assert run.cause()["type"] == "NETWORK"
    assert run.transport.requests[1].headers["Last-Event-ID"] == "1"
    assert run.transport.responses[0].closed


def test_a_stream_that_sends_after_the_resume_goes_on() -> None:
    events = standard_events()
    # Two events, then the next ones come 1 s after the resume at 5 s: within the grace.
    run = PageRun(lambda request: MockResponse(200, SSE, [*events[:2], 6.0, *events[2:]]), deadlines=LONG)
    run.at(1.0, "freeze")
    run.at(5.0, "resume")
    assert run.chat() == REPLY
    assert len(run.transport.requests) == 1


def test_a_resume_while_the_stream_is_healthy_after_bytes_during_the_freeze_changes_nothing() -> None:
    events = standard_events()
    run = PageRun(lambda request: MockResponse(200, SSE, [events[0], 1.0, events[1], 8.0, *events[2:]]),
                  deadlines=LONG)
    run.at(0.5, "freeze")
    run.at(2.0, "resume")  # bytes came at 1.0: alive; the next ones 8 s later are no reason to reconnect
    assert run.chat() == REPLY
    assert len(run.transport.requests) == 1


def test_a_cancel_while_waiting_for_the_network_ends_the_chat() -> None:
    run = PageRun(lambda request: handler(request), deadlines=Deadlines(first_byte=None, idle=None,
                                                                         no_progress=None, total=None))
    handler = stalls_after_two_events(run)
    run.at(0.5, "offline")

    async def scenario() -> None:
        import asyncio

        task = asyncio.ensure_future(run.achat())
        while "reconnecting" not in run.states:
            await asyncio.sleep(0.1)
        await asyncio.sleep(100.0)  # no limit: it waits for the network, or a cancel
        assert len(run.transport.requests) == 1
        task.cancel()
        with pytest.raises(Exception) as caught:
            await task
        assert getattr(caught.value, "type", None) is StreamErrorType.CANCELLED

    run.loop.run_until_complete(scenario())
    run.loop.close()
    assert run.states[-1] == "cancelled"
    assert run.connectivity.listeners == 0
