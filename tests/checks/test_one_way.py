"""The checks app follows the one way (docs/checks.md): every page through PermissionView, templates ask
predicates instead of comparing state names, services take explicit keyword arguments."""

import inspect
import re
from pathlib import Path

from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver

from checks import services
from portal.views.access import PermissionView

TEMPLATES = Path(settings.BASE_DIR) / "templates" / "checks"
# `x.state == "draft"`, `to_state != '...'`, `decision.outcome == "approved"`, `call.status == ...`
STATE_COMPARISON = re.compile(r"""\b(\w*state|outcome|status)\s*(==|!=|\bin\b|\bnot in\b)""")


def _checks_views(patterns):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _checks_views(pattern.url_patterns)
        elif isinstance(pattern, URLPattern) and pattern.name:
            view_class = getattr(pattern.callback, "view_class", None)
            yield pattern.name, view_class


def test_every_checks_page_derives_from_permission_view():
    resolver = get_resolver().namespace_dict["checks"][1]
    views = dict(_checks_views(resolver.url_patterns))
    assert views, "no checks URL found"
    outside = sorted(name for name, view in views.items() if view is None or not issubclass(view, PermissionView))
    assert not outside, outside


def test_no_checks_template_compares_a_state_name():
    offenders = []
    for path in sorted(TEMPLATES.rglob("*")):
        if path.is_file():
            for number, line in enumerate(path.read_text().splitlines(), 1):
                for tag in re.findall(r"{%.*?%}", line):
                    if STATE_COMPARISON.search(tag):
                        offenders.append(f"{path.relative_to(TEMPLATES)}:{number}: {tag}")
    assert not offenders, offenders


def test_application_services_name_every_field_they_take():
    for service in (services.create_application, services.save_application):
        parameters = inspect.signature(service).parameters
        assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in parameters.values()), service
        assert {"track", "contact", "title", "need", "period_start", "period_end"} <= set(parameters), service
    assert not hasattr(services, "ApplicationData")
