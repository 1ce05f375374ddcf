"""`{% static %}` (portal.templatetags.static_memo, a builtin): the URLs Django's tag gives, kept per process and
forgotten when the storage or its settings change."""

import json
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.template import Context, Engine
from django.templatetags.static import static
from django.utils.functional import lazy

from portal.templatetags import static_memo

DJANGO = Engine(libraries={"static": "django.templatetags.static"})  # Django's own library, for comparison


def _render(source, **context):
    # The project's engine: `{% load static %}` there is the kept library.
    from django.template import engines

    return engines["django"].from_string(source).render(context)


def _django(source, **context):
    return DJANGO.from_string("{% load static %}" + source).render(Context(context))


@pytest.fixture
def manifest(settings, tmp_path):
    (tmp_path / "staticfiles.json").write_text(
        json.dumps({"version": "1.1", "hash": "x", "paths": {"css/site.css": "css/site.0123abcd.css"}})
    )
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    return tmp_path


def test_no_template_of_the_project_loads_djangos_static_library():
    # `{% load static %}` would put Django's tag in the place of the builtin one.
    loads = re.compile(r"{%\s*load\s[^%]*\bstatic\b")
    ours = [Path(app.path) for app in apps.get_app_configs() if Path(app.path).is_relative_to(settings.BASE_DIR)]
    folders = [*settings.TEMPLATES[0]["DIRS"], *(path / "templates" for path in ours if ".venv" not in path.parts)]
    found = [
        str(path.relative_to(settings.BASE_DIR))
        for folder in folders
        for path in Path(folder).glob("**/*")
        if path.is_file() and loads.search(path.read_text(errors="replace"))
    ]
    assert len(folders) > 3
    assert found == []


@pytest.mark.parametrize(
    "source",
    [
        '{% static "css/portal.css" %}',
        "{% static path %}",
        '{% static "img/a b&c.svg" %}',
        '{% static "css/portal.css" as url %}[{{ url }}]',
        "{% get_static_prefix %}",
        "{% get_media_prefix %}",
    ],
)
def test_the_same_as_djangos_tag(source):
    assert _render(source, path="js/portal.js") == _django(source, path="js/portal.js")


def test_a_hashed_name_from_the_manifest_is_kept(manifest):
    static_memo._kept.clear()
    assert _render('{% static "css/site.css" %}') == "/static/css/site.0123abcd.css"
    assert static_memo._kept == {"css/site.css": "/static/css/site.0123abcd.css"}
    assert _render('{% static "css/site.css" %}') == static("css/site.css")


def test_a_file_missing_from_the_manifest_fails_every_time_and_is_never_kept(manifest):
    static_memo._kept.clear()
    for _ in range(2):
        with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
            _render('{% static "css/missing.css" %}')
    assert static_memo._kept == {}


def test_the_kept_urls_are_forgotten_when_the_storage_changes(manifest, settings):
    assert _render('{% static "css/site.css" %}') == "/static/css/site.0123abcd.css"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    assert static_memo._kept == {}
    assert _render('{% static "css/site.css" %}') == "/static/css/site.css"


def test_a_lazy_path_is_asked_for_every_time():
    static_memo._kept.clear()
    path = lazy(lambda: "css/portal.css", str)()
    assert _render("{% static path %}", path=path) == _django("{% static path %}", path=path)
    assert static_memo._kept == {}
