"""Foreign failures mapped to `StreamError`, in one place.

Pure and table-driven: HTTP statuses here; the transport maps its own exceptions with
`network_error`. Sans-I/O: imports neither asyncio nor js.
"""

from __future__ import annotations

import json

from sse_client.errors import StreamError, StreamErrorType

# status -> (type, message fit for a user). Statuses not listed fall into their class below.
_STATUS_TABLE: dict[int, tuple[StreamErrorType, str]] = {
    401: (StreamErrorType.AUTH, "You are not signed in, or your session has expired."),
    403: (StreamErrorType.AUTH, "You are not allowed to use this chat."),
    408: (StreamErrorType.TIMEOUT, "The server timed out waiting for the request."),
    429: (StreamErrorType.RATE_LIMITED, "Too many requests: please wait a moment."),
}


def classify_status(status: int, body: bytes = b"") -> StreamError:
    """The error for an HTTP error `status`, with the backend's own message when its body
    is the JSON error shape of PROTOCOL.md."""
    if status in _STATUS_TABLE:
        kind, message = _STATUS_TABLE[status]
    elif status >= 500:
        kind, message = StreamErrorType.SERVER, "The chat server had a problem."
    else:
        kind, message = StreamErrorType.CLIENT, "The chat server refused the request."
    detail = _backend_message(body)
    return StreamError(
        f"{message} ({detail})" if detail else f"{message} (HTTP {status})",
        type=kind,
        status=status,
    )


def network_error(cause: BaseException | str) -> StreamError:
    """A connection that failed or was cut."""
    return StreamError(
        "The connection to the chat server failed.", type=StreamErrorType.NETWORK, cause=cause
    )


def _backend_message(body: bytes) -> str:
    try:
        obj = json.loads(body)
    except ValueError:
        return ""
    data = obj.get("data") if isinstance(obj, dict) else None
    if isinstance(data, dict) and isinstance(data.get("message"), str):
        return str(data["message"])
    return ""
