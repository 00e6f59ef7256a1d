"""OpenAI Responses API (`POST /v1/responses` with `"stream": true`):

    event: response.output_text.delta
    data: {"type": "response.output_text.delta", "item_id": "msg_x", "output_index": 0,
           "content_index": 0, "delta": "Hel", "sequence_number": 4, ...}
    ...
    event: response.completed
    data: {"type": "response.completed", "response": {..., "output": [{"type": "message",
           "content": [{"type": "output_text", "text": "Hello"}]}]}}

Text: `response.output_text.delta` and `response.refusal.delta`. End: `response.completed`
(whose output is the whole text), `response.incomplete` (the reply was cut short by the model's
limits: what was shown is the reply). Errors: `error` events and `response.failed`. Everything
else (created, in_progress, output items, content parts, reasoning, function calls, the `.done`
events that repeat the text) carries nothing new to show.
"""

from __future__ import annotations

from typing import Any

from sse_client.formats.dialect import Dialect
from sse_client.formats.events import ChatEvent, Chunk, Complete, ErrorReport, Malformed, error_report
from sse_client.parser import ServerSentEvent

_TEXT_DELTAS = frozenset({"response.output_text.delta", "response.refusal.delta"})


class OpenAIResponses(Dialect):
    name = "responses"
    title = "OpenAI Responses"
    text_key = "delta"
    varying_keys = frozenset({"sequence_number", "obfuscation"})

    @classmethod
    def claims_event(cls, event: str) -> bool:
        return event.startswith("response.")

    @classmethod
    def recognises(cls, value: Any) -> bool:
        return isinstance(value, dict) and str(value.get("type", "")).startswith("response.")

    def read(self, frame: ServerSentEvent, value: Any) -> ChatEvent | None:
        kind = value.get("type") if isinstance(value, dict) else None
        if not isinstance(kind, str):
            return Malformed("a Responses event without a type", frame.data, frame.id)
        if kind in _TEXT_DELTAS:
            delta = value.get("delta")
            if not isinstance(delta, str):
                return Malformed("a Responses text delta without text", frame.data, frame.id)
            return Chunk(delta, None, frame.id) if delta else None
        if kind == "response.completed":
            return Complete(_output_text(value.get("response")), frame.id)
        if kind == "response.incomplete":
            return Complete(None, frame.id)
        if kind == "response.failed":
            response = value.get("response")
            failure = response.get("error") if isinstance(response, dict) else None
            report = error_report({"error": failure}, frame.id) if isinstance(failure, dict) else None
            return report or ErrorReport("server_error", "", frame.id)
        if kind == "error":
            return error_report(value, frame.id)
        return None

    @classmethod
    def final_text(cls, value: Any) -> str | None:
        # A failed Response is no reply: None, so that its `error` is read as the error it is.
        if isinstance(value, dict) and value.get("object") == "response" and value.get("status") != "failed":
            return _output_text(value)
        return None


def _output_text(response: object) -> str | None:
    """The text of a Response's message items (`output_text` and `refusal` parts), joined."""
    output = response.get("output") if isinstance(response, dict) else None
    if not isinstance(output, list):
        return None
    texts: list[str] = []
    for item in output:
        content = item.get("content") if isinstance(item, dict) and item.get("type") == "message" else None
        for part in content if isinstance(content, list) else ():
            if isinstance(part, dict):
                text = part.get("text") if part.get("type") == "output_text" else part.get("refusal")
                if isinstance(text, str):
                    texts.append(text)
    return "".join(texts)
