from django import forms
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from portal.dates import validate_date_in_range

from .fields import parts_of
from .models import RecordRelease

DEFAULT_PROVISION = "OSL 31:16"


class SecrecyMarkingForm(forms.Form):
    field = forms.ChoiceField(label=_("Part of the response"))
    passage = forms.CharField(
        label=_("Passage (optional)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Copy the exact words from your response. Leave it empty to mark the whole part."),
    )
    reason = forms.CharField(
        label=_("Why should it be kept secret?"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Say what harm your company would suffer if this were released, e.g. a trade secret, prices or a "
            "customer relationship."
        ),
        error_messages={"required": _("Say why this part should be kept secret; the buyer weighs your reason.")},
    )

    def __init__(self, *args, response, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["field"].choices = [("", _("Choose…"))] + [(part.key, part.label) for part in parts_of(response)]


class ReleaseForm(forms.Form):
    """Who asked, when, and per secrecy request the buyer's decision (fields `decision_<id>`, `provision_<id>`)."""

    requested_on = forms.DateField(
        label=_("Request received"),
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_date_in_range],
        error_messages={"required": _("Enter the date the request came in.")},
    )
    registration = forms.CharField(
        label=_("Registration number of the request (diarienummer)"), required=False, max_length=100
    )
    anonymous = forms.BooleanField(
        label=_("The requester is anonymous"),
        required=False,
        help_text=_("Anyone may ask for a public record without saying who they are or why (TF 2:18)."),
    )
    requester_name = forms.CharField(label=_("Requester's name"), required=False, max_length=200)
    requester_email = forms.EmailField(label=_("Requester's email"), required=False)

    def __init__(self, *args, marked_parts, **kwargs):
        super().__init__(*args, **kwargs)
        self.marked_parts = marked_parts
        self.decision_fields = []
        for marked in marked_parts:
            for marking in marked.markings:
                decision = f"decision_{marking.pk}"
                provision = f"provision_{marking.pk}"
                part = getattr(marking, "label", marking.field)
                self.fields[decision] = forms.ChoiceField(
                    label=format_lazy("{}: {}", _("Decision"), part),
                    choices=RecordRelease.Decision.choices,
                    widget=forms.RadioSelect,
                    error_messages={"required": _("Choose whether to redact or release this part.")},
                )
                self.fields[provision] = forms.CharField(
                    label=format_lazy("{}: {}", _("Provision of the Secrecy Act"), part),
                    required=False,
                    max_length=100,
                    initial=DEFAULT_PROVISION,
                    help_text=_("Only for a redaction, e.g. OSL 31:16 or OSL 19:3."),
                )
                marking.decision_field = self[decision]
                marking.provision_field = self[provision]

    def visible_fields(self):
        """The requester's fields only; the decisions are laid out next to each secrecy request."""
        return [field for field in super().visible_fields() if not field.name.startswith(("decision_", "provision_"))]

    def clean(self):
        data = super().clean()
        if not data.get("anonymous") and not (data.get("requester_name") or data.get("requester_email")):
            if "requester_name" not in self.errors and "requester_email" not in self.errors:
                self.add_error(
                    "requester_name",
                    _("Enter the requester's name or email address, or tick that the requester is anonymous."),
                )
        for name in list(self.fields):
            if name.startswith("decision_") and data.get(name) == RecordRelease.Decision.REDACT:
                provision = "provision_" + name.removeprefix("decision_")
                if not (data.get(provision) or "").strip():
                    self.add_error(provision, _("Name the provision of the Secrecy Act that applies, e.g. OSL 31:16."))
        return data

    def decisions(self) -> dict[int, tuple[str, str]]:
        data = self.cleaned_data
        return {
            int(name.removeprefix("decision_")): (
                data[name],
                data.get("provision_" + name.removeprefix("decision_"), ""),
            )
            for name in self.fields
            if name.startswith("decision_")
        }
