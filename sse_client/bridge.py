"""The bridge to JavaScript: conversions and proxy lifetimes only, no logic.

`web/sse-client.js` calls these after importing this module in Pyodide:

    configure(options)        -> {ok: true} | {ok: false, error: {...}}
    start_chat(request, on_chunk, on_status, on_done, signal)
        starts one chat; calls on_done({ok: true} | {ok: false, error}) exactly once (the
        JS side joins the pieces it was given into the resolved text).
    start_stream(url, init, on_open, on_event, on_done, signal)
        the low-level `authFetch` stream: on_open() when the response is an event stream,
        on_event(event, bytesReceived, eventsReceived) per event, on_done(outcome) once.

Why a completion callback instead of returning a coroutine to JS: a Python awaitable reaches JS
as a thenable PyProxy that must be destroyed by hand, while a JS function handed to Python is a
JsProxy that Python's reference counting frees. So nothing here creates a PyProxy that outlives
a call, except the abort listener, which is destroyed when its chat ends.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import js
from pyodide.ffi import JsException, create_proxy, jsnull, to_js

from sse_client.config import ClientConfig
from sse_client.errors import StreamError, StreamErrorType
from sse_client.fetch_transport import FetchTransport
from sse_client.formats import chat_event_to_dict
from sse_client.service import SSEService

# One service per configuration: its circuit breaker spans chats; configure() starts afresh.
_service = SSEService(FetchTransport(), ClientConfig())
_running: set[asyncio.Task[dict[str, Any]]] = set()  # strong references: a chat is not collected mid-way


def configure(options: Any) -> Any:
    """Apply `SSEClient.configure(options)`; an invalid option comes back as a CLIENT error."""
    global _service
    try:
        _service = SSEService(_service.transport, _service.config.with_options(_to_py(options) or {}))
    except (ValueError, TypeError) as exc:
        return _js({"ok": False, "error": StreamError(str(exc), type=StreamErrorType.CLIENT).to_dict()})
    return _js({"ok": True})


def start_chat(request: Any, on_chunk: Any, on_status: Any, on_done: Any, signal: Any = None) -> None:
    """Start `chatWithModelStream`. `on_done` is called exactly once with the outcome, also when
    the chat is cancelled before it ever ran."""

    def report(status: dict[str, Any]) -> None:
        if on_status is not None:
            on_status(_js(status))

    def cancelled() -> dict[str, Any]:
        # Cancelled before the service could report it (the signal was already aborted).
        error = _cancelled_error()
        report({"state": "cancelled", "message": error.message, "error": error.to_dict()})
        return {"ok": False, "error": error.to_dict()}

    _start(_chat(_to_py(request), on_chunk, report), on_done, signal, cancelled)


def start_stream(url: str, init: Any, on_open: Any, on_event: Any, on_done: Any, signal: Any = None) -> None:
    """Start `authFetch(url, init, {stream: true})`: `on_open()` once the response is an event
    stream, `on_event(event, bytesReceived, eventsReceived)` per normalised event, then
    `on_done(outcome)` exactly once."""
    _start(
        _stream(url, _to_py(init) or {}, on_open, on_event),
        on_done,
        signal,
        lambda: {"ok": False, "error": _cancelled_error().to_dict()},
    )


def _start(coroutine: Any, on_done: Any, signal: Any, cancelled: Any) -> None:
    """Run `coroutine` as a task that `signal` can cancel; hand its outcome to `on_done`."""
    task: asyncio.Task[dict[str, Any]] = asyncio.ensure_future(coroutine)
    _running.add(task)
    release = _cancel_on_abort(signal, task)

    def finish(task: asyncio.Task[dict[str, Any]]) -> None:
        _running.discard(task)
        release()
        on_done(_js(cancelled() if task.cancelled() else task.result()))

    task.add_done_callback(finish)


def _cancel_on_abort(signal: Any, task: asyncio.Task[Any]) -> Any:
    """Cancel `task` when `signal` aborts; returns the function that removes the listener and
    destroys its proxy (the one PyProxy the bridge creates per call)."""
    if signal is None:
        return lambda: None
    if signal.aborted:
        task.cancel()
        return lambda: None
    listener = create_proxy(lambda _event: task.cancel())
    signal.addEventListener("abort", listener)

    def release() -> None:
        signal.removeEventListener("abort", listener)
        listener.destroy()

    return release


def _cancelled_error() -> StreamError:
    return StreamError("The chat was cancelled.", type=StreamErrorType.CANCELLED)


async def _chat(request: Any, on_chunk: Any, report: Any) -> dict[str, Any]:
    """Run one chat and return its outcome as plain data for JS."""
    if not isinstance(request, Mapping):
        error = StreamError("The request must be an object.", type=StreamErrorType.CLIENT, retryable=False)
        return {"ok": False, "error": error.to_dict()}
    try:
        # The JS side keeps the pieces it is given and joins them: no second copy of the
        # reply on the Python heap.
        await _service.chat_with_model_stream(request, on_chunk, report, collect_text=False)
    except StreamError as exc:
        return {"ok": False, "error": exc.to_dict()}
    except JsException as exc:
        # A caller's callback threw: its error is the cause, not the stream's.
        error = StreamError(f"A callback failed: {exc}", type=StreamErrorType.CLIENT, retryable=False, cause=exc)
        return {"ok": False, "error": error.to_dict()}
    return {"ok": True}


async def _stream(url: str, init: Mapping[str, Any], on_open: Any, on_event: Any) -> dict[str, Any]:
    """Read one event stream for `authFetch` and return its outcome as plain data for JS."""
    body = init.get("body")
    if body is not None and not isinstance(body, str):
        error = StreamError("authFetch streams take a string body.", type=StreamErrorType.CLIENT, retryable=False)
        return {"ok": False, "error": error.to_dict()}
    try:
        reader = await _service.open_stream(
            url,
            method=str(init.get("method") or "GET"),
            headers=dict(init.get("headers") or {}),
            body=None if body is None else body.encode("utf-8"),
        )
    except StreamError as exc:
        return {"ok": False, "error": exc.to_dict()}
    on_open()
    outcome: dict[str, Any] = {"ok": True}
    try:
        async for event in reader:
            on_event(_js(chat_event_to_dict(event)), reader.bytes_received, reader.events_received)
    except StreamError as exc:
        outcome = {"ok": False, "error": exc.to_dict()}
    return {**outcome, "bytesReceived": reader.bytes_received, "eventsReceived": reader.events_received}


def _to_py(value: Any) -> Any:
    """A JS value as Python data, with JS `null` as None (Pyodide keeps it as `jsnull`)."""
    return _null_to_none(value.to_py() if hasattr(value, "to_py") else value)


def _null_to_none(value: Any) -> Any:
    if value is jsnull:
        return None
    if isinstance(value, dict):
        return {key: _null_to_none(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_null_to_none(item) for item in value]
    return value


def _js(value: dict[str, Any]) -> Any:
    """A plain JS object (not a Map, not a proxy) for a dict."""
    return to_js(value, dict_converter=js.Object.fromEntries)
