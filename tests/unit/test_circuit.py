"""CircuitBreaker: closed -> open -> half-open -> closed/open, on a fake clock."""

from __future__ import annotations

from typing import Any

import pytest

from sse_client.circuit import CircuitBreaker, CircuitPolicy

T0 = 500.0


def breaker(threshold: int = 3, cool_down: float = 30.0) -> CircuitBreaker:
    return CircuitBreaker(CircuitPolicy(failure_threshold=threshold, cool_down=cool_down))


def state(b: CircuitBreaker) -> str:
    """The state as a plain str, so the type checker does not pin it after one assert."""
    return b.state


def fail(b: CircuitBreaker, times: int, now: float = T0) -> None:
    for _ in range(times):
        b.record_failure(now)


def opened(threshold: int = 3, at: float = T0) -> CircuitBreaker:
    b = breaker(threshold)
    fail(b, threshold, at)
    assert state(b) == "open"
    return b


def test_a_new_circuit_is_closed_and_allows_streaming() -> None:
    b = breaker()
    assert state(b) == "closed"
    assert all(b.allow_streaming(T0 + t) for t in range(5))


@pytest.mark.parametrize("threshold", [1, 2, 3, 5])
def test_opens_after_exactly_threshold_consecutive_failures(threshold: int) -> None:
    b = breaker(threshold)
    fail(b, threshold - 1)
    assert state(b) == "closed"
    assert b.allow_streaming(T0)
    b.record_failure(T0)
    assert state(b) == "open"
    assert not b.allow_streaming(T0)


def test_a_success_in_between_resets_the_count() -> None:
    b = breaker(3)
    fail(b, 2)
    b.record_success()
    fail(b, 2)
    assert state(b) == "closed"
    b.record_failure(T0)
    assert state(b) == "open"


def test_open_circuit_refuses_streaming_until_the_cool_down_has_passed() -> None:
    b = opened(at=T0)
    assert not b.allow_streaming(T0 + 29.999)
    assert state(b) == "open"
    assert b.allow_streaming(T0 + 30)
    assert state(b) == "half-open"


def test_half_open_allows_exactly_one_trial_per_cool_down() -> None:
    b = opened(at=T0)
    assert b.allow_streaming(T0 + 31)
    assert [b.allow_streaming(T0 + 31 + t) for t in range(0, 30, 3)] == [False] * 10
    assert state(b) == "half-open"


def test_a_trial_that_never_reports_does_not_hold_the_circuit_for_ever() -> None:
    # The trial's chat was cancelled: neither success nor failure is recorded.
    b = opened(at=T0)
    assert b.allow_streaming(T0 + 31)
    assert not b.allow_streaming(T0 + 60)
    assert b.allow_streaming(T0 + 61)  # another cool-down later, a new trial
    assert not b.allow_streaming(T0 + 62)


def test_trial_success_closes_the_circuit() -> None:
    b = opened(3, at=T0)
    assert b.allow_streaming(T0 + 30)
    b.record_success()
    assert state(b) == "closed"
    assert b.allow_streaming(T0 + 30)
    fail(b, 2, T0 + 31)  # the count started again
    assert state(b) == "closed"


def test_trial_failure_reopens_for_another_full_cool_down() -> None:
    b = opened(at=T0)
    assert b.allow_streaming(T0 + 40)
    b.record_failure(T0 + 45)  # one failure is enough: the trial was the test
    assert state(b) == "open"
    assert not b.allow_streaming(T0 + 74.999)
    assert b.allow_streaming(T0 + 75)
    assert state(b) == "half-open"


def test_a_late_failure_while_open_does_not_extend_the_cool_down() -> None:
    b = opened(at=T0)
    b.record_failure(T0 + 20)  # a stream allowed before the circuit opened, failing late
    assert state(b) == "open"
    assert b.allow_streaming(T0 + 30)


def test_state_moves_to_half_open_only_when_asked_with_the_clock() -> None:
    b = opened(at=T0)
    # Time passing alone changes nothing: the breaker has no clock of its own.
    assert state(b) == "open"
    assert b.allow_streaming(T0 + 1000)
    assert state(b) == "half-open"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"failure_threshold": 0}, "failureThreshold must be an integer >= 1"),
        ({"failure_threshold": 2.5}, "failureThreshold must be an integer >= 1"),
        ({"failure_threshold": True}, "failureThreshold must be an integer >= 1"),
        ({"cool_down": 0}, "coolDown must be > 0"),
        ({"cool_down": -3.0}, "coolDown must be > 0"),
        ({"cool_down": float("nan")}, "coolDown must be > 0"),
    ],
)
def test_invalid_policy_is_refused_by_its_javascript_name(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        CircuitPolicy(**options)


def test_default_policy_opens_after_five_and_cools_down_for_thirty_seconds() -> None:
    b = CircuitBreaker(CircuitPolicy())
    fail(b, 4)
    assert state(b) == "closed"
    fail(b, 1)
    assert not b.allow_streaming(T0 + 29)
    assert b.allow_streaming(T0 + 30)
