from django import forms
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from portal.dates import DateRangeFormMixin

from .models import Series, Speaker, Webinar

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class NoColonMixin:
    """Labels without a trailing colon: they read better and screen readers do not announce the colon."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format=DATETIME_FORMAT, **kwargs)


class SeriesForm(NoColonMixin, forms.ModelForm):
    class Meta:
        model = Series
        fields = ["title", "slug", "summary", "description"]
        widgets = {"summary": forms.Textarea(attrs={"rows": 3}), "description": forms.Textarea(attrs={"rows": 8})}
        help_texts = {"slug": _("Lower-case letters, digits and hyphens, e.g. i-fokus. Used in the page's address.")}
        error_messages = {"slug": {"unique": _("Another series already uses this short name.")}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slug"].required = False

    def clean_slug(self):
        slug = self.cleaned_data.get("slug") or slugify(self.cleaned_data.get("title", ""))[:80]
        if not slug:
            raise forms.ValidationError(_("Give a short name of letters and digits."))
        return slug


class WebinarForm(NoColonMixin, DateRangeFormMixin, forms.ModelForm):
    class Meta:
        model = Webinar
        fields = [
            "series",
            "title",
            "theme",
            "summary",
            "description",
            "starts_at",
            "ends_at",
            "join_url",
            "capacity",
        ]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 3}),
            "description": forms.Textarea(attrs={"rows": 8}),
            "starts_at": LocalDateTimeInput(),
            "ends_at": LocalDateTimeInput(),
        }
        help_texts = {
            "starts_at": _("Swedish time (Europe/Stockholm)."),
            "ends_at": _("Swedish time (Europe/Stockholm)."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("starts_at", "ends_at"):
            self.fields[name].input_formats = [DATETIME_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
        self.fields["join_url"].assume_scheme = "https"
        self.fields["capacity"].widget.attrs["min"] = 1  # as the model's validator: empty means no limit
        self.fields["series"].empty_label = _("No series")

    def clean(self):
        cleaned = super().clean()
        starts_at, ends_at = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts_at and ends_at and ends_at <= starts_at:
            self.add_error("ends_at", _("The webinar must end after it starts."))
        return cleaned


class SpeakerForm(NoColonMixin, forms.ModelForm):
    class Meta:
        model = Speaker
        fields = ["name", "title", "organisation"]


SpeakerFormSet = forms.inlineformset_factory(
    Webinar, Speaker, form=SpeakerForm, extra=2, can_delete=True, max_num=20, validate_max=True
)


def speakers_from(formset) -> list[dict]:
    """The speakers of a valid formset, in order, without empty and deleted rows."""
    return [
        {key: form.cleaned_data.get(key, "") for key in ("name", "title", "organisation")}
        for form in formset.forms
        if form.cleaned_data and form.cleaned_data.get("name") and not form.cleaned_data.get("DELETE")
    ]


class CancelWebinarForm(NoColonMixin, forms.Form):
    message = forms.CharField(
        label=_("Message to the registrants"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Mailed to everyone registered and shown on the webinar's page."),
    )


class RecordingForm(NoColonMixin, forms.Form):
    recording_url = forms.URLField(label=_("Recording link"), max_length=500, assume_scheme="https")
    captioned = forms.BooleanField(
        label=_("The recording's own player shows captions"),
        required=False,
        help_text=_("For example captions on the video service. Leave it unticked if you attach a caption file."),
    )
    captions_file = forms.FileField(
        label=_("Caption file (WebVTT, optional)"),
        required=False,
        help_text=_(
            "A .vtt file, at most 2 MB. It is shown as captions when the recording plays on the portal and can be "
            "downloaded next to the link."
        ),
        widget=forms.FileInput(attrs={"accept": ".vtt,text/vtt"}),
    )
    remove_captions = forms.BooleanField(label=_("Remove the attached caption file"), required=False)

    def clean_captions_file(self):
        from .captions import MAX_CAPTION_BYTES, CaptionError, parse_webvtt

        upload = self.cleaned_data.get("captions_file")
        if not upload:
            return None
        if upload.size > MAX_CAPTION_BYTES:
            raise forms.ValidationError(_("The caption file is larger than 2 MB."))
        try:
            return parse_webvtt(upload.read())
        except CaptionError as error:
            raise forms.ValidationError(str(error)) from None


class RegistrationForm(NoColonMixin, forms.Form):
    # The person's own data: autocomplete tokens let the browser fill them in (WCAG 1.3.5).
    name = forms.CharField(label=_("Name"), max_length=200, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    # The column's length (254), not the form field's default (320): a longer address would fail in the database.
    email = forms.EmailField(
        label=_("Email address"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    organisation = forms.CharField(
        label=_("Organisation"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    consent = forms.BooleanField(
        label=_("I agree that the portal stores my name, email address and organisation to handle my registration."),
        help_text=_("Read the privacy terms (link above). You can cancel at any time with your personal link."),
        error_messages={"required": _("You must accept the privacy terms to register.")},
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user if getattr(user, "is_authenticated", False) else None
        if self.user is not None:
            # A signed-in person registers with the account's address.
            self.fields["email"].disabled = True
            self.fields["email"].help_text = _("The address of your account.")
            self.fields["email"].initial = self.user.email
            self.fields["name"].initial = self.user.get_full_name()
            organisation = getattr(self.user, "active_organisation", None)
            self.fields["organisation"].initial = organisation.name if organisation else ""
