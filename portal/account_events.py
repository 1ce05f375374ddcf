"""Audit rows for changes a person makes to their own account on allauth's pages.

allauth owns these pages (password, email addresses, two-factor); its signals are the extension point through
which the portal writes the same audit rows as for every other change. Only ids and kinds are stored: the row
is about a person (`User` is registered as personal), so it keeps no name or address.
"""

from allauth.account import signals as account_signals
from allauth.mfa import signals as mfa_signals

from .audit import AuditAction
from .services import write_audit


def _write(user, action: AuditAction, details: dict | None = None) -> None:
    write_audit(actor=user, action=action, obj=user, details=details)


def _password_set(sender, request, user, **kwargs):
    _write(user, AuditAction.ACCOUNT_PASSWORD_SET)


def _password_changed(sender, request, user, **kwargs):
    _write(user, AuditAction.ACCOUNT_PASSWORD_CHANGED)


def _password_reset(sender, request, user, **kwargs):
    _write(user, AuditAction.ACCOUNT_PASSWORD_RESET)


def _email_added(sender, request, user, email_address, **kwargs):
    _write(user, AuditAction.ACCOUNT_EMAIL_ADDED, {"email_address": email_address.pk})


def _email_confirmed(sender, request, email_address, **kwargs):
    _write(email_address.user, AuditAction.ACCOUNT_EMAIL_CONFIRMED, {"email_address": email_address.pk})


def _email_changed(sender, request, user, from_email_address, to_email_address, **kwargs):
    details = {
        "from_address": from_email_address.pk if from_email_address else "–",
        "to_address": to_email_address.pk,
    }
    _write(user, AuditAction.ACCOUNT_EMAIL_CHANGED, details)


def _email_removed(sender, request, user, email_address, **kwargs):
    # The row is already deleted (no id left to name): the event itself is what is kept.
    _write(user, AuditAction.ACCOUNT_EMAIL_REMOVED)


def _authenticator_added(sender, request, user, authenticator, **kwargs):
    _write(user, AuditAction.ACCOUNT_MFA_ADDED, {"type": authenticator.type})


def _authenticator_removed(sender, request, user, authenticator, **kwargs):
    _write(user, AuditAction.ACCOUNT_MFA_REMOVED, {"type": authenticator.type})


def _authenticator_reset(sender, request, user, authenticator, **kwargs):
    _write(user, AuditAction.ACCOUNT_MFA_RESET)


def connect() -> None:
    pairs = [
        (account_signals.password_set, _password_set),
        (account_signals.password_changed, _password_changed),
        (account_signals.password_reset, _password_reset),
        (account_signals.email_added, _email_added),
        (account_signals.email_confirmed, _email_confirmed),
        (account_signals.email_changed, _email_changed),
        (account_signals.email_removed, _email_removed),
        (mfa_signals.authenticator_added, _authenticator_added),
        (mfa_signals.authenticator_removed, _authenticator_removed),
        (mfa_signals.authenticator_reset, _authenticator_reset),
    ]
    for signal, receiver in pairs:
        signal.connect(receiver, dispatch_uid=f"portal.account_events.{receiver.__name__}")
