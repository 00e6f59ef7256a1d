"""The llama.cpp server's own completion stream (`/completion`):

    data: {"index": 0, "content": "Hel", "tokens": [], "stop": false, "id_slot": -1, ...}
    data: {"index": 0, "content": "", "stop": true, "stop_type": "eos", "timings": {...}, ...}

Text: `content`. End: the frame with `"stop": true` (it may carry the last text). Errors:
`{"error": {"code", "message", "type"}}`. (Its `/v1/chat/completions` is the OpenAI dialect.)
"""

from __future__ import annotations

from typing import Any

from sse_client.formats.dialect import Dialect
from sse_client.formats.events import ChatEvent, Chunk, Complete, Malformed
from sse_client.parser import ServerSentEvent


class LlamaCpp(Dialect):
    name = "llamacpp"
    title = "llama.cpp server"
    text_key = "content"
    varying_keys = frozenset({"tokens_predicted", "tokens_evaluated"})

    @classmethod
    def recognises(cls, value: Any) -> bool:
        return isinstance(value, dict) and isinstance(value.get("content"), str) and isinstance(value.get("stop"), bool)

    def read(self, frame: ServerSentEvent, value: Any) -> ChatEvent | None:
        if not isinstance(value, dict):
            return Malformed("a llama.cpp frame that is not an object", frame.data, frame.id)
        content = value.get("content")
        if not isinstance(content, str):
            return Malformed("a llama.cpp frame without content", frame.data, frame.id)
        if value.get("stop") is True:
            if not content:
                return Complete(None, frame.id)
            self.finished = True
        return Chunk(content, None, frame.id) if content else None

    @classmethod
    def final_text(cls, value: Any) -> str | None:
        if isinstance(value, dict) and isinstance(value.get("content"), str) and "stop" in value:
            return str(value["content"])
        return None
