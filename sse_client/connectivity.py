"""`Connectivity`: what the page says about the network and its own lifecycle, for every chat.

    connectivity = Connectivity()
    unsubscribe = connectivity.subscribe(lambda event: ...)   # a running chat listens
    connectivity.notify("offline")       # the loader: window "offline" / "online",
    connectivity.notify("resume")        # document "freeze" / "resume"

The loader calls `notify` (through `bridge.page_event`) with one of `PAGE_EVENTS`; each running
`ChatRun` hears it and asks the sans-I/O decisions here and in `HeartbeatMonitor` what it means:

- `offline`: the current attempt's connection is dead now (`HeartbeatMonitor.on_offline`): a
  retried NETWORK error. A NETWORK failure while offline waits for `online`, not for the backoff
  delay (`waits_for_network`), at most `network_wait_limit` seconds, so that a chat still settles
  if the network never comes back; then it reconnects at once with `Last-Event-ID`.
- `online`: ends such a wait.
- `freeze` / `resume`: a stream that received no byte since the freeze has a short grace after
  the resume (`RESUME_GRACE`) to show life, or it is taken for dead and resumed
  (`HeartbeatMonitor.on_freeze` / `on_resume`), instead of waiting for the idle deadline.
- Visibility changes are no event here: a hidden tab's stream just goes on.

Sans-I/O: no asyncio, no js; the listeners are plain callables.
"""

from __future__ import annotations

from collections.abc import Callable

from sse_client.errors import StreamError, StreamErrorType
from sse_client.heartbeat import Deadlines

PAGE_EVENTS: frozenset[str] = frozenset({"offline", "online", "freeze", "resume"})

Listener = Callable[[str], object]


class Connectivity:
    """The page's network state (`online`) and the chats listening to its lifecycle events."""

    __slots__ = ("online", "_listeners")

    def __init__(self, *, online: bool = True) -> None:
        self.online = online
        self._listeners: list[Listener] = []

    def notify(self, event: str) -> bool:
        """Tell every listener about page event `event` (see `PAGE_EVENTS`). Returns whether it
        was passed on: an `offline` while offline, or an `online` while online, changes nothing
        and is not (the page and a worker may both report the same change)."""
        if event not in PAGE_EVENTS:
            raise ValueError(f"unknown page event {event!r}; known: {', '.join(sorted(PAGE_EVENTS))}")
        if event in ("offline", "online"):
            online = event == "online"
            if online == self.online:
                return False
            self.online = online
        for listener in list(self._listeners):
            listener(event)
        return True

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call `listener(event)` for each page event from now on; returns the unsubscribe."""
        self._listeners.append(listener)

        def unsubscribe() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return unsubscribe

    @property
    def listeners(self) -> int:
        """How many chats listen (for tests: none once every chat has ended)."""
        return len(self._listeners)


def waits_for_network(error: StreamError, *, online: bool) -> bool:
    """Whether the wait before the next attempt is for the network to come back rather than the
    backoff delay: a NETWORK failure while the page is offline. Trying again before `online`
    would only fail again and use up the retries; once online, the reconnect goes at once."""
    return not online and error.type is StreamErrorType.NETWORK


def network_wait_limit(deadlines: Deadlines) -> float | None:
    """At most how many seconds to wait for the network before trying anyway: the idle deadline
    (a connection silent that long is given up for dead anyway), else the first-byte one, else
    the total one; None (no limit, only the caller's cancel) when all are off."""
    for limit in (deadlines.idle, deadlines.first_byte, deadlines.total):
        if limit is not None:
            return limit
    return None
