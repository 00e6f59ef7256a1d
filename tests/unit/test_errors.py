"""`StreamError` (`errors.py`): the one error type, whose `type` and `retryable` a caller acts
on, and its plain-data view that goes to JavaScript as it is."""

from __future__ import annotations

import pytest

from sse_client.errors import StreamError, StreamErrorType

T = StreamErrorType
RETRIED_BY_DEFAULT = {T.NETWORK, T.TIMEOUT, T.SERVER, T.RATE_LIMITED}


@pytest.mark.parametrize("kind", list(T))
def test_network_timeout_server_and_rate_limits_are_retried_by_default_and_nothing_else(kind: StreamErrorType) -> None:
    assert StreamError("x", type=kind).retryable is (kind in RETRIED_BY_DEFAULT)


@pytest.mark.parametrize("kind", list(T))
@pytest.mark.parametrize("retryable", [False, True])
def test_an_explicit_retryable_overrides_the_default(kind: StreamErrorType, retryable: bool) -> None:
    # A SERVER error for a reply that diverged is not retried; a CLIENT 408 would be.
    assert StreamError("x", type=kind, retryable=retryable).retryable is retryable


def test_the_message_is_the_exceptions_text() -> None:
    error = StreamError("The connection was lost.", type=T.NETWORK)
    assert (str(error), error.message, error.args) == ("The connection was lost.", "The connection was lost.",
                                                        ("The connection was lost.",))


def test_an_error_without_details_has_none_of_them() -> None:
    error = StreamError("x", type=T.PARSE)
    assert (error.status, error.attempt, error.cause, error.retry_after, error.causes) == (None, None, None, None, [])


def test_repr_names_the_message_type_and_status() -> None:
    assert repr(StreamError("Too many requests.", type=T.RATE_LIMITED, status=429)) == (
        "StreamError('Too many requests.', type=RATE_LIMITED, status=429)")


def test_to_dict_is_plain_data_with_the_names_javascript_expects() -> None:
    first = StreamError("The server failed.", type=T.SERVER, status=503, attempt=1, retry_after=2.5,
                        cause=ConnectionResetError("reset by peer"))
    second = StreamError("The connection went silent.", type=T.TIMEOUT, attempt=2, cause="timeout:idle")
    error = StreamError("Gave up.", type=T.MAX_RETRIES_EXCEEDED, attempt=2, causes=[first, second])
    assert error.to_dict() == {
        "type": "MAX_RETRIES_EXCEEDED", "message": "Gave up.", "retryable": False, "status": None, "attempt": 2,
        "cause": None, "retryAfter": None,
        "causes": [
            {"type": "SERVER", "message": "The server failed.", "retryable": True, "status": 503, "attempt": 1,
             "cause": "reset by peer", "retryAfter": 2.5, "causes": []},
            {"type": "TIMEOUT", "message": "The connection went silent.", "retryable": True, "status": None,
             "attempt": 2, "cause": "timeout:idle", "retryAfter": None, "causes": []},
        ],
    }
