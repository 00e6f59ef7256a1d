"""OpenAI Chat Completions (and every server that copies it: vLLM, llama.cpp's and TGI's
`/v1/chat/completions`, Ollama, OpenRouter, Azure OpenAI):

    data: {"id": "chatcmpl-x", "object": "chat.completion.chunk", "choices": [{"index": 0,
           "delta": {"content": "Hel"}, "finish_reason": null}]}
    data: [DONE]

The text is `choices[0].delta.content`; a `refusal` delta is the model's refusal, shown like
text. Nothing to show, on purpose: the role-only first delta, tool-call and reasoning deltas,
usage-only chunks (`choices: []`), and Azure's content-filter chunks (a choice with
`content_filter_results` and no delta, or the first chunk's `prompt_filter_results`).
Errors: `{"error": {"message", "type", "code"}}`.
"""

from __future__ import annotations

from typing import Any

from sse_client.formats.dialect import Dialect
from sse_client.formats.events import ChatEvent, Chunk, Malformed
from sse_client.parser import ServerSentEvent


class OpenAIChat(Dialect):
    name = "openai"
    title = "OpenAI Chat Completions"
    done_marker = True
    may_stutter = True  # proxies of other upstreams write it too, some of them cumulative
    text_key = "content"
    varying_keys = frozenset({"obfuscation"})  # padding that OpenAI adds to each chunk

    @classmethod
    def recognises(cls, value: Any) -> bool:
        return isinstance(value, dict) and (
            "choices" in value or str(value.get("object", "")).startswith("chat.completion"))

    def read(self, frame: ServerSentEvent, value: Any) -> ChatEvent | None:
        if not isinstance(value, dict):
            return Malformed("an OpenAI chunk that is not an object", frame.data, frame.id)
        choices = value.get("choices")
        if not isinstance(choices, list):
            return Malformed("an OpenAI chunk without choices", frame.data, frame.id)
        choice = _first_choice(choices)
        if choice is None:
            return None  # usage-only chunks, Azure's prompt filter results
        delta = choice.get("delta")
        if delta is None:
            return None  # Azure's content filter results come in a choice without a delta
        if not isinstance(delta, dict):
            return Malformed("an OpenAI choice whose delta is not an object", frame.data, frame.id)
        text = delta.get("content") or delta.get("refusal")
        return Chunk(text, None, frame.id) if isinstance(text, str) and text else None

    @classmethod
    def final_text(cls, value: Any) -> str | None:
        choices = value.get("choices") if isinstance(value, dict) else None
        choice = _first_choice(choices) if isinstance(choices, list) else None
        message = choice.get("message") if choice is not None else None
        if isinstance(message, dict):
            text = message.get("content") or message.get("refusal")
            if isinstance(text, str):
                return text
        return None


def _first_choice(choices: list[Any]) -> dict[str, Any] | None:
    """The choice of index 0 (with `n` > 1 the choices of one chunk may come in any order)."""
    for choice in choices:
        if isinstance(choice, dict) and choice.get("index", 0) == 0:
            return choice
    return None
