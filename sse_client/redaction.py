"""`Secrets`: the credentials this client sends, kept out of everything it hands back.

Backends and the proxies in front of them echo request headers in their error bodies (a 401
page that repeats the `Authorization` header, a framework's debug page), and those bodies become
error messages, causes and statuses. Every value that goes to JavaScript passes `redact` first
(the bridge does it at its one conversion step), so a token from `getToken` or a configured
header value never reaches the page, its console or its error reports.

    secrets = Secrets()
    secrets.add_headers({"Authorization": "Bearer sk-123", "X-Api-Key": "k-456"})
    secrets.redact({"message": "bad token sk-123"})   # {"message": "bad token [redacted]"}

Sans-I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

REDACTED = "[redacted]"
# Shorter values are not taken for secrets: replacing "1" or "on" everywhere would garble every
# message, and a credential that short protects nothing.
_MIN_LENGTH = 6
# The credentials a page may go through in a long session (tokens are refreshed): the oldest
# are forgotten past this many, so that the cost of redacting stays bounded.
_MAX_SECRETS = 64
_SCHEMES = ("bearer ", "basic ", "token ")
# Headers whose values are no secret, and too common in messages to be blanked out of them.
_PUBLIC_HEADERS = frozenset({
    "accept", "accept-language", "accept-encoding", "content-type", "content-language",
    "cache-control", "pragma", "idempotency-key", "last-event-id", "user-agent",
})


class Secrets:
    """The credential values to redact, most recent last."""

    def __init__(self) -> None:
        self._values: dict[str, None] = {}  # insertion-ordered set

    def add(self, value: str) -> None:
        """A credential: the whole value, and the credential after an auth scheme in it
        ("Bearer <token>": the token alone is a secret too)."""
        for candidate in (value, _after_scheme(value)):
            if candidate is not None and len(candidate) >= _MIN_LENGTH:
                self._values.pop(candidate, None)
                self._values[candidate] = None
        while len(self._values) > _MAX_SECRETS:
            del self._values[next(iter(self._values))]

    def add_headers(self, headers: Mapping[str, str]) -> None:
        """The values of request headers set by the caller or the token provider: every one is
        taken for a credential (an API key header, a cookie: the client cannot tell), but for
        the few standard headers that describe the request itself."""
        for name, value in headers.items():
            if name.lower() not in _PUBLIC_HEADERS:
                self.add(value)

    def redact(self, value: Any) -> Any:
        """`value` (text, or dicts and lists of it) with every secret replaced by [redacted];
        other values as they are. Longer secrets first, so that a token inside a header value
        leaves no part of the header behind."""
        if not self._values:
            return value
        secrets = sorted(self._values, key=len, reverse=True)
        return _redact(value, secrets)


def _redact(value: Any, secrets: list[str]) -> Any:
    if isinstance(value, str):
        for secret in secrets:
            if secret in value:
                value = value.replace(secret, REDACTED)
        return value
    if isinstance(value, dict):
        return {key: _redact(item, secrets) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_redact(item, secrets) for item in value]
    return value


def _after_scheme(value: str) -> str | None:
    lowered = value.lower()
    for scheme in _SCHEMES:
        if lowered.startswith(scheme):
            return value[len(scheme):].strip()
    return None
