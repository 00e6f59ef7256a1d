"""The mock chat backend, over real HTTP: uvicorn on a free port, httpx as the client.

The SSE bodies are read with the tiny splitter of ``test_mock_script`` on purpose: the project's
parser is tested elsewhere and must not be needed to tell whether the server is right. Each
dialect's stream is read with the readers there too, which validate it with the provider's SDK.
"""

from __future__ import annotations

import asyncio
import json
import re
import select
import signal
import subprocess
import sys
import threading
import time
import uuid
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from sse_client.testing.launcher import free_port
from sse_client.testing.mock_backend import RequestLog, _EventStreamWriter, create_app
from sse_client.testing.mock_script import (
    DEFAULT_REPLY,
    FORMATS,
    MockOptions,
    build_frames,
    reply_pieces,
    reply_text,
    split_reply,
    status_error_body,
)
from tests.unit.test_mock_script import ENDLESS, READERS, answer_text, split_blocks

ROOT = Path(__file__).resolve().parents[2]


def events(body: str) -> list[tuple[int, str]]:
    """(id, data) of each real event; comments and id-less frames left out."""
    return [(b.id, b.data or "") for b in split_blocks(body) if b.id is not None]


def json_events(body: str) -> list[tuple[int, Any]]:
    return [(event_id, json.loads(data)) for event_id, data in events(body)]


# --- the server -------------------------------------------------------------------------------

@dataclass
class Running:
    base_url: str
    web_root: Path


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    web_root = tmp_path_factory.mktemp("web")
    (web_root / "demo").mkdir()
    (web_root / "demo" / "index.html").write_text("<h1>demo</h1>")
    # No dist/ yet: the static test builds it while the server runs, as a watch build would.
    port = free_port()
    config = uvicorn.Config(create_app(web_root), host="127.0.0.1", port=port,
                            log_level="warning", timeout_graceful_shutdown=1)
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 10
    while True:
        try:
            if httpx.get(f"{base_url}/api/health").status_code == 200:
                break
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, "the mock backend did not start"
        time.sleep(0.05)
    yield Running(base_url=base_url, web_root=web_root)
    uv.should_exit = True
    thread.join(10)


@pytest.fixture
def client(server: Running) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, timeout=5) as c:
        yield c


def chat(client: httpx.Client, query: str, *, body: dict[str, Any] | None = None,
         headers: dict[str, str] | None = None) -> httpx.Response:
    return client.post(f"/api/chat?{query}", json={"messages": []} if body is None else body,
                       headers=headers)


def log_entries(client: httpx.Client, session: str) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = client.get("/api/mock/requests").json()
    return [entry for entry in entries if entry["query"].get("session") == session]


def wait_for_entry(client: httpx.Client, session: str, key: str) -> dict[str, Any]:
    """The single log entry of ``session`` once ``entry[key]`` is true (within 1 s)."""
    deadline = time.monotonic() + 1.0
    while True:
        [entry] = log_entries(client, session)
        if entry[key] or time.monotonic() > deadline:
            return entry
        time.sleep(0.02)


def new_session() -> str:
    return uuid.uuid4().hex


# --- formats ----------------------------------------------------------------------------------

def test_health(client: httpx.Client) -> None:
    response = client.get("/api/health")
    assert (response.status_code, response.json()) == (200, {"ok": True})


def test_bad_option_is_a_400_with_a_json_error(client: httpx.Client) -> None:
    response = chat(client, "delay_ms=soon")
    assert response.status_code == 400
    assert response.json()["data"]["code"] == "BAD_OPTION"
    assert "delay_ms must be an integer" in response.json()["data"]["message"]


def test_standard_format(client: httpx.Client) -> None:
    response = chat(client, "delay_ms=0&chunk_chars=3&text=Hi%20th%C3%A9re%20%F0%9F%9A%80")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["x-accel-buffering"] == "no"
    assert json_events(response.text) == [
        (0, {"type": "status", "data": {"message": "Processing...", "progress": 0.0}}),
        (1, {"type": "chunk", "data": {"content": "Hi ", "index": 0}}),
        (2, {"type": "chunk", "data": {"content": "thé", "index": 1}}),
        (3, {"type": "chunk", "data": {"content": "re ", "index": 2}}),
        (4, {"type": "chunk", "data": {"content": "🚀", "index": 3}}),
        (5, {"type": "complete", "data": {"final_response": "Hi thére 🚀"}}),
    ]


def test_default_reply_is_streamed_in_pieces_of_eight(client: httpx.Client) -> None:
    received = json_events(chat(client, "delay_ms=0").text)
    chunks = [payload["data"]["content"] for _, payload in received[1:-1]]
    assert chunks == split_reply(DEFAULT_REPLY, 8)
    assert [event_id for event_id, _ in received] == list(range(len(chunks) + 2))


def test_legacy_format_has_no_complete_event(client: httpx.Client) -> None:
    response = chat(client, "format=legacy&delay_ms=0&chunk_chars=4&text=Hello")
    assert json_events(response.text) == [
        (0, {"chunk": "Processing...", "type": "status"}),
        (1, {"chunk": "Hell"}),
        (2, {"chunk": "o"}),
    ]


def test_openai_format(client: httpx.Client) -> None:
    response = chat(client, "format=openai&delay_ms=0&chunk_chars=4&text=Hello",
                    body={"model": "m1", "messages": []})
    received = events(response.text)
    assert [event_id for event_id, _ in received] == [0, 1, 2, 3, 4]
    assert received[-1] == (4, "[DONE]")
    chunks = [json.loads(data) for _, data in received[:-1]]
    for chunk in chunks:
        assert (chunk["id"], chunk["object"], chunk["model"]) == (
            "chatcmpl-mock", "chat.completion.chunk", "m1")
        assert isinstance(chunk["created"], int)
    assert [(c["choices"][0]["delta"], c["choices"][0]["finish_reason"]) for c in chunks] == [
        ({"role": "assistant"}, None),
        ({"content": "Hell"}, None),
        ({"content": "o"}, None),
        ({}, "stop"),
    ]


def test_raw_format_sends_a_line_feed_as_two_data_lines(client: httpx.Client) -> None:
    response = chat(client, "format=raw&delay_ms=0&chunk_chars=6&text=%20ab%0Acd%20e")
    assert "id: 0\ndata:  ab\ndata: cd\n\n" in response.text
    assert events(response.text) == [(0, " ab\ncd"), (1, " e")]


@pytest.mark.parametrize("fmt", ["standard", "legacy", "openai", "raw"])
def test_stutter_sends_the_whole_text_so_far(client: httpx.Client, fmt: str) -> None:
    body = chat(client, f"format={fmt}&stutter=1&delay_ms=0&chunk_chars=2&text=abcde").text
    datas = [data for _, data in events(body)]
    expected = ["ab", "abcd", "abcde"]
    if fmt == "standard":
        assert [json.loads(d)["data"]["content"] for d in datas[1:-1]] == expected
    elif fmt == "legacy":
        assert [json.loads(d)["chunk"] for d in datas[1:]] == expected
    elif fmt == "openai":
        assert [json.loads(d)["choices"][0]["delta"]["content"] for d in datas[1:-2]] == expected
    else:
        assert datas == expected


# --- resume -----------------------------------------------------------------------------------

def test_resume_sends_only_the_events_after_last_event_id(client: httpx.Client) -> None:
    received = json_events(chat(client, "delay_ms=0&chunk_chars=1&text=abcdef",
                                headers={"Last-Event-ID": "3"}).text)
    assert [event_id for event_id, _ in received] == [4, 5, 6, 7]
    assert [p["data"].get("index") for _, p in received] == [3, 4, 5, None]


@pytest.mark.parametrize("fmt", FORMATS)
def test_resume_works_in_every_format(client: httpx.Client, fmt: str) -> None:
    query = f"format={fmt}&delay_ms=0&chunk_chars=16"
    full = split_blocks(untimed(chat(client, query).text))
    rest = split_blocks(untimed(chat(client, query, headers={"Last-Event-ID": "3"}).text))
    assert [block.id for block in rest] == [block.id for block in full[4:]]
    assert rest == full[4:]  # the same events, data and event names


def test_resume_0_ignores_last_event_id(client: httpx.Client) -> None:
    received = events(chat(client, "resume=0&delay_ms=0&text=abc",
                           headers={"Last-Event-ID": "1"}).text)
    assert [event_id for event_id, _ in received] == [0, 1, 2]


# --- faults -----------------------------------------------------------------------------------

def test_cut_mid_utf8_character_is_a_transport_error(client: httpx.Client) -> None:
    query = "delay_ms=0&chunk_chars=4&text=caf%C3%A9%20cr%C3%A8me"
    full = chat(client, query).content
    cut = full.index("é".encode()) + 1  # after the first of the two bytes of é
    received = bytearray()
    with pytest.raises(httpx.RemoteProtocolError):
        with client.stream("POST", f"/api/chat?{query}&cut_after_bytes={cut}", json={}) as response:
            assert response.status_code == 200
            for chunk in response.iter_raw():
                received += chunk
    assert bytes(received) == full[:cut]


def test_cut_after_0_bytes_sends_only_the_headers(client: httpx.Client) -> None:
    with pytest.raises(httpx.RemoteProtocolError):
        chat(client, "cut_after_bytes=0")


def test_status_fault_with_retry_after(client: httpx.Client) -> None:
    response = chat(client, "status=503&retry_after=2")
    assert response.status_code == 503
    assert response.headers["retry-after"] == "2"
    assert response.json() == {"type": "error", "data": {
        "code": "SERVICE_UNAVAILABLE", "message": "Mock fault: 503 Service Unavailable"}}
    assert chat(client, "status=429").json()["data"]["code"] == "RATE_LIMIT"
    assert "retry-after" not in chat(client, "status=401").headers


def test_stall_keeps_the_connection_open_without_writing(client: httpx.Client) -> None:
    session = new_session()
    received = bytearray()
    with pytest.raises(httpx.ReadTimeout):
        with client.stream("POST", f"/api/chat?stall_after=2&delay_ms=0&session={session}",
                           json={}, timeout=httpx.Timeout(5, read=0.4)) as response:
            for chunk in response.iter_raw():
                received += chunk
    assert [event_id for event_id, _ in events(received.decode())] == [0, 1]
    entry = wait_for_entry(client, session, "disconnected")
    assert (entry["disconnected"], entry["completed"], entry["events_sent"]) == (True, False, 2)


def test_keepalive_only_sends_comments_and_no_event(client: httpx.Client) -> None:
    lines = []
    with client.stream("POST", "/api/chat?keepalive_only=1&ping_ms=40", json={}) as response:
        started = time.monotonic()
        for line in response.iter_lines():
            lines.append(line)
            if time.monotonic() - started > 0.3:
                break
    comments = [line for line in lines if line]
    assert len(comments) >= 5
    assert set(comments) == {": keep-alive"}


def test_ping_ms_fills_long_gaps_between_events(client: httpx.Client) -> None:
    body = chat(client, "delay_ms=250&ping_ms=60&chunk_chars=10&text=abc").text
    blocks = split_blocks(body)
    # status, chunk, complete: two gaps of 250 ms, each holding keep-alives.
    assert [b.id for b in blocks if b.id is not None] == [0, 1, 2]
    assert sum(b.comments == ["keep-alive"] for b in blocks) >= 4
    assert all(b.comments == ["keep-alive"] for b in blocks if b.id is None)


def test_malformed_frame_comes_after_event_n_without_an_id(client: httpx.Client) -> None:
    blocks = split_blocks(chat(client, "malformed=1&delay_ms=0&chunk_chars=2&text=abcd").text)
    assert [b.id for b in blocks] == [0, 1, None, 2, 3]
    with pytest.raises(json.JSONDecodeError):
        json.loads(blocks[2].data or "")


def test_drip_writes_one_byte_at_a_time(client: httpx.Client) -> None:
    query = "delay_ms=0&chunk_chars=3&text=h%C3%A9llo"
    with client.stream("POST", f"/api/chat?{query}&drip=1", json={}) as response:
        pieces = list(response.iter_raw())
    assert {len(piece) for piece in pieces} == {1}
    assert b"".join(pieces) == chat(client, query).content


def test_json_fault_answers_a_streaming_request_with_json(client: httpx.Client) -> None:
    response = chat(client, "json=1&text=Hello", body={"stream": True})
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"type": "complete", "data": {"final_response": "Hello"}}


def test_error_event_ends_the_stream_after_n_chunks(client: httpx.Client) -> None:
    body = chat(client, "error_event=2&delay_ms=0&chunk_chars=1&text=abcd").text
    received = json_events(body)
    assert [p["type"] for _, p in received] == ["status", "chunk", "chunk"]
    # The error carries no id: the ids of a failing attempt are those of the clean stream, so a
    # client resuming after the error misses no event.
    last = split_blocks(body)[-1]
    assert last.id is None
    assert json.loads(last.data or "") == {"type": "error", "data": {
        "code": "UPSTREAM", "message": "Mock upstream failure after 2 chunks"}}


def test_error_event_in_openai_format(client: httpx.Client) -> None:
    body = chat(client, "format=openai&error_event=1&delay_ms=0&chunk_chars=1&text=abcd").text
    assert [event_id for event_id, _ in events(body)] == [0, 1]
    last = split_blocks(body)[-1]
    assert last.id is None
    assert json.loads(last.data or "") == {"error": {
        "message": "Mock upstream failure after 1 chunks", "type": "server_error",
        "code": "upstream"}}


def test_gzip_streams_compressed_events(client: httpx.Client) -> None:
    query = "delay_ms=0&chunk_chars=16"
    with client.stream("POST", f"/api/chat?{query}&gzip=1", json={}) as response:
        assert response.headers["content-encoding"] == "gzip"
        raw = list(response.iter_raw())
    assert len(raw) > 10  # one compressed piece per event, not one buffered blob
    plain = zlib.decompressobj(wbits=31).decompress(b"".join(raw)).decode()
    assert plain == chat(client, query).text
    # httpx decodes it transparently too, as a browser does.
    assert chat(client, f"{query}&gzip=1").text == plain


# --- attempts and non-streaming ---------------------------------------------------------------

def test_faults_apply_to_the_first_attempts_of_an_idempotency_key(client: httpx.Client) -> None:
    key = new_session()
    query = "status=502&fault_attempts=2&delay_ms=0&text=ok"
    statuses = [chat(client, query, headers={"Idempotency-Key": key}).status_code
                for _ in range(3)]
    assert statuses == [502, 502, 200]
    assert chat(client, query, headers={"Idempotency-Key": new_session()}).status_code == 502
    assert chat(client, query).status_code == 502  # no key: every request is a first attempt
    entries = [e for e in client.get("/api/mock/requests").json()
               if e["headers"].get("idempotency-key") == key]
    assert [e["attempt"] for e in entries] == [1, 2, 3]


def test_the_session_parameter_also_counts_attempts(client: httpx.Client) -> None:
    query = f"cut_after_bytes=30&delay_ms=0&text=ok&session={new_session()}"
    with pytest.raises(httpx.RemoteProtocolError):
        chat(client, query)
    assert chat(client, query).status_code == 200


def test_non_streaming_request(client: httpx.Client) -> None:
    response = chat(client, "text=Hello", body={"stream": False})
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"type": "complete", "data": {"final_response": "Hello"}}
    openai = chat(client, "format=openai&text=Hello", body={"stream": False, "model": "m"}).json()
    assert openai["object"] == "chat.completion"
    assert openai["choices"][0]["message"] == {"role": "assistant", "content": "Hello"}
    assert chat(client, "status=500", body={"stream": False}).status_code == 500


# --- every dialect over HTTP ------------------------------------------------------------------

def untimed(body: str) -> str:
    """``body`` without the server's clock (``created``, Gemini's ``responseId``, LangServe's
    ``run_id``), so that two requests a second apart compare equal."""
    return re.sub(r"\b\d{10}\b|\b[0-9a-f]{12}\b", "T", body)


@pytest.mark.parametrize("ids", ["1", "0"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_streams_the_reply(client: httpx.Client, fmt: str, ids: str) -> None:
    response = chat(client, f"format={fmt}&ids={ids}&delay_ms=0&chunk_chars=16",
                    body={"model": "m2", "messages": []})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
    assert response.headers.get("x-vercel-ai-ui-message-stream") == (
        "v1" if fmt == "vercel" else None)
    blocks = split_blocks(response.text)
    read = READERS[fmt](blocks)
    assert (read.text, read.error, read.done) == (DEFAULT_REPLY, None, fmt not in ENDLESS)
    expected_ids = list(range(len(blocks))) if ids == "1" else [None] * len(blocks)
    assert [block.id for block in blocks] == expected_ids


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_reports_an_in_stream_error_without_an_id(client: httpx.Client,
                                                               fmt: str) -> None:
    blocks = split_blocks(chat(client, f"format={fmt}&error_event=2&delay_ms=0&chunk_chars=4"
                                       f"&text=abcdefghijkl").text)
    read = READERS[fmt](blocks)
    assert (read.text, read.done) == ("abcdefgh", False)
    if fmt != "raw":  # raw text cannot say it failed: it just stops
        assert read.error is not None
        assert blocks[-1].id is None


@pytest.mark.parametrize("fmt", [fmt for fmt in FORMATS if fmt != "raw"])
def test_every_format_sends_its_malformed_frame_after_event_n(client: httpx.Client,
                                                              fmt: str) -> None:
    blocks = split_blocks(chat(client, f"format={fmt}&malformed=1&delay_ms=0").text)
    assert [block.id for block in blocks[:4]] == [0, 1, None, 2]
    with pytest.raises(json.JSONDecodeError):
        json.loads(blocks[2].data or "")
    assert READERS[fmt](blocks[:2] + blocks[3:]).text == DEFAULT_REPLY


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_answers_json_in_the_providers_shape(client: httpx.Client, fmt: str) -> None:
    for query, body in ((f"format={fmt}&json=1", {"stream": True}),
                        (f"format={fmt}", {"stream": False, "model": "m3"})):
        response = chat(client, query, body=body)
        assert response.headers["content-type"] == "application/json"
        assert answer_text(fmt, response.json()) == DEFAULT_REPLY


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_answers_429_with_the_providers_error_body(client: httpx.Client,
                                                                fmt: str) -> None:
    response = chat(client, f"format={fmt}&status=429&retry_after=3")
    assert (response.status_code, response.headers["retry-after"]) == (429, "3")
    assert response.json() == status_error_body(429, fmt)


@pytest.mark.parametrize("stamp_as", ["server_ms", "obfuscation"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_takes_the_benchmark_options(client: httpx.Client, fmt: str, stamp_as: str) -> None:
    session = new_session()
    query = (f"format={fmt}&events=300&delay_ms=0&batch_bytes=4096&stamp=1&session={session}"
             + ("" if stamp_as == "server_ms" else f"&stamp_as={stamp_as}"))
    blocks = split_blocks(chat(client, query).text)
    stamped = []
    stamps = []
    for block in blocks:
        value = json.loads(block.data) if (block.data or "").startswith("{") else None
        if isinstance(value, dict):
            stamped.append(block.id)
            # first (a number) or last (a string, as OpenAI's padding)
            key = next(iter(value)) if stamp_as == "server_ms" else list(value)[-1]
            assert key == stamp_as
            stamp = value.pop(key)
            assert isinstance(stamp, float if stamp_as == "server_ms" else str)
            stamps.append(float(stamp))
            block.data = json.dumps(value, ensure_ascii=False)
    options = MockOptions.from_query({"format": fmt, "events": "300"})
    assert READERS[fmt](blocks).text == reply_text(options)
    logged = client.get(f"/api/mock/stamps?session={session}").json()["stamps"]
    assert [event_id for event_id, _ in logged] == stamped
    assert [stamp for _, stamp in logged] == stamps
    if fmt in ("raw", "langserve"):  # text, and string literals: only LangServe's metadata
        assert len(stamped) == (fmt == "langserve")
    else:
        assert len(stamped) >= 300


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_goes_through_gzip_and_cuts(client: httpx.Client, fmt: str) -> None:
    query = f"format={fmt}&delay_ms=0&chunk_chars=16"
    plain = chat(client, query).content
    assert untimed(chat(client, f"{query}&gzip=1").text) == untimed(plain.decode())
    cut = len(plain) // 2
    received = bytearray()
    with pytest.raises(httpx.RemoteProtocolError):
        with client.stream("POST", f"/api/chat?{query}&cut_after_bytes={cut}", json={}) as response:
            for chunk in response.iter_raw():
                received += chunk
    assert len(received) == cut
    assert untimed(received.decode("utf-8", "replace")) == untimed(
        plain[:cut].decode("utf-8", "replace"))


def test_a_page_on_another_origin_can_read_the_vercel_header(client: httpx.Client) -> None:
    response = chat(client, "format=vercel&delay_ms=0", headers={"Origin": "http://localhost:9"})
    exposed = response.headers["access-control-expose-headers"].lower()
    assert "x-vercel-ai-ui-message-stream" in exposed


def test_stutter_in_a_provider_dialect_is_a_400(client: httpx.Client) -> None:
    response = chat(client, "format=anthropic&stutter=1")
    assert response.status_code == 400
    assert "stutter=1 needs one of the formats" in response.json()["data"]["message"]


# --- CORS, static files, log ------------------------------------------------------------------

def test_cors_preflight_allows_the_resume_and_auth_headers(client: httpx.Client) -> None:
    response = client.options("/api/chat", headers={
        "Origin": "http://localhost:9999",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "last-event-id,idempotency-key,authorization"})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    allowed = response.headers["access-control-allow-headers"].lower()
    for name in ("last-event-id", "idempotency-key", "authorization"):
        assert name in allowed
    error = chat(client, "status=429&retry_after=1", headers={"Origin": "http://localhost:9999"})
    assert error.headers["access-control-allow-origin"] == "*"
    assert "retry-after" in error.headers["access-control-expose-headers"].lower()


def test_static_files(client: httpx.Client, server: Running) -> None:
    assert client.get("/dist/loader.mjs").status_code == 404  # not built yet
    dist = server.web_root / "dist"
    dist.mkdir()
    (dist / "loader.mjs").write_text("export {};")
    (dist / "pyodide.asm.wasm").write_bytes(b"\0asm")
    origin = {"Origin": "http://localhost:9999"}
    module = client.get("/dist/loader.mjs", headers=origin)
    assert module.headers["content-type"].startswith("text/javascript")
    assert module.headers["access-control-allow-origin"] == "*"
    assert module.headers["cache-control"] == "no-cache"
    assert client.get("/dist/pyodide.asm.wasm").headers["content-type"] == "application/wasm"
    redirect = client.get("/")
    assert (redirect.status_code, redirect.headers["location"]) == (307, "/demo/")
    assert client.get("/", follow_redirects=True).text == "<h1>demo</h1>"


def test_request_log_records_each_chat_request(client: httpx.Client) -> None:
    session = new_session()
    chat(client, f"session={session}&delay_ms=20&chunk_chars=10&text=abc",
         body={"model": "m"}, headers={"Authorization": "Bearer t", "Last-Event-ID": "x"})
    [entry] = log_entries(client, session)
    assert entry["path"] == "/api/chat" and entry["method"] == "POST"
    assert entry["body"] == {"model": "m"}
    assert entry["headers"]["authorization"] == "Bearer t"
    assert entry["headers"]["last-event-id"] == "x"
    assert (entry["attempt"], entry["status"], entry["events_sent"]) == (1, 200, 3)
    assert entry["bytes_sent"] > 0 and entry["completed"] and not entry["disconnected"]
    assert entry["started"] <= entry["first_write"] < entry["last_write"]


def test_a_client_that_leaves_is_logged_as_disconnected(client: httpx.Client) -> None:
    session = new_session()
    with client.stream("POST", f"/api/chat?delay_ms=100&session={session}", json={}) as response:
        next(response.iter_raw())
    entry = wait_for_entry(client, session, "disconnected")
    assert entry["disconnected"] and not entry["completed"]


def test_delete_clears_the_log_and_the_attempts(client: httpx.Client) -> None:
    query = f"status=503&session={new_session()}"
    assert chat(client, query).status_code == 503
    assert client.delete("/api/mock/requests").status_code == 204
    assert client.get("/api/mock/requests").json() == []
    assert chat(client, query).status_code == 503  # first attempt again


# --- the command line -------------------------------------------------------------------------

def test_cli_help_names_the_options() -> None:
    result = subprocess.run([sys.executable, "-m", "sse_client.testing.mock_backend", "--help"],
                            capture_output=True, text=True, cwd=ROOT, check=True)
    for option in ("--host", "--port", "--web-root", "--log-level"):
        assert option in result.stdout


def test_cli_announces_the_address_and_cuts_without_a_traceback() -> None:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "sse_client.testing.mock_backend", "--host", "127.0.0.1",
         "--port", str(port)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], 10)
        assert ready, "no announcement within 10 s"
        assert process.stdout.readline() == f"mock backend listening on http://127.0.0.1:{port}\n"
        base = f"http://127.0.0.1:{port}"
        assert httpx.get(f"{base}/api/health").json() == {"ok": True}
        with pytest.raises(httpx.RemoteProtocolError):
            httpx.post(f"{base}/api/chat?cut_after_bytes=10", json={})
    finally:
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=10)
    assert process.returncode == 0
    assert "Traceback" not in stderr


# --- benchmark options: GET for EventSource, events, batch_bytes, pace_hz, stamp --------------

def test_get_serves_the_same_stream_as_post_for_eventsource(client: httpx.Client) -> None:
    query = "delay_ms=0&chunk_chars=5&text=Hello%20world"
    response = client.get(f"/api/chat?{query}", headers={"Accept": "text/event-stream"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
    assert response.text == chat(client, query).text
    assert client.get("/api/chat?json=1&text=Hi").json() == {
        "type": "complete", "data": {"final_response": "Hi"}}
    assert client.get("/api/chat?delay_ms=x").status_code == 400


def test_events_cycles_the_pieces_of_the_text(client: httpx.Client) -> None:
    options = MockOptions.from_query({"events": "7", "chunk_chars": "2", "text": "abcde"})
    received = json_events(chat(client, "events=7&chunk_chars=2&text=abcde&delay_ms=0").text)
    assert [p["data"]["content"] for _, p in received[1:-1]] == reply_pieces(options)
    assert received[-1][1]["data"]["final_response"] == "abcdeabcdeab"
    openai = events(chat(client, "format=openai&events=1000&delay_ms=0").text)
    assert len(openai) == 1000 + 3  # role, the chunks, stop, [DONE]
    assert [event_id for event_id, _ in openai] == list(range(1003))


def test_batch_bytes_joins_frames_into_large_writes_of_the_same_body(client: httpx.Client) -> None:
    options = MockOptions.from_query({"events": "500", "delay_ms": "0", "batch_bytes": "4096",
                                      "format": "openai"})
    frames = build_frames(options, model="m", created=0)
    session = new_session()
    record = RequestLog().begin(_FakeRequest(session), {})
    writes = asyncio.run(_collect(_EventStreamWriter(options, record).body(frames)))
    assert b"".join(writes) == "".join(frame.wire for frame in frames).encode()
    assert all(len(write) >= 4096 for write in writes[:-1])
    assert len(writes) < len(frames) / 10
    assert record.events_sent == len(frames) and record.completed
    # Over HTTP: the same events as without batching.
    query = "format=standard&events=300&delay_ms=0&text=abc%C3%A9"
    assert chat(client, f"{query}&batch_bytes=1000").text == chat(client, query).text


def test_pace_hz_with_stamp_writes_on_schedule_and_says_when(client: httpx.Client) -> None:
    session = new_session()
    before = time.time() * 1000
    body = client.get(f"/api/chat?format=openai&events=10&pace_hz=100&stamp=1&session={session}")
    after = time.time() * 1000
    received = events(body.text)
    assert received[-1] == (12, "[DONE]")
    stamps = [json.loads(data)["server_ms"] for _, data in received[:-1]]
    assert before <= stamps[0] and stamps[-1] <= after
    # Event k is written no earlier than k / pace_hz after the first (1 ms of clock slack).
    assert all(stamp - stamps[0] >= k * 10 - 1 for k, stamp in enumerate(stamps))
    assert all(json.loads(data)["choices"] for _, data in received[:-1])  # still OpenAI chunks
    logged = client.get(f"/api/mock/stamps?session={session}").json()["stamps"]
    assert logged == [[event_id, stamp] for (event_id, _), stamp in zip(received, stamps)]
    assert client.get(f"/api/mock/stamps?session={new_session()}").status_code == 404


def test_stamp_in_a_batch_stamps_every_event_with_the_write_time(client: httpx.Client) -> None:
    body = chat(client, "format=standard&events=50&delay_ms=0&batch_bytes=100000&stamp=1").text
    stamps = {json.loads(data)["server_ms"] for _, data in events(body)}
    assert len(stamps) == 1  # one write


class _FakeRequest:
    """Just enough of a Starlette request for `RequestLog.begin`."""

    def __init__(self, session: str) -> None:
        self.url = httpx.URL("http://test/api/chat")
        self.query_params = {"session": session}
        self.method = "POST"
        self.headers: dict[str, str] = {}


async def _collect(body: Any) -> list[bytes]:
    return [chunk async for chunk in body]


# --- auth_token: a backend that checks the bearer token ---------------------------------------

def test_auth_token_answers_401_in_the_standard_error_shape_without_the_expected_token(
        client: httpx.Client) -> None:
    for headers in ({}, {"Authorization": "Bearer stale-token"}, {"Authorization": "fresh-token"},
                    {"Authorization": "Bearer fresh-token-and-more"}):
        response = chat(client, "auth_token=fresh-token&delay_ms=0", headers=headers)
        assert response.status_code == 401, headers
        assert response.headers["content-type"] == "application/json"
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.json() == {"type": "error", "data": {
            "code": "UNAUTHORIZED", "message": "The request does not carry the expected token."}}
        assert "fresh-token" not in response.text  # the expected token is never told


def test_auth_token_lets_the_expected_bearer_token_through(client: httpx.Client) -> None:
    headers = {"Authorization": "Bearer fresh-token"}
    response = chat(client, "auth_token=fresh-token&delay_ms=0&chunk_chars=3&text=Hi%20there", headers=headers)
    assert response.status_code == 200
    assert [data["data"]["content"] for _, data in json_events(response.text)
            if data["type"] == "chunk"] == ["Hi ", "the", "re"]
    answer = chat(client, "auth_token=fresh-token&text=ok", body={"stream": False}, headers=headers)
    assert answer.json() == {"type": "complete", "data": {"final_response": "ok"}}


def test_auth_token_applies_to_every_attempt_and_each_refusal_counts_as_one(client: httpx.Client) -> None:
    session = new_session()
    query = f"auth_token=fresh-token&status=503&delay_ms=0&text=ok&session={session}"
    stale, fresh = {"Authorization": "Bearer stale-token"}, {"Authorization": "Bearer fresh-token"}
    statuses = [chat(client, query, headers=headers).status_code for headers in (stale, stale, fresh, fresh)]
    # Refused on attempts 1 and 2 whatever fault_attempts says; the 503 fault was for attempt 1
    # only, so attempt 3, with the right token, streams.
    assert statuses == [401, 401, 200, 200]
    entries = log_entries(client, session)
    assert [(e["attempt"], e["status"], e["headers"]["authorization"]) for e in entries] == [
        (1, 401, "Bearer stale-token"), (2, 401, "Bearer stale-token"),
        (3, 200, "Bearer fresh-token"), (4, 200, "Bearer fresh-token")]


def test_auth_token_with_a_fault_answers_the_fault_to_the_right_token(client: httpx.Client) -> None:
    response = chat(client, "auth_token=fresh-token&status=503", headers={"Authorization": "Bearer fresh-token"})
    assert response.status_code == 503


def test_auth_token_with_echo_auth_repeats_the_header_the_request_carried(client: httpx.Client) -> None:
    response = chat(client, "auth_token=fresh-token&echo_auth=1",
                    headers={"Authorization": "Bearer stale-token"})
    assert response.status_code == 401
    assert response.json()["echo"] == "Authorization: Bearer stale-token"
    assert response.json()["data"]["message"].endswith("(Authorization: Bearer stale-token)")


@pytest.mark.parametrize("value", ["", "two words", "caf%C3%A9"])
def test_an_auth_token_that_no_header_can_carry_is_a_400(client: httpx.Client, value: str) -> None:
    response = chat(client, f"auth_token={value}")
    assert response.status_code == 400
    assert "auth_token must be printable ASCII without spaces" in response.json()["data"]["message"]


def test_auth_token_is_checked_before_the_204_fault(client: httpx.Client) -> None:
    assert chat(client, "auth_token=fresh-token&status=204").status_code == 401
    assert chat(client, "auth_token=fresh-token&status=204",
                headers={"Authorization": "Bearer fresh-token"}).status_code == 204
