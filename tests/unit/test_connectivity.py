"""The page's lifecycle as pure decisions: `Connectivity` (online state, listeners),
`waits_for_network`, `network_wait_limit`, and what `HeartbeatMonitor` makes of going offline and
of a freeze and resume. The loop that acts on them is tested in test_page_lifecycle.py."""

from __future__ import annotations

import pytest

from sse_client.classify import deadline_error, network_error
from sse_client.connectivity import PAGE_EVENTS, Connectivity, network_wait_limit, waits_for_network
from sse_client.errors import StreamErrorType
from sse_client.heartbeat import RESUME_GRACE, Deadlines, HeartbeatMonitor

START = 1000.0


# --- Connectivity ---------------------------------------------------------------------------


def test_every_listener_hears_each_page_event_in_order() -> None:
    connectivity = Connectivity()
    heard: list[tuple[str, str]] = []
    connectivity.subscribe(lambda event: heard.append(("a", event)))
    connectivity.subscribe(lambda event: heard.append(("b", event)))
    for event in ("freeze", "resume", "offline", "online"):
        assert connectivity.notify(event) is True
    assert heard == [(name, event) for event in ("freeze", "resume", "offline", "online") for name in "ab"]
    assert connectivity.online is True


def test_online_state_follows_the_events_and_a_repeat_changes_nothing() -> None:
    connectivity = Connectivity()
    heard: list[str] = []
    connectivity.subscribe(heard.append)
    assert connectivity.notify("online") is False  # already online: the page and a worker may both say so
    assert connectivity.notify("offline") is True and connectivity.online is False
    assert connectivity.notify("offline") is False
    assert connectivity.notify("online") is True and connectivity.online is True
    assert heard == ["offline", "online"]
    assert Connectivity(online=False).online is False


def test_unsubscribe_stops_the_events_and_may_be_called_twice() -> None:
    connectivity = Connectivity()
    heard: list[str] = []
    unsubscribe = connectivity.subscribe(heard.append)
    assert connectivity.listeners == 1
    unsubscribe()
    unsubscribe()
    connectivity.notify("freeze")
    assert heard == [] and connectivity.listeners == 0


def test_a_listener_may_unsubscribe_while_it_is_called() -> None:
    connectivity = Connectivity()
    heard: list[str] = []

    def once(event: str) -> None:
        heard.append(event)
        unsubscribe()

    unsubscribe = connectivity.subscribe(once)
    connectivity.subscribe(lambda event: heard.append("other:" + event))
    connectivity.notify("resume")
    connectivity.notify("resume")
    assert heard == ["resume", "other:resume", "other:resume"]


@pytest.mark.parametrize("event", ["visibilitychange", "hidden", "", "Offline"])
def test_an_unknown_event_is_refused(event: str) -> None:
    with pytest.raises(ValueError, match="unknown page event"):
        Connectivity().notify(event)
    assert "visibilitychange" not in PAGE_EVENTS  # a hidden tab's stream just goes on


# --- the wait before a reconnect ----------------------------------------------------------------


def test_only_a_network_failure_while_offline_waits_for_the_network() -> None:
    cut = network_error("TypeError: network error")
    assert waits_for_network(cut, online=False) is True
    assert waits_for_network(cut, online=True) is False
    assert waits_for_network(deadline_error("idle"), online=False) is False  # the backoff as usual


@pytest.mark.parametrize(
    ("deadlines", "limit"),
    [
        (Deadlines(), 45.0),
        (Deadlines(idle=None), 30.0),
        (Deadlines(idle=None, first_byte=None, total=90.0), 90.0),
        (Deadlines(idle=None, first_byte=None, no_progress=5.0, total=None), None),
    ],
)
def test_the_wait_for_the_network_is_bounded_by_a_deadline(deadlines: Deadlines, limit: float | None) -> None:
    assert network_wait_limit(deadlines) == limit


# --- HeartbeatMonitor: offline, freeze and resume -----------------------------------------------

LONG = Deadlines(first_byte=30.0, idle=30.0, no_progress=60.0, total=None)


def test_going_offline_is_a_dead_connection_at_once_and_a_retried_network_error() -> None:
    m = HeartbeatMonitor(LONG, START)
    m.on_bytes(START + 1)
    m.on_offline()
    assert m.expired(START + 1) == "offline"
    error = m.timeout_error("offline", attempt=2)
    assert (error.type, error.retryable, error.attempt) == (StreamErrorType.NETWORK, True, 2)
    assert error.cause == "the network went offline"


def test_a_stream_silent_after_a_resume_is_dead_after_the_grace_not_the_idle_deadline() -> None:
    m = HeartbeatMonitor(LONG, START)
    m.on_progress(START + 1)
    m.on_freeze(START + 2)
    assert m.expired(START + 20) is None  # frozen: nothing ran to notice anything
    assert m.on_resume(START + 20) is True
    assert m.next_deadline() == START + 20 + RESUME_GRACE
    assert m.expired(START + 20 + RESUME_GRACE - 0.001) is None
    assert m.expired(START + 20 + RESUME_GRACE) == "resume"
    error = m.timeout_error("resume")
    assert (error.type, error.retryable) == (StreamErrorType.NETWORK, True)
    assert "frozen" in str(error.cause)


def test_any_byte_after_the_resume_shows_the_stream_alive() -> None:
    m = HeartbeatMonitor(LONG, START)
    m.on_bytes(START + 1)
    m.on_freeze(START + 2)
    m.on_resume(START + 10)
    assert m.on_bytes(START + 10.1) is False  # a keep-alive the network kept for us
    assert m.expired(START + 10 + RESUME_GRACE) is None
    assert m.next_deadline() == START + 10.1 + 30.0  # the idle deadline again


def test_bytes_that_came_during_the_freeze_need_no_grace() -> None:
    # A worker may run on while its page is frozen: it saw the stream alive.
    m = HeartbeatMonitor(LONG, START)
    m.on_bytes(START + 1)
    m.on_freeze(START + 2)
    m.on_bytes(START + 3)
    assert m.on_resume(START + 4) is False
    assert m.next_deadline() == START + 3 + 30.0


def test_a_resume_without_a_freeze_seen_or_before_the_first_byte_arms_the_grace() -> None:
    m = HeartbeatMonitor(LONG, START)
    assert m.on_resume(START + 1) is True  # the freeze came before this attempt began
    assert m.expired(START + 1 + RESUME_GRACE) == "resume"
    m = HeartbeatMonitor(LONG, START)
    m.on_freeze(START + 1)
    assert m.on_resume(START + 2) is True  # no byte ever: nothing shows the connection alive
    assert m.next_deadline() == START + 2 + RESUME_GRACE


def test_an_earlier_deadline_still_passes_first_after_a_resume() -> None:
    m = HeartbeatMonitor(Deadlines(first_byte=30.0, idle=1.0, no_progress=None, total=None), START)
    m.on_bytes(START)
    m.on_freeze(START + 0.1)
    m.on_resume(START + 0.2)
    assert m.expired(START + 1.0) == "idle"
