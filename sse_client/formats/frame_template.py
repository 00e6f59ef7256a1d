"""`ContentTemplate`: the content of a chat frame, read without parsing all of its JSON.

Consecutive frames of one stream (OpenAI chunks above all) usually differ only in their content
string:

    {"id": "x", "object": "chat.completion.chunk", ..., "delta": {"content": "<this>"}, ...}

Once a frame has been parsed in full, its text before and after the content literal is kept.
A later frame that is exactly that prefix, then one valid JSON string literal, then that suffix
is valid JSON of the same shape, with only that value changed: its content is the literal,
decoded by the standard library's `json.decoder.scanstring` (strict, as `json.loads` is). Any
other frame gets None, and the caller parses it in full. This is the hot path of a fast stream:
`json.loads` of a whole frame costs several times what decoding one string does.

Sans-I/O.
"""

from __future__ import annotations

import json.decoder
import re
from collections.abc import Callable

# What the json module itself decodes string literals with (its C version when available):
# (text, index just past the opening quote) -> (value, index just past the closing quote).
# Not in typeshed's stubs, hence the ignore.
scanstring: Callable[[str, int], tuple[str, int]] = json.decoder.scanstring  # type: ignore[attr-defined]


class ContentTemplate:
    """The shape of the last fully parsed frame whose text was the string at `key` (each
    dialect names its own: "content" for OpenAI, "text" for Anthropic, "delta" for the
    Responses API and the Vercel AI SDK)."""

    def __init__(self, key: str = "content") -> None:
        self._quoted_key = f'"{key}"'
        self._key = re.compile(re.escape(self._quoted_key) + r'\s*:\s*"')
        self._prefix: str | None = None  # the frame's text before the content literal's quote
        self._suffix = ""  # its text after the literal

    def learn(self, data: str, content: str) -> None:
        """Keep `data`'s shape; `content` is what the full parse found for its one text key.

        Only a frame with the quoted key exactly once in it is learned, so that the literal
        found is the key's value without doubt (a string value that equals the key counts too, and
        keeps the frame from being learned); the decoded literal must equal `content`."""
        self._prefix = None
        match = self._key.search(data)
        if match is None or data.count(self._quoted_key) != 1:
            return
        try:
            value, end = scanstring(data, match.end())
        except ValueError:
            return
        if value == content:
            self._prefix = data[: match.end() - 1]
            self._suffix = data[end:]

    @property
    def shape(self) -> tuple[str, str] | None:
        """The learned frame's text before the content literal's quote and after the literal."""
        return None if self._prefix is None else (self._prefix, self._suffix)

    def match(self, data: str) -> str | None:
        """The content of `data` if it has the learned shape, else None."""
        prefix, suffix = self._prefix, self._suffix
        if prefix is None or not data.startswith(prefix) or not data.endswith(suffix):
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
        return value if end == len(data) - len(suffix) else None
