"""`ReplyAssembler`: every chunk delivered once, and a final response adds only what is missing."""

from __future__ import annotations

import pytest

from sse_client.assembler import ReplyAssembler, utf16_length
from sse_client.formats import Chunk


def accept_all(assembler: ReplyAssembler, chunks: list[Chunk]) -> list[str]:
    return [assembler.accept(chunk) for chunk in chunks]


def test_new_chunks_are_delivered_in_order() -> None:
    assembler = ReplyAssembler()
    assert accept_all(assembler, [Chunk("Hel", 0), Chunk("lo", 1), Chunk("!", 2)]) == ["Hel", "lo", "!"]
    assert assembler.text == "Hello!"
    assert assembler.length == 6


def test_chunk_with_an_index_already_delivered_gives_nothing() -> None:
    assembler = ReplyAssembler()
    delivered = accept_all(
        assembler,
        [Chunk("Hel", 0), Chunk("lo", 1), Chunk("Hel", 0), Chunk("lo", 1), Chunk(" you", 2), Chunk("lo", 1)],
    )
    assert delivered == ["Hel", "lo", "", "", " you", ""]
    assert assembler.text == "Hello you"
    assert assembler.length == len("Hello you")


def test_replay_from_the_start_delivers_only_the_chunks_after_those_delivered() -> None:
    # A backend without resume starts the reply again: the user sees nothing twice.
    assembler = ReplyAssembler()
    accept_all(assembler, [Chunk("a", 0), Chunk("b", 1)])
    assert accept_all(assembler, [Chunk("a", 0), Chunk("b", 1), Chunk("c", 2), Chunk("d", 3)]) == ["", "", "c", "d"]
    assert assembler.text == "abcd"


def test_chunks_without_an_index_are_always_delivered() -> None:
    assembler = ReplyAssembler()
    assert accept_all(assembler, [Chunk("ha"), Chunk("ha"), Chunk("")]) == ["ha", "ha", ""]
    assert assembler.text == "haha"


def test_complete_delivers_only_the_missing_tail() -> None:
    assembler = ReplyAssembler()
    accept_all(assembler, [Chunk("Hel", 0), Chunk("lo", 1)])
    assert assembler.complete("Hello, world") == ", world"
    assert assembler.text == "Hello, world"
    assert assembler.length == len("Hello, world")


def test_complete_after_a_full_stream_delivers_nothing() -> None:
    assembler = ReplyAssembler()
    accept_all(assembler, [Chunk("Hel", 0), Chunk("lo", 1)])
    assert assembler.complete("Hello") == ""
    assert assembler.text == "Hello"


def test_complete_without_a_final_response_delivers_nothing() -> None:
    assembler = ReplyAssembler()
    accept_all(assembler, [Chunk("Hel", 0)])
    assert assembler.complete(None) == ""
    assert assembler.text == "Hel"


def test_complete_with_nothing_delivered_delivers_the_whole_reply() -> None:
    assembler = ReplyAssembler()
    assert assembler.complete("Hello") == "Hello"
    assert assembler.text == "Hello"


def test_final_response_that_does_not_extend_the_text_delivers_nothing() -> None:
    # Appending to text the user saw would garble it: nothing is delivered.
    assembler = ReplyAssembler()
    accept_all(assembler, [Chunk("Hello", 0)])
    assert assembler.complete("Goodbye, world") == ""
    assert assembler.complete("Help") == ""  # shorter
    assert assembler.text == "Hello"
    assert assembler.length == 5


def test_text_is_the_same_however_often_it_is_read() -> None:
    assembler = ReplyAssembler()
    assembler.accept(Chunk("a", 0))
    assert assembler.text == "a"
    assembler.accept(Chunk("b", 1))
    assert assembler.text == "ab"
    assert assembler.text == "ab"
    assert assembler.complete("abc") == "c"
    assert assembler.text == "abc"


def test_a_long_reply_is_kept_whole_across_compaction() -> None:
    assembler = ReplyAssembler()
    pieces = [f"{n}é🚀" for n in range(3000)]  # past several compactions, non-ASCII throughout
    delivered = "".join(assembler.accept(Chunk(piece)) for piece in pieces)
    assert delivered == assembler.text == "".join(pieces)
    assert assembler.length == len(delivered)
    assert assembler.matches(delivered) and not assembler.matches(delivered + "x")
    assert assembler.complete(delivered + " end") == " end"


def test_lone_surrogates_from_json_survive_the_utf8_blocks() -> None:
    assembler = ReplyAssembler()
    pieces = ["\ud83d", "ok"] * 600
    for piece in pieces:
        assembler.accept(Chunk(piece))
    assert assembler.text == "".join(pieces)


def test_a_long_reply_in_large_non_ascii_parts_is_held_as_utf8() -> None:
    # The fast lane delivers a piece's whole text as one part; as str, a part with one emoji
    # takes 4 bytes per character. Held as UTF-8 blocks, 800,000 characters take about 800 KB.
    import tracemalloc

    body = "a" * 2_494 + "🚀"
    assembler = ReplyAssembler()
    tracemalloc.start()
    try:
        for n in range(320):
            assembler.accept(Chunk(f"{n:06d}" + body))  # a new str each time, as from the wire
        held = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    size = len(f"{0:06d}" + body)
    assert assembler.length == 320 * size
    assert held < 1.3 * 320 * len(("0" * 6 + body).encode())
    assert assembler.text == "".join(f"{n:06d}" + body for n in range(320))


def test_without_ids_a_restarted_stream_is_skipped_up_to_the_text_shown_however_it_is_cut() -> None:
    for pieces in (["Hel", "lo, ", "wörld", "!"], ["Hello, wör", "ld!"], ["Hello, wörld!"], ["H", "ello, wörl", "d", "!"]):
        assembler = ReplyAssembler()
        shown = [assembler.accept(Chunk(text)) for text in ["Hel", "lo, ", "wör"]]
        assembler.resume_after("")  # no id was ever seen
        new = [assembler.accept(Chunk(text)) for text in pieces]
        assert "".join(shown) + "".join(new) == "Hello, wörld!", pieces
        assert not assembler.diverged and assembler.text == "Hello, wörld!"


def test_without_ids_a_restarted_stream_with_other_text_diverges() -> None:
    assembler = ReplyAssembler()
    assembler.accept(Chunk("Hello, "))
    assembler.resume_after("")
    assert assembler.accept(Chunk("Hi")) == "" and assembler.diverged
    assert assembler.text == "Hello, "


def test_a_stuttering_stream_is_not_checked_as_a_restart() -> None:
    assembler = ReplyAssembler()
    assembler.accept(Chunk("Hello"))
    assembler.resume_after("", restarts_text=False)  # the stutter filter skips the repeat itself
    assert assembler.accept(Chunk(", world")) == ", world" and not assembler.diverged


def test_after_a_reconnect_chunks_up_to_the_last_id_seen_are_replays_in_any_format() -> None:
    # A backend that does not resume starts again from the beginning; chunks without an index
    # (every format but the standard one) are told apart by their event ids.
    assembler = ReplyAssembler()
    assert accept_all(assembler, [Chunk("a", None, "1"), Chunk("b", None, "2")]) == ["a", "b"]
    assembler.resume_after("2")
    assert assembler.replaying
    assert accept_all(assembler, [Chunk("a", None, "1"), Chunk("b", None, "2")]) == ["", ""]
    assert assembler.replaying
    assert accept_all(assembler, [Chunk("c", None, "3"), Chunk("d", None, "4")]) == ["c", "d"]
    assert not assembler.replaying  # past the replay: its chunks may be merged again
    assert assembler.text == "abcd"


def test_a_chunk_without_a_numeric_id_during_a_replay_is_delivered_and_the_replay_goes_on() -> None:
    assembler = ReplyAssembler()
    accept_all(assembler, [Chunk("a", None, "1"), Chunk("b", None, "2")])
    assembler.resume_after("2")
    assert assembler.accept(Chunk("!", None, "note-7")) == "!"
    assert assembler.replaying
    assert assembler.accept(Chunk("b", None, "2")) == ""


def test_a_last_id_that_is_not_a_number_is_left_to_the_backend_to_resume_after() -> None:
    assembler = ReplyAssembler()
    assembler.accept(Chunk("a", None, "evt-a"))
    assembler.resume_after("evt-a")
    assert not assembler.replaying and not assembler.replaying_text
    assert assembler.accept(Chunk("b", None, "evt-b")) == "b"


def test_a_restarted_stream_without_ids_is_replaying_text_until_it_has_resent_the_text_shown() -> None:
    # Were it to end before, its reply is not the one that was being shown.
    assembler = ReplyAssembler()
    assembler.accept(Chunk("Hello"))
    assert not assembler.replaying_text
    assembler.resume_after("")
    assert assembler.replaying_text
    assert assembler.accept(Chunk("Hel")) == "" and assembler.replaying_text
    assert assembler.accept(Chunk("lo!")) == "!" and not assembler.replaying_text


def test_a_restart_before_anything_was_shown_checks_nothing() -> None:
    assembler = ReplyAssembler()
    assembler.resume_after("")
    assert not assembler.replaying_text
    assert assembler.accept(Chunk("Hi")) == "Hi"


@pytest.mark.parametrize("text", ["", "plain ascii", "w\u00f6rld", "\u4f60\u597d", "\U0001f680", "a\U0001f44b\U0001f3fdb",
                                  "\U0010ffff\U00010000", "lone \ud83d surrogate", "\U0001f468\u200d\U0001f469\u200d\U0001f467"])
def test_utf16_length_is_javascripts_text_length(text: str) -> None:
    assert utf16_length(text) == len(text.encode("utf-16-le", "surrogatepass")) // 2


def test_the_assembler_counts_what_it_delivered_in_utf16_code_units() -> None:
    assembler = ReplyAssembler()
    for index, piece in enumerate(["Hi ", "\U0001f44b", "!"]):
        assembler.accept(Chunk(piece, index, ""))
    assert (assembler.length, assembler.utf16_length) == (5, 6)
