"""`EventStreamParser`: the rules of WHATWG HTML 9.2.6 "Interpreting an event stream", one test
per rule, each through the public API (`feed`, `reset`, `last_event_id`, `retry`).

The split-invariance tests at the end feed rich inputs split at every offset (and every pair of
offsets), and one byte at a time, and require exactly the events of feeding them whole.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Sequence

import pytest

from sse_client.errors import StreamError, StreamErrorType
from sse_client.parser import (
    DEFAULT_MAX_EVENT_BYTES,
    EventStreamParser,
    EventTooLargeError,
    ServerSentEvent,
)

BOM = b"\xef\xbb\xbf"
Outcome = tuple[list[ServerSentEvent], str, int | None]


def feed_split(
    data: bytes, cuts: Sequence[int], parser: EventStreamParser | None = None
) -> list[ServerSentEvent]:
    """Feed `data` to `parser` in the pieces that cutting it at the offsets `cuts` gives."""
    parser = parser if parser is not None else EventStreamParser()
    bounds = [0, *cuts, len(data)]
    events: list[ServerSentEvent] = []
    for start, end in zip(bounds, bounds[1:]):
        events += parser.feed(data[start:end])
    return events


def outcome_split(data: bytes, cuts: Sequence[int]) -> Outcome:
    """The events and the parser's final `last_event_id` and `retry`."""
    parser = EventStreamParser()
    events = feed_split(data, cuts, parser)
    return events, parser.last_event_id, parser.retry


def parse(data: bytes) -> list[ServerSentEvent]:
    return EventStreamParser().feed(data)


def datas(data: bytes) -> list[str]:
    return [event.data for event in parse(data)]


def ev(data: str, event: str = "message", id: str = "", retry: int | None = None) -> ServerSentEvent:
    return ServerSentEvent(data=data, event=event, id=id, retry=retry)


# --- UTF-8 decoding -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        b"a\xffb",  # a byte that never occurs in UTF-8
        b"\xc3(",  # a lead byte followed by a non-continuation byte
        b"\x80\x80",  # lone continuation bytes
        b"\xed\xa0\x80",  # an encoded surrogate
        b"\xc0\xaf",  # an overlong encoding
        b"\xf4\x90\x80\x80",  # above U+10FFFF
        b"ok \xe2\x82",  # a truncated sequence at the end of the line
        b"\xf0\x9f\x98 x",  # a truncated sequence before an ASCII byte
        b"h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",  # valid 2-, 3- and 4-byte characters
    ],
)
def test_utf8_is_decoded_with_replacement_characters(raw: bytes) -> None:
    # "Streams must be decoded using the UTF-8 decode algorithm": errors become U+FFFD, exactly
    # as decoding the whole stream at once would make them.
    assert datas(b"data: " + raw + b"\n\n") == [raw.decode("utf-8", "replace")]


def test_truncated_utf8_sequence_before_a_line_end_is_one_replacement_character() -> None:
    # The line end is not swallowed by the unfinished sequence, and the next line is intact.
    assert datas(b"data: \xf0\x9f\x98\ndata: x\n\n") == ["\ufffd\nx"]
    assert datas(b"data: a\xe2\x82\r\n\r\n") == ["a\ufffd"]


@pytest.mark.parametrize("cut", range(len(b"data: ")+1, len(b"data: \xe2\x82\xac\xf0\x9f\x98\x80")))
def test_multibyte_character_split_across_feeds_decodes_as_whole(cut: int) -> None:
    stream = b"data: \xe2\x82\xac\xf0\x9f\x98\x80\n\n"
    assert feed_split(stream, [cut]) == [ev("\u20ac\U0001f600")]


def test_multibyte_character_fed_one_byte_at_a_time_decodes_as_whole() -> None:
    stream = "data: h\u00e9 \u20ac\U0001f600\nevent: \u00fc\n\n".encode()
    assert feed_split(stream, range(1, len(stream))) == [ev("h\u00e9 \u20ac\U0001f600", "\u00fc")]


def test_invalid_utf8_split_across_feeds_decodes_as_whole() -> None:
    stream = b"data: a\xf0\x9f\x98\xff\xe2\x82b\n\n"
    expected = [ev("a\ufffd\ufffd\ufffdb")]
    assert parse(stream) == expected
    for cut in range(len(stream) + 1):
        assert feed_split(stream, [cut]) == expected, cut


# --- Byte order mark ------------------------------------------------------------------------------


def test_one_leading_bom_is_stripped() -> None:
    # "One leading U+FEFF BYTE ORDER MARK character must be ignored if any are present."
    assert parse(BOM + b"data: a\n\n") == [ev("a")]


def test_second_leading_bom_is_kept_in_the_field_name() -> None:
    # Only one BOM is ignored: the second makes the field name "\ufeffdata", an unknown field.
    assert parse(BOM + BOM + b"data: a\n\ndata: b\n\n") == [ev("b")]


def test_second_leading_bom_is_kept_in_the_data() -> None:
    # The stream starts BOM, BOM, LF: the first line is "\ufeff", an unknown field; the BOM in
    # the value of the data line is text.
    assert parse(BOM + BOM + b"\ndata: " + BOM + b"x\n\n") == [ev("\ufeffx")]


@pytest.mark.parametrize("cuts", [[1], [2], [3], [1, 2], [1, 3], [2, 3], [1, 2, 3], [0, 1, 2, 3, 4]])
def test_bom_split_across_feeds_is_stripped(cuts: list[int]) -> None:
    assert feed_split(BOM + b"data: a\n\n", cuts) == [ev("a")]
    # and still only one of two
    assert feed_split(BOM + BOM + b"data: a\n\ndata: b\n\n", cuts) == [ev("b")]


def test_bom_not_at_the_start_is_kept() -> None:
    # After the first line, U+FEFF starts a field name like any other character.
    assert parse(b"data: a\n\n" + BOM + b"data: b\n\ndata: c\n\n") == [ev("a"), ev("c")]
    assert parse(b"data: " + BOM + b"\n\n") == [ev("\ufeff")]
    # Nor is it stripped from the start of a later feed.
    parser = EventStreamParser()
    assert parser.feed(b"data: a\n\n") == [ev("a")]
    assert parser.feed(BOM + b"data: b\n\n") == []


def test_partial_bom_at_the_start_is_not_stripped() -> None:
    # EF BB followed by something else is an invalid sequence, decoded to U+FFFD: the field name
    # is then "\ufffddata", ignored.
    for cuts in ([], [1], [2], [1, 2]):
        assert feed_split(b"\xef\xbbdata: a\n\ndata: b\n\n", cuts) == [ev("b")], cuts


# --- Line ends ------------------------------------------------------------------------------------


@pytest.mark.parametrize("eol", [b"\n", b"\r", b"\r\n"], ids=["LF", "CR", "CRLF"])
def test_cr_lf_and_crlf_each_end_a_line(eol: bytes) -> None:
    # "Lines must be separated by either a U+000D CARRIAGE RETURN U+000A LINE FEED (CRLF)
    # character pair, a single U+000A LINE FEED (LF) character, or a single U+000D CARRIAGE
    # RETURN (CR) character."
    stream = eol.join([b"event: e", b"data: a", b"data: b", b"", b"data: c", b"", b""])
    assert parse(stream) == [ev("a\nb", "e"), ev("c")]


def test_mixed_line_ends_in_one_stream() -> None:
    assert parse(b"data: a\rdata: b\ndata: c\r\n\r\ndata: d\n\r") == [ev("a\nb\nc"), ev("d")]


def test_cr_ending_a_feed_and_lf_starting_the_next_are_one_line_end() -> None:
    # Were they two line ends, the LF would be a blank line and dispatch "a" on its own.
    parser = EventStreamParser()
    assert parser.feed(b"data: a\r") == []
    assert parser.feed(b"\ndata: b\r") == []
    assert parser.feed(b"\n") == []
    assert parser.feed(b"\r") == [ev("a\nb")]  # a blank line, ended by CR
    assert parser.feed(b"\n") == []  # the LF of that CR, not a second blank line
    assert parser.feed(b"data: c\n\n") == [ev("c")]


def test_cr_ending_a_feed_then_empty_feed_then_lf_are_one_line_end() -> None:
    parser = EventStreamParser()
    assert parser.feed(b"data: a\r") == []
    assert parser.feed(b"") == []
    assert parser.feed(b"\ndata: b\n\n") == [ev("a\nb")]


def test_two_crs_are_two_line_ends() -> None:
    assert parse(b"data: a\r\rdata: b\r\r") == [ev("a"), ev("b")]
    parser = EventStreamParser()
    assert parser.feed(b"data: a\r") == []
    assert parser.feed(b"\r") == [ev("a")]


def test_lf_then_cr_are_two_line_ends() -> None:
    assert parse(b"data: a\n\rdata: b\n\r") == [ev("a"), ev("b")]


def test_cr_lf_lf_is_a_line_end_then_a_blank_line() -> None:
    assert parse(b"data: a\r\n\ndata: b\r\n\r\n") == [ev("a"), ev("b")]


# --- Comments -------------------------------------------------------------------------------------


def test_comment_lines_are_ignored() -> None:
    # "If the line starts with a U+003A COLON character (:): Ignore the line." A comment neither
    # adds a line to the data nor ends the event.
    assert parse(b": hello\ndata: a\n: data: not data\ndata: b\n:\n\n") == [ev("a\nb")]


def test_keep_alive_comment_dispatches_nothing() -> None:
    parser = EventStreamParser()
    assert parser.feed(b": ping\n\n: ping\n\n:\n\n") == []
    assert parser.feed(b"data: a\n\n") == [ev("a")]


# --- Fields and values ----------------------------------------------------------------------------


def test_field_and_value_split_on_the_first_colon() -> None:
    # "Collect the characters on the line before the first U+003A COLON character (:), and let
    # field be that string. Collect the characters on the line after the first U+003A COLON".
    assert parse(b"event:x:y\ndata: a:b: c\n\n") == [ev("a:b: c", "x:y")]
    assert datas(b"data::\n\n") == [":"]


def test_one_leading_space_is_removed_from_the_value() -> None:
    # "If value starts with a U+0020 SPACE character, remove it from value." One only.
    assert datas(b"data:a\n\n") == ["a"]
    assert datas(b"data: a\n\n") == ["a"]
    assert datas(b"data:  a\n\n") == [" a"]
    assert datas(b"data:   a\n\n") == ["  a"]
    assert datas(b"data: a \n\n") == ["a "]  # trailing spaces are kept
    assert datas(b"data:\ta\n\n") == ["\ta"]  # only a space is removed
    assert datas(b"data: \n\n") == [""]
    assert parse(b"id:  7\ndata: a\n\n") == [ev("a", id=" 7")]


def test_line_without_colon_is_a_field_name_with_an_empty_value() -> None:
    # "process the field using the whole line as the field name, and the empty string as the
    # field value": `data` alone appends an empty line to the data buffer.
    assert datas(b"data\n\n") == [""]
    assert datas(b"data\ndata\n\n") == ["\n"]
    assert datas(b"data\ndata: x\ndata\n\n") == ["\nx\n"]
    assert parse(b"event: x\nevent\ndata: a\n\n") == [ev("a")]


def test_empty_data_field_dispatches_an_empty_event() -> None:
    # The data buffer holds "\n", which is not empty: the event is dispatched with data "".
    assert parse(b"data:\n\n") == [ev("")]
    assert parse(b"data:\r\r") == [ev("")]


def test_data_lines_are_joined_with_lf() -> None:
    # "Append the field value to the data buffer, then append a single U+000A LINE FEED (LF)";
    # on dispatch "If the data buffer's last character is a U+000A LINE FEED (LF) character,
    # then remove the last character from the data buffer." One LF between lines, none after.
    assert datas(b"data: a\ndata: b\r\ndata: c\rdata: d\n\n") == ["a\nb\nc\nd"]
    assert datas(b"data: a\ndata:\n\n") == ["a\n"]
    assert datas(b"data:\ndata: a\n\n") == ["\na"]


def test_blank_line_with_empty_data_buffer_dispatches_nothing() -> None:
    # "If the data buffer is an empty string, set the data buffer and the event type buffer to
    # the empty string and return."
    assert parse(b"\n\n\r\n\r") == []
    assert parse(b"event: x\n\n") == []
    assert parse(b"id: 1\n\n") == []
    assert parse(b"retry: 5\n\n") == []
    assert parse(b"foo: bar\n\n") == []


def test_event_type_is_reset_by_a_blank_line_without_data() -> None:
    assert parse(b"event: x\n\ndata: a\n\n") == [ev("a")]


def test_event_type_defaults_to_message() -> None:
    assert parse(b"data: a\n\n") == [ev("a", "message")]


def test_empty_event_field_means_message() -> None:
    assert parse(b"event:\ndata: a\n\n") == [ev("a", "message")]
    assert parse(b"event: x\nevent:\ndata: a\n\n") == [ev("a", "message")]


def test_event_type_applies_to_its_own_event_only() -> None:
    assert parse(b"event: x\nevent: y\ndata: a\n\ndata: b\n\n") == [ev("a", "y"), ev("b")]


# --- id -------------------------------------------------------------------------------------------


def test_last_event_id_is_empty_before_any_id() -> None:
    parser = EventStreamParser()
    assert parser.last_event_id == ""
    assert parser.feed(b"data: a\n\n") == [ev("a", id="")]
    assert parser.last_event_id == ""


def test_id_field_sets_the_event_id() -> None:
    parser = EventStreamParser()
    assert parser.feed(b"data: a\nid: 5\n\n") == [ev("a", id="5")]
    assert parser.last_event_id == "5"


def test_id_containing_nul_is_ignored() -> None:
    # "If the field value does not contain U+0000 NULL, then set the last event ID buffer to the
    # field value. Otherwise, ignore the field."
    parser = EventStreamParser()
    events = parser.feed(b"id: 1\ndata: a\n\nid: 2\x003\ndata: b\n\nid: \x00\ndata: c\n\n")
    assert events == [ev("a", id="1"), ev("b", id="1"), ev("c", id="1")]
    assert parser.last_event_id == "1"


@pytest.mark.parametrize("empty_id", [b"id:", b"id: ", b"id"])
def test_id_with_empty_value_resets_the_last_event_id(empty_id: bytes) -> None:
    parser = EventStreamParser()
    events = parser.feed(b"id: 1\ndata: a\n\n" + empty_id + b"\ndata: b\n\n")
    assert events == [ev("a", id="1"), ev("b", id="")]
    assert parser.last_event_id == ""


def test_last_event_id_persists_across_events() -> None:
    parser = EventStreamParser()
    assert parser.feed(b"id: 1\ndata: a\n\ndata: b\n\n") == [ev("a", id="1"), ev("b", id="1")]
    assert parser.feed(b"data: c\n\n") == [ev("c", id="1")]
    assert parser.last_event_id == "1"


def test_last_event_id_is_set_on_dispatch_even_when_no_event_is_dispatched() -> None:
    # Dispatch step 1, "Set the last event ID string of the event source to the value of the
    # last event ID buffer", comes before step 2's return on an empty data buffer.
    parser = EventStreamParser()
    assert parser.feed(b"id: 9\n") == []
    assert parser.last_event_id == ""  # not before the blank line
    assert parser.feed(b"\n") == []
    assert parser.last_event_id == "9"
    assert parser.feed(b"data: a\n\n") == [ev("a", id="9")]


def test_last_event_id_is_not_updated_by_an_event_that_never_completed() -> None:
    parser = EventStreamParser()
    assert parser.feed(b"id: 1\ndata: a\n\nid: 2\ndata: b\n") == [ev("a", id="1")]
    assert parser.last_event_id == "1"


def test_id_of_the_current_event_is_set_only_on_its_blank_line() -> None:
    parser = EventStreamParser()
    assert parser.feed(b"id: 1\ndata: a\n\nid: 2\ndata: b\n") == [ev("a", id="1")]
    assert parser.last_event_id == "1"
    assert parser.feed(b"\n") == [ev("b", id="2")]
    assert parser.last_event_id == "2"


# --- retry ----------------------------------------------------------------------------------------


def test_retry_of_ascii_digits_sets_the_reconnection_time() -> None:
    # "If the field value consists of only ASCII digits, then interpret the field value as an
    # integer in base ten, and set the event stream's reconnection time to that integer."
    parser = EventStreamParser()
    assert parser.retry is None
    assert parser.feed(b"data: a\n\nretry: 1500\ndata: b\n\n") == [ev("a"), ev("b", retry=1500)]
    assert parser.retry == 1500
    assert parser.feed(b"retry: 0\ndata: c\n\n") == [ev("c", retry=0)]
    assert parser.retry == 0
    assert parser.feed(b"retry: 007\n") == []
    assert parser.retry == 7  # set when the field is processed, not on dispatch


@pytest.mark.parametrize(
    "line",
    [
        b"retry: 1.5",
        b"retry: -1",
        b"retry: +5",
        b"retry: 1e3",
        b"retry: 10a",
        b"retry: 10 ",
        b"retry:  10",  # the value is " 10": only one space is removed
        b"retry: \xd9\xa1\xd9\xa2",  # ARABIC-INDIC DIGITs one and two: digits, not ASCII
        b"retry: \xef\xbc\x91",  # FULLWIDTH DIGIT ONE
        b"retry: \xc2\xb2",  # SUPERSCRIPT TWO
        b"retry:",
        b"retry: ",
        b"retry",
    ],
)
def test_retry_not_of_only_ascii_digits_is_ignored(line: bytes) -> None:
    parser = EventStreamParser()
    assert parser.feed(b"retry: 1000\n" + line + b"\ndata: a\n\n") == [ev("a", retry=1000)]
    assert parser.retry == 1000
    assert EventStreamParser().feed(line + b"\ndata: a\n\n") == [ev("a", retry=None)]


@pytest.mark.parametrize("stream", [b"data: a\n\n\nid: 2\ndata: b\n\n", b"data: a\r\n\r\n\r\nid: 2\r\ndata: b\r\n\r\n"])
def test_blank_lines_between_events_dispatch_nothing_and_lose_no_field_after_them(stream: bytes) -> None:
    # "If the line is empty (a blank line): Dispatch the event": with nothing buffered, a blank
    # line dispatches nothing, and the fields of the event after it count in full.
    for cut in range(len(stream) + 1):
        assert outcome_split(stream, [cut]) == ([ev("a"), ev("b", id="2")], "2", None), cut


# --- Other fields ---------------------------------------------------------------------------------


def test_unknown_fields_are_ignored() -> None:
    # "Otherwise: The field is ignored."
    parser = EventStreamParser()
    assert parser.feed(b"foo: bar\ndata: a\nbar\nidx: 3\ndatas: b\n\n") == [ev("a")]
    assert parser.last_event_id == ""


def test_field_names_are_case_sensitive() -> None:
    parser = EventStreamParser()
    stream = b"Data: a\nDATA: b\nEvent: x\nID: 1\nRetry: 5\ndata: c\n\nData: d\n\n"
    assert parser.feed(stream) == [ev("c")]
    assert (parser.last_event_id, parser.retry) == ("", None)


# --- End of stream, reset -------------------------------------------------------------------------


def test_unfinished_event_at_end_of_stream_is_discarded() -> None:
    # "If the file ends in the middle of an event, before the final empty line, the incomplete
    # event is not dispatched."
    assert parse(b"data: a") == []
    assert parse(b"data: a\n") == []
    assert parse(b"data: a\r\n") == []
    assert parse(b"data: a\n\ndata: b\n") == [ev("a")]


def test_reset_forgets_the_partial_event() -> None:
    parser = EventStreamParser()
    assert parser.feed(b"event: x\ndata: a\ndata: par") == []
    parser.reset()
    # "tial" is now a line of its own: an unknown field. Neither "a" nor the type "x" survive.
    assert parser.feed(b"tial\ndata: b\n\n") == [ev("b")]


def test_reset_keeps_last_event_id_and_retry() -> None:
    parser = EventStreamParser()
    assert parser.feed(b"id: 4\nretry: 300\ndata: a\n\nid: 5\ndata: b\n") == [ev("a", id="4", retry=300)]
    parser.reset()
    assert (parser.last_event_id, parser.retry) == ("4", 300)
    # The id of the event that never completed is not taken up by the next stream either.
    assert parser.feed(b"data: c\n\n") == [ev("c", id="4", retry=300)]


def test_reset_starts_a_new_stream_whose_leading_bom_is_stripped() -> None:
    parser = EventStreamParser()
    assert parser.feed(BOM + b"data: a\n\n") == [ev("a")]
    parser.reset()
    assert parser.feed(BOM + b"data: b\n\n") == [ev("b")]


# --- Maximum event size ---------------------------------------------------------------------------


def test_default_max_event_bytes_is_a_few_mib() -> None:
    assert 1024 * 1024 <= DEFAULT_MAX_EVENT_BYTES <= 16 * 1024 * 1024
    assert EventStreamParser().max_event_bytes == DEFAULT_MAX_EVENT_BYTES
    big = "x" * (1024 * 1024)
    assert EventStreamParser().feed(b"data: " + big.encode() + b"\n\n") == [ev(big)]


def test_max_event_bytes_must_be_positive() -> None:
    with pytest.raises(ValueError):
        EventStreamParser(max_event_bytes=0)


def test_event_too_large_is_a_parse_stream_error() -> None:
    parser = EventStreamParser(max_event_bytes=100)
    with pytest.raises(EventTooLargeError) as caught:
        parser.feed(b"data: " + b"x" * 200 + b"\n\n")
    assert isinstance(caught.value, StreamError)
    assert caught.value.type is StreamErrorType.PARSE
    assert caught.value.retryable is False


def test_event_over_max_size_raises_with_the_events_completed_before_it() -> None:
    parser = EventStreamParser(max_event_bytes=100)
    assert parser.feed(b"id: 1\ndata: a\n\n") == [ev("a", id="1")]
    with pytest.raises(EventTooLargeError) as caught:
        parser.feed(b"data: b\n\ndata: c\n\ndata: " + b"x" * 200 + b"\n\ndata: after\n\n")
    # Only the events of this feed (those of earlier feeds were returned already), never the
    # oversized one nor any after it.
    assert caught.value.events == [ev("b", id="1"), ev("c", id="1")]


def test_event_over_max_size_made_of_many_small_lines_raises() -> None:
    parser = EventStreamParser(max_event_bytes=100)
    with pytest.raises(EventTooLargeError):
        parser.feed(b"data: 0123456789\n" * 20 + b"\n")


def test_max_size_applies_to_each_event_not_to_the_stream() -> None:
    parser = EventStreamParser(max_event_bytes=100)
    events = parser.feed(b"data: " + b"x" * 60 + b"\n\n" * 2) + parser.feed(b"data: " + b"y" * 60 + b"\n\n")
    assert events == [ev("x" * 60), ev("y" * 60)]
    assert feed_split(b"data: 0123456789\n\n" * 500, range(7, 9000, 7), parser) == [ev("0123456789")] * 500


def test_unterminated_line_over_max_size_raises_when_fed_in_pieces() -> None:
    parser = EventStreamParser(max_event_bytes=100)
    assert parser.feed(b"data: a\n\ndata: ") == [ev("a")]
    fed = 0
    with pytest.raises(EventTooLargeError) as caught:
        for _ in range(1000):
            parser.feed(b"x" * 10)
            fed += 10
    assert fed <= 100  # refused as soon as it passed the limit, not buffered on
    assert caught.value.events == []


def test_unterminated_line_over_max_size_raises_with_the_events_of_its_feed() -> None:
    parser = EventStreamParser(max_event_bytes=100)
    with pytest.raises(EventTooLargeError) as caught:
        parser.feed(b"data: a\n\n: comment\nevent: e\ndata: b\n\ndata: " + b"x" * 200)
    assert caught.value.events == [ev("a"), ev("b", "e")]


@pytest.mark.parametrize(
    "line",
    [b"data: ", b": ", b"event: ", b"id: ", b"foo: ", b""],
    ids=["data", "comment", "event", "id", "unknown-field", "no-colon"],
)
def test_oversized_line_raises_however_the_input_is_split(line: bytes) -> None:
    # Whether a long line arrives whole or in pieces, the stream fails at it, and the events
    # before it are delivered exactly once: returned by earlier feeds or carried by the error.
    # (The blank line right after it: no later line of the same event may be what trips the
    # limit.)
    stream = b"data: a\n\n" + line + b"x" * 80 + b"\n\ndata: b\n\n"
    for cuts in [[], *([cut] for cut in range(1, len(stream))), range(1, len(stream))]:
        parser = EventStreamParser(max_event_bytes=50)
        bounds = [0, *cuts, len(stream)]
        delivered: list[ServerSentEvent] = []
        with pytest.raises(EventTooLargeError) as caught:
            for start, end in zip(bounds, bounds[1:]):
                delivered += parser.feed(stream[start:end])
        assert delivered + caught.value.events == [ev("a")], cuts


def test_parser_stays_failed_after_event_too_large() -> None:
    parser = EventStreamParser(max_event_bytes=100)
    with pytest.raises(EventTooLargeError):
        parser.feed(b"data: " + b"x" * 200)
    with pytest.raises(EventTooLargeError) as again:
        parser.feed(b"\n\ndata: ok\n\n")
    assert again.value.events == []
    with pytest.raises(EventTooLargeError):
        parser.feed(b"")
    # The feed docstring: failed "until reset()".
    parser.reset()
    assert parser.feed(b"data: ok\n\n") == [ev("ok")]


# --- Linear time ----------------------------------------------------------------------------------
# Guards against a hang only: a parser that re-scans or copies its buffer on each feed takes
# hours on these inputs, a linear one about a second.
HANG_GUARD_SECONDS = 20.0


def test_two_mib_event_fed_one_byte_at_a_time_completes() -> None:
    size = 2 * 1024 * 1024
    stream = b"data: " + b"x" * size + b"\r\n\r\n"
    parser = EventStreamParser()
    started = time.perf_counter()
    events: list[ServerSentEvent] = []
    feed = parser.feed
    for i in range(len(stream)):
        events += feed(stream[i : i + 1])
    assert time.perf_counter() - started < HANG_GUARD_SECONDS
    assert len(events) == 1
    assert events[0].data == "x" * size


def test_many_small_events_fed_one_byte_at_a_time_complete() -> None:
    count = 10_000
    stream = b"".join(b"id: %d\ndata: %d\n\n" % (n, n) for n in range(count))
    parser = EventStreamParser()
    started = time.perf_counter()
    events: list[ServerSentEvent] = []
    feed = parser.feed
    for i in range(len(stream)):
        events += feed(stream[i : i + 1])
    assert time.perf_counter() - started < HANG_GUARD_SECONDS
    assert events == [ev(str(n), id=str(n)) for n in range(count)]
    assert parser.last_event_id == str(count - 1)


def test_event_of_many_lines_fed_whole_completes() -> None:
    lines = 200_000
    started = time.perf_counter()
    events = EventStreamParser().feed(b"data: ab\n" * lines + b"\n")
    assert time.perf_counter() - started < HANG_GUARD_SECONDS
    assert events == [ev("\n".join(["ab"] * lines))]


# --- Split invariance -----------------------------------------------------------------------------
# Each input mixes many rules above; EXPECTED is what the spec makes of it, fed whole.

RICH_INPUTS: dict[str, tuple[bytes, Outcome]] = {
    "bom-crlf-utf8": (
        BOM
        + b": ping\r\nid: 1\r\nretry: 1500\r\ndata: h\xc3\xa9\r\ndata\r\n\r\n"
        + b"event: e\rdata: \xe2\x82\xac\xf0\x9f\x98\x80\r\r: x\n"
        + b"id: 2\ndata: \xff\xe2\x82\n\nid: 3\ndata: cut",
        (
            [
                ev("h\u00e9\n", id="1", retry=1500),
                ev("\u20ac\U0001f600", "e", id="1", retry=1500),
                ev("\ufffd\ufffd", id="2", retry=1500),
            ],
            "2",
            1500,
        ),
    ),
    "cr-runs-and-ids": (
        b"id: 7\ndata: a\r\r\n\ndata: b\r\n\r\nid: x\x00y\ndata: c\r\n\rid\r"
        + b"data: d\n\nevent: gone\n\ndata: e\n\n" + BOM + b"data: f\n\nData: g\n\n",
        ([ev("a", id="7"), ev("b", id="7"), ev("c", id="7"), ev("d"), ev("e")], "", None),
    ),
    "retry-and-fields": (
        b"retry: 1.5\nretry: -1\nretry:  10\nretry: \xd9\xa1\nretry:\ndata: h\n\n"
        + b"retry: 20\nfoo: bar\nevent:\ndata::x\ndata:  y\n\nid: 5\n\n:\n",
        ([ev("h"), ev(":x\n y", retry=20)], "5", 20),
    ),
    "double-bom": (
        BOM + BOM + b"data: x\r\n\r\ndata: " + BOM + b"y\xf0\x9f\x98\r\n\r\n",
        ([ev("\ufeffy\ufffd")], "", None),
    ),
    "partial-bom": (
        b"\xef\xbbdata: x\n\ndata: \xef\xbb\xbf\xef\xbb\n\n",
        ([ev("\ufeff\ufffd")], "", None),
    ),
    "chat-stream": (
        "id: 0\ndata: {\"type\": \"status\", \"data\": {\"message\": \"Processing\u2026\"}}\n\n"
        ": keep-alive\n\n"
        "id: 1\r\ndata: {\"type\": \"chunk\", \"data\": {\"content\": \"Gr\u00fc\u00df \", \"index\": 0}}\r\n\r\n"
        "id: 2\rdata: {\"type\": \"chunk\", \"data\": {\"content\": \"\u4f60\u597d \U0001f44b\", \"index\": 1}}\r\r"
        "retry: 3000\nid: 3\ndata: {\"type\": \"complete\",\ndata: \"data\": {}}\n\n".encode(),
        (
            [
                ev('{"type": "status", "data": {"message": "Processing\u2026"}}', id="0"),
                ev('{"type": "chunk", "data": {"content": "Gr\u00fc\u00df ", "index": 0}}', id="1"),
                ev('{"type": "chunk", "data": {"content": "\u4f60\u597d \U0001f44b", "index": 1}}', id="2"),
                ev('{"type": "complete",\n"data": {}}', id="3", retry=3000),
            ],
            "3",
            3000,
        ),
    ),
}
SHORT_INPUTS = [name for name, (stream, _) in RICH_INPUTS.items() if len(stream) <= 120]


def test_short_inputs_are_short_enough_for_every_pair_of_cuts() -> None:
    assert len(SHORT_INPUTS) >= 4


@pytest.mark.parametrize("name", RICH_INPUTS)
def test_rich_input_fed_whole_gives_the_expected_events(name: str) -> None:
    stream, expected = RICH_INPUTS[name]
    assert outcome_split(stream, []) == expected


@pytest.mark.parametrize("name", RICH_INPUTS)
def test_every_single_split_gives_the_same_events(name: str) -> None:
    stream, expected = RICH_INPUTS[name]
    for cut in range(len(stream) + 1):  # 0 and len(stream) feed an empty piece
        assert outcome_split(stream, [cut]) == expected, cut


@pytest.mark.parametrize("name", SHORT_INPUTS)
def test_every_pair_of_splits_gives_the_same_events(name: str) -> None:
    stream, expected = RICH_INPUTS[name]
    for cuts in itertools.combinations(range(1, len(stream)), 2):
        assert outcome_split(stream, cuts) == expected, cuts


@pytest.mark.parametrize("name", RICH_INPUTS)
def test_one_byte_at_a_time_gives_the_same_events(name: str) -> None:
    stream, expected = RICH_INPUTS[name]
    assert outcome_split(stream, range(1, len(stream))) == expected


# --- named_without_data: the one deliberate step past the spec -----------------------------------

NAMED_WITHOUT_DATA = b"event: metadata\ndata: {}\n\nevent: data\ndata: \"Hi\"\n\nevent: end\r\n\r\n: c\n\nid: 4\n\n"


def test_a_named_event_without_data_is_dropped_by_default_as_the_spec_says() -> None:
    assert parse(NAMED_WITHOUT_DATA) == [ev("{}", "metadata"), ev('"Hi"', "data")]


@pytest.mark.parametrize("cut", range(len(NAMED_WITHOUT_DATA) + 1))
def test_named_without_data_passes_a_named_event_on_with_empty_data_at_any_split(cut: int) -> None:
    parser = EventStreamParser(named_without_data=True)
    events = feed_split(NAMED_WITHOUT_DATA, [cut], parser)
    # The comment-only block and the id-only block have no name: still dropped.
    assert events == [ev("{}", "metadata"), ev('"Hi"', "data"), ev("", "end")]
    assert parser.last_event_id == "4"


# --- Event boundaries: where another reader (FastLane) may take over ------------------------------


def test_a_fresh_parser_is_not_at_an_event_boundary_until_it_has_read_the_start_of_the_stream() -> None:
    # The stream's first bytes may hold a byte order mark that only the parser drops.
    parser = EventStreamParser()
    assert not parser.at_event_boundary
    parser.feed(b"")
    assert not parser.at_event_boundary
    parser.feed(b"data: a\n\n")
    assert parser.at_event_boundary


@pytest.mark.parametrize("fed", [b"data: a\n\n", b": keep-alive\n", b"id: 5\n\n", b"\n", b"data: a\n\n\n",
                                 b"data: a\r\n\r\n"])
def test_the_parser_is_at_an_event_boundary_when_it_holds_nothing_of_an_event(fed: bytes) -> None:
    parser = EventStreamParser()
    parser.feed(fed)
    assert parser.at_event_boundary and not parser.after_cr


@pytest.mark.parametrize(("fed", "after_cr"), [
    (b"data: a\n", False),  # an event begun
    (b"data: a", False),  # a line begun
    (b"event: x\n", False),  # a name, and no data yet
    (b"data: a\n\r", True),  # a blank line ended by CR: its LF may come in the next piece
    (b"data: a\r", True),
])
def test_the_parser_is_not_at_an_event_boundary_while_it_holds_part_of_an_event_or_a_cr(
        fed: bytes, after_cr: bool) -> None:
    parser = EventStreamParser()
    parser.feed(fed)
    assert not parser.at_event_boundary
    assert parser.after_cr is after_cr


def test_events_dispatched_elsewhere_set_the_last_event_id_as_their_last_id_did() -> None:
    parser = EventStreamParser()
    parser.feed(b"id: 3\ndata: a\n\n")
    parser.dispatched_elsewhere("9")  # the events read elsewhere ended with `id: 9`
    assert parser.last_event_id == "9"
    assert parser.feed(b"data: b\n\n") == [ev("b", id="9")]


def test_events_dispatched_elsewhere_without_an_id_keep_the_last_event_id() -> None:
    parser = EventStreamParser()
    parser.feed(b"id: 3\ndata: a\n\n")
    parser.dispatched_elsewhere(None)
    assert parser.last_event_id == "3"
    assert parser.feed(b"data: b\n\n") == [ev("b", id="3")]
