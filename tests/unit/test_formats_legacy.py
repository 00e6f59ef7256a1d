"""Legacy JSON (`formats/legacy.py`): `{"chunk": "text"}`, or `{"chunk": "text", "type":
"status"}` for progress, with no end event (the stream simply ends), read through the public
`PayloadNormalizer`."""

from __future__ import annotations

import json
from typing import Any

import pytest

from sse_client.formats import Chunk, Malformed, PayloadNormalizer, Status
from sse_client.parser import ServerSentEvent
from tests.unit.dialect_checks import assert_same_at_every_split
from tests.unit.dialect_frames import encode


def frame(data: dict[str, Any] | list[Any], *, id: str = "") -> ServerSentEvent:
    return ServerSentEvent(data=json.dumps(data), id=id)


def test_legacy_json_is_detected_from_a_chunk() -> None:
    normalizer = PayloadNormalizer()
    assert normalizer.normalize(frame({"chunk": "Hel"}, id="3")) == Chunk("Hel", None, "3")
    assert normalizer.format == "legacy"
    assert normalizer.has_end_marker is False  # a legacy stream that closes has ended
    assert normalizer.normalize(frame({"chunk": "lo"})) == Chunk("lo")


def test_legacy_status_is_a_status_not_a_standard_event() -> None:
    # {"type": "status"} without a "data" object is the legacy shape, not the standard one.
    normalizer = PayloadNormalizer()
    assert normalizer.normalize(frame({"chunk": "Thinking...", "type": "status"})) == Status("Thinking...")
    assert normalizer.format == "legacy"
    assert normalizer.normalize(frame({"chunk": "Hi"})) == Chunk("Hi")


@pytest.mark.parametrize("data", [{"chunk": None}, {"chunk": 5}, {"text": "Hi"}, ["Hi"]],
                         ids=["chunk null", "chunk a number", "no chunk", "not an object"])
def test_a_frame_without_a_text_chunk_is_malformed_and_the_stream_goes_on(data: dict[str, Any] | list[Any]) -> None:
    normalizer = PayloadNormalizer()
    normalizer.normalize(frame({"chunk": "Hi"}))
    assert normalizer.normalize(frame(data, id="2")) == Malformed("a legacy frame without a chunk", json.dumps(data), "2")
    assert normalizer.normalize(frame({"chunk": "!"})) == Chunk("!")


@pytest.mark.parametrize("format", ["auto", "legacy"])
def test_a_whole_stream_reads_the_same_split_at_every_byte(format: str) -> None:
    frames = [frame({"chunk": "Thinking", "type": "status"}), frame({"chunk": "Grüß "}), frame({"chunk": "你好 🚀"})]
    outcome = assert_same_at_every_split(encode(frames), format)
    assert outcome.events == (Status("Thinking"), Chunk("Grüß "), Chunk("你好 🚀"))
    assert outcome.format == "legacy"
