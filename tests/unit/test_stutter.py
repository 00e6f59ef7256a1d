"""`StutterFilter` (`formats/stutter.py`): a cumulative ("stuttering") upstream, which repeats
the whole text so far in every chunk, turned back into deltas; a delta stream left alone. How
the normaliser applies it per dialect is in test_normalizer.py."""

from __future__ import annotations

from sse_client.formats.stutter import StutterFilter


def deltas(contents: list[str]) -> list[str]:
    stutter = StutterFilter()
    return [stutter.delta(c) for c in contents]


def test_cumulative_chunks_become_deltas() -> None:
    stutter = StutterFilter()
    out = [stutter.delta(c) for c in ["Hel", "Hello", "Hello, wor", "Hello, world!"]]
    assert out == ["Hel", "lo", ", wor", "ld!"]
    assert stutter.cumulative is True


def test_delta_chunks_are_left_alone() -> None:
    stutter = StutterFilter()
    contents = ["Hel", "lo", ", wor", "ld!", "Hel"]
    assert [stutter.delta(c) for c in contents] == contents
    assert stutter.cumulative is False


def test_repeated_equal_delta_is_not_taken_for_stutter() -> None:
    assert deltas(["ha", "ha", "ha"]) == ["ha", "ha", "ha"]


def test_empty_chunks_do_not_decide_the_stutter_mode() -> None:
    assert deltas(["", "Hel", "", "Hello", "Hello!"]) == ["", "Hel", "", "lo", "!"]


def test_cumulative_chunk_that_repeats_the_text_adds_nothing() -> None:
    assert deltas(["Hel", "Hello", "Hello", "Hello!"]) == ["Hel", "lo", "", "!"]


def test_cumulative_rewrite_shows_only_what_goes_past_the_shown_text() -> None:
    # What was shown cannot be taken back: a rewritten snapshot contributes only the characters
    # beyond the length already shown, and a shorter one contributes nothing.
    out = deltas(["Hel", "Hello", "Help me", "Hi", "Help me now"])
    assert out == ["Hel", "lo", "me", "", " now"]
    assert len("".join(out)) == len("Help me now")


def test_the_mode_is_undecided_until_a_second_different_non_empty_chunk() -> None:
    stutter = StutterFilter()
    assert (stutter.delta(""), stutter.cumulative) == ("", None)
    assert (stutter.delta("Hel"), stutter.cumulative) == ("Hel", None)
    stutter.delta("Hello")
    assert stutter.cumulative is True


def test_a_restart_before_the_mode_is_decided_forgets_the_first_chunk() -> None:
    # A cumulative stream cut after its first chunk starts again in other pieces: compared with
    # the cut stream's "Hel", "He" would make it look like deltas, and "Hello" be shown whole.
    stutter = StutterFilter()
    stutter.delta("Hel")
    stutter.restart()
    assert [stutter.delta(c) for c in ["He", "Hello", "Hello!"]] == ["He", "llo", "!"]
    assert stutter.cumulative is True


def test_a_restart_of_a_cumulative_stream_keeps_the_text_shown() -> None:
    # The restarted stream repeats snapshots of the text: only what goes past it is new.
    stutter = StutterFilter()
    assert [stutter.delta(c) for c in ["Hel", "Hello"]] == ["Hel", "lo"]
    stutter.restart()
    assert [stutter.delta(c) for c in ["Hel", "Hello", "Hello!"]] == ["", "", "!"]
    assert stutter.cumulative is True


def test_a_restart_of_a_delta_stream_changes_nothing() -> None:
    stutter = StutterFilter()
    assert [stutter.delta(c) for c in ["Hel", "lo"]] == ["Hel", "lo"]
    stutter.restart()
    assert [stutter.delta(c) for c in ["Hel", "lo"]] == ["Hel", "lo"]
    assert stutter.cumulative is False
