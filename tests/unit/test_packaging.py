"""The two packages (README, "Packages"): web/dist/ is an npm package (`npm pack` in it, without
the network) of exactly the bundle's files, whose entries Node and TypeScript resolve; the wheel
holds the Python package with its test helpers, no dependencies but the `backend` extra's, and
installed with `[backend]` into a fresh virtual environment it runs the mock backend."""

from __future__ import annotations

import email.parser
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import urllib.request
import zipfile
from pathlib import Path

import pytest

from sse_client.testing.launcher import server_process

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
import build  # noqa: E402  (build.py at the top of the repository)

TSC = ROOT / "node_modules" / ".bin" / "tsc"
ENTRIES = ("sse-client.js", "sse-client.mjs")


def npm(*arguments: str, cwd: Path) -> str:
    """npm, offline: packing the bundle must need no network (and no npm cache of ours)."""
    found = shutil.which("npm")
    if found is None:
        pytest.fail("npm (Node 20+) is needed: it is not on PATH")
    env = {**os.environ, "npm_config_update_notifier": "false", "npm_config_fund": "false",
           "npm_config_audit": "false", "npm_config_cache": str(cwd.parent / "npm-cache")}
    result = subprocess.run([found, *arguments, "--offline"], cwd=cwd, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build.build(tmp_path_factory.mktemp("bundle") / "dist")


def hashed_dirs(dist: Path) -> tuple[str, str]:
    (runtime,) = [p.name for p in dist.iterdir() if p.is_dir() and p.name.startswith("pyodide-")]
    (app,) = [p.name for p in dist.iterdir() if p.is_dir() and p.name.startswith("app-")]
    return runtime, app


# ---------------------------------------------------------------------------------------------
# npm: web/dist/ is the package


def test_the_bundle_has_a_package_json_with_its_entries(dist: Path) -> None:
    package = json.loads((dist / "package.json").read_text(encoding="utf-8"))
    runtime, app = hashed_dirs(dist)
    assert package["name"] == build.NPM_NAME == "sse-client-browser"
    assert package["version"] == build.project_version()
    assert package["license"] == "MIT"
    assert "private" not in package and "scripts" not in package and "dependencies" not in package
    # The module is the package's import; the script tag's loader and the declarations beside.
    assert package["main"] == package["module"] == "sse-client.mjs"
    assert package["types"] == "sse-client.d.mts"
    assert package["exports"]["."] == {"types": "./sse-client.d.mts", "default": "./sse-client.mjs"}
    assert package["exports"]["./sse-client.js"] == {"types": "./sse-client.d.ts", "default": "./sse-client.js"}
    assert package["files"] == [*ENTRIES, *(name + ".gz" for name in ENTRIES), *build.DECLARATIONS,
                                runtime + "/", app + "/"]
    for target in [package["main"], package["types"], *package["exports"]["."].values(),
                   *package["exports"]["./sse-client.js"].values()]:
        assert (dist / target).is_file(), target
    assert (dist / "README.md").read_bytes() == (build.WEB / "package-README.md").read_bytes()
    assert (dist / "LICENSE").read_bytes() == (ROOT / "LICENSE").read_bytes()


def test_npm_pack_packs_the_bundle_and_nothing_else_offline(dist: Path) -> None:
    runtime, app = hashed_dirs(dist)
    # Strays: what a server, an editor or an earlier tool might leave in dist.
    (dist / "notes.txt").write_text("not part of the bundle\n")
    (dist / "old").mkdir(exist_ok=True)
    (dist / "old" / "sse-client.js").write_text("// an old copy\n")
    try:
        (report,) = json.loads(npm("pack", "--dry-run", "--json", cwd=dist))
    finally:
        (dist / "notes.txt").unlink()
        shutil.rmtree(dist / "old")
    packed = {entry["path"] for entry in report["files"]}
    assert packed == {
        "package.json", "README.md", "LICENSE",
        *ENTRIES, *(name + ".gz" for name in ENTRIES), *build.DECLARATIONS,
        *(f"{runtime}/{name}{gz}" for name in build.RUNTIME_FILES for gz in ("", ".gz")),
        f"{app}/runtime.zip", f"{app}/runtime.zip.gz",
    }
    assert (report["name"], report["version"]) == (build.NPM_NAME, build.project_version())
    assert report["filename"] == f"{build.NPM_NAME}-{build.project_version()}.tgz"


def test_node_and_typescript_resolve_the_packed_package(dist: Path, tmp_path: Path) -> None:
    """The real tarball, unpacked as npm installs it: Node resolves the package to the module
    and TypeScript types an import of it from the declarations."""
    (report,) = json.loads(npm("pack", "--json", "--pack-destination", str(tmp_path), cwd=dist))
    installed = tmp_path / "app" / "node_modules" / build.NPM_NAME
    with tarfile.open(tmp_path / report["filename"]) as tarball:
        tarball.extractall(tmp_path / "unpacked", filter="data")
    shutil.move(tmp_path / "unpacked" / "package", installed)
    app = tmp_path / "app"
    resolve = ("for (const name of ['sse-client-browser', 'sse-client-browser/sse-client.js']) "
               "console.log(import.meta.resolve(name));")
    resolved = subprocess.run([build.node(), "--input-type=module", "-e", resolve], cwd=app,
                              capture_output=True, text=True, check=True).stdout.split()
    assert resolved == [(installed / name).as_uri() for name in ("sse-client.mjs", "sse-client.js")]
    if not TSC.exists():
        pytest.fail("node_modules/.bin/tsc is missing: run `npm ci` (python3 build.py does)")
    (app / "main.ts").write_text(
        'import SSEClient, { ready, configure, chatWithModelStream, SSEClientError } from "sse-client-browser";\n'
        'import type { Status, ClientOptions } from "sse-client-browser";\n'
        "const options: ClientOptions = { endpoint: '/api/chat' };\n"
        "await ready;\n"
        "configure(options);\n"
        "const text: string = await chatWithModelStream({ model: 'demo', messages: [] }, (chunk: string) => {},\n"
        "  (status: Status) => { if (status.state === 'reconnecting') console.log(status.retry); });\n"
        "console.log(text, SSEClient.version);\n"
        "try { await chatWithModelStream({ model: 'demo', messages: [] }, () => {}); }\n"
        "catch (error) { if (error instanceof SSEClientError) console.log(error.type, error.retryable); }\n"
        "// @ts-expect-error: not an option\n"
        "configure({ endpoit: '/api/chat' });\n",
        encoding="utf-8")
    (app / "tsconfig.json").write_text(json.dumps({
        "compilerOptions": {"noEmit": True, "strict": True, "target": "es2022", "module": "esnext",
                            "moduleResolution": "bundler", "lib": ["es2022", "dom"], "types": []},
        "files": ["main.ts"]}))
    result = subprocess.run([str(TSC), "-p", "."], cwd=app, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


# ---------------------------------------------------------------------------------------------
# The wheel


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel, built as the README says, from a copy of the sources (a build in place leaves
    build/ and *.egg-info beside them)."""
    tmp = tmp_path_factory.mktemp("wheel")
    source = tmp / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "sse_client", source / "sse_client", ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--disable-pip-version-check", "--no-deps",
                    "-w", str(tmp / "out"), str(source)], check=True, timeout=300)
    (built,) = (tmp / "out").glob("*.whl")
    return built


def test_the_wheel_holds_the_package_its_helpers_and_its_types(wheel: Path) -> None:
    version = build.project_version()
    assert wheel.name == f"sse_client-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    info = f"sse_client-{version}.dist-info/"
    package = {name for name in names if not name.startswith(info)}
    expected = {path.relative_to(ROOT).as_posix() for path in (ROOT / "sse_client").rglob("*.py")}
    assert "sse_client/testing/mock_backend.py" in expected
    assert package == expected | {"sse_client/py.typed"}
    assert {info + name for name in ("METADATA", "WHEEL", "RECORD", "licenses/LICENSE")} <= names


def test_the_wheel_depends_on_nothing_but_its_backend_extra_needs_the_server(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        metadata = email.parser.Parser().parsestr(
            archive.read(f"sse_client-{build.project_version()}.dist-info/METADATA").decode())
    assert metadata["Name"] == "sse-client"
    assert metadata["Requires-Python"] == ">=3.11"
    assert metadata["License-Expression"] == "MIT"
    assert "backend" in metadata.get_all("Provides-Extra")
    requirements = metadata.get_all("Requires-Dist")
    # The browser part is the standard library: every requirement is an extra's.
    assert all("; extra ==" in requirement for requirement in requirements), requirements
    backend = sorted(r.split(";")[0].strip() for r in requirements if r.endswith('extra == "backend"'))
    assert [re.split(r"[<>=!~ ]", r)[0] for r in backend] == ["anyio", "starlette", "uvicorn"]
    # Ranges, not pins: it installs beside a user's own FastAPI.
    assert not any("==" in requirement for requirement in backend), backend


def test_the_wheel_with_the_backend_extra_runs_the_mock_backend(wheel: Path, tmp_path: Path) -> None:
    """A fresh virtual environment, the local wheel with `[backend]` (its dependencies from the
    package index): `python -m sse_client.testing.mock_backend` serves a chat."""
    subprocess.run([sys.executable, "-m", "venv", str(tmp_path / "venv")], check=True, timeout=120)
    python = tmp_path / "venv" / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                    f"sse-client[backend] @ {wheel.as_uri()}"], check=True, timeout=300)
    # Run from elsewhere: what is imported is the installed package, not this checkout.
    where = subprocess.run([str(python), "-c", "import sse_client.testing.mock_backend as m; print(m.__file__)"],
                           cwd=tmp_path, capture_output=True, text=True, check=True).stdout.strip()
    assert Path(where).is_relative_to(tmp_path / "venv")
    with server_process(lambda port: ["-m", "sse_client.testing.mock_backend", "--port", str(port)],
                        name="the installed mock backend", health_path="/api/health", cwd=tmp_path,
                        program=[str(python)], timeout=60) as base:
        request = urllib.request.Request(
            f"{base}/api/chat?text=Hello&delay_ms=0", method="POST",
            data=json.dumps({"model": "demo", "messages": [], "stream": True}).encode(),
            headers={"Content-Type": "application/json", "Accept": "text/event-stream"})
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.headers["Content-Type"].startswith("text/event-stream")
            body = response.read().decode()
    assert '"final_response": "Hello"' in body or '"final_response":"Hello"' in body
