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
from functools import partial
from typing import Any

from sse_client.auth import TokenRefresh, authorization, send_authorized
from sse_client.chat_run import ChatRun, ChunkCallback, Sleep
from sse_client.circuit import CircuitBreaker
from sse_client.classify import callback_error, cancelled_error, classify_status, internal_error, option_error
from sse_client.config import ClientConfig
from sse_client.connectivity import Connectivity
from sse_client.errors import StreamError, StreamErrorType
from sse_client.formats import PayloadNormalizer
from sse_client.lifecycle import StatusLifecycle
from sse_client.metrics import ChatMetrics
from sse_client.parser import EventStreamParser
from sse_client.reader import SSEStreamReader
from sse_client.redaction import Secrets
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
        secrets: Secrets | None = None,
        connectivity: Connectivity | None = None,
    ) -> None:
        self.transport = transport
        # The page's network state and lifecycle events, heard by every running chat; shared
        # across configure() calls by the bridge, as `secrets` is.
        self.connectivity = connectivity if connectivity is not None else Connectivity()
        self.config = config or ClientConfig()
        self.breaker = CircuitBreaker(self.config.circuit)
        # The credentials sent so far (configured headers, tokens): the bridge redacts them
        # from everything it hands to the page. Shared across configure() calls by the bridge.
        self.secrets = secrets if secrets is not None else Secrets()
        self.secrets.add_headers(self.config.headers)
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
        options: Mapping[str, Any] | None = None,
    ) -> str:
        """Send `request`, call `on_chunk` with each new piece of the reply in order, and return
        the whole reply. Raises `StreamError`, and nothing else, whatever the server or the
        callbacks do; a cancelled call raises it with type CANCELLED. `on_status` always hears
        a terminal status (completed, failed or cancelled) before this returns or raises, unless
        it is the one throwing. A callback that throws ends the chat with a CLIENT error.

        A caller that keeps the pieces itself (the JS bridge does) passes `collect_text=False`
        and gets "": the reply then never exists as one Python string, which keeps a long
        reply's memory off the Python heap.

        `options` are this chat's own (see `ClientConfig.for_call`): endpoint, format, headers,
        retry, timeouts over the configured ones. One it cannot take fails the chat with the
        CLIENT error `configure` would give, before anything is sent."""
        lifecycle = StatusLifecycle(_guarded("onStatus", on_status or _ignore), ChatMetrics(self._clock))
        run: ChatRun | None = None
        try:
            config = self._config_for(options)
            run = ChatRun(
                transport=self.transport,
                config=config,
                breaker=self.breaker,
                request=request,
                on_chunk=_guarded("onChunk", on_chunk),
                lifecycle=lifecycle,
                sleep=self._sleep,
                clock=self._clock,
                wall_clock=self._wall_clock,
                collect_text=collect_text,
                secrets=self.secrets,
                connectivity=self.connectivity,
            )
            text = await run.run()
        except asyncio.CancelledError:
            cancelled = cancelled_error(attempt=None if run is None else run.attempt)
            _end(lambda: lifecycle.cancelled(cancelled))
            raise cancelled from None
        except StreamError as error:
            ending = lifecycle.cancelled if error.type is StreamErrorType.CANCELLED else lifecycle.failed
            _end(partial(ending, error))
            raise
        except Exception as exc:  # a bug of ours: the chat still ends, with a typed error
            bug = internal_error(exc)
            _end(lambda: lifecycle.failed(bug))
            raise bug from exc
        length = run.assembler.utf16_length  # as JavaScript counts the text: text.length
        _end(lambda: lifecycle.completed(length=length))
        return text

    def _config_for(self, options: Mapping[str, Any] | None) -> ClientConfig:
        """The configuration of one chat: the service's, with the chat's own options over it.
        Their header values are secrets like the configured ones."""
        if not options:
            return self.config
        try:
            config = self.config.for_call(options)
        except (ValueError, TypeError) as exc:
            raise option_error(str(exc)) from None
        self.secrets.add_headers(config.headers)
        return config

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
        stream. The configured headers and token go with the request; a 401 answer is sent again
        once, at once, with a token asked for with `forceRefresh` (a second 401 is AUTH).
        """
        wanted = {"Accept": "text/event-stream", **(headers or {})}
        metrics = ChatMetrics(self._clock)  # from the request on: time to first byte

        async def request_for(force_refresh: bool) -> HttpRequest:
            request_headers = await self.request_headers(wanted, force_refresh=force_refresh)
            return HttpRequest(url=url, method=method, headers=request_headers, body=body)

        response = await send_authorized(self.transport, request_for, TokenRefresh(self.config.get_token))
        try:
            if not 200 <= response.status < 300:
                raise classify_status(response.status, await response.read())
            return SSEStreamReader(
                response,
                parser=EventStreamParser(max_event_bytes=self.config.max_event_bytes, named_without_data=True),
                normalizer=PayloadNormalizer(self.config.format),
                metrics=metrics,
            )
        except BaseException:
            await response.aclose()
            raise

    @property
    def refreshes_tokens(self) -> bool:
        """Whether a token provider is configured: then a 401 answer to a request of the
        caller's own is worth one retry with `request_headers(..., force_refresh=True)`."""
        return self.config.get_token is not None

    async def request_headers(
        self, headers: Mapping[str, str] | None = None, *, force_refresh: bool = False
    ) -> dict[str, str]:
        """The headers of a request of the caller's own (`authFetch`): the configured headers,
        then the caller's, then the token's `Authorization`. With `force_refresh`, the token
        provider is asked with `forceRefresh` (after a 401 answer). Raises `StreamError` (AUTH)
        when the token provider fails. The values become secrets (see `Secrets`)."""
        credentials = await authorization(self.config.get_token, force_refresh=force_refresh)
        self.secrets.add_headers({**(headers or {}), **credentials})
        return {**self.config.headers, **(headers or {}), **credentials}


def _ignore(_status: dict[str, Any]) -> None:
    return None


def _guarded(name: str, callback: Callable[[Any], object]) -> Callable[[Any], None]:
    """`callback`, with anything it raises turned into the CLIENT error that ends the chat."""

    def call(value: Any) -> None:
        try:
            callback(value)
        except StreamError:
            raise  # already ours
        except Exception as exc:  # a JS callback's error arrives as a JsException
            raise callback_error(name, exc) from None

    return call


def _end(report: Callable[[], object]) -> None:
    """Report the terminal status; an onStatus that throws at it cannot change the outcome."""
    try:
        report()
    except StreamError:
        pass
