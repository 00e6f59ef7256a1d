"""`auth.py`: the `Authorization: Bearer` header from the configured token provider, asked anew
for every request with `{"forceRefresh": bool}`; a provider that fails is an AUTH error. A first
401 is sent again once with a forced refresh (`TokenRefresh`, `send_authorized`).

No pytest-asyncio: each test runs its coroutine with `asyncio.run`."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

import pytest

from sse_client.auth import TokenRefresh, TokenRequest, authorization, send_authorized
from sse_client.errors import StreamError, StreamErrorType
from sse_client.testing.mock_transport import MockResponse, MockTransport
from sse_client.transport import HttpRequest

T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def test_without_a_provider_no_header_is_sent() -> None:
    assert run(authorization(None)) == {}


def test_a_providers_token_is_sent_as_a_bearer_token() -> None:
    assert run(authorization(lambda _request: "abc.def")) == {"Authorization": "Bearer abc.def"}


def test_a_provider_returning_an_awaitable_is_awaited() -> None:
    # A JS `async () => token` returns a Promise, which Pyodide makes awaitable.
    async def token(_request: TokenRequest) -> str:
        await asyncio.sleep(0)
        return "from-a-promise"

    assert run(authorization(token)) == {"Authorization": "Bearer from-a-promise"}


def test_the_provider_is_asked_for_every_request_so_a_refreshed_token_is_used() -> None:
    tokens = iter(["first", "refreshed"])

    def provider(_request: TokenRequest) -> str:
        return next(tokens)

    assert run(authorization(provider)) == {"Authorization": "Bearer first"}
    assert run(authorization(provider)) == {"Authorization": "Bearer refreshed"}


@pytest.mark.parametrize("token", [None, ""])
def test_a_provider_with_no_token_sends_no_header(token: str | None) -> None:
    assert run(authorization(lambda _request: token)) == {}

    async def later(_request: TokenRequest) -> str | None:
        return token

    assert run(authorization(later)) == {}


def test_a_provider_that_raises_is_an_auth_error_that_is_not_retried() -> None:
    failure = RuntimeError("session expired")

    def provider(_request: TokenRequest) -> str:
        raise failure

    with pytest.raises(StreamError) as caught:
        run(authorization(provider))
    error = caught.value
    assert (error.type, error.retryable, error.message) == (StreamErrorType.AUTH, False, "Could not get a sign-in token.")
    assert error.cause is failure and error.__cause__ is failure


def test_a_provider_whose_awaitable_rejects_is_an_auth_error() -> None:
    async def provider(_request: TokenRequest) -> str:
        raise ConnectionError("token endpoint down")

    with pytest.raises(StreamError) as caught:
        run(authorization(provider))
    assert (caught.value.type, caught.value.retryable) == (StreamErrorType.AUTH, False)
    assert isinstance(caught.value.cause, ConnectionError)


# --- forceRefresh -------------------------------------------------------------------------------


def recording(tokens: list[str]) -> tuple[list[dict[str, bool]], Any]:
    """A provider that hands out `tokens` in turn and records the argument of each call."""
    asked: list[dict[str, bool]] = []
    given = iter(tokens)

    def provider(request: TokenRequest) -> str:
        asked.append(dict(request))
        return next(given)

    return asked, provider


def test_the_provider_is_asked_with_force_refresh_false_by_default_and_true_when_forced() -> None:
    asked, provider = recording(["cached", "fresh"])
    assert run(authorization(provider)) == {"Authorization": "Bearer cached"}
    assert run(authorization(provider, force_refresh=True)) == {"Authorization": "Bearer fresh"}
    assert asked == [{"forceRefresh": False}, {"forceRefresh": True}]


def test_a_forced_refresh_that_fails_is_the_same_auth_error() -> None:
    def provider(request: TokenRequest) -> str:
        if request["forceRefresh"]:
            raise RuntimeError("refresh token revoked")
        return "stale-token"

    with pytest.raises(StreamError) as caught:
        run(authorization(provider, force_refresh=True))
    assert (caught.value.type, caught.value.message) == (StreamErrorType.AUTH, "Could not get a sign-in token.")


def no_provider(_request: TokenRequest) -> str:
    raise AssertionError("never called")


@pytest.mark.parametrize("status", [200, 400, 403, 404, 429, 500, 503])
def test_only_a_401_is_taken_for_a_refresh(status: int) -> None:
    assert TokenRefresh(no_provider).take(status) is False


def test_a_401_is_taken_for_a_refresh_once() -> None:
    refresh = TokenRefresh(no_provider)
    assert (refresh.take(401), refresh.take(401), refresh.take(401)) == (True, False, False)
    assert refresh.used


def test_without_a_provider_a_401_is_not_taken_for_a_refresh() -> None:
    refresh = TokenRefresh(None)
    assert refresh.take(401) is False and not refresh.used


def requests_with(provider: Any) -> Any:
    """`request_for(force_refresh)` as ChatRun builds it: the provider's token in the headers."""

    async def request_for(force_refresh: bool) -> HttpRequest:
        headers = await authorization(provider, force_refresh=force_refresh)
        return HttpRequest(url="/api/chat", headers=headers)

    return request_for


def answering(statuses: list[int]) -> MockTransport:
    answers = iter(statuses)
    return MockTransport(lambda request: MockResponse(next(answers), {"content-type": "application/json"}, [b"{}"]))


def test_a_first_401_is_closed_and_sent_again_at_once_with_a_fresh_token() -> None:
    asked, provider = recording(["stale-token", "fresh-token"])
    transport = answering([401, 200])
    response = run(send_authorized(transport, requests_with(provider), TokenRefresh(provider)))
    assert response.status == 200 and response is transport.responses[1]
    assert [r.headers["Authorization"] for r in transport.requests] == ["Bearer stale-token", "Bearer fresh-token"]
    assert asked == [{"forceRefresh": False}, {"forceRefresh": True}]
    assert transport.responses[0].closed  # the refused answer is not left open


def test_a_second_401_is_returned_for_the_caller_to_check() -> None:
    asked, provider = recording(["stale-token", "fresh-token"])
    transport = answering([401, 401])
    response = run(send_authorized(transport, requests_with(provider), TokenRefresh(provider)))
    assert response.status == 401 and len(transport.requests) == 2
    assert asked == [{"forceRefresh": False}, {"forceRefresh": True}]


def test_a_refresh_used_up_on_an_earlier_request_sends_a_401_back_at_once() -> None:
    asked, provider = recording(["token-1", "token-2", "token-3"])
    refresh = TokenRefresh(provider)
    transport = answering([401, 500, 401])
    assert run(send_authorized(transport, requests_with(provider), refresh)).status == 500
    assert run(send_authorized(transport, requests_with(provider), refresh)).status == 401
    assert len(transport.requests) == 3
    assert [a["forceRefresh"] for a in asked] == [False, True, False]


def test_without_a_provider_a_401_is_returned_at_once() -> None:
    transport = answering([401])
    response = run(send_authorized(transport, requests_with(None), TokenRefresh(None)))
    assert response.status == 401 and len(transport.requests) == 1
    assert "Authorization" not in transport.requests[0].headers


def test_a_forced_refresh_that_fails_raises_its_auth_error_and_sends_nothing_more() -> None:
    def provider(request: TokenRequest) -> str:
        if request["forceRefresh"]:
            raise RuntimeError("refresh token revoked")
        return "stale-token"

    transport = answering([401])
    with pytest.raises(StreamError) as caught:
        run(send_authorized(transport, requests_with(provider), TokenRefresh(provider)))
    assert caught.value.type is StreamErrorType.AUTH and not caught.value.retryable
    assert len(transport.requests) == 1 and transport.responses[0].closed
