"""Shared fixtures: the Chromium that pytest-playwright launches.

Debian's Chromium, never a downloaded browser build (none can be downloaded here). A missing
browser fails the end-to-end tests with a clear message; it is never a silent skip.
"""

from __future__ import annotations

import os
import shutil
from typing import Any

import pytest

# As root Chromium needs --no-sandbox; without the background-networking flags it floods the
# closed network with connection attempts (../shared/STACK.md).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def find_chromium() -> str | None:
    """CHROMIUM_PATH if set, else Debian's /usr/bin/chromium, else `chromium` on PATH."""
    configured = os.environ.get("CHROMIUM_PATH")
    if configured:
        return configured if os.path.exists(configured) else None
    for candidate in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and os.path.exists(candidate):
            return candidate
    return None


def chromium_or_fail() -> str:
    """`find_chromium()`, or the test fails with what to install: never a silent skip."""
    path = find_chromium()
    if path is None:
        pytest.fail(
            "No Chromium for the end-to-end tests: install Debian's (apt-get install chromium) "
            "or set CHROMIUM_PATH to a Chromium executable.",
            pytrace=False,
        )
    return path


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_type_launch_args, "executable_path": chromium_or_fail(), "args": CHROMIUM_ARGS}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the end-to-end tests last, whatever order they were collected in.

    Playwright's sync API keeps an asyncio loop running in the main thread for as long as its
    session-scoped browser lives; a unit test calling `asyncio.run` after that would fail with
    "cannot be called from a running event loop".
    """
    items.sort(key=lambda item: "e2e" in item.path.parts)
