"""build.py's own behaviour that a user meets: the demo on a port that is taken, and the bundle's
layout (content-hashed directories, precompressed siblings)."""

from __future__ import annotations

import gzip
import json
import re
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
import build  # noqa: E402  (build.py at the top of the repository)


def test_the_demo_on_a_taken_port_says_so_in_one_line() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run([sys.executable, str(ROOT / "build.py"), "demo", "--port", str(port)],
                                cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"build.py demo: 127.0.0.1:{port} is already in use; "
        f"pick another port with --port, e.g. python3 build.py demo --port {port + 1}")


def test_the_bundle_is_laid_out_for_caching(tmp_path: Path) -> None:
    dist = build.build(tmp_path / "dist")
    names = sorted(path.relative_to(dist).as_posix() for path in dist.rglob("*"))
    (runtime,) = [name for name in names if name.startswith("pyodide-") and "/" not in name]
    (app,) = [name for name in names if name.startswith("app-") and "/" not in name]
    assert set(names) == {
        "sse-client.js", "sse-client.js.gz", "sse-client.mjs", "sse-client.mjs.gz", "sse-client.d.ts", "sse-client.d.mts", runtime, app, f"{app}/runtime.zip", f"{app}/runtime.zip.gz",
        "package.json", "README.md", "LICENSE",  # the npm package (tests/unit/test_packaging.py)
        *(f"{runtime}/{name}{gz}" for name in build.RUNTIME_FILES for gz in ("", ".gz")),
    }
    # Every .gz is its file, compressed.
    for name in names:
        if name.endswith(".gz"):
            assert gzip.decompress((dist / name).read_bytes()) == (dist / name[:-3]).read_bytes()
    # The loader names the directories it was built with.
    loader = (dist / "sse-client.js").read_text(encoding="utf-8")
    facts = json.loads(loader.split("var BUILD = ", 1)[1].split(";\n", 1)[0])
    assert (facts["runtime"], facts["app"], facts["snapshot"]) == (runtime + "/", app + "/", False)
    assert facts["lock"]["packages"] == {}
    # A rebuild of the same sources gives the same names; an old directory is removed.
    (dist / "app-0123456789ab").mkdir()
    build.build(tmp_path / "dist")
    assert sorted(path.relative_to(dist).as_posix() for path in dist.rglob("*")) == names


def test_the_module_entry_is_the_loader_between_a_prologue_and_its_exports(tmp_path: Path) -> None:
    dist = build.build(tmp_path / "dist")
    loader = (dist / "sse-client.js").read_text(encoding="utf-8")
    module = (dist / "sse-client.mjs").read_text(encoding="utf-8")
    # One implementation: the module is the very loader the script tag gets, wrapped.
    assert module == build.MODULE_PROLOGUE + loader + build.MODULE_EPILOGUE
    assert "const SSE_CLIENT_MODULE_URL = import.meta.url;" in build.MODULE_PROLOGUE
    for name in ("ready", "configure", "chatWithModelStream", "authFetch", "onProgress", "SSEClientError",
                 "version", "build"):
        assert f" {name}," in build.MODULE_EPILOGUE
    assert "export default SSEClient;" in build.MODULE_EPILOGUE
    # version is the package's; build a content hash, which moves with the loader's source too.
    facts = json.loads(loader.split("var BUILD = ", 1)[1].split(";\n", 1)[0])
    assert facts["version"] == build.project_version()
    assert re.fullmatch(r"\d+\.\d+\.\d+\S*", facts["version"])  # semver, not a hash
    assert len(facts["build"]) == 12 and int(facts["build"], 16) >= 0
    # Both parse as what they are (Node checks the module as a module by its extension).
    for name in ("sse-client.js", "sse-client.mjs"):
        subprocess.run([build.node(), "--check", str(dist / name)], check=True)
