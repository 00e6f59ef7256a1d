"""A 401 answer, end to end in Chromium: the client asks `getToken({ forceRefresh: true })` once
and sends the same request again at once; a second 401 is AUTH, and no token it sent reaches
the page (statuses, the error, the console). The mock backend's `auth_token=` answers 401 to
any other bearer token than the one it names.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import ConsoleMessage, Page

from sse_client.testing.mock_script import DEFAULT_REPLY

from .conftest import BOOT, BackendLog

STALE = "stale-token-5b2e9d"
FRESH = "fresh-token-8c41fa"

# A getToken that hands out `tokens` in turn and records how it was called: the number of
# arguments, whether the one argument is a plain JS object, and its forceRefresh.
TOKEN_PROVIDER = """
window.makeTokenProvider = function (tokens) {
  const calls = [];
  async function getToken(...args) {
    const options = args[0];
    calls.push({ count: args.length,
                 plain: options !== null && typeof options === "object" && Object.getPrototypeOf(options) === Object.prototype,
                 kind: typeof (options && options.forceRefresh),
                 forceRefresh: options && options.forceRefresh });
    return tokens[Math.min(calls.length, tokens.length) - 1];
  }
  return { getToken, calls };
};
"""

CHAT = """async ([endpoint, tokens]) => {
  const provider = makeTokenProvider(tokens);
  const result = await runChat(endpoint, null, undefined, { getToken: provider.getToken });
  return { ...result, calls: provider.calls, statusLine: document.getElementById("status").textContent };
}"""

# Every string a failed call leaves where a user or a developer could see it.
FAILED_CHAT = """async ([endpoint, tokens]) => {
  const provider = makeTokenProvider(tokens);
  SSEClient.configure({ ...TEST_DEFAULTS, endpoint, getToken: provider.getToken });
  const statuses = [];
  try {
    await SSEClient.chatWithModelStream({ model: "demo", messages: [] }, () => {}, s => {
      statuses.push(s);
      console.log("status", JSON.stringify(s));
      document.getElementById("status").textContent = s.state + " " + (s.message ?? "");
    });
    return { settled: "resolved" };
  } catch (error) {
    console.error(error);
    console.log(String(error), error.message, error.stack);
    return {
      settled: "rejected", type: error.type, status: error.status, retryable: error.retryable,
      message: error.message, calls: provider.calls, states: statuses.map(s => s.state),
      everything: JSON.stringify([error.message, String(error.cause), error.stack, statuses,
                                  (error.causes || []).map(c => [c.message, String(c.cause)]),
                                  document.body.innerText]),
    };
  }
}"""

STREAM = """async ([url, tokens]) => {
  const provider = makeTokenProvider(tokens);
  SSEClient.configure({ ...TEST_DEFAULTS, getToken: provider.getToken });
  try {
    const reader = await SSEClient.authFetch(url, {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ model: "demo", messages: [], stream: true }) }, { stream: true });
    const events = [];
    for await (const event of reader.readEvents()) events.push(event);
    return { settled: "resolved", events, calls: provider.calls };
  } catch (error) {
    console.error(error);
    return { settled: "rejected", type: error.type, status: error.status, calls: provider.calls,
             everything: JSON.stringify([error.message, String(error.cause), error.stack]) };
  }
}"""


@pytest.fixture
def page(chat_page: Page) -> Iterator[Page]:
    """The module's page with the token provider helper, recording its console."""
    chat_page.evaluate(TOKEN_PROVIDER)
    console: list[str] = []

    def record(message: ConsoleMessage) -> None:
        console.append(message.text)

    chat_page.on("console", record)
    chat_page.console = console  # type: ignore[attr-defined]
    yield chat_page
    chat_page.remove_listener("console", record)


def chat_entries(log: BackendLog) -> list[dict[str, Any]]:
    return [e for e in log.entries() if e["path"] == "/api/chat"]


def forced(calls: list[dict[str, Any]]) -> list[Any]:
    return [call["forceRefresh"] for call in calls]


def test_a_stale_token_is_refreshed_once_and_the_chat_completes(page: Page, backend: str,
                                                                backend_log: BackendLog) -> None:
    result = page.evaluate(CHAT, [f"{backend}/api/chat?auth_token={FRESH}&delay_ms=1", [STALE, FRESH]])
    assert result["ok"], result.get("error")
    assert result["text"] == DEFAULT_REPLY and result["page"] == DEFAULT_REPLY
    # getToken({forceRefresh: false}), then getToken({forceRefresh: true}): a plain JS object.
    assert result["calls"] == [{"count": 1, "plain": True, "kind": "boolean", "forceRefresh": False},
                               {"count": 1, "plain": True, "kind": "boolean", "forceRefresh": True}]
    # No retry of the backoff: connecting, streaming, completed.
    assert [s["state"] for s in result["statuses"] if not s.get("source")] == ["connecting", "streaming", "completed"]
    entries = chat_entries(backend_log)
    assert [(e["status"], e["headers"]["authorization"]) for e in entries] == [
        (401, f"Bearer {STALE}"), (200, f"Bearer {FRESH}")]
    assert entries[0]["headers"]["idempotency-key"] == entries[1]["headers"]["idempotency-key"]


def test_a_second_401_is_auth_and_no_token_is_shown_anywhere(page: Page, backend: str,
                                                             backend_log: BackendLog) -> None:
    # The backend echoes the Authorization header it was sent into its error message.
    endpoint = f"{backend}/api/chat?auth_token=never-this-one&echo_auth=1&fault_attempts=9"
    result = page.evaluate(FAILED_CHAT, [endpoint, [STALE, FRESH]])
    assert result["settled"] == "rejected", result
    assert (result["type"], result["status"], result["retryable"]) == ("AUTH", 401, False)
    assert result["states"] == ["connecting", "failed"]
    assert len(result["calls"]) == 2
    entries = chat_entries(backend_log)
    assert [e["headers"]["authorization"] for e in entries] == [f"Bearer {STALE}", f"Bearer {FRESH}"]
    assert "[redacted]" in result["message"]  # the echo was there, and redacted
    seen = result["everything"] + "\n".join(page.console)  # type: ignore[attr-defined]
    assert page.console  # type: ignore[attr-defined]
    assert FRESH not in seen and STALE not in seen


def test_the_second_401_came_after_a_forced_refresh(page: Page, backend: str) -> None:
    result = page.evaluate(FAILED_CHAT, [f"{backend}/api/chat?auth_token=never-this-one", [STALE, FRESH]])
    assert result["type"] == "AUTH"
    assert forced(result["calls"]) == [False, True]


def test_without_get_token_a_401_is_auth_at_once(page: Page, backend: str, backend_log: BackendLog) -> None:
    result = page.evaluate("(endpoint) => runChat(endpoint)", f"{backend}/api/chat?auth_token={FRESH}")
    assert (result["error"]["type"], result["error"]["status"]) == ("AUTH", 401)
    assert len(chat_entries(backend_log)) == 1


def test_a_failing_forced_refresh_is_auth(page: Page, backend: str, backend_log: BackendLog) -> None:
    result = page.evaluate(
        """(endpoint) => runChat(endpoint, null, undefined, {
             getToken: async (options) => {
               if (options && options.forceRefresh) throw new Error("refresh token revoked");
               return "stale-token-5b2e9d";
             } })""",
        f"{backend}/api/chat?auth_token={FRESH}")
    error = result["error"]
    assert (error["type"], error["retryable"]) == ("AUTH", False)
    assert error["message"] == "Could not get a sign-in token."
    assert len(chat_entries(backend_log)) == 1


def test_an_auth_fetch_stream_is_refreshed_once(page: Page, backend: str, backend_log: BackendLog) -> None:
    result = page.evaluate(STREAM, [f"{backend}/api/chat?auth_token={FRESH}&delay_ms=1", [STALE, FRESH]])
    assert result["settled"] == "resolved", result
    chunks = [e["content"] for e in result["events"] if e["type"] == "chunk"]
    assert "".join(chunks) == DEFAULT_REPLY and result["events"][-1]["type"] == "complete"
    assert forced(result["calls"]) == [False, True]
    assert [(e["status"], e["headers"]["authorization"]) for e in chat_entries(backend_log)] == [
        (401, f"Bearer {STALE}"), (200, f"Bearer {FRESH}")]


def test_an_auth_fetch_stream_refused_twice_is_auth_without_a_token_shown(page: Page, backend: str,
                                                                          backend_log: BackendLog) -> None:
    endpoint = f"{backend}/api/chat?auth_token=never-this-one&echo_auth=1&fault_attempts=9"
    result = page.evaluate(STREAM, [endpoint, [STALE, FRESH]])
    assert result["settled"] == "rejected", result
    assert (result["type"], result["status"]) == ("AUTH", 401)
    assert len(chat_entries(backend_log)) == 2
    seen = result["everything"] + "\n".join(page.console)  # type: ignore[attr-defined]
    assert FRESH not in seen and STALE not in seen


@pytest.mark.skipif(BOOT == "worker", reason="the bridge is in the worker: SSEClient.pyodide is null")
def test_request_headers_with_force_refresh_asks_get_token_for_a_fresh_token(page: Page) -> None:
    # The call the loader makes for a plain authFetch answered 401:
    # bridge.request_headers(headers, onDone, true).
    result = page.evaluate("""async ([tokens]) => {
      const provider = makeTokenProvider(tokens);
      SSEClient.configure({ ...TEST_DEFAULTS, getToken: provider.getToken });
      const bridge = SSEClient.pyodide.pyimport("sse_client.bridge");
      const ask = (...force) => new Promise(resolve => bridge.request_headers({ Accept: "text/plain" }, resolve, ...force));
      const first = await ask();
      const second = await ask(true);
      bridge.destroy();
      return { first, second, calls: provider.calls };
    }""", [[STALE, FRESH]])
    assert result["first"] == {"ok": True, "refreshable": True,
                               "headers": {"Accept": "text/plain", "Authorization": f"Bearer {STALE}"}}
    assert result["second"]["headers"]["Authorization"] == f"Bearer {FRESH}"
    assert result["calls"] == [{"count": 1, "plain": True, "kind": "boolean", "forceRefresh": False},
                               {"count": 1, "plain": True, "kind": "boolean", "forceRefresh": True}]


PLAIN = """async ([url, tokens]) => {
  const provider = makeTokenProvider(tokens);
  SSEClient.configure({ ...TEST_DEFAULTS, getToken: provider.getToken });
  const response = await SSEClient.authFetch(url, {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ model: "demo", messages: [], stream: false }) });
  return { status: response.status, isResponse: response instanceof Response,
           body: await response.text(), calls: provider.calls };
}"""


def test_a_plain_auth_fetch_is_refreshed_once(page: Page, backend: str, backend_log: BackendLog) -> None:
    result = page.evaluate(PLAIN, [f"{backend}/api/chat?auth_token={FRESH}", [STALE, FRESH]])
    assert (result["status"], result["isResponse"]) == (200, True)
    assert json.loads(result["body"])["data"]["final_response"] == DEFAULT_REPLY
    assert forced(result["calls"]) == [False, True]
    assert [(e["status"], e["headers"]["authorization"]) for e in chat_entries(backend_log)] == [
        (401, f"Bearer {STALE}"), (200, f"Bearer {FRESH}")]


def test_a_plain_auth_fetch_refused_twice_gives_the_401_as_fetch_would(page: Page, backend: str,
                                                                     backend_log: BackendLog) -> None:
    result = page.evaluate(PLAIN, [f"{backend}/api/chat?auth_token=never-this-one", [STALE, FRESH]])
    assert (result["status"], result["isResponse"]) == (401, True)  # fetch's own answer, not an error
    assert forced(result["calls"]) == [False, True]  # one refresh, not two
    assert len(chat_entries(backend_log)) == 2


@pytest.mark.parametrize("failure", ["reject('no token today')", "throw 5", "reject(undefined)"])
def test_a_get_token_failing_with_a_value_that_is_not_an_error_is_auth(page: Page, backend: str,
                                                                       failure: str) -> None:
    result = page.evaluate(f"""async (endpoint) => {{
      const getToken = () => new Promise((resolve, reject) => {{ {failure}; }});
      const outcome = await runChat(endpoint, null, undefined, {{ getToken }});
      return {{ ok: outcome.ok, type: outcome.error && outcome.error.type,
               message: outcome.error && outcome.error.message, last: outcome.statuses.at(-1).state }};
    }}""", f"{backend}/api/chat")
    assert result == {"ok": False, "type": "AUTH", "message": "Could not get a sign-in token.", "last": "failed"}
