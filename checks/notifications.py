"""Handlers told of new work, applicants reminded of their dates: the one way (docs/checks.md, "Notifications and
reminders").

Handlers. The services call one event function each, inside their transaction: `application_submitted` (the
followers of the call), `application_assigned` (the assignee), `completion_returned` and
`final_report_submitted` (the assignee, or the call's followers when nobody is assigned) and `proposal_awaits`
(every decider but the presenter). `notify` writes one `HandlerNotice` per handler — never to the handler who
acted, never to one with an active conflict of interest with the application or its organisation — and mails it
at once (`HandlerSettings.Mode.IMMEDIATE`, the default) or leaves it for the daily digest (`send_handler_digests`,
beat: one mail per handler and day, key per handler and day).

Applicants. `send_applicant_reminders` (beat) reminds the contact person and the organisation's owners
`COMPLETION_REMINDER_DAYS` before a completion request's reply date and `FINAL_REPORT_REMINDER_DAYS` before the
final report is due. Each reminder carries a mail key (the request, or the application and its due date), so a
run repeated, or two at once, queue it once.
"""

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from portal.mail import send_mail_to
from portal.models import User
from portal.rules import HANDLERS_GROUP

from . import selectors
from .models import (
    Application,
    ConflictOfInterest,
    FinalReport,
    GrantCall,
    GrantCallFollow,
    HandlerNotice,
    HandlerSettings,
    StateChange,
)
from .rules import DECIDERS_GROUP

S = Application.State
Kind = HandlerNotice.Kind

# The digest goes out once a day from this hour (Europe/Stockholm), when the working day starts.
DIGEST_HOUR = 7
# The applicant is reminded this many days before a completion's reply date (a request made that day is not).
COMPLETION_REMINDER_DAYS = 3
# ... and this many days before the final report is due (once the period has ended).
FINAL_REPORT_REMINDER_DAYS = 14


# --- Handlers: who and how ---------------------------------------------------------------------------------------


def active_handlers() -> QuerySet[User]:
    return User.objects.filter(is_active=True, groups__name=HANDLERS_GROUP).distinct()


def mode_of(user) -> str:
    """The handler's choice: immediate (the default) or daily digest."""
    mode = HandlerSettings.objects.filter(user=user).values_list("mode", flat=True).first()
    return mode or HandlerSettings.Mode.IMMEDIATE


def followed_call_ids(user) -> set[int]:
    return set(GrantCallFollow.objects.filter(user=user).values_list("call_id", flat=True))


def calls_to_follow(user) -> QuerySet[GrantCall]:
    """The calls a handler can follow: the published ones, and any they already follow."""
    return GrantCall.objects.filter(Q(status=GrantCall.Status.PUBLISHED) | Q(follows__user=user)).distinct()


def followers_of(call) -> QuerySet[User]:
    return active_handlers().filter(pk__in=GrantCallFollow.objects.filter(call=call).values("user_id"))


def _responsible(application) -> list:
    """The assigned handler, or the call's followers while nobody is assigned."""
    if application.assigned_to_id:
        return list(active_handlers().filter(pk=application.assigned_to_id))
    return list(followers_of(application.call))


def notify(*, application: Application, kind: str, recipients, by) -> int:
    """Tell handlers of an event on an application; returns the number of handlers told.

    Each recipient once, leaving out the actor (`by`), anyone not an active handler and anyone with an active
    conflict of interest with the application or its organisation (förvaltningslagen 16 §). Side effects: a
    HandlerNotice per handler; for those who chose immediate mails, a mail (`checks/mail/handler_notice`) queued
    in the caller's transaction and the notice marked mailed; the others' notices wait for the digest.
    """
    people = {person.pk: person for person in recipients if person is not None and person.pk != getattr(by, "pk", by)}
    if not people:
        return 0
    handlers = set(active_handlers().filter(pk__in=people).values_list("pk", flat=True))
    conflicted = set(
        ConflictOfInterest.objects.filter(lifted_at__isnull=True, handler_id__in=handlers)
        .filter(Q(application=application) | Q(organisation=application.organisation_id))
        .values_list("handler_id", flat=True)
    )
    modes = dict(HandlerSettings.objects.filter(user_id__in=handlers).values_list("user_id", "mode"))
    now = timezone.now()
    told = 0
    for pk, person in people.items():
        if pk not in handlers or pk in conflicted:
            continue
        immediate = modes.get(pk, HandlerSettings.Mode.IMMEDIATE) == HandlerSettings.Mode.IMMEDIATE
        HandlerNotice.objects.create(
            handler=person, application=application, kind=kind, created_at=now, mailed_at=now if immediate else None
        )
        if immediate:
            send_mail_to(
                [person],
                template="checks/mail/handler_notice",
                context={"application": application, "kind_label": Kind(kind).label},
            )
        told += 1
    return told


def application_submitted(*, application: Application, by) -> int:
    """A new application in a call: its followers are told."""
    return notify(application=application, kind=Kind.SUBMITTED, recipients=followers_of(application.call), by=by)


def application_assigned(*, application: Application, handler, by) -> int:
    """An application assigned to a handler by someone else: the handler is told (not when they took it)."""
    if handler is None:
        return 0
    return notify(application=application, kind=Kind.ASSIGNED, recipients=[handler], by=by)


def completion_returned(*, application: Application, by) -> int:
    """The applicant sent a completion back: the assigned handler (or the followers) are told."""
    return notify(application=application, kind=Kind.RETURNED, recipients=_responsible(application), by=by)


def final_report_submitted(*, application: Application, by) -> int:
    """A final report arrived: the assigned handler (or the followers) are told."""
    return notify(application=application, kind=Kind.FINAL_REPORT, recipients=_responsible(application), by=by)


def proposal_awaits(*, application: Application, proposal, by) -> int:
    """A proposal (or a correction's proposal) awaits a decision: every decider but the presenter is told."""
    deciders = active_handlers().filter(groups__name=DECIDERS_GROUP).exclude(pk=proposal.proposed_by_id)
    return notify(application=application, kind=Kind.PROPOSAL, recipients=list(deciders), by=by)


@transaction.atomic
def save_notification_settings(*, user, mode: str, call_ids) -> HandlerSettings:
    """A handler chooses how they are mailed and which calls they follow (a personal setting: no audit row).

    Side effects: the HandlerSettings row, GrantCallFollow rows added and removed to match `call_ids`.
    """
    if mode not in HandlerSettings.Mode.values:
        mode = HandlerSettings.Mode.IMMEDIATE
    settings_row, _created = HandlerSettings.objects.update_or_create(user=user, defaults={"mode": mode})
    wanted = set(call_ids)
    GrantCallFollow.objects.filter(user=user).exclude(call_id__in=wanted).delete()
    have = followed_call_ids(user)
    GrantCallFollow.objects.bulk_create(
        [GrantCallFollow(user=user, call_id=pk) for pk in wanted - have], ignore_conflicts=True
    )
    return settings_row


@transaction.atomic
def follow_call(*, user, call, follow: bool) -> bool:
    """Follow a grant call or stop following it; returns whether anything changed (a personal setting: no audit
    row). Side effects: a GrantCallFollow row added or removed."""
    if follow:
        _row, created = GrantCallFollow.objects.get_or_create(user=user, call=call)
        return created
    deleted, _rows = GrantCallFollow.objects.filter(user=user, call=call).delete()
    return bool(deleted)


# --- Handlers: the daily digest ----------------------------------------------------------------------------------


def send_handler_digests(*, now: datetime | None = None) -> int:
    """Mail each handler the notices waiting for the digest, in one mail a day (run by beat every hour).

    Nothing before DIGEST_HOUR (Swedish time). One mail per handler and day (`send_mail_to`'s key
    `checks.digest:<handler>:<day>`), each handler in its own transaction with the handler's row locked
    (a concurrent run waits, then finds the notices already marked); the notices are marked as sent in the digest only
    when the mail was queued, so a notice that arrives after the day's digest waits for the next day's. Returns
    the number of mails queued. Side effects: mails, HandlerNotice.mailed_at / in_digest.
    """
    now = now or timezone.now()
    local = timezone.localtime(now)
    if local.hour < DIGEST_HOUR:
        return 0
    day = local.date()
    waiting = HandlerNotice.objects.filter(mailed_at__isnull=True)
    queued = 0
    for handler_id in sorted(set(waiting.values_list("handler_id", flat=True))):
        with transaction.atomic():
            # The handler's row is the lock: a concurrent run waits here, then finds the notices this one marked.
            # (Locking the notices themselves with SKIP LOCKED could split one handler's notices between two runs,
            # and the run whose mail the day's key refused would leave its share unmarked.)
            handler = User.objects.select_for_update().filter(pk=handler_id, is_active=True).first()
            notices = list(
                waiting.filter(handler_id=handler_id)
                .select_related("application", "application__call")
                .order_by("created_at", "id")
            )
            if not notices or handler is None:
                continue
            sent = send_mail_to(
                [handler],
                template="checks/mail/handler_digest",
                context={"notices": notices, "day": day},
                key=f"checks.digest:{handler_id}:{day.isoformat()}",
            )
            if sent:
                HandlerNotice.objects.filter(pk__in=[notice.pk for notice in notices]).update(
                    mailed_at=now, in_digest=True
                )
            queued += sent
    return queued


# --- Applicants: reminders ---------------------------------------------------------------------------------------


def completion_requests_to_remind(today) -> QuerySet[StateChange]:
    """The current completion requests whose reply date is within COMPLETION_REMINDER_DAYS (today included) and
    that were made before today."""
    start_of_today = timezone.make_aware(datetime.combine(today, datetime.min.time()))
    later = StateChange.objects.filter(application=OuterRef("application"), pk__gt=OuterRef("pk"))
    return (
        StateChange.objects.filter(
            to_state=S.COMPLETION_REQUESTED,
            application__state=S.COMPLETION_REQUESTED,
            reply_by__gte=today,
            reply_by__lte=today + timedelta(days=COMPLETION_REMINDER_DAYS),
            created_at__lt=start_of_today,
        )
        .exclude(Exists(later))
        .select_related("application", "application__organisation", "application__contact")
        .order_by("reply_by", "pk")
    )


def final_reports_to_remind(today) -> QuerySet[Application]:
    """Approved applications without a final report whose period has ended and whose report is due within
    FINAL_REPORT_REMINDER_DAYS (today included)."""
    return (
        Application.objects.filter(state=S.APPROVED, period_end__lt=today)
        .exclude(Exists(FinalReport.objects.filter(application=OuterRef("pk"))))
        .annotate(due=selectors.final_report_due_expression())
        .filter(due__gte=today, due__lte=today + timedelta(days=FINAL_REPORT_REMINDER_DAYS))
        .select_related("call", "organisation", "contact")
        .order_by("period_end", "pk")
    )


def send_applicant_reminders(*, today=None) -> int:
    """Remind applicants of a completion's reply date and of the final report's due date (beat, every hour).

    Mailed to the contact person and the organisation's owners (`selectors.people_to_mail`), each in their
    language. Once each: the key names the completion request, or the application and its due date (a due date
    moved by the handler gets its own reminder). Each application in its own transaction. Returns the number of
    mails queued. Side effects: mails.
    """
    today = today or timezone.localdate()
    queued = 0
    for request in completion_requests_to_remind(today):
        application = request.application
        with transaction.atomic():
            queued += send_mail_to(
                selectors.people_to_mail(application),
                template="checks/mail/completion_reminder",
                context={"application": application, "reply_by": request.reply_by},
                key=f"checks.completion-reminder:{request.pk}",
            )
    for application in final_reports_to_remind(today):
        due = application.final_report_due
        with transaction.atomic():
            queued += send_mail_to(
                selectors.people_to_mail(application),
                template="checks/mail/final_report_reminder",
                context={"application": application, "due": due},
                key=f"checks.report-reminder:{application.pk}:{due.isoformat()}",
            )
    return queued
