"""Hypothesis settings profiles and the strategies the property-based tests share.

    HYPOTHESIS_PROFILE=ci     (the default) 150 examples a property, derandomized: every run
                              tries the same examples, so the suite is deterministic
    HYPOTHESIS_PROFILE=dev    the same number, from a new random seed each run
    HYPOTHESIS_PROFILE=fuzz   20,000 examples a property, random: a long fuzz session

    HYPOTHESIS_PROFILE=fuzz .venv/bin/python -m pytest tests/unit/test_*properties*.py -q

Each test module imports this one, which registers the profiles and loads the one the
environment names. A property that costs more per example than most takes a fraction of the
profile's examples (`examples`): a property run for each dialect or format shares its examples
among them, and a regression test of one narrow input takes a tenth.

The strategies build what the sans-I/O core reads: the bytes of event streams (field lines,
comments, every line end, BOMs, invalid UTF-8, NUL), the `ServerSentEvent`s a parser can dispatch,
JSON in the shape of each dialect's frames with any value in any place, and the points to cut a
byte string at.
"""

from __future__ import annotations

import itertools
import json
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from sse_client.parser import ServerSentEvent

# --- Profiles ---------------------------------------------------------------------------------------

_QUIET = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example]
# No example database in CI: a derandomized run needs none, and nothing is written to the tree.
settings.register_profile("ci", max_examples=150, derandomize=True, database=None, deadline=None,
                          suppress_health_check=_QUIET, print_blob=True)
settings.register_profile("dev", max_examples=150, deadline=None, suppress_health_check=_QUIET,
                          print_blob=True)
settings.register_profile("fuzz", max_examples=20_000, deadline=None, database=None,
                          suppress_health_check=list(HealthCheck), print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

F = TypeVar("F", bound=Callable[..., Any])


def examples(fraction: float) -> Callable[[F], F]:
    """`@settings` with `fraction` of the loaded profile's examples (at least 10)."""
    loaded = settings.default
    assert loaded is not None  # a profile is loaded above
    return settings(max_examples=max(10, int(loaded.max_examples * fraction)))


# CPython refuses to turn a string of more digits than this into an int (or back): `int("1" *
# 4301)` raises ValueError. Numbers written as digit strings go up to twice as long (a retry, an
# id, an index, a JSON number, an error code), and regression tests go past it on purpose.
INT_DIGITS = sys.get_int_max_str_digits() or 4300

# --- Cutting bytes ------------------------------------------------------------------------------------


def cuts(size: int) -> st.SearchStrategy[list[int]]:
    """Offsets to cut a byte string of `size` at: any handful (repeats make empty pieces, and
    0 and `size` empty first and last pieces), or every `step` bytes (one byte at a time too)."""
    some = st.lists(st.integers(0, size), max_size=24).map(sorted)
    every = st.integers(1, max(1, min(size, 64))).map(lambda step: list(range(step, size, step)))
    return st.one_of(some, every)


def pieces(data: bytes, offsets: Sequence[int]) -> list[bytes]:
    """`data` cut at `offsets` (sorted)."""
    bounds = [0, *offsets, len(data)]
    return [data[a:b] for a, b in itertools.pairwise(bounds)]


# --- Event-stream bytes ------------------------------------------------------------------------------

BOM = b"\xef\xbb\xbf"
LINE_ENDS = (b"\n", b"\r", b"\r\n")
# Field names: the four the spec knows, near misses (case, a space, a BOM), none, anything.
FIELD_NAMES = (b"data", b"event", b"id", b"retry", b"", b"dat", b"Data", b"data ", b" data", BOM + b"data",
               b"x", b"datadata")
# Pieces of values: what each rule looks at (leading spaces, colons, NUL, digits, BOMs), text in
# every UTF-8 length, and byte sequences that are not UTF-8 (lone lead and continuation bytes,
# an encoded surrogate, an overlong form, a sequence cut short).
VALUE_ATOMS = (b"", b" ", b"  ", b":", b": ", b"x", b"Hello", b"\x00", BOM, b"\xff", b"\xc3", b"\xe4\xbd", b"\x80",
               b"\xed\xa0\x80", b"\xc0\xaf", b"\xf0\x9f\x98", "é你🚀".encode(), b"0", b"007", b"123", b"-1", b"1.5",
               b" 5", b"[DONE]", b'{"a": 1}', b"\x7f", b"\x0b\x0c\x1c\x85", "\u2028\u0085".encode(), b"\t")
# Any bytes, but with what the parser acts on often enough to matter.
BYTE_TOKENS = (b"\n", b"\r", b"\r\n", b"\n\n", b"\r\r", b":", b": ", b" ", b"data", b"data:", b"data: x\n\n",
               b"event:", b"id:", b"id: 7\n", b"retry:", b"retry: 10\n", b"\x00", BOM, b"\xff", b"\xc3", b"\xe4\xbd",
               b"\xf0\x9f\x98\x80", b"1", b"a")

values: st.SearchStrategy[bytes] = st.lists(
    st.one_of(st.sampled_from(VALUE_ATOMS), st.binary(max_size=4)), max_size=5).map(b"".join)
digits: st.SearchStrategy[bytes] = st.one_of(
    st.text("0123456789", max_size=25), st.integers(0, 2 * INT_DIGITS).map(lambda n: "9" * n),
    st.integers(0, 2 * INT_DIGITS).map(lambda n: "0" * n + "7")).map(str.encode)


@st.composite
def field_line(draw: st.DrawFn) -> bytes:
    """One line without its line end: mostly a `data`, `event` or `id` field (`name:value`,
    `name: value`), else a `retry` of digits, another field, a bare name, a comment or a blank
    line."""
    kind = draw(st.sampled_from(["data", "data", "data", "event", "id", "retry", "other", "bare", "comment",
                                 "blank"]))
    if kind == "blank":
        return b""
    if kind == "comment":
        return b":" + draw(values)
    if kind == "retry":
        return b"retry:" + draw(st.sampled_from([b"", b" "])) + draw(digits)
    name = draw(st.sampled_from(FIELD_NAMES)) if kind in ("other", "bare") else kind.encode()
    if kind == "bare":
        return name
    return name + draw(st.sampled_from([b":", b": ", b": ", b":  "])) + draw(values)


@st.composite
def event_streams(draw: st.DrawFn) -> bytes:
    """An event stream of events, each some field lines then (mostly) a blank line, every line
    ended by LF, CR or CRLF (a stream may mix them); it may open with a BOM (or two, or part of
    one) and end in an unfinished line."""
    head = draw(st.sampled_from([b"", b"", BOM, BOM + BOM, BOM[:2], b"\xef"]))
    eol = st.sampled_from(LINE_ENDS)
    lines: list[bytes] = []
    for _ in range(draw(st.integers(0, 8))):
        for line in draw(st.lists(field_line(), min_size=1, max_size=4)):
            lines += [line, draw(eol)]
        if draw(st.integers(0, 5)):
            lines += [draw(eol)]  # the blank line that ends the event
    tail = draw(st.one_of(st.just(b""), field_line()))
    return head + b"".join(lines) + tail


any_bytes: st.SearchStrategy[bytes] = st.one_of(
    st.binary(max_size=200),
    st.lists(st.one_of(st.sampled_from(BYTE_TOKENS), st.sampled_from(BYTE_TOKENS), st.binary(max_size=6)),
             max_size=60).map(b"".join),
)
streams: st.SearchStrategy[bytes] = st.one_of(event_streams(), any_bytes)

# --- Text and JSON -------------------------------------------------------------------------------------

# Text of every kind, lone surrogates (which JSON can escape: "\ud83d") and the characters JSON
# and line splitting care about included.
texts: st.SearchStrategy[str] = st.text(st.one_of(
    st.characters(),
    st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF),
    st.sampled_from('"\\/\n\r\t\x00\x1f\u2028\u2029\ufeff\ufffd{}[]:,'),
), max_size=12)


def on_the_wire(text: str) -> str:
    """`text` as it reaches a `ServerSentEvent` from the wire: UTF-8 decoded with replacement, so
    a lone surrogate written raw (not escaped in JSON) is U+FFFD."""
    return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


numbers: st.SearchStrategy[Any] = st.one_of(
    st.integers(), st.sampled_from([0, -1, 1, 2**53 + 1, 2**63, -(2**64), 10**100]),
    st.floats(allow_nan=True, allow_infinity=True),
)
json_scalars: st.SearchStrategy[Any] = st.one_of(st.none(), st.booleans(), numbers, texts)

# Keys of every dialect, so that generated objects look like frames often enough.
DIALECT_KEYS = ("type", "data", "content", "index", "message", "code", "progress", "final_response", "chunk",
                "choices", "delta", "refusal", "role", "object", "finish_reason", "error", "text", "content_block",
                "response", "output", "candidates", "parts", "thought", "finishReason", "promptFeedback",
                "blockReason", "token", "special", "generated_text", "stop", "errorText", "status_code", "detail",
                "status", "error_type", "output_text", "sequence_number", "obfuscation", "metadata")
# Values of `type` (and kin) that mean something to some dialect.
TYPE_NAMES = ("chunk", "status", "error", "complete", "content_block_delta", "content_block_start", "message_start",
              "message_stop", "message_delta", "ping", "text_delta", "thinking_delta", "text",
              "response.output_text.delta", "response.refusal.delta", "response.completed", "response.incomplete",
              "response.failed", "response.created", "text-delta", "text-start", "finish", "abort", "data-x",
              "start", "message", "output_text", "refusal", "AIMessageChunk", "chat.completion.chunk")

json_values: st.SearchStrategy[Any] = st.recursive(
    st.one_of(json_scalars, st.sampled_from(TYPE_NAMES)),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.one_of(st.sampled_from(DIALECT_KEYS), texts), inner, max_size=4),
    ),
    max_leaves=12,
)


def shaped(required: dict[str, st.SearchStrategy[Any]],
           optional: dict[str, st.SearchStrategy[Any]] | None = None) -> st.SearchStrategy[Any]:
    """An object with `required` keys and any of `optional`, each value either what the dialect
    expects there or anything at all."""
    def loosen(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        return st.one_of(strategy, json_values)

    return st.fixed_dictionaries({k: loosen(v) for k, v in required.items()},
                                 optional={k: loosen(v) for k, v in (optional or {}).items()})


def _types(*names: str) -> st.SearchStrategy[str]:
    return st.sampled_from(names)


_error_objects = shaped({}, {"code": st.one_of(texts, numbers), "message": texts, "type": texts, "status": texts})
# Each dialect's frames (and its errors), every key optional or of any value.
DIALECT_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "standard": shaped({"type": _types("chunk", "status", "error", "complete", "other"),
                        "data": shaped({}, {"content": texts, "index": st.integers(-2, 10**6), "message": texts,
                                            "progress": numbers, "code": texts, "final_response": texts})}),
    "legacy": shaped({"chunk": texts}, {"type": _types("status", "chunk")}),
    "openai": shaped({"choices": st.lists(shaped({"delta": shaped({}, {"content": texts, "refusal": texts,
                                                                         "role": texts})},
                                                  {"index": st.integers(0, 2), "finish_reason": texts}), max_size=2)},
                     {"object": _types("chat.completion.chunk"), "id": texts, "error": _error_objects}),
    "responses": shaped({"type": _types("response.output_text.delta", "response.refusal.delta", "response.completed",
                                        "response.incomplete", "response.failed", "error", "response.created")},
                        {"delta": texts, "sequence_number": numbers, "code": texts, "message": texts,
                         "response": shaped({}, {"output": st.lists(shaped(
                             {"type": _types("message")}, {"content": st.lists(shaped(
                                 {"type": _types("output_text", "refusal")}, {"text": texts, "refusal": texts}))})),
                             "error": _error_objects})}),
    "anthropic": shaped({"type": _types("content_block_delta", "content_block_start", "message_start", "message_stop",
                                        "ping", "error", "message_delta")},
                        {"index": st.integers(0, 3),
                         "delta": shaped({"type": _types("text_delta", "thinking_delta")}, {"text": texts}),
                         "content_block": shaped({"type": _types("text")}, {"text": texts}),
                         "error": _error_objects}),
    "vercel": shaped({"type": _types("text-delta", "text-start", "finish", "abort", "error", "start", "data-x")},
                     {"delta": texts, "id": texts, "errorText": texts}),
    "gemini": shaped({"candidates": st.lists(shaped(
        {"content": shaped({"parts": st.lists(shaped({}, {"text": texts, "thought": st.booleans()}), max_size=3)})},
        {"finishReason": texts}), max_size=2)},
        {"promptFeedback": shaped({}, {"blockReason": texts}), "error": _error_objects}),
    "tgi": shaped({"token": shaped({"text": texts}, {"id": numbers, "special": st.booleans()})},
                  {"index": numbers, "generated_text": st.one_of(st.none(), texts), "error": texts,
                   "error_type": texts}),
    "llamacpp": shaped({"content": texts, "stop": st.booleans()}, {"index": numbers, "error": _error_objects}),
    "langserve": st.one_of(texts, shaped({"content": st.one_of(texts, st.lists(st.one_of(
        texts, shaped({"type": _types("text")}, {"text": texts}))))})),
    "errors": st.one_of(
        shaped({"error": _error_objects}),
        shaped({"type": _types("error"), "data": _error_objects}),
        shaped({"error": texts}, {"error_type": texts}),
        shaped({"type": _types("error")}, {"errorText": texts, "code": texts, "message": texts}),
        shaped({"status_code": numbers, "message": texts}),
        shaped({"detail": texts}),
    ),
}
frame_values: st.SearchStrategy[Any] = st.one_of(*DIALECT_VALUES.values(), json_values)


@st.composite
def json_text(draw: st.DrawFn, value: st.SearchStrategy[Any] = frame_values) -> str:
    """`value` written as JSON the ways servers write it (spaces or none, escaped or raw
    non-ASCII), or cut short."""
    written = json.dumps(draw(value), ensure_ascii=draw(st.booleans()),
                         separators=draw(st.sampled_from([(", ", ": "), (",", ":")])))
    if draw(st.integers(0, 9)) == 0:
        written = written[: draw(st.integers(0, len(written)))]  # a frame cut short
    return on_the_wire(written)


def _nested(depth: int, close: bool) -> str:
    return "[" * depth + ("]" * depth if close else "")


# What a frame's data may be besides JSON of a dialect's shape: nothing, blank text, `[DONE]`,
# plain text, nesting deeper than any parser goes, numbers of every size (past INT_DIGITS too),
# lone surrogate escapes, escapes JSON does not have.
odd_data: st.SearchStrategy[str] = st.one_of(
    st.sampled_from(["", " ", "\n", "[DONE]", "[DONE] ", "null", "true", "42", "-0", "1e999", "-1e999", "NaN",
                     "Infinity", '"\\ud800"', '"\\udc00\\ud800"', '{"a": "\\udfff"}', '"\\x41"', '"\\u12"',
                     "{", "}", "[", '{"content": "a"', '{"chunk": "a"}', '"text"', "\ufeff{}"]),
    st.builds(_nested, st.integers(1, 3_000), st.booleans()),
    st.integers(1, 3_000).map(lambda depth: '{"choices": [{"delta": {"content": ' + _nested(depth, True) + "}}]}"),
    st.integers(1, 3_000).map(lambda depth: '{"a":' * depth + "1" + "}" * depth),
    st.integers(1, 2 * INT_DIGITS).map(lambda n: "1" * n),
    st.integers(1, 2 * INT_DIGITS).map(lambda n: '{"type": "chunk", "data": {"content": "x", "index": ' + "1" * n + "}}"),
    texts.map(on_the_wire),
)
frame_data: st.SearchStrategy[str] = st.one_of(json_text(), json_text(), odd_data)

# SSE event names: the default, every dialect's own, near misses, anything.
EVENT_NAMES = ("message", "message", "error", "data", "metadata", "end", "content_block_delta", "content_block_start",
               "message_start", "message_stop", "ping", "response.output_text.delta", "response.completed",
               "response.incomplete", "response.failed", "response.other", "response.", "chunk", "status",
               "complete", "Message", "")
event_names: st.SearchStrategy[str] = st.one_of(
    st.sampled_from(EVENT_NAMES), texts.map(lambda t: on_the_wire(t).replace("\n", "").replace("\r", "")))
event_ids: st.SearchStrategy[str] = st.one_of(
    st.just(""), st.integers(0, 10**6).map(str), st.sampled_from(["007", "-1", "1.5", "١٢", "²", " 1"]),
    st.integers(1, 2 * INT_DIGITS).map(lambda n: "9" * n),
    texts.map(lambda t: on_the_wire(t).translate({0: None, 10: None, 13: None})),
)


@st.composite
def server_sent_events(draw: st.DrawFn) -> ServerSentEvent:
    """An event as `EventStreamParser` can dispatch one: data without CR, a name without line
    ends, an id without NUL or line ends, nothing that UTF-8 decoding cannot give."""
    data = draw(frame_data).replace("\r", "")
    retry = draw(st.one_of(st.none(), st.integers(0, 10**12)))
    return ServerSentEvent(data, draw(event_names) or "message", draw(event_ids), retry)
