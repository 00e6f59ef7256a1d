"""`SSEService`: one chat request streamed to the caller's callbacks.

    service = SSEService(transport, ClientConfig(endpoint="/api/chat"))
    text = await service.chat_with_model_stream(request, on_chunk, on_status)

The path of a chunk: transport bytes -> `EventStreamParser` -> `PayloadNormalizer` ->
`ReplyAssembler` (drops what was already delivered) -> `on_chunk(text)`.

States reported through `on_status` (plain dicts, `{"state": ..., "message": ...}`):
connecting -> streaming -> completed, or failed / cancelled. Backend `status` events and
skipped malformed frames are reported in the `streaming` state. The retry loop, fallback and
heartbeat of the resilience work wrap `_attempt` here: it is one connection, start to end.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Mapping
from typing import Any

from sse_client.assembler import ReplyAssembler
from sse_client.classify import classify_status, network_error
from sse_client.config import ClientConfig
from sse_client.errors import StreamError, StreamErrorType
from sse_client.parser import EventStreamParser
from sse_client.payloads import (
    Chunk,
    Complete,
    ErrorReport,
    Malformed,
    PayloadNormalizer,
    Status,
    final_response_from_json,
)
from sse_client.reader import SSEStreamReader
from sse_client.transport import HttpRequest, Transport

ChunkCallback = Callable[[str], object]
StatusCallback = Callable[[dict[str, Any]], object]

_JSON = "application/json"


class SSEService:
    """Streams chat replies over `transport` as configured by `config`."""

    def __init__(self, transport: Transport, config: ClientConfig | None = None) -> None:
        self.transport = transport
        self.config = config or ClientConfig()

    async def chat_with_model_stream(
        self,
        request: Mapping[str, Any],
        on_chunk: ChunkCallback,
        on_status: StatusCallback | None = None,
    ) -> str:
        """Send `request`, call `on_chunk` with each new piece of the reply in order, and return
        the whole reply. Raises `StreamError`; a cancelled call raises it with type CANCELLED."""
        report = on_status or _ignore
        assembler = ReplyAssembler()
        report({"state": "connecting", "message": "Connecting..."})
        try:
            await self._attempt(request, assembler, on_chunk, report)
        except asyncio.CancelledError:
            error = StreamError("The chat was cancelled.", type=StreamErrorType.CANCELLED)
            report({"state": "cancelled", "message": error.message, "error": error.to_dict()})
            raise error from None
        except StreamError as error:
            report({"state": "failed", "message": error.message, "error": error.to_dict()})
            raise
        text = assembler.text
        report({"state": "completed", "message": "Done.", "length": len(text)})
        return text

    async def _attempt(
        self,
        request: Mapping[str, Any],
        assembler: ReplyAssembler,
        on_chunk: ChunkCallback,
        report: StatusCallback,
    ) -> None:
        """One connection: send the request and deliver the reply until it completes."""
        response = await self.transport.send(self._http_request(request))
        try:
            if not 200 <= response.status < 300:
                raise classify_status(response.status, await response.read())
            content_type = (response.header("content-type") or "").split(";")[0].strip().lower()
            if content_type == _JSON:
                # A backend without streaming answers with the whole reply at once.
                final = final_response_from_json(await response.read())
                if final is None:
                    raise StreamError(
                        "The server's answer holds no reply.", type=StreamErrorType.PARSE, retryable=False
                    )
                _deliver(on_chunk, assembler.complete(final))
                return
            parser = EventStreamParser(max_event_bytes=self.config.max_event_bytes)
            normalizer = PayloadNormalizer()
            reader = SSEStreamReader(response, parser=parser, normalizer=normalizer)
            report({"state": "streaming", "message": "Receiving..."})
            async for event in reader:
                if isinstance(event, Chunk):
                    _deliver(on_chunk, assembler.accept(event))
                elif isinstance(event, Status):
                    report({"state": "streaming", "message": event.message, "progress": event.progress})
                elif isinstance(event, Complete):
                    _deliver(on_chunk, assembler.complete(event.final_response))
                    return
                elif isinstance(event, ErrorReport):
                    raise StreamError(
                        event.message or "The chat server reported an error.",
                        type=StreamErrorType.SERVER,
                        cause=event.code,
                    )
                elif isinstance(event, Malformed):
                    report({"state": "streaming", "message": f"Skipped a malformed frame: {event.reason}", "warning": True})
            if normalizer.has_end_marker:
                raise network_error("the stream ended before the reply was complete")
        finally:
            await response.aclose()

    def _http_request(self, request: Mapping[str, Any]) -> HttpRequest:
        headers = {"Content-Type": _JSON, "Accept": "text/event-stream", **self.config.headers}
        body = json.dumps({**request, "stream": True}).encode()
        return HttpRequest(url=self.config.endpoint, method="POST", headers=headers, body=body)


def _deliver(on_chunk: ChunkCallback, text: str) -> None:
    if text:
        on_chunk(text)


def _ignore(_status: dict[str, Any]) -> None:
    return None
