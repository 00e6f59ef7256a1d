"""The `Authorization` header from the configured token provider (PROTOCOL.md: "Authorization:
Bearer <token> when a token provider is configured").

The provider is called for every request, so that a refreshed token is used on a reconnect; it
may return the token or an awaitable of it (a JS function returning a Promise does).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from sse_client.classify import token_error

TokenProvider = Callable[[], Any]


async def authorization(provider: TokenProvider | None) -> dict[str, str]:
    """`{"Authorization": "Bearer <token>"}`, or `{}` without a provider or token.

    A provider that fails is an AUTH error: without a token the request cannot succeed.
    """
    if provider is None:
        return {}
    try:
        token = provider()
        if inspect.isawaitable(token):
            token = await token
    except Exception as exc:  # a JS provider's rejection arrives as a JsException
        raise token_error(exc) from exc
    if token is None or token == "":
        return {}
    return {"Authorization": f"Bearer {token}"}
