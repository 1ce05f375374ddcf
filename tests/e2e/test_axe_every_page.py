"""axe-core on every page of the role-access table that answers 200, as each role that may see it."""

import pytest
from django.urls import reverse

from tests.access import ROLES, build_world
from tests.e2e.sessions import sign_in
from tests.test_role_access import _cases

# Pages that are not HTML pages of ours (feeds, files, JSON, CSV, PDF).
NOT_HTML = (
    "healthz",
    "readyz",
    "download",
    "csv",
    "export",
    "ics",
    "calendar",
    "feed",
    "status",
    "letter",
    "json",
    "captions",
    "opendata:api_",  # the read API's JSON (its contract test checks it against the OpenAPI document)
    "opendata:ocds_",  # OCDS packages (validated against the standard's schemas in tests/opendata)
)


def _login(ui, user):
    sign_in(ui.page.context, ui.base_url, user)


@pytest.mark.parametrize("role", [r for r in ROLES if r != "unverified_buyer"])
def test_every_page_a_role_may_see_passes_axe(ui, role):
    world = build_world()
    user = world[role]
    if user is not None:
        _login(ui, user)
    checked, failures = 0, []
    for case in _cases(world):
        if case.method != "get" or case.expected_for(role) != 200:
            continue
        if any(word in f"{case.name} {case.query}".lower() for word in NOT_HTML):
            continue
        path = reverse(case.name, kwargs=case.kwargs) + (f"?{case.query}" if case.query else "")
        response = ui.page.goto(ui.url(path))
        if response is None or "text/html" not in (response.headers.get("content-type") or ""):
            continue
        try:
            ui.audit()
            checked += 1
        except AssertionError as error:
            failures.append(str(error))
    assert checked > 5, f"only {checked} pages were checked as {role}"
    assert not failures, "\n\n".join(failures)
