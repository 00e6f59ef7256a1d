"""Where the time of `chatWithModelStream` goes, per event, inside Pyodide.

Run by bench/browser_bench.py in the clients page after the measured runs: the flat-out body,
fetched once into Pyodide's file system, is fed from memory through more and more of the
pipeline (parser; + json.loads; normaliser; + assembler; + a JS onChunk; FastLane with the
assembler and one onChunk per piece, as ChatRun reads a stream of one frame shape; the whole SSEService
over an in-memory transport, in `piece`-byte reads and in one read). Then cProfile of the whole service, and tracemalloc's peak of the
service fed in `piece`-byte pieces against the whole body at once (what a slow consumer gets
from fetch: a few very large reads).
"""

from __future__ import annotations

import asyncio
import cProfile
import json
import pstats
import statistics
import time
import tracemalloc
from collections.abc import AsyncIterator, Callable
from typing import Any

from pyodide.code import run_js

from sse_client.assembler import ReplyAssembler
from sse_client.config import ClientConfig
from sse_client.formats import Chunk, PayloadNormalizer
from sse_client.formats.fast_lane import FastLane
from sse_client.parser import EventStreamParser
from sse_client.service import SSEService


class _Response:
    """An event-stream response whose body is `chunks`, already in memory."""

    status = 200

    def __init__(self, chunks: list[bytes]) -> None:
        self._chunks = chunks

    def header(self, name: str) -> str | None:
        return "text/event-stream" if name.lower() == "content-type" else None

    async def chunks(self) -> AsyncIterator[bytes]:
        for chunk in self._chunks:
            yield chunk

    async def pump(self, on_piece: Callable[[bytes], bool]) -> None:
        for chunk in self._chunks:
            if not on_piece(chunk):
                return

    async def read(self) -> bytes:
        return b"".join(self._chunks)

    async def aclose(self) -> None:
        pass


class _Transport:
    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = chunks

    async def send(self, request: Any) -> _Response:
        return _Response(self.chunks)


async def run(path: str, piece: int, runs: int) -> dict[str, Any]:
    with open(path, "rb") as file:
        data = file.read()
    chunks = [data[start:start + piece] for start in range(0, len(data), piece)]
    # A JS onChunk like the page's (append to a string, count): the crossing (a) pays per event.
    on_chunk = run_js("globalThis.benchSink = {text: '', count: 0}; "
                      "(chunk) => { benchSink.text += chunk; benchSink.count++; }")

    def parse() -> None:
        parser = EventStreamParser()
        for chunk in chunks:
            parser.feed(chunk)

    def parse_json() -> None:
        parser = EventStreamParser()
        for chunk in chunks:
            for event in parser.feed(chunk):
                if event.data != "[DONE]":
                    json.loads(event.data)

    def normalize() -> None:
        parser, normalizer = EventStreamParser(), PayloadNormalizer()
        for chunk in chunks:
            for event in parser.feed(chunk):
                normalizer.normalize(event)

    def assemble() -> None:
        parser, normalizer, assembler = EventStreamParser(), PayloadNormalizer(), ReplyAssembler()
        for chunk in chunks:
            for event in parser.feed(chunk):
                item = normalizer.normalize(event)
                if isinstance(item, Chunk):
                    assembler.accept(item)

    def callback() -> None:
        parser, normalizer, assembler = EventStreamParser(), PayloadNormalizer(), ReplyAssembler()
        for chunk in chunks:
            for event in parser.feed(chunk):
                item = normalizer.normalize(event)
                if isinstance(item, Chunk):
                    text = assembler.accept(item)
                    if text:
                        on_chunk(text)

    def lane() -> None:
        # What ChatRun does per piece once the stream's frames have one shape: FastLane, the
        # assembler, one onChunk per piece.
        parser, normalizer, assembler = EventStreamParser(), PayloadNormalizer(), ReplyAssembler()
        fast = FastLane(parser, normalizer)
        for chunk in chunks:
            pending = []
            for item in fast.decode(chunk)[0]:
                if isinstance(item, Chunk):
                    text = assembler.accept(item)
                    if text:
                        pending.append(text)
            if pending:
                on_chunk("".join(pending))

    async def service(body: list[bytes] = chunks) -> None:
        chat = SSEService(_Transport(body), ClientConfig(endpoint="/in-memory"))
        await chat.chat_with_model_stream({"model": "bench"}, on_chunk, None)

    async def service_whole() -> None:
        await service([data])  # the whole body as one read, as a slow consumer gets it

    async def timed(stage: Callable[[], Any]) -> float:
        seconds = []
        for _ in range(runs + 1):  # the first is a warm-up
            start = time.perf_counter()
            result = stage()
            if asyncio.iscoroutine(result):
                await result
            seconds.append(time.perf_counter() - start)
        return float(statistics.median(seconds[1:]))

    pipeline: list[tuple[str, Callable[[], Any]]] = [
        ("parse", parse), ("parse_json", parse_json), ("normalize", normalize),
        ("assemble", assemble), ("callback", callback), ("lane", lane), ("service", service),
        ("service_whole", service_whole)]
    stages = {name: await timed(stage) for name, stage in pipeline}

    profiler = cProfile.Profile()
    profiler.enable()
    await service()
    profiler.disable()
    stats = pstats.Stats(profiler)
    rows = sorted(stats.stats.items(), key=lambda item: item[1][2], reverse=True)[:12]  # type: ignore[attr-defined]
    top = [[f"{filename.rsplit('/', 1)[-1]}:{line}({function})", calls, own, cumulative]
           for (filename, line, function), (_, calls, own, cumulative, _) in rows]

    peaks = {}
    for name, body in (("pieces", chunks), ("whole", [data])):
        tracemalloc.start()
        await service(body)
        peaks[name] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return {"bytes": len(data), "chunks": len(chunks), "stages": stages,
            "profile_total": stats.total_tt, "profile": top, "peaks": peaks}  # type: ignore[attr-defined]
