"""A circuit breaker for streaming: after repeated failures, stop trying to stream for a while.

    closed --(failure_threshold consecutive failures)--> open
    open --(cool_down seconds pass, allow_streaming)--> half-open: one trial stream
    half-open --(trial succeeds)--> closed
    half-open --(trial fails)--> open again, for another full cool_down

While the circuit is not closed the caller uses its fallback (a non-streaming request) instead
of a stream that keeps failing.

Sans-I/O: imports neither asyncio nor js; the clock comes in as `now`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

CircuitState = Literal["closed", "open", "half-open"]


@dataclass(frozen=True, kw_only=True, slots=True)
class CircuitPolicy:
    """failure_threshold: consecutive failed streaming attempts that open the circuit.
    cool_down: seconds the circuit stays open before it allows one trial (half-open)."""

    failure_threshold: int = 5
    cool_down: float = 30.0

    def __post_init__(self) -> None:
        if (
            not isinstance(self.failure_threshold, int)
            or isinstance(self.failure_threshold, bool)
            or self.failure_threshold < 1
        ):
            raise ValueError("failureThreshold must be an integer >= 1")
        if (
            not isinstance(self.cool_down, (int, float))
            or isinstance(self.cool_down, bool)
            or not math.isfinite(self.cool_down)
            or self.cool_down <= 0
        ):
            raise ValueError("coolDown must be > 0 (seconds)")


class CircuitBreaker:
    """The state of one circuit; every transition happens in the methods below."""

    __slots__ = ("_policy", "_state", "_failures", "_opened_at")

    def __init__(self, policy: CircuitPolicy) -> None:
        self._policy = policy
        self._state: CircuitState = "closed"
        self._failures = 0
        self._opened_at = 0.0

    @property
    def state(self) -> CircuitState:
        """The state: "closed", "open" or "half-open". An open circuit turns half-open only in
        `allow_streaming`, the one call that is given the clock."""
        return self._state

    def allow_streaming(self, now: float) -> bool:
        """Whether to stream now. Closed: yes. Open: no until `cool_down` seconds have passed
        since it opened; then it turns half-open and says yes once, for the trial. Half-open
        (the trial is running): no, until another `cool_down` has passed."""
        if self._state == "closed":
            return True
        # A trial that never reported (its chat was cancelled) must not hold the circuit
        # half-open for ever: after another cool-down, a new trial may go.
        if now - self._opened_at >= self._policy.cool_down:
            self._state = "half-open"
            self._opened_at = now
            return True
        return False

    def record_success(self) -> None:
        """A stream succeeded: the circuit closes and the failure count starts again."""
        self._state = "closed"
        self._failures = 0

    def record_failure(self, now: float) -> None:
        """A streaming attempt failed at `now`. The failure_threshold-th consecutive failure
        opens the circuit; a failed trial opens it again for a full cool_down. A failure while
        open (a stream allowed before the circuit opened) keeps it open without extending it."""
        self._failures += 1
        if self._state == "half-open" or (
            self._state == "closed" and self._failures >= self._policy.failure_threshold
        ):
            self._state = "open"
            self._opened_at = now
