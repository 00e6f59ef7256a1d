"""The payload dialects: what the frames of a backend's stream mean.

    events.py       Chunk, Status, Complete, ErrorReport, Malformed: what every dialect becomes
    dialect.py      the one interface a dialect implements
    <dialect>.py    one module per dialect (standard, legacy, raw, openai_chat, openai_responses,
                    anthropic, gemini, vercel_ui, tgi, llama_cpp, langserve)
    registry.py     every dialect, and how a stream's dialect is detected
    normalizer.py   PayloadNormalizer: one reply's frames in, chat events out
    stutter.py      a cumulative upstream turned back into deltas

Sans-I/O: nothing here imports asyncio or js.
"""

from sse_client.formats.events import ChatEvent, Chunk, Complete, ErrorReport, Malformed, Status, chat_event_to_dict
from sse_client.formats.normalizer import PayloadNormalizer, answer_text
from sse_client.formats.registry import DIALECTS, FORMAT_NAMES

__all__ = [
    "DIALECTS",
    "FORMAT_NAMES",
    "ChatEvent",
    "Chunk",
    "Complete",
    "ErrorReport",
    "Malformed",
    "PayloadNormalizer",
    "Status",
    "answer_text",
    "chat_event_to_dict",
]
