"""The mock chat backend, over real HTTP: uvicorn on a free port, httpx as the client.

The SSE bodies are read with a tiny local splitter on purpose: the project's parser is tested
elsewhere and must not be needed to tell whether the server is right.
"""

from __future__ import annotations

import asyncio
import json
import select
import signal
import subprocess
import sys
import threading
import time
import uuid
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from sse_client.testing.launcher import free_port
from sse_client.testing.mock_backend import RequestLog, _EventStreamWriter, create_app
from sse_client.testing.mock_script import (
    DEFAULT_REPLY,
    InvalidOption,
    MockOptions,
    build_frames,
    reply_pieces,
    reply_text,
    split_reply,
    stamp_frame,
)

ROOT = Path(__file__).resolve().parents[2]


# --- a tiny event-stream splitter (the server writes LF line ends only) -----------------------

@dataclass
class Block:
    id: int | None = None
    data: str | None = None
    comments: list[str] = field(default_factory=list)


def split_blocks(body: str) -> list[Block]:
    blocks = []
    for raw in body.split("\n\n"):
        if not raw:
            continue
        block = Block()
        for line in raw.split("\n"):
            name, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if name == "":
                block.comments.append(value)
            elif name == "id":
                block.id = int(value)
            elif name == "data":
                block.data = value if block.data is None else f"{block.data}\n{value}"
        blocks.append(block)
    return blocks


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


# --- the pure part ----------------------------------------------------------------------------

def test_split_reply_counts_code_points_and_never_splits_an_emoji() -> None:
    assert split_reply("ab🚀cd", 3) == ["ab🚀", "cd"]
    assert split_reply("🚀🚀🚀", 1) == ["🚀", "🚀", "🚀"]
    assert split_reply("", 8) == []
    for size in range(1, 12):
        pieces = split_reply(DEFAULT_REPLY, size)
        assert "".join(pieces) == DEFAULT_REPLY
        assert all(len(piece) == size for piece in pieces[:-1])


def test_default_reply_has_non_ascii_an_astral_emoji_and_one_line_feed() -> None:
    assert 250 <= len(DEFAULT_REPLY) <= 350
    assert "é" in DEFAULT_REPLY and "你好" in DEFAULT_REPLY and "🚀" in DEFAULT_REPLY
    assert DEFAULT_REPLY.count("\n") == 1


def test_options_turn_faults_off_after_fault_attempts() -> None:
    options = MockOptions.from_query({"status": "503", "fault_attempts": "2", "delay_ms": "5"})
    assert options.for_attempt(2).status == 503
    assert options.for_attempt(3).status is None
    assert options.for_attempt(3).delay_ms == 5


@pytest.mark.parametrize("query, message", [
    ({"delay_ms": "fast"}, "delay_ms must be an integer"),
    ({"chunk_chars": "0"}, "chunk_chars must be between 1"),
    ({"stutter": "yes"}, "stutter must be 0 or 1"),
    ({"format": "xml"}, "format must be one of"),
    ({"status": "200"}, "status must be between 400 and 599"),
    ({"delay": "5"}, "unknown option(s) delay"),
])
def test_options_reject_bad_input_with_a_clear_message(query: dict[str, str], message: str) -> None:
    with pytest.raises(InvalidOption, match=message.replace("(", r"\(").replace(")", r"\)")):
        MockOptions.from_query(query)


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


@pytest.mark.parametrize("fmt", ["legacy", "openai", "raw"])
def test_resume_works_in_every_format(client: httpx.Client, fmt: str) -> None:
    body = chat(client, f"format={fmt}&delay_ms=0&chunk_chars=1&text=abcdef",
                headers={"Last-Event-ID": "2"}).text
    assert events(body)[0][0] == 3


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
        "code": "SERVICE_UNAVAILABLE", "message": "Mock fault: HTTP 503 Service Unavailable"}}
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
    assert reply_pieces(options) == ["ab", "cd", "e", "ab", "cd", "e", "ab"]
    assert reply_text(options) == "abcdeabcdeab"
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


@pytest.mark.parametrize("query, conflict", [
    ({"batch_bytes": "100"}, "delay_ms"),
    ({"batch_bytes": "100", "delay_ms": "0", "pace_hz": "10"}, "pace_hz"),
    ({"batch_bytes": "100", "delay_ms": "0", "drip": "1"}, "drip"),
    ({"batch_bytes": "0", "delay_ms": "0"}, "batch_bytes must be between"),
    ({"events": "0"}, "events must be between"),
    ({"pace_hz": "0"}, "pace_hz must be between"),
    ({"stamp": "yes"}, "stamp must be 0 or 1"),
])
def test_benchmark_options_reject_conflicts(query: dict[str, str], conflict: str) -> None:
    with pytest.raises(InvalidOption, match=conflict):
        MockOptions.from_query(query)


def test_stamp_frame_puts_server_ms_first_in_json_data_only() -> None:
    assert stamp_frame('id: 3\ndata: {"a": 1}\n\n', 1234.5678) == (
        'id: 3\ndata: {"server_ms": 1234.568, "a": 1}\n\n')
    assert stamp_frame("id: 4\ndata: [DONE]\n\n", 1.0) == "id: 4\ndata: [DONE]\n\n"
    assert stamp_frame("id: 5\ndata: raw {text}\n\n", 1.0) == "id: 5\ndata: raw {text}\n\n"


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
