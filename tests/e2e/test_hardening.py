"""Hostile servers and careless callers, end to end in Chromium: every call settles exactly once
with an SSEClientError, every chat ends with a terminal status, no credential reaches the page,
and deadlines fire when due."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from sse_client.testing.mock_script import DEFAULT_REPLY

from .conftest import PAGE_PATH, BackendLog

TOKEN = "sk-live-7f3a9c2e1b"
HANG_MS = 8000  # a call that has not settled by then hangs

# Runs `call` (a JS expression of a promise, with `endpoint` in scope) and reports how it settled,
# the statuses it reported, and every string of the error (message, cause, causes, stack).
SETTLE = """async ([endpoint, call, config]) => {
  SSEClient.configure({ ...TEST_DEFAULTS, ...(config || {}), endpoint });
  const statuses = [];
  window.onStatus = s => statuses.push({ ...s, at: Date.now() });
  const hang = new Promise(resolve => setTimeout(() => resolve({ settled: "hang" }), HANG_MS));
  const run = (async () => {
    try { return { settled: "resolved", value: await eval(call) }; }
    catch (error) { return { settled: "rejected", error }; }
  })();
  const outcome = await Promise.race([run, hang]);
  const error = outcome.error;
  return {
    settled: outcome.settled,
    value: outcome.value,
    error: error && { name: error.name, type: error.type, message: error.message,
                      isSSEClientError: error instanceof SSEClient.SSEClientError,
                      everything: JSON.stringify([error.message, String(error.cause), error.stack,
                                                  (error.causes || []).map(c => [c.message, String(c.cause)])]) },
    statuses, statusText: JSON.stringify(statuses),
  };
}""".replace("HANG_MS", str(HANG_MS))


def settle(page: Page, endpoint: str, call: str, config: dict[str, Any] | None = None) -> dict[str, Any]:
    result: dict[str, Any] = page.evaluate(SETTLE, [endpoint, call, config])
    return result


def chat_call(request: str = "{ model: 'demo' }", on_chunk: str = "c => {}",
              on_status: str = "onStatus", options: str = "undefined") -> str:
    return f"SSEClient.chatWithModelStream({request}, {on_chunk}, {on_status}, {options})"


def assert_client_error(result: dict[str, Any], *words: str) -> None:
    assert result["settled"] == "rejected", result
    error = result["error"]
    assert error["isSSEClientError"] and error["name"] == "SSEClientError" and error["type"] == "CLIENT", error
    for word in words:
        assert word in error["message"], error["message"]


@pytest.mark.parametrize(("value", "what"), [("new Date(0)", "a Date"), ("() => 1", "a function")])
def test_a_request_holding_a_value_json_cannot_carry_rejects_and_sends_nothing(
    chat_page: Page, backend: str, backend_log: BackendLog, value: str, what: str
) -> None:
    result = settle(chat_page, f"{backend}/api/chat", chat_call(request=f"{{ model: 'demo', when: {value} }}"))
    assert_client_error(result, "toISOString")
    assert result["statuses"][-1]["state"] == "failed"
    assert [e for e in backend_log.entries() if e["path"] == "/api/chat"] == []


def test_a_cyclic_request_rejects_with_an_sse_client_error(chat_page: Page, backend: str) -> None:
    result = settle(chat_page, f"{backend}/api/chat",
                    "(() => { const r = { model: 'demo' }; r.self = r; return " + chat_call(request="r") + "; })()")
    assert_client_error(result)
    assert "PythonError" not in result["error"]["everything"]


def test_an_on_chunk_that_throws_rejects_and_on_status_hears_failed(chat_page: Page, backend: str) -> None:
    result = settle(chat_page, f"{backend}/api/chat?delay_ms=0",
                    chat_call(on_chunk="c => { throw new Error('render failed'); }"))
    assert_client_error(result, "onChunk", "render failed")
    assert result["statuses"][-1]["state"] == "failed"


def test_an_on_status_that_throws_on_an_aborted_signal_still_settles_as_cancelled(chat_page: Page, backend: str) -> None:
    call = chat_call(on_status="s => { throw new Error('status bar broke'); }",
                     options="{ signal: AbortSignal.abort() }")
    result = settle(chat_page, f"{backend}/api/chat", call)
    assert result["settled"] == "rejected", result
    assert result["error"]["type"] == "CANCELLED"


@pytest.mark.parametrize(("call", "words"), [
    (chat_call(on_chunk="'not a function'"), ["onChunk must be a function"]),
    (chat_call(options="new AbortController().signal"), ["{ signal }"]),
    (chat_call(options="{ sigal: new AbortController().signal }"), ["Unknown chat option", "sigal"]),
    (chat_call(request="null"), ["request must be an object"]),
], ids=["non-function onChunk", "signal in place of the options", "misspelt option", "null request"])
def test_caller_mistakes_reject_up_front_saying_what_to_write(
    chat_page: Page, backend: str, backend_log: BackendLog, call: str, words: list[str]
) -> None:
    result = settle(chat_page, f"{backend}/api/chat", call)
    assert_client_error(result, *words)
    assert [e for e in backend_log.entries() if e["path"] == "/api/chat"] == []  # nothing sent
    assert result["statuses"][-1]["state"] == "failed"


@pytest.mark.parametrize("status", [401, 403, 500])
def test_a_token_the_backend_echoes_reaches_neither_the_error_nor_the_statuses(
    chat_page: Page, backend: str, status: int
) -> None:
    config = {"getToken": None, "headers": {"X-Api-Key": "key-0a1b2c3d4e"}, "retry": {"maxRetries": 1, "baseDelayMs": 10}}
    call = chat_call()
    page_call = f"(SSEClient.configure({{ getToken: async () => '{TOKEN}' }}), {call})"
    result = settle(chat_page, f"{backend}/api/chat?status={status}&echo_auth=1&fault_attempts=9", page_call, config)
    assert result["settled"] == "rejected", result
    assert TOKEN not in result["error"]["everything"] and "key-0a1b2c3d4e" not in result["error"]["everything"]
    assert TOKEN not in result["statusText"]
    assert "[redacted]" in result["error"]["everything"]


def test_a_204_answer_is_a_typed_error_that_says_so_in_words(chat_page: Page, backend: str) -> None:
    result = settle(chat_page, f"{backend}/api/chat?status=204", chat_call(), {"retry": {"maxRetries": 0}, "fallback": False})
    assert result["settled"] == "rejected" and result["error"]["isSSEClientError"], result
    assert "jsnull" not in result["error"]["message"] and "null" not in result["error"]["message"]


def test_a_plain_auth_fetch_sends_the_configured_headers_and_the_token(
    chat_page: Page, backend: str, backend_log: BackendLog
) -> None:
    call = (f"(SSEClient.configure({{ headers: {{ 'X-Api-Key': 'key-0a1b2c3d4e' }}, getToken: () => '{TOKEN}' }}),"
            " SSEClient.authFetch(endpoint, { method: 'POST', headers: { 'Content-Type': 'application/json' },"
            " body: JSON.stringify({ stream: false }) }).then(r => r.json()))")
    result = settle(chat_page, f"{backend}/api/chat", call)
    assert result["settled"] == "resolved", result
    assert result["value"]["data"]["final_response"] == DEFAULT_REPLY
    (entry,) = [e for e in backend_log.entries() if e["path"] == "/api/chat"]
    assert entry["headers"]["x-api-key"] == "key-0a1b2c3d4e"
    assert entry["headers"]["authorization"] == f"Bearer {TOKEN}"


def test_a_token_provider_that_rejects_is_an_auth_error_for_a_plain_auth_fetch(chat_page: Page, backend: str) -> None:
    call = ("(SSEClient.configure({ getToken: () => Promise.reject(new Error('signed out')) }),"
            " SSEClient.authFetch(endpoint))")
    result = settle(chat_page, f"{backend}/api/chat", call)
    assert result["settled"] == "rejected" and result["error"]["isSSEClientError"], result
    assert result["error"]["type"] == "AUTH"


def test_the_no_progress_deadline_fires_when_due_after_a_longer_first_byte_deadline(chat_page: Page, backend: str) -> None:
    config = {"timeouts": {"firstByteMs": 5000, "idleMs": None, "noProgressMs": 1500, "totalMs": None},
              "retry": {"maxRetries": 0}, "fallback": False}
    result = settle(chat_page, f"{backend}/api/chat?keepalive_only=1", chat_call(), config)
    assert result["settled"] == "rejected" and result["error"]["type"] == "TIMEOUT", result
    failed = result["statuses"][-1]
    assert failed["error"]["cause"] == "no_progress"
    # Due 1.5 s after the first keep-alive (~0.1 s in): well before the 5 s first-byte deadline
    # that it used to wait for.
    assert failed["at"] - result["statuses"][0]["at"] < 3000


def test_a_configure_mistake_before_ready_is_reported_and_a_later_configure_recovers(
    browser: Browser, page_origin: str, backend: str
) -> None:
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(page_origin + PAGE_PATH)
        outcome = page.evaluate("""async (endpoint) => {
          let first;
          try {
            SSEClient.configure({ endpiont: endpoint });     // a typo, before ready (as a rule)
          } catch (e) {
            first = e.type + ': ' + e.message;              // a quick boot was done: it throws at once
          }
          await SSEClient.ready;                              // still boots
          if (first === undefined) {
            first = await SSEClient.chatWithModelStream({ model: 'demo' }, () => {}).then(
              () => 'resolved', e => e.type + ': ' + e.message);
          }
          // A new page boots while other tests load the machine: generous deadlines here.
          SSEClient.configure({ ...TEST_DEFAULTS, endpoint: endpoint + '?delay_ms=0',
                                timeouts: { firstByteMs: 20000, idleMs: 10000, noProgressMs: 20000, totalMs: null } });
          const second = await SSEClient.chatWithModelStream({ model: 'demo' }, () => {}).catch(
            e => 'rejected: ' + e.type + ': ' + e.message);
          return { first, second };
        }""", f"{backend}/api/chat")
    finally:
        context.close()
    assert outcome["first"].startswith("CLIENT: ") and "endpiont" in outcome["first"]
    assert outcome["second"] == DEFAULT_REPLY
