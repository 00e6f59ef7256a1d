"""The project's own format (`formats/standard.py`, PROTOCOL.md): `{"type": "chunk" | "status" |
"error" | "complete", "data": {...}}`, numbered chunks and a `complete` event that carries the
whole text, read through the public `PayloadNormalizer`. Stutter and the shape the fast lane
reads are in test_normalizer.py, whose examples are mostly in this format."""

from __future__ import annotations

import json
from typing import Any

import pytest

from sse_client.formats import (
    ChatEvent,
    Chunk,
    Complete,
    ErrorReport,
    Malformed,
    PayloadNormalizer,
    Status,
)
from sse_client.formats.normalizer import answer_text
from sse_client.parser import ServerSentEvent
from tests.unit.dialect_checks import assert_same_at_every_split
from tests.unit.dialect_frames import encode


def frame(data: dict[str, Any] | list[Any], *, id: str = "") -> ServerSentEvent:
    return ServerSentEvent(data=json.dumps(data), id=id)


def standard_chunk(content: str, index: int | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"content": content}
    if index is not None:
        data["index"] = index
    return {"type": "chunk", "data": data}


# --- Detection and each event type ----------------------------------------------------------------


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


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"type": "status", "data": {"message": "Working", "progress": True}}, Status("Working", None)),
        ({"type": "status", "data": {"message": "Working", "progress": "50%"}}, Status("Working", None)),
        ({"type": "status", "data": {}}, Status("", None)),
        ({"type": "complete", "data": {"final_response": 5}}, Complete(None)),
        ({"type": "error", "data": {"message": "Slow down"}}, ErrorReport("ERROR", "Slow down")),
        ({"type": "error", "data": {}}, ErrorReport("ERROR", "")),
    ],
    ids=["bool progress", "text progress", "status without message", "final response not text", "error without code",
         "error without anything"],
)
def test_fields_of_another_type_or_missing_take_their_defaults(data: dict[str, Any], expected: ChatEvent) -> None:
    assert PayloadNormalizer("standard").normalize(frame(data)) == expected


# --- Frames that cannot be read: a warning, and the stream goes on --------------------------------


@pytest.mark.parametrize(
    "data",
    [
        {"type": "chunk", "data": {"content": 5, "index": 0}},
        {"type": "chunk", "data": {"index": 0}},
        {"type": "chunk", "data": {"content": "x", "index": "0"}},
        {"type": "chunk", "data": {"content": "x", "index": True}},
        {"type": "chunk", "data": "x"},
        {"type": "ping", "data": {}},
        ["Hi"],
    ],
    ids=["content-not-string", "no-content", "index-string", "index-bool", "data-not-object", "unknown-type",
         "not-an-object"],
)
def test_bad_standard_frame_is_malformed_and_the_stream_goes_on(data: dict[str, Any] | list[Any]) -> None:
    normalizer = PayloadNormalizer()
    assert normalizer.normalize(frame(standard_chunk("Hi", 0))) == Chunk("Hi", 0)
    result = normalizer.normalize(frame(data, id="4"))
    assert isinstance(result, Malformed)
    assert (result.data, result.id) == (json.dumps(data), "4")
    assert normalizer.normalize(frame(standard_chunk("!", 1))) == Chunk("!", 1)


# --- The non-streaming answer ---------------------------------------------------------------------


@pytest.mark.parametrize("format", ["auto", "standard"])
def test_final_response_of_a_standard_body(format: str) -> None:
    body = b'{"type": "complete", "data": {"final_response": "Hello"}}'
    assert answer_text(body, format) == "Hello"


@pytest.mark.parametrize("body", [
    b'["Hello"]', b'{"type": "chunk", "data": {"content": "Hello"}}', b'{"type": "complete", "data": "Hello"}',
    b'{"type": "complete", "data": {"final_response": null}}',
], ids=["not an object", "a chunk", "data not an object", "no final response"])
def test_answer_text_of_anything_but_a_complete_event_with_its_text_is_no_reply(body: bytes) -> None:
    assert answer_text(body, "standard") is None


# --- Whole streams --------------------------------------------------------------------------------


@pytest.mark.parametrize("format", ["auto", "standard"])
def test_a_whole_stream_reads_the_same_split_at_every_byte(format: str) -> None:
    frames = [frame({"type": "status", "data": {"message": "Thinking", "progress": 0.1}}, id="1"),
              frame(standard_chunk("Grüß ", 0), id="2"), frame(standard_chunk("你好", 1), id="3"),
              frame({"type": "complete", "data": {"final_response": "Grüß 你好"}}, id="4")]
    outcome = assert_same_at_every_split(encode(frames), format)
    assert outcome.events == (Status("Thinking", 0.1, "1"), Chunk("Grüß ", 0, "2"), Chunk("你好", 1, "3"),
                              Complete("Grüß 你好", "4"))
    assert (outcome.format, outcome.last_event_id) == ("standard", "4")
