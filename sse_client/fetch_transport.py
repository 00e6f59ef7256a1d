"""`FetchTransport`: the transport over the browser's `fetch`, and the only module that touches `js`.

`pyodide.http.pyfetch` has no streaming body, so this uses the JS objects directly:
`fetch(url, init)` then `response.body.getReader()`, one `read()` per piece of the body as the
network delivers it. Every request has its own `AbortController`, so that closing a response
really aborts the request (the server sees the disconnect), which cancelling an asyncio task
alone would not do.

`pump` reads in a loop written in JS (`_READ_LOOP`) that calls Python for each piece: an
awaited JS promise resumes the Python task through Pyodide's event loop, a browser task per
read (~0.1 ms here, more on a busy page), which the chat's text would otherwise wait for.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Callable, Iterator
from typing import TYPE_CHECKING, Any

from sse_client.classify import classify_js_error
from sse_client.errors import StreamError
from sse_client.transport import HttpRequest

IN_PYODIDE = sys.platform == "emscripten"
_MAX_PIECE = 64 * 1024  # the largest piece of body handed to the parser at once

if IN_PYODIDE or TYPE_CHECKING:
    import js
    from pyodide.code import run_js
    from pyodide.ffi import JsException, create_proxy, jsnull, to_js
else:
    jsnull = object()  # stands for JS null on CPython, where nothing is ever it


def js_to_py(value: Any) -> Any:
    """JS `null` as None, in a value and in the dicts and lists inside it: the one place JS
    values enter (Pyodide keeps `null` as `jsnull`, which is neither None nor false, so that
    "a missing header" would otherwise read as the text "jsnull")."""
    if value is jsnull:
        return None
    if isinstance(value, dict):
        return {key: js_to_py(item) for key, item in value.items()}
    if isinstance(value, list):
        return [js_to_py(item) for item in value]
    return value

# reader, onPiece(Uint8Array) -> go on?, the request's AbortSignal. Resolves when the body ends or
# onPiece says stop; rejects as read() does. A piece read before an abort is not handed over.
# Reads that are already waiting when one is handed over (the network got ahead of the page: a
# fast server writing one event at a time, a busy page) are handed over together, as one piece:
# one call into Python and one pass of the parser for all of them, instead of one each. A read
# that is not ready yet is not waited for: at a model's pace every read goes over at once, and
# a read that had to be waited for goes over before the next is even asked for (at that pace
# the page's code is cold at every event, and `read()` alone then takes ~60 µs).
_READ_LOOP_JS = """
(async function readLoop(reader, onPiece, signal) {
  const WAITING = Promise.resolve(null); // wins a race only against a read that is not ready
  const MAX = 1 << 20;                   // gather at most this many bytes into one piece
  let parts = [], size = 0;              // read, not handed over yet
  function handOver() {
    let value = parts[0];
    if (parts.length > 1) {
      value = new Uint8Array(size);
      let at = 0;
      for (const part of parts) { value.set(part, at); at += part.length; }
    }
    parts = [];
    size = 0;
    return !signal.aborted && onPiece(value);
  }
  try {
    let result = await reader.read();
    let waited = true;                     // `result` was not there when it was asked for
    while (!result.done && !signal.aborted) {
      parts.push(result.value);
      size += result.value.length;
      if (waited && !handOver()) return;
      const next = reader.read();
      next.catch(() => {}); // if we stop first, releaseLock() rejects it: nobody needs to know
      const ready = size < MAX ? await Promise.race([next, WAITING]) : null;
      if (ready !== null) {
        result = ready; // there already: gather it with the rest
        waited = false;
        continue;
      }
      if (parts.length && !handOver()) return;
      result = await next;
      waited = true;
    }
    if (parts.length) handOver();
  } catch (error) {
    if (parts.length) handOver(); // what arrived before the failure is the stream's too
    throw error;
  } finally {
    try { reader.releaseLock(); } catch (error) { /* errored or aborted: nothing to release */ }
  }
})
"""
_read_loop: Any = None  # the JS function, made on first use


class FetchTransport:
    """Sends requests with `js.fetch`."""

    async def send(self, request: HttpRequest) -> FetchResponse:
        controller = js.AbortController.new()
        init: dict[str, Any] = {
            "method": request.method,
            "headers": dict(request.headers),
            "signal": controller.signal,
        }
        if request.body is not None:
            init["body"] = request.body.decode("utf-8")
        try:
            response = await js.fetch(request.url, to_js(init, dict_converter=js.Object.fromEntries))
        except JsException as exc:
            raise _map_js_error(exc, controller) from None
        except BaseException:
            controller.abort()  # cancelled while waiting for the headers: stop the request too
            raise
        return FetchResponse(response, controller)


class FetchResponse:
    """A fetch `Response` whose body is read as a stream."""

    def __init__(self, response: Any, controller: Any) -> None:
        self._response = response
        self._controller = controller
        self._closed = False
        self.status: int = response.status

    def header(self, name: str) -> str | None:
        value = js_to_py(self._response.headers.get(name))  # null when the header is missing
        return None if value is None else str(value)

    async def chunks(self) -> AsyncIterator[bytes]:
        body = js_to_py(self._response.body)  # null for a 204 and the like
        if body is None:
            return
        reader = body.getReader()
        try:
            while True:
                try:
                    result = await reader.read()
                except JsException as exc:
                    if self._closed:
                        return  # our own abort: the caller stopped reading on purpose
                    raise _map_js_error(exc, self._controller) from None
                if result.done:
                    return
                for piece in _pieces(result.value):
                    yield piece
        finally:
            try:
                reader.releaseLock()
            except JsException:
                pass  # the stream already errored or was aborted: nothing left to release

    async def pump(self, on_piece: Callable[[bytes], bool]) -> None:
        global _read_loop
        body = js_to_py(self._response.body)
        if body is None:
            return
        if _read_loop is None:
            _read_loop = run_js(_READ_LOOP_JS)

        def on_value(value: Any) -> bool:
            return all(on_piece(piece) for piece in _pieces(value))  # stops at the first False

        callback = create_proxy(on_value)
        try:
            await _read_loop(body.getReader(), callback, self._controller.signal)
        except JsException as exc:
            if not self._closed:
                raise _map_js_error(exc, self._controller) from None
        except BaseException:
            # Cancelled while the loop runs: abort, so that it stops before calling back into
            # the proxy destroyed below (it checks the signal after every read).
            await self.aclose()
            raise
        finally:
            callback.destroy()

    async def read(self) -> bytes:
        try:
            buffer = await self._response.arrayBuffer()
        except JsException as exc:
            raise _map_js_error(exc, self._controller) from None
        return bytes(buffer.to_bytes())

    async def aclose(self) -> None:
        if not self._closed:
            self._closed = True
            self._controller.abort()


def _pieces(value: Any) -> Iterator[bytes]:
    """The bytes of one read (a Uint8Array), in pieces of at most `_MAX_PIECE`: when Python
    falls behind, one read brings everything that piled up (MBs), and handing it over in
    bounded pieces keeps the peak memory of parsing flat."""
    size = value.length
    if size <= _MAX_PIECE:
        yield value.to_bytes()
        return
    for start in range(0, size, _MAX_PIECE):
        yield value.subarray(start, start + _MAX_PIECE).to_bytes()


def _map_js_error(exc: JsException, controller: Any) -> StreamError:
    """A fetch failure as a `StreamError`, by the error's name and message (see classify)."""
    signal = controller.signal
    reason = str(signal.reason) if signal.aborted and isinstance(signal.reason, str) else None
    return classify_js_error(str(exc.name), str(exc.message), abort_reason=reason)
