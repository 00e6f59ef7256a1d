"""BackoffPolicy and parse_retry_after: exact delays from injected randomness, no sleeping."""

from __future__ import annotations

import random as stdlib_random
from datetime import UTC, datetime
from typing import Any

import pytest

from sse_client.backoff import BackoffPolicy, GiveUp, Retry, parse_retry_after
from sse_client.errors import StreamError, StreamErrorType

ALMOST_ONE = 0.9999999999


def always(value: float) -> Any:
    return lambda: value


def network() -> StreamError:
    return StreamError("cut", type=StreamErrorType.NETWORK)


# --- delay: exponential caps and full jitter ----------------------------------------------------


def test_default_caps_double_from_one_second_up_to_eight() -> None:
    policy = BackoffPolicy()
    delays = [policy.delay(n, random=always(ALMOST_ONE)) for n in range(1, 8)]
    assert delays == [ALMOST_ONE * cap for cap in (1, 2, 4, 8, 8, 8, 8)]


def test_full_jitter_is_random_times_cap_with_a_seeded_source() -> None:
    policy = BackoffPolicy()
    source = stdlib_random.Random(7)
    delays = [policy.delay(n, random=source.random) for n in range(1, 7)]
    expected_rng = stdlib_random.Random(7)
    expected = [expected_rng.random() * min(8.0, 1.0 * 2.0 ** (n - 1)) for n in range(1, 7)]
    assert delays == expected
    assert all(0 <= d < cap for d, cap in zip(delays, (1, 2, 4, 8, 8, 8)))


def test_full_jitter_can_be_zero() -> None:
    assert BackoffPolicy().delay(3, random=always(0.0)) == 0.0


def test_custom_base_factor_and_cap_follow_the_formula() -> None:
    policy = BackoffPolicy(base_delay=0.5, factor=3.0, max_delay=10.0)
    assert [policy.delay(n, random=always(0.5)) for n in range(1, 6)] == [0.25, 0.75, 2.25, 5.0, 5.0]


def test_factor_one_keeps_the_delay_constant() -> None:
    policy = BackoffPolicy(base_delay=2.0, factor=1.0)
    assert {policy.delay(n, random=always(0.5)) for n in range(1, 20)} == {1.0}


def test_a_very_late_retry_is_capped_without_overflow() -> None:
    assert BackoffPolicy().delay(100_000, random=always(0.5)) == 4.0


def test_retry_numbers_are_one_based() -> None:
    with pytest.raises(ValueError, match="1-based"):
        BackoffPolicy().delay(0, random=always(0.5))


# --- delay: the stream's `retry:` field ---------------------------------------------------------


def test_stream_retry_field_replaces_the_base_delay() -> None:
    policy = BackoffPolicy()
    delays = [policy.delay(n, random=always(0.5), stream_retry_ms=250) for n in range(1, 7)]
    assert delays == [0.5 * min(8.0, 0.25 * 2.0 ** (n - 1)) for n in range(1, 7)]


def test_stream_retry_field_is_still_capped_by_max_delay() -> None:
    assert BackoffPolicy().delay(1, random=always(0.5), stream_retry_ms=60_000) == 4.0


def test_stream_retry_of_zero_means_reconnect_at_once() -> None:
    assert BackoffPolicy().delay(4, random=always(0.9), stream_retry_ms=0) == 0.0


def test_negative_stream_retry_is_a_caller_bug() -> None:
    with pytest.raises(ValueError, match="stream_retry_ms"):
        BackoffPolicy().delay(1, random=always(0.5), stream_retry_ms=-1)


# --- delay: Retry-After -------------------------------------------------------------------------


def test_retry_after_is_a_floor_under_the_jittered_delay() -> None:
    policy = BackoffPolicy()
    assert policy.delay(1, random=always(0.5), retry_after=5.0) == 5.0


def test_retry_after_below_the_jittered_delay_changes_nothing() -> None:
    policy = BackoffPolicy()
    assert policy.delay(4, random=always(0.75), retry_after=1.0) == 6.0


def test_retry_after_is_capped_at_retry_after_cap() -> None:
    assert BackoffPolicy().delay(1, random=always(0.5), retry_after=3600.0) == 30.0
    assert BackoffPolicy(retry_after_cap=12.0).delay(1, random=always(0.5), retry_after=3600.0) == 12.0


def test_retry_after_cap_of_zero_ignores_retry_after() -> None:
    assert BackoffPolicy(retry_after_cap=0.0).delay(1, random=always(0.5), retry_after=20.0) == 0.5


def test_retry_after_combines_with_the_stream_retry_field() -> None:
    policy = BackoffPolicy()
    assert policy.delay(2, random=always(0.5), stream_retry_ms=100, retry_after=2.0) == 2.0


# --- should_retry and the budget ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "retryable", "used", "expected"),
    [
        (StreamErrorType.NETWORK, True, 0, True),
        (StreamErrorType.SERVER, True, 2, True),
        (StreamErrorType.RATE_LIMITED, True, 3, False),  # budget of 3 used up
        (StreamErrorType.TIMEOUT, True, 4, False),
        (StreamErrorType.AUTH, False, 0, False),  # never worth retrying
        (StreamErrorType.CLIENT, False, 0, False),
        (StreamErrorType.SERVER, False, 0, False),  # a 501: the error's own verdict wins
    ],
)
def test_should_retry_needs_a_retryable_error_and_budget_left(
    kind: StreamErrorType, retryable: bool, used: int, expected: bool
) -> None:
    error = StreamError("x", type=kind, retryable=retryable)
    assert BackoffPolicy().should_retry(error, used) is expected


def test_max_retries_zero_never_retries() -> None:
    assert BackoffPolicy(max_retries=0).should_retry(network(), 0) is False


def test_retry_budget_resets_after_healthy_streaming() -> None:
    policy = BackoffPolicy()
    assert policy.budget_after(3, healthy_for=10.0) == 0
    assert policy.budget_after(3, healthy_for=600.0) == 0


def test_retry_budget_is_kept_after_a_short_stream() -> None:
    policy = BackoffPolicy()
    assert policy.budget_after(3, healthy_for=9.999) == 3
    assert policy.budget_after(2, healthy_for=0.0) == 2
    assert BackoffPolicy(healthy_after=1.0).budget_after(2, healthy_for=1.0) == 0


# --- next: the decision after a failed attempt, as a value ----------------------------------


class CircuitCheck:
    """A circuit breaker's check that answers `allows` and counts how often it was asked."""

    def __init__(self, allows: bool) -> None:
        self.allows, self.asked = allows, 0

    def __call__(self) -> bool:
        self.asked += 1
        return self.allows


def test_next_retries_a_retryable_error_after_the_policys_delay() -> None:
    decision = BackoffPolicy().next(network(), retries_used=1, healthy_for=0.0, random=always(0.5))
    assert decision == Retry(delay=0.5 * 2.0, retries_used=2)


def test_next_passes_the_stream_retry_field_and_retry_after_to_the_delay() -> None:
    error = StreamError("busy", type=StreamErrorType.RATE_LIMITED, retry_after=5.0)
    decision = BackoffPolicy().next(error, retries_used=0, healthy_for=0.0, random=always(0.5), stream_retry_ms=200)
    assert decision == Retry(delay=5.0, retries_used=1)  # Retry-After is the floor under 0.5 * 0.2
    calm = BackoffPolicy().next(network(), retries_used=0, healthy_for=0.0, random=always(0.5), stream_retry_ms=200)
    assert calm == Retry(delay=0.5 * 0.2, retries_used=1)


def test_next_gives_up_on_an_error_that_retrying_cannot_help_without_asking_the_circuit() -> None:
    circuit = CircuitCheck(allows=True)
    error = StreamError("denied", type=StreamErrorType.AUTH)
    assert BackoffPolicy().next(error, retries_used=0, healthy_for=0.0, random=always(0.5),
                                circuit_allows=circuit) == GiveUp("not_retryable")
    assert circuit.asked == 0


def test_next_gives_up_when_the_retries_are_used_up_without_asking_the_circuit() -> None:
    circuit = CircuitCheck(allows=True)
    assert BackoffPolicy(max_retries=2).next(network(), retries_used=2, healthy_for=0.0, random=always(0.5),
                                             circuit_allows=circuit) == GiveUp("retries_used_up")
    assert circuit.asked == 0  # asking may turn an open circuit half-open: only when a retry is due


def test_next_counts_afresh_after_a_healthy_stretch() -> None:
    decision = BackoffPolicy(max_retries=2).next(network(), retries_used=2, healthy_for=10.0, random=always(0.5))
    assert decision == Retry(delay=0.5 * 1.0, retries_used=1)


def test_next_gives_up_when_the_circuit_does_not_allow_a_retry_that_is_due() -> None:
    circuit = CircuitCheck(allows=False)
    assert BackoffPolicy().next(network(), retries_used=0, healthy_for=0.0, random=always(0.5),
                                circuit_allows=circuit) == GiveUp("circuit_open")
    assert circuit.asked == 1


# --- validation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"base_delay": 0}, "baseDelay must be > 0"),
        ({"base_delay": -1.0}, "baseDelay must be > 0"),
        ({"base_delay": float("nan")}, "baseDelay must be > 0"),
        ({"base_delay": "1"}, "baseDelay must be > 0"),
        ({"factor": 0.5}, "factor must be >= 1"),
        ({"factor": float("inf")}, "factor must be >= 1"),
        ({"max_delay": 0}, "maxDelay must be > 0"),
        ({"max_delay": 0.5}, "maxDelay must be >= baseDelay"),
        ({"max_retries": -1}, "maxRetries must be an integer >= 0"),
        ({"max_retries": 2.5}, "maxRetries must be an integer >= 0"),
        ({"max_retries": True}, "maxRetries must be an integer >= 0"),
        ({"retry_after_cap": -1}, "retryAfterCap must be >= 0"),
        ({"healthy_after": 0}, "healthyAfter must be > 0"),
    ],
)
def test_invalid_options_are_refused_by_their_javascript_name(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        BackoffPolicy(**options)


def test_policy_is_a_frozen_value() -> None:
    policy = BackoffPolicy()
    with pytest.raises(AttributeError):
        policy.max_retries = 9  # type: ignore[misc]
    assert policy == BackoffPolicy(max_retries=3)


def test_options_are_keyword_only() -> None:
    with pytest.raises(TypeError):
        BackoffPolicy(1.0)  # type: ignore[call-arg]


# --- parse_retry_after ------------------------------------------------------------------------

NOW = datetime(2015, 10, 21, 7, 28, 0, tzinfo=UTC).timestamp()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("120", 120.0),
        ("0", 0.0),
        (" 7 ", 7.0),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),  # exactly now
        ("Wed, 21 Oct 2015 07:28:30 GMT", 30.0),
        ("Wed, 21 Oct 2015 08:28:00 GMT", 3600.0),
        ("Wed, 21 Oct 2015 07:27:00 GMT", 0.0),  # in the past: go now, never negative
        ("Thu, 01 Jan 1970 00:00:00 GMT", 0.0),
        ("Wed, 21 Oct 2015 07:28:10 -0000", 10.0),  # a "-0000" zone is UTC too
        ("Wed, 21 Oct 2015 08:28:10 +0100", 10.0),  # another zone: the same instant in UTC
    ],
)
def test_retry_after_parses_delay_seconds_and_http_dates(value: str, expected: float) -> None:
    assert parse_retry_after(value, NOW) == expected


@pytest.mark.parametrize(
    "value",
    [None, "", "   ", "soon", "-5", "+5", "1.5", "1e3", "٣", "Wed, 32 Oct 2015 07:28:00 GMT", "Wed, 21 Oct",
     "Wed, 21 Oct 2015 07:28:00 +2400"],  # a zone a whole day off
)
def test_retry_after_that_is_missing_or_garbage_is_none(value: str | None) -> None:
    assert parse_retry_after(value, NOW) is None


def test_retry_after_with_absurdly_many_digits_is_very_long_not_an_error() -> None:
    assert parse_retry_after("9" * 400, NOW) == float("inf")
    assert BackoffPolicy().delay(1, random=always(0.5), retry_after=parse_retry_after("9" * 400, NOW)) == 30.0
