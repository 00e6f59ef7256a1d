"""`MockTransport`: drive the reader and the service in unit tests without a network.

    def handler(request: HttpRequest) -> MockResponse:
        return MockResponse(200, {"content-type": "text/event-stream"}, [b"data: hi\n\n"])
    service = SSEService(MockTransport(handler), ClientConfig())
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable, Mapping

from sse_client.errors import StreamError
from sse_client.transport import HttpRequest


class MockResponse:
    """A canned response: its body is given as the pieces it arrives in. A `StreamError` among
    the pieces is raised when reached, as a cut connection would be; a number is a pause of that
    many seconds (a stalled server)."""

    def __init__(
        self,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        body: Iterable[bytes | StreamError | float] = (),
    ) -> None:
        self.status = status
        self._headers = {k.lower(): v for k, v in (headers or {}).items()}
        self._body = list(body)
        self.closed = False

    def header(self, name: str) -> str | None:
        return self._headers.get(name.lower())

    async def chunks(self) -> AsyncIterator[bytes]:
        for piece in self._body:
            if self.closed:
                return
            if isinstance(piece, StreamError):
                raise piece
            if isinstance(piece, (int, float)):
                await asyncio.sleep(piece)
                continue
            yield piece

    async def pump(self, on_piece: Callable[[bytes], bool]) -> None:
        async for piece in self.chunks():
            if not on_piece(piece):
                return

    async def read(self) -> bytes:
        return b"".join([piece async for piece in self.chunks()])

    async def aclose(self) -> None:
        self.closed = True


class MockTransport:
    """Answers each request with `handler(request)`, and keeps the requests for assertions."""

    def __init__(self, handler: Callable[[HttpRequest], MockResponse]) -> None:
        self.handler = handler
        self.requests: list[HttpRequest] = []
        self.responses: list[MockResponse] = []

    async def send(self, request: HttpRequest) -> MockResponse:
        self.requests.append(request)
        response = self.handler(request)
        self.responses.append(response)
        return response
