"""Passkeys (WebAuthn through allauth.mfa): the portal's wording of allauth's add, rename and sign-in forms.

Named in settings.MFA_FORMS; allauth still runs the WebAuthn ceremony, stores the key and verifies every response.
What changes is what a person reads: labels, and a clear message instead of allauth's "Incorrect code." when the
browser sent no passkey (no JavaScript) or one the server could not accept.
"""

from allauth.mfa.webauthn.forms import (
    AddWebAuthnForm,
    AuthenticateWebAuthnForm,
    EditWebAuthnForm,
    LoginWebAuthnForm,
    ReauthenticateWebAuthnForm,
)
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

NAME_MAX_LENGTH = 100
# python-fido2 raises these on JSON that is not a WebAuthn answer at all (a missing "rawId", a field of the wrong
# type), where allauth only expects its own ValidationError: bad input, not a server error.
MALFORMED = (KeyError, TypeError, ValueError, AttributeError)
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
        except (ValidationError, *MALFORMED):
            raise ValidationError(
                _("The passkey could not be added: the device's answer was not accepted. Try again."),
                code="webauthn_rejected",
            ) from None


class EditPasskeyForm(EditWebAuthnForm):
    name = forms.CharField(label=_("Name of the passkey"), max_length=NAME_MAX_LENGTH)


class _PasskeyAnswerMixin:
    """A clear message for a missing, malformed or refused passkey answer (allauth's is "Incorrect code.")."""

    rejected_message = _(
        "The passkey was not accepted: the portal does not know it, or the device's answer could not be verified. "
        "Try again."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["credential"].error_messages.update({"required": NEEDS_JAVASCRIPT, "invalid": NEEDS_JAVASCRIPT})

    def clean_credential(self):
        try:
            return super().clean_credential()
        except (ValidationError, *MALFORMED):
            raise ValidationError(self.rejected_message, code="webauthn_rejected") from None


class LoginPasskeyForm(_PasskeyAnswerMixin, LoginWebAuthnForm):
    """Signing in with a passkey alone. allauth shows the credential's errors as messages on the login page."""

    rejected_message = _(
        "That passkey could not sign you in: the portal does not know it, or the device's answer could not be "
        "verified. Try again, or sign in with your email address and password."
    )


class AuthenticatePasskeyForm(_PasskeyAnswerMixin, AuthenticateWebAuthnForm):
    """The passkey as the second step after the password."""


class ReauthenticatePasskeyForm(_PasskeyAnswerMixin, ReauthenticateWebAuthnForm):
    """Confirming who you are with a passkey before changing the account's sign-in methods."""
