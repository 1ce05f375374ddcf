"""Browser test harness: Playwright driving Debian's Chromium against a live server.

Use the `ui` fixture. Every page load is recorded, and axe-core runs on every
page the test visits (after each navigation done through `ui`); a test fails
on any axe violation, and also if a page was loaded that axe never checked.
It also fails on any console message about the Content Security Policy (an
inline script or style, or something from another host, that the browser refused).

Every HTML document a browser context of these tests receives (any tab, any test, GET or POST, error pages
too) is kept as the server sent it, up to a few per URL pattern; at the end of the run the Nu HTML Checker
validates them all in one Java process and the run fails on any error, naming the URL, line and message
(`tests/html_validator.py`).
"""

import hashlib
import os
import re
import shutil
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Error as PlaywrightError

from tests import html_validator
from tests.e2e.labels import label as labelled

# Playwright's sync API runs an event loop in this thread; the ORM calls the
# tests make between browser steps are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


class RawHtmlRecorder:
    """Keeps the raw HTML of the main-frame documents the browser receives, up to `PER_PATTERN` per method,
    URL pattern (numbers and tokens in the path replaced) and status."""

    PER_PATTERN = 3
    VARIABLE_SEGMENT = re.compile(r"/(?:\d+|[0-9a-fA-F-]{16,}|[A-Za-z0-9_:-]{24,})(?=/|$)")

    def __init__(self):
        self.directory = Path(tempfile.mkdtemp(prefix="e2e-raw-html-"))
        self.urls: dict[str, str] = {}  # file name → method and URL
        self.counts: dict[tuple, int] = {}

    def attach(self, context):
        context.on("response", self._response)
        return context

    def _response(self, response):
        try:
            request = response.request
            if request.resource_type != "document" or request.frame.parent_frame is not None:
                return
            if not response.headers.get("content-type", "").startswith("text/html") or 300 <= response.status < 400:
                return
            key = (request.method, self.VARIABLE_SEGMENT.sub("/<id>", urlsplit(response.url).path), response.status)
            if self.counts.get(key, 0) >= self.PER_PATTERN:
                return
            body = response.body()
        except PlaywrightError:  # the page or context closed before the body arrived (the end of a test)
            return
        self.counts[key] = self.counts.get(key, 0) + 1
        name = f"{len(self.urls):05d}-{hashlib.sha1(response.url.encode()).hexdigest()[:8]}.html"
        (self.directory / name).write_bytes(body)
        self.urls[name] = f"{request.method} {response.url} ({response.status})"

    def errors(self) -> str:
        files = sorted(self.directory.glob("*.html"))
        return html_validator.describe(html_validator.validate_files(files), self.urls)


RAW_HTML = RawHtmlRecorder()


def pytest_sessionfinish(session, exitstatus):
    """Validate the raw HTML of every page the browser tests received; fail the run on any error.

    In a pytest-xdist worker the outcome goes to the controller (tests/conftest.py reports it and fails the run):
    a worker's own exit status and terminal do not reach the run's."""
    if not RAW_HTML.urls:
        return
    outcome = _raw_html_outcome()
    if hasattr(session.config, "workeroutput"):
        session.config.workeroutput["raw_html"] = outcome
        return
    report_raw_html(session, [outcome])


def _raw_html_outcome() -> dict:
    """{"failed": bool, "warn": bool, "message": str} for the pages this process recorded."""
    missing = html_validator.validator_missing()
    if missing:
        required = html_validator.validator_required()
        message = f"Raw HTML of {len(RAW_HTML.urls)} pages not validated: {missing}."
        return {"failed": required, "warn": not required, "message": message}
    try:
        errors = RAW_HTML.errors()
    except (OSError, RuntimeError, ValueError) as error:
        errors = f"- the checker failed: {error}"
    if errors:
        message = (
            "The Nu HTML Checker found errors in the raw HTML the browser tests received "
            f"(files kept in {RAW_HTML.directory}):\n{errors}"
        )
        return {"failed": True, "warn": False, "message": message}
    shutil.rmtree(RAW_HTML.directory, ignore_errors=True)
    message = f"Raw HTML of {len(RAW_HTML.urls)} pages validated by the Nu HTML Checker: no errors."
    return {"failed": False, "warn": False, "message": message}


def report_raw_html(session, outcomes: list[dict]) -> None:
    """Print each process's outcome; any failure fails the run."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    for outcome in outcomes:
        if outcome["failed"]:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
        if reporter:
            colour = {"red": True} if outcome["failed"] else {"yellow": True} if outcome["warn"] else {}
            reporter.write_line(f"\n{outcome['message']}", **colour)


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        # Every context a test opens (through `ui` or its own) hands its HTML documents to the validator.
        new_context = browser.new_context
        browser.new_context = lambda *args, **kwargs: RAW_HTML.attach(new_context(*args, **kwargs))
        yield browser
        browser.close()


class UI:
    """A page plus accessibility checks on every page it reaches."""

    def __init__(self, page, base_url):
        from axe_playwright_python.sync_playwright import Axe

        self.page = page
        self.base_url = base_url
        self.axe = Axe()
        self.loaded: list[str] = []
        self.audited: set[str] = set()
        self.csp_violations: list[str] = []
        page.on("load", lambda p: self.loaded.append(p.url))
        page.on("console", self._console)

    def _console(self, message):
        if "content security policy" in message.text.lower():
            self.csp_violations.append(f"{self.page.url}: {message.text}")

    def assert_no_csp_violations(self):
        assert not self.csp_violations, "The browser refused something under the Content Security Policy:\n" + (
            "\n".join(self.csp_violations)
        )

    def url(self, path: str) -> str:
        return path if path.startswith("http") else self.base_url + path

    def audit(self):
        """Run axe-core on the current page; fail on any violation."""
        self.page.wait_for_load_state("load")
        results = self.axe.run(self.page)
        self.audited.add(self.page.url)
        # After axe's round trip to the page, every console message of the load has arrived.
        self.assert_no_csp_violations()
        violations = results.response["violations"]
        if violations:
            details = "\n".join(
                f"- {v['id']} ({v['impact']}): {v['help']} → " + ", ".join(str(n["target"]) for n in v["nodes"][:3])
                for v in violations
            )
            raise AssertionError(f"axe found {len(violations)} violation(s) on {self.page.url}:\n{details}")

    def goto(self, path: str):
        self.page.goto(self.url(path))
        self.audit()
        return self.page

    def submit(self, locator):
        """Click something that navigates (a submit button or link), wait, then audit the new page."""
        with self.page.expect_navigation():
            locator.click()
        self.audit()
        return self.page

    def field(self, label: str):
        """The field whose label is exactly `label` (an optional trailing colon or required marker allowed)."""
        return self.page.get_by_label(labelled(label))

    def fill(self, label: str, value: str):
        self.field(label).fill(value)

    def assert_all_audited(self):
        unchecked = [
            u for u in self.loaded if u not in self.audited and not re.search(r"/files/|\.pdf|\.ics|\.csv|\.vtt", u)
        ]
        assert not unchecked, f"Pages loaded but never checked with axe: {unchecked}"


@pytest.fixture
def ui(browser, live_server, transactional_db, settings):
    settings.ALLOWED_HOSTS = ["localhost", "127.0.0.1", "testserver"]
    context = browser.new_context(locale="sv-SE", timezone_id="Europe/Stockholm", accept_downloads=True)
    context.set_default_timeout(15000)
    page = context.new_page()
    helper = UI(page, live_server.url)
    yield helper
    try:
        helper.assert_all_audited()
        helper.assert_no_csp_violations()
    finally:
        context.close()
