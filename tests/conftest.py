import pytest
from django.core.cache import cache
from django.utils import translation

from portal.celery import app as celery_app

# The local identity providers (started only by the tests that ask for them).
pytest_plugins = ["tests.idp.oidc", "tests.idp.saml"]

# What each pytest-xdist worker's browser tests found in the raw HTML (tests/e2e/conftest.py), reported at the end.
_raw_html_outcomes: list[dict] = []


def pytest_testnodedown(node, error):
    """An xdist worker finished: keep its HTML validation outcome for the controller's report."""
    outcome = getattr(node, "workeroutput", {}).get("raw_html")
    if outcome:
        _raw_html_outcomes.append(outcome)


def pytest_sessionfinish(session, exitstatus):
    if _raw_html_outcomes:
        from tests.e2e.conftest import report_raw_html

        report_raw_html(session, _raw_html_outcomes)


@pytest.fixture(autouse=True)
def _isolated(request, settings, tmp_path):
    """Each test: empty cache (rate limits), private files in a temp dir, Celery in-process unless marked `worker`,
    and the default language active (a request's LocaleMiddleware leaves its language active in the thread)."""
    cache.clear()
    translation.activate(settings.LANGUAGE_CODE)
    settings.PRIVATE_FILES_ROOT = tmp_path / "private"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private")},
        },
    }
    eager = request.node.get_closest_marker("worker") is None
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = eager
    yield
    celery_app.conf.task_always_eager = previous
    translation.deactivate()


@pytest.fixture
def uncached_pages(settings):
    """Public pages rendered on every request: for tests that count the queries a page itself makes."""
    settings.PUBLIC_PAGE_CACHE = False
