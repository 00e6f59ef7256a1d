"""`PayloadNormalizer` and `answer_text`: a stream's dialect detected from the first frame that
tells and held for the whole stream (the examples are mostly the generic formats of PROTOCOL.md:
standard, legacy, OpenAI, raw), and the rules every dialect shares (event: error, [DONE],
unreadable streams, stutter, reconnects, the frame shape the fast lane reads). What each
dialect's frames mean is in its own test module (tests/unit/test_formats_*.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from sse_client.errors import StreamError, StreamErrorType
from sse_client.formats import ChatEvent, Chunk, Complete, ErrorReport, Malformed, PayloadNormalizer, Status, registry
from sse_client.formats.dialect import Dialect
from sse_client.formats.normalizer import answer_text
from sse_client.parser import ServerSentEvent


def frame(data: str | dict[str, Any], *, event: str = "message", id: str = "") -> ServerSentEvent:
    """A dispatched event whose data is `data`, JSON-encoded when it is a dict."""
    text = data if isinstance(data, str) else json.dumps(data)
    return ServerSentEvent(data=text, event=event, id=id)


def normalize_all(frames: list[str | dict[str, Any]], normalizer: PayloadNormalizer | None = None) -> list[ChatEvent | None]:
    normalizer = normalizer if normalizer is not None else PayloadNormalizer()
    return [normalizer.normalize(frame(f)) for f in frames]


def standard_chunk(content: str, index: int | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"content": content}
    if index is not None:
        data["index"] = index
    return {"type": "chunk", "data": data}


def openai_chunk(delta: dict[str, Any], finish_reason: str | None = None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "model": "m",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
    }


# --- Detection from the first frame ---------------------------------------------------------------


def test_no_format_before_the_first_frame() -> None:
    normalizer = PayloadNormalizer()
    assert normalizer.format is None
    # A stream that closes before any event delivered nothing: it was cut short.
    assert normalizer.has_end_marker is True


def test_openai_format_is_detected_from_a_content_delta() -> None:
    normalizer = PayloadNormalizer()
    assert normalizer.normalize(frame(openai_chunk({"content": "Hel"}), id="4")) == Chunk("Hel", None, "4")
    assert normalizer.format == "openai"
    assert normalizer.has_end_marker is True


def test_openai_role_only_delta_carries_nothing() -> None:
    normalizer = PayloadNormalizer()
    assert normalizer.normalize(frame(openai_chunk({"role": "assistant", "content": ""}))) is None
    assert normalizer.normalize(frame(openai_chunk({"role": "assistant"}))) is None
    assert normalizer.format == "openai"  # detected all the same
    assert normalizer.normalize(frame(openai_chunk({"content": "Hi"}))) == Chunk("Hi")


def test_openai_finish_chunk_carries_nothing() -> None:
    normalizer = PayloadNormalizer()
    events = normalize_all([openai_chunk({"content": "Hi"}), openai_chunk({}, "stop")], normalizer)
    assert events == [Chunk("Hi"), None]


def test_openai_usage_chunk_without_choices_carries_nothing() -> None:
    normalizer = PayloadNormalizer()
    usage = {"object": "chat.completion.chunk", "choices": [], "usage": {"total_tokens": 3}}
    assert normalize_all([openai_chunk({"content": "Hi"}), usage], normalizer) == [Chunk("Hi"), None]


def test_openai_done_marker_completes() -> None:
    normalizer = PayloadNormalizer()
    events = [normalizer.normalize(frame(openai_chunk({"content": "Hi"}))), normalizer.normalize(frame("[DONE]", id="9"))]
    assert events == [Chunk("Hi"), Complete(None, "9")]


def test_done_marker_as_first_frame_completes_an_empty_reply() -> None:
    normalizer = PayloadNormalizer()
    assert normalizer.normalize(frame("[DONE]")) == Complete()
    assert normalizer.format is None


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        ({"message": "Rate limit reached", "type": "requests", "code": "rate_limit_exceeded"}, ErrorReport("rate_limit_exceeded", "Rate limit reached")),
        ({"message": "Overloaded", "type": "server_error", "code": None}, ErrorReport("server_error", "Overloaded")),
        ({"message": "?"}, ErrorReport("ERROR", "?")),
        ("plain failure", ErrorReport("ERROR", "plain failure")),
    ],
)
def test_openai_error_object_is_an_error_report(error: object, expected: ErrorReport) -> None:
    # As the first frame and in the middle of an OpenAI stream.
    normalizer = PayloadNormalizer()
    assert normalizer.normalize(frame({"error": error})) == expected
    normalizer = PayloadNormalizer()
    assert normalize_all([openai_chunk({"content": "Hi"}), {"error": error}], normalizer) == [Chunk("Hi"), expected]


def test_empty_first_frame_does_not_decide_the_format() -> None:
    # An empty frame tells nothing; were it taken as raw text, the JSON after it would reach
    # the user as text.
    normalizer = PayloadNormalizer()
    assert normalizer.normalize(frame("")) is None
    assert normalizer.format is None
    assert normalizer.normalize(frame(standard_chunk("Hi", 0))) == Chunk("Hi", 0)
    assert normalizer.format == "standard"


def test_an_event_name_decides_the_dialect_before_the_data() -> None:
    # `{"chunk": ...}` alone would be legacy JSON's text; under Anthropic's event name it is an
    # Anthropic event, and a broken one.
    normalizer = PayloadNormalizer()
    assert normalizer.normalize(frame({"chunk": "Hi"}, event="message_start")) == Malformed(
        "an Anthropic event without a type", '{"chunk": "Hi"}')
    assert normalizer.format == "anthropic"


def test_a_first_frame_under_a_dialects_event_name_with_broken_json_decides_the_dialect() -> None:
    normalizer = PayloadNormalizer()
    event = normalizer.normalize(frame('{"type": "content_block_delta", "delta": {', event="content_block_delta", id="3"))
    assert isinstance(event, Malformed) and event.id == "3"
    assert normalizer.format == "anthropic"


@pytest.mark.parametrize("data", ["", " "])
def test_a_first_frame_under_a_dialects_event_name_without_data_decides_the_dialect(data: str) -> None:
    normalizer = PayloadNormalizer()
    assert normalizer.normalize(frame(data, event="ping")) is None
    assert normalizer.format == "anthropic"


class Tokens(Dialect):
    """A dialect of plain text frames under an event name of its own (none is built in)."""

    name = "tokens"
    title = "text tokens"
    event_names = frozenset({"token"})
    json_frames = False

    def read(self, frame: ServerSentEvent, value: Any) -> ChatEvent | None:
        return Chunk(value, None, frame.id)


def test_a_text_dialect_that_claims_an_event_name_reads_its_first_frame_as_text_not_json(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "DIALECTS", (*registry.DIALECTS, Tokens))
    normalizer = PayloadNormalizer()
    assert normalize_all(['{"not": "parsed"}'], normalizer) == [None]  # no event name: in no dialect
    assert normalizer.normalize(frame('{"text": "Hi"}', event="token")) == Chunk('{"text": "Hi"}')
    assert normalizer.format == "tokens"


# --- One stream keeps one format ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "expected_first", "fmt"),
    [
        (standard_chunk("Hi", 0), Chunk("Hi", 0), "standard"),
        ({"chunk": "Hi"}, Chunk("Hi"), "legacy"),
        (openai_chunk({"content": "Hi"}), Chunk("Hi"), "openai"),
    ],
    ids=["standard", "legacy", "openai"],
)
def test_raw_looking_frame_in_a_json_stream_is_malformed(first: dict[str, Any], expected_first: ChatEvent, fmt: str) -> None:
    normalizer = PayloadNormalizer()
    assert normalizer.normalize(frame(first)) == expected_first
    later = normalizer.normalize(frame("plain text", id="8"))
    assert isinstance(later, Malformed)
    assert (later.data, later.id) == ("plain text", "8")
    assert normalizer.format == fmt
    assert normalizer.normalize(frame(first)) is not None  # and the stream goes on


@pytest.mark.parametrize(
    ("first", "other"),
    [
        (standard_chunk("Hi", 0), {"chunk": "legacy"}),
        (standard_chunk("Hi", 0), openai_chunk({"content": "openai"})),
        ({"chunk": "Hi"}, openai_chunk({"content": "openai"})),
        ({"chunk": "Hi"}, {"type": "complete", "data": {"final_response": "x"}}),
        (openai_chunk({"content": "Hi"}), standard_chunk("standard", 1)),
        (openai_chunk({"content": "Hi"}), {"chunk": "legacy"}),
    ],
    ids=["standard-then-legacy", "standard-then-openai", "legacy-then-openai", "legacy-then-standard", "openai-then-standard", "openai-then-legacy"],
)
def test_frame_of_another_json_format_is_malformed(first: dict[str, Any], other: dict[str, Any]) -> None:
    normalizer = PayloadNormalizer()
    normalizer.normalize(frame(first))
    fmt = normalizer.format
    assert isinstance(normalizer.normalize(frame(other)), Malformed)
    assert normalizer.format == fmt


@pytest.mark.parametrize("data", ["", " ", "\n"])
def test_a_named_frame_without_data_in_a_json_stream_carries_nothing_and_is_no_warning(data: str) -> None:
    # The chat's parser passes on named events without data (for LangServe's `end`).
    normalizer = PayloadNormalizer()
    assert normalize_all([openai_chunk({"content": "Hi"})], normalizer) == [Chunk("Hi")]
    assert normalizer.normalize(frame(data, event="keepalive")) is None
    assert normalizer.normalize(frame(openai_chunk({"content": "!"}))) == Chunk("!")


def test_malformed_json_frame_is_malformed_and_the_stream_goes_on() -> None:
    normalizer = PayloadNormalizer()
    events = normalize_all(
        [standard_chunk("Hel", 0), '{"type": "chunk", "data": {"content": "lo"', standard_chunk("lo", 1)],
        normalizer,
    )
    assert events[0] == Chunk("Hel", 0)
    assert isinstance(events[1], Malformed)
    assert events[1].data == '{"type": "chunk", "data": {"content": "lo"'
    assert events[2] == Chunk("lo", 1)


def test_malformed_json_first_frame_does_not_decide_the_format() -> None:
    normalizer = PayloadNormalizer()
    assert isinstance(normalizer.normalize(frame('{"chunk": ')), Malformed)
    assert normalizer.format is None
    assert normalizer.normalize(frame(openai_chunk({"content": "Hi"}))) == Chunk("Hi")
    assert normalizer.format == "openai"


def test_json_object_in_no_known_format_is_skipped_until_the_stream_tells() -> None:
    # A backend may put a frame of its own before its upstream's stream.
    normalizer = PayloadNormalizer()
    assert normalizer.normalize(frame({"conversation": "c1"})) is None
    assert normalizer.format is None
    assert normalizer.normalize(frame(openai_chunk({"content": "Hi"}))) == Chunk("Hi")
    assert normalizer.unreadable() is None


def test_stream_of_json_objects_in_no_known_format_fails_with_parse_naming_what_it_saw() -> None:
    normalizer = PayloadNormalizer()
    for _ in range(3):
        assert normalizer.normalize(frame({"text": "Hi", "seq": 1})) is None
    with pytest.raises(StreamError) as caught:
        normalizer.normalize(frame({"text": "Hi", "seq": 1}))
    assert caught.value.type is StreamErrorType.PARSE
    assert caught.value.retryable is False
    assert '"text", "seq"' in caught.value.message


def test_stream_that_ends_having_shown_only_unknown_frames_is_unreadable() -> None:
    normalizer = PayloadNormalizer()
    assert normalizer.normalize(frame([1, 2])) is None
    error = normalizer.unreadable()
    assert error is not None and error.type is StreamErrorType.PARSE
    assert "a JSON array" in error.message
    assert normalizer.has_end_marker is True


def test_done_after_only_unknown_frames_is_unreadable_not_an_empty_success() -> None:
    normalizer = PayloadNormalizer()
    normalizer.normalize(frame({"kind": "text", "value": "Hi"}))
    with pytest.raises(StreamError) as caught:
        normalizer.normalize(frame("[DONE]"))
    assert caught.value.type is StreamErrorType.PARSE


def test_whitespace_first_frame_does_not_lock_the_stream_into_raw_text() -> None:
    normalizer = PayloadNormalizer()
    assert normalizer.normalize(frame(" ")) is None
    assert normalizer.normalize(frame(standard_chunk("Hi", 0))) == Chunk("Hi", 0)
    assert normalizer.format == "standard"


def test_whitespace_first_frame_of_a_raw_stream_is_kept() -> None:
    normalizer = PayloadNormalizer()
    assert normalize_all([" ", "\n", "Hello"], normalizer) == [None, None, Chunk(" \nHello")]
    assert normalizer.format == "raw"


@pytest.mark.parametrize("data", ["42", "3.5", "true", "null"])
def test_json_scalar_first_frame_is_raw_text(data: str) -> None:
    normalizer = PayloadNormalizer()
    assert normalizer.normalize(frame(data)) == Chunk(data)
    assert normalizer.format == "raw"


def test_forced_format_reads_frames_as_that_dialect_only() -> None:
    normalizer = PayloadNormalizer("legacy")
    assert normalizer.format == "legacy"
    assert isinstance(normalizer.normalize(frame(openai_chunk({"content": "Hi"}))), Malformed)
    assert normalizer.normalize(frame({"chunk": "Hi"})) == Chunk("Hi")


def test_unknown_forced_format_is_refused() -> None:
    with pytest.raises(ValueError, match="format must be one of"):
        PayloadNormalizer("openai-chat")


# --- event: error ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ('{"type": "error", "data": {"code": "RATE_LIMIT", "message": "Slow down"}}', ErrorReport("RATE_LIMIT", "Slow down", "6")),
        ('{"code": "OVERLOADED", "message": "Busy"}', ErrorReport("OVERLOADED", "Busy", "6")),
        ('{"error": {"code": "server_error", "message": "Boom"}}', ErrorReport("server_error", "Boom", "6")),
        ("Something broke", ErrorReport("ERROR", "Something broke", "6")),
        ('{"event": "error", "data": {"error": {"code": "overloaded", "message": "Busy"}}}',
         ErrorReport("overloaded", "Busy", "6")),
        ('{"event": "error", "data": {"code": "E42", "message": "Bad input"}}', ErrorReport("E42", "Bad input", "6")),
        ('{"detail": "Not here", "status": 404}', ErrorReport("ERROR", '{"detail": "Not here", "status": 404}', "6")),
        ("503", ErrorReport("ERROR", "503", "6")),
        ('["overloaded"]', ErrorReport("ERROR", '["overloaded"]', "6")),
    ],
    ids=["standard", "bare", "openai", "text", "wrapped error object", "wrapped bare error", "object without fields",
         "number", "array"],
)
def test_error_event_is_an_error_report(data: str, expected: ErrorReport) -> None:
    normalizer = PayloadNormalizer()
    assert normalizer.normalize(frame(data, event="error", id="6")) == expected


def test_error_event_in_any_stream_is_an_error_report() -> None:
    # Even in a raw stream, where a message frame would be text.
    normalizer = PayloadNormalizer()
    normalizer.normalize(frame("Hello"))
    assert normalizer.normalize(frame("Boom", event="error")) == ErrorReport("ERROR", "Boom")


def test_error_event_does_not_decide_the_format() -> None:
    normalizer = PayloadNormalizer()
    normalizer.normalize(frame("Boom", event="error"))
    assert normalizer.format is None
    assert normalizer.normalize(frame(standard_chunk("Hi", 0))) == Chunk("Hi", 0)


# --- Stutter (the filter itself: test_stutter.py) -------------------------------------------------


# A chunk frame of `text` (the `i`-th of its stream) in each format.
CHUNK_MAKERS: list[Any] = [
    lambda text, i: standard_chunk(text, i),
    lambda text, i: {"chunk": text},
    lambda text, i: openai_chunk({"content": text}),
    lambda text, i: text,
]
CHUNK_FORMATS = ["standard", "legacy", "openai", "raw"]


@pytest.mark.parametrize("make", CHUNK_MAKERS, ids=CHUNK_FORMATS)
def test_normalizer_turns_cumulative_chunks_into_deltas_in_each_format(make: Any) -> None:
    snapshots = ["The", "The quick", "The quick brown", "The quick brown fox"]
    normalizer = PayloadNormalizer()
    chunks = normalize_all([make(text, i) for i, text in enumerate(snapshots)], normalizer)
    assert all(isinstance(c, Chunk) for c in chunks)
    assert "".join(c.content for c in chunks if isinstance(c, Chunk)) == "The quick brown fox"
    assert [c.content for c in chunks if isinstance(c, Chunk)] == ["The", " quick", " brown", " fox"]


def test_chunk_that_adds_no_text_carries_nothing() -> None:
    # Without an index there is nothing to record either: the frame yields None, not Chunk("").
    assert normalize_all([{"chunk": "Hel"}, {"chunk": "Hello"}, {"chunk": "Hello"}]) == [Chunk("Hel"), Chunk("lo"), None]
    assert normalize_all(["Hel", ""]) == [Chunk("Hel"), None]
    assert normalize_all([{"chunk": "Hel"}, {"chunk": ""}]) == [Chunk("Hel"), None]


def test_normalizer_keeps_indices_of_cumulative_standard_chunks() -> None:
    chunks = normalize_all([standard_chunk("Hel", 0), standard_chunk("Hello", 1), standard_chunk("Hello", 2)])
    assert chunks == [Chunk("Hel", 0), Chunk("lo", 1), Chunk("", 2)]


@pytest.mark.parametrize("make", CHUNK_MAKERS, ids=CHUNK_FORMATS)
def test_normalizer_leaves_a_delta_stream_alone_in_each_format(make: Any) -> None:
    parts = ["The", " quick", " brown", " fox"]
    chunks = normalize_all([make(text, i) for i, text in enumerate(parts)])
    assert [c.content for c in chunks if isinstance(c, Chunk)] == parts


def test_status_frames_do_not_count_as_chunk_text_for_stutter() -> None:
    normalizer = PayloadNormalizer()
    events = normalize_all(
        [{"chunk": "Thinking", "type": "status"}, {"chunk": "Thinking about it"}, {"chunk": "!"}],
        normalizer,
    )
    # "Thinking about it" extends the status text, not a chunk: it is the first chunk.
    assert events == [Status("Thinking"), Chunk("Thinking about it"), Chunk("!")]


# --- Reconnects, and the shape the fast lane reads ------------------------------------------------


def test_a_stream_is_not_finished_before_its_dialect_is_known() -> None:
    assert PayloadNormalizer().finished is False


def test_a_restart_before_the_stutter_mode_is_decided_lets_the_restarted_stream_decide_it() -> None:
    # A cumulative stream cut after its first chunk and started again in other pieces: compared
    # with the cut stream's "Hel", "He" would make it look like deltas, and "Hello" be shown whole.
    normalizer = PayloadNormalizer()
    assert normalize_all([{"chunk": "Hel"}], normalizer) == [Chunk("Hel")]
    normalizer.restart()
    assert normalize_all([{"chunk": "He"}, {"chunk": "Hello"}, {"chunk": "Hello!"}], normalizer) == [
        Chunk("He"), Chunk("llo"), Chunk("!")]
    assert normalizer.stuttering is True


def test_a_delta_stream_is_not_stuttering() -> None:
    normalizer = PayloadNormalizer()
    normalize_all([{"chunk": "Hel"}, {"chunk": "lo"}], normalizer)
    assert normalizer.stuttering is False


def test_the_frame_shape_is_offered_only_once_the_stream_is_known_to_be_deltas() -> None:
    normalizer = PayloadNormalizer()
    assert normalizer.frame_shape() is None  # no dialect yet
    normalizer.normalize(frame(standard_chunk("Hel", 0)))
    assert normalizer.frame_shape() is None  # one chunk: it may still turn out cumulative
    normalizer.normalize(frame(standard_chunk("lo", 1), event="chunk"))
    shape = normalizer.frame_shape()
    assert shape is not None and shape[0] == "chunk"  # learned from the last text frame, under its name
    assert shape[1].holes == ("text", "index")


def test_a_stuttering_stream_offers_no_frame_shape() -> None:
    normalizer = PayloadNormalizer()
    normalize_all([standard_chunk("Hel", 0), standard_chunk("Hello", 1)], normalizer)
    assert normalizer.stuttering is True
    assert normalizer.frame_shape() is None


class Counted(Dialect):
    """A JSON dialect without a `text_key` (every built-in one has one): its frames are parsed
    in full, one by one."""

    name = "counted"
    title = "counted text"
    event_names = frozenset({"count"})

    def read(self, frame: ServerSentEvent, value: Any) -> ChatEvent | None:
        return Chunk(value["text"], None, frame.id)


def test_a_dialect_without_a_text_key_offers_no_frame_shape(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "DIALECTS", (*registry.DIALECTS, Counted))
    normalizer = PayloadNormalizer()
    events = [normalizer.normalize(frame({"text": text, "n": n}, event="count")) for n, text in enumerate(["Hel", "lo"])]
    assert (events, normalizer.format) == ([Chunk("Hel"), Chunk("lo")], "counted")
    assert normalizer.frame_shape() is None


def test_a_raw_stream_offers_its_shape_once_it_is_known_to_be_deltas() -> None:
    normalizer = PayloadNormalizer()
    normalize_all(["Hel"], normalizer)
    assert normalizer.frame_shape() is None  # one chunk: it may still turn out cumulative
    normalize_all(["lo"], normalizer)
    shape = normalizer.frame_shape()
    assert shape is not None and shape[0] == "message"


def test_a_provider_dialect_offers_the_frame_shape_from_its_first_text_frame() -> None:
    # Provider dialects are deltas by definition: no stutter check to wait for.
    normalizer = PayloadNormalizer("anthropic")
    normalizer.normalize(frame({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hi"}},
                               event="content_block_delta"))
    shape = normalizer.frame_shape()
    assert shape is not None and shape[0] == "content_block_delta"


# --- answer_text (the non-streaming answer) ---------------------------------------------------------------------


def test_final_response_of_an_openai_body() -> None:
    body = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hi \u00e9"}, "finish_reason": "stop"}],
    }
    assert answer_text(json.dumps(body).encode()) == "Hi \u00e9"


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"\xff\xfe{}",
        b"[1, 2]",
        b'"Hello"',
        b"{}",
        b'{"type": "complete", "data": {"final_response": 5}}',
        b'{"type": "complete", "data": "Hello"}',
        b'{"type": "chunk", "data": {"content": "Hello"}}',
        b'{"choices": []}',
        b'{"choices": [{"message": {"content": null}}]}',
        b'{"choices": [{"delta": {"content": "Hi"}}]}',
        b'{"choices": ["Hi"]}',
    ],
)
def test_final_response_of_anything_else_is_none(body: bytes) -> None:
    assert answer_text(body) is None



def test_an_error_event_whose_data_is_a_json_string_reports_its_text_not_its_quotes() -> None:
    assert PayloadNormalizer().normalize(frame('"Overloaded"', event="error")) == ErrorReport("ERROR", "Overloaded")
