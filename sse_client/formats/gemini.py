"""Google Gemini (`:streamGenerateContent?alt=sse`), data-only frames:

    data: {"candidates": [{"content": {"parts": [{"text": "Hel"}], "role": "model"}, "index": 0}],
           "usageMetadata": {...}, "modelVersion": "...", "responseId": "..."}

Text: the parts of the first candidate, but for thoughts (`"thought": true`). End: the frame
whose candidate has a `finishReason` (it may carry the last text too); the server then closes
the stream, and a stream that closes before that was cut. A prompt the model refused to read
comes as `promptFeedback.blockReason` with no candidates. Errors: `{"error": {"code",
"message", "status"}}`.
"""

from __future__ import annotations

from typing import Any

from sse_client.formats.dialect import Dialect
from sse_client.formats.events import ChatEvent, Chunk, ErrorReport, Malformed, error_report
from sse_client.parser import ServerSentEvent


class Gemini(Dialect):
    name = "gemini"
    title = "Google Gemini"
    text_key = "text"
    # usage counts grow with every frame; newer responses stamp each one with a time
    varying_keys = frozenset({"promptTokenCount", "candidatesTokenCount", "totalTokenCount",
                              "thoughtsTokenCount", "cachedContentTokenCount", "createTime"})

    @classmethod
    def recognises(cls, value: Any) -> bool:
        return isinstance(value, dict) and ("candidates" in value or "promptFeedback" in value)

    def read(self, frame: ServerSentEvent, value: Any) -> ChatEvent | None:
        if not isinstance(value, dict):
            return Malformed("a Gemini frame that is not an object", frame.data, frame.id)
        if "error" in value:
            return error_report(value, frame.id)
        candidates = value.get("candidates")
        candidate = candidates[0] if isinstance(candidates, list) and candidates else None
        if candidate is None:
            return _blocked(value, frame.id)  # or usage only
        if not isinstance(candidate, dict):
            return Malformed("a Gemini candidate that is not an object", frame.data, frame.id)
        if candidate.get("finishReason"):
            self.finished = True
        text = _text(candidate)
        return Chunk(text, None, frame.id) if text else None

    @classmethod
    def final_text(cls, value: Any) -> str | ErrorReport | None:
        candidates = value.get("candidates") if isinstance(value, dict) else None
        if isinstance(candidates, list) and candidates and isinstance(candidates[0], dict):
            return _text(candidates[0])
        return _blocked(value, "") if isinstance(value, dict) else None


def _blocked(value: dict[str, Any], event_id: str) -> ErrorReport | None:
    """The error of an answer without candidates because the prompt was blocked, else None."""
    feedback = value.get("promptFeedback")
    reason = feedback.get("blockReason") if isinstance(feedback, dict) else None
    return ErrorReport("prompt_blocked", f"The request was blocked ({reason}).", event_id) if reason else None


def _text(candidate: dict[str, Any]) -> str:
    content = candidate.get("content")
    parts = content.get("parts") if isinstance(content, dict) else None
    if not isinstance(parts, list):
        return ""
    return "".join(part["text"] for part in parts
                   if isinstance(part, dict) and isinstance(part.get("text"), str) and not part.get("thought"))
