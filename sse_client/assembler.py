"""`ReplyAssembler`: the text delivered so far, and which chunks it already holds.

The one place that decides whether a chunk is new: a chunk whose index was already delivered is
dropped, so a backend that repeats itself never makes the user see text twice. Sans-I/O.
"""

from __future__ import annotations

from sse_client.payloads import Chunk


class ReplyAssembler:
    def __init__(self) -> None:
        self._parts: list[str] = []
        self.next_index = 0  # the index the next new chunk must have or exceed
        self.length = 0  # characters delivered

    @property
    def text(self) -> str:
        """Everything delivered so far."""
        if len(self._parts) > 1:
            self._parts[:] = ["".join(self._parts)]
        return self._parts[0] if self._parts else ""

    def accept(self, chunk: Chunk) -> str:
        """The text of `chunk` to deliver: "" when it was delivered before."""
        if chunk.index is not None:
            if chunk.index < self.next_index:
                return ""
            self.next_index = chunk.index + 1
        return self._add(chunk.content)

    def complete(self, final_response: str | None) -> str:
        """What `final_response` (the whole reply, when the backend sends it) adds to the text
        delivered: its tail when the stream fell short of it, else ""."""
        if final_response is None or len(final_response) <= self.length:
            return ""
        if not final_response.startswith(self.text):
            return ""  # not an extension of what was shown: nothing can be appended safely
        return self._add(final_response[self.length :])

    def _add(self, content: str) -> str:
        if content:
            self._parts.append(content)
            self.length += len(content)
        return content
