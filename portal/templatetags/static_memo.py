"""`{% static %}` with its URLs kept per process (a builtin: settings TEMPLATES OPTIONS "builtins"; the project's
templates do not `{% load static %}`, which would put Django's tag back). The library's other tags are Django's.

Django's tag asks the static files storage on every render; with the hashed-name manifest (production) that is some
30 microseconds a file, a tenth of a millisecond on every page for the stylesheet, the scripts and the icon
(docs/performance.md). The storage answers the same for a path as long as it is the same storage with the same
settings: the manifest is read once, when the storage is made. The answers are kept per path and forgotten when the
storage or the static settings change (tests override them); a path the storage refuses (a file missing from the
manifest) raises every time, as Django's tag does, and is never kept.
"""

from django import template
from django.core.signals import setting_changed
from django.templatetags import static as django_static
from django.templatetags.static import StaticNode

register = template.Library()
register.tags.update(django_static.register.tags)
register.filters.update(django_static.register.filters)

MAX_KEPT = 2_000
_kept: dict[str, str] = {}


def _forget(*, setting, **kwargs) -> None:
    if setting in ("STORAGES", "STATIC_URL", "STATIC_ROOT", "STATICFILES_DIRS", "DEBUG", "INSTALLED_APPS"):
        _kept.clear()


setting_changed.connect(_forget, dispatch_uid="portal.static_memo")


class KeptStaticNode(StaticNode):
    def url(self, context):
        path = self.path.resolve(context)
        if not isinstance(path, str):  # a lazy string or anything else: asked every time
            return self.handle_simple(path)
        url = _kept.get(path)
        if url is None:
            url = self.handle_simple(path)
            if len(_kept) >= MAX_KEPT:
                _kept.clear()
            _kept[path] = url
        return url


@register.tag("static")
def do_static(parser, token):
    return KeptStaticNode.handle_token(parser, token)
