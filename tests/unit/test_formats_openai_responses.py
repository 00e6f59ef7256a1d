"""The OpenAI Responses dialect (`formats/openai_responses.py`), read from stream events built with
the openai SDK's own `openai.types.responses` classes, through the public `PayloadNormalizer`:
detected by SSE event name and by the first frame's `type`, and forced."""

from __future__ import annotations

from typing import Any

import openai.types.responses as oai_resp
import pytest
from openai.types.responses.response_output_text_annotation_added_event import AnnotationURLCitation
from openai.types.responses.response_reasoning_summary_part_added_event import Part as SummaryPart

from sse_client.errors import StreamErrorType
from sse_client.formats import Chunk, Complete, ErrorReport, Malformed, PayloadNormalizer
from sse_client.formats.normalizer import answer_text
from sse_client.parser import ServerSentEvent
from tests.unit.dialect_checks import assert_same_at_every_split, classified, read_after, read_frames
from tests.unit.dialect_frames import (
    MSG_ID,
    PIECES,
    REPLY,
    WIRES,
    Wire,
    dump,
    encode,
    frame,
    named,
    output_message,
    output_text,
    resp_completed,
    resp_opening,
    resp_refusal_delta,
    resp_stream,
    resp_text_delta,
    response,
)

T = StreamErrorType
MODES = ["detected", "forced"]
CREATED = resp_opening()[0]


def read(event: ServerSentEvent, mode: str) -> tuple[Any, PayloadNormalizer]:
    if mode == "detected":
        return read_after(named(CREATED), event)
    return read_after(None, event, "responses")


# --- Text -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("wire", WIRES)
def test_output_text_delta_is_text(wire: Wire, mode: str) -> None:
    event, normalizer = read(named(resp_text_delta("Grüß 你好"), wire), mode)
    assert (event, normalizer.format) == (Chunk("Grüß 你好"), "responses")


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("wire", WIRES)
def test_refusal_delta_is_shown_as_text(wire: Wire, mode: str) -> None:
    event, _ = read(named(resp_refusal_delta("I can't help with that."), wire), mode)
    assert event == Chunk("I can't help with that.")


# --- Events with nothing new to show, on purpose ------------------------------------------------

REASONING = oai_resp.ResponseReasoningItem(id="rs_6876", type="reasoning", summary=[])
CALL = oai_resp.ResponseFunctionToolCall(type="function_call", id="fc_12345", call_id="call_12345", name="get_weather",
                                         arguments="", status="in_progress")
NOTHING_NEW: dict[str, Any] = {
    **{event.type: event for event in resp_opening()},
    "response.queued": oai_resp.ResponseQueuedEvent(type="response.queued", sequence_number=0, response=response("queued", [])),
    "response.output_text.done": oai_resp.ResponseTextDoneEvent(
        type="response.output_text.done", sequence_number=9, item_id=MSG_ID, output_index=0, content_index=0, text=REPLY, logprobs=[]),
    "response.refusal.done": oai_resp.ResponseRefusalDoneEvent(
        type="response.refusal.done", sequence_number=9, item_id=MSG_ID, output_index=0, content_index=0, refusal="No."),
    "response.content_part.done": oai_resp.ResponseContentPartDoneEvent(
        type="response.content_part.done", sequence_number=10, item_id=MSG_ID, output_index=0, content_index=0, part=output_text(REPLY)),
    "response.output_item.done": oai_resp.ResponseOutputItemDoneEvent(
        type="response.output_item.done", sequence_number=11, output_index=0, item=output_message(output_text(REPLY))),
    "reasoning item added": oai_resp.ResponseOutputItemAddedEvent(
        type="response.output_item.added", sequence_number=2, output_index=0, item=REASONING),
    "response.reasoning_summary_part.added": oai_resp.ResponseReasoningSummaryPartAddedEvent(
        type="response.reasoning_summary_part.added", sequence_number=3, item_id="rs_6876", output_index=0, summary_index=0,
        part=SummaryPart(type="summary_text", text="")),
    "response.reasoning_summary_text.delta": oai_resp.ResponseReasoningSummaryTextDeltaEvent(
        type="response.reasoning_summary_text.delta", sequence_number=4, item_id="rs_6876", output_index=0, summary_index=0,
        delta="**Thinking about the weather**"),
    "response.reasoning_text.delta": oai_resp.ResponseReasoningTextDeltaEvent(
        type="response.reasoning_text.delta", sequence_number=4, item_id="rs_6876", output_index=0, content_index=0,
        delta="The user asks"),
    "function call item added": oai_resp.ResponseOutputItemAddedEvent(
        type="response.output_item.added", sequence_number=2, output_index=1, item=CALL),
    "response.function_call_arguments.delta": oai_resp.ResponseFunctionCallArgumentsDeltaEvent(
        type="response.function_call_arguments.delta", sequence_number=5, item_id="fc_12345", output_index=1, delta='{"location":'),
    "response.output_text.annotation.added": oai_resp.ResponseOutputTextAnnotationAddedEvent(
        type="response.output_text.annotation.added", sequence_number=6, item_id=MSG_ID, output_index=0, content_index=0,
        annotation_index=0, annotation=AnnotationURLCitation(type="url_citation", url="https://example.com", title="Example",
                                                             start_index=0, end_index=5)),
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("wire", WIRES)
@pytest.mark.parametrize("name", NOTHING_NEW)
def test_event_with_nothing_new_gives_none_not_a_warning(name: str, wire: Wire, mode: str) -> None:
    event, normalizer = read(named(NOTHING_NEW[name], wire), mode)
    assert event is None
    assert normalizer.format == "responses"


@pytest.mark.parametrize("name", NOTHING_NEW)
def test_event_with_nothing_new_as_the_first_frame_shows_the_dialect(name: str) -> None:
    event, normalizer = read_after(None, named(NOTHING_NEW[name]))
    assert (event, normalizer.format) == (None, "responses")


# --- The end --------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("wire", WIRES)
def test_response_completed_ends_the_reply_with_its_whole_text(wire: Wire, mode: str) -> None:
    event, normalizer = read(named(resp_completed(REPLY), wire), mode)
    assert event == Complete(REPLY)
    assert normalizer.has_end_marker is True


def test_response_completed_joins_text_and_refusal_parts() -> None:
    message = output_message(output_text("Hel"), oai_resp.ResponseOutputRefusal(type="refusal", refusal="lo"))
    completed = oai_resp.ResponseCompletedEvent(type="response.completed", sequence_number=9,
                                                response=response("completed", [REASONING, message]))
    assert read(named(completed), "detected")[0] == Complete("Hello")


@pytest.mark.parametrize("mode", MODES)
def test_response_incomplete_ends_the_reply_with_what_was_shown(mode: str) -> None:
    incomplete = oai_resp.ResponseIncompleteEvent(
        type="response.incomplete", sequence_number=9,
        response=response("incomplete", [output_message(output_text("Hel"), status="incomplete")],
                          incomplete_details={"reason": "max_output_tokens"}))
    assert read(named(incomplete), mode)[0] == Complete(None)


def test_response_completed_without_an_output_list_ends_the_reply_with_what_was_shown() -> None:
    completed = {"type": "response.completed", "sequence_number": 9, "response": {"id": "resp_1", "status": "completed"}}
    assert read(frame(completed, event="response.completed"), "detected")[0] == Complete(None)


def test_response_completed_joins_only_the_parts_that_hold_text() -> None:
    parts = ["Hel", {"type": "output_text", "text": None}, {"type": "output_text", "text": "Hel"},
             {"type": "refusal"}, {"type": "refusal", "refusal": "lo"}]
    output = [{"type": "reasoning", "content": [{"type": "output_text", "text": "not this"}]},
              {"type": "message", "content": None}, {"type": "message", "content": parts}, "junk"]
    completed = {"type": "response.completed", "response": {"id": "resp_1", "status": "completed", "output": output}}
    assert read(frame(completed, event="response.completed"), "detected")[0] == Complete("Hello")


# --- Frames of the dialect that cannot be read: a warning, and the stream goes on -----------------

MALFORMED: dict[str, tuple[ServerSentEvent, str]] = {
    "a text delta without text": (frame({"type": "response.output_text.delta", "delta": None, "sequence_number": 4},
                                        event="response.output_text.delta"), "a Responses text delta without text"),
    "a refusal delta whose text is not a string": (
        frame({"type": "response.refusal.delta", "delta": 5}, event="response.refusal.delta"),
        "a Responses text delta without text"),
    "an event without a type": (frame({"delta": "Hel"}, event="response.output_text.delta"),
                                "a Responses event without a type"),
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", MALFORMED)
def test_a_frame_that_cannot_be_read_is_a_warning_not_text(name: str, mode: str) -> None:
    bad, reason = MALFORMED[name]
    event, normalizer = read(bad, mode)
    assert (event, normalizer.format) == (Malformed(reason, bad.data), "responses")


@pytest.mark.parametrize("name", MALFORMED)
def test_the_stream_goes_on_after_a_frame_that_cannot_be_read(name: str) -> None:
    bad, reason = MALFORMED[name]
    events, _ = read_frames([named(CREATED), named(resp_text_delta("Hel")), bad, named(resp_text_delta("lo"))])
    assert events == [None, Chunk("Hel"), Malformed(reason, bad.data), Chunk("lo")]


# --- Errors ---------------------------------------------------------------------------------------

FAILED = [
    ("rate_limit_exceeded", "Rate limit reached.", T.RATE_LIMITED, True),
    ("server_error", "The model failed to generate a response.", T.SERVER, True),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("code", "message", "kind", "retryable"), FAILED)
def test_response_failed_is_reported_with_its_errors_code(code: str, message: str, kind: StreamErrorType, retryable: bool, mode: str) -> None:
    failed = oai_resp.ResponseFailedEvent(type="response.failed", sequence_number=9, response=response(
        "failed", [], error=oai_resp.ResponseError(code=code, message=message)))  # type: ignore[arg-type]
    event, _ = read(named(failed), mode)
    assert event == ErrorReport(code, message)
    assert (classified(event).type, classified(event).retryable) == (kind, retryable)


def test_response_failed_without_an_error_object_is_a_server_error() -> None:
    failed = oai_resp.ResponseFailedEvent(type="response.failed", sequence_number=9, response=response("failed", [], error=None))
    event, _ = read(named(failed), "detected")
    assert event == ErrorReport("server_error", "")
    assert (classified(event).type, classified(event).retryable) == (T.SERVER, True)


ERROR_EVENTS = [
    ("rate_limit_exceeded", T.RATE_LIMITED, True),
    ("invalid_api_key", T.AUTH, False),
    ("invalid_request_error", T.CLIENT, False),
    ("server_error", T.SERVER, True),
]


@pytest.mark.parametrize("event_name", ["error", "message"])
@pytest.mark.parametrize(("code", "kind", "retryable"), ERROR_EVENTS)
def test_error_event_is_reported_with_its_code(code: str, kind: StreamErrorType, retryable: bool, event_name: str) -> None:
    error = oai_resp.ResponseErrorEvent(type="error", sequence_number=3, code=code, message="Something went wrong.", param=None)
    for opening in (named(CREATED), None):  # mid-stream, and as the stream's first frame
        event, _ = read_after(opening, frame(error, event=event_name))
        assert event == ErrorReport(code, "Something went wrong.")
        assert (classified(event).type, classified(event).retryable) == (kind, retryable)


def test_error_event_without_a_code_is_a_server_error() -> None:
    error = oai_resp.ResponseErrorEvent(type="error", sequence_number=3, code=None, message="Boom.", param=None)
    event, _ = read(named(error), "detected")
    assert event == ErrorReport("ERROR", "Boom.")
    assert classified(event).type is T.SERVER


# --- The non-streaming answer ---------------------------------------------------------------------


@pytest.mark.parametrize("format", ["auto", "responses"])
@pytest.mark.parametrize("wire", WIRES)
def test_answer_text_of_a_response(wire: Wire, format: str) -> None:
    body = response("completed", [REASONING, output_message(output_text(REPLY))])
    assert answer_text(dump(body, wire).encode(), format) == REPLY


def test_answer_text_of_a_failed_response_is_its_error_not_an_empty_reply() -> None:
    failed = response("failed", [], error=oai_resp.ResponseError(code="server_error", message="The model failed."))
    assert answer_text(dump(failed).encode()) == ErrorReport("server_error", "The model failed.")


# --- Detection and whole streams ------------------------------------------------------------------


@pytest.mark.parametrize("wire", WIRES)
def test_dialect_is_detected_by_event_name_and_by_type(wire: Wire) -> None:
    created = named(CREATED, wire)
    for first in (created, ServerSentEvent(created.data)):  # with its event name, and data only
        event, normalizer = read_after(None, first)
        assert (event, normalizer.format) == (None, "responses")


def test_the_event_name_decides_before_the_data() -> None:
    # Data of another dialect's shape (an OpenAI chat chunk) under a Responses event name: the
    # name tells, and the frame is a warning of that dialect, not a chat chunk.
    events, normalizer = read_frames([ServerSentEvent('{"choices": []}', "response.created"),
                                      named(resp_text_delta("Hi"))])
    assert isinstance(events[0], Malformed)
    assert events[1] == Chunk("Hi")
    assert normalizer.format == "responses"


@pytest.mark.parametrize("format", ["auto", "responses"])
@pytest.mark.parametrize("data_only", [False, True])
@pytest.mark.parametrize("wire", WIRES)
def test_a_whole_stream_reads_the_same_split_at_every_byte(wire: Wire, data_only: bool, format: str) -> None:
    frames = resp_stream(wire)
    if data_only:  # some proxies drop the event lines
        frames = [ServerSentEvent(each.data) for each in frames]
    outcome = assert_same_at_every_split(encode(frames), format)
    assert outcome.events == (*map(Chunk, PIECES), Complete(REPLY))
    assert outcome.format == "responses"
