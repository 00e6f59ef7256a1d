"""`ReplyAssembler`: the text delivered so far, and which chunks it already holds.

The one place that decides whether a chunk is new, so that a backend that repeats itself never
makes the user see text twice:
- a chunk whose index was already delivered is dropped (the standard format numbers its chunks);
- after a reconnect, a chunk whose numeric event id is at most the last id seen before the cut
  is a replay (a backend that does not resume starts again from the beginning) and is dropped,
  for every format: the ids of PROTOCOL.md are sequence numbers.
Sans-I/O.
"""

from __future__ import annotations

from sse_client.payloads import Chunk

_COMPACT_AFTER = 512  # parts kept before they are joined into one block


class ReplyAssembler:
    def __init__(self) -> None:
        self._blocks: list[str] = []  # joined runs of earlier parts
        self._parts: list[str] = []  # the latest parts, not joined yet
        self.next_index = 0  # the index the next new chunk must have or exceed
        self.length = 0  # characters delivered
        self._replay_through: int | None = None  # event ids up to this one are replays

    @property
    def text(self) -> str:
        """Everything delivered so far."""
        if len(self._blocks) + len(self._parts) > 1:
            self._blocks[:] = ["".join([*self._blocks, *self._parts])]
            self._parts.clear()
        elif self._parts:
            self._blocks[:] = self._parts
            self._parts.clear()
        return self._blocks[0] if self._blocks else ""

    def accept(self, chunk: Chunk) -> str:
        """The text of `chunk` to deliver: "" when it was delivered before."""
        if self._replay_through is not None:
            number = _sequence_number(chunk.id)
            if number is not None and number <= self._replay_through:
                return ""
            if number is not None:
                self._replay_through = None  # past the replay: ids are new from here on
        if chunk.index is not None:
            if chunk.index < self.next_index:
                return ""
            self.next_index = chunk.index + 1
        return self._add(chunk.content)

    def resume_after(self, last_event_id: str) -> None:
        """A new connection starts: chunks with a numeric id up to `last_event_id` (the last
        id seen before the cut) were delivered already."""
        self._replay_through = _sequence_number(last_event_id)

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
            parts = self._parts
            parts.append(content)
            self.length += len(content)
            if len(parts) > _COMPACT_AFTER:
                # A long reply is 100,000s of small strings; joining the recent ones into one
                # block keeps the per-object overhead (and memory) flat, at linear cost.
                self._blocks.append("".join(parts))
                parts.clear()
        return content


def _sequence_number(event_id: str) -> int | None:
    return int(event_id) if event_id.isascii() and event_id.isdigit() else None
