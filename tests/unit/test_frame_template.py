"""ContentTemplate: a frame of the learned shape gives exactly what json.loads would; any other
frame gives None (and is parsed in full by the caller)."""

from __future__ import annotations

import json
import random

import pytest

from sse_client.formats.frame_template import ContentTemplate
from sse_client.parser import ServerSentEvent
from sse_client.formats import PayloadNormalizer


def frame(content: object, *, compact: bool = False, **extra: object) -> str:
    obj = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1,
           "choices": [{"index": 0, "delta": {"content": content}, "finish_reason": None}], **extra}
    return json.dumps(obj, separators=(",", ":") if compact else None, ensure_ascii=False)


def learned(data: str) -> ContentTemplate:
    template = ContentTemplate()
    content = json.loads(data)["choices"][0]["delta"]["content"]
    template.learn(data, content)
    return template


TRICKY = ["", "plain", 'a "quoted" word', "back\\slash", "tab\tand\nnewline", "🚀 é 你好",
          "\u2028\u2029", '"}, "x": "', "\\u0041", "}]}", "\x7f", "\ud83d"]


@pytest.mark.parametrize("content", TRICKY)
@pytest.mark.parametrize("compact", [False, True])
def test_a_frame_of_the_learned_shape_gives_what_json_loads_gives(content: str, compact: bool) -> None:
    template = learned(frame("first", compact=compact))
    data = frame(content, compact=compact)
    assert template.match(data) == json.loads(data)["choices"][0]["delta"]["content"] == content


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
    template = ContentTemplate()
    template.learn(data, "x")
    assert template.match(data) is None


def test_nothing_matches_before_anything_was_learned() -> None:
    assert ContentTemplate().match(frame("x")) is None


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

    fast, slow = PayloadNormalizer("openai"), PayloadNormalizer("openai")
    assert slow._template is not None
    slow._template.match = lambda data: None  # type: ignore[method-assign]
    hits = []
    match = fast._template.match

    def counted(data: str) -> str | None:
        result = match(data)
        hits.append(result is not None)
        return result

    fast._template.match = counted  # type: ignore[method-assign]
    assert [fast.normalize(e) for e in events] == [slow.normalize(e) for e in events]
    assert sum(hits) > 2000  # the fast path did most of the work
