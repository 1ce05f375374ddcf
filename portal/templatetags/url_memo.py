"""`{% url %}` with its answers kept per process (a builtin: settings TEMPLATES OPTIONS "builtins").

Django's tag reverses the URL on every render; a page's header, footer and links ask for the same dozen or two
(about 12 % of a need page's time under cProfile, docs/performance.md). What `reverse` answers depends only on its
arguments, the current app, the URLconf and the script prefix, and the URL patterns are fixed for the life of a
process (none of them is translated), so an answer is kept under those. A failed reverse is never kept: it raises,
or gives "" with `as var`, exactly as Django's tag does. Arguments other than numbers, strings and UUIDs (a model
instance, a lazy string) are reversed every time.
"""

import uuid

from django import template
from django.template.defaulttags import URLNode
from django.template.defaulttags import url as django_url
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape

register = template.Library()

MAX_KEPT = 20_000
# Values that are their own key: a model instance or a lazy string could give another URL than its key suggests.
_KEY_TYPES = (int, str, uuid.UUID)
_kept: dict[tuple, str] = {}


def kept_reverse(view_name, args, kwargs, current_app) -> str:
    values = [*args, *kwargs.values()]
    if not isinstance(view_name, str) or not all(type(value) in _KEY_TYPES for value in values):
        return reverse(view_name, args=args, kwargs=kwargs, current_app=current_app)
    key = (view_name, tuple(args), tuple(sorted(kwargs.items())), current_app, get_urlconf(), get_script_prefix())
    url = _kept.get(key)
    if url is None:
        url = reverse(view_name, args=args, kwargs=kwargs, current_app=current_app)
        if len(_kept) >= MAX_KEPT:
            _kept.clear()
        _kept[key] = url
    return url


class KeptURLNode(URLNode):
    def render(self, context):
        args = [arg.resolve(context) for arg in self.args]
        kwargs = {k: v.resolve(context) for k, v in self.kwargs.items()}
        view_name = self.view_name.resolve(context)
        try:
            current_app = context.request.current_app
        except AttributeError:
            try:
                current_app = context.request.resolver_match.namespace
            except AttributeError:
                current_app = None
        url = ""
        try:
            url = kept_reverse(view_name, args, kwargs, current_app)
        except NoReverseMatch:
            if self.asvar is None:
                raise
        if self.asvar:
            context[self.asvar] = url
            return ""
        if context.autoescape:
            url = conditional_escape(url)
        return url


@register.tag
def url(parser, token):
    node = django_url(parser, token)
    return KeptURLNode(node.view_name, node.args, node.kwargs, node.asvar)
