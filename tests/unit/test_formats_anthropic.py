"""The Anthropic Messages dialect (`formats/anthropic.py`), read from stream events built with the
anthropic SDK's own types (`RawMessageStartEvent`, `RawContentBlockDeltaEvent` with each delta
type, `ErrorResponse`, ...), through the public `PayloadNormalizer`: detected by SSE event name
and by the first frame's `type`, and forced."""

from __future__ import annotations

from typing import Any

import anthropic.types as anth
import pytest
from anthropic.types.raw_message_delta_event import Delta as MessageDelta

from sse_client.classify import sentence
from sse_client.errors import StreamErrorType
from sse_client.formats import Chunk, Complete, ErrorReport, Malformed, PayloadNormalizer
from sse_client.formats.normalizer import answer_text
from sse_client.parser import ServerSentEvent
from tests.unit.dialect_checks import assert_same_at_every_split, classified, read_after, read_frames
from tests.unit.dialect_frames import (
    ANTH_PING,
    ANTH_START,
    ANTH_STOP,
    PIECES,
    REPLY,
    WIRES,
    Wire,
    anth_block_start,
    anth_delta,
    anth_error,
    anth_message,
    anth_stream,
    anth_text,
    dump,
    encode,
    frame,
    named,
)

T = StreamErrorType
MODES = ["detected", "forced"]


def read(event: ServerSentEvent, mode: str) -> tuple[Any, PayloadNormalizer]:
    if mode == "detected":
        return read_after(named(ANTH_START), event)
    return read_after(None, event, "anthropic")


# --- Text -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("wire", WIRES)
def test_text_delta_is_text(wire: Wire, mode: str) -> None:
    event, normalizer = read(named(anth_text("Grüß 你好"), wire), mode)
    assert (event, normalizer.format) == (Chunk("Grüß 你好"), "anthropic")


@pytest.mark.parametrize("wire", WIRES)
def test_text_a_text_block_starts_with_is_text(wire: Wire) -> None:
    event, _ = read(named(anth_block_start(anth.TextBlock(type="text", text="Hi")), wire), "detected")
    assert event == Chunk("Hi")


# --- Events with nothing to show, on purpose -------------------------------------------------

CITATION = anth.CitationCharLocation(type="char_location", cited_text="The grass is green.", document_index=0,
                                     document_title="Example", start_char_index=0, end_char_index=20)
NOTHING_TO_SHOW: dict[str, Any] = {
    "message_start": ANTH_START,
    "ping": ANTH_PING,
    "empty text block start": anth_block_start(anth.TextBlock(type="text", text="")),
    "thinking block start": anth_block_start(anth.ThinkingBlock(type="thinking", thinking="", signature="")),
    "thinking_delta": anth_delta(anth.ThinkingDelta(type="thinking_delta", thinking="Let me add 2 and 2.")),
    "signature_delta": anth_delta(anth.SignatureDelta(type="signature_delta", signature="EqQBCgIYAhIM1gbcDa9GJwZA2b3h")),
    "redacted thinking block start": anth_block_start(anth.RedactedThinkingBlock(type="redacted_thinking", data="EmwKAhgB")),
    "tool_use block start": anth_block_start(anth.ToolUseBlock(type="tool_use", id="toolu_01T1x1fJ34qAmk2tNTrN7Up6",
                                                               name="get_weather", input={}), 1),
    "input_json_delta": anth_delta(anth.InputJSONDelta(type="input_json_delta", partial_json='{"location": "San Fra'), 1),
    "citations_delta": anth_delta(anth.CitationsDelta(type="citations_delta", citation=CITATION)),
    "content_block_stop": anth.RawContentBlockStopEvent(type="content_block_stop", index=0),
    "message_delta": anth.RawMessageDeltaEvent(
        type="message_delta", delta=MessageDelta(stop_reason="end_turn", stop_sequence=None),
        usage=anth.MessageDeltaUsage(output_tokens=15)),
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("wire", WIRES)
@pytest.mark.parametrize("name", NOTHING_TO_SHOW)
def test_event_with_nothing_to_show_gives_none_not_a_warning(name: str, wire: Wire, mode: str) -> None:
    event, normalizer = read(named(NOTHING_TO_SHOW[name], wire), mode)
    assert event is None
    assert normalizer.format == "anthropic"


@pytest.mark.parametrize("data_only", [False, True])
@pytest.mark.parametrize("name", NOTHING_TO_SHOW)
def test_event_with_nothing_to_show_as_the_first_frame_shows_the_dialect(name: str, data_only: bool) -> None:
    first = named(NOTHING_TO_SHOW[name])
    event, normalizer = read_after(None, ServerSentEvent(first.data) if data_only else first)
    assert (event, normalizer.format) == (None, "anthropic")


# --- The end --------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("data_only", [False, True])
def test_message_stop_completes_the_reply(data_only: bool, mode: str) -> None:
    stop = named(ANTH_STOP)
    event, normalizer = read(ServerSentEvent(stop.data) if data_only else stop, mode)
    assert event == Complete()
    assert normalizer.has_end_marker is True  # a stream that closes before message_stop was cut


# --- Frames of the dialect that cannot be read: a warning, and the stream goes on -----------------

MALFORMED: dict[str, tuple[ServerSentEvent, str]] = {
    "a delta that is not an object": (
        frame({"type": "content_block_delta", "index": 0, "delta": "Hel"}, event="content_block_delta"),
        "an Anthropic delta that is not an object"),
    "a text delta without text": (
        frame({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta"}}, event="content_block_delta"),
        "an Anthropic text delta without text"),
    "a text delta whose text is not a string": (
        frame({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": 5}},
              event="content_block_delta"),
        "an Anthropic text delta without text"),
    "an event without a type": (frame({"index": 0, "delta": {"type": "text_delta", "text": "Hel"}}),
                                "an Anthropic event without a type"),
    "an event that is not an object": (frame(["Hel"]), "an Anthropic event without a type"),
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", MALFORMED)
def test_a_frame_that_cannot_be_read_is_a_warning_not_text(name: str, mode: str) -> None:
    bad, reason = MALFORMED[name]
    event, normalizer = read(bad, mode)
    assert (event, normalizer.format) == (Malformed(reason, bad.data), "anthropic")


@pytest.mark.parametrize("name", MALFORMED)
def test_the_stream_goes_on_after_a_frame_that_cannot_be_read(name: str) -> None:
    bad, reason = MALFORMED[name]
    events, _ = read_frames([named(ANTH_START), named(anth_text("Hel")), bad, named(anth_text("lo")), named(ANTH_STOP)])
    assert events == [None, Chunk("Hel"), Malformed(reason, bad.data), Chunk("lo"), Complete()]


# --- Errors ---------------------------------------------------------------------------------------

ERRORS: list[tuple[Any, StreamErrorType, bool]] = [
    (anth.RateLimitErrorObject(type="rate_limit_error", message="Number of request tokens has exceeded your rate limit."),
     T.RATE_LIMITED, True),
    (anth.AuthenticationErrorObject(type="authentication_error", message="invalid x-api-key"), T.AUTH, False),
    (anth.PermissionErrorObject(type="permission_error", message="Your API key does not have permission."), T.AUTH, False),
    (anth.InvalidRequestErrorObject(type="invalid_request_error", message="max_tokens: Field required"), T.CLIENT, False),
    (anth.NotFoundErrorObject(type="not_found_error", message="model: claude-9"), T.CLIENT, False),
    (anth.BillingErrorObject(type="billing_error", message="Your credit balance is too low."), T.CLIENT, False),
    ({"type": "request_too_large", "message": "Request exceeds the maximum allowed number of bytes."}, T.CLIENT, False),
    (anth.OverloadedErrorObject(type="overloaded_error", message="Overloaded"), T.SERVER, True),
    (anth.APIErrorObject(type="api_error", message="Internal server error"), T.SERVER, True),
    (anth.GatewayTimeoutErrorObject(type="timeout_error", message="Request timed out"), T.TIMEOUT, True),
]


def error_type(error: Any) -> str:
    return str(error["type"] if isinstance(error, dict) else error.type)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("data_only", [False, True])
@pytest.mark.parametrize(("error", "kind", "retryable"), ERRORS, ids=[error_type(e[0]) for e in ERRORS])
def test_error_event_is_reported_with_the_error_type(error: Any, kind: StreamErrorType, retryable: bool,
                                                     data_only: bool, mode: str) -> None:
    error_event = named(anth_error(error))
    event, _ = read(ServerSentEvent(error_event.data) if data_only else error_event, mode)
    message = error["message"] if isinstance(error, dict) else error.message
    assert event == ErrorReport(error_type(error), message)
    failure = classified(event)
    assert (failure.type, failure.retryable, failure.message) == (kind, retryable, sentence(message))  # the provider's words


def test_error_event_as_the_first_frame_is_reported() -> None:
    event, _ = read_after(None, named(anth_error(anth.OverloadedErrorObject(type="overloaded_error", message="Overloaded"))))
    assert event == ErrorReport("overloaded_error", "Overloaded")


# --- The non-streaming answer ---------------------------------------------------------------------


@pytest.mark.parametrize("format", ["auto", "anthropic"])
@pytest.mark.parametrize("wire", WIRES)
def test_answer_text_of_a_message_is_its_text_blocks(wire: Wire, format: str) -> None:
    message = anth_message(
        anth.ThinkingBlock(type="thinking", thinking="Hmm.", signature="EqQB"),
        anth.TextBlock(type="text", text=REPLY[:5]),
        anth.ToolUseBlock(type="tool_use", id="toolu_01", name="get_weather", input={"location": "Paris"}),
        anth.TextBlock(type="text", text=REPLY[5:], citations=None),
        stop_reason="end_turn")
    assert answer_text(dump(message, wire).encode(), format) == REPLY


def test_answer_text_of_an_error_body_is_the_error() -> None:
    body = dump(anth_error(anth.OverloadedErrorObject(type="overloaded_error", message="Overloaded"))).encode()
    assert answer_text(body) == ErrorReport("overloaded_error", "Overloaded")


@pytest.mark.parametrize("content", [None, "Hello", {"type": "text", "text": "Hello"}])
def test_answer_text_of_a_message_without_a_list_of_blocks_is_no_reply(content: Any) -> None:
    body = dump({"type": "message", "role": "assistant", "content": content}).encode()
    assert answer_text(body, "anthropic") is None


# --- Detection and whole streams ------------------------------------------------------------------


@pytest.mark.parametrize("name", ["message_start", "content_block_start", "ping", "content_block_delta"])
def test_dialect_is_detected_by_its_event_names(name: str) -> None:
    # Data that no dialect's shape matches: only the event name tells.
    event, normalizer = read_after(None, ServerSentEvent('{"type": "from-a-newer-api"}', name))
    assert (event, normalizer.format) == (None, "anthropic")


@pytest.mark.parametrize("format", ["auto", "anthropic"])
@pytest.mark.parametrize("data_only", [False, True])
@pytest.mark.parametrize("wire", WIRES)
def test_a_whole_stream_reads_the_same_split_at_every_byte(wire: Wire, data_only: bool, format: str) -> None:
    frames = anth_stream(wire)
    if data_only:
        frames = [ServerSentEvent(each.data) for each in frames]
    outcome = assert_same_at_every_split(encode(frames), format)
    assert outcome.events == (*map(Chunk, PIECES), Complete())
    assert (outcome.text, outcome.format) == (REPLY, "anthropic")


def test_a_stream_with_thinking_and_a_tool_call_shows_only_its_text() -> None:
    events = [ANTH_START, NOTHING_TO_SHOW["thinking block start"], NOTHING_TO_SHOW["thinking_delta"],
              NOTHING_TO_SHOW["signature_delta"], anth.RawContentBlockStopEvent(type="content_block_stop", index=0),
              anth_block_start(anth.TextBlock(type="text", text=""), 1), anth_text("Sunny.", 1),
              anth.RawContentBlockStopEvent(type="content_block_stop", index=1),
              NOTHING_TO_SHOW["tool_use block start"], NOTHING_TO_SHOW["input_json_delta"], ANTH_STOP]
    outcome = assert_same_at_every_split(encode([named(each) for each in events]))
    assert outcome.events == (Chunk("Sunny."), Complete())

