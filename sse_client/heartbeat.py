"""Deadlines of one streaming attempt, as pure arithmetic on the clock readings passed in.

    monitor = HeartbeatMonitor(Deadlines(), now=clock())
    ... wait for bytes at most monitor.seconds_left(clock()) seconds ...
    monitor.on_bytes(clock())            # any bytes, keep-alive comments included: True for
                                         # the first, which may bring a deadline forward
    monitor.on_progress(clock())         # a chunk, status or complete event
    if (which := monitor.expired(clock())) is not None:
        raise monitor.timeout_error(which, attempt=n)

Four deadlines, each optional:
- first_byte: from the request to the first byte of the body;
- idle: no bytes at all for this long (a keep-alive comment is a sign of life);
- no_progress: bytes arrive, but no content event for this long (a server that only sends
  keep-alives is alive but stuck);
- total: the whole attempt.

Before the first byte only first_byte and total are armed; after it, idle counts from the last
bytes, no_progress from the last progress (or from the first byte, if there was none yet), and
total from the start. A deadline has passed when the clock reaches it.

The page's lifecycle (see `connectivity.py`) can end an attempt sooner: `on_offline` marks the
connection dead at once ("offline"), and `on_resume` after `on_freeze` arms a short deadline
("resume", `RESUME_GRACE` seconds) that any byte disarms, unless bytes came since the freeze.
Both are retried NETWORK errors, not TIMEOUTs.

Sans-I/O: imports neither asyncio nor js; every reading of the clock comes in as `now`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sse_client.classify import deadline_error, network_error
from sse_client.errors import StreamError

# The deadlines by name, in the order that breaks ties when two pass at the same moment.
DEADLINE_NAMES: tuple[str, ...] = ("first_byte", "idle", "no_progress", "total")

# Seconds a stream that was frozen gets after the page resumes to show it is alive: bytes the
# network kept for it arrive at once; a connection that died while frozen sends nothing.
RESUME_GRACE = 2.0
# Why the page's lifecycle ended an attempt (`HeartbeatMonitor.timeout_error`'s NETWORK causes).
LOST_CAUSES: dict[str, str] = {
    "offline": "the network went offline",
    "resume": "the connection sent nothing after the page was frozen and resumed",
}

@dataclass(frozen=True, kw_only=True, slots=True)
class Deadlines:
    """Seconds allowed for each stage of an attempt; None turns a deadline off.

    first_byte: from the request to the first byte of the body.
    idle: with no bytes at all (keep-alive comments count as life).
    no_progress: with bytes but no content event (chunk, status, complete).
    total: the whole attempt.
    """

    first_byte: float | None = 30.0
    idle: float | None = 45.0
    no_progress: float | None = 120.0
    total: float | None = None

    def __post_init__(self) -> None:
        for name in DEADLINE_NAMES:
            value = getattr(self, name)
            if value is None:
                continue
            if (
                not isinstance(value, (int, float))
                or isinstance(value, bool)
                or not math.isfinite(value)
                or value <= 0
            ):
                raise ValueError(f"{_camel_case(name)} must be > 0 (seconds), or None/null to turn it off")


class HeartbeatMonitor:
    """The deadlines of one attempt that started at `now`; feed it what arrives and when."""

    __slots__ = ("_deadlines", "_started", "_first_byte", "_last_bytes", "_last_progress", "timed_out",
                 "_frozen_at", "_resume_probe", "_offline")

    def __init__(self, deadlines: Deadlines, now: float) -> None:
        self._deadlines = deadlines
        self._started = now
        self._first_byte: float | None = None
        self._last_bytes: float | None = None
        self._last_progress: float | None = None
        # The deadline that ended the attempt, once whoever enforces them acted on it.
        self.timed_out: str | None = None
        self._frozen_at: float | None = None  # when the page froze, until it resumes
        self._resume_probe: float | None = None  # the "resume" deadline, until bytes arrive
        self._offline = False

    def on_bytes(self, now: float) -> bool:
        """Any bytes of the body arrived, keep-alive comments included. Returns whether they
        were the first: only then can the earliest deadline move earlier (the first byte arms
        idle and no_progress, which may be shorter than first_byte); later bytes and progress
        only ever move deadlines later."""
        self._last_bytes = now
        self._resume_probe = None  # alive after the resume
        if self._first_byte is None:
            self._first_byte = now
            return True
        return False

    def on_progress(self, now: float) -> None:
        """A content event (chunk, status, complete) arrived; it came in bytes, so it counts as
        bytes too."""
        self.on_bytes(now)
        self._last_progress = now

    def on_offline(self) -> None:
        """The page went offline: the connection is dead now; `expired` says "offline"."""
        self._offline = True

    def on_freeze(self, now: float) -> None:
        """The page is being frozen: nothing runs until it resumes."""
        self._frozen_at = now

    def on_resume(self, now: float) -> bool:
        """The page resumed. Unless bytes arrived since the freeze (a worker may run on), the
        stream has `RESUME_GRACE` seconds to send any: a "resume" deadline, earlier than the
        idle one. Returns whether it was armed (then the earliest deadline may be sooner)."""
        frozen_at, self._frozen_at = self._frozen_at, None
        if frozen_at is not None and self._last_bytes is not None and self._last_bytes > frozen_at:
            return False
        self._resume_probe = now + RESUME_GRACE
        return True

    def expired(self, now: float) -> str | None:
        """The name of the deadline that has passed ("first_byte", "idle", "no_progress",
        "total", "resume"), the one that passed first if several did, or "offline" once the
        page went offline; None while all are pending."""
        if self._offline:
            return "offline"
        due = self._due()
        if not due:
            return None
        which, when = min(due, key=lambda item: item[1])  # min keeps the first of equals
        return which if now >= when else None

    def seconds_left(self, now: float) -> float | None:
        """Seconds until the earliest pending deadline (0 once one has passed); None when no
        deadline is armed."""
        due = self._due()
        if not due:
            return None
        return max(0.0, min(when for _, when in due) - now)

    def next_deadline(self) -> float | None:
        """The clock reading at which the earliest armed deadline passes; None when none is."""
        due = self._due()
        return min(when for _, when in due) if due else None

    def timeout_error(self, which: str, *, attempt: int | None = None) -> StreamError:
        """The TIMEOUT error for deadline `which` (see `deadline_error`); for "offline" and
        "resume" (the page's lifecycle) a retried NETWORK error."""
        if which in LOST_CAUSES:
            return network_error(LOST_CAUSES[which], attempt=attempt)
        return deadline_error(which, attempt=attempt)

    def _due(self) -> list[tuple[str, float]]:
        """The armed deadlines as (name, the clock reading at which it passes), in tie order."""
        d = self._deadlines
        due: list[tuple[str, float]] = []
        if self._first_byte is None or self._last_bytes is None:
            if d.first_byte is not None:
                due.append(("first_byte", self._started + d.first_byte))
        else:
            if d.idle is not None:
                due.append(("idle", self._last_bytes + d.idle))
            if d.no_progress is not None:
                since = self._first_byte if self._last_progress is None else self._last_progress
                due.append(("no_progress", since + d.no_progress))
        if d.total is not None:
            due.append(("total", self._started + d.total))
        if self._resume_probe is not None:
            due.append(("resume", self._resume_probe))
        return due


def _camel_case(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)
