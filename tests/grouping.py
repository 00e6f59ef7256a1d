"""What the tests accept as "the reply's pieces, in order": text that arrives in one piece of
the body is delivered in one onChunk call, so consecutive pieces may come joined, never split
and never out of order."""

from __future__ import annotations


def grouped_in_order(chunks: list[str], pieces: list[str]) -> bool:
    """Whether `chunks` are `pieces` in order, consecutive ones perhaps joined, none split."""
    ends = set()
    total = 0
    for piece in pieces:
        total += len(piece)
        ends.add(total)
    at = 0
    for chunk in chunks:
        at += len(chunk)
        if at not in ends:
            return False
    return "".join(chunks) == "".join(pieces)
