"""The `Authorization` header from the configured token provider (PROTOCOL.md: "Authorization:
Bearer <token> when a token provider is configured"), and the one forced refresh after a 401.

The provider is called for every request, so that a refreshed token is used on a reconnect; it
may return the token or an awaitable of it (a JS function returning a Promise does). It is called
with one argument, `{"forceRefresh": bool}`: true when the backend has just refused the token it
gave (HTTP 401), so that a provider with a cache asks its identity service anew instead of
handing the same stale token back. The bridge hands a JS provider that argument as a plain JS
object (`getToken({ forceRefresh })`); a JS provider written as `async () => token` ignores it.

    refresh = TokenRefresh(provider)                     # one per chat, or per authFetch call
    response = await send_authorized(transport, request_for, refresh)
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from sse_client.classify import token_error
from sse_client.transport import HttpRequest, HttpResponse, Transport

TokenRequest = Mapping[str, bool]
"""The provider's one argument: `{"forceRefresh": bool}`."""
TokenProvider = Callable[[TokenRequest], Any]


async def authorization(provider: TokenProvider | None, *, force_refresh: bool = False) -> dict[str, str]:
    """`{"Authorization": "Bearer <token>"}`, or `{}` without a provider or token.

    `force_refresh` is passed on to the provider as `{"forceRefresh": force_refresh}`. A provider
    that fails is an AUTH error: without a token the request cannot succeed.
    """
    if provider is None:
        return {}
    try:
        token = provider({"forceRefresh": force_refresh})
        if inspect.isawaitable(token):
            token = await token
    except Exception as exc:  # a JS provider's rejection arrives as a JsException
        raise token_error(exc) from exc
    if token is None or token == "":
        return {}
    return {"Authorization": f"Bearer {token}"}


class TokenRefresh:
    """The one forced refresh a chat (or one `authFetch` call) may make.

    A 401 answer usually means the token expired between the provider's answer and the
    backend's check: one fresh token and one immediate retry mend that, and are no failure of
    the stream (no retry of the backoff budget, no delay). A second 401 means the user is
    really not signed in: it is the AUTH error it always was. Without a provider there is
    nothing to refresh, and a 401 is AUTH at once.
    """

    def __init__(self, provider: TokenProvider | None) -> None:
        self.available = provider is not None
        self.used = False

    def take(self, status: int) -> bool:
        """Whether an answer with HTTP `status` is to be sent again with a forced refresh; true
        at most once."""
        if status != 401 or not self.available or self.used:
            return False
        self.used = True
        return True


async def send_authorized(
    transport: Transport,
    request_for: Callable[[bool], Awaitable[HttpRequest]],
    refresh: TokenRefresh,
) -> HttpResponse:
    """Send `await request_for(False)`; if `refresh` takes its answer's status (a first 401),
    close that answer and send `await request_for(True)` (the same request, with a token asked
    for with `forceRefresh`) at once. Returns the last answer, whatever its status: the caller
    checks it as any other. Raises the AUTH error of a provider that fails."""
    response = await transport.send(await request_for(False))
    if not refresh.take(response.status):
        return response
    await response.aclose()  # its body (an error page) is of no use: the retry says what holds
    return await transport.send(await request_for(True))
