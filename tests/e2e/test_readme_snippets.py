"""The HTML and JavaScript snippets of README.md and docs/STREAMING_GUIDE.md run as written.

Each block marked `<!-- snippet: NAME -->` is served as a page from the mock backend's origin
(its `/demo/`, beside the bundle at `/dist/`, the path the snippets load it from) and opened in
Chromium: an HTML block as the page's body (or the whole page, from `<!doctype`), a JavaScript
block as a module script after `<script src="/dist/sse-client.js">`. Every `console.log` of a
snippet must print what its `// prints:` comments say, in order; a snippet that prints nothing
is checked here by what it shows (`PAGE_CHECKS`); and no page may report an uncaught error.
Every JavaScript or HTML block of the two documents must be marked, so none goes untested.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page

from sse_client.testing.launcher import mock_backend_process
from sse_client.testing.mock_script import DEFAULT_REPLY

from .conftest import BOOT, ROOT

# The snippets load the bundle in the page's own thread; the other boots add nothing here.
pytestmark = pytest.mark.skipif(BOOT != "page", reason="the documents' snippets boot in the page")

DOCUMENTS = ("README.md", "docs/STREAMING_GUIDE.md")
MARKER = re.compile(r"^<!-- snippet: ([\w-]+) -->$")
FINISHED = "snippet finished"
TIMEOUT_MS = 60_000


@dataclass(frozen=True)
class Snippet:
    document: str
    name: str
    code: str

    @property
    def id(self) -> str:
        return f"{Path(self.document).stem}-{self.name}"

    @property
    def is_html(self) -> bool:
        return self.code.lstrip().startswith("<")

    @property
    def prints(self) -> list[str]:
        return re.findall(r"^\s*// prints: (.*)$", self.code, re.MULTILINE)


def code_blocks(text: str) -> Iterator[tuple[str | None, str]]:
    """Each code block of a Markdown text (indented or fenced), with the name of the snippet
    marker right before it (blank lines aside), or None."""
    lines = text.splitlines()
    marker: str | None = None
    at = 0
    while at < len(lines):
        line = lines[at]
        if match := MARKER.match(line):
            marker = match[1]
            at += 1
            continue
        if line.startswith("```"):
            end = next(i for i in range(at + 1, len(lines)) if lines[i].startswith("```"))
            yield marker, "\n".join(lines[at + 1:end])
            marker, at = None, end + 1
            continue
        if line.startswith("    ") and (at == 0 or not lines[at - 1].strip()):
            end = at
            while end < len(lines) and (lines[end].startswith("    ") or not lines[end].strip()):
                end += 1
            yield marker, "\n".join(row[4:] for row in lines[at:end]).strip("\n")
            marker, at = None, end
            continue
        if line.strip():
            marker = None
        at += 1


def looks_like_page_code(code: str) -> bool:
    return bool(re.search(r"<script|SSEClient|\bawait\b|import \{", code))


def snippets() -> list[Snippet]:
    found = []
    for document in DOCUMENTS:
        for name, code in code_blocks((ROOT / document).read_text(encoding="utf-8")):
            if name is not None:
                found.append(Snippet(document, name, code))
    return found


SNIPPETS = snippets()


def test_every_javascript_and_html_block_is_a_marked_snippet() -> None:
    unmarked = [(document, code.splitlines()[0]) for document in DOCUMENTS
                for name, code in code_blocks((ROOT / document).read_text(encoding="utf-8"))
                if name is None and looks_like_page_code(code)]
    assert unmarked == []
    ids = [snippet.id for snippet in SNIPPETS]
    assert len(ids) == len(set(ids)), "two snippets of one document share a name"
    assert {"README-script-tag", "README-module", "STREAMING_GUIDE-chat-ui"} <= set(ids)
    # Every snippet is checked: by what it prints, or by a check below.
    assert [s.id for s in SNIPPETS if not s.prints and s.id not in PAGE_CHECKS] == []
    assert set(PAGE_CHECKS) <= set(ids)


def page_html(snippet: Snippet) -> str:
    if snippet.is_html and snippet.code.lstrip().lower().startswith("<!doctype"):
        return snippet.code
    head = '<meta charset="utf-8"><title>snippet</title>'
    if snippet.is_html:
        body = snippet.code
    else:  # a JavaScript block: on a page that loaded the bundle, as the documents say
        head += '\n<script src="/dist/sse-client.js"></script>'
        body = f'<script type="module">\n{snippet.code}\nconsole.log("{FINISHED}");\n</script>'
    return f"<!doctype html>\n<html><head>{head}</head>\n<body>\n{body}\n</body></html>\n"


@pytest.fixture(scope="module")
def site(bundle: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The mock backend, as its README command starts it, over a web root whose `dist/` is the
    bundle and whose `demo/` holds a page per snippet."""
    root = tmp_path_factory.mktemp("snippets")
    (root / "dist").symlink_to(bundle.resolve())
    (root / "demo").mkdir()
    for snippet in SNIPPETS:
        (root / "demo" / f"{snippet.id}.html").write_text(page_html(snippet), encoding="utf-8")
    with mock_backend_process(root) as base:
        yield base


class Opened:
    """A snippet's page, with what it logged and the errors it reported."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.logs: list[str] = []
        self.errors: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(f"{error.name}: {error.message}"))

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "log":
            self.logs.append(message.text)
        elif message.type == "error" and not message.text.startswith("Failed to load resource"):
            # (the browser's own note of each failed request: the faults make them on purpose)
            self.errors.append(message.text)

    def wait(self, condition: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + TIMEOUT_MS / 1000
        while not condition():
            assert not self.errors, f"the page reported errors while waiting for {what}: {self.errors}"
            assert time.monotonic() < deadline, f"{what} did not happen; logged {self.logs}"
            self.page.wait_for_timeout(50)


@pytest.fixture
def open_snippet(browser: Browser, site: str) -> Iterator[Callable[[Snippet, str], Opened]]:
    contexts = []

    def open_(snippet: Snippet, query: str = "") -> Opened:
        context = browser.new_context()
        contexts.append(context)
        opened = Opened(context.new_page())
        opened.page.goto(f"{site}/demo/{snippet.id}.html{query}")
        return opened

    yield open_
    for context in contexts:
        context.close()


def text_of(page: Page, selector: str) -> str:
    return str(page.text_content(selector) or "")


def check_script_tag(opened: Opened) -> None:
    page = opened.page
    opened.wait(lambda: text_of(page, "#line").startswith(("completed", "failed")), "the chat's end")
    assert text_of(page, "#line") == "completed Done."
    assert text_of(page, "#out") == DEFAULT_REPLY


def check_module(opened: Opened) -> None:
    assert text_of(opened.page, "#out") == DEFAULT_REPLY


def check_guide_module(opened: Opened) -> None:
    assert text_of(opened.page, "#reply") == DEFAULT_REPLY


def chat_ui_send(opened: Opened) -> None:
    page = opened.page
    opened.wait(lambda: text_of(page, "#status") == "Ready.", "the page's ready")
    page.fill("#prompt", "Hi <b>there</b>")
    page.click("#send")


def chat_ui_state(page: Page) -> str | None:
    return page.get_attribute("#status", "data-state")


def check_chat_ui(opened: Opened) -> None:
    page = opened.page
    chat_ui_send(opened)
    opened.wait(lambda: chat_ui_state(page) in ("completed", "failed", "cancelled"), "the chat's end")
    assert (chat_ui_state(page), text_of(page, "#status")) == ("completed", "Done.")
    assert text_of(page, "#reply") == DEFAULT_REPLY
    assert page.is_enabled("#send") and not page.is_enabled("#cancel")


# Snippets checked by what they show (beside what they print).
PAGE_CHECKS: dict[str, Callable[[Opened], None]] = {
    "README-script-tag": check_script_tag,
    "README-module": check_module,
    "STREAMING_GUIDE-module": check_guide_module,
    "STREAMING_GUIDE-chat-ui": check_chat_ui,
}


@pytest.mark.parametrize("snippet", SNIPPETS, ids=lambda snippet: snippet.id)
def test_the_snippet_runs_as_written(snippet: Snippet, open_snippet: Callable[..., Opened]) -> None:
    opened = open_snippet(snippet)
    expected = snippet.prints
    if snippet.is_html:
        opened.wait(lambda: len(opened.logs) >= len(expected), f"{len(expected)} lines logged")
    else:
        opened.wait(lambda: FINISHED in opened.logs, "the end of the snippet")
        opened.logs.remove(FINISHED)
    check = PAGE_CHECKS.get(snippet.id)
    if check is not None:
        check(opened)
    assert opened.logs == expected
    assert opened.errors == []


def test_the_chat_ui_resumes_a_cut_stream(open_snippet: Callable[..., Opened]) -> None:
    (snippet,) = [s for s in SNIPPETS if s.id == "STREAMING_GUIDE-chat-ui"]
    opened = open_snippet(snippet, "?endpoint=" + quote("/api/chat?format=openai&cut_after_bytes=400", safe=""))
    seen: list[str] = []
    opened.page.expose_function("seen", lambda state: seen.append(state))
    opened.page.evaluate("new MutationObserver(() => seen(document.getElementById('status').dataset.state))"
                         ".observe(document.getElementById('status'), { attributes: true })")
    check_chat_ui(opened)
    assert "reconnecting" in seen
    assert opened.errors == []


def test_the_chat_ui_cancels(open_snippet: Callable[..., Opened]) -> None:
    (snippet,) = [s for s in SNIPPETS if s.id == "STREAMING_GUIDE-chat-ui"]
    opened = open_snippet(snippet, "?endpoint=" + quote("/api/chat?delay_ms=200", safe=""))
    page = opened.page
    chat_ui_send(opened)
    opened.wait(lambda: text_of(page, "#reply") != "", "the first piece")
    page.click("#cancel")
    opened.wait(lambda: chat_ui_state(page) == "cancelled", "the cancelled status")
    assert text_of(page, "#status") == "Cancelled."
    assert page.get_attribute("#status", "data-error") == "CANCELLED"
    shown = text_of(page, "#reply")
    assert DEFAULT_REPLY.startswith(shown) and shown != DEFAULT_REPLY
    page.wait_for_timeout(500)
    assert text_of(page, "#reply") == shown  # nothing after the cancel
    assert opened.errors == []
