"""HeartbeatMonitor: deadline arithmetic on a fake clock (plain floats)."""

from __future__ import annotations

from typing import Any

import pytest

from sse_client.errors import StreamErrorType
from sse_client.heartbeat import DEADLINE_NAMES, Deadlines, HeartbeatMonitor

START = 1000.0
ONLY_FIRST_BYTE = Deadlines(first_byte=30.0, idle=None, no_progress=None, total=None)


def monitor(**deadlines: Any) -> HeartbeatMonitor:
    return HeartbeatMonitor(Deadlines(**deadlines), START)


# --- before the first byte --------------------------------------------------------------------


def test_first_byte_deadline_counts_from_the_start() -> None:
    m = monitor()
    assert m.expired(START + 29.999) is None
    assert m.seconds_left(START + 10) == 20.0
    assert m.expired(START + 30) == "first_byte"
    assert m.seconds_left(START + 31) == 0.0


def test_idle_and_no_progress_are_not_armed_before_the_first_byte() -> None:
    m = monitor(first_byte=None, idle=1.0, no_progress=1.0)
    assert m.expired(START + 3600) is None
    assert m.seconds_left(START + 3600) is None


def test_total_is_armed_before_the_first_byte() -> None:
    m = monitor(first_byte=None, total=60.0)
    assert m.seconds_left(START) == 60.0
    assert m.expired(START + 60) == "total"


def test_no_deadline_armed_means_no_seconds_left() -> None:
    m = monitor(first_byte=None, idle=None, no_progress=None, total=None)
    m.on_progress(START + 1)
    assert m.seconds_left(START + 2) is None
    assert m.expired(START + 10**9) is None


# --- after the first byte -------------------------------------------------------------------


def test_first_byte_deadline_is_disarmed_by_the_first_byte() -> None:
    m = HeartbeatMonitor(ONLY_FIRST_BYTE, START)
    m.on_bytes(START + 29)
    assert m.expired(START + 1000) is None
    assert m.seconds_left(START + 1000) is None


def test_idle_counts_from_the_last_bytes() -> None:
    m = monitor(idle=45.0, no_progress=None)
    m.on_bytes(START + 5)
    m.on_bytes(START + 40)  # a keep-alive comment is a sign of life
    assert m.seconds_left(START + 50) == 35.0
    assert m.expired(START + 84.9) is None
    assert m.expired(START + 85) == "idle"


def test_no_progress_counts_from_the_first_byte_until_a_content_event() -> None:
    m = monitor(idle=45.0, no_progress=120.0)
    m.on_bytes(START + 10)
    for t in range(40, 130, 30):  # keep-alives only: alive, but not progressing
        m.on_bytes(START + t)
    assert m.expired(START + 129.9) is None
    assert m.expired(START + 130) == "no_progress"


def test_no_progress_counts_from_the_last_content_event() -> None:
    m = monitor(idle=45.0, no_progress=120.0)
    m.on_bytes(START + 1)
    m.on_progress(START + 100)
    m.on_bytes(START + 140)
    m.on_bytes(START + 180)
    assert m.seconds_left(START + 180) == 40.0  # no_progress at 220, idle at 225
    assert m.expired(START + 219) is None
    assert m.expired(START + 220) == "no_progress"


def test_progress_counts_as_bytes_too() -> None:
    m = monitor(idle=45.0, no_progress=None)
    m.on_progress(START + 2)
    assert m.expired(START + 46.9) is None
    assert m.expired(START + 47) == "idle"


def test_total_counts_from_the_start_whatever_arrives() -> None:
    m = monitor(idle=45.0, no_progress=120.0, total=100.0)
    for t in range(1, 100, 10):
        m.on_progress(START + t)
    assert m.expired(START + 99.9) is None
    assert m.expired(START + 100) == "total"


# --- several deadlines passed ------------------------------------------------------------------


def test_the_deadline_that_passed_first_is_named() -> None:
    m = monitor(idle=45.0, no_progress=50.0, total=200.0)
    m.on_bytes(START)
    # at START + 500 all three have passed: idle at 45, no_progress at 50, total at 200
    assert m.expired(START + 500) == "idle"


def test_total_before_first_byte_when_it_passes_first() -> None:
    m = monitor(first_byte=30.0, total=20.0)
    assert m.expired(START + 100) == "total"


def test_deadlines_passing_at_the_same_moment_are_named_in_a_fixed_order() -> None:
    m = monitor(idle=50.0, no_progress=50.0, total=60.0)
    m.on_bytes(START + 10)
    assert m.expired(START + 60) == "idle"
    m2 = monitor(first_byte=30.0, total=30.0)
    assert m2.expired(START + 30) == "first_byte"


def test_seconds_left_is_until_the_earliest_pending_deadline() -> None:
    m = monitor(idle=45.0, no_progress=120.0, total=300.0)
    m.on_progress(START + 10)
    m.on_bytes(START + 100)
    assert m.seconds_left(START + 100) == 30.0  # no_progress at 130 before idle at 145


# --- the error ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("which", "message"),
    [
        ("first_byte", "The server did not answer in time."),
        ("idle", "The connection went silent."),
        ("no_progress", "The server stopped sending the reply."),
        ("total", "The reply took too long."),
    ],
)
def test_each_deadline_has_its_own_retryable_timeout_error(which: str, message: str) -> None:
    error = monitor().timeout_error(which, attempt=2)
    assert (error.type, error.retryable, error.message, error.cause, error.attempt) == (
        StreamErrorType.TIMEOUT, True, message, which, 2,
    )


def test_every_name_expired_can_return_has_an_error() -> None:
    assert DEADLINE_NAMES == ("first_byte", "idle", "no_progress", "total")
    for which in DEADLINE_NAMES:
        assert monitor().timeout_error(which).type is StreamErrorType.TIMEOUT


def test_an_unknown_deadline_name_is_a_caller_bug() -> None:
    with pytest.raises(ValueError, match="unknown deadline"):
        monitor().timeout_error("lunch")


# --- validation -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["first_byte", "idle", "no_progress", "total"])
@pytest.mark.parametrize("value", [0, -1.0, float("nan"), float("inf"), True, "30"])
def test_each_deadline_must_be_positive_or_none(name: str, value: Any) -> None:
    camel = {"first_byte": "firstByte", "no_progress": "noProgress"}.get(name, name)
    with pytest.raises(ValueError, match=f"^{camel} must be > 0"):
        Deadlines(**{name: value})


def test_any_deadline_can_be_turned_off_with_none() -> None:
    d = Deadlines(first_byte=None, idle=None, no_progress=None, total=None)
    assert (d.first_byte, d.idle, d.no_progress, d.total) == (None, None, None, None)
    assert Deadlines(total=0.5, idle=1).idle == 1


def test_only_the_first_byte_can_bring_the_next_deadline_forward() -> None:
    monitor = HeartbeatMonitor(Deadlines(first_byte=5, idle=3, no_progress=1.5, total=None), now=0.0)
    assert monitor.next_deadline() == 5.0
    assert monitor.on_bytes(0.5) is True  # arms idle (3.5) and no_progress (2.0)
    assert monitor.next_deadline() == 2.0
    assert monitor.on_bytes(1.0) is False  # later bytes move idle later, never earlier
    monitor.on_progress(1.2)
    assert monitor.next_deadline() == 2.7


def test_no_next_deadline_when_none_is_armed() -> None:
    assert HeartbeatMonitor(Deadlines(first_byte=None, idle=None, no_progress=None, total=None), now=0.0).next_deadline() is None
