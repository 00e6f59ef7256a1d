"""`StutterFilter`: a cumulative ("stuttering") upstream turned back into deltas. Sans-I/O."""

from __future__ import annotations


class StutterFilter:
    """Turns a cumulative ("stuttering") sequence of chunk texts back into deltas.

    The mode is decided at the first non-empty chunk that differs from the first: if it extends the text so far, the
    upstream repeats itself and every later chunk is cut to its new part. A delta stream whose
    second chunk happens to start with the whole first one would be misread; with real model
    output that does not happen.
    """

    def __init__(self) -> None:
        self.cumulative: bool | None = None
        self._text = ""  # the cumulative text so far, while it may be needed

    def restart(self) -> None:
        """The chunks start again from the first; forget it unless the mode is decided."""
        if self.cumulative is None:
            self._text = ""

    def delta(self, content: str) -> str:
        """The new part of `content`."""
        if self.cumulative is False or not content:
            return content
        text = self._text
        if self.cumulative is None:
            if not text:
                self._text = content
                return content
            if content == text:
                # The same text again tells nothing: a delta stream repeating a word, or the
                # first chunk of a stream that started again after a reconnect (which the
                # assembler drops by its id). Still undecided.
                return content
            self.cumulative = len(content) > len(text) and content.startswith(text)
            if not self.cumulative:
                self._text = ""
                return content
        if content.startswith(text):
            self._text = content
            return content[len(text) :]
        # A cumulative upstream that rewrote earlier text: what was shown cannot be taken back,
        # so show only what goes past it.
        new = content[len(text) :] if len(content) > len(text) else ""
        self._text = text + new
        return new
