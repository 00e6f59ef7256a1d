#!/usr/bin/env python3
"""Build the browser bundle of sse_client, run the demo, run the tests.

    python3 build.py                 build web/dist/ (the bundle)
    python3 build.py demo [--port N] set up, build, and serve the demo on http://127.0.0.1:8000
    python3 build.py test [ARGS...]  set up, build, lint (ruff), type-check (mypy) and run the whole test suite
                                     (unit and end-to-end), and fail under 100% branch coverage
                                     of the sans-I/O core ([tool.coverage] in pyproject.toml);
                                     with ARGS, pytest runs with those instead (a subset, say
                                     `-k parser`) and coverage is not measured
    python3 build.py bench [--quick] set up, build, run the benchmarks against the peers and
                                     write bench/RESULTS.md (--quick: a smoke run, no file)

"Set up" means: a virtual environment in .venv with the Python dependencies of pyproject.toml
(re-installed when pyproject.toml changes), and the pinned Pyodide from npm (`npm ci`, re-run
when package-lock.json changes). The end-to-end tests need Chromium: `apt-get install chromium`
(or set CHROMIUM_PATH).

web/dist/ after a build:
    sse-client.js       the loader (the one <script> tag a page needs)
    sse_client.zip      the browser modules of the Python package (not the tests, not the mock)
    pyodide/            the Pyodide runtime files the page loads

This file uses the standard library only, so that it runs before anything is installed.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent
PACKAGE = ROOT / "sse_client"
WEB = ROOT / "web"
DIST = WEB / "dist"
PYODIDE_NPM = ROOT / "node_modules" / "pyodide"
VENV = ROOT / ".venv"

# What a page needs of the Pyodide distribution to boot with `loadPyodide` from a script tag.
RUNTIME_FILES = ("pyodide.js", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json")
# Modules of sse_client that stay out of the browser bundle.
NOT_IN_BUNDLE = ("testing",)
VERSION_PLACEHOLDER = "__SSE_CLIENT_PACKAGE_VERSION__"


def build() -> Path:
    """Write web/dist/; skips every step whose inputs did not change."""
    ensure_npm_packages()
    DIST.mkdir(parents=True, exist_ok=True)
    copy_runtime(DIST / "pyodide")
    version = pack_package(DIST / "sse_client.zip")
    loader = (WEB / "sse-client.js").read_text(encoding="utf-8").replace(VERSION_PLACEHOLDER, version)
    write_if_changed(DIST / "sse-client.js", loader.encode("utf-8"))
    return DIST


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


def copy_runtime(target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for name in RUNTIME_FILES:
        source, dest = PYODIDE_NPM / name, target / name
        if not dest.exists() or dest.stat().st_size != source.stat().st_size or dest.stat().st_mtime < source.stat().st_mtime:
            shutil.copy2(source, dest)


def pack_package(target: Path) -> str:
    """Zip the browser modules of sse_client reproducibly; return a short hash of the zip."""
    files = sorted(
        path
        for path in PACKAGE.rglob("*.py")
        if path.relative_to(PACKAGE).parts[0] not in NOT_IN_BUNDLE
    )
    zipped = _zip_bytes(files)
    write_if_changed(target, zipped)
    return hashlib.sha256(zipped).hexdigest()[:12]


def _zip_bytes(files: list[Path]) -> bytes:
    import io

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in files:
            # A fixed timestamp, so that the same sources give the same bytes (and hash).
            info = zipfile.ZipInfo(str(path.relative_to(ROOT)), date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
    return buffer.getvalue()


def write_if_changed(path: Path, content: bytes) -> None:
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


def run(command: list[str]) -> None:
    print("+", " ".join(command), flush=True)
    subprocess.run(command, cwd=ROOT, check=True)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("build", help="build web/dist/ (the default)")
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
    to_pytest = argv[:1] == ["test"] and argv[1:2] not in (["-h"], ["--help"])
    args = parser.parse_args(argv[:1] if to_pytest else argv)
    if to_pytest:
        args.pytest_args = argv[1:]

    if sys.version_info < (3, 11):  # noqa: UP036 - build.py runs on whatever python3 the machine has
        sys.exit("build.py: Python 3.11 or newer is needed")
    if args.command in (None, "build"):
        print(f"built {build().relative_to(ROOT)}/")
        return 0
    python = ensure_venv()
    build()
    if args.command == "demo":
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
    return subprocess.run([str(python), "-m", "pytest", *coverage, *args.pytest_args], cwd=ROOT).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
