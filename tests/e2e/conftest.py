"""Browser test harness: Playwright driving Debian's Chromium against a live server.

Use the `ui` fixture. Every page load is recorded, and axe-core runs on every
page the test visits (after each navigation done through `ui`); a test fails
on any axe violation, and also if a page was loaded that axe never checked.
It also fails on any console message about the Content Security Policy (an
inline script or style, or something from another host, that the browser refused).
"""

import os
import re

import pytest

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


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
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
        unchecked = [u for u in self.loaded if u not in self.audited and not re.search(r"/files/|\.pdf|\.ics|\.csv", u)]
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
