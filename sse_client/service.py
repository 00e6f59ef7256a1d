"""`SSEService`: the facade. One chat request streamed to the caller's callbacks.

    service = SSEService(transport, ClientConfig(endpoint="/api/chat"))
    text = await service.chat_with_model_stream(request, on_chunk, on_status)

The path of a chunk: transport bytes -> `EventStreamParser` -> `PayloadNormalizer` ->
`ReplyAssembler` (drops what was already delivered) -> `on_chunk(text)`. `ChatRun` owns the
attempts, reconnection, resume and fallback; the service keeps what outlives one chat (the
circuit breaker) and turns the outcome into the terminal status.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from typing import Any

from sse_client.chat_run import ChatRun, ChunkCallback, Sleep
from sse_client.circuit import CircuitBreaker
from sse_client.config import ClientConfig
from sse_client.errors import StreamError, StreamErrorType
from sse_client.auth import authorization
from sse_client.classify import classify_status
from sse_client.formats import PayloadNormalizer
from sse_client.lifecycle import StatusLifecycle
from sse_client.parser import EventStreamParser
from sse_client.reader import SSEStreamReader
from sse_client.transport import HttpRequest, Transport

StatusCallback = Callable[[dict[str, Any]], object]


class SSEService:
    """Streams chat replies over `transport` as configured by `config`.

    `sleep` (the backoff wait), `clock` (monotonic: deadlines, the circuit) and `wall_clock`
    (Retry-After dates) are injectable so that tests assert exact delays.
    """

    def __init__(
        self,
        transport: Transport,
        config: ClientConfig | None = None,
        *,
        sleep: Sleep = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.transport = transport
        self.config = config or ClientConfig()
        self.breaker = CircuitBreaker(self.config.circuit)
        self._sleep = sleep
        self._clock = clock
        self._wall_clock = wall_clock

    async def chat_with_model_stream(
        self,
        request: Mapping[str, Any],
        on_chunk: ChunkCallback,
        on_status: StatusCallback | None = None,
        *,
        collect_text: bool = True,
    ) -> str:
        """Send `request`, call `on_chunk` with each new piece of the reply in order, and return
        the whole reply. Raises `StreamError`; a cancelled call raises it with type CANCELLED.

        A caller that keeps the pieces itself (the JS bridge does) passes `collect_text=False`
        and gets "": the reply then never exists as one Python string, which keeps a long
        reply's memory off the Python heap."""
        lifecycle = StatusLifecycle(on_status or _ignore)
        run = ChatRun(
            transport=self.transport,
            config=self.config,
            breaker=self.breaker,
            request=request,
            on_chunk=on_chunk,
            lifecycle=lifecycle,
            sleep=self._sleep,
            clock=self._clock,
            wall_clock=self._wall_clock,
            collect_text=collect_text,
        )
        try:
            text = await run.run()
        except asyncio.CancelledError:
            error = StreamError("The chat was cancelled.", type=StreamErrorType.CANCELLED, attempt=run.attempt)
            lifecycle.cancelled(error)
            raise error from None
        except StreamError as error:
            if error.type is StreamErrorType.CANCELLED:
                lifecycle.cancelled(error)
            else:
                lifecycle.failed(error)
            raise
        lifecycle.completed(length=run.assembler.length)
        return text


    async def open_stream(
        self,
        url: str,
        *,
        method: str = "GET",
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
    ) -> SSEStreamReader:
        """The low-level API: one request, no retries, no fallback. Returns a reader once the
        response headers have arrived; iterate it for the normalised events.

        Raises `StreamError` for an HTTP error status and for a response that is not an event
        stream. The configured headers and token go with the request.
        """
        request_headers = {
            "Accept": "text/event-stream",
            **self.config.headers,
            **(headers or {}),
            **await authorization(self.config.get_token),
        }
        response = await self.transport.send(HttpRequest(url=url, method=method, headers=request_headers, body=body))
        try:
            if not 200 <= response.status < 300:
                raise classify_status(response.status, await response.read())
            return SSEStreamReader(
                response,
                parser=EventStreamParser(max_event_bytes=self.config.max_event_bytes, named_without_data=True),
                normalizer=PayloadNormalizer(self.config.format),
            )
        except BaseException:
            await response.aclose()
            raise


def _ignore(_status: dict[str, Any]) -> None:
    return None
