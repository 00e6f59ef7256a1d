"""Resilience end to end: every fault the mock backend injects, in the standard and the OpenAI
format, ends in the exact reply on the page or in the right typed error, never a hang and never
a duplicate. Tests configure short retry delays (see TEST_DEFAULTS in conftest.py).
"""

from __future__ import annotations

import urllib.request
from typing import Any

import pytest
from playwright.sync_api import Page

from sse_client.testing.mock_script import DEFAULT_REPLY

from .conftest import BOOT, BackendLog, wait_until

FORMATS = ["standard", "openai"]
BASE_MS, MAX_MS = 50, 200  # TEST_DEFAULTS.retry


def run_chat(page: Page, endpoint: str, config: dict[str, Any] | None = None) -> dict[str, Any]:
    result: dict[str, Any] = page.evaluate(
        "([endpoint, config]) => runChat(endpoint, null, undefined, config)", [endpoint, config]
    )
    return result


def states(result: dict[str, Any]) -> list[str]:
    seen: list[str] = []
    for status in result["statuses"]:
        if status.get("source") or status.get("warning"):
            continue
        if not seen or seen[-1] != status["state"] or status["state"] == "reconnecting":
            seen.append(status["state"])
    return seen


def chat_requests(log: BackendLog) -> list[dict[str, Any]]:
    return sorted((e for e in log.entries() if e["path"] == "/api/chat"), key=lambda e: e["seq"])


def stream_body(backend: str, fmt: str) -> bytes:
    """The whole event stream the backend sends for `fmt`, to aim cuts at exact bytes."""
    request = urllib.request.Request(
        f"{backend}/api/chat?format={fmt}&delay_ms=0",
        data=b'{"stream": true}',
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return bytes(response.read())


def assert_exact_reply(page: Page, result: dict[str, Any]) -> None:
    assert result["ok"], result.get("error")
    assert result["text"] == DEFAULT_REPLY
    assert page.locator("#out").text_content() == DEFAULT_REPLY  # whole, and nothing twice


def assert_delays_within_policy(result: dict[str, Any], requests: list[dict[str, Any]]) -> None:
    """Each reconnect waited a full-jitter delay within its cap, and the backend saw the next
    attempt no sooner than that."""
    reconnects = [s for s in result["statuses"] if s["state"] == "reconnecting"]
    for number, status in enumerate(reconnects, start=1):
        cap = min(MAX_MS, BASE_MS * 2 ** (number - 1))
        assert 0 <= status["delayMs"] <= cap, status
        gap_ms = (requests[number]["started"] - requests[number - 1]["started"]) * 1000
        assert gap_ms >= status["delayMs"] - 5, (gap_ms, status)


# --- faults that a retry heals ----------------------------------------------------------------


@pytest.mark.parametrize("resume", [1, 0], ids=["resuming-backend", "restarting-backend"])
@pytest.mark.parametrize("where", ["mid-line", "inside-utf8"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_a_cut_connection_resumes_with_the_exact_reply(
    chat_page: Page, backend: str, backend_log: BackendLog, fmt: str, where: str, resume: int
) -> None:
    body = stream_body(backend, fmt)
    if where == "inside-utf8":
        cut = body.index("🚀".encode()) + 2
    else:
        cut = body.index(b"\n\n", len(body) // 3) - 5
    backend_log.clear()
    result = run_chat(
        chat_page, f"{backend}/api/chat?format={fmt}&delay_ms=1&cut_after_bytes={cut}&resume={resume}"
    )

    assert_exact_reply(chat_page, result)
    assert states(result) == ["connecting", "streaming", "reconnecting", "streaming", "completed"]
    first, second = chat_requests(backend_log)
    reconnect_at = next(s["at"] for s in result["statuses"] if s["state"] == "reconnecting")
    if any(at <= reconnect_at for at in result["chunkTimes"]):
        # Events reached the page before the cut: the reconnect resumes after the last one. (On
        # a loaded machine the cut can come before the page read anything: the kernel drops
        # unread bytes of a reset connection, and the retry then starts from the beginning.)
        assert second["headers"].get("last-event-id", "") != ""
    assert second["headers"]["idempotency-key"] == first["headers"]["idempotency-key"]
    assert_delays_within_policy(result, [first, second])


@pytest.mark.parametrize("fmt", ["openai", "legacy", "raw"])
def test_a_stream_without_ids_cut_and_started_again_shows_each_character_once(
    chat_page: Page, backend: str, backend_log: BackendLog, fmt: str
) -> None:
    # No ids, no index: nothing to resume from, so the backend starts again and the client must
    # recognise the text it already showed.
    body = urllib.request.urlopen(urllib.request.Request(
        f"{backend}/api/chat?format={fmt}&delay_ms=0&ids=0", data=b'{"stream": true}',
        headers={"Content-Type": "application/json"}), timeout=10).read()
    assert b"id:" not in body
    backend_log.clear()
    cut = body.index(b"\n\n", len(body) // 2) - 5
    result = run_chat(chat_page, f"{backend}/api/chat?format={fmt}&delay_ms=1&ids=0&cut_after_bytes={cut}")

    assert_exact_reply(chat_page, result)
    assert states(result) == ["connecting", "streaming", "reconnecting", "streaming", "completed"]
    first, second = chat_requests(backend_log)
    assert "last-event-id" not in second["headers"]


@pytest.mark.parametrize("status", [500, 502, 503])
@pytest.mark.parametrize("fmt", FORMATS)
def test_server_errors_are_retried_with_backoff(
    chat_page: Page, backend: str, backend_log: BackendLog, fmt: str, status: int
) -> None:
    result = run_chat(chat_page, f"{backend}/api/chat?format={fmt}&delay_ms=1&status={status}&fault_attempts=2")

    assert_exact_reply(chat_page, result)
    assert states(result) == ["connecting", "reconnecting", "reconnecting", "streaming", "completed"]
    reconnects = [s for s in result["statuses"] if s["state"] == "reconnecting"]
    assert [(s["attempt"], s["error"]["type"], s["error"]["status"]) for s in reconnects] == [
        (2, "SERVER", status),
        (3, "SERVER", status),
    ]
    assert_delays_within_policy(result, chat_requests(backend_log))


@pytest.mark.parametrize("fmt", FORMATS)
def test_retry_after_is_honoured_as_a_floor(chat_page: Page, backend: str, backend_log: BackendLog, fmt: str) -> None:
    result = run_chat(chat_page, f"{backend}/api/chat?format={fmt}&delay_ms=1&status=429&retry_after=1")

    assert_exact_reply(chat_page, result)
    (reconnect,) = [s for s in result["statuses"] if s["state"] == "reconnecting"]
    assert (reconnect["error"]["type"], reconnect["delayMs"]) == ("RATE_LIMITED", 1000)
    first, second = chat_requests(backend_log)
    assert second["started"] - first["started"] >= 0.99


@pytest.mark.parametrize(
    ("fault", "deadline"),
    [("stall_after=0", "first_byte"), ("stall_after=4", "idle"), ("keepalive_only=1&ping_ms=100", "no_progress")],
    ids=["no-first-byte", "stalled-server", "keep-alives-only"],
)
@pytest.mark.parametrize("fmt", FORMATS)
def test_a_silent_or_stuck_server_times_out_and_is_retried(
    chat_page: Page, backend: str, backend_log: BackendLog, fmt: str, fault: str, deadline: str
) -> None:
    result = run_chat(
        chat_page,
        f"{backend}/api/chat?format={fmt}&delay_ms=1&{fault}",
        {"timeouts": {"firstByteMs": 400, "idleMs": 400, "noProgressMs": 800, "totalMs": 30000}},
    )

    assert_exact_reply(chat_page, result)
    (reconnect,) = [s for s in result["statuses"] if s["state"] == "reconnecting"]
    assert (reconnect["error"]["type"], reconnect["error"]["cause"]) == ("TIMEOUT", deadline)
    first = chat_requests(backend_log)[0]
    assert first["disconnected"]  # the stuck request was aborted, not left open


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_error_event_inside_the_stream_is_retried(chat_page: Page, backend: str, fmt: str) -> None:
    result = run_chat(chat_page, f"{backend}/api/chat?format={fmt}&delay_ms=1&error_event=3")

    assert_exact_reply(chat_page, result)
    (reconnect,) = [s for s in result["statuses"] if s["state"] == "reconnecting"]
    assert reconnect["error"]["type"] == "SERVER"


@pytest.mark.parametrize("fault", ["malformed=3", "drip=1", "gzip=1", "stutter=1"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_awkward_but_valid_streams_give_the_exact_reply(chat_page: Page, backend: str, fmt: str, fault: str) -> None:
    result = run_chat(chat_page, f"{backend}/api/chat?format={fmt}&delay_ms=1&{fault}")

    assert_exact_reply(chat_page, result)
    assert states(result) == ["connecting", "streaming", "completed"]
    warnings = [s for s in result["statuses"] if s.get("warning")]
    assert len(warnings) == (1 if fault.startswith("malformed") else 0)


# --- fallback ---------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_json_answer_to_a_streaming_request_is_used_as_the_fallback(chat_page: Page, backend: str, fmt: str) -> None:
    result = run_chat(chat_page, f"{backend}/api/chat?format={fmt}&json=1")

    assert_exact_reply(chat_page, result)
    assert states(result) == ["connecting", "fallback", "completed"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_when_retries_are_used_up_the_fallback_completes_the_reply(
    chat_page: Page, backend: str, backend_log: BackendLog, fmt: str
) -> None:
    body = stream_body(backend, fmt)
    backend_log.clear()
    # A backend that starts again on every attempt (resume=0) and is cut at the same place each
    # time; the fallback (attempt 5) is clean.
    result = run_chat(
        chat_page,
        f"{backend}/api/chat?format={fmt}&delay_ms=1&cut_after_bytes={len(body) // 2}&fault_attempts=4&resume=0",
    )

    assert_exact_reply(chat_page, result)
    assert states(result)[-2:] == ["fallback", "completed"]
    requests = chat_requests(backend_log)
    assert [r["body"]["stream"] for r in requests] == [True, True, True, True, False]
    # The fallback delivered only what the stream had not: the chunks add up to the reply once.
    assert "".join(result["chunks"]) == DEFAULT_REPLY


@pytest.mark.parametrize("fmt", FORMATS)
def test_streaming_switched_off_uses_the_non_streaming_request(
    chat_page: Page, backend: str, backend_log: BackendLog, fmt: str
) -> None:
    result = run_chat(chat_page, f"{backend}/api/chat?format={fmt}", {"streaming": False})

    assert_exact_reply(chat_page, result)
    assert states(result) == ["fallback", "completed"]
    assert [r["body"]["stream"] for r in chat_requests(backend_log)] == [False]


# --- faults that end in a typed error ---------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_failed_fallback_rejects_with_max_retries_exceeded(
    chat_page: Page, backend: str, backend_log: BackendLog, fmt: str
) -> None:
    result = run_chat(chat_page, f"{backend}/api/chat?format={fmt}&status=503&fault_attempts=100")

    assert not result["ok"]
    assert (result["error"]["type"], result["error"]["retryable"]) == ("MAX_RETRIES_EXCEEDED", False)
    assert [(c["type"], c["status"]) for c in result["error"]["causes"]] == [("SERVER", 503)] * 5
    assert states(result)[-2:] == ["fallback", "failed"]
    assert len(chat_requests(backend_log)) == 5
    assert result["page"] == ""


@pytest.mark.parametrize(("status", "error_type"), [(401, "AUTH"), (403, "AUTH"), (404, "CLIENT")])
@pytest.mark.parametrize("fmt", FORMATS)
def test_errors_a_retry_cannot_heal_fail_at_once(
    chat_page: Page, backend: str, backend_log: BackendLog, fmt: str, status: int, error_type: str
) -> None:
    result = run_chat(chat_page, f"{backend}/api/chat?format={fmt}&status={status}&fault_attempts=100")

    assert not result["ok"]
    assert (result["error"]["type"], result["error"]["status"], result["error"]["retryable"]) == (
        error_type,
        status,
        False,
    )
    assert states(result) == ["connecting", "failed"]
    assert len(chat_requests(backend_log)) == 1


def test_cancel_during_the_backoff_wait_stops_the_retries(
    chat_page: Page, backend: str, backend_log: BackendLog
) -> None:
    # A backoff wait of about 5 s: drawn near its maximum by `random`, or, with data-boot="worker"
    # (which has no `random` option), held up by a Retry-After of 5 s.
    worker = BOOT == "worker"
    result = chat_page.evaluate(
        """async ([endpoint, worker]) => {
          const controller = new AbortController();
          const config = { retry: { baseDelayMs: 5000, maxDelayMs: 5000 }, ...(worker ? {} : { random: () => 0.99 }) };
          const pending = runChat(endpoint, null, { signal: controller.signal }, config);
          const giveUpAt = Date.now() + 10000;  // a chat that failed early must not hang the test
          while (!document.getElementById("status").textContent.startsWith("reconnecting")) {
            if (Date.now() > giveUpAt) throw new Error("never reconnected: " + document.getElementById("status").textContent);
            await new Promise(resolve => setTimeout(resolve, 10));
          }
          const abortedAt = Date.now();
          controller.abort();
          const result = await pending;
          result.settledAfterMs = Date.now() - abortedAt;
          return result;
        }""",
        [f"{backend}/api/chat?status=503&fault_attempts=100" + ("&retry_after=5" if worker else ""), worker],
    )

    assert result["error"]["type"] == "CANCELLED"
    assert states(result)[-1] == "cancelled"
    assert result["settledAfterMs"] < 1000  # the 5 s backoff timer did not hold it up
    wait_until(lambda: chat_requests(backend_log)[0]["completed"], what="the 503 answer being logged")
    assert len(chat_requests(backend_log)) == 1  # and no retry was made after the cancel


def test_an_open_circuit_skips_streaming_until_its_cool_down(
    chat_page: Page, backend: str, backend_log: BackendLog
) -> None:
    result = chat_page.evaluate(
        """async (endpoint) => {
          SSEClient.configure({ ...TEST_DEFAULTS, endpoint,
            retry: { ...TEST_DEFAULTS.retry, maxRetries: 1 },
            circuit: { failureThreshold: 2, coolDownMs: 500 } });
          const run = () => SSEClient.chatWithModelStream({ model: "demo", messages: [] }, () => {}, () => {});
          const texts = [await run(), await run(), await run()];
          await new Promise(resolve => setTimeout(resolve, 600));
          texts.push(await run());
          return texts;
        }""",
        # Every stream of the first five requests of the session is cut at once (the fallback's
        # JSON answers are not streams: they get through).
        f"{backend}/api/chat?cut_after_bytes=0&fault_attempts=5&session=circuit",
    )

    assert result == [DEFAULT_REPLY] * 4
    streams = [r["body"]["stream"] for r in chat_requests(backend_log)]
    # chats 1 and 2: streaming gives up after its retry (two chats whose streaming could not
    # recover open the circuit), then the fallback; chat 3: open, straight to the fallback;
    # chat 4: after the cool-down, one streaming trial, which succeeds.
    assert streams == [True, True, False, True, True, False, False, True]


def test_an_event_over_max_event_bytes_fails_with_parse_and_keeps_what_came_before(
    chat_page: Page, backend: str
) -> None:
    # Chunks of 40 characters make events under 200 bytes; the final `complete` event carries
    # the whole reply (over 300 bytes) and is refused.
    result = run_chat(
        chat_page, f"{backend}/api/chat?format=standard&delay_ms=1&chunk_chars=40", {"maxEventBytes": 200}
    )

    assert not result["ok"]
    assert (result["error"]["type"], result["error"]["retryable"]) == ("PARSE", False)
    assert states(result)[-1] == "failed"
    assert result["page"] == DEFAULT_REPLY  # every chunk before it was shown, once
