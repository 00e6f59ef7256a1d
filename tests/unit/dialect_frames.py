"""The frames of every provider dialect, built once for the dialect tests (test_formats_*.py).

OpenAI (Chat Completions and Responses), Anthropic, Google Gemini and Hugging Face TGI frames are
the providers' own SDK types (`openai`, `anthropic`, `google-genai`, `huggingface_hub`),
serialised as the providers' servers write them. The SDKs are test dependencies: a missing one
fails the import here, loudly, never a skip. The Vercel AI SDK's UI message stream, llama.cpp's
server and LangServe have no Python types: their frames are written by hand from their
documented protocols (and, for LangServe, its server's source), as noted at each.

How a pydantic frame becomes JSON (`dump`), three ways, since servers differ in their nulls:

    "as_sent"     the fields the server sends, its nulls included: `exclude_unset=True`, as the
                  SDKs' own `to_json()` round-trips what the API sent
    "no_nulls"    `exclude_none=True`: proxies that drop nulls, and Google's proto3 JSON
    "all_fields"  every field of the type, nulls included: servers that dump the SDK's model
                  whole (vLLM, LiteLLM and other OpenAI-compatible servers)

Keys come in the SDK types' field order; JSON readers do not depend on it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, Literal

import anthropic.types as anth
import huggingface_hub as hf
import openai.types.chat as oai_chat
import openai.types.responses as oai_resp
import pydantic
from anthropic.types.raw_message_delta_event import Delta as MessageDelta
from google.genai import types as gem
from openai.types.chat import chat_completion as oai_completion
from openai.types.chat import chat_completion_chunk as oai_chunk
from openai.types.completion_usage import CompletionUsage
from openai.types.shared import ErrorObject as OpenAIErrorObject

from sse_client.parser import ServerSentEvent

Wire = Literal["as_sent", "no_nulls", "all_fields"]
WIRES: tuple[Wire, ...] = ("as_sent", "no_nulls", "all_fields")

# The reply every stream below carries: non-ASCII, a quote, a backslash and a line break, in
# pieces none of which starts with the one before (see `StutterFilter`).
PIECES = ["Hel", "lo, ", "Grüß ", "你好 🚀", '\n"ok" \\ end']
REPLY = "".join(PIECES)
DONE = ServerSentEvent("[DONE]")


def dump(value: pydantic.BaseModel | dict[str, Any] | list[Any] | str, wire: Wire = "as_sent") -> str:
    """The JSON a server writes for `value` (a hand-written dict: compact, as `JSON.stringify`,
    serde and orjson write it)."""
    if isinstance(value, pydantic.BaseModel):
        if wire == "as_sent":
            return value.model_dump_json(by_alias=True, exclude_unset=True)
        return value.model_dump_json(by_alias=True, exclude_none=wire == "no_nulls")
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def frame(value: pydantic.BaseModel | dict[str, Any] | list[Any] | str, wire: Wire = "as_sent", *,
          event: str = "message") -> ServerSentEvent:
    """A dispatched event whose data is `value` as JSON."""
    return ServerSentEvent(dump(value, wire), event)


def named(value: pydantic.BaseModel | dict[str, Any], wire: Wire = "as_sent") -> ServerSentEvent:
    """A frame under its own `type` as the SSE event name (Anthropic, OpenAI Responses)."""
    kind = value["type"] if isinstance(value, dict) else value.type
    return frame(value, wire, event=kind)


def encode(frames: Iterable[ServerSentEvent | bytes], *, eol: str = "\n", space: bool = True) -> bytes:
    """The bytes of an event stream of `frames` (bytes go in as they are: comments, an event
    without data); `space` False writes `data:{...}` as TGI does."""
    out: list[str] = []
    for item in frames:
        if isinstance(item, bytes):
            out.append(item.decode())
            continue
        lines = [] if item.event == "message" else [f"event: {item.event}"]
        lines += [f"id: {item.id}"] if item.id else []
        lines += [("data: " if space else "data:") + line for line in item.data.split("\n")]
        out.append(eol.join(lines) + eol + eol)
    return "".join(out).encode()


# --- OpenAI Chat Completions (openai.types.chat) --------------------------------------------------


def chat_chunk(delta: oai_chunk.ChoiceDelta | None = None, *, finish_reason: Any = None,
               choices: list[oai_chunk.Choice] | None = None, **extra: Any) -> oai_chat.ChatCompletionChunk:
    """A chunk as api.openai.com sends it: `logprobs` and `finish_reason` null on every choice,
    an `obfuscation` string (the API pads each chunk with one of its own; one here)."""
    if choices is None:
        delta = delta if delta is not None else oai_chunk.ChoiceDelta()
        choices = [oai_chunk.Choice(index=0, delta=delta, logprobs=None, finish_reason=finish_reason)]
    return oai_chat.ChatCompletionChunk(
        id="chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT", object="chat.completion.chunk", created=1741569952,
        model="gpt-4o-2024-08-06", service_tier="default", system_fingerprint="fp_fc9f1d7035",
        choices=choices, **{"obfuscation": "x4Jh", **extra})


def chat_text(text: str) -> oai_chat.ChatCompletionChunk:
    return chat_chunk(oai_chunk.ChoiceDelta(content=text))


def chat_role() -> oai_chat.ChatCompletionChunk:
    """The first chunk: the role, empty content, a null refusal."""
    return chat_chunk(oai_chunk.ChoiceDelta(role="assistant", content="", refusal=None))


def chat_refusal(text: str) -> oai_chat.ChatCompletionChunk:
    return chat_chunk(oai_chunk.ChoiceDelta(refusal=text))


def chat_tool_call(arguments: str, *, first: bool = False) -> oai_chat.ChatCompletionChunk:
    """A tool call's delta: the first names the call, the later ones carry only arguments."""
    if first:
        function = oai_chunk.ChoiceDeltaToolCallFunction(name="get_weather", arguments=arguments)
        call = oai_chunk.ChoiceDeltaToolCall(index=0, id="call_DdmO9pD3xa9XTPNJ32zg2hcA", type="function", function=function)
        return chat_chunk(oai_chunk.ChoiceDelta(role="assistant", content=None, tool_calls=[call], refusal=None))
    call = oai_chunk.ChoiceDeltaToolCall(index=0, function=oai_chunk.ChoiceDeltaToolCallFunction(arguments=arguments))
    return chat_chunk(oai_chunk.ChoiceDelta(tool_calls=[call]))


def chat_usage() -> oai_chat.ChatCompletionChunk:
    """`stream_options: {"include_usage": true}`: the last chunk has no choices."""
    return chat_chunk(choices=[], usage=CompletionUsage(prompt_tokens=19, completion_tokens=10, total_tokens=29))


def chat_moderation() -> oai_chat.ChatCompletionChunk:
    """The moderation chunk of a moderated completion: no choices."""
    result = oai_chunk.ModerationInputModerationResultsResult(
        categories={"violence": False}, category_applied_input_types={"violence": ["text"]},
        category_scores={"violence": 0.0001}, flagged=False, model="omni-moderation-latest", type="moderation_result")
    return chat_chunk(choices=[], moderation=oai_chunk.Moderation(
        input=oai_chunk.ModerationInputModerationResults(model="omni-moderation-latest", results=[result], type="moderation_results"),
        output=oai_chunk.ModerationOutputError(code="moderation_failed", message="Moderation timed out.", type="error")))


# Azure OpenAI's content-filter chunks are not in the openai SDK's types: written from Azure's
# documentation. The first chunk has no choices, only the prompt's filter results; later ones
# carry a choice with filter results and no delta.
_FILTERED = {"hate": {"filtered": False, "severity": "safe"}, "self_harm": {"filtered": False, "severity": "safe"},
             "sexual": {"filtered": False, "severity": "safe"}, "violence": {"filtered": False, "severity": "safe"}}
AZURE_PROMPT_FILTER = {"choices": [], "created": 0, "id": "", "model": "", "object": "",
                       "prompt_filter_results": [{"prompt_index": 0, "content_filter_results": _FILTERED}]}
AZURE_CONTENT_FILTER = {"choices": [{"content_filter_offsets": {"check_offset": 44, "start_offset": 44, "end_offset": 198},
                                     "content_filter_results": _FILTERED, "finish_reason": None, "index": 0}],
                        "created": 0, "id": "", "model": "", "object": ""}


def openai_error(code: str | None, type: str, message: str) -> dict[str, Any]:
    """`{"error": {...}}`, as OpenAI (and vLLM, Azure) write an error inside a stream."""
    return {"error": OpenAIErrorObject(code=code, message=message, param=None, type=type).model_dump(exclude_unset=True)}


def chat_stream(wire: Wire = "as_sent") -> list[ServerSentEvent]:
    chunks = [chat_role(), *map(chat_text, PIECES), chat_chunk(finish_reason="stop"), chat_usage()]
    return [frame(chunk, wire) for chunk in chunks] + [DONE]


def chat_completion(*, content: str | None = REPLY, refusal: str | None = None) -> oai_chat.ChatCompletion:
    message = oai_chat.ChatCompletionMessage(role="assistant", content=content, refusal=refusal, annotations=[])
    return oai_chat.ChatCompletion(
        id="chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG", object="chat.completion", created=1741570283,
        model="gpt-4o-2024-08-06", system_fingerprint="fp_fc9f1d7035", service_tier="default",
        choices=[oai_completion.Choice(index=0, message=message, logprobs=None, finish_reason="stop")],
        usage=CompletionUsage(prompt_tokens=19, completion_tokens=10, total_tokens=29))


# --- OpenAI Responses (openai.types.responses) ---------------------------------------------------

RESP_ID, MSG_ID = "resp_67ccd2bed1ec8190b14f964abc0542670bb6a6b452d3795b", "msg_67ccd2bf17f0819081ff3bb2cf6508e6"


ResponseStatus = Literal["completed", "failed", "in_progress", "cancelled", "queued", "incomplete"]


def response(status: ResponseStatus, output: list[Any], **extra: Any) -> oai_resp.Response:
    return oai_resp.Response(id=RESP_ID, object="response", created_at=1741476542, status=status, model="gpt-4.1-2025-04-14",
                             output=output, parallel_tool_calls=True, tool_choice="auto", tools=[], **extra)


def output_message(*parts: oai_resp.ResponseOutputText | oai_resp.ResponseOutputRefusal,
                   status: Literal["in_progress", "completed", "incomplete"] = "completed") -> oai_resp.ResponseOutputMessage:
    return oai_resp.ResponseOutputMessage(id=MSG_ID, type="message", status=status, role="assistant", content=list(parts))


def output_text(text: str) -> oai_resp.ResponseOutputText:
    return oai_resp.ResponseOutputText(type="output_text", text=text, annotations=[], logprobs=[])


def resp_text_delta(text: str, sequence: int = 4) -> oai_resp.ResponseTextDeltaEvent:
    return oai_resp.ResponseTextDeltaEvent(type="response.output_text.delta", sequence_number=sequence, item_id=MSG_ID,
                                           output_index=0, content_index=0, delta=text, logprobs=[],
                                           **{"obfuscation": "Qp3"})  # sent by the API, not in the SDK's type


def resp_refusal_delta(text: str, sequence: int = 4) -> oai_resp.ResponseRefusalDeltaEvent:
    return oai_resp.ResponseRefusalDeltaEvent(type="response.refusal.delta", sequence_number=sequence, item_id=MSG_ID,
                                              output_index=0, content_index=0, delta=text)


def resp_completed(text: str = REPLY, sequence: int = 99) -> oai_resp.ResponseCompletedEvent:
    return oai_resp.ResponseCompletedEvent(type="response.completed", sequence_number=sequence,
                                           response=response("completed", [output_message(output_text(text))]))


def resp_opening() -> list[Any]:
    """What comes before the first text delta."""
    part = output_text("")
    return [
        oai_resp.ResponseCreatedEvent(type="response.created", sequence_number=0, response=response("in_progress", [])),
        oai_resp.ResponseInProgressEvent(type="response.in_progress", sequence_number=1, response=response("in_progress", [])),
        oai_resp.ResponseOutputItemAddedEvent(type="response.output_item.added", sequence_number=2, output_index=0,
                                              item=output_message(status="in_progress")),
        oai_resp.ResponseContentPartAddedEvent(type="response.content_part.added", sequence_number=3, item_id=MSG_ID,
                                               output_index=0, content_index=0, part=part),
    ]


def resp_stream(wire: Wire = "as_sent") -> list[ServerSentEvent]:
    deltas = [resp_text_delta(piece, 4 + i) for i, piece in enumerate(PIECES)]
    n = 4 + len(PIECES)
    closing = [
        oai_resp.ResponseTextDoneEvent(type="response.output_text.done", sequence_number=n, item_id=MSG_ID,
                                       output_index=0, content_index=0, text=REPLY, logprobs=[]),
        oai_resp.ResponseContentPartDoneEvent(type="response.content_part.done", sequence_number=n + 1, item_id=MSG_ID,
                                              output_index=0, content_index=0, part=output_text(REPLY)),
        oai_resp.ResponseOutputItemDoneEvent(type="response.output_item.done", sequence_number=n + 2, output_index=0,
                                             item=output_message(output_text(REPLY))),
        resp_completed(REPLY, n + 3),
    ]
    return [named(event, wire) for event in [*resp_opening(), *deltas, *closing]]


# --- Anthropic Messages (anthropic.types) --------------------------------------------------------


def anth_message(*content: anth.ContentBlock, stop_reason: Any = None) -> anth.Message:
    return anth.Message(id="msg_01XFDUDYJgAACzvnptvVoYEL", type="message", role="assistant", content=list(content),
                        model="claude-sonnet-4-5", stop_reason=stop_reason, stop_sequence=None,
                        usage=anth.Usage(input_tokens=25, output_tokens=1))


def anth_delta(delta: anth.RawContentBlockDelta, index: int = 0) -> anth.RawContentBlockDeltaEvent:
    return anth.RawContentBlockDeltaEvent(type="content_block_delta", index=index, delta=delta)


def anth_text(text: str, index: int = 0) -> anth.RawContentBlockDeltaEvent:
    return anth_delta(anth.TextDelta(type="text_delta", text=text), index)


def anth_block_start(block: anth.ContentBlock, index: int = 0) -> anth.RawContentBlockStartEvent:
    return anth.RawContentBlockStartEvent(type="content_block_start", index=index, content_block=block)


ANTH_PING = {"type": "ping"}  # not among the SDK's types; the API sends it as it is here
ANTH_START = anth.RawMessageStartEvent(type="message_start", message=anth_message())
ANTH_STOP = anth.RawMessageStopEvent(type="message_stop")


def anth_error(error: anth.ErrorObject | dict[str, Any]) -> anth.ErrorResponse | dict[str, Any]:
    """The `error` event: `{"type": "error", "error": {...}, "request_id": ...}` (a dict for an
    error type the SDK does not list, such as the API's `request_too_large`)."""
    request_id = "req_011CSHoEeqs5C35K2UUqR7Fy"
    if isinstance(error, dict):
        return {"type": "error", "error": error, "request_id": request_id}
    return anth.ErrorResponse(type="error", error=error, request_id=request_id)


def anth_stream(wire: Wire = "as_sent") -> list[ServerSentEvent]:
    events: list[pydantic.BaseModel | dict[str, Any]] = [
        ANTH_START, anth_block_start(anth.TextBlock(type="text", text="")), ANTH_PING,
        *map(anth_text, PIECES),
        anth.RawContentBlockStopEvent(type="content_block_stop", index=0),
        anth.RawMessageDeltaEvent(type="message_delta", delta=MessageDelta(stop_reason="end_turn", stop_sequence=None),
                                  usage=anth.MessageDeltaUsage(output_tokens=15)),
        ANTH_STOP,
    ]
    return [named(event, wire) for event in events]


# --- Google Gemini (google.genai.types) ----------------------------------------------------------

_GEMINI_USAGE = gem.GenerateContentResponseUsageMetadata(prompt_token_count=8, candidates_token_count=4, total_token_count=12)


def gemini(*parts: gem.Part, finish: gem.FinishReason | None = None) -> gem.GenerateContentResponse:
    """One frame of `:streamGenerateContent?alt=sse`: the first candidate's parts."""
    candidate = gem.Candidate(content=gem.Content(parts=list(parts), role="model"), finish_reason=finish, index=0)
    return gem.GenerateContentResponse(candidates=[candidate], usage_metadata=_GEMINI_USAGE,
                                       model_version="gemini-2.5-flash", response_id="mKW_aN2pLI2xz7IP8tbHsQ4")


def gemini_text(text: str, finish: gem.FinishReason | None = None) -> gem.GenerateContentResponse:
    return gemini(gem.Part(text=text), finish=finish)


def gemini_wire(wire: Wire) -> Wire:
    """Google's servers write proto3 JSON, which leaves out every field not set."""
    return "no_nulls" if wire == "as_sent" else wire


def gemini_error(code: int, status: str, message: str) -> dict[str, Any]:
    """google.rpc.Status as JSON (no type for it in google-genai): `{"error": {...}}`."""
    return {"error": {"code": code, "message": message, "status": status}}


def gemini_stream(wire: Wire = "as_sent") -> list[ServerSentEvent]:
    frames = [gemini_text(piece) for piece in PIECES[:-1]] + [gemini_text(PIECES[-1], gem.FinishReason.STOP)]
    return [frame(each, gemini_wire(wire)) for each in frames]


# --- Hugging Face TGI (huggingface_hub's TextGenerationStreamOutput) ------------------------------


def tgi_token(index: int, text: str, *, special: bool = False, generated_text: str | None = None,
              finish_reason: Literal["length", "eos_token", "stop_sequence"] = "eos_token") -> hf.TextGenerationStreamOutput:
    details = None
    if generated_text is not None:
        details = hf.TextGenerationStreamOutputStreamDetails(finish_reason=finish_reason, generated_tokens=index,
                                                            input_length=7, seed=None)
    return hf.TextGenerationStreamOutput(
        index=index, token=hf.TextGenerationStreamOutputToken(id=1000 + index, logprob=-0.25, special=special, text=text),
        generated_text=generated_text, details=details, top_tokens=None)


def tgi_json(output: hf.TextGenerationStreamOutput, wire: Wire = "as_sent") -> dict[str, Any]:
    """The frame as TGI's router (serde) writes it: its field order, `generated_text` and
    `details` null until the end, `top_tokens` left out when empty."""
    token, details = output.token, output.details
    value = {"index": output.index, "token": {"id": token.id, "text": token.text, "logprob": token.logprob, "special": token.special},
             "top_tokens": output.top_tokens, "generated_text": output.generated_text, "details": details and {
                 "finish_reason": details.finish_reason, "generated_tokens": details.generated_tokens, "seed": details.seed,
                 "input_length": details.input_length}}
    if wire == "all_fields":
        return value
    return {key: item for key, item in value.items() if item is not None or (wire == "as_sent" and key != "top_tokens")}


def tgi_error(error_type: str, message: str) -> dict[str, Any]:
    """TGI's ErrorResponse (no type for it in huggingface_hub)."""
    return {"error": message, "error_type": error_type}


def tgi_stream(wire: Wire = "as_sent") -> list[ServerSentEvent]:
    outputs = [tgi_token(i + 1, piece) for i, piece in enumerate(PIECES)]
    outputs.append(tgi_token(len(PIECES) + 1, "</s>", special=True, generated_text=REPLY))
    return [frame(tgi_json(output, wire)) for output in outputs]


# --- The Vercel AI SDK's UI message stream (no Python types) -------------------------------------
# Written from the AI SDK 5 stream protocol (`uiMessageChunkSchema`, ui-message-chunks.ts):
# `data: ${JSON.stringify(part)}` frames, then `data: [DONE]`.

VERCEL_TEXT_ID = "msg_68679a454370819ca74c8eb3d04379630dd1afb72306ca5d"


def vercel_text(text: str) -> dict[str, Any]:
    return {"type": "text-delta", "id": VERCEL_TEXT_ID, "delta": text}


def vercel_stream() -> list[ServerSentEvent]:
    parts = [{"type": "start", "messageId": "msg-E6ExcN3wYkcUjfF6N2gRc1a0"}, {"type": "start-step"},
             {"type": "text-start", "id": VERCEL_TEXT_ID}, *map(vercel_text, PIECES),
             {"type": "text-end", "id": VERCEL_TEXT_ID}, {"type": "finish-step"}, {"type": "finish"}]
    return [frame(part) for part in parts] + [DONE]


# --- llama.cpp server's /completion (no Python types) --------------------------------------------
# Written from the server's README (tools/server): one JSON object per token, the last one with
# `"stop": true`, its timings and settings.


def llama_token(text: str, n: int = 1) -> dict[str, Any]:
    return {"index": 0, "content": text, "tokens": [], "stop": False, "id_slot": 0, "tokens_predicted": n, "tokens_evaluated": 7}


def llama_stop(text: str = "", stop_type: str = "eos") -> dict[str, Any]:
    return {"index": 0, "content": text, "tokens": [], "id_slot": 0, "stop": True, "model": "qwen2.5-0.5b-instruct-q8_0.gguf",
            "tokens_predicted": 6, "tokens_evaluated": 7, "generation_settings": {"n_predict": -1, "temperature": 0.8},
            "prompt": "<|im_start|>user\nHi<|im_end|>", "has_new_line": True, "truncated": False, "stop_type": stop_type,
            "stopping_word": "", "tokens_cached": 12, "timings": {"prompt_n": 7, "predicted_n": 6, "predicted_per_second": 41.5}}


def llama_error(code: int, type: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "type": type}}


def llama_stream() -> list[ServerSentEvent]:
    return [frame(llama_token(piece, n)) for n, piece in enumerate(PIECES, 1)] + [frame(llama_stop())]


# --- LangServe /stream (no Python types) ---------------------------------------------------------
# Written from langserve's api_handler.py and sse_starlette, which it serves the stream with:
# CRLF line ends, `metadata` as `json.dumps` writes it, each `data` chunk as orjson writes it,
# `event: end` with no data line, errors as `{"status_code", "message"}`.

LANGSERVE_METADATA = ServerSentEvent(json.dumps({"run_id": "0b8a7c1e-3f5d-4a2b-9c6e-1d2f3a4b5c6d"}), "metadata")
LANGSERVE_END = b"event: end\r\n\r\n"


def langserve_message_chunk(content: str | list[Any]) -> dict[str, Any]:
    """An AIMessageChunk as LangServe's serializer writes it (a chat model's output)."""
    return {"content": content, "additional_kwargs": {}, "response_metadata": {}, "type": "AIMessageChunk", "name": None,
            "id": "run-0b8a7c1e-3f5d-4a2b-9c6e-1d2f3a4b5c6d", "example": False, "tool_calls": [],
            "invalid_tool_calls": [], "usage_metadata": None, "tool_call_chunks": []}


def langserve_error(status_code: int, message: str) -> ServerSentEvent:
    return ServerSentEvent(json.dumps({"status_code": status_code, "message": message}), "error")


def langserve_stream(*, messages: bool = False) -> list[ServerSentEvent | bytes]:
    """A chain ending in a string output parser (string chunks), or a chat model (`messages`)."""
    chunks = [frame(langserve_message_chunk(piece) if messages else piece, event="data") for piece in PIECES]
    return [LANGSERVE_METADATA, *chunks, b": ping - 2025-01-01 00:00:15.000000+00:00\r\n\r\n", LANGSERVE_END]
