"""`ReplyAssembler`, property-based: across any sequence of cuts and reconnects, the user sees
each character of the reply once, in order, and once the backend finishes, the whole reply.

A model backend sends one reply as numbered chunks, in the standard format (with or without
its chunk index) or a provider's dialect; with an SSE id on every event or none; on a reconnect
it resumes after the `Last-Event-ID` or starts again from the beginning (without ids it can only
start again); its upstream may stutter (each chunk the whole text so far). A model client reads
it with the real `EventStreamParser`, `PayloadNormalizer`, `FastLane` and `ReplyAssembler`, and
does between pieces and attempts what `ChatRun.run` and `ChatRun._deliver` do. Hypothesis cuts
each attempt at any byte and splits what arrives into any pieces.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from sse_client.assembler import ReplyAssembler
from sse_client.formats import (
    ChatEvent,
    Chunk,
    Complete,
    ErrorReport,
    Malformed,
    PayloadNormalizer,
    Status,
)
from sse_client.formats.fast_lane import FastLane
from sse_client.parser import EventStreamParser
from tests.unit.strategies import INT_DIGITS, cuts, event_ids, examples, pieces, texts
from tests.unit.test_fast_lane import DIALECT_WIRES

# --- The backend ----------------------------------------------------------------------------------------


def _standard_chunk(text: str, index: int | None) -> str:
    body: dict[str, object] = {"content": text} if index is None else {"content": text, "index": index}
    return json.dumps({"type": "chunk", "data": body})


def _wire(dialect: str) -> Callable[[str, int], str]:
    return DIALECT_WIRES[dialect][0]


# dialect -> (SSE event name of its text frames, (event name, data) of its last frame, given the reply;
# None: no data line). Legacy JSON and raw text have no end: a cut cannot be told from the end there.
ENDS: dict[str, tuple[str, Callable[[str], tuple[str, str | None]]]] = {
    "openai": ("message", lambda reply: ("message", "[DONE]")),
    "anthropic": ("content_block_delta", lambda reply: ("message_stop", '{"type": "message_stop"}')),
    "responses": ("response.output_text.delta", lambda reply: ("response.completed", json.dumps(
        {"type": "response.completed", "response": {"output": [
            {"type": "message", "content": [{"type": "output_text", "text": reply}]}]}}))),
    "gemini": ("message", lambda reply: ("message", json.dumps(
        {"candidates": [{"content": {"parts": [{"text": ""}], "role": "model"}, "finishReason": "STOP"}]}))),
    "tgi": ("message", lambda reply: ("message", json.dumps(
        {"index": 99, "token": {"id": 2, "text": "</s>", "special": True}, "generated_text": reply}))),
    "langserve": ("data", lambda reply: ("end", None)),
}


@dataclass(frozen=True)
class Backend:
    """Sends `parts` (the reply, in chunks) as a stream of `dialect` ("standard", "indexed" (the
    standard format with chunk indexes) or a provider's); `ids`: an `id:` on every event, its
    sequence number from 0; `resumes`: a reconnect with a Last-Event-ID gets the events after it
    (else the whole stream again); `stutters`: each chunk is the whole text so far; `final`: the
    standard format's `complete` carries the whole reply; `status`: a status event first."""

    dialect: str
    parts: tuple[str, ...]
    ids: bool
    resumes: bool
    stutters: bool
    final: bool
    status: bool
    eol: str

    @property
    def reply(self) -> str:
        return "".join(self.parts)

    def events(self) -> list[tuple[str, str | None]]:
        """(event name, data) of the whole stream."""
        standard = self.dialect in ("standard", "indexed")
        out: list[tuple[str, str | None]] = []
        if self.status and standard:
            out.append(("message", json.dumps({"type": "status", "data": {"message": "Working", "progress": 0.0}})))
        sent = ""
        for number, part in enumerate(self.parts):
            sent += part
            text = sent if self.stutters else part
            if standard:
                out.append(("message", _standard_chunk(text, number if self.dialect == "indexed" else None)))
            else:
                out.append((ENDS[self.dialect][0], _wire(self.dialect)(text, number)))
        if standard:
            out.append(("message", json.dumps({"type": "complete",
                                               "data": {"final_response": self.reply} if self.final else {}})))
        else:
            out.append(ENDS[self.dialect][1](self.reply))
        return out

    def stream(self, last_event_id: str) -> bytes:
        """The body of a response to a request with `last_event_id` (\"\": none)."""
        events = list(enumerate(self.events()))
        if self.ids and self.resumes and last_event_id.isdigit():
            events = events[int(last_event_id) + 1:]
        eol = self.eol
        frames = []
        for number, (name, data) in events:
            head = f"id: {number}{eol}" if self.ids else ""
            head += "" if name == "message" else f"event: {name}{eol}"
            frames.append(f"{head}{eol}" if data is None else f"{head}data: {data}{eol}{eol}")
            if number % 3 == 1:
                frames.append(f": keep-alive{eol}{eol}")
        return "".join(frames).encode("utf-8", "surrogatepass")


@st.composite
def backends(draw: st.DrawFn) -> Backend:
    dialect = draw(st.sampled_from(["standard", "indexed", "standard", "indexed", *sorted(ENDS)]))
    may_stutter = dialect in ("standard", "indexed", "openai")
    stutters = may_stutter and draw(st.booleans())
    # Text of any kind but lone surrogates: the makers write it raw, and raw surrogates are not UTF-8.
    part = st.text(max_size=6) if not stutters else st.text(min_size=1, max_size=6)
    parts = tuple(draw(st.lists(part, min_size=1, max_size=12)))
    if may_stutter and not stutters:
        # A delta stream whose first text unlike the first one starts with it would be read as
        # a stutter (the documented limit of StutterFilter): not a stream this property is about.
        first = next((p for p in parts if p), "")
        deciding = next((p for p in parts if p and p != first), "")
        assume(not (first and deciding.startswith(first)))
    return Backend(dialect=dialect, parts=parts, ids=draw(st.booleans()), resumes=draw(st.booleans()),
                   stutters=stutters, final=draw(st.booleans()), status=draw(st.booleans()),
                   eol=draw(st.sampled_from(["\n", "\r\n"])))


# --- The client: what ChatRun does ----------------------------------------------------------------------


class DifferentReply(Exception):
    """ChatRun's `_different_reply()`: the chat fails with a non-retried SERVER error."""


class Client:
    """One chat, read as `ChatRun` reads it (see `run`, `_attempt`, `_deliver`, `_finish_with`)."""

    def __init__(self, lane_min_bytes: int) -> None:
        self.parser = EventStreamParser(named_without_data=True)
        self.normalizer = PayloadNormalizer("auto")
        self.assembler = ReplyAssembler()
        self.lane_min_bytes = lane_min_bytes
        self.shown: list[str] = []  # what on_chunk was called with
        self.completed = False

    def attempt(self, body: list[bytes], check: Callable[[], None]) -> bool:
        """One connection that delivers the pieces `body`; whether the reply completed. `check`
        runs after each piece."""
        self.parser.reset()  # SSEStreamReader: a new connection starts a new stream
        lane = FastLane(self.parser, self.normalizer, min_bytes=self.lane_min_bytes)
        merge_text = not self.assembler.replaying
        for piece in body:
            if merge_text:
                batch, _ = lane.decode(piece)
            else:
                batch = [c for c in map(self.normalizer.normalize, self.parser.feed(piece)) if c is not None]
            going_on = self.deliver(batch)
            check()
            if not going_on:
                return True
            merge_text = not self.assembler.replaying
        # The connection ended before the reply did.
        assert self.normalizer.unreadable() is None
        assert self.normalizer.has_end_marker  # every dialect here ends with a marker: a retried NETWORK error
        return False

    def reconnect(self) -> None:
        """What `ChatRun.run` does before the next attempt."""
        if not self.parser.last_event_id:
            self.normalizer.restart()
        self.assembler.resume_after(self.parser.last_event_id, restarts_text=not self.normalizer.stuttering)

    def deliver(self, batch: list[ChatEvent]) -> bool:
        assembler = self.assembler
        for event in batch:
            assert not isinstance(event, Malformed), f"the backend sent nothing malformed: {event}"
            if isinstance(event, Chunk):
                text = assembler.accept(event)
                if text:
                    self.shown.append(text)
                elif assembler.diverged:
                    raise DifferentReply()
                continue
            if isinstance(event, Status):
                continue
            if isinstance(event, Complete):
                if assembler.replaying_text:
                    raise DifferentReply()
                self.finish_with(event.final_response)
                return False
            assert not isinstance(event, ErrorReport), event
        if self.normalizer.finished:
            if assembler.replaying_text:
                raise DifferentReply()
            self.finish_with(None)
            return False
        return True

    def finish_with(self, final_response: str | None) -> None:
        self.completed = True
        tail = self.assembler.complete(final_response)
        if tail:
            self.shown.append(tail)


@given(backends(), st.sampled_from([0, 0, 2048]), st.integers(0, 4), st.data())
def test_across_any_cuts_and_reconnects_each_character_is_shown_once(
        backend: Backend, lane_min_bytes: int, cut_attempts: int, data: st.DataObject) -> None:
    reply = backend.reply
    client = Client(lane_min_bytes)

    def check() -> None:
        shown = "".join(client.shown)
        assert reply.startswith(shown), (shown, reply)

    for attempt in range(cut_attempts + 1):
        stream = backend.stream(client.parser.last_event_id)
        if attempt < cut_attempts:
            # The connection is cut after any number of bytes.
            stream = stream[:data.draw(st.integers(0, len(stream)), label="cut")]
        offsets = data.draw(cuts(len(stream)), label="pieces")
        if client.attempt(pieces(stream, offsets), check):
            break
        client.reconnect()
    assert client.completed, "the last attempt got the whole stream"
    assert "".join(client.shown) == reply == client.assembler.text


# --- The assembler alone: any calls in any order ---------------------------------------------------------

chunks = st.builds(Chunk, texts, st.one_of(st.none(), st.integers(0, 12)), event_ids)
calls = st.one_of(
    chunks.map(lambda chunk: ("accept", chunk)), chunks.map(lambda chunk: ("accept", chunk)),
    st.tuples(st.just("resume_after"), event_ids, st.booleans()),
    st.tuples(st.just("complete"), st.one_of(st.none(), texts)),
)


@given(st.lists(calls, max_size=30))
def test_any_calls_deliver_text_that_is_exactly_what_was_returned(script: list[tuple[object, ...]]) -> None:
    assembler = ReplyAssembler()
    delivered = ""
    indexes: list[int] = []
    for call in script:
        if call[0] == "accept":
            chunk = call[1]
            assert isinstance(chunk, Chunk)
            text = assembler.accept(chunk)
            assert text in ("", chunk.content) or chunk.content.endswith(text)
            if text and chunk.index is not None:
                indexes.append(chunk.index)
        elif call[0] == "resume_after":
            assembler.resume_after(str(call[1]), restarts_text=bool(call[2]))
            continue
        else:
            final = call[1]
            assert final is None or isinstance(final, str)
            text = assembler.complete(final)
            assert not text or (final is not None and final == delivered + text)
        delivered += text
        assert assembler.text == delivered and assembler.length == len(delivered)
        assert assembler.matches(delivered)
    # A chunk index is delivered once at most, and in order.
    assert indexes == sorted(set(indexes))


# --- Found by these properties, and fixed (kept as regression tests) -----------------------------------


def chat(backend: Backend, cut_after: list[int]) -> str:
    """The text a chat shows when its first attempts are cut after `cut_after` frames (blank-
    line-ended blocks, keep-alives counted) each, and the last gets the whole stream."""
    client = Client(lane_min_bytes=0)
    for frames in [*cut_after, None]:
        stream = backend.stream(client.parser.last_event_id)
        if frames is not None:
            blocks = stream.split(b"\n\n")
            stream = b"\n\n".join(blocks[:frames]) + b"\n\n"
        if client.attempt([stream], lambda: None):
            break
        client.reconnect()
    return "".join(client.shown)


@pytest.mark.parametrize("dialect", ["standard", "indexed"])
def test_a_stuttering_stream_with_ids_started_again_after_its_first_chunk_shows_each_character_once(
        dialect: str) -> None:
    # The replayed first chunk (its id then dropped by the assembler) made StutterFilter decide
    # "deltas", and the next cumulative chunk was shown whole: "000".
    backend = Backend(dialect, ("0", "0"), ids=True, resumes=False, stutters=True, final=False,
                      status=False, eol="\n")
    assert chat(backend, cut_after=[1]) == "00"


@pytest.mark.parametrize("dialect", ["standard", "openai"])
def test_a_second_cut_while_a_restarted_stream_replays_shows_each_character_once(dialect: str) -> None:
    # A backend that starts again resends old ids, and the parser's last event ID goes back with
    # them: cut again in that replay, the chat resumed after the lower id and showed again the
    # chunks between it and the last id shown ("00").
    # standard: a status (id 0), the chunk "0" (id 1), complete; openai: "" (id 0), "0" (id 1), [DONE].
    parts = ("0",) if dialect == "standard" else ("", "0")
    backend = Backend(dialect, parts, ids=True, resumes=False, stutters=False, final=False, status=True, eol="\n")
    assert chat(backend, cut_after=[2, 1]) == "0"


@examples(0.1)
@given(st.integers(INT_DIGITS + 1, INT_DIGITS + 2_000))
@example(INT_DIGITS + 1)  # raised ValueError from int() in _sequence_number once
def test_an_event_id_past_the_int_digit_limit_is_not_a_sequence_number(length: int) -> None:
    assembler = ReplyAssembler()
    assembler.accept(Chunk("a", None, "1"))
    assembler.resume_after("9" * length)
    assert assembler.accept(Chunk("b", None, "9" * length)) == "b"
