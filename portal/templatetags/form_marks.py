"""`{% required_note form formset … %}`: the sentence above a form that explains its field markers.

Rendered only for the markers the form's visible fields carry (portal/form_rendering.py); `includes/form.html`
and `allauth/elements/form.html` call it, hand-written forms call it after their error summary.
"""

from django import template
from django.forms.formsets import BaseFormSet

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
