"""The LangServe dialect (`formats/langserve.py`), through the public `PayloadNormalizer`: detected
by its SSE event names (`metadata`, `data`, `end`) and by bare JSON string frames, and forced.
LangServe has no wire types of its own: the frames are written from its server's source
(langserve/api_handler.py, served by sse_starlette with CRLF line ends), as
`tests/unit/dialect_frames.py` notes."""

from __future__ import annotations

from typing import Any

import pytest

from sse_client.classify import sentence
from sse_client.errors import StreamErrorType
from sse_client.formats import Chunk, Complete, ErrorReport, PayloadNormalizer
from sse_client.formats.normalizer import answer_text
from sse_client.parser import EventStreamParser, ServerSentEvent
from tests.unit.dialect_checks import assert_same_at_every_split, classified, read_after, read_frames
from tests.unit.dialect_frames import (
    LANGSERVE_END,
    LANGSERVE_METADATA,
    PIECES,
    REPLY,
    dump,
    encode,
    frame,
    langserve_error,
    langserve_message_chunk,
    langserve_stream,
)

T = StreamErrorType
MODES = ["detected", "forced"]


def read(event: ServerSentEvent, mode: str) -> tuple[Any, PayloadNormalizer]:
    if mode == "detected":
        return read_after(LANGSERVE_METADATA, event)
    return read_after(None, event, "langserve")


# --- Text -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_a_string_chunk_is_its_decoded_text(mode: str) -> None:
    event, normalizer = read(frame('Grüß "你好"\n', event="data"), mode)
    assert (event, normalizer.format) == (Chunk('Grüß "你好"\n'), "langserve")


@pytest.mark.parametrize("mode", MODES)
def test_a_message_chunks_string_content_is_text(mode: str) -> None:
    event, _ = read(frame(langserve_message_chunk("Grüß"), event="data"), mode)
    assert event == Chunk("Grüß")


def test_a_message_chunks_content_blocks_give_their_text() -> None:
    content = [{"type": "text", "text": "Hel", "index": 0}, {"type": "tool_use", "id": "toolu_01", "input": {}},
               "lo", {"type": "thinking", "thinking": "Hmm."}]
    event, _ = read(frame(langserve_message_chunk(content), event="data"), "detected")
    assert event == Chunk("Hello")


# --- Frames with nothing to show, on purpose ------------------------------------------------------

NOTHING_TO_SHOW: dict[str, ServerSentEvent] = {
    "metadata": LANGSERVE_METADATA,
    "empty string chunk": frame("", event="data"),
    "message chunk with empty content (a tool call)": frame(langserve_message_chunk(""), event="data"),
    "message chunk with only non-text blocks": frame(langserve_message_chunk([{"type": "tool_use", "id": "t1"}]), event="data"),
    "message chunk without content": frame({**langserve_message_chunk(""), "content": None}, event="data"),
    "an output that is not text (a JSON parser's object)": frame({"answer": 42}, event="data"),
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", NOTHING_TO_SHOW)
def test_frame_with_nothing_to_show_gives_none_not_a_warning(name: str, mode: str) -> None:
    event, normalizer = read(NOTHING_TO_SHOW[name], mode)
    assert (event, normalizer.format) == (None, "langserve")


# --- The end --------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", [*MODES, "first frame"])
def test_the_end_event_without_data_completes_the_reply(mode: str) -> None:
    (end,) = EventStreamParser(named_without_data=True).feed(LANGSERVE_END)  # as the chat's parser reads it
    event, normalizer = read_after(None, end) if mode == "first frame" else read(end, mode)
    assert (event, normalizer.format) == (Complete(), "langserve")


@pytest.mark.parametrize("mode", MODES)
def test_an_end_event_sent_with_data_completes_the_reply(mode: str) -> None:
    assert read(ServerSentEvent("{}", "end"), mode)[0] == Complete()


def test_a_stream_that_closes_before_its_end_event_was_cut() -> None:
    _, normalizer = read_frames([LANGSERVE_METADATA, frame("Hi", event="data")])
    assert normalizer.has_end_marker is True


# --- Errors ---------------------------------------------------------------------------------------

ERRORS = [
    (500, "Internal Server Error", T.SERVER, True),
    (429, "Too Many Requests", T.RATE_LIMITED, True),
    (422, "[{'type': 'missing', 'loc': ('body', 'input'), 'msg': 'Field required'}]", T.CLIENT, False),
]


@pytest.mark.parametrize("mode", [*MODES, "first frame"])
@pytest.mark.parametrize(("status", "message", "kind", "retryable"), ERRORS, ids=[str(e[0]) for e in ERRORS])
def test_error_event_is_reported_with_its_status_code(status: int, message: str, kind: StreamErrorType,
                                                      retryable: bool, mode: str) -> None:
    error = langserve_error(status, message)
    event, _ = read_after(None, error) if mode == "first frame" else read(error, mode)
    assert event == ErrorReport(str(status), message)
    failure = classified(event)
    assert (failure.type, failure.retryable, failure.message) == (kind, retryable, sentence(message))  # the provider's words


# --- The non-streaming answer (/invoke) -----------------------------------------------------------


@pytest.mark.parametrize("format", ["auto", "langserve"])
@pytest.mark.parametrize("output", [REPLY, {**langserve_message_chunk(REPLY), "type": "ai"}], ids=["string", "AIMessage"])
def test_answer_text_of_invoke_is_its_output(output: Any, format: str) -> None:
    body = {"output": output, "metadata": {"run_id": "0b8a7c1e-3f5d-4a2b-9c6e-1d2f3a4b5c6d", "feedback_tokens": []}}
    assert answer_text(dump(body).encode(), format) == REPLY


def test_answer_text_of_a_fastapi_error_body_is_the_error() -> None:
    assert answer_text(b'{"detail": "Not Found"}') == ErrorReport("ERROR", "Not Found")


# --- Detection and whole streams ------------------------------------------------------------------


@pytest.mark.parametrize("first", [LANGSERVE_METADATA, frame("Hel", event="data"), frame(langserve_message_chunk("Hel"), event="data")],
                         ids=["event: metadata", "event: data (string)", "event: data (message chunk)"])
def test_dialect_is_detected_by_its_event_names(first: ServerSentEvent) -> None:
    _, normalizer = read_after(None, first)
    assert normalizer.format == "langserve"


def test_a_message_chunk_is_read_as_langserve_only_under_its_event_name() -> None:
    # The same data without the name matches no dialect: it is not shown as anything.
    event, normalizer = read_after(None, frame(langserve_message_chunk("Hel")))
    assert (event, normalizer.format) == (None, None)


def test_bare_json_string_frames_are_detected_as_langserve() -> None:
    events, normalizer = read_frames([frame(piece) for piece in PIECES])
    assert events == list(map(Chunk, PIECES))
    assert normalizer.format == "langserve"


@pytest.mark.parametrize("format", ["auto", "langserve"])
@pytest.mark.parametrize("messages", [False, True], ids=["string chunks", "message chunks"])
def test_a_whole_stream_reads_the_same_split_at_every_byte(messages: bool, format: str) -> None:
    stream = encode(langserve_stream(messages=messages), eol="\r\n")
    outcome = assert_same_at_every_split(stream, format)
    assert outcome.events == (*map(Chunk, PIECES), Complete())
    assert (outcome.text, outcome.format) == (REPLY, "langserve")


def test_an_error_mid_stream_follows_the_text_shown() -> None:
    stream = encode([LANGSERVE_METADATA, frame("Hel", event="data"), langserve_error(500, "Internal Server Error")], eol="\r\n")
    outcome = assert_same_at_every_split(stream)
    assert outcome.events == (Chunk("Hel"), ErrorReport("500", "Internal Server Error"))
