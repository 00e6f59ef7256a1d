"""`ReplyAssembler`: the text delivered so far, and which chunks it already holds.

The one place that decides whether a chunk is new, so that a backend that repeats itself never
makes the user see text twice:
- a chunk whose index was already delivered is dropped (the standard format numbers its chunks);
- after a reconnect, a chunk whose numeric event id is at most the last id seen before the cut
  is a replay (a backend that does not resume starts again from the beginning) and is dropped,
  for every format: the ids of PROTOCOL.md are sequence numbers;
- after a reconnect of a stream that sent no ids (OpenAI-compatible upstreams often do not),
  the backend can only start again, so its text is checked against the text shown: what
  matches is skipped, what goes past it is new. Text that differs (an upstream that wrote a
  new reply) sets `diverged`: nothing of it can be shown after what was.
Sans-I/O.
"""

from __future__ import annotations

from sse_client.formats.events import Chunk

# Parts are joined into one UTF-8 block when there are this many, or this many characters in
# them: the fast lane delivers the text of a whole piece of the body as one part, and a part with
# a single emoji in it takes 4 bytes per character as a str.
_COMPACT_AFTER = 512
_COMPACT_AFTER_CHARS = 16 * 1024
# JSON can carry lone surrogates ("\ud83d"); they must survive the round trip through UTF-8.
_SURROGATES = "surrogatepass"
_FOUR_BYTE_LEADS = (b"\xf0", b"\xf1", b"\xf2", b"\xf3", b"\xf4")


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
        self._replay_text: str | None = None  # a stream without ids restarts: the text shown
        self._replay_pos = 0  # how much of it the restarted stream has matched
        self.diverged = False  # the restarted stream's text differs from the text shown

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
            self._replay_text = None  # numbered chunks: the index tells what was shown
            if chunk.index < self.next_index:
                return ""
            self.next_index = chunk.index + 1
        elif self._replay_text is not None:
            return self._past_replay(chunk.content)
        return self._add(chunk.content)

    @property
    def replaying_text(self) -> bool:
        """Whether a stream without ids, started again, has not yet resent all the text shown
        (if it ends now, its reply is not the one that was being shown)."""
        return self._replay_text is not None

    def resume_after(self, last_event_id: str, *, restarts_text: bool = True) -> None:
        """A new connection starts: chunks with a numeric id up to `last_event_id` (the last
        id seen before the cut) were delivered already. If the stream sent no id at all, the
        backend can only start again: the new stream's text is checked against the text
        shown, if `restarts_text` (a stuttering stream repeats the whole text in each chunk
        and skips what was shown by itself). Ids that are not numbers are left to the backend
        to resume after."""
        through = _sequence_number(last_event_id)
        if through is not None and self._replay_through is not None:
            # Cut again during a replay: a backend that started again resends old ids, and the
            # last id seen went back with them, but what was shown still reaches as far.
            through = max(through, self._replay_through)
        self._replay_through = through
        self._replay_text = None
        if not last_event_id and restarts_text and self.length:
            self._replay_text = self.text
            self._replay_pos = 0

    def _past_replay(self, content: str) -> str:
        """The part of `content` past the text shown, as the restarted stream resends it."""
        shown, pos = self._replay_text or "", self._replay_pos
        overlap = min(len(content), len(shown) - pos)
        if content[:overlap] != shown[pos : pos + overlap]:
            self.diverged = True
            return ""
        pos += overlap
        if pos < len(shown):
            self._replay_pos = pos
            return ""
        self._replay_text = None  # past the replay: new text from here on
        return self._add(content[overlap:])

    def complete(self, final_response: str | None) -> str:
        """What `final_response` (the whole reply, when the backend sends it) adds to the text
        delivered: its tail when the stream fell short of it, else ""."""
        if final_response is None or len(final_response) <= self.length:
            return ""
        if not self._is_prefix_of(final_response):
            return ""  # not an extension of what was shown: nothing can be appended safely
        return self._add(final_response[self.length :])

    @property
    def utf16_length(self) -> int:
        """`length` in UTF-16 code units, as JavaScript's `text.length` counts the reply: worked
        out when asked (once, at the end), not per chunk."""
        # Each character beyond U+FFFF counts twice: in the compacted blocks (UTF-8 already) it
        # is one 4-byte sequence; the parts not compacted yet are counted as text.
        beyond = sum(block.count(lead) for block in self._blocks for lead in _FOUR_BYTE_LEADS)
        return self.length + beyond + sum(utf16_length(part) - len(part) for part in self._parts)

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


def utf16_length(text: str) -> int:
    """The length of `text` in UTF-16 code units, as JavaScript's `text.length` counts it: a
    character beyond U+FFFF (most emoji) is two."""
    if text.isascii():  # the common case, without a copy
        return len(text)
    # Each character beyond U+FFFF is one 4-byte sequence in UTF-8, whose lead byte is F0-F4:
    # counted in C. (The UTF-16 codec is not in the browser bundle's runtime; UTF-8 is built in.)
    # A lone surrogate (JSON can carry one) is 3 bytes and one code unit, as in JavaScript.
    encoded = text.encode("utf-8", _SURROGATES)
    return len(text) + sum(encoded.count(lead) for lead in _FOUR_BYTE_LEADS)


def _sequence_number(event_id: str) -> int | None:
    # Python converts at most 4,300 digits from text; an id that long is no sequence number.
    if event_id.isascii() and event_id.isdigit() and len(event_id) <= 4000:
        return int(event_id)
    return None
