"""The registry of dialects (`formats/registry.py`): the names `configure({format})` accepts, and
how a stream's dialect is found from its first frame's SSE `event:` name or JSON value."""

from __future__ import annotations

from typing import Any

import pytest

from sse_client.formats.anthropic import Anthropic
from sse_client.formats.gemini import Gemini
from sse_client.formats.langserve import LangServe
from sse_client.formats.legacy import Legacy
from sse_client.formats.llama_cpp import LlamaCpp
from sse_client.formats.openai_chat import OpenAIChat
from sse_client.formats.openai_responses import OpenAIResponses
from sse_client.formats.registry import (
    DIALECTS,
    FORMAT_NAMES,
    dialect_named,
    dialect_of_event,
    dialect_of_value,
)
from sse_client.formats.standard import Standard
from sse_client.formats.tgi import TGI
from sse_client.formats.vercel_ui import VercelUI


def test_format_names_are_auto_and_each_dialects_name_once() -> None:
    assert FORMAT_NAMES == ("auto", "standard", "openai", "responses", "anthropic", "vercel", "gemini", "tgi",
                            "llamacpp", "legacy", "langserve", "raw")
    assert len(set(FORMAT_NAMES)) == len(FORMAT_NAMES)


def test_auto_names_no_dialect() -> None:
    assert dialect_named("auto") is None


@pytest.mark.parametrize("dialect", DIALECTS, ids=[d.name for d in DIALECTS])
def test_each_dialect_is_found_by_its_name(dialect: Any) -> None:
    assert dialect_named(dialect.name) is dialect


@pytest.mark.parametrize("name", ["claude", "OpenAI", "", "Auto"])
def test_an_unknown_name_is_refused_listing_the_known_ones(name: str) -> None:
    with pytest.raises(ValueError) as caught:
        dialect_named(name)
    assert str(caught.value) == f"format must be one of {', '.join(FORMAT_NAMES)}, not {name!r}"


@pytest.mark.parametrize(("event", "dialect"), [
    ("content_block_delta", Anthropic), ("message_stop", Anthropic), ("ping", Anthropic),
    ("response.output_text.delta", OpenAIResponses), ("response.some_future_event", OpenAIResponses),
    ("metadata", LangServe), ("data", LangServe), ("end", LangServe),
])
def test_a_dialects_own_event_name_tells_the_dialect(event: str, dialect: Any) -> None:
    assert dialect_of_event(event) is dialect


@pytest.mark.parametrize("event", ["message", "", "chunk", "error", "responses"])
def test_the_default_event_name_and_names_no_dialect_claims_tell_nothing(event: str) -> None:
    # `message` is what a frame without an `event:` line is called: every dialect sends it.
    assert dialect_of_event(event) is None


@pytest.mark.parametrize(("value", "dialect"), [
    ({"type": "chunk", "data": {"content": "Hi", "index": 0}}, Standard),
    ({"choices": [{"index": 0, "delta": {"content": "Hi"}}]}, OpenAIChat),
    ({"type": "response.created", "response": {}}, OpenAIResponses),
    ({"type": "message_start", "message": {}}, Anthropic),
    ({"type": "text-delta", "id": "t", "delta": "Hi"}, VercelUI),
    ({"candidates": [{"content": {"parts": [{"text": "Hi"}]}}]}, Gemini),
    ({"token": {"id": 1, "text": "Hi", "special": False}}, TGI),
    ({"content": "Hi", "stop": False}, LlamaCpp),
    ({"chunk": "Hi"}, Legacy),
    ("Hi", LangServe),
])
def test_a_first_frames_json_value_tells_its_dialect(value: Any, dialect: Any) -> None:
    assert dialect_of_value(value) is dialect


def test_the_most_specific_shape_is_tried_first() -> None:
    # A standard chunk that also has a legacy-looking `chunk` key is the standard format's.
    assert dialect_of_value({"type": "chunk", "data": {"content": "Hi"}, "chunk": "Hi"}) is Standard


@pytest.mark.parametrize("value", [{"conversation_id": "c1"}, {}, [1, 2], {"type": "unknown"}, 42, None])
def test_a_value_in_no_dialects_shape_tells_nothing(value: Any) -> None:
    assert dialect_of_value(value) is None
