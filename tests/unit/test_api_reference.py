"""docs/API_REFERENCE.md against the code, so that it cannot drift.

Every list is derived from the code, not written here: the members of web/sse-client.js's `api`
object and of its reader, the options `ClientConfig` accepts (and a chat accepts), the states and
fields `StatusLifecycle` reports, the error types and fields, the reader's events, the progress
fields, and the public names of the documented Python modules. Each must appear in the
reference; and every name in the first column of a table of its JavaScript part must be declared
in web/sse-client.d.ts, every name in the first column of a table of its Python part must exist
in the module of its section. The documents are read with regular expressions, simply.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
import typing
import urllib.parse
from pathlib import Path
from typing import Any

import pytest

from sse_client import config, lifecycle
from sse_client.errors import StreamError, StreamErrorType
from sse_client.formats.events import Chunk, Complete, ErrorReport, Malformed, Status, chat_event_to_dict
from sse_client.formats.registry import FORMAT_NAMES
from sse_client.testing import mock_script

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = (ROOT / "docs" / "API_REFERENCE.md").read_text(encoding="utf-8")
LOADER = (ROOT / "web" / "sse-client.js").read_text(encoding="utf-8")
DTS = (ROOT / "web" / "sse-client.d.ts").read_text(encoding="utf-8")

JS_PART, _, PYTHON_PART = REFERENCE.partition("\n## Python\n")
assert PYTHON_PART, "docs/API_REFERENCE.md has no '## Python' part"

# The Python modules the reference documents, each under a `### `module`` heading.
PYTHON_MODULES = ("sse_client.parser", "sse_client.errors", "sse_client.config", "sse_client.service",
                  "sse_client.reader", "sse_client.transport", "sse_client.testing.mock_backend",
                  "sse_client.testing.launcher")


def mentioned(name: str, text: str) -> bool:
    """Whether `name` is written in backticks in `text`: alone, as the start of a longer code
    span (`name(...)`, `name.member`), after a dot (`Class.name`) or quoted (`"name"`)."""
    return re.search(r'`(?:[\w.]*\.)?"?' + re.escape(name) + r'(?![\w])', text) is not None


def missing(names: set[str] | list[str], text: str) -> list[str]:
    return sorted(name for name in set(names) if not mentioned(name, text))


# ---------------------------------------------------------------------------------------------
# The JavaScript API


def test_every_member_of_the_api_object_is_documented() -> None:
    api = re.search(r"var api = \{\n(.*?)\n  \};", LOADER, re.DOTALL)
    assert api, "no `var api = {...};` in web/sse-client.js"
    published = set(re.findall(r"^\s*(\w+):", api[1], re.MULTILINE))
    published |= set(re.findall(r'Object\.defineProperty\(api, "(\w+)"', LOADER))
    assert {"ready", "configure", "chatWithModelStream", "authFetch"} <= published
    assert missing(published, JS_PART) == []


def test_every_option_configure_accepts_is_documented() -> None:
    simple = {config._camel_case(name) for name in config._SIMPLE}
    grouped = {f"{group}.{name}" for group, (_, names) in config._GROUPS.items() for name in names}
    section = _section(JS_PART, "configure() options")
    assert missing(simple | set(config._GROUPS) | grouped, section) == []
    # ... and what the reference lists as options are the options, no more.
    assert {cell.strip("`") for cell in _first_cells(section)} == simple | set(config._GROUPS) | grouped


def test_every_format_is_documented() -> None:
    assert missing([f'{name}"' for name in FORMAT_NAMES], JS_PART) == []


def _chat_options() -> set[str]:
    """The options `chatWithModelStream(request, onChunk, onStatus, options)` accepts: the
    loader's list, and Python's per-call options (with `signal`, which stays in JS)."""
    names = {"signal"} | set(getattr(config, "CALL_OPTIONS", ()))
    known = re.search(r'Unknown chat option[^;]*; known: ([\w, ]+)\.', LOADER)
    if known:
        names |= {name.strip() for name in known[1].split(",")}
    array = re.search(r"var CHAT_OPTIONS = \[([^\]]*)\]", LOADER)
    if array:
        names |= set(re.findall(r'"(\w+)"', array[1]))
    return names


def test_every_chat_option_is_documented() -> None:
    section = _section(JS_PART, "A chat's own options")
    assert missing(_chat_options(), section) == []


def _argument(parameter: inspect.Parameter, error: StreamError) -> Any:
    """A value for a parameter of a StatusLifecycle method, by its annotation (or name)."""
    annotation = str(parameter.annotation)
    if "StreamError" in annotation or parameter.name in ("cause", "error"):
        return error
    if "float" in annotation:
        return 1.5
    if "int" in annotation:
        return 2
    return "Something happened."


def reported_statuses() -> list[dict[str, Any]]:
    """A status of every kind StatusLifecycle reports: each public method, called with made-up
    arguments, on a fresh lifecycle that has reached the state the method starts from."""
    error = StreamError("Cut.", type=StreamErrorType.NETWORK)
    reports: list[dict[str, Any]] = []
    for name, method in inspect.getmembers(lifecycle.StatusLifecycle, inspect.isfunction):
        if name.startswith("_"):
            continue
        parameters = list(inspect.signature(method).parameters.values())[1:]
        arguments = {p.name: _argument(p, error) for p in parameters}
        for before in (None, "connecting", "streaming"):
            chat = lifecycle.StatusLifecycle(reports.append)
            chat.state = before
            try:
                method(chat, **arguments)
            except lifecycle.InvalidTransition:
                continue
            break
    return reports


def test_every_status_state_and_field_is_documented() -> None:
    states = {state for state in lifecycle._TRANSITIONS if state is not None}
    section = _section(JS_PART, "Statuses")
    assert missing([f'{state}"' for state in states], section) == []
    statuses = reported_statuses()
    assert {status["state"] for status in statuses} == states
    fields = {field for status in statuses for field in status}
    assert missing(fields, section) == []
    assert missing(lifecycle.TERMINAL, section) == []


def test_every_error_type_and_field_is_documented() -> None:
    section = _section(JS_PART, "SSEClientError")
    assert missing({kind.name for kind in StreamErrorType}, section) == []
    error_class = LOADER.split("class SSEClientError extends Error", 1)[1].split("\n  }\n", 1)[0]
    assert missing(set(re.findall(r"this\.(\w+) =", error_class)), section) == []
    assert missing(set(StreamError("m", type=StreamErrorType.SERVER).to_dict()), section) == []


def test_the_reader_its_events_and_listeners_are_documented() -> None:
    section = _section(JS_PART, "authFetch() and the reader")
    reader = LOADER.split("class EventStreamReader {", 1)[1].split("\n  }\n", 1)[0]
    constructor = reader.split("constructor(", 1)[1].split("\n    }\n", 1)[0]
    public = set(re.findall(r"this\.([A-Za-z]\w*)\s*=", constructor))
    public |= set(re.findall(r"^    (?:async\s+)?(?:get\s+)?([A-Za-z]\w*)\s*\(", reader, re.MULTILINE)) - {"constructor"}
    assert {"readEvents", "cancel"} <= public
    assert missing(public, section) == []
    listened = re.search(r"var READER_EVENTS = \[([^\]]*)\]", LOADER)
    assert listened
    assert missing([f'{name}"' for name in re.findall(r'"(\w+)"', listened[1])], section) == []
    events = [Chunk("text", 1, "7"), Status("Thinking", 0.5), Complete("text"), ErrorReport("429", "Slow down."),
              Malformed("not JSON", "{")]
    for event in events:
        plain = chat_event_to_dict(event)
        assert missing([f'{plain["type"]}"'], section) == []
        assert missing(set(plain), section) == [], plain["type"]
    bridge = (ROOT / "sse_client" / "bridge.py").read_text(encoding="utf-8")
    assert missing(set(re.findall(r'plain\["(\w+)"\]\s*=', bridge)), section) == []
    assert missing(_known_list("Unknown readToCompletion option"), section) == []


def _known_list(message: str) -> set[str]:
    match = re.search(re.escape(message) + r'[^;]*; known: ([\w, ]+)\.', LOADER)
    assert match, message
    return {name.strip() for name in match[1].split(",")}


def test_the_progress_is_documented() -> None:
    section = _section(JS_PART, "Progress")
    assert missing([f'{phase}"' for phase in re.findall(r'reportProgress\("(\w+)"', LOADER)], section) == []
    fields = re.search(r"lastProgress = \{([^}]*)\}", LOADER)
    assert fields
    assert missing(set(re.findall(r"(\w+):", fields[1])), section) == []


def test_every_type_of_the_declarations_is_named() -> None:
    types = set(re.findall(r"^\s*(?:interface|type)\s+(\w+)", DTS, re.MULTILINE))
    assert missing(types, JS_PART) == []


def test_every_javascript_name_of_the_reference_is_declared() -> None:
    declared_words = set(re.findall(r"[A-Za-z_$][\w$]*", DTS))
    declared_strings = set(re.findall(r'"[^"\n]*"', DTS))
    checked = 0
    for cell in _first_cells(JS_PART):
        for code in re.findall(r"`([^`]+)`", cell):
            checked += 1
            if code.startswith('"'):
                assert code in declared_strings, f"{code} is not declared in web/sse-client.d.ts"
                continue
            name = code.split("(", 1)[0]
            for part in name.split("."):
                assert part in declared_words, f"`{code}`: {part} is not declared in web/sse-client.d.ts"
    assert checked > 50


# ---------------------------------------------------------------------------------------------
# The Python API


def public_names(module_name: str) -> set[str]:
    """The module's own public names (top-level classes, functions and assignments, read from
    its source) and, for each of its classes, their public methods, properties, fields and
    attributes set in `__init__`, as `Class.member`."""
    module = importlib.import_module(module_name)
    source = inspect.getsource(module)
    names: set[str] = set()
    for node in ast.parse(source).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {target.id for target in targets if isinstance(target, ast.Name)}
        elif isinstance(node, ast.ClassDef):
            names.add(node.name)
            names |= {f"{node.name}.{member}" for member in _class_members(node)}
    return {name for name in names if not any(part.startswith("_") for part in name.split("."))}


def _class_members(node: ast.ClassDef) -> set[str]:
    members: set[str] = set()
    for item in node.body:
        if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
            members.add(item.name)
            if item.name == "__init__":
                members |= {target.attr for target in ast.walk(item)
                            if isinstance(target, ast.Attribute) and isinstance(target.ctx, ast.Store)
                            and isinstance(target.value, ast.Name) and target.value.id == "self"}
        elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
            members.add(item.target.id)
        elif isinstance(item, ast.Assign):
            members |= {target.id for target in item.targets if isinstance(target, ast.Name)}
    return members


def python_section(module_name: str) -> str:
    match = re.search(rf"^### `{re.escape(module_name)}`\n(.*?)(?=^### |\Z)", PYTHON_PART, re.DOTALL | re.MULTILINE)
    assert match, f"docs/API_REFERENCE.md has no section `### `{module_name}``"
    return match[1]


def test_the_package_exports_are_documented() -> None:
    import sse_client

    assert missing(sse_client.__all__, python_section("sse_client")) == []
    for name in sse_client.__all__:  # and each with its module's section
        module = sse_client._EXPORTS[name]
        section = python_section(module if module in PYTHON_MODULES else "sse_client.formats")
        assert mentioned(name, section), f"{name} is not documented under {module}"


def test_the_formats_exports_are_documented() -> None:
    import sse_client.formats

    assert missing(sse_client.formats.__all__, python_section("sse_client.formats")) == []


@pytest.mark.parametrize("module_name", PYTHON_MODULES)
def test_every_public_name_of_the_documented_modules_is_documented(module_name: str) -> None:
    section = python_section(module_name)
    undocumented = []
    for name in public_names(module_name):
        owner, _, member = name.rpartition(".")
        # A member is documented as `Class.member`, or in its class's row as `member`.
        if not (mentioned(name, section) or (member and mentioned(member, section) and mentioned(owner, section))
                or (not owner and mentioned(name, section))):
            undocumented.append(name)
    assert sorted(undocumented) == []


def test_every_python_name_of_the_reference_exists() -> None:
    checked = 0
    for module_name in ("sse_client", "sse_client.formats", *PYTHON_MODULES):
        module = importlib.import_module(module_name)
        for cell in _first_cells(python_section(module_name), header="name"):
            for code in re.findall(r"`([^`]+)`", cell):
                path = code.split("(", 1)[0]
                if not re.fullmatch(r"[A-Za-z_]\w*(\.\w+)*", path):
                    continue  # a route, a command-line option
                value: Any = module
                for part in path.split("."):
                    value = _attribute(value, part)
                    assert value is not _MISSING, f"`{code}` under `{module_name}`: no {part}"
                checked += 1
    assert checked > 40


_MISSING = object()


def _attribute(value: Any, name: str) -> Any:
    """`value.name`, also for dataclass fields with a default factory and for attributes an
    `__init__` sets (read from its source)."""
    if hasattr(value, name):
        return getattr(value, name)
    if inspect.isclass(value):
        if name in getattr(value, "__dataclass_fields__", {}) or name in typing.get_type_hints(value):
            return name
        init = value.__dict__.get("__init__")
        if init and re.search(rf"self\.{re.escape(name)}\b\s*(?::[^=]*)?=", inspect.getsource(init)):
            return name
    return _MISSING


def test_the_mock_backend_query_parameters_and_command_line_are_documented() -> None:
    section = python_section("sse_client.testing.mock_backend")
    assert missing(mock_script._QUERY_NAMES, section) == []
    backend = (ROOT / "sse_client" / "testing" / "mock_backend.py").read_text(encoding="utf-8")
    assert missing(set(re.findall(r'add_argument\("(--[\w-]+)"', backend)), section) == []
    assert missing(set(re.findall(r'Route\("(/[^"]+)"', backend)), section) == []
    # The guide's mock URLs are valid requests of the mock backend.
    guide = (ROOT / "docs" / "STREAMING_GUIDE.md").read_text(encoding="utf-8")
    queries = re.findall(r"/api/chat\?([^\s`'\"]+)", guide)
    assert len(queries) >= 10
    for query in queries:
        params = dict(urllib.parse.parse_qsl(query.replace("${format}", "openai"), strict_parsing=True))
        mock_script.MockOptions.from_query(params)


# ---------------------------------------------------------------------------------------------
# Reading the Markdown


def _section(text: str, title: str) -> str:
    """The text under the `###` heading that starts with `title` (backticks aside)."""
    for match in re.finditer(r"^### (.*)\n", text, re.MULTILINE):
        if match[1].replace("`", "").startswith(title):
            end = re.search(r"^##", text[match.end():], re.MULTILINE)
            return text[match.end(): match.end() + end.start() if end else len(text)]
    raise AssertionError(f"docs/API_REFERENCE.md has no section {title!r}")


def _first_cells(text: str, header: str | None = None) -> list[str]:
    """The first cell of every row of every table in `text` (of the tables whose first column
    is headed `header`, if given), header rows and separators aside."""
    cells = []
    lines = text.splitlines()
    heading = None
    for number, line in enumerate(lines):
        if not line.startswith("|") or re.fullmatch(r"\|[-| :]+\|?", line):
            continue
        first = line.split("|")[1].strip()
        if number + 1 < len(lines) and re.fullmatch(r"\|[-| :]+\|?", lines[number + 1]):
            heading = first  # a header row
            continue
        if header is None or heading == header:
            cells.append(first)
    return cells
