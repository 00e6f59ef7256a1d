"""The bridge to JavaScript: conversions and proxy lifetimes only, no logic.

`web/sse-client.js` calls these after importing this module in Pyodide:

    configure(options)        -> {ok: true} | {ok: false, error: {...}}
    start_chat(request, on_chunk, on_status, on_done, signal, options)
        starts one chat (options: its own endpoint, headers, format, retry, timeouts); calls on_done({ok: true} | {ok: false, error}) exactly once (the
        JS side joins the pieces it was given into the resolved text).
    start_stream(url, init, on_open, on_event, on_done, signal)
        the low-level `authFetch` stream: on_open() when the response is an event stream,
        on_event(event, bytesReceived, eventsReceived) per event (an error event with `error`,
        its classification as a chat's), on_done(outcome) once (with the stream's `metrics`
        once it had opened).
    page_event(event)         "offline" | "online" | "freeze" | "resume": every running chat
        hears it (a stream dead after going offline, or after the page was frozen, is resumed
        at once with Last-Event-ID; see `connectivity.py`).
    request_headers(headers, on_done, force_refresh)
        the plain `authFetch`: the headers its fetch() sends (the configured ones, the caller's,
        the token's); on_done once with {ok: true, headers, refreshable} or {ok: false, error}.
        The loader calls fetch() itself, so that the caller gets fetch's own Response, body
        stream and abort, untouched. `refreshable` says a token provider is configured: then,
        on a 401 answer, the loader asks once more with `force_refresh` true (the provider is
        called with `{forceRefresh: true}`), sends the request again with those headers and
        hands over that answer, whatever it is.

A JS `getToken` is called with one plain JS object, `{forceRefresh: boolean}` (see `auth.py`).

Guarantees, whatever the arguments and callbacks do: these functions never raise into JS, and
each `on_done` is called exactly once. Every value handed to JS passes `_js`, which redacts the
credentials sent so far (`Secrets`): no token or configured header value reaches the page.

Why a completion callback instead of returning a coroutine to JS: a Python awaitable reaches JS
as a thenable PyProxy that must be destroyed by hand, while a JS function handed to Python is a
JsProxy that Python's reference counting frees. So nothing here creates a PyProxy that outlives
a call, except the abort listener, which is destroyed when its chat ends.

The Pyodide imports are guarded as in `fetch_transport`, so that the bridge imports on CPython,
where the unit tests drive it with fakes.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from sse_client.classify import (
    cancelled_error,
    classify_stream_error,
    internal_error,
    option_error,
    request_error,
)
from sse_client.config import ClientConfig
from sse_client.connectivity import Connectivity
from sse_client.errors import StreamError
from sse_client.fetch_transport import FetchTransport, js_to_py
from sse_client.formats import Chunk, ErrorReport, chat_event_to_dict
from sse_client.redaction import Secrets
from sse_client.service import SSEService

if sys.platform == "emscripten" or TYPE_CHECKING:
    import js
    from pyodide.ffi import create_proxy, to_js

Outcome = dict[str, Any]

# The credentials sent so far, across every configure(): the one redaction step uses them.
_secrets = Secrets()
# One service per configuration: its circuit breaker spans chats; configure() starts afresh.
# The page's network state and lifecycle events (`page_event`), heard by every running chat.
_connectivity = Connectivity()
_service = SSEService(FetchTransport(), ClientConfig(), secrets=_secrets, connectivity=_connectivity)
_running: set[asyncio.Task[Outcome]] = set()  # strong references: a chat is not collected mid-way


def configure(options: Any) -> Any:
    """Apply `SSEClient.configure(options)`; an invalid option comes back as a CLIENT error."""
    global _service
    try:
        config = _service.config.with_options(_with_js_token_provider(_to_py(options) or {}))
    except (ValueError, TypeError) as exc:
        return _js(_failure(option_error(str(exc))))
    _service = SSEService(_service.transport, config, secrets=_secrets, connectivity=_connectivity)
    return _js({"ok": True})


def start_chat(request: Any, on_chunk: Any, on_status: Any, on_done: Any, signal: Any = None,
               options: Any = None) -> None:
    """Start `chatWithModelStream`. `on_done` is called exactly once with the outcome, also when
    the chat is cancelled before it ever ran, and when the request cannot even be converted.
    `options` are the chat's own (endpoint, headers, format, retry, timeouts: the loader has
    taken `signal` out); the service checks them as `configure` checks its options."""

    def report(status: dict[str, Any]) -> None:
        if on_status is not None:
            on_status(_js(status))

    def end(state: str, error: StreamError) -> Outcome:
        """The terminal status of a chat the service never ran, and its outcome."""
        try:
            report({"state": state, "message": error.message, "error": error.to_dict()})
        except Exception:  # an onStatus that throws cannot change the outcome
            pass
        return _failure(error)

    try:
        chat = _chat(_to_py(request), on_chunk, report, _to_py(options))
    except Exception as exc:  # a request JS cannot hand over (a getter that throws, ...)
        _settle(on_done, end("failed", request_error(f"it could not be read ({exc}).")))
        return
    # Cancelled before the service could report it (the signal was already aborted).
    _start(chat, on_done, signal, lambda: end("cancelled", cancelled_error()))


def page_event(event: Any) -> None:
    """The page went "offline" or "online", or was frozen ("freeze") or resumed ("resume"):
    every running chat hears it (see `connectivity.py`). Never raises into JS."""
    try:
        _connectivity.notify(str(event))
    except Exception:  # an unknown event: the loader sends only the four
        pass


def start_stream(url: str, init: Any, on_open: Any, on_event: Any, on_done: Any, signal: Any = None) -> None:
    """Start `authFetch(url, init, {stream: true})`: `on_open()` once the response is an event
    stream, `on_event(event, bytesReceived, eventsReceived)` per normalised event, then
    `on_done(outcome)` exactly once."""
    try:
        stream = _stream(str(url), _to_py(init) or {}, on_open, on_event)
    except Exception as exc:
        _settle(on_done, _failure(request_error(f"its options could not be read ({exc}).")))
        return
    _start(stream, on_done, signal, lambda: _failure(cancelled_error()))


def request_headers(headers: Any, on_done: Any, force_refresh: Any = False) -> None:
    """The headers of a plain `authFetch`: `on_done` exactly once with them or the error. With
    `force_refresh` JS `true` (after a 401 answer), the token provider is asked with
    `{forceRefresh: true}`; `refreshable` in the outcome says whether there is one to ask."""
    service = _service

    async def assemble() -> Outcome:
        try:
            assembled = await service.request_headers(_plain_headers(_to_py(headers)), force_refresh=force_refresh is True)
        except StreamError as exc:
            return _failure(exc)
        return {"ok": True, "headers": assembled, "refreshable": service.refreshes_tokens}

    task = assemble()
    # The headers go to the page's own fetch(): the one outcome not redacted, on purpose.
    _start(task, on_done, None, lambda: _failure(cancelled_error()), redact=lambda outcome: not outcome["ok"])


def _start(coroutine: Any, on_done: Any, signal: Any, cancelled: Callable[[], Outcome],
           redact: Callable[[Outcome], bool] = lambda outcome: True) -> None:
    """Run `coroutine` as a task that `signal` can cancel; hand its outcome to `on_done`."""
    task: asyncio.Task[Outcome] = asyncio.ensure_future(coroutine)
    _running.add(task)
    try:
        release = _cancel_on_abort(signal, task)
    except Exception:  # not an AbortSignal after all: the loader checks, this is the backstop
        release = _nothing

    def finish(task: asyncio.Task[Outcome]) -> None:
        _running.discard(task)
        try:
            release()
            outcome = cancelled() if task.cancelled() else task.result()
        except BaseException as exc:  # never: the service turns every failure into a StreamError
            outcome = _failure(internal_error(exc))
        _settle(on_done, outcome, redact=redact(outcome))

    task.add_done_callback(finish)


def _settle(on_done: Any, outcome: Outcome, *, redact: bool = True) -> None:
    on_done(_js(outcome, redact=redact))


def _nothing() -> None:
    return None


def _cancel_on_abort(signal: Any, task: asyncio.Task[Any]) -> Callable[[], None]:
    """Cancel `task` when `signal` aborts; returns the function that removes the listener and
    destroys its proxy (the one PyProxy the bridge creates per call)."""
    if signal is None:
        return _nothing
    if signal.aborted:
        task.cancel()
        return _nothing
    listener = create_proxy(lambda _event: task.cancel())
    signal.addEventListener("abort", listener)

    def release() -> None:
        signal.removeEventListener("abort", listener)
        listener.destroy()

    return release


def _failure(error: StreamError) -> Outcome:
    return {"ok": False, "error": error.to_dict()}


async def _chat(request: Any, on_chunk: Any, report: Any, options: Any = None) -> Outcome:
    """Run one chat and return its outcome as plain data for JS."""
    try:
        # The JS side keeps the pieces it is given and joins them: no second copy of the
        # reply on the Python heap.
        await _service.chat_with_model_stream(request, on_chunk, report, collect_text=False, options=options)
    except StreamError as exc:
        return _failure(exc)
    return {"ok": True}


async def _stream(url: str, init: Mapping[str, Any], on_open: Any, on_event: Any) -> Outcome:
    """Read one event stream for `authFetch` and return its outcome as plain data for JS."""
    try:
        reader = await _service.open_stream(url, **_request_options(init))
    except StreamError as exc:
        return _failure(exc)
    on_open()
    outcome: Outcome = {"ok": True}
    try:
        async for event in reader:
            # The reply's own text is the caller's, as chatWithModelStream hands it over.
            plain = chat_event_to_dict(event)
            if type(event) is ErrorReport:  # classified as a chat classifies it: the loader's SSEClientError
                plain["error"] = classify_stream_error(event.code, event.message).to_dict()
            data = _js(plain, redact=type(event) is not Chunk)
            on_event(data, reader.bytes_received, reader.events_received)
    except StreamError as exc:
        outcome = _failure(exc)
    return {**outcome, "bytesReceived": reader.bytes_received, "eventsReceived": reader.events_received,
            "metrics": reader.metrics.stream_summary()}


def _with_js_token_provider(options: Any) -> Any:
    """`configure`'s options with a JS `getToken` wrapped so that it receives the provider's
    argument (`{"forceRefresh": bool}`) as a plain JS object, not as a proxy of a Python dict
    (on which `options.forceRefresh` would read undefined)."""
    if not isinstance(options, Mapping) or not callable(options.get("getToken")):
        return options
    js_provider = options["getToken"]

    def get_token(request: Mapping[str, bool]) -> Any:
        return js_provider(to_js(dict(request), dict_converter=js.Object.fromEntries))

    return {**options, "getToken": get_token}


def _request_options(init: Mapping[str, Any]) -> dict[str, Any]:
    """`fetch`'s init (method, headers, a string body) as the service's arguments."""
    body = init.get("body")
    if body is not None and not isinstance(body, str):
        raise request_error("authFetch takes a string body (JSON.stringify(...) an object first).")
    return {
        "method": str(init.get("method") or "GET"),
        "headers": _plain_headers(init.get("headers")),
        "body": None if body is None else body.encode("utf-8"),
    }


def _plain_headers(headers: Any) -> dict[str, str]:
    if headers is None:
        return {}
    if not isinstance(headers, Mapping):
        raise request_error("headers must be an object of header names and string values.")
    return {str(name): str(value) for name, value in headers.items()}


def _to_py(value: Any) -> Any:
    """A JS value as Python data, with JS `null` as None (see `fetch_transport.js_to_py`)."""
    return js_to_py(value.to_py() if hasattr(value, "to_py") else value)


def _js(value: Outcome, *, redact: bool = True) -> Any:
    """A plain JS object (not a Map, not a proxy) for a dict, with every credential sent so far
    redacted from it first: the one step every error, status and event passes to reach JS."""
    return to_js(_secrets.redact(value) if redact else value, dict_converter=js.Object.fromEntries)
