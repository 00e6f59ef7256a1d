"""Start the mock backend in a process of its own, as the README does, for the end-to-end
tests and the browser benchmark; serve pages from a thread; find a free loopback port."""

from __future__ import annotations

import contextlib
import http.server
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def mock_backend_process(web_root: Path, *, timeout: float = 30.0) -> Iterator[str]:
    """`python -m sse_client.testing.mock_backend` on a free port; yields its base URL once it
    answers, and stops it afterwards. If it dies first, the error says what it printed."""
    with server_process(
        lambda port: ["-m", "sse_client.testing.mock_backend", "--host", "127.0.0.1",
                      "--port", str(port), "--web-root", str(web_root)],
        name="the mock backend", health_path="/api/health", timeout=timeout,
    ) as base:
        yield base


@contextmanager
def server_process(
    arguments: Callable[[int], list[str]],
    *,
    name: str,
    health_path: str,
    cwd: Path | None = None,
    stderr: IO[bytes] | None = None,
    timeout: float = 30.0,
    program: Sequence[str] | None = None,
) -> Iterator[str]:
    """`python <arguments(port)>` on a free port, serving 127.0.0.1; yields its base URL once
    `health_path` answers, and stops it afterwards. If it dies first, the error says what it
    printed (its standard error goes to `stderr` if given, where the caller can read it).
    `program` runs another program than this Python (e.g. `["node"]`) with the arguments."""
    port = free_port()
    command = [*(program if program is not None else [sys.executable]), *arguments(port)]
    with contextlib.ExitStack() as stack:
        errors = stderr if stderr is not None else stack.enter_context(tempfile.TemporaryFile())
        process = subprocess.Popen(command, cwd=cwd,
                                   stdout=subprocess.DEVNULL, stderr=errors)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + timeout
            while True:
                if process.poll() is not None:
                    errors.seek(0)
                    raise RuntimeError(f"{name} exited with {process.returncode}: "
                                       f"{errors.read().decode(errors='replace')[-2000:]}")
                try:
                    with urllib.request.urlopen(f"{base}{health_path}", timeout=1):
                        break
                except OSError:
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"{name} did not answer within {timeout} s") from None
                    time.sleep(0.1)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextmanager
def http_server_thread(handler: Any) -> Iterator[str]:
    """An `http.server` with `handler` on a free port, served from a thread; yields its base
    URL, and shuts it down afterwards."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
