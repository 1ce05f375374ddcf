from django import forms
from django.utils.translation import gettext_lazy as _

from portal.dates import DateRangeFormMixin
from portal.files import AttachmentsField, KeepUploadsMixin

from ..forms import DATE, MessageForm, NoColon
from .services import MAX_LENGTH


class CompletionRequestForm(DateRangeFormMixin, MessageForm):
    """The handler's completion request: what to complete, and the date the applicant should reply by."""

    reply_by = forms.DateField(
        label=_("Reply by"),
        widget=DATE,
        help_text=_("The applicant sees this date; a request not answered by then is marked as overdue."),
    )


class ThreadMessageForm(KeepUploadsMixin, NoColon, forms.Form):
    body = forms.CharField(
        label=_("Message"), max_length=MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 5}), strip=True
    )
    attachments = AttachmentsField(label=_("Attach files"))
    internal = forms.BooleanField(label=_("Internal note (only handlers and administrators see it)"), required=False)

    def __init__(self, *args, can_write_note: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not can_write_note:
            del self.fields["internal"]
