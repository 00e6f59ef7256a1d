"""The transport seam (`transport.py`): what a request holds, and the media type of a response
that the chat decides on (an event stream, or JSON to read whole)."""

from __future__ import annotations

import dataclasses

import pytest

from sse_client.testing.mock_transport import MockResponse
from sse_client.transport import HttpRequest, media_type


def test_a_request_is_a_post_without_headers_or_body_unless_told() -> None:
    request = HttpRequest(url="/api/chat")
    assert (request.method, dict(request.headers), request.body) == ("POST", {}, None)


def test_a_request_is_frozen_and_keyword_only() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        HttpRequest(url="/a").url = "/b"  # type: ignore[misc]
    with pytest.raises(TypeError):
        HttpRequest("/a")  # type: ignore[misc]


@pytest.mark.parametrize(("content_type", "expected"), [
    ("text/event-stream", "text/event-stream"),
    ("text/event-stream; charset=utf-8", "text/event-stream"),
    ("Text/Event-Stream;charset=UTF-8", "text/event-stream"),
    ("  application/json ; charset=utf-8", "application/json"),
    ("", ""),
    (";charset=utf-8", ""),
])
def test_media_type_is_lower_case_without_parameters(content_type: str, expected: str) -> None:
    assert media_type(MockResponse(200, {"Content-Type": content_type})) == expected


def test_a_response_without_a_content_type_has_no_media_type() -> None:
    assert media_type(MockResponse(200, {})) == ""
