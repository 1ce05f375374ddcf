"""Telling the companies involved in a call that something happened on it: one way, `notify_call_participants`.

Who is involved: every active member of a company that has a draft or submitted response to the call or that
asked a question on it. Features that follow calls add their people in `call_participants`; features that have
news for the participants (amendments, published answers, a cancellation, the approaching deadline) call
`notify_call_participants` inside the transaction of the change, so the mails exist exactly when the change does.
"""

from django.db.models import Q, QuerySet

from portal.mail import send_mail_to
from portal.models import User

from .models import Call, Response


def call_participants(call: Call) -> QuerySet[User]:
    """Active people to tell about `call`: members of companies with a draft or submitted response or a question."""
    responding = Response.objects.filter(
        call=call, status__in=[Response.Status.DRAFT, Response.Status.SUBMITTED]
    ).values("organisation")
    asking = call.questions.values("organisation")
    return (
        User.objects.filter(is_active=True)
        .filter(Q(memberships__organisation__in=responding) | Q(memberships__organisation__in=asking))
        .distinct()
        .order_by("pk")
    )


def notify_call_participants(*, call: Call, template: str, context: dict | None = None, key: str | None = None) -> int:
    """Queue `template` (portal.mail) to every participant of `call` in their language; returns the number queued.

    `context` gets `call`; with `key` a person already mailed under that key is skipped (for jobs that may run
    twice, such as the deadline reminder). Side effects: `Mail` rows and their outbox jobs.
    """
    return send_mail_to(call_participants(call), template=template, context={"call": call, **(context or {})}, key=key)
