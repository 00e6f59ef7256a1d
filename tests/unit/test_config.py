"""`ClientConfig` (`config.py`): the options `SSEClient.configure` takes, as JavaScript spells
them, mapped onto one frozen value; unknown or invalid options are refused with a message that
names them, never turned into a silent default."""

from __future__ import annotations

import dataclasses
import random
from typing import Any

import pytest

from sse_client.backoff import BackoffPolicy
from sse_client.circuit import CircuitPolicy
from sse_client.config import ClientConfig, in_rollout
from sse_client.formats import FORMAT_NAMES
from sse_client.heartbeat import Deadlines
from sse_client.parser import DEFAULT_MAX_EVENT_BYTES

# --- Defaults -------------------------------------------------------------------------------------


def test_defaults_are_the_documented_ones() -> None:
    config = ClientConfig()
    assert (config.endpoint, dict(config.headers), config.max_event_bytes) == ("/api/chat", {}, 4 * 1024 * 1024)
    assert (config.streaming, config.fallback, config.get_token, config.format) == ("auto", True, None, "auto")
    assert (config.rollout_percent, config.rollout_bucket, config.debug, config.streams) == (100, None, False, True)
    assert config.backoff == BackoffPolicy(base_delay=1.0, factor=2.0, max_delay=8.0, max_retries=3,
                                           retry_after_cap=30.0, healthy_after=10.0)
    assert config.deadlines == Deadlines(first_byte=30.0, idle=45.0, no_progress=120.0, total=None)
    assert config.circuit == CircuitPolicy(failure_threshold=5, cool_down=30.0)
    assert config.random is random.random
    assert config.max_event_bytes == DEFAULT_MAX_EVENT_BYTES


def test_no_options_give_the_defaults() -> None:
    assert ClientConfig.from_options({}) == ClientConfig()


# --- Simple options -------------------------------------------------------------------------------


def test_options_are_taken_as_javascript_spells_them() -> None:
    def token() -> str:
        return "t"

    def jitter() -> float:
        return 0.5

    config = ClientConfig.from_options({
        "endpoint": "https://chat.example/v1", "headers": {"X-Api-Key": "k"}, "maxEventBytes": 1024,
        "streaming": False, "fallback": False, "random": jitter, "getToken": token, "format": "anthropic",
    })
    assert config == ClientConfig(endpoint="https://chat.example/v1", headers={"X-Api-Key": "k"}, max_event_bytes=1024,
                                  streaming="never", fallback=False, random=jitter, get_token=token, format="anthropic")


def test_options_in_python_spelling_are_taken_too() -> None:
    assert ClientConfig.from_options({"max_event_bytes": 10, "get_token": None}).max_event_bytes == 10


def test_with_options_changes_a_copy_and_keeps_the_options_not_given() -> None:
    base = ClientConfig(endpoint="/a", streaming="never")
    changed = base.with_options({"maxEventBytes": 99})
    assert (changed.endpoint, changed.streaming, changed.max_event_bytes) == ("/a", "never", 99)
    assert base.max_event_bytes == DEFAULT_MAX_EVENT_BYTES


def test_headers_are_copied_so_that_the_caller_changing_them_later_changes_nothing() -> None:
    headers = {"X-Key": "v"}
    config = ClientConfig.from_options({"headers": headers})
    headers["X-Key"] = "changed"
    assert config.headers == {"X-Key": "v"}


@pytest.mark.parametrize("format", FORMAT_NAMES)
def test_every_format_name_is_accepted(format: str) -> None:
    assert ClientConfig.from_options({"format": format}).format == format


# --- Option groups: retry, timeouts, circuit ------------------------------------------------------


def test_retry_options_are_milliseconds_and_counts() -> None:
    config = ClientConfig.from_options({"retry": {
        "baseDelayMs": 250, "factor": 3, "maxDelayMs": 4000, "maxRetries": 5, "retryAfterCapMs": 0,
        "healthyAfterMs": 1500}})
    assert config.backoff == BackoffPolicy(base_delay=0.25, factor=3, max_delay=4.0, max_retries=5,
                                           retry_after_cap=0.0, healthy_after=1.5)


def test_timeout_options_are_milliseconds_and_null_switches_one_off() -> None:
    config = ClientConfig.from_options({"timeouts": {"firstByteMs": 500, "idleMs": None, "noProgressMs": 2500,
                                                     "totalMs": 60000}})
    assert config.deadlines == Deadlines(first_byte=0.5, idle=None, no_progress=2.5, total=60.0)


def test_circuit_options_are_a_count_and_milliseconds() -> None:
    config = ClientConfig.from_options({"circuit": {"failureThreshold": 2, "coolDownMs": 1000}})
    assert config.circuit == CircuitPolicy(failure_threshold=2, cool_down=1.0)


def test_a_group_changes_only_the_options_it_names() -> None:
    config = ClientConfig.from_options({"retry": {"maxRetries": 0}}).with_options({"retry": {"factor": 1}})
    assert config.backoff == BackoffPolicy(max_retries=0, factor=1)
    assert config.deadlines == Deadlines()


def test_an_empty_group_changes_nothing() -> None:
    assert ClientConfig.from_options({"retry": {}, "timeouts": {}, "circuit": {}}) == ClientConfig()


@pytest.mark.parametrize("group", ["retry", "timeouts", "circuit"])
@pytest.mark.parametrize("value", [5, "fast", None, [1, 2]])
def test_a_group_that_is_not_an_object_is_refused(group: str, value: Any) -> None:
    with pytest.raises(ValueError, match=f"^{group} must be an object$"):
        ClientConfig.from_options({group: value})


@pytest.mark.parametrize(("group", "name", "known"), [
    ("retry", "baseDelay", "baseDelayMs, factor, healthyAfterMs, maxDelayMs, maxRetries, retryAfterCapMs"),
    ("timeouts", "idle", "firstByteMs, idleMs, noProgressMs, totalMs"),
    ("circuit", "cool_down", "coolDownMs, failureThreshold"),
])
def test_an_unknown_option_in_a_group_is_refused_naming_the_known_ones(group: str, name: str, known: str) -> None:
    with pytest.raises(ValueError) as caught:
        ClientConfig.from_options({group: {name: 1}})
    assert str(caught.value) == f"unknown option {group}.{name}; known: {known}"


@pytest.mark.parametrize("value", ["1000", True, False, [1000], {"ms": 1}])
@pytest.mark.parametrize(("group", "name"), [("retry", "baseDelayMs"), ("retry", "maxRetries"),
                                             ("timeouts", "idleMs"), ("circuit", "failureThreshold")])
def test_a_group_option_that_is_not_a_number_is_refused(group: str, name: str, value: Any) -> None:
    with pytest.raises(ValueError, match=f"^{group}.{name} must be a number$"):
        ClientConfig.from_options({group: {name: value}})


@pytest.mark.parametrize(("options", "message"), [
    ({"retry": {"baseDelayMs": 0}}, "retry.baseDelayMs must be > 0"),
    ({"retry": {"maxRetries": 1.5}}, "retry.maxRetries must be an integer"),
    ({"retry": {"factor": None}}, "retry.factor must be >= 1"),
    ({"retry": {"baseDelayMs": 9000}}, "retry.maxDelayMs must be >= baseDelay"),
    ({"timeouts": {"idleMs": -1}}, "timeouts.idleMs must be > 0"),
    ({"circuit": {"failureThreshold": 0}}, "circuit.failureThreshold must be an integer >= 1"),
    ({"circuit": {"coolDownMs": None}}, "circuit.coolDownMs must be > 0"),
])
def test_a_group_option_out_of_range_is_refused_by_its_policy(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ClientConfig.from_options(options)


# --- Refused options ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["maxEventByte", "endPoint", "endpointUrl", "MaxEventBytes", "backoff", "deadlines"])
def test_an_unknown_option_is_refused_naming_it_and_the_known_ones(name: str) -> None:
    with pytest.raises(ValueError) as caught:
        ClientConfig.from_options({name: 1})
    assert str(caught.value) == (
        f"unknown option {name!r}; known: circuit, debug, endpoint, fallback, format, getToken, headers, maxEventBytes, "
        "random, retry, rolloutBucket, rolloutPercent, streaming, timeouts")


@pytest.mark.parametrize(("options", "message"), [
    ({"endpoint": ""}, "endpoint must be a non-empty string"),
    ({"endpoint": None}, "endpoint must be a non-empty string"),
    ({"endpoint": 5}, "endpoint must be a non-empty string"),
    ({"headers": {"X-Key": 1}}, "headers must map header names to string values"),
    ({"headers": [("X-Key", "v")]}, "headers must map header names to string values"),
    ({"headers": "X-Key: v"}, "headers must map header names to string values"),
    ({"maxEventBytes": 0}, "maxEventBytes must be a positive integer"),
    ({"maxEventBytes": -1}, "maxEventBytes must be a positive integer"),
    ({"maxEventBytes": "4096"}, "maxEventBytes must be a positive integer"),
    ({"maxEventBytes": 1.5}, "maxEventBytes must be a positive integer"),
    ({"maxEventBytes": True}, "maxEventBytes must be a positive integer"),
    ({"streaming": 1}, 'streaming must be "auto", "always" or "never" \\(or true or false\\)'),
    ({"streaming": "sometimes"}, 'streaming must be "auto"'),
    ({"rolloutPercent": 101}, "rolloutPercent must be a number from 0 to 100"),
    ({"rolloutPercent": -1}, "rolloutPercent must be a number from 0 to 100"),
    ({"rolloutPercent": "50"}, "rolloutPercent must be a number from 0 to 100"),
    ({"rolloutPercent": True}, "rolloutPercent must be a number from 0 to 100"),
    ({"rolloutBucket": 100}, "rolloutBucket must be an integer from 0 to 99, or null"),
    ({"rolloutBucket": -1}, "rolloutBucket must be an integer from 0 to 99, or null"),
    ({"rolloutBucket": 5.5}, "rolloutBucket must be an integer from 0 to 99, or null"),
    ({"debug": 1}, "debug must be true or false"),
    ({"fallback": "no"}, "fallback must be true or false"),
    ({"random": 0.5}, "random must be a function"),
    ({"getToken": "token"}, "getToken must be a function"),
    ({"format": "claude"}, "format must be one of 'auto', 'standard', .*, not 'claude'"),
])
def test_an_invalid_value_is_refused_naming_the_option(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ClientConfig.from_options(options)


def test_a_refused_option_leaves_the_config_it_was_given_to_as_it_was() -> None:
    base = ClientConfig(endpoint="/a")
    with pytest.raises(ValueError):
        base.with_options({"endpoint": "/b", "streaming": "yes"})
    assert base == ClientConfig(endpoint="/a")


def test_config_is_frozen_and_keyword_only() -> None:
    config = ClientConfig()
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.endpoint = "/other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        ClientConfig("/chat")  # type: ignore[call-arg]


@pytest.mark.parametrize(("options", "message"), [
    ({"retry": {"baseDelayMs": 0}}, "retry.baseDelayMs must be > 0 (milliseconds)"),
    ({"timeouts": {"firstByteMs": -1}}, "timeouts.firstByteMs must be > 0 (milliseconds)"),
    ({"circuit": {"coolDownMs": 0}}, "circuit.coolDownMs must be > 0 (milliseconds)"),
    ({"retry": {"factor": 0.5}}, "retry.factor must be >= 1"),
])
def test_an_invalid_group_option_is_named_and_measured_as_the_caller_wrote_it(options: Any, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        ClientConfig().with_options(options)
    assert str(caught.value).startswith(message)


def test_a_policy_message_about_no_field_keeps_its_words_under_the_group_name() -> None:
    from sse_client.config import _in_js_terms

    assert _in_js_terms("something else", "retry", {"baseDelayMs": ("base_delay", 1000)}) == "retry: something else"


# --- One chat's own options (chatWithModelStream's options) ---------------------------------------


def test_a_chats_options_override_the_configured_ones_for_a_copy() -> None:
    configured = ClientConfig.from_options({"endpoint": "/api/chat", "format": "openai"})
    call = configured.for_call({"endpoint": "https://other.example/v1", "format": "anthropic"})
    assert (call.endpoint, call.format) == ("https://other.example/v1", "anthropic")
    assert (configured.endpoint, configured.format) == ("/api/chat", "openai")  # untouched


def test_a_chats_headers_merge_over_the_configured_ones_whatever_their_letter_case() -> None:
    configured = ClientConfig(headers={"X-Api-Key": "configured", "X-Team": "blue"})
    call = configured.for_call({"headers": {"x-api-key": "per-call", "X-Trace": "t1"}})
    assert dict(call.headers) == {"X-Team": "blue", "x-api-key": "per-call", "X-Trace": "t1"}
    assert dict(configured.headers) == {"X-Api-Key": "configured", "X-Team": "blue"}


def test_a_chats_retry_and_timeouts_are_partial_over_the_configured_ones() -> None:
    configured = ClientConfig.from_options({"retry": {"baseDelayMs": 500, "maxRetries": 5},
                                            "timeouts": {"idleMs": 9000, "totalMs": 60000}})
    call = configured.for_call({"retry": {"maxRetries": 1}, "timeouts": {"idleMs": None}})
    assert (call.backoff.base_delay, call.backoff.max_retries) == (0.5, 1)
    assert (call.deadlines.idle, call.deadlines.total) == (None, 60.0)


def test_no_chat_options_give_the_configured_ones() -> None:
    configured = ClientConfig(endpoint="/x")
    assert configured.for_call({}) == configured


@pytest.mark.parametrize(("options", "message"), [
    ({"endpoint": ""}, "endpoint must be a non-empty string"),
    ({"headers": {"X-Api-Key": 5}}, "headers must map header names to string values"),
    ({"headers": None}, "headers must map header names to string values"),
    ({"format": "klingon"}, "format must be one of"),
    ({"retry": {"maxRetries": -1}}, "retry.maxRetries"),
    ({"timeouts": {"idleMs": "soon"}}, "timeouts.idleMs must be a number"),
    ({"timeouts": {"idle": 5}}, "unknown option timeouts.idle; known: firstByteMs, idleMs, noProgressMs, totalMs"),
])
def test_a_chats_invalid_option_is_refused_as_configure_refuses_it(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError) as per_call:
        ClientConfig().for_call(options)
    with pytest.raises(ValueError) as configured:
        ClientConfig().with_options(options)
    assert str(per_call.value) == str(configured.value)
    assert str(per_call.value).startswith(message)


@pytest.mark.parametrize("name", ["maxEventBytes", "circuit", "getToken", "streaming", "random", "endpiont"])
def test_an_option_a_chat_cannot_set_is_refused_naming_the_ones_it_can(name: str) -> None:
    with pytest.raises(ValueError) as caught:
        ClientConfig().for_call({name: None})
    assert str(caught.value) == (
        f"unknown chat option {name!r}; known: endpoint, format, headers, retry, signal, timeouts")


def test_chat_options_that_are_not_an_object_are_refused() -> None:
    with pytest.raises(ValueError, match="the chat options must be an object"):
        ClientConfig().for_call(["endpoint"])  # type: ignore[arg-type]


# --- streaming modes and the rollout ----------------------------------------------------------


@pytest.mark.parametrize(("given", "mode"), [(True, "auto"), (False, "never"), ("auto", "auto"),
                                             ("always", "always"), ("never", "never")])
def test_streaming_takes_a_mode_and_the_boolean_of_earlier_versions(given: object, mode: str) -> None:
    assert ClientConfig.from_options({"streaming": given}).streaming == mode


@pytest.mark.parametrize(("percent", "bucket", "streams"), [
    (100, None, True), (99.5, None, False), (0, None, False),   # no bucket: only a whole rollout
    (0, 0, False), (1, 0, True), (1, 1, False), (50, 49, True), (50, 50, False),
    (100, 99, True), (99, 99, False), (12.5, 12, True), (12.5, 13, False),
])
def test_a_browser_is_in_the_rollout_when_its_bucket_is_below_the_percent(
    percent: float, bucket: int | None, streams: bool
) -> None:
    assert in_rollout(percent, bucket) is streams
    config = ClientConfig.from_options({"rolloutPercent": percent, "rolloutBucket": bucket})
    assert config.streams is streams  # "auto", the default


def test_raising_the_percent_only_ever_adds_browsers() -> None:
    for bucket in range(100):
        inside = [in_rollout(percent, bucket) for percent in range(101)]
        assert inside == sorted(inside)  # False ... False, True ... True
        assert inside.index(True) == bucket + 1


@pytest.mark.parametrize(("mode", "streams"), [("always", True), ("never", False)])
def test_always_and_never_ignore_the_rollout(mode: str, streams: bool) -> None:
    for percent, bucket in [(0, 0), (100, 99), (50, 10), (50, 90), (0, None)]:
        config = ClientConfig.from_options({"streaming": mode, "rolloutPercent": percent, "rolloutBucket": bucket})
        assert config.streams is streams


def test_the_bucket_is_kept_across_later_options() -> None:
    config = ClientConfig.from_options({"rolloutBucket": 42}).with_options({"rolloutPercent": 10})
    assert (config.rollout_bucket, config.streams) == (42, False)
