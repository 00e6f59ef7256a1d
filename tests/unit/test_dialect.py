"""The `Dialect` interface (`formats/dialect.py`): what a new dialect gets before it says
otherwise, so that one module with a `Dialect` subclass is all a new dialect needs."""

from __future__ import annotations

from typing import Any

import pytest

from sse_client.formats import Chunk
from sse_client.formats.dialect import Dialect
from sse_client.formats.events import ChatEvent
from sse_client.parser import ServerSentEvent


class Minimal(Dialect):
    """A dialect that says only how to read a frame."""

    name = "minimal"
    title = "a minimal dialect"

    def read(self, frame: ServerSentEvent, value: Any) -> ChatEvent | None:
        return Chunk(str(value), None, frame.id)


def test_a_new_dialect_claims_nothing_and_recognises_nothing_until_it_says_so() -> None:
    assert not Minimal.claims_event("message") and not Minimal.claims_event("content_block_delta")
    assert not Minimal.recognises({"choices": []}) and not Minimal.recognises("text")


def test_a_new_dialect_is_json_deltas_that_end_with_a_marker() -> None:
    assert (Minimal.json_frames, Minimal.ends_with_marker, Minimal.done_marker, Minimal.may_stutter) == (
        True, True, False, False)
    assert (Minimal.text_key, Minimal.index_key, Minimal.varying_keys) == (None, None, frozenset())


def test_a_new_dialect_has_no_non_streaming_answer() -> None:
    assert Minimal.final_text({"choices": [{"message": {"content": "Hi"}}]}) is None


def test_a_named_frame_without_data_carries_nothing() -> None:
    assert Minimal().read_empty(ServerSentEvent("", "ping")) is None


def test_a_reply_is_not_finished_until_a_frame_says_so() -> None:
    dialect = Minimal()
    dialect.read(ServerSentEvent('"Hi"'), "Hi")
    assert dialect.finished is False


def test_event_names_a_dialect_lists_are_the_ones_it_claims() -> None:
    class Named(Minimal):
        event_names = frozenset({"token"})

    assert Named.claims_event("token") and not Named.claims_event("message")


def test_a_dialect_that_does_not_say_how_to_read_a_frame_fails_loudly() -> None:
    class Unfinished(Dialect):
        name = "unfinished"
        title = "a dialect without read"

    with pytest.raises(NotImplementedError):
        Unfinished().read(ServerSentEvent("{}"), {})
