"""`SSEStreamReader`: the body of one streaming response in, normalised chat events out.

    reader = SSEStreamReader(response)
    async for event in reader:            # Chunk | Status | Complete | ErrorReport | Malformed
        ...
    async for batch in reader.batches():  # the same events, one list per piece of the body
    await reader.pump(handle)               # the same lists, pushed: handle(batch) -> go on?
    reader.bytes_received, reader.events_received, reader.last_event_id
    reader.metrics.stream_summary()       # bytes, events, time to first byte, duration (metrics.py)
    await reader.cancel()

With `merge_text` set, the text of consecutive OpenAI frames of one shape may come as one `Chunk`
(`FastLane`); what is said stays the same, only fewer, larger chunks say it.

It composes the sans-I/O parts (`EventStreamParser`, `PayloadNormalizer`) with one response of a
transport. Pass the parser and normaliser of an earlier connection to carry the last event id,
the format and the stutter state across a reconnection.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Callable

from sse_client.classify import not_an_event_stream_error
from sse_client.formats import ChatEvent, PayloadNormalizer
from sse_client.formats.fast_lane import FastLane
from sse_client.metrics import ChatMetrics
from sse_client.parser import EventStreamParser, EventTooLargeError, ServerSentEvent
from sse_client.transport import HttpResponse, media_type

EVENT_STREAM = "text/event-stream"


class SSEStreamReader:
    """Reads one event-stream response; iterate it once."""

    def __init__(
        self,
        response: HttpResponse,
        *,
        parser: EventStreamParser | None = None,
        normalizer: PayloadNormalizer | None = None,
        on_bytes: Callable[[int], None] | None = None,
        metrics: ChatMetrics | None = None,
    ) -> None:
        content_type = media_type(response)
        if content_type != EVENT_STREAM:
            raise not_an_event_stream_error(content_type, response.status)
        self.response = response
        self.parser = parser or EventStreamParser()
        self.parser.reset()  # a new connection starts a new stream; the last event id stays
        self.normalizer = normalizer or PayloadNormalizer()
        self.cancelled = False
        # Read at each piece: whoever needs an id per event (a resume that drops replays, the
        # low-level API's callers) leaves it off.
        self.merge_text = False
        self._lane = FastLane(self.parser, self.normalizer)
        # Called with the size of each piece of the body as it arrives, before parsing: the
        # heartbeat counts any byte (keep-alive comments included) as a sign of life.
        self._on_bytes = on_bytes
        # Measures of this stream, for the low-level API (a chat measures across its attempts).
        self.metrics = metrics if metrics is not None else ChatMetrics()

    @property
    def bytes_received(self) -> int:
        """Body bytes of this response so far (its `metrics` count them)."""
        return self.metrics.bytes

    @property
    def events_received(self) -> int:
        """Server-sent events of this response so far."""
        return self.metrics.events

    @property
    def last_event_id(self) -> str:
        return self.parser.last_event_id

    async def batches(self) -> AsyncGenerator[list[ChatEvent], None]:
        """The normalised events piece by piece: one list (perhaps empty) per piece of the body
        as it arrived. Events that arrived together can be handled together, which is what
        keeps the per-event cost low on a fast stream."""
        try:
            async for chunk in self.response.chunks():
                try:
                    batch = self._decode(chunk)
                except EventTooLargeError as exc:
                    yield self._normalize_all(exc.events)
                    raise
                if self.cancelled:
                    return  # nothing is yielded after cancel()
                yield batch
                if self.cancelled:
                    return
            unreadable = self.normalizer.unreadable()
            if unreadable is not None:
                raise unreadable  # it ended having shown frames in no dialect only
        finally:
            await self.response.aclose()

    async def pump(
        self, handle: Callable[[list[ChatEvent]], bool], *, go_on: Callable[[], bool] = lambda: True
    ) -> bool:
        """`batches()`, pushed: `handle(batch)` is called as each piece of the body arrives, in
        the same task (see `HttpResponse.pump`), until it returns False. Returns whether it did.
        `go_on()` is asked before each piece is even decoded: False stops the pump there.
        An exception `handle` raises is raised here, once the response is closed."""
        failure: BaseException | None = None
        stopped = False

        def on_piece(chunk: bytes) -> bool:
            nonlocal failure, stopped
            if self.cancelled or not go_on():
                return False
            try:
                try:
                    batch = self._decode(chunk)
                except EventTooLargeError as exc:
                    # What came before the oversized event is handled first, as in batches().
                    if not handle(self._normalize_all(exc.events)):
                        stopped = True
                        return False
                    raise
                if not handle(batch):
                    stopped = True
                    return False
                return not self.cancelled
            except Exception as exc:  # raised from this piece's handling: stop, raise it below
                failure = exc
                return False

        try:
            await self.response.pump(on_piece)
        finally:
            await self.response.aclose()
        if failure is not None:
            raise failure
        return stopped

    def _decode(self, chunk: bytes) -> list[ChatEvent]:
        """The normalised events of the next piece of the body (see `merge_text`)."""
        self.metrics.on_bytes(len(chunk))
        if self._on_bytes is not None:
            self._on_bytes(len(chunk))
        if self.merge_text:
            batch, count = self._lane.decode(chunk)
        else:
            events = self.parser.feed(chunk)
            count = len(events)
            batch = [chat for chat in map(self.normalizer.normalize, events) if chat is not None]
        self.metrics.on_events(count)
        return batch

    async def __aiter__(self) -> AsyncIterator[ChatEvent]:
        batches = self.batches()
        try:
            async for batch in batches:
                for event in batch:
                    if self.cancelled:
                        return  # the rest of this piece too: nothing is yielded after cancel()
                    yield event
        finally:
            await batches.aclose()  # closes the response now, not when the generator is collected

    def _normalize_all(self, events: list[ServerSentEvent]) -> list[ChatEvent]:
        self.metrics.on_events(len(events))
        return [c for c in map(self.normalizer.normalize, events) if c is not None]

    async def cancel(self) -> None:
        """Stop reading and abort the request: the server sees the connection close."""
        self.cancelled = True
        await self.response.aclose()
