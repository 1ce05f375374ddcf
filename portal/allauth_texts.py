"""Swedish wording for some of django-allauth's texts.

allauth's own Swedish catalogue has errors (the login page invites you to "log in" on its sign-up link, one link
says "epost-verification") and an old spelling ("epost-adress"). The portal app is listed before allauth in
INSTALLED_APPS, so its catalogue wins for the same msgid: listing allauth's msgids here puts them in
portal/locale (scripts/makemessages portal), where they get the portal's wording. This module is never imported.
"""

from django.utils.translation import gettext_noop as _

ALLAUTH_TEXTS = [
    _("If you have not created an account yet, then please %(link)ssign up%(end_link)s first."),
    _("Already have an account? Then please %(link)ssign in%(end_link)s."),
    _(
        'This email confirmation link expired or is invalid. Please <a href="%(email_url)s">issue a new email '
        "confirmation request</a>."
    ),
    _(
        "The password reset link was invalid, possibly because it has already been used.  Please request a "
        '<a href="%(passwd_reset_url)s">new password reset</a>.'
    ),
    _(
        "We have sent an email to you for verification. Follow the link provided to finalize the signup process. "
        "If you do not see the verification email in your main inbox, check your spam folder. Please contact us if "
        "you do not receive the verification email within a few minutes."
    ),
    _(
        "We have sent you an email. If you have not received it please check your spam folder. Otherwise contact "
        "us if you do not receive it in a few minutes."
    ),
    _("Forgotten your password? Enter your email address below, and we'll send you an email allowing you to reset it."),
    _("Please contact us if you have any trouble resetting your password."),
    _("Your account is protected by two-factor authentication. Please enter an authenticator code:"),
    _("Please reauthenticate to safeguard your account."),
    _("The email address and/or password you specified are not correct."),
    _("Verify Your Email Address"),
    _("Confirm Email Address"),
    _("Email Addresses"),
    _("The following email addresses are associated with your account:"),
    _("Add Email Address"),
    _("Add Email"),
    _("Re-send Verification"),
    _("Are you sure you want to sign out?"),
    _("Password Reset"),
    _("Bad Token"),
    _("A user is already registered with this email address."),
    _("You cannot remove your primary email address."),
    _("Your primary email address must be verified."),
    _("You must type the same email each time."),
    # Passkeys: allauth calls every WebAuthn key a "security key"; most people's is a passkey in their phone or laptop.
    _("Use a security key"),
]
