"""sse_client: a Server-Sent-Events client for LLM chat, in Python, for the browser (Pyodide).

The sans-I/O core (parser, payload formats, errors, config) imports on any Python; the fetch
transport and the JS bridge only under Pyodide.

The names below are imported on first use (PEP 562), so that `import sse_client.parser` costs
the parser alone: not asyncio, not the chat loop (start-up in the browser, and the core's
promise of no I/O).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# name -> the module that defines it
_EXPORTS = {
    "ClientConfig": "sse_client.config",
    "StreamError": "sse_client.errors",
    "StreamErrorType": "sse_client.errors",
    "DEFAULT_MAX_EVENT_BYTES": "sse_client.parser",
    "EventStreamParser": "sse_client.parser",
    "EventTooLargeError": "sse_client.parser",
    "ServerSentEvent": "sse_client.parser",
    "FORMAT_NAMES": "sse_client.formats",
    "ChatEvent": "sse_client.formats",
    "Chunk": "sse_client.formats",
    "Complete": "sse_client.formats",
    "ErrorReport": "sse_client.formats",
    "Malformed": "sse_client.formats",
    "PayloadNormalizer": "sse_client.formats",
    "Status": "sse_client.formats",
    "SSEStreamReader": "sse_client.reader",
    "SSEService": "sse_client.service",
    "HttpRequest": "sse_client.transport",
    "HttpResponse": "sse_client.transport",
    "Transport": "sse_client.transport",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'sse_client' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # once: later lookups do not come here
    return value


if TYPE_CHECKING:
    from sse_client.config import ClientConfig
    from sse_client.errors import StreamError, StreamErrorType
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
    from sse_client.parser import DEFAULT_MAX_EVENT_BYTES, EventStreamParser, EventTooLargeError, ServerSentEvent
    from sse_client.reader import SSEStreamReader
    from sse_client.service import SSEService
    from sse_client.transport import HttpRequest, HttpResponse, Transport
