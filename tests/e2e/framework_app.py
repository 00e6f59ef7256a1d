"""A chat backend as users write one, on FastAPI: routes that stream one known reply in each
provider's dialect, for the end-to-end tests in ``test_real_frameworks.py``.

Run it as users run theirs::

    .venv/bin/python -m uvicorn tests.e2e.framework_app:app --port 8001

Two route families, the two ways Python backends stream server-sent events:

- ``POST /sse-starlette/{dialect}``: sse-starlette's ``EventSourceResponse``, fed
  ``{"event": ..., "data": ...}`` dicts. It writes the lines its own way (CRLF line ends,
  ``data: ...``) and sends ``: ping - <time>`` comments while the model "thinks" before its
  first token.
- ``POST /streaming/{dialect}``: Starlette's ``StreamingResponse(media_type="text/event-stream")``
  with the frames written by hand as the provider's own server writes them (LF line ends; CRLF
  for Google's front end and for LangServe, which runs on sse-starlette; ``data:{...}`` with no
  space for TGI's axum server).

``dialect`` is one of :data:`DIALECTS`. The payloads come from the providers' own SDK types where
they exist, serialised as the SDK serialises them (``model_dump_json(exclude_unset=True)``: the
nulls the API sends are set explicitly, the fields it leaves out are never set), which is also
what a backend relaying the SDK's objects sends: the ``openai`` SDK's ``ChatCompletionChunk``
and Responses stream events, the ``anthropic`` SDK's ``RawMessageStreamEvent`` classes and
``google-genai``'s ``GenerateContentResponse`` (if installed: the documented camelCase JSON goes
through it, which checks each field name and decides the bytes). The Vercel AI SDK 5 UI message
stream, llama.cpp's ``/completion``, LangServe's ``/stream`` and TGI's ``/generate_stream`` are
written from their documented protocols (TGI's types in ``huggingface_hub`` are a client's
lenient parsing dataclasses; the server is Rust).

A request with ``"stream": false`` (the client's fallback) gets the provider's non-streaming
JSON. The query string injects faults:

- ``cut=N``: drop the connection after N events, on the first attempt of a conversation only
  (attempts are counted per ``session=`` query, else per ``Idempotency-Key`` header). The
  stream has no ids, as no provider sends them, so the retry starts again from the beginning.
- ``error=1``: after :data:`ERROR_AFTER` pieces of text, the provider's in-stream error, on
  every attempt.

``GET /log?session=S`` lists the attempts of a conversation; ``GET /health`` answers
``{"ok": true}``. CORS allows every origin and every header (``Authorization``,
``Last-Event-ID`` and ``Idempotency-Key`` make the browser send a preflight).
"""

from __future__ import annotations

import asyncio
import enum
import json
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import anthropic.types as claude
from fastapi import FastAPI, Query, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import Response, StreamingResponse
from openai.types import CompletionUsage
from openai.types import responses as oai_responses
from openai.types.chat import ChatCompletion, ChatCompletionChunk, ChatCompletionMessage
from openai.types.chat import chat_completion as completion_types
from openai.types.chat import chat_completion_chunk as chunk_types
from openai.types.shared import ErrorObject
from pydantic import BaseModel, ConfigDict
from sse_starlette import EventSourceResponse

try:  # google-genai is large; without it the documented JSON goes out unchecked.
    from google.genai import types as genai_types
except ImportError:  # pragma: no cover - depends on the environment
    genai_types = None  # type: ignore[assignment]

REPLY = (
    'Hello from a real server framework! This reply has "quotes", a back\\slash, accents '
    "(café, naïve, Ångström), a CJK word (你好), an emoji outside the BMP 🚀,\n"
    "a line break, and it ends right here."
)
"""The reply every route streams (code points, so no piece ends inside a character)."""
PIECE_CHARS = 6
PIECES = [REPLY[start:start + PIECE_CHARS] for start in range(0, len(REPLY), PIECE_CHARS)]
ERROR_AFTER = 3
"""With ``error=1``, the error comes after this many pieces of text."""
PROMPT_TOKENS = 12
CREATED = 1_767_225_600  # 2026-01-01, fixed so that every attempt sends the same bytes

THINK_S = 0.25
"""sse-starlette routes wait this long before the first event, as a model does before its first
token, so that keep-alive pings go out first."""
PING_S = 0.1
DELAY_S = 0.01
"""Between events: the reply streams in pieces, not in one write."""


class DeliberateDisconnect(Exception):
    """Raised in a response body to drop the connection (``cut=N``): uvicorn answers an
    exception after the response has started by closing the socket without the final empty
    chunk, so the browser sees a body cut short, not a clean end."""


class _HideDeliberateDisconnects(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], DeliberateDisconnect))


@dataclass(frozen=True)
class Frame:
    """One event: its data (None: no data line, as LangServe's ``end``) and ``event:`` name."""

    data: str | None
    event: str | None = None


@dataclass(frozen=True, kw_only=True)
class Dialect:
    """How one provider streams :data:`REPLY`, fails, and answers without streaming."""

    frames: Callable[[bool], list[Frame]]
    """All frames of a clean stream (False), or of one that ends in the error (True)."""
    answer: Callable[[], str]
    """The non-streaming JSON body."""
    error_message: str
    """The message of the in-stream error, which the client shows as it is."""
    newline: str = "\n"
    colon: str = ": "
    headers: dict[str, str] = field(default_factory=dict)

    def wire(self, frame: Frame) -> bytes:
        """The frame as the provider's own server writes it."""
        lines = [] if frame.event is None else [f"event{self.colon}{frame.event}"]
        if frame.data is not None:
            lines += [f"data{self.colon}{line}" for line in frame.data.split("\n")]
        return "".join(line + self.newline for line in lines + [""]).encode("utf-8")


def _pieces(failing: bool) -> list[str]:
    return PIECES[:ERROR_AFTER] if failing else PIECES


def _compact(value: Any) -> str:
    # What JSON.stringify, serde_json and nlohmann::json write: no spaces, raw UTF-8.
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


# --- OpenAI Chat Completions ------------------------------------------------------------------

CHAT_ID = "chatcmpl-framework"
OPENAI_MODEL = "gpt-4o-mini-2024-07-18"
FINGERPRINT = "fp_0123456789"
OPENAI_ERROR = "The server had an error while processing your request. Sorry about that!"


def _obfuscation(number: int) -> str:
    """Stands in for the random padding OpenAI adds to every streamed event (its length varies,
    so that frames of the same text differ in more than their text)."""
    return "Xy7Qp0Lm3Rz9"[: number % 11 + 1]


def _chat_chunk(number: int, delta: chunk_types.ChoiceDelta, finish_reason: Literal["stop"] | None = None) -> Frame:
    chunk = ChatCompletionChunk(
        id=CHAT_ID, object="chat.completion.chunk", created=CREATED, model=OPENAI_MODEL,
        service_tier="default", system_fingerprint=FINGERPRINT,
        choices=[chunk_types.Choice(index=0, delta=delta, logprobs=None, finish_reason=finish_reason)],
        obfuscation=_obfuscation(number))
    return Frame(chunk.model_dump_json(exclude_unset=True))


def _openai_frames(failing: bool) -> list[Frame]:
    frames = [_chat_chunk(0, chunk_types.ChoiceDelta(role="assistant", content="", refusal=None))]
    frames += [_chat_chunk(number, chunk_types.ChoiceDelta(content=piece))
               for number, piece in enumerate(_pieces(failing), 1)]
    if failing:
        error = ErrorObject(message=OPENAI_ERROR, type="server_error", param=None, code=None)
        return frames + [Frame(_compact({"error": error.model_dump(mode="json", exclude_unset=True)}))]
    return frames + [_chat_chunk(len(frames), chunk_types.ChoiceDelta(), "stop"), Frame("[DONE]")]


def _openai_answer() -> str:
    completion = ChatCompletion(
        id=CHAT_ID, object="chat.completion", created=CREATED, model=OPENAI_MODEL,
        service_tier="default", system_fingerprint=FINGERPRINT,
        choices=[completion_types.Choice(
            index=0, logprobs=None, finish_reason="stop",
            message=ChatCompletionMessage(role="assistant", content=REPLY, refusal=None, annotations=[]))],
        usage=CompletionUsage(prompt_tokens=PROMPT_TOKENS, completion_tokens=len(PIECES),
                              total_tokens=PROMPT_TOKENS + len(PIECES)))
    return completion.model_dump_json(indent=2, exclude_unset=True)  # OpenAI pretty-prints answers


# --- OpenAI Responses -------------------------------------------------------------------------

RESPONSE_ID = "resp_framework"
ITEM_ID = "msg_framework"
RESPONSES_ERROR = "An error occurred while processing your request."


def _response(status: Literal["in_progress", "completed", "failed"], output: list[Any], *, error: oai_responses.ResponseError | None = None,
              usage: oai_responses.ResponseUsage | None = None) -> oai_responses.Response:
    return oai_responses.Response(
        id=RESPONSE_ID, object="response", created_at=CREATED, status=status, error=error,
        incomplete_details=None, instructions=None, model=OPENAI_MODEL, output=output,
        parallel_tool_calls=True, temperature=1.0, tool_choice="auto", tools=[], top_p=1.0,
        usage=usage, metadata={})


def _message(status: Literal["in_progress", "completed", "incomplete"],
             text: str | None) -> oai_responses.ResponseOutputMessage:
    content: list[Any] = [] if text is None else [_output_text(text)]
    return oai_responses.ResponseOutputMessage(id=ITEM_ID, type="message", status=status,
                                               role="assistant", content=content)


def _output_text(text: str) -> oai_responses.ResponseOutputText:
    return oai_responses.ResponseOutputText(type="output_text", text=text, annotations=[], logprobs=[])


def _usage() -> oai_responses.ResponseUsage:
    return oai_responses.ResponseUsage.model_validate({
        "input_tokens": PROMPT_TOKENS, "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
        "output_tokens": len(PIECES), "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": PROMPT_TOKENS + len(PIECES)})


def _responses_frames(failing: bool) -> list[Frame]:
    place: dict[str, Any] = {"item_id": ITEM_ID, "output_index": 0, "content_index": 0}
    started = _response("in_progress", [])
    events: list[Any] = [
        oai_responses.ResponseCreatedEvent(type="response.created", response=started, sequence_number=0),
        oai_responses.ResponseInProgressEvent(type="response.in_progress", response=started, sequence_number=1),
        oai_responses.ResponseOutputItemAddedEvent(type="response.output_item.added", output_index=0,
                                                   item=_message("in_progress", None), sequence_number=2),
        oai_responses.ResponseContentPartAddedEvent(type="response.content_part.added", **place,
                                                    part=_output_text(""), sequence_number=3),
    ]
    # `obfuscation` is sent but not a declared field of the SDK's type (its models allow extras).
    events += [oai_responses.ResponseTextDeltaEvent.model_validate({
        "type": "response.output_text.delta", **place, "delta": piece, "logprobs": [],
        "sequence_number": number, "obfuscation": _obfuscation(number)})
        for number, piece in enumerate(_pieces(failing), len(events))]
    if failing:
        failure = oai_responses.ResponseError(code="server_error", message=RESPONSES_ERROR)
        events.append(oai_responses.ResponseFailedEvent(
            type="response.failed", sequence_number=len(events),
            response=_response("failed", [_message("incomplete", "".join(_pieces(True)))], error=failure)))
    else:
        done = _response("completed", [_message("completed", REPLY)], usage=_usage())
        events += [
            oai_responses.ResponseTextDoneEvent(type="response.output_text.done", **place, text=REPLY,
                                                logprobs=[], sequence_number=len(events)),
            oai_responses.ResponseContentPartDoneEvent(type="response.content_part.done", **place,
                                                       part=_output_text(REPLY), sequence_number=len(events) + 1),
            oai_responses.ResponseOutputItemDoneEvent(type="response.output_item.done", output_index=0,
                                                      item=done.output[0], sequence_number=len(events) + 2),
            oai_responses.ResponseCompletedEvent(type="response.completed", response=done,
                                                 sequence_number=len(events) + 3),
        ]
    return [Frame(event.model_dump_json(exclude_unset=True), event.type) for event in events]


def _responses_answer() -> str:
    done = _response("completed", [_message("completed", REPLY)], usage=_usage())
    return done.model_dump_json(indent=2, exclude_unset=True)


# --- Anthropic Messages -----------------------------------------------------------------------

MESSAGE_ID = "msg_01Framework"
CLAUDE_MODEL = "claude-sonnet-4-5-20250929"
ANTHROPIC_ERROR = "Overloaded"


def _claude_message(content: list[Any], stop_reason: Literal["end_turn"] | None, output_tokens: int) -> claude.Message:
    return claude.Message(id=MESSAGE_ID, type="message", role="assistant", model=CLAUDE_MODEL,
                          content=content, stop_reason=stop_reason, stop_sequence=None,
                          usage=claude.Usage(input_tokens=PROMPT_TOKENS, output_tokens=output_tokens))


def _anthropic_frames(failing: bool) -> list[Frame]:
    def typed(event: BaseModel) -> Frame:
        return Frame(event.model_dump_json(exclude_unset=True), event.type)

    frames = [
        typed(claude.RawMessageStartEvent(type="message_start", message=_claude_message([], None, 1))),
        typed(claude.RawContentBlockStartEvent(type="content_block_start", index=0,
                                               content_block=claude.TextBlock(type="text", text=""))),
        # The SDK has no type for the ping; Anthropic writes it with json.dumps's spaces.
        Frame(json.dumps({"type": "ping"}), "ping"),
    ]
    frames += [typed(claude.RawContentBlockDeltaEvent(type="content_block_delta", index=0,
                                                      delta=claude.TextDelta(type="text_delta", text=piece)))
               for piece in _pieces(failing)]
    if failing:
        error = claude.ErrorResponse(type="error", error=claude.OverloadedError(type="overloaded_error",
                                                                                message=ANTHROPIC_ERROR))
        return frames + [typed(error)]
    return frames + [
        typed(claude.RawContentBlockStopEvent(type="content_block_stop", index=0)),
        typed(claude.RawMessageDeltaEvent.model_validate({
            "type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None},
            "usage": {"output_tokens": len(PIECES)}})),
        typed(claude.RawMessageStopEvent(type="message_stop")),
    ]


def _anthropic_answer() -> str:
    message = _claude_message([claude.TextBlock(type="text", text=REPLY)], "end_turn", len(PIECES))
    return message.model_dump_json(exclude_unset=True)


# --- Google Gemini ----------------------------------------------------------------------------

GEMINI_MODEL = "gemini-2.5-flash"
GEMINI_ERROR = "The model is overloaded. Please try again later."


def _gemini_value(text: str, *, finished: bool) -> dict[str, Any]:
    candidate: dict[str, Any] = {"content": {"parts": [{"text": text}], "role": "model"}, "index": 0}
    usage: dict[str, Any] = {"promptTokenCount": PROMPT_TOKENS, "totalTokenCount": PROMPT_TOKENS}
    if finished:  # only the last frame counts the reply and says why it ended
        candidate["finishReason"] = "STOP"
        usage.update(candidatesTokenCount=len(PIECES), totalTokenCount=PROMPT_TOKENS + len(PIECES))
    value = {"candidates": [candidate], "usageMetadata": usage, "modelVersion": GEMINI_MODEL,
             "responseId": "framework-gemini"}
    if genai_types is None:
        return value
    typed = genai_types.GenerateContentResponse.model_validate(value)  # extra="forbid": a wrong name raises
    return dict(typed.model_dump(mode="json", by_alias=True, exclude_none=True))


def _google(value: Any) -> str:
    # Google's front end writes a space after each colon and none after a comma.
    return json.dumps(value, ensure_ascii=False, separators=(",", ": "))


def _gemini_frames(failing: bool) -> list[Frame]:
    pieces = _pieces(failing)
    if failing:
        error = {"error": {"code": 503, "message": GEMINI_ERROR, "status": "UNAVAILABLE"}}
        return [Frame(_google(_gemini_value(piece, finished=False))) for piece in pieces] + [Frame(_google(error))]
    # The last piece comes in the frame that ends the reply.
    return ([Frame(_google(_gemini_value(piece, finished=False))) for piece in pieces[:-1]]
            + [Frame(_google(_gemini_value(pieces[-1], finished=True)))])


def _gemini_answer() -> str:
    return json.dumps(_gemini_value(REPLY, finished=True), ensure_ascii=False, indent=2)


# --- Vercel AI SDK 5 UI message stream --------------------------------------------------------

VERCEL_ERROR = "The model provider failed mid-answer."


def _vercel_frames(failing: bool) -> list[Frame]:
    text = {"id": "txt-0"}
    parts: list[dict[str, Any]] = [{"type": "start", "messageId": "msg-framework"}, {"type": "start-step"},
                                   {"type": "text-start", **text}]
    parts += [{"type": "text-delta", **text, "delta": piece} for piece in _pieces(failing)]
    if failing:
        parts.append({"type": "error", "errorText": VERCEL_ERROR})
    else:
        parts += [{"type": "text-end", **text}, {"type": "finish-step"}, {"type": "finish"}]
    # The SDK's JsonToSseTransformStream ends every stream with [DONE], a failed one too.
    return [Frame(_compact(part)) for part in parts] + [Frame("[DONE]")]


def _vercel_answer() -> str:
    return _compact({"id": "msg-framework", "role": "assistant", "parts": [{"type": "text", "text": REPLY}]})


# --- Hugging Face text-generation-inference ---------------------------------------------------

TGI_ERROR = "Request failed during generation: Server error: CUDA out of memory."


def _tgi_frames(failing: bool) -> list[Frame]:
    pieces = _pieces(failing)
    frames = [Frame(_compact({"index": index, "token": {"id": 100 + index, "text": piece, "logprob": -0.25,
                                                        "special": False},
                              "generated_text": None, "details": None}))
              for index, piece in enumerate(pieces, 1)]
    if failing:
        return frames + [Frame(_compact({"error": TGI_ERROR, "error_type": "generation"}))]
    end = len(pieces) + 1  # the end of the sequence is a token of its own
    return frames + [Frame(_compact({
        "index": end, "token": {"id": 2, "text": "</s>", "logprob": -0.01, "special": True},
        "generated_text": REPLY,
        "details": {"finish_reason": "eos_token", "generated_tokens": end, "seed": None}}))]


def _tgi_answer() -> str:
    return _compact({"generated_text": REPLY})


# --- llama.cpp server -------------------------------------------------------------------------

LLAMACPP_ERROR = "Context size has been exceeded."


def _llamacpp_result(content: str) -> dict[str, Any]:
    return {"index": 0, "content": content, "tokens": [], "id_slot": 0, "stop": True,
            "model": "qwen2.5-0.5b-instruct-q4_k_m.gguf", "tokens_predicted": len(PIECES),
            "tokens_evaluated": PROMPT_TOKENS, "stop_type": "eos", "stopping_word": "",
            "tokens_cached": PROMPT_TOKENS + len(PIECES), "truncated": False,
            "timings": {"prompt_n": PROMPT_TOKENS, "prompt_ms": 12.0, "predicted_n": len(PIECES),
                        "predicted_ms": 20.0 * len(PIECES), "predicted_per_second": 50.0}}


def _llamacpp_frames(failing: bool) -> list[Frame]:
    frames = [Frame(_compact({"index": 0, "content": piece, "tokens": [], "stop": False, "id_slot": -1,
                              "tokens_predicted": number, "tokens_evaluated": PROMPT_TOKENS}))
              for number, piece in enumerate(_pieces(failing), 1)]
    if failing:
        error = {"code": 500, "message": LLAMACPP_ERROR, "type": "server_error"}
        return frames + [Frame(_compact({"error": error}))]
    return frames + [Frame(_compact(_llamacpp_result("")))]


def _llamacpp_answer() -> str:
    return _compact(_llamacpp_result(REPLY))


# --- LangServe --------------------------------------------------------------------------------

RUN_ID = "6f1c1a52-4a8e-4f61-9d1e-0c2b8e5f7a10"
LANGSERVE_ERROR = "Internal Server Error"  # LangServe hides every exception behind this


def _langserve_frames(failing: bool) -> list[Frame]:
    # Metadata and errors with json.dumps, output with orjson (raw UTF-8); `end` has no data.
    frames = [Frame(json.dumps({"run_id": RUN_ID}), "metadata")]
    frames += [Frame(json.dumps(piece, ensure_ascii=False), "data") for piece in _pieces(failing)]
    if failing:
        return frames + [Frame(json.dumps({"status_code": 500, "message": LANGSERVE_ERROR}), "error")]
    return frames + [Frame(None, "end")]


def _langserve_answer() -> str:
    return json.dumps({"output": REPLY, "metadata": {"run_id": RUN_ID, "feedback_tokens": []}},
                      ensure_ascii=False)


# --- the table --------------------------------------------------------------------------------

DIALECTS: dict[str, Dialect] = {
    "openai": Dialect(frames=_openai_frames, answer=_openai_answer, error_message=OPENAI_ERROR),
    "responses": Dialect(frames=_responses_frames, answer=_responses_answer, error_message=RESPONSES_ERROR),
    "anthropic": Dialect(frames=_anthropic_frames, answer=_anthropic_answer, error_message=ANTHROPIC_ERROR),
    "gemini": Dialect(frames=_gemini_frames, answer=_gemini_answer, error_message=GEMINI_ERROR,
                      newline="\r\n"),
    "vercel": Dialect(frames=_vercel_frames, answer=_vercel_answer, error_message=VERCEL_ERROR,
                      headers={"x-vercel-ai-ui-message-stream": "v1"}),
    "tgi": Dialect(frames=_tgi_frames, answer=_tgi_answer, error_message=TGI_ERROR, colon=":"),
    "llamacpp": Dialect(frames=_llamacpp_frames, answer=_llamacpp_answer, error_message=LLAMACPP_ERROR),
    "langserve": Dialect(frames=_langserve_frames, answer=_langserve_answer, error_message=LANGSERVE_ERROR,
                         newline="\r\n"),
}
DialectName = enum.Enum("DialectName", {name: name for name in DIALECTS}, type=str)  # type: ignore[misc]


# --- the app ----------------------------------------------------------------------------------

class ChatRequest(BaseModel):
    """The client's request (PROTOCOL.md): the model, the messages, and whether to stream."""

    model_config = ConfigDict(extra="allow")
    model: str
    messages: list[dict[str, Any]]
    stream: bool = False


@dataclass
class Turn:
    """One request: what to send, and where to cut."""

    dialect: Dialect
    frames: list[Frame]
    cut_at: int | None

    async def paced(self) -> AsyncIterator[Frame]:
        for number, frame in enumerate(self.frames):
            if number == self.cut_at:
                raise DeliberateDisconnect(f"cut after {number} events")
            yield frame
            await asyncio.sleep(DELAY_S)


class AttemptLog:
    """The requests of each conversation, for the tests and for counting attempts."""

    def __init__(self) -> None:
        self.by_key: dict[str, list[dict[str, Any]]] = {}
        self._anonymous = 0

    def record(self, key: str | None, entry: dict[str, Any]) -> int:
        """Records a request; returns its attempt number in its conversation (1 = first)."""
        if key is None:
            self._anonymous += 1
            key = f"anonymous-{self._anonymous}"
        attempts = self.by_key.setdefault(key, [])
        attempts.append(entry)
        return len(attempts)


def _turn(log: AttemptLog, request: Request, dialect: DialectName, chat: ChatRequest, *,
          route: str, cut: int | None, error: bool, session: str | None) -> Turn:
    key = session or request.headers.get("idempotency-key")
    attempt = log.record(key, {
        "route": route, "dialect": dialect.value, "stream": chat.stream,
        "idempotency_key": request.headers.get("idempotency-key"),
        "last_event_id": request.headers.get("last-event-id"),
        "authorization": request.headers.get("authorization")})
    spec = DIALECTS[dialect.value]
    return Turn(spec, spec.frames(error), cut if attempt == 1 else None)


def create_app() -> FastAPI:
    """The backend: both route families, the log, the health check, CORS."""
    logging.getLogger("uvicorn.error").addFilter(_HideDeliberateDisconnects())
    app = FastAPI(title="chat backend on real frameworks")
    log = AttemptLog()

    @app.post("/sse-starlette/{dialect}")
    async def via_sse_starlette(dialect: DialectName, chat: ChatRequest, request: Request,
                                cut: int | None = Query(None, ge=0), error: bool = False,
                                session: str | None = None) -> Response:
        turn = _turn(log, request, dialect, chat, route="sse-starlette", cut=cut, error=error, session=session)
        if not chat.stream:
            return Response(turn.dialect.answer(), media_type="application/json")

        async def events() -> AsyncIterator[dict[str, Any]]:
            await asyncio.sleep(THINK_S)
            async for frame in turn.paced():
                yield {key: value for key, value in (("event", frame.event), ("data", frame.data))
                       if value is not None}

        return EventSourceResponse(events(), ping=PING_S, headers=turn.dialect.headers)

    @app.post("/streaming/{dialect}")
    async def via_streaming_response(dialect: DialectName, chat: ChatRequest, request: Request,
                                     cut: int | None = Query(None, ge=0), error: bool = False,
                                     session: str | None = None) -> Response:
        turn = _turn(log, request, dialect, chat, route="streaming", cut=cut, error=error, session=session)
        if not chat.stream:
            return Response(turn.dialect.answer(), media_type="application/json")

        async def body() -> AsyncIterator[bytes]:
            async for frame in turn.paced():
                yield turn.dialect.wire(frame)

        headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no", **turn.dialect.headers}
        return StreamingResponse(body(), media_type="text/event-stream", headers=headers)

    @app.get("/log")
    async def attempts(session: str) -> list[dict[str, Any]]:
        return log.by_key.get(session, [])

    @app.get("/health")
    async def health() -> dict[str, bool]:
        return {"ok": True}

    app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["*"], allow_headers=["*"],
                       expose_headers=["Retry-After"])
    return app


app = create_app()
