"""The package's own promises: the sans-I/O core imports neither asyncio nor js nor the chat
loop (checked in a fresh interpreter per module), and the package's names load on first use."""

from __future__ import annotations

import subprocess
import sys

import pytest

CORE = ["sse_client.parser", "sse_client.formats", "sse_client.formats.fast_lane", "sse_client.assembler",
        "sse_client.backoff", "sse_client.heartbeat", "sse_client.circuit", "sse_client.lifecycle",
        "sse_client.errors", "sse_client.classify", "sse_client.config", "sse_client.redaction"]


@pytest.mark.parametrize("module", CORE)
def test_a_core_module_imports_neither_asyncio_nor_js_nor_the_chat_loop(module: str) -> None:
    check = (f"import sys, {module}; "
             "bad = [m for m in ('asyncio', 'js', 'pyodide', 'sse_client.chat_run', 'sse_client.service') if m in sys.modules]; "
             "print(','.join(bad))")
    result = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


def test_the_package_names_load_on_first_use() -> None:
    import sse_client

    assert sse_client.SSEService.__name__ == "SSEService"
    assert set(sse_client.__all__) >= {"EventStreamParser", "PayloadNormalizer", "StreamError", "SSEService"}
    with pytest.raises(AttributeError):
        sse_client.NoSuchName  # noqa: B018 - the lookup is the test
