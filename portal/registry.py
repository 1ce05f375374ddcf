"""How the domain apps plug into the core, which imports none of them.

`portal/` is the base layer: `projects`, `checks` and `webinars` import from it, never the other way round
(tests/portal/test_layers.py reads every module of portal/ and fails on an import of a domain app). What the
core needs from an app, the app registers in its `AppConfig.ready()`, by dotted path, so that registering
imports nothing and the core finds only what is installed:

- `add_urls(prefix, module)`: a URL module included under `prefix` (portal/urls.py), in the order of
  `INSTALLED_APPS`;
- `add_time_boundary(path)`: a function `(now) -> datetime | None`, the next moment one of the app's public pages
  changes by the clock alone (portal/cache.py keeps no stored page past it);
- `add_page_family(family, *labels)`: the rows of these models (`"app_label.model_name"`, or a whole
  `"app_label"`; a model's own entry wins over its app's) belong to `family`: a write to them makes only the pages
  and fragments that show that family stale (portal/cache.py). A model with no family makes every page stale;
- `add_unshown_fields(label, *fields)`: fields of a model that no cached page shows (a write of only these
  fields makes nothing stale, e.g. a user's last sign-in time);
- `add_demo_seeder(path)`: a function `seed(world)` that `manage.py seed_demo` runs after the core's demo world;
- `add_privacy_facts(path)`: a function `() -> dict` whose values the privacy page shows (retention periods).
- `add_accessibility_facts(path)`: a function `() -> dict` whose values the accessibility statement shows
  (content that does not yet meet the requirements, e.g. `uncaptioned_recordings`: a list of
  `portal.accessibility.ContentGap`).

Modules named by convention are found the same way, without the core naming an app: `<app>/dashboard.py`
(`panels(request)`, portal/dashboard.py) and `<app>/schedule.py` (`BEAT_SCHEDULE`, portal/celery.py).
"""

from collections.abc import Callable

from django.utils.module_loading import import_string

_urls: list[tuple[str, str]] = []
_time_boundaries: list[str] = []
_demo_seeders: list[str] = []
_privacy_facts: list[str] = []
_accessibility_facts: list[str] = []
_page_families: dict[str, str] = {}
_unshown_fields: dict[str, frozenset[str]] = {}


def _add(registered: list, entry) -> None:
    # ready() may run twice (tests that reload apps); an entry is registered once.
    if entry not in registered:
        registered.append(entry)


def add_urls(prefix: str, module: str) -> None:
    _add(_urls, (prefix, module))


def add_time_boundary(path: str) -> None:
    _add(_time_boundaries, path)


def add_page_family(family: str, *labels: str) -> None:
    for label in labels:
        _page_families[label.lower()] = family


def page_families() -> dict[str, str]:
    """{"app_label" or "app_label.model_name": family}"""
    return _page_families


def add_unshown_fields(label: str, *fields: str) -> None:
    _unshown_fields[label.lower()] = frozenset(fields)


def unshown_fields() -> dict[str, frozenset[str]]:
    return _unshown_fields


def add_demo_seeder(path: str) -> None:
    _add(_demo_seeders, path)


def add_privacy_facts(path: str) -> None:
    _add(_privacy_facts, path)


def add_accessibility_facts(path: str) -> None:
    _add(_accessibility_facts, path)


def url_includes() -> list[tuple[str, str]]:
    """(prefix, URL module) of every installed app that has pages, in the order of INSTALLED_APPS."""
    return list(_urls)


def _function(path: str) -> Callable:
    # Looked up on every use (a dictionary lookup once imported), so that a test may replace the function.
    return import_string(path)


def time_boundaries() -> list[Callable]:
    return [_function(path) for path in _time_boundaries]


def demo_seeders() -> list[Callable]:
    return [_function(path) for path in _demo_seeders]


def privacy_facts() -> dict:
    facts: dict = {}
    for path in _privacy_facts:
        facts.update(_function(path)())
    return facts


def accessibility_facts() -> dict:
    facts: dict = {}
    for path in _accessibility_facts:
        facts.update(_function(path)())
    return facts
