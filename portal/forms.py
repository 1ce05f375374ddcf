from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import audit
from .models import Membership, Organisation
from .orgnr import normalise_org_number


class OrganisationForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind of organisation"), choices=Organisation.Kind.choices, widget=forms.RadioSelect
    )
    name = forms.CharField(label=_("Name"), max_length=200)
    org_number = forms.CharField(
        label=_("Organisation number"),
        max_length=13,
        help_text=_("NNNNNN-NNNN or ten digits, as registered with Bolagsverket or Skatteverket."),
    )
    address = forms.CharField(label=_("Address"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    website = forms.URLField(label=_("Website"), required=False, max_length=200, assume_scheme="https")

    def clean_org_number(self):
        number = normalise_org_number(self.cleaned_data["org_number"])
        if Organisation.objects.filter(org_number=number).exists():
            raise ValidationError(_("An organisation with this number is already registered."))
        return number


class OrganisationEditForm(forms.Form):
    """What an owner may change; kind and organisation number are fixed once registered."""

    name = forms.CharField(label=_("Name"), max_length=200)
    address = forms.CharField(label=_("Address"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    website = forms.URLField(label=_("Website"), required=False, max_length=200, assume_scheme="https")


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Email address"), max_length=254)
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices, initial=Membership.Role.MEMBER)


class RejectionForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Sent to the organisation's owners."),
    )


class SwitchOrganisationForm(forms.Form):
    organisation = forms.IntegerField(widget=forms.HiddenInput)


class AuditLogFilterForm(forms.Form):
    action = forms.ChoiceField(label=_("Event"), required=False, choices=audit.filter_choices)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
