import pytest
from django.core.cache import cache
from django.utils import translation

from portal.celery import app as celery_app

# The local identity providers (started only by the tests that ask for them).
pytest_plugins = ["tests.idp.oidc", "tests.idp.saml"]


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
