"""Telling the people involved in a call that something happened on it: one way, `notify_call_participants`.

Who is involved: every active member of a company that has a draft or submitted response to the call, that asked
a question on it or that has booked one of its dialogue meetings, and everyone who follows the call
(projects.following), except people who stopped the call's notices with the link in one of them. Features that
have news for the participants (amendments, published answers, a cancellation, the approaching deadline) call
`notify_call_participants` inside the transaction of the change, so the mails exist exactly when the change
does. Every notice ends with "projects/mail/includes/call_notice_footer.txt", whose personal link stops the
notices (also offered as the List-Unsubscribe header, RFC 8058 one-click).
"""

from django.db.models import Q, QuerySet

from portal.mail import send_mail_to
from portal.models import User

from .following.models import CallFollow, CallNoticeOptOut
from .meetings.models import MeetingBooking
from .models import Call, Response


def call_participants(call: Call) -> QuerySet[User]:
    """Active people to tell about `call`: members of companies with a draft or submitted response, a question or
    a booked meeting, and its followers; not those who stopped its notices."""
    responding = Response.objects.filter(
        call=call, status__in=[Response.Status.DRAFT, Response.Status.SUBMITTED]
    ).values("organisation")
    asking = call.questions.values("organisation")
    meeting = MeetingBooking.objects.filter(call=call, status=MeetingBooking.Status.BOOKED).values("organisation")
    following = CallFollow.objects.filter(call=call).values("user")
    stopped = CallNoticeOptOut.objects.filter(call=call).values("user")
    return (
        User.objects.filter(is_active=True)
        .filter(
            Q(memberships__organisation__in=responding)
            | Q(memberships__organisation__in=asking)
            | Q(memberships__organisation__in=meeting)
            | Q(pk__in=following)
        )
        .exclude(pk__in=stopped)
        .distinct()
        .order_by("pk")
    )


def notify_call_participants(*, call: Call, template: str, context: dict | None = None, key: str | None = None) -> int:
    """Queue `template` (portal.mail) to every participant of `call` in their language; returns the number queued.

    `context` gets `call`; with `key` a person already mailed under that key is skipped (for jobs that may run
    twice, such as the deadline reminder). Each mail carries the recipient's List-Unsubscribe headers. Side
    effects: `Mail` rows and their outbox jobs.
    """
    from .following.services import unsubscribe_headers

    return send_mail_to(
        call_participants(call),
        template=template,
        context={"call": call, **(context or {})},
        key=key,
        headers=unsubscribe_headers(call),
    )
