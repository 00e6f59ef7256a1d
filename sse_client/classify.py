"""Foreign failures mapped to `StreamError`, in one place.

Pure and table-driven. Every way the outside world can fail us ends up here:

    classify_status(status, body, retry_after=, attempt=)   an HTTP answer that is not 2xx
    classify_js_error(name, message, abort_reason=, attempt=)   a rejected fetch or body read
    classify_stream_error(code, message, attempt)          an error event inside a 200 stream
    classify_parse_error(reason, attempt)                   bytes that are not an event stream
    unreadable_stream_error(seen, attempt)                  frames in no dialect this client reads
    callback_error(name, cause), request_error(problem)     the page's own mistakes
    internal_error(cause)                                    a bug of ours: still a typed error
    error_fields(value)                                     (code, message) of any dialect's error object
    network_error(cause, attempt=)                          a connection that failed or was cut
    sentence(text)                                          text made a whole sentence for a user

Each answer has a message fit to show a user (never a stack trace), `retryable` set, the HTTP
`status` where there is one, the `attempt`, and a `cause` for developers. Nothing raises:
anything unrecognised falls into a documented default row, and tests enumerate the inputs to
prove it. Sans-I/O: imports neither asyncio nor js.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from types import MappingProxyType

from sse_client.errors import StreamError, StreamErrorType

_T = StreamErrorType

# What a user is told when each heartbeat deadline passes; fetches aborted with the reason
# "timeout:<name>" say the same (classify_js_error).
DEADLINE_MESSAGES: Mapping[str, str] = MappingProxyType(
    {
        "first_byte": "The server did not answer in time.",
        "idle": "The connection went silent.",
        "no_progress": "The server stopped sending the reply.",
        "total": "The reply took too long.",
    }
)

# Longest backend text carried into a message or cause: an HTML error page is not a message.
_MAX_DETAIL = 300


# ---------------------------------------------------------------------------------------------
# HTTP statuses (PROTOCOL.md, "Errors outside the stream")

# status -> (type, retryable, message). Statuses not listed fall into their class below.
_STATUS_TABLE: dict[int, tuple[StreamErrorType, bool, str]] = {
    401: (_T.AUTH, False, "You are not signed in, or your session has expired."),
    403: (_T.AUTH, False, "You are not allowed to use this chat."),
    404: (_T.CLIENT, False, "The chat service was not found at this address."),
    408: (_T.TIMEOUT, True, "The server timed out waiting for the request."),
    413: (_T.CLIENT, False, "The message is too large for the chat server."),
    429: (_T.RATE_LIMITED, True, "Too many requests: please wait a moment."),
    # 501 and 505: the server cannot do this at all, so asking again cannot help.
    501: (_T.SERVER, False, "The chat server does not support this request."),
    503: (_T.SERVER, True, "The chat server is busy or down for maintenance."),
    505: (_T.SERVER, False, "The chat server does not support this request."),
}
_CLIENT_DEFAULT = (_T.CLIENT, False, "The chat server refused the request.")
_SERVER_DEFAULT = (_T.SERVER, True, "The chat server had a problem.")
# 1xx, 2xx and 3xx reaching the error path (fetch follows redirects itself, and a 2xx is not an
# error): the server answered in a way this client cannot use, and will again.
_UNEXPECTED = (_T.SERVER, False, "The chat server gave an unexpected answer.")


def classify_status(
    status: int, body: bytes = b"", *, retry_after: float | None = None, attempt: int | None = None
) -> StreamError:
    """The error for an HTTP answer with `status`: 401/403 AUTH, 408 TIMEOUT, 429 RATE_LIMITED,
    other 4xx CLIENT (not retryable), 5xx SERVER (retryable, except 501 and 505), anything else
    SERVER (not retryable). The message carries the backend's own message when `body` is a
    JSON error (PROTOCOL.md's shape or OpenAI's), else the status: "The chat server had a
    problem (HTTP 502)."; `retry_after` is kept on the error."""
    kind, retryable, message = _status_row(status)
    detail = _backend_message(body)
    return StreamError(
        f"{message} The server said: {sentence(detail)}" if detail
        else f"{message.removesuffix('.')} (HTTP {status}).",
        type=kind,
        retryable=retryable,
        status=status,
        attempt=attempt,
        cause=_status_cause(status, body),
        retry_after=retry_after,
    )


def _status_row(status: int) -> tuple[StreamErrorType, bool, str]:
    if status in _STATUS_TABLE:
        return _STATUS_TABLE[status]
    if 400 <= status < 500:
        return _CLIENT_DEFAULT
    if 500 <= status < 600:
        return _SERVER_DEFAULT
    return _UNEXPECTED


def network_error(cause: BaseException | str, *, attempt: int | None = None) -> StreamError:
    """A connection that failed or was cut."""
    return StreamError(
        "The connection to the chat server failed.",
        type=_T.NETWORK,
        retryable=True,
        attempt=attempt,
        cause=cause,
    )


# ---------------------------------------------------------------------------------------------
# JavaScript errors (a rejected fetch() or body read), decided by name and message, not class:
# fetch rejects with a TypeError for every network failure, with a different message per browser.

# TypeError messages that mean "the network failed", compared lowercased, trimmed, without a
# final period. Collected from the engines (and sindresorhus/is-network-error).
_NETWORK_MESSAGES = frozenset(
    {
        "failed to fetch",  # Chrome, Edge, every Chromium WebView: the request failed
        "network error",  # Chrome: the body failed mid-stream
        "networkerror when attempting to fetch resource",  # Firefox
        "error in input stream",  # Firefox: the body failed mid-stream
        "load failed",  # Safari 17+
        "the network connection was lost",  # Safari: cut mid-stream
        "the internet connection appears to be offline",  # Safari 16
        "a server with the specified hostname could not be found",  # Safari: DNS
        "could not connect to the server",  # Safari
        "the request timed out",  # Safari
        "network request failed",  # cross-fetch, React Native
        "fetch failed",  # undici (Node), should the core ever run there
        "terminated",  # undici: the body failed mid-stream
    }
)
# Prefixes of the same: Chromium may add the host ("Failed to fetch (api.example.com)"), and
# embedders surface Chromium's net error codes ("net::ERR_CONNECTION_RESET").
_NETWORK_PREFIXES = ("failed to fetch (", "load failed (", "net::err_")

_CANCEL_REASON = "cancel"
_TIMEOUT_REASON = "timeout:"


def classify_js_error(
    name: str, message: str, *, abort_reason: str | None = None, attempt: int | None = None
) -> StreamError:
    """The error for a JavaScript exception with `name` and `message`.

    `abort_reason` is the reason this client gave its AbortController, if it aborted: it
    decides, whatever the exception says, because an abort surfaces differently per browser and
    stage ("cancel" -> CANCELLED; "timeout:<deadline>" -> TIMEOUT, retryable, cause the deadline).
    Otherwise: AbortError -> CANCELLED; TimeoutError -> TIMEOUT; TypeError with a browser's
    network message -> NETWORK; other TypeError (a request fetch refused to build) and
    SecurityError -> CLIENT; any other name -> NETWORK, retryable.
    """
    raw = _js_cause(name, message)
    if abort_reason is not None or name == "AbortError":
        return _aborted(abort_reason, raw, attempt)
    if name == "TimeoutError":  # AbortSignal.timeout() and friends
        return StreamError(
            "The request timed out.", type=_T.TIMEOUT, retryable=True, attempt=attempt, cause=raw
        )
    if name == "TypeError":
        if _is_network_message(message):
            return network_error(raw, attempt=attempt)
        return StreamError(
            "The chat request could not be sent.", type=_T.CLIENT, retryable=False, attempt=attempt, cause=raw
        )
    if name == "SecurityError":  # blocked by the page's security policy: retrying cannot help
        return StreamError(
            "The browser blocked the request to the chat server.",
            type=_T.CLIENT,
            retryable=False,
            attempt=attempt,
            cause=raw,
        )
    return network_error(raw, attempt=attempt)


def _aborted(reason: str | None, raw: str, attempt: int | None) -> StreamError:
    if reason is not None and reason.startswith(_TIMEOUT_REASON):
        deadline = reason[len(_TIMEOUT_REASON) :]
        return StreamError(
            DEADLINE_MESSAGES.get(deadline, "The request timed out."),
            type=_T.TIMEOUT,
            retryable=True,
            attempt=attempt,
            cause=deadline or raw,
        )
    # "cancel", no reason at all (an AbortError nobody here asked for), or a reason we do not
    # know: the request was stopped on purpose, so retrying would go against the caller.
    return StreamError(
        "The chat was cancelled.",
        type=_T.CANCELLED,
        retryable=False,
        attempt=attempt,
        cause=reason if reason else raw,
    )


def _is_network_message(message: str) -> bool:
    text = message.strip().lower()
    return text.removesuffix(".") in _NETWORK_MESSAGES or text.startswith(_NETWORK_PREFIXES)


def _js_cause(name: str, message: str) -> str:
    text = f"{name}: {message}" if name and message else name or message
    return _clip(text) or "unknown JavaScript error"


# ---------------------------------------------------------------------------------------------
# Errors reported inside a 200 stream (or in a JSON answer): the provider's own code or type.
# Compared case-insensitively; one provider per line where they differ.

_STREAM_CODES: dict[str, StreamErrorType] = {
    # rate limits
    **dict.fromkeys(("rate_limit", "rate_limited", "rate_limit_exceeded"), _T.RATE_LIMITED),  # ours, OpenAI
    "rate_limit_error": _T.RATE_LIMITED,  # Anthropic
    "resource_exhausted": _T.RATE_LIMITED,  # Gemini (gRPC status names)
    # authentication and permission
    **dict.fromkeys(("auth", "unauthorized", "invalid_api_key"), _T.AUTH),  # ours, OpenAI
    **dict.fromkeys(("authentication_error", "permission_error"), _T.AUTH),  # Anthropic, OpenAI
    **dict.fromkeys(("unauthenticated", "permission_denied"), _T.AUTH),  # Gemini
    # requests the server will refuse again: not retried
    **dict.fromkeys(("invalid_request_error", "bad_request", "context_length_exceeded"), _T.CLIENT),
    **dict.fromkeys(("insufficient_quota", "billing_error"), _T.CLIENT),  # OpenAI, Anthropic
    **dict.fromkeys(("not_found_error", "request_too_large"), _T.CLIENT),  # Anthropic
    **dict.fromkeys(("invalid_argument", "failed_precondition", "not_found"), _T.CLIENT),  # Gemini
    "prompt_blocked": _T.CLIENT,  # Gemini: promptFeedback.blockReason
    **dict.fromkeys(("content_filter", "content_policy_violation"), _T.CLIENT),  # Azure, OpenAI
    # OpenAI Responses: a prompt or an image it refuses (ResponseError codes)
    **dict.fromkeys(("invalid_prompt", "bio_policy", "invalid_image", "invalid_image_format",
                     "invalid_base64_image", "invalid_image_url", "image_too_large",
                     "image_too_small", "image_parse_error", "image_content_policy_violation",
                     "invalid_image_mode", "image_file_too_large", "unsupported_image_media_type",
                     "empty_image_file", "failed_to_download_image", "image_file_not_found"),
                    _T.CLIENT),
    "validation": _T.CLIENT,  # Hugging Face TGI
    # deadlines
    **dict.fromkeys(("timeout", "deadline_exceeded"), _T.TIMEOUT),  # ours, Gemini
    "timeout_error": _T.TIMEOUT,  # Anthropic (its 504)
    # overloaded, internal: the SERVER default (retried), listed so that the table is complete
    **dict.fromkeys(("overloaded_error", "api_error"), _T.SERVER),  # Anthropic
    **dict.fromkeys(("overloaded", "generation", "incomplete_generation"), _T.SERVER),  # TGI
    **dict.fromkeys(("unavailable", "internal"), _T.SERVER),  # Gemini
    "server_error": _T.SERVER,  # OpenAI, llama.cpp
}
_STREAM_RETRYABLE = {_T.RATE_LIMITED: True, _T.AUTH: False, _T.CLIENT: False, _T.TIMEOUT: True, _T.SERVER: True}
_STREAM_MESSAGES = {
    _T.RATE_LIMITED: "Too many requests: please wait a moment.",
    _T.AUTH: "You are not allowed to use this chat, or your session has expired.",
    _T.CLIENT: "The chat server could not handle this request.",
    _T.TIMEOUT: "The chat server timed out.",
    _T.SERVER: "The chat server reported an error.",
}


def classify_stream_error(code: str, message: str, attempt: int | None = None) -> StreamError:
    """The error for an error the backend reported inside a 200 stream, by the provider's code
    (the table above): rate limits -> RATE_LIMITED, authentication and permission -> AUTH, bad
    requests -> CLIENT (neither retried), deadlines -> TIMEOUT, anything else -> SERVER
    (retried). A code that is an HTTP status (LangServe's `status_code`, Gemini's numeric code,
    "429") is read as that status would be. The message is the backend's own when it sent one
    (made a sentence: "Overloaded" is "Overloaded.")."""
    code_text = str(code).strip()
    if code_text.isascii() and code_text.isdigit() and len(code_text) == 3 and 100 <= int(code_text) <= 599:
        kind, retryable, default = _status_row(int(code_text))
    else:
        kind = _STREAM_CODES.get(code_text.lower(), _T.SERVER)
        retryable, default = _STREAM_RETRYABLE[kind], _STREAM_MESSAGES[kind]
    detail = sentence(_clip(str(message).strip()))
    return StreamError(
        detail or default,
        type=kind,
        retryable=retryable,
        attempt=attempt,
        cause=f"error event {_clip(code_text) or '(no code)'}",
    )


def error_fields(value: object) -> tuple[str, str] | None:
    """(code, message) of an error object in any dialect's shape, or None when `value` is not
    an error object. The shapes, one provider per line:

        {"type": "error", "data": {"code", "message"}}          the standard format
        {"error": {"status" or "code" or "type", "message"}}    OpenAI, Anthropic (inside
                                                                {"type": "error"}), Gemini,
                                                                llama.cpp, Azure
        {"error": "text", "error_type": "..."}                  Hugging Face TGI
        {"type": "error", "code", "message"}                    OpenAI Responses
        {"type": "error", "errorText": "..."}                   Vercel AI SDK
        {"status_code": 500, "message": "..."}                  LangServe
        {"detail": "..."}                                       FastAPI (LangServe's HTTP errors)
    """
    if not isinstance(value, dict):
        return None
    data = value.get("data")
    if value.get("type") == "error" and isinstance(data, dict):
        return _field(data.get("code"), "ERROR"), _field(data.get("message"))
    inner = value.get("error")
    if isinstance(inner, dict):
        # The most specific name first: Gemini's "status" (RESOURCE_EXHAUSTED) says more than
        # its numeric "code" (429), OpenAI's "code" (rate_limit_exceeded) more than its "type".
        code = inner.get("status") or inner.get("code") or inner.get("type")
        return _field(code, "ERROR"), _field(inner.get("message"))
    if isinstance(inner, str):
        return _field(value.get("error_type"), "ERROR"), inner
    if value.get("type") == "error":
        if "errorText" in value:
            return "ERROR", _field(value.get("errorText"))
        return _field(value.get("code"), "ERROR"), _field(value.get("message"))
    if "status_code" in value and "message" in value:
        return _field(value.get("status_code"), "ERROR"), _field(value.get("message"))
    if isinstance(value.get("detail"), str) and len(value) == 1:
        return "ERROR", value["detail"]
    return None


def _field(value: object, default: str = "") -> str:
    return default if value is None or value == "" else str(value)


def classify_parse_error(reason: str, attempt: int | None = None) -> StreamError:
    """The error for bytes that are not a usable event stream (an oversized event, a bad
    frame): PARSE, not retryable, since the same server would send the same bytes again."""
    return StreamError(
        "The chat server sent a reply that could not be read.",
        type=_T.PARSE,
        retryable=False,
        attempt=attempt,
        cause=_clip(reason) or "unreadable stream",
    )


def deadline_error(which: str, *, attempt: int | None = None) -> StreamError:
    """The TIMEOUT error for heartbeat deadline `which`; retryable, with the deadline as its
    cause."""
    if which not in DEADLINE_MESSAGES:
        raise ValueError(f"unknown deadline {which!r}; known: {', '.join(DEADLINE_MESSAGES)}")
    return StreamError(DEADLINE_MESSAGES[which], type=_T.TIMEOUT, retryable=True, attempt=attempt, cause=which)


def cancelled_error(*, attempt: int | None = None) -> StreamError:
    """The error of a chat the caller cancelled: CANCELLED, not retried."""
    return StreamError("The chat was cancelled.", type=_T.CANCELLED, retryable=False, attempt=attempt)


def option_error(problem: str) -> StreamError:
    """The error for an option `configure()` cannot take: CLIENT, saying which and why."""
    return StreamError(problem, type=_T.CLIENT, retryable=False)


def token_error(cause: BaseException) -> StreamError:
    """The error for a token provider (`getToken`) that failed: AUTH, not retried (without a
    token the request cannot succeed)."""
    return StreamError("Could not get a sign-in token.", type=_T.AUTH, retryable=False, cause=cause)


def not_an_event_stream_error(content_type: str | None, status: int) -> StreamError:
    """The error for a streaming answer that is not an event stream: PARSE, not retried."""
    return StreamError(
        f"The server answered with {content_type or 'no content type'}, not an event stream.",
        type=_T.PARSE, retryable=False, status=status,
    )


def no_reply_error() -> StreamError:
    """The error for a non-streaming answer that holds no reply in any dialect: PARSE."""
    return StreamError("The server's answer holds no reply.", type=_T.PARSE, retryable=False)


def different_reply_error() -> StreamError:
    """A stream without ids, started again after a cut, did not resend the text shown: SERVER,
    not retried (what was shown is all there is of the reply)."""
    return StreamError(
        "The connection was cut, and the server, which cannot resume a reply, sent a "
        "different one; the text shown so far is all of the reply.",
        type=_T.SERVER,
        retryable=False,
    )


def exhausted_error(causes: list[StreamError]) -> StreamError:
    """Every way to the reply failed: MAX_RETRIES_EXCEEDED with each attempt's error, or the one
    error itself when there was a single attempt."""
    last = causes[-1]
    if len(causes) == 1:
        return last
    return StreamError(
        f"The reply could not be completed after {len(causes)} attempts. {sentence(last.message)}",
        type=_T.MAX_RETRIES_EXCEEDED,
        retryable=False,
        status=last.status,
        attempt=len(causes),
        cause=last,
        causes=list(causes),
    )


def callback_error(name: str, cause: BaseException, *, attempt: int | None = None) -> StreamError:
    """The error for a callback of the page's (`onChunk`, `onStatus`) that threw: CLIENT, not
    retried; the chat ends with it rather than going on behind a broken page."""
    return StreamError(
        sentence(f"The page's {name} callback threw an error, so the chat was stopped: {_clip(str(cause))}"),
        type=_T.CLIENT,
        retryable=False,
        attempt=attempt,
        cause=cause,
    )


def request_error(problem: str) -> StreamError:
    """The error for a chat request that cannot be sent: CLIENT, not retried; `problem` says
    what to write instead."""
    return StreamError(f"The chat request cannot be sent: {problem}", type=_T.CLIENT, retryable=False)


def internal_error(cause: BaseException) -> StreamError:
    """The error for a failure this library did not foresee (a bug): the chat still ends, with
    an error that says so, never a hang and never a raw exception."""
    return StreamError(
        "The chat failed because of an error inside sse_client.",
        type=_T.CLIENT,
        retryable=False,
        cause=f"{type(cause).__name__}: {_clip(str(cause))}",
    )


def unreadable_stream_error(seen: str, attempt: int | None = None) -> StreamError:
    """The error for a stream whose frames match no dialect this client reads (`seen` says
    what they looked like): PARSE, not retryable. Never an empty success, never JSON shown as
    text."""
    return StreamError(
        f"The chat server's stream is in no format this client can read (it sent {_clip(seen)}).",
        type=_T.PARSE,
        retryable=False,
        attempt=attempt,
        cause=_clip(seen) or "unreadable stream",
    )


# ---------------------------------------------------------------------------------------------
# Helpers


def _backend_message(body: bytes) -> str:
    """The message of a JSON error body in any dialect's shape (`error_fields`); "" for any
    other body."""
    try:
        obj = json.loads(body)
    except (ValueError, TypeError, RecursionError):  # RecursionError: "[[[[..." nested too deep
        return ""
    fields = error_fields(obj)
    return _clip(fields[1].strip()) if fields is not None else ""


def _status_cause(status: int, body: bytes) -> str:
    text = _clip(body.decode("utf-8", errors="replace").strip()) if body else ""
    return f"HTTP {status}: {text}" if text else f"HTTP {status}"


# What ends a sentence, and what may close one after it ('He said "no."', "(HTTP 502).").
_SENTENCE_ENDS = (".", "!", "?", "…")
_CLOSERS = "\"')]”’"


def sentence(text: str) -> str:
    """`text` as a whole sentence, to show a user as it is or after another one: a backend's
    "rate limited" is "Rate limited.", so that "... Reconnecting" never runs on from it. Text
    that ends a sentence already is kept as it is; "" stays "".
    """
    text = text.strip()
    if not text:
        return ""
    if text[0].isascii() and text[0].islower():
        text = text[0].upper() + text[1:]
    if not text.rstrip(_CLOSERS).endswith(_SENTENCE_ENDS):
        text += "."
    return text


def _clip(text: str) -> str:
    return text if len(text) <= _MAX_DETAIL else text[: _MAX_DETAIL - 1] + "…"
