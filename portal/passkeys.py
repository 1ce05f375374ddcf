"""Passkeys (WebAuthn through allauth.mfa): the portal's wording of allauth's add, rename and sign-in forms.

Named in settings.MFA_FORMS; allauth still runs the WebAuthn ceremony, stores the key and verifies every response.
What changes is what a person reads: labels, and a clear message instead of allauth's "Incorrect code." when the
browser sent no passkey (no JavaScript) or one the server could not accept.
"""

from allauth.mfa.webauthn.forms import AddWebAuthnForm, EditWebAuthnForm, LoginWebAuthnForm
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

NAME_MAX_LENGTH = 100
NEEDS_JAVASCRIPT = _(
    "Passkeys need JavaScript, which is off or blocked in this browser. "
    "You can still sign in with your email address and password."
)


class AddPasskeyForm(AddWebAuthnForm):
    """allauth's form with labels, a length limit on the name, and "sign in without a password" ticked: a passkey
    is meant for that. Unticked, the key is a second factor only (allauth then asks for it after the password)."""

    name = forms.CharField(
        label=_("Name of the passkey"),
        required=False,
        max_length=NAME_MAX_LENGTH,
        help_text=_("So that you can tell your passkeys apart, for example “Work laptop” or “Phone”."),
    )
    passwordless = forms.BooleanField(
        label=_("Let me sign in with this passkey alone, without my password"),
        required=False,
        initial=True,
        help_text=_(
            "The device then asks for its PIN, fingerprint or face each time. Untick this for a security key "
            "without a PIN: you will then sign in with your password and use the key as the second step."
        ),
    )

    def clean(self):
        # The credential is a hidden field: its errors are the form's (the error summary links to no field).
        if self.has_error("credential"):
            del self._errors["credential"]
            raise ValidationError(NEEDS_JAVASCRIPT, code="no_credential")
        try:
            return super().clean()
        except ValidationError:
            raise ValidationError(
                _("The passkey could not be added: the device's answer was not accepted. Try again."),
                code="webauthn_rejected",
            ) from None


class EditPasskeyForm(EditWebAuthnForm):
    name = forms.CharField(label=_("Name of the passkey"), max_length=NAME_MAX_LENGTH)


class LoginPasskeyForm(LoginWebAuthnForm):
    """Signing in with a passkey alone. allauth shows the credential's errors as messages on the login page."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["credential"].error_messages.update({"required": NEEDS_JAVASCRIPT, "invalid": NEEDS_JAVASCRIPT})

    def clean_credential(self):
        try:
            return super().clean_credential()
        except ValidationError:
            raise ValidationError(
                _(
                    "That passkey could not sign you in: the portal does not know it, or the device's answer was "
                    "not accepted. Try again, or sign in with your email address and password."
                ),
                code="webauthn_rejected",
            ) from None
