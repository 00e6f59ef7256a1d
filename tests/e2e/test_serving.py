"""Serving the bundle (README, "Serving the bundle in production"): the mock backend's static
files, and Debian's nginx running docs/deploy/nginx.conf as shipped.

Both serve a small fake dist laid out as build.py writes it (a stable loader, content-hashed
`pyodide-<hex>/` and `app-<hex>/` directories, a gzip `.gz` beside every compressible file),
and must agree on what a browser gets: the precompressed file only when gzip is accepted, the
file's own type, `Vary: Accept-Encoding`, the two cache rules, CORS, ETag revalidation and HEAD.
Through nginx, an SSE stream must arrive event by event, and a page on another origin must boot
the real bundle (whatever web/dist holds) and stream a chat.

nginx is needed, not optional: without /usr/sbin/nginx (apt-get install nginx) the nginx tests
fail with a message saying so.
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import http.client
import os
import re
import shutil
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Response

from sse_client.testing.launcher import free_port, http_server_thread, mock_backend_process, server_process
from sse_client.testing.mock_backend import accepts_gzip

from .conftest import ROOT, QuietHandler

NGINX_CONF = ROOT / "docs" / "deploy" / "nginx.conf"
REAL_WEB_ROOT = ROOT / "web"
IMMUTABLE = "public, max-age=31536000, immutable"
ORIGIN = "http://page.example"  # the Origin of a page on another site
HASHED = re.compile(r"(?:pyodide|app)-[0-9a-f]{12}/")  # a content-hashed directory of dist/

PYODIDE_DIR = "pyodide-0123456789ab"
APP_DIR = "app-abcdef012345"
# The fake dist: path under dist/ -> content. Each has a `.gz` beside it, as build.py writes.
COMPRESSED = {
    "sse-client.js": b"/* the loader */ var SSEClient = {};\n" * 40,
    f"{PYODIDE_DIR}/pyodide.js": b"/* pyodide.js */ globalThis.loadPyodide = 0;\n" * 40,
    f"{PYODIDE_DIR}/pyodide.asm.mjs": b"export const asm = 'pyodide';\n" * 40,
    f"{PYODIDE_DIR}/pyodide.asm.wasm": b"\0asm\x01\0\0\0" + bytes(range(256)) * 16,
    f"{PYODIDE_DIR}/python_stdlib.zip": b"PK\x03\x04 stdlib " * 100,
    f"{PYODIDE_DIR}/pyodide-lock.json": b'{"packages": {}, "info": "lock"}' * 30,
    f"{APP_DIR}/runtime.zip": b"PK\x03\x04 runtime " * 100,
    f"{APP_DIR}/worker.js": b"self.onmessage = () => {};\n" * 40,
    f"{APP_DIR}/snapshot.bin": bytes(range(256)) * 32,
}
UNCOMPRESSED = {
    f"{APP_DIR}/extra.bin": bytes(range(200)) * 8,  # no .gz: always sent as it is
    # Not a content-hashed name (the old layout's directory): revalidated like the loader.
    "pyodide/pyodide.asm.wasm": b"\0asm\x01\0\0\0 old layout",
}
DEMO_PAGE = b"<!doctype html><title>demo</title>"
TYPES = {".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm",
         ".zip": "application/zip", ".json": "application/json", ".bin": "application/octet-stream"}


def cache_rule(name: str) -> str:
    """Cache-Control of dist/`name`: immutable in a content-hashed directory, else no-cache."""
    return IMMUTABLE if name.startswith((PYODIDE_DIR + "/", APP_DIR + "/")) else "no-cache"


def media_type(headers: dict[str, str]) -> str:
    return headers.get("content-type", "").split(";")[0].strip()


def vary(headers: dict[str, str]) -> set[str]:
    return {token.strip().lower() for token in headers.get("vary", "").split(",") if token.strip()}


@dataclass
class Reply:
    status: int
    headers: dict[str, str]  # names in lower case
    body: bytes


def fetch(base: str, path: str, *, method: str = "GET", headers: dict[str, str] | None = None) -> Reply:
    """One request, the body as sent (never decoded), the headers as they came."""
    url = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=10)
    try:
        # skip_accept_encoding: http.client would otherwise add `Accept-Encoding: identity`.
        connection.putrequest(method, path, skip_accept_encoding=True)
        for name, value in {"Origin": ORIGIN, **(headers or {})}.items():
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
        body = response.read()
        collected: dict[str, str] = {}
        for name, value in response.getheaders():
            key = name.lower()
            collected[key] = f"{collected[key]}, {value}" if key in collected else value
        return Reply(response.status, collected, body)
    finally:
        connection.close()


# --- the servers ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def fake_web_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("web")
    for name, content in COMPRESSED.items():
        path = root / "dist" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        path.with_name(path.name + ".gz").write_bytes(gzip.compress(content, compresslevel=9, mtime=0))
    for name, content in UNCOMPRESSED.items():
        path = root / "dist" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    (root / "demo").mkdir()
    (root / "demo" / "index.html").write_bytes(DEMO_PAGE)
    return root


@pytest.fixture(scope="module")
def mock(fake_web_root: Path) -> Iterator[str]:
    """The mock backend serving the fake dist; also the backend nginx proxies /api/ to."""
    with mock_backend_process(fake_web_root) as base:
        yield base


def find_nginx() -> str:
    """NGINX_PATH if set, else Debian's /usr/sbin/nginx, else `nginx` on PATH."""
    configured = os.environ.get("NGINX_PATH")
    candidates = [configured] if configured else ["/usr/sbin/nginx", shutil.which("nginx")]
    for candidate in candidates:
        if candidate and os.path.exists(candidate):
            return candidate
    pytest.fail("No nginx for the serving tests: install Debian's (apt-get install nginx; .ci/run "
                "does) or set NGINX_PATH to an nginx executable.", pytrace=False)


@dataclass
class Nginx:
    fake: str
    """docs/deploy/nginx.conf as shipped, serving the fake dist."""
    real: str
    """The same, serving the real web/dist."""
    unhinted: str
    """As shipped, but deaf to the backend's `X-Accel-Buffering: no`: proxy_buffering off alone
    must keep the stream streaming."""
    buffered: str
    """The control: deaf to the header, buffering and compressing the stream in /api/; there the
    stream must come in one lump, or the streaming tests could not tell."""


def site(listen: str, root: Path, backend: str, *, hinted: bool = True, buffered: bool = False) -> str:
    """docs/deploy/nginx.conf with its placeholders set. Not `hinted`: nginx ignores the
    backend's `X-Accel-Buffering: no`. `buffered` (the control): and /api/ buffers and
    compresses the stream, what the config's `proxy_buffering off` and `gzip off` prevent."""
    text = NGINX_CONF.read_text(encoding="utf-8")
    for placeholder, value in (("@LISTEN@", listen), ("@ROOT@", str(root)), ("@BACKEND@", backend)):
        assert placeholder in text, f"{NGINX_CONF} lost its {placeholder} placeholder"
        text = text.replace(placeholder, value)
    for directive in ("proxy_buffering off;", "gzip off;"):
        assert text.count(directive) == 1, f"{NGINX_CONF} should have one {directive!r}"
    if not hinted:
        text = text.replace("proxy_buffering off;", "proxy_buffering off; proxy_ignore_headers X-Accel-Buffering;")
    if buffered:
        text = text.replace("proxy_buffering off;", "proxy_buffering on;")
        text = text.replace("gzip off;", "gzip on; gzip_types text/event-stream;")
    return text


@pytest.fixture(scope="module")
def nginx(tmp_path_factory: pytest.TempPathFactory, fake_web_root: Path, mock: str) -> Iterator[Nginx]:
    """Debian's nginx in the foreground, in a directory of its own, with four sites: the
    shipped config over the fake and the real dist, and the two buffering variants."""
    executable = find_nginx()
    prefix = tmp_path_factory.mktemp("nginx")
    ports = {name: free_port() for name in ("real", "unhinted", "buffered")}

    def arguments(port: int) -> list[str]:
        sites = [
            site(f"127.0.0.1:{port}", fake_web_root, mock),
            site(f"127.0.0.1:{ports['real']}", REAL_WEB_ROOT, mock),
            site(f"127.0.0.1:{ports['unhinted']}", fake_web_root, mock, hinted=False),
            site(f"127.0.0.1:{ports['buffered']}", fake_web_root, mock, hinted=False, buffered=True),
        ]
        for number, text in enumerate(sites):
            (prefix / f"site{number}.conf").write_text(text, encoding="utf-8")
        # The `http` context as Debian's /etc/nginx/nginx.conf sets it up, but everything nginx
        # writes stays in `prefix`. As root, the workers would run as nobody, who cannot read
        # pytest's private temporary directories.
        user = "user root;" if os.geteuid() == 0 else ""
        (prefix / "nginx.conf").write_text(f"""
            {user}
            worker_processes 1;
            pid {prefix}/nginx.pid;
            error_log {prefix}/error.log warn;
            events {{ worker_connections 256; }}
            http {{
                include /etc/nginx/mime.types;
                default_type application/octet-stream;
                sendfile on;
                access_log off;
                client_body_temp_path {prefix}/client_body;
                proxy_temp_path {prefix}/proxy;
                fastcgi_temp_path {prefix}/fastcgi;
                uwsgi_temp_path {prefix}/uwsgi;
                scgi_temp_path {prefix}/scgi;
                include {prefix}/site*.conf;
            }}
            """, encoding="utf-8")
        return ["-p", f"{prefix}/", "-e", f"{prefix}/error.log", "-c", f"{prefix}/nginx.conf",
                "-g", "daemon off;"]

    with server_process(arguments, name="nginx", health_path="/api/health", program=[executable]) as base:
        yield Nginx(fake=base, real=f"http://127.0.0.1:{ports['real']}",
                    unhinted=f"http://127.0.0.1:{ports['unhinted']}",
                    buffered=f"http://127.0.0.1:{ports['buffered']}")


@pytest.fixture(params=["mock", "nginx"])
def server(request: pytest.FixtureRequest) -> str:
    """The base URL of each server of the fake dist in turn."""
    if request.param == "mock":
        return str(request.getfixturevalue("mock"))
    return str(request.getfixturevalue("nginx").fake)


# --- static files, on both servers ------------------------------------------------------------

# (Not `*` alone: it allows gzip too, and the mock backend takes it so, but nginx compresses
# only for a gzip it is told by name, as every browser sends.)
@pytest.mark.parametrize("accept", ["gzip", "gzip, deflate, br, zstd", "br;q=1.0, gzip;q=0.8"])
def test_a_client_that_accepts_gzip_gets_the_precompressed_file(server: str, accept: str) -> None:
    for name, content in COMPRESSED.items():
        reply = fetch(server, f"/dist/{name}", headers={"Accept-Encoding": accept})
        assert reply.status == 200, name
        assert reply.headers.get("content-encoding") == "gzip", name
        assert reply.body == gzip.compress(content, compresslevel=9, mtime=0), name  # the .gz itself
        assert gzip.decompress(reply.body) == content
        assert int(reply.headers["content-length"]) == len(reply.body), name
        assert media_type(reply.headers) == TYPES[Path(name).suffix], name
        assert "accept-encoding" in vary(reply.headers), name
        assert reply.headers["cache-control"] == cache_rule(name), name
        assert reply.headers["access-control-allow-origin"] == "*", name
        assert "etag" in reply.headers, name


@pytest.mark.parametrize("accept", [None, "identity", "gzip;q=0", "br, zstd", "*;q=0, identity"])
def test_a_client_that_does_not_accept_gzip_gets_the_file_as_it_is(server: str, accept: str | None) -> None:
    for name, content in COMPRESSED.items():
        reply = fetch(server, f"/dist/{name}", headers={} if accept is None else {"Accept-Encoding": accept})
        assert reply.status == 200, name
        assert "content-encoding" not in reply.headers, name
        assert reply.body == content, name
        assert int(reply.headers["content-length"]) == len(content), name
        assert media_type(reply.headers) == TYPES[Path(name).suffix], name
        assert "accept-encoding" in vary(reply.headers), name
        assert reply.headers["cache-control"] == cache_rule(name), name
        assert reply.headers["access-control-allow-origin"] == "*", name


def test_files_without_a_gz_go_as_they_are(server: str) -> None:
    for name, content in UNCOMPRESSED.items():
        reply = fetch(server, f"/dist/{name}", headers={"Accept-Encoding": "gzip"})
        assert (reply.status, reply.body) == (200, content), name
        assert "content-encoding" not in reply.headers, name
        assert media_type(reply.headers) == TYPES[Path(name).suffix], name
        assert reply.headers["cache-control"] == cache_rule(name), name


def test_a_gz_asked_for_by_name_is_just_a_file(server: str) -> None:
    content = gzip.compress(COMPRESSED["sse-client.js"], compresslevel=9, mtime=0)
    for accept in ("gzip", "identity"):
        reply = fetch(server, "/dist/sse-client.js.gz", headers={"Accept-Encoding": accept})
        assert (reply.status, reply.body) == (200, content)
        assert "content-encoding" not in reply.headers  # else a client would unpack it
        assert media_type(reply.headers) == "application/gzip"


def test_cache_rules(server: str) -> None:
    assert cache_rule("sse-client.js") == "no-cache"
    assert cache_rule(f"{APP_DIR}/runtime.zip") == IMMUTABLE
    assert cache_rule("pyodide/pyodide.asm.wasm") == "no-cache"  # not a content-hashed name
    for name in [*COMPRESSED, *UNCOMPRESSED]:
        assert fetch(server, f"/dist/{name}").headers["cache-control"] == cache_rule(name), name
    demo = fetch(server, "/demo/")
    assert (demo.status, demo.body, demo.headers["cache-control"]) == (200, DEMO_PAGE, "no-cache")


@pytest.mark.parametrize("accept", ["gzip", "identity"])
def test_revalidation_answers_304(server: str, accept: str) -> None:
    for name in ("sse-client.js", f"{PYODIDE_DIR}/pyodide.asm.wasm"):
        first = fetch(server, f"/dist/{name}", headers={"Accept-Encoding": accept})
        again = fetch(server, f"/dist/{name}",
                      headers={"Accept-Encoding": accept, "If-None-Match": first.headers["etag"]})
        assert (again.status, again.body) == (304, b""), name
        assert again.headers["etag"] == first.headers["etag"], name
        assert again.headers["cache-control"] == cache_rule(name), name
        stale = fetch(server, f"/dist/{name}", headers={"Accept-Encoding": accept, "If-None-Match": '"stale"'})
        assert (stale.status, stale.body) == (200, first.body), name
    # The two forms of a file are two representations: each has its own ETag.
    plain = fetch(server, "/dist/sse-client.js", headers={"Accept-Encoding": "identity"})
    packed = fetch(server, "/dist/sse-client.js", headers={"Accept-Encoding": "gzip"})
    assert plain.headers["etag"] != packed.headers["etag"]


@pytest.mark.parametrize("accept", ["gzip", "identity"])
def test_head_sends_the_headers_of_get(server: str, accept: str) -> None:
    for name in COMPRESSED:
        get = fetch(server, f"/dist/{name}", headers={"Accept-Encoding": accept})
        head = fetch(server, f"/dist/{name}", method="HEAD", headers={"Accept-Encoding": accept})
        assert (head.status, head.body) == (200, b""), name
        for header in ("content-type", "content-length", "content-encoding", "cache-control", "etag"):
            assert head.headers.get(header) == get.headers.get(header), (name, header)
        assert "accept-encoding" in vary(head.headers), name


@pytest.mark.parametrize(("header", "allowed"), [
    (None, False), ("", False), ("identity", False), ("br, zstd", False),
    ("gzip", True), ("GZIP", True), ("x-gzip", True), ("deflate, gzip;q=0.5", True),
    ("gzip;q=0", False), ("gzip; q=0.000", False), ("gzip;q=nonsense", False),
    ("*", True), ("*;q=0", False), ("*, gzip;q=0", False), ("gzip;q=1, *;q=0", True),
])
def test_which_accept_encoding_allows_gzip_in_the_mock_backend(header: str | None, allowed: bool) -> None:
    assert accepts_gzip(header) is allowed


# --- the event stream through nginx -----------------------------------------------------------

DELAY_MS = 300
STREAM_QUERY = f"/api/chat?text=abcdefghij&chunk_chars=2&delay_ms={DELAY_MS}"


def event_arrivals(base: str, *, compressed: bool = False) -> tuple[list[float], str]:
    """POST a chat with five chunk events DELAY_MS apart, accepting gzip as browsers do; when
    each `data:` line arrived (s after the request), and the stream's text."""
    arrivals: list[float] = []
    lines: list[str] = []
    started = time.monotonic()
    with httpx.stream("POST", base + STREAM_QUERY, json={"model": "demo", "messages": []},
                      headers={"Accept": "text/event-stream", "Accept-Encoding": "gzip"},
                      timeout=10) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers.get("content-encoding") == ("gzip" if compressed else None)
        for line in response.iter_lines():
            lines.append(line)
            if line.startswith("data:"):
                arrivals.append(time.monotonic() - started)
    return arrivals, "\n".join(lines)


@pytest.mark.parametrize("variant", ["shipped", "unhinted"])
def test_an_event_stream_passes_through_nginx_event_by_event(nginx: Nginx, variant: str) -> None:
    arrivals, text = event_arrivals(nginx.fake if variant == "shipped" else nginx.unhinted)
    assert '"complete"' in text and "ij" in text
    # status, five chunks, complete: the chunks are written DELAY_MS apart, and each must reach
    # the client on its own, not all together at the end.
    assert len(arrivals) == 7, text
    gaps = [later - earlier for earlier, later in zip(arrivals[1:6], arrivals[2:7])]
    assert min(gaps) > DELAY_MS / 1000 / 2, f"events came in lumps: arrivals {arrivals}"
    assert arrivals[1] < arrivals[-1] - 4 * DELAY_MS / 1000 * 0.8, arrivals


def test_the_stream_test_can_tell_a_buffering_proxy(nginx: Nginx) -> None:
    arrivals, _ = event_arrivals(nginx.buffered, compressed=True)
    assert len(arrivals) == 7
    # Buffered and compressed, nginx held every event until the reply ended.
    assert arrivals[-1] - arrivals[1] < DELAY_MS / 1000 / 2, f"nginx did not buffer: {arrivals}"


# --- the real bundle through nginx, in Chromium ----------------------------------------------

PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>served by nginx</title>
<script src="{loader}"></script></head><body><pre id="out"></pre></body></html>"""

CHAT = """async (endpoint) => {
  await SSEClient.ready;
  SSEClient.configure({ endpoint });
  const chunks = [];
  const text = await SSEClient.chatWithModelStream(
    { model: "demo", messages: [{ role: "user", content: "Hello" }] },
    chunk => { chunks.push(chunk); document.getElementById("out").textContent += chunk; },
    () => {});
  return { text, chunks, page: document.getElementById("out").textContent };
}"""


def test_a_page_on_another_origin_boots_the_real_bundle_through_nginx(
    nginx: Nginx, browser: Browser, tmp_path: Path, bundle: Path
) -> None:
    dist = bundle
    (tmp_path / "page.html").write_text(PAGE.format(loader=f"{nginx.real}/dist/sse-client.js"),
                                        encoding="utf-8")
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    served: list[Response] = []
    page.on("pageerror", lambda error: errors.append(f"{error.name}: {error.message}"))
    page.on("response", lambda response: served.append(response)
            if response.url.startswith(nginx.real + "/dist/") else None)
    text = "Served through nginx, piece by piece."
    endpoint = f"{nginx.real}/api/chat?" + urllib.parse.urlencode({"text": text, "chunk_chars": 5, "delay_ms": 20})
    with contextlib.ExitStack() as stack:
        stack.callback(context.close)
        site_base = stack.enter_context(http_server_thread(functools.partial(QuietHandler, directory=str(tmp_path))))
        page.goto(f"{site_base}/page.html")
        result: dict[str, Any] = page.evaluate(CHAT, endpoint)
        # What nginx sent the browser for each file of the bundle it loaded.
        files = {urllib.parse.urlsplit(r.url).path.removeprefix("/dist/"): (r.status, r.all_headers())
                 for r in served}
    assert result["text"] == text
    assert "".join(result["chunks"]) == result["page"] == text
    assert len(result["chunks"]) > 1
    assert errors == []

    assert "sse-client.js" in files and any(name.endswith(".wasm") for name in files), sorted(files)
    for name, (status, headers) in files.items():
        assert status == 200, name
        suffix = Path(name).suffix
        if suffix in TYPES:
            assert media_type(headers) == TYPES[suffix], name
        assert headers.get("access-control-allow-origin") == "*", name
        if (dist / (name + ".gz")).is_file():
            assert headers.get("content-encoding") == "gzip", name
        expected = IMMUTABLE if HASHED.match(name) else "no-cache"
        assert headers.get("cache-control") == expected, name
