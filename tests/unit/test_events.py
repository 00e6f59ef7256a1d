"""The chat events every dialect is read into (`formats/events.py`): values that compare by
content, the error object of any dialect's shape as an `ErrorReport`, and the plain-data view
JavaScript callers get (`SSEClient.authFetch`'s `readEvents()`)."""

from __future__ import annotations

import dataclasses

import pytest

from sse_client.formats import (
    ChatEvent,
    Chunk,
    Complete,
    ErrorReport,
    Malformed,
    Status,
    chat_event_to_dict,
)
from sse_client.formats.events import error_report


def test_events_compare_by_value_and_have_no_id_unless_given() -> None:
    assert Chunk("Hi") == Chunk("Hi", None, "")
    assert Chunk("Hi", 0, "7") != Chunk("Hi", 0, "8")
    assert (Status("Thinking").progress, Complete().final_response) == (None, None)


@pytest.mark.parametrize("event", [Chunk("a"), Status("s"), Complete(), ErrorReport("E", "m"), Malformed("r", "d")])
def test_events_are_frozen(event: ChatEvent) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        event.id = "9"  # type: ignore[misc]


@pytest.mark.parametrize(("event", "expected"), [
    (Chunk("Hel", 0, "1"), {"type": "chunk", "content": "Hel", "index": 0, "id": "1"}),
    (Chunk("lo"), {"type": "chunk", "content": "lo", "index": None, "id": ""}),
    (Status("Searching", 0.5, "2"), {"type": "status", "message": "Searching", "progress": 0.5, "id": "2"}),
    (Status("Thinking"), {"type": "status", "message": "Thinking", "progress": None, "id": ""}),
    (Complete("Hello", "3"), {"type": "complete", "finalResponse": "Hello", "id": "3"}),
    (Complete(), {"type": "complete", "finalResponse": None, "id": ""}),
    (ErrorReport("rate_limit_exceeded", "Slow down.", "4"),
     {"type": "error", "code": "rate_limit_exceeded", "message": "Slow down.", "id": "4"}),
    (Malformed("invalid JSON", "{oops", "5"), {"type": "malformed", "reason": "invalid JSON", "data": "{oops", "id": "5"}),
], ids=["chunk", "chunk without index", "status", "status without progress", "complete", "complete without text",
        "error", "malformed"])
def test_chat_event_to_dict_gives_the_fields_javascript_expects(event: ChatEvent, expected: dict[str, object]) -> None:
    assert chat_event_to_dict(event) == expected


@pytest.mark.parametrize(("value", "expected"), [
    ({"type": "error", "data": {"code": "SERVER_BUSY", "message": "Busy."}}, ErrorReport("SERVER_BUSY", "Busy.", "6")),
    ({"error": {"message": "Rate limit reached", "type": "requests", "code": "rate_limit_exceeded"}},
     ErrorReport("rate_limit_exceeded", "Rate limit reached", "6")),
    ({"error": "Model is overloaded", "error_type": "overloaded"}, ErrorReport("overloaded", "Model is overloaded", "6")),
])
def test_error_report_reads_an_error_object_of_any_dialect_with_the_event_id(value: object, expected: ErrorReport) -> None:
    assert error_report(value, "6") == expected


@pytest.mark.parametrize("value", [{"type": "chunk", "data": {"content": "x"}}, {"choices": []}, "error", None, [1]])
def test_error_report_of_anything_but_an_error_object_is_none(value: object) -> None:
    assert error_report(value) is None
