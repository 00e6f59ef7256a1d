"""The bridge to JavaScript: conversions and proxy lifetimes only, no logic.

`web/sse-client.js` calls these after importing this module in Pyodide:

    configure(options)        -> {ok: true} | {ok: false, error: {...}}
    start_chat(request, on_chunk, on_status, on_done, signal)
        starts one chat; calls on_done({ok: true, text} | {ok: false, error}) exactly once.

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
from pyodide.ffi import JsException, create_proxy, to_js

from sse_client.config import ClientConfig
from sse_client.errors import StreamError, StreamErrorType
from sse_client.fetch_transport import FetchTransport
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

    task = asyncio.ensure_future(_chat(_to_py(request), on_chunk, report))
    _running.add(task)
    on_abort = None
    if signal is not None:
        if signal.aborted:
            task.cancel()
        else:
            on_abort = create_proxy(lambda _event: task.cancel())
            signal.addEventListener("abort", on_abort)

    def finish(task: asyncio.Task[dict[str, Any]]) -> None:
        _running.discard(task)
        if on_abort is not None:
            signal.removeEventListener("abort", on_abort)
            on_abort.destroy()
        if task.cancelled():
            # Cancelled before the service could report it (the signal was already aborted).
            error = StreamError("The chat was cancelled.", type=StreamErrorType.CANCELLED)
            report({"state": "cancelled", "message": error.message, "error": error.to_dict()})
            outcome: dict[str, Any] = {"ok": False, "error": error.to_dict()}
        else:
            outcome = task.result()
        on_done(_js(outcome))

    task.add_done_callback(finish)


async def _chat(request: Any, on_chunk: Any, report: Any) -> dict[str, Any]:
    """Run one chat and return its outcome as plain data for JS."""
    if not isinstance(request, Mapping):
        error = StreamError("The request must be an object.", type=StreamErrorType.CLIENT, retryable=False)
        return {"ok": False, "error": error.to_dict()}
    try:
        text = await _service.chat_with_model_stream(request, on_chunk, report)
    except StreamError as exc:
        return {"ok": False, "error": exc.to_dict()}
    except JsException as exc:
        # A caller's callback threw: its error is the cause, not the stream's.
        error = StreamError(f"A callback failed: {exc}", type=StreamErrorType.CLIENT, retryable=False, cause=exc)
        return {"ok": False, "error": error.to_dict()}
    return {"ok": True, "text": text}


def _to_py(value: Any) -> Any:
    return value.to_py() if hasattr(value, "to_py") else value


def _js(value: dict[str, Any]) -> Any:
    """A plain JS object (not a Map, not a proxy) for a dict."""
    return to_js(value, dict_converter=js.Object.fromEntries)
