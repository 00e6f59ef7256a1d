"""The scripted reply of the mock chat backend: options in, frames out, no I/O.

The server (:mod:`sse_client.testing.mock_backend`) parses the query string of a request into
:class:`MockOptions`, asks :func:`build_frames` what to write and :func:`frames_after` what is
left after a ``Last-Event-ID``, and itself only paces the writes, injects the faults that need a
socket (cut, stall, drip, gzip) and keeps the request log. Time comes in as an argument
(``created``), so everything here is deterministic.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, Literal

Format = Literal["standard", "legacy", "openai", "raw"]
FORMATS: tuple[Format, ...] = ("standard", "legacy", "openai", "raw")

DEFAULT_REPLY = (
    "Hello! I am the mock assistant, and this reply is scripted so that every test knows exactly "
    "what to expect. It arrives in small pieces.\nAlong the way it carries accented letters "
    "(café, naïve, Ångström), a CJK word (你好) and an emoji outside the BMP 🚀, so that UTF-8 "
    "boundaries get exercised. That is all."
)
"""The reply sent when the request has no ``text`` option (303 code points, 314 UTF-8 bytes)."""

KEEP_ALIVE = ": keep-alive\n\n"
"""A comment block: the client's parser ignores it, but it proves the connection is alive."""

OPENAI_ID = "chatcmpl-mock"
DEFAULT_MODEL = "mock-model"
STATUS_MESSAGE = "Processing..."

# A data line that opens a JSON value and never closes it, in the shape of each format.
_MALFORMED: dict[Format, str | None] = {
    "standard": '{"type": "chunk", "data": {',
    "legacy": '{"chunk": "',
    "openai": '{"object": "chat.completion.chunk", "choices": [',
    "raw": None,  # every line of raw text is valid text: there is nothing to malform
}


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
    retry_after: str | None = None
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
    """Each JSON event carries ``"server_ms"``: the server's clock when it was written."""

    def __post_init__(self) -> None:
        if self.format not in FORMATS:
            raise InvalidOption(f"format must be one of {', '.join(FORMATS)}, not {self.format!r}")
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
        if self.status is not None:
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
                                  ("stamp", "stamp")):
            if query_name in params:
                fields[field] = _parse_flag(query_name, params[query_name])
        for name in ("format", "text", "retry_after"):
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
            self, cut_after_bytes=None, status=None, retry_after=None, stall_after=None,
            keepalive_only=False, malformed=None, drip=False, json_reply=False, error_event=None,
            gzip=False)


# `session` names the conversation for the attempt counter; the server reads it, not the script.
_QUERY_NAMES = frozenset({
    "format", "text", "chunk_chars", "delay_ms", "stutter", "ping_ms", "resume", "ids",
    "fault_attempts", "cut_after_bytes", "status", "retry_after", "stall_after",
    "keepalive_only", "malformed", "drip", "json", "error_event", "gzip", "session",
    "events", "batch_bytes", "pace_hz", "stamp",
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
    """True for a real event (it has an ``id:`` line); False for the malformed frame and the
    in-stream error, which have none."""
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


def stamp_frame(wire: str, server_ms: float) -> str:
    """``wire`` with ``"server_ms": server_ms`` as the first member of its JSON data.

    Frames whose data is not a JSON object ([DONE], raw text) are returned unchanged. Our JSON
    is one line (``json.dumps`` escapes line feeds), so the first ``data: {`` is the whole value.
    """
    return wire.replace("\ndata: {", f'\ndata: {{"server_ms": {server_ms:.3f}, ', 1)


def encode_event(event_id: int | None, data: str) -> str:
    """The wire text of one event: an ``id:`` line (unless ``event_id`` is None) and the data,
    one ``data:`` line per line.

    Spec: "If the line starts with 'data:', append the field value (after removing one leading
    space) to the data buffer, then append a single U+000A LINE FEED" - so a value containing
    LF is sent as several data lines, and the space after the colon protects leading spaces.
    """
    lines = "".join(f"data: {line}\n" for line in data.split("\n"))
    return f"{lines}\n" if event_id is None else f"id: {event_id}\n{lines}\n"


def build_frames(options: MockOptions, *, model: str, created: int) -> list[Frame]:
    """Everything a full streaming response writes, in order, before resume and socket faults."""
    payloads = _event_payloads(options, model=model, created=created)
    # An in-stream error is not part of the reply: it goes out without an id, so that the ids of
    # a failing attempt are those of the clean stream, and a resume after the error loses nothing.
    error = payloads.pop() if options.error_event is not None and options.format != "raw" else None
    frames: list[Frame] = []
    malformed = _MALFORMED[options.format]
    for event_id, data in enumerate(payloads):
        wire = encode_event(event_id if options.ids else None, data)
        frames.append(Frame(position=event_id, is_event=True, wire=wire))
        if malformed is not None and options.malformed == event_id:
            frames.append(Frame(position=event_id, is_event=False, wire=f"data: {malformed}\n\n"))
    if error is not None:
        frames.append(Frame(position=len(payloads) - 1, is_event=False, wire=f"data: {error}\n\n"))
    return frames


def frames_after(frames: list[Frame], last_event_id: int | None) -> list[Frame]:
    """The frames still to send to a client that has seen ``last_event_id`` (all if None).

    An extra frame goes with the event it follows: it is resent only if that event is.
    """
    if last_event_id is None:
        return list(frames)
    return [frame for frame in frames if frame.position > last_event_id]


def _event_payloads(options: MockOptions, *, model: str, created: int) -> list[str]:
    """The data of each event; the event id is the index in this list."""
    pieces = reply_pieces(options)
    if options.stutter:
        pieces = ["".join(pieces[:count]) for count in range(1, len(pieces) + 1)]
    # An in-stream error replaces everything after its chunk; past the end it replaces the end.
    failing = options.error_event is not None
    if options.error_event is not None:
        pieces = pieces[:options.error_event]
    message = f"Mock upstream failure after {len(pieces)} chunks"
    if options.format == "standard":
        payloads = [_dumps({"type": "status",
                            "data": {"message": STATUS_MESSAGE, "progress": 0.0}})]
        payloads += [_dumps({"type": "chunk", "data": {"content": piece, "index": index}})
                     for index, piece in enumerate(pieces)]
        payloads.append(_dumps(error_body("UPSTREAM", message) if failing else
                               {"type": "complete", "data": {"final_response": reply_text(options)}}))
        return payloads
    if options.format == "legacy":
        # The legacy format has no error shape and no end event: the stream just ends, and an
        # error is sent in the standard shape (what the backends that mix them do).
        payloads = [_dumps({"chunk": STATUS_MESSAGE, "type": "status"})]
        rendered = {piece: _dumps({"chunk": piece}) for piece in set(pieces)}
        payloads += [rendered[piece] for piece in pieces]
        return payloads + ([_dumps(error_body("UPSTREAM", message))] if failing else [])
    if options.format == "openai":
        return _openai_payloads(pieces, failing=failing, message=message, model=model,
                                created=created)
    # Raw text cannot express an error: the stream just stops early.
    return pieces


def _openai_payloads(pieces: list[str], *, failing: bool, message: str, model: str,
                     created: int) -> list[str]:
    def chunk(delta: dict[str, str], finish_reason: str | None) -> str:
        return _dumps({"id": OPENAI_ID, "object": "chat.completion.chunk", "created": created,
                       "model": model, "choices": [{"index": 0, "delta": delta,
                                                    "finish_reason": finish_reason}]})

    payloads = [chunk({"role": "assistant"}, None)]
    # Each distinct piece is rendered once: with ``events=N`` the pieces repeat, and a
    # 100,000-event benchmark body should not wait on 100,000 json.dumps calls.
    rendered = {piece: chunk({"content": piece}, None) for piece in set(pieces)}
    payloads += [rendered[piece] for piece in pieces]
    if failing:
        error = {"message": message, "type": "server_error", "code": "upstream"}
        return payloads + [_dumps({"error": error})]
    return payloads + [chunk({}, "stop"), "[DONE]"]


def build_json_reply(options: MockOptions, *, model: str, created: int) -> dict[str, Any]:
    """The non-streaming answer: an OpenAI ``chat.completion`` for format=openai, else standard."""
    text = reply_text(options)
    if options.format == "openai":
        return {"id": OPENAI_ID, "object": "chat.completion", "created": created, "model": model,
                "choices": [{"index": 0, "finish_reason": "stop",
                             "message": {"role": "assistant", "content": text}}]}
    return {"type": "complete", "data": {"final_response": text}}


def error_body(code: str, message: str) -> dict[str, Any]:
    """An error in the standard shape, used both as a response body and as an event."""
    return {"type": "error", "data": {"code": code, "message": message}}


def status_error_body(status: int) -> dict[str, Any]:
    """The JSON body of the ``status=`` fault, with a code derived from the status."""
    try:
        known = HTTPStatus(status)
    except ValueError:
        code, phrase = f"HTTP_{status}", "Error"
    else:
        # PROTOCOL.md names the 429 code RATE_LIMIT; the rest keep their standard names.
        code, phrase = ("RATE_LIMIT" if status == 429 else known.name), known.phrase
    return error_body(code, f"Mock fault: HTTP {status} {phrase}")


def _dumps(value: dict[str, Any]) -> str:
    # ensure_ascii=False: non-ASCII text travels as UTF-8 bytes, as real backends send it,
    # so that a cut or a read boundary can fall inside a character.
    return json.dumps(value, ensure_ascii=False)
