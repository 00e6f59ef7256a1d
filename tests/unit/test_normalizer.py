"""`PayloadNormalizer` and `answer_text`: the generic formats of PROTOCOL.md (standard, legacy,
OpenAI, raw), detected from the first frame that tells and held for the whole stream, and the
rules every dialect shares (event: error, [DONE], unreadable streams, stutter). The provider
dialects have their own test modules (tests/unit/test_formats_*.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from sse_client.parser import ServerSentEvent
from sse_client.errors import StreamError, StreamErrorType
from sse_client.formats import ChatEvent, Chunk, Complete, ErrorReport, Malformed, PayloadNormalizer, Status
from sse_client.formats.normalizer import answer_text
from sse_client.formats.stutter import StutterFilter


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


def test_standard_format_is_detected_from_a_chunk() -> None:
    normalizer = PayloadNormalizer()
    assert normalizer.normalize(frame(standard_chunk("Hel", 0), id="1")) == Chunk("Hel", 0, "1")
    assert normalizer.format == "standard"
    assert normalizer.normalize(frame(standard_chunk("lo", 1), id="2")) == Chunk("lo", 1, "2")


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"type": "status", "data": {"message": "Processing...", "progress": 0.5}}, Status("Processing...", 0.5, "7")),
        ({"type": "status", "data": {"message": "Working", "progress": 1}}, Status("Working", 1.0, "7")),
        ({"type": "status", "data": {"message": "Working"}}, Status("Working", None, "7")),
        ({"type": "complete", "data": {"final_response": "Hello"}}, Complete("Hello", "7")),
        ({"type": "complete", "data": {}}, Complete(None, "7")),
        ({"type": "error", "data": {"code": "RATE_LIMIT", "message": "Slow down"}}, ErrorReport("RATE_LIMIT", "Slow down", "7")),
        ({"type": "chunk", "data": {"content": "Hi"}}, Chunk("Hi", None, "7")),
    ],
    ids=["status", "status-int-progress", "status-no-progress", "complete", "complete-no-final", "error", "chunk-no-index"],
)
def test_standard_format_is_detected_from_each_event_type(data: dict[str, Any], expected: ChatEvent) -> None:
    normalizer = PayloadNormalizer()
    assert normalizer.normalize(frame(data, id="7")) == expected
    assert normalizer.format == "standard"
    assert normalizer.has_end_marker is True


def test_legacy_json_is_detected_from_a_chunk() -> None:
    normalizer = PayloadNormalizer()
    assert normalizer.normalize(frame({"chunk": "Hel"}, id="3")) == Chunk("Hel", None, "3")
    assert normalizer.format == "legacy"
    assert normalizer.has_end_marker is False
    assert normalizer.normalize(frame({"chunk": "lo"})) == Chunk("lo")


def test_legacy_status_is_a_status_not_a_standard_event() -> None:
    # {"type": "status"} without a "data" object is the legacy shape, not the standard one.
    normalizer = PayloadNormalizer()
    assert normalizer.normalize(frame({"chunk": "Thinking...", "type": "status"})) == Status("Thinking...")
    assert normalizer.format == "legacy"
    assert normalizer.normalize(frame({"chunk": "Hi"})) == Chunk("Hi")


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


def test_raw_text_is_detected_from_a_frame_that_is_not_json() -> None:
    normalizer = PayloadNormalizer()
    assert normalizer.normalize(frame("Hello", id="5")) == Chunk("Hello", None, "5")
    assert normalizer.format == "raw"
    assert normalizer.has_end_marker is False


def test_raw_text_keeps_multi_line_data() -> None:
    normalizer = PayloadNormalizer()
    assert normalize_all(["line one\nline two", "\nline three"], normalizer) == [
        Chunk("line one\nline two"),
        Chunk("\nline three"),
    ]


def test_raw_stream_keeps_json_looking_frames_as_text() -> None:
    normalizer = PayloadNormalizer()
    later = json.dumps(standard_chunk("x", 0))
    assert normalize_all(["Here is JSON: ", later], normalizer) == [Chunk("Here is JSON: "), Chunk(later)]
    assert normalizer.format == "raw"


def test_empty_first_frame_does_not_decide_the_format() -> None:
    # An empty frame tells nothing; were it taken as raw text, the JSON after it would reach
    # the user as text.
    normalizer = PayloadNormalizer()
    assert normalizer.normalize(frame("")) is None
    assert normalizer.format is None
    assert normalizer.normalize(frame(standard_chunk("Hi", 0))) == Chunk("Hi", 0)
    assert normalizer.format == "standard"


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


@pytest.mark.parametrize(
    "data",
    [
        {"type": "chunk", "data": {"content": 5, "index": 0}},
        {"type": "chunk", "data": {"index": 0}},
        {"type": "chunk", "data": {"content": "x", "index": "0"}},
        {"type": "chunk", "data": {"content": "x", "index": True}},
        {"type": "chunk", "data": "x"},
        {"type": "ping", "data": {}},
    ],
    ids=["content-not-string", "no-content", "index-string", "index-bool", "data-not-object", "unknown-type"],
)
def test_bad_standard_frame_is_malformed(data: dict[str, Any]) -> None:
    normalizer = PayloadNormalizer()
    normalizer.normalize(frame(standard_chunk("Hi", 0)))
    result = normalizer.normalize(frame(data, id="4"))
    assert isinstance(result, Malformed)
    assert result.id == "4"


def test_legacy_frame_without_a_text_chunk_is_malformed() -> None:
    normalizer = PayloadNormalizer()
    normalizer.normalize(frame({"chunk": "Hi"}))
    assert isinstance(normalizer.normalize(frame({"chunk": None})), Malformed)


# --- event: error ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ('{"type": "error", "data": {"code": "RATE_LIMIT", "message": "Slow down"}}', ErrorReport("RATE_LIMIT", "Slow down", "6")),
        ('{"code": "OVERLOADED", "message": "Busy"}', ErrorReport("OVERLOADED", "Busy", "6")),
        ('{"error": {"code": "server_error", "message": "Boom"}}', ErrorReport("server_error", "Boom", "6")),
        ("Something broke", ErrorReport("ERROR", "Something broke", "6")),
    ],
    ids=["standard", "bare", "openai", "text"],
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


# --- Stutter --------------------------------------------------------------------------------------


def deltas(contents: list[str]) -> list[str]:
    stutter = StutterFilter()
    return [stutter.delta(c) for c in contents]


def test_cumulative_chunks_become_deltas() -> None:
    stutter = StutterFilter()
    out = [stutter.delta(c) for c in ["Hel", "Hello", "Hello, wor", "Hello, world!"]]
    assert out == ["Hel", "lo", ", wor", "ld!"]
    assert stutter.cumulative is True


def test_delta_chunks_are_left_alone() -> None:
    stutter = StutterFilter()
    contents = ["Hel", "lo", ", wor", "ld!", "Hel"]
    assert [stutter.delta(c) for c in contents] == contents
    assert stutter.cumulative is False


def test_repeated_equal_delta_is_not_taken_for_stutter() -> None:
    assert deltas(["ha", "ha", "ha"]) == ["ha", "ha", "ha"]


def test_empty_chunks_do_not_decide_the_stutter_mode() -> None:
    assert deltas(["", "Hel", "", "Hello", "Hello!"]) == ["", "Hel", "", "lo", "!"]


def test_cumulative_chunk_that_repeats_the_text_adds_nothing() -> None:
    assert deltas(["Hel", "Hello", "Hello", "Hello!"]) == ["Hel", "lo", "", "!"]


def test_cumulative_rewrite_shows_only_what_goes_past_the_shown_text() -> None:
    # What was shown cannot be taken back: a rewritten snapshot contributes only the characters
    # beyond the length already shown, and a shorter one contributes nothing.
    out = deltas(["Hel", "Hello", "Help me", "Hi", "Help me now"])
    assert out == ["Hel", "lo", "me", "", " now"]
    assert len("".join(out)) == len("Help me now")


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


# --- answer_text (the non-streaming answer) ---------------------------------------------------------------------


def test_final_response_of_a_standard_body() -> None:
    body = b'{"type": "complete", "data": {"final_response": "Hello"}}'
    assert answer_text(body) == "Hello"


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


def test_done_ends_a_raw_text_stream_and_is_not_shown() -> None:
    normalizer = PayloadNormalizer()
    assert normalizer.normalize(frame("Hello")) == Chunk("Hello", None, "")
    assert normalizer.normalize(frame("[DONE]", id="2")) == Complete(None, "2")
    assert normalizer.format == "raw"
