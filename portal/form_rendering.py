"""How every form field is rendered: one rule for required fields, groups and error links (docs/accessibility.md).

`settings.FORM_RENDERER` names `FormRenderer`, so every bound field of every form is a `PortalBoundField`:

- a required field's label (or a group's legend) ends with "(obligatoriskt)" in text, and a field that a draft
  may leave empty but that is needed to submit — listed in the form's `required_to_submit` — with
  "(krävs för att skicka in)" (WCAG 3.3.2); `includes/required_note.html` explains the markers above the form;
- each input of a radio or checkbox group (rendered as a fieldset with a legend) is described by the group's help
  text and error, not only the fieldset (WCAG 1.3.1, 3.3.1);
- `anchor_id` is the id an error summary links to: the first input of a group, never the group's `<div>`, which
  cannot take focus (WCAG 2.4.3).
"""

from django.forms.boundfield import BoundField
from django.forms.renderers import DjangoTemplates
from django.forms.widgets import MultiWidget
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

REQUIRED = "required"
REQUIRED_TO_SUBMIT = "required_to_submit"

MARKER_TEXT = {
    REQUIRED: _("(required)"),
    REQUIRED_TO_SUBMIT: _("(required to submit)"),
}


def field_marker(bound_field) -> str | None:
    """REQUIRED, REQUIRED_TO_SUBMIT or None: which marker the field's label carries."""
    if bound_field.is_hidden or bound_field.field.disabled:
        return None
    if bound_field.field.required:
        return REQUIRED
    if bound_field.name in getattr(bound_field.form, "required_to_submit", ()):
        return REQUIRED_TO_SUBMIT
    return None


class PortalBoundField(BoundField):
    @property
    def marker(self) -> str | None:
        return field_marker(self)

    def label_tag(self, contents=None, attrs=None, label_suffix=None, tag=None):
        marker = self.marker
        if marker:
            # The form's suffix (a colon, unless the form sets none) goes after the label's text, never after
            # the marker: "Namn: (obligatoriskt)", not "Namn (obligatoriskt):".
            if label_suffix is None:
                label_suffix = (
                    self.field.label_suffix if self.field.label_suffix is not None else self.form.label_suffix
                )
            text = contents or self.label
            if label_suffix and text and str(text)[-1] not in ":?.!":
                text = format_html("{}{}", text, label_suffix)
            contents = format_html('{} <span class="field-marker">{}</span>', text, MARKER_TEXT[marker])
            label_suffix = ""
        return super().label_tag(contents, attrs, label_suffix, tag)

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        # Django describes a group only on its <fieldset>; screen readers that skip the fieldset's description
        # would then land on a radio button without hearing the error.
        if self.use_fieldset and not attrs.get("aria-describedby") and self.aria_describedby:
            attrs["aria-describedby"] = self.aria_describedby
        return attrs

    @property
    def anchor_id(self) -> str:
        """The id of the element an error summary links to: focusable, the first input of a group."""
        if self.id_for_label:
            return self.id_for_label
        if self.auto_id and isinstance(self.field.widget, MultiWidget):
            return f"{self.auto_id}_0"  # the id MultiWidget.get_context gives its first part
        if self.use_fieldset:
            for subwidget in self.subwidgets:
                if subwidget.id_for_label:
                    return subwidget.id_for_label
        return self.auto_id or ""


class FormRenderer(DjangoTemplates):
    bound_field_class = PortalBoundField
