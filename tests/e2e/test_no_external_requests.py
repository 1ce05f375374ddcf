"""Nothing loads from other hosts: every request the browser makes, on every page, goes to the portal itself.

The pages are those of the role-access table, as each role. They are the pages test_axe_every_page.py runs
axe-core on, so this test does not run axe again (it would double the time of the slowest browser test);
it uses its own browser context instead of the `ui` fixture for that reason.
"""

from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from tests.access import build_world
from tests.e2e.sessions import sign_in
from tests.test_role_access import _cases

# Pages that are not HTML pages of ours (feeds, files, JSON, CSV, PDF): the browser would download them.
NOT_HTML = ("healthz", "readyz", "download", "csv", "export", "ics", "calendar", "feed", "status", "letter", "json")


def _login(context, base_url, user):
    sign_in(context, base_url, user)


def _pages_for(world, role) -> list[str]:
    paths = []
    for case in _cases(world):
        if case.method != "get" or case.expected_for(role) not in (200, 403, 404):
            continue
        if any(word in f"{case.name} {case.query}".lower() for word in NOT_HTML):
            continue
        paths.append(reverse(case.name, kwargs=case.kwargs) + (f"?{case.query}" if case.query else ""))
    return paths


@pytest.mark.parametrize("role", ["anonymous", "buyer", "company", "handler", "admin"])
def test_no_page_loads_anything_from_another_host(browser, live_server, transactional_db, settings, role):
    settings.ALLOWED_HOSTS = ["localhost", "127.0.0.1", "testserver"]
    world = build_world()
    context = browser.new_context(locale="sv-SE", timezone_id="Europe/Stockholm")
    context.set_default_timeout(15000)
    if world[role] is not None:
        _login(context, live_server.url, world[role])
    own = urlsplit(live_server.url)
    requested: list[str] = []
    context.on("request", lambda request: requested.append(request.url))
    page = context.new_page()

    visited = 0
    try:
        for path in [*_pages_for(world, role), "/no-such-page/"]:
            response = page.goto(live_server.url + path)
            if response is None or "text/html" not in (response.headers.get("content-type") or ""):
                continue
            page.wait_for_load_state("load")
            visited += 1
    finally:
        context.close()

    elsewhere = sorted(
        {
            url
            for url in requested
            if urlsplit(url).scheme not in ("data", "blob", "about")
            and (urlsplit(url).scheme, urlsplit(url).netloc) != (own.scheme, own.netloc)
        }
    )
    assert visited > 5, f"only {visited} pages were visited as {role}"
    # The listener sees the page's own stylesheet, so an empty list below means something.
    assert any(urlsplit(url).path.startswith("/static/") and url.endswith(".css") for url in requested), requested[:20]
    assert not elsewhere, f"As {role}, the browser requested other hosts: {elsewhere}"
