"""Writes of the projects app: needs, assessments, calls, responses, questions, interest profiles, alerts.

Every function is keyword-only, raises `ServiceError` / `InvalidTransition` with a
message for the user, and lists its side effects in its docstring.
"""

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from portal.audit import AuditAction
from portal.clock import database_now
from portal.files import attach_files
from portal.mail import send_mail_to
from portal.models import Organisation, User
from portal.outbox import enqueue
from portal.services import InvalidTransition, ServiceError, require_dates_in_range, write_audit

from . import search_index
from .meetings.services import cancel_meetings_of_call
from .models import (
    ANSWER_MAX_LENGTH,
    ANSWER_TOO_LONG,
    QUESTION_MAX_LENGTH,
    QUESTION_TOO_LONG,
    Call,
    CallAlert,
    Category,
    CpvCode,
    InterestProfile,
    MarketGapAssessment,
    Need,
    Question,
    Response,
    stored_call_state_q,
)
from .notifications import notify_call_participants
from .procedures import suggest_procedure
from .response_history.services import record_version, require_complete
from .structured import services as structured

__all__ = ["ServiceError", "InvalidTransition"]

# The state machines live on the models (every state, including a call's derived "scheduled"); these names stay
# for the code that walks them.
CALL_TRANSITIONS = Call.TRANSITIONS
RESPONSE_TRANSITIONS = Response.TRANSITIONS


def _require_verified_public_body(organisation: Organisation) -> None:
    if not (organisation.is_public_body and organisation.is_verified):
        raise ServiceError(_("Only verified public bodies can do this."))


def _require_company(organisation: Organisation) -> None:
    if not organisation.is_company:
        raise ServiceError(_("Only companies can do this."))


ONLY_VERIFIED_COMPANIES = _(
    "This call accepts responses from verified companies only, and a portal administrator has not verified your "
    "company yet."
)


def _require_accepted_by_call(call: Call, organisation: Organisation) -> None:
    """A call for verified companies only takes no response (new, changed or submitted) from an unverified one."""
    if call.verified_companies_only and not organisation.is_verified:
        raise ServiceError(ONLY_VERIFIED_COMPANIES)


# --- search ------------------------------------------------------------------------------------------------------


def need_search_parts(need: Need) -> dict[str, str]:
    """The analysed terms of a need in its weighted parts (projects.search_index).

    Of the market-gap assessment only the current version's public summary is indexed: the catalogue search and
    the alerts are public, so the internal parts (evidence, risks, sources, procedure, rationale) never go in.
    """
    return search_index.need_parts(need, need.cpv_codes.all(), public_assessment_summary(need))


def public_assessment_summary(need: Need) -> str:
    """The public summary of the need's current assessment ("" when there is none or it publishes none)."""
    return need.assessments.order_by("-version").values_list("public_summary", flat=True).first() or ""


def update_search_vectors(*, need: Need | None = None, call: Call | None = None) -> None:
    """Store the analysed terms of a need (and of its calls, which include its texts) or of a call, and refresh
    the database's index of them (FTS5 on SQLite, `search_vector` on PostgreSQL)."""
    if need is not None:
        parts = need_search_parts(need)
        Need.objects.filter(pk=need.pk).update(**parts)
        search_index.refresh("projects_need", [need.pk])
        calls = list(Call.objects.filter(need=need))
        for each in calls:
            Call.objects.filter(pk=each.pk).update(**search_index.call_parts(each, need, parts["search_body"]))
        search_index.refresh("projects_call", [each.pk for each in calls])
    if call is not None:
        need_of_call = Need.objects.get(pk=call.need_id)
        need_body = need_search_parts(need_of_call)["search_body"]
        Call.objects.filter(pk=call.pk).update(**search_index.call_parts(call, need_of_call, need_body))
        search_index.refresh("projects_call", [call.pk])


# --- needs -------------------------------------------------------------------------------------------------------


def _set_need_fields(need: Need, **fields) -> None:
    for name, value in fields.items():
        setattr(need, name, value)


@transaction.atomic
def create_need(
    *,
    organisation: Organisation,
    by: User,
    title: str,
    summary: str,
    problem: str = "",
    desired_effects: str = "",
    affected: str = "",
    themes: list[str] = (),
    category: str = Category.OTHER,
    estimated_value: int | None = None,
    planned_start: date | None = None,
    stage: str = Need.Stage.NEED,
    language: str = "sv",
    cpv_codes: list[CpvCode] = (),
) -> Need:
    """Create a draft need for a verified public body. Side effects: audit row, search vector."""
    _require_verified_public_body(organisation)
    require_dates_in_range(planned_start=planned_start)
    need = Need(organisation=organisation, author=by, visibility=Need.Visibility.DRAFT)
    _set_need_fields(
        need,
        title=title,
        summary=summary,
        problem=problem,
        desired_effects=desired_effects,
        affected=affected,
        themes=list(themes),
        category=category,
        estimated_value=estimated_value,
        planned_start=planned_start,
        stage=stage,
        language=language,
    )
    need.full_clean(exclude=["search_vector"])
    need.save()
    need.cpv_codes.set(cpv_codes)
    write_audit(actor=by, action=AuditAction.NEED_CREATED, obj=need)
    update_search_vectors(need=need)
    return need


@transaction.atomic
def update_need(
    *,
    need: Need,
    by: User,
    title: str,
    summary: str,
    problem: str = "",
    desired_effects: str = "",
    affected: str = "",
    themes: list[str] = (),
    category: str = Category.OTHER,
    estimated_value: int | None = None,
    planned_start: date | None = None,
    stage: str = Need.Stage.NEED,
    language: str = "sv",
    cpv_codes: list[CpvCode] = (),
) -> Need:
    """Save edits to a need (draft or published); an argument left out is an empty field, as in the form.

    Side effects: audit row (with a stage change), search vector."""
    require_dates_in_range(planned_start=planned_start)
    need = Need.objects.select_for_update().get(pk=need.pk)
    old_stage = need.stage
    _set_need_fields(
        need,
        title=title,
        summary=summary,
        problem=problem,
        desired_effects=desired_effects,
        affected=affected,
        themes=list(themes),
        category=category,
        estimated_value=estimated_value,
        planned_start=planned_start,
        stage=stage,
        language=language,
    )
    need.full_clean(exclude=["search_vector"])
    need.save()
    need.cpv_codes.set(cpv_codes)
    details = {"from": old_stage, "to": need.stage} if old_stage != need.stage else None
    write_audit(actor=by, action=AuditAction.NEED_UPDATED, obj=need, details=details)
    update_search_vectors(need=need)
    return need


@transaction.atomic
def set_need_visibility(*, need: Need, by: User, visibility: str) -> Need:
    """Publish a draft need or take a published one back to draft.

    A need with published calls cannot be taken back. Side effects: audit row.
    """
    need = Need.objects.select_for_update().select_related("organisation").get(pk=need.pk)
    if visibility not in Need.Visibility.values:
        raise InvalidTransition(_("Unknown visibility."))
    if need.visibility == visibility:
        raise InvalidTransition(_("The need is already %(state)s.") % {"state": need.get_visibility_display().lower()})
    if visibility == Need.Visibility.PUBLISHED:
        _require_verified_public_body(need.organisation)
        need.published_at = need.published_at or timezone.now()
    elif not need.can_be_unpublished:
        raise InvalidTransition(_("The need has published calls, so it must stay published."))
    need.visibility = visibility
    need.save(update_fields=["visibility", "published_at", "updated_at"])
    write_audit(actor=by, action=AuditAction.state_change("need", visibility), obj=need)
    return need


@transaction.atomic
def delete_need(*, need: Need, by: User) -> None:
    """Delete a draft need that has no calls.

    Side effects: audit row; its decision-support documents go with it, their PDF files are deleted on commit.
    """
    need = Need.objects.select_for_update().get(pk=need.pk)
    if not need.can_be_deleted:
        raise InvalidTransition(_("Only draft needs without calls can be deleted."))
    files = [(document.file.storage, document.file.name) for document in need.decision_documents.exclude(file="")]
    write_audit(actor=by, action=AuditAction.NEED_DELETED, obj=need, details={"title": need.title})
    need.delete()
    transaction.on_commit(lambda: [storage.delete(name) for storage, name in files], robust=True)


# --- assessments -------------------------------------------------------------------------------------------------


@transaction.atomic
def record_assessment(
    *,
    need: Need,
    by: User,
    conclusion: str,
    evidence: str,
    trl: int,
    source_desk_research: bool = False,
    source_rfi: bool = False,
    source_suppliers: bool = False,
    suppliers_consulted: int | None = None,
    sources_notes: str = "",
    risks: str = "",
    chosen_procedure: str = "",
    rationale: str = "",
    public_summary: str = "",
    publish_conclusion: bool = False,
    publish_trl: bool = False,
) -> MarketGapAssessment:
    """Save a new version of the need's market-gap assessment; earlier versions stay as history.

    Stores the portal's suggested procedure next to the buyer's choice (the suggestion when none is chosen).
    The version is internal except what the buyer chooses to publish with it: `public_summary` and, when
    asked, the conclusion and the TRL estimate. Moves a need still in the need stage to market analysis.
    Side effects: audit row, search vector (the public summary is searchable; nothing internal is).
    """
    need = Need.objects.select_for_update().get(pk=need.pk)
    suggestion = suggest_procedure(conclusion=conclusion, trl=trl)
    last = need.assessments.order_by("-version").values_list("version", flat=True).first() or 0
    assessment = MarketGapAssessment(
        need=need,
        version=last + 1,
        author=by,
        suggested_procedure=suggestion.procedure,
        conclusion=conclusion,
        evidence=evidence,
        trl=trl,
        source_desk_research=source_desk_research,
        source_rfi=source_rfi,
        source_suppliers=source_suppliers,
        suppliers_consulted=suppliers_consulted,
        sources_notes=sources_notes,
        risks=risks,
        chosen_procedure=chosen_procedure,
        rationale=rationale,
        public_summary=public_summary.strip(),
        publish_conclusion=publish_conclusion,
        publish_trl=publish_trl,
    )
    if not assessment.chosen_procedure:
        assessment.chosen_procedure = suggestion.procedure
    if assessment.source_suppliers and not assessment.suppliers_consulted:
        raise ServiceError(_("Say how many suppliers you consulted."), field="suppliers_consulted")
    assessment.full_clean()
    assessment.save()
    if need.stage == Need.Stage.NEED:
        need.stage = Need.Stage.MARKET_ANALYSIS
        need.save(update_fields=["stage", "updated_at"])
    write_audit(
        actor=by,
        action=AuditAction.NEED_ASSESSED,
        obj=need,
        details={
            "version": assessment.version,
            "conclusion": assessment.conclusion,
            "trl": assessment.trl,
            "procedure": assessment.chosen_procedure,
            "published": [
                name
                for name, chosen in (
                    ("summary", bool(assessment.public_summary)),
                    ("conclusion", assessment.publish_conclusion),
                    ("trl", assessment.publish_trl),
                )
                if chosen
            ],
        },
    )
    update_search_vectors(need=need)
    return assessment


# --- calls -------------------------------------------------------------------------------------------------------


def _check_call_dates(opens_at: datetime, closes_at: datetime) -> None:
    require_dates_in_range(opens_at=opens_at, closes_at=closes_at)
    if opens_at and closes_at and closes_at <= opens_at:
        raise ServiceError(_("The call must close after it opens."), field="closes_at")


@transaction.atomic
def create_call(
    *,
    need: Need,
    by: User,
    title: str,
    description: str,
    opens_at: datetime,
    closes_at: datetime,
    kind: str = Call.Kind.RFI,
    questions_to_market: str = "",
    verified_companies_only: bool = False,
    responses_sealed: bool = False,
    language: str = "sv",
    attachments=(),
) -> Call:
    """Create a draft call from a published need; `questions_to_market` (one per line) become its numbered
    questions (`MarketQuestion`). Side effects: attachments, audit row, search vector."""
    need = Need.objects.select_related("organisation").get(pk=need.pk)
    _require_verified_public_body(need.organisation)
    if not need.is_published:
        raise ServiceError(_("Publish the need before you create a call from it."))
    _check_call_dates(opens_at, closes_at)
    questions = structured.parse_questions(questions_to_market)
    call = Call(
        need=need,
        created_by=by,
        status=Call.Status.DRAFT,
        kind=kind,
        title=title,
        language=language,
        description=description,
        questions_to_market="\n".join(questions),
        opens_at=opens_at,
        closes_at=closes_at,
        verified_companies_only=verified_companies_only,
        responses_sealed=responses_sealed,
    )
    call.full_clean(exclude=["search_vector", "need"])
    call.save()
    structured.set_market_questions(call=call, questions=questions)
    if attachments:
        attach_files(owner=call, files=attachments, by=by)
    write_audit(actor=by, action=AuditAction.CALL_CREATED, obj=call)
    update_search_vectors(call=call)
    return call


NOT_EDITABLE = _("A call can only be changed before it opens.")


@transaction.atomic
def update_call(
    *,
    call: Call,
    by: User,
    kind: str,
    title: str,
    description: str,
    questions_to_market: str,
    opens_at: datetime,
    closes_at: datetime,
    verified_companies_only: bool,
    responses_sealed: bool = False,
    language: str = "sv",
    attachments=(),
) -> Call:
    """Edit a call that has not opened yet (`Call.is_editable`); its numbered questions follow the lines of
    `questions_to_market`. Side effects: attachments, audit row, search vector."""
    call = Call.objects.select_for_update().get(pk=call.pk)
    if not call.is_editable:
        raise InvalidTransition(NOT_EDITABLE)
    _check_call_dates(opens_at, closes_at)
    questions = structured.parse_questions(questions_to_market)
    call.kind, call.title, call.description, call.language = kind, title, description, language
    call.questions_to_market, call.verified_companies_only = "\n".join(questions), verified_companies_only
    call.opens_at, call.closes_at = opens_at, closes_at
    call.responses_sealed = responses_sealed
    call.full_clean(exclude=["search_vector", "need"])
    call.save()
    structured.set_market_questions(call=call, questions=questions)
    if attachments:
        attach_files(owner=call, files=attachments, by=by)
    write_audit(actor=by, action=AuditAction.CALL_UPDATED, obj=call)
    update_search_vectors(call=call)
    return call


def publish_call(*, call: Call, by: User) -> Call:
    """Publish a draft call: it is scheduled, and opens now if its opening time has come, otherwise on time by the
    periodic task. Side effects: see `transition_call`."""
    return transition_call(call=call, to=Call.State.SCHEDULED, by=by)


@transaction.atomic
def transition_call(
    *, call: Call, to: str, by: User | None = None, reason: str = "", now: datetime | None = None
) -> Call:
    """Move a call to another state (the one place that does so): publish (draft → scheduled), open, close, cancel.

    Locks the row, checks `Call.TRANSITIONS` from the stored state (`Call.state`), stamps the time, writes an audit
    row. Publishing needs a verified public body, a published need and a closing time to come; it opens the call
    at once when its opening time has come and moves the need to the dialogue stage. Cancelling needs a reason
    and a call that has not closed by its dates. Closing needs the closing time to have come, read after the lock
    (an amendment may have moved it later while the periodic task waited). `now` defaults to the current time.
    Side effects: audit row, `projects.tasks.send_call_alerts` via the outbox when opened.
    """
    call = Call.objects.select_for_update().select_related("need__organisation").get(pk=call.pk)
    previous = call.state
    if to not in Call.TRANSITIONS[previous]:
        if to == Call.State.SCHEDULED:
            raise InvalidTransition(_("Only unpublished draft calls can be published."))
        raise InvalidTransition(
            _("A call that is %(from)s cannot become %(to)s.")
            % {"from": Call.State(previous).label.lower(), "to": Call.State(to).label.lower()}
        )
    now = now or timezone.now()
    if to == Call.State.CLOSED and (call.closes_at is None or call.closes_at > now):
        raise InvalidTransition(_("The call's closing time has not come."))
    if to == Call.State.CANCELLED and not call.is_cancellable:
        # Closed by its dates even if the periodic task has not moved it yet: closed is final.
        raise InvalidTransition(_("The call has closed, so it can no longer be cancelled."))
    if to == Call.State.SCHEDULED:
        return _publish(call, by=by, now=now)
    if to == Call.State.CANCELLED:
        if not reason.strip():
            raise ServiceError(_("Give a reason for cancelling; it is shown on the call."), field="reason")
        call.cancel_reason = reason.strip()
    if to == Call.State.OPEN:
        call.opened_at = now
    if to == Call.State.CLOSED:
        call.closed_at = now
    call.status = to
    call.save(update_fields=["status", "cancel_reason", "opened_at", "closed_at", "updated_at"])
    details = {"from": previous, "to": to} | ({"reason": call.cancel_reason} if to == Call.State.CANCELLED else {})
    write_audit(actor=by, action=AuditAction.state_change("call", to), obj=call, details=details)
    if to == Call.State.OPEN:
        from .tasks import send_call_alerts

        # The outbox: the call is open whatever the broker says; the alerts go out once it answers.
        enqueue(send_call_alerts, call_id=call.pk)
    return call


def _publish(call: Call, *, by: User | None, now: datetime) -> Call:
    """draft → scheduled (and on to open when the opening time has come); part of `transition_call`."""
    _require_verified_public_body(call.need.organisation)
    if not call.need.is_published:
        raise InvalidTransition(_("Publish the need before you publish a call from it."))
    if call.closes_at <= now:
        raise ServiceError(_("The closing time has already passed. Change it before you publish."), field="closes_at")
    call.published_at = now
    call.save(update_fields=["published_at", "updated_at"])
    write_audit(
        actor=by,
        action=AuditAction.state_change("call", Call.State.SCHEDULED),
        obj=call,
        details={"opens_at": f"{call.opens_at:%Y-%m-%d %H:%M}"},
    )
    if call.opens_at <= now:
        call = transition_call(call=call, to=Call.State.OPEN, by=by)
    if call.need.stage in (Need.Stage.NEED, Need.Stage.MARKET_ANALYSIS):
        Need.objects.filter(pk=call.need_id).update(stage=Need.Stage.DIALOGUE)
    return call


@transaction.atomic
def cancel_call(*, call: Call, by: User, reason: str) -> Call:
    """Cancel a draft, scheduled or open call with a reason shown on the call. Side effects: see
    `transition_call`; a notice with the reason to the call's participants (projects.notifications); its dialogue
    meetings still to come are cancelled (`meetings.services`)."""
    from .amendments.services import notify_cancelled

    with transaction.atomic():
        call = transition_call(call=call, to=Call.State.CANCELLED, by=by, reason=reason)
        notify_cancelled(call=call)
        cancel_meetings_of_call(call=call, by=by)
    return call


def update_call_states(*, now: datetime | None = None) -> dict[str, int]:
    """Open published calls whose opening time has come and close calls whose closing time has passed.

    Run by the periodic task. Each call moves in its own transaction. Side effects: see `transition_call`.
    """
    now = now or timezone.now()
    opened = closed = 0
    due_to_open = Call.objects.filter(stored_call_state_q(Call.State.SCHEDULED), opens_at__lte=now)
    for call in due_to_open.only("pk"):
        try:
            transition_call(call=call, to=Call.Status.OPEN, now=now)
            opened += 1
        except InvalidTransition:
            continue  # another worker moved it
    for call in Call.objects.filter(stored_call_state_q(Call.State.OPEN), closes_at__lte=now).only("pk"):
        try:
            transition_call(call=call, to=Call.Status.CLOSED, now=now)
            closed += 1
        except InvalidTransition:
            continue
    return {"opened": opened, "closed": closed, "alerts_requeued": requeue_missed_call_alerts(now=now)}


ALERT_CATCH_UP_AFTER = timedelta(minutes=10)


def requeue_missed_call_alerts(*, now: datetime) -> int:
    """Queue the match alerts again for open calls whose alert run never finished (for example because the
    queue was down when the call opened). Safe to repeat: each person is mailed once per call (CallAlert)."""
    from .tasks import send_call_alerts

    missed = Call.objects.filter(
        status=Call.Status.OPEN,
        alerts_sent_at__isnull=True,
        opened_at__lte=now - ALERT_CATCH_UP_AFTER,
        closes_at__gt=now,
    ).values_list("pk", flat=True)
    count = 0
    for call_id in missed:
        enqueue(send_call_alerts, call_id=call_id)
        count += 1
    return count


@transaction.atomic
def remove_attachment(*, attachment, by: User) -> None:
    """Remove a file from a call that has not opened or from a response while its call is open.

    The caller has checked that `by` may change the owner. Side effects: audit row, the file is deleted.
    """
    from portal.files import delete_attachment

    owner = attachment.owner
    if isinstance(owner, Call):
        if not owner.is_editable:
            raise InvalidTransition(NOT_EDITABLE)
    elif isinstance(owner, Response):
        owner = Response.objects.select_for_update().select_related("call", "organisation").get(pk=owner.pk)
        _require_open(owner.call)
    else:
        raise ServiceError(_("This file cannot be removed here."))
    write_audit(actor=by, action=AuditAction.ATTACHMENT_REMOVED, obj=owner, details={"filename": attachment.filename})
    delete_attachment(attachment=attachment)
    if isinstance(owner, Response) and owner.is_submitted:
        record_version(response=owner, by=by, submission=False)


# --- responses ---------------------------------------------------------------------------------------------------


def _require_open(call: Call) -> None:
    """Refuse unless the call is open now by the database's clock (the one clock every web node shares).

    Call it after the rows the change depends on are locked: a check made before waiting on a lock may be
    stale by the time the change is written.
    """
    state = call.state_at(database_now())
    if state != Call.State.OPEN:
        if state == Call.State.CANCELLED:
            raise InvalidTransition(_("The call has been cancelled."))
        if state == Call.State.CLOSED:
            raise InvalidTransition(_("The call has closed; responses can no longer be changed."))
        raise InvalidTransition(_("The call is not open."))


@transaction.atomic
def save_response(
    *,
    call: Call,
    organisation: Organisation,
    by: User,
    summary: str = "",
    trl: int | None = None,
    description: str = "",
    references: str = "",
    price_indication: int | None = None,
    answers: dict[int, str] | None = None,
    attachments=(),
    submit: bool = False,
) -> Response:
    """Create or update the company's response to an open call (one per company and call).

    A draft keeps whatever is filled in; with `submit` the response is also submitted (the summary and TRL are then
    required). A call for verified companies only refuses an unverified company (ServiceError). Side effects:
    attachments, audit row; a changed submitted response keeps its earlier version and the sender gets a receipt
    (`projects.response_history.services.record_version`). `answers` maps the numbers of the call's questions to
    the market to the company's answers (None: leave them as they are; answering is voluntary, also on submission).
    """
    _require_company(organisation)
    # Lock first, then check the deadline: another request holding the lock may finish after the call closed.
    response = Response.objects.select_for_update().filter(call=call, organisation=organisation).first()
    call = Call.objects.select_for_update(of=("self",)).select_related("need").get(pk=call.pk)
    _require_open(call)
    _require_accepted_by_call(call, organisation)
    created = response is None
    if created:
        response = Response(call=call, organisation=organisation, author=by)
    response.summary, response.description, response.trl = summary, description, trl
    response.references, response.price_indication = references, price_indication
    if submit or response.is_submitted:
        require_complete(response)
    response.full_clean(exclude=["call", "organisation"], validate_constraints=False)
    try:
        with transaction.atomic():
            response.save()
    except IntegrityError:
        raise ServiceError(_("Your company has already answered this call. Edit that response instead.")) from None
    if answers is not None:
        structured.save_answers(response=response, answers=answers)
    if attachments:
        attach_files(owner=response, files=attachments, by=by)
    write_audit(
        actor=by, action=AuditAction.RESPONSE_CREATED if created else AuditAction.RESPONSE_UPDATED, obj=response
    )
    if submit and not response.is_submitted:
        response = transition_response(response=response, to=Response.Status.SUBMITTED, by=by)
    elif not submit and response.is_withdrawn:
        # Editing a withdrawn response makes it a draft again; it is submitted only on request.
        response = transition_response(response=response, to=Response.Status.DRAFT, by=by)
    elif response.is_submitted:
        record_version(response=response, by=by, submission=False)
    # Storing the attachments may have taken us past the deadline: then nothing of this edit is kept.
    _require_open(call)
    return response


@transaction.atomic
def transition_response(*, response: Response, to: str, by: User) -> Response:
    """Submit, withdraw or resubmit a response while its call is open.

    Locks the row, checks `Response.TRANSITIONS`, stamps the time; a call for verified companies only refuses the
    submission of an unverified company's response (withdrawing stays possible) and one without its summary or TRL.
    Side effects: audit row; on submission a kept version, a receipt mail to the submitter (time and checksum,
    `record_version`) and a notice to the buyer organisation's members (without the company's name while the
    call keeps its responses sealed).
    """
    response = Response.objects.select_for_update().select_related("organisation").get(pk=response.pk)
    call = Call.objects.select_for_update(of=("self",)).select_related("need__organisation").get(pk=response.call_id)
    _require_open(call)
    if to == Response.Status.SUBMITTED:
        _require_accepted_by_call(call, response.organisation)
        require_complete(response)
    if not response.may_become(to):
        raise InvalidTransition(
            _("A response that is %(from)s cannot become %(to)s.")
            % {"from": response.get_status_display().lower(), "to": Response.Status(to).label.lower()}
        )
    previous = response.status
    response.status = to
    if to == Response.Status.SUBMITTED:
        # The time of receipt on the clock the deadline was checked against (the receipt states it).
        response.submitted_at = database_now()
    if to == Response.Status.WITHDRAWN:
        response.withdrawn_at = timezone.now()
    response.save(update_fields=["status", "submitted_at", "withdrawn_at", "updated_at"])
    write_audit(
        actor=by, action=AuditAction.state_change("response", to), obj=response, details={"from": previous, "to": to}
    )
    if to == Response.Status.SUBMITTED:
        response.call = call
        record_version(response=response, by=by, submission=True, at=response.submitted_at)
        buyers = list(User.objects.filter(memberships__organisation=call.need.organisation, is_active=True))
        link = settings.SITE_URL + reverse("projects:call_responses", args=[call.pk])
        context = {"call": call, "response": response, "link": link, "sealed": call.responses_sealed}
        # Queued with the change (portal/mail.py): the mail server is never asked during the request.
        send_mail_to(buyers, template="projects/mail/response_submitted", context=context)
    return response


# --- questions ---------------------------------------------------------------------------------------------------
# A question arrives pending; the buyer edits its public wording, answers it and publishes it (one or several at
# once, one mail to the call's participants), or rejects it with a reason mailed to the asker. The one place a
# question changes state is `_move_question`, on rows locked by `_lock_questions`.

CALL_CANCELLED = _("The call has been cancelled: its questions can no longer be answered, published or rejected.")


def _require_length(text: str, *, limit: int, message, field: str) -> None:
    if len(text) > limit:
        raise ServiceError(message % {"limit_value": limit, "show_value": len(text)}, field=field)


def _call_link(call: Call) -> str:
    return settings.SITE_URL + reverse("projects:call_detail", args=[call.pk]) + "#questions"


@transaction.atomic
def ask_question(*, call: Call, organisation: Organisation, by: User, text: str) -> Question:
    """A company asks a question on an open call. It is pending: only the buyer organisation and the asking company
    see it until the buyer publishes it. Its public wording starts as the question itself.

    Side effects: audit row, mail to the buyer organisation (without the company's name).
    """
    _require_company(organisation)
    call = Call.objects.select_related("need__organisation").get(pk=call.pk)
    _require_open(call)
    text = text.strip()
    if not text:
        raise ServiceError(_("Write your question."), field="text")
    _require_length(text, limit=QUESTION_MAX_LENGTH, message=QUESTION_TOO_LONG, field="text")
    question = Question.objects.create(
        call=call, organisation=organisation, asked_by=by, text=text, public_text=text, status=Question.Status.PENDING
    )
    # About the question, not the call: a call's history shown to the buyer must not name who asked.
    write_audit(actor=by, action=AuditAction.QUESTION_ASKED, obj=question, details={"question": question.pk})
    buyers = list(User.objects.filter(memberships__organisation=call.need.organisation, is_active=True))
    link = settings.SITE_URL + reverse("projects:question_moderation", args=[call.pk])
    send_mail_to(buyers, template="projects/mail/question_asked", context={"call": call, "link": link})
    return question


def _lock_questions(call: Call, pks: list[int]) -> tuple[Call, list[Question]]:
    """Lock the call, then its questions `pks` (in id order, so two buyers never wait on each other in a circle).
    Refuse if the call has been cancelled."""
    call = Call.objects.select_for_update(of=("self",)).select_related("need__organisation").get(pk=call.pk)
    if call.is_cancelled:
        raise InvalidTransition(CALL_CANCELLED)
    questions = list(
        Question.objects.select_for_update(of=("self",))
        .select_related("asked_by")
        .filter(call=call, pk__in=pks)
        .order_by("pk")
    )
    for question in questions:
        question.call = call
    return call, questions


def _move_question(question: Question, *, to: str, by: User, reason: str = "") -> None:
    """Move a locked question to `to` (Question.TRANSITIONS) and write the state-change audit row."""
    if not question.may_become(to):
        raise InvalidTransition(
            _("A question that is %(from)s cannot become %(to)s.")
            % {"from": question.get_status_display().lower(), "to": Question.Status(to).label.lower()}
        )
    if to == Question.Status.PUBLISHED and not question.is_answered:
        raise InvalidTransition(
            _("Only answered questions can be published. Answer “%(question)s” first.")
            % {"question": Truncator(question.shown_text).chars(60)}
        )
    previous = question.status
    question.status = to
    details = {"question": question.pk, "from": previous, "to": to}
    if to == Question.Status.PUBLISHED:
        question.published_at = timezone.now()
    if to == Question.Status.REJECTED:
        question.reject_reason = reason
        question.rejected_at = timezone.now()
        details["reason"] = reason
    question.save(update_fields=["status", "published_at", "reject_reason", "rejected_at"])
    write_audit(actor=by, action=AuditAction.state_change("question", to), obj=question.call, details=details)


@transaction.atomic
def answer_question(
    *, question: Question, by: User, answer: str, public_text: str | None = None, publish: bool = False
) -> Question:
    """Save the public wording and the answer of a pending question (nobody but the buyer sees them yet), or correct
    the answer of a published one; with `publish`, publish it as well (`publish_answers`).

    Side effects: audit row (answered, or answer corrected: the earlier answer is kept in `earlier_answers`); a
    correction mails the call's participants the corrected answer; publishing mails as `publish_answers` does.
    """
    call, locked = _lock_questions(question.call, [question.pk])
    question = locked[0]
    if question.is_rejected:
        raise InvalidTransition(_("A rejected question is not published and cannot be answered."))
    answer = answer.strip()
    if not answer:
        raise ServiceError(_("Write an answer."), field="answer")
    _require_length(answer, limit=ANSWER_MAX_LENGTH, message=ANSWER_TOO_LONG, field="answer")
    if question.is_pending and public_text is not None:
        public_text = public_text.strip()
        if not public_text:
            raise ServiceError(_("Write the question as it is to be published."), field="public_text")
        _require_length(public_text, limit=QUESTION_MAX_LENGTH, message=QUESTION_TOO_LONG, field="public_text")
        question.public_text = public_text
    now = timezone.now()
    if question.is_published:
        if answer == question.answer:
            return question
        question.earlier_answers = [
            *question.earlier_answers,
            {"answer": question.answer, "at": (question.corrected_at or question.published_at or now).isoformat()},
        ]
        question.answer = answer
        question.corrected_at = now
        question.save(update_fields=["answer", "corrected_at", "earlier_answers"])
        write_audit(actor=by, action=AuditAction.QUESTION_ANSWER_CORRECTED, obj=call, details={"question": question.pk})
        notify_call_participants(
            call=call,
            template="projects/mail/answer_corrected",
            context={"questions": [question], "link": _call_link(call)},
        )
        return question
    question.answer = answer
    question.answered_by = by
    question.answered_at = now
    question.save(update_fields=["public_text", "answer", "answered_by", "answered_at"])
    write_audit(
        actor=by,
        action=AuditAction.QUESTION_ANSWERED,
        obj=call,
        details={"question": question.pk, "wording_edited": question.public_text != question.text},
    )
    if publish:
        _publish_questions(call, [question], by=by)
    return question


def _publish_questions(call: Call, questions: list[Question], *, by: User) -> None:
    for question in questions:
        _move_question(question, to=Question.Status.PUBLISHED, by=by)
    link = _call_link(call)
    # Likabehandling (LOU 4 kap. 1 §): every company taking part learns the answers at the same time, in one mail.
    notify_call_participants(
        call=call, template="projects/mail/answers_published", context={"questions": questions, "link": link}
    )
    for question in questions:
        if question.asked_by_id and question.asked_by.is_active:
            context = {"call": call, "question": question, "link": link}
            send_mail_to([question.asked_by], template="projects/mail/question_answered", context=context)


@transaction.atomic
def publish_answers(*, call: Call, questions: list[Question], by: User) -> list[Question]:
    """Publish answered, pending questions of `call` together: all or none. The call page then shows their public
    wording and answers to everyone.

    Side effects: a state-change audit row per question; one mail to the call's participants listing the newly
    published questions and answers (`notify_call_participants`); a mail to each asker about their own question.
    """
    if not questions:
        raise ServiceError(_("Tick the questions to publish."), field="questions")
    call, locked = _lock_questions(call, [question.pk for question in questions])
    if len(locked) != len({question.pk for question in questions}):
        raise ServiceError(_("A question is not one of this call's questions."), field="questions")
    _publish_questions(call, locked, by=by)
    return locked


@transaction.atomic
def reject_question(*, question: Question, by: User, reason: str) -> Question:
    """Reject a pending question: it is never published. The reason is mailed to the person who asked.

    Side effects: state-change audit row with the reason, mail to the asker.
    """
    reason = reason.strip()
    if not reason:
        raise ServiceError(_("Give a reason. It is mailed to the company that asked."), field="reason")
    call, locked = _lock_questions(question.call, [question.pk])
    question = locked[0]
    _move_question(question, to=Question.Status.REJECTED, by=by, reason=reason)
    if question.asked_by_id and question.asked_by.is_active:
        context = {"call": call, "question": question, "link": _call_link(call)}
        send_mail_to([question.asked_by], template="projects/mail/question_rejected", context=context)
    return question


# --- interest profiles and alerts --------------------------------------------------------------------------------


@transaction.atomic
def save_interest_profile(
    *,
    organisation: Organisation,
    by: User,
    cpv_codes: list[CpvCode],
    categories: list[str],
    themes: list[str],
    keywords: str,
) -> InterestProfile:
    """Create or replace a company's interest profile. Side effects: audit row."""
    _require_company(organisation)
    profile, _created = InterestProfile.objects.select_for_update().get_or_create(organisation=organisation)
    profile.categories = list(categories)
    profile.themes = list(themes)
    profile.keywords = keywords.strip()
    profile.updated_by = by
    profile.save()
    profile.cpv_codes.set(cpv_codes)
    write_audit(actor=by, action=AuditAction.INTEREST_PROFILE_SAVED, obj=organisation)
    return profile


def send_call_alerts(*, call: Call) -> int:
    """Mail every member of every company whose interest profile matches an open call, once per person and call.

    The CallAlert row (unique per call and user) is what makes it once: a retried or repeated
    run mails nobody twice. Returns the number of mails sent. Side effects: CallAlert rows, mails.
    """
    from .selectors import profiles_matching

    call = Call.objects.select_related("need__organisation").prefetch_related("need__cpv_codes").get(pk=call.pk)
    if not call.is_open:
        return 0
    organisations = [profile.organisation_id for profile in profiles_matching(call)]
    members = (
        User.objects.filter(memberships__organisation__in=organisations, is_active=True)
        .exclude(pk__in=CallAlert.objects.filter(call=call).values("user"))
        .distinct()
    )
    link = settings.SITE_URL + reverse("projects:call_detail", args=[call.pk])
    sent = 0
    for user in members:
        with transaction.atomic():
            _alert, created = CallAlert.objects.get_or_create(call=call, user=user)
            if not created:
                continue
            sent += send_mail_to([user], template="projects/mail/call_alert", context={"call": call, "link": link})
    # Marks the run as done (also when nobody matched), so the periodic catch-up leaves the call alone.
    Call.objects.filter(pk=call.pk).update(alerts_sent_at=timezone.now())
    return sent
