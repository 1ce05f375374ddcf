from django import forms
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from portal.dates import DateRangeFormMixin
from portal.files import AttachmentsField, KeepUploadsMixin, KeptFileInput

from ..forms import DATETIME_FORMAT, NoSuffixMixin
from .services import NO_TEXT


class ReplacementField(AttachmentsField):
    """One optional file that replaces a current attachment, checked like every upload and kept across a re-shown
    form like them (portal.files)."""

    widget = KeptFileInput

    def __init__(self, *args, **kwargs):
        super().__init__(*args, max_files=1, **kwargs)


class AmendmentForm(KeepUploadsMixin, NoSuffixMixin, DateRangeFormMixin, forms.Form):
    text = forms.CharField(
        label=_("Correction notice"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=8000,
        error_messages={"required": NO_TEXT},
        help_text=_(
            "What has changed in the call and why. Published on the call page and mailed to everyone involved."
        ),
    )
    closes_at = forms.DateTimeField(
        label=_("Closing time"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT),
        input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        help_text=_(
            "Swedish time. Leave it as it is, or move it later. Once a company has started responding, the closing "
            "time cannot be moved earlier."
        ),
    )
    attachments = AttachmentsField(label=_("New attachments"))

    def __init__(self, *args, call, current_files=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.call = call
        self.fields["closes_at"].initial = localtime(call.closes_at).replace(second=0, microsecond=0)
        self.replace_fields = []
        for attachment in current_files:
            name = f"replace_{attachment.pk}"
            self.fields[name] = ReplacementField(
                label=_("Replace %(name)s") % {"name": attachment.filename},
                required=False,
                help_text=_("Optional. The earlier file stays on the call page, marked as replaced."),
            )
            self.replace_fields.append((attachment.pk, name))

    def clean_closes_at(self):
        value = self.cleaned_data.get("closes_at")
        if value is None:
            return None
        # The form shows the closing time to the minute: sent back unchanged it is no change.
        if value == localtime(self.call.closes_at).replace(second=0, microsecond=0):
            return None
        return value

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "text": data["text"],
            "closes_at": data.get("closes_at"),
            "attachments": data.get("attachments") or [],
            # Each replacement field holds one file (a kept one or a new one).
            "replacements": {pk: data[name][0] for pk, name in self.replace_fields if data.get(name)},
        }
