"""`EventStreamParser`: bytes of a `text/event-stream` in, `ServerSentEvent`s out.

Implements "Interpreting an event stream" of the WHATWG HTML standard (section 9.2.6) exactly,
sans-I/O: no sockets, no clocks, no event loop. Feed it bytes as they arrive, split anywhere;
it returns the events those bytes completed, the same events for any split of the input.

Why lines are split on bytes before decoding: CR and LF are ASCII, and the UTF-8 decoder never
consumes an ASCII byte as part of another sequence (an incomplete sequence before it becomes
U+FFFD and the ASCII byte stands). So splitting the bytes at CR/LF, then decoding each piece with
replacement characters, gives exactly the characters a streaming decoder of the whole stream
would give, and lets the hot path use C-speed `bytes` methods instead of per-character Python.
"""

from __future__ import annotations

from dataclasses import dataclass

from sse_client.errors import StreamError, StreamErrorType

# An event (its field lines, plus an unfinished line) larger than this is refused: a stream that
# never sends a blank line must not grow memory without bound.
DEFAULT_MAX_EVENT_BYTES = 4 * 1024 * 1024

_BOM = b"\xef\xbb\xbf"
_CR = 0x0D
_LF = 0x0A
_COLON = 0x3A
_SPACE = 0x20


@dataclass(frozen=True, slots=True)
class ServerSentEvent:
    """One dispatched event.

    `id` is the stream's last event ID and `retry` its reconnection time in milliseconds (None
    if the stream never set one), both as they stood when the event was dispatched.
    """

    data: str
    event: str = "message"
    id: str = ""
    retry: int | None = None


class EventTooLargeError(StreamError):
    """An event grew past the parser's limit. `events` are those completed before it, in the
    same `feed` call, so that nothing already received is lost."""

    def __init__(self, limit: int, events: list[ServerSentEvent]) -> None:
        super().__init__(
            f"The stream sent an event larger than {limit} bytes.",
            type=StreamErrorType.PARSE,
            retryable=False,
        )
        self.events = events


class EventStreamParser:
    """Incremental, spec-exact event-stream parser.

        parser = EventStreamParser()
        for event in parser.feed(chunk): ...
        parser.last_event_id   # "" until an event was dispatched after an `id` field
        parser.retry           # last valid `retry` value in ms, or None

    Linear in its input however it is split: an unfinished line is kept in a bytearray that
    grows in place, and only the newly fed bytes are searched for line ends.
    """

    def __init__(self, *, max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES) -> None:
        if max_event_bytes < 1:
            raise ValueError("max_event_bytes must be at least 1")
        self.max_event_bytes = max_event_bytes
        self.last_event_id = ""
        self.retry: int | None = None
        self._failed: EventTooLargeError | None = None
        self.reset()

    def reset(self) -> None:
        """Forget any partial event, as for a new connection.

        The last event ID and the reconnection time survive: the spec keeps them on the
        EventSource across reconnections, and a resume needs them.
        """
        self._start = b""  # bytes at the start of the stream while the BOM is undecided
        self._at_start = True
        self._tail = bytearray()  # an unterminated line carried over to the next feed
        self._skip_lf = False  # the last feed ended in CR: an LF that starts the next is its pair
        self._data: list[bytes] = []  # the data buffer, as the values of its `data` lines
        self._event_type = b""
        self._event_bytes = 0  # size of the current event's field lines, for the limit
        self._id_buffer = self.last_event_id
        self._failed = None

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        """Parse the next bytes of the stream and return the events they complete.

        Raises `EventTooLargeError` (a PARSE `StreamError`) when an event exceeds
        `max_event_bytes`; the parser then stays failed until `reset()`.
        """
        if self._failed is not None:
            raise self._failed
        if self._at_start:
            # "One leading U+FEFF BYTE ORDER MARK character must be ignored if any are present."
            chunk = self._start + chunk
            if len(chunk) < len(_BOM) and _BOM.startswith(chunk):
                self._start = chunk
                return []
            self._at_start = False
            self._start = b""
            if chunk.startswith(_BOM):
                chunk = chunk[len(_BOM) :]
        if not chunk:
            return []
        if self._skip_lf:
            # "Lines must be separated by either a CR LF pair, a single LF, or a single CR":
            # a CR that ended the last chunk and an LF that starts this one are one line end.
            self._skip_lf = False
            if chunk[0] == _LF:
                chunk = chunk[1:]
                if not chunk:
                    return []

        events: list[ServerSentEvent] = []
        if self._tail:
            end = _first_line_end(chunk)
            if end < 0:
                self._tail += chunk
                self._check_size(len(self._tail), events)
                return events
            self._tail += chunk[:end]
            line = bytes(self._tail)
            self._tail.clear()
            self._process_lines([line], events)
            if chunk[end] == _CR and end + 1 < len(chunk) and chunk[end + 1] == _LF:
                end += 1
            elif end + 1 == len(chunk) and chunk[end] == _CR:
                self._skip_lf = True
            chunk = chunk[end + 1 :]
            if not chunk:
                return events

        lines = chunk.splitlines()  # bytes.splitlines splits on CR, LF and CRLF only
        last = chunk[-1]
        if last == _CR:
            self._skip_lf = True
        elif last != _LF:
            self._tail += lines.pop()
        self._process_lines(lines, events)
        if self._tail:
            self._check_size(len(self._tail), events)
        return events

    def _process_lines(self, lines: list[bytes], events: list[ServerSentEvent]) -> None:
        """Apply the spec's per-line rules. Kept in one loop because it is the hot path."""
        data = self._data
        for line in lines:
            if not line:
                # "If the line is empty (a blank line): Dispatch the event."
                self.last_event_id = self._id_buffer
                if data:
                    value = data[0] if len(data) == 1 else b"\n".join(data)
                    events.append(
                        ServerSentEvent(
                            value.decode("utf-8", "replace"),
                            self._event_type.decode("utf-8", "replace") or "message",
                            self.last_event_id,
                            self.retry,
                        )
                    )
                    data.clear()
                # "If the data buffer is an empty string, set the data buffer and the event
                # type buffer to the empty string and return."
                self._event_type = b""
                self._event_bytes = 0
                continue
            if self._event_bytes + len(line) > self.max_event_bytes:
                # Every line is held to the limit, comments and other fields too, not only
                # `data`: an unfinished line is (see `feed`), so a line that arrived whole must
                # be as well, or the outcome would depend on how the input was split.
                self._check_size(len(line), events)
            if line[0] == _COLON:
                continue  # "If the line starts with a U+003A COLON character: Ignore the line."
            colon = line.find(b":")
            if colon < 0:
                # "Otherwise, the string is not empty but does not contain a U+003A COLON
                # character: process the field using the whole line as the field name, and
                # the empty string as the field value."
                name, value = line, b""
            else:
                name = line[:colon]
                # "If value starts with a U+0020 SPACE character, remove it from value."
                start = colon + 2 if line[colon + 1 : colon + 2] == b" " else colon + 1
                value = line[start:]
            self._event_bytes += len(line)
            if name == b"data":
                data.append(value)
            elif name == b"event":
                self._event_type = value
            elif name == b"id":
                # "If the field value does not contain U+0000 NULL, then set the last event
                # ID buffer to the field value. Otherwise, ignore the field."
                if b"\x00" not in value:
                    self._id_buffer = value.decode("utf-8", "replace")
            elif name == b"retry":
                # "If the field value consists of only ASCII digits, then interpret the field
                # value as an integer in base ten, and set the event stream's reconnection
                # time to that integer. Otherwise, ignore the field."
                if value.isdigit():  # bytes.isdigit() is true for ASCII digits only
                    self.retry = int(value)
            # "Otherwise: The field is ignored."

    def _check_size(self, pending: int, events: list[ServerSentEvent]) -> None:
        if self._event_bytes + pending > self.max_event_bytes:
            # Drop what was buffered: the point of the limit is to stop holding it.
            self._data.clear()
            self._tail = bytearray()
            self._failed = EventTooLargeError(self.max_event_bytes, [])
            raise EventTooLargeError(self.max_event_bytes, events)


def _first_line_end(chunk: bytes) -> int:
    """Index of the first CR or LF in `chunk`, or -1."""
    cr = chunk.find(b"\r")
    lf = chunk.find(b"\n")
    if cr < 0:
        return lf
    if lf < 0:
        return cr
    return min(cr, lf)
