"""Writes of the checks app: calls, applications and their state machine, reviews, decisions, final reports.

Every change of an application's state goes through `_move` (called by the
services, each after its own checks): it runs inside the caller's transaction
on a row locked with select_for_update, records the history the applicant sees,
writes the audit log and mails the contact person and the organisation's owners
after commit, each in their own language.
"""

from datetime import date
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.amounts import format_sek
from portal.audit import AuditAction
from portal.files import attach_files
from portal.mail import send_mail_to
from portal.models import Organisation, User
from portal.rules import is_handler, is_portal_admin
from portal.services import InvalidTransition, ServiceError, require_dates_in_range, write_audit

from . import notifications, selectors
from . import rules as r
from .decision_letters.services import order_decision_letter
from .messages.models import ApplicationSnapshot
from .messages.services import take_snapshot
from .models import (
    Application,
    BudgetLine,
    ConflictOfInterest,
    Criterion,
    Decision,
    DecisionProposal,
    ExpertiseLine,
    FinalReport,
    GrantCall,
    ReferenceCounter,
    Review,
    Score,
    StateChange,
    Track,
    weighted_average,
)

if TYPE_CHECKING:
    from projects.models import Need

S = Application.State

TRANSITIONS: dict[str, set[str]] = {
    S.DRAFT: {S.SUBMITTED, S.WITHDRAWN},
    S.SUBMITTED: {S.IN_REVIEW, S.WITHDRAWN},
    S.IN_REVIEW: {S.COMPLETION_REQUESTED, S.APPROVED, S.REJECTED},
    S.COMPLETION_REQUESTED: {S.IN_REVIEW},
    S.APPROVED: {S.FINAL_REPORT_SUBMITTED},
    # Back to approved = the handler asks for a completion of the final report.
    S.FINAL_REPORT_SUBMITTED: {S.CLOSED, S.APPROVED},
    S.REJECTED: set(),
    S.CLOSED: set(),
    S.WITHDRAWN: set(),
}

DECISION_EVENTS = frozenset({AuditAction.DECISION_APPROVED, AuditAction.DECISION_REJECTED})

APPLICANT_FILES = selectors.APPLICANT_FILES
FINAL_REPORT_FILES = selectors.FINAL_REPORT_FILES


# --- Grant calls -------------------------------------------------------------------------------------------------


@transaction.atomic
def save_call(
    *, call: GrantCall, tracks: list[dict], criteria: list[dict], by: User, language: str | None = None
) -> GrantCall:
    """Create or update a call with its tracks and criteria (lists of field dicts; `id` updates, `delete` removes).

    `language` is the language the call's texts are written in (WCAG 3.1.2: its name, description, tracks,
    criteria and appeal text are marked with `lang` on pages and in decision letters of the other language);
    left out, the call keeps its own (Swedish for a new call).

    The call row is locked first (as in `decide_application` and `submit_application`), so a change of the rules
    and a decision or a submission in the same call are serialised. Once an application has left the draft state
    (`GrantCall.has_fixed_rules`) the published rules hold: no track or criterion is removed, no cap lowered, no
    weight changed, and no criterion added once a review exists; a track's caps never exceed the call's budget.
    Refusals name the row's field (`"tracks-<row>-cap_one"`, see `_row_field`).

    Side effects: an audit row; in a published call one more per track added, cap changed and criterion added
    (old and new values). The total budget cannot go below the sum already granted. (A weight never changes
    once a review exists, so stored weighted scores stay right.)
    """
    require_dates_in_range(opens_on=call.opens_on, closes_on=call.closes_on)
    if language is not None:
        if language not in dict(settings.LANGUAGES):
            raise ServiceError(_("Choose Swedish or English."), field="language")
        call.language = language
    if call.closes_on and call.opens_on and call.closes_on < call.opens_on:
        raise ServiceError(_("The call must close on or after the day it opens."), field="closes_on")
    created = call.pk is None
    if not created:
        GrantCall.objects.select_for_update().filter(pk=call.pk).first()
        granted = selectors.budget_granted(call)
        if call.total_budget < granted:
            raise ServiceError(
                _("%(granted)s SEK has already been granted in this call; the total budget cannot be lower.")
                % {"granted": granted},
                field="total_budget",
            )
    _check_caps_within_budget(call, tracks)
    if call.has_fixed_rules:
        _check_fixed_rules(call, tracks, criteria)
    if created:
        call.created_by = by
    try:
        # Two tabs sending the same reference number at once: the unique index decides (the form checked before).
        with transaction.atomic():
            call.save()
    except IntegrityError:
        if created:
            call.pk = None
        raise ServiceError(_("Another call already has this reference number."), field="reference_number") from None
    published = call.is_published
    _save_children(
        call, Track, tracks, ("name", "description", "cap_one", "cap_two_or_more", "position"), by, published
    )
    _save_children(call, Criterion, criteria, ("name", "description", "weight", "position"), by, published)
    write_audit(actor=by, action=AuditAction.GRANTCALL_CREATED if created else AuditAction.GRANTCALL_CHANGED, obj=call)
    return call


def _row_field(prefix: str, index: int, row: dict, field: str) -> str:
    """The form field a refusal belongs to: `<formset prefix>-<form index>-<field>` (the view puts it there)."""
    return f"{prefix}-{row.get('row', index)}-{field}"


def _check_caps_within_budget(call: GrantCall, tracks: list[dict]) -> None:
    for index, row in enumerate(tracks):
        if row.get("delete"):
            continue
        for field in ("cap_one", "cap_two_or_more"):
            value = row.get(field)
            if value is not None and call.total_budget is not None and value > call.total_budget:
                raise ServiceError(
                    _("A track's cap cannot be more than the call's total budget of %(budget)s.")
                    % {"budget": format_sek(call.total_budget)},
                    field=_row_field("tracks", index, row, field),
                )


def _check_fixed_rules(call: GrantCall, tracks: list[dict], criteria: list[dict]) -> None:
    """Refuse what would change the rules applicants applied under (see `save_call`); the first refusal wins."""
    existing_tracks = {track.pk: track for track in Track.objects.filter(call=call)}
    for index, row in enumerate(tracks):
        track = existing_tracks.get(row.get("id")) if row.get("id") else None
        if track is None:
            continue
        if row.get("delete"):
            raise ServiceError(
                _("Applications have been submitted under this track: it cannot be removed."),
                field=_row_field("tracks", index, row, "DELETE"),
            )
        new = Track(cap_one=row.get("cap_one", track.cap_one), cap_two_or_more=row.get("cap_two_or_more"))
        if "cap_two_or_more" not in row:
            new.cap_two_or_more = track.cap_two_or_more
        if new.cap_for(1) < track.cap_for(1):
            raise ServiceError(
                _("Applications have been submitted: the cap can be raised but not lowered below %(cap)s.")
                % {"cap": format_sek(track.cap_for(1))},
                field=_row_field("tracks", index, row, "cap_one"),
            )
        if new.cap_for(2) < track.cap_for(2):
            raise ServiceError(
                _("Applications have been submitted: the cap can be raised but not lowered below %(cap)s.")
                % {"cap": format_sek(track.cap_for(2))},
                field=_row_field("tracks", index, row, "cap_two_or_more"),
            )
    existing_criteria = {criterion.pk: criterion for criterion in Criterion.objects.filter(call=call)}
    reviewed = Review.objects.filter(application__call=call).exists()
    for index, row in enumerate(criteria):
        criterion = existing_criteria.get(row.get("id")) if row.get("id") else None
        if criterion is None:
            if not row.get("delete") and reviewed:
                raise ServiceError(
                    _("Applications have already been scored: a criterion can no longer be added."),
                    field=_row_field("criteria", index, row, "name"),
                )
            continue
        if row.get("delete"):
            raise ServiceError(
                _("Applications have been submitted: the call's criteria cannot be removed."),
                field=_row_field("criteria", index, row, "DELETE"),
            )
        if "weight" in row and row["weight"] != criterion.weight:
            raise ServiceError(
                _("Applications have been submitted: the weight cannot be changed (it stays %(weight)s).")
                % {"weight": criterion.weight},
                field=_row_field("criteria", index, row, "weight"),
            )


def _save_children(call, model, rows, fields, by=None, audit_changes=False):
    """Create, update or remove a call's tracks or criteria; in a published call (`audit_changes`) each track
    added, cap raised and criterion added gets its own audit row with the values."""
    existing = {obj.pk: obj for obj in model.objects.filter(call=call)}
    for row in rows:
        obj = existing.get(row.get("id")) if row.get("id") else None
        if row.get("delete"):
            if obj is None:
                continue
            if model is Track and obj.applications.exists():
                raise ServiceError(_("The track %(name)s has applications and cannot be removed.") % {"name": obj.name})
            if model is Criterion and obj.scores.exists():
                raise ServiceError(_("The criterion %(name)s has scores and cannot be removed.") % {"name": obj.name})
            obj.delete()
            continue
        added = obj is None
        old = {field: getattr(obj, field) for field in fields} if obj else {}
        obj = obj or model(call=call)
        for field in fields:
            if field in row:
                setattr(obj, field, row[field])
        obj.save()
        if audit_changes:
            _audit_child(call, obj, added=added, old=old, by=by)


def _audit_child(call, obj, *, added: bool, old: dict, by) -> None:
    if isinstance(obj, Track):
        if added:
            details = {"track": obj.pk, "cap_one": obj.cap_one, "cap_two_or_more": obj.cap_two_or_more}
            write_audit(actor=by, action=AuditAction.TRACK_ADDED, obj=call, details=details)
            return
        for field in ("cap_one", "cap_two_or_more"):
            if old.get(field) != getattr(obj, field):
                write_audit(
                    actor=by,
                    action=AuditAction.TRACK_CAP_CHANGED,
                    obj=call,
                    details={"track": obj.pk, "field": field, "old": old.get(field), "new": getattr(obj, field)},
                )
    elif added:
        write_audit(
            actor=by, action=AuditAction.CRITERION_ADDED, obj=call, details={"criterion": obj.pk, "weight": obj.weight}
        )


@transaction.atomic
def publish_call(*, call: GrantCall, by: User) -> GrantCall:
    """Publish a call so that it is listed and (between its dates) open. Side effects: an audit row."""
    call = GrantCall.objects.select_for_update().get(pk=call.pk)
    if call.is_published:
        raise InvalidTransition(_("The call is already published."))
    if not call.tracks.exists():
        raise ServiceError(_("Add at least one track before publishing."))
    if not call.criteria.exists():
        raise ServiceError(_("Add at least one assessment criterion before publishing."))
    call.status = GrantCall.Status.PUBLISHED
    call.published_at = timezone.now()
    call.save(update_fields=["status", "published_at"])
    write_audit(actor=by, action=AuditAction.GRANTCALL_PUBLISHED, obj=call)
    return call


# --- Applications: drafts ----------------------------------------------------------------------------------------


def _check_fields(call: GrantCall, organisation: Organisation, *, track, contact, need, period_start, period_end):
    if track.call_id != call.pk:
        raise ServiceError(_("Choose one of the call's tracks."), field="track")
    if not contact.memberships.filter(organisation=organisation).exists():
        raise ServiceError(_("The contact person must be a member of your organisation."), field="contact")
    if need is not None and need.organisation_id != organisation.pk:
        raise ServiceError(_("Choose one of your organisation's needs."), field="need")
    require_dates_in_range(period_start=period_start, period_end=period_end)
    if period_start and period_end and period_end < period_start:
        raise ServiceError(_("The period cannot end before it starts."), field="period_end")


def _replace_lines(application, expertise: list[dict], budget: list[dict]):
    application.expertise_lines.all().delete()
    application.budget_lines.all().delete()
    ExpertiseLine.objects.bulk_create(
        ExpertiseLine(
            application=application,
            provider=row.get("provider", ""),
            competence=row.get("competence", ""),
            fee=row.get("fee"),
        )
        for row in expertise
    )
    for row in budget:
        if row.get("kind") not in BudgetLine.Kind.values:
            raise ServiceError(_("Only external costs are eligible: experts, test beds, labs and other external fees."))
    BudgetLine.objects.bulk_create(
        BudgetLine(
            application=application, kind=row["kind"], description=row.get("description", ""), amount=row.get("amount")
        )
        for row in budget
    )


@transaction.atomic
def create_application(
    *,
    call: GrantCall,
    organisation: Organisation,
    by: User,
    track: Track,
    contact: User,
    title: str,
    language: str = "sv",
    need: "Need | None" = None,
    purpose: str = "",
    background: str = "",
    expected_results: str = "",
    requested_amount: int | None = None,
    period_start: date | None = None,
    period_end: date | None = None,
    expertise: list[dict],
    budget: list[dict],
    files=(),
) -> Application:
    """Start a draft application while the call is open. Side effects: lines, attachments, an audit row."""
    call = GrantCall.objects.get(pk=call.pk)
    if not call.is_open:
        raise ServiceError(_("The call is not open for applications."))
    if not (organisation.is_public_body and organisation.is_verified):
        raise ServiceError(_("Only verified public bodies can apply."))
    _check_fields(
        call, organisation, track=track, contact=contact, need=need, period_start=period_start, period_end=period_end
    )
    application = Application.objects.create(
        call=call,
        organisation=organisation,
        created_by=by,
        track=track,
        contact=contact,
        title=title,
        language=language,
        need=need,
        purpose=purpose,
        background=background,
        expected_results=expected_results,
        requested_amount=requested_amount,
        period_start=period_start,
        period_end=period_end,
    )
    _replace_lines(application, expertise, budget)
    if files:
        attach_files(owner=application, files=files, by=by, purpose=APPLICANT_FILES)
    write_audit(actor=by, action=AuditAction.APPLICATION_CREATED, obj=application)
    return application


@transaction.atomic
def save_application(
    *,
    application: Application,
    by: User,
    track: Track,
    contact: User,
    title: str,
    language: str = "sv",
    need: "Need | None" = None,
    purpose: str = "",
    background: str = "",
    expected_results: str = "",
    requested_amount: int | None = None,
    period_start: date | None = None,
    period_end: date | None = None,
    expertise: list[dict],
    budget: list[dict],
    files=(),
) -> Application:
    """Save a draft, or the applicant's changes while a completion is requested (`Application.is_editable`).

    Raises InvalidTransition in any other state (for example after submitting from another tab).
    Side effects: lines replaced, attachments added, an audit row.
    """
    application = Application.objects.select_for_update().get(pk=application.pk)
    if not application.is_editable:
        raise InvalidTransition(
            _("The application can only be changed as a draft or when the handler has asked for a completion.")
        )
    _check_fields(
        application.call,
        application.organisation,
        track=track,
        contact=contact,
        need=need,
        period_start=period_start,
        period_end=period_end,
    )
    application.track = track
    application.contact = contact
    application.title = title
    application.language = language
    application.need = need
    application.purpose = purpose
    application.background = background
    application.expected_results = expected_results
    application.requested_amount = requested_amount
    application.period_start = period_start
    application.period_end = period_end
    application.save()
    _replace_lines(application, expertise, budget)
    if files:
        attach_files(owner=application, files=files, by=by, purpose=APPLICANT_FILES)
    write_audit(actor=by, action=AuditAction.APPLICATION_SAVED, obj=application)
    return application


def next_reference(year: int) -> str:
    """The next reference number of the year, IC-YYYY-NNNN: unique and gapless.

    Must run inside the submitting transaction: the counter row stays locked until
    it commits, and rolls back with it, so a failed submission leaves no gap.
    """
    ReferenceCounter.objects.bulk_create([ReferenceCounter(year=year, last=0)], ignore_conflicts=True)
    counter = ReferenceCounter.objects.select_for_update().get(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"IC-{year}-{counter.last:04d}"


# --- The state machine -------------------------------------------------------------------------------------------


def _lock(application: Application) -> Application:
    return (
        Application.objects.select_for_update(of=("self",))
        .select_related("call", "track", "organisation", "contact")
        .get(pk=application.pk)
    )


def _move(
    application: Application,
    to_state: str,
    *,
    by: User,
    message: str = "",
    event: AuditAction | None = None,
    details: dict | None = None,
    reply_by: date | None = None,
) -> Application:
    """Change the state of a locked application: history, one audit row and queued mails; an applicant's move
    (`Application.is_applicant_move`) also sets `waiting_since`.

    The audit row is the state's event unless `event` (with extra `details`) names the cause, e.g. a decision.
    """
    from_state = application.state
    if to_state not in TRANSITIONS.get(from_state, set()):
        raise InvalidTransition(
            _("An application that is %(current)s cannot become %(next)s.")
            % {"current": S(from_state).label.lower(), "next": S(to_state).label.lower()}
        )
    change = StateChange.objects.create(
        application=application, from_state=from_state, to_state=to_state, message=message, by=by, reply_by=reply_by
    )
    application.state = to_state
    if Application.is_applicant_move(from_state, to_state):
        application.waiting_since = change.created_at  # the queue's days waiting count from here
    application.save()
    write_audit(
        actor=by,
        action=event or AuditAction.state_change("application", to_state),
        obj=application,
        details={"from": from_state, "to": to_state, **(details or {})},
    )
    recipients = selectors.people_to_mail(application)
    context = {
        "application": application,
        "state_label": S(to_state).label,
        "message": message,
        "reply_by": reply_by,
        # What the mail asks of the applicant, from the move itself (the template compares no state names).
        "asks_completion": application.awaits_completion,
        "asks_final_report_completion": application.awaits_final_report and from_state == S.FINAL_REPORT_SUBMITTED,
        "letter_follows": event in DECISION_EVENTS,
    }
    # Queued with the change (portal/mail.py): the mail server is never asked during the request.
    send_mail_to(recipients, template="checks/mail/state_changed", context=context)
    return application


def _ensure_no_conflict(application, handler):
    if not is_handler(handler):
        raise ServiceError(_("Only handlers can do this."))
    handler._check_conflicts_cache = None
    if selectors.conflict_for(handler, application) is not None:
        raise ServiceError(_("You have declared a conflict of interest with this application."))


@transaction.atomic
def submit_application(*, application: Application, by: User) -> Application:
    """Submit a complete draft while the call is open; give it its reference number.

    Side effects: reference number, history, audit row, mail (through `_move`); the call's followers are told
    (`notifications.application_submitted`).
    """
    # The call row first, as in save_call: a cap lowered at this moment is either seen here or refused there.
    GrantCall.objects.select_for_update().filter(pk=application.call_id).first()
    application = _lock(application)
    if not application.is_draft:
        raise InvalidTransition(_("The application has already been submitted."))
    if not application.call.is_open:
        raise ServiceError(
            _("The call closed on %(date)s; the application can no longer be submitted.")
            % {"date": application.call.closes_on.isoformat()}
        )
    missing = selectors.missing_items(application)
    if missing:
        raise ServiceError(_("The application is not complete yet: see the list of what is missing."))
    now = timezone.now()
    application.reference = next_reference(timezone.localtime(now).year)
    application.submitted_at = now
    _move(application, S.SUBMITTED, by=by)
    notifications.application_submitted(application=application, by=by)
    return application


@transaction.atomic
def withdraw_application(*, application: Application, by: User, message: str = "") -> Application:
    """Withdraw a draft or a submitted application. Side effects: through `_move`."""
    return _move(_lock(application), S.WITHDRAWN, by=by, message=message)


@transaction.atomic
def resubmit_application(*, application: Application, by: User, message: str = "") -> Application:
    """Send a completed application back to the handlers. Side effects: through `_move`; the assigned handler
    (or the call's followers) are told (`notifications.completion_returned`)."""
    application = _lock(application)
    if not application.awaits_completion:
        raise InvalidTransition(_("The application has already been sent back to the handlers."))
    if selectors.missing_items(application):
        raise ServiceError(_("The application is not complete yet: see the list of what is missing."))
    take_snapshot(application, ApplicationSnapshot.Moment.RETURNED)
    _move(application, S.IN_REVIEW, by=by, message=message)
    notifications.completion_returned(application=application, by=by)
    return application


# --- Handling ----------------------------------------------------------------------------------------------------


@transaction.atomic
def assign_application(*, application: Application, handler: User | None, by: User) -> Application:
    """Assign a handler (or nobody); a submitted application goes into review.

    Side effects: an audit row; the state change through `_move` when it starts the review; the new handler is
    told unless they assigned themselves (`notifications.application_assigned`).
    """
    application = _lock(application)
    if not application.is_under_handling:
        raise InvalidTransition(_("Only applications under handling can be assigned."))
    if handler is not None:
        if not is_handler(handler):
            raise ServiceError(_("Only handlers can be assigned."), field="handler")
        handler._check_conflicts_cache = None
        if selectors.conflict_for(handler, application) is not None:
            raise ServiceError(
                _("This handler has declared a conflict of interest with the application."), field="handler"
            )
    previous = application.assigned_to_id
    application.assigned_to = handler
    application.save(update_fields=["assigned_to", "updated_at"])
    write_audit(
        actor=by,
        action=AuditAction.APPLICATION_ASSIGNED,
        obj=application,
        details={"handler": handler.pk if handler else None},
    )
    if application.state == S.SUBMITTED and handler is not None:
        _move(application, S.IN_REVIEW, by=by)
    if handler is not None and handler.pk != previous:
        notifications.application_assigned(application=application, handler=handler, by=by)
    return application


@transaction.atomic
def declare_conflict(
    *, handler: User, reason: str, application: Application | None = None, organisation: Organisation | None = None
) -> ConflictOfInterest:
    """Record a handler's conflict of interest with an application or a whole organisation.

    Side effects: an audit row; the handler is unassigned from the affected applications.
    """
    if not reason.strip():
        raise ServiceError(_("Say briefly why (e.g. a relative works there)."), field="reason")
    if application is None and organisation is None:
        raise ServiceError(_("Choose the application or the organisation."))
    conflict = ConflictOfInterest.objects.create(
        handler=handler, application=application, organisation=organisation, reason=reason.strip()
    )
    affected = Application.objects.filter(assigned_to=handler)
    affected = affected.filter(organisation=organisation) if organisation else affected.filter(pk=application.pk)
    affected.update(assigned_to=None)
    handler._check_conflicts_cache = None
    write_audit(
        actor=handler,
        action=AuditAction.CONFLICT_DECLARED,
        obj=application or organisation,
        details={"conflict": conflict.pk},
    )
    return conflict


@transaction.atomic
def lift_conflict(*, conflict: ConflictOfInterest, by: User, reason: str) -> ConflictOfInterest:
    """A portal admin lifts a declared conflict of interest, with a reason; the row stays as the record.

    From then on the handler's reviews count again and they can be assigned. Raises InvalidTransition if it was
    already lifted (for example from another tab). Side effects: an audit row with the conflict and the handler.
    """
    if not is_portal_admin(by):
        raise ServiceError(_("Only a portal admin can lift a conflict of interest."))
    if not reason.strip():
        raise ServiceError(_("Say why the conflict no longer stands."), field="reason")
    conflict = ConflictOfInterest.objects.select_for_update().get(pk=conflict.pk)
    if not conflict.is_active:
        raise InvalidTransition(_("The conflict of interest has already been lifted."))
    conflict.lifted_at = timezone.now()
    conflict.lifted_by = by
    conflict.lift_reason = reason.strip()
    conflict.save(update_fields=["lifted_at", "lifted_by", "lift_reason"])
    write_audit(
        actor=by,
        action=AuditAction.CONFLICT_LIFTED,
        obj=conflict.application or conflict.organisation,
        details={"conflict": conflict.pk, "handler": conflict.handler_id},
    )
    return conflict


@transaction.atomic
def save_review(
    *, application: Application, handler: User, scores: dict[int, tuple[int, str]], recommendation: str
) -> Review:
    """Create or replace the handler's review: a score 1–5 and a comment per criterion, a recommendation.

    Side effects: the review's weighted score, an audit row.
    """
    application = _lock(application)
    if not application.is_reviewable:
        raise InvalidTransition(_("The application can no longer be scored."))
    _ensure_no_conflict(application, handler)
    criteria = {criterion.pk: criterion for criterion in application.call.criteria.all()}
    if set(scores) != set(criteria):
        raise ServiceError(_("Score every criterion."))
    for value, _comment in scores.values():
        if value not in range(1, 6):
            raise ServiceError(_("Scores go from 1 to 5."))
    if recommendation not in Review.Recommendation.values:
        raise ServiceError(_("Choose a recommendation."), field="recommendation")
    review, _created = Review.objects.update_or_create(
        application=application, handler=handler, defaults={"recommendation": recommendation}
    )
    review.scores.all().delete()
    Score.objects.bulk_create(
        Score(review=review, criterion=criteria[pk], score=value, comment=comment)
        for pk, (value, comment) in scores.items()
    )
    review.weighted_score = weighted_average((value, criteria[pk].weight) for pk, (value, _c) in scores.items())
    review.save(update_fields=["weighted_score"])
    write_audit(
        actor=handler,
        action=AuditAction.APPLICATION_REVIEWED,
        obj=application,
        details={"recommendation": recommendation},
    )
    return review


@transaction.atomic
def request_completion(*, application: Application, by: User, message: str, reply_by: date | None) -> Application:
    """Ask the applicant to complete the application by `reply_by`; it is editable for them until they send it back.

    Side effects: a snapshot of the application as it is now (the handler's comparison), the deadline on the
    request in the history, and through `_move` the history, audit row and mail.
    """
    if not message.strip():
        raise ServiceError(_("Write what the applicant should complete."), field="message")
    if reply_by is None:
        raise ServiceError(_("Give the date the applicant should reply by."), field="reply_by")
    require_dates_in_range(reply_by=reply_by)
    if reply_by <= timezone.localdate():
        raise ServiceError(_("The reply date must be after today."), field="reply_by")
    application = _lock(application)
    _ensure_no_conflict(application, by)
    take_snapshot(application, ApplicationSnapshot.Moment.REQUESTED)
    application = _move(application, S.COMPLETION_REQUESTED, by=by, message=message.strip(), reply_by=reply_by)
    return application


def _checked_amount(application, call, *, outcome: str, granted_amount: int | None, freed: int = 0) -> int:
    """The granted amount of an approval within the request, the track's cap and what is left of the budget
    (`freed`: the amount of the decision a correction replaces); 0 for a rejection."""
    if outcome == Decision.Outcome.REJECTED:
        return 0
    if outcome != Decision.Outcome.APPROVED:
        raise ServiceError(_("Choose approve or reject."), field="outcome")
    if not granted_amount or granted_amount <= 0:
        raise ServiceError(_("Enter the granted amount."), field="granted_amount")
    if granted_amount > (application.requested_amount or 0):
        raise ServiceError(
            _("The granted amount cannot be more than the requested %(amount)s SEK.")
            % {"amount": application.requested_amount},
            field="granted_amount",
        )
    if granted_amount > application.cap:
        raise ServiceError(
            _("The granted amount cannot be more than the track's cap of %(cap)s SEK.") % {"cap": application.cap},
            field="granted_amount",
        )
    left = call.total_budget - selectors.budget_granted(call) + freed
    if granted_amount > left:
        raise ServiceError(
            _("Only %(left)s SEK is left of the call's budget.") % {"left": left}, field="granted_amount"
        )
    return granted_amount


def _replace_pending(application) -> None:
    DecisionProposal.objects.filter(application=application, status=DecisionProposal.Status.PENDING).update(
        status=DecisionProposal.Status.REPLACED
    )


@transaction.atomic
def propose_decision(
    *, application: Application, by: User, outcome: str, reasoning: str, granted_amount: int | None = None
) -> DecisionProposal:
    """Propose approval with a granted amount, or rejection, with reasoning (the handler is föredragande).

    A handler with the right to decide, not the proposer, decides it (`decide_proposal`). A new proposal
    replaces one still waiting. Side effects: a DecisionProposal, an earlier pending one marked replaced, an
    audit row; the deciders but the presenter are told (`notifications.proposal_awaits`). Nothing is mailed to
    the applicant: they hear of the decision, not of the proposal.
    """
    if not reasoning.strip():
        raise ServiceError(_("Give the reasoning for the decision."), field="reasoning")
    application = _lock(application)
    _ensure_no_conflict(application, by)
    if not application.is_in_review:
        raise InvalidTransition(_("Only applications in review can be decided."))
    amount = _checked_amount(application, application.call, outcome=outcome, granted_amount=granted_amount)
    _replace_pending(application)
    proposal = DecisionProposal.objects.create(
        application=application, outcome=outcome, granted_amount=amount, reasoning=reasoning.strip(), proposed_by=by
    )
    write_audit(
        actor=by,
        action=AuditAction.DECISION_PROPOSED,
        obj=application,
        details={"proposal": proposal.pk, "outcome": outcome, "amount": amount},
    )
    notifications.proposal_awaits(application=application, proposal=proposal, by=by)
    return proposal


@transaction.atomic
def propose_correction(
    *, application: Application, by: User, reason: str, reasoning: str, granted_amount: int | None = None
) -> DecisionProposal:
    """Propose a correction (rättelse, förvaltningslagen 36 §) of the decision that stands: a new decision with
    the same outcome that refers to it, with the reason for the correction; decided like any proposal.

    Side effects: a DecisionProposal referring to the decision, an earlier pending one marked replaced, an
    audit row; the deciders but the presenter are told (`notifications.proposal_awaits`).
    """
    if not reason.strip():
        raise ServiceError(_("Say what is corrected and why."), field="reason")
    if not reasoning.strip():
        raise ServiceError(_("Give the reasoning for the decision."), field="reasoning")
    application = _lock(application)
    _ensure_no_conflict(application, by)
    old = Decision.objects.filter(application=application).first()
    if old is None or not application.is_correctable:
        raise InvalidTransition(_("Only a decision that stands, before the final report, can be corrected."))
    amount = _checked_amount(
        application, application.call, outcome=old.outcome, granted_amount=granted_amount, freed=old.granted_amount
    )
    _replace_pending(application)
    proposal = DecisionProposal.objects.create(
        application=application,
        outcome=old.outcome,
        granted_amount=amount,
        reasoning=reasoning.strip(),
        corrects=old,
        correction_reason=reason.strip(),
        proposed_by=by,
    )
    write_audit(
        actor=by,
        action=AuditAction.DECISION_PROPOSED,
        obj=application,
        details={"proposal": proposal.pk, "outcome": old.outcome, "amount": amount, "corrects": old.pk},
    )
    notifications.proposal_awaits(application=application, proposal=proposal, by=by)
    return proposal


@transaction.atomic
def decide_proposal(*, application: Application, by: User, proposal_id: int | None = None) -> Decision:
    """Decide the pending proposal as beslutsfattare: a handler with the right to decide who did not propose it.

    The call row is locked first and then the application and the proposal, so two handlers deciding at the
    same moment are serialised: one decides, the other is told it is already decided, and the sum granted in a
    call never exceeds its budget. `proposal_id` (from the confirmation page) must still be the pending one.
    Side effects: a Decision (presented_by = the proposer), the proposal marked decided, for a first decision
    the state change through `_move` (its audit row is the decision event), for a correction the corrected
    decision kept in the history and a DECISION_CORRECTED audit row; the decision letter queued on commit.
    """
    call = GrantCall.objects.select_for_update().get(pk=application.call_id)
    application = _lock(application)
    _ensure_no_conflict(application, by)
    if not r.is_decider(by):
        raise ServiceError(_("You do not have the right to decide. A portal admin can give it to you."))
    proposal = (
        DecisionProposal.objects.select_for_update()
        .filter(application=application, status=DecisionProposal.Status.PENDING)
        .first()
    )
    if proposal is None or (proposal_id is not None and proposal.pk != proposal_id):
        decided = (
            proposal_id is not None
            and DecisionProposal.objects.filter(pk=proposal_id, status=DecisionProposal.Status.DECIDED).exists()
        )
        if decided:
            raise InvalidTransition(_("This proposal has already been decided."))
        if proposal is not None:
            raise InvalidTransition(_("The proposal has been replaced by a later one. Check the new proposal."))
        raise InvalidTransition(_("There is no proposal to decide. A handler must first propose a decision."))
    if proposal.proposed_by_id == by.pk:
        raise ServiceError(_("You presented this proposal, so another handler must decide it (four eyes)."))
    old = proposal.corrects
    if old is not None:
        if old.application_id != application.pk or not application.is_correctable:
            raise InvalidTransition(_("Only a decision that stands, before the final report, can be corrected."))
        freed = old.granted_amount
    else:
        if not application.is_in_review:
            raise InvalidTransition(_("Only applications in review can be decided."))
        freed = 0
    amount = _checked_amount(
        application, call, outcome=proposal.outcome, granted_amount=proposal.granted_amount or None, freed=freed
    )
    if old is not None:
        old.application = None
        old.save(update_fields=["application"])
    decision = Decision.objects.create(
        application=application,
        for_application=application,
        outcome=proposal.outcome,
        granted_amount=amount,
        reasoning=proposal.reasoning,
        decided_by=by,
        presented_by=proposal.proposed_by,
        corrects=old,
        correction_reason=proposal.correction_reason,
    )
    proposal.status = DecisionProposal.Status.DECIDED
    proposal.decision = decision
    proposal.save(update_fields=["status", "decision"])
    application._pending_proposal = None
    if old is None:
        approved = proposal.outcome == Decision.Outcome.APPROVED
        to_state = S.APPROVED if approved else S.REJECTED
        event = AuditAction.DECISION_APPROVED if approved else AuditAction.DECISION_REJECTED
        _move(application, to_state, by=by, message=decision.reasoning, event=event, details={"amount": amount})
    else:
        write_audit(
            actor=by,
            action=AuditAction.DECISION_CORRECTED,
            obj=application,
            details={"corrects": old.pk, "decision": decision.pk, "amount": amount},
        )
    application.decision = decision
    order_decision_letter(application=application, by=by)
    return decision


@transaction.atomic
def set_decide_right(*, user: User, allowed: bool, by: User) -> bool:
    """Give a handler the right to decide (beslutsfattare: the deciders' group) or take it away.

    Only handlers can have it. Returns whether anything changed. Side effects: the group membership, an audit
    row (granted or revoked) when it changed.
    """
    from django.contrib.auth.models import Group

    if not is_handler(user):
        raise ServiceError(_("Only handlers can have the right to decide."))
    group, _created = Group.objects.get_or_create(name=r.DECIDERS_GROUP)
    has = user.groups.filter(pk=group.pk).exists()
    if has == allowed:
        return False
    if allowed:
        user.groups.add(group)
    else:
        user.groups.remove(group)
    user._group_names_cache = None
    write_audit(
        actor=by, action=AuditAction.DECIDE_RIGHT_GRANTED if allowed else AuditAction.DECIDE_RIGHT_REVOKED, obj=user
    )
    return True


# --- Final report ------------------------------------------------------------------------------------------------


@transaction.atomic
def submit_final_report(
    *,
    application: Application,
    by: User,
    results: str,
    outcome: str,
    procurement_started: bool,
    procedure: str,
    actual_costs: dict[int, int | None],
    files=(),
) -> FinalReport:
    """The applicant reports results and actual external costs per budget line.

    Side effects: the report, actual costs, attachments, the state change through `_move`; the assigned handler
    (or the call's followers) are told (`notifications.final_report_submitted`).
    """
    application = _lock(application)
    if not application.awaits_final_report:
        raise InvalidTransition(_("A final report can only be submitted for an approved application."))
    if not application.period_has_ended:
        raise InvalidTransition(final_report_not_yet_message(application))
    if not results.strip() or not outcome.strip():
        raise ServiceError(_("Describe the results and what the expertise led to."))
    if procedure not in FinalReport.Procedure.values:
        raise ServiceError(_("Choose the procedure."), field="procedure")
    if procurement_started and procedure == FinalReport.Procedure.NOT_STARTED:
        raise ServiceError(_("Choose the procedure of the procurement that has started."), field="procedure")
    if not procurement_started and procedure != FinalReport.Procedure.NOT_STARTED:
        raise ServiceError(
            _("Tick that a procurement has started, or choose that no procurement has started (yet)."),
            field="procedure",
        )
    report, _created = FinalReport.objects.update_or_create(
        application=application,
        defaults={
            "results": results.strip(),
            "outcome": outcome.strip(),
            "procurement_started": procurement_started,
            "procedure": procedure,
            "submitted_at": timezone.now(),
        },
    )
    for line in application.budget_lines.all():
        if line.pk in actual_costs:
            line.actual_amount = actual_costs[line.pk]
            line.save(update_fields=["actual_amount"])
    if files:
        attach_files(owner=application, files=files, by=by, purpose=FINAL_REPORT_FILES)
    _move(application, S.FINAL_REPORT_SUBMITTED, by=by)
    notifications.final_report_submitted(application=application, by=by)
    return report


def final_report_not_yet_message(application: Application) -> str:
    """What the applicant is told while the period runs: from which day the report can be submitted."""
    return _(
        "The final report can be submitted from %(date)s, when the period has ended. It is due %(due)s at the latest."
    ) % {
        "date": application.final_report_opens_on.isoformat(),
        "due": application.final_report_due.isoformat(),
    }


@transaction.atomic
def change_period_end(*, application: Application, by: User, period_end: date, reason: str) -> Application:
    """A handler ends an approved application's period early (or sets a new end date), e.g. when the expertise
    is delivered: the final report can be submitted the day after the new end date, and is due the call's
    number of days after it.

    Side effects: the application's period end, an audit row with the old and new end date and the reason.
    """
    reason = reason.strip()
    if not reason:
        raise ServiceError(_("Write why the period is changed."), field="reason")
    application = _lock(application)
    _ensure_no_conflict(application, by)
    if not application.awaits_final_report:
        raise InvalidTransition(_("The period can only be changed while the final report is awaited."))
    require_dates_in_range(period_end=period_end)
    if application.period_start and period_end < application.period_start:
        raise ServiceError(_("The period cannot end before it starts."), field="period_end")
    old = application.period_end
    application.period_end = period_end
    application.save(update_fields=["period_end", "updated_at"])
    write_audit(
        actor=by,
        action=AuditAction.APPLICATION_PERIOD_CHANGED,
        obj=application,
        details={"from": old.isoformat() if old else "", "to": period_end.isoformat(), "reason": reason},
    )
    return application


@transaction.atomic
def accept_final_report(*, application: Application, by: User) -> Application:
    """Accept the final report and close the application. Side effects: through `_move`."""
    application = _lock(application)
    _ensure_no_conflict(application, by)
    FinalReport.objects.filter(application=application).update(accepted_at=timezone.now(), accepted_by=by)
    return _move(application, S.CLOSED, by=by)


@transaction.atomic
def request_report_completion(*, application: Application, by: User, message: str) -> Application:
    """Send the final report back to the applicant with a message. Side effects: through `_move`."""
    if not message.strip():
        raise ServiceError(_("Write what the applicant should complete."), field="message")
    application = _lock(application)
    _ensure_no_conflict(application, by)
    if not application.has_final_report_to_handle:
        raise InvalidTransition(_("There is no submitted final report to send back."))
    return _move(application, S.APPROVED, by=by, message=message.strip())
