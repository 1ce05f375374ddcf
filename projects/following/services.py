"""Writes for following calls: follow, unfollow, stop a call's notices (the link in every notice), the reminder.

The signed stop link (`stop_url`) names a call and an address, not an account: it works without signing in, from
any notice, for the person it was sent to and for that call only.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.audit import AuditAction
from portal.models import User
from portal.services import ServiceError, write_audit

from ..models import Call, calls_in_state_q
from .models import CallFollow, CallNoticeOptOut

STOP_SALT = "projects.following.stop-notices"
# A notice's stop link works this long (a mail kept in an inbox for a year still stops the notices).
STOP_MAX_AGE = timedelta(days=400)
REMINDER_WINDOW = timedelta(days=1)
BAD_LINK = _(
    "This link is not valid: it may have been cut short, changed or have expired. Use the link in the latest mail "
    "about the call, or sign in and stop following the call on its page."
)


# --- the stop link ---------------------------------------------------------------------------------------------


def stop_token(*, call_id: int, email: str) -> str:
    return signing.dumps({"c": call_id, "e": email.lower()}, salt=STOP_SALT, compress=True)


def stop_url(*, call_id: int, email: str) -> str:
    """The absolute link in a notice that stops the notices about `call_id` to `email` (one click, no sign-in)."""
    return settings.SITE_URL + reverse(
        "projects:call_stop_notices", kwargs={"pk": call_id, "token": stop_token(call_id=call_id, email=email)}
    )


def read_stop_token(*, call_id: int, token: str) -> str:
    """The address a stop link was sent to; ServiceError if the link was changed, has expired or names another call."""
    try:
        data = signing.loads(token, salt=STOP_SALT, max_age=STOP_MAX_AGE)
    except signing.BadSignature:  # SignatureExpired is a BadSignature
        raise ServiceError(BAD_LINK) from None
    if not isinstance(data, dict) or data.get("c") != call_id or not isinstance(data.get("e"), str):
        raise ServiceError(BAD_LINK)
    return data["e"]


def unsubscribe_headers(call: Call):
    """`send_mail_to`'s `headers=` for notices about `call`: RFC 2369 List-Unsubscribe and RFC 8058 one-click."""

    def headers(recipient) -> dict[str, str]:
        return {
            "List-Unsubscribe": f"<{stop_url(call_id=call.pk, email=recipient.email)}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }

    return headers


# --- following -------------------------------------------------------------------------------------------------


@transaction.atomic
def follow_call(*, call: Call, user: User) -> bool:
    """`user` follows `call` (the caller has checked `projects.follow_call`); a stop asked for earlier is undone.

    Returns whether the person did not follow it before. Side effects: CallFollow row, audit row.
    """
    _follow, created = CallFollow.objects.get_or_create(call=call, user=user)
    CallNoticeOptOut.objects.filter(call=call, user=user).delete()
    if created:
        write_audit(actor=user, action=AuditAction.CALL_FOLLOWED, obj=call)
    return created


@transaction.atomic
def unfollow_call(*, call: Call, user: User) -> bool:
    """`user` stops following `call`; returns whether they followed it. Side effects: audit row."""
    deleted, _rows = CallFollow.objects.filter(call=call, user=user).delete()
    if deleted:
        write_audit(actor=user, action=AuditAction.CALL_UNFOLLOWED, obj=call)
    return bool(deleted)


@transaction.atomic
def stop_call_notices(*, call: Call, email: str) -> int:
    """Stop every notice about `call` to the people with `email` (the stop link): they no longer follow it, and an
    opt-out keeps them out of `call_participants` even while their company responds or asks. Safe to repeat.

    Returns the number of people it applied to. Side effects: CallFollow rows deleted, CallNoticeOptOut rows,
    an audit row per person.
    """
    people = list(User.objects.filter(email__iexact=email))
    for user in people:
        CallFollow.objects.filter(call=call, user=user).delete()
        _opt_out, created = CallNoticeOptOut.objects.get_or_create(call=call, user=user)
        if created:
            write_audit(actor=user, action=AuditAction.CALL_NOTICES_STOPPED, obj=call)
    return len(people)


# --- the reminder ----------------------------------------------------------------------------------------------


def send_deadline_reminders(*, now: datetime | None = None) -> int:
    """Remind the participants of every open call that closes within a day (run by the periodic task).

    Once per person and call (`send_mail_to`'s key), however often it runs and even if the deadline moves.
    Each call in its own transaction. Returns the number of mails queued. Side effects: mails.
    """
    from ..notifications import notify_call_participants

    now = now or timezone.now()
    due = Call.objects.filter(
        calls_in_state_q(Call.State.OPEN, now), closes_at__gt=now, closes_at__lte=now + REMINDER_WINDOW
    )
    queued = 0
    for call in due.select_related("need__organisation").order_by("closes_at", "pk"):
        link = settings.SITE_URL + reverse("projects:call_detail", args=[call.pk])
        with transaction.atomic():
            queued += notify_call_participants(
                call=call,
                template="projects/mail/call_deadline_reminder",
                context={"link": link},
                key=f"projects.call-reminder:{call.pk}",
            )
    return queued
