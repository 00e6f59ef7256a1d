"""The Vercel AI SDK UI message stream dialect (`formats/vercel_ui.py`), through the public
`PayloadNormalizer`, detected and forced. The AI SDK is TypeScript, with no Python types: every
part below is written from its stream protocol (`uiMessageChunkSchema` in the SDK's
ui-message-chunks.ts, and the "Stream Protocols" page of its documentation), one of each type."""

from __future__ import annotations

from typing import Any

import pytest

from sse_client.errors import StreamErrorType
from sse_client.formats import Chunk, Complete, ErrorReport, Malformed, PayloadNormalizer
from sse_client.formats.normalizer import answer_text
from sse_client.parser import ServerSentEvent
from tests.unit.dialect_checks import FINISHED, assert_same_at_every_split, classified, read_after, read_frames
from tests.unit.dialect_frames import (
    DONE,
    PIECES,
    REPLY,
    VERCEL_TEXT_ID,
    dump,
    encode,
    frame,
    vercel_stream,
    vercel_text,
)

T = StreamErrorType
MODES = ["detected", "forced"]
START = {"type": "start", "messageId": "msg-E6ExcN3wYkcUjfF6N2gRc1a0"}


def read(part: dict[str, Any], mode: str) -> tuple[Any, PayloadNormalizer]:
    if mode == "detected":
        return read_after(frame(START), frame(part))
    return read_after(None, frame(part), "vercel")


# --- Text -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_text_delta_is_text(mode: str) -> None:
    event, normalizer = read(vercel_text("Grüß 你好"), mode)
    assert (event, normalizer.format) == (Chunk("Grüß 你好"), "vercel")


# --- Parts with nothing to show, on purpose ------------------------------------------------------

CALL = "call_fJdQDqnXeGxTmr4E3YPSR7Ar"
NOTHING_TO_SHOW: dict[str, dict[str, Any]] = {
    "start": START,
    "start with metadata": {"type": "start", "messageId": "msg-1", "messageMetadata": {"createdAt": 1741569952}},
    "start-step": {"type": "start-step"},
    "text-start": {"type": "text-start", "id": VERCEL_TEXT_ID},
    "text-end": {"type": "text-end", "id": VERCEL_TEXT_ID},
    "reasoning-start": {"type": "reasoning-start", "id": "reasoning-1"},
    "reasoning-delta": {"type": "reasoning-delta", "id": "reasoning-1", "delta": "The user wants the weather."},
    "reasoning-end": {"type": "reasoning-end", "id": "reasoning-1"},
    "tool-input-start": {"type": "tool-input-start", "toolCallId": CALL, "toolName": "getWeather"},
    "tool-input-delta": {"type": "tool-input-delta", "toolCallId": CALL, "inputTextDelta": '{"city":"Par'},
    "tool-input-available": {"type": "tool-input-available", "toolCallId": CALL, "toolName": "getWeather",
                             "input": {"city": "Paris"}},
    "tool-input-error": {"type": "tool-input-error", "toolCallId": CALL, "toolName": "getWeather", "input": "{",
                         "errorText": "Invalid input"},
    "tool-approval-request": {"type": "tool-approval-request", "approvalId": "approval-1", "toolCallId": CALL},
    "tool-output-available": {"type": "tool-output-available", "toolCallId": CALL, "output": {"temperature": 21}},
    "tool-output-error": {"type": "tool-output-error", "toolCallId": CALL, "errorText": "Weather service down"},
    "tool-output-denied": {"type": "tool-output-denied", "toolCallId": CALL},
    "source-url": {"type": "source-url", "sourceId": "src-1", "url": "https://example.com", "title": "Example"},
    "source-document": {"type": "source-document", "sourceId": "src-2", "mediaType": "application/pdf",
                        "title": "Report", "filename": "report.pdf"},
    "file": {"type": "file", "url": "https://example.com/image.png", "mediaType": "image/png"},
    "data-* part": {"type": "data-weather", "id": "weather-1", "data": {"city": "Paris", "status": "loading"}},
    "transient data-* part": {"type": "data-notification", "data": {"message": "Working..."}, "transient": True},
    "message-metadata": {"type": "message-metadata", "messageMetadata": {"totalTokens": 29}},
    "finish-step": {"type": "finish-step"},
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", NOTHING_TO_SHOW)
def test_part_with_nothing_to_show_gives_none_not_a_warning(name: str, mode: str) -> None:
    event, normalizer = read(NOTHING_TO_SHOW[name], mode)
    assert (event, normalizer.format, normalizer.finished) == (None, "vercel", False)


@pytest.mark.parametrize("name", NOTHING_TO_SHOW)
def test_part_with_nothing_to_show_as_the_first_frame_shows_the_dialect(name: str) -> None:
    event, normalizer = read_after(None, frame(NOTHING_TO_SHOW[name]))
    assert (event, normalizer.format) == (None, "vercel")


# --- The end --------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("part", [{"type": "finish"}, {"type": "finish", "finishReason": "stop"},
                                  {"type": "finish", "messageMetadata": {"totalTokens": 29}},
                                  {"type": "abort"}, {"type": "abort", "reason": "The user stopped the reply."}])
def test_finish_or_abort_ends_the_reply(part: dict[str, Any], mode: str) -> None:
    event, normalizer = read(part, mode)
    assert (event, normalizer.finished) == (None, True)


@pytest.mark.parametrize("mode", MODES)
def test_done_after_finish_completes_the_reply(mode: str) -> None:
    events, normalizer = read_frames([frame(START), frame({"type": "finish"}), DONE], "auto" if mode == "detected" else "vercel")
    assert events == [None, None, Complete()]
    assert normalizer.has_end_marker is True  # a stream that closes before finish or [DONE] was cut


# --- Frames of the dialect that cannot be read: a warning, and the stream goes on -----------------

MALFORMED: dict[str, tuple[Any, str]] = {
    "a text-delta without a delta": ({"type": "text-delta", "id": VERCEL_TEXT_ID}, "a text-delta part without a delta"),
    "a text-delta whose delta is not a string": ({"type": "text-delta", "id": VERCEL_TEXT_ID, "delta": ["Hel"]},
                                                 "a text-delta part without a delta"),
    "a part without a type": ({"id": VERCEL_TEXT_ID, "delta": "Hel"}, "a UI message part without a type"),
    "a part that is not an object": (["Hel"], "a UI message part without a type"),
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", MALFORMED)
def test_a_frame_that_cannot_be_read_is_a_warning_not_text(name: str, mode: str) -> None:
    value, reason = MALFORMED[name]
    data = frame(value)
    event, normalizer = read_after(frame(START), data) if mode == "detected" else read_after(None, data, "vercel")
    assert (event, normalizer.format) == (Malformed(reason, dump(value)), "vercel")


@pytest.mark.parametrize("name", MALFORMED)
def test_the_stream_goes_on_after_a_frame_that_cannot_be_read(name: str) -> None:
    value, reason = MALFORMED[name]
    events, _ = read_frames([frame(START), frame(vercel_text("Hel")), frame(value), frame(vercel_text("lo")), DONE])
    assert events == [None, Chunk("Hel"), Malformed(reason, dump(value)), Chunk("lo"), Complete()]


# --- Errors ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", [*MODES, "first frame"])
def test_an_error_part_is_reported_and_retried_as_a_server_error(mode: str) -> None:
    error = {"type": "error", "errorText": "An error occurred."}  # what streamText's onError default sends
    event, _ = read_after(None, frame(error)) if mode == "first frame" else read(error, mode)
    assert event == ErrorReport("ERROR", "An error occurred.")
    failure = classified(event)
    assert (failure.type, failure.retryable, failure.message) == (T.SERVER, True, "An error occurred.")


# --- The non-streaming answer ---------------------------------------------------------------------


@pytest.mark.parametrize("format", ["auto", "vercel"])
def test_answer_text_of_a_ui_message_is_its_text_parts(format: str) -> None:
    message = {"id": "msg-1", "role": "assistant", "parts": [
        {"type": "step-start"}, {"type": "reasoning", "text": "Thinking.", "state": "done"},
        {"type": "text", "text": REPLY[:5], "state": "done"},
        {"type": "tool-getWeather", "toolCallId": CALL, "state": "output-available", "input": {}, "output": {}},
        {"type": "text", "text": REPLY[5:], "state": "done"}]}
    assert answer_text(dump(message).encode(), format) == REPLY


@pytest.mark.parametrize("message", [{"role": "user", "parts": [{"type": "text", "text": "Hi"}]},
                                     {"role": "assistant", "parts": None}, {"role": "assistant"}, ["Hi"]],
                         ids=["user message", "parts null", "no parts", "not an object"])
def test_answer_text_of_anything_but_an_assistant_message_with_parts_is_no_reply(message: Any) -> None:
    assert answer_text(dump(message).encode(), "vercel") is None


# --- Detection and whole streams ------------------------------------------------------------------


def test_dialect_is_detected_from_the_first_text_delta() -> None:
    event, normalizer = read_after(None, frame(vercel_text("Hel")))
    assert (event, normalizer.format) == (Chunk("Hel"), "vercel")


@pytest.mark.parametrize("first", [[{"type": "text-delta", "delta": "Hi"}], {"type": 5}, {"type": "text-deltas"}],
                         ids=["an array of parts", "a type that is not text", "an unknown type"])
def test_a_first_frame_that_is_not_a_part_does_not_tell_the_dialect(first: Any) -> None:
    event, normalizer = read_after(None, frame(first))
    assert (event, normalizer.format) == (None, None)


@pytest.mark.parametrize("format", ["auto", "vercel"])
def test_a_whole_stream_reads_the_same_split_at_every_byte(format: str) -> None:
    outcome = assert_same_at_every_split(encode(vercel_stream()), format)
    assert outcome.events == (*map(Chunk, PIECES), FINISHED, Complete())
    assert (outcome.text, outcome.format) == (REPLY, "vercel")


def test_a_stream_with_reasoning_tools_and_sources_shows_only_its_text() -> None:
    names = ["start", "start-step", "reasoning-start", "reasoning-delta", "reasoning-end", "tool-input-start",
             "tool-input-delta", "tool-input-available", "tool-output-available", "finish-step", "start-step",
             "source-url", "data-* part", "text-start"]
    frames = [frame(NOTHING_TO_SHOW[name]) for name in names]
    frames += [frame(vercel_text("Sunny.")), frame(NOTHING_TO_SHOW["text-end"]), frame({"type": "finish"}), DONE]
    outcome = assert_same_at_every_split(encode(frames))
    assert outcome.events == (Chunk("Sunny."), FINISHED, Complete())


def test_an_error_mid_stream_ends_with_its_report() -> None:
    frames = [frame(START), frame(vercel_text("Hel")), frame({"type": "error", "errorText": "Overloaded"}),
              ServerSentEvent("[DONE]")]
    events, _ = read_frames(frames)
    assert events == [None, Chunk("Hel"), ErrorReport("ERROR", "Overloaded"), Complete()]
