"""`ClientConfig`: every option of the client, validated once, in one frozen value.

JavaScript passes camelCase options to `SSEClient.configure`; `ClientConfig.from_options`
maps them here and refuses unknown ones, so a typo is an error rather than a silent default.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from sse_client.parser import DEFAULT_MAX_EVENT_BYTES


@dataclass(frozen=True, kw_only=True, slots=True)
class ClientConfig:
    """Options of the streaming client.

    endpoint: where chats are POSTed, relative to the page or absolute.
    headers: extra request headers (for example an API key header).
    max_event_bytes: the largest event accepted before the stream fails with PARSE.
    """

    endpoint: str = "/api/chat"
    headers: Mapping[str, str] = field(default_factory=dict)
    max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES

    def __post_init__(self) -> None:
        if not isinstance(self.endpoint, str) or not self.endpoint:
            raise ValueError("endpoint must be a non-empty string")
        if not isinstance(self.headers, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in self.headers.items()
        ):
            raise ValueError("headers must map header names to string values")
        if not _is_int(self.max_event_bytes) or self.max_event_bytes < 1:
            raise ValueError("maxEventBytes must be a positive integer")

    def with_options(self, options: Mapping[str, Any]) -> ClientConfig:
        """A copy with the given options (camelCase or snake_case names) changed."""
        known = {f.name for f in fields(self)}
        changes: dict[str, Any] = {}
        for name, value in options.items():
            key = _snake_case(name)
            if key not in known:
                raise ValueError(f"unknown option {name!r}; known: {', '.join(sorted(map(_camel_case, known)))}")
            changes[key] = dict(value) if key == "headers" and isinstance(value, Mapping) else value
        return replace(self, **changes)

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> ClientConfig:
        return cls().with_options(options)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _snake_case(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in name)


def _camel_case(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)
