"""LangServe (`/stream` of a LangChain runnable):

    event: metadata    {"run_id": "..."}
    event: data        "Hel"                 (a chain ending in a string output parser)
    event: data        {"content": "Hel", "type": "AIMessageChunk", ...}   (a chat model)
    event: end
    event: error       {"status_code": 500, "message": "Internal Server Error"}

Each `data` frame is the JSON of one output chunk: a string literal is text (shown decoded,
never as JSON), a message chunk's `content` is text (a string, or a list of content blocks).
A stream of bare JSON string frames with no event names is read the same way.

End: the `end` event. It has no data line, and the event-stream format dispatches no event
without data (WHATWG: "If the data buffer is an empty string, ... return"), so a browser's
EventSource never sees it; this client's parser passes named events without data on
(`EventStreamParser(named_without_data=True)`), so that a LangServe reply cut short is told
from one that ended.
"""

from __future__ import annotations

from typing import Any

from sse_client.formats.dialect import Dialect
from sse_client.formats.events import ChatEvent, Chunk, Complete
from sse_client.parser import ServerSentEvent


class LangServe(Dialect):
    name = "langserve"
    title = "LangServe"
    event_names = frozenset({"metadata", "data", "end"})
    # A chat model's message chunks carry their text at "content"; a string output is its own
    # text, which `FrameTemplate` learns as a bare literal.
    text_key = "content"

    @classmethod
    def recognises(cls, value: Any) -> bool:
        return isinstance(value, str)

    def read(self, frame: ServerSentEvent, value: Any) -> ChatEvent | None:
        if frame.event == "end":
            return Complete(None, frame.id)
        if frame.event == "metadata":
            return None
        text = _text(value)
        return Chunk(text, None, frame.id) if text else None

    def read_empty(self, frame: ServerSentEvent) -> ChatEvent | None:
        return Complete(None, frame.id) if frame.event == "end" else None

    @classmethod
    def final_text(cls, value: Any) -> str | None:
        """`/invoke`'s answer: `{"output": ..., "metadata": {...}}`."""
        if isinstance(value, dict) and "output" in value and "metadata" in value:
            return _text(value["output"])
        return None


def _text(output: Any) -> str:
    """The text of one output value: a string, or a message (chunk) with string or block content."""
    if isinstance(output, str):
        return output
    content = output.get("content") if isinstance(output, dict) else None
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(block if isinstance(block, str) else str(block.get("text", ""))
                       for block in content
                       if isinstance(block, str) or (isinstance(block, dict) and block.get("type") == "text"))
    return ""
