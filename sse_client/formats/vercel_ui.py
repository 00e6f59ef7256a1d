"""The Vercel AI SDK's UI message stream (AI SDK 5, `x-vercel-ai-ui-message-stream: v1`),
data-only frames that `useChat` reads:

    data: {"type": "start", "messageId": "..."}
    data: {"type": "text-start", "id": "txt-0"}
    data: {"type": "text-delta", "id": "txt-0", "delta": "Hel"}
    data: {"type": "text-end", "id": "txt-0"}
    data: {"type": "finish"}
    data: [DONE]

Text: `text-delta`. Nothing to show, on purpose: steps, reasoning, tool input and output,
sources, files, metadata, `data-*` parts. End: `finish` or `abort` (the server stopped the
reply; what was shown is the reply), then `[DONE]`. Errors: `{"type": "error", "errorText"}`.
(The SDK 4 "data stream" is not an event stream, `0:"text"` lines: not read here.)
"""

from __future__ import annotations

from typing import Any

from sse_client.formats.dialect import Dialect
from sse_client.formats.events import ChatEvent, Chunk, Malformed, error_report
from sse_client.parser import ServerSentEvent

_TYPES = frozenset({
    "start", "finish", "abort", "start-step", "finish-step", "message-metadata",
    "text-start", "text-delta", "text-end", "reasoning-start", "reasoning-delta", "reasoning-end",
    "tool-input-start", "tool-input-delta", "tool-input-available", "tool-input-error",
    "tool-output-available", "tool-output-error", "tool-approval-request", "tool-output-denied",
    "source-url", "source-document", "file",
})


class VercelUI(Dialect):
    name = "vercel"
    title = "Vercel AI SDK UI message stream"
    done_marker = True
    text_key = "delta"

    @classmethod
    def recognises(cls, value: Any) -> bool:
        if not isinstance(value, dict):
            return False
        kind = value.get("type")
        return isinstance(kind, str) and (kind in _TYPES or kind.startswith("data-"))

    def read(self, frame: ServerSentEvent, value: Any) -> ChatEvent | None:
        kind = value.get("type") if isinstance(value, dict) else None
        if kind == "text-delta":
            delta = value.get("delta")
            if not isinstance(delta, str):
                return Malformed("a text-delta part without a delta", frame.data, frame.id)
            return Chunk(delta, None, frame.id) if delta else None
        if kind in ("finish", "abort"):
            self.finished = True
            return None
        if kind == "error":
            return error_report(value, frame.id)
        if not isinstance(kind, str):
            return Malformed("a UI message part without a type", frame.data, frame.id)
        return None

    @classmethod
    def final_text(cls, value: Any) -> str | None:
        """A `UIMessage` (`{"role": "assistant", "parts": [{"type": "text", "text"}]}`)."""
        parts = value.get("parts") if isinstance(value, dict) and value.get("role") == "assistant" else None
        if not isinstance(parts, list):
            return None
        return "".join(part["text"] for part in parts
                       if isinstance(part, dict) and part.get("type") == "text" and isinstance(part.get("text"), str))
