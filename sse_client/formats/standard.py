"""The project's own format (PROTOCOL.md): `{"type": "chunk" | "status" | "error" | "complete",
"data": {...}}`, with numbered chunks and a `complete` event that carries the whole text."""

from __future__ import annotations

from typing import Any

from sse_client.formats.dialect import Dialect
from sse_client.formats.events import ChatEvent, Chunk, Complete, ErrorReport, Malformed, Status
from sse_client.parser import ServerSentEvent

_TYPES = frozenset({"chunk", "status", "error", "complete"})


class Standard(Dialect):
    name = "standard"
    title = "the standard format (PROTOCOL.md)"
    may_stutter = True
    text_key = "content"
    index_key = "index"

    @classmethod
    def recognises(cls, value: Any) -> bool:
        return isinstance(value, dict) and _kind(value) in _TYPES and isinstance(value.get("data"), dict)

    def read(self, frame: ServerSentEvent, value: Any) -> ChatEvent | None:
        kind = _kind(value)
        body = value.get("data") if isinstance(value, dict) else None
        if kind not in _TYPES or not isinstance(body, dict):
            return Malformed("not a standard-format event", frame.data, frame.id)
        if kind == "chunk":
            content = body.get("content")
            index = body.get("index")
            if not isinstance(content, str) or not (index is None or _is_int(index)):
                return Malformed("a chunk without string content", frame.data, frame.id)
            return Chunk(content, index, frame.id)
        if kind == "status":
            progress = body.get("progress")
            return Status(
                str(body.get("message", "")),
                float(progress) if isinstance(progress, (int, float)) and not isinstance(progress, bool) else None,
                frame.id,
            )
        if kind == "complete":
            final = body.get("final_response")
            return Complete(final if isinstance(final, str) else None, frame.id)
        return ErrorReport(str(body.get("code", "ERROR")), str(body.get("message", "")), frame.id)

    @classmethod
    def final_text(cls, value: Any) -> str | None:
        if not isinstance(value, dict):
            return None
        data = value.get("data")
        if value.get("type") == "complete" and isinstance(data, dict):
            final = data.get("final_response")
            return final if isinstance(final, str) else None
        return None


def _kind(value: Any) -> str | None:
    """The event's type, if it is a string (a JSON list there is unhashable: no set holds it)."""
    kind = value.get("type") if isinstance(value, dict) else None
    return kind if isinstance(kind, str) else None


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
