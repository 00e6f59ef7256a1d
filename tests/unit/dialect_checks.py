"""How the dialect tests (test_formats_*.py) read frames: through the public `PayloadNormalizer`
only, frame by frame or as a whole stream of bytes through `EventStreamParser`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sse_client.classify import classify_stream_error
from sse_client.errors import StreamError
from sse_client.formats import ChatEvent, Chunk, ErrorReport, PayloadNormalizer
from sse_client.parser import EventStreamParser, ServerSentEvent

FINISHED = "finished"  # in an Outcome: `normalizer.finished` turned true after the event before


def read_frames(frames: Iterable[ServerSentEvent], format: str = "auto") -> tuple[list[ChatEvent | None], PayloadNormalizer]:
    """Each frame's chat event (None included), and the normaliser that read them."""
    normalizer = PayloadNormalizer(format)
    return [normalizer.normalize(each) for each in frames], normalizer


def read_after(opening: ServerSentEvent | None, frame: ServerSentEvent, format: str = "auto") -> tuple[ChatEvent | None, PayloadNormalizer]:
    """`frame`'s chat event once `opening` (if any) has shown the dialect."""
    events, normalizer = read_frames([opening, frame] if opening is not None else [frame], format)
    return events[-1], normalizer


@dataclass(frozen=True)
class Outcome:
    """What a consumer sees of a stream: its events in order (None left out, `FINISHED` where
    the dialect said the reply ends), the format and the parser's last event id."""

    events: tuple[ChatEvent | str, ...]
    format: str | None
    last_event_id: str

    @property
    def text(self) -> str:
        return "".join(event.content for event in self.events if isinstance(event, Chunk))


def read_stream(stream: bytes, format: str = "auto", cuts: Sequence[int] = ()) -> Outcome:
    """`stream` cut at `cuts`, each piece fed to one parser and the events it completes to one
    normaliser, as the chat does (its parser passes on named events without data)."""
    parser, normalizer = EventStreamParser(named_without_data=True), PayloadNormalizer(format)
    events: list[ChatEvent | str] = []
    bounds = [0, *cuts, len(stream)]
    for start, end in zip(bounds, bounds[1:]):
        for event in parser.feed(stream[start:end]):
            finished = normalizer.finished
            result = normalizer.normalize(event)
            if result is not None:
                events.append(result)
            if normalizer.finished and not finished:
                events.append(FINISHED)
    return Outcome(tuple(events), normalizer.format, parser.last_event_id)


def assert_same_at_every_split(stream: bytes, format: str = "auto") -> Outcome:
    """The stream read whole, and cut in two at every byte offset, gives one outcome."""
    whole = read_stream(stream, format)
    for cut in range(len(stream) + 1):  # 0 and len(stream): an empty piece first or last
        assert read_stream(stream, format, [cut]) == whole, f"cut at byte {cut}"
    return whole


def classified(report: ChatEvent | None) -> StreamError:
    """The error the chat fails with for an in-stream error report."""
    assert isinstance(report, ErrorReport), report
    return classify_stream_error(report.code, report.message)
