"""`FrameTemplate`: the text of a chat frame, read without parsing all of its JSON.

Consecutive text frames of one stream usually differ only in their text string and in a few
values the reader does not use (a counter, a random padding string, token counts):

    {"type": "chunk", "data": {"content": "<text>", "index": <index>}}                 standard
    {"id": "x", ..., "delta": {"content": "<text>"}, ..., "obfuscation": "<any>"}      OpenAI
    {"type": "response.output_text.delta", ..., "delta": "<text>", "sequence_number": <any>}

Once a frame has been parsed in full, its text is kept with holes where those values are: the
text literal (the dialect's `text_key`), the chunk index (its `index_key`: the standard format
numbers its chunks) and the values of its `varying` keys, which its adapter ignores. A later
frame that is the same text around a valid JSON value of the same kind in each hole is valid
JSON of the same shape, and it means the same to the adapter but for the text and the index:
its text is the literal, decoded by the standard library's `json.decoder.scanstring` (strict,
as `json.loads` is), and its index is the number in the index hole. Any other frame gets None,
and the caller parses it in full. This is the hot path of a fast stream: `json.loads` of a whole
frame costs several times what decoding one string does.

Exact, not a heuristic: a key is made a hole only if its quoted name occurs exactly once in the
frame (so the hole is that key's value without doubt: a quoted name cannot hide in a string
value, whose quotes are escaped, and a value equal to the name counts too), and each hole's
pattern matches exactly one JSON value of its kind.

`FastLane` builds its byte pattern from the same `FrameShape`, so both read the same frames.
Sans-I/O.
"""

from __future__ import annotations

import json.decoder
import re
from collections.abc import Callable
from dataclasses import dataclass

# What the json module itself decodes string literals with (its C version when available):
# (text, index just past the opening quote) -> (value, index just past the closing quote).
# Not in typeshed's stubs, hence the ignore.
scanstring: Callable[[str, int], tuple[str, int]] = json.decoder.scanstring  # type: ignore[attr-defined]

TEXT, INDEX, STRING, NUMBER, RAW = "text", "index", "string", "number", "raw"

# The inside of a JSON string literal, strictly: no quote, backslash or control character, except
# in the escapes JSON has. So `scanstring` (and `json.loads`) cannot fail on what this matched.
LITERAL_BODY = r'[^"\\\x00-\x1f]*(?:\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})[^"\\\x00-\x1f]*)*'
# One JSON value of each kind a hole may hold, as a group: the text literal's inside (its quotes
# belong to the segments around it), the index's digits, a whole string literal, a whole number.
HOLE_PATTERNS = {
    TEXT: "(" + LITERAL_BODY + ")",
    # At most 18 digits: a longer index (beyond what Python converts from text, past 4,300
    # digits) is left to the full parse, which says what it makes of it.
    INDEX: "(0|[1-9][0-9]{0,17})",
    STRING: '("' + LITERAL_BODY + '")',
    NUMBER: r"(-?(?:0|[1-9][0-9]{0,99})(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)",
}
# Learning a frame's shape costs more than parsing it (its expression is compiled), and pays off
# only if the next frames have that shape. A stream whose frames never do (a value its dialect
# does not declare varying: a timestamp a proxy adds to each) would pay it on every frame: after
# this many text frames in a row that matched nothing learned, one frame in `_RELEARN_EVERY` is
# learned, so that a stream that settles is still read by its template soon after.
_PATIENCE = 8
_RELEARN_EVERY = 32
_STRING_VALUE = re.compile('"' + LITERAL_BODY + '"')
_NUMBER_VALUE = re.compile(HOLE_PATTERNS[NUMBER])


@dataclass(frozen=True, slots=True)
class FrameShape:
    """A frame's text with holes: `segments[0] hole[0] segments[1] ... hole[n-1] segments[n]`,
    the kind of each hole in `holes` (exactly one TEXT, at most one INDEX)."""

    segments: tuple[str, ...]
    holes: tuple[str, ...]

    def pattern(self) -> str:
        """The regular expression of the frames of this shape, one group per hole."""
        parts = [re.escape(self.segments[0])]
        for kind, segment in zip(self.holes, self.segments[1:]):
            parts += [HOLE_PATTERNS[kind], re.escape(segment)]
        return "".join(parts)


RAW_SHAPE = FrameShape(("", ""), (RAW,))
"""The shape of every frame of a raw-text stream: its data is the text, of one line or more.
Its hole has no pattern here: `FastLane` reads runs of such frames with an expression of its own
(`_RAW_DATA`), which takes the `data` lines of a frame of several."""


class FrameTemplate:
    """The shape of the last fully parsed text frame of one dialect."""

    def __init__(self, text_key: str, *, index_key: str | None = None,
                 varying: frozenset[str] = frozenset()) -> None:
        self._text_key = _key_pattern(text_key)
        self._index_key = None if index_key is None else _key_pattern(index_key)
        self._varying = tuple(_key_pattern(key) for key in sorted(varying))
        self.shape: FrameShape | None = None
        self._prefix = ""  # with only a text hole: the text before and after it, compared as is
        self._suffix = ""
        self._regex: re.Pattern[str] | None = None  # with more holes: the shape's pattern
        self._text_group = 1  # the group of the text literal in `_regex`
        self._index_group = 0  # the group of the index, 0 for none
        self._misses = 0  # text frames learned since the last that matched (see `_PATIENCE`)

    def learn(self, data: str, content: str, index: int | None = None) -> bool:
        """Keep `data`'s shape; `content` (and `index`) is what the full parse found in it. A
        frame whose shape cannot be learned leaves no shape: the next text frame is parsed in
        full, and may be learned. Once many in a row have not matched what was learned before,
        only some are learned (see `_PATIENCE`): the shape stays what it was. Returns whether
        this frame was learned (its shape, or that it has none)."""
        self._misses += 1
        if self._misses > _PATIENCE and self._misses % _RELEARN_EVERY:
            return False
        self._learn(data, content, index)
        return True

    def _learn(self, data: str, content: str, index: int | None) -> None:
        self.shape = None
        self._regex = None
        self._prefix = self._suffix = ""
        holes: list[tuple[int, int, str]] = []  # (start, end, kind) in `data`
        text = _value_at(data, self._text_key)
        if text is None and data[:1] == '"' and index is None:
            text = 0  # the whole value is the text literal (LangServe's string outputs)
        if text is None or data[text] != '"':
            return
        try:
            value, end = scanstring(data, text + 1)
        except ValueError:
            return
        if value != content or (text == 0 and end != len(data)):
            return
        holes.append((text, end, TEXT))
        if index is not None:
            found = self._index_hole(data, index)
            if found is None:
                return  # an index the template cannot hold: no template
            holes.append(found)
        for key in self._varying:
            start = _value_at(data, key)
            if start is None:
                continue
            kind = STRING if data[start] == '"' else NUMBER
            value_match = (_STRING_VALUE if kind == STRING else _NUMBER_VALUE).match(data, start)
            if value_match is not None:
                holes.append((start, value_match.end(), kind))
        holes.sort()
        if any(end > start for (_, end, _), (start, _, _) in zip(holes, holes[1:])):
            return  # overlapping holes cannot come from one valid JSON text; be safe anyway
        segments, kinds, at = [], [], 0
        for start, end, kind in holes:
            # The text hole's group is inside its quotes: they belong to the segments around it.
            segments.append(data[at:start + 1] if kind == TEXT else data[at:start])
            kinds.append(kind)
            at = end - 1 if kind == TEXT else end
        segments.append(data[at:])
        self.shape = FrameShape(tuple(segments), tuple(kinds))
        if len(kinds) == 1:
            self._prefix, self._suffix, self._regex = segments[0][:-1], segments[1][1:], None
        else:
            self._regex = re.compile(self.shape.pattern())
            self._text_group = kinds.index(TEXT) + 1
            self._index_group = kinds.index(INDEX) + 1 if INDEX in kinds else 0

    def _index_hole(self, data: str, index: int) -> tuple[int, int, str] | None:
        """The index's hole in `data`, if it is written as its plain digits at the index key."""
        start = None if self._index_key is None else _value_at(data, self._index_key)
        number = None if start is None else _NUMBER_VALUE.match(data, start)
        if start is None or number is None or number[0] != str(index) or index < 0:
            return None
        return start, number.end(), INDEX

    def match(self, data: str) -> tuple[str, int | None] | None:
        """The text (and index) of `data` if it has the learned shape, else None."""
        regex = self._regex
        if regex is None:
            return self._match_text_only(data)
        found = regex.fullmatch(data)
        if found is None:
            return None
        value, _ = scanstring(data, found.start(self._text_group))
        self._misses = 0
        return value, (int(found[self._index_group]) if self._index_group else None)

    def _match_text_only(self, data: str) -> tuple[str, int | None] | None:
        prefix, suffix = self._prefix, self._suffix
        if self.shape is None or not data.startswith(prefix) or not data.endswith(suffix):
            return None
        start = len(prefix)
        if data[start : start + 1] != '"':
            return None
        try:
            value, end = scanstring(data, start + 1)
        except ValueError:
            return None  # not one valid string literal there
        # The literal must end exactly where the suffix starts (so nothing is between them and
        # the suffix does not overlap it).
        if end != len(data) - len(suffix):
            return None
        self._misses = 0
        return value, None


def _key_pattern(key: str) -> tuple[str, re.Pattern[str]]:
    quoted = f'"{key}"'
    return quoted, re.compile(re.escape(quoted) + r"\s*:\s*")


def _value_at(data: str, key: tuple[str, re.Pattern[str]]) -> int | None:
    """Where the value of `key` starts in `data`, if the quoted key occurs there exactly once
    (and as a key: followed by a colon)."""
    quoted, pattern = key
    if data.count(quoted) != 1:
        return None
    found = pattern.search(data)
    return None if found is None or found.end() >= len(data) else found.end()
