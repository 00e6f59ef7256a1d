"""The lower-level API and authentication, end to end: `SSEClient.authFetch` with and without
`stream: true`, and the `getToken` provider's `Authorization: Bearer` header.
"""

from __future__ import annotations

import json
from typing import Any

from playwright.sync_api import Page

from sse_client.testing.mock_script import DEFAULT_REPLY, split_reply

from .conftest import BackendLog, wait_until

# A streaming request of PROTOCOL.md, made by hand with authFetch.
READ_ALL = """async ([url, stream]) => {
  SSEClient.configure({ ...TEST_DEFAULTS, getToken: async () => "secret-1" });
  const body = JSON.stringify({ model: "demo", messages: [], stream });
  const seen = [];
  const reader = await SSEClient.authFetch(
    url, { method: "POST", headers: { "Content-Type": "application/json" }, body },
    { stream: true, onEvent: event => seen.push(event.type) });
  const events = [];
  for await (const event of reader.readEvents()) events.push(event);
  return { events, seen, bytes: reader.bytesReceived, count: reader.eventsReceived };
}"""


def entries(log: BackendLog) -> list[dict[str, Any]]:
    return [e for e in log.entries() if e["path"] == "/api/chat"]


def test_auth_fetch_streams_normalised_events_with_for_await(
    chat_page: Page, backend: str, backend_log: BackendLog
) -> None:
    result = chat_page.evaluate(READ_ALL, [f"{backend}/api/chat?format=openai&delay_ms=1&chunk_chars=8", True])

    chunks = [e for e in result["events"] if e["type"] == "chunk"]
    assert [c["content"] for c in chunks] == split_reply(DEFAULT_REPLY, 8)
    assert result["events"][-1]["type"] == "complete"
    assert result["seen"] == [e["type"] for e in result["events"]]  # onEvent saw each one
    (entry,) = entries(backend_log)
    assert result["bytes"] == entry["bytes_sent"] > 0
    assert result["count"] == entry["events_sent"]
    assert entry["headers"]["authorization"] == "Bearer secret-1"


def test_auth_fetch_rejects_an_http_error_with_a_typed_error(chat_page: Page, backend: str) -> None:
    error = chat_page.evaluate(
        """async (url) => {
          try { await SSEClient.authFetch(url, { method: "POST", body: "{}" }, { stream: true }); }
          catch (e) { return [e.name, e.type, e.status]; }
        }""",
        f"{backend}/api/chat?status=401",
    )
    assert error == ["SSEClientError", "AUTH", 401]


def test_auth_fetch_rejects_a_response_that_is_not_an_event_stream(chat_page: Page, backend: str) -> None:
    error = chat_page.evaluate(
        """async (url) => {
          try { await SSEClient.authFetch(url, { method: "POST", body: "{}" }, { stream: true }); }
          catch (e) { return e.type; }
        }""",
        f"{backend}/api/chat?json=1",
    )
    assert error == "PARSE"


def test_cancel_ends_read_events_and_the_backend_sees_the_disconnect(
    chat_page: Page, backend: str, backend_log: BackendLog
) -> None:
    result = chat_page.evaluate(
        """async (url) => {
          const reader = await SSEClient.authFetch(url, { method: "POST", body: "{}" }, { stream: true });
          const events = [];
          for await (const event of reader.readEvents()) {
            events.push(event);
            if (events.length === 3) reader.cancel();
          }
          return events.length;
        }""",
        f"{backend}/api/chat?delay_ms=100",
    )
    assert 3 <= result < 10
    wait_until(lambda: entries(backend_log)[0]["disconnected"], what="the backend seeing the disconnect")
    (entry,) = entries(backend_log)
    assert entry["disconnected"] and not entry["completed"]


def test_breaking_out_of_for_await_cancels_the_stream(chat_page: Page, backend: str, backend_log: BackendLog) -> None:
    chat_page.evaluate(
        """async (url) => {
          const reader = await SSEClient.authFetch(url, { method: "POST", body: "{}" }, { stream: true });
          for await (const event of reader.readEvents()) { if (event.type === "chunk") break; }
        }""",
        f"{backend}/api/chat?delay_ms=100",
    )
    wait_until(lambda: entries(backend_log)[0]["disconnected"], what="the backend seeing the disconnect")
    (entry,) = entries(backend_log)
    assert entry["disconnected"]


def test_auth_fetch_without_stream_is_fetch_with_the_token(
    chat_page: Page, backend: str, backend_log: BackendLog
) -> None:
    answer = chat_page.evaluate(
        """async (url) => {
          SSEClient.configure({ getToken: () => "plain-token" });
          const response = await SSEClient.authFetch(url, {
            method: "POST", headers: { "Content-Type": "application/json" }, body: '{"stream": false}' });
          return [response.status, await response.text()];
        }""",
        f"{backend}/api/chat",
    )
    assert answer[0] == 200
    assert json.loads(answer[1])["data"]["final_response"] == DEFAULT_REPLY
    (entry,) = entries(backend_log)
    assert entry["headers"]["authorization"] == "Bearer plain-token"


def test_the_token_is_asked_for_again_on_every_attempt(chat_page: Page, backend: str, backend_log: BackendLog) -> None:
    result = chat_page.evaluate(
        """async (endpoint) => {
          let issued = 0;
          return runChat(endpoint, null, undefined, { getToken: async () => "token-" + (++issued) });
        }""",
        f"{backend}/api/chat?status=503&delay_ms=1",
    )
    assert result["ok"], result.get("error")
    assert [e["headers"]["authorization"] for e in entries(backend_log)] == ["Bearer token-1", "Bearer token-2"]


def test_a_failing_token_provider_is_an_auth_error(chat_page: Page, backend: str, backend_log: BackendLog) -> None:
    result = chat_page.evaluate(
        """(endpoint) => runChat(endpoint, null, undefined,
                                 { getToken: async () => { throw new Error("signed out"); } })""",
        f"{backend}/api/chat",
    )
    assert (result["error"]["type"], result["error"]["retryable"]) == ("AUTH", False)
    assert entries(backend_log) == []


def test_a_throwing_on_event_stops_the_stream_with_a_client_error(chat_page: Page, backend: str) -> None:
    result = chat_page.evaluate("""async (url) => {
      SSEClient.configure(TEST_DEFAULTS);
      const seen = [];
      const reader = await SSEClient.authFetch(url, { method: "POST", body: "{}" }, {
        stream: true, onEvent: event => { seen.push(event.type); if (seen.length === 2) throw new Error("page bug"); } });
      const read = [];
      try {
        for await (const event of reader.readEvents()) read.push(event.type);
        return { settled: "resolved" };
      } catch (error) {
        return { settled: "rejected", type: error.type, message: error.message, cause: String(error.cause),
                 seen: seen.length, read: read.length };
      }
    }""", f"{backend}/api/chat?delay_ms=20")
    assert result == {"settled": "rejected", "type": "CLIENT",
                      "message": "The page's onEvent callback threw an error, so the stream was stopped.",
                      "cause": "Error: page bug", "seen": 2, "read": 1}


def test_a_throwing_on_error_does_not_keep_auth_fetch_from_settling(chat_page: Page, backend: str) -> None:
    result = chat_page.evaluate("""async (url) => {
      SSEClient.configure(TEST_DEFAULTS);
      try {
        await SSEClient.authFetch(url, { method: "POST", body: "{}" },
                                  { stream: true, onError: () => { throw new Error("page bug"); } });
        return { settled: "resolved" };
      } catch (error) {
        return { settled: "rejected", type: error.type, status: error.status };
      }
    }""", f"{backend}/api/chat?status=503")
    assert result == {"settled": "rejected", "type": "SERVER", "status": 503}


# --- the reader API: readToCompletion, on(...), isStreaming -----------------------------------

# authFetch's reader of one stream of the mock backend at `url`, made by hand.
OPEN_READER = """async function openReader(url) {
  SSEClient.configure(TEST_DEFAULTS);
  return SSEClient.authFetch(url, { method: "POST", headers: { "Content-Type": "application/json" },
                                    body: JSON.stringify({ model: "demo", messages: [], stream: true }) },
                             { stream: true });
}"""


def reader_script(body: str) -> str:
    """An async function of `url` whose `body` has `openReader(url)` at hand."""
    return f"async (url) => {{ {OPEN_READER}\n{body} }}"


def test_read_to_completion_resolves_to_the_text_with_its_chunks_and_statuses(chat_page: Page, backend: str) -> None:
    result = chat_page.evaluate(reader_script("""
      const reader = await openReader(url);
      const chunks = [], statuses = [];
      const streamingAtOpen = reader.isStreaming;
      const text = await reader.readToCompletion({ onChunk: c => chunks.push(c), onStatus: s => statuses.push(s) });
      return { text, chunks, statuses, streamingAtOpen, streamingAfter: reader.isStreaming,
               bytes: reader.bytesReceived };
    """), f"{backend}/api/chat?delay_ms=1&chunk_chars=9")
    assert result["text"] == DEFAULT_REPLY
    assert result["chunks"] == split_reply(DEFAULT_REPLY, 9)
    assert [(s["type"], s["progress"]) for s in result["statuses"]] == [("status", 0.0)]
    assert (result["streamingAtOpen"], result["streamingAfter"]) == (True, False)
    assert result["bytes"] > 0


def test_on_listeners_hear_chunks_statuses_and_the_end_and_unsubscribe(chat_page: Page, backend: str) -> None:
    result = chat_page.evaluate(reader_script("""
      const reader = await openReader(url);
      const heard = { chunk: 0, status: 0, error: 0, complete: 0, unsubscribed: 0, afterThrow: 0 };
      const text = [];
      reader.on("chunk", event => { text.push(event.content); heard.chunk++; });
      reader.on("chunk", () => { throw new Error("a listener's bug"); });   // isolated
      reader.on("chunk", () => { heard.afterThrow++; });
      const stop = reader.on("chunk", () => { heard.unsubscribed++; });
      stop();
      stop(); // twice is harmless
      reader.on("status", event => { heard.status++; heard.statusType = event.type; });
      reader.on("error", () => { heard.error++; });
      const ended = new Promise(resolve => reader.on("complete", arg => { heard.complete++; heard.arg = arg;
                                                                         heard.streamingAtEnd = reader.isStreaming; resolve(); }));
      const events = [];
      for await (const event of reader.readEvents()) events.push(event.type);
      await ended;
      let late = 0;
      reader.on("complete", () => { late++; });  // added after the end: hears it at once
      reader.on("error", () => { late += 100; });  // no error: never
      return { heard, text: text.join(""), events, late };
    """), f"{backend}/api/chat?delay_ms=1&chunk_chars=9")
    heard = result["heard"]
    chunks = len(split_reply(DEFAULT_REPLY, 9))
    assert result["text"] == DEFAULT_REPLY
    assert (heard["chunk"], heard["afterThrow"], heard["unsubscribed"]) == (chunks, chunks, 0)
    assert (heard["status"], heard["statusType"], heard["error"], heard["complete"]) == (1, "status", 0, 1)
    assert heard.get("arg") is None and heard["streamingAtEnd"] is False
    assert result["events"] == ["status", *["chunk"] * chunks, "complete"]  # the stream went on
    assert result["late"] == 1


def test_complete_is_heard_for_a_stream_that_ends_at_its_close(chat_page: Page, backend: str) -> None:
    # The legacy format has no end event: its stream ends when the server closes it.
    result = chat_page.evaluate(reader_script("""
      const reader = await openReader(url);
      let complete = 0;
      reader.on("complete", () => { complete++; });
      const text = await reader.readToCompletion();
      return { text, complete };
    """), f"{backend}/api/chat?format=legacy&delay_ms=1")
    assert result == {"text": DEFAULT_REPLY, "complete": 1}


def test_an_error_event_rejects_read_to_completion_with_its_typed_error(
    chat_page: Page, backend: str, backend_log: BackendLog
) -> None:
    result = chat_page.evaluate(reader_script("""
      const reader = await openReader(url);
      const chunks = [], errors = [];
      let complete = 0;
      reader.on("error", error => errors.push([error.name, error.type]));
      reader.on("complete", () => { complete++; });
      try {
        await reader.readToCompletion({ onChunk: c => chunks.push(c) });
        return { settled: "resolved" };
      } catch (error) {
        return { settled: "rejected", name: error.name, type: error.type, isError: error instanceof SSEClient.SSEClientError,
                 message: error.message, chunks: chunks.length, errors, complete, streaming: reader.isStreaming };
      }
    """), f"{backend}/api/chat?error_event=3&delay_ms=1")
    assert result == {"settled": "rejected", "name": "SSEClientError", "type": "SERVER", "isError": True,
                      "message": "Mock upstream failure after 3 chunks.", "chunks": 3,
                      "errors": [["SSEClientError", "SERVER"]], "complete": 0, "streaming": False}


def test_a_failed_stream_rejects_read_to_completion_and_tells_the_error_listeners(chat_page: Page, backend: str) -> None:
    result = chat_page.evaluate(reader_script("""
      const reader = await openReader(url);
      const errors = [];
      reader.on("error", error => errors.push(error.type));
      try {
        await reader.readToCompletion();
        return { settled: "resolved" };
      } catch (error) {
        let late = null;
        reader.on("error", e => { late = e.type; });  // added after the end: hears it at once
        return { settled: "rejected", type: error.type, errors, late, streaming: reader.isStreaming };
      }
    """), f"{backend}/api/chat?cut_after_bytes=300&delay_ms=1")
    assert result == {"settled": "rejected", "type": "NETWORK", "errors": ["NETWORK"], "late": "NETWORK",
                      "streaming": False}


def test_cancel_rejects_read_to_completion_as_cancelled(chat_page: Page, backend: str, backend_log: BackendLog) -> None:
    result = chat_page.evaluate(reader_script("""
      const reader = await openReader(url);
      let complete = 0, errors = 0;
      reader.on("complete", () => { complete++; });
      reader.on("error", () => { errors++; });
      const reading = reader.readToCompletion({ onChunk: () => { if (reader.isStreaming) reader.cancel(); } });
      try {
        await reading;
        return { settled: "resolved" };
      } catch (error) {
        await new Promise(resolve => setTimeout(resolve, 50));
        return { settled: "rejected", type: error.type, streaming: reader.isStreaming, complete, errors };
      }
    """), f"{backend}/api/chat?delay_ms=50")
    assert result == {"settled": "rejected", "type": "CANCELLED", "streaming": False, "complete": 0, "errors": 0}
    wait_until(lambda: entries(backend_log)[0]["disconnected"], what="the backend seeing the disconnect")


def test_a_throwing_on_chunk_of_read_to_completion_stops_the_stream_with_a_client_error(
    chat_page: Page, backend: str, backend_log: BackendLog
) -> None:
    result = chat_page.evaluate(reader_script("""
      const reader = await openReader(url);
      const errors = [];
      reader.on("error", error => errors.push(error.type));
      try {
        await reader.readToCompletion({ onChunk: () => { throw new Error("page bug"); } });
        return { settled: "resolved" };
      } catch (error) {
        return { settled: "rejected", type: error.type, message: error.message, cause: String(error.cause) };
      }
    """), f"{backend}/api/chat?delay_ms=50")
    assert result == {"settled": "rejected", "type": "CLIENT",
                      "message": "The page's onChunk callback threw an error, so the stream was stopped.",
                      "cause": "Error: page bug"}
    wait_until(lambda: entries(backend_log)[0]["disconnected"], what="the backend seeing the disconnect")


def test_the_reader_api_refuses_what_it_cannot_do_with_client_errors(chat_page: Page, backend: str) -> None:
    result = chat_page.evaluate(reader_script("""
      const reader = await openReader(url);
      const mistakes = [];
      for (const attempt of [() => reader.on("chunks", () => {}), () => reader.on("chunk", "not a function")]) {
        try { attempt(); mistakes.push(null); } catch (error) { mistakes.push([error.type, error.message]); }
      }
      for (const options of [{ onChunk: 5 }, { onText: () => {} }]) {
        try { await reader.readToCompletion(options); mistakes.push(null); }
        catch (error) { mistakes.push([error.type, error.message]); }
      }
      const text = await reader.readToCompletion();  // the stream was not touched by the mistakes
      return { mistakes, text };
    """), f"{backend}/api/chat?delay_ms=1")
    assert result["text"] == DEFAULT_REPLY
    assert result["mistakes"] == [
        ["CLIENT", 'reader.on() listens to "chunk", "status", "error" or "complete", not "chunks".'],
        ["CLIENT", 'reader.on(type, listener) takes a function: reader.on("chunk", event => ...).'],
        ["CLIENT", "onChunk must be a function, or left out."],
        ["CLIENT", 'Unknown readToCompletion option "onText"; known: onChunk, onStatus.'],
    ]
