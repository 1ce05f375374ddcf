from django import forms
from django.utils.translation import gettext_lazy as _

from portal.dates import DateRangeFormMixin
from portal.templatetags.language_parts import content_language, differs

from ..forms import DATETIME_FORMAT, NoSuffixMixin
from .models import MAX_MINUTES, MAX_SLOTS_AT_ONCE, MIN_MINUTES, MeetingBooking

INPUT_FORMATS = [DATETIME_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


def _datetime_field(label, help_text):
    return forms.DateTimeField(
        label=label,
        help_text=help_text,
        input_formats=INPUT_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT),
    )


class MeetingSettingsForm(NoSuffixMixin, DateRangeFormMixin, forms.Form):
    booking_closes_at = _datetime_field(
        _("Booking closes at"),
        _("Swedish time. Until then companies can book, move and cancel a meeting."),
    )


class SlotForm(NoSuffixMixin, DateRangeFormMixin, forms.Form):
    starts_at = _datetime_field(_("Start of the first slot"), _("Swedish time."))
    duration_minutes = forms.IntegerField(
        label=_("Length of each slot (minutes)"), min_value=MIN_MINUTES, max_value=MAX_MINUTES, initial=45
    )
    count = forms.IntegerField(
        label=_("Number of consecutive slots"),
        min_value=1,
        max_value=MAX_SLOTS_AT_ONCE,
        initial=1,
        help_text=_("Each slot starts when the one before ends."),
    )
    place = forms.CharField(
        label=_("Place"), max_length=200, required=False, help_text=_("An address or a room. Or give a video link.")
    )
    video_url = forms.URLField(
        label=_("Video link"), max_length=500, required=False, help_text=_("Must start with https://.")
    )
    note = forms.CharField(
        label=_("Note to the company"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown to the company that books the slot, e.g. how to find the room."),
    )

    def clean(self):
        data = super().clean()
        if not data.get("place") and not data.get("video_url") and not {"place", "video_url"} & set(self.errors):
            self.add_error("place", _("Give a place or a video link (or both)."))
        return data

    def clean_video_url(self):
        url = self.cleaned_data.get("video_url", "")
        if url and not url.lower().startswith("https://"):
            raise forms.ValidationError(_("The video link must start with https://."))
        return url


class BookForm(NoSuffixMixin, forms.Form):
    slot = forms.IntegerField(widget=forms.HiddenInput)


class NotesForm(NoSuffixMixin, forms.Form):
    notes = forms.CharField(
        label=_("Internal notes"),
        max_length=10000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Only your organisation sees these notes. They are working material until the matter is closed."),
    )

    def __init__(self, *args, call=None, **kwargs):
        super().__init__(*args, **kwargs)
        # The notes are in the call's language (WCAG 3.1.2): the text area says so on a page in the other language.
        if call is not None and differs(call):
            self.fields["notes"].widget.attrs["lang"] = content_language(call)


class OutcomeForm(NoSuffixMixin, forms.Form):
    outcome = forms.ChoiceField(
        label=_("Was the meeting held?"),
        choices=[c for c in MeetingBooking.Outcome.choices if c[0]],
        widget=forms.RadioSelect,
    )
