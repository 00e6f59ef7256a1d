"""The OpenAI Chat Completions dialect (`formats/openai_chat.py`), read from chunks built with the
openai SDK's own `ChatCompletionChunk` (and Azure's content-filter chunks, which the SDK has no
type for), through the public `PayloadNormalizer`, detected and forced."""

from __future__ import annotations

from typing import Any

import pytest
from openai.types.chat import chat_completion_chunk as oai_chunk

from sse_client.classify import sentence
from sse_client.errors import StreamErrorType
from sse_client.formats import Chunk, Complete, ErrorReport, Malformed, PayloadNormalizer
from sse_client.formats.normalizer import answer_text
from sse_client.parser import ServerSentEvent
from tests.unit.dialect_checks import assert_same_at_every_split, classified, read_after, read_frames
from tests.unit.dialect_frames import (
    AZURE_CONTENT_FILTER,
    AZURE_PROMPT_FILTER,
    DONE,
    PIECES,
    REPLY,
    WIRES,
    Wire,
    chat_chunk,
    chat_completion,
    chat_moderation,
    chat_refusal,
    chat_role,
    chat_stream,
    chat_text,
    chat_tool_call,
    chat_usage,
    dump,
    encode,
    frame,
    openai_error,
)

T = StreamErrorType
MODES = ["detected", "forced"]


def read(data: ServerSentEvent, mode: str) -> tuple[Any, PayloadNormalizer]:
    """`data` read after the role chunk that opens every stream (detected), or as the first
    frame of a normaliser told the dialect (forced)."""
    if mode == "detected":
        return read_after(frame(chat_role()), data)
    return read_after(None, data, "openai")


# --- Text -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("wire", WIRES)
def test_content_delta_is_text(wire: Wire, mode: str) -> None:
    event, normalizer = read(frame(chat_text("Grüß 你好"), wire), mode)
    assert event == Chunk("Grüß 你好")
    assert normalizer.format == "openai"


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("wire", WIRES)
def test_refusal_delta_is_shown_as_text(wire: Wire, mode: str) -> None:
    event, _ = read(frame(chat_refusal("I'm sorry, I can't help with that."), wire), mode)
    assert event == Chunk("I'm sorry, I can't help with that.")


def test_a_refusal_stream_shows_the_refusal_in_order() -> None:
    opening = chat_chunk(oai_chunk.ChoiceDelta(role="assistant", content=None, refusal=""))
    events, _ = read_frames([frame(opening), frame(chat_refusal("I'm sorry")), frame(chat_refusal(", no.")), DONE])
    assert events == [None, Chunk("I'm sorry"), Chunk(", no."), Complete()]


# --- Frames with nothing to show, on purpose ------------------------------------------------------

NOTHING_TO_SHOW: dict[str, Any] = {
    "role-only first delta": chat_role(),
    "refusal opening (content null, refusal empty)": chat_chunk(oai_chunk.ChoiceDelta(role="assistant", content=None, refusal="")),
    "tool-call first delta": chat_tool_call("", first=True),
    "tool-call arguments delta": chat_tool_call('{"location": "Paris"}'),
    "function-call delta (deprecated)": chat_chunk(oai_chunk.ChoiceDelta(
        function_call=oai_chunk.ChoiceDeltaFunctionCall(name="get_weather", arguments='{"loc'))),
    "reasoning_content delta (DeepSeek, vLLM)": chat_chunk(oai_chunk.ChoiceDelta.model_validate({"content": None, "reasoning_content": "Let me think"})),
    "reasoning delta (OpenRouter, Ollama)": chat_chunk(oai_chunk.ChoiceDelta.model_validate({"reasoning": "Let me think"})),
    "finish chunk": chat_chunk(finish_reason="stop"),
    "finish chunk at the length limit": chat_chunk(finish_reason="length"),
    "usage chunk (no choices)": chat_usage(),
    "moderation chunk (no choices)": chat_moderation(),
    "another choice's text (n=2)": chat_chunk(choices=[oai_chunk.Choice(
        index=1, delta=oai_chunk.ChoiceDelta(content="the other reply"), logprobs=None, finish_reason=None)]),
    "Azure prompt filter results (choices [])": AZURE_PROMPT_FILTER,
    "Azure content filter results (no delta)": AZURE_CONTENT_FILTER,
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("wire", WIRES)
@pytest.mark.parametrize("name", NOTHING_TO_SHOW)
def test_frame_with_nothing_to_show_gives_none_not_a_warning(name: str, wire: Wire, mode: str) -> None:
    event, normalizer = read(frame(NOTHING_TO_SHOW[name], wire), mode)
    assert event is None
    assert normalizer.format == "openai"


@pytest.mark.parametrize("name", NOTHING_TO_SHOW)
def test_frame_with_nothing_to_show_as_the_first_frame_shows_the_dialect(name: str) -> None:
    event, normalizer = read_after(None, frame(NOTHING_TO_SHOW[name]))
    assert event is None
    assert normalizer.format == "openai"


def test_the_text_of_choice_0_is_read_whatever_the_order_of_choices() -> None:
    choices = [oai_chunk.Choice(index=i, delta=oai_chunk.ChoiceDelta(content=f"reply {i}"), logprobs=None, finish_reason=None)
               for i in (1, 0)]
    event, _ = read(frame(chat_chunk(choices=choices)), "detected")
    assert event == Chunk("reply 0")


def test_an_azure_stream_reads_its_text_between_filter_chunks() -> None:
    frames = [frame(AZURE_PROMPT_FILTER), frame(chat_role()), frame(chat_text("Hi")), frame(AZURE_CONTENT_FILTER),
              frame(chat_text("!")), frame(chat_chunk(finish_reason="stop")), DONE]
    events, normalizer = read_frames(frames)
    assert [e for e in events if e is not None] == [Chunk("Hi"), Chunk("!"), Complete()]
    assert normalizer.format == "openai"


# --- The end --------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_done_marker_completes_the_reply(mode: str) -> None:
    event, normalizer = read(ServerSentEvent("[DONE]", id="7"), mode)
    assert event == Complete(None, "7")
    assert normalizer.has_end_marker is True  # a stream that closes before [DONE] was cut


# --- Frames of the dialect that cannot be read: a warning, and the stream goes on -----------------

MALFORMED: dict[str, tuple[Any, str]] = {
    "a chunk that is not an object": (["Hel"], "an OpenAI chunk that is not an object"),
    "a chunk without choices": ({"id": "chatcmpl-1", "object": "chat.completion.chunk"}, "an OpenAI chunk without choices"),
    "a chunk whose choices are not a list": ({"id": "chatcmpl-1", "choices": {"index": 0}}, "an OpenAI chunk without choices"),
    "a choice whose delta is not an object": ({"id": "chatcmpl-1", "choices": [{"index": 0, "delta": "Hel"}]},
                                              "an OpenAI choice whose delta is not an object"),
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", MALFORMED)
def test_a_frame_that_cannot_be_read_is_a_warning_not_text(name: str, mode: str) -> None:
    value, reason = MALFORMED[name]
    event, normalizer = read(frame(value), mode)
    assert (event, normalizer.format) == (Malformed(reason, dump(value)), "openai")


@pytest.mark.parametrize("name", MALFORMED)
def test_the_stream_goes_on_after_a_frame_that_cannot_be_read(name: str) -> None:
    value, reason = MALFORMED[name]
    events, _ = read_frames([frame(chat_role()), frame(chat_text("Hel")), frame(value), frame(chat_text("lo")), DONE])
    assert events == [None, Chunk("Hel"), Malformed(reason, dump(value)), Chunk("lo"), Complete()]


# --- Errors inside the stream ---------------------------------------------------------------------

ERRORS = [
    (openai_error("rate_limit_exceeded", "requests", "Rate limit reached for gpt-4o."), "rate_limit_exceeded", T.RATE_LIMITED, True),
    (openai_error("invalid_api_key", "invalid_request_error", "Incorrect API key provided."), "invalid_api_key", T.AUTH, False),
    (openai_error("context_length_exceeded", "invalid_request_error", "This model's maximum context length is 128000 tokens."),
     "context_length_exceeded", T.CLIENT, False),
    (openai_error("insufficient_quota", "insufficient_quota", "You exceeded your current quota."), "insufficient_quota", T.CLIENT, False),
    (openai_error(None, "server_error", "The server had an error while processing your request."), "server_error", T.SERVER, True),
    # vLLM: the HTTP status as its code
    ({"error": {"object": "error", "message": "max_tokens is too large", "type": "BadRequestError", "param": None, "code": 400}},
     "400", T.CLIENT, False),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("error", "code", "kind", "retryable"), ERRORS, ids=[e[1] for e in ERRORS])
def test_error_inside_the_stream_is_reported_with_the_providers_code(
    error: dict[str, Any], code: str, kind: StreamErrorType, retryable: bool, mode: str
) -> None:
    event, _ = read(frame(error), mode)
    assert event == ErrorReport(code, error["error"]["message"])
    failure = classified(event)
    assert (failure.type, failure.retryable, failure.message) == (kind, retryable, sentence(error["error"]["message"]))


@pytest.mark.parametrize(("error", "code", "kind", "retryable"), ERRORS[:2], ids=[e[1] for e in ERRORS[:2]])
def test_error_as_the_first_frame_or_under_event_error_is_reported(
    error: dict[str, Any], code: str, kind: StreamErrorType, retryable: bool
) -> None:
    for data in (frame(error), frame(error, event="error")):
        event, _ = read_after(None, data)
        assert event == ErrorReport(code, error["error"]["message"])


# --- The non-streaming answer ---------------------------------------------------------------------


@pytest.mark.parametrize("format", ["auto", "openai"])
@pytest.mark.parametrize("wire", WIRES)
def test_answer_text_of_a_chat_completion(wire: Wire, format: str) -> None:
    assert answer_text(dump(chat_completion(), wire).encode(), format) == REPLY


@pytest.mark.parametrize("wire", WIRES)
def test_answer_text_of_a_refused_chat_completion_is_the_refusal(wire: Wire) -> None:
    body = dump(chat_completion(content=None, refusal="I'm sorry, I can't help with that."), wire).encode()
    assert answer_text(body) == "I'm sorry, I can't help with that."


def test_answer_text_of_an_error_body_is_the_error() -> None:
    body = dump(openai_error("invalid_api_key", "invalid_request_error", "Incorrect API key provided.")).encode()
    assert answer_text(body) == ErrorReport("invalid_api_key", "Incorrect API key provided.")


@pytest.mark.parametrize("wire", WIRES)
def test_answer_text_of_a_completion_with_neither_content_nor_refusal_is_no_reply(wire: Wire) -> None:
    # A reply of tool calls only: there is no text to show, and it is not an empty success.
    body = dump(chat_completion(content=None), wire).encode()
    assert answer_text(body, "openai") is None


# --- Detection and whole streams ------------------------------------------------------------------


@pytest.mark.parametrize("wire", WIRES)
def test_dialect_is_detected_from_the_first_chunk(wire: Wire) -> None:
    event, normalizer = read_after(None, frame(chat_text("Hel"), wire))
    assert (event, normalizer.format) == (Chunk("Hel"), "openai")


@pytest.mark.parametrize("format", ["auto", "openai"])
@pytest.mark.parametrize("wire", WIRES)
def test_a_whole_stream_reads_the_same_split_at_every_byte(wire: Wire, format: str) -> None:
    outcome = assert_same_at_every_split(encode(chat_stream(wire)), format)
    assert outcome.events == (*map(Chunk, PIECES), Complete())
    assert (outcome.text, outcome.format) == (REPLY, "openai")
