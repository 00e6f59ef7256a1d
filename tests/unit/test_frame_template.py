"""FrameTemplate: a frame of the learned shape gives exactly what json.loads would; any other
frame gives None (and is parsed in full by the caller)."""

from __future__ import annotations

import json
import random

import pytest

from sse_client.formats import PayloadNormalizer
from sse_client.formats.frame_template import INDEX, NUMBER, STRING, TEXT, FrameTemplate
from sse_client.parser import ServerSentEvent


def frame(content: object, *, compact: bool = False, **extra: object) -> str:
    obj = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1,
           "choices": [{"index": 0, "delta": {"content": content}, "finish_reason": None}], **extra}
    return json.dumps(obj, separators=(",", ":") if compact else None, ensure_ascii=False)


def learned(data: str) -> FrameTemplate:
    template = FrameTemplate("content")
    content = json.loads(data)["choices"][0]["delta"]["content"]
    template.learn(data, content)
    return template


def with_and_without_template(dialect: str, events: list[ServerSentEvent]
                              ) -> tuple[PayloadNormalizer, PayloadNormalizer, list[bool]]:
    """`events` normalised twice, as usual and with the template switched off: every event must
    be the same. Returns both normalisers and, per frame tried, whether the template read it."""
    fast, slow = PayloadNormalizer(dialect), PayloadNormalizer(dialect)
    assert slow._template is not None and fast._template is not None
    slow._template.match = lambda data: None  # type: ignore[method-assign]
    hits: list[bool] = []
    match = fast._template.match

    def counted(data: str) -> tuple[str, int | None] | None:
        result = match(data)
        hits.append(result is not None)
        return result

    fast._template.match = counted  # type: ignore[method-assign]
    assert [fast.normalize(e) for e in events] == [slow.normalize(e) for e in events]
    return fast, slow, hits


TRICKY = ["", "plain", 'a "quoted" word', "back\\slash", "tab\tand\nnewline", "🚀 é 你好",
          "\u2028\u2029", '"}, "x": "', "\\u0041", "}]}", "\x7f", "\ud83d"]


@pytest.mark.parametrize("content", TRICKY)
@pytest.mark.parametrize("compact", [False, True])
def test_a_frame_of_the_learned_shape_gives_what_json_loads_gives(content: str, compact: bool) -> None:
    template = learned(frame("first", compact=compact))
    data = frame(content, compact=compact)
    assert template.match(data) == (json.loads(data)["choices"][0]["delta"]["content"], None)
    assert json.loads(data)["choices"][0]["delta"]["content"] == content


@pytest.mark.parametrize(
    "data",
    [
        frame("x", created=2),  # another field changed
        frame(None),  # content null
        frame("x").replace('"finish_reason": null', '"finish_reason": "stop"'),
        frame("x")[:-1],  # cut short: malformed
        frame("x")[:-3],
        frame("x").replace('"x"', '"x", "more": "y"'),  # a literal, then something else
        frame("x").replace('"x"', '"x\u0001"'),  # a raw control character: invalid JSON
        frame("x").replace('"x"', '"\\q"'),  # an invalid escape
        '{"error": {"message": "x"}}',
        "",
    ],
)
def test_any_other_frame_is_left_to_the_full_parse(data: str) -> None:
    assert learned(frame("first")).match(data) is None


def test_a_frame_with_content_twice_is_not_learned() -> None:
    data = frame("x", logprobs={"content": "y"})
    template = FrameTemplate("content")
    template.learn(data, "x")
    assert template.match(data) is None and template.shape is None


def test_nothing_matches_before_anything_was_learned() -> None:
    assert FrameTemplate("content").match(frame("x")) is None


def test_the_normalizer_gives_the_same_events_with_and_without_the_template() -> None:
    # A random OpenAI stream with the occasional odd frame, normalised twice: once as usual,
    # once with the template switched off. Every event must be the same.
    rng = random.Random(11)
    alphabet = 'ab "\\\n\t🚀é{}[],:\u2028x'
    frames = [json.dumps({"object": "chat.completion.chunk", "choices": [{"delta": {"role": "assistant"}}]})]
    for n in range(3000):
        roll = rng.random()
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        if roll < 0.8:
            frames.append(frame(text))
        elif roll < 0.85:
            frames.append(frame(text, created=n))
        elif roll < 0.9:
            frames.append(frame(text)[: rng.randint(1, 40)])
        elif roll < 0.95:
            frames.append(frame(text, compact=True))
        else:
            frames.append(frame(None))
    events = [ServerSentEvent(data, "message", str(i)) for i, data in enumerate(frames)]

    fast, slow, hits = with_and_without_template("openai", events)
    assert sum(hits) > 2000  # the fast path did most of the work


# --- Holes: the chunk index and the values a dialect ignores ---------------------------------------


def test_the_index_is_a_hole_and_comes_back_as_a_number() -> None:
    template = FrameTemplate("content", index_key="index")
    template.learn('{"type": "chunk", "data": {"content": "a", "index": 7}}', "a", 7)
    assert template.shape is not None and template.shape.holes == (TEXT, INDEX)
    assert template.match('{"type": "chunk", "data": {"content": "b\\n", "index": 12}}') == ("b\n", 12)
    for other in ('{"type": "chunk", "data": {"content": "b", "index": 012}}',  # invalid JSON
                  '{"type": "chunk", "data": {"content": "b", "index": -1}}',
                  '{"type": "chunk", "data": {"content": "b", "index": 1.5}}',
                  '{"type": "chunk", "data": {"content": "b", "index": "1"}}'):
        assert template.match(other) is None, other


def test_an_index_written_otherwise_than_as_its_digits_is_not_learned() -> None:
    template = FrameTemplate("content", index_key="index")
    template.learn('{"data": {"content": "a", "index": 7.0}}', "a", 7)
    assert template.shape is None


def test_an_index_for_a_template_without_an_index_key_is_not_learned() -> None:
    template = FrameTemplate("content")
    template.learn('{"data": {"content": "a", "index": 7}}', "a", 7)
    assert template.shape is None


def test_varying_values_are_holes_of_their_kind() -> None:
    template = FrameTemplate("delta", varying=frozenset({"sequence_number", "obfuscation", "absent"}))
    template.learn('{"delta":"a","obfuscation":"xYz","sequence_number":4}', "a")
    assert template.shape is not None and template.shape.holes == (TEXT, STRING, NUMBER)
    assert template.match('{"delta":"b","obfuscation":"\\u0041q","sequence_number":1e3}') == ("b", None)
    for other in ('{"delta":"b","obfuscation":5,"sequence_number":4}',  # another kind of value
                  '{"delta":"b","obfuscation":"x","sequence_number":04}',  # invalid JSON
                  '{"delta":"b","obfuscation":"x\u0001","sequence_number":4}',
                  '{"delta":"b","obfuscation":"x","sequence_number":4,"more":1}'):
        assert template.match(other) is None, other


def test_a_varying_key_that_occurs_twice_stays_as_it_is() -> None:
    template = FrameTemplate("text", varying=frozenset({"index"}))
    data = '{"index":0,"delta":{"text":"a","index":3}}'
    template.learn(data, "a")
    assert template.shape is not None and template.shape.holes == (TEXT,)
    assert template.match(data.replace('"a"', '"b"')) == ("b", None)
    assert template.match(data.replace('"index":3', '"index":4')) is None


def test_a_varying_value_that_is_not_a_string_or_a_number_stays_as_it_is() -> None:
    template = FrameTemplate("delta", varying=frozenset({"obfuscation"}))
    template.learn('{"delta":"a","obfuscation":null}', "a")
    assert template.shape is not None and template.shape.holes == (TEXT,)
    assert template.match('{"delta":"b","obfuscation":null}') == ("b", None)
    assert template.match('{"delta":"b","obfuscation":"x"}') is None


def test_a_key_that_is_both_the_index_and_a_varying_value_makes_no_template() -> None:
    # Two holes for one value would overlap: no shape can be built from them.
    template = FrameTemplate("content", index_key="index", varying=frozenset({"index"}))
    template.learn('{"content": "a", "index": 7}', "a", 7)
    assert template.shape is None
    assert template.match('{"content": "b", "index": 8}') is None


@pytest.mark.parametrize(("data", "content"), [
    ('{"content": "a"}', "b"),  # the adapter read other text than the literal holds
    ('{"content": "tab\\there"}', "tab\\there"),  # the literal's escape was not decoded
    ('{"content": "a\\x01"}', "a\\x01"),  # an invalid escape: not a JSON string literal
    ('{"content": "a\x01"}', "a\x01"),  # a raw control character: json.loads would refuse it
    ('{"content": 5}', "5"),
], ids=["other text", "escape not decoded", "invalid escape", "control character", "not a string"])
def test_a_frame_whose_text_literal_is_not_the_text_read_is_not_learned(data: str, content: str) -> None:
    # The template's exactness rests on the text hole holding exactly what the full parse found.
    template = FrameTemplate("content")
    template.learn(data, content)
    assert template.shape is None
    assert template.match('{"content": "b"}') is None


def test_a_frame_that_cannot_be_learned_forgets_the_shape_learned_before() -> None:
    # The template is the shape of the last text frame: an older shape must not outlive it.
    template = FrameTemplate("content")
    template.learn('{"content": "a"}', "a")
    assert template.match('{"content": "b"}') == ("b", None)
    template.learn('{"content": "a", "logprobs": {"content": "a"}}', "a")
    assert template.shape is None
    assert template.match('{"content": "b"}') is None


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("dialect", ["standard", "anthropic", "responses", "gemini", "tgi", "openai", "legacy",
                                     "langserve"])
def test_each_dialect_normalises_the_same_with_and_without_the_template(dialect: str, seed: int) -> None:
    # Random streams of the dialect's text frames with odd frames among them (another event
    # name, malformed JSON, counters out of step or written as invalid JSON), normalised twice.
    from tests.unit.test_fast_lane import dialect_stream

    rng = random.Random(seed)
    stream = dialect_stream(rng, dialect, 300)
    from sse_client.parser import EventStreamParser

    events = EventStreamParser().feed(stream)
    fast, slow, hits = with_and_without_template(dialect, events)
    assert fast.max_index == slow.max_index
    assert sum(hits) > 150  # the template did most of the work


def test_frames_that_never_share_a_shape_are_learned_only_now_and_then() -> None:
    # A proxy stamps each frame with a value the dialect does not declare varying: learning each
    # (its expression compiled) would cost more than parsing it, for nothing.
    template = FrameTemplate("content")
    learned = [template.learn(frame(f"w{n}", stamp=n), f"w{n}") for n in range(200)]
    assert learned[:8] == [True] * 8  # patient at first
    assert 4 <= sum(learned[8:]) <= 8  # then one in 32
    assert template.match(frame("x", stamp=1000)) is None
    # The stream settles: within 32 frames the template reads it again, and learns as before.
    steady = []
    for n in range(40):
        data = frame(f"s{n}", stamp=0)
        if template.match(data) is None:
            template.learn(data, f"s{n}")
            steady.append(False)
        else:
            steady.append(True)
    assert steady.index(True) <= 32 and all(steady[steady.index(True):])
    assert template.learn(frame("a", stamp=9), "a")  # a miss after a match is learned at once


def test_a_frame_not_learned_leaves_the_event_name_of_the_shape_as_it_was() -> None:
    # Frames of a stamped stream under two event names: the lane's shape is always the name and
    # the data of one learned frame, never the data of one with the name of another.
    normalizer = PayloadNormalizer("anthropic")
    template = normalizer._template
    assert template is not None
    learn = template.learn
    learned: list[str] = []

    def recorded(data: str, content: str, index: int | None = None) -> bool:
        if not learn(data, content, index):
            return False
        learned.append(data)
        return True

    template.learn = recorded  # type: ignore[method-assign]
    names = {}
    for n in range(120):
        name = "content_block_delta" if n % 2 else "message_delta"
        data = json.dumps({"type": "content_block_delta", "index": 0, "stamp": n,
                           "delta": {"type": "text_delta", "text": f"w{n}"}})
        names[data] = name
        normalizer.normalize(ServerSentEvent(event=name, data=data, id=""))
        shape = normalizer.frame_shape()
        assert shape is not None and learned
        assert shape[0] == names[learned[-1]]
        assert f'"stamp": {json.loads(learned[-1])["stamp"]},' in "".join(shape[1].segments)
    assert 5 < len(learned) < 20
