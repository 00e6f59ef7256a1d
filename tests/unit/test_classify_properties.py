"""`classify`, property-based: every foreign failure (an HTTP status with any body, a JavaScript
error of any name and message, an in-stream error of any code and message, any JSON value as an
error object) becomes a `StreamError` with a message to show, and nothing raises."""

from __future__ import annotations

import json

from hypothesis import example, given
from hypothesis import strategies as st

from sse_client.classify import (
    classify_js_error,
    classify_status,
    classify_stream_error,
    error_fields,
)
from sse_client.errors import StreamError, StreamErrorType
from tests.unit.strategies import (
    DIALECT_VALUES,
    INT_DIGITS,
    examples,
    json_values,
    texts,
)

error_bodies = st.one_of(
    st.binary(max_size=64),
    st.one_of(DIALECT_VALUES["errors"], json_values).map(lambda value: json.dumps(value).encode()),
    st.integers(1, 3_000).map(lambda depth: b'{"error": {"message": ' + b"[" * depth + b"]" * depth + b"}}"),
)
codes = st.one_of(texts, st.integers(-1000, 10**30).map(str), st.sampled_from(
    ["429", "rate_limit_error", "RESOURCE_EXHAUSTED", " 503 ", "٤٢٩", "²", "overloaded", ""]),
    st.integers(1, 2 * INT_DIGITS).map(lambda n: "5" * n))


def assert_typed(error: StreamError) -> None:
    assert isinstance(error, StreamError) and isinstance(error.type, StreamErrorType)
    assert isinstance(error.retryable, bool) and isinstance(error.message, str) and error.message
    error.to_dict()


@examples(0.25)
@given(st.integers(-10, 1_000), error_bodies, st.one_of(st.none(), st.floats(0, 10**6)))
def test_any_http_status_with_any_body_is_a_stream_error(status: int, body: bytes, retry_after: float | None) -> None:
    error = classify_status(status, body, retry_after=retry_after)
    assert_typed(error)
    assert error.status == status and error.retry_after == retry_after


@examples(0.25)
@given(st.one_of(st.sampled_from(["TypeError", "AbortError", "TimeoutError", "SecurityError", ""]), texts),
       st.one_of(st.sampled_from(["Failed to fetch", "Load failed", "net::ERR_X", ""]), texts),
       st.one_of(st.none(), st.sampled_from(["cancel", "timeout:idle", "timeout:", ""]), texts))
def test_any_javascript_error_is_a_stream_error(name: str, message: str, abort_reason: str | None) -> None:
    assert_typed(classify_js_error(name, message, abort_reason=abort_reason))


@examples(0.25)
@given(codes, texts)
def test_any_in_stream_error_is_a_stream_error(code: str, message: str) -> None:
    assert_typed(classify_stream_error(code, message))


@examples(0.25)
@given(json_values)
def test_any_json_value_is_an_error_object_or_not(value: object) -> None:
    fields = error_fields(value)
    assert fields is None or (isinstance(fields[0], str) and isinstance(fields[1], str))


# --- Found by these properties, and fixed (kept as regression tests) -----------------------------------


@examples(0.1)
@given(st.integers(INT_DIGITS + 1, INT_DIGITS + 2_000))
@example(INT_DIGITS + 1)  # raised ValueError from int() in classify_stream_error once
def test_an_error_code_past_the_int_digit_limit_is_a_stream_error(length: int) -> None:
    assert_typed(classify_stream_error("5" * length, "Overloaded"))
