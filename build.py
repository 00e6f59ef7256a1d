#!/usr/bin/env python3
"""Build the browser bundle of sse_client, run the demo, run the tests.

    python3 build.py [--snapshot]    build web/dist/ (the bundle); --snapshot adds a memory snapshot
    python3 build.py modules         rewrite web/runtime-modules.txt (the stdlib modules to ship)
    python3 build.py demo [--port N] set up, build, and serve the demo on http://127.0.0.1:8000
    python3 build.py test [ARGS...]  set up, build, lint (ruff), type-check (mypy) and run the whole test suite
                                     (unit and end-to-end), and fail under 100% branch coverage
                                     of the sans-I/O core ([tool.coverage] in pyproject.toml);
                                     then the end-to-end tests again with each boot option
                                     (memory snapshot, worker, the ES module entry);
                                     with ARGS, pytest runs with those instead (a subset, say
                                     `-k parser`) and coverage is not measured
    python3 build.py bench [--quick] set up, build, run the benchmarks against the peers and
                                     write bench/RESULTS.md (--quick: a smoke run, no file)

"Set up" means: a virtual environment in .venv with the Python dependencies of pyproject.toml
(re-installed when pyproject.toml changes), and the pinned Pyodide from npm (`npm ci`, re-run
when package-lock.json changes). The end-to-end tests need Chromium: `apt-get install chromium`
(or set CHROMIUM_PATH).

web/dist/ after a build:
    sse-client.js        the loader (the one <script> tag a page needs); with sse-client.mjs, the
                         only files whose names stay the same from build to build: serve them
                         with no-cache
    sse-client.mjs       the same loader as an ES module (import { ready, ... } from it), for
                         pages, bundlers and Web Workers; `?boot=worker` on its URL is data-boot
    sse-client.d.ts      TypeScript declarations: the SSEClient global and its types
    sse-client.d.mts     the declarations of sse-client.mjs (TypeScript finds them beside it)
    pyodide-<hash>/      the Pyodide runtime files (the loader uses pyodide.js, pyodide.asm.mjs and
                         pyodide.asm.wasm; python_stdlib.zip and pyodide-lock.json are there for a
                         page that wants the whole standard library)
    app-<hash>/          runtime.zip: the standard-library modules the package needs and the
                         package itself, precompiled to .pyc by Pyodide's own Python (in Node);
                         snapshot.bin with --snapshot: a memory snapshot of Python with the
                         package imported, which the loader boots from when it is there
    *.gz                 beside every compressible file: gzip -9, for servers that send
                         precompressed files (nginx gzip_static, Caddy precompressed, the mock)
    package.json         the npm package that web/dist/ is (sse-client-browser, the version of
                         pyproject.toml): `npm pack ./web/dist` makes its tarball (README, Packages)
    README.md, LICENSE   the package's readme (from web/package-README.md) and the project's licence
The <hash> directories are named after their content, so they can be cached for ever.

The list of standard-library modules is web/runtime-modules.txt; `python3 build.py modules`
regenerates it (tests/unit/test_runtime_modules.py fails when it is stale), and the build fails
if the package imports anything that is not in the runtime zip.

This file uses the standard library only, so that it runs before anything is installed.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent
PACKAGE = ROOT / "sse_client"
WEB = ROOT / "web"
DIST = WEB / "dist"
PYODIDE_NPM = ROOT / "node_modules" / "pyodide"
VENV = ROOT / ".venv"
RUNTIME_TOOL = ROOT / "tools" / "runtime.mjs"
MODULE_LIST = WEB / "runtime-modules.txt"

# The Pyodide distribution files copied to dist (the loader itself needs the first three).
RUNTIME_FILES = ("pyodide.js", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json")
# The TypeScript declarations of the API: the global's, and the ES module's (beside sse-client.mjs).
DECLARATIONS = ("sse-client.d.ts", "sse-client.d.mts")
# Modules of sse_client that stay out of the browser bundle.
NOT_IN_BUNDLE = ("testing",)
BUILD_PLACEHOLDER = '"__SSE_CLIENT_BUILD__"'
# dist/sse-client.mjs is the loader between these: the prologue gives it its own URL (the script
# tag's is document.currentScript's), the epilogue exports the API it published.
MODULE_PROLOGUE = """\
// sse-client.mjs: the ES module entry of sse_client, built by build.py from web/sse-client.js
// (the script-tag loader: the same code). `?boot=worker` on this module's URL runs Python in a
// Web Worker, as data-boot="worker" does on the script tag.
const SSE_CLIENT_MODULE_URL = import.meta.url;
"""
MODULE_EPILOGUE = """
// The API the loader published (or found: one Python per page, however the bundle was loaded).
const SSEClient = globalThis.SSEClient;
export default SSEClient;
export const {
  ready, configure, chatWithModelStream, authFetch, onProgress, metrics, SSEClientError, version, build, mode,
} = SSEClient;
"""
# What gets a .gz sibling: everything but what is already compressed.
COMPRESSIBLE = (".js", ".mjs", ".wasm", ".zip", ".json", ".bin")
# The boot options the end-to-end suite runs once more with, after the default (in-page) boot.
BOOT_OPTIONS = ("snapshot", "worker", "module")
HASHED_DIRECTORY = re.compile(r"^(pyodide|app)-[0-9a-f]{12}$")
# The npm package that web/dist/ is (`npm pack ./web/dist`): the name `sse-client` is taken on npm.
NPM_NAME = "sse-client-browser"


def build(dist: Path = DIST, *, snapshot: bool = False) -> Path:
    """Write the bundle to `dist`; skips the slow steps (Node) whose inputs did not change."""
    ensure_npm_packages()
    dist.mkdir(parents=True, exist_ok=True)
    runtime = {name: (PYODIDE_NPM / name).read_bytes() for name in RUNTIME_FILES}
    runtime_dir = "pyodide-" + content_hash(runtime)
    app = {"runtime.zip": runtime_zip()}
    if snapshot:
        app["snapshot.bin"] = memory_snapshot(app["runtime.zip"])
    app_dir = "app-" + content_hash(app)
    for directory, files in ((runtime_dir, runtime), (app_dir, app)):
        for name, content in files.items():
            write_if_changed(dist / directory / name, content)
            if name.endswith(COMPRESSIBLE):
                write_gzip(dist / directory / (name + ".gz"), content)
    remove_stale(dist, keep={runtime_dir, app_dir})
    lock = json.loads(runtime["pyodide-lock.json"])
    source = (WEB / "sse-client.js").read_text(encoding="utf-8")
    if BUILD_PLACEHOLDER not in source:
        sys.exit(f"build.py: web/sse-client.js has lost its {BUILD_PLACEHOLDER} placeholder")
    facts = {
        "version": project_version(),  # the package's, from pyproject.toml
        # Changes whenever anything the page loads changes (for cache busting).
        "build": content_hash({"runtime": runtime_dir.encode(), "app": app_dir.encode(), "loader": source.encode()}),
        "runtime": runtime_dir + "/",
        "app": app_dir + "/",
        "snapshot": snapshot,
        # Pyodide needs a lock file; with no packages it needs only this (and fetches nothing).
        "lock": {"info": lock["info"], "packages": {}},
        # Uncompressed sizes, so that a progress bar knows its total before the responses say.
        "sizes": {
            "pyodide.asm.wasm": len(runtime["pyodide.asm.wasm"]),
            "pyodide.asm.mjs": len(runtime["pyodide.asm.mjs"]),
            "runtime.zip": len(app["runtime.zip"]),
            **({"snapshot.bin": len(app["snapshot.bin"])} if snapshot else {}),
        },
    }
    loader = source.replace(BUILD_PLACEHOLDER, json.dumps(facts, sort_keys=True))
    # One implementation, two entries: the script tag's and the ES module's.
    for name, text in (("sse-client.js", loader), ("sse-client.mjs", MODULE_PROLOGUE + loader + MODULE_EPILOGUE)):
        write_if_changed(dist / name, text.encode("utf-8"))
        write_gzip(dist / (name + ".gz"), text.encode("utf-8"))
    for name in DECLARATIONS:
        write_if_changed(dist / name, (WEB / name).read_bytes())
    write_npm_package(dist, facts["version"], [runtime_dir, app_dir])
    return dist


def write_npm_package(dist: Path, version: str, hashed_dirs: list[str]) -> None:
    """package.json, README.md and LICENSE, so that `npm pack` in `dist` packs the bundle: the
    loader, the module, the declarations, their .gz siblings and this build's hashed directories
    (`files` names them, so nothing else in `dist` is packed). Nothing to install, no scripts."""
    entries = ["sse-client.js", "sse-client.mjs"]
    package = {
        "name": NPM_NAME,
        "version": version,
        "description": "Server-Sent-Events client for LLM chat in the browser: Python under Pyodide, "
                       "self-hosted, loaded with one script tag or as an ES module",
        "license": "MIT",
        "keywords": ["sse", "server-sent-events", "event-stream", "llm", "chat", "streaming", "pyodide"],
        # The ES module (import); the script-tag loader is ./sse-client.js. Both set globalThis.SSEClient.
        "main": "sse-client.mjs",
        "module": "sse-client.mjs",
        "types": "sse-client.d.mts",
        "exports": {
            ".": {"types": "./sse-client.d.mts", "default": "./sse-client.mjs"},
            "./sse-client.mjs": {"types": "./sse-client.d.mts", "default": "./sse-client.mjs"},
            "./sse-client.js": {"types": "./sse-client.d.ts", "default": "./sse-client.js"},
            "./package.json": "./package.json",
            # The runtime files, for tools that copy or serve them by path.
            "./*": "./*",
        },
        "sideEffects": True,  # importing it boots Python and sets the global
        "files": [*entries, *(name + ".gz" for name in entries), *DECLARATIONS, *(name + "/" for name in hashed_dirs)],
    }
    write_if_changed(dist / "package.json", (json.dumps(package, indent=2) + "\n").encode())
    write_if_changed(dist / "README.md", (WEB / "package-README.md").read_bytes())
    write_if_changed(dist / "LICENSE", (ROOT / "LICENSE").read_bytes())


def project_version() -> str:
    """The package's version, as pyproject.toml gives it (SSEClient.version)."""
    import tomllib  # here: on an older Python, main() says 3.11 is needed before this is reached

    with (ROOT / "pyproject.toml").open("rb") as file:
        return str(tomllib.load(file)["project"]["version"])


def content_hash(files: dict[str, bytes]) -> str:
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
    return digest.hexdigest()[:12]


def package_sources() -> list[Path]:
    return sorted(
        path
        for path in PACKAGE.rglob("*.py")
        if path.relative_to(PACKAGE).parts[0] not in NOT_IN_BUNDLE
    )


def runtime_zip() -> bytes:
    """The precompiled runtime zip, made by tools/runtime.mjs in Node; cached under
    node_modules by a hash of everything it is made from."""
    inputs = [MODULE_LIST, RUNTIME_TOOL, ROOT / "package-lock.json", *package_sources()]
    return cached_node_output("runtime", inputs, lambda out: ["pack", str(MODULE_LIST), str(out)])


def memory_snapshot(runtime: bytes) -> bytes:
    """A memory snapshot of Pyodide booted from `runtime` with the package imported."""
    cache = ROOT / "node_modules" / ".sse-client-cache"
    cache.mkdir(parents=True, exist_ok=True)
    source = cache / f"runtime-for-snapshot-{hashlib.sha256(runtime).hexdigest()[:16]}.zip"
    write_if_changed(source, runtime)
    return cached_node_output("snapshot", [source, RUNTIME_TOOL], lambda out: ["snapshot", str(source), str(out)])


def cached_node_output(kind: str, inputs: list[Path], arguments: Callable[[Path], list[str]]) -> bytes:
    digest = hashlib.sha256()
    for path in inputs:
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    cache = ROOT / "node_modules" / ".sse-client-cache"
    cache.mkdir(parents=True, exist_ok=True)
    out = cache / f"{kind}-{digest.hexdigest()[:16]}.out"
    if not out.exists():
        # Builds may run side by side (a test session and a bench): each writes its own
        # partial file and moves it into place whole.
        partial = cache / f"{out.name}.{os.getpid()}.partial"
        run([node(), str(RUNTIME_TOOL), *arguments(partial)])
        os.replace(partial, out)
        for old in cache.glob(f"{kind}-*.out"):
            if old != out:
                old.unlink(missing_ok=True)
    return out.read_bytes()


def node() -> str:
    found = shutil.which("node")
    if found is None:
        sys.exit("build.py: Node (20+) is needed to precompile the Python runtime; it is not on PATH")
    return found


def write_gzip(path: Path, content: bytes) -> None:
    # mtime=0: the same content gives the same bytes.
    if not path.exists() or gzip.decompress(path.read_bytes()) != content:
        path.write_bytes(gzip.compress(content, compresslevel=9, mtime=0))


def remove_stale(dist: Path, keep: set[str]) -> None:
    """Hashed directories of earlier builds, and the files of the layout before them."""
    for entry in dist.iterdir():
        if entry.is_dir() and (HASHED_DIRECTORY.match(entry.name) or entry.name == "pyodide") and entry.name not in keep:
            shutil.rmtree(entry)
        elif entry.name == "sse_client.zip":
            entry.unlink()


def modules() -> None:
    """Rewrite web/runtime-modules.txt from what Python imports (see tools/runtime.mjs)."""
    ensure_npm_packages()
    listing = subprocess.run([node(), str(RUNTIME_TOOL), "modules"], cwd=ROOT, check=True,
                             capture_output=True, text=True).stdout
    write_if_changed(MODULE_LIST, listing.encode())
    print(f"{MODULE_LIST.relative_to(ROOT)}: {len(listing.split())} modules")


def ensure_npm_packages() -> None:
    """`npm ci` when node_modules was not installed from this exact package-lock.json."""
    lock = (ROOT / "package-lock.json").read_bytes()
    stamp = ROOT / "node_modules" / ".sse-client-lock-sha256"
    wanted = hashlib.sha256(lock).hexdigest()
    if PYODIDE_NPM.exists() and stamp.exists() and stamp.read_text() == wanted:
        return
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("build.py: npm is needed to install Pyodide (Node 20+); it is not on PATH")
    run([npm, "ci", "--no-audit", "--no-fund"])
    stamp.write_text(wanted)


def write_if_changed(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_bytes() != content:
        path.write_bytes(content)


def ensure_venv() -> Path:
    """The Python of .venv, with the project installed with its dev extras."""
    python = VENV / "bin" / "python"
    if not python.exists():
        run([sys.executable, "-m", "venv", str(VENV)])
    stamp = VENV / ".sse-client-installed"
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if not stamp.exists() or stamp.read_text() != wanted:
        run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-e", f"{ROOT}[dev]"])
        stamp.write_text(wanted)
    return python


def port_in_use(host: str, port: int) -> str | None:
    """Why the demo could not listen on host:port (before it starts, so that the answer is one
    line rather than uvicorn's traceback), or None."""
    import socket

    with socket.socket() as probe:
        try:
            probe.bind((host, port))
        except OSError as error:
            return "already in use" if error.errno == 98 else f"not available ({error.strerror})"
    return None


def run(command: list[str]) -> None:
    print("+", " ".join(command), flush=True)
    subprocess.run(command, cwd=ROOT, check=True)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command")
    build_command = commands.add_parser("build", help="build web/dist/ (the default)")
    build_command.add_argument("--snapshot", action="store_true", help="add a memory snapshot to the bundle")
    commands.add_parser("modules", help="rewrite web/runtime-modules.txt from what the package imports")
    demo = commands.add_parser("demo", help="set up, build and serve the demo and the mock backend")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8000)
    test_help = ("set up, build, type-check and run all tests, failing under 100%% branch coverage of the core; "
                 "extra args go to pytest instead, without the coverage check")
    test = commands.add_parser("test", help=test_help, description=test_help.replace("%%", "%"))
    test.add_argument("pytest_args", nargs=argparse.REMAINDER)
    bench = commands.add_parser("bench", help="set up, build, run the benchmarks and write bench/RESULTS.md")
    bench.add_argument("--quick", action="store_true", help="a smoke run with small sizes (does not write results)")
    # Everything after `test` goes to pytest as written: argparse would take pytest's own options
    # (-k, -x, -q) for build.py's and refuse them.
    if argv[:1] == ["--snapshot"]:  # `build.py --snapshot` is `build.py build --snapshot`
        argv = ["build", *argv]
    to_pytest = argv[:1] == ["test"] and argv[1:2] not in (["-h"], ["--help"])
    args = parser.parse_args(argv[:1] if to_pytest else argv)
    if to_pytest:
        args.pytest_args = argv[1:]

    if sys.version_info < (3, 11):  # noqa: UP036 - build.py runs on whatever python3 the machine has
        sys.exit("build.py: Python 3.11 or newer is needed")
    if args.command in (None, "build"):
        print(f"built {build(snapshot=getattr(args, 'snapshot', False)).relative_to(ROOT)}/")
        return 0
    if args.command == "modules":
        modules()
        return 0
    python = ensure_venv()
    build()
    if args.command == "demo":
        port_taken = port_in_use(args.host, args.port)
        if port_taken:
            sys.exit(f"build.py demo: {args.host}:{args.port} is {port_taken}; "
                     f"pick another port with --port, e.g. python3 build.py demo --port {args.port + 1}")
        command = [str(python), "-m", "sse_client.testing.mock_backend", "--host", args.host, "--port", str(args.port), "--web-root", str(WEB)]
        print(f"demo: http://{args.host}:{args.port}/  (Ctrl-C stops it)", flush=True)
        os.execv(command[0], command)
    if args.command == "bench":
        extra = ["--quick", "--no-write"] if args.quick else []
        return subprocess.run([str(python), "-m", "bench.run", *extra], cwd=ROOT).returncode
    run([str(python), "-m", "ruff", "check", "--quiet", "."])  # lint: pyproject's [tool.ruff]
    run([str(python), "-m", "mypy"])
    # The whole suite measures the core's branch coverage and fails under 100% (pyproject.toml
    # says which files and the threshold). A subset cannot reach it, so a run given pytest
    # arguments is only that pytest run.
    coverage = [] if args.pytest_args else ["--cov"]
    code = subprocess.run([str(python), "-m", "pytest", *coverage, *args.pytest_args], cwd=ROOT).returncode
    if code or args.pytest_args:
        return code
    # The end-to-end suite once more for each boot option (tests/e2e/conftest.py reads the
    # variable). Start-up and serving have their own tests of each option; they are not repeated.
    for boot in BOOT_OPTIONS:
        print(f"+ end-to-end tests again with SSE_CLIENT_BOOT={boot}", flush=True)
        code = subprocess.run([str(python), "-m", "pytest", "-q", "tests/e2e",
                               "--ignore", "tests/e2e/test_startup.py", "--ignore", "tests/e2e/test_serving.py"],
                              cwd=ROOT, env={**os.environ, "SSE_CLIENT_BOOT": boot}).returncode
        if code:
            return code
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
