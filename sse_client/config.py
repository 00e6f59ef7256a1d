"""`ClientConfig`: every option of the client, validated once, in one frozen value.

JavaScript passes options to `SSEClient.configure`; `ClientConfig.with_options` maps them here
and refuses unknown ones, so that a typo is an error rather than a silent default:

    {
      endpoint: "/api/chat", headers: {...}, maxEventBytes: 4194304,
      streaming: "auto",          // "always", "never" (the non-streaming request only);
                                  // true is "auto", false "never"
      rolloutPercent: 100,        // "auto" streams in this share of browsers (by rolloutBucket)
      rolloutBucket: null,        // this browser's bucket, 0-99: the loader keeps one per browser
      debug: false,               // true: the loader logs each status and a summary per chat
      fallback: true,             // false: never fall back to the non-streaming request
      retry: { baseDelayMs: 1000, factor: 2, maxDelayMs: 8000, maxRetries: 3,
               retryAfterCapMs: 30000, healthyAfterMs: 10000 },
      timeouts: { firstByteMs: 30000, idleMs: 45000, noProgressMs: 120000, totalMs: null },
      circuit: { failureThreshold: 5, coolDownMs: 30000 },
      random: () => Math.random(),   // the jitter's random source, [0, 1)
      getToken: async ({ forceRefresh }) => token,   // sent as "Authorization: Bearer <token>" on
                                     // every request; forceRefresh: true once after a 401
      format: "auto",                // or a dialect: "openai", "anthropic", "gemini", ...
    }

Times are milliseconds in JavaScript and seconds in Python; a `null` timeout is switched off.

One chat can override some of them (`chatWithModelStream`'s options, but for `signal`):
`ClientConfig.for_call` takes `endpoint`, `format`, `headers` (merged over the configured
ones), and `retry` and `timeouts` (partial: merged field by field over the configured ones).
"""

from __future__ import annotations

import random as _random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from sse_client.auth import TokenProvider
from sse_client.backoff import BackoffPolicy
from sse_client.circuit import CircuitPolicy
from sse_client.formats.registry import FORMAT_NAMES
from sse_client.heartbeat import Deadlines
from sse_client.parser import DEFAULT_MAX_EVENT_BYTES


@dataclass(frozen=True, kw_only=True, slots=True)
class ClientConfig:
    """Options of the streaming client.

    endpoint: where chats are POSTed, relative to the page or absolute.
    headers: extra request headers (for example an API key header).
    max_event_bytes: the largest event accepted before the stream fails with PARSE.
    streaming: "auto" (stream if this browser is in the rollout), "always" or "never" (the
        non-streaming request only); see `streams`.
    rollout_percent / rollout_bucket: the share of browsers (0-100) that "auto" streams in, and
        this browser's bucket (0-99, kept per browser by the loader; None: none known).
    fallback: whether to fall back to a non-streaming request when streaming fails.
    debug: whether the loader logs statuses and a summary per chat (Python does not read it).
    backoff, deadlines, circuit: the retry policy, the heartbeat deadlines, the circuit breaker.
    random: the jitter's random source, returning floats in [0, 1).
    get_token: called before every request with `{"forceRefresh": bool}`; its token (or
        awaitable of one) is sent as `Authorization: Bearer <token>`. After a 401 answer it is
        called once with `forceRefresh` true and the request sent again (see `auth.py`).
    format: "auto" (detect the stream's dialect) or the name of the one to read it in.
    """

    endpoint: str = "/api/chat"
    headers: Mapping[str, str] = field(default_factory=dict)
    max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES
    streaming: str = "auto"
    rollout_percent: float = 100
    rollout_bucket: int | None = None
    fallback: bool = True
    debug: bool = False
    backoff: BackoffPolicy = field(default_factory=BackoffPolicy)
    deadlines: Deadlines = field(default_factory=Deadlines)
    circuit: CircuitPolicy = field(default_factory=CircuitPolicy)
    random: Callable[[], float] = _random.random
    get_token: TokenProvider | None = None
    format: str = "auto"

    def __post_init__(self) -> None:
        if not isinstance(self.endpoint, str) or not self.endpoint:
            raise ValueError("endpoint must be a non-empty string")
        if not isinstance(self.headers, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in self.headers.items()
        ):
            raise ValueError("headers must map header names to string values")
        if not _is_int(self.max_event_bytes) or self.max_event_bytes < 1:
            raise ValueError("maxEventBytes must be a positive integer")
        if self.streaming not in STREAMING_MODES:
            raise ValueError('streaming must be "auto", "always" or "never" (or true or false)')
        if isinstance(self.rollout_percent, bool) or not isinstance(self.rollout_percent, (int, float)) \
                or not 0 <= self.rollout_percent <= 100:
            raise ValueError("rolloutPercent must be a number from 0 to 100")
        if self.rollout_bucket is not None and (not _is_int(self.rollout_bucket) or not 0 <= self.rollout_bucket <= 99):
            raise ValueError("rolloutBucket must be an integer from 0 to 99, or null")
        for name in ("fallback", "debug"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"{name} must be true or false")
        if not callable(self.random):
            raise ValueError("random must be a function returning a number in [0, 1)")
        if self.get_token is not None and not callable(self.get_token):
            raise ValueError("getToken must be a function returning a token (or a Promise of one)")
        if self.format not in FORMAT_NAMES:
            raise ValueError(f"format must be one of {', '.join(map(repr, FORMAT_NAMES))}, not {self.format!r}")

    def with_options(self, options: Mapping[str, Any]) -> ClientConfig:
        """A copy with the given JavaScript-style options changed."""
        changes: dict[str, Any] = {}
        for name, value in options.items():
            if name in _GROUPS:
                attribute, names = _GROUPS[name]
                changes[attribute] = _group(getattr(self, attribute), name, names, value)
                continue
            key = _snake_case(name)
            if key not in _SIMPLE:
                known = sorted([*map(_camel_case, _SIMPLE), *_GROUPS])
                raise ValueError(f"unknown option {name!r}; known: {', '.join(known)}")
            if key == "headers" and isinstance(value, Mapping):
                value = dict(value)
            elif key == "streaming" and isinstance(value, bool):
                value = "auto" if value else "never"  # the boolean of earlier versions
            changes[key] = value
        return replace(self, **changes)

    @property
    def streams(self) -> bool:
        """Whether a chat streams, or goes straight to the non-streaming request: "always"
        streams, "never" does not, "auto" if this browser is in the rollout (`in_rollout`)."""
        if self.streaming == "auto":
            return in_rollout(self.rollout_percent, self.rollout_bucket)
        return self.streaming == "always"

    def for_call(self, options: Mapping[str, Any]) -> ClientConfig:
        """A copy for one chat, with that chat's own options (`CALL_OPTIONS`) over the
        configured ones, checked as `with_options` checks them. `headers` are merged over the
        configured headers (a name in any letter case replaces the configured one); `retry`
        and `timeouts` are partial, merged field by field; the others replace."""
        if not isinstance(options, Mapping):
            raise ValueError("the chat options must be an object, e.g. { endpoint }")
        changes = dict(options)
        for name in changes:
            if name not in CALL_OPTIONS:
                known = ", ".join(sorted([*CALL_OPTIONS, "signal"]))
                raise ValueError(f"unknown chat option {name!r}; known: {known}")
        headers = changes.get("headers")
        if isinstance(headers, Mapping):
            replaced = {str(name).lower() for name in headers}
            kept = {name: value for name, value in self.headers.items() if name.lower() not in replaced}
            changes["headers"] = {**kept, **headers}
        return self.with_options(changes)

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> ClientConfig:
        return cls().with_options(options)


STREAMING_MODES = ("auto", "always", "never")


def in_rollout(percent: float, bucket: int | None) -> bool:
    """Whether a browser in `bucket` (0-99) is among the `percent` (0-100) that stream: the
    buckets below `percent`, so that raising it only ever adds browsers. Without a bucket (no
    loader to keep one) only a whole rollout (100) counts it in."""
    if bucket is None:
        return percent >= 100
    return bucket < percent


# The options one chat may set for itself (`for_call`); `signal` is the loader's own.
CALL_OPTIONS = ("endpoint", "format", "headers", "retry", "timeouts")


# JavaScript option groups: option name -> (attribute, {JS name: (field, scale)}).
# A scale of 1000 turns milliseconds into seconds.
_GROUPS: dict[str, tuple[str, dict[str, tuple[str, int]]]] = {
    "retry": (
        "backoff",
        {
            "baseDelayMs": ("base_delay", 1000),
            "factor": ("factor", 1),
            "maxDelayMs": ("max_delay", 1000),
            "maxRetries": ("max_retries", 1),
            "retryAfterCapMs": ("retry_after_cap", 1000),
            "healthyAfterMs": ("healthy_after", 1000),
        },
    ),
    "timeouts": (
        "deadlines",
        {
            "firstByteMs": ("first_byte", 1000),
            "idleMs": ("idle", 1000),
            "noProgressMs": ("no_progress", 1000),
            "totalMs": ("total", 1000),
        },
    ),
    "circuit": (
        "circuit",
        {"failureThreshold": ("failure_threshold", 1), "coolDownMs": ("cool_down", 1000)},
    ),
}
_SIMPLE = frozenset(f.name for f in fields(ClientConfig)) - {attribute for attribute, _ in _GROUPS.values()}


def _group(current: Any, group: str, names: dict[str, tuple[str, int]], options: Any) -> Any:
    if not isinstance(options, Mapping):
        raise ValueError(f"{group} must be an object")
    changes: dict[str, Any] = {}
    for name, value in options.items():
        if name not in names:
            raise ValueError(f"unknown option {group}.{name}; known: {', '.join(sorted(names))}")
        attribute, scale = names[name]
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
            raise ValueError(f"{group}.{name} must be a number")
        if scale == 1:
            changes[attribute] = value
        else:
            changes[attribute] = None if value is None else value / scale
    try:
        return replace(current, **changes)
    except ValueError as exc:
        raise ValueError(_in_js_terms(str(exc), group, names)) from None


def _in_js_terms(message: str, group: str, names: dict[str, tuple[str, int]]) -> str:
    """A policy's message about one of its fields ("baseDelay must be > 0 (seconds)") in the
    terms the caller wrote ("retry.baseDelayMs must be > 0 (milliseconds)")."""
    for js_name, (attribute, scale) in names.items():
        python_name = _camel_case(attribute)
        if message.startswith(python_name + " "):
            message = f"{group}.{js_name}{message[len(python_name):]}"
            if scale == 1000:
                message = message.replace("(seconds)", "(milliseconds)")
            return message
    return f"{group}: {message}"


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _snake_case(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in name)


def _camel_case(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)
