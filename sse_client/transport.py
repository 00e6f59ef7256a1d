"""The seam between the client and the network: a small async transport protocol.

    response = await transport.send(HttpRequest(url=..., method="POST", headers=..., body=...))
    response.status, response.header("content-type")
    async for chunk in response.chunks(): ...     # the body as it arrives
    await response.aclose()                        # abort: the server sees the disconnect

`FetchTransport` (fetch_transport.py) implements it over the browser's fetch; the unit tests use
`sse_client.testing.mock_transport.MockTransport`. Nothing else touches the network.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
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
