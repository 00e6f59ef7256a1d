"""`PayloadNormalizer` and `answer_text`, property-based.

- Any sequence of server-sent events (any event name, the dialects' own among them; any data:
  JSON of every dialect's shapes with any value anywhere, JSON cut short, nesting deeper than
  `json` goes, numbers of every size, lone surrogate escapes, plain text), for every forced
  format and "auto", gives only None or the five chat event types, each with the id of its
  event, or raises a PARSE `StreamError`; and `answer_text` of any bytes raises nothing.
- `FrameTemplate` reads a frame as a full parse would: for a stream that learned a text frame's
  shape, any frame (the shape with other text and other values in its holes, or the shape with
  any character changed) gives what a normaliser that never saw that shape gives.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from sse_client.errors import StreamError, StreamErrorType
from sse_client.formats import (
    FORMAT_NAMES,
    Chunk,
    Complete,
    ErrorReport,
    Malformed,
    PayloadNormalizer,
    Status,
    answer_text,
)
from sse_client.formats.events import ChatEvent
from sse_client.formats.registry import dialect_named
from sse_client.parser import ServerSentEvent
from tests.unit.strategies import (
    INT_DIGITS,
    examples,
    frame_values,
    json_values,
    on_the_wire,
    server_sent_events,
    shaped,
    texts,
)
from tests.unit.test_fast_lane import DIALECT_WIRES


def assert_well_formed(result: ChatEvent | None, event: ServerSentEvent) -> None:
    """One of the five chat event types, its fields of their declared types, with the SSE id of
    the event it came from."""
    if result is None:
        return
    kind = type(result)
    assert kind in (Chunk, Status, Complete, ErrorReport, Malformed), result
    assert result.id == event.id
    if isinstance(result, Chunk):
        assert isinstance(result.content, str)
        assert result.index is None or (type(result.index) is int and result.index >= 0)
    elif isinstance(result, Status):
        assert isinstance(result.message, str)
        assert result.progress is None or type(result.progress) is float
    elif isinstance(result, Complete):
        assert result.final_response is None or isinstance(result.final_response, str)
    elif isinstance(result, ErrorReport):
        assert isinstance(result.code, str) and isinstance(result.message, str)
    else:
        assert isinstance(result.reason, str) and isinstance(result.data, str)


# Now and then the stream starts again (a reconnect without an id), as `ChatRun` tells it.
RESTART = object()


@pytest.mark.parametrize("format", FORMAT_NAMES)
@examples(1 / len(FORMAT_NAMES))
@given(st.lists(st.one_of(server_sent_events(), server_sent_events(), server_sent_events(), st.just(RESTART)),
                max_size=12))
def test_any_events_give_chat_events_or_a_parse_error(format: str, events: list[Any]) -> None:
    normalizer = PayloadNormalizer(format)
    for event in events:
        if event is RESTART:
            normalizer.restart()
            continue
        try:
            result = normalizer.normalize(event)
        except StreamError as error:
            assert error.type is StreamErrorType.PARSE and not error.retryable
            continue
        assert_well_formed(result, event)
        # What `ChatRun` and `FastLane` ask between events raises nothing either.
        assert normalizer.format is None or normalizer.format in FORMAT_NAMES
        assert isinstance(normalizer.has_end_marker, bool) and isinstance(normalizer.finished, bool)
        assert isinstance(normalizer.stuttering, bool)
        normalizer.frame_shape()
    unreadable = normalizer.unreadable()
    assert unreadable is None or unreadable.type is StreamErrorType.PARSE


# --- answer_text: the body of a non-streaming answer -----------------------------------------------

# Each dialect's whole answer (`Dialect.final_text`), any key of any value.
answers: st.SearchStrategy[Any] = st.one_of(
    shaped({"type": st.just("complete"), "data": shaped({}, {"final_response": texts})}),
    shaped({"choices": st.lists(shaped({"message": shaped({}, {"content": texts, "refusal": texts})},
                                       {"index": st.integers(0, 1)}), max_size=2)}),
    shaped({"object": st.just("response")}, {"status": st.sampled_from(["completed", "failed"]), "output": st.lists(
        shaped({"type": st.just("message"), "content": st.lists(shaped({"type": st.just("output_text"),
                                                                        "text": texts}))}))}),
    shaped({"type": st.just("message"), "content": st.lists(shaped({"type": st.just("text"), "text": texts}))}),
    shaped({"role": st.just("assistant"), "parts": st.lists(shaped({"type": st.just("text"), "text": texts}))}),
    shaped({"generated_text": texts}), st.lists(shaped({"generated_text": texts}), max_size=2),
    shaped({"content": texts, "stop": st.booleans()}),
    shaped({"output": json_values, "metadata": json_values}),
    frame_values,
)


@st.composite
def answer_bodies(draw: st.DrawFn) -> bytes:
    written = json.dumps(draw(answers), ensure_ascii=draw(st.booleans()))
    # JSON bytes may be UTF-8, -16 or -32 (json.loads detects which); a server may cut them short.
    body = written.encode(draw(st.sampled_from(["utf-8", "utf-8", "utf-16", "utf-32-be"])), "surrogatepass")
    return body[: draw(st.integers(0, len(body)))] if draw(st.integers(0, 9)) == 0 else body


@given(st.one_of(answer_bodies(), st.binary(max_size=64),
                 st.integers(1, 3_000).map(lambda depth: b'{"output": ' + b"[" * depth + b"]" * depth + b', "metadata": {}}')),
       st.sampled_from(FORMAT_NAMES))
def test_answer_text_of_any_body_is_text_an_error_or_none(body: bytes, format: str) -> None:
    answer = answer_text(body, format)
    assert answer is None or isinstance(answer, (str, ErrorReport))
    if isinstance(answer, ErrorReport):
        assert isinstance(answer.code, str) and isinstance(answer.message, str)


# --- FrameTemplate: a learned shape reads a frame as a full parse does ---------------------------------


def _text_key(dialect: str) -> str | None:
    forced = dialect_named(dialect)
    return None if forced is None else forced.text_key


def _llamacpp(text: str, n: int) -> str:
    return json.dumps({"index": 0, "content": text, "tokens": [], "stop": False, "id_slot": 0,
                       "tokens_predicted": n, "tokens_evaluated": 7}, ensure_ascii=False)


def _vercel(text: str, n: int) -> str:
    return json.dumps({"type": "text-delta", "id": "txt-0", "delta": text}, separators=(",", ":"), ensure_ascii=False)


# name -> (text frame maker, SSE event name), for every dialect whose text frames are JSON with a
# text key (`Dialect.text_key`): raw text has no template.
TEXT_FRAMES: dict[str, tuple[Callable[[str, int], str], str]] = {
    **{name: (make, event or "message") for name, (make, event, _, _) in DIALECT_WIRES.items()
       if _text_key(name) is not None},
    "llamacpp": (_llamacpp, "message"),
    "vercel": (_vercel, "message"),
}
# What a mutation puts into a frame: JSON's own characters, digits, escapes, controls.
MUTATIONS = ('"', "\\", "{", "}", "[", "]", ",", ":", " ", "0", "1", "9", "-", "+", ".", "e", "E", "n", "u",
             "\\u", "\\ud83d", "\x00", "\x1f", "\n", "\u2028", "é", "null", "true", '""', "01", "1.0", "1e3")


@st.composite
def mutated(draw: st.DrawFn, frame: str) -> str:
    """`frame` with a few characters inserted, deleted or replaced."""
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(frame)))
        cut = draw(st.integers(0, 2))
        frame = frame[:at] + draw(st.sampled_from(MUTATIONS)) * draw(st.integers(0, 1)) + frame[at + cut:]
    return frame


def unlearnable(frame: str, dialect: str) -> str:
    """The same text in a frame whose text key's name occurs once more, inside a key no adapter
    reads: a template cannot be learned from it (the key must occur once), a full parse reads the
    same text. (LangServe's string output becomes a message chunk with that text.)"""
    text_key = _text_key(dialect)
    assert text_key is not None
    value = json.loads(frame)
    if not isinstance(value, dict):
        value = {text_key: value}
    value["zz"] = {text_key: 0}
    return json.dumps(value, ensure_ascii=False)


@st.composite
def text_frames(draw: st.DrawFn, dialect: str) -> tuple[str, str]:
    """(event name, data): a text frame of `dialect` with other text and other values in its
    holes, perhaps mutated, perhaps under another event name."""
    make, event = TEXT_FRAMES[dialect]
    frame = make(draw(texts), draw(st.one_of(st.integers(0, 40), st.integers(-3, 10**20))))
    if draw(st.booleans()):
        frame = draw(mutated(frame))
    if draw(st.integers(0, 9)) == 0:
        event = draw(st.sampled_from(["message", "other", event]))
    return event, on_the_wire(frame)


@pytest.mark.parametrize("dialect", TEXT_FRAMES)
@examples(1 / len(TEXT_FRAMES))
@given(st.data())
def test_a_frame_read_by_the_learned_shape_reads_as_a_full_parse_reads_it(dialect: str, data: st.DataObject) -> None:
    make, event = TEXT_FRAMES[dialect]
    # Two text frames that tell a delta stream (for the dialects that may stutter), neither of a
    # shape that can be learned: a normaliser that reads only them and then a frame parses it.
    opening = [ServerSentEvent(unlearnable(make(text, n), dialect), event) for n, text in enumerate("AB")]
    learned = PayloadNormalizer(dialect)
    for frame in opening:
        learned.normalize(frame)
    frames = data.draw(st.lists(text_frames(dialect), min_size=1, max_size=8), label="frames")
    for name, text in frames:
        frame = ServerSentEvent(text, name, "7")
        reference = PayloadNormalizer(dialect)
        for first in opening:
            reference.normalize(first)
        assert learned.normalize(frame) == reference.normalize(frame), frame


# --- Found by these properties, and fixed (kept as regression tests) -----------------------------------


@pytest.mark.parametrize("format", ["auto", "standard", "anthropic"])
@examples(0.1)
@given(st.one_of(st.lists(json_values, max_size=2), st.dictionaries(texts, json_values, max_size=2)))
@example([])  # raised TypeError (unhashable type) from `value.get("type") in _TYPES` once
def test_a_frame_whose_type_is_an_array_or_object_is_a_malformed_frame_or_nothing(format: str, kind: Any) -> None:
    result = PayloadNormalizer(format).normalize(ServerSentEvent(json.dumps({"type": kind})))
    assert result is None or type(result) is Malformed


@examples(0.1)
@given(st.integers(19, INT_DIGITS + 2_000))
@example(INT_DIGITS + 1)  # raised ValueError from int() in FrameTemplate.match once
def test_a_chunk_index_of_any_length_in_the_learned_shape_is_read_as_a_full_parse_reads_it(length: int) -> None:
    normalizer = PayloadNormalizer()
    normalizer.normalize(ServerSentEvent('{"type": "chunk", "data": {"content": "a", "index": 0}}'))
    frame = ServerSentEvent('{"type": "chunk", "data": {"content": "b", "index": ' + "1" * length + "}}")
    fresh = PayloadNormalizer("standard")
    assert normalizer.normalize(frame) == fresh.normalize(frame)
