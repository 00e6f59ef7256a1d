"""`EventStreamParser`: bytes of a `text/event-stream` in, `ServerSentEvent`s out.

Implements "Interpreting an event stream" of the WHATWG HTML standard (section 9.2.6) exactly,
sans-I/O: no sockets, no clocks, no event loop. Feed it bytes as they arrive, split anywhere;
it returns the events those bytes completed, the same events for any split of the input.

Why lines are split on bytes before decoding: CR and LF are ASCII, and the UTF-8 decoder never
consumes an ASCII byte as part of another sequence (an incomplete sequence before it becomes
U+FFFD and the ASCII byte stands). So splitting the bytes at CR/LF, then decoding each piece with
replacement characters, gives exactly the characters a streaming decoder of the whole stream
would give, and lets the hot path use C-speed `bytes` methods instead of per-character Python.

How a feed is read, a chunk at a time rather than a line at a time (`bench/parser_bench.py`
has the numbers): line ends are made LF; the bytes are cut at each `\\n\\n`, a line end and a
blank line, into the field lines of each event; the `data: ` lines that end most events (that
are all of most events) have their values joined by one `split` and `join`; an `id: ` line
before them, as resumable streams send, is read at once too. Any other line takes the general
path, `_process_fields`, rule by rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, NoReturn

from sse_client.errors import StreamError, StreamErrorType

# An event (its field lines, plus an unfinished line) larger than this is refused: a stream that
# never sends a blank line must not grow memory without bound.
DEFAULT_MAX_EVENT_BYTES = 4 * 1024 * 1024

_BOM = b"\xef\xbb\xbf"
# Single bytes as ints: `_LF in data` is a memchr, `b"\n" in data` several times slower (the
# bytes needle first fails a conversion to int).
_NUL = 0x00
_CR = 0x0D
_LF = 0x0A
_COLON = 0x3A
# Compiled patterns split at these separators about twice as fast as `bytes.split` does
# (CPython 3.11, measured on the benchmark's corpora).
_BLANK_LINES = re.compile(b"\n\n")
_DATA_LINES = re.compile(b"\ndata: ")
_COMMENT_LINE = re.compile(b"\n:")  # a comment, after the first line


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
    """`ServerSentEvent`'s slots without its frozen `__setattr__`: the parser makes an object of
    this class, sets its fields, then assigns its `__class__` (CPython allows that between
    classes of one slot layout). The result is the same as `ServerSentEvent(data, event, id,
    retry)`, frozen and all, in half the time: the dataclass's `__init__` sets each field
    through `object.__setattr__`, four calls that cost as much as parsing a small event."""

    __slots__ = ServerSentEvent.__slots__


# `_interpret` sets every field of the events it builds: a new field must be set there too.
assert ServerSentEvent.__slots__ == ("data", "event", "id", "retry")
_new = object.__new__


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
    grows in place until a line end comes, and only the newly fed bytes are searched for one.
    """

    def __init__(self, *, max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES,
                 named_without_data: bool = False) -> None:
        if max_event_bytes < 1:
            raise ValueError("max_event_bytes must be at least 1")
        self.max_event_bytes = max_event_bytes
        # One deliberate step past the spec, off by default: an event with an `event:` name but
        # no data is dispatched with empty data instead of dropped. LangServe ends its streams
        # with such an `end` event; without it, the end of a LangServe reply could not be told
        # from a cut connection. A block with no name and no data is still dropped.
        self.named_without_data = named_without_data
        self.last_event_id = ""
        self.retry: int | None = None
        self._failed = False
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
        self._failed = False

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        """Parse the next bytes of the stream and return the events they complete.

        Raises `EventTooLargeError` (a PARSE `StreamError`) when an event exceeds
        `max_event_bytes`; the parser then stays failed until `reset()`.
        """
        if self._failed:
            # A new error each time: re-raising one object would grow its traceback.
            raise EventTooLargeError(self.max_event_bytes, [])
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
        if _LF not in chunk and _CR not in chunk:
            # No line end: grow the unfinished line in place, never copy it on each feed.
            self._tail += chunk
            self._check_size(len(self._tail), events)
            return events
        if self._tail:
            chunk = b"".join((self._tail, chunk))
            self._tail.clear()
        if _CR in chunk:
            # Every line end becomes one LF (`bytes.splitlines` splits at CR, LF and CRLF only).
            # Exact: a line holds no CR or LF, and neither byte is ever part of a multi-byte
            # UTF-8 sequence.
            final = chunk[-1]
            chunk = b"\n".join(chunk.splitlines())
            if final == _CR or final == _LF:
                chunk += b"\n"
                self._skip_lf = final == _CR
        if chunk[0] == _LF:
            # A blank line first ends the event begun in earlier feeds. Doubled, it is a blank
            # line right after a line end, as `_interpret` expects every blank line to be.
            chunk = b"\n" + chunk
        if self._event_bytes + len(chunk) > self.max_event_bytes:
            self._check_events_size(chunk, events)  # the slow path, near the limit only
        self._interpret(chunk, events)
        return events

    @property
    def after_cr(self) -> bool:
        """Whether the bytes fed so far end in a CR, whose LF pair may start the next piece."""
        return self._skip_lf

    @property
    def at_event_boundary(self) -> bool:
        """Whether the bytes fed so far end right after a dispatch (or a blank line): no
        partial line, field or event is held, so the next bytes start a new event."""
        return not (self._at_start or self._tail or self._skip_lf or self._data
                    or self._event_type or self._event_bytes or self._failed)

    def dispatched_elsewhere(self, id_buffer: str | None) -> None:
        """Bytes from an event boundary to another were read by someone else (`FastLane`):
        the events they held were all dispatched, and the last `id` among them, if any, set
        the last event ID buffer to `id_buffer`. Applies what dispatching them did here."""
        if id_buffer is not None:
            self._id_buffer = id_buffer
        self.last_event_id = self._id_buffer

    def _interpret(self, text: bytes, events: list[ServerSentEvent]) -> None:
        """Apply the spec's rules to `text`, lines ended by LF and perhaps an unfinished line,
        appending the events it completes to `events`.

        Cut at each `\\n\\n`, the end of a line and then a blank line, `text` falls into pieces,
        the field lines of one event each. Every piece but the last is followed by a blank
        line; the last holds the lines of an event that later feeds will finish, then the
        unfinished line. A piece may begin with more blank lines, or be empty: those follow a
        dispatch, and dispatching again would change nothing, so they are skipped.

        The hot path: the parser's state is in local variables while the pieces are read.
        """
        pieces = _BLANK_LINES.split(text)
        unfinished, _, unfinished_line = pieces.pop().rpartition(b"\n")
        complete = len(pieces)  # pieces followed by a blank line
        if unfinished:
            pieces.append(unfinished)
        data = self._data
        event_type = self._event_type
        id_buffer = self._id_buffer
        last_event_id = self.last_event_id
        retry = self.retry
        add_event = events.append
        for index, piece in enumerate(pieces):
            # Most events end in `data` lines with one space after the colon, and most have no
            # other lines: the values of those lines joined with LF are the lines without their
            # field names. Any lines before them are `fields`, read one by one; all lines are,
            # if other fields follow the `data` lines.
            if piece[:6] == b"data: ":
                fields, found, values = b"", b"data: ", piece[6:]
            else:
                fields, found, values = piece.partition(b"\ndata: ")
            if found and _LF in values:
                more = _DATA_LINES.split(values)
                if _LF in b"".join(more):
                    fields, found = piece, b""  # other fields follow the `data` lines
                else:
                    values = b"\n".join(more)
            if fields:
                if fields[:4] == b"id: " and _LF not in fields and _NUL not in fields:
                    # One `id` line, as resumable streams send before the data of each event:
                    # the `id` rule of `_process_fields`, without reading the field name.
                    id_buffer = fields[4:].decode("utf-8", "replace")
                else:
                    event_type, id_buffer, retry = _process_fields(
                        fields.split(b"\n"), data, event_type, id_buffer, retry
                    )
            if index == complete:  # the unfinished event: no blank line yet
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
                if not (event_type and self.named_without_data):
                    # "If the data buffer is an empty string, set the data buffer and the
                    # event type buffer to the empty string and return."
                    event_type = b""
                    continue
                values = b""  # a named event without data (see `named_without_data`)
            event: Any = _new(_EventBuilder)  # a ServerSentEvent, built as `_EventBuilder` says
            event.data = values.decode("utf-8", "replace")
            event.event = event_type.decode("utf-8", "replace") if event_type else "message"
            event.id = last_event_id
            event.retry = retry
            event.__class__ = ServerSentEvent
            add_event(event)
            event_type = b""
        self._event_type = event_type
        self._id_buffer = id_buffer
        self.last_event_id = last_event_id
        self.retry = retry
        if unfinished_line:
            self._tail += unfinished_line
        if complete:
            self._event_bytes = 0  # a blank line came: the size counts from there
        if unfinished:
            self._event_bytes += _field_bytes(unfinished)

    def _check_events_size(self, text: bytes, events: list[ServerSentEvent]) -> None:
        """If a line of `text` takes its event over the limit, interpret the lines before it
        and raise `EventTooLargeError`.

        Every line is held to the limit, comments and other fields too, not only `data`: an
        unfinished line is (see `feed`), so a line that arrived whole must be as well, or the
        outcome would depend on how the input was split. Comments are not kept, so they do not
        add to the size of their event.
        """
        size = self._event_bytes
        start = 0  # where `line` starts in `text`
        for line in text.split(b"\n"):
            if size + len(line) > self.max_event_bytes:
                if start:
                    self._interpret(text[:start], events)
                self._fail(events)
            if not line:
                size = 0  # a blank line: the next event starts
            elif line[0] != _COLON:
                size += len(line)
            start += len(line) + 1

    def _check_size(self, pending: int, events: list[ServerSentEvent]) -> None:
        if self._event_bytes + pending > self.max_event_bytes:
            self._fail(events)

    def _fail(self, events: list[ServerSentEvent]) -> NoReturn:
        # Drop what was buffered: the point of the limit is to stop holding it.
        self._data.clear()
        self._tail = bytearray()
        self._failed = True
        raise EventTooLargeError(self.max_event_bytes, events)


def _field_bytes(lines: bytes) -> int:
    """The size of the LF-separated `lines`, not counting line ends nor comments."""
    size = len(lines) - lines.count(b"\n")
    if lines[:1] == b":" or _COMMENT_LINE.search(lines):
        size -= sum(len(line) for line in lines.split(b"\n") if line[:1] == b":")
    return size


def _process_fields(
    lines: list[bytes], data: list[bytes], event_type: bytes, id_buffer: str, retry: int | None
) -> tuple[bytes, str, int | None]:
    """The spec's steps for the field lines of one event, in order: the values of `data` lines
    are appended to `data`; returns the event type buffer, the last event ID buffer and the
    reconnection time as the lines leave them."""
    for line in lines:
        if not line:
            continue  # a blank line that follows a dispatch: dispatching again changes nothing
        if line[0] == _COLON:
            continue  # "If the line starts with a U+003A COLON character: Ignore the line."
        # "If the line contains a U+003A COLON character: Collect the characters on the line
        # before the first U+003A COLON character, and let field be that string. Collect the
        # characters on the line after the first U+003A COLON character, and let value be that
        # string." Otherwise "process the field using the whole line as the field name, and
        # the empty string as the field value."
        name, _, value = line.partition(b":")
        if value[:1] == b" ":
            # "If value starts with a U+0020 SPACE character, remove it from value."
            value = value[1:]
        if name == b"data":
            # "Append the field value to the data buffer, then append a single U+000A LINE FEED
            # (LF) character to the data buffer": kept as the list of values.
            data.append(value)
        elif name == b"event":
            event_type = value  # "Set the event type buffer to field value."
        elif name == b"id":
            # "If the field value does not contain U+0000 NULL, then set the last event ID
            # buffer to the field value. Otherwise, ignore the field."
            if _NUL not in value:
                id_buffer = value.decode("utf-8", "replace")
        elif name == b"retry":
            # "If the field value consists of only ASCII digits, then interpret the field value
            # as an integer in base ten, and set the event stream's reconnection time to that
            # integer. Otherwise, ignore the field."
            if value.isdigit():  # bytes.isdigit() is true for ASCII digits only
                # Past 18 digits (31 million years) every time means "never": such a value is
                # kept as 10**18 ms, which Python can hold without converting thousands of
                # digits (it refuses more than 4,300).
                digits = value.lstrip(b"0")
                retry = int(digits or b"0") if len(digits) <= 18 else 10**18
        # "Otherwise: The field is ignored."
    return event_type, id_buffer, retry
