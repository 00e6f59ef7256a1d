"""`PayloadNormalizer`: the frames of one reply, in whichever dialect, as chat events.

    normalizer = PayloadNormalizer()               # or PayloadNormalizer("anthropic")
    chat_event = normalizer.normalize(server_sent_event)   # Chunk | Status | Complete | ...

One stream keeps one dialect, so the dialect is decided by the first frame that tells (see
`registry`), then held: a malformed frame later in a JSON stream becomes a `Malformed` warning
instead of turning the stream into raw text. A stream whose first frames match no dialect is
not guessed at: after a few such frames (or when it ends, or ends itself with `[DONE]`) it
fails with a typed PARSE error that names what it saw (`unreadable`). A frame of the detected
dialect that carries nothing to show is no warning.

The normaliser owns what every dialect shares: `event: error` frames, `[DONE]`, parsing the
JSON once, the stutter filter (for the dialects where an upstream may stutter) and the
`FrameTemplate` that reads frames of the last text frame's shape without parsing all of them.

Sans-I/O: no asyncio, no js.
"""

from __future__ import annotations

import json
from typing import Any

from sse_client.classify import unreadable_stream_error
from sse_client.errors import StreamError
from sse_client.formats.dialect import Dialect
from sse_client.formats.events import ChatEvent, Chunk, Complete, ErrorReport, Malformed, error_report
from sse_client.formats.frame_template import RAW_SHAPE, FrameShape, FrameTemplate
from sse_client.formats.raw import RawText
from sse_client.formats.registry import DIALECTS, dialect_named, dialect_of_event, dialect_of_value
from sse_client.formats.stutter import StutterFilter
from sse_client.parser import ServerSentEvent

_DONE = "[DONE]"
# Frames in no known dialect that a stream may open with before it is given up as unreadable:
# a backend may put a frame of its own (a conversation id, say) before its upstream's stream.
_UNKNOWN_FRAMES_ALLOWED = 3


class PayloadNormalizer:
    """Turns the `ServerSentEvent`s of one reply into `ChatEvent`s.

    Keep one per reply, across reconnections: the dialect and the stutter state belong to the
    reply, not to one connection. `format` is "auto" (detect) or a dialect's name (force it).
    """

    def __init__(self, format: str = "auto") -> None:
        self.dialect: Dialect | None = None
        self._stutter = StutterFilter()
        self.stutter_corrections = 0  # cumulative chunks cut back to their new part (metrics)
        self._template: FrameTemplate | None = None  # for a dialect with a `text_key`
        self.max_index = -1  # the highest chunk index read so far (the standard format's)
        self._template_event = ""  # the SSE event name of the frame it learned from
        self._unknown: list[str] = []  # what the first frames in no dialect looked like
        self._held = ""  # blank text that opened the stream: raw text, if the stream is raw
        forced = dialect_named(format)
        if forced is not None:
            self._set_dialect(forced)

    @property
    def format(self) -> str | None:
        """The dialect's name, once known."""
        return None if self.dialect is None else self.dialect.name

    @property
    def has_end_marker(self) -> bool:
        """Whether a stream that closes now was cut short. Most dialects end with an explicit
        marker; legacy and raw streams simply end; a stream that has not shown its dialect yet
        (no event at all) has delivered nothing, so it was cut short too."""
        return self.dialect is None or self.dialect.ends_with_marker

    @property
    def finished(self) -> bool:
        """Whether a frame that also carried text said the reply ends there (Gemini's
        `finishReason`, llama.cpp's `stop`, the Vercel AI SDK's `finish`)."""
        return self.dialect is not None and self.dialect.finished

    def unreadable(self) -> StreamError | None:
        """The PARSE error for a stream that ended having shown only frames in no dialect, or
        None. Asked when the stream closes."""
        if self.dialect is not None or not self._unknown:
            return None
        return unreadable_stream_error(_list(self._unknown))

    def restart(self) -> None:
        """The stream starts again from its beginning (a reconnect with no id to resume from):
        a stutter check still undecided starts over, or the repeated first chunk would decide
        it wrongly."""
        self._stutter.restart()

    @property
    def stuttering(self) -> bool:
        """Whether the stream was found to repeat its whole text in each chunk."""
        return self._stutter.cumulative is True

    def frame_shape(self) -> tuple[str, FrameShape] | None:
        """The SSE event name and the shape (`FrameShape`) that the stream's text frames share,
        once the stream is known to be deltas: frames of this shape are plain new text (and the
        next chunk index), which `FastLane` reads without normalising them one by one."""
        dialect, template = self.dialect, self._template
        if dialect is None or (dialect.may_stutter and self._stutter.cumulative is not False):
            return None
        if not dialect.json_frames:
            return "message", RAW_SHAPE  # raw text: every frame's data is text
        if template is None or template.shape is None:
            return None
        return self._template_event, template.shape

    def normalize(self, event: ServerSentEvent) -> ChatEvent | None:
        """The chat event `event` carries, or None when it carries nothing for the user (a
        ping, a role-only delta, for example). Raises `StreamError` (PARSE) once the stream has
        shown it is in no dialect this client reads."""
        dialect = self.dialect
        if dialect is None:
            return self._first(event)
        if event.event == "error":
            return _error_from_text(event.data, event.id)
        data = event.data
        template = self._template
        if template is not None and event.event == self._template_event:
            matched = template.match(data)
            if matched is not None:  # the frame has the shape of the last one: only its text is new
                content, index = matched
                if index is None:
                    return self._chunk(dialect, Chunk(content, None, event.id)) if content else None
                self.max_index = max(self.max_index, index)
                return self._chunk(dialect, Chunk(content, index, event.id))
        if data == _DONE and dialect.done_marker:
            return Complete(None, event.id)
        if not dialect.json_frames:
            return self._read(dialect, event, data)
        try:
            value = json.loads(data)
        except (ValueError, RecursionError) as exc:
            if not data.strip():
                return dialect.read_empty(event)  # an empty frame carries nothing, or an end
            return Malformed(f"invalid JSON: {exc}", data, event.id)
        return self._read(dialect, event, value)

    def _first(self, event: ServerSentEvent) -> ChatEvent | None:
        """An event before the dialect is known: detect it, or remember what it looked like."""
        data = event.data
        if event.event == "error":
            return _error_from_text(data, event.id)
        if data == _DONE:
            error = self.unreadable()
            if error is not None:
                raise error
            return Complete(None, event.id)  # an empty reply, ended as OpenAI streams end
        claimed = dialect_of_event(event.event)
        if claimed is not None and not claimed.json_frames:
            return self._adopt(claimed, event, data)
        if not data.strip() and claimed is None:
            # Blank text tells no dialect: raw text if the stream turns out raw, else nothing.
            self._held += data
            return None
        try:
            value = json.loads(data)
        except (ValueError, RecursionError) as exc:
            if claimed is not None:
                dialect = self._set_dialect(claimed)
                if not data.strip():
                    return dialect.read_empty(event)
            elif not data.lstrip().startswith("{"):
                return self._adopt(RawText, event, data)
            # A broken JSON object: whatever the stream is, this frame says nothing of it.
            return Malformed(f"invalid JSON: {exc}", data, event.id)
        if claimed is None:
            if value is None or isinstance(value, (bool, int, float)):
                return self._adopt(RawText, event, data)  # "42" is text a model may write
            claimed = dialect_of_value(value)
        if claimed is None:
            report = error_report(value, event.id)
            if report is not None:
                return report  # an error before the stream said its dialect: it ends the chat
            self._unknown.append(_describe(value))
            if len(self._unknown) > _UNKNOWN_FRAMES_ALLOWED:
                raise unreadable_stream_error(_list(self._unknown))
            return None
        return self._adopt(claimed, event, value)

    def _set_dialect(self, dialect_type: type[Dialect]) -> Dialect:
        self.dialect = dialect = dialect_type()
        key = dialect_type.text_key
        self._template = None if key is None else FrameTemplate(
            key, index_key=dialect_type.index_key, varying=dialect_type.varying_keys)
        return dialect

    def _adopt(self, dialect_type: type[Dialect], event: ServerSentEvent, value: Any) -> ChatEvent | None:
        dialect = self._set_dialect(dialect_type)
        held, self._held = self._held, ""
        if held and dialect_type is RawText:
            value = held + value  # the blank frames before were text of the stream after all
        return self._read(dialect, event, value)

    def _read(self, dialect: Dialect, event: ServerSentEvent, value: Any) -> ChatEvent | None:
        result = dialect.read(event, value)
        if type(result) is not Chunk:
            if type(result) is Malformed:
                # An error object in any dialect's shape is an error, whatever the stream's
                # dialect: backends put their own errors into their upstream's stream.
                return error_report(value, event.id) or result
            return result
        if result.index is not None:
            self.max_index = max(self.max_index, result.index)
        template = self._template
        if template is not None and not dialect.finished and template.learn(event.data, result.content, result.index):
            self._template_event = event.event
        return self._chunk(dialect, result)

    def _chunk(self, dialect: Dialect, chunk: Chunk) -> Chunk | None:
        if not dialect.may_stutter:
            return chunk
        delta = self._stutter.delta(chunk.content)
        if not delta and chunk.index is None:
            return None  # nothing new, and no index to record
        if delta is chunk.content:
            return chunk
        self.stutter_corrections += 1
        return Chunk(delta, chunk.index, chunk.id)


def _error_from_text(data: str, event_id: str) -> ErrorReport:
    """An `event: error` frame: JSON in any dialect's error shape, or plain text."""
    try:
        value = json.loads(data)
    except (ValueError, RecursionError):
        return ErrorReport("ERROR", data, event_id)
    if isinstance(value, dict):
        report = error_report(value, event_id)
        if report is None and isinstance(value.get("data"), dict):
            value = value["data"]
            report = error_report(value, event_id)
        if report is not None:
            return report
        return ErrorReport(str(value.get("code", "ERROR")), str(value.get("message", data)), event_id)
    if isinstance(value, str):
        return ErrorReport("ERROR", value, event_id)  # a JSON string: its text, not its quotes
    return ErrorReport("ERROR", data, event_id)


def answer_text(body: bytes, format: str = "auto") -> str | ErrorReport | None:
    """What a non-streaming JSON answer holds: the reply's text in any dialect's shape (or the
    forced one's), else the error it reports, else None."""
    try:
        value = json.loads(body)
    except (ValueError, RecursionError):
        return None
    forced = dialect_named(format)
    for dialect in DIALECTS if forced is None else (forced,):
        text = dialect.final_text(value)
        if text is not None:
            return text
    return error_report(value)


def _describe(value: Any) -> str:
    # Only objects and arrays are in no dialect: a string is LangServe's, a number, true, false
    # or null is raw text.
    if isinstance(value, dict):
        keys = ", ".join(json.dumps(key) for key in list(value)[:6])
        return f"a JSON object with the keys {keys}" if keys else "an empty JSON object"
    return "a JSON array"


def _list(seen: list[str]) -> str:
    distinct = list(dict.fromkeys(seen))
    return distinct[0] if len(distinct) == 1 else "; ".join(distinct)
