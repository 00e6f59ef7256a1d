"""Raw text: each frame's data is the next piece of the reply as it is. No end event (a `[DONE]`
from a proxy of an OpenAI upstream ends it too)."""

from __future__ import annotations

from typing import Any

from sse_client.formats.dialect import Dialect
from sse_client.formats.events import ChatEvent, Chunk
from sse_client.parser import ServerSentEvent


class RawText(Dialect):
    name = "raw"
    title = "raw text"
    json_frames = False
    ends_with_marker = False
    done_marker = True
    may_stutter = True

    def read(self, frame: ServerSentEvent, value: Any) -> ChatEvent | None:
        return Chunk(value, None, frame.id)  # the frame's text (with blank text held before it)
