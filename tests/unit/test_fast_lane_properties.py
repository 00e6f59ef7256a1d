"""`FastLane`, property-based: with the lane on or off, a chat shows the same text, statuses, ids
and indexes, for any stream of each dialect's text frames and any split of it that Hypothesis
chooses. The streams come from the generators of test_fast_lane.py (from a seed Hypothesis draws)
and, so that a failure shrinks to a few frames, from frames Hypothesis builds one by one with
the same frame makers.
"""

from __future__ import annotations

import functools
import json
import random

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from sse_client.formats import Chunk, PayloadNormalizer
from sse_client.formats.fast_lane import FastLane
from sse_client.parser import EventStreamParser
from tests.unit.strategies import cuts, examples, texts
from tests.unit.test_fast_lane import (
    CONTENTS,
    DIALECT_WIRES,
    _raw,
    assembled,
    dialect_stream,
    frame_cuts,
    outcome,
    random_stream,
)


def cuts_of(stream: bytes) -> st.SearchStrategy[list[int]]:
    """Any cuts of `stream`, or a piece per frame (a model's pace), or both: then a piece may
    be a whole frame after one that ended within an event (a line of it, or a lone CR)."""
    per_frame = frame_cuts(stream)
    return st.one_of(cuts(len(stream)), st.just(per_frame),
                     cuts(len(stream)).map(lambda more: sorted({*per_frame, *more})))


@given(st.sampled_from(sorted(DIALECT_WIRES)), st.randoms(use_true_random=False), st.integers(4, 80), st.data())
def test_each_dialects_stream_gives_the_same_chat_with_the_lane_on_or_off(
        dialect: str, rng: random.Random, frames: int, data: st.DataObject) -> None:
    stream = dialect_stream(rng, dialect, frames)
    offsets = data.draw(cuts_of(stream), label="cuts")
    assert assembled(stream, offsets, lane=True) == assembled(stream, offsets, lane=False)


@given(st.randoms(use_true_random=False), st.integers(1, 60), st.one_of(st.just(1 << 22), st.integers(60, 600)),
       st.data())
def test_any_openai_like_stream_gives_the_same_events_with_the_lane_on_or_off(
        rng: random.Random, frames: int, limit: int, data: st.DataObject) -> None:
    stream = random_stream(rng, frames)
    offsets = data.draw(cuts_of(stream), label="cuts")
    assert outcome(stream, offsets, lane=True, max_event_bytes=limit) == outcome(
        stream, offsets, lane=False, max_event_bytes=limit)


def _raw_lines(text: str, index: int, *, separator: str) -> str:
    return _raw(text, index).replace("\n", separator)


@st.composite
def built_streams(draw: st.DrawFn, dialect: str) -> bytes:
    """A stream of `dialect`'s text frames that Hypothesis builds (and shrinks) frame by frame:
    text of any kind with or without an id, now and then a comment, a blank line, a frame under
    another event name, a broken frame, an index that jumps back or ahead, CRLF or lone CR line
    ends."""
    make, event, colon, eol = DIALECT_WIRES[dialect]
    if make is _raw:  # raw text from either kind of server, its line breaks as `data` lines
        eol = draw(st.sampled_from(["\n", "\r\n"]))
        make = functools.partial(_raw_lines, separator=f"{eol}data{colon}")
    name = "" if event is None else f"event{colon}{event}{eol}"
    out: list[str] = []
    index = 0
    kinds = st.sampled_from(["text"] * 8 + ["comment", "blank", "other", "broken", "jump", "cr"])
    for number in range(draw(st.integers(1, 30))):
        kind = draw(kinds)
        head = f"id{colon}{number}{eol}" if draw(st.booleans()) else ""
        if kind == "text":
            text = draw(st.one_of(st.sampled_from(CONTENTS), texts))
            out.append(f"{head}{name}data{colon}{make(text, index)}{eol}{eol}")
            index += 1
        elif kind == "comment":
            out.append(f": ping{eol}{eol}")
        elif kind == "blank":
            out.append(eol)
        elif kind == "other":
            out.append(f"{head}event{colon}other{eol}data{colon}{make('o', index)}{eol}{eol}")
        elif kind == "broken":
            out.append(f"{head}{name}data{colon}{make('x', index)[:-1]}{eol}{eol}")
        elif kind == "jump":
            index = draw(st.integers(0, index + 3))
        else:
            out.append(f"{name}data{colon}{make('cr', index)}\r\r")
            index += 1
    return "".join(out).encode("utf-8", "surrogatepass")


@pytest.mark.parametrize("dialect", sorted(DIALECT_WIRES))
@examples(1 / len(DIALECT_WIRES))
@given(st.data())
def test_a_stream_built_frame_by_frame_gives_the_same_chat_with_the_lane_on_or_off(
        dialect: str, data: st.DataObject) -> None:
    stream = data.draw(built_streams(dialect), label="stream")
    offsets = data.draw(cuts_of(stream), label="cuts")
    assert assembled(stream, offsets, lane=True) == assembled(stream, offsets, lane=False)


# --- Found by these properties, and fixed (kept as regression tests) -----------------------------------


def _standard(text: str, index: int, **extra: object) -> bytes:
    value = {"type": "chunk", "data": {"content": text, "index": index}, **extra}
    return f"data: {json.dumps(value)}\n\n".encode()


def test_after_a_frame_of_a_shape_that_cannot_be_learned_the_lane_takes_the_next_run() -> None:
    # Once, FrameTemplate.learn left the last shape's pattern in place with no shape: `match`
    # went on reading frames of the old shape, nothing was learned again, and the lane was off
    # for the rest of the stream.
    parser, normalizer = EventStreamParser(), PayloadNormalizer()
    lane = FastLane(parser, normalizer, min_bytes=0)
    # The text key twice: the template cannot tell which is the text (a full parse reads it).
    lane.decode(_standard("a", 0) + _standard("b", 1) + _standard("c", 2, zz={"content": 0}))
    events, count = lane.decode(b"".join(_standard(f"w{n}", n + 3) for n in range(100)))
    assert count == 100 and "".join(event.content for event in events if type(event) is Chunk) == "".join(
        f"w{n}" for n in range(100))
    assert len(events) <= 9  # the frames that tell the shape one by one (8 at most), then one run


@examples(0.1)
@given(st.integers(1, 300), st.booleans())
@example(1, True)
def test_a_piece_that_starts_with_crlf_after_a_piece_that_ended_in_cr_reads_as_the_general_path_does(
        frames: int, apart: bool) -> None:
    # The lane once turned CRLF into LF before handing a piece to the parser: after a piece that
    # ended in CR (a lone CR line end), the parser took that LF for the CR's pair, the blank line
    # was lost and two events were read as one. Minimal: b"data: x\r\r\ndata: y\n\n" cut at
    # [8, 10] gave one event, "x\ny".
    stream = b"data: x\r\r\n" + b"data: y\n\n" * frames
    offsets = [8, 10] if apart else [8]
    assert outcome(stream, offsets, lane=True) == outcome(stream, offsets, lane=False)
