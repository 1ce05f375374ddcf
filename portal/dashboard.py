"""Dashboard panels contributed by each app.

An app that wants a panel on /dashboard/ has a module `<app>/dashboard.py`
with a function `panels(request) -> list[Panel]`. Only panels the user may
use are returned, so links a role cannot use are never shown.

A panel that shows only rows of some page families (`portal.cache`) names them in `families` and gives its
context as a function: it is then stored rendered, per user and organisation acted for, under a key holding
`fragment_version(*families)` and the language, for at most FRAGMENT_TTL seconds; the function runs (and its
queries are made) only when the stored copy is missing or stale. Such a panel's template uses nothing but
`panel` (no request, user or CSRF token: it is rendered without them).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from types import ModuleType

from django.apps import apps
from django.core.cache import cache
from django.template.loader import get_template
from django.utils import translation
from django.utils.safestring import mark_safe

from .extensions import optional_module

FRAGMENT_TTL = 60 * 60


@dataclass
class Panel:
    title: str
    template: str
    context: dict | Callable[[], dict] = field(default_factory=dict)
    order: int = 50
    families: tuple[str, ...] = ()  # stored rendered (see above) when named
    html: str | None = None  # the stored or freshly rendered panel, for a panel with `families`


@lru_cache(maxsize=4)
def _panel_modules(app_names: tuple[str, ...]) -> tuple[ModuleType, ...]:
    """The apps' `dashboard` modules with a `panels` function, in the order of the apps: looked up once per process
    and set of installed apps (Python does not remember a module that is missing, so asking again on every request
    searched the disk for each app without one)."""
    modules = (optional_module(name, "dashboard") for name in app_names)
    return tuple(module for module in modules if module is not None and hasattr(module, "panels"))


def panels_for(request) -> list[Panel]:
    collected: list[Panel] = []
    for module in _panel_modules(tuple(config.name for config in apps.get_app_configs())):
        collected.extend(module.panels(request))
    _render_stored(request, collected)
    return sorted(collected, key=lambda panel: panel.order)


def _render_stored(request, panels: list[Panel]) -> None:
    """Fill `html` of the panels with families (one round trip to the shared cache for them all, plus one per
    set of families for its version); call the context function of the others."""
    from .cache import fragment_version

    stored_panels = [panel for panel in panels if panel.families]
    for panel in panels:
        if not panel.families and callable(panel.context):
            panel.context = panel.context()
    if not stored_panels:
        return
    user = request.user
    organisation = getattr(user, "active_organisation", None)
    scope = f"{user.pk}:{organisation.pk if organisation is not None else 0}:{translation.get_language()}"
    versions: dict[tuple[str, ...], str] = {}
    keys = []
    for panel in stored_panels:
        families = tuple(sorted(set(panel.families)))
        if families not in versions:
            versions[families] = fragment_version(*families)
        keys.append(f"dashboard-panel:{panel.template}:{versions[families]}:{scope}")
    stored = cache.get_many(keys)
    rendered = {}
    for panel, key in zip(stored_panels, keys, strict=True):
        html = stored.get(key)
        if html is None:
            if callable(panel.context):
                panel.context = panel.context()
            html = rendered[key] = str(get_template(panel.template).render({"panel": panel.context}))
        panel.html = mark_safe(html)  # noqa: S308 (rendered by the template engine, escaped there)
    if rendered:
        cache.set_many(rendered, FRAGMENT_TTL)


def panels(request) -> list[Panel]:
    from django.utils.translation import gettext as _

    from . import rules as r
    from .selectors import organisations_awaiting_verification

    user = request.user
    result = []
    organisation = r.active_organisation(user)
    if organisation is not None or not r.is_staff_role(user):
        result.append(
            Panel(_("Your organisations"), "portal/panels/organisations.html", {"organisation": organisation}, order=1)
        )
    if r.is_portal_admin(user):
        result.append(
            Panel(
                _("Organisations to verify"),
                "portal/panels/verification.html",
                {"awaiting": organisations_awaiting_verification()[:10]},
                order=5,
            )
        )
    result.append(Panel(_("Your account"), "portal/panels/account.html", {}, order=99))
    return result
