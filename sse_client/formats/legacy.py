"""Legacy JSON: `{"chunk": "text"}`, or `{"chunk": "text", "type": "status"}` for progress. No end
event: the stream simply ends."""

from __future__ import annotations

from typing import Any

from sse_client.formats.dialect import Dialect
from sse_client.formats.events import ChatEvent, Chunk, Malformed, Status
from sse_client.parser import ServerSentEvent


class Legacy(Dialect):
    name = "legacy"
    title = "legacy JSON ({\"chunk\": ...})"
    ends_with_marker = False
    may_stutter = True
    text_key = "chunk"

    @classmethod
    def recognises(cls, value: Any) -> bool:
        return isinstance(value, dict) and "chunk" in value

    def read(self, frame: ServerSentEvent, value: Any) -> ChatEvent | None:
        text = value.get("chunk") if isinstance(value, dict) else None
        if not isinstance(text, str):
            return Malformed("a legacy frame without a chunk", frame.data, frame.id)
        if value.get("type") == "status":
            return Status(text, None, frame.id)
        return Chunk(text, None, frame.id)
