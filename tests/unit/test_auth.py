"""`authorization` (`auth.py`): the `Authorization: Bearer` header from the configured token
provider, asked anew for every request; a provider that fails is an AUTH error.

No pytest-asyncio: each test runs its coroutine with `asyncio.run`."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

import pytest

from sse_client.auth import authorization
from sse_client.errors import StreamError, StreamErrorType

T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def test_without_a_provider_no_header_is_sent() -> None:
    assert run(authorization(None)) == {}


def test_a_providers_token_is_sent_as_a_bearer_token() -> None:
    assert run(authorization(lambda: "abc.def")) == {"Authorization": "Bearer abc.def"}


def test_a_provider_returning_an_awaitable_is_awaited() -> None:
    # A JS `async () => token` returns a Promise, which Pyodide makes awaitable.
    async def token() -> str:
        await asyncio.sleep(0)
        return "from-a-promise"

    assert run(authorization(token)) == {"Authorization": "Bearer from-a-promise"}


def test_the_provider_is_asked_for_every_request_so_a_refreshed_token_is_used() -> None:
    tokens = iter(["first", "refreshed"])

    def provider() -> str:
        return next(tokens)

    assert run(authorization(provider)) == {"Authorization": "Bearer first"}
    assert run(authorization(provider)) == {"Authorization": "Bearer refreshed"}


@pytest.mark.parametrize("token", [None, ""])
def test_a_provider_with_no_token_sends_no_header(token: str | None) -> None:
    assert run(authorization(lambda: token)) == {}

    async def later() -> str | None:
        return token

    assert run(authorization(later)) == {}


def test_a_provider_that_raises_is_an_auth_error_that_is_not_retried() -> None:
    failure = RuntimeError("session expired")

    def provider() -> str:
        raise failure

    with pytest.raises(StreamError) as caught:
        run(authorization(provider))
    error = caught.value
    assert (error.type, error.retryable, error.message) == (StreamErrorType.AUTH, False, "Could not get a sign-in token.")
    assert error.cause is failure and error.__cause__ is failure


def test_a_provider_whose_awaitable_rejects_is_an_auth_error() -> None:
    async def provider() -> str:
        raise ConnectionError("token endpoint down")

    with pytest.raises(StreamError) as caught:
        run(authorization(provider))
    assert (caught.value.type, caught.value.retryable) == (StreamErrorType.AUTH, False)
    assert isinstance(caught.value.cause, ConnectionError)
