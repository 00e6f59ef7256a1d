"""The library's one error type, and the kinds of failure it tells apart.

    StreamError(message, type=StreamErrorType.X, retryable=..., status=..., attempt=..., cause=...,
                retry_after=...)

Every failure that reaches a caller is a `StreamError`; its `type` says what went wrong in terms a
caller can act on. In JavaScript the rejected `Error` carries the same `type`, `retryable` and
`status`.

Sans-I/O: this module imports neither asyncio nor js.
"""

from __future__ import annotations

import enum


class StreamErrorType(enum.Enum):
    """What kind of failure ended (or interrupted) a stream."""

    NETWORK = "NETWORK"  # the connection failed or was cut
    TIMEOUT = "TIMEOUT"  # a deadline passed (first byte, idle, no progress, total)
    SERVER = "SERVER"  # the backend answered 5xx, or reported an error inside the stream
    PARSE = "PARSE"  # the bytes are not a usable event stream (oversized event, bad frame)
    CANCELLED = "CANCELLED"  # the caller cancelled
    MAX_RETRIES_EXCEEDED = "MAX_RETRIES_EXCEEDED"  # retries and fallback are used up
    AUTH = "AUTH"  # 401 / 403
    RATE_LIMITED = "RATE_LIMITED"  # 429
    CLIENT = "CLIENT"  # any other 4xx, or a request the client could not build


# Whether a failure of each type is worth another attempt by default.
_RETRYABLE_BY_DEFAULT = frozenset(
    {StreamErrorType.NETWORK, StreamErrorType.TIMEOUT, StreamErrorType.SERVER, StreamErrorType.RATE_LIMITED}
)


class StreamError(Exception):
    """A typed failure: what happened, whether retrying may help, and what caused it.

    `message` is fit to show a user; `cause` keeps the underlying error for developers;
    `retry_after` is the wait in seconds a server asked for (its `Retry-After` header), if any.
    """

    def __init__(
        self,
        message: str,
        *,
        type: StreamErrorType,
        retryable: bool | None = None,
        status: int | None = None,
        attempt: int | None = None,
        cause: BaseException | str | None = None,
        retry_after: float | None = None,
        causes: list[StreamError] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.type = type
        self.retryable = type in _RETRYABLE_BY_DEFAULT if retryable is None else retryable
        self.status = status
        self.attempt = attempt
        self.cause = cause
        self.retry_after = retry_after
        self.causes = causes or []  # for MAX_RETRIES_EXCEEDED: the failed attempts, in order

    def __repr__(self) -> str:
        return f"StreamError({self.message!r}, type={self.type.value}, status={self.status})"

    def to_dict(self) -> dict[str, object]:
        """A plain-data view of the error, for the JS bridge and for status reports."""
        return {
            "type": self.type.value,
            "message": self.message,
            "retryable": self.retryable,
            "status": self.status,
            "attempt": self.attempt,
            "cause": None if self.cause is None else str(self.cause),
            "retryAfter": self.retry_after,  # camelCase: this dict goes to JavaScript as it is
            "causes": [cause.to_dict() for cause in self.causes],
        }
