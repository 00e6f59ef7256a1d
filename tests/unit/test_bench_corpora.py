"""`bench.corpora`: the corpora are deterministic and as the benchmark issue specifies them, and
the chunkings cut them as promised; `bench.parser_bench --quick` runs and reports every cell.

No timing is asserted: the benchmark's numbers are for reading, not for CI.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench import parser_bench
from bench.corpora import (
    CHUNKINGS,
    CORPORA,
    DEFAULT_EVENTS,
    FIXED_PIECE,
    RANDOM_PIECE_MAX,
    chunked,
    corpus,
    dispatched_events,
)
from sse_client.parser import EventStreamParser

ROOT = Path(__file__).resolve().parents[2]

# The bytes the benchmarks (CPython and browser) have been fed: a change to a generator changes
# them, and numbers from before and after no longer compare.
SHA256 = {
    "llm": "16a85cb499d6d1aac32aa82360211e0579df3ec604ef787178aa87fb1fcba404",
    "multiline": "26ec26f16c197d976364e48ae42a78f1db31afe22f88d56da77ed982a560bfb4",
    "tiny": "ccd066e55b3ef6654fc76938d1234b52353cca0264be8f446f3f91a1ab738594",
}


@pytest.mark.parametrize("name", CORPORA)
def test_corpus_is_the_same_bytes_in_every_process(name: str) -> None:
    assert hashlib.sha256(corpus(name)).hexdigest() == SHA256[name]


def test_corpus_of_fewer_events_is_generated_the_same_way() -> None:
    assert corpus("tiny", 3) == b"data: x\n\n" * 3
    few = corpus("llm", 150)
    assert few == corpus("llm", 150)
    assert few.count(b"\n\nid: ") == 149 and few.count(b": ping") == 1 and few.endswith(b"data: [DONE]\n\n")


def test_llm_corpus_is_openai_style_chunks_with_ids_pings_and_done() -> None:
    data = corpus("llm")
    text = data.decode("utf-8")  # valid UTF-8 ...
    assert not data.isascii()  # ... with non-ASCII text
    assert b"\r" not in data
    blocks = data.split(b"\n\n")
    assert blocks[-1] == b""
    assert blocks[-2] == b"data: [DONE]"
    events = [block for block in blocks if block.startswith(b"id: ")]
    assert len(events) == DEFAULT_EVENTS["llm"] == 20_000
    for number, block in enumerate(events):
        id_line, data_line = block.split(b"\n")
        assert id_line == b"id: %d" % number
        chunk = json.loads(data_line.removeprefix(b"data: "))
        assert chunk["object"] == "chat.completion.chunk"
        assert chunk["choices"][0]["index"] == 0
    assert json.loads(events[-1].split(b"data: ")[1])["choices"][0]["finish_reason"] == "stop"
    # A `: ping` comment, in a block of its own, after every 100 events.
    assert blocks.count(b": ping") == 200
    assert [i for i, block in enumerate(blocks) if block == b": ping"][:2] == [100, 201]
    assert len(blocks) == 20_000 + 200 + 1 + 1
    assert "\u4f60\u597d" in text or "\U0001f44b" in text


def test_multiline_corpus_is_events_of_twenty_data_lines_with_crlf() -> None:
    data = corpus("multiline")
    assert data.isascii()
    assert data.count(b"\r\n") == data.count(b"\r") == data.count(b"\n")  # CRLF only
    events = data.split(b"\r\n\r\n")
    assert events[-1] == b""
    assert len(events) - 1 == DEFAULT_EVENTS["multiline"] == 5_000
    for event in events[:-1]:
        lines = event.split(b"\r\n")
        assert len(lines) == 20
        assert all(line.startswith(b"data: ") and 50 <= len(line) - 6 <= 70 for line in lines)


def test_tiny_corpus_is_data_x_events() -> None:
    assert corpus("tiny") == b"data: x\n\n" * 200_000


@pytest.mark.parametrize("name", CORPORA)
def test_dispatched_events_is_what_our_parser_dispatches(name: str) -> None:
    events = EventStreamParser().feed(corpus(name))
    assert len(events) == dispatched_events(name)
    if name == "llm":
        assert events[-1].data == "[DONE]"
        assert events[-1].id == "19999"  # the last event ID carries over to [DONE]


@pytest.mark.parametrize("name", CORPORA)
@pytest.mark.parametrize("how", CHUNKINGS)
def test_chunks_join_back_to_the_corpus(name: str, how: str) -> None:
    data = corpus(name, DEFAULT_EVENTS[name] // 10)
    pieces = chunked(data, how)
    assert b"".join(pieces) == data
    assert all(pieces)


def test_fixed_chunking_cuts_1460_byte_pieces() -> None:
    pieces = chunked(corpus("multiline"), "fixed-1460")
    assert FIXED_PIECE == 1460
    assert {len(piece) for piece in pieces[:-1]} == {1460}
    assert 1 <= len(pieces[-1]) <= 1460


def test_random_chunking_is_seeded_and_the_same_for_every_corpus() -> None:
    sizes = [len(piece) for piece in chunked(corpus("llm"), "random-1-4096")]
    assert sizes == [len(piece) for piece in chunked(corpus("llm"), "random-1-4096")]
    assert min(sizes) >= 1 and max(sizes[:-1]) <= RANDOM_PIECE_MAX
    assert len(set(sizes)) > len(sizes) // 2  # sizes vary
    tiny_sizes = [len(piece) for piece in chunked(corpus("tiny"), "random-1-4096")]
    assert tiny_sizes[:-1] == sizes[: len(tiny_sizes) - 1]


def test_unknown_names_are_refused() -> None:
    with pytest.raises(ValueError):
        corpus("huge")
    with pytest.raises(ValueError):
        corpus("tiny", 0)
    with pytest.raises(ValueError):
        chunked(b"data: x\n\n", "by-line")


# --- parser_bench --------------------------------------------------------------------------------


@pytest.mark.parametrize("case", parser_bench.CASES, ids=lambda case: case.rule)
def test_our_parser_passes_every_conformance_case(case: parser_bench.Case) -> None:
    assert parser_bench.check_case(parser_bench.OURS, case).outcome == "pass"


def test_quick_run_reports_every_parser_on_every_corpus_and_chunking() -> None:
    report = parser_bench.run(1, quick=True)
    rows = [line.split(" | ") for line in report.splitlines() if line.startswith("| ")]
    cells = {(row[0].removeprefix("| "), row[1], row[2]) for row in rows if len(row) == 8}
    for name in CORPORA:
        for how in CHUNKINGS:
            for contender in parser_bench.CONTENDERS:
                assert (name, how, contender.name) in cells
    for case in parser_bench.CASES:
        assert f"| {case.rule} | pass |" in report  # ours is the first column
    assert "### Conformance" in report
    assert "Reproduce: `cd /work/main && .venv/bin/python -m bench.parser_bench --quick`" in report


def test_command_line_help_names_the_options() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench.parser_bench", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "--quick" in done.stdout and "--repeats" in done.stdout
