"""`StatusLifecycle`: the one state machine of a chat's statuses, reported through `onStatus`.

    connecting ─► streaming ─► completed
        │  ▲          │
        │  └──────────┤ (a reconnect's response arrives)
        ▼             ▼
     reconnecting ◄───┘ ──► fallback ──► completed
    any state ──► failed | cancelled (terminal)

Each transition is reported once, as a plain dict `{"state": ..., "message": ..., ...}`. Two
kinds of report do not change the state and are passed through as they come: the backend's own
`status` events (`message`, `progress`, `source: "backend"`) and warnings (`warning: True`; a
skipped frame's with its `reason`), both in the `streaming` state. Every message is whole
sentences, fit to show a user as it is. The terminal status carries the chat's `metrics` (see
`metrics.py`), which the transitions feed (reconnects, the fallback). Sans-I/O: the caller passes
the report function and the metrics (with their clock).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sse_client.classify import sentence
from sse_client.errors import StreamError
from sse_client.metrics import ChatMetrics

Report = Callable[[dict[str, Any]], object]

TERMINAL = frozenset({"completed", "failed", "cancelled"})

# state -> the states it may move to. `None` is before the first report.
_TRANSITIONS: dict[str | None, frozenset[str]] = {
    None: frozenset({"connecting", "fallback", "cancelled", "failed"}),
    "connecting": frozenset({"streaming", "reconnecting", "fallback", "completed", "failed", "cancelled"}),
    "streaming": frozenset({"reconnecting", "fallback", "completed", "failed", "cancelled"}),
    "reconnecting": frozenset({"streaming", "reconnecting", "fallback", "completed", "failed", "cancelled"}),
    "fallback": frozenset({"completed", "failed", "cancelled"}),
    "completed": frozenset(),
    "failed": frozenset(),
    "cancelled": frozenset(),
}


class InvalidTransition(RuntimeError):
    """A bug in the caller: the lifecycle was asked for a move its table does not allow."""


class StatusLifecycle:
    def __init__(self, report: Report, metrics: ChatMetrics | None = None) -> None:
        self._report = report
        self.state: str | None = None
        self.metrics = metrics if metrics is not None else ChatMetrics()

    def connecting(self) -> None:
        self._move("connecting", message="Connecting...")

    def streaming(self) -> None:
        """The response is an event stream; reported once per arrival in the state."""
        if self.state != "streaming":
            self._move("streaming", message="Receiving...")

    def reconnecting(self, *, attempt: int, delay: float, cause: StreamError, retry: int, max_retries: int) -> None:
        """About to wait `delay` seconds, then make attempt number `attempt`, which is retry
        `retry` (from 1) of `max_retries`: a UI can show "retry 1 of 3" as it is. (The retry
        count starts again after a healthy stretch of streaming; the attempt number does not.)"""
        self.metrics.on_reconnect(retry=retry)
        self._move(
            "reconnecting",
            message=f"{sentence(cause.message)} Reconnecting (retry {retry} of {max_retries})...",
            attempt=attempt,
            retry=retry,
            maxRetries=max_retries,
            delayMs=round(delay * 1000),
            error=cause.to_dict(),
        )

    def fallback(self, *, reason: str, cause: StreamError | None = None) -> None:
        self.metrics.on_fallback()
        self._move(
            "fallback",
            message=f"{reason} Fetching the whole reply at once...",
            error=None if cause is None else cause.to_dict(),
        )

    def completed(self, *, length: int) -> None:
        """The reply is whole; `length` counts it as JavaScript does (UTF-16 code units), so
        that the page's `text.length` equals it."""
        self._move("completed", message="Done.", length=length)

    def failed(self, error: StreamError) -> None:
        self._move("failed", message=error.message, error=error.to_dict())

    def cancelled(self, error: StreamError) -> None:
        self._move("cancelled", message=error.message, error=error.to_dict())

    def backend_status(self, message: str, progress: float | None) -> None:
        """The backend's own status event, passed through as it came."""
        self._pass_through({"state": "streaming", "message": message, "progress": progress, "source": "backend"})

    def warning(self, message: str) -> None:
        self._pass_through({"state": "streaming", "message": message, "warning": True})

    def skipped(self, reason: str) -> None:
        """A frame that could not be read was skipped: a warning a user can read, with the
        parser's `reason` (for developers) beside it rather than in the message."""
        self._pass_through({"state": "streaming", "message": "Skipped a frame from the server that could not be read.",
                            "warning": True, "reason": reason})

    @property
    def finished(self) -> bool:
        return self.state in TERMINAL

    def _move(self, state: str, **info: Any) -> None:
        if state not in _TRANSITIONS[self.state]:
            raise InvalidTransition(f"{self.state} -> {state}")
        self.state = state
        if state in TERMINAL:
            info["metrics"] = self.metrics.summary()
        self._report({"state": state, **info})

    def _pass_through(self, status: dict[str, Any]) -> None:
        if self.state in TERMINAL:
            return
        self.streaming()
        self._report(status)
