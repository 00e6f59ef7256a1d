"""sse_client: a Server-Sent-Events client for LLM chat, in Python, for the browser (Pyodide).

The sans-I/O core (parser, payload formats, errors, config) imports on any Python; the fetch
transport and the JS bridge only under Pyodide.
"""

from sse_client.config import ClientConfig
from sse_client.errors import StreamError, StreamErrorType
from sse_client.parser import DEFAULT_MAX_EVENT_BYTES, EventStreamParser, EventTooLargeError, ServerSentEvent
from sse_client.formats import (
    FORMAT_NAMES,
    ChatEvent,
    Chunk,
    Complete,
    ErrorReport,
    Malformed,
    PayloadNormalizer,
    Status,
)
from sse_client.reader import SSEStreamReader
from sse_client.service import SSEService
from sse_client.transport import HttpRequest, HttpResponse, Transport

__all__ = [
    "DEFAULT_MAX_EVENT_BYTES",
    "FORMAT_NAMES",
    "ChatEvent",
    "Chunk",
    "ClientConfig",
    "Complete",
    "ErrorReport",
    "EventStreamParser",
    "EventTooLargeError",
    "HttpRequest",
    "HttpResponse",
    "Malformed",
    "PayloadNormalizer",
    "SSEService",
    "SSEStreamReader",
    "ServerSentEvent",
    "Status",
    "StreamError",
    "StreamErrorType",
    "Transport",
]
