"""Generated `text/event-stream` corpora and the ways a benchmark cuts them into chunks.

Deterministic and pure (fixed seeds, standard library only), so the CPython benchmark and the
browser benchmark under Pyodide feed their parsers exactly the same bytes:

    from bench.corpora import CORPORA, CHUNKINGS, corpus, chunked
    for name in CORPORA:
        data = corpus(name)
        for how in CHUNKINGS:
            chunks = chunked(data, how)   # b"".join(chunks) == data

The corpora:

- `llm`: 20,000 OpenAI-style `chat.completion.chunk` events, each `id: N` then one `data:` line
  of compact JSON with non-ASCII text written as UTF-8 (as the OpenAI API sends it); after every
  100 events a keep-alive `: ping` comment with its own blank line (as sse-starlette sends
  them); the stream ends with `data: [DONE]` (no `id:` line, so it carries the last one). LF
  line ends. A spec-exact parser dispatches 20,001 events.
- `multiline`: 5,000 events of 20 `data:` lines of 50..70 ASCII characters, CRLF line ends.
- `tiny`: 200,000 `data: x` events, LF line ends: per-event overhead and nothing else.

The chunkings: `fixed-1460` (pieces of 1,460 bytes, one TCP segment's payload on Ethernet) and
`random-1-4096` (pieces of 1..4,096 bytes drawn with a fixed seed, the same sequence of sizes
for every corpus).
"""

from __future__ import annotations

import json
import random
from functools import cache

CORPORA: tuple[str, ...] = ("llm", "multiline", "tiny")
CHUNKINGS: tuple[str, ...] = ("fixed-1460", "random-1-4096")

# How many events each corpus is made of (its `events` argument's default).
DEFAULT_EVENTS: dict[str, int] = {"llm": 20_000, "multiline": 5_000, "tiny": 200_000}

PING_EVERY = 100  # llm: a `: ping` comment after every this many events
MULTILINE_LINES = 20  # multiline: data lines per event
FIXED_PIECE = 1460
RANDOM_PIECE_MAX = 4096

_LLM_SEED = 20_000
_MULTILINE_SEED = 5_000
_CHUNK_SEED = 4_096

# Tokens of the llm corpus: mostly ASCII words, with accented Latin, Greek, Cyrillic, CJK, emoji,
# typographic punctuation, and characters that JSON escapes (quote, backslash, newline).
_TOKENS: tuple[str, ...] = (
    " the", " of", " and", " to", " a", " in", " is", " that", " for", " it", " as", " with",
    " model", " stream", " event", " token", " server", " client", " response", " data",
    " Python", " browser", " parser", ",", ".", ":", " (", ")", " 1", "0", "2", "\n", "\n\n",
    " \"quoted\"", " C:\\path", " café", " naïve", " Grüße", " façade", " déjà", " über",
    " Ωμέγα", " Привет", " 你好", "世界", "，", "。", " こんにちは", " 안녕", " —", "…",
    " 👋", " 😀", " 🚀", " ✓", " €5", " ±0.5", " →",
)


def corpus(name: str, events: int | None = None) -> bytes:
    """The corpus `name` (one of `CORPORA`), of `events` events (default: `DEFAULT_EVENTS`).

    The same arguments give the same bytes, in any process and on any platform.
    """
    if name not in DEFAULT_EVENTS:
        raise ValueError(f"unknown corpus {name!r}; expected one of {', '.join(CORPORA)}")
    count = DEFAULT_EVENTS[name] if events is None else events
    if count < 1:
        raise ValueError("events must be at least 1")
    return _corpus(name, count)


def dispatched_events(name: str, events: int | None = None) -> int:
    """How many events a spec-exact parser dispatches for `corpus(name, events)`."""
    count = DEFAULT_EVENTS[name] if events is None else events
    return count + 1 if name == "llm" else count  # llm: the chunks, then [DONE]


def chunked(data: bytes, how: str) -> list[bytes]:
    """`data` cut into pieces as `how` (one of `CHUNKINGS`) says; they join back to `data`."""
    if how == "fixed-1460":
        return [data[start : start + FIXED_PIECE] for start in range(0, len(data), FIXED_PIECE)]
    if how == "random-1-4096":
        rng = random.Random(_CHUNK_SEED)
        pieces = []
        start = 0
        while start < len(data):
            end = start + rng.randint(1, RANDOM_PIECE_MAX)
            pieces.append(data[start:end])
            start = end
        return pieces
    raise ValueError(f"unknown chunking {how!r}; expected one of {', '.join(CHUNKINGS)}")


@cache
def _corpus(name: str, count: int) -> bytes:
    if name == "llm":
        return _llm(count)
    if name == "multiline":
        return _multiline(count)
    return b"data: x\n\n" * count


def _llm(count: int) -> bytes:
    rng = random.Random(_LLM_SEED)
    out: list[str] = []
    for n in range(count):
        if n == 0:
            delta: dict[str, object] = {"role": "assistant", "content": "", "refusal": None}
        elif n == count - 1:
            delta = {}
        else:
            delta = {"content": "".join(rng.choice(_TOKENS) for _ in range(rng.randint(1, 3)))}
        chunk = {
            "id": "chatcmpl-Bx7kq2bench0000000000000001",
            "object": "chat.completion.chunk",
            "created": 1735689600 + n // 50,
            "model": "gpt-4o-mini-2024-07-18",
            "service_tier": "default",
            "system_fingerprint": "fp_0ba0d124f1",
            "choices": [
                {
                    "index": 0,
                    "delta": delta,
                    "logprobs": None,
                    "finish_reason": "stop" if n == count - 1 else None,
                }
            ],
        }
        payload = json.dumps(chunk, ensure_ascii=False, separators=(",", ":"))
        out.append(f"id: {n}\ndata: {payload}\n\n")
        if (n + 1) % PING_EVERY == 0:
            out.append(": ping\n\n")
    out.append("data: [DONE]\n\n")
    return "".join(out).encode("utf-8")


def _multiline(count: int) -> bytes:
    rng = random.Random(_MULTILINE_SEED)
    words = "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor".split()
    out: list[str] = []
    for _ in range(count):
        for _ in range(MULTILINE_LINES):
            target = rng.randint(50, 70)
            line = rng.choice(words)
            while len(line) < target:
                line += " " + rng.choice(words)
            out.append(f"data: {line[:target]}\r\n")
        out.append("\r\n")
    return "".join(out).encode("ascii")
