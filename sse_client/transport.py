"""The seam between the client and the network: a small async transport protocol.

    response = await transport.send(HttpRequest(url=..., method="POST", headers=..., body=...))
    response.status, response.header("content-type")
    async for chunk in response.chunks(): ...     # the body as it arrives
    await response.pump(on_piece)                  # the same, pushed: on_piece(chunk) -> go on?
    await response.aclose()                        # abort: the server sees the disconnect

`FetchTransport` (fetch_transport.py) implements it over the browser's fetch; the unit tests use
`sse_client.testing.mock_transport.MockTransport`. Nothing else touches the network.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True, kw_only=True, slots=True)
class HttpRequest:
    """What to send. Header names are given as the caller wrote them."""

    url: str
    method: str = "POST"
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes | None = None


class HttpResponse(Protocol):
    """A response whose headers have arrived and whose body may still be streaming."""

    @property
    def status(self) -> int: ...

    def header(self, name: str) -> str | None:
        """The value of header `name` (case-insensitive), or None."""
        ...

    def chunks(self) -> AsyncIterator[bytes]:
        """The body, piece by piece as it arrives. Raises `StreamError` if the connection fails."""
        ...

    async def pump(self, on_piece: Callable[[bytes], bool]) -> None:
        """The body, pushed: `on_piece(chunk)` is called with each piece as it arrives, until it
        returns False or the body ends. Raises `StreamError` if the connection fails.

        Unlike iterating `chunks()`, nothing is scheduled between a piece's arrival and the
        call: over fetch, each awaited read would cost Pyodide's event loop a task of its own,
        and that is most of what the client adds to the latency of an event."""
        ...

    async def read(self) -> bytes:
        """The whole (remaining) body."""
        ...

    async def aclose(self) -> None:
        """Stop reading and abort the request if it is still running. Safe to call twice."""
        ...


class Transport(Protocol):
    async def send(self, request: HttpRequest) -> HttpResponse:
        """Send `request` and return once the response headers arrived.

        Raises `StreamError` when no response could be had (a refused connection, an abort).
        """
        ...


def media_type(response: HttpResponse) -> str:
    """The response's media type, lower-case, without parameters ("" when there is none)."""
    return (response.header("content-type") or "").split(";")[0].strip().lower()
