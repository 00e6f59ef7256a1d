"""The scripted reply of the mock chat backend: options in, frames out, no I/O.

The server (:mod:`sse_client.testing.mock_backend`) parses the query string of a request into
:class:`MockOptions`, asks :func:`build_frames` what to write and :func:`frames_after` what is
left after a ``Last-Event-ID``, and itself only paces the writes, injects the faults that need a
socket (cut, stall, drip, gzip) and keeps the request log. What each ``format=`` writes is
the table in :mod:`~sse_client.testing.mock_dialects`; this module adds the ids, the malformed
frame and the error frames the same way for every dialect. Time comes in as an argument
(``created``), so everything here is deterministic.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sse_client.testing.mock_dialects import (
    DIALECTS,
    FORMATS,
    OPENAI_ID,
    STATUS_MESSAGE,
    Format,
    Reply,
    Wire,
    error_body,
)

__all__ = [
    "DEFAULT_MODEL", "DEFAULT_REPLY", "FORMATS", "KEEP_ALIVE", "MAX_EVENTS", "OPENAI_ID",
    "STATUS_MESSAGE", "Format", "Frame", "InvalidOption", "MockOptions", "build_frames",
    "build_json_reply", "encode_event", "error_body", "frames_after", "reply_pieces",
    "reply_text", "split_reply", "stamp_frame", "STAMP_MEMBERS", "status_error_body", "stream_headers",
]

DEFAULT_REPLY = (
    "Hello! I am the mock assistant, and this reply is scripted so that every test knows exactly "
    "what to expect. It arrives in small pieces.\nAlong the way it carries accented letters "
    "(café, naïve, Ångström), a CJK word (你好) and an emoji outside the BMP 🚀, so that UTF-8 "
    "boundaries get exercised. That is all."
)
"""The reply sent when the request has no ``text`` option (303 code points, 314 UTF-8 bytes)."""

KEEP_ALIVE = ": keep-alive\n\n"
"""A comment block: the client's parser ignores it, but it proves the connection is alive."""

DEFAULT_MODEL = "mock-model"


class InvalidOption(ValueError):
    """A query option the mock backend cannot use; the server answers 400 with this message."""


@dataclass(frozen=True, kw_only=True)
class MockOptions:
    """How the mock backend answers one request; see the module docs of ``mock_backend``.

    The fault fields (``None`` or ``False`` when off) apply to the first ``fault_attempts``
    attempts of a conversation only: :meth:`for_attempt` turns them off after that.
    """

    format: Format = "standard"
    text: str = DEFAULT_REPLY
    chunk_chars: int = 8
    delay_ms: int = 20
    stutter: bool = False
    ping_ms: int = 0
    resume: bool = True
    ids: bool = True
    """Events carry ``id:`` lines; without them a client has nothing to resume from, and a
    reconnect always starts again from the beginning (as with OpenAI-compatible upstreams)."""
    fault_attempts: int = 1
    cut_after_bytes: int | None = None
    status: int | None = None
    """Answer HTTP ``status`` (400-599 with the dialect's error body, or 204 with no body)."""
    echo_auth: bool = False
    """The ``status`` error body repeats the request's ``Authorization`` header, as proxies and
    debug pages do: a client must not show the token it sent."""
    retry_after: str | None = None
    auth_token: str | None = None
    """Answer 401 unless the request carries ``Authorization: Bearer <auth_token>``; on every
    attempt (it is no fault: a client must send the right token to get past it)."""
    stall_after: int | None = None
    keepalive_only: bool = False
    malformed: int | None = None
    drip: bool = False
    json_reply: bool = False
    error_event: int | None = None
    gzip: bool = False
    # Benchmark options (see the module docs of ``mock_backend``); not faults, so they apply to
    # every attempt.
    events: int | None = None
    """The reply is this many chunks: the pieces of ``text`` repeated in a cycle."""
    batch_bytes: int | None = None
    """Write the frames back to back, joined into writes of at least this many bytes."""
    pace_hz: int | None = None
    """Write events at this steady rate (event k at k / pace_hz s); replaces ``delay_ms``."""
    stamp: bool = False
    """Each JSON event carries the server's clock when it was written (see ``stamp_as``)."""
    stamp_as: str = "server_ms"
    """Where the stamp goes: ``"server_ms"``, a number, as the first member; ``"obfuscation"``, a
    string, as the last member, where OpenAI puts the padding that changes with every chunk (a
    stream that is OpenAI's to the byte, but for the padding's value)."""

    def __post_init__(self) -> None:
        if self.format not in FORMATS:
            raise InvalidOption(f"format must be one of {', '.join(FORMATS)}, not {self.format!r}")
        if self.stutter and not DIALECTS[self.format].stutter:
            stutters = ", ".join(name for name in FORMATS if DIALECTS[name].stutter)
            raise InvalidOption(f"stutter=1 needs one of the formats {stutters}: "
                                f"format={self.format} streams only deltas")
        if self.format == "raw" and "\r" in self.text:
            # The event-stream format treats CR as a line break: raw text cannot carry one.
            raise InvalidOption("format=raw cannot carry a carriage return in text")
        _check_range("chunk_chars", self.chunk_chars, 1, 1_000_000)
        _check_range("delay_ms", self.delay_ms, 0, 60_000)
        _check_range("ping_ms", self.ping_ms, 0, 60_000)
        _check_range("fault_attempts", self.fault_attempts, 0, 1_000_000)
        for name in ("cut_after_bytes", "stall_after", "malformed", "error_event"):
            value = getattr(self, name)
            if value is not None:
                _check_range(name, value, 0, 1_000_000_000)
        if self.status is not None and self.status != 204:
            _check_range("status", self.status, 400, 599)
        if self.events is not None:
            _check_range("events", self.events, 1, MAX_EVENTS)
        if self.batch_bytes is not None:
            _check_range("batch_bytes", self.batch_bytes, 1, 16 * 1024 * 1024)
            # Batching is for flat-out throughput: it has no pauses to pace, stall or drip in.
            conflicts = [name for name, on in (
                ("delay_ms", self.delay_ms != 0), ("pace_hz", self.pace_hz is not None),
                ("drip", self.drip), ("stall_after", self.stall_after is not None),
                ("keepalive_only", self.keepalive_only)) if on]
            if conflicts:
                raise InvalidOption(
                    f"batch_bytes writes without pauses: it needs delay_ms=0 and cannot be "
                    f"combined with {', '.join(conflicts)}")
        if self.pace_hz is not None:
            _check_range("pace_hz", self.pace_hz, 1, 10_000)
        if self.retry_after is not None and not (
            self.retry_after.isascii() and self.retry_after.isprintable() and self.retry_after
        ):
            raise InvalidOption("retry_after must be printable ASCII (seconds or an HTTP date)")
        if self.auth_token is not None and not (
            self.auth_token.isascii() and self.auth_token.isprintable() and self.auth_token
            and " " not in self.auth_token
        ):
            raise InvalidOption("auth_token must be printable ASCII without spaces")
        if self.stamp_as not in STAMP_MEMBERS:
            raise InvalidOption(f"stamp_as must be one of {', '.join(STAMP_MEMBERS)}, not {self.stamp_as!r}")

    @classmethod
    def from_query(cls, params: Mapping[str, str]) -> MockOptions:
        """Parse the query options of a request; raise :class:`InvalidOption` on bad input.

        Unknown names are rejected too, so that a misspelt option fails loudly instead of
        silently testing the happy path.
        """
        unknown = sorted(set(params) - _QUERY_NAMES)
        if unknown:
            known = ", ".join(sorted(_QUERY_NAMES))
            raise InvalidOption(f"unknown option(s) {', '.join(unknown)}; known: {known}")
        fields: dict[str, Any] = {}
        for name in ("chunk_chars", "delay_ms", "ping_ms", "fault_attempts", "cut_after_bytes",
                     "status", "stall_after", "malformed", "error_event", "events",
                     "batch_bytes", "pace_hz"):
            if name in params:
                fields[name] = _parse_int(name, params[name])
        for query_name, field in (("stutter", "stutter"), ("resume", "resume"), ("ids", "ids"),
                                  ("keepalive_only", "keepalive_only"), ("drip", "drip"),
                                  ("json", "json_reply"), ("gzip", "gzip"),
                                  ("stamp", "stamp"), ("echo_auth", "echo_auth")):
            if query_name in params:
                fields[field] = _parse_flag(query_name, params[query_name])
        for name in ("format", "text", "retry_after", "auth_token", "stamp_as"):
            if name in params:
                fields[name] = params[name]
        return cls(**fields)

    @property
    def keepalive_interval_ms(self) -> int:
        """The idle time after which a keep-alive comment is written; 0 means never."""
        if self.ping_ms > 0:
            return self.ping_ms
        return 100 if self.keepalive_only else 0

    def for_attempt(self, attempt: int) -> MockOptions:
        """These options for the 1-based ``attempt`` of a conversation: faults only at first."""
        if attempt <= self.fault_attempts:
            return self
        return dataclasses.replace(
            self, cut_after_bytes=None, status=None, echo_auth=False, retry_after=None, stall_after=None,
            keepalive_only=False, malformed=None, drip=False, json_reply=False, error_event=None,
            gzip=False)


# `session` names the conversation for the attempt counter; the server reads it, not the script.
_QUERY_NAMES = frozenset({
    "format", "text", "chunk_chars", "delay_ms", "stutter", "ping_ms", "resume", "ids",
    "fault_attempts", "cut_after_bytes", "status", "retry_after", "stall_after",
    "keepalive_only", "malformed", "drip", "json", "error_event", "gzip", "session",
    "events", "batch_bytes", "pace_hz", "stamp", "stamp_as", "echo_auth", "auth_token",
})

MAX_EVENTS = 2_000_000
"""The most chunks ``events`` may ask for (a 2,000,000-event body is about 300 MB)."""


def _parse_int(name: str, raw: str) -> int:
    try:
        return int(raw, 10)
    except ValueError:
        raise InvalidOption(f"{name} must be an integer, not {raw!r}") from None


def _parse_flag(name: str, raw: str) -> bool:
    if raw not in ("0", "1"):
        raise InvalidOption(f"{name} must be 0 or 1, not {raw!r}")
    return raw == "1"


def _check_range(name: str, value: int, low: int, high: int) -> None:
    if not low <= value <= high:
        raise InvalidOption(f"{name} must be between {low} and {high}, not {value}")


def split_reply(text: str, chunk_chars: int) -> list[str]:
    """Split ``text`` into pieces of ``chunk_chars`` code points (the last one may be shorter).

    Python strings index code points, so a piece never ends inside a character that UTF-8
    encodes in several bytes or that UTF-16 encodes as a surrogate pair, such as 🚀.
    """
    if chunk_chars < 1:
        raise ValueError("chunk_chars must be at least 1")
    return [text[start:start + chunk_chars] for start in range(0, len(text), chunk_chars)]


@dataclass(frozen=True, kw_only=True)
class Frame:
    """One block of the event stream, as text, ending with the blank line that dispatches it."""

    position: int
    """The id of this event, or for an extra frame the id of the event it follows."""
    is_event: bool
    """True for a real event (it has an ``id:`` line unless ``ids=0``); False for the malformed
    frame and the in-stream error frames, which never have one."""
    wire: str


def reply_pieces(options: MockOptions) -> list[str]:
    """The chunk texts of the reply, before stutter and errors: ``text`` in pieces of
    ``chunk_chars``, or with ``events=N`` exactly N pieces, cycling through those pieces."""
    pieces = split_reply(options.text, options.chunk_chars)
    if options.events is None or not pieces:
        return pieces
    cycles, rest = divmod(options.events, len(pieces))
    return pieces * cycles + pieces[:rest]


def reply_text(options: MockOptions) -> str:
    """The whole reply the options describe (what a client must end up showing)."""
    return options.text if options.events is None else "".join(reply_pieces(options))


# The first data line of a frame, and the space after its colon if any (TGI writes none).
_FIRST_DATA = re.compile(r"^data: ?", re.MULTILINE)
_LINE_END = re.compile(r"\r?\n")


STAMP_MEMBERS = ("server_ms", "obfuscation")
"""Where `stamp_frame` can put the stamp (``stamp_as``)."""


def stamp_frame(wire: str, server_ms: float, *, member: str = "server_ms") -> str:
    """``wire`` with ``"server_ms": server_ms`` as the first member of its JSON data, or with
    ``member="obfuscation"`` ``"obfuscation": "server_ms"`` (a string) as the last.

    Frames whose first data line is not a JSON object ([DONE], raw text, LangServe's string
    literals) are returned unchanged. Our JSON is one line (``json.dumps`` escapes line feeds), so
    the first data line is the whole value.
    """
    match = _FIRST_DATA.search(wire)
    if match is None or not wire.startswith("{", match.end()):
        return wire
    if member == "obfuscation":
        at = _LINE_END.search(wire, match.end()).start() - 1  # type: ignore[union-attr]  # its "}"
        empty = wire.startswith("{}", match.end())
        return f'{wire[:at]}{"" if empty else ", "}"obfuscation": "{server_ms:.3f}"{wire[at:]}'
    at = match.end() + 1
    stamp = f'"server_ms": {server_ms:.3f}'
    return f"{wire[:at]}{stamp}{'' if wire.startswith('}', at) else ', '}{wire[at:]}"


_PLAIN = Wire()  # data: and id: with a space, LF line ends


def encode_event(event_id: int | None, data: str | None, *, event: str | None = None,
                 wire: Wire = _PLAIN) -> str:
    """The wire text of one event: an ``id:`` line (unless ``event_id`` is None), an ``event:``
    line (if ``event``), and the data, one ``data:`` line per line (none if ``data`` is None),
    written in the dialect's ``wire`` style.

    Spec: "If the line starts with 'data:', append the field value (after removing one leading
    space) to the data buffer, then append a single U+000A LINE FEED" - so a value containing
    LF is sent as several data lines, and the space after the colon protects leading spaces
    (a dialect that writes none only ever sends JSON, which starts with no space).
    """
    colon, newline = wire.colon, wire.newline
    head = "" if event_id is None else f"id{colon}{event_id}{newline}"
    if event is not None:
        head += f"event{colon}{event}{newline}"
    if data is None:
        return head + newline
    if "\n" not in data:  # JSON always: the common case of 100,000-event bodies, kept short
        return f"{head}data{colon}{data}{newline}{newline}"
    lines = "".join(f"data{colon}{line}{newline}" for line in data.split("\n"))
    return f"{head}{lines}{newline}"


def _reply(options: MockOptions, *, model: str, created: int, streaming: bool) -> Reply:
    pieces = reply_pieces(options)
    if not streaming:
        return Reply(pieces=pieces, text=reply_text(options), model=model, created=created)
    if options.stutter:
        pieces = ["".join(pieces[:count]) for count in range(1, len(pieces) + 1)]
    # An in-stream error replaces everything after its chunk; past the end it replaces the end.
    failure = None
    if options.error_event is not None:
        pieces = pieces[:options.error_event]
        failure = f"Mock upstream failure after {len(pieces)} chunks"
    return Reply(pieces=pieces, text=reply_text(options), failure=failure, model=model,
                 created=created)


def build_frames(options: MockOptions, *, model: str, created: int) -> list[Frame]:
    """Everything a full streaming response writes, in order, before resume and socket faults."""
    dialect = DIALECTS[options.format]
    stream = dialect.stream(_reply(options, model=model, created=created, streaming=True))
    frames: list[Frame] = []
    malformed = dialect.malformed
    for position, (data, event) in enumerate(stream.events):
        wire = encode_event(position if options.ids else None, data, event=event,
                            wire=dialect.wire)
        frames.append(Frame(position=position, is_event=True, wire=wire))
        if malformed is not None and options.malformed == position:
            wire = encode_event(None, malformed.data, event=malformed.name, wire=dialect.wire)
            frames.append(Frame(position=position, is_event=False, wire=wire))
    # An in-stream error is not part of the reply: it goes out without an id, so that the ids of
    # a failing attempt are those of the clean stream, and a resume after the error loses nothing.
    for data, event in stream.error:
        wire = encode_event(None, data, event=event, wire=dialect.wire)
        frames.append(Frame(position=len(stream.events) - 1, is_event=False, wire=wire))
    return frames


def frames_after(frames: list[Frame], last_event_id: int | None) -> list[Frame]:
    """The frames still to send to a client that has seen ``last_event_id`` (all if None).

    An extra frame goes with the event it follows: it is resent only if that event is.
    """
    if last_event_id is None:
        return list(frames)
    return [frame for frame in frames if frame.position > last_event_id]


def build_json_reply(options: MockOptions, *, model: str, created: int) -> dict[str, Any]:
    """The non-streaming answer in the provider's shape: an OpenAI ``chat.completion``, a
    Responses API ``response``, an Anthropic ``message``, ...; the standard ``complete`` event
    for the standard, legacy and raw formats."""
    reply = _reply(options, model=model, created=created, streaming=False)
    return DIALECTS[options.format].json_reply(reply)


def status_error_body(status: int, format: Format = "standard") -> dict[str, Any]:
    """The JSON body of the ``status=`` fault, in the error shape of the ``format``'s provider
    (OpenAI's ``{"error": {...}}``, Anthropic's ``{"type": "error", ...}``, FastAPI's
    ``{"detail": ...}``, ...), with a code or type derived from the status."""
    return DIALECTS[format].status_body(status)


def stream_headers(format: Format) -> Mapping[str, str]:
    """The response headers a stream in ``format`` adds to the event-stream ones."""
    return DIALECTS[format].headers
