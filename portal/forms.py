from django import forms
from django.utils.translation import gettext_lazy as _

from . import audit
from .models import Membership, Organisation
from .orgnr import normalise_org_number
from .query import QueryFilterForm


class OrganisationForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind of organisation"), choices=Organisation.Kind.choices, widget=forms.RadioSelect
    )
    # The organisation the user acts for: autocomplete tokens let the browser fill it in (WCAG 1.3.5).
    name = forms.CharField(
        label=_("Name"), max_length=200, widget=forms.TextInput(attrs={"autocomplete": "organization"})
    )
    org_number = forms.CharField(
        label=_("Organisation number"),
        max_length=13,
        help_text=_("NNNNNN-NNNN or ten digits, as registered with Bolagsverket or Skatteverket."),
    )
    address = forms.CharField(
        label=_("Address"), required=False, widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "street-address"})
    )
    website = forms.URLField(
        label=_("Website"),
        required=False,
        max_length=200,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"autocomplete": "url"}),
    )

    def clean_org_number(self):
        # Whether the number is taken is the service's question: the view then offers to join or dispute.
        return normalise_org_number(self.cleaned_data["org_number"])


REVERIFICATION_HELP = _(
    "Changing this sends the verified organisation back to a portal administrator for verification; until then "
    "it counts as unverified."
)


class OrganisationEditForm(forms.Form):
    """What an owner may change. For a verified organisation, the fields that say who it is (kind, name,
    organisation number) carry a note that changing them needs a new verification."""

    kind = forms.ChoiceField(
        label=_("Kind of organisation"), choices=Organisation.Kind.choices, widget=forms.RadioSelect
    )
    # The organisation the user acts for: autocomplete tokens let the browser fill it in (WCAG 1.3.5).
    name = forms.CharField(
        label=_("Name"), max_length=200, widget=forms.TextInput(attrs={"autocomplete": "organization"})
    )
    org_number = forms.CharField(
        label=_("Organisation number"),
        max_length=13,
        help_text=_("NNNNNN-NNNN or ten digits, as registered with Bolagsverket or Skatteverket."),
    )
    address = forms.CharField(
        label=_("Address"), required=False, widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "street-address"})
    )
    website = forms.URLField(
        label=_("Website"),
        required=False,
        max_length=200,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"autocomplete": "url"}),
    )

    def __init__(self, *args, verified: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if verified:
            for name in ("kind", "name", "org_number"):
                help_text = self.fields[name].help_text
                self.fields[name].help_text = f"{help_text} {REVERIFICATION_HELP}" if help_text else REVERIFICATION_HELP

    def clean_org_number(self):
        return normalise_org_number(self.cleaned_data["org_number"])


class JoinRequestForm(forms.Form):
    org_number = forms.CharField(widget=forms.HiddenInput, max_length=13)
    message = forms.CharField(
        label=_("Message to the owners"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Optional. Say who you are, so that the owners recognise you."),
    )

    def clean_org_number(self):
        return normalise_org_number(self.cleaned_data["org_number"])


class DisputeForm(OrganisationForm):
    """The disputing party's organisation (made if the dispute is upheld) and why the number is theirs."""

    statement = forms.CharField(
        label=_("Why the number belongs to your organisation"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "A portal administrator reads this and may contact you. Say what you can show, e.g. an extract "
            "from Bolagsverket's register, and your role in the organisation."
        ),
    )


class DisputeDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        widget=forms.RadioSelect,
        choices=[
            ("uphold", _("Uphold: give the number to the disputing party; the organisation holding it loses it")),
            ("reject", _("Reject: the number stays where it is")),
        ],
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Sent to both sides."),
    )


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


class AuditLogFilterForm(QueryFilterForm):
    action = forms.ChoiceField(label=_("Event"), required=False, choices=audit.filter_choices)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices)
