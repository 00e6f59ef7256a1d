"""The llama.cpp server's `/completion` dialect (`formats/llama_cpp.py`), through the public
`PayloadNormalizer`, detected and forced. llama.cpp has no Python types: the frames are written
from its server's documentation (tools/server/README.md: "POST /completion", streaming mode,
and its error format), as `tests/unit/dialect_frames.py` notes."""

from __future__ import annotations

from typing import Any

import pytest

from sse_client.classify import sentence
from sse_client.errors import StreamErrorType
from sse_client.formats import Chunk, Complete, ErrorReport, Malformed, PayloadNormalizer
from sse_client.formats.normalizer import answer_text
from tests.unit.dialect_checks import FINISHED, assert_same_at_every_split, classified, read_after, read_frames
from tests.unit.dialect_frames import (
    PIECES,
    REPLY,
    dump,
    encode,
    frame,
    llama_error,
    llama_stop,
    llama_stream,
    llama_token,
)

T = StreamErrorType
MODES = ["detected", "forced"]


def read(value: dict[str, Any], mode: str) -> tuple[Any, PayloadNormalizer]:
    if mode == "detected":
        return read_after(frame(llama_token("Hi")), frame(value))
    return read_after(None, frame(value), "llamacpp")


# --- Text, and tokens with nothing to show ---------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_content_is_text(mode: str) -> None:
    event, normalizer = read(llama_token("Grüß 你好", 2), mode)
    assert (event, normalizer.format, normalizer.finished) == (Chunk("Grüß 你好"), "llamacpp", False)


@pytest.mark.parametrize("mode", MODES)
def test_a_token_with_empty_content_gives_none_not_a_warning(mode: str) -> None:
    # An incomplete UTF-8 sequence is held back by the server: the frame's content is empty.
    event, normalizer = read(llama_token("", 3), mode)
    assert (event, normalizer.format) == (None, "llamacpp")


def test_probabilities_beside_the_content_are_not_shown() -> None:
    token = {**llama_token(" world"), "completion_probabilities": [
        {"id": 1917, "token": " world", "logprob": -0.01, "top_logprobs": [{"id": 1917, "token": " world", "logprob": -0.01}]}]}
    assert read(token, "detected")[0] == Chunk(" world")


# --- The end: "stop": true -------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("stop_type", ["eos", "word", "limit"])
def test_the_stop_frame_completes_the_reply(stop_type: str, mode: str) -> None:
    event, normalizer = read(llama_stop(stop_type=stop_type), mode)
    assert event == Complete()
    assert normalizer.has_end_marker is True  # a stream that closes before it was cut


@pytest.mark.parametrize("mode", MODES)
def test_a_stop_frame_with_content_shows_it_and_ends_the_reply(mode: str) -> None:
    event, normalizer = read(llama_stop(" end", "limit"), mode)
    assert (event, normalizer.finished) == (Chunk(" end"), True)


# --- Frames of the dialect that cannot be read: a warning, and the stream goes on -----------------

MALFORMED: dict[str, tuple[Any, str]] = {
    "a frame that is not an object": (["Hel"], "a llama.cpp frame that is not an object"),
    "a frame without content": ({"index": 0, "tokens": [], "stop": False}, "a llama.cpp frame without content"),
    "a frame whose content is not a string": ({**llama_token("Hel"), "content": None}, "a llama.cpp frame without content"),
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", MALFORMED)
def test_a_frame_that_cannot_be_read_is_a_warning_not_text(name: str, mode: str) -> None:
    value, reason = MALFORMED[name]
    event, normalizer = read(value, mode)
    assert (event, normalizer.format) == (Malformed(reason, dump(value)), "llamacpp")


@pytest.mark.parametrize("name", MALFORMED)
def test_the_stream_goes_on_after_a_frame_that_cannot_be_read(name: str) -> None:
    value, reason = MALFORMED[name]
    events, _ = read_frames([frame(llama_token("Hel")), frame(value), frame(llama_token("lo")), frame(llama_stop())])
    assert events == [Chunk("Hel"), Malformed(reason, dump(value)), Chunk("lo"), Complete()]


# --- Errors ---------------------------------------------------------------------------------------

ERRORS = [
    (400, "invalid_request_error", "Invalid request", T.CLIENT, False),
    (400, "exceed_context_size_error", "the request exceeds the available context size", T.CLIENT, False),
    (401, "authentication_error", "Invalid API Key", T.AUTH, False),
    (404, "not_found_error", "File Not Found", T.CLIENT, False),
    (500, "server_error", "Internal Server Error", T.SERVER, True),
    (501, "not_supported_error", "This server does not support embeddings.", T.SERVER, False),
    (503, "unavailable_error", "Loading model", T.SERVER, True),
]


@pytest.mark.parametrize("mode", [*MODES, "first frame"])
@pytest.mark.parametrize(("code", "type", "message", "kind", "retryable"), ERRORS, ids=[e[1] for e in ERRORS])
def test_error_is_reported_with_its_http_code(code: int, type: str, message: str, kind: StreamErrorType,
                                              retryable: bool, mode: str) -> None:
    error = llama_error(code, type, message)
    event, _ = read_after(None, frame(error)) if mode == "first frame" else read(error, mode)
    assert event == ErrorReport(str(code), message)
    failure = classified(event)
    assert (failure.type, failure.retryable, failure.message) == (kind, retryable, sentence(message))  # the provider's words


# --- The non-streaming answer ---------------------------------------------------------------------


@pytest.mark.parametrize("format", ["auto", "llamacpp"])
def test_answer_text_of_a_completion_is_its_content(format: str) -> None:
    assert answer_text(dump(llama_stop(REPLY)).encode(), format) == REPLY


@pytest.mark.parametrize("body", [{"content": REPLY}, {"content": None, "stop": True}, [REPLY]],
                         ids=["without stop", "without content", "not an object"])
def test_answer_text_of_anything_but_a_completion_is_no_reply(body: Any) -> None:
    assert answer_text(dump(body).encode(), "llamacpp") is None


# --- Detection and whole streams ------------------------------------------------------------------


def test_dialect_is_detected_from_the_first_frame() -> None:
    event, normalizer = read_after(None, frame(llama_token("Hel")))
    assert (event, normalizer.format) == (Chunk("Hel"), "llamacpp")


@pytest.mark.parametrize("format", ["auto", "llamacpp"])
def test_a_whole_stream_reads_the_same_split_at_every_byte(format: str) -> None:
    outcome = assert_same_at_every_split(encode(llama_stream()), format)
    assert outcome.events == (*map(Chunk, PIECES), Complete())
    assert (outcome.text, outcome.format) == (REPLY, "llamacpp")


def test_a_stream_whose_stop_frame_carries_text_ends_with_it() -> None:
    outcome = assert_same_at_every_split(encode([frame(llama_token("Hel")), frame(llama_stop("lo", "limit"))]))
    assert outcome.events == (Chunk("Hel"), Chunk("lo"), FINISHED)


def test_an_error_mid_stream_follows_the_text_shown() -> None:
    events, _ = read_frames([frame(llama_token("Hel")), frame(llama_error(500, "server_error", "boom"))])
    assert events == [Chunk("Hel"), ErrorReport("500", "boom")]
