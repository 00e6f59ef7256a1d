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

# Parts are joined into one UTF-8 block when there are this many, or this many characters in
# them: the fast lane delivers the text of a whole piece of the body as one part, and a part with
# a single emoji in it takes 4 bytes per character as a str.
_COMPACT_AFTER = 512
_COMPACT_AFTER_CHARS = 16 * 1024
# JSON can carry lone surrogates ("\ud83d"); they must survive the round trip through UTF-8.
_SURROGATES = "surrogatepass"


class ReplyAssembler:
    def __init__(self) -> None:
        # The reply as UTF-8 in runs of joined parts: a long reply is 100,000s of small strings,
        # and as one Python str a reply with a single emoji takes 4 bytes per character.
        self._blocks: list[bytes] = []
        self._parts: list[str] = []  # the latest parts, not joined yet
        self._parts_length = 0  # their characters
        self.next_index = 0  # the index the next new chunk must have or exceed
        self.length = 0  # characters delivered
        self._replay_through: int | None = None  # event ids up to this one are replays

    @property
    def text(self) -> str:
        """Everything delivered so far (built on each call)."""
        return b"".join(self._blocks).decode("utf-8", _SURROGATES) + "".join(self._parts)

    @property
    def replaying(self) -> bool:
        """Whether chunks are checked against the last id seen before a reconnect (each
        chunk's own id matters then, so chunks of several events must not be merged)."""
        return self._replay_through is not None

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
        if not self._is_prefix_of(final_response):
            return ""  # not an extension of what was shown: nothing can be appended safely
        return self._add(final_response[self.length :])

    def matches(self, final_response: str) -> bool:
        """Whether what was delivered is exactly `final_response`."""
        return len(final_response) == self.length and self._is_prefix_of(final_response)

    def _is_prefix_of(self, text: str) -> bool:
        delivered = b"".join(self._blocks) + "".join(self._parts).encode("utf-8", _SURROGATES)
        return text.encode("utf-8", _SURROGATES).startswith(delivered)

    def _add(self, content: str) -> str:
        if content:
            parts = self._parts
            parts.append(content)
            self.length += len(content)
            self._parts_length += len(content)
            if len(parts) > _COMPACT_AFTER or self._parts_length > _COMPACT_AFTER_CHARS:
                self._blocks.append("".join(parts).encode("utf-8", _SURROGATES))
                parts.clear()
                self._parts_length = 0
        return content


def _sequence_number(event_id: str) -> int | None:
    return int(event_id) if event_id.isascii() and event_id.isdigit() else None
