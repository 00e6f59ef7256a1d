"""The mock chat backend: a real HTTP server (Starlette on uvicorn) for the browser tests and demo.

Start it with::

    python -m sse_client.testing.mock_backend --host 127.0.0.1 --port 8000 --web-root web

Routes:

- ``GET /api/health``: ``{"ok": true}``.
- ``POST /api/chat``: the chat endpoint of PROTOCOL.md, configured by its query string (see
  :class:`~sse_client.testing.mock_script.MockOptions`), e.g. ``/api/chat?format=openai``;
  ``format=`` picks the provider whose stream, non-streaming answer and error bodies it
  imitates (see :mod:`~sse_client.testing.mock_dialects`).
- ``GET /api/chat``: the same stream for the same query, for the browser's ``EventSource``
  (which can only GET): no body, the default model, always streaming (unless ``json=1``).
- ``GET /api/mock/requests``: the log of the last 500 chat requests; ``DELETE`` clears it and
  the attempt counters.
- ``GET /api/mock/stamps?session=S``: ``{"stamps": [[event_id, server_ms], ...]}``, the
  ``server_ms`` written into each event of the latest ``stamp=1`` request of session ``S``, so far
  (404 if there is none), for a client whose callback never sees the event's JSON.
- With a web root: ``/dist/`` and ``/demo/`` serve ``<web_root>/dist`` and ``<web_root>/demo``,
  and ``/`` redirects to ``/demo/``, as a production server should (README, "Serving the bundle
  in production"): a file's precompressed ``<name>.gz`` sibling to a client that accepts gzip,
  the files of dist's content-hashed directories (``pyodide-<hex>/``, ``app-<hex>/``) cached for
  a year as ``immutable``, everything else ``no-cache``.

Every route allows cross-origin requests (CORS), static files included.

Authentication option (query string, like the others; it applies to every attempt):

- ``auth_token=T``: the chat answers 401, with a JSON error in the standard shape
  (``{"type": "error", "data": {"code": "UNAUTHORIZED", "message": ...}}``), unless the request
  carries ``Authorization: Bearer T``; checked once the query and the body are found valid,
  before any other option. The refused request is logged and counts as an attempt of its
  conversation; with ``echo_auth=1`` the error repeats the ``Authorization`` header the request
  carried, as the ``status`` fault's does. ``status=`` and the other faults apply to a request
  that passes.

Benchmark options (query string, like the others; they apply to every attempt):

- ``events=N``: the reply is exactly N chunks, the pieces of ``text`` (``chunk_chars`` each)
  repeated in a cycle; the frames are rendered before the first write, each distinct piece
  JSON-encoded once, so a long body costs the server little.
- ``batch_bytes=N``: flat out. The frames go back to back, joined into writes of at least N
  bytes, with no pause; needs ``delay_ms=0`` (and no pacing, drip, stall or keep-alive only).
  ``format=openai&events=20000&delay_ms=0&batch_bytes=65536`` keeps the server far from being
  the bottleneck of a client benchmark.
- ``pace_hz=N``: N events a second, event k written at k/N s after the first, on absolute
  times so that delays do not add up; replaces ``delay_ms``.
- ``stamp=1``: every JSON event gets ``"server_ms"`` as its first member, the server's
  ``time.time() * 1000`` (sub-millisecond) taken right before the write that sends it, so that a
  client on the same machine can measure the latency from the write to its callback. Only JSON
  objects can carry it: not ``[DONE]``, raw text, or LangServe's text frames (JSON strings, so
  there only the metadata event is stamped). ``stamp_as=obfuscation``: the stamp goes into an
  ``"obfuscation"`` string as the last member instead, where OpenAI puts the padding that
  changes with every chunk, so that an OpenAI stream stays OpenAI's but for that value.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import logging
import mimetypes
import os
import re
import stat
import time
import zlib
from collections import OrderedDict, deque
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio.to_thread
import uvicorn
from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import NotModifiedResponse, StaticFiles
from starlette.types import Scope

from sse_client.testing.mock_script import (
    DEFAULT_MODEL,
    KEEP_ALIVE,
    Frame,
    InvalidOption,
    MockOptions,
    build_frames,
    build_json_reply,
    error_body,
    frames_after,
    stamp_frame,
    status_error_body,
    stream_headers,
)

HARD_MAX_SECONDS = 60.0
"""How long a stalled or keep-alive-only response stays open at most."""

LOG_SIZE = 500
STAMPED_SESSIONS = 100
"""How many sessions' write stamps ``/api/mock/stamps`` keeps (the oldest go first)."""
LOGGED_HEADERS = ("last-event-id", "idempotency-key", "authorization", "x-api-key", "accept", "content-type",
                  "origin")
EVENT_STREAM_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}

# Browsers refuse to compile WebAssembly streamed with another type, and to import modules
# served as anything but JavaScript; the system tables do not always know these extensions.
mimetypes.add_type("application/wasm", ".wasm")
mimetypes.add_type("text/javascript", ".mjs")


class DeliberateDisconnect(Exception):
    """Raised inside a response body to drop the connection on purpose (``cut_after_bytes``).

    uvicorn answers an exception after the response has started by closing the socket without
    the final empty chunk, so the client sees an incomplete body, not a clean end.
    """


class _HideDeliberateDisconnects(logging.Filter):
    """Keeps uvicorn from logging a traceback for every cut that a test asked for."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], DeliberateDisconnect))


@dataclass(kw_only=True)
class RequestRecord:
    """What the log knows about one chat request; updated while its response is written."""

    seq: int
    path: str
    query: dict[str, str]
    method: str
    headers: dict[str, str]
    body: Any
    attempt: int
    status: int | None = None
    started: float
    first_write: float | None = None
    last_write: float | None = None
    events_sent: int = 0
    bytes_sent: int = 0
    completed: bool = False
    disconnected: bool = False

    def wrote(self, size: int) -> None:
        """Account for ``size`` body bytes handed to the server."""
        now = time.time()
        if self.first_write is None:
            self.first_write = now
        self.last_write = now
        self.bytes_sent += size


class RequestLog:
    """The last chat requests, and the attempt counter of each conversation."""

    def __init__(self, size: int = LOG_SIZE) -> None:
        self._records: deque[RequestRecord] = deque(maxlen=size)
        self._attempts: dict[str, int] = {}
        self._next_seq = 1  # never reset, so that a record is never mistaken for a later one

    def begin(self, request: Request, body: Any) -> RequestRecord:
        """Log a new request and count it as the next attempt of its conversation."""
        attempt = 1
        key = _conversation_key(request)
        if key is not None:
            attempt = self._attempts.get(key, 0) + 1
            self._attempts[key] = attempt
        record = RequestRecord(
            seq=self._next_seq, path=request.url.path, query=dict(request.query_params),
            method=request.method, body=body, attempt=attempt, started=time.time(),
            headers={name: request.headers[name] for name in LOGGED_HEADERS
                     if name in request.headers})
        self._next_seq += 1
        self._records.append(record)
        return record

    def clear(self) -> None:
        """Forget the records and the attempt counters."""
        self._records.clear()
        self._attempts.clear()

    def snapshot(self) -> list[dict[str, Any]]:
        """The records as JSON values, oldest first."""
        return [dataclasses.asdict(record) for record in self._records]


def _conversation_key(request: Request) -> str | None:
    # An explicit `session` wins: a test that spans several chats (each with its own
    # Idempotency-Key) counts its attempts across them. Prefixed so that an idempotency key
    # and a session of the same name stay apart.
    if "session" in request.query_params:
        return "session:" + request.query_params["session"]
    if "idempotency-key" in request.headers:
        return "idempotency-key:" + request.headers["idempotency-key"]
    return None


class _EventStreamWriter:
    """Writes the frames of one streaming response, with pacing, keep-alives and socket faults."""

    def __init__(self, options: MockOptions, record: RequestRecord,
                 stamps: list[tuple[int, float]] | None = None) -> None:
        self._options = options
        self._record = record
        self._stamps = stamps  # stamp=1: (event id, server_ms) of each event, as written
        self._budget = options.cut_after_bytes  # body bytes left before the cut; None: no cut
        self._gzip = zlib.compressobj(wbits=31) if options.gzip else None  # 31: gzip container
        self._last_write = time.monotonic()  # keep-alives count from the start of the body

    async def body(self, frames: Sequence[Frame]) -> AsyncIterator[bytes]:
        """The response body; marks the record disconnected if the client goes away."""
        try:
            if self._budget == 0:
                raise DeliberateDisconnect("cut_after_bytes=0")
            async for chunk in self._frames(frames):
                yield chunk
            if self._gzip is not None:
                async for chunk in self._put(self._gzip.flush()):
                    yield chunk
        # Starlette cancels the body task when uvicorn reports http.disconnect; a generator
        # abandoned at a yield is closed later with GeneratorExit. Both mean the client left.
        except (asyncio.CancelledError, GeneratorExit):
            self._record.disconnected = True
            raise

    async def _frames(self, frames: Sequence[Frame]) -> AsyncIterator[bytes]:
        options = self._options
        if options.batch_bytes is not None:
            async for chunk in self._batched(frames, options.batch_bytes):
                yield chunk
            return
        if options.keepalive_only:
            async for chunk in self._idle(HARD_MAX_SECONDS):
                yield chunk
            return
        sent = 0
        first_event_at = 0.0  # pace_hz: event k is due at first_event_at + k / pace_hz
        for frame in frames:
            if frame.is_event:
                if options.stall_after is not None and sent >= options.stall_after:
                    async for chunk in self._idle(HARD_MAX_SECONDS):
                        yield chunk
                    return
                if options.pace_hz is not None:
                    if sent == 0:
                        first_event_at = time.monotonic()
                    else:
                        due = first_event_at + sent / options.pace_hz
                        async for chunk in self._idle(max(0.0, due - time.monotonic())):
                            yield chunk
                elif sent > 0:
                    async for chunk in self._idle(options.delay_ms / 1000):
                        yield chunk
            wire = frame.wire
            if options.stamp and frame.is_event:
                wire = self._stamped(frame, time.time() * 1000)
            async for chunk in self._write(wire):
                yield chunk
            if frame.is_event:
                sent += 1
                self._record.events_sent += 1
        self._record.completed = True

    async def _batched(self, frames: Sequence[Frame], batch_bytes: int) -> AsyncIterator[bytes]:
        """``batch_bytes``: the frames back to back, in writes of at least ``batch_bytes``."""
        stamp = self._options.stamp
        batch: list[Frame] = []
        size = 0
        events = 0
        for frame in frames:
            batch.append(frame)
            size += len(frame.wire)  # characters, not bytes: a batch only needs to be large
            events += frame.is_event
            if size >= batch_bytes:
                async for chunk in self._write_batch(batch, events, stamp):
                    yield chunk
                batch, size, events = [], 0, 0
        if batch:
            async for chunk in self._write_batch(batch, events, stamp):
                yield chunk
        self._record.completed = True

    async def _write_batch(self, batch: list[Frame], events: int,
                           stamp: bool) -> AsyncIterator[bytes]:
        if stamp:
            now = time.time() * 1000
            wires = [self._stamped(frame, now) if frame.is_event else frame.wire for frame in batch]
        else:
            wires = [frame.wire for frame in batch]
        async for chunk in self._write("".join(wires)):
            yield chunk
        self._record.events_sent += events

    def _stamped(self, frame: Frame, server_ms: float) -> str:
        """``frame`` carrying ``server_ms``; remembered for ``/api/mock/stamps``."""
        wire = stamp_frame(frame.wire, server_ms, member=self._options.stamp_as)
        if self._stamps is not None and len(wire) != len(frame.wire):  # [DONE] carries none
            self._stamps.append((frame.position, round(server_ms, 3)))
        return wire

    async def _idle(self, seconds: float) -> AsyncIterator[bytes]:
        """Wait ``seconds``, writing a keep-alive whenever nothing was written for the interval."""
        deadline = time.monotonic() + seconds
        interval = self._options.keepalive_interval_ms / 1000
        while True:
            now = time.monotonic()
            ping_at = self._last_write + interval if interval > 0 else deadline
            if ping_at >= deadline:
                await asyncio.sleep(max(0.0, deadline - now))
                return
            await asyncio.sleep(max(0.0, ping_at - now))
            async for chunk in self._write(KEEP_ALIVE):
                yield chunk

    async def _write(self, text: str) -> AsyncIterator[bytes]:
        """Encode, cut at the byte budget, compress, and write ``text``."""
        data = text.encode("utf-8")
        cut = False
        if self._budget is not None:
            # The budget counts bytes of the event stream itself, so it may end mid-character.
            cut = len(data) >= self._budget
            data = data[:self._budget]
            self._budget -= len(data)
        if self._gzip is not None:
            # A sync flush after each frame emits every byte so far: the gzip stream still streams.
            data = self._gzip.compress(data) + self._gzip.flush(zlib.Z_SYNC_FLUSH)
        async for chunk in self._put(data):
            yield chunk
        if cut:
            raise DeliberateDisconnect(f"cut_after_bytes={self._options.cut_after_bytes}")

    async def _put(self, data: bytes) -> AsyncIterator[bytes]:
        if self._options.drip:
            pieces = [data[offset:offset + 1] for offset in range(len(data))]
        else:
            pieces = [data] if data else []
        for piece in pieces:
            self._record.wrote(len(piece))
            self._last_write = time.monotonic()
            yield piece
            if self._options.drip:
                await asyncio.sleep(0)  # let the server write this byte before the next one


class MockBackend:
    """The chat routes and their shared state (the request log)."""

    def __init__(self) -> None:
        self.log = RequestLog()
        # session -> (event id, server_ms) of each stamped event of its latest stamp=1 request
        self.stamps: OrderedDict[str, list[tuple[int, float]]] = OrderedDict()

    async def health(self, request: Request) -> Response:
        """``GET /api/health``."""
        return JSONResponse({"ok": True})

    async def to_demo(self, request: Request) -> Response:
        """``GET /`` (with a web root) redirects to the demo."""
        return RedirectResponse("/demo/")

    async def requests(self, request: Request) -> Response:
        """``GET /api/mock/requests`` returns the log; ``DELETE`` clears it."""
        if request.method == "DELETE":
            self.log.clear()
            return Response(status_code=204)
        return JSONResponse(self.log.snapshot())

    async def stamp_log(self, request: Request) -> Response:
        """``GET /api/mock/stamps?session=S``: the write stamps of session S's latest request."""
        stamps = self.stamps.get(request.query_params.get("session", ""))
        if stamps is None:
            return JSONResponse(error_body("NOT_FOUND", "no stamp=1 request with that session"),
                                status_code=404)
        return JSONResponse({"stamps": stamps})

    def _stamps_for(self, request: Request, options: MockOptions) -> list[tuple[int, float]] | None:
        session = request.query_params.get("session")
        if not options.stamp or session is None:
            return None
        stamps: list[tuple[int, float]] = []
        self.stamps.pop(session, None)
        self.stamps[session] = stamps
        while len(self.stamps) > STAMPED_SESSIONS:
            self.stamps.popitem(last=False)
        return stamps

    async def chat(self, request: Request) -> Response:
        """``POST /api/chat``: the scripted reply, streamed or not, with the requested faults.
        ``GET /api/chat`` (EventSource): the same stream, for a request without a body."""
        if request.method == "GET":
            body: Any = {}
            record = self.log.begin(request, None)
        else:
            body = _parse_body(await request.body())
            record = self.log.begin(request, body)
        try:
            options = MockOptions.from_query(request.query_params).for_attempt(record.attempt)
        except InvalidOption as exc:
            return _json(record, 400, error_body("BAD_OPTION", str(exc)))
        if not isinstance(body, dict):
            return _json(record, 400, error_body("BAD_REQUEST", "the body must be a JSON object"))
        if options.auth_token is not None and request.headers.get("authorization") != f"Bearer {options.auth_token}":
            error = error_body("UNAUTHORIZED", "The request does not carry the expected token.")
            return _json(record, 401, _echoed(error, request, options), {"WWW-Authenticate": "Bearer"})
        if options.status == 204:
            record.status = 204
            record.completed = True
            return Response(status_code=204)
        if options.status is not None:
            headers = {} if options.retry_after is None else {"Retry-After": options.retry_after}
            error = _echoed(status_error_body(options.status, options.format), request, options)
            return _json(record, options.status, error, headers)
        model = body.get("model")
        model = model if isinstance(model, str) else DEFAULT_MODEL
        created = int(time.time())
        if body.get("stream") is False or options.json_reply:
            return _json(record, 200, build_json_reply(options, model=model, created=created))
        frames = build_frames(options, model=model, created=created)
        if options.resume:
            frames = frames_after(frames, _parse_event_id(request.headers.get("last-event-id")))
        headers = {**EVENT_STREAM_HEADERS, **stream_headers(options.format)}
        if options.gzip:
            headers["Content-Encoding"] = "gzip"
        record.status = 200
        writer = _EventStreamWriter(options, record, self._stamps_for(request, options))
        return StreamingResponse(writer.body(frames), headers=headers,
                                 media_type="text/event-stream; charset=utf-8")


def _echoed(error: dict[str, Any], request: Request, options: MockOptions) -> dict[str, Any]:
    """``error`` with ``echo_auth``: the request's ``Authorization`` header put into the
    message (standard shape) and beside it."""
    if options.echo_auth:
        echo = f"Authorization: {request.headers.get('authorization', '')}"
        error["echo"] = echo
        if isinstance(error.get("data"), dict):
            error["data"]["message"] += f" ({echo})"
    return error


def _parse_body(raw: bytes) -> Any:
    """The request body as JSON, or None when it is not valid (strict) JSON."""
    def reject(constant: str) -> Any:
        raise ValueError(constant)  # NaN and Infinity would make the log invalid JSON

    try:
        return json.loads(raw, parse_constant=reject)
    except ValueError:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        return None


def _parse_event_id(raw: str | None) -> int | None:
    # Our ids are integers; another value cannot come from us, so it is treated as absent.
    try:
        return None if raw is None else int(raw.strip(), 10)
    except ValueError:
        return None


def _json(record: RequestRecord, status: int, payload: dict[str, Any],
          headers: dict[str, str] | None = None) -> Response:
    content = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    record.status = status
    record.wrote(len(content))
    record.completed = True
    return Response(content, status_code=status, headers=headers, media_type="application/json")


IMMUTABLE = "public, max-age=31536000, immutable"
"""Cache-Control of the content-hashed directories of dist: a new build never reuses a name."""
HASHED_DIRECTORY = re.compile(r"(?:pyodide|app)-[0-9a-f]{12}/")
"""The content-hashed directories at the top of dist (``pyodide-<hex>/``, ``app-<hex>/``)."""
# The types of the bundle's files, fixed here rather than taken from the system's tables (which
# differ between machines): browsers refuse to compile WebAssembly served as anything but
# application/wasm, and to import modules served as anything but JavaScript.
STATIC_TYPES = {
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".wasm": "application/wasm",
    ".zip": "application/zip",
    ".json": "application/json",
    ".bin": "application/octet-stream",
    ".gz": "application/gzip",
}
COMPRESSIBLE = (".js", ".mjs", ".wasm", ".zip", ".json", ".bin")
"""The suffixes that build.py precompresses: their ``<name>.gz`` sibling is sent to a client
that accepts gzip."""


def accepts_gzip(accept_encoding: str | None) -> bool:
    """Whether an ``Accept-Encoding`` header allows gzip: listed (or ``*``) with a q above 0.
    No header allows nothing but the file as it is."""
    allowed: bool | None = None
    for item in (accept_encoding or "").split(","):
        coding, *params = (part.strip() for part in item.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        coding = coding.lower()
        if coding in ("gzip", "x-gzip"):
            return quality > 0  # named: this decides, whatever `*` says
        if coding == "*":
            allowed = quality > 0
    return bool(allowed)


class _DevStaticFiles(StaticFiles):
    """Static files as a production server should send them (README, "Serving the bundle in
    production"), that may not exist yet (dist is built later).

    A request that accepts gzip gets a file's precompressed ``<name>.gz`` sibling, if there is one,
    with ``Content-Encoding: gzip`` and the file's own type; ``Vary: Accept-Encoding`` on every
    compressible file. With ``hashed``, files in a content-hashed directory are cached for a
    year (``immutable``); everything else is ``no-cache`` (revalidated by ETag, answered 304).
    """

    def __init__(self, *, directory: Path, html: bool = False, hashed: bool = False) -> None:
        super().__init__(directory=directory, html=html, check_dir=False)
        self.hashed = hashed

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await self._precompressed(path, scope)
        if response is None:
            response = await super().get_response(path, scope)  # 404 and 405 raise
        posix = path.replace(os.sep, "/")
        immutable = self.hashed and HASHED_DIRECTORY.match(posix) is not None
        response.headers["Cache-Control"] = IMMUTABLE if immutable else "no-cache"
        if posix.endswith(COMPRESSIBLE):
            response.headers["Vary"] = "Accept-Encoding"
        return response

    async def _precompressed(self, path: str, scope: Scope) -> Response | None:
        """The ``.gz`` sibling of ``path`` for a GET or HEAD that accepts gzip, else None."""
        if (scope["method"] not in ("GET", "HEAD") or not path.endswith(COMPRESSIBLE)
                or not accepts_gzip(Headers(scope=scope).get("accept-encoding"))):
            return None
        # Both through lookup_path, which keeps them inside the directory; the plain file must
        # exist too, so that no .gz is ever served for a name that has only the .gz.
        _, plain = await anyio.to_thread.run_sync(self.lookup_path, path)
        full_path, encoded = await anyio.to_thread.run_sync(self.lookup_path, path + ".gz")
        if not (plain and encoded and stat.S_ISREG(plain.st_mode) and stat.S_ISREG(encoded.st_mode)):
            return None
        return self._file(full_path, encoded, scope, media_type=_static_type(path),
                          headers={"Content-Encoding": "gzip"})

    def file_response(self, full_path: str | os.PathLike[str], stat_result: os.stat_result,
                      scope: Scope, status_code: int = 200) -> Response:
        return self._file(full_path, stat_result, scope, status_code=status_code,
                          media_type=_static_type(os.fspath(full_path)))

    def _file(self, full_path: str | os.PathLike[str], stat_result: os.stat_result, scope: Scope,
              *, status_code: int = 200, media_type: str | None,
              headers: dict[str, str] | None = None) -> Response:
        # StaticFiles.file_response with the type and headers given: the ETag and Content-Length
        # are those of the file actually sent, and a matching If-None-Match gets a 304.
        response = FileResponse(full_path, status_code=status_code, stat_result=stat_result,
                                media_type=media_type, headers=headers)
        if self.is_not_modified(response.headers, Headers(scope=scope)):
            return NotModifiedResponse(response.headers)
        return response

    async def check_config(self) -> None:
        # A missing directory answers 404 instead of failing the server with a RuntimeError.
        return None


def _static_type(path: str) -> str | None:
    """The Content-Type of a file by its name (None: let starlette guess)."""
    return STATIC_TYPES.get(os.path.splitext(path)[1].lower())


def create_app(web_root: Path | None = None) -> Starlette:
    """The mock backend as an ASGI app; with ``web_root``, it also serves ``dist`` and ``demo``."""
    uvicorn_errors = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _HideDeliberateDisconnects) for f in uvicorn_errors.filters):
        uvicorn_errors.addFilter(_HideDeliberateDisconnects())
    backend = MockBackend()
    routes: list[BaseRoute] = [
        Route("/api/health", backend.health, methods=["GET"]),
        Route("/api/chat", backend.chat, methods=["GET", "POST"]),
        Route("/api/mock/requests", backend.requests, methods=["GET", "DELETE"]),
        Route("/api/mock/stamps", backend.stamp_log, methods=["GET"]),
    ]
    if web_root is not None:
        routes += [
            Route("/", backend.to_demo, methods=["GET"]),
            Mount("/dist", app=_DevStaticFiles(directory=web_root / "dist", hashed=True)),
            Mount("/demo", app=_DevStaticFiles(directory=web_root / "demo", html=True)),
        ]
    # A page on another origin reads only the response headers listed here: Retry-After for the
    # backoff, and the header by which a Vercel AI SDK stream says what it is.
    cors = Middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["*"],
                      allow_headers=["*"],
                      expose_headers=["Retry-After", "x-vercel-ai-ui-message-stream"])
    app = Starlette(routes=routes, middleware=[cors])
    app.state.backend = backend
    return app


async def _serve(config: uvicorn.Config) -> None:
    """Run uvicorn, and announce the address once it accepts connections."""
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    while not server.started and not serving.done():
        await asyncio.sleep(0.02)
    if server.started:
        host, port = server.servers[0].sockets[0].getsockname()[:2]
        host = f"[{host}]" if ":" in host else host
        print(f"mock backend listening on http://{host}:{port}", flush=True)
    await serving


def main(argv: Sequence[str] | None = None) -> None:
    """The command line: parse the arguments and serve until interrupted."""
    parser = argparse.ArgumentParser(
        prog="python -m sse_client.testing.mock_backend",
        description="Serve the mock chat backend (POST /api/chat, configured by its query "
                    "string), the request log (/api/mock/requests) and, with --web-root, the "
                    "browser bundle (/dist/) and demo (/demo/).")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to bind (default: %(default)s)")
    parser.add_argument("--port", type=int, default=8000,
                        help="port to bind (default: %(default)s)")
    parser.add_argument("--web-root", type=Path, default=None,
                        help="directory holding dist/ and demo/ to serve (default: none)")
    parser.add_argument("--log-level", default="warning",
                        choices=["critical", "error", "warning", "info", "debug", "trace"],
                        help="uvicorn log level; info logs every request (default: %(default)s)")
    args = parser.parse_args(argv)
    # A short graceful shutdown: stalled test streams would otherwise hold Ctrl-C for a minute.
    config = uvicorn.Config(create_app(args.web_root), host=args.host, port=args.port,
                            log_level=args.log_level, timeout_graceful_shutdown=1)
    try:
        asyncio.run(_serve(config))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
