"""Anthropic Messages (`POST /v1/messages` with `"stream": true`):

    event: message_start         {"type": "message_start", "message": {...}}
    event: content_block_start   {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}
    event: ping                  {"type": "ping"}
    event: content_block_delta   {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hel"}}
    event: content_block_stop / message_delta / message_stop
    event: error                 {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}

Text: `text_delta`s (and the rare text a `content_block_start` already holds). Nothing to show,
on purpose: pings, thinking and signature deltas, tool input (`input_json_delta`), citations,
usage. End: `message_stop`.
"""

from __future__ import annotations

from typing import Any

from sse_client.formats.dialect import Dialect
from sse_client.formats.events import ChatEvent, Chunk, Complete, Malformed, error_report
from sse_client.parser import ServerSentEvent

_EVENTS = frozenset({
    "message_start", "content_block_start", "content_block_delta", "content_block_stop",
    "message_delta", "message_stop", "ping",
})


class Anthropic(Dialect):
    name = "anthropic"
    title = "Anthropic Messages"
    event_names = _EVENTS
    text_key = "text"
    varying_keys = frozenset({"index"})  # the content block's, which text does not need

    @classmethod
    def recognises(cls, value: Any) -> bool:
        return isinstance(value, dict) and _kind(value) in _EVENTS

    def read(self, frame: ServerSentEvent, value: Any) -> ChatEvent | None:
        kind = _kind(value)
        if kind == "content_block_delta":
            delta = value.get("delta")
            if not isinstance(delta, dict):
                return Malformed("an Anthropic delta that is not an object", frame.data, frame.id)
            if delta.get("type") != "text_delta":
                return None  # thinking, signature, tool input, citations
            text = delta.get("text")
            if not isinstance(text, str):
                return Malformed("an Anthropic text delta without text", frame.data, frame.id)
            return Chunk(text, None, frame.id) if text else None
        if kind == "content_block_start":
            block = value.get("content_block")
            text = block.get("text") if isinstance(block, dict) and block.get("type") == "text" else None
            return Chunk(text, None, frame.id) if isinstance(text, str) and text else None
        if kind == "message_stop":
            return Complete(None, frame.id)
        if kind == "error":
            return error_report(value, frame.id)
        if not isinstance(kind, str):
            return Malformed("an Anthropic event without a type", frame.data, frame.id)
        return None  # message_start, ping, content_block_stop, message_delta, and newer events

    @classmethod
    def final_text(cls, value: Any) -> str | None:
        if not isinstance(value, dict) or value.get("type") != "message":
            return None
        content = value.get("content")
        if not isinstance(content, list):
            return None
        return "".join(block["text"] for block in content
                       if isinstance(block, dict) and block.get("type") == "text" and isinstance(block.get("text"), str))


def _kind(value: Any) -> str | None:
    """The event's type, if it is a string (a JSON list there is unhashable: no set holds it)."""
    kind = value.get("type") if isinstance(value, dict) else None
    return kind if isinstance(kind, str) else None
