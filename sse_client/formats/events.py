"""The chat events every dialect is read into, and the error objects they all share.

    Chunk | Status | Complete | ErrorReport | Malformed      (ChatEvent)

A dialect adapter (one module per dialect in this package) turns each frame of its stream into
one of these, or into None when the frame carries nothing for the user on purpose (a ping, a
role-only delta, usage, a tool call). Everything above this package (the assembler, the chat
loop, the bridge) sees only these five types. Sans-I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeAlias

from sse_client.classify import error_fields


@dataclass(frozen=True, slots=True)
class Chunk:
    """New text for the reply. `index` is the standard format's chunk index, if it has one."""

    content: str
    index: int | None = None
    id: str = ""  # the SSE id in force when it arrived


@dataclass(frozen=True, slots=True)
class Status:
    """Progress for the user, from the backend."""

    message: str
    progress: float | None = None
    id: str = ""  # the SSE id in force when it arrived


@dataclass(frozen=True, slots=True)
class Complete:
    """The reply is finished; `final_response` is its whole text when the backend sends it."""

    final_response: str | None = None
    id: str = ""  # the SSE id in force when it arrived


@dataclass(frozen=True, slots=True)
class ErrorReport:
    """An error the backend reported inside a 200 stream (or in a JSON answer's body).

    `code` is the provider's own code or type (`rate_limit_error`, `RESOURCE_EXHAUSTED`, an
    HTTP status as text, ...); `classify.classify_stream_error` maps it to a `StreamErrorType`."""

    code: str
    message: str
    id: str = ""  # the SSE id in force when it arrived


@dataclass(frozen=True, slots=True)
class Malformed:
    """A frame that could not be understood and was skipped; the stream goes on."""

    reason: str
    data: str
    id: str = ""  # the SSE id in force when it arrived


ChatEvent: TypeAlias = Chunk | Status | Complete | ErrorReport | Malformed


def error_report(value: object, event_id: str = "") -> ErrorReport | None:
    """The error an error object of any dialect describes (see `classify.error_fields` for
    the shapes), or None when `value` is not one."""
    fields = error_fields(value)
    return None if fields is None else ErrorReport(fields[0], fields[1], event_id)


def chat_event_to_dict(event: ChatEvent) -> dict[str, Any]:
    """A plain-data view of a chat event, `{"type": "chunk", "content": ..., ...}`, with the
    field names a JavaScript caller expects."""
    if isinstance(event, Chunk):
        return {"type": "chunk", "content": event.content, "index": event.index, "id": event.id}
    if isinstance(event, Status):
        return {"type": "status", "message": event.message, "progress": event.progress, "id": event.id}
    if isinstance(event, Complete):
        return {"type": "complete", "finalResponse": event.final_response, "id": event.id}
    if isinstance(event, ErrorReport):
        return {"type": "error", "code": event.code, "message": event.message, "id": event.id}
    return {"type": "malformed", "reason": event.reason, "data": event.data, "id": event.id}
