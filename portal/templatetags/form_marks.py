"""`{% required_note form formset … %}`: the sentence above a form that explains its field markers;
`{% form_fields form %}`: a form's fields as `includes/form.html` renders them, kept for forms that are the same
for everyone unbound.

Rendered only for the markers the form's visible fields carry (portal/form_rendering.py); `includes/form.html`
and `allauth/elements/form.html` call it, hand-written forms call it after their error summary.
"""

from django import template
from django.forms.formsets import BaseFormSet
from django.template.loader import get_template
from django.utils import translation
from django.utils.safestring import mark_safe

from portal.form_rendering import REQUIRED, REQUIRED_TO_SUBMIT, field_marker

register = template.Library()


def _forms(items):
    for item in items:
        if isinstance(item, BaseFormSet):
            yield from item.forms
        elif item is not None and hasattr(item, "visible_fields"):
            yield item


@register.inclusion_tag("includes/required_note.html")
def required_note(*forms):
    markers = {field_marker(field) for form in _forms(forms) for field in form.visible_fields()}
    return {"required": REQUIRED in markers, "required_to_submit": REQUIRED_TO_SUBMIT in markers}


# The HTML of forms whose unbound rendering is the same for everyone (`same_unbound_html = True` on the class): per
# process, by class and language. Templates change only with a deploy, which starts new processes.
_unbound_html: dict[tuple[str, str], str] = {}


@register.simple_tag
def form_fields(form):
    """`includes/form.html` for `form` (its error summary, marker note and fields), without the page's context.

    A form class that sets `same_unbound_html = True` declares that, unbound, it renders the same for everyone (no
    initial values from the user or the request, no choices read from the database): its HTML is then rendered once
    per process and language (the call page's question form: ~0.7 ms of Django's per-field templates per request).
    A bound form (one with the user's input and errors) is always rendered."""
    if getattr(form, "same_unbound_html", False) and not form.is_bound and not form.initial:
        key = (f"{type(form).__module__}.{type(form).__qualname__}:{form.prefix}", translation.get_language())
        html = _unbound_html.get(key)
        if html is None:
            html = _unbound_html[key] = _render_fields(form)
        return mark_safe(html)  # noqa: S308 - rendered by the template engine, escaped there
    return _render_fields(form)


def _render_fields(form):
    return get_template("includes/form.html").render({"form": form})
