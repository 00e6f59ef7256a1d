"""`EventStreamParser`, property-based: any bytes, split anywhere, give the events of feeding them
whole, which are the events a plain reading of WHATWG HTML 9.2.6 gives; the only exception it
raises is `EventTooLargeError` (a PARSE `StreamError`), at the same event however the bytes are
split.

The strategies (tests/unit/strategies.py) build streams of field lines, comments and blank lines
with LF, CR and CRLF line ends, BOMs, invalid UTF-8 and NUL, and any bytes at all.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from sse_client.errors import StreamError, StreamErrorType
from sse_client.parser import EventStreamParser, EventTooLargeError, ServerSentEvent
from tests.unit.strategies import INT_DIGITS, cuts, examples, pieces, streams

Outcome = tuple[list[ServerSentEvent], str, int | None, bool]


def fed(data: bytes, offsets: Sequence[int], **options: bool) -> Outcome:
    """The events of `data` fed in the pieces `offsets` cut it into, then the parser's last
    event ID, reconnection time and whether it stands at an event boundary."""
    parser = EventStreamParser(**options)
    events = [event for piece in pieces(data, offsets) for event in parser.feed(piece)]
    return events, parser.last_event_id, parser.retry, parser.at_event_boundary


def interpreted(stream: bytes, *, named_without_data: bool = False) -> tuple[list[ServerSentEvent], str, int | None]:
    """The reference: "Interpreting an event stream" read as plainly as it is written, on the
    whole stream at once, a line at a time; nothing from the parser but `ServerSentEvent`."""
    # "Streams must be decoded using the UTF-8 decode algorithm" (with replacement); "One leading
    # U+FEFF BYTE ORDER MARK character must be ignored if any are present."
    text = stream.decode("utf-8", "replace").removeprefix("\ufeff")
    # "Lines must be separated by either a U+000D CARRIAGE RETURN U+000A LINE FEED (CRLF)
    # character pair, a single U+000A LINE FEED (LF) character, or a single U+000D CARRIAGE
    # RETURN (CR) character." What follows the last line end is no line yet: "Once the end of
    # the file is reached, any pending data must be discarded."
    lines = re.split("\r\n|\r|\n", text)[:-1]
    data, event_type, id_buffer = "", "", ""
    last_event_id, retry = "", None
    events: list[ServerSentEvent] = []
    for line in lines:
        if line == "":  # "If the line is empty (a blank line): Dispatch the event"
            last_event_id = id_buffer
            if data == "" and not (named_without_data and event_type):
                event_type = ""
                continue
            events.append(ServerSentEvent(data.removesuffix("\n"), event_type or "message", last_event_id, retry))
            data, event_type = "", ""
            continue
        if line.startswith(":"):
            continue
        name, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if name == "data":
            data += value + "\n"
        elif name == "event":
            event_type = value
        elif name == "id":
            if "\x00" not in value:
                id_buffer = value
        elif name == "retry" and value and all("0" <= c <= "9" for c in value):
            # "consists of only ASCII digits": an empty value is ignored too, as browsers do. The
            # parser's one step past the spec: more than 18 digits (31 million years) is 10**18.
            significant = value.lstrip("0")
            retry = int(significant or "0") if len(significant) <= 18 else 10**18
    return events, last_event_id, retry


@given(streams, st.data())
def test_any_split_gives_the_events_of_the_whole(stream: bytes, data: st.DataObject) -> None:
    offsets = data.draw(cuts(len(stream)), label="cuts")
    assert fed(stream, offsets) == fed(stream, [])


@given(streams, st.data())
def test_any_split_gives_the_events_of_the_whole_with_named_events_without_data(
        stream: bytes, data: st.DataObject) -> None:
    offsets = data.draw(cuts(len(stream)), label="cuts")
    assert fed(stream, offsets, named_without_data=True) == fed(stream, [], named_without_data=True)


@given(streams, st.booleans())
@example(b"data: a\r\rdata: b\n\xef\xbb\xbf\n", False)
@example(b"\xef\xbb\xbf\xef\xbb\xbfdata: x\n\n", False)
@example(b"event: end\r\n\r\nevent:\n\nid: 1\x00\n\n", True)
def test_the_events_are_those_of_the_spec_read_line_by_line(stream: bytes, named_without_data: bool) -> None:
    events, last_event_id, retry, _ = fed(stream, [], named_without_data=named_without_data)
    assert (events, last_event_id, retry) == interpreted(stream, named_without_data=named_without_data)


Failing = tuple[list[ServerSentEvent], bool, str, int | None]


def fed_to_the_limit(data: bytes, offsets: Sequence[int], limit: int, named_without_data: bool) -> Failing:
    """The events before an `EventTooLargeError` (those of earlier feeds and those it carries),
    whether one came, and the last event ID and reconnection time then."""
    parser = EventStreamParser(max_event_bytes=limit, named_without_data=named_without_data)
    events: list[ServerSentEvent] = []
    for piece in pieces(data, offsets):
        try:
            events += parser.feed(piece)
        except EventTooLargeError as error:
            assert isinstance(error, StreamError) and error.type is StreamErrorType.PARSE
            assert not error.retryable
            events += error.events
            with pytest.raises(EventTooLargeError):  # failed until reset
                parser.feed(b"data: x\n\n")
            return events, True, parser.last_event_id, parser.retry
    return events, False, parser.last_event_id, parser.retry


@given(streams, st.integers(1, 120), st.booleans(), st.data())
def test_an_event_over_the_limit_fails_at_the_same_event_however_split(
        stream: bytes, limit: int, named_without_data: bool, data: st.DataObject) -> None:
    offsets = data.draw(cuts(len(stream)), label="cuts")
    whole = fed_to_the_limit(stream, [], limit, named_without_data)
    assert fed_to_the_limit(stream, offsets, limit, named_without_data) == whole
    if not whole[1]:  # no event was too large: the events are those without a limit
        assert whole[0] == fed(stream, [], named_without_data=named_without_data)[0]


@examples(0.5)
@given(st.binary(max_size=64), st.data())
def test_after_reset_a_stream_reads_as_a_new_one_with_the_last_event_id_kept(
        first: bytes, data: st.DataObject) -> None:
    stream = data.draw(streams, label="second stream")
    parser = EventStreamParser()
    parser.feed(first)
    last_event_id, retry = parser.last_event_id, parser.retry
    parser.reset()
    events = [event for piece in pieces(stream, data.draw(cuts(len(stream)), label="cuts"))
              for event in parser.feed(piece)]
    fresh = EventStreamParser()
    fresh.last_event_id, fresh.retry = last_event_id, retry
    fresh.reset()  # the id buffer starts from the last event ID, as after any reset
    assert events == fresh.feed(stream)


@examples(0.1)
@given(st.integers(1, 3 * INT_DIGITS), st.sampled_from([b"1", b"9"]), st.data())
def test_a_retry_of_any_length_is_read_however_split(length: int, digit: bytes, data: st.DataObject) -> None:
    # Past 4,300 digits int() raises ValueError: a retry that long once did.
    stream = b"retry: " + digit * length + b"\ndata: x\n\n"
    events, _, retry, _ = fed(stream, data.draw(cuts(len(stream)), label="cuts"))
    assert [event.data for event in events] == ["x"]
    assert retry == (int(digit * length) if length <= 18 else 10**18)


@examples(0.1)
@given(st.integers(INT_DIGITS - 20, INT_DIGITS + 2_000), st.sampled_from([b"", b"5", b"123"]), st.data())
@example(INT_DIGITS + 1, b"", None)  # leading zeros counted in int()'s limit: raised ValueError once
def test_a_retry_with_thousands_of_leading_zeros_is_read(zeros: int, digits: bytes, data: st.DataObject | None) -> None:
    stream = b"retry: " + b"0" * zeros + digits + b"\ndata: x\n\n"
    offsets = [] if data is None else data.draw(cuts(len(stream)), label="cuts")
    events, _, retry, _ = fed(stream, offsets)
    assert [event.data for event in events] == ["x"] and retry == int(digits or b"0")
