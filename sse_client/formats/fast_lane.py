"""`FastLane`: a piece of a stream in, its new text out, in a few C-speed passes.

An LLM stream at full speed is thousands of frames that differ only in their text and in values
the reader does not use (a counter, padding, token counts), in any dialect:

    id: 41
    event: content_block_delta
    data: {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "<this>"}}

Once the normaliser's `FrameTemplate` has learned that shape (`PayloadNormalizer.frame_shape`)
and the stream is known to be deltas, one regular expression built from the shape reads a whole
run of such frames: `split` returns each frame's text literal and its other holes, and the
bytes between the frames; the literals, put in one JSON array, are decoded by one `json.loads`.
Per event that is a small fraction of parsing each frame into a `ServerSentEvent`, normalising
it and assembling a `Chunk` (bench/RESULTS.md has the numbers).

Exact, not a heuristic: the expression matches only what the general path would read as one
event of the learned name whose data is the learned shape (an optional `id` line without NUL,
the `event` line if the shape's name is not "message", one `data` line, or for raw text one or
more, then a blank line), whose meaning is therefore fixed: new text, perhaps a new last event
ID, and for the standard format the next chunk index (a run must go on from the highest index
read so far, one by one, or the general path reads it: the assembler drops replays by index). A
piece with a CR in it is read with the same expression for CRLF line ends (sse-starlette,
Google's front end), whose frames have no other CR: a lone CR, which ends a line too, is in no
frame it matches. Anything else (a comment, another event name, a lone CR, `[DONE]`, a frame of
another shape, an unfinished frame) goes through `EventStreamParser` and `PayloadNormalizer` as
usual, in order. The frames tile the bytes they were searched in when `split` found nothing
between them, which is how a run is known to have no gap; otherwise one pass of the expression
repeated finds where the run ends.

The text of a run comes as one `Chunk`, carrying the last event ID (and the last index) after
it: that is only right for a caller that needs no per-event ids, so `ChatRun` uses the lane
only while `ReplyAssembler.replaying` is false. The lane's coupling to the rest is narrow:
`PayloadNormalizer.frame_shape()` and `max_index`, and the parser's `at_event_boundary`,
`after_cr` and `dispatched_elsewhere`. Sans-I/O.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from sse_client.formats.events import ChatEvent, Chunk
from sse_client.formats.frame_template import INDEX, RAW, TEXT, FrameShape
from sse_client.formats.normalizer import PayloadNormalizer
from sse_client.parser import EventStreamParser

_CR = 0x0D
_LF = b"\n"
_CRLF = b"\r\n"
# The head of a frame, without groups (the groups are the holes of its data): an optional `id`
# line (the parser's `id` rule ignores a value with NUL; a CR or LF ends it), then the `event`
# line the shape was learned with, if any, then the `data` field name (one space or none). Every
# LF in a run of frames ends one of their lines, so the last `id` line is found with `rfind`.
_ID_LINE = rb"(?:id:[^\r\n\x00]*%s)?"
_ID_FIELD = b"id:"
_LINE_THEN_ID = b"\nid:"
# The space is taken if it is there (possessive: never given back), as the spec strips it: a raw
# text line may begin with another space, which is its own.
_DATA_FIELD = rb"data: ?+"
# A raw text frame's data: its lines, but for a first line `[DONE]` (which may end a raw stream).
# Text with line breaks comes as several `data` lines (a paragraph break every few dozen frames
# of a model's reply), so the hole takes them all; `_raw_text` joins them as the parser does.
_RAW_DATA = rb"((?!\[DONE\]%(le)s)[^\r\n]*(?:%(le)sdata: ?+[^\r\n]*)*)"
_RAW_LINE_BREAK = {_LF: re.compile(rb"\ndata: ?"), _CRLF: re.compile(rb"\r\ndata: ?")}
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
        self._shape: tuple[str, FrameShape] | None = None  # what `_patterns` were built for
        self._patterns: dict[bytes, _Frames] = {}  # by line end: LF, CRLF
        self._usable = False  # whether the lane can read frames of `_shape`
        self._gapped = False  # a frame of another shape came in this piece (see `_read_run`)
        self._text = 0  # where the text literal is among a frame's groups
        self._index = 0  # where the chunk index is among them (0: no index)
        self._raw = False  # the frames are raw text, not JSON

    def decode(self, chunk: bytes) -> tuple[list[ChatEvent], int]:
        """The chat events of the next piece of the stream, and how many server-sent events
        they came from. The same text, statuses and ids in force as the general path, except
        that the text of a run of frames of the learned shape comes as one `Chunk`.

        Raises `EventTooLargeError` as `EventStreamParser.feed` does; nothing read from
        `chunk` is lost, since the lane only starts after the first event boundary in it."""
        parser = self.parser
        if len(chunk) < self.min_bytes or len(chunk) > parser.max_event_bytes:
            return self._general(chunk)
        if _CR not in chunk:
            return self._decode(chunk, _LF)
        # A CR that ends the bytes fed before may have its LF pair here: the parser reads that
        # byte (a CR that ends this piece, and the rest of any unfinished frame, go to the
        # parser too, since `_decode` reads whole frames only).
        if parser.after_cr:
            events, count = self._general(chunk[:1])
            more, more_count = self._decode(chunk[1:], _CRLF)
            return events + more, count + more_count
        return self._decode(chunk, _CRLF)

    def _decode(self, chunk: bytes, line_end: bytes) -> tuple[list[ChatEvent], int]:
        """`decode` of a piece, reading the frames whose line ends are `line_end` (LF or CRLF)."""
        parser = self.parser
        frame_end = line_end * 2
        end = chunk.rfind(frame_end) + len(frame_end)  # the frames whole in `chunk` end here
        self._gapped = False
        if end < len(frame_end):
            return self._general(chunk)
        events: list[ChatEvent] = []
        count = 0
        pos = 0
        if self.normalizer.frame_shape() is None:
            # The first frames of a stream, which tell its format and shape: the general path,
            # then the lane for the rest of the piece if they told.
            pos = _after_frames(chunk, frame_end, _LEARNING_FRAMES, end)
            events, count = self._general(chunk[:pos])
        elif not parser.at_event_boundary:
            # The rest of an event begun in an earlier piece, up to the first blank line.
            pos = chunk.find(frame_end) + len(frame_end)
            events, count = self._general(chunk[:pos])
        while pos < end and parser.at_event_boundary:
            frames_of_shape = self._frames(line_end)
            if frames_of_shape is None:
                break
            text, frames, last_id, last_index, stop = self._read_run(frames_of_shape, chunk, pos, end)
            if frames:
                count += frames
                parser.dispatched_elsewhere(last_id)
                if last_index is not None:
                    self.normalizer.max_index = last_index
                if text or last_index is not None:
                    events.append(Chunk(text, last_index, parser.last_event_id))
                pos = stop
                if pos == end:
                    break
            # One frame the lane does not read (or a blank line): the general path.
            stop = chunk.find(frame_end, pos) + len(frame_end)
            if stop < len(frame_end) or stop > end:
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

    def _frames(self, line_end: bytes) -> _Frames | None:
        """The expressions for frames of the normaliser's current shape whose lines end with
        `line_end` (None: no shape)."""
        shape = self.normalizer.frame_shape()
        if shape != self._shape:
            self._shape = shape
            self._patterns = {}
            # A shape learned from data joined from several `data:` lines has LFs in it; the
            # pattern reads one `data:` line, so such a stream takes the general path.
            if shape is not None and not any("\n" in segment for segment in shape[1].segments):
                frame_shape = shape[1]
                self._raw = frame_shape.holes == (RAW,)
                # Where each hole's group is in what `split` returns (a frame's first is 1).
                self._text = 1 + frame_shape.holes.index(RAW if self._raw else TEXT)
                self._index = 1 + frame_shape.holes.index(INDEX) if INDEX in frame_shape.holes else 0
                self._usable = True
            else:
                self._usable = False
        if not self._usable:
            return None
        assert shape is not None
        frames = self._patterns.get(line_end)
        if frames is None:  # built when first needed: most streams use one line end
            frames = self._patterns[line_end] = _Frames.build(shape[0], shape[1], line_end)
        return frames

    def _read_run(self, frames: _Frames, chunk: bytes, pos: int, end: int
                  ) -> tuple[str, int, str | None, int | None, int]:
        """The frames of the shape from `pos` on, up to the first that is not (or whose index
        does not go on by one): their text, their number, the value of the last `id` line
        among them (None: none had one), the last index (None: no index) and where they end."""
        if not self._gapped:
            # Most pieces of a fast stream are all of the shape: one `split` gives the groups of
            # every frame in one flat list, and the bytes between the frames (every k-th item,
            # k = groups + 1), which are all empty when the frames tile the piece.
            parts = frames.one.split(chunk[pos:end])
            if not any(parts[::frames.stride]):
                return self._decode_run(frames, parts, chunk, pos, end) if len(parts) > 1 else ("", 0, None, None, pos)
            self._gapped = True
        # A frame of another shape among them: from here on in this piece, one pass finds where
        # the run of frames of the shape ends (the pattern repeated, anchored at `pos`), and
        # `split` reads their groups within exactly that run. (Searching to the end of the
        # piece after every such frame read the same bytes again and again.)
        run = frames.run.match(chunk, pos, end)
        if run is None:
            return "", 0, None, None, pos
        stop = run.end()
        return self._decode_run(frames, frames.one.split(chunk[pos:stop]), chunk, pos, stop)

    def _decode_run(self, frames: _Frames, parts: list[bytes], chunk: bytes, pos: int, stop: int
                    ) -> tuple[str, int, str | None, int | None, int]:
        """`_read_run`'s answer for the frames of `chunk` between `pos` and `stop`, which split
        into `parts` (nothing between them: `[b"", holes of frame 1, b"", holes of frame 2, ...,
        b""]`)."""
        stride = frames.stride
        last_index = None
        if self._index:
            # The run goes on from the highest index read so far, one by one; the frames from
            # the first that does not are left to the general path.
            first = self.normalizer.max_index + 1
            digits = parts[self._index::stride]
            if _COUNTING.holds(digits, first):
                taken = len(digits)
            else:  # out of step somewhere (or past the numbers written out): each converted
                indexes = map(int, digits)
                taken = next((n for n, index in enumerate(indexes) if index != first + n), len(digits))
                if not taken:
                    return "", 0, None, None, pos
                parts = parts[:taken * stride + 1]
                stop = pos
                for _ in range(taken):  # rare (a restart, a replay): frame by frame
                    stop = frames.one.match(chunk, stop).end()  # type: ignore[union-attr]
            last_index = first + taken - 1
        literals = parts[self._text::stride]
        last_id = frames.last_id(chunk, pos, stop)
        if self._raw:
            text = _raw_text(literals, frames.line_break)
        else:
            text = _json_text(literals)
        return text, len(literals), last_id, last_index, stop


@dataclass(frozen=True, slots=True)
class _Frames:
    """The expressions for the frames of one shape whose lines end with one line end."""

    one: re.Pattern[bytes]  # a frame, one group per hole
    run: re.Pattern[bytes]  # a run of them
    line_end: bytes
    line_break: re.Pattern[bytes]  # in a raw frame's data: a line end and the next `data` field

    @property
    def stride(self) -> int:
        """How far apart a frame's groups are in what `one.split` returns: its groups and the
        bytes between it and the next frame."""
        return self.one.groups + 1

    @classmethod
    def build(cls, event: str, shape: FrameShape, line_end: bytes) -> _Frames:
        escaped = re.escape(line_end)
        event_line = b"" if event == "message" else rb"event: ?" + re.escape(event.encode()) + escaped
        data = (_RAW_DATA % {b"le": escaped} if shape.holes == (RAW,)
                else shape.pattern().encode("utf-8"))
        one = _ID_LINE % escaped + event_line + _DATA_FIELD + data + escaped * 2
        return cls(re.compile(one), re.compile(b"(?:" + one + b")+"), line_end, _RAW_LINE_BREAK[line_end])

    def last_id(self, chunk: bytes, pos: int, stop: int) -> str | None:
        """The value of the last `id` line of the frames between `pos` and `stop` (None: none
        has one). Each LF there ends a line of theirs, so an LF and `id:` start an `id` line;
        the first frame's starts at `pos`. "If value starts with a U+0020 SPACE character,
        remove it"."""
        at = chunk.rfind(_LINE_THEN_ID, pos, stop)
        if at >= 0:
            at += 1
        elif chunk.startswith(_ID_FIELD, pos):
            at = pos
        else:
            return None
        value = chunk[at + 3:chunk.find(self.line_end, at)]
        return (value[1:] if value[:1] == b" " else value).decode("utf-8", "replace")


class _Counting:
    """Whether the digits of a run's indexes count on from `first` one by one, compared as bytes
    with the numbers written out once (`0,1,2,...`), not converted one by one (int() was a fifth
    of the lane's time per frame of the standard format). The index pattern admits no leading
    zero, so each number has one spelling, and the commas keep their bounds. False also for a
    run past the numbers written out: the caller converts those."""

    _LIMIT = 1 << 16  # numbers written out at most (~0.4 MB)

    def __init__(self) -> None:
        self._written = b""
        self._count = 0  # numbers in `_written`

    def holds(self, digits: list[bytes], first: int) -> bool:
        end = first + len(digits)
        if end > self._count:
            if end > self._LIMIT:
                return False
            self._count = min(self._LIMIT, max(end, 2 * self._count, 4096))
            self._written = ",".join(map(str, range(self._count))).encode()
        return b",".join(digits) == self._written[_offset(first):_offset(end) - 1]


def _offset(number: int) -> int:
    """Where `number` starts in `0,1,2,...`: each number before it takes its digits and a comma."""
    offset, low, high, width = 0, 0, 10, 2
    while number > high:
        offset += (high - low) * width
        low, high, width = high, high * 10, width + 1
    return offset + (number - low) * width


_COUNTING = _Counting()


def _json_text(literals: list[bytes]) -> str:
    """The text of JSON string literals (their insides, as `LITERAL_BODY` matched them), as the
    general path reads each: its bytes decoded as UTF-8 with replacement, then its escapes.

    Joined with quotes, which no literal holds unescaped: like the end of a literal, a quote
    ends any sequence a literal left unfinished. Without a backslash there is no escape (and no
    quote but those), and the decoded bytes are the text but for the quotes; else one
    `json.loads` of the literals as an array reads each on its own (surrogate escapes in two
    literals stay two lone surrogates)."""
    joined = b'"'.join(literals)
    if b"\\" not in joined:
        return joined.decode("utf-8", "replace").replace('"', "")
    array = b'["' + b'","'.join(literals) + b'"]'
    return "".join(json.loads(array.decode("utf-8", "replace")))


def _raw_text(literals: list[bytes], line_break: re.Pattern[bytes]) -> str:
    """The text of raw frames whose data lines are `literals` (a frame of several lines has
    `line_break`s in its literal), as the parser reads them: each frame's data decoded on its
    own as UTF-8 with replacement, its lines joined with LF.

    Joined with CRs between them, which no data line holds: like the end of a frame's data, a
    CR ends any sequence a frame left unfinished, and it is taken out again after. The only LFs
    are those of the line breaks within frames (`line_break`, in any line end), which become
    the LF of the parser's join: it ends an unfinished sequence too."""
    joined = b"\r".join(literals)
    if b"\n" in joined:
        joined = line_break.sub(b"\n", joined)
    return joined.decode("utf-8", "replace").replace("\r", "")


def _after_frames(chunk: bytes, frame_end: bytes, frames: int, end: int) -> int:
    """Where the first `frames` frames of `chunk` end (at most at `end`)."""
    pos = 0
    for _ in range(frames):
        found = chunk.find(frame_end, pos)
        if found < 0 or found + len(frame_end) >= end:
            return end
        pos = found + len(frame_end)
    return pos
