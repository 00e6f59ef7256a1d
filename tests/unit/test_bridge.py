"""The bridge on CPython, with fakes for Pyodide's `to_js`, `create_proxy` and an AbortSignal:
every public call settles exactly once, whatever its arguments, callbacks or server do, and
nothing it hands to JS carries a credential."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import pytest

from sse_client import bridge
from sse_client.config import ClientConfig
from sse_client.heartbeat import Deadlines
from sse_client.redaction import REDACTED, Secrets
from sse_client.service import SSEService
from sse_client.testing.mock_transport import MockResponse, MockTransport
from sse_client.transport import HttpRequest

SSE = {"content-type": "text/event-stream"}
TOKEN = "sk-live-0123456789"
EVENTS = b"".join(
    f"id: {i}\ndata: {json.dumps({'type': 'chunk', 'data': {'content': c, 'index': i}})}\n\n".encode()
    for i, c in enumerate(["Hel", "lo"])
) + b'id: 2\ndata: {"type": "complete", "data": {"final_response": "Hello"}}\n\n'


class FakeProxy:
    def __init__(self, function: Callable[..., Any]) -> None:
        self.function = function
        self.destroyed = False

    def destroy(self) -> None:
        self.destroyed = True


class FakeSignal:
    """An AbortSignal: `abort()` calls the listeners, as the browser does."""

    def __init__(self, aborted: bool = False) -> None:
        self.aborted = aborted
        self.listeners: list[FakeProxy] = []

    def addEventListener(self, kind: str, listener: FakeProxy) -> None:  # noqa: N802 - JS's name
        self.listeners.append(listener)

    def removeEventListener(self, kind: str, listener: FakeProxy) -> None:  # noqa: N802
        self.listeners.remove(listener)

    def abort(self) -> None:
        self.aborted = True
        for listener in list(self.listeners):
            listener.function(None)


@pytest.fixture(autouse=True)
def fake_pyodide(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bridge, "to_js", lambda value, **_: json.loads(json.dumps(value, default=repr)), raising=False)
    monkeypatch.setattr(bridge, "js", type("js", (), {"Object": type("Object", (), {"fromEntries": None})}), raising=False)
    monkeypatch.setattr(bridge, "create_proxy", FakeProxy, raising=False)
    monkeypatch.setattr(bridge, "_secrets", Secrets())


def serve(handler: Callable[[HttpRequest], MockResponse], **options: Any) -> MockTransport:
    transport = MockTransport(handler)
    config = ClientConfig(deadlines=Deadlines(first_byte=None, idle=None, no_progress=None, total=None),
                          **options)
    bridge._service = SSEService(transport, config, secrets=bridge._secrets)
    return transport


class Chat:
    """One start_chat call: what reached each callback."""

    def __init__(self) -> None:
        self.chunks: list[str] = []
        self.statuses: list[dict[str, Any]] = []
        self.outcomes: list[dict[str, Any]] = []

    def run(self, request: Any, *, on_chunk: Any = None, on_status: Any = None, signal: Any = None,
            options: Any = None) -> dict[str, Any]:
        async def scenario() -> None:
            done = asyncio.get_running_loop().create_future()

            def on_done(outcome: dict[str, Any]) -> None:
                self.outcomes.append(outcome)
                if not done.done():
                    done.set_result(None)

            bridge.start_chat(request, on_chunk or self.chunks.append, on_status or self.statuses.append,
                              on_done, signal, options)
            await done
            await asyncio.sleep(0)  # a second on_done would come now

        asyncio.run(scenario())
        assert len(self.outcomes) == 1, self.outcomes  # exactly once
        return self.outcomes[0]

    @property
    def states(self) -> list[str]:
        return [s["state"] for s in self.statuses]


def test_a_chat_settles_once_with_its_text_delivered_and_a_completed_status() -> None:
    serve(lambda request: MockResponse(200, SSE, [EVENTS]))
    chat = Chat()
    assert chat.run({"model": "m"}) == {"ok": True}
    assert "".join(chat.chunks) == "Hello"
    assert chat.states[-1] == "completed"


@pytest.mark.parametrize("value", [object(), float("nan"), {1, 2}], ids=["a JS object", "NaN", "a set"])
def test_a_request_json_cannot_carry_is_a_client_error_before_anything_is_sent(value: Any) -> None:
    transport = serve(lambda request: MockResponse(200, SSE, [EVENTS]))
    chat = Chat()
    outcome = chat.run({"model": "m", "when": value})
    assert outcome["ok"] is False and outcome["error"]["type"] == "CLIENT"
    assert "toISOString" in outcome["error"]["message"]  # says what to send instead
    assert transport.requests == []
    assert chat.states == ["failed"]


def test_a_chats_own_options_reach_the_service_for_that_chat_and_their_headers_are_redacted() -> None:
    transport = serve(lambda request: MockResponse(401, {"content-type": "text/plain"},
                                                   [b"bad key " + request.headers["X-Api-Key"].encode()]))
    chat = Chat()
    outcome = chat.run({"model": "m"}, options={"endpoint": "/other", "headers": {"X-Api-Key": "per-call-key-1"}})
    assert transport.requests[0].url == "/other"
    assert outcome["ok"] is False and outcome["error"]["type"] == "AUTH"
    assert "per-call-key-1" not in json.dumps(outcome) + json.dumps(chat.statuses)
    assert "[redacted]" in outcome["error"]["cause"]


def test_a_chats_invalid_option_is_a_client_error_naming_it() -> None:
    transport = serve(lambda request: MockResponse(200, SSE, [EVENTS]))
    chat = Chat()
    outcome = chat.run({"model": "m"}, options={"format": "klingon"})
    assert outcome["ok"] is False and outcome["error"]["type"] == "CLIENT"
    assert outcome["error"]["message"].startswith("format must be one of")
    assert chat.states == ["failed"] and transport.requests == []


def test_a_request_that_refers_to_itself_is_a_client_error() -> None:
    cyclic: dict[str, Any] = {"model": "m"}
    cyclic["self"] = cyclic
    outcome = Chat().run(cyclic)
    assert outcome["error"]["type"] == "CLIENT"


def test_a_request_that_is_not_an_object_is_a_client_error() -> None:
    assert Chat().run(["not", "an", "object"])["error"]["type"] == "CLIENT"


def test_a_request_that_cannot_be_converted_settles_with_a_client_error() -> None:
    class Unreadable:
        def to_py(self) -> Any:
            raise RuntimeError("a getter threw")

    chat = Chat()
    outcome = chat.run(Unreadable())
    assert outcome["error"]["type"] == "CLIENT" and "a getter threw" in outcome["error"]["message"]
    assert chat.states == ["failed"]


def test_an_on_chunk_that_throws_fails_the_chat_with_a_failed_status() -> None:
    serve(lambda request: MockResponse(200, SSE, [EVENTS]))

    def on_chunk(text: str) -> None:
        raise RuntimeError("the page broke")

    chat = Chat()
    outcome = chat.run({"model": "m"}, on_chunk=on_chunk)
    assert outcome["error"]["type"] == "CLIENT" and "onChunk" in outcome["error"]["message"]
    assert chat.states[-1] == "failed"


def test_an_on_status_that_always_throws_still_settles_once() -> None:
    serve(lambda request: MockResponse(200, SSE, [EVENTS]))

    def on_status(status: dict[str, Any]) -> None:
        raise RuntimeError("the status bar broke")

    outcome = Chat().run({"model": "m"}, on_status=on_status)
    assert outcome["error"]["type"] == "CLIENT" and "onStatus" in outcome["error"]["message"]


def test_an_on_status_that_throws_on_an_aborted_signal_still_settles_once_as_cancelled() -> None:
    serve(lambda request: MockResponse(200, SSE, [EVENTS]))

    def on_status(status: dict[str, Any]) -> None:
        raise RuntimeError("boom")

    outcome = Chat().run({"model": "m"}, on_status=on_status, signal=FakeSignal(aborted=True))
    assert outcome["error"]["type"] == "CANCELLED"


def test_an_abort_mid_chat_settles_once_as_cancelled_and_releases_its_listener() -> None:
    signal = FakeSignal()

    class Endless(MockResponse):
        async def pump(self, on_piece: Callable[[bytes], bool]) -> None:
            on_piece(EVENTS[:40])
            signal.abort()
            await asyncio.Event().wait()

    serve(lambda request: Endless(200, SSE, []))
    chat = Chat()
    outcome = chat.run({"model": "m"}, signal=signal)
    assert outcome["error"]["type"] == "CANCELLED"
    assert chat.states[-1] == "cancelled"
    assert signal.listeners == []


def test_a_token_a_backend_echoes_never_reaches_js() -> None:
    body = json.dumps({"error": {"message": f"Invalid header Authorization: Bearer {TOKEN}"}}).encode()
    serve(lambda request: MockResponse(401, {"content-type": "application/json"}, [body]),
          get_token=lambda _request: TOKEN, headers={"X-Api-Key": "key-abcdef-987"})
    chat = Chat()
    outcome = chat.run({"model": "m"})
    seen = json.dumps([outcome, chat.statuses])
    assert TOKEN not in seen and "key-abcdef-987" not in seen
    assert REDACTED in outcome["error"]["message"] and outcome["error"]["type"] == "AUTH"


def test_configure_refuses_an_unknown_option_and_a_later_valid_one_applies() -> None:
    assert bridge.configure({"endpiont": "/x"})["ok"] is False
    assert bridge.configure({"endpoint": "/x"}) == {"ok": True}
    assert bridge._service.config.endpoint == "/x"


def request_headers(headers: Any, *force_refresh: Any) -> dict[str, Any]:
    outcomes: list[dict[str, Any]] = []

    async def scenario() -> None:
        done = asyncio.get_running_loop().create_future()
        bridge.request_headers(headers, lambda outcome: (outcomes.append(outcome), done.set_result(None)),
                               *force_refresh)
        await done

    asyncio.run(scenario())
    assert len(outcomes) == 1
    return outcomes[0]


def test_a_plain_auth_fetch_sends_the_configured_headers_and_the_token() -> None:
    serve(lambda request: MockResponse(), headers={"X-Api-Key": "key-abcdef-987"}, get_token=lambda _request: TOKEN)
    outcome = request_headers({"Accept": "application/json"})
    assert outcome == {"ok": True, "headers": {"X-Api-Key": "key-abcdef-987", "Accept": "application/json",
                                               "Authorization": f"Bearer {TOKEN}"}, "refreshable": True}


def test_a_token_provider_that_fails_is_an_auth_error_for_a_plain_auth_fetch() -> None:
    def get_token(_request: Any) -> str:
        raise RuntimeError("signed out")

    serve(lambda request: MockResponse(), get_token=get_token)
    outcome = request_headers(None)
    assert outcome["ok"] is False and outcome["error"]["type"] == "AUTH"


def test_headers_that_are_not_an_object_are_a_client_error() -> None:
    serve(lambda request: MockResponse())
    assert request_headers(["Authorization", "x"])["error"]["type"] == "CLIENT"


def stream(url: str, init: Any, handler: Callable[[HttpRequest], MockResponse],
           **options: Any) -> tuple[list[Any], dict[str, Any]]:
    serve(handler, **options)
    events: list[Any] = []
    outcomes: list[dict[str, Any]] = []

    async def scenario() -> None:
        done = asyncio.get_running_loop().create_future()
        bridge.start_stream(url, init, lambda: events.append("open"), lambda e, b, n: events.append(e),
                            lambda outcome: (outcomes.append(outcome), done.set_result(None)))
        await done

    asyncio.run(scenario())
    assert len(outcomes) == 1
    return events, outcomes[0]


def test_a_low_level_stream_reports_each_event_then_settles_once() -> None:
    events, outcome = stream("/s", {"method": "GET"}, lambda request: MockResponse(200, SSE, [EVENTS]))
    assert events[0] == "open" and [e["type"] for e in events[1:]] == ["chunk", "chunk", "complete"]
    assert outcome["ok"] is True and outcome["eventsReceived"] == 3


def test_a_low_level_stream_with_a_body_that_is_not_text_is_a_client_error() -> None:
    events, outcome = stream("/s", {"method": "POST", "body": 5}, lambda request: MockResponse(200, SSE, [EVENTS]))
    assert events == [] and outcome["error"]["type"] == "CLIENT"


# --- the token provider's argument, and the refresh after a 401 --------------------------------


class JsProvider:
    """A JS `getToken` as Pyodide hands it to Python: a callable that gets what `to_js` made of
    the argument. Records each argument; hands out `tokens` in turn."""

    def __init__(self, *tokens: str) -> None:
        self.tokens = list(tokens)
        self.arguments: list[Any] = []

    def __call__(self, *arguments: Any) -> str:
        self.arguments.append(arguments)
        return self.tokens.pop(0)


def test_a_js_get_token_is_called_with_a_plain_js_object_saying_force_refresh(monkeypatch: pytest.MonkeyPatch) -> None:
    converted: list[tuple[Any, Any]] = []

    class JsObject:
        """What to_js(..., dict_converter=Object.fromEntries) makes: a plain JS object."""

        def __init__(self, value: Any, converter: Any) -> None:
            self.value, self.converter = value, converter

    def to_js(value: Any, **options: Any) -> Any:
        if isinstance(value, dict) and "forceRefresh" in value:
            converted.append((value, options.get("dict_converter")))
            return JsObject(value, options.get("dict_converter"))
        return json.loads(json.dumps(value, default=repr))

    monkeypatch.setattr(bridge, "to_js", to_js)
    provider = JsProvider("cached-token", "fresh-token")
    serve(lambda request: MockResponse())
    assert bridge.configure({"getToken": provider}) == {"ok": True}
    assert request_headers(None)["headers"] == {"Authorization": "Bearer cached-token"}
    assert request_headers(None, True)["headers"] == {"Authorization": "Bearer fresh-token"}
    # One argument each time, a JS object made by Object.fromEntries, with a boolean in it.
    assert [len(arguments) for arguments in provider.arguments] == [1, 1]
    assert [arguments[0].value for arguments in provider.arguments] == [{"forceRefresh": False}, {"forceRefresh": True}]
    assert all(converter is bridge.js.Object.fromEntries for _, converter in converted)


@pytest.mark.parametrize("options", [{"getToken": None}, {"getToken": "token"}, {}, ["not", "an", "object"]])
def test_configure_leaves_options_without_a_get_token_function_as_they_are(options: Any) -> None:
    assert bridge._with_js_token_provider(options) == options


def test_configure_refuses_a_get_token_that_is_no_function() -> None:
    assert bridge.configure({"getToken": "token"})["ok"] is False


@pytest.mark.parametrize(("force_refresh", "asked"), [(True, True), (False, False), (None, False), ("yes", False)])
def test_a_plain_auth_fetch_asks_for_a_forced_refresh_only_when_told_with_true(force_refresh: Any, asked: bool) -> None:
    provider = JsProvider("token-0123456789")
    serve(lambda request: MockResponse())
    bridge.configure({"getToken": provider})
    outcome = request_headers({}, force_refresh)
    assert outcome["ok"] and outcome["refreshable"] is True
    assert provider.arguments == [({"forceRefresh": asked},)]


def test_a_plain_auth_fetch_without_a_token_provider_is_not_refreshable() -> None:
    serve(lambda request: MockResponse())
    assert request_headers({}, True) == {"ok": True, "headers": {}, "refreshable": False}


def test_a_forced_refresh_that_fails_is_an_auth_error_for_a_plain_auth_fetch() -> None:
    def get_token(request: Any) -> str:
        if request["forceRefresh"]:
            raise RuntimeError("refresh token revoked")
        return TOKEN

    serve(lambda request: MockResponse())
    bridge.configure({"getToken": get_token})
    assert request_headers({})["ok"] is True
    outcome = request_headers({}, True)
    assert outcome["ok"] is False and outcome["error"]["type"] == "AUTH"


def echoing_401(accepted: str) -> Callable[[HttpRequest], MockResponse]:
    """Streams EVENTS to `Bearer <accepted>`; a 401 that echoes the token to any other."""
    def handler(request: HttpRequest) -> MockResponse:
        sent = request.headers.get("Authorization", "")
        if sent == f"Bearer {accepted}":
            return MockResponse(200, SSE, [EVENTS])
        body = json.dumps({"type": "error", "data": {"code": "UNAUTHORIZED", "message": f"refused {sent}"}}).encode()
        return MockResponse(401, {"content-type": "application/json"}, [body])

    return handler


def test_a_low_level_stream_is_sent_again_once_with_a_refreshed_token() -> None:
    provider = JsProvider("stale-token-0123", "fresh-token-4567")
    events, outcome = stream("/s", {"method": "POST", "body": "{}"}, echoing_401("fresh-token-4567"), get_token=provider)
    assert outcome["ok"] is True and events[0] == "open"
    assert [e["type"] for e in events[1:]] == ["chunk", "chunk", "complete"]
    assert provider.arguments == [({"forceRefresh": False},), ({"forceRefresh": True},)]


def test_a_low_level_stream_refused_twice_is_auth_and_neither_token_reaches_js() -> None:
    provider = JsProvider("stale-token-0123", "fresh-token-4567")
    events, outcome = stream("/s", {"method": "POST", "body": "{}"}, echoing_401("never"), get_token=provider)
    assert events == [] and outcome["ok"] is False
    assert (outcome["error"]["type"], outcome["error"]["status"]) == ("AUTH", 401)
    assert "stale-token-0123" not in json.dumps(outcome) and "fresh-token-4567" not in json.dumps(outcome)
    assert REDACTED in outcome["error"]["message"]


def test_a_chat_refused_twice_shows_neither_token_in_the_outcome_or_the_statuses() -> None:
    provider = JsProvider("stale-token-0123", "fresh-token-4567")
    serve(echoing_401("never"), get_token=provider)
    chat = Chat()
    outcome = chat.run({"model": "m"})
    seen = json.dumps([outcome, chat.statuses])
    assert outcome["error"]["type"] == "AUTH" and chat.states == ["connecting", "failed"]
    assert "stale-token-0123" not in seen and "fresh-token-4567" not in seen and REDACTED in seen
    assert provider.arguments == [({"forceRefresh": False},), ({"forceRefresh": True},)]
