"""The Google Gemini dialect (`formats/gemini.py`), read from frames built with google-genai's own
`GenerateContentResponse`, `Candidate`, `Content` and `Part`, serialised as Google's servers
write them (camelCase, unset fields left out), through the public `PayloadNormalizer`, detected
and forced. Gemini has no end event: the frame whose candidate has a `finishReason` ends the
reply (`normalizer.finished`)."""

from __future__ import annotations

from typing import Any

import pytest
from google.genai import types as gem

from sse_client.classify import sentence
from sse_client.errors import StreamErrorType
from sse_client.formats import Chunk, ErrorReport, Malformed, PayloadNormalizer
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
    gemini,
    gemini_error,
    gemini_stream,
    gemini_text,
    gemini_wire,
)

T = StreamErrorType
MODES = ["detected", "forced"]


def read(value: Any, mode: str, wire: Wire = "as_sent") -> tuple[Any, PayloadNormalizer]:
    data = frame(value, gemini_wire(wire))
    if mode == "detected":
        return read_after(frame(gemini_text("Hi")), data)
    return read_after(None, data, "gemini")


# --- Text -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("wire", WIRES)
def test_text_parts_of_the_first_candidate_are_text(wire: Wire, mode: str) -> None:
    event, normalizer = read(gemini(gem.Part(text="Grüß "), gem.Part(text="你好")), mode, wire)
    assert (event, normalizer.format, normalizer.finished) == (Chunk("Grüß 你好"), "gemini", False)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("wire", WIRES)
def test_thought_parts_are_not_shown(wire: Wire, mode: str) -> None:
    event, _ = read(gemini(gem.Part(text="**Planning** the answer", thought=True), gem.Part(text="Hi")), mode, wire)
    assert event == Chunk("Hi")


def test_text_with_a_thought_signature_is_text() -> None:
    event, _ = read(gemini(gem.Part(text="Hi", thought_signature=b"\x12\x34signature")), "detected")
    assert event == Chunk("Hi")


# --- Frames with nothing to show, on purpose ----------------------------------------------------

NOTHING_TO_SHOW: dict[str, Any] = {
    "thought part": gemini(gem.Part(text="**Planning** the answer", thought=True)),
    "thought signature only": gemini(gem.Part(thought_signature=b"\x12\x34signature")),
    "function call part": gemini(gem.Part(function_call=gem.FunctionCall(name="get_weather", args={"city": "Paris"}))),
    "empty text part": gemini_text(""),
    "usage metadata only": gem.GenerateContentResponse(
        usage_metadata=gem.GenerateContentResponseUsageMetadata(prompt_token_count=8, total_token_count=8)),
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("wire", WIRES)
@pytest.mark.parametrize("name", NOTHING_TO_SHOW)
def test_frame_with_nothing_to_show_gives_none_not_a_warning(name: str, wire: Wire, mode: str) -> None:
    event, normalizer = read(NOTHING_TO_SHOW[name], mode, wire)
    assert (event, normalizer.format, normalizer.finished) == (None, "gemini", False)


@pytest.mark.parametrize("name", [name for name in NOTHING_TO_SHOW if name != "usage metadata only"])
def test_frame_with_nothing_to_show_as_the_first_frame_shows_the_dialect(name: str) -> None:
    event, normalizer = read_after(None, frame(NOTHING_TO_SHOW[name], "no_nulls"))
    assert (event, normalizer.format) == (None, "gemini")


# --- The end: a finishReason --------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("wire", WIRES)
@pytest.mark.parametrize("reason", [gem.FinishReason.STOP, gem.FinishReason.MAX_TOKENS, gem.FinishReason.SAFETY])
def test_a_finish_reason_beside_the_last_text_shows_it_and_ends_the_reply(reason: gem.FinishReason, wire: Wire, mode: str) -> None:
    event, normalizer = read(gemini_text("end.", reason), mode, wire)
    assert (event, normalizer.finished) == (Chunk("end."), True)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("wire", WIRES)
def test_a_finish_reason_without_text_ends_the_reply(wire: Wire, mode: str) -> None:
    last = gem.GenerateContentResponse(candidates=[gem.Candidate(content=gem.Content(role="model"),
                                                                 finish_reason=gem.FinishReason.STOP, index=0)])
    event, normalizer = read(last, mode, wire)
    assert (event, normalizer.finished) == (None, True)


def test_a_stream_that_closes_before_a_finish_reason_was_cut() -> None:
    _, normalizer = read_frames([frame(gemini_text("Hel"), "no_nulls")])
    assert (normalizer.finished, normalizer.has_end_marker) == (False, True)


# --- Frames of the dialect that cannot be read: a warning, and the stream goes on -----------------

MALFORMED: dict[str, tuple[Any, str]] = {
    "a frame that is not an object": (["Hel"], "a Gemini frame that is not an object"),
    "a string frame": ("Hel", "a Gemini frame that is not an object"),
    "a candidate that is not an object": ({"candidates": ["Hel"]}, "a Gemini candidate that is not an object"),
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", MALFORMED)
def test_a_frame_that_cannot_be_read_is_a_warning_not_text(name: str, mode: str) -> None:
    value, reason = MALFORMED[name]
    event, normalizer = read(value, mode)
    assert (event, normalizer.format) == (Malformed(reason, dump(value)), "gemini")


@pytest.mark.parametrize("name", MALFORMED)
def test_the_stream_goes_on_after_a_frame_that_cannot_be_read(name: str) -> None:
    value, reason = MALFORMED[name]
    events, _ = read_frames([frame(gemini_text("Hel")), frame(value), frame(gemini_text("lo"))])
    assert events == [Chunk("Hel"), Malformed(reason, dump(value)), Chunk("lo")]


# --- Errors ---------------------------------------------------------------------------------------

ERRORS = [
    (429, "RESOURCE_EXHAUSTED", "Resource has been exhausted (e.g. check quota).", T.RATE_LIMITED, True),
    (401, "UNAUTHENTICATED", "Request had invalid authentication credentials.", T.AUTH, False),
    (403, "PERMISSION_DENIED", "Method doesn't allow unregistered callers.", T.AUTH, False),
    (400, "INVALID_ARGUMENT", "Request contains an invalid argument.", T.CLIENT, False),
    (400, "FAILED_PRECONDITION", "User location is not supported for the API use.", T.CLIENT, False),
    (404, "NOT_FOUND", "models/gemini-9 is not found.", T.CLIENT, False),
    (500, "INTERNAL", "An internal error has occurred.", T.SERVER, True),
    (503, "UNAVAILABLE", "The model is overloaded. Please try again later.", T.SERVER, True),
    (504, "DEADLINE_EXCEEDED", "Deadline expired before operation could complete.", T.TIMEOUT, True),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("code", "status", "message", "kind", "retryable"), ERRORS, ids=[e[1] for e in ERRORS])
def test_error_is_reported_with_its_status(code: int, status: str, message: str, kind: StreamErrorType,
                                           retryable: bool, mode: str) -> None:
    event, _ = read(gemini_error(code, status, message), mode)
    assert event == ErrorReport(status, message)
    failure = classified(event)
    assert (failure.type, failure.retryable, failure.message) == (kind, retryable, sentence(message))  # the provider's words


def test_error_as_the_first_frame_is_reported() -> None:
    event, _ = read_after(None, frame(gemini_error(429, "RESOURCE_EXHAUSTED", "Quota exceeded.")))
    assert event == ErrorReport("RESOURCE_EXHAUSTED", "Quota exceeded.")


BLOCKED = gem.GenerateContentResponse(
    prompt_feedback=gem.GenerateContentResponsePromptFeedback(block_reason=gem.BlockedReason.PROHIBITED_CONTENT),
    usage_metadata=gem.GenerateContentResponseUsageMetadata(prompt_token_count=8, total_token_count=8))


@pytest.mark.parametrize("mode", [*MODES, "first frame"])
@pytest.mark.parametrize("wire", WIRES)
def test_a_blocked_prompt_is_a_client_error(wire: Wire, mode: str) -> None:
    if mode == "first frame":
        event, normalizer = read_after(None, frame(BLOCKED, gemini_wire(wire)))
    else:
        event, normalizer = read(BLOCKED, mode, wire)
    assert isinstance(event, ErrorReport) and event.code == "prompt_blocked"
    assert "PROHIBITED_CONTENT" in event.message
    assert (classified(event).type, classified(event).retryable) == (T.CLIENT, False)
    assert normalizer.format == "gemini"


# --- The non-streaming answer ---------------------------------------------------------------------


@pytest.mark.parametrize("format", ["auto", "gemini"])
@pytest.mark.parametrize("wire", WIRES)
def test_answer_text_of_a_response_is_its_first_candidates_text(wire: Wire, format: str) -> None:
    answer = gemini(gem.Part(text="Thinking...", thought=True), gem.Part(text=REPLY[:5]), gem.Part(text=REPLY[5:]),
                    finish=gem.FinishReason.STOP)
    assert answer_text(dump(answer, gemini_wire(wire)).encode(), format) == REPLY


def test_answer_text_of_an_error_body_is_the_error() -> None:
    body = dump(gemini_error(503, "UNAVAILABLE", "The model is overloaded.")).encode()
    assert answer_text(body) == ErrorReport("UNAVAILABLE", "The model is overloaded.")


# --- Detection and whole streams ------------------------------------------------------------------


@pytest.mark.parametrize("wire", WIRES)
def test_dialect_is_detected_from_the_first_frame(wire: Wire) -> None:
    event, normalizer = read_after(None, frame(gemini_text("Hel"), gemini_wire(wire)))
    assert (event, normalizer.format) == (Chunk("Hel"), "gemini")


@pytest.mark.parametrize("format", ["auto", "gemini"])
@pytest.mark.parametrize("eol", ["\n", "\r\n"])
@pytest.mark.parametrize("wire", WIRES)
def test_a_whole_stream_reads_the_same_split_at_every_byte(wire: Wire, eol: str, format: str) -> None:
    outcome = assert_same_at_every_split(encode(gemini_stream(wire), eol=eol), format)
    assert outcome.events == (*map(Chunk, PIECES), FINISHED)
    assert (outcome.text, outcome.format) == (REPLY, "gemini")



@pytest.mark.parametrize("format", ["auto", "gemini"])
@pytest.mark.parametrize("wire", WIRES)
def test_answer_text_of_a_blocked_prompt_is_its_client_error_not_a_missing_reply(wire: Wire, format: str) -> None:
    answer = answer_text(dump(BLOCKED, gemini_wire(wire)).encode(), format)
    assert isinstance(answer, ErrorReport) and answer.code == "prompt_blocked"
    assert (classified(answer).type, classified(answer).retryable) == (T.CLIENT, False)
