"""classify: every foreign failure becomes a StreamError, and nothing is left unmapped."""

from __future__ import annotations

import json
from itertools import product

import pytest

from sse_client.classify import (
    callback_error,
    cancelled_error,
    classify_js_error,
    classify_parse_error,
    classify_status,
    classify_stream_error,
    deadline_error,
    different_reply_error,
    error_fields,
    exhausted_error,
    internal_error,
    network_error,
    no_reply_error,
    not_an_event_stream_error,
    option_error,
    request_error,
    sentence,
    token_error,
    unreadable_stream_error,
)
from sse_client.errors import StreamError, StreamErrorType

T = StreamErrorType


def assert_well_formed(error: StreamError) -> None:
    """What every classified error must carry."""
    assert isinstance(error, StreamError)
    assert isinstance(error.type, StreamErrorType)
    assert isinstance(error.message, str) and error.message.strip()
    assert "Traceback" not in error.message and "\n    at " not in error.message
    assert isinstance(error.retryable, bool)
    assert error.cause is not None and str(error.cause)


# --- classify_status ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "kind", "retryable"),
    [
        (401, T.AUTH, False),
        (403, T.AUTH, False),
        (408, T.TIMEOUT, True),
        (429, T.RATE_LIMITED, True),
        (400, T.CLIENT, False),
        (404, T.CLIENT, False),
        (405, T.CLIENT, False),
        (413, T.CLIENT, False),
        (422, T.CLIENT, False),
        (499, T.CLIENT, False),
        (500, T.SERVER, True),
        (501, T.SERVER, False),  # Not Implemented: asking again cannot help
        (502, T.SERVER, True),
        (503, T.SERVER, True),
        (504, T.SERVER, True),
        (505, T.SERVER, False),  # HTTP Version Not Supported
        (599, T.SERVER, True),
        (100, T.SERVER, False),  # 1xx/2xx/3xx on the error path: unexpected
        (200, T.SERVER, False),
        (204, T.SERVER, False),
        (302, T.SERVER, False),
        (0, T.SERVER, False),  # fetch's opaque redirect
    ],
)
def test_status_table(status: int, kind: StreamErrorType, retryable: bool) -> None:
    error = classify_status(status, attempt=3)
    assert (error.type, error.retryable, error.status, error.attempt) == (kind, retryable, status, 3)
    assert error.message.endswith(f" (HTTP {status}).")  # one sentence, the status inside it
    assert error.cause == f"HTTP {status}"
    assert_well_formed(error)


def test_status_keeps_the_two_argument_form_other_code_uses() -> None:
    error = classify_status(503, b"")
    assert (error.type, error.retryable, error.retry_after, error.attempt) == (T.SERVER, True, None, None)


@pytest.mark.parametrize("status", [429, 503])
def test_status_carries_retry_after(status: int) -> None:
    error = classify_status(status, retry_after=12.5)
    assert error.retry_after == 12.5
    assert error.to_dict()["retryAfter"] == 12.5


@pytest.mark.parametrize(
    "body",
    [
        {"type": "error", "data": {"code": "RATE_LIMIT", "message": "Slow down, please."}},
        {"error": {"type": "rate_limit_exceeded", "message": "Slow down, please."}},  # OpenAI
    ],
)
def test_status_message_uses_the_backends_json_message(body: dict[str, object]) -> None:
    error = classify_status(429, json.dumps(body).encode())
    assert error.message == "Too many requests: please wait a moment. The server said: Slow down, please."
    assert str(error.cause).startswith("HTTP 429: {")


@pytest.mark.parametrize(
    "body",
    [b"<html><body>Bad Gateway</body></html>", b"\xff\xfe\x00", b"[1, 2]", b'{"data": "x"}', b"[" * 100_000],
)
def test_status_with_a_body_that_is_not_the_error_shape_still_classifies(body: bytes) -> None:
    error = classify_status(502, body)
    assert error.message == "The chat server had a problem (HTTP 502)."
    assert len(str(error.cause)) < 400  # an HTML page is clipped, not carried whole
    assert_well_formed(error)


def test_every_status_from_100_to_599_is_mapped() -> None:
    for status in range(100, 600):
        error = classify_status(status, b"anything", retry_after=1.0, attempt=1)
        assert_well_formed(error)
        assert error.status == status
        assert error.retry_after == 1.0
        if 500 <= status < 600:
            assert error.type is T.SERVER
            assert error.retryable is (status not in (501, 505))
        elif 400 <= status < 500:
            assert error.type in {T.AUTH, T.TIMEOUT, T.RATE_LIMITED, T.CLIENT}
            assert error.retryable is (status in (408, 429))
        else:
            assert (error.type, error.retryable) == (T.SERVER, False)


# --- network_error --------------------------------------------------------------------------


def test_network_error_is_retryable_and_keeps_its_cause() -> None:
    error = network_error("the stream ended before the reply was complete")
    assert (error.type, error.retryable, error.attempt) == (T.NETWORK, True, None)
    assert error.cause == "the stream ended before the reply was complete"
    assert network_error(OSError("reset"), attempt=2).attempt == 2


# --- classify_js_error ----------------------------------------------------------------------

CHROME = "Failed to fetch"
FIREFOX = "NetworkError when attempting to fetch resource."
SAFARI = "Load failed"


@pytest.mark.parametrize(
    "message",
    [
        CHROME,
        "Failed to fetch (api.example.com)",  # newer Chromium adds the host
        "network error",  # Chrome, body cut mid-stream
        FIREFOX,
        "Error in input stream",  # Firefox, body cut mid-stream
        SAFARI,
        "The network connection was lost.",  # Safari, cut mid-stream
        "The Internet connection appears to be offline.",  # Safari 16
        "A server with the specified hostname could not be found.",
        "net::ERR_CONNECTION_RESET",
        "net::ERR_INTERNET_DISCONNECTED",
        "  failed to fetch  ",
    ],
)
def test_browser_network_messages_are_network_errors(message: str) -> None:
    error = classify_js_error("TypeError", message, attempt=2)
    assert (error.type, error.retryable, error.attempt) == (T.NETWORK, True, 2)
    assert error.cause == f"TypeError: {message}"
    assert_well_formed(error)


def test_chrome_firefox_and_safari_fetch_failures_all_give_network() -> None:
    assert {classify_js_error("TypeError", m).type for m in (CHROME, FIREFOX, SAFARI)} == {T.NETWORK}


@pytest.mark.parametrize(
    ("name", "message", "abort_reason", "kind", "retryable", "cause"),
    [
        # the abort reason decides, whatever the exception is
        ("AbortError", "The user aborted a request.", "cancel", T.CANCELLED, False, "cancel"),
        ("AbortError", "signal is aborted without reason", None, T.CANCELLED, False,
         "AbortError: signal is aborted without reason"),
        ("AbortError", "The operation was aborted.", "timeout:idle", T.TIMEOUT, True, "idle"),
        ("AbortError", "aborted", "timeout:first_byte", T.TIMEOUT, True, "first_byte"),
        ("AbortError", "aborted", "timeout:no_progress", T.TIMEOUT, True, "no_progress"),
        ("AbortError", "aborted", "timeout:total", T.TIMEOUT, True, "total"),
        ("TypeError", "network error", "cancel", T.CANCELLED, False, "cancel"),  # cut while cancelling
        ("TypeError", "Failed to fetch", "timeout:idle", T.TIMEOUT, True, "idle"),
        ("Error", "whatever", "timeout:total", T.TIMEOUT, True, "total"),
        ("AbortError", "aborted", "navigation", T.CANCELLED, False, "navigation"),  # an unknown reason
        ("AbortError", "aborted", "timeout:", T.TIMEOUT, True, "AbortError: aborted"),
        # no abort reason: by name, then message
        ("TimeoutError", "signal timed out", None, T.TIMEOUT, True, "TimeoutError: signal timed out"),
        ("TypeError", CHROME, None, T.NETWORK, True, f"TypeError: {CHROME}"),
        ("TypeError", "Failed to execute 'fetch' on 'Window': Invalid name", None, T.CLIENT, False,
         "TypeError: Failed to execute 'fetch' on 'Window': Invalid name"),
        ("TypeError", "Window.fetch: /x is not a valid URL.", None, T.CLIENT, False,
         "TypeError: Window.fetch: /x is not a valid URL."),
        ("SecurityError", "The operation is insecure.", None, T.CLIENT, False,
         "SecurityError: The operation is insecure."),
        ("NetworkError", "A network error occurred.", None, T.NETWORK, True,
         "NetworkError: A network error occurred."),
        ("InvalidStateError", "body is locked", None, T.NETWORK, True, "InvalidStateError: body is locked"),
        ("", "", None, T.NETWORK, True, "unknown JavaScript error"),
        ("Error", "", None, T.NETWORK, True, "Error"),
    ],
)
def test_js_error_table(
    name: str, message: str, abort_reason: str | None, kind: StreamErrorType, retryable: bool, cause: str
) -> None:
    error = classify_js_error(name, message, abort_reason=abort_reason, attempt=4)
    assert (error.type, error.retryable, error.cause, error.attempt, error.status) == (
        kind, retryable, cause, 4, None,
    )
    assert_well_formed(error)


@pytest.mark.parametrize(
    ("deadline", "message"),
    [
        ("first_byte", "The server did not answer in time."),
        ("idle", "The connection went silent."),
        ("no_progress", "The server stopped sending the reply."),
        ("total", "The reply took too long."),
    ],
)
def test_a_fetch_aborted_by_a_deadline_says_the_same_as_the_heartbeat(deadline: str, message: str) -> None:
    assert classify_js_error("AbortError", "aborted", abort_reason=f"timeout:{deadline}").message == message


def test_js_user_messages_never_carry_the_raw_javascript_text() -> None:
    raw = "TypeError: x is undefined\n    at fetch (app.js:1:2)"
    for name in ("TypeError", "Error", "SecurityError", "AbortError", "TimeoutError"):
        error = classify_js_error(name, raw)
        assert raw not in error.message
        assert_well_formed(error)


JS_NAMES = [
    "TypeError", "AbortError", "TimeoutError", "NetworkError", "SecurityError", "SyntaxError",
    "InvalidStateError", "NotAllowedError", "NotSupportedError", "DOMException", "RangeError", "Error", "",
]
JS_MESSAGES = [
    CHROME, FIREFOX, SAFARI, "network error", "The network connection was lost.", "net::ERR_FAILED",
    "Failed to execute 'fetch' on 'Window': Invalid name", "The operation was aborted.",
    "signal timed out", "", "   ", "x" * 10_000, "Unicode ✓ \u0000 \n\t",
]
ABORT_REASONS = [None, "cancel", "timeout:idle", "timeout:", "", "other"]


def test_every_js_error_name_and_message_is_mapped() -> None:
    for name, message, reason in product(JS_NAMES, JS_MESSAGES, ABORT_REASONS):
        error = classify_js_error(name, message, abort_reason=reason, attempt=1)
        assert_well_formed(error)
        assert error.attempt == 1
        assert len(str(error.cause)) <= 300


# --- classify_stream_error --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "kind", "retryable"),
    [
        ("RATE_LIMIT", T.RATE_LIMITED, True),
        ("RATE_LIMITED", T.RATE_LIMITED, True),
        ("rate_limit_exceeded", T.RATE_LIMITED, True),
        ("Rate_Limit", T.RATE_LIMITED, True),
        ("429", T.RATE_LIMITED, True),
        ("AUTH", T.AUTH, False),
        ("UNAUTHORIZED", T.AUTH, False),
        ("invalid_api_key", T.AUTH, False),
        ("authentication_error", T.AUTH, False),
        ("401", T.AUTH, False),
        ("403", T.AUTH, False),
        ("invalid_request_error", T.CLIENT, False),
        ("BAD_REQUEST", T.CLIENT, False),
        ("context_length_exceeded", T.CLIENT, False),
        ("timeout", T.TIMEOUT, True),
        ("TIMEOUT", T.TIMEOUT, True),
        ("ERROR", T.SERVER, True),
        ("server_error", T.SERVER, True),
        ("overloaded_error", T.SERVER, True),
        ("500", T.SERVER, True),
        ("", T.SERVER, True),
        (" rate_limit ", T.RATE_LIMITED, True),
    ],
)
def test_stream_error_code_table(code: str, kind: StreamErrorType, retryable: bool) -> None:
    error = classify_stream_error(code, "Backend says no.", attempt=2)
    assert (error.type, error.retryable, error.message, error.attempt) == (kind, retryable, "Backend says no.", 2)
    assert code.strip() in str(error.cause)
    assert_well_formed(error)


@pytest.mark.parametrize("message", ["", "   "])
@pytest.mark.parametrize("code", ["RATE_LIMIT", "AUTH", "BAD_REQUEST", "timeout", "ERROR", ""])
def test_stream_error_without_a_message_gets_a_default(code: str, message: str) -> None:
    error = classify_stream_error(code, message)
    assert_well_formed(error)


def test_stream_error_attempt_can_be_passed_positionally() -> None:
    assert classify_stream_error("ERROR", "x", 5).attempt == 5


@pytest.mark.parametrize(
    ("code", "kind", "retryable"),
    [
        # Anthropic's error types
        ("rate_limit_error", T.RATE_LIMITED, True),
        ("authentication_error", T.AUTH, False),
        ("permission_error", T.AUTH, False),
        ("invalid_request_error", T.CLIENT, False),
        ("not_found_error", T.CLIENT, False),
        ("request_too_large", T.CLIENT, False),
        ("billing_error", T.CLIENT, False),
        ("timeout_error", T.TIMEOUT, True),
        ("overloaded_error", T.SERVER, True),
        ("api_error", T.SERVER, True),
        # OpenAI's codes
        ("insufficient_quota", T.CLIENT, False),
        # Gemini's statuses (gRPC names)
        ("RESOURCE_EXHAUSTED", T.RATE_LIMITED, True),
        ("UNAUTHENTICATED", T.AUTH, False),
        ("PERMISSION_DENIED", T.AUTH, False),
        ("INVALID_ARGUMENT", T.CLIENT, False),
        ("FAILED_PRECONDITION", T.CLIENT, False),
        ("NOT_FOUND", T.CLIENT, False),
        ("prompt_blocked", T.CLIENT, False),
        ("DEADLINE_EXCEEDED", T.TIMEOUT, True),
        ("UNAVAILABLE", T.SERVER, True),
        ("INTERNAL", T.SERVER, True),
        # Hugging Face TGI's error_type
        ("overloaded", T.SERVER, True),
        ("validation", T.CLIENT, False),
        ("generation", T.SERVER, True),
        ("incomplete_generation", T.SERVER, True),
        # LangServe's status_code, llama.cpp's and vLLM's numeric code
        ("422", T.CLIENT, False),
        ("503", T.SERVER, True),
        ("501", T.SERVER, False),
    ],
)
def test_stream_error_codes_of_each_provider(code: str, kind: StreamErrorType, retryable: bool) -> None:
    error = classify_stream_error(code, "The provider says no.")
    assert (error.type, error.retryable, error.message) == (kind, retryable, "The provider says no.")
    assert_well_formed(error)


# --- error_fields: every dialect's error object -------------------------------------------------


@pytest.mark.parametrize(
    ("value", "fields"),
    [
        ({"type": "error", "data": {"code": "RATE_LIMIT", "message": "Slow down"}}, ("RATE_LIMIT", "Slow down")),
        ({"type": "error", "data": {"message": "Boom"}}, ("ERROR", "Boom")),
        # OpenAI: the code says more than the type; with no code, the type
        ({"error": {"message": "Rate limit reached", "type": "requests", "param": None, "code": "rate_limit_exceeded"}},
         ("rate_limit_exceeded", "Rate limit reached")),
        ({"error": {"message": "Server error", "type": "server_error", "param": None, "code": None}},
         ("server_error", "Server error")),
        # Anthropic, inside {"type": "error"}
        ({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}, "request_id": "req_1"},
         ("overloaded_error", "Overloaded")),
        # Gemini: the status says more than the numeric code
        ({"error": {"code": 429, "message": "Quota exceeded", "status": "RESOURCE_EXHAUSTED"}},
         ("RESOURCE_EXHAUSTED", "Quota exceeded")),
        # llama.cpp and vLLM: a numeric code
        ({"error": {"code": 503, "message": "Loading model", "type": "unavailable_error"}}, ("503", "Loading model")),
        # Azure OpenAI
        ({"error": {"code": "content_filter", "message": "The response was filtered", "param": "prompt", "status": 400}},
         ("400", "The response was filtered")),
        ({"error": {"code": "server_error"}}, ("server_error", "")),
        ({"error": {"message": "?"}}, ("ERROR", "?")),
        # Hugging Face TGI
        ({"error": "Model is overloaded", "error_type": "overloaded"}, ("overloaded", "Model is overloaded")),
        ({"error": "Something failed"}, ("ERROR", "Something failed")),
        # OpenAI Responses
        ({"type": "error", "code": "ERR_SOMETHING", "message": "Something went wrong", "param": None, "sequence_number": 1},
         ("ERR_SOMETHING", "Something went wrong")),
        ({"type": "error", "code": None, "message": "Something went wrong", "param": None}, ("ERROR", "Something went wrong")),
        ({"type": "error"}, ("ERROR", "")),  # says it is an error, and no more
        # The Vercel AI SDK
        ({"type": "error", "errorText": "An error occurred."}, ("ERROR", "An error occurred.")),
        # LangServe
        ({"status_code": 500, "message": "Internal Server Error"}, ("500", "Internal Server Error")),
        # FastAPI's HTTP errors
        ({"detail": "Not Found"}, ("ERROR", "Not Found")),
    ],
    ids=[
        "standard", "standard-no-code", "openai", "openai-no-code", "anthropic", "gemini", "llama.cpp",
        "azure", "no-message", "no-code", "tgi", "tgi-no-type", "responses", "responses-no-code", "bare-type-error", "vercel",
        "langserve", "fastapi",
    ],
)
def test_error_fields_of_every_dialects_error_object(value: dict[str, object], fields: tuple[str, str]) -> None:
    assert error_fields(value) == fields


@pytest.mark.parametrize(
    "value",
    [
        None, "error", ["error"], 42, {},
        {"choices": []},  # an OpenAI chunk
        {"detail": "Not Found", "status": 404},  # not FastAPI's one-key body
        {"detail": [{"type": "missing", "loc": ["body", "input"], "msg": "Field required"}]},
        {"error": None},
        {"status_code": 500},
    ],
    ids=["null", "string", "array", "number", "empty", "openai-chunk", "detail-and-more",
         "detail-list", "error-null", "status-code-alone"],
)
def test_error_fields_of_anything_else_is_none(value: object) -> None:
    assert error_fields(value) is None


# --- classify_parse_error ---------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["event larger than 1048576 bytes", "bad frame", ""])
def test_parse_errors_are_not_retryable(reason: str) -> None:
    error = classify_parse_error(reason, attempt=1)
    assert (error.type, error.retryable, error.attempt) == (T.PARSE, False, 1)
    assert reason in str(error.cause)
    assert_well_formed(error)


# --- the errors of the client's own decisions -------------------------------------------------

OWN_ERRORS: dict[str, tuple[StreamError, StreamErrorType, bool, str]] = {
    "cancelled": (cancelled_error(attempt=2), T.CANCELLED, False, "The chat was cancelled."),
    "option": (option_error("retry.factor must be a number"), T.CLIENT, False, "retry.factor must be a number"),
    "token": (token_error(RuntimeError("expired")), T.AUTH, False, "Could not get a sign-in token."),
    "callback": (callback_error("onChunk", TypeError("x is undefined")), T.CLIENT, False,
                 "The page's onChunk callback threw an error, so the chat was stopped: x is undefined."),
    "request": (request_error("messages must be a list"), T.CLIENT, False,
                "The chat request cannot be sent: messages must be a list"),
    "not an event stream": (not_an_event_stream_error("text/html", 200), T.PARSE, False,
                            "The server answered with text/html, not an event stream."),
    "no content type": (not_an_event_stream_error(None, 200), T.PARSE, False,
                        "The server answered with no content type, not an event stream."),
    "no reply": (no_reply_error(), T.PARSE, False, "The server's answer holds no reply."),
    "different reply": (different_reply_error(), T.SERVER, False,
                        ("The connection was cut, and the server, which cannot resume a reply, sent a different one; "
                         "the text shown so far is all of the reply.")),
    "unreadable stream": (unreadable_stream_error("a JSON array"), T.PARSE, False,
                          "The chat server's stream is in no format this client can read (it sent a JSON array)."),
    "deadline": (deadline_error("idle", attempt=1), T.TIMEOUT, True, "The connection went silent."),
}


@pytest.mark.parametrize("name", OWN_ERRORS)
def test_each_error_of_the_clients_own_has_its_type_retry_verdict_and_message(name: str) -> None:
    error, kind, retryable, message = OWN_ERRORS[name]
    assert (error.type, error.retryable, error.message) == (kind, retryable, message)


def test_a_deadline_error_names_its_deadline_and_an_unknown_one_is_a_caller_bug() -> None:
    assert deadline_error("total").cause == "total"
    with pytest.raises(ValueError, match="unknown deadline 'forever'; known: first_byte, idle, no_progress, total"):
        deadline_error("forever")


def test_exhausted_with_one_attempt_is_that_attempts_error() -> None:
    only = network_error("reset", attempt=1)
    assert exhausted_error([only]) is only


def test_exhausted_after_several_attempts_carries_each_one_and_the_last_ones_status() -> None:
    first, last = network_error("reset", attempt=1), classify_status(503, attempt=2)
    error = exhausted_error([first, last])
    assert (error.type, error.retryable, error.status, error.attempt) == (T.MAX_RETRIES_EXCEEDED, False, 503, 2)
    assert error.causes == [first, last] and error.cause is last
    assert error.message == f"The reply could not be completed after 2 attempts. {last.message}"


# --- internal_error: a bug of ours is still a typed error -------------------------------------


def test_an_unforeseen_failure_is_a_client_error_that_says_so_and_is_not_retried() -> None:
    error = internal_error(KeyError("content"))
    assert (error.type, error.retryable, error.status) == (T.CLIENT, False, None)
    assert error.message == "The chat failed because of an error inside sse_client."
    assert error.cause == "KeyError: 'content'"  # for developers: the exception's type and text


def test_an_unforeseen_failures_text_is_clipped_in_its_cause() -> None:
    error = internal_error(ValueError("x" * 10_000))
    assert isinstance(error.cause, str) and error.cause.startswith("ValueError: xxx")
    assert len(error.cause) < 400 and error.cause.endswith("…")


# --- the error's plain-data view --------------------------------------------------------------


def test_to_dict_carries_retry_after_for_javascript() -> None:
    assert classify_status(503).to_dict() == {
        "type": "SERVER",
        "message": "The chat server is busy or down for maintenance (HTTP 503).",
        "retryable": True,
        "status": 503,
        "attempt": None,
        "cause": "HTTP 503",
        "retryAfter": None,
        "causes": [],
    }


@pytest.mark.parametrize("code", ["invalid_prompt", "bio_policy", "image_too_large", "invalid_image_url",
                                  "content_filter", "content_policy_violation"])
def test_prompts_and_images_a_provider_refuses_are_client_errors_not_retried(code: str) -> None:
    error = classify_stream_error(code, "Refused.")
    assert (error.type, error.retryable) == (StreamErrorType.CLIENT, False)


# --- messages a user can read as they are ------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("rate limited", "Rate limited."),  # a backend's words: capitalised, ended
    ("Overloaded", "Overloaded."),
    ("  Slow down!  ", "Slow down!"),
    ("Why?", "Why?"),
    ('He said "stop."', 'He said "stop."'),  # the end inside the quotes
    ("(see the logs).", "(see the logs)."),
    ("x" * 5 + "\u2026", "X" * 1 + "x" * 4 + "\u2026"),  # clipped text ends as it is
    ("\u00e9t\u00e9 chaud", "\u00e9t\u00e9 chaud."),  # only ASCII is capitalised
    ("   ", ""),
    ("", ""),
])
def test_sentence_makes_a_whole_sentence_of_a_text(text: str, expected: str) -> None:
    assert sentence(text) == expected


def test_a_backends_message_without_an_end_is_made_a_sentence() -> None:
    assert classify_stream_error("overloaded_error", "model overloaded").message == "Model overloaded."
    assert classify_status(503, b'{"error": {"message": "down for maintenance"}}').message == (
        "The chat server is busy or down for maintenance. The server said: Down for maintenance.")


def test_the_exhausted_message_is_two_whole_sentences() -> None:
    causes = [classify_stream_error("overloaded_error", "busy"), classify_stream_error("overloaded_error", "busy")]
    assert exhausted_error(causes).message == "The reply could not be completed after 2 attempts. Busy."
