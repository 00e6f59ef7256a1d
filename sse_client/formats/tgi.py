"""Hugging Face text-generation-inference (`/generate_stream`), data-only frames, often written
`data:{...}` with no space:

    data:{"index": 1, "token": {"id": 123, "text": "Hel", "logprob": -0.1, "special": false},
          "generated_text": null, "details": null}
    data:{"index": 9, "token": {"id": 2, "text": "</s>", "special": true},
          "generated_text": "Hello", "details": {"finish_reason": "eos_token", ...}}

Text: the token's text, unless it is a special token (`</s>`, `<|eot_id|>`). End: the frame with
`generated_text` (the whole reply). Errors: `{"error": "...", "error_type": "overloaded" |
"validation" | "generation" | "incomplete_generation"}`.
"""

from __future__ import annotations

from typing import Any

from sse_client.formats.dialect import Dialect
from sse_client.formats.events import ChatEvent, Chunk, Complete, Malformed
from sse_client.parser import ServerSentEvent


class TGI(Dialect):
    name = "tgi"
    title = "Hugging Face TGI"
    text_key = "text"
    varying_keys = frozenset({"index", "id", "logprob"})  # the token's number, id and log probability

    @classmethod
    def recognises(cls, value: Any) -> bool:
        return isinstance(value, dict) and isinstance(value.get("token"), dict)

    def read(self, frame: ServerSentEvent, value: Any) -> ChatEvent | None:
        if not isinstance(value, dict):
            return Malformed("a TGI frame that is not an object", frame.data, frame.id)
        token = value.get("token")
        if not isinstance(token, dict):
            return Malformed("a TGI frame without a token", frame.data, frame.id)
        text = token.get("text")
        text = text if isinstance(text, str) and not token.get("special") else ""
        final = value.get("generated_text")
        if isinstance(final, str):
            if not text:
                return Complete(final, frame.id)
            # The last token is text (the reply hit its length limit): show it, then end.
            self.finished = True
        return Chunk(text, None, frame.id) if text else None

    @classmethod
    def final_text(cls, value: Any) -> str | None:
        if isinstance(value, list) and value:
            value = value[0]  # `/generate` behind some proxies answers a list
        text = value.get("generated_text") if isinstance(value, dict) else None
        return text if isinstance(text, str) else None
