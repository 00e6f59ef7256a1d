"""Raw text (`formats/raw.py`): each frame's data is the next piece of the reply as it is; no end
event but the stream's close or a `[DONE]`. Read through the public `PayloadNormalizer`; how a
stream is found to be raw (not JSON, a JSON scalar, blank frames first) is in test_normalizer.py."""

from __future__ import annotations

import json

import pytest

from sse_client.formats import Chunk, Complete, PayloadNormalizer
from sse_client.parser import ServerSentEvent
from tests.unit.dialect_checks import assert_same_at_every_split
from tests.unit.dialect_frames import encode


def frame(data: str, *, id: str = "") -> ServerSentEvent:
    return ServerSentEvent(data=data, id=id)


def test_raw_text_is_detected_from_a_frame_that_is_not_json() -> None:
    normalizer = PayloadNormalizer()
    assert normalizer.normalize(frame("Hello", id="5")) == Chunk("Hello", None, "5")
    assert normalizer.format == "raw"
    assert normalizer.has_end_marker is False  # a raw stream that closes has ended


def test_raw_text_keeps_multi_line_data() -> None:
    normalizer = PayloadNormalizer()
    assert [normalizer.normalize(frame(data)) for data in ["line one\nline two", "\nline three"]] == [
        Chunk("line one\nline two"),
        Chunk("\nline three"),
    ]


def test_raw_stream_keeps_json_looking_frames_as_text() -> None:
    normalizer = PayloadNormalizer()
    later = json.dumps({"type": "chunk", "data": {"content": "x", "index": 0}})
    assert [normalizer.normalize(frame(data)) for data in ["Here is JSON: ", later]] == [
        Chunk("Here is JSON: "), Chunk(later)]
    assert normalizer.format == "raw"


def test_a_forced_raw_stream_shows_json_as_text() -> None:
    assert PayloadNormalizer("raw").normalize(frame('{"chunk": "Hi"}')) == Chunk('{"chunk": "Hi"}')


def test_done_ends_a_raw_text_stream_and_is_not_shown() -> None:
    normalizer = PayloadNormalizer()
    assert normalizer.normalize(frame("Hello")) == Chunk("Hello", None, "")
    assert normalizer.normalize(frame("[DONE]", id="2")) == Complete(None, "2")
    assert normalizer.format == "raw"


@pytest.mark.parametrize("format", ["auto", "raw"])
def test_a_whole_stream_reads_the_same_split_at_every_byte(format: str) -> None:
    outcome = assert_same_at_every_split(encode([frame("Grüß "), frame("你好\n🚀"), frame("[DONE]")]), format)
    assert outcome.events == (Chunk("Grüß "), Chunk("你好\n🚀"), Complete())
    assert outcome.format == "raw"
