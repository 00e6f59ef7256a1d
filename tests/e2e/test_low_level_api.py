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
