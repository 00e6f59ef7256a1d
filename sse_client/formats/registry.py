"""Every dialect the client reads, and how a stream's dialect is found.

Detection looks at the first frame that tells: its SSE `event:` name if a dialect claims it,
else its JSON value, tried against each dialect in the order below (the most specific shapes
first; legacy's bare `chunk` key and LangServe's bare string last). Data that is not JSON is
raw text.
"""

from __future__ import annotations

from typing import Any

from sse_client.formats.anthropic import Anthropic
from sse_client.formats.dialect import Dialect
from sse_client.formats.gemini import Gemini
from sse_client.formats.langserve import LangServe
from sse_client.formats.legacy import Legacy
from sse_client.formats.llama_cpp import LlamaCpp
from sse_client.formats.openai_chat import OpenAIChat
from sse_client.formats.openai_responses import OpenAIResponses
from sse_client.formats.raw import RawText
from sse_client.formats.standard import Standard
from sse_client.formats.tgi import TGI
from sse_client.formats.vercel_ui import VercelUI

DIALECTS: tuple[type[Dialect], ...] = (
    Standard, OpenAIChat, OpenAIResponses, Anthropic, VercelUI, Gemini, TGI, LlamaCpp, Legacy,
    LangServe, RawText,
)
FORMAT_NAMES: tuple[str, ...] = ("auto", *(dialect.name for dialect in DIALECTS))
"""What `configure({format})` accepts: "auto" (detect) or a dialect's name."""

_BY_NAME = {dialect.name: dialect for dialect in DIALECTS}


def dialect_named(name: str) -> type[Dialect] | None:
    """The dialect called `name`; None for "auto". Raises ValueError for an unknown name."""
    if name == "auto":
        return None
    try:
        return _BY_NAME[name]
    except KeyError:
        raise ValueError(f"format must be one of {', '.join(FORMAT_NAMES)}, not {name!r}") from None


def dialect_of_event(event: str) -> type[Dialect] | None:
    """The dialect whose own SSE `event:` name `event` is, if any."""
    if event == "message":  # the default name: tells nothing
        return None
    return next((dialect for dialect in DIALECTS if dialect.claims_event(event)), None)


def dialect_of_value(value: Any) -> type[Dialect] | None:
    """The dialect a first frame's JSON value is in, if any."""
    return next((dialect for dialect in DIALECTS if dialect.recognises(value)), None)
