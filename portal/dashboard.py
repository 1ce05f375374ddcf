"""Dashboard panels contributed by each app.

An app that wants a panel on /dashboard/ has a module `<app>/dashboard.py`
with a function `panels(request) -> list[Panel]`. Only panels the user may
use are returned, so links a role cannot use are never shown.
"""

from dataclasses import dataclass, field

from django.apps import apps

from .extensions import optional_module


@dataclass
class Panel:
    title: str
    template: str
    context: dict = field(default_factory=dict)
    order: int = 50


def panels_for(request) -> list[Panel]:
    collected: list[Panel] = []
    for config in apps.get_app_configs():
        module = optional_module(config.name, "dashboard")
        if module is not None and hasattr(module, "panels"):
            collected.extend(module.panels(request))
    return sorted(collected, key=lambda panel: panel.order)


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
