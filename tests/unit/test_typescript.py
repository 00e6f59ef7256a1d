"""The TypeScript declarations of the JS API (web/sse-client.d.ts, the `SSEClient` global and its
types; web/sse-client.d.mts, the ES module entry), as shipped in web/dist/.

Two kinds of test:
- tsc (TypeScript from npm, a dev dependency) type-checks the example page scripts in
  tests/typescript/ against them, and must reject each wrong use in
  tests/typescript/rejected/wrong.ts, with the error code marked on its line: the types bite.
- The declarations do not drift from the code: the options are the ones `ClientConfig` accepts,
  the statuses the ones `StatusLifecycle` reports (each with its own fields), the error types
  `StreamErrorType`'s, the events `chat_event_to_dict`'s, and the members of the API object,
  the reader and the module's exports those of web/sse-client.js and build.py. The .d.ts text is
  read with regular expressions: it is kept simple (one member per `;`, no nested interfaces).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from sse_client import config, lifecycle
from sse_client.errors import StreamError, StreamErrorType
from sse_client.formats.events import Chunk, Complete, ErrorReport, Malformed, Status, chat_event_to_dict
from sse_client.formats.registry import FORMAT_NAMES

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "web"
DIST = WEB / "dist"
DECLARATIONS = ("sse-client.d.ts", "sse-client.d.mts")
EXAMPLES = ROOT / "tests" / "typescript"
TSC = ROOT / "node_modules" / ".bin" / "tsc"
LOADER = (WEB / "sse-client.js").read_text(encoding="utf-8")

sys.path.insert(0, str(ROOT))
import build  # noqa: E402  (build.py at the top of the repository)

# ---------------------------------------------------------------------------------------------
# tsc over the examples


def ship_declarations() -> None:
    """The declarations in web/dist/, as build.py ships them: copied here when the bundle was
    built without them, or from an older web/ (what the next build would do)."""
    for name in DECLARATIONS:
        source, shipped = WEB / name, DIST / name
        if not shipped.exists() or shipped.read_bytes() != source.read_bytes():
            DIST.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, shipped)


@pytest.fixture(scope="module")
def tsc_runs() -> Iterator[dict[str, tuple[int, str]]]:
    """`tsc --noEmit --strict` over tests/typescript (the examples that must pass) and
    tests/typescript/rejected (the wrong uses), run at the same time."""
    if not TSC.exists():
        pytest.fail(f"TypeScript is not installed: {TSC.relative_to(ROOT)} is missing. It is a dev dependency in "
                    "package.json: run `npm ci` (or `python3 build.py test`, which does) in the repository.")
    ship_declarations()
    projects = {"examples": EXAMPLES, "rejected": EXAMPLES / "rejected"}
    running = {
        name: subprocess.Popen([str(TSC), "--noEmit", "--strict", "--pretty", "false", "-p", str(project)],
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for name, project in projects.items()
    }
    runs = {}
    for name, process in running.items():
        output, _ = process.communicate(timeout=300)
        runs[name] = (process.returncode, output)
    yield runs


def test_the_example_pages_type_check_against_the_shipped_declarations(tsc_runs: dict[str, tuple[int, str]]) -> None:
    code, output = tsc_runs["examples"]
    assert (code, output) == (0, ""), f"tsc rejected the examples in tests/typescript (exit {code}):\n{output}"


_TSC_ERROR = re.compile(r"^(?P<file>[^\s(][^(]*)\((?P<line>\d+),\d+\): error (?P<code>TS\d+):", re.MULTILINE)


def test_tsc_rejects_each_wrong_use(tsc_runs: dict[str, tuple[int, str]]) -> None:
    code, output = tsc_runs["rejected"]
    source = (EXAMPLES / "rejected" / "wrong.ts").read_text(encoding="utf-8").splitlines()
    expected = {(number, match[1]) for number, line in enumerate(source, 1)
                if (match := re.search(r"// rejected: (TS\d+)$", line))}
    assert len(expected) >= 20
    errors = [(Path(m["file"]).name, int(m["line"]), m["code"]) for m in _TSC_ERROR.finditer(output)]
    assert code != 0, f"tsc accepted every wrong use:\n{output}"
    assert {(name, line) for name, line, _ in errors} <= {("wrong.ts", line) for line, _ in expected}, (
        f"tsc errors outside the marked lines of wrong.ts:\n{output}")
    found = {(line, error) for _, line, error in errors}
    assert found == expected, (
        f"not rejected as marked: {sorted(expected - found)}; not marked: {sorted(found - expected)}\n{output}")


# ---------------------------------------------------------------------------------------------
# The declarations against the code


def _strip_comments(text: str) -> str:
    return re.sub(r"//[^\n]*", "", re.sub(r"/\*.*?\*/", "", text, flags=re.DOTALL))


DTS = _strip_comments((WEB / "sse-client.d.ts").read_text(encoding="utf-8"))
DMTS = _strip_comments((WEB / "sse-client.d.mts").read_text(encoding="utf-8"))


def _body(text: str, opening: str) -> str:
    """What is between the braces that follow `opening` (a regular expression)."""
    match = re.search(opening + r"[^{;]*\{", text)
    assert match, f"no {opening!r} in the declarations"
    depth, start = 1, match.end()
    for at in range(start, len(text)):
        depth += {"{": 1, "}": -1}.get(text[at], 0)
        if depth == 0:
            return text[start:at]
    raise AssertionError(f"unbalanced braces after {opening!r}")


def members(interface: str) -> dict[str, str]:
    """An interface's members: name -> the declaration after the name (`?: string`, `(...)`)."""
    body = _body(DTS, rf"\binterface\s+{interface}\b")
    parts, depth, current = [], 0, ""
    for at, char in enumerate(body):
        if char in "{([<":
            depth += 1
        elif char in "})]" or (char == ">" and body[at - 1] != "="):
            depth -= 1
        if char == ";" and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    assert not current.strip(), f"{interface}: a member without its ';': {current.strip()!r}"
    found = {}
    for part in parts:
        match = re.match(r"(?:readonly\s+)?(new\b|[A-Za-z_$][\w$]*)\s*(.*)$", part, re.DOTALL)
        assert match, f"{interface}: cannot read the member {part!r}"
        found[match[1]] = match[2]
    return found


def union(name: str) -> list[str]:
    match = re.search(rf"\btype\s+{name}\s*=\s*([^;]*);", DTS)
    assert match, f"no type {name} in the declarations"
    return [part.strip() for part in match[1].split("|") if part.strip()]


def literals(name: str) -> set[str]:
    parts = union(name)
    assert all(re.fullmatch(r'"[^"]*"', part) for part in parts), f"{name} is not a union of strings: {parts}"
    return {part.strip('"') for part in parts}


def literal_of(interface: str, member: str) -> str:
    declared = members(interface)[member]
    match = re.fullmatch(r':\s*"([^"]*)"', declared)
    assert match, f"{interface}.{member} is not one string: {declared!r}"
    return match[1]


def by_literal(union_name: str, member: str) -> dict[str, set[str]]:
    """The members of the union's interfaces, merged by the value of their `member`."""
    merged: dict[str, set[str]] = {}
    for interface in union(union_name):
        merged.setdefault(literal_of(interface, member), set()).update(members(interface))
    return merged


def _nullable(group: str | None, name: str) -> bool:
    """Whether ClientConfig accepts null for the option (in `group`, if given)."""
    options = {name: None} if group is None else {group: {name: None}}
    try:
        config.ClientConfig().with_options(options)
    except ValueError:
        return False
    return True


def test_the_options_are_the_ones_configure_accepts() -> None:
    declared = members("ClientOptions")
    simple = {config._camel_case(name) for name in config._SIMPLE}
    assert set(declared) == simple | set(config._GROUPS)
    for name in simple:
        assert declared[name].startswith("?:"), name
        # A null the code refuses is a CLIENT error the types must not let through, and back.
        assert ("| null" in declared[name]) == _nullable(None, name), name
    for group, (_, names) in config._GROUPS.items():
        interface = re.fullmatch(r"\?:\s*(\w+)", declared[group])
        assert interface, f"ClientOptions.{group} is not one interface: {declared[group]!r}"
        fields = members(interface[1])
        assert set(fields) == set(names), group
        for name, declaration in fields.items():
            assert re.fullmatch(r"\?:\s*number(\s*\|\s*null)?", declaration), (group, name, declaration)
            assert ("null" in declaration) == _nullable(group, name), (group, name)


def test_the_formats_are_the_dialects() -> None:
    assert literals("Format") == set(FORMAT_NAMES)
    assert members("ClientOptions")["format"] == "?: Format"


def test_the_error_types_are_stream_error_types() -> None:
    assert literals("ErrorType") == {kind.name for kind in StreamErrorType}
    assert all(kind.name == kind.value for kind in StreamErrorType)


def test_the_error_fields_are_stream_errors() -> None:
    plain = StreamError("m", type=StreamErrorType.SERVER).to_dict()
    assert set(members("ErrorInfo")) == set(plain)
    # SSEClientError extends Error, which has `message` and `cause` (and `name`) of its own.
    assert re.search(r"\binterface\s+SSEClientError\s+extends\s+Error\s*\{", DTS)
    assert set(members("SSEClientError")) == set(plain) - {"message", "cause"}
    error_class = LOADER.split("class SSEClientError extends Error", 1)[1].split("\n  }\n", 1)[0]
    assert set(re.findall(r"this\.(\w+) =", error_class)) - {"name"} == set(members("SSEClientError"))
    assert set(re.findall(r"info\.(\w+)", error_class)) == set(members("SSEClientErrorInit"))


def _reported_statuses() -> list[dict[str, object]]:
    """Every kind of status StatusLifecycle reports."""
    reports: list[dict[str, object]] = []
    error = StreamError("Cut.", type=StreamErrorType.NETWORK)
    chat = lifecycle.StatusLifecycle(reports.append)
    chat.connecting()
    chat.streaming()
    chat.backend_status("Thinking", 0.5)
    chat.warning("The server's final text differs from what was streamed.")
    chat.skipped("invalid JSON")
    chat.reconnecting(attempt=2, delay=1.5, cause=error, retry=1, max_retries=3)
    chat.fallback(reason="Streaming failed.", cause=error)
    chat.completed(length=3)
    lifecycle.StatusLifecycle(reports.append).failed(error)
    lifecycle.StatusLifecycle(reports.append).cancelled(error)
    return reports


def test_the_statuses_are_the_lifecycles() -> None:
    states = {state for state in lifecycle._TRANSITIONS if state is not None}
    declared = by_literal("Status", "state")
    assert set(declared) == states
    reported: dict[str, set[str]] = {}
    for status in _reported_statuses():
        reported.setdefault(str(status["state"]), set()).update(status)
    assert reported == declared
    assert literals("TerminalState") == lifecycle.TERMINAL


def test_the_reader_events_are_chat_events() -> None:
    events = [Chunk("text", 1, "7"), Status("Thinking", 0.5), Complete("text"), ErrorReport("429", "Slow down."),
              Malformed("not JSON", "{")]
    produced: dict[str, set[str]] = {}
    for event in events:
        plain = chat_event_to_dict(event)
        produced[plain["type"]] = set(plain)
    # What the bridge adds to an error event for the page (its classification, an SSEClientError there).
    bridge = (ROOT / "sse_client" / "bridge.py").read_text(encoding="utf-8")
    produced["error"] |= set(re.findall(r'plain\["(\w+)"\]\s*=', bridge))
    assert by_literal("ReaderEvent", "type") == produced


def test_the_progress_is_the_loaders() -> None:
    assert literals("ProgressPhase") == set(re.findall(r'reportProgress\("(\w+)"', LOADER))
    fields = re.search(r"lastProgress = \{([^}]*)\}", LOADER)
    assert fields
    keys = set(re.findall(r"(\w+):", fields[1]))
    assert set(members("DownloadProgress")) == keys == set(members("PhaseProgress"))
    assert union("Progress") == ["DownloadProgress", "PhaseProgress"]
    assert {literal_of("DownloadProgress", "phase")} | literals("ProgressPhase") == literals("ProgressPhase")


def test_the_api_object_is_the_loaders() -> None:
    api = re.search(r"var api = \{\n(.*?)\n  \};", LOADER, re.DOTALL)
    assert api
    published = set(re.findall(r"^\s*(\w+):", api[1], re.MULTILINE))
    published |= set(re.findall(r'Object\.defineProperty\(api, "(\w+)"', LOADER))
    assert set(members("SSEClientAPI")) == published
    assert re.search(r"\bdeclare\s+var\s+SSEClient\s*:\s*SSEClient\.SSEClientAPI\s*;", DTS)


def test_the_reader_is_the_loaders() -> None:
    reader = LOADER.split("class EventStreamReader {", 1)[1].split("\n  }\n", 1)[0]
    constructor = reader.split("constructor(", 1)[1].split("\n    }\n", 1)[0]
    public = set(re.findall(r"this\.([A-Za-z]\w*)\s*=", constructor))
    public |= set(re.findall(r"^    (?:async\s+)?(?:get\s+)?([A-Za-z]\w*)\s*\(", reader, re.MULTILINE)) - {"constructor"}
    assert set(members("EventStreamReader")) == public
    listened = re.search(r"var READER_EVENTS = \[([^\]]*)\]", LOADER)
    assert listened
    assert set(members("ReaderListeners")) == set(re.findall(r'"(\w+)"', listened[1]))


def _known(option_message: str) -> set[str]:
    """The names an "Unknown ... option" message of the loader lists as known."""
    match = re.search(re.escape(option_message) + r'[^;]*; known: ([\w, ]+)\.', LOADER)
    assert match, option_message
    return {name.strip() for name in match[1].split(",")}


def test_the_callback_options_are_the_loaders() -> None:
    assert set(members("ChatOptions")) == _known("Unknown chat option")
    assert set(members("ReadCallbacks")) == _known("Unknown readToCompletion option")
    assert set(members("TokenRequest")) == {"forceRefresh"}  # auth.py: provider({"forceRefresh": ...})


def test_the_module_declares_what_sse_client_mjs_exports() -> None:
    exported = re.search(r"export const \{([^}]*)\} = SSEClient;", build.MODULE_EPILOGUE)
    assert exported and "export default SSEClient;" in build.MODULE_EPILOGUE
    values = {name.strip() for name in exported[1].split(",") if name.strip()}
    assert set(re.findall(r"^export declare const (\w+)", DMTS, re.MULTILINE)) == values
    assert re.search(r"^export default api;", DMTS, re.MULTILINE)
    assert set(members("SSEClientAPI")) >= values
    # Every type of the namespace, importable by name from the module too.
    types = set(re.findall(r"^\s*(?:interface|type)\s+(\w+)", DTS, re.MULTILINE))
    assert set(re.findall(r"^export type (\w+) = SSEClient\.\1;", DMTS, re.MULTILINE)) == types
    assert "/// <reference path=\"./sse-client.d.ts\" />" in (WEB / "sse-client.d.mts").read_text(encoding="utf-8")
