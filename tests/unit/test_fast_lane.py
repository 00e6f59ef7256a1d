"""FastLane: the same reply as the general path (parser, normaliser, one Chunk per event), for
any stream and any split of it; only runs of text may come merged into one Chunk."""

from __future__ import annotations

import json
import random
import re

import pytest

from sse_client.formats import ChatEvent, Chunk, PayloadNormalizer
from sse_client.formats.fast_lane import FastLane
from sse_client.parser import EventStreamParser, EventTooLargeError


def openai(content: object, **extra: object) -> str:
    obj = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1,
           "choices": [{"index": 0, "delta": {"content": content}, "finish_reason": None}], **extra}
    return json.dumps(obj, ensure_ascii=False)


def outcome(stream: bytes, cuts: list[int], *, lane: bool, max_event_bytes: int = 1 << 22) -> list[object]:
    """What a consumer sees: text (runs of chunks joined), every other event with its id, the
    number of server-sent events, the last event id; and where an EventTooLargeError came."""
    parser = EventStreamParser(max_event_bytes=max_event_bytes)
    normalizer = PayloadNormalizer()
    fast = FastLane(parser, normalizer, min_bytes=0)  # the lane for pieces of any size
    seen: list[object] = []
    text: list[str] = []
    count = 0

    def take(events: list[ChatEvent]) -> None:
        for event in events:
            if type(event) is Chunk:
                assert event.index is None and event.content
                text.append(event.content)
                continue
            if text:
                seen.append("".join(text))
                text.clear()
            seen.append(event)

    pieces = [stream[a:b] for a, b in zip([0, *cuts], [*cuts, len(stream)])]
    for piece in pieces:
        try:
            if lane:
                events, n = fast.decode(piece)
            else:
                sse = parser.feed(piece)
                events, n = [c for c in map(normalizer.normalize, sse) if c is not None], len(sse)
        except EventTooLargeError as exc:
            take([c for c in map(normalizer.normalize, exc.events) if c is not None])
            seen.append(("too large", len(exc.events)))
            break
        take(events)
        count += n
    if text:
        seen.append("".join(text))
    return [*seen, ("events", count), ("last id", parser.last_event_id), ("retry", parser.retry)]


CONTENTS = ["Hello", " world", "", "café 你好 🚀", 'a "quote"', "back\\slash", "line\nbreak", "\ud83d",
            "\u2028", "}]}", "\\u0041", "\x7f", " ", "tab\t", "\n", "two\n\nbreaks\n", "data: x", "cut§\nnext§"]


def random_frame(rng: random.Random, number: int) -> bytes:
    """A frame of an OpenAI-like stream: mostly the one shape, sometimes anything else."""
    roll = rng.random()
    id_line = f"id: {number}\n" if rng.random() < 0.7 else ""
    if roll < 0.75:
        data = openai(rng.choice(CONTENTS))
        if rng.random() < 0.05:  # a JSON escape written the long way, or a surrogate pair
            data = data.replace('"content": "', '"content": "\\u00e9\\ud83d\\ude80', 1)
        return f"{id_line}data: {data}\n\n".encode("utf-8", "surrogatepass")
    if roll < 0.78:
        return f"{id_line}data: {openai('x', created=2)}\n\n".encode("utf-8", "surrogatepass")  # another shape
    if roll < 0.80:
        return f"data: {openai('', role='assistant')}\n\n".encode("utf-8", "surrogatepass")
    if roll < 0.82:
        return b": ping\n\n"
    if roll < 0.84:
        return b"\n"  # an extra blank line
    if roll < 0.86:
        return f"event: note\ndata: {openai('n')}\n\n".encode("utf-8", "surrogatepass")
    if roll < 0.88:
        return f"id: a\x00b\ndata: {openai('nul id')}\n\n".encode("utf-8", "surrogatepass")
    if roll < 0.90:
        return f"retry: {rng.randint(1, 5000)}\ndata: {openai('r')}\n\n".encode("utf-8", "surrogatepass")
    if roll < 0.92:
        return f"data: {openai('crlf')}\r\n\r\n".encode("utf-8", "surrogatepass")
    if roll < 0.94:  # invalid UTF-8 inside the literal, and a sequence cut by the quote
        return id_line.encode("utf-8", "surrogatepass") + f"data: {openai('bad')}\n\n".encode("utf-8", "surrogatepass").replace(b"bad", b"b\xe4\xbd\xff")
    if roll < 0.95:
        return f"data: {openai('x')}".replace('"x"', '"\\x"').encode("utf-8", "surrogatepass") + b"\n\n"  # a bad escape
    if roll < 0.96:
        return b"data: {not json\n\n"
    if roll < 0.97:
        return f"data: {openai('two')}\ndata: {openai('lines')}\n\n".encode("utf-8", "surrogatepass")
    if roll < 0.98:
        return f"id:{number}\ndata:{openai('no space')}\n\n".encode("utf-8", "surrogatepass")
    return f"data: {openai('x', created=number)}\n\n".encode("utf-8", "surrogatepass")


def random_stream(rng: random.Random, frames: int) -> bytes:
    head = [b"\xef\xbb\xbf"] if rng.random() < 0.2 else []
    # Two plain frames first, so that the stream is OpenAI deltas with a learned shape early.
    body = [f"data: {openai('Hi')}\n\n".encode("utf-8", "surrogatepass"), f"id: 0\ndata: {openai(' there')}\n\n".encode("utf-8", "surrogatepass")]
    body += [random_frame(rng, number) for number in range(1, frames)]
    if rng.random() < 0.5:
        body.append(b"data: [DONE]\n\n")
    if rng.random() < 0.3:
        body.append(b"data: " + openai("unfinished").encode("utf-8", "surrogatepass"))
    return b"".join(head + body)


def frame_cuts(stream: bytes) -> list[int]:
    """Offsets after each blank line of `stream`: a piece per frame, as a model writing at its
    own pace sends them."""
    return [found.end() for found in re.finditer(rb"\r\n\r\n|\n\n|\r\r", stream)]


def random_cuts(rng: random.Random, size: int, stream: bytes = b"") -> list[int]:
    style = rng.random()
    if stream and style < 0.25:
        return frame_cuts(stream)
    if style < 0.3:
        step = rng.choice([1, 7, 64, 500, 4096])
        return list(range(step, size, step))
    if style < 0.9:
        return sorted(rng.sample(range(1, size), min(size - 1, rng.randint(0, 40))))
    return []


@pytest.mark.parametrize("seed", range(400))
def test_any_stream_and_any_split_give_what_the_general_path_gives(seed: int) -> None:
    rng = random.Random(seed)
    stream = random_stream(rng, rng.randint(1, 120))
    cuts = random_cuts(rng, len(stream), stream)
    assert outcome(stream, cuts, lane=True) == outcome(stream, cuts, lane=False)


@pytest.mark.parametrize("seed", range(60))
def test_an_event_over_the_limit_fails_at_the_same_place_with_the_same_events_before_it(seed: int) -> None:
    rng = random.Random(seed)
    stream = random_stream(rng, 60)
    cuts = random_cuts(rng, len(stream), stream)
    limit = rng.choice([150, 180, 220, 400])
    expected = outcome(stream, cuts, lane=False, max_event_bytes=limit)
    assert outcome(stream, cuts, lane=True, max_event_bytes=limit) == expected


def test_a_run_of_frames_of_the_learned_shape_comes_as_one_chunk_with_the_last_id() -> None:
    frames = [f"data: {openai('a')}\n\n", f"data: {openai('b')}\n\n"]  # learn, then decide deltas
    frames += [f"id: {n}\ndata: {openai(str(n))}\n\n" for n in range(10)]
    parser, normalizer = EventStreamParser(), PayloadNormalizer()
    lane = FastLane(parser, normalizer, min_bytes=0)
    first, n = lane.decode("".join(frames[:2]).encode("utf-8", "surrogatepass"))
    assert [e.content for e in first] == ["a", "b"] and n == 2  # type: ignore[union-attr]
    events, n = lane.decode("".join(frames[2:]).encode("utf-8", "surrogatepass"))
    assert events == [Chunk("0123456789", None, "9")] and n == 10
    assert parser.last_event_id == "9" and parser.at_event_boundary


def test_a_stuttering_stream_takes_the_general_path() -> None:
    frames = "".join(f"data: {openai(text)}\n\n" for text in ["He", "Hel", "Hello", "Hello!"]).encode("utf-8", "surrogatepass")
    lane = FastLane(EventStreamParser(), PayloadNormalizer(), min_bytes=0)
    events, _ = lane.decode(frames)
    assert [e.content for e in events] == ["He", "l", "lo", "!"]  # type: ignore[union-attr]


@pytest.mark.parametrize("escapes", [True, False])
def test_each_literal_is_decoded_on_its_own_as_the_general_path_decodes_each_frame(escapes: bool) -> None:
    # Two halves of an escaped surrogate pair in two frames stay two lone surrogates, and a
    # UTF-8 sequence cut between two frames stays two replacement characters, as one frame at
    # a time gives them: decoding the literals joined would make one character of each. With
    # no escape in the run the lane decodes the bytes itself, else with json.loads.
    learn = f"data: {openai('a')}\n\ndata: {openai('b')}\n\n".encode()
    escaped = [json.dumps(json.loads(openai(half))).encode() for half in ("\ud83d", "\ude80")]
    assert b"\\ud83d" in escaped[0]  # json.dumps escapes it (ensure_ascii)
    cut = "你".encode()
    split = [openai("X").encode().replace(b"X", cut[:2]), openai("Y").encode().replace(b"Y", cut[2:])]
    frames = b"".join(b"data: " + data + b"\n\n" for data in [*(escaped if escapes else []), *split])
    expected = "ab" + ("\ud83d\ude80" if escapes else "") + "\ufffd\ufffd"
    for lane in (True, False):
        assert outcome(learn + frames, [len(learn)], lane=lane)[0] == expected


def test_a_whole_stream_in_one_piece_takes_the_lane_once_its_first_frames_told_the_shape() -> None:
    frames = [f"data: {openai('', role='assistant')}\n\n"]
    frames += [f"id: {n}\ndata: {openai(f'w{n} ')}\n\n" for n in range(200)]
    frames.append("data: [DONE]\n\n")
    lane = FastLane(EventStreamParser(), PayloadNormalizer())
    events, count = lane.decode("".join(frames).encode())
    chunks = [e for e in events if type(e) is Chunk]
    assert "".join(c.content for c in chunks) == "".join(f"w{n} " for n in range(200))
    assert count == 202
    assert len(chunks) <= 8  # the first frames one by one, then one run


def test_a_piece_of_a_frame_or_two_takes_the_general_path() -> None:
    learn = "".join(f"data: {openai(text)}\n\n" for text in ["a", "b", "c"]).encode()
    two = f"data: {openai('d')}\n\ndata: {openai('e')}\n\n".encode()
    lane = FastLane(EventStreamParser(), PayloadNormalizer())
    lane.decode(learn)
    events, _ = lane.decode(two)
    assert len(two) < lane.min_bytes
    assert events == [Chunk("d", None, ""), Chunk("e", None, "")]  # one per event: not merged
    lane.min_bytes = 0
    events, _ = lane.decode(two)
    assert events == [Chunk("de", None, "")]


def test_a_piece_of_one_frame_after_a_piece_that_ended_within_an_event_is_read_by_the_parser() -> None:
    # A data line without the blank line that ends its event: the next piece's lines belong to
    # that event, even if the piece alone is a whole frame of the shape.
    learn = "".join(f"data: {openai(text)}\n\n" for text in ["a", "b", "c"]).encode()
    lane = FastLane(EventStreamParser(), PayloadNormalizer(), min_bytes=0)
    lane.decode(learn)
    assert lane.decode(b"data: x\n") == ([], 0)
    events, count = lane.decode(f"data: {openai('d')}\n\n".encode())
    assert count == 1 and [type(event).__name__ for event in events] == ["Malformed"]


def test_a_shape_learned_from_frames_of_several_data_lines_takes_the_general_path() -> None:
    # JSON may break lines between tokens, and a server may send each line as a `data:` line:
    # the learned shape then has an LF in it, which the lane's one-line pattern must not take
    # for a bare line break (that line has no `data:` field name, so the frame is malformed).
    def frame(content: str) -> bytes:
        return b'data: {"choices":[{"delta":\ndata: {"content":' + json.dumps(content).encode() + b"}}]}\n\n"

    learn = frame("a") + frame("b")
    bare = b'data: {"choices":[{"delta":\n{"content":"EVIL"}}]}\n\n'
    for lane in (True, False):
        seen = outcome(learn + bare, [len(learn)], lane=lane)
        assert seen[0] == "ab" and type(seen[1]).__name__ == "Malformed", lane


# --- Every dialect whose text frames share one shape ----------------------------------------------
# The frames of each dialect's text, as its servers write them, with the values that change from
# frame to frame (counters, padding, token counts) changing; the lane must read them exactly as
# the general path does, whatever the split, the ids, the line ends or the frames between them.


def _standard(text: str, n: int) -> str:
    return json.dumps({"type": "chunk", "data": {"content": text, "index": n}}, ensure_ascii=False)


def _anthropic(text: str, n: int) -> str:
    return json.dumps({"type": "content_block_delta", "index": n // 50,
                       "delta": {"type": "text_delta", "text": text}}, separators=(",", ":"), ensure_ascii=False)


def _responses(text: str, n: int) -> str:
    return json.dumps({"type": "response.output_text.delta", "item_id": "msg_1", "output_index": 0,
                       "content_index": 0, "delta": text, "logprobs": [], "obfuscation": "x" * (n % 7),
                       "sequence_number": n + 4}, separators=(",", ":"), ensure_ascii=False)


def _gemini(text: str, n: int) -> str:
    return json.dumps({"candidates": [{"content": {"parts": [{"text": text}], "role": "model"}, "index": 0}],
                       "usageMetadata": {"promptTokenCount": 8, "candidatesTokenCount": n, "totalTokenCount": 8 + n},
                       "modelVersion": "gemini-x", "responseId": "r1"}, separators=(",", ": "), ensure_ascii=False)


def _tgi(text: str, n: int) -> str:
    return json.dumps({"index": n, "token": {"id": 1000 + n * 7, "text": text, "logprob": -0.25 * (n % 5),
                                             "special": False}, "generated_text": None, "details": None},
                      separators=(",", ":"), ensure_ascii=False)


def _openai_padded(text: str, n: int) -> str:
    return openai(text, obfuscation="pad" * (n % 4))


def _legacy(text: str, n: int) -> str:
    return json.dumps({"chunk": text}, ensure_ascii=False)


def _raw(text: str, n: int) -> str:
    return text  # `dialect_stream` writes each line of it as a `data` line of its own


def _langserve(text: str, n: int) -> str:
    return json.dumps(text, ensure_ascii=False)


# name -> (frame maker, SSE event name, field separator, line end)
DIALECT_WIRES = {
    "legacy": (_legacy, None, ": ", "\n"),
    "raw": (_raw, None, ": ", "\n"),
    "langserve": (_langserve, "data", ": ", "\r\n"),
    "standard": (_standard, None, ": ", "\n"),
    "anthropic": (_anthropic, "content_block_delta", ": ", "\n"),
    "responses": (_responses, "response.output_text.delta", ": ", "\n"),
    "gemini": (_gemini, None, ": ", "\r\n"),
    "tgi": (_tgi, None, ":", "\n"),
    "openai": (_openai_padded, None, ": ", "\n"),
}


def dialect_stream(rng: random.Random, dialect: str, frames: int) -> bytes:
    """A stream of `dialect`'s text frames, with ids now and then, odd frames between them, and
    for the standard format indexes that sometimes start again (a backend that restarts) or skip."""
    make_data, event, colon, eol = DIALECT_WIRES[dialect]
    if make_data is _raw and rng.random() < 0.5:
        eol = "\r\n"  # raw text from sse-starlette, say

    def make(text: str, index: int) -> str:
        data = make_data(text, index)
        if make_data is not _raw:
            return data
        # Raw text's line breaks: the next line is another `data` line, with the space after
        # the colon or not, or with two (the second is the line's own).
        return "".join(line if not k else f"{eol}data{rng.choice([':', ': ', ':  '])}{line}"
                       for k, line in enumerate(data.split("\n")))

    out: list[str] = []
    index = 0
    for n in range(frames):
        roll = rng.random()
        head = f"id{colon}{n}{eol}" if rng.random() < 0.6 else ""
        if event is not None:
            head += f"event{colon}{event}{eol}"
        if roll < 0.85:
            out.append(f"{head}data{colon}{make(rng.choice(CONTENTS), index)}{eol}{eol}")
            index += 1
        elif roll < 0.88 and dialect == "standard":
            index = rng.choice([0, max(0, index - 3), index + 2])  # a restart, a replay, a gap
        elif roll < 0.90:
            out.append(f": ping{eol}{eol}")
        elif roll < 0.92:
            out.append(f"event{colon}other{eol}data{colon}{make('o', index)}{eol}{eol}")
        elif roll < 0.94:
            out.append(f"{head}data{colon}{make('x', index)[:-2]}{eol}{eol}")  # malformed
        elif roll < 0.95:
            out.append(f"data{colon}{make('lone', index)}\r\r")  # lone CRs end lines too
        elif roll < 0.96:  # a leading zero in the last number (a counter's hole): invalid JSON
            data = make("z", index)
            numbers = list(re.finditer(r"(:\s*-?)(\d+)", data))
            if numbers:
                at = numbers[-1].start(2)
                out.append(f"{head}data{colon}{data[:at]}0{data[at:]}{eol}{eol}")
            else:
                out.append(f"{head}data{colon}[DONE]{eol}{eol}")  # raw text's end, anything else's odd frame
        else:
            out.append(f"{head}data{colon}{make('y', -1)}{eol}{eol}")  # a value out of step
    # "§": a UTF-8 sequence cut short, before a quote, a line break or the next frame
    return "".join(out).encode("utf-8", "surrogatepass").replace("§".encode(), b"\xe4\xbd")


def assembled(stream: bytes, cuts: list[int], *, lane: bool) -> list[object]:
    """What a chat shows: the text the assembler delivers (it drops replayed indexes), every
    other event with its id, the number of server-sent events and the last event id."""
    from sse_client.assembler import ReplyAssembler

    parser, normalizer, assembler = EventStreamParser(), PayloadNormalizer(), ReplyAssembler()
    fast = FastLane(parser, normalizer, min_bytes=0)
    seen: list[object] = []
    count = 0
    for a, b in zip([0, *cuts], [*cuts, len(stream)]):
        if lane:
            events, n = fast.decode(stream[a:b])
        else:
            sse = parser.feed(stream[a:b])
            events, n = [c for c in map(normalizer.normalize, sse) if c is not None], len(sse)
        count += n
        for event in events:
            if type(event) is Chunk:
                delivered = assembler.accept(event)
                if delivered:
                    seen.append(delivered)
            else:
                seen.append(event)
    joined: list[object] = []
    for item in seen:  # runs of text joined: the lane delivers a run in one piece
        if isinstance(item, str) and joined and isinstance(joined[-1], str):
            joined[-1] += item
        else:
            joined.append(item)
    return [*joined, ("events", count), ("last id", parser.last_event_id),
            ("next index", assembler.next_index), ("format", normalizer.format)]


@pytest.mark.parametrize("seed", range(60))
@pytest.mark.parametrize("dialect", DIALECT_WIRES)
def test_any_stream_of_each_dialect_and_any_split_give_what_the_general_path_gives(dialect: str, seed: int) -> None:
    rng = random.Random(seed)
    stream = dialect_stream(rng, dialect, rng.randint(4, 150))
    cuts = random_cuts(rng, len(stream), stream)
    assert assembled(stream, cuts, lane=True) == assembled(stream, cuts, lane=False)


@pytest.mark.parametrize("dialect", DIALECT_WIRES)
def test_a_run_of_each_dialects_text_frames_takes_the_lane(dialect: str) -> None:
    make, event, colon, eol = DIALECT_WIRES[dialect]
    head = "" if event is None else f"event{colon}{event}{eol}"
    frames = "".join(f"id{colon}{n}{eol}{head}data{colon}{make(f'w{n} ', n)}{eol}{eol}" for n in range(200))
    parser, normalizer = EventStreamParser(), PayloadNormalizer()
    events, count = FastLane(parser, normalizer).decode(frames.encode())
    chunks = [e for e in events if type(e) is Chunk]
    assert "".join(c.content for c in chunks) == "".join(f"w{n} " for n in range(200))
    assert count == 200 and parser.last_event_id == "199"
    assert len(chunks) <= 9, dialect  # the first frames one by one, then one run
    if dialect == "standard":
        assert chunks[-1].index == 199 and normalizer.max_index == 199


@pytest.mark.parametrize("eol", ["\n", "\r\n"])
def test_raw_frames_of_several_lines_take_the_lane(eol: str) -> None:
    # A model's paragraph breaks: raw text with a line break every few frames comes as runs
    # all the same, each line break an LF, a second space after the colon the line's own.
    frames = "".join(f"id: {n}{eol}data: w{n}{eol}data:  x{eol}{eol}" if n % 5 == 4 else f"id: {n}{eol}data: w{n} {eol}{eol}"
                     for n in range(200))
    parser, normalizer = EventStreamParser(), PayloadNormalizer()
    events, count = FastLane(parser, normalizer).decode(frames.encode())
    chunks = [e for e in events if type(e) is Chunk]
    assert "".join(c.content for c in chunks) == "".join(f"w{n}\n x" if n % 5 == 4 else f"w{n} " for n in range(200))
    assert count == 200 and parser.last_event_id == "199"
    assert len(chunks) <= 9  # the first frames one by one, then one run


def test_counting_compares_a_runs_index_digits_with_the_numbers_written_out() -> None:
    from sse_client.formats import fast_lane

    written = ",".join(map(str, range(20_000)))
    assert all(written.startswith(str(n), fast_lane._offset(n)) for n in range(20_000))
    counting = fast_lane._Counting()

    def holds(numbers: list[int], first: int) -> bool:
        return counting.holds([str(n).encode() for n in numbers], first)

    assert holds([0], 0) and holds(list(range(5, 900)), 5) and holds(list(range(9_990, 10_011)), 9_990)
    assert not holds([1], 0) and not holds([5, 6, 8], 5) and not holds([10, 11], 1)
    # Digits that spell the same numbers joined without bounds: told apart by the commas.
    assert not counting.holds([b"101", b"1"], 10) and not counting.holds([b"1", b"011"], 10)
    # Past what is written out (grown as runs need, up to a limit), the lane converts them.
    limit = fast_lane._Counting._LIMIT
    assert not holds(list(range(limit - 2, limit + 3)), limit - 2)


def test_a_standard_run_past_the_numbers_written_out_still_comes_as_one_chunk() -> None:
    from sse_client.formats import fast_lane

    def frame(index: int) -> str:
        return f"data: {json.dumps({'type': 'chunk', 'data': {'content': f'w{index} ', 'index': index}})}\n\n"

    limit = fast_lane._Counting._LIMIT
    lane = FastLane(EventStreamParser(), PayloadNormalizer(), min_bytes=0)
    lane.decode("".join(map(frame, range(3))).encode())
    body = "".join(map(frame, range(3, limit + 3))).encode()
    events, count = [], 0
    for at in range(0, len(body), 65536):  # as the body's reader hands it over
        more, more_count = lane.decode(body[at:at + 65536])
        events += more
        count += more_count
    assert count == limit and "".join(event.content for event in events) == "".join(  # type: ignore[union-attr]
        f"w{index} " for index in range(3, limit + 3))
    # One run per piece (and the frame cut between two pieces read on its own).
    assert len(events) <= 2 * len(body) // 65536 + 2 and events[-1].index == limit + 2  # type: ignore[union-attr]
    # Out of step past them: the frames from the first out of step go the general way.
    events, count = lane.decode((frame(limit + 3) + frame(limit + 5)).encode())
    assert events == [Chunk(f"w{limit + 3} ", limit + 3, ""), Chunk(f"w{limit + 5} ", limit + 5, "")]
