"""The runtime zip's module list (web/runtime-modules.txt) is what Python itself imports, and a
list that misses a module the package imports fails the build, not a chat.

Both run Pyodide's own Python under Node (tools/runtime.mjs), as build.py does.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOOL = ROOT / "tools" / "runtime.mjs"
MODULE_LIST = ROOT / "web" / "runtime-modules.txt"


def node() -> str:
    found = shutil.which("node")
    if found is None or not (ROOT / "node_modules" / "pyodide").is_dir():
        pytest.fail("these tests need Node and the pinned Pyodide: run `python3 build.py` first", pytrace=False)
    return found


def test_the_module_list_is_what_python_imports() -> None:
    listed = MODULE_LIST.read_text(encoding="utf-8").split()
    computed = subprocess.run([node(), str(TOOL), "modules"], cwd=ROOT, check=True,
                              capture_output=True, text=True).stdout.split()
    assert computed == listed, (
        "web/runtime-modules.txt is stale: run `python3 build.py modules` "
        f"(missing: {sorted(set(computed) - set(listed))}, extra: {sorted(set(listed) - set(computed))})")
    # The ones the package imports lazily, inside functions, are there too.
    assert {"email._parseaddr", "json", "asyncio", "datetime"} <= set(listed)


def test_a_list_missing_a_module_the_package_imports_fails_the_build(tmp_path: Path) -> None:
    # email._parseaddr is imported inside a function (Retry-After dates): only read at run time.
    short = [name for name in MODULE_LIST.read_text(encoding="utf-8").split() if name != "email._parseaddr"]
    (tmp_path / "modules.txt").write_text("\n".join(short) + "\n", encoding="utf-8")
    result = subprocess.run([node(), str(TOOL), "pack", str(tmp_path / "modules.txt"), str(tmp_path / "out.zip")],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 1
    assert "imports email._parseaddr, which is not in the module list" in result.stderr
    assert not (tmp_path / "out.zip").exists()


def test_a_listed_module_that_pyodide_lacks_fails_the_build(tmp_path: Path) -> None:
    listed = MODULE_LIST.read_text(encoding="utf-8")
    (tmp_path / "modules.txt").write_text(listed + "no_such_module\n", encoding="utf-8")
    result = subprocess.run([node(), str(TOOL), "pack", str(tmp_path / "modules.txt"), str(tmp_path / "out.zip")],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 1
    assert "no_such_module: listed in the module list but not in Pyodide's stdlib" in result.stderr
