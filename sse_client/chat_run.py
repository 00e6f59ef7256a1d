"""`ChatRun`: one chat, start to end. The one loop that owns reconnection, resume and fallback.

    attempt 1 ──cut / 5xx / timeout──► wait (backoff, jitter) ──► attempt 2 with Last-Event-ID ...
        │                                                            │
        └──────── retries used up, or circuit open ──► fallback: POST "stream": false

Exactly once: the parser (last event id, `retry`), the payload normaliser (format, stutter
state) and the `ReplyAssembler` (what was delivered) live for the whole chat, not for one
connection. A reconnect sends `Last-Event-ID` and the chat's `Idempotency-Key`; whatever the
backend resends, the assembler delivers only text the user has not seen.

A first 401 of the chat is no attempt of its own: the token provider is asked once with
`forceRefresh` and the same request sent again at once, within the attempt (`TokenRefresh`); a
second 401 is the AUTH error it always was.

Each attempt runs beside a watchdog that enforces the heartbeat deadlines; a deadline that passes
cancels the attempt (which aborts its fetch) and becomes a retryable TIMEOUT.

The page's lifecycle reaches the chat through `Connectivity` (see `connectivity.py`): going
offline ends the attempt at once, and a NETWORK failure while offline waits for `online` instead
of the backoff delay; a stream silent after the page was frozen and resumed is given up for dead
after a short grace, not after the idle deadline. Either way the reconnect resumes with
`Last-Event-ID`.

The body is pushed, not pulled: `_deliver` runs for each piece as it arrives (see
`HttpResponse.pump`), so the user's text never waits for a turn of the event loop; asyncio runs
the attempts, the watchdog and the backoff.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Awaitable, Callable, Mapping
from functools import partial
from typing import Any

from sse_client.assembler import ReplyAssembler
from sse_client.auth import TokenRefresh, authorization, send_authorized
from sse_client.backoff import GiveUp, parse_retry_after
from sse_client.circuit import CircuitBreaker
from sse_client.classify import (
    classify_status,
    classify_stream_error,
    deadline_error,
    different_reply_error,
    exhausted_error,
    network_error,
    no_reply_error,
    request_error,
)
from sse_client.config import ClientConfig
from sse_client.connectivity import Connectivity, network_wait_limit, waits_for_network
from sse_client.errors import StreamError, StreamErrorType
from sse_client.formats import (
    ChatEvent,
    Chunk,
    Complete,
    ErrorReport,
    Malformed,
    PayloadNormalizer,
    Status,
    answer_text,
)
from sse_client.heartbeat import HeartbeatMonitor
from sse_client.lifecycle import StatusLifecycle
from sse_client.parser import EventStreamParser
from sse_client.reader import SSEStreamReader
from sse_client.redaction import Secrets
from sse_client.transport import HttpRequest, HttpResponse, Transport, media_type

ChunkCallback = Callable[[str], object]

_GIVE_UP_MESSAGES = {
    "retries_used_up": "The stream could not be completed.",
    "circuit_open": "Streaming has been failing; skipping it for a while.",
}
Sleep = Callable[[float], Awaitable[None]]
# Why a chat does not stream at all (`ClientConfig.streams` is false), by `streaming` mode.
_NOT_STREAMING = {
    "never": "Streaming is switched off.",
    "auto": "Streaming is not rolled out to this browser.",
}

_JSON = "application/json"


class ChatRun:
    """Runs one chat request to its end; use once."""

    def __init__(
        self,
        *,
        transport: Transport,
        config: ClientConfig,
        breaker: CircuitBreaker,
        request: Mapping[str, Any],
        on_chunk: ChunkCallback,
        lifecycle: StatusLifecycle,
        sleep: Sleep = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        collect_text: bool = True,
        secrets: Secrets | None = None,
        connectivity: Connectivity | None = None,
    ) -> None:
        self.transport = transport
        # The page's network state and lifecycle events (offline, online, freeze, resume).
        self.connectivity = connectivity if connectivity is not None else Connectivity()
        self._watching: tuple[HeartbeatMonitor, asyncio.Event] | None = None  # the current attempt's
        self._network_changed: asyncio.Event | None = None  # set by page events while waiting for the network
        self.collect_text = collect_text
        self.config = config
        self.breaker = breaker
        self.request = request
        self._body = _encode(request)  # raises now (CLIENT) if the request cannot be sent
        self.secrets = secrets if secrets is not None else Secrets()
        self.on_chunk = on_chunk
        self.lifecycle = lifecycle
        self.metrics = lifecycle.metrics  # fed from the hooks below: bytes, events, onChunk calls
        self.sleep = sleep
        self.clock = clock
        self.wall_clock = wall_clock  # Retry-After dates are wall-clock times
        # 128 random bits, as uuid4 has; the uuid module costs ~25 ms of start-up under Pyodide.
        self.idempotency_key = os.urandom(16).hex()
        self.parser = EventStreamParser(max_event_bytes=config.max_event_bytes, named_without_data=True)
        self.normalizer = PayloadNormalizer(config.format)
        self.assembler = ReplyAssembler()
        self.attempt = 0
        self.causes: list[StreamError] = []  # the failed attempts, for the final error
        self._completed = False  # the whole reply was delivered
        self._progress_since: float | None = None  # when the current attempt first made progress
        # One forced token refresh per chat: a second 401, on any attempt, is AUTH.
        self.token_refresh = TokenRefresh(config.get_token)

    async def run(self) -> str:
        """Deliver the reply through `on_chunk` and return it whole. Raises `StreamError`."""
        unsubscribe = self.connectivity.subscribe(self._on_page_event)
        try:
            return await self._run()
        finally:
            unsubscribe()

    async def _run(self) -> str:
        if not self.config.streams:
            return await self._fallback(_NOT_STREAMING[self.config.streaming])
        if self.config.fallback and not self.breaker.allow_streaming(self.clock()):
            return await self._fallback("Streaming has been failing; skipping it for a while.")
        self.lifecycle.connecting()
        retries_used = 0
        policy = self.config.backoff
        while True:
            self.attempt += 1
            self._progress_since = None
            try:
                await self._attempt_with_deadlines()
            except StreamError as error:
                if error.type is StreamErrorType.CANCELLED:
                    raise
                error.attempt = self.attempt
                now = self.clock()
                decision = policy.next(
                    error,
                    retries_used=retries_used,
                    healthy_for=0.0 if self._progress_since is None else now - self._progress_since,
                    random=self.config.random,
                    stream_retry_ms=self.parser.retry,
                    circuit_allows=partial(self._circuit_allows, now),
                )
                if isinstance(decision, GiveUp):
                    if decision.reason == "not_retryable":
                        raise
                    self.causes.append(error)
                    if decision.reason == "retries_used_up":
                        # Streaming could not recover this chat: the one failure the circuit
                        # breaker counts (a stream cut after a healthy stretch, then resumed,
                        # is no failure of streaming).
                        self.breaker.record_failure(now)
                    if not self.config.fallback:
                        raise self._exhausted() from error
                    return await self._fallback(_GIVE_UP_MESSAGES[decision.reason], error)
                self.causes.append(error)
                retries_used, delay = decision.retries_used, decision.delay
                # Offline, a network failure waits for the network, not for the clock.
                for_network = waits_for_network(error, online=self.connectivity.online)
                if for_network:
                    delay = 0.0
                self.lifecycle.reconnecting(attempt=self.attempt + 1, delay=delay, cause=error,
                                            retry=retries_used, max_retries=policy.max_retries)
                if not for_network:
                    await self.sleep(delay)
                await self._until_online()
                # Whatever the backend resends from here up to the last id seen is a replay.
                if not self.parser.last_event_id:
                    self.normalizer.restart()  # nothing to resume from: the stream starts again
                self.assembler.resume_after(self.parser.last_event_id,
                                            restarts_text=not self.normalizer.stuttering)
                continue
            self.breaker.record_success()
            return self._result()

    def _circuit_allows(self, now: float) -> bool:
        """Whether the circuit breaker lets this chat stream on (it always may without a
        fallback to go to)."""
        return not self.config.fallback or self.breaker.allow_streaming(now)

    async def _attempt_with_deadlines(self) -> None:
        """One attempt, cancelled by the watchdog if a heartbeat deadline passes first."""
        monitor = HeartbeatMonitor(self.config.deadlines, self.clock())
        rearmed = asyncio.Event()
        attempt = asyncio.ensure_future(self._attempt(monitor, rearmed))
        watchdog = asyncio.ensure_future(self._watch(monitor, rearmed))
        self._watching = (monitor, rearmed)
        try:
            done, _ = await asyncio.wait({attempt, watchdog}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            self._watching = None
            # Also on the caller's cancel: stopping the attempt closes its response, which
            # aborts the fetch, and no timer outlives the chat.
            attempt.cancel()
            watchdog.cancel()
            await asyncio.gather(attempt, watchdog, return_exceptions=True)
        if attempt in done:
            attempt.result()  # raises the attempt's StreamError, if any
            return
        if self._completed:
            # The reply was complete before the deadline passed; the attempt's task had only
            # not woken to return yet. Reconnecting would ask for it again.
            return
        raise monitor.timeout_error(watchdog.result(), attempt=self.attempt)

    def _on_page_event(self, event: str) -> None:
        """A page event (see `Connectivity`): the current attempt's monitor decides what it
        means; the watchdog re-checks at once when the connection may be dead sooner."""
        if self._network_changed is not None:
            self._network_changed.set()  # a wait for the network looks again
        if self._watching is None:
            return  # between attempts: the next one starts with a new monitor
        monitor, rearmed = self._watching
        if event == "offline":
            monitor.on_offline()
        elif event == "freeze":
            monitor.on_freeze(self.clock())
            return
        elif event != "resume" or not monitor.on_resume(self.clock()):
            return
        rearmed.set()

    async def _until_online(self) -> None:
        """While the page is offline, wait until it is online again, but at most
        `network_wait_limit` seconds: then the next attempt goes anyway (and fails or not, as
        the network has it), so that a chat still settles if the network never comes back."""
        if self.connectivity.online:
            return
        limit = network_wait_limit(self.config.deadlines)
        deadline = None if limit is None else self.clock() + limit
        changed = self._network_changed = asyncio.Event()
        try:
            while not self.connectivity.online:
                changed.clear()
                left = None if deadline is None else deadline - self.clock()
                if left is not None and left <= 0:
                    return
                try:
                    await asyncio.wait_for(changed.wait(), left)
                except TimeoutError:
                    return
        finally:
            self._network_changed = None

    async def _watch(self, monitor: HeartbeatMonitor, rearmed: asyncio.Event) -> str:
        """Sleep until the earliest deadline, or until `rearmed` says the deadlines moved
        forward (the first byte arms idle and no-progress deadlines that may pass before the
        first-byte one would have); return the deadline's name once one has passed."""
        while True:
            which = monitor.expired(self.clock())
            if which is not None:
                monitor.timed_out = which  # from now on the attempt delivers nothing (_deliver)
                return which
            due = monitor.next_deadline()
            rearmed.clear()
            try:
                # Nothing armed: wait until cancelled (or re-armed).
                await asyncio.wait_for(rearmed.wait(), None if due is None else max(0.0, due - self.clock()))
            except TimeoutError:
                pass

    async def _attempt(self, monitor: HeartbeatMonitor, rearmed: asyncio.Event) -> None:
        """One connection: send the request and deliver the reply until it completes."""
        response = await self._send(stream=True)
        reader: SSEStreamReader | None = None
        try:
            await self._check_status(response)
            if media_type(response) == _JSON:
                # A backend without streaming answered with the whole reply: that is the fallback.
                self.lifecycle.fallback(reason="The server answered without streaming.")
                self._finish_with(await self._final_response(response))
                return
            clock, metrics = self.clock, self.metrics

            def on_bytes(size: int) -> None:
                metrics.on_bytes(size)
                if monitor.on_bytes(clock()):
                    rearmed.set()  # the first byte: the watchdog's next deadline may be sooner

            reader = SSEStreamReader(response, parser=self.parser, normalizer=self.normalizer,
                                     on_bytes=on_bytes)
            self.lifecycle.streaming()
            # Replays are dropped by each event's id: no merged chunks until they are past.
            reader.merge_text = not self.assembler.replaying
            completed = await reader.pump(
                lambda batch: self._deliver(batch, monitor, reader),
                # Once the watchdog gave up on this attempt, the body's read loop (in JS) may
                # still hand over pieces until the attempt's task is cancelled: none of them is
                # even parsed, or the chat's parser would move past text nobody was shown.
                go_on=lambda: monitor.timed_out is None,
            )
            if completed:
                return
            if monitor.timed_out is not None:
                raise monitor.timeout_error(monitor.timed_out, attempt=self.attempt)
            unreadable = self.normalizer.unreadable()
            if unreadable is not None:
                raise unreadable
            if self.normalizer.has_end_marker:
                raise network_error("the stream ended before the reply was complete")
            if self.assembler.replaying_text:
                raise different_reply_error()
        finally:
            if reader is not None:
                self.metrics.on_events(reader.events_received)
                self.metrics.stutter_corrections = self.normalizer.stutter_corrections
            await response.aclose()

    def _deliver(self, batch: list[ChatEvent], monitor: HeartbeatMonitor, reader: SSEStreamReader) -> bool:
        """Hand the events of one piece of the body to the user; False once the reply is
        complete. Runs as the piece arrives (see `SSEStreamReader.pump`)."""
        assembler, lifecycle = self.assembler, self.lifecycle
        pending: list[str] = []  # new text of this piece of the body, for one onChunk call
        progressed = False
        for event in batch:
            kind = type(event)
            if kind is Malformed:
                self._flush(pending)
                lifecycle.skipped(event.reason)  # type: ignore[union-attr]
                continue
            if not progressed:
                progressed = True
                now = self.clock()
                monitor.on_progress(now)
                if self._progress_since is None:
                    self._progress_since = now
            if kind is Chunk:
                text = assembler.accept(event)  # type: ignore[arg-type]
                if text:
                    pending.append(text)
                elif assembler.diverged:
                    self._flush(pending)
                    raise different_reply_error()
                continue
            self._flush(pending)  # the text before a status, an end or an error comes first
            if isinstance(event, Status):
                lifecycle.backend_status(event.message, event.progress)
            elif isinstance(event, Complete):
                if assembler.replaying_text:
                    raise different_reply_error()  # it ended before it had resent the text shown
                self._finish_with(event.final_response)
                return False
            elif isinstance(event, ErrorReport):
                raise classify_stream_error(event.code, event.message, attempt=self.attempt)
        self._flush(pending)
        if self.normalizer.finished:
            # The dialect's last frame carried text and the end together (Gemini's
            # finishReason): the reply is complete, whether or not the server closes now.
            if assembler.replaying_text:
                raise different_reply_error()
            self._finish_with(None)
            return False
        reader.merge_text = not assembler.replaying  # read as the next piece is decoded
        return True

    async def _fallback(self, reason: str, cause: StreamError | None = None) -> str:
        """POST the request with `"stream": false` and deliver what the stream had not.

        Bounded by the no-progress deadline, so that a stalled fallback cannot hang the chat."""
        self.lifecycle.fallback(reason=reason, cause=cause)
        timeout = self.config.deadlines.no_progress
        try:
            await asyncio.wait_for(self._fallback_request(), timeout)
        except TimeoutError:
            error = deadline_error("no_progress")
        except StreamError as caught:
            if caught.type is StreamErrorType.CANCELLED:
                raise
            error = caught
        else:
            return self._result()
        error.attempt = self.attempt + 1
        if not self.causes:
            raise error  # streaming was not tried: the fallback's own error is the whole story
        self.causes.append(error)
        raise self._exhausted()

    async def _fallback_request(self) -> None:
        response = await self._send(stream=False)
        try:
            await self._check_status(response)
            self._finish_with(await self._final_response(response))
        finally:
            await response.aclose()

    async def _final_response(self, response: HttpResponse) -> str:
        """The whole reply in a non-streaming answer, in any dialect's shape (or the forced
        one's). An error object in the answer is classified as an in-stream error would be."""
        body = await response.read()
        self.metrics.on_bytes(len(body))
        answer = answer_text(body, self.config.format)
        if isinstance(answer, ErrorReport):
            raise classify_stream_error(answer.code, answer.message, attempt=self.attempt)
        if answer is None:
            raise no_reply_error()
        return answer

    def _exhausted(self) -> StreamError:
        return exhausted_error(self.causes)

    async def _check_status(self, response: HttpResponse) -> None:
        if not 200 <= response.status < 300:
            retry_after = parse_retry_after(response.header("retry-after"), self.wall_clock())
            body = await response.read()
            raise classify_status(response.status, body, retry_after=retry_after, attempt=self.attempt)

    def _finish_with(self, final_response: str | None) -> None:
        """The reply is complete: deliver what `final_response` adds to what was shown."""
        self._completed = True
        tail = self.assembler.complete(final_response)
        if final_response is not None and not self.assembler.matches(final_response):
            self.lifecycle.warning("The server's final text differs from what was streamed; keeping what was shown.")
        self._flush([tail] if tail else [])

    def _result(self) -> str:
        """The whole reply, unless the caller keeps the pieces itself (see `collect_text`)."""
        return self.assembler.text if self.collect_text else ""

    def _flush(self, pending: list[str]) -> None:
        """Deliver the text gathered from one piece of the body in one `on_chunk` call: text
        that arrived together is shown together, and the JS boundary is crossed once."""
        if pending:
            self.metrics.on_chunk()
            self.on_chunk(pending[0] if len(pending) == 1 else "".join(pending))
            pending.clear()

    async def _send(self, *, stream: bool) -> HttpResponse:
        """Send the chat's request; a first 401 of the chat is sent again at once with a
        refreshed token (see `TokenRefresh`), within the same attempt."""
        return await send_authorized(
            self.transport,
            lambda force_refresh: self._http_request(stream=stream, force_refresh=force_refresh),
            self.token_refresh,
        )

    async def _http_request(self, *, stream: bool, force_refresh: bool = False) -> HttpRequest:
        credentials = await authorization(self.config.get_token, force_refresh=force_refresh)
        self.secrets.add_headers(credentials)  # a refreshed token is a secret too
        headers = {
            "Content-Type": _JSON,
            "Accept": "text/event-stream" if stream else _JSON,
            # The same key on every attempt and the fallback: one logical request.
            "Idempotency-Key": self.idempotency_key,
            **self.config.headers,
            **credentials,
        }
        if stream and self.parser.last_event_id:
            headers["Last-Event-ID"] = self.parser.last_event_id
        # The request as encoded once, with "stream" last: {**request, "stream": ...} as JSON.
        body = self._body + (b", " if len(self._body) > 1 else b"") + (
            b'"stream": true}' if stream else b'"stream": false}')
        return HttpRequest(url=self.config.endpoint, method="POST", headers=headers, body=body)


def _encode(request: Mapping[str, Any]) -> bytes:
    """`request` as JSON without its closing brace (the `"stream"` member goes after); a
    request JSON cannot carry is a CLIENT error that says what to send instead."""
    if not isinstance(request, Mapping):
        raise request_error(f"it must be an object (a plain {{...}}), not {type(request).__name__}.")
    fields = {key: value for key, value in request.items() if key != "stream"}
    try:
        text = json.dumps(fields, allow_nan=False)
    except (TypeError, ValueError, RecursionError) as exc:
        raise request_error(
            f"it holds a value JSON cannot carry ({_refused(exc)}). Send plain objects, arrays, "
            "strings, finite numbers, booleans and null: turn a Date into a string with "
            "toISOString(), and leave out functions and objects that refer to themselves.") from None
    return text[:-1].encode()  # "{...": the caller appends "stream" and the brace


def _refused(exc: BaseException) -> str:
    """What `json.dumps` refused, in a user's words rather than its exception's."""
    if isinstance(exc, RecursionError):
        return "objects nested too deep"
    if isinstance(exc, ValueError):
        return "an object that refers to itself" if "ircular" in str(exc) else "a number that is NaN or infinite"
    return "a value that is not plain data, such as a Date or a function"
