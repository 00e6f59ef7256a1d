"""Payload formats of PROTOCOL.md: detect which one a stream speaks and normalise its events.

    normalizer = PayloadNormalizer()
    chat_event = normalizer.normalize(server_sent_event)   # Chunk | Status | Complete | ...

One stream keeps one format, so the format is decided by the first frame that tells, then held:
a malformed frame later in a JSON stream becomes a `Malformed` warning instead of turning the
stream into raw text. A "stuttering" upstream (each chunk repeats the whole text so far) is
turned back into deltas by `StutterFilter`.

Sans-I/O: no asyncio, no js.
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass
from typing import Any, TypeAlias

from sse_client.content_template import ContentTemplate
from sse_client.parser import ServerSentEvent


class PayloadFormat(enum.Enum):
    STANDARD = "standard"  # {"type": "chunk" | "status" | "error" | "complete", "data": {...}}
    LEGACY = "legacy"  # {"chunk": "text"} or {"chunk": "text", "type": "status"}
    OPENAI = "openai"  # chat.completion.chunk objects, ended by [DONE]
    RAW = "raw"  # plain text


@dataclass(frozen=True, slots=True)
class Chunk:
    """New text for the reply. `index` is the standard format's chunk index, if it has one."""

    content: str
    index: int | None = None
    id: str = ""  # the SSE id in force when it arrived


@dataclass(frozen=True, slots=True)
class Status:
    """Progress for the user, from the backend."""

    message: str
    progress: float | None = None
    id: str = ""  # the SSE id in force when it arrived


@dataclass(frozen=True, slots=True)
class Complete:
    """The reply is finished; `final_response` is its whole text when the backend sends it."""

    final_response: str | None = None
    id: str = ""  # the SSE id in force when it arrived


@dataclass(frozen=True, slots=True)
class ErrorReport:
    """An error the backend reported inside a 200 stream."""

    code: str
    message: str
    id: str = ""  # the SSE id in force when it arrived


@dataclass(frozen=True, slots=True)
class Malformed:
    """A frame that could not be understood and was skipped; the stream goes on."""

    reason: str
    data: str
    id: str = ""  # the SSE id in force when it arrived


ChatEvent: TypeAlias = Chunk | Status | Complete | ErrorReport | Malformed

_STANDARD_TYPES = frozenset({"chunk", "status", "error", "complete"})
_OPENAI_DONE = "[DONE]"


class PayloadNormalizer:
    """Turns the `ServerSentEvent`s of one reply into `ChatEvent`s.

    Keep one per reply, across reconnections: the detected format and the stutter state belong
    to the reply, not to one connection.
    """

    def __init__(self) -> None:
        self.format: PayloadFormat | None = None
        self._stutter = StutterFilter()
        self._template = ContentTemplate()  # reads OpenAI chunks like the last one cheaply
        self._id = ""  # the id of the event being normalised

    @property
    def has_end_marker(self) -> bool:
        """Whether a stream that closes now was cut short. Standard and OpenAI streams end
        with an explicit marker, legacy and raw streams simply end; a stream that has not
        shown its format yet (no event at all) has delivered nothing, so it was cut short too."""
        return self.format not in (PayloadFormat.LEGACY, PayloadFormat.RAW)

    def restart(self) -> None:
        """The stream starts again from its beginning (a reconnect with no id to resume from):
        a stutter check still undecided starts over, or the repeated first chunk would decide
        it wrongly."""
        self._stutter.restart()

    @property
    def stuttering(self) -> bool:
        """Whether the stream was found to repeat its whole text in each chunk."""
        return self._stutter.cumulative is True

    def frame_shape(self) -> tuple[str, str] | None:
        """The text around the content literal that the stream's OpenAI frames share, once
        the stream is known to be OpenAI deltas (not stuttering): frames of this shape are
        plain new text, which `FastLane` reads without normalising them one by one."""
        if self.format is PayloadFormat.OPENAI and self._stutter.cumulative is False:
            return self._template.shape
        return None

    def normalize(self, event: ServerSentEvent) -> ChatEvent | None:
        """The chat event `event` carries, or None when it carries nothing for the user
        (an OpenAI role-only delta, for example)."""
        data = event.data
        self._id = event.id
        if event.event == "error":
            return _error_from_text(data, event.id)
        if data == _OPENAI_DONE and self.format in (None, PayloadFormat.OPENAI, PayloadFormat.RAW):
            # OpenAI's end marker; raw-text proxies of OpenAI upstreams pass it on as well.
            self.format = self.format or PayloadFormat.OPENAI
            return Complete(id=event.id)
        if self.format is PayloadFormat.RAW:
            return self._chunk(data, None)
        if self.format is PayloadFormat.OPENAI:
            content = self._template.match(data)
            if content is not None:  # the frame has the shape of the last one: only its text is new
                return self._chunk(content, None) if content else None
        if self.format is None and not data:
            return None  # an empty frame carries nothing and tells no format: keep waiting
        if self.format is None and not data.lstrip().startswith("{"):
            self.format = PayloadFormat.RAW
            return self._chunk(data, None)
        try:
            obj = json.loads(data)
        except ValueError as exc:
            return Malformed(f"invalid JSON: {exc}", data, self._id)
        if not isinstance(obj, dict):
            return Malformed("a JSON frame that is not an object", data, self._id)
        fmt = self.format or _detect(obj)
        if fmt is None:
            return Malformed("a JSON object in no known format", data, self._id)
        self.format = fmt
        if fmt is PayloadFormat.STANDARD:
            return self._standard(obj, data)
        if fmt is PayloadFormat.OPENAI:
            return self._openai(obj, data)
        return self._legacy(obj, data)

    def _chunk(self, content: str, index: int | None) -> Chunk | None:
        delta = self._stutter.delta(content)
        return Chunk(delta, index, self._id) if delta or index is not None else None

    def _standard(self, obj: dict[str, Any], data: str) -> ChatEvent | None:
        kind = obj.get("type")
        body = obj.get("data")
        if kind not in _STANDARD_TYPES or not isinstance(body, dict):
            return Malformed("not a standard-format event", data, self._id)
        if kind == "chunk":
            content = body.get("content")
            index = body.get("index")
            if not isinstance(content, str) or not (index is None or _is_int(index)):
                return Malformed("a chunk without string content", data, self._id)
            return self._chunk(content, index)
        if kind == "status":
            progress = body.get("progress")
            return Status(
                str(body.get("message", "")),
                float(progress) if isinstance(progress, (int, float)) else None,
                self._id,
            )
        if kind == "complete":
            final = body.get("final_response")
            return Complete(final if isinstance(final, str) else None, self._id)
        return ErrorReport(str(body.get("code", "ERROR")), str(body.get("message", "")), self._id)

    def _openai(self, obj: dict[str, Any], data: str) -> ChatEvent | None:
        if "error" in obj:
            return _openai_error(obj["error"], self._id)
        choices = obj.get("choices")
        if not isinstance(choices, list):
            return Malformed("an OpenAI chunk without choices", data, self._id)
        if not choices:
            return None  # usage-only chunks carry no text
        first = choices[0]
        delta = first.get("delta") if isinstance(first, dict) else None
        if not isinstance(delta, dict):
            return Malformed("an OpenAI choice without a delta", data, self._id)
        content = delta.get("content")
        if not isinstance(content, str):
            return None
        self._template.learn(data, content)
        return self._chunk(content, None) if content else None

    def _legacy(self, obj: dict[str, Any], data: str) -> ChatEvent | None:
        text = obj.get("chunk")
        if not isinstance(text, str):
            return Malformed("a legacy frame without a chunk", data, self._id)
        if obj.get("type") == "status":
            return Status(text, None, self._id)
        return self._chunk(text, None)


class StutterFilter:
    """Turns a cumulative ("stuttering") sequence of chunk texts back into deltas.

    The mode is decided at the second non-empty chunk: if it extends the text so far, the
    upstream repeats itself and every later chunk is cut to its new part. A delta stream whose
    second chunk happens to start with the whole first one would be misread; with real model
    output that does not happen.
    """

    def __init__(self) -> None:
        self.cumulative: bool | None = None
        self._text = ""  # the cumulative text so far, while it may be needed

    def restart(self) -> None:
        """The chunks start again from the first; forget it unless the mode is decided."""
        if self.cumulative is None:
            self._text = ""

    def delta(self, content: str) -> str:
        """The new part of `content`."""
        if self.cumulative is False or not content:
            return content
        text = self._text
        if self.cumulative is None:
            if not text:
                self._text = content
                return content
            self.cumulative = len(content) > len(text) and content.startswith(text)
            if not self.cumulative:
                self._text = ""
                return content
        if content.startswith(text):
            self._text = content
            return content[len(text) :]
        # A cumulative upstream that rewrote earlier text: what was shown cannot be taken back,
        # so show only what goes past it.
        new = content[len(text) :] if len(content) > len(text) else ""
        self._text = text + new
        return new


def _detect(obj: dict[str, Any]) -> PayloadFormat | None:
    if "choices" in obj or str(obj.get("object", "")).startswith("chat.completion"):
        return PayloadFormat.OPENAI
    if obj.get("type") in _STANDARD_TYPES and isinstance(obj.get("data"), dict):
        return PayloadFormat.STANDARD
    if "chunk" in obj:
        return PayloadFormat.LEGACY
    if "error" in obj:
        return PayloadFormat.OPENAI
    return None


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _openai_error(error: object, event_id: str) -> ErrorReport:
    if isinstance(error, dict):
        code = error.get("code") or error.get("type") or "ERROR"
        return ErrorReport(str(code), str(error.get("message", "")), event_id)
    return ErrorReport("ERROR", str(error), event_id)


def _error_from_text(data: str, event_id: str) -> ErrorReport:
    """An `event: error` frame: JSON in any of the shapes above, or plain text."""
    try:
        obj = json.loads(data)
    except ValueError:
        return ErrorReport("ERROR", data, event_id)
    if isinstance(obj, dict):
        if isinstance(obj.get("data"), dict):
            obj = obj["data"]
        if isinstance(obj.get("error"), dict):
            return _openai_error(obj["error"], event_id)
        return ErrorReport(str(obj.get("code", "ERROR")), str(obj.get("message", data)), event_id)
    return ErrorReport("ERROR", data, event_id)


def final_response_from_json(body: bytes) -> str | None:
    """The reply text of a non-streaming answer: the standard `complete` event, or an OpenAI
    `chat.completion` body. None when the body is neither."""
    try:
        obj = json.loads(body)
    except ValueError:
        return None
    if not isinstance(obj, dict):
        return None
    data = obj.get("data")
    if obj.get("type") == "complete" and isinstance(data, dict):
        final = data.get("final_response")
        return final if isinstance(final, str) else None
    choices = obj.get("choices")
    if isinstance(choices, list) and choices and isinstance(choices[0], dict):
        message = choices[0].get("message")
        if isinstance(message, dict) and isinstance(message.get("content"), str):
            return str(message["content"])
    return None


def chat_event_to_dict(event: ChatEvent) -> dict[str, Any]:
    """A plain-data view of a chat event, `{"type": "chunk", "content": ..., ...}`, with the
    field names a JavaScript caller expects."""
    if isinstance(event, Chunk):
        return {"type": "chunk", "content": event.content, "index": event.index, "id": event.id}
    if isinstance(event, Status):
        return {"type": "status", "message": event.message, "progress": event.progress, "id": event.id}
    if isinstance(event, Complete):
        return {"type": "complete", "finalResponse": event.final_response, "id": event.id}
    if isinstance(event, ErrorReport):
        return {"type": "error", "code": event.code, "message": event.message, "id": event.id}
    return {"type": "malformed", "reason": event.reason, "data": event.data, "id": event.id}
