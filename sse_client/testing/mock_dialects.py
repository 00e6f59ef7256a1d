"""How each wire dialect of the mock chat backend writes a reply: the table behind ``format=``.

One function per dialect turns a :class:`Reply` (its pieces, its whole text, and whether an
in-stream error ends it early) into a :class:`Stream`: the events, which get ``id:`` lines,
and the error frames after them, which do not. Each dialect's row in :data:`DIALECTS` adds how
its lines are written (:class:`Wire`), its malformed frame, its non-streaming answer, its HTTP
error body and its response headers. :mod:`~sse_client.testing.mock_script` turns all of it into
frames; nothing here does I/O or reads a clock.

The real servers are copied where they differ from each other, because a client meets exactly
these differences:

==========  ==============================================  =====================================
dialect     real server                                     wire
==========  ==============================================  =====================================
standard    this project's own (PROTOCOL.md)                ``json.dumps`` defaults
legacy      older backends of ours: ``{"chunk": ...}``      ``json.dumps`` defaults
openai      OpenAI Chat Completions                         ``json.dumps`` defaults (kept as before;
                                                            OpenAI itself writes compact JSON)
raw         plain text in ``data:`` lines                   one data line per line of text
responses   OpenAI Responses API                            ``event:`` lines, compact JSON
anthropic   Anthropic Messages                              ``event:`` lines, compact JSON; the ping
                                                            alone is ``{"type": "ping"}``
gemini      Gemini ``streamGenerateContent?alt=sse``        CRLF line ends, ``{"a": 1,"b": 2}``
vercel      Vercel AI SDK 5 UI message stream               compact JSON, then ``[DONE]``
tgi         Hugging Face text-generation-inference (axum)   ``data:{...}``, no space after colons
llamacpp    llama.cpp server ``/completion``                compact JSON
langserve   LangServe ``/stream`` (sse-starlette)           CRLF line ends, ``event:`` lines
==========  ==============================================  =====================================

Every dialect sends non-ASCII text as raw UTF-8 (``ensure_ascii=False``), as the real servers
do, so that a cut or a read boundary can fall inside a character.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Literal, NamedTuple, get_args

Format = Literal["standard", "legacy", "openai", "raw", "responses", "anthropic", "gemini",
                 "vercel", "tgi", "llamacpp", "langserve"]
FORMATS: tuple[Format, ...] = get_args(Format)

OPENAI_ID = "chatcmpl-mock"
RESPONSE_ID = "resp_mock"
MESSAGE_ID = "msg_mock"  # the Responses output item and the Anthropic message
VERCEL_MESSAGE_ID = "msg-mock"
VERCEL_TEXT_ID = "txt-0"
STATUS_MESSAGE = "Processing..."
PROMPT_TOKENS = 12
"""The prompt's size in tokens wherever a dialect reports usage; the reply's is its pieces."""
MOCK_PROMPT = "<|user|>Hello<|assistant|>"
"""The prompt llama.cpp echoes in its last frame (the mock does not render the request's)."""
LANGSERVE_ERROR = "Internal Server Error"
"""LangServe hides every exception behind this message, so the mock's own cannot be seen."""


class Event(NamedTuple):
    """One event of a stream: its data (None: no data line at all) and its ``event:`` name."""

    data: str | None
    name: str | None = None


@dataclass(frozen=True, kw_only=True)
class Reply:
    """What a dialect renders: the same for all of them."""

    pieces: Sequence[str]
    """The chunk texts in order (each the whole text so far with stutter), cut at the error."""
    text: str
    """The whole reply, as the end of a clean stream and the non-streaming answer carry it."""
    failure: str | None = None
    """The message of the in-stream error that replaces the end of the stream, if any."""
    model: str
    created: int


@dataclass(frozen=True)
class Stream:
    """A dialect's frames: ``events`` get ids; ``error`` (the in-stream error, and whatever the
    server writes after it) does not, so that a resume after the error loses nothing."""

    events: list[Event]
    error: list[Event] = field(default_factory=list)


@dataclass(frozen=True, kw_only=True)
class Wire:
    """How a server writes the lines of a frame (the event-stream format allows all of these)."""

    colon: str = ": "
    """After a field name. axum (TGI) writes ``data:{...}``: the spec strips one space if any."""
    newline: str = "\n"
    """sse-starlette (LangServe) and Google's front end (Gemini) end their lines with CRLF."""


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _compact(value: Any) -> str:
    # What JSON.stringify, serde_json, nlohmann::json and orjson write.
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _google(value: Any) -> str:
    # Google's front end writes a space after each colon but none after a comma.
    return json.dumps(value, ensure_ascii=False, separators=(",", ": "))


def _encoded(pieces: Sequence[str]) -> dict[str, str]:
    """Each distinct piece as a JSON string literal, encoded once: with ``events=N`` the pieces
    repeat, and a 100,000-event benchmark body should not wait on 100,000 ``json.dumps`` calls."""
    return {piece: _dumps(piece) for piece in dict.fromkeys(pieces)}


_HOLE = re.compile(r'"\\u0000(\w+)\\u0000"')


def _hole(name: str) -> str:
    """A placeholder for a value that changes from event to event (see :func:`_template`)."""
    return f"\0{name}\0"


def _template(dumps: Callable[[Any], str], value: Any) -> str:
    """``value`` as JSON, each ``_hole(name)`` in it turned into a ``{name}`` field of a
    ``str.format`` string, the other braces doubled.

    For frames that differ in a piece of text and a counter: the JSON is written once and each
    frame is one ``format`` call with the piece's literal from :func:`_encoded`. ``json.dumps``
    escapes NUL, so a hole is written ``"\\u0000name\\u0000"``; no other string of a template
    holds a NUL (the request's model name never goes into one).
    """
    return _HOLE.sub(r"{\1}", dumps(value).replace("{", "{{").replace("}", "}}"))


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def fault_message(status: int) -> str:
    """The message of the ``status=`` fault's body, in every dialect. It does not say "HTTP
    429" the way a client's own message for a bare status would, so that a test can tell that
    the client read the body."""
    return f"Mock fault: {status} {_phrase(status)}"


# --- the standard shape, and the formats that fall back on it ---------------------------------

def error_body(code: str, message: str) -> dict[str, Any]:
    """An error in the standard shape, used both as a response body and as an event."""
    return {"type": "error", "data": {"code": code, "message": message}}


def _standard_status(status: int) -> dict[str, Any]:
    try:
        name = HTTPStatus(status).name
    except ValueError:
        name = f"HTTP_{status}"
    # PROTOCOL.md names the 429 code RATE_LIMIT; the rest keep their standard names.
    return error_body("RATE_LIMIT" if status == 429 else name, fault_message(status))


def _complete(reply: Reply) -> dict[str, Any]:
    return {"type": "complete", "data": {"final_response": reply.text}}


def _standard(reply: Reply) -> Stream:
    chunk = _template(_dumps, {"type": "chunk", "data": {"content": _hole("content"),
                                                         "index": _hole("index")}})
    text = _encoded(reply.pieces)
    events = [Event(_dumps({"type": "status", "data": {"message": STATUS_MESSAGE,
                                                      "progress": 0.0}}))]
    events += [Event(chunk.format(content=text[piece], index=index))
               for index, piece in enumerate(reply.pieces)]
    if reply.failure is not None:
        return Stream(events, [Event(_dumps(error_body("UPSTREAM", reply.failure)))])
    return Stream(events + [Event(_dumps(_complete(reply)))])


def _legacy(reply: Reply) -> Stream:
    # The legacy format has no error shape and no end event: the stream just ends, and an
    # error is sent in the standard shape (what the backends that mix them do).
    rendered = {piece: _dumps({"chunk": piece}) for piece in dict.fromkeys(reply.pieces)}
    events = [Event(_dumps({"chunk": STATUS_MESSAGE, "type": "status"}))]
    events += [Event(rendered[piece]) for piece in reply.pieces]
    if reply.failure is not None:
        return Stream(events, [Event(_dumps(error_body("UPSTREAM", reply.failure)))])
    return Stream(events)


def _raw(reply: Reply) -> Stream:
    # Raw text cannot express an error: the stream just stops early.
    return Stream([Event(piece) for piece in reply.pieces])


# --- OpenAI: Chat Completions and the Responses API -------------------------------------------

def _openai(reply: Reply) -> Stream:
    def chunk(delta: dict[str, str], finish_reason: str | None) -> str:
        return _dumps({"id": OPENAI_ID, "object": "chat.completion.chunk",
                       "created": reply.created, "model": reply.model,
                       "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}]})

    rendered = {piece: chunk({"content": piece}, None) for piece in dict.fromkeys(reply.pieces)}
    events = [Event(chunk({"role": "assistant"}, None))]
    events += [Event(rendered[piece]) for piece in reply.pieces]
    if reply.failure is not None:
        error = {"message": reply.failure, "type": "server_error", "code": "upstream"}
        return Stream(events, [Event(_dumps({"error": error}))])
    return Stream(events + [Event(chunk({}, "stop")), Event("[DONE]")])


def _openai_json(reply: Reply) -> dict[str, Any]:
    return {"id": OPENAI_ID, "object": "chat.completion", "created": reply.created,
            "model": reply.model, "choices": [{"index": 0, "finish_reason": "stop", "message": {
                "role": "assistant", "content": reply.text}}]}


def _openai_status(status: int) -> dict[str, Any]:
    kind, code = {401: ("invalid_request_error", "invalid_api_key"),
                  404: ("invalid_request_error", "model_not_found"),
                  429: ("requests", "rate_limit_exceeded")}.get(
        status, ("server_error" if status >= 500 else "invalid_request_error", None))
    return {"error": {"message": fault_message(status), "type": kind, "param": None,
                      "code": code}}


def _usage(pieces: int) -> dict[str, Any]:
    return {"input_tokens": PROMPT_TOKENS,
            "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
            "output_tokens": pieces, "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": PROMPT_TOKENS + pieces}


def _output_text(text: str) -> dict[str, Any]:
    return {"type": "output_text", "text": text, "annotations": []}


def _message_item(content: list[dict[str, Any]], status: str) -> dict[str, Any]:
    return {"type": "message", "id": MESSAGE_ID, "status": status, "role": "assistant",
            "content": content}


def _response(reply: Reply, *, status: str, output: list[dict[str, Any]],
              usage: dict[str, Any] | None) -> dict[str, Any]:
    return {"id": RESPONSE_ID, "object": "response", "created_at": reply.created,
            "status": status, "error": None, "incomplete_details": None, "instructions": None,
            "model": reply.model, "output": output, "parallel_tool_calls": True,
            "temperature": 1.0, "tool_choice": "auto", "tools": [], "top_p": 1.0,
            "usage": usage, "metadata": {}}


def _responses_json(reply: Reply) -> dict[str, Any]:
    item = _message_item([_output_text(reply.text)], "completed")
    return _response(reply, status="completed", output=[item], usage=_usage(len(reply.pieces)))


def _responses(reply: Reply) -> Stream:
    # Every event names its type twice, in the event: line and in the JSON, and is numbered.
    def numbered(value: dict[str, Any], number: int) -> Event:
        return Event(_compact({**value, "sequence_number": number}), value["type"])

    place = {"item_id": MESSAGE_ID, "output_index": 0, "content_index": 0}
    started = _response(reply, status="in_progress", output=[], usage=None)
    head: list[dict[str, Any]] = [
        {"type": "response.created", "response": started},
        {"type": "response.in_progress", "response": started},
        {"type": "response.output_item.added", "output_index": 0,
         "item": _message_item([], "in_progress")},
        {"type": "response.content_part.added", **place, "part": _output_text("")},
    ]
    events = [numbered(value, number) for number, value in enumerate(head)]
    delta = _template(_compact, {"type": "response.output_text.delta", **place,
                                 "delta": _hole("delta"), "logprobs": [],
                                 "sequence_number": _hole("number")})
    text = _encoded(reply.pieces)
    events += [Event(delta.format(delta=text[piece], number=number), "response.output_text.delta")
               for number, piece in enumerate(reply.pieces, len(events))]
    if reply.failure is not None:
        return Stream(events, [numbered({"type": "error", "code": "server_error",
                                         "message": reply.failure, "param": None}, len(events))])
    done = _responses_json(reply)
    tail: list[dict[str, Any]] = [
        {"type": "response.output_text.done", **place, "text": reply.text, "logprobs": []},
        {"type": "response.content_part.done", **place, "part": _output_text(reply.text)},
        {"type": "response.output_item.done", "output_index": 0, "item": done["output"][0]},
        {"type": "response.completed", "response": done},
    ]
    return Stream(events + [numbered(value, number)
                            for number, value in enumerate(tail, len(events))])


# --- Anthropic Messages -----------------------------------------------------------------------

_ANTHROPIC_ERRORS = {400: "invalid_request_error", 401: "authentication_error",
                     402: "billing_error", 403: "permission_error", 404: "not_found_error",
                     413: "request_too_large", 429: "rate_limit_error", 504: "timeout_error",
                     529: "overloaded_error"}


def _anthropic_message(reply: Reply, content: list[dict[str, Any]], stop_reason: str | None,
                       output_tokens: int) -> dict[str, Any]:
    return {"id": MESSAGE_ID, "type": "message", "role": "assistant", "model": reply.model,
            "content": content, "stop_reason": stop_reason, "stop_sequence": None,
            "usage": {"input_tokens": PROMPT_TOKENS, "output_tokens": output_tokens}}


def _anthropic(reply: Reply) -> Stream:
    def event(value: dict[str, Any]) -> Event:
        return Event(_compact(value), value["type"])

    events = [event({"type": "message_start",
                     "message": _anthropic_message(reply, [], None, 1)}),
              event({"type": "content_block_start", "index": 0,
                     "content_block": {"type": "text", "text": ""}}),
              # Anthropic writes this one frame with json.dumps's spaces, unlike all the others.
              Event(_dumps({"type": "ping"}), "ping")]
    rendered = {piece: event({"type": "content_block_delta", "index": 0,
                              "delta": {"type": "text_delta", "text": piece}})
                for piece in dict.fromkeys(reply.pieces)}
    events += [rendered[piece] for piece in reply.pieces]
    if reply.failure is not None:
        return Stream(events, [event({"type": "error", "error": {
            "type": "overloaded_error", "message": reply.failure}})])
    return Stream(events + [
        event({"type": "content_block_stop", "index": 0}),
        event({"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None},
               "usage": {"output_tokens": len(reply.pieces)}}),
        event({"type": "message_stop"})])


def _anthropic_json(reply: Reply) -> dict[str, Any]:
    return _anthropic_message(reply, [{"type": "text", "text": reply.text}], "end_turn",
                              len(reply.pieces))


def _anthropic_status(status: int) -> dict[str, Any]:
    kind = _ANTHROPIC_ERRORS.get(status, "api_error" if status >= 500 else "invalid_request_error")
    return {"type": "error", "error": {"type": kind, "message": fault_message(status)}}


# --- Google Gemini ----------------------------------------------------------------------------

_GOOGLE_STATUSES = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED",
                    404: "NOT_FOUND", 409: "ABORTED", 429: "RESOURCE_EXHAUSTED",
                    499: "CANCELLED", 500: "INTERNAL", 501: "UNIMPLEMENTED", 503: "UNAVAILABLE",
                    504: "DEADLINE_EXCEEDED"}


def _gemini_response(reply: Reply, text: str, *, finished: bool) -> dict[str, Any]:
    candidate: dict[str, Any] = {"content": {"parts": [{"text": text}], "role": "model"}}
    # Only the last frame counts the reply's tokens, and it carries the last text as well.
    usage: dict[str, Any] = {"promptTokenCount": PROMPT_TOKENS}
    if finished:
        candidate["finishReason"] = "STOP"
        usage["candidatesTokenCount"] = len(reply.pieces)
    candidate["index"] = 0
    usage["totalTokenCount"] = PROMPT_TOKENS + (len(reply.pieces) if finished else 0)
    return {"candidates": [candidate], "usageMetadata": usage, "modelVersion": reply.model,
            "responseId": f"mock-{reply.created}"}


def _gemini(reply: Reply) -> Stream:
    pieces = list(reply.pieces)
    # The last piece goes in the frame that ends the reply; an empty reply still gets one.
    last = None if reply.failure is not None else pieces.pop() if pieces else ""
    rendered = {piece: _google(_gemini_response(reply, piece, finished=False))
                for piece in dict.fromkeys(pieces)}
    events = [Event(rendered[piece]) for piece in pieces]
    if last is None:
        error = {"code": 500, "message": reply.failure, "status": "INTERNAL"}
        return Stream(events, [Event(_google({"error": error}))])
    return Stream(events + [Event(_google(_gemini_response(reply, last, finished=True)))])


def _gemini_json(reply: Reply) -> dict[str, Any]:
    return _gemini_response(reply, reply.text, finished=True)


def _gemini_status(status: int) -> dict[str, Any]:
    name = _GOOGLE_STATUSES.get(status, "INTERNAL" if status >= 500 else "FAILED_PRECONDITION")
    return {"error": {"code": status, "message": fault_message(status), "status": name}}


# --- Vercel AI SDK 5 UI message stream --------------------------------------------------------

def _vercel(reply: Reply) -> Stream:
    text = {"id": VERCEL_TEXT_ID}
    head = [{"type": "start", "messageId": VERCEL_MESSAGE_ID}, {"type": "start-step"},
            {"type": "text-start", **text}]
    events = [Event(_compact(value)) for value in head]
    rendered = {piece: _compact({"type": "text-delta", **text, "delta": piece})
                for piece in dict.fromkeys(reply.pieces)}
    events += [Event(rendered[piece]) for piece in reply.pieces]
    # The SDK's JsonToSseTransformStream writes [DONE] whenever the stream closes, errors too.
    if reply.failure is not None:
        return Stream(events, [Event(_compact({"type": "error", "errorText": reply.failure})),
                               Event("[DONE]")])
    tail = [{"type": "text-end", **text}, {"type": "finish-step"}, {"type": "finish"}]
    return Stream(events + [Event(_compact(value)) for value in tail] + [Event("[DONE]")])


def _vercel_json(reply: Reply) -> dict[str, Any]:
    return {"id": VERCEL_MESSAGE_ID, "role": "assistant",
            "parts": [{"type": "text", "text": reply.text}]}


# --- Hugging Face text-generation-inference ---------------------------------------------------

def _tgi(reply: Reply) -> Stream:
    frame = _template(_compact, {
        "index": _hole("index"),
        "token": {"id": _hole("id"), "text": _hole("text"), "logprob": -0.25, "special": False},
        "generated_text": None, "details": None, "top_tokens": None})
    text = _encoded(reply.pieces)
    token_ids = {piece: 100 + number for number, piece in enumerate(text)}  # a mock vocabulary
    events = [Event(frame.format(index=index, id=token_ids[piece], text=text[piece]))
              for index, piece in enumerate(reply.pieces, 1)]
    if reply.failure is not None:
        return Stream(events, [Event(_compact({"error": reply.failure,
                                               "error_type": "generation"}))])
    # The end of the sequence is a token of its own, and the frame carrying it has the whole text.
    tokens = len(reply.pieces) + 1
    return Stream(events + [Event(_compact({
        "index": tokens, "token": {"id": 2, "text": "</s>", "logprob": -0.01, "special": True},
        "generated_text": reply.text,
        "details": {"finish_reason": "eos_token", "generated_tokens": tokens, "seed": None,
                    "input_length": PROMPT_TOKENS},
        "top_tokens": None}))])


def _tgi_json(reply: Reply) -> dict[str, Any]:
    return {"generated_text": reply.text}


def _tgi_status(status: int) -> dict[str, Any]:
    kind = "overloaded" if status == 429 else "generation" if status >= 500 else "validation"
    return {"error": fault_message(status), "error_type": kind}


# --- llama.cpp server -------------------------------------------------------------------------

_LLAMACPP_ERRORS = {400: "invalid_request_error", 401: "authentication_error",
                    403: "permission_error", 404: "not_found_error", 501: "not_supported_error",
                    503: "unavailable_error"}


def _llamacpp_result(reply: Reply, content: str) -> dict[str, Any]:
    """The last frame of a stream (``content`` empty) and the non-streaming answer."""
    predicted = len(reply.pieces)
    return {
        "index": 0, "content": content, "tokens": [], "id_slot": 0, "stop": True,
        "model": reply.model, "tokens_predicted": predicted, "tokens_evaluated": PROMPT_TOKENS,
        "generation_settings": {"n_predict": -1, "seed": 4294967295, "temperature": 0.8,
                                "top_k": 40, "top_p": 0.95, "stream": content == ""},
        "prompt": MOCK_PROMPT, "has_new_line": "\n" in content, "truncated": False,
        "stop_type": "eos", "stopping_word": "", "tokens_cached": PROMPT_TOKENS + predicted,
        "timings": {"prompt_n": PROMPT_TOKENS, "prompt_ms": 12.0, "prompt_per_token_ms": 1.0,
                    "prompt_per_second": 1000.0, "predicted_n": predicted,
                    "predicted_ms": 20.0 * predicted, "predicted_per_token_ms": 20.0,
                    "predicted_per_second": 50.0}}


def _llamacpp(reply: Reply) -> Stream:
    frame = _template(_compact, {"index": 0, "content": _hole("content"), "tokens": [],
                                 "stop": False, "id_slot": -1,
                                 "tokens_predicted": _hole("predicted"),
                                 "tokens_evaluated": PROMPT_TOKENS})
    text = _encoded(reply.pieces)
    events = [Event(frame.format(content=text[piece], predicted=predicted))
              for predicted, piece in enumerate(reply.pieces, 1)]
    if reply.failure is not None:
        # Older servers wrote this as an `error:` field, which event-stream parsers ignore.
        error = {"code": 500, "message": reply.failure, "type": "server_error"}
        return Stream(events, [Event(_compact({"error": error}))])
    return Stream(events + [Event(_compact(_llamacpp_result(reply, "")))])


def _llamacpp_json(reply: Reply) -> dict[str, Any]:
    return _llamacpp_result(reply, reply.text)


def _llamacpp_status(status: int) -> dict[str, Any]:
    kind = _LLAMACPP_ERRORS.get(status, "server_error" if status >= 500
                                else "invalid_request_error")
    return {"error": {"code": status, "message": fault_message(status), "type": kind}}


# --- LangServe --------------------------------------------------------------------------------

def _run_id(reply: Reply) -> str:
    return f"00000000-0000-4000-8000-{reply.created % 16**12:012x}"


def _langserve(reply: Reply) -> Stream:
    # LangServe writes its metadata and errors with json.dumps, its output with orjson (compact,
    # raw UTF-8). Its end event has no data line, so a WHATWG parser never dispatches it.
    rendered = {piece: _compact(piece) for piece in dict.fromkeys(reply.pieces)}
    events = [Event(json.dumps({"run_id": _run_id(reply)}), "metadata")]
    events += [Event(rendered[piece], "data") for piece in reply.pieces]
    if reply.failure is not None:
        error = {"status_code": 500, "message": LANGSERVE_ERROR}
        return Stream(events, [Event(json.dumps(error), "error")])
    return Stream(events + [Event(None, "end")])


def _langserve_json(reply: Reply) -> dict[str, Any]:
    # What /invoke answers.
    return {"output": reply.text, "metadata": {"run_id": _run_id(reply), "feedback_tokens": []}}


def _langserve_status(status: int) -> dict[str, Any]:
    return {"detail": fault_message(status)}  # FastAPI's HTTPException


# --- the table --------------------------------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class Dialect:
    """Everything ``format=<name>`` changes."""

    stream: Callable[[Reply], Stream]
    json_reply: Callable[[Reply], dict[str, Any]]
    """The non-streaming answer (``"stream": false`` or ``json=1``)."""
    status_body: Callable[[int], dict[str, Any]] = _standard_status
    """The JSON body of the ``status=`` fault, in the provider's error shape."""
    malformed: Event | None
    """A frame that opens a JSON value of the dialect's shape and never closes it."""
    wire: Wire = Wire()
    stutter: bool = False
    """Whether ``stutter=1`` makes sense: generic formats that proxies fill from anything. A
    provider dialect streams deltas by definition."""
    headers: Mapping[str, str] = field(default_factory=dict)
    """Response headers of a stream in this dialect."""


DIALECTS: dict[Format, Dialect] = {
    "standard": Dialect(stream=_standard, json_reply=_complete, stutter=True,
                        malformed=Event('{"type": "chunk", "data": {')),
    "legacy": Dialect(stream=_legacy, json_reply=_complete, stutter=True,
                      malformed=Event('{"chunk": "')),
    "openai": Dialect(stream=_openai, json_reply=_openai_json, status_body=_openai_status,
                      stutter=True,
                      malformed=Event('{"object": "chat.completion.chunk", "choices": [')),
    # Every line of raw text is valid text: there is nothing to malform.
    "raw": Dialect(stream=_raw, json_reply=_complete, stutter=True, malformed=None),
    "responses": Dialect(
        stream=_responses, json_reply=_responses_json, status_body=_openai_status,
        malformed=Event('{"type":"response.output_text.delta","item_id":"msg_mock",'
                        '"output_index":0,"content_index":0,"delta":"',
                        "response.output_text.delta")),
    "anthropic": Dialect(
        stream=_anthropic, json_reply=_anthropic_json, status_body=_anthropic_status,
        malformed=Event('{"type":"content_block_delta","index":0,"delta":{"type":"text_delta",'
                        '"text":"', "content_block_delta")),
    "gemini": Dialect(stream=_gemini, json_reply=_gemini_json, status_body=_gemini_status,
                      malformed=Event('{"candidates": [{"content": {"parts": [{"text": "'),
                      wire=Wire(newline="\r\n")),
    "vercel": Dialect(stream=_vercel, json_reply=_vercel_json,
                      malformed=Event('{"type":"text-delta","id":"txt-0","delta":"'),
                      headers={"x-vercel-ai-ui-message-stream": "v1"}),
    "tgi": Dialect(stream=_tgi, json_reply=_tgi_json, status_body=_tgi_status, wire=Wire(colon=":"),
                   malformed=Event('{"index":1,"token":{"id":100,"text":"')),
    "llamacpp": Dialect(stream=_llamacpp, json_reply=_llamacpp_json, status_body=_llamacpp_status,
                        malformed=Event('{"index":0,"content":"')),
    "langserve": Dialect(stream=_langserve, json_reply=_langserve_json,
                         status_body=_langserve_status,
                         malformed=Event('"', "data"), wire=Wire(newline="\r\n")),
}
