"""The mock backend's script and dialects, without a server: options, frames, resume, stamps.

Every frame of every dialect is read back with the provider's own SDK types where one exists
(openai, anthropic, google-genai, huggingface_hub), strictly: each JSON value must validate in
pydantic's strict mode and carry no field the SDK does not know. The SSE bodies are read with a
tiny local splitter on purpose: the project's parser is tested elsewhere and must not be needed
to tell whether the mock is right.
"""

from __future__ import annotations

import dataclasses
import json
import re
import typing
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import anthropic.types
import google.genai.errors
import google.genai.types
import huggingface_hub
import huggingface_hub.errors
import openai.types
import openai.types.chat
import openai.types.responses
import pydantic
import pytest
from huggingface_hub.inference._common import _parse_text_generation_error

from sse_client.testing import mock_dialects
from sse_client.testing.mock_script import (
    DEFAULT_REPLY,
    FORMATS,
    InvalidOption,
    MockOptions,
    build_frames,
    build_json_reply,
    encode_event,
    frames_after,
    reply_pieces,
    reply_text,
    split_reply,
    stamp_frame,
    status_error_body,
    stream_headers,
)

CREATED = 1_760_000_000
MODEL = "mock-model-1"
NEW_DIALECTS = ("responses", "anthropic", "gemini", "vercel", "tgi", "llamacpp", "langserve")
STUTTERING = ("standard", "legacy", "openai", "raw")
CRLF_DIALECTS = ("gemini", "langserve")  # sse-starlette and Google's front end


# --- a tiny event-stream splitter -------------------------------------------------------------

@dataclass
class Block:
    id: int | None = None
    event: str | None = None
    data: str | None = None
    comments: list[str] = field(default_factory=list)


def split_blocks(body: str) -> list[Block]:
    """The blocks of an event stream as our server writes it: LF or CRLF line ends (never a
    lone CR: JSON escapes it, and raw text may not hold one), one optional space after a colon."""
    blocks = []
    for raw in body.replace("\r\n", "\n").split("\n\n"):
        if not raw:
            continue
        block = Block()
        for line in raw.split("\n"):
            name, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if name == "":
                block.comments.append(value)
            elif name == "id":
                block.id = int(value)
            elif name == "event":
                block.event = value
            elif name == "data":
                block.data = value if block.data is None else f"{block.data}\n{value}"
        blocks.append(block)
    return blocks


def wire_of(frames: list[Any]) -> str:
    return "".join(frame.wire for frame in frames)


def frames_for(fmt: str, **query: str) -> tuple[MockOptions, list[Any]]:
    options = MockOptions.from_query({"format": fmt, **query})
    return options, build_frames(options, model=MODEL, created=CREATED)


# --- strict validation against the SDKs -------------------------------------------------------

def strict(adapter: pydantic.TypeAdapter[Any], data: str | None) -> Any:
    """``data`` validated strictly, with no field the SDK's model does not declare."""
    assert data is not None
    value = adapter.validate_json(data, strict=True)
    _no_unknown_fields(json.loads(data), value, "$")
    return value


def _no_unknown_fields(raw: Any, value: Any, path: str) -> None:
    # openai's and anthropic's models keep unknown fields (extra="allow"), google-genai's forbid
    # them, and a stdlib dataclass (huggingface_hub) drops them: check all three the same way.
    if isinstance(value, pydantic.BaseModel):
        assert not value.model_extra, f"{path}: fields the SDK does not know: {value.model_extra}"
        fields = {info.alias or name: name for name, info in type(value).model_fields.items()}
        for key, item in raw.items():
            _no_unknown_fields(item, getattr(value, fields.get(key, key)), f"{path}.{key}")
    elif dataclasses.is_dataclass(value):
        unknown = set(raw) - {item.name for item in dataclasses.fields(value)}
        assert not unknown, f"{path}: fields the SDK does not know: {sorted(unknown)}"
        for key, item in raw.items():
            _no_unknown_fields(item, getattr(value, key), f"{path}.{key}")
    elif isinstance(value, list):
        for index, (raw_item, item) in enumerate(zip(raw, value, strict=True)):
            _no_unknown_fields(raw_item, item, f"{path}[{index}]")


def by_type(union: Any) -> dict[str, pydantic.TypeAdapter[Any]]:
    """The members of an SDK's union of stream events, by the literal of their "type": a
    frame is validated as the type its event: line names, for a readable failure."""
    while typing.get_origin(union) is typing.Annotated:
        union = typing.get_args(union)[0]
    return {typing.get_args(member.model_fields["type"].annotation)[0]:
            pydantic.TypeAdapter(member) for member in typing.get_args(union)}


OPENAI_CHUNK = pydantic.TypeAdapter(openai.types.chat.ChatCompletionChunk)
OPENAI_COMPLETION = pydantic.TypeAdapter(openai.types.chat.ChatCompletion)
OPENAI_ERROR = pydantic.TypeAdapter(openai.types.ErrorObject)
RESPONSES_EVENTS = by_type(openai.types.responses.ResponseStreamEvent)
RESPONSE = pydantic.TypeAdapter(openai.types.responses.Response)
ANTHROPIC_EVENTS = by_type(anthropic.types.RawMessageStreamEvent)
ANTHROPIC_MESSAGE = pydantic.TypeAdapter(anthropic.types.Message)
ANTHROPIC_ERROR = pydantic.TypeAdapter(anthropic.types.ErrorResponse)
GEMINI_RESPONSE = pydantic.TypeAdapter(google.genai.types.GenerateContentResponse)
TGI_STREAM = pydantic.TypeAdapter(huggingface_hub.TextGenerationStreamOutput)
TGI_OUTPUT = pydantic.TypeAdapter(huggingface_hub.TextGenerationOutput)

# The Vercel AI SDK is TypeScript: the members of each UIMessageChunk type it defines (v5).
VERCEL_CHUNKS = {
    "start": {"type", "messageId"}, "start-step": {"type"}, "text-start": {"type", "id"},
    "text-delta": {"type", "id", "delta"}, "text-end": {"type", "id"},
    "finish-step": {"type"}, "finish": {"type"}, "error": {"type", "errorText"},
}
# llama.cpp is C++: the members of its /completion frames.
LLAMACPP_PARTIAL = {"index", "content", "tokens", "stop", "id_slot", "tokens_predicted",
                    "tokens_evaluated"}
LLAMACPP_FINAL = {"index", "content", "tokens", "id_slot", "stop", "model", "tokens_predicted",
                  "tokens_evaluated", "generation_settings", "prompt", "has_new_line",
                  "truncated", "stop_type", "stopping_word", "tokens_cached", "timings"}


@dataclass
class Read:
    """What a client of the dialect makes of a stream."""

    text: str = ""
    error: Any = None  # the in-stream error, as the SDK's type where there is one
    done: bool = False  # the dialect's own end of the reply was seen


def read_standard(blocks: list[Block]) -> Read:
    read = Read()
    for block in blocks:
        value = json.loads(block.data or "")
        kind = value["type"]
        if kind == "chunk":
            assert set(value["data"]) == {"content", "index"}
            read.text += value["data"]["content"]
        elif kind == "complete":
            assert value["data"]["final_response"] == read.text
            read.done = True
        elif kind == "error":
            assert set(value["data"]) == {"code", "message"}
            read.error = value["data"]
        else:
            assert value == {"type": "status", "data": {"message": "Processing...",
                                                        "progress": 0.0}}
    return read


def read_legacy(blocks: list[Block]) -> Read:
    read = Read()
    assert json.loads(blocks[0].data or "") == {"chunk": "Processing...", "type": "status"}
    for block in blocks[1:]:
        value = json.loads(block.data or "")
        if value.get("type") == "error":
            read.error = value["data"]
        else:
            assert set(value) == {"chunk"}
            read.text += value["chunk"]
    return read


def read_raw(blocks: list[Block]) -> Read:
    return Read(text="".join(block.data or "" for block in blocks))


def read_openai(blocks: list[Block]) -> Read:
    read = Read()
    for block in blocks:
        if block.data == "[DONE]":
            read.done = True
        elif "error" in json.loads(block.data or ""):
            read.error = strict(OPENAI_ERROR, json.dumps(json.loads(block.data or "")["error"]))
        else:
            [choice] = strict(OPENAI_CHUNK, block.data).choices
            read.text += choice.delta.content or ""
    return read


def read_responses(blocks: list[Block]) -> Read:
    read = Read()
    numbers = []
    for block in blocks:
        # The event: line names the JSON's type.
        event = strict(RESPONSES_EVENTS[block.event or ""], block.data)
        numbers.append(event.sequence_number)
        if event.type == "response.output_text.delta":
            read.text += event.delta
        elif event.type == "response.output_text.done":
            assert event.text == read.text
        elif event.type == "response.completed":
            assert event.response.output_text == read.text
            assert event.response.status == "completed"
            read.done = True
        elif event.type == "error":
            read.error = event
    assert numbers == list(range(len(numbers)))
    return read


def read_anthropic(blocks: list[Block]) -> Read:
    read = Read()
    for block in blocks:
        if block.event == "ping":
            assert json.loads(block.data or "") == {"type": "ping"}
        elif block.event == "error":
            read.error = strict(ANTHROPIC_ERROR, block.data).error
        else:
            event = strict(ANTHROPIC_EVENTS[block.event or ""], block.data)
            if event.type == "content_block_delta":
                read.text += event.delta.text
            elif event.type == "message_delta":
                assert event.delta.stop_reason == "end_turn"
            read.done = event.type == "message_stop"
    return read


def read_gemini(blocks: list[Block]) -> Read:
    read = Read()
    for block in blocks:
        assert block.event is None
        value = json.loads(block.data or "")
        if "error" in value:
            # What the SDK raises for it: a ServerError for a 5xx code.
            with pytest.raises(google.genai.errors.ServerError) as raised:
                google.genai.errors.APIError.raise_error(value["error"]["code"], value, None)
            assert set(value["error"]) == {"code", "message", "status"}
            read.error = raised.value
            continue
        assert not read.done, "a frame after the one that finished"
        response = strict(GEMINI_RESPONSE, block.data)
        [candidate] = response.candidates
        assert candidate.content.role == "model"
        read.text += response.text or ""
        read.done = candidate.finish_reason == google.genai.types.FinishReason.STOP
    return read


def read_vercel(blocks: list[Block]) -> Read:
    read = Read()
    kinds = []
    for block in blocks:
        assert block.event is None
        if block.data == "[DONE]":
            kinds.append("[DONE]")
            continue
        value = json.loads(block.data or "")
        kinds.append(value["type"])
        assert set(value) == VERCEL_CHUNKS[value["type"]]
        if value["type"] == "text-delta":
            assert value["id"] == "txt-0"
            read.text += value["delta"]
        elif value["type"] == "error":
            read.error = value["errorText"]
    assert kinds[:3] == ["start", "start-step", "text-start"] and kinds[-1] == "[DONE]"
    read.done = kinds[-4:] == ["text-end", "finish-step", "finish", "[DONE]"]
    return read


def read_tgi(blocks: list[Block]) -> Read:
    read = Read()
    for index, block in enumerate(blocks, 1):
        value = json.loads(block.data or "")
        if "error" in value:
            assert set(value) == {"error", "error_type"}
            read.error = _parse_text_generation_error(value["error"], value["error_type"])
            continue
        output = strict(TGI_STREAM, block.data)
        assert output.index == index
        if output.token.special:
            assert output.token.text == "</s>" and output.generated_text == read.text
            assert output.details.finish_reason == "eos_token"
            assert output.details.generated_tokens == index
            read.done = True
        else:
            assert output.generated_text is None and output.details is None
            read.text += output.token.text
    return read


def read_llamacpp(blocks: list[Block]) -> Read:
    read = Read()
    for predicted, block in enumerate(blocks, 1):
        value = json.loads(block.data or "")
        if "error" in value:
            assert set(value["error"]) == {"code", "message", "type"}
            read.error = value["error"]
        elif value["stop"]:
            assert set(value) == LLAMACPP_FINAL and value["content"] == ""
            assert value["tokens_predicted"] == predicted - 1
            read.done = True
        else:
            assert set(value) == LLAMACPP_PARTIAL and value["tokens_predicted"] == predicted
            read.text += value["content"]
    return read


def read_langserve(blocks: list[Block]) -> Read:
    read = Read()
    assert blocks[0].event == "metadata"
    uuid.UUID(json.loads(blocks[0].data or "")["run_id"])
    for block in blocks[1:]:
        if block.event == "data":
            piece = json.loads(block.data or "")
            assert isinstance(piece, str)
            read.text += piece
        elif block.event == "error":
            read.error = json.loads(block.data or "")
            assert read.error == {"status_code": 500, "message": "Internal Server Error"}
        else:
            # sse-starlette writes no data line for LangServe's end event.
            assert (block.event, block.data) == ("end", None)
            read.done = True
    return read


READERS: dict[str, Callable[[list[Block]], Read]] = {
    "standard": read_standard, "legacy": read_legacy, "raw": read_raw, "openai": read_openai,
    "responses": read_responses, "anthropic": read_anthropic, "gemini": read_gemini,
    "vercel": read_vercel, "tgi": read_tgi, "llamacpp": read_llamacpp,
    "langserve": read_langserve,
}
ENDLESS = ("legacy", "raw")  # these formats have no end marker: the stream just ends


def test_every_format_has_a_dialect_and_a_reader_here() -> None:
    assert set(mock_dialects.DIALECTS) == set(FORMATS) == set(READERS)
    assert set(NEW_DIALECTS) <= set(FORMATS)


# --- the pure helpers -------------------------------------------------------------------------

def test_split_reply_counts_code_points_and_never_splits_an_emoji() -> None:
    assert split_reply("ab🚀cd", 3) == ["ab🚀", "cd"]
    assert split_reply("🚀🚀🚀", 1) == ["🚀", "🚀", "🚀"]
    assert split_reply("", 8) == []
    for size in range(1, 12):
        pieces = split_reply(DEFAULT_REPLY, size)
        assert "".join(pieces) == DEFAULT_REPLY
        assert all(len(piece) == size for piece in pieces[:-1])


def test_default_reply_has_non_ascii_an_astral_emoji_and_one_line_feed() -> None:
    assert 250 <= len(DEFAULT_REPLY) <= 350
    assert "é" in DEFAULT_REPLY and "你好" in DEFAULT_REPLY and "🚀" in DEFAULT_REPLY
    assert DEFAULT_REPLY.count("\n") == 1


def test_events_cycles_the_pieces_of_the_text() -> None:
    options = MockOptions.from_query({"events": "7", "chunk_chars": "2", "text": "abcde"})
    assert reply_pieces(options) == ["ab", "cd", "e", "ab", "cd", "e", "ab"]
    assert reply_text(options) == "abcdeabcdeab"


def test_encode_event_writes_each_dialects_line_style() -> None:
    assert encode_event(3, "a\nb") == "id: 3\ndata: a\ndata: b\n\n"
    assert encode_event(None, "x", event="ping") == "event: ping\ndata: x\n\n"
    assert encode_event(1, "{}", wire=mock_dialects.Wire(colon=":")) == "id:1\ndata:{}\n\n"
    crlf = mock_dialects.Wire(newline="\r\n")
    assert encode_event(2, None, event="end", wire=crlf) == "id: 2\r\nevent: end\r\n\r\n"


# --- options ----------------------------------------------------------------------------------

def test_options_turn_faults_off_after_fault_attempts() -> None:
    options = MockOptions.from_query({"status": "503", "fault_attempts": "2", "delay_ms": "5"})
    assert options.for_attempt(2).status == 503
    assert options.for_attempt(3).status is None
    assert options.for_attempt(3).delay_ms == 5


@pytest.mark.parametrize("query, message", [
    ({"delay_ms": "fast"}, "delay_ms must be an integer"),
    ({"chunk_chars": "0"}, "chunk_chars must be between 1"),
    ({"stutter": "yes"}, "stutter must be 0 or 1"),
    ({"format": "xml"}, "format must be one of"),
    ({"status": "200"}, "status must be between 400 and 599"),
    ({"delay": "5"}, "unknown option(s) delay"),
    ({"stamp": "1", "stamp_as": "padding"}, "stamp_as must be one of server_ms, obfuscation, not 'padding'"),
])
def test_options_reject_bad_input_with_a_clear_message(query: dict[str, str], message: str) -> None:
    with pytest.raises(InvalidOption, match=re.escape(message)):
        MockOptions.from_query(query)


def test_the_format_error_names_every_dialect() -> None:
    with pytest.raises(InvalidOption) as raised:
        MockOptions.from_query({"format": "xml"})
    assert all(name in str(raised.value) for name in FORMATS)


@pytest.mark.parametrize("fmt", NEW_DIALECTS)
def test_stutter_is_refused_for_a_provider_dialect(fmt: str) -> None:
    with pytest.raises(InvalidOption, match=f"stutter=1 needs one of the formats "
                                            f"standard, legacy, openai, raw: format={fmt}"):
        MockOptions.from_query({"format": fmt, "stutter": "1"})


@pytest.mark.parametrize("fmt", STUTTERING)
def test_stutter_is_allowed_for_the_generic_formats(fmt: str) -> None:
    assert MockOptions.from_query({"format": fmt, "stutter": "1"}).stutter


@pytest.mark.parametrize("query, conflict", [
    ({"batch_bytes": "100"}, "delay_ms"),
    ({"batch_bytes": "100", "delay_ms": "0", "pace_hz": "10"}, "pace_hz"),
    ({"batch_bytes": "100", "delay_ms": "0", "drip": "1"}, "drip"),
    ({"batch_bytes": "0", "delay_ms": "0"}, "batch_bytes must be between"),
    ({"events": "0"}, "events must be between"),
    ({"pace_hz": "0"}, "pace_hz must be between"),
    ({"stamp": "yes"}, "stamp must be 0 or 1"),
])
def test_benchmark_options_reject_conflicts(query: dict[str, str], conflict: str) -> None:
    with pytest.raises(InvalidOption, match=conflict):
        MockOptions.from_query(query)


# --- every dialect, read with the provider's SDK ----------------------------------------------

SCENARIOS: dict[str, dict[str, str]] = {
    "default": {},
    "small pieces": {"text": 'Hé 🚀\nyo {x} "q" \\ </s> end', "chunk_chars": "3"},
    "events": {"events": "40", "chunk_chars": "5"},
    "one piece": {"chunk_chars": "1000"},
    "empty": {"text": ""},
    "no ids": {"ids": "0"},
}


@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize("fmt", FORMATS)
def test_every_frame_validates_and_the_pieces_make_the_reply(fmt: str, scenario: str) -> None:
    options, frames = frames_for(fmt, **SCENARIOS[scenario])
    read = READERS[fmt](split_blocks(wire_of(frames)))
    assert read.text == reply_text(options)
    assert read.error is None
    assert read.done == (fmt not in ENDLESS)
    assert all(frame.is_event for frame in frames)


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_event_carries_its_position_as_id_unless_ids_0(fmt: str) -> None:
    _, frames = frames_for(fmt, chunk_chars="20")
    blocks = split_blocks(wire_of(frames))
    assert [block.id for block in blocks] == list(range(len(frames)))
    _, frames = frames_for(fmt, chunk_chars="20", ids="0")
    assert [block.id for block in split_blocks(wire_of(frames))] == [None] * len(frames)


@pytest.mark.parametrize("fmt", FORMATS)
def test_lines_end_as_the_real_server_ends_them(fmt: str) -> None:
    _, frames = frames_for(fmt)
    wire = wire_of(frames)
    if fmt in CRLF_DIALECTS:
        assert wire.count("\n") == wire.count("\r\n") > 0
    else:
        assert "\r" not in wire
    # axum writes no space after a colon; everyone else writes one.
    assert ("\ndata:{" in wire) == (fmt == "tgi") and ("\ndata: " in wire) == (fmt != "tgi")


@pytest.mark.parametrize("fmt", FORMATS)
def test_non_ascii_travels_as_raw_utf8(fmt: str) -> None:
    _, frames = frames_for(fmt, text="café 你好 🚀", chunk_chars="4")
    wire = wire_of(frames)
    assert "\\u" not in wire and "你好" in wire and "🚀" in wire


@pytest.mark.parametrize("after", [0, 2, 1000])
@pytest.mark.parametrize("fmt", FORMATS)
def test_an_in_stream_error_is_the_providers_own_and_has_no_id(fmt: str, after: int) -> None:
    options, frames = frames_for(fmt, error_event=str(after), chunk_chars="4",
                                 text="abcdefghijklmnop")
    read = READERS[fmt](split_blocks(wire_of(frames)))
    assert read.text == "".join(reply_pieces(options)[:after])
    assert not read.done
    extra = [frame for frame in frames if not frame.is_event]
    if fmt == "raw":
        assert read.error is None and extra == []  # raw text cannot say it failed
        return
    assert read.error is not None
    assert frames[-len(extra):] == extra  # the error (and Vercel's [DONE]) end the stream
    assert all(block.id is None for block in split_blocks(wire_of(extra)))


def test_the_in_stream_errors_say_what_failed() -> None:
    def error_of(fmt: str) -> Any:
        _, frames = frames_for(fmt, error_event="1")
        return READERS[fmt](split_blocks(wire_of(frames))).error

    assert error_of("responses").code == "server_error"
    assert error_of("responses").message == "Mock upstream failure after 1 chunks"
    assert isinstance(error_of("anthropic"), anthropic.types.OverloadedErrorObject)
    assert (error_of("gemini").code, error_of("gemini").status) == (500, "INTERNAL")
    assert error_of("vercel") == "Mock upstream failure after 1 chunks"
    assert isinstance(error_of("tgi"), huggingface_hub.errors.GenerationError)
    assert error_of("llamacpp")["type"] == "server_error"


@pytest.mark.parametrize("fmt", [fmt for fmt in FORMATS if fmt != "raw"])
def test_the_malformed_frame_is_unterminated_json_in_the_dialects_shape(fmt: str) -> None:
    _, clean = frames_for(fmt, chunk_chars="4")
    _, frames = frames_for(fmt, chunk_chars="4", malformed="1")
    [bad] = [index for index, frame in enumerate(frames) if not frame.is_event]
    assert (bad, frames[bad].position) == (2, 1)
    assert frames[:bad] + frames[bad + 1:] == clean
    [block] = split_blocks(frames[bad].wire)
    assert block.id is None
    with pytest.raises(json.JSONDecodeError):
        json.loads(block.data or "")
    real = split_blocks(wire_of(clean))
    assert block.event in {other.event for other in real}
    if fmt != "openai":  # kept as it always was, with its members in another order
        assert any((other.data or "").startswith(block.data or "") for other in real)
    if fmt in CRLF_DIALECTS:
        assert frames[bad].wire.endswith("\r\n\r\n")


@pytest.mark.parametrize("error_event", [None, "2"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_a_resume_after_any_event_sends_exactly_the_rest(fmt: str, error_event: str | None) -> None:
    query = {"chunk_chars": "4", "text": "abcdefghij"}
    if error_event is not None:
        query["error_event"] = error_event
    _, frames = frames_for(fmt, **query)
    events = sum(frame.is_event for frame in frames)
    whole = wire_of(frames)
    for last in [None, *range(events)]:
        rest = frames_after(frames, last)
        assert whole.endswith(wire_of(rest))
        first = 0 if last is None else last + 1
        ids = [block.id for block in split_blocks(wire_of(rest)) if block.id is not None]
        assert ids == list(range(first, events))
        assert rest[-1:] == frames[-1:] or rest == []  # an error frame is always resent


# --- non-streaming answers and HTTP error bodies ----------------------------------------------

def answer_text(fmt: str, answer: Any) -> str:
    """The reply in a non-streaming answer of ``fmt``, read with the provider's SDK types."""
    body = json.dumps(answer, ensure_ascii=False)
    if fmt in ("standard", "legacy", "raw"):
        assert set(answer) == {"type", "data"} and answer["type"] == "complete"
        text: str = answer["data"]["final_response"]
    elif fmt == "openai":
        [choice] = strict(OPENAI_COMPLETION, body).choices
        assert (choice.message.role, choice.finish_reason) == ("assistant", "stop")
        text = choice.message.content
    elif fmt == "responses":
        response = strict(RESPONSE, body)
        assert (response.status, response.object) == ("completed", "response")
        text = response.output_text
    elif fmt == "anthropic":
        message = strict(ANTHROPIC_MESSAGE, body)
        assert message.stop_reason == "end_turn"
        [block] = message.content
        text = block.text
    elif fmt == "gemini":
        response = strict(GEMINI_RESPONSE, body)
        assert response.candidates[0].finish_reason == google.genai.types.FinishReason.STOP
        text = response.text
    elif fmt == "vercel":
        assert set(answer) == {"id", "role", "parts"} and answer["role"] == "assistant"
        [part] = answer["parts"]
        assert set(part) == {"type", "text"} and part["type"] == "text"
        text = part["text"]
    elif fmt == "tgi":
        text = strict(TGI_OUTPUT, body).generated_text
    elif fmt == "llamacpp":
        assert set(answer) == LLAMACPP_FINAL and answer["stop"] is True
        assert answer["has_new_line"] == ("\n" in answer["content"])
        text = answer["content"]
    else:
        assert set(answer) == {"output", "metadata"}
        uuid.UUID(answer["metadata"]["run_id"])
        assert answer["metadata"]["feedback_tokens"] == []
        text = answer["output"]
    return text


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_non_streaming_answer_is_the_providers_own(fmt: str) -> None:
    options = MockOptions.from_query({"format": fmt, "text": "Hé 🚀\nyo", "chunk_chars": "3"})
    answer = build_json_reply(options, model=MODEL, created=CREATED)
    assert answer_text(fmt, answer) == "Hé 🚀\nyo"
    if fmt in ("openai", "anthropic", "responses", "llamacpp"):
        assert answer["model"] == MODEL
    if fmt == "responses":
        assert answer["usage"]["output_tokens"] == 3  # one token a piece


STATUSES = [400, 401, 402, 403, 404, 409, 413, 422, 429, 500, 502, 503, 504, 529, 599]


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("fmt", FORMATS)
def test_the_status_fault_body_is_in_the_providers_error_shape(fmt: str, status: int) -> None:
    body = status_error_body(status, fmt)
    data = json.dumps(body)
    if fmt in ("openai", "responses", "anthropic", "gemini", "llamacpp"):
        message = body["error"]["message"]
    if fmt in ("openai", "responses"):
        assert set(body) == {"error"} and set(body["error"]) == {"message", "type", "param", "code"}
        error = strict(OPENAI_ERROR, json.dumps(body["error"]))
        assert error.type == ("requests" if status == 429 else "server_error" if status >= 500
                              else "invalid_request_error")
    elif fmt == "anthropic":
        kind = body["error"]["type"]
        if kind == "request_too_large":
            # Anthropic documents it for 413; the SDK's union of error objects lacks it.
            assert body == {"type": "error", "error": {"type": kind, "message": message}}
        else:
            strict(ANTHROPIC_ERROR, data)
    elif fmt == "gemini":
        raised_type = (google.genai.errors.ServerError if status >= 500
                       else google.genai.errors.ClientError)
        with pytest.raises(raised_type) as raised:
            google.genai.errors.APIError.raise_error(status, body, None)
        assert (raised.value.code, raised.value.message) == (status, message)
        assert re.fullmatch("[A-Z_]+", raised.value.status)
    elif fmt == "tgi":
        assert set(body) == {"error", "error_type"}
        assert isinstance(_parse_text_generation_error(body["error"], body["error_type"]),
                          huggingface_hub.errors.TextGenerationError)
        message = body["error"]
    elif fmt == "llamacpp":
        assert set(body["error"]) == {"code", "message", "type"}
        assert body["error"]["code"] == status
    elif fmt == "langserve":
        assert set(body) == {"detail"}
        message = body["detail"]
    else:
        assert set(body) == {"type", "data"} and set(body["data"]) == {"code", "message"}
        message = body["data"]["message"]
    assert message.startswith(f"Mock fault: {status} ")


@pytest.mark.parametrize("status, fmt, code", [
    (429, "openai", "rate_limit_exceeded"), (401, "openai", "invalid_api_key"),
    (429, "anthropic", "rate_limit_error"), (401, "anthropic", "authentication_error"),
    (403, "anthropic", "permission_error"), (404, "anthropic", "not_found_error"),
    (413, "anthropic", "request_too_large"), (400, "anthropic", "invalid_request_error"),
    (529, "anthropic", "overloaded_error"), (500, "anthropic", "api_error"),
    (429, "gemini", "RESOURCE_EXHAUSTED"), (401, "gemini", "UNAUTHENTICATED"),
    (503, "gemini", "UNAVAILABLE"), (429, "tgi", "overloaded"), (422, "tgi", "validation"),
    (500, "llamacpp", "server_error"), (429, "standard", "RATE_LIMIT"),
])
def test_the_status_fault_names_the_providers_code(status: int, fmt: str, code: str) -> None:
    body = status_error_body(status, fmt)
    named = {"openai": lambda: body["error"]["code"],
             "anthropic": lambda: body["error"]["type"],
             "gemini": lambda: body["error"]["status"], "tgi": lambda: body["error_type"],
             "llamacpp": lambda: body["error"]["type"],
             "standard": lambda: body["data"]["code"]}[fmt]()
    assert named == code


def test_only_vercel_streams_add_a_header() -> None:
    assert {fmt: dict(stream_headers(fmt)) for fmt in FORMATS if stream_headers(fmt)} == {
        "vercel": {"x-vercel-ai-ui-message-stream": "v1"}}


# --- benchmarks: long bodies, stamps ----------------------------------------------------------

@pytest.mark.parametrize("fmt", FORMATS)
def test_a_long_body_encodes_each_distinct_piece_once(fmt: str,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    calls = 0
    real_dumps = json.dumps

    def counting_dumps(*args: Any, **kwargs: Any) -> str:
        nonlocal calls
        calls += 1
        return real_dumps(*args, **kwargs)

    monkeypatch.setattr(mock_dialects.json, "dumps", counting_dumps)
    options, frames = frames_for(fmt, events="3000", chunk_chars="30")  # 11 distinct pieces
    monkeypatch.undo()
    assert sum(frame.is_event for frame in frames) >= 3000
    assert calls < 40
    assert READERS[fmt](split_blocks(wire_of(frames))).text == reply_text(options)


def test_stamp_frame_puts_server_ms_first_in_json_data_only() -> None:
    assert stamp_frame('id: 3\ndata: {"a": 1}\n\n', 1234.5678) == (
        'id: 3\ndata: {"server_ms": 1234.568, "a": 1}\n\n')
    assert stamp_frame("id: 4\ndata: [DONE]\n\n", 1.0) == "id: 4\ndata: [DONE]\n\n"
    assert stamp_frame("id: 5\ndata: raw {text}\n\n", 1.0) == "id: 5\ndata: raw {text}\n\n"
    # Only the first data line counts: raw text may hold a line that starts with a brace.
    assert stamp_frame("data: a\ndata: {b}\n\n", 1.0) == "data: a\ndata: {b}\n\n"
    assert stamp_frame("data: {}\n\n", 2.0) == 'data: {"server_ms": 2.000}\n\n'


@pytest.mark.parametrize("ids", ["0", "1"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_stamps_go_into_every_json_object_frame_of_every_dialect(fmt: str, ids: str) -> None:
    _, frames = frames_for(fmt, chunk_chars="40", ids=ids)
    stamped = [stamp_frame(frame.wire, 42.0) for frame in frames]
    blocks = split_blocks("".join(stamped))
    for frame, wire, block in zip(frames, stamped, blocks, strict=True):
        [plain] = split_blocks(frame.wire)
        if (plain.data or "").startswith("{"):
            value = json.loads(block.data or "")
            assert value.pop("server_ms") == 42.0
            assert value == json.loads(plain.data or "")
        else:
            # [DONE], raw text, LangServe's string literals and its end: nothing to stamp into.
            assert wire == frame.wire
