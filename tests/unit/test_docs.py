"""The documents a clone ships stay true to their sources."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHARED_PROTOCOL = ROOT.parent / "shared" / "PROTOCOL.md"


def test_the_protocol_in_docs_is_the_teams_contract() -> None:
    # docs/PROTOCOL.md is the team's contract (../shared/PROTOCOL.md, not in a clone) as it is,
    # then what the project adds.
    if not SHARED_PROTOCOL.exists():
        pytest.skip("../shared/PROTOCOL.md is not beside this checkout")
    ours = (ROOT / "docs" / "PROTOCOL.md").read_text(encoding="utf-8")
    assert ours.startswith(SHARED_PROTOCOL.read_text(encoding="utf-8"))


def test_the_license_is_the_one_pyproject_names() -> None:
    assert 'license = "MIT"' in (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")
