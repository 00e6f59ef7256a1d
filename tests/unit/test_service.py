"""`SSEService` and `SSEStreamReader` over `MockTransport`, and `ClientConfig`.

No network and no pytest-asyncio: each test runs its coroutine with `asyncio.run`.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

import pytest

from sse_client.backoff import BackoffPolicy
from sse_client.config import ClientConfig
from sse_client.errors import StreamError, StreamErrorType
from sse_client.formats import Chunk, Complete, Malformed, PayloadNormalizer, Status
from sse_client.parser import EventStreamParser
from sse_client.reader import SSEStreamReader
from sse_client.service import SSEService
from sse_client.testing.mock_transport import MockResponse, MockTransport
from sse_client.transport import HttpRequest
from tests.grouping import grouped_in_order

T = TypeVar("T")
EVENT_STREAM = {"content-type": "text/event-stream"}
REQUEST = {"model": "test-model", "messages": [{"role": "user", "content": "Hello"}]}


def run(coro: Awaitable[T]) -> T:
    async def main() -> T:
        return await coro

    return asyncio.run(main())


def sse(*frames: tuple[str | None, Any] | str, event: str | None = None) -> bytes:
    """An event stream: each frame is (id, data) with data JSON-encoded unless it is a str, or a
    str that is put into the stream as it is (a comment, for example)."""
    out = []
    for item in frames:
        if isinstance(item, str):
            out.append(item)
            continue
        event_id, data = item
        text = data if isinstance(data, str) else json.dumps(data)
        lines = ([f"id: {event_id}"] if event_id is not None else []) + [f"data: {line}" for line in text.split("\n")]
        out.append("\n".join(lines) + "\n\n")
    return "".join(out).encode()


def chunk(content: str, index: int) -> dict[str, Any]:
    return {"type": "chunk", "data": {"content": content, "index": index}}


def status(message: str, progress: float | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"message": message}
    if progress is not None:
        data["progress"] = progress
    return {"type": "status", "data": data}


def complete(final: str | None) -> dict[str, Any]:
    return {"type": "complete", "data": {} if final is None else {"final_response": final}}


def openai(content: str | None = None, *, role: str | None = None, finish: str | None = None) -> dict[str, Any]:
    delta: dict[str, Any] = {}
    if role is not None:
        delta["role"] = role
    if content is not None:
        delta["content"] = content
    return {"object": "chat.completion.chunk", "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}


STANDARD_REPLY = "Hello, w\u00f6rld \U0001f44b"
STANDARD_BODY = sse(
    ("0", status("Processing...", 0.0)),
    ("1", chunk("Hel", 0)),
    ": keep-alive\n\n",
    ("2", chunk("lo, w\u00f6rld \U0001f44b", 1)),
    ("3", complete(STANDARD_REPLY)),
)


@dataclass
class Outcome:
    """What one call of `chat_with_model_stream` did."""

    transport: MockTransport
    chunks: list[str] = field(default_factory=list)
    statuses: list[dict[str, Any]] = field(default_factory=list)
    result: str | None = None
    error: StreamError | None = None

    @property
    def states(self) -> list[str]:
        return [s["state"] for s in self.statuses]

    @property
    def request(self) -> HttpRequest:
        (request,) = self.transport.requests
        return request

    @property
    def response(self) -> MockResponse:
        (response,) = self.transport.responses
        return response


async def chat_async(
    response: MockResponse | Callable[[HttpRequest], MockResponse],
    *,
    request: Mapping[str, Any] = REQUEST,
    config: ClientConfig | None = None,
) -> Outcome:
    handler = response if callable(response) else (lambda _request: response)
    outcome = Outcome(MockTransport(handler))
    # These tests look at one attempt: no retries, no fallback (test_chat_run.py covers those).
    single = replace(config or ClientConfig(), backoff=BackoffPolicy(max_retries=0), fallback=False)
    service = SSEService(outcome.transport, single)
    try:
        outcome.result = await service.chat_with_model_stream(request, outcome.chunks.append, outcome.statuses.append)
    except StreamError as error:
        outcome.error = error
    return outcome


def chat(
    body: Iterable[bytes | StreamError] | bytes,
    *,
    status: int = 200,
    headers: Mapping[str, str] = EVENT_STREAM,
    request: Mapping[str, Any] = REQUEST,
    config: ClientConfig | None = None,
) -> Outcome:
    # A body given as bytes arrives as a server writes it: one piece per event (text that
    # arrives in one piece is delivered in one onChunk call).
    pieces = per_event(body) if isinstance(body, bytes) else list(body)
    return run(chat_async(MockResponse(status, headers, pieces), request=request, config=config))


def per_event(body: bytes) -> list[bytes]:
    """`body` cut after each blank line: the pieces a server writing event by event sends."""
    pieces = [piece + b"\n\n" for piece in body.split(b"\n\n")]
    pieces[-1] = pieces[-1][:-2]
    return [piece for piece in pieces if piece]



# --- A standard reply -----------------------------------------------------------------------------


def test_standard_reply_is_delivered_chunk_by_chunk() -> None:
    outcome = chat(STANDARD_BODY)
    assert outcome.error is None
    assert outcome.chunks == ["Hel", "lo, w\u00f6rld \U0001f44b"]
    assert outcome.result == STANDARD_REPLY


def test_standard_reply_split_at_every_offset_is_delivered_the_same() -> None:
    async def every_split() -> list[tuple[list[str], str | None, list[str]]]:
        results = []
        for cut in range(len(STANDARD_BODY) + 1):
            outcome = await chat_async(MockResponse(200, EVENT_STREAM, [STANDARD_BODY[:cut], STANDARD_BODY[cut:]]))
            results.append((outcome.chunks, outcome.result, outcome.states))
        return results

    pieces = ["Hel", "lo, w\u00f6rld \U0001f44b"]
    for cut, (chunks, result, states) in enumerate(run(every_split())):
        # Text that arrives in one piece comes in one call: the grouping depends on the cut,
        # the text and its order do not.
        assert grouped_in_order(chunks, pieces), (cut, chunks)
        assert (result, states) == (STANDARD_REPLY, ["connecting", "streaming", "streaming", "completed"]), cut


def test_standard_reply_fed_one_byte_at_a_time_is_delivered_the_same() -> None:
    outcome = chat([STANDARD_BODY[i : i + 1] for i in range(len(STANDARD_BODY))])
    assert (outcome.chunks, outcome.result) == (["Hel", "lo, w\u00f6rld \U0001f44b"], STANDARD_REPLY)


def test_statuses_go_connecting_streaming_completed() -> None:
    outcome = chat(sse(("0", chunk("Hi", 0)), ("1", complete("Hi"))))
    assert outcome.states == ["connecting", "streaming", "completed"]
    assert outcome.statuses[-1]["length"] == 2


def test_backend_status_events_are_passed_through() -> None:
    outcome = chat(STANDARD_BODY)
    assert outcome.states == ["connecting", "streaming", "streaming", "completed"]
    backend = outcome.statuses[2]
    assert (backend["message"], backend["progress"]) == ("Processing...", 0.0)


def test_malformed_frame_gives_a_warning_status_and_the_stream_goes_on() -> None:
    body = sse(("0", chunk("Hel", 0)), ("1", '{"type": "chunk", "data": {'), ("2", chunk("lo", 1)), ("3", complete("Hello")))
    outcome = chat(body)
    assert outcome.error is None
    assert outcome.chunks == ["Hel", "lo"]
    assert outcome.result == "Hello"
    warnings = [s for s in outcome.statuses if s.get("warning")]
    assert len(warnings) == 1
    assert warnings[0]["state"] == "streaming"
    assert outcome.states[-1] == "completed"


def test_final_response_longer_than_the_chunks_delivers_the_missing_tail() -> None:
    outcome = chat(sse(("0", chunk("Hel", 0)), ("1", complete("Hello"))))
    assert outcome.chunks == ["Hel", "lo"]
    assert outcome.result == "Hello"


def test_repeated_chunk_index_is_not_delivered_twice() -> None:
    outcome = chat(sse(("0", chunk("Hel", 0)), ("1", chunk("Hel", 0)), ("2", chunk("lo", 1)), ("3", complete("Hello"))))
    assert outcome.chunks == ["Hel", "lo"]
    assert outcome.result == "Hello"


# --- Other formats --------------------------------------------------------------------------------


def test_openai_stream_is_delivered_and_completed_by_done() -> None:
    body = sse(
        (None, openai("", role="assistant")),
        (None, openai("Hel")),
        (None, openai("lo")),
        (None, openai(finish="stop")),
        (None, "[DONE]"),
    )
    outcome = chat(body)
    assert outcome.error is None
    assert outcome.chunks == ["Hel", "lo"]
    assert outcome.result == "Hello"
    assert outcome.states == ["connecting", "streaming", "completed"]


def test_legacy_stream_is_delivered_with_its_statuses() -> None:
    body = sse((None, {"chunk": "Thinking...", "type": "status"}), (None, {"chunk": "Hel"}), (None, {"chunk": "lo"}))
    outcome = chat(body)
    assert outcome.error is None
    assert outcome.chunks == ["Hel", "lo"]
    assert outcome.result == "Hello"
    assert outcome.states == ["connecting", "streaming", "streaming", "completed"]
    assert outcome.statuses[2]["message"] == "Thinking..."


def test_raw_text_stream_is_delivered() -> None:
    outcome = chat(b"data: Hello\n\ndata:  world\ndata: again\n\n")
    assert outcome.error is None
    assert outcome.chunks == ["Hello", " world\nagain"]
    assert outcome.result == "Hello world\nagain"


def test_cumulative_stream_is_delivered_as_deltas() -> None:
    outcome = chat(sse((None, openai("Hel")), (None, openai("Hello")), (None, openai("Hello!")), (None, "[DONE]")))
    assert outcome.chunks == ["Hel", "lo", "!"]
    assert outcome.result == "Hello!"


# --- How a stream ends ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        sse(("0", chunk("Hel", 0)), ("1", chunk("lo", 1))),
        sse((None, openai("Hel")), (None, openai("lo"))),
    ],
    ids=["standard", "openai"],
)
def test_stream_with_an_end_marker_that_ends_without_it_is_a_network_error(body: bytes) -> None:
    outcome = chat(body)
    assert outcome.error is not None
    assert outcome.error.type is StreamErrorType.NETWORK
    assert outcome.error.retryable is True
    assert outcome.chunks == ["Hel", "lo"]  # what arrived was delivered
    assert outcome.states[-1] == "failed"
    assert outcome.statuses[-1]["error"]["type"] == "NETWORK"


@pytest.mark.parametrize("body", [b"", b": keep-alive\n\n"], ids=["nothing", "comments-only"])
def test_a_stream_that_closes_before_any_event_is_a_network_error(body: bytes) -> None:
    outcome = chat(body)
    assert outcome.error is not None and outcome.error.type is StreamErrorType.NETWORK
    assert outcome.chunks == []


def test_standard_stream_cut_in_the_middle_of_an_event_is_a_network_error() -> None:
    outcome = chat(sse(("0", chunk("Hel", 0))) + b'id: 1\ndata: {"type": "complete", "data": {}}\n')
    assert outcome.error is not None and outcome.error.type is StreamErrorType.NETWORK
    assert outcome.chunks == ["Hel"]


@pytest.mark.parametrize(
    "body",
    [sse((None, {"chunk": "Hel"}), (None, {"chunk": "lo"})), b"data: Hel\n\ndata: lo\n\n"],
    ids=["legacy", "raw"],
)
def test_stream_without_an_end_marker_that_ends_cleanly_is_completed(body: bytes) -> None:
    outcome = chat(body)
    assert outcome.error is None
    assert outcome.result == "Hello"
    assert outcome.states[-1] == "completed"


def test_connection_failure_mid_stream_is_raised_after_the_chunks_before_it() -> None:
    cut = StreamError("cut", type=StreamErrorType.NETWORK)
    outcome = chat([sse(("0", chunk("Hel", 0))), cut, sse(("1", complete("Hello")))])
    assert outcome.error is cut
    assert outcome.chunks == ["Hel"]
    assert outcome.states[-1] == "failed"


def test_events_after_complete_are_not_delivered() -> None:
    outcome = chat(sse(("0", chunk("Hel", 0)), ("1", complete("Hel")), ("2", chunk("lo", 1))))
    assert outcome.chunks == ["Hel"]
    assert outcome.result == "Hel"
    assert outcome.response.closed


# --- Errors ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "kind", "retryable"),
    [
        (500, StreamErrorType.SERVER, True),
        (503, StreamErrorType.SERVER, True),
        (401, StreamErrorType.AUTH, False),
        (403, StreamErrorType.AUTH, False),
        (429, StreamErrorType.RATE_LIMITED, True),
        (404, StreamErrorType.CLIENT, False),
        (400, StreamErrorType.CLIENT, False),
    ],
)
def test_http_error_status_is_a_typed_stream_error(status: int, kind: StreamErrorType, retryable: bool) -> None:
    outcome = chat(b"<html>oops</html>", status=status, headers={"content-type": "text/html"})
    assert outcome.error is not None
    assert outcome.error.type is kind
    assert outcome.error.status == status
    assert outcome.error.retryable is retryable
    assert outcome.chunks == []
    assert outcome.states == ["connecting", "failed"]
    assert outcome.statuses[-1]["error"]["type"] == kind.value
    assert outcome.statuses[-1]["error"]["status"] == status
    assert outcome.response.closed


def test_http_error_carries_the_backend_message() -> None:
    body = json.dumps({"type": "error", "data": {"code": "RATE_LIMIT", "message": "Slow down, please"}}).encode()
    outcome = chat(body, status=429, headers={"content-type": "application/json"})
    assert outcome.error is not None
    assert outcome.error.type is StreamErrorType.RATE_LIMITED
    assert "Slow down, please" in outcome.error.message


@pytest.mark.parametrize(
    "body",
    [
        json.dumps({"type": "complete", "data": {"final_response": "Hello"}}).encode(),
        json.dumps({"object": "chat.completion", "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello"}}]}).encode(),
    ],
    ids=["standard", "openai"],
)
def test_json_answer_to_a_streaming_request_is_used_as_the_reply(body: bytes) -> None:
    outcome = chat([body[:10], body[10:]], headers={"content-type": "application/json; charset=utf-8"})
    assert outcome.error is None
    assert outcome.chunks == ["Hello"]
    assert outcome.result == "Hello"
    assert outcome.states == ["connecting", "fallback", "completed"]


def test_json_answer_without_a_reply_is_a_parse_error() -> None:
    outcome = chat(b'{"status": "ok"}', headers={"content-type": "application/json"})
    assert outcome.error is not None
    assert outcome.error.type is StreamErrorType.PARSE
    assert outcome.states == ["connecting", "fallback", "failed"]


@pytest.mark.parametrize("content_type", ["text/html", "text/plain", None])
def test_answer_that_is_not_an_event_stream_is_a_parse_error(content_type: str | None) -> None:
    headers = {} if content_type is None else {"content-type": content_type}
    outcome = chat(b"<html>login</html>", headers=headers)
    assert outcome.error is not None
    assert outcome.error.type is StreamErrorType.PARSE
    assert outcome.error.retryable is False
    assert outcome.chunks == []
    assert outcome.states[-1] == "failed"
    assert outcome.response.closed


@pytest.mark.parametrize(
    "error_frame",
    [
        sse(("1", {"type": "error", "data": {"code": "OVERLOADED", "message": "Model overloaded"}})),
        b'event: error\nid: 1\ndata: {"code": "OVERLOADED", "message": "Model overloaded"}\n\n',
    ],
    ids=["standard-error", "error-event"],
)
def test_error_inside_the_stream_is_a_server_error(error_frame: bytes) -> None:
    outcome = chat(sse(("0", chunk("Hel", 0))) + error_frame + sse(("2", chunk("lo", 1)), ("3", complete("Hello"))))
    assert outcome.error is not None
    assert outcome.error.type is StreamErrorType.SERVER
    assert outcome.error.message == "Model overloaded."  # the backend's words, as a sentence
    assert "OVERLOADED" in str(outcome.error.cause)
    assert outcome.chunks == ["Hel"]  # nothing after the error
    assert outcome.states[-1] == "failed"


def test_oversized_event_is_a_parse_error_after_the_events_before_it() -> None:
    body = sse(("0", chunk("Hel", 0)), ("1", chunk("lo", 1))) + b"data: " + b"x" * 5000 + b"\n\n" + sse(("3", complete("Hello")))
    outcome = chat(body, config=ClientConfig(max_event_bytes=1000))
    assert outcome.error is not None
    assert outcome.error.type is StreamErrorType.PARSE
    assert outcome.chunks == ["Hel", "lo"]
    assert outcome.states[-1] == "failed"
    assert outcome.response.closed


def test_oversized_event_arriving_in_pieces_is_a_parse_error() -> None:
    head = sse(("0", chunk("Hel", 0)))
    pieces = [head + b"data: ", *[b"x" * 100] * 50, b"\n\n", sse(("1", complete("Hel")))]
    outcome = chat(pieces, config=ClientConfig(max_event_bytes=1000))
    assert outcome.error is not None and outcome.error.type is StreamErrorType.PARSE
    assert outcome.chunks == ["Hel"]


# --- The request ----------------------------------------------------------------------------------


def test_request_is_a_json_post_asking_for_an_event_stream() -> None:
    outcome = chat(STANDARD_BODY, request={**REQUEST, "temperature": 0.5})
    sent = outcome.request
    assert sent.method == "POST"
    assert sent.url == "/api/chat"
    headers = {name.lower(): value for name, value in sent.headers.items()}
    assert headers["accept"] == "text/event-stream"
    assert headers["content-type"] == "application/json"
    assert sent.body is not None
    assert json.loads(sent.body) == {**REQUEST, "temperature": 0.5, "stream": True}


def test_request_always_asks_for_a_stream() -> None:
    outcome = chat(STANDARD_BODY, request={**REQUEST, "stream": False})
    assert outcome.request.body is not None
    assert json.loads(outcome.request.body)["stream"] is True


def test_request_goes_to_the_configured_endpoint_with_the_configured_headers() -> None:
    config = ClientConfig(endpoint="https://chat.example/v1/stream", headers={"X-Api-Key": "k1"})
    outcome = chat(STANDARD_BODY, config=config)
    assert outcome.request.url == "https://chat.example/v1/stream"
    assert outcome.request.headers["X-Api-Key"] == "k1"
    assert outcome.result == STANDARD_REPLY


def test_caller_request_is_not_modified() -> None:
    request = {"model": "m", "messages": []}
    chat(STANDARD_BODY, request=request)
    assert request == {"model": "m", "messages": []}


# --- SSEStreamReader ------------------------------------------------------------------------------


async def read_all(reader: SSEStreamReader) -> list[object]:
    return [event async for event in reader]


def test_reader_yields_normalised_events() -> None:
    reader = SSEStreamReader(MockResponse(200, EVENT_STREAM, [STANDARD_BODY]))
    events = run(read_all(reader))
    assert events == [
        Status("Processing...", 0.0, "0"),
        Chunk("Hel", 0, "1"),
        Chunk("lo, w\u00f6rld \U0001f44b", 1, "2"),
        Complete(STANDARD_REPLY, "3"),
    ]
    assert reader.last_event_id == "3"


def test_reader_counts_bytes_and_events() -> None:
    # Every dispatched event counts, also those that carry nothing (the role-only delta);
    # comments are bytes but not events.
    body = sse((None, openai("", role="assistant")), ": ping\n\n", (None, openai("Hi")), (None, "[DONE]"))
    pieces = [body[:7], body[7:50], body[50:]]
    sizes: list[int] = []
    response = MockResponse(200, EVENT_STREAM, pieces)
    reader = SSEStreamReader(response, on_bytes=sizes.append)
    events = run(read_all(reader))
    assert events == [Chunk("Hi"), Complete()]
    assert reader.bytes_received == len(body)
    assert reader.events_received == 3
    assert sizes == [len(p) for p in pieces]


def test_reader_closes_the_response_when_the_body_ends() -> None:
    response = MockResponse(200, EVENT_STREAM, [STANDARD_BODY])
    run(read_all(SSEStreamReader(response)))
    assert response.closed


async def read_then_cancel(reader: SSEStreamReader) -> list[object]:
    """Iterate `reader`, cancelling it at the first event; what it yielded."""
    seen: list[object] = []
    async for event in reader:
        seen.append(event)
        await reader.cancel()
    return seen


def test_reader_cancel_closes_the_response_and_stops_reading() -> None:
    pieces = [sse(("0", chunk("a", 0))), sse(("1", chunk("b", 1))), sse(("2", chunk("c", 2)))]
    response = MockResponse(200, EVENT_STREAM, pieces)
    reader = SSEStreamReader(response)

    assert run(read_then_cancel(reader)) == [Chunk("a", 0, "0")]
    assert response.closed
    assert reader.cancelled
    assert reader.bytes_received == len(pieces[0])


def test_reader_cancel_closes_the_response_at_once() -> None:
    # The server must see the disconnect when cancel() returns, not when iteration resumes.
    pieces = [sse(("0", chunk("a", 0))), sse(("1", chunk("b", 1)))]
    response = MockResponse(200, EVENT_STREAM, pieces)
    reader = SSEStreamReader(response)

    async def scenario() -> tuple[object, bool, list[object]]:
        events = aiter(reader)
        first = await anext(events)
        await reader.cancel()
        closed_on_cancel = response.closed
        return first, closed_on_cancel, [event async for event in events]

    assert run(scenario()) == (Chunk("a", 0, "0"), True, [])


class UnstoppableResponse(MockResponse):
    """A transport that still hands over body pieces it had buffered after `aclose()`."""

    async def chunks(self) -> AsyncIterator[bytes]:
        for piece in self._body:
            assert isinstance(piece, bytes)
            yield piece


def test_reader_stops_reading_after_cancel_even_if_the_transport_goes_on() -> None:
    pieces = [sse(("0", chunk("a", 0))), sse(("1", chunk("b", 1))), sse(("2", chunk("c", 2)))]
    reader = SSEStreamReader(UnstoppableResponse(200, EVENT_STREAM, pieces))

    assert run(read_then_cancel(reader)) == [Chunk("a", 0, "0")]
    assert reader.bytes_received == len(pieces[0])


def test_reader_yields_nothing_after_cancel() -> None:
    body = sse(("0", chunk("a", 0)), ("1", chunk("b", 1)), ("2", chunk("c", 2)))  # one piece
    reader = SSEStreamReader(MockResponse(200, EVENT_STREAM, [body]))

    assert run(read_then_cancel(reader)) == [Chunk("a", 0, "0")]


@pytest.mark.parametrize("content_type", ["text/event-stream; charset=utf-8", "Text/Event-Stream"])
def test_reader_accepts_event_stream_content_type_with_parameters_or_case(content_type: str) -> None:
    reader = SSEStreamReader(MockResponse(200, {"Content-Type": content_type}, [b"data: hi\n\n"]))
    assert run(read_all(reader)) == [Chunk("hi")]


def test_reader_refuses_a_response_that_is_not_an_event_stream() -> None:
    with pytest.raises(StreamError) as caught:
        SSEStreamReader(MockResponse(200, {"content-type": "application/json"}, [b"{}"]))
    assert caught.value.type is StreamErrorType.PARSE


def test_reader_delivers_the_events_before_an_oversized_one_then_raises() -> None:
    body = sse(("0", chunk("a", 0)), ("1", chunk("b", 1))) + b"data: " + b"x" * 500 + b"\n\n"
    reader = SSEStreamReader(MockResponse(200, EVENT_STREAM, [body]), parser=EventStreamParser(max_event_bytes=100))
    seen: list[object] = []

    async def read() -> None:
        async for event in reader:
            seen.append(event)

    with pytest.raises(StreamError) as caught:
        run(read())
    assert caught.value.type is StreamErrorType.PARSE
    assert seen == [Chunk("a", 0, "0"), Chunk("b", 1, "1")]
    assert reader.events_received == 2
    assert reader.response.closed  # type: ignore[attr-defined]


def test_reader_carries_last_event_id_and_format_across_a_reconnection() -> None:
    parser, normalizer = EventStreamParser(), PayloadNormalizer()
    first = SSEStreamReader(MockResponse(200, EVENT_STREAM, [sse(("4", chunk("a", 0)))]), parser=parser, normalizer=normalizer)
    assert run(read_all(first)) == [Chunk("a", 0, "4")]
    # A second connection: its parser state is new, but the id and the detected format stay.
    second = SSEStreamReader(
        MockResponse(200, EVENT_STREAM, [b"data: not json\n\n"]), parser=parser, normalizer=normalizer
    )
    events = run(read_all(second))
    assert second.last_event_id == "4"
    assert len(events) == 1 and isinstance(events[0], Malformed)  # still a standard stream


def test_reader_forgets_the_partial_event_of_the_previous_connection() -> None:
    parser = EventStreamParser()
    first = SSEStreamReader(MockResponse(200, EVENT_STREAM, [b"id: 1\ndata: a\n\nid: 2\ndata: partial"]), parser=parser)
    assert run(read_all(first)) == [Chunk("a", None, "1")]
    second = SSEStreamReader(MockResponse(200, EVENT_STREAM, [b"data: b\n\n"]), parser=parser)
    assert run(read_all(second)) == [Chunk("b", None, "1")]


# --- ClientConfig (its own rules are in test_config.py) ----------------------------------------


def test_service_uses_the_default_config_when_given_none() -> None:
    outcome = chat(STANDARD_BODY, config=None)
    assert outcome.request.url == ClientConfig().endpoint


# --- SSEStreamReader.pump: the pushed form ChatRun reads with -------------------------------


def test_pump_hands_over_each_piece_and_stops_when_told() -> None:
    pieces = [sse(("0", chunk("a", 0))), sse(("1", chunk("b", 1))), sse(("2", chunk("c", 2)))]
    response = MockResponse(200, EVENT_STREAM, pieces)
    reader = SSEStreamReader(response)
    batches: list[list[object]] = []

    def handle(batch: list[Any]) -> bool:
        batches.append(batch)
        return len(batches) < 2

    assert run(reader.pump(handle)) is True  # stopped by handle
    assert batches == [[Chunk("a", 0, "0")], [Chunk("b", 1, "1")]]
    assert response.closed and reader.bytes_received == len(pieces[0]) + len(pieces[1])


def test_pump_to_the_end_of_the_body_returns_false() -> None:
    reader = SSEStreamReader(MockResponse(200, EVENT_STREAM, [sse(("0", chunk("a", 0)))]))
    assert run(reader.pump(lambda batch: True)) is False
    assert reader.events_received == 1


def test_an_error_raised_by_handle_stops_the_pump_and_is_raised_once_the_response_is_closed() -> None:
    response = MockResponse(200, EVENT_STREAM, [sse(("0", chunk("a", 0))), sse(("1", chunk("b", 1)))])
    reader = SSEStreamReader(response)
    seen: list[object] = []

    def handle(batch: list[Any]) -> bool:
        seen.append(batch)
        raise StreamError("stop", type=StreamErrorType.SERVER)

    with pytest.raises(StreamError, match="stop"):
        run(reader.pump(handle))
    assert len(seen) == 1 and response.closed


def test_pump_hands_over_the_events_before_an_oversized_one_then_raises_parse() -> None:
    body = sse(("0", chunk("a", 0))) + b"data: " + b"x" * 300 + b"\n\n"
    reader = SSEStreamReader(MockResponse(200, EVENT_STREAM, [body]), parser=EventStreamParser(max_event_bytes=100))
    seen: list[object] = []
    with pytest.raises(StreamError) as caught:
        run(reader.pump(lambda batch: seen.append(batch) is None))
    assert caught.value.type is StreamErrorType.PARSE
    assert seen == [[Chunk("a", 0, "0")]]


def test_a_stream_error_of_the_transport_comes_out_of_pump() -> None:
    cut = StreamError("cut", type=StreamErrorType.NETWORK, retryable=True)
    reader = SSEStreamReader(MockResponse(200, EVENT_STREAM, [sse(("0", chunk("a", 0))), cut]))
    seen: list[object] = []
    with pytest.raises(StreamError, match="cut"):
        run(reader.pump(lambda batch: seen.append(batch) is None))
    assert seen == [[Chunk("a", 0, "0")]]


# --- the low-level API: a 401 is sent again once with a forced token refresh -----------------


class Tokens:
    """Hands out `tokens` in turn and records each call's `forceRefresh`."""

    def __init__(self, *tokens: str) -> None:
        self.tokens = list(tokens)
        self.asked: list[bool] = []

    def __call__(self, request: Mapping[str, bool]) -> str:
        self.asked.append(request["forceRefresh"])
        return self.tokens.pop(0)


def guarded_stream(token: str) -> Callable[[HttpRequest], MockResponse]:
    """A backend that streams STANDARD_BODY to `Bearer <token>` and answers 401 to anything else."""
    def handler(request: HttpRequest) -> MockResponse:
        if request.headers.get("Authorization") == f"Bearer {token}":
            return MockResponse(200, EVENT_STREAM, [STANDARD_BODY])
        return MockResponse(401, {"content-type": "application/json"}, [b'{"error": {"message": "expired"}}'])

    return handler


async def open_and_read(service: SSEService) -> list[object]:
    reader = await service.open_stream("/s", method="POST", headers={"X-Trace": "t-1"}, body=b"{}")
    return await read_all(reader)


def test_open_stream_sends_a_401_again_once_with_a_refreshed_token() -> None:
    tokens = Tokens("stale-token-1", "fresh-token-2")
    transport = MockTransport(guarded_stream("fresh-token-2"))
    service = SSEService(transport, ClientConfig(get_token=tokens))
    events = run(open_and_read(service))
    assert events[-1] == Complete(STANDARD_REPLY, "3")
    assert tokens.asked == [False, True]
    stale, fresh = transport.requests
    assert [r.headers["Authorization"] for r in transport.requests] == ["Bearer stale-token-1", "Bearer fresh-token-2"]
    assert {**stale.headers, "Authorization": ""} == {**fresh.headers, "Authorization": ""}
    assert (fresh.method, fresh.url, fresh.body) == ("POST", "/s", b"{}")
    assert transport.responses[0].closed
    assert service.secrets.redact("fresh-token-2") == "[redacted]"


def test_open_stream_raises_auth_at_a_second_401() -> None:
    tokens = Tokens("stale-token-1", "fresh-token-2")
    transport = MockTransport(guarded_stream("never"))
    service = SSEService(transport, ClientConfig(get_token=tokens))
    with pytest.raises(StreamError) as caught:
        run(open_and_read(service))
    assert (caught.value.type, caught.value.status, caught.value.retryable) == (StreamErrorType.AUTH, 401, False)
    assert tokens.asked == [False, True] and len(transport.requests) == 2
    assert all(response.closed for response in transport.responses)


def test_open_stream_without_a_token_provider_raises_auth_at_the_first_401() -> None:
    transport = MockTransport(guarded_stream("never"))
    with pytest.raises(StreamError) as caught:
        run(open_and_read(SSEService(transport, ClientConfig())))
    assert caught.value.type is StreamErrorType.AUTH and len(transport.requests) == 1


def test_each_open_stream_call_has_its_own_refresh() -> None:
    tokens = Tokens("stale-1", "fresh-2", "stale-3", "fresh-4")
    answers = iter([401, 200, 401, 200])
    transport = MockTransport(lambda request: MockResponse(next(answers), EVENT_STREAM, [STANDARD_BODY]))
    service = SSEService(transport, ClientConfig(get_token=tokens))
    run(open_and_read(service))
    run(open_and_read(service))
    assert tokens.asked == [False, True, False, True]


def test_request_headers_ask_for_a_forced_refresh_when_told() -> None:
    tokens = Tokens("cached-token", "fresh-token")
    service = SSEService(MockTransport(lambda request: MockResponse()), ClientConfig(get_token=tokens))
    assert service.refreshes_tokens
    assert run(service.request_headers())["Authorization"] == "Bearer cached-token"
    assert run(service.request_headers({"Accept": "x"}, force_refresh=True)) == {
        "Accept": "x", "Authorization": "Bearer fresh-token"}
    assert tokens.asked == [False, True]
    assert not SSEService(MockTransport(lambda request: MockResponse())).refreshes_tokens


# --- One chat's own options -----------------------------------------------------------------------


def test_a_chats_options_apply_to_that_chat_only() -> None:
    config = ClientConfig(endpoint="/api/chat", headers={"X-Api-Key": "configured-key", "X-Team": "blue"})
    transport = MockTransport(lambda request: MockResponse(200, EVENT_STREAM, [STANDARD_BODY]))
    service = SSEService(transport, config)
    options = {"endpoint": "https://other.example/v1", "headers": {"x-api-key": "per-call-key"}, "format": "standard"}
    assert run(service.chat_with_model_stream(REQUEST, lambda _: None, options=options)) == STANDARD_REPLY
    assert run(service.chat_with_model_stream(REQUEST, lambda _: None)) == STANDARD_REPLY
    first, second = transport.requests
    assert first.url == "https://other.example/v1"
    assert (first.headers["x-api-key"], first.headers["X-Team"]) == ("per-call-key", "blue")
    assert "X-Api-Key" not in first.headers  # replaced, whatever the letter case, not sent twice
    assert (second.url, second.headers["X-Api-Key"]) == ("/api/chat", "configured-key")
    assert service.config == config


def test_a_chats_header_values_are_secrets_like_configured_ones() -> None:
    service = SSEService(MockTransport(lambda request: MockResponse(200, EVENT_STREAM, [STANDARD_BODY])))
    run(service.chat_with_model_stream(REQUEST, lambda _: None, options={"headers": {"X-Api-Key": "per-call-secret"}}))
    assert service.secrets.redact("echoed per-call-secret") == "echoed [redacted]"


def test_a_chats_invalid_option_fails_it_as_client_before_anything_is_sent() -> None:
    transport = MockTransport(lambda request: MockResponse(200, EVENT_STREAM, [STANDARD_BODY]))
    service = SSEService(transport)
    statuses: list[dict[str, Any]] = []
    with pytest.raises(StreamError) as caught:
        run(service.chat_with_model_stream(REQUEST, lambda _: None, statuses.append,
                                           options={"retry": {"maxRetries": -1}}))
    assert (caught.value.type, caught.value.retryable) == (StreamErrorType.CLIENT, False)
    assert caught.value.message.startswith("retry.maxRetries")
    assert [s["state"] for s in statuses] == ["failed"]
    assert transport.requests == []


def test_completed_length_counts_utf16_code_units_as_javascript_does() -> None:
    outcome = chat(STANDARD_BODY)  # "Hello, wörld 👋": the emoji is two code units, ö one
    assert outcome.statuses[-1]["length"] == len(STANDARD_REPLY.encode("utf-16-le")) // 2 == len(STANDARD_REPLY) + 1


def test_a_skipped_frame_warns_in_a_whole_sentence_with_the_parsers_reason_beside_it() -> None:
    outcome = chat(sse(("0", chunk("Hel", 0)), ("1", '{"type": "chunk", "data": {'), ("2", complete("Hel"))))
    (warning,) = [s for s in outcome.statuses if s.get("warning")]
    assert warning["message"] == "Skipped a frame from the server that could not be read."
    assert warning["reason"].startswith("invalid JSON")


def _deep(levels: int) -> list[Any]:
    value: list[Any] = []
    for _ in range(levels):
        value = [value]
    return value


def _cycle() -> dict[str, Any]:
    value: dict[str, Any] = {}
    value["self"] = value
    return value


@pytest.mark.parametrize(("value", "words"), [
    (float("nan"), "a number that is NaN or infinite"),
    (_cycle(), "an object that refers to itself"),
    (_deep(100_000), "objects nested too deep"),
    (object(), "a value that is not plain data, such as a Date or a function"),
])
def test_a_request_json_cannot_carry_is_refused_in_a_users_words_not_jsons(value: Any, words: str) -> None:
    outcome = chat(STANDARD_BODY, request={"model": "m", "extra": value})
    assert outcome.error is not None and outcome.error.type is StreamErrorType.CLIENT
    assert f"it holds a value JSON cannot carry ({words}). Send plain objects" in outcome.error.message
    assert "serializable" not in outcome.error.message and "Circular" not in outcome.error.message
