"""`FastLane`: a piece of an OpenAI stream in, its new text out, in a few C-speed passes.

An LLM stream at full speed is thousands of frames that differ only in their content string:

    id: 41
    data: {"id": "chatcmpl-x", "object": "chat.completion.chunk", ..., "delta": {"content": "<this>"}, ...}

Once the stream is known to be OpenAI deltas and `ContentTemplate` has learned that shape, one
regular expression built from the shape reads a whole run of such frames: `findall` returns each
frame's `id` line and content literal, and the literals, put in one JSON array, are decoded by
one `json.loads`. Per event that is a small fraction of parsing each frame into a
`ServerSentEvent`, normalising it and assembling a `Chunk` (bench/RESULTS.md has the numbers).

Exact, not a heuristic: the expression matches only what the general path would read as a
data-only event (an optional `id: ` line without NUL, one `data: ` line holding the learned
prefix, one valid JSON string literal and the learned suffix, then a blank line), whose meaning
is therefore fixed: new text, and perhaps a new last event ID. Anything else (a comment, an
`event:` line, CR line ends, `[DONE]`, a frame of another shape, an unfinished frame) goes through
`EventStreamParser` and `PayloadNormalizer` as usual, in order. The matches of `findall` tile the
bytes they were searched in when their lengths add up to those bytes' length, which is how a run
is known to have no gap; otherwise the frames are matched one at a time up to the first that
does not fit.

The text of a run comes as one `Chunk`, carrying the last event ID after it: that is only right
for a caller that needs no per-event ids, so `ChatRun` uses the lane only while
`ReplyAssembler.replaying` is false. Sans-I/O.
"""

from __future__ import annotations

import json
import re

from sse_client.parser import EventStreamParser
from sse_client.formats import ChatEvent, Chunk, PayloadNormalizer

_CR = 0x0D
_FRAME_END = b"\n\n"
_ID_LINE = rb"(id: [^\n\x00]*\n)?"  # the parser's `id` rule ignores a value with NUL
# A JSON string literal's content, strictly: no quote, backslash or control character, except
# in the escapes JSON has. So `json.loads` cannot fail on what this matched.
_LITERAL = rb'"([^"\\\x00-\x1f]*(?:\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})[^"\\\x00-\x1f]*)*)"'
_ID_FIELD = len(b"id: ")
# Frames read the general way at the start of a stream before the lane is tried: an OpenAI
# stream shows its shape in three (a role-only delta, then two content deltas, the second of
# which tells that it is not stuttering).
_LEARNING_FRAMES = 8
# The lane pays off over a run of frames; for a piece of one or two (a model writing at its own
# pace) its set-up costs more than the general path (in Pyodide, ~16 against ~11 µs a frame).
_MIN_BYTES = 2048


class FastLane:
    """Reads the pieces of one stream with `parser` and `normalizer`, the lane where it can."""

    def __init__(self, parser: EventStreamParser, normalizer: PayloadNormalizer, *,
                 min_bytes: int = _MIN_BYTES) -> None:
        self.parser = parser
        self.normalizer = normalizer
        self.min_bytes = min_bytes  # smaller pieces take the general path
        self._shape: tuple[str, str] | None = None
        self._frame: re.Pattern[bytes] | None = None
        self._fixed = 0  # the bytes of a matched frame besides its id line and literal

    def decode(self, chunk: bytes) -> tuple[list[ChatEvent], int]:
        """The chat events of the next piece of the stream, and how many server-sent events
        they came from. The same text, statuses and ids in force as the general path, except
        that the text of a run of frames of the learned shape comes as one `Chunk`.

        Raises `EventTooLargeError` as `EventStreamParser.feed` does; nothing read from
        `chunk` is lost, since the lane only starts after the first event boundary in it."""
        parser = self.parser
        if len(chunk) < self.min_bytes or _CR in chunk or len(chunk) > parser.max_event_bytes:
            return self._general(chunk)
        end = chunk.rfind(_FRAME_END) + 2  # the frames that are whole in `chunk` end here
        if end < 2:
            return self._general(chunk)
        events: list[ChatEvent] = []
        count = 0
        pos = 0
        if self.normalizer.frame_shape() is None:
            # The first frames of a stream, which tell its format and shape: the general path,
            # then the lane for the rest of the piece if they told.
            pos = _after_frames(chunk, _LEARNING_FRAMES, end)
            events, count = self._general(chunk[:pos])
        elif not parser.at_event_boundary:
            # The rest of an event begun in an earlier piece, up to the first blank line.
            pos = chunk.find(_FRAME_END) + 2
            events, count = self._general(chunk[:pos])
        while pos < end and parser.at_event_boundary:
            frame = self._frame_pattern()
            if frame is None:
                break
            text, frames, last_id, stop = self._read_run(frame, chunk, pos, end)
            if frames:
                count += frames
                parser.dispatched_elsewhere(last_id)
                if text:
                    events.append(Chunk(text, None, parser.last_event_id))
                pos = stop
                if pos == end:
                    break
            # One frame the lane does not read (or a blank line): the general path.
            stop = chunk.find(_FRAME_END, pos) + 2
            if stop < 2 or stop > end:
                stop = end
            more, more_count = self._general(chunk[pos:stop])
            events += more
            count += more_count
            pos = stop
        if pos < len(chunk):
            more, more_count = self._general(chunk[pos:])
            events += more
            count += more_count
        return events, count

    def _general(self, data: bytes) -> tuple[list[ChatEvent], int]:
        sse = self.parser.feed(data)
        normalize = self.normalizer.normalize
        return [chat for chat in map(normalize, sse) if chat is not None], len(sse)

    def _frame_pattern(self) -> re.Pattern[bytes] | None:
        """The expression for frames of the normaliser's current shape (None: no shape)."""
        shape = self.normalizer.frame_shape()
        if shape != self._shape:
            self._shape = shape
            self._frame = None
            # A shape learned from data joined from several `data:` lines has LFs in it; the
            # pattern reads one `data:` line, so such a stream takes the general path.
            if shape is not None and "\n" not in shape[0] + shape[1]:
                prefix, suffix = (part.encode("utf-8", "surrogatepass") for part in shape)
                self._frame = re.compile(
                    _ID_LINE + b"data: " + re.escape(prefix) + _LITERAL + re.escape(suffix) + _FRAME_END)
                self._fixed = len(b"data: ") + len(prefix) + 2 + len(suffix) + len(_FRAME_END)
        return self._frame

    def _read_run(self, frame: re.Pattern[bytes], chunk: bytes, pos: int, end: int
                  ) -> tuple[str, int, str | None, int]:
        """The frames of the shape from `pos` on, up to the first that is not: their text,
        their number, the value of the last `id` line among them (None: none had one) and
        where they end."""
        found: list[tuple[bytes, bytes]] = frame.findall(chunk, pos, end)
        if not found:
            return "", 0, None, pos
        id_lines, literals = zip(*found)
        size = self._fixed * len(found) + sum(map(len, id_lines)) + sum(map(len, literals))
        stop = pos + size
        if stop != end:
            # There is a gap: keep the frames before it, matched one after the other.
            matches = []
            stop = pos
            while (match := frame.match(chunk, stop, end)) is not None:
                matches.append(match)
                stop = match.end()
            if not matches:
                return "", 0, None, pos
            id_lines = tuple(match[1] or b"" for match in matches)
            literals = tuple(match[2] for match in matches)
        last_id = next((line[_ID_FIELD:-1] for line in reversed(id_lines) if line), None)
        # Decoded as the general path would: each literal's bytes as UTF-8 with replacement
        # (the `","` between them keeps a bad sequence from joining its neighbour), and each
        # literal on its own (surrogate escapes in two literals stay two lone surrogates).
        array = b'["' + b'","'.join(literals) + b'"]'
        text = "".join(json.loads(array.decode("utf-8", "replace")))
        return (text, len(literals), None if last_id is None else last_id.decode("utf-8", "replace"),
                stop)


def _after_frames(chunk: bytes, frames: int, end: int) -> int:
    """Where the first `frames` frames of `chunk` end (at most at `end`)."""
    pos = 0
    for _ in range(frames):
        found = chunk.find(_FRAME_END, pos)
        if found < 0 or found + 2 >= end:
            return end
        pos = found + 2
    return pos
