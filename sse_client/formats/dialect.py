"""`Dialect`: the one small interface every wire dialect implements.

A dialect is how one kind of backend writes its stream (the project's standard format, OpenAI
Chat Completions, Anthropic Messages, ...). Its module says, and nothing else needs to know:

- how it is recognised: by the SSE `event:` name of a frame (`claims_event`) and/or by the first
  JSON value it sends (`recognises`);
- how each frame becomes a `Chunk`, `Status`, `Complete` or `ErrorReport`, or None when it
  carries nothing to show on purpose (pings, role-only deltas, usage, tool calls, reasoning);
  a frame of the dialect that cannot be read is a `Malformed` warning, unless it is an error
  object in any dialect's shape, which the normaliser reports as the error it is (so an
  adapter need not look for `{"error": ...}` itself);
- what ends the reply: a `Complete`, or `finished` set by a frame that also carried text
  (Gemini's last candidate has its `finishReason` beside the last text); whether a stream that
  just closes is complete (`ends_with_marker` False: legacy JSON, raw text);
- how the provider's non-streaming answer gives the whole text (`final_text`), for the fallback.

`PayloadNormalizer` picks the dialect (or is told it), parses each frame's JSON once, and hands
the value to `read`. A new dialect is one new module with a `Dialect` subclass, added to
`registry.DIALECTS`, and its tests. Sans-I/O.
"""

from __future__ import annotations

from typing import Any, ClassVar

from sse_client.formats.events import ChatEvent, ErrorReport
from sse_client.parser import ServerSentEvent


class Dialect:
    """One wire dialect; an instance reads one reply's frames (some dialects keep state)."""

    name: ClassVar[str]  # what `configure({format})` and the mock's `?format=` call it
    title: ClassVar[str]  # for people: "Anthropic Messages"
    event_names: ClassVar[frozenset[str]] = frozenset()  # SSE `event:` names that are its own
    json_frames: ClassVar[bool] = True  # each frame's data is JSON (raw text is not)
    ends_with_marker: ClassVar[bool] = True  # a stream that closes before its end was cut
    done_marker: ClassVar[bool] = False  # `data: [DONE]` ends the stream (OpenAI and kin)
    # Whether an upstream may "stutter" (repeat the whole text so far in every chunk): the
    # generic formats, which proxies fill from anything. Provider dialects are deltas by
    # definition, and a check there could only misread a delta that repeats the text before it.
    may_stutter: ClassVar[bool] = False
    # The JSON key of a text frame's text, when there is one: `FrameTemplate` then reads later
    # frames of the same shape without parsing all of their JSON (and `FastLane` whole runs of
    # them). None: every frame is parsed in full.
    text_key: ClassVar[str | None] = None
    # The key of the chunk index, for a dialect whose chunks carry one (the standard format).
    index_key: ClassVar[str | None] = None
    # Keys whose values change from one text frame to the next and that `read` ignores
    # (counters, random padding, token counts): holes in the template, so that their frames
    # still share one shape. `read` must really ignore them: the template's exactness rests on it.
    varying_keys: ClassVar[frozenset[str]] = frozenset()

    def __init__(self) -> None:
        self.finished = False  # a frame said the reply ends here (see the module docs)

    @classmethod
    def claims_event(cls, event: str) -> bool:
        """Whether an SSE `event:` name is this dialect's own (and so tells the dialect)."""
        return event in cls.event_names

    @classmethod
    def recognises(cls, value: Any) -> bool:
        """Whether the first frame's JSON value is of this dialect."""
        return False

    def read(self, frame: ServerSentEvent, value: Any) -> ChatEvent | None:
        """The chat event of one frame, given its JSON value (its text for `json_frames`
        False). `event: error` frames and `[DONE]` are handled before this is called."""
        raise NotImplementedError

    def read_empty(self, frame: ServerSentEvent) -> ChatEvent | None:
        """The chat event of a named frame without data (`EventStreamParser`'s
        `named_without_data`): nothing, but for a dialect that ends with one."""
        return None

    @classmethod
    def final_text(cls, value: Any) -> str | ErrorReport | None:
        """The whole reply in this dialect's non-streaming JSON answer, or the error it reports
        in a shape of its own (an error object of any shape is read by the normaliser), or
        None."""
        return None
