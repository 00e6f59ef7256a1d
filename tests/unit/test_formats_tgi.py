"""The Hugging Face text-generation-inference dialect (`formats/tgi.py`), read from frames built
with huggingface_hub's own `TextGenerationStreamOutput` types, written as TGI's router writes
them (`data:{...}` with no space, serde's field order), through the public `PayloadNormalizer`,
detected and forced."""

from __future__ import annotations

import json
from typing import Any

import huggingface_hub as hf
import pytest

from sse_client.classify import sentence
from sse_client.errors import StreamErrorType
from sse_client.formats import Chunk, Complete, ErrorReport, Malformed, PayloadNormalizer
from sse_client.formats.normalizer import answer_text
from tests.unit.dialect_checks import FINISHED, assert_same_at_every_split, classified, read_after, read_frames
from tests.unit.dialect_frames import (
    PIECES,
    REPLY,
    WIRES,
    Wire,
    dump,
    encode,
    frame,
    tgi_error,
    tgi_json,
    tgi_stream,
    tgi_token,
)

T = StreamErrorType
MODES = ["detected", "forced"]


def read(output: hf.TextGenerationStreamOutput | dict[str, Any], mode: str, wire: Wire = "as_sent") -> tuple[Any, PayloadNormalizer]:
    data = frame(tgi_json(output, wire) if isinstance(output, hf.TextGenerationStreamOutput) else output)
    if mode == "detected":
        return read_after(frame(tgi_json(tgi_token(1, "Hi"))), data)
    return read_after(None, data, "tgi")


# --- Text -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("wire", WIRES)
def test_a_tokens_text_is_text(wire: Wire, mode: str) -> None:
    event, normalizer = read(tgi_token(2, " Grüß 你好"), mode, wire)
    assert (event, normalizer.format, normalizer.finished) == (Chunk(" Grüß 你好"), "tgi", False)


def test_top_tokens_beside_the_token_are_not_shown() -> None:
    output = tgi_token(2, " world")
    output.top_tokens = [hf.TextGenerationStreamOutputToken(id=7, logprob=-1.5, special=False, text=" there")]
    event, _ = read(output, "detected")
    assert event == Chunk(" world")


# --- Special tokens: nothing to show, on purpose -------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("wire", WIRES)
@pytest.mark.parametrize("text", ["<|im_start|>", "<|eot_id|>", "</s>", ""])
def test_a_special_token_is_not_shown(text: str, wire: Wire, mode: str) -> None:
    event, normalizer = read(tgi_token(3, text, special=True), mode, wire)
    assert (event, normalizer.format) == (None, "tgi")


def test_a_special_token_as_the_first_frame_shows_the_dialect() -> None:
    event, normalizer = read_after(None, frame(tgi_json(tgi_token(1, "<s>", special=True))))
    assert (event, normalizer.format) == (None, "tgi")


# --- The end: the frame with generated_text ------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("wire", WIRES)
def test_the_end_of_sequence_token_with_the_generated_text_completes_the_reply(wire: Wire, mode: str) -> None:
    event, normalizer = read(tgi_token(9, "</s>", special=True, generated_text=REPLY), mode, wire)
    assert event == Complete(REPLY)
    assert normalizer.has_end_marker is True  # a stream that closes before it was cut


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("wire", WIRES)
def test_a_last_token_of_text_at_the_length_limit_is_shown_and_ends_the_reply(wire: Wire, mode: str) -> None:
    event, normalizer = read(tgi_token(9, " end", generated_text=REPLY, finish_reason="length"), mode, wire)
    assert (event, normalizer.finished) == (Chunk(" end"), True)


# --- Frames of the dialect that cannot be read: a warning, and the stream goes on -----------------

MALFORMED: dict[str, tuple[Any, str]] = {
    "a frame that is not an object": (["Hel"], "a TGI frame that is not an object"),
    "a frame without a token": ({"index": 1, "token": None, "generated_text": None, "details": None},
                                "a TGI frame without a token"),
    "a frame whose token is not an object": ({"index": 1, "token": "Hel", "generated_text": None},
                                             "a TGI frame without a token"),
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", MALFORMED)
def test_a_frame_that_cannot_be_read_is_a_warning_not_text(name: str, mode: str) -> None:
    value, reason = MALFORMED[name]
    data = frame(value)
    opening = frame(tgi_json(tgi_token(1, "Hi"))) if mode == "detected" else None
    event, normalizer = read_after(opening, data, "auto" if mode == "detected" else "tgi")
    assert (event, normalizer.format) == (Malformed(reason, dump(value)), "tgi")


@pytest.mark.parametrize("name", MALFORMED)
def test_the_stream_goes_on_after_a_frame_that_cannot_be_read(name: str) -> None:
    value, reason = MALFORMED[name]
    events, _ = read_frames([frame(tgi_json(tgi_token(1, "Hel"))), frame(value), frame(tgi_json(tgi_token(2, "lo")))])
    assert events == [Chunk("Hel"), Malformed(reason, dump(value)), Chunk("lo")]


# --- Errors ---------------------------------------------------------------------------------------

ERRORS = [
    ("overloaded", "Model is overloaded", T.SERVER, True),
    ("validation", "Input validation error: `inputs` tokens + `max_new_tokens` must be <= 4096.", T.CLIENT, False),
    ("generation", "Request failed during generation: Server error: CUDA out of memory.", T.SERVER, True),
    ("incomplete_generation", "Incomplete generation", T.SERVER, True),
]


@pytest.mark.parametrize("mode", [*MODES, "first frame"])
@pytest.mark.parametrize(("error_type", "message", "kind", "retryable"), ERRORS, ids=[e[0] for e in ERRORS])
def test_error_is_reported_with_its_error_type(error_type: str, message: str, kind: StreamErrorType, retryable: bool,
                                               mode: str) -> None:
    error = tgi_error(error_type, message)
    event, _ = read_after(None, frame(error)) if mode == "first frame" else read(error, mode)
    assert event == ErrorReport(error_type, message)
    failure = classified(event)
    assert (failure.type, failure.retryable, failure.message) == (kind, retryable, sentence(message))  # the provider's words


# --- The non-streaming answer ---------------------------------------------------------------------


@pytest.mark.parametrize("format", ["auto", "tgi"])
def test_answer_text_of_generate_is_the_generated_text(format: str) -> None:
    answer = hf.TextGenerationOutput(generated_text=REPLY, details=None)
    assert answer_text(json.dumps(answer).encode(), format) == REPLY
    assert answer_text(json.dumps([answer]).encode(), format) == REPLY  # some proxies answer a list


def test_answer_text_of_an_error_body_is_the_error() -> None:
    body = json.dumps(tgi_error("validation", "Input validation error")).encode()
    assert answer_text(body) == ErrorReport("validation", "Input validation error")


# --- Detection and whole streams ------------------------------------------------------------------


@pytest.mark.parametrize("wire", WIRES)
def test_dialect_is_detected_from_the_first_frame(wire: Wire) -> None:
    event, normalizer = read_after(None, frame(tgi_json(tgi_token(1, "Hel"), wire)))
    assert (event, normalizer.format) == (Chunk("Hel"), "tgi")


@pytest.mark.parametrize("format", ["auto", "tgi"])
@pytest.mark.parametrize("space", [False, True], ids=["data:{", "data: {"])
@pytest.mark.parametrize("wire", WIRES)
def test_a_whole_stream_reads_the_same_split_at_every_byte(wire: Wire, space: bool, format: str) -> None:
    stream = encode(tgi_stream(wire), space=space)
    assert stream.startswith(b"data: {" if space else b"data:{")
    outcome = assert_same_at_every_split(stream, format)
    assert outcome.events == (*map(Chunk, PIECES), Complete(REPLY))
    assert outcome.format == "tgi"


def test_a_stream_cut_at_the_length_limit_ends_with_its_last_token() -> None:
    frames = [tgi_token(1, "Hel"), tgi_token(2, "lo", generated_text="Hello", finish_reason="length")]
    outcome = assert_same_at_every_split(encode([frame(tgi_json(each)) for each in frames], space=False))
    assert outcome.events == (Chunk("Hel"), Chunk("lo"), FINISHED)
