"""Secrets: every credential sent is blanked out of what goes back to the page."""

from __future__ import annotations

from sse_client.redaction import REDACTED, Secrets


def test_a_token_is_redacted_wherever_it_appears_in_nested_values() -> None:
    secrets = Secrets()
    secrets.add_headers({"Authorization": "Bearer sk-abc-123456"})
    value = {"message": "bad sk-abc-123456", "causes": [{"cause": "Bearer sk-abc-123456"}], "n": 3, "ok": None}
    assert secrets.redact(value) == {"message": f"bad {REDACTED}", "causes": [{"cause": REDACTED}], "n": 3, "ok": None}


def test_the_token_alone_and_the_whole_header_value_are_both_secrets() -> None:
    secrets = Secrets()
    secrets.add("Basic dXNlcjpwYXNz")
    assert secrets.redact("header Basic dXNlcjpwYXNz, token dXNlcjpwYXNz") == f"header {REDACTED}, token {REDACTED}"


def test_configured_header_values_are_secrets_but_for_standard_ones() -> None:
    secrets = Secrets()
    secrets.add_headers({"X-Api-Key": "key-987654", "Content-Type": "application/json"})
    assert secrets.redact("key-987654 sent as application/json") == f"{REDACTED} sent as application/json"


def test_short_values_are_not_taken_for_secrets() -> None:
    secrets = Secrets()
    secrets.add("abc")
    assert secrets.redact("abc") == "abc"


def test_nothing_to_redact_leaves_values_as_they_are() -> None:
    value = {"a": ["b"]}
    assert Secrets().redact(value) is value


def test_tuples_become_lists_and_other_values_pass() -> None:
    secrets = Secrets()
    secrets.add("secret-value")
    assert secrets.redact(("secret-value", 1.5)) == [REDACTED, 1.5]


def test_only_the_latest_secrets_are_kept_and_a_renewed_one_moves_last() -> None:
    secrets = Secrets()
    for n in range(70):
        secrets.add(f"token-{n:04d}")
    secrets.add("token-0069")  # already there: kept once
    assert secrets.redact("token-0000") == "token-0000"  # forgotten
    assert secrets.redact("token-0069 token-0010") == f"{REDACTED} {REDACTED}"
