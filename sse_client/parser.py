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

from collections.abc import Callable
from dataclasses import dataclass
from typing import NoReturn, cast

from sse_client.errors import StreamError, StreamErrorType

# An event (its field lines, plus an unfinished line) larger than this is refused: a stream that
# never sends a blank line must not grow memory without bound.
DEFAULT_MAX_EVENT_BYTES = 4 * 1024 * 1024

_BOM = b"\xef\xbb\xbf"
_CR = 0x0D
_LF = 0x0A
_COLON = 0x3A


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


class _EventBuilder:
    """Builds a `ServerSentEvent` in half the time of its frozen `__init__`.

    A frozen dataclass sets each field through `object.__setattr__`: four calls that cost as
    much as parsing a small event. This class has the same slots, sets them plainly, then makes
    the object a `ServerSentEvent`, as CPython allows between classes of one slot layout: the
    result is the same as `ServerSentEvent(data, event, id, retry)`, frozen and all.
    """

    __slots__ = ServerSentEvent.__slots__

    def __init__(self, data: str, event: str, id: str, retry: int | None) -> None:
        self.data = data
        self.event = event
        self.id = id
        self.retry = retry
        self.__class__ = ServerSentEvent  # type: ignore[assignment]


_new_event = cast(Callable[[str, str, str, "int | None"], ServerSentEvent], _EventBuilder)


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

    How a feed is parsed, with C-speed `bytes` methods on whole chunks: the complete lines of
    the chunk have their line ends made LF, then are split at each blank line (`b"\\n\\n"`) into
    the field lines of one event; an event of only `data: ` lines, the commonest by far, has its
    data joined by one `replace` instead of line by line.
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
            if b"\n" not in chunk and b"\r" not in chunk:
                # Still no line end: grow the line in place, never copy it again.
                self._tail += chunk
                self._check_size(len(self._tail), events)
                return events
            chunk = b"".join((self._tail, chunk))
            self._tail.clear()
        end = max(chunk.rfind(b"\n"), chunk.rfind(b"\r")) + 1  # just after the last line end
        if end == len(chunk):
            self._skip_lf = chunk[-1] == _CR
        else:
            self._tail += chunk[end:]
            if not end:
                self._check_size(len(self._tail), events)
                return events
            chunk = chunk[:end]
        if b"\r" in chunk:
            # Every line end becomes one LF. Exact: a line holds no CR or LF, and neither byte
            # is ever part of a multi-byte UTF-8 sequence.
            chunk = chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        if chunk[0] == _LF:
            # A blank line first ends the event begun in earlier feeds. Doubled, it is a blank
            # line after a line end, as `_interpret` expects every blank line to be.
            chunk = b"\n" + chunk
        if self._event_bytes + len(chunk) + len(self._tail) > self.max_event_bytes:
            self._check_events_size(chunk, events)  # the slow path, near the limit only
        self._interpret(chunk, events)
        return events

    def _interpret(self, text: bytes, events: list[ServerSentEvent]) -> None:
        """Apply the spec's rules to `text`, whole lines each ended by LF, appending to `events`
        those it completes.

        `text.split(b"\\n\\n")` gives the field lines of each event: each `\\n\\n` is the end of a
        line, then a blank line. Every piece but the last is followed by a blank line; the
        last holds the lines of an event that later feeds will finish. A piece may begin with
        further blank lines (or be empty): those follow a dispatch, and dispatching again
        would change nothing, so they are skipped.

        The hot path of the parser: state is in local variables while the pieces are read.
        """
        pieces = text.split(b"\n\n")
        unfinished = pieces[-1]
        pieces[-1] = unfinished[:-1]  # its lines like those of the others: without the last LF
        last = len(pieces) - 1
        data = self._data
        event_type = self._event_type
        id_buffer = self._id_buffer
        last_event_id = self.last_event_id
        retry = self.retry
        add_event = events.append
        for index, piece in enumerate(pieces):
            # Most events end in `data` lines with one space after the colon, after other
            # fields (`id`, `event`) or none: the values of those lines joined with LF are the
            # lines without their field names, which one `replace` gives. The lines before
            # them (or all lines, if other fields follow them) are read one by one.
            if piece.startswith(b"data: "):
                fields, found, values = b"", b"data: ", piece[6:]
            else:
                fields, found, values = piece.partition(b"\ndata: ")
            if found and b"\n" in values:
                if values.count(b"\n") == values.count(b"\ndata: "):
                    values = values.replace(b"\ndata: ", b"\n")
                else:
                    fields, found = piece, b""
            for line in fields.split(b"\n") if fields else ():
                if not line:
                    continue  # a blank line right after a dispatch
                if line[0] == _COLON:
                    continue  # "If the line starts with a U+003A COLON character: Ignore the line."
                # "If the line contains a U+003A COLON character: Collect the characters on the
                # line before the first U+003A COLON character, and let field be that string.
                # Collect the characters on the line after the first U+003A COLON character,
                # and let value be that string." Otherwise "process the field using the whole
                # line as the field name, and the empty string as the field value."
                name, _, value = line.partition(b":")
                if value[:1] == b" ":
                    # "If value starts with a U+0020 SPACE character, remove it from value."
                    value = value[1:]
                if name == b"data":
                    # "Append the field value to the data buffer, then append a single U+000A
                    # LINE FEED (LF) character to the data buffer": kept as a list of values.
                    data.append(value)
                elif name == b"event":
                    event_type = value  # "Set the event type buffer to the field value."
                elif name == b"id":
                    # "If the field value does not contain U+0000 NULL, then set the last event
                    # ID buffer to the field value. Otherwise, ignore the field."
                    if b"\x00" not in value:
                        id_buffer = value.decode("utf-8", "replace")
                elif name == b"retry":
                    # "If the field value consists of only ASCII digits, then interpret the field
                    # value as an integer in base ten, and set the event stream's reconnection
                    # time to that integer. Otherwise, ignore the field."
                    if value.isdigit():  # bytes.isdigit() is true for ASCII digits only
                        retry = int(value)
                # "Otherwise: The field is ignored."
            if index == last:
                if found:
                    data.append(values)
                break
            # The blank line after the piece: "If the line is empty (a blank line): Dispatch the
            # event". Step 1: "Set the last event ID string of the event source to the value of
            # the last event ID buffer."
            last_event_id = id_buffer
            if data:
                if found:
                    data.append(values)
                # "If the data buffer's last character is a U+000A LINE FEED (LF) character,
                # then remove the last character from the data buffer": the values joined with
                # LF are what remains.
                values = b"\n".join(data)
                data.clear()
            elif not found:
                # "If the data buffer is an empty string, set the data buffer and the event
                # type buffer to the empty string and return."
                event_type = b""
                continue
            add_event(
                _new_event(
                    values.decode("utf-8", "replace"),
                    event_type.decode("utf-8", "replace") if event_type else "message",
                    last_event_id,
                    retry,
                )
            )
            event_type = b""
        self._event_type = event_type
        self._id_buffer = id_buffer
        self.last_event_id = last_event_id
        self.retry = retry
        self._event_bytes = (self._event_bytes if not last else 0) + _field_bytes(unfinished)

    def _check_events_size(self, text: bytes, events: list[ServerSentEvent]) -> None:
        """If an event of `text` (the last one with the tail) is over the limit, interpret the
        events before it and raise `EventTooLargeError`.

        Every line is held to the limit, comments and other fields too, not only `data`: an
        unfinished line is (see `feed`), so a line that arrived whole must be as well, or the
        outcome would depend on how the input was split.
        """
        pieces = text.split(b"\n\n")
        size = self._event_bytes
        for index, piece in enumerate(pieces):
            size += _field_bytes(piece)
            if index == len(pieces) - 1:
                size += len(self._tail)
            if size > self.max_event_bytes:
                if index:
                    self._interpret(b"\n\n".join(pieces[:index]) + b"\n\n", events)
                self._fail(events)
            size = 0

    def _check_size(self, pending: int, events: list[ServerSentEvent]) -> None:
        if self._event_bytes + pending > self.max_event_bytes:
            self._fail(events)

    def _fail(self, events: list[ServerSentEvent]) -> NoReturn:
        # Drop what was buffered: the point of the limit is to stop holding it.
        self._data.clear()
        self._tail = bytearray()
        self._failed = EventTooLargeError(self.max_event_bytes, [])
        raise EventTooLargeError(self.max_event_bytes, events)


def _field_bytes(piece: bytes) -> int:
    """The size of the field lines of `piece`, not counting their line ends."""
    return len(piece) - piece.count(b"\n")
