"""How long to wait before the next attempt, and whether to make one: the retry policy as a value.

    policy = BackoffPolicy(max_retries=5)
    decision = policy.next(error, retries_used=used, healthy_for=seconds, random=rng.random,
                           stream_retry_ms=parser_retry, circuit_allows=breaker_check)
    match decision:
        case Retry(delay, retries_used): ...wait `delay`, try again, remember `retries_used`
        case GiveUp(reason): ...fall back or fail ("not_retryable", "retries_used_up", "circuit_open")

Like urllib3's `Retry` and tenacity, the policy is an immutable value and the caller keeps the
count; the random source comes in as an argument so tests assert exact delays. Jitter is "full
jitter" (a uniform draw between 0 and the capped exponential delay), which spreads the
reconnects of many clients that lost the same server at the same moment.

Sans-I/O: imports neither asyncio nor js; time comes in as `now`, randomness as `random`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from sse_client.errors import StreamError

GiveUpReason = Literal["not_retryable", "retries_used_up", "circuit_open"]


@dataclass(frozen=True, slots=True)
class Retry:
    """Try again after `delay` seconds; `retries_used` counts this retry."""

    delay: float
    retries_used: int


@dataclass(frozen=True, slots=True)
class GiveUp:
    """Stop streaming: the error cannot be helped by retrying ("not_retryable"), the budget is
    spent ("retries_used_up": streaming could not recover, the one failure a circuit breaker
    counts), or the circuit breaker says streaming has been failing ("circuit_open")."""

    reason: GiveUpReason


@dataclass(frozen=True, kw_only=True, slots=True)
class BackoffPolicy:
    """When to retry a failed attempt, and after how long.

    base_delay: seconds, the cap of the first retry's delay.
    factor: how much the cap grows with each retry (1 keeps it constant).
    max_delay: seconds, the largest cap the exponential part reaches.
    max_retries: retries after the first attempt (0 never retries).
    retry_after_cap: a server's `Retry-After` is honoured up to this many seconds (0 ignores it).
    healthy_after: seconds of healthy streaming after which the retry budget starts afresh.
    """

    base_delay: float = 1.0
    factor: float = 2.0
    max_delay: float = 8.0
    max_retries: int = 3
    retry_after_cap: float = 30.0
    healthy_after: float = 10.0

    def __post_init__(self) -> None:
        # Messages name the options as JavaScript callers spell them.
        if not _is_number(self.base_delay) or self.base_delay <= 0:
            raise ValueError("baseDelay must be > 0 (seconds)")
        if not _is_number(self.factor) or self.factor < 1:
            raise ValueError("factor must be >= 1")
        if not _is_number(self.max_delay) or self.max_delay <= 0:
            raise ValueError("maxDelay must be > 0 (seconds)")
        if self.max_delay < self.base_delay:
            raise ValueError("maxDelay must be >= baseDelay")
        if not _is_int(self.max_retries) or self.max_retries < 0:
            raise ValueError("maxRetries must be an integer >= 0")
        if not _is_number(self.retry_after_cap) or self.retry_after_cap < 0:
            raise ValueError("retryAfterCap must be >= 0 (seconds)")
        if not _is_number(self.healthy_after) or self.healthy_after <= 0:
            raise ValueError("healthyAfter must be > 0 (seconds)")

    def delay(
        self,
        retry: int,
        *,
        random: Callable[[], float],
        stream_retry_ms: int | None = None,
        retry_after: float | None = None,
    ) -> float:
        """Seconds to wait before retry number `retry` (1-based).

        The stream's own `retry:` field (`stream_retry_ms`) replaces `base_delay` as the base;
        the cap is `min(max_delay, base * factor ** (retry - 1))` (1, 2, 4, 8, 8, ... by
        default); the delay is `random() * cap` with `random()` in [0, 1) (full jitter). A
        server's `retry_after` is a floor under that delay, itself capped at `retry_after_cap`.
        """
        if not _is_int(retry) or retry < 1:
            raise ValueError(f"retry is 1-based, got {retry!r}")
        if stream_retry_ms is not None and (not _is_int(stream_retry_ms) or stream_retry_ms < 0):
            # The parser only yields ASCII digits ("If the field value consists of only ASCII
            # digits, ... set the event stream's reconnection time"), so this is a caller bug.
            raise ValueError(f"stream_retry_ms must be an integer >= 0, got {stream_retry_ms!r}")
        base = self.base_delay if stream_retry_ms is None else stream_retry_ms / 1000
        jittered = random() * _capped(base, self.factor, retry - 1, self.max_delay)
        if retry_after is None:
            return jittered
        return max(jittered, min(max(retry_after, 0.0), self.retry_after_cap))

    def next(
        self,
        error: StreamError,
        *,
        retries_used: int,
        healthy_for: float,
        random: Callable[[], float],
        stream_retry_ms: int | None = None,
        circuit_allows: Callable[[], bool] = lambda: True,
    ) -> Retry | GiveUp:
        """The decision after an attempt failed with `error`: the one place where retrying is
        decided. `retries_used` retries were made before it, and it had streamed healthily for
        `healthy_for` seconds (enough, and the budget starts afresh: see `budget_after`).
        `circuit_allows` is asked last, only when a retry is otherwise due (asking it may turn
        an open circuit half-open)."""
        if not error.retryable:
            return GiveUp("not_retryable")
        used = self.budget_after(retries_used, healthy_for)
        if not self.should_retry(error, used):
            return GiveUp("retries_used_up")
        if not circuit_allows():
            return GiveUp("circuit_open")
        delay = self.delay(used + 1, random=random, stream_retry_ms=stream_retry_ms, retry_after=error.retry_after)
        return Retry(delay, used + 1)

    def should_retry(self, error: StreamError, retries_used: int) -> bool:
        """Whether to retry after `error`, with `retries_used` retries already made."""
        return error.retryable and retries_used < self.max_retries

    def budget_after(self, retries_used: int, healthy_for: float) -> int:
        """The retries used, counted afresh (0) once the last connection streamed healthily for
        at least `healthy_after` seconds: a long healthy stream that drops is a new incident, not
        the next failure of an old one."""
        return 0 if healthy_for >= self.healthy_after else retries_used


def parse_retry_after(value: str | None, now: float) -> float | None:
    """A `Retry-After` header as seconds from `now` (a Unix timestamp), never negative.

    RFC 9110 section 10.2.3: `Retry-After = HTTP-date / delay-seconds`, where
    `delay-seconds = 1*DIGIT`. A date in the past means "now" (0). None when the header is
    missing or is neither form.
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    if text.isascii() and text.isdigit():
        try:
            return float(int(text))
        except OverflowError:  # more digits than a float holds: "a very long time"
            return math.inf
    # Imported here, not at the top: an HTTP-date Retry-After is rare. From email._parseaddr,
    # which email.utils.parsedate_to_datetime calls, rather than from email.utils itself: that
    # one also imports urllib.parse and ipaddress, 60 KB more for every page to download.
    from email._parseaddr import parsedate_tz  # type: ignore[import-not-found]  # no stub

    try:
        parsed = parsedate_tz(text)
        # As parsedate_to_datetime does (a zone a day or more off is no zone: not a date); an
        # HTTP-date is always GMT, so no zone at all ("-0000") is UTC.
        if parsed is None or abs(parsed[9] or 0) >= 86400:
            return None
        year, month, day, hour, minute, second = parsed[:6]
        when = datetime(year, month, day, hour, minute, second, tzinfo=UTC) - timedelta(seconds=parsed[9] or 0)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return max(0.0, when.timestamp() - now)


def _capped(base: float, factor: float, exponent: int, ceiling: float) -> float:
    """min(ceiling, base * factor ** exponent), without overflowing for large exponents."""
    if base == 0:
        return 0.0
    try:
        return min(ceiling, base * float(factor) ** exponent)
    except OverflowError:
        return ceiling


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
