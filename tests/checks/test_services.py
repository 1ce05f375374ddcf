import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone, translation

from checks import selectors, services
from checks.decision_letters import services as letter_services
from checks.models import Application, BudgetLine, ConflictOfInterest, DecisionLetter, GrantCall, Review, StateChange
from portal.audit import AuditAction
from portal.models import AuditEntry, Membership
from portal.services import InvalidTransition, ServiceError
from tests.factories import UserFactory, make_buyer, make_handler, organisation_of

from .factories import decide, make_application, make_call, reply_date

pytestmark = pytest.mark.django_db
S = Application.State


def data_for(call, buyer, **overrides):
    values = dict(
        track=call.tracks.first(),
        contact=buyer,
        title="Sensorer",
        purpose="P",
        background="B",
        expected_results="E",
        requested_amount=100_000,
        period_start=datetime.date(2027, 1, 1),
        period_end=datetime.date(2027, 6, 30),
    )
    values.update(overrides)
    return values


EXPERTISE = [{"provider": "Konsult AB", "competence": "Expert", "fee": 100_000}]
BUDGET = [{"kind": BudgetLine.Kind.EXPERTISE, "description": "Arvode", "amount": 100_000}]


# --- calls -----------------------------------------------------------------------------------------------------


def test_save_call_creates_tracks_and_criteria_as_data():
    admin = UserFactory()
    call = GrantCall(
        name="U",
        reference_number="2026-1",
        description="D",
        opens_on=datetime.date(2026, 1, 1),
        closes_on=datetime.date(2026, 2, 1),
        total_budget=1_000_000,
    )
    services.save_call(
        call=call,
        by=admin,
        tracks=[{"name": "Spår 2", "cap_one": 200_000, "cap_two_or_more": 400_000, "position": 0, "description": ""}],
        criteria=[{"name": "Nytta", "weight": 2, "position": 0, "description": ""}],
    )
    track = call.tracks.get()
    assert (track.cap_for(1), track.cap_for(2), track.cap_for(3)) == (200_000, 400_000, 400_000)
    assert call.criteria.get().weight == 2
    assert AuditEntry.objects.filter(action=AuditAction.GRANTCALL_CREATED).exists()


def test_save_call_refuses_to_remove_a_track_with_applications():
    application = make_application()
    track = application.track
    with pytest.raises(ServiceError):
        services.save_call(
            call=application.call, by=UserFactory(), tracks=[{"id": track.pk, "delete": True}], criteria=[]
        )


def test_publish_call_needs_tracks_and_criteria_and_only_once():
    call = make_call(published=False)
    services.publish_call(call=call, by=UserFactory())
    call.refresh_from_db()
    assert call.is_published and call.published_at
    with pytest.raises(InvalidTransition):
        services.publish_call(call=call, by=UserFactory())
    empty = GrantCall.objects.create(
        name="E",
        reference_number="x",
        description="d",
        opens_on=call.opens_on,
        closes_on=call.closes_on,
        total_budget=1,
    )
    with pytest.raises(ServiceError):
        services.publish_call(call=empty, by=UserFactory())


# --- drafts ----------------------------------------------------------------------------------------------------


def test_create_application_saves_draft_with_lines():
    call, buyer = make_call(), make_buyer()
    application = services.create_application(
        call=call,
        organisation=organisation_of(buyer),
        by=buyer,
        **data_for(call, buyer),
        expertise=EXPERTISE,
        budget=BUDGET,
    )
    assert application.state == S.DRAFT and application.reference is None
    assert application.lines_total == 100_000
    assert selectors.missing_items(application) == []


def test_create_application_refused_when_call_closed():
    call, buyer = make_call(open_=False), make_buyer()
    with pytest.raises(ServiceError):
        services.create_application(
            call=call,
            organisation=organisation_of(buyer),
            by=buyer,
            **data_for(call, buyer),
            expertise=[],
            budget=[],
        )


def test_create_application_refused_for_unverified_public_body():
    call, buyer = make_call(), make_buyer(status="pending")
    with pytest.raises(ServiceError):
        services.create_application(
            call=call,
            organisation=organisation_of(buyer),
            by=buyer,
            **data_for(call, buyer),
            expertise=[],
            budget=[],
        )


def test_application_period_ending_before_start_is_refused():
    call, buyer = make_call(), make_buyer()
    data = data_for(call, buyer, period_start=datetime.date(2027, 5, 1), period_end=datetime.date(2027, 4, 1))
    with pytest.raises(ServiceError) as error:
        services.create_application(
            call=call, organisation=organisation_of(buyer), by=buyer, **data, expertise=[], budget=[]
        )
    assert error.value.field == "period_end"


def test_internal_cost_line_is_refused():
    call, buyer = make_call(), make_buyer()
    with pytest.raises(ServiceError):
        services.create_application(
            call=call,
            organisation=organisation_of(buyer),
            by=buyer,
            **data_for(call, buyer),
            expertise=EXPERTISE,
            budget=[{"kind": "internal", "amount": 5}],
        )


def test_contact_must_belong_to_the_organisation():
    call, buyer = make_call(), make_buyer()
    with pytest.raises(ServiceError) as error:
        services.create_application(
            call=call,
            organisation=organisation_of(buyer),
            by=buyer,
            **data_for(call, buyer, contact=make_buyer()),
            expertise=[],
            budget=[],
        )
    assert error.value.field == "contact"


def test_missing_items_lists_amount_mismatch_and_cap():
    application = make_application(amount=250_000)  # track 0: cap 200 000 whatever the number of competences
    application.requested_amount = 260_000
    application.save()
    with translation.override("en"):
        messages = [item.message for item in selectors.missing_items(application)]
    assert any("does not equal" in m for m in messages)
    assert any("above the cap" in m for m in messages)


def test_cap_for_two_competences_is_higher():
    application = make_application(amount=350_000, competences=2, track_index=1)
    assert application.cap == 400_000
    assert selectors.missing_items(application) == []
    single = make_application(amount=350_000, competences=1, track_index=1)
    assert any(item.field == "requested_amount" for item in selectors.missing_items(single))


def test_missing_items_lists_empty_fields():
    application = make_application(complete=False)
    assert [item.field for item in selectors.missing_items(application)] == ["purpose"]


def test_save_application_outside_completion_request_is_refused():
    application = make_application(state=S.IN_REVIEW)
    with pytest.raises(InvalidTransition):
        services.save_application(
            application=application,
            by=application.contact,
            **data_for(application.call, application.contact),
            expertise=[],
            budget=[],
        )


def test_save_application_during_completion_request_replaces_lines():
    application = make_application(state=S.COMPLETION_REQUESTED)
    services.save_application(
        application=application,
        by=application.contact,
        **data_for(application.call, application.contact),
        expertise=EXPERTISE,
        budget=BUDGET,
    )
    application.refresh_from_db()
    assert application.requested_amount == 100_000 and application.budget_lines.count() == 1


# --- submission and reference numbers ---------------------------------------------------------------------------


def test_submit_gives_sequential_reference_numbers_and_mails_contact_and_owners():
    buyer = make_buyer(language="en")
    owner = UserFactory(language="sv")
    Membership.objects.create(user=owner, organisation=organisation_of(buyer), role="owner")
    call = make_call()
    first = make_application(call=call, buyer=buyer)
    second = make_application(call=call)
    with_callbacks = services.submit_application
    year = timezone.localdate().year
    assert with_callbacks(application=first, by=buyer).reference == f"IC-{year}-0001"
    assert with_callbacks(application=second, by=second.contact).reference == f"IC-{year}-0002"
    first.refresh_from_db()
    assert first.state == S.SUBMITTED and first.submitted_at
    assert StateChange.objects.filter(application=first, to_state=S.SUBMITTED).exists()
    assert AuditEntry.objects.filter(action=AuditAction.APPLICATION_SUBMITTED, object_id=str(first.pk)).exists()


def test_submit_mails_in_each_recipients_language(django_capture_on_commit_callbacks):
    buyer = make_buyer(language="en")
    owner = UserFactory(language="sv")
    Membership.objects.create(user=owner, organisation=organisation_of(buyer), role="owner")
    application = make_application(buyer=buyer)
    with django_capture_on_commit_callbacks(execute=True):
        services.submit_application(application=application, by=buyer)
    subjects = {message.to[0]: message.subject for message in mail.outbox}
    assert set(subjects) == {buyer.email, owner.email}
    assert "Submitted" in subjects[buyer.email]
    assert "Inskickad" in subjects[owner.email]


def test_submit_twice_is_refused_and_keeps_the_number():
    application = make_application()
    services.submit_application(application=application, by=application.contact)
    with pytest.raises(InvalidTransition):
        services.submit_application(application=application, by=application.contact)
    assert Application.objects.exclude(reference=None).count() == 1


def test_submit_after_call_closed_is_refused():
    call = make_call()
    application = make_application(call=call)
    GrantCall.objects.filter(pk=call.pk).update(closes_on=timezone.localdate() - datetime.timedelta(days=1))
    with pytest.raises(ServiceError):
        services.submit_application(application=application, by=application.contact)
    application.refresh_from_db()
    assert application.state == S.DRAFT and application.reference is None


def test_incomplete_submission_leaves_no_gap():
    incomplete = make_application(complete=False)
    with pytest.raises(ServiceError):
        services.submit_application(application=incomplete, by=incomplete.contact)
    complete = make_application()
    assert services.submit_application(application=complete, by=complete.contact).reference.endswith("-0001")


def test_next_reference_restarts_per_year():
    assert services.next_reference(2030) == "IC-2030-0001"
    assert services.next_reference(2030) == "IC-2030-0002"
    assert services.next_reference(2031) == "IC-2031-0001"


# --- the state machine ------------------------------------------------------------------------------------------


# The state machine of issue 5, written out independently of services.TRANSITIONS: draft → submitted → in review →
# completion requested → in review → approved or rejected; approved → final report submitted → closed (or back to
# approved when the handler asks for a completion of the report); withdrawn from draft or submitted.
ISSUE_TRANSITIONS = {
    (S.DRAFT, S.SUBMITTED),
    (S.DRAFT, S.WITHDRAWN),
    (S.SUBMITTED, S.IN_REVIEW),
    (S.SUBMITTED, S.WITHDRAWN),
    (S.IN_REVIEW, S.COMPLETION_REQUESTED),
    (S.COMPLETION_REQUESTED, S.IN_REVIEW),
    (S.IN_REVIEW, S.APPROVED),
    (S.IN_REVIEW, S.REJECTED),
    (S.APPROVED, S.FINAL_REPORT_SUBMITTED),
    (S.FINAL_REPORT_SUBMITTED, S.CLOSED),
    (S.FINAL_REPORT_SUBMITTED, S.APPROVED),
}


def test_transitions_table_is_the_issues_state_machine():
    table = {(f, t) for f, targets in services.TRANSITIONS.items() for t in targets}
    assert table == ISSUE_TRANSITIONS


# Every service that changes an application's state, called with valid input by the person who may call it.
MOVES = {
    "submit": lambda application, handler: services.submit_application(application=application, by=application.contact),
    "withdraw": lambda application, handler: services.withdraw_application(
        application=application, by=application.contact
    ),
    "resubmit": lambda application, handler: services.resubmit_application(
        application=application, by=application.contact
    ),
    "assign": lambda application, handler: services.assign_application(
        application=application, handler=handler, by=handler
    ),
    "request_completion": lambda application, handler: services.request_completion(
        application=application, by=handler, message="Komplettera.", reply_by=reply_date()
    ),
    "approve": lambda application, handler: decide(
        application=application, by=handler, outcome="approved", reasoning="R", granted_amount=1_000
    ),
    "reject": lambda application, handler: decide(
        application=application, by=handler, outcome="rejected", reasoning="R"
    ),
    "submit_final_report": lambda application, handler: services.submit_final_report(
        application=application,
        by=application.contact,
        results="R",
        outcome="O",
        procurement_started=False,
        procedure="not_started",
        actual_costs={},
    ),
    "accept_final_report": lambda application, handler: services.accept_final_report(
        application=application, by=handler
    ),
    "request_report_completion": lambda application, handler: services.request_report_completion(
        application=application, by=handler, message="Komplettera."
    ),
}

# The service that makes each move of the issue's state machine.
MOVE_FOR = {
    (S.DRAFT, S.SUBMITTED): "submit",
    (S.DRAFT, S.WITHDRAWN): "withdraw",
    (S.SUBMITTED, S.IN_REVIEW): "assign",
    (S.SUBMITTED, S.WITHDRAWN): "withdraw",
    (S.IN_REVIEW, S.COMPLETION_REQUESTED): "request_completion",
    (S.COMPLETION_REQUESTED, S.IN_REVIEW): "resubmit",
    (S.IN_REVIEW, S.APPROVED): "approve",
    (S.IN_REVIEW, S.REJECTED): "reject",
    (S.APPROVED, S.FINAL_REPORT_SUBMITTED): "submit_final_report",
    (S.FINAL_REPORT_SUBMITTED, S.CLOSED): "accept_final_report",
    (S.FINAL_REPORT_SUBMITTED, S.APPROVED): "request_report_completion",
}


def test_every_move_of_the_state_machine_has_its_service():
    assert set(MOVE_FOR) == ISSUE_TRANSITIONS


@pytest.mark.parametrize(("from_state", "move"), [(f, m) for f in S.values for m in sorted(MOVES)])
def test_no_service_moves_an_application_outside_the_transitions_table(from_state, move):
    application = make_application(state=from_state)
    try:
        MOVES[move](application, make_handler())
    except InvalidTransition:
        application.refresh_from_db()
        assert application.state == from_state
    else:
        application.refresh_from_db()
        assert application.state == from_state or (from_state, application.state) in ISSUE_TRANSITIONS


@pytest.mark.parametrize(("from_state", "to_state"), sorted(ISSUE_TRANSITIONS))
def test_every_transition_is_audited_and_mailed_to_contact_and_owners(
    django_capture_on_commit_callbacks, from_state, to_state
):
    application = make_application(state=from_state)
    owner = UserFactory(language="en")
    Membership.objects.create(user=owner, organisation=application.organisation, role="owner")
    # One event per move: a decision is one "decision.<outcome>" row, every other move "application.<state>".
    event = (
        AuditAction.state_change("decision", to_state)
        if to_state in (S.APPROVED, S.REJECTED) and from_state != S.FINAL_REPORT_SUBMITTED
        else AuditAction.state_change("application", to_state)
    )
    audit = AuditEntry.objects.filter(action=event, object_id=str(application.pk))
    before = audit.count()
    with django_capture_on_commit_callbacks(execute=True):
        MOVES[MOVE_FOR[(from_state, to_state)]](application, make_handler())
    application.refresh_from_db()
    assert application.state == to_state
    assert audit.count() == before + 1
    assert {message.to[0] for message in mail.outbox} == {application.contact.email, owner.email}


def test_withdraw_from_draft_and_submitted_only():
    for state in (S.DRAFT, S.SUBMITTED):
        application = make_application(state=state)
        assert services.withdraw_application(application=application, by=application.contact).state == S.WITHDRAWN
    with pytest.raises(InvalidTransition):
        application = make_application(state=S.IN_REVIEW)
        services.withdraw_application(application=application, by=application.contact)


def test_assign_starts_the_review_and_refuses_conflicted_handler():
    handler = make_handler()
    application = make_application(state=S.SUBMITTED)
    services.assign_application(application=application, handler=handler, by=handler)
    application.refresh_from_db()
    assert application.state == S.IN_REVIEW and application.assigned_to == handler
    other = make_handler()
    services.declare_conflict(handler=other, application=application, reason="Min bror arbetar där")
    with pytest.raises(ServiceError):
        services.assign_application(application=application, handler=other, by=handler)


def test_declared_conflict_on_organisation_unassigns_and_blocks_review():
    handler = make_handler()
    application = make_application(state=S.IN_REVIEW, assigned_to=handler)
    services.declare_conflict(handler=handler, organisation=application.organisation, reason="Tidigare anställd")
    application.refresh_from_db()
    assert application.assigned_to is None
    assert ConflictOfInterest.objects.get().organisation == application.organisation
    criteria = {c.pk: (3, "") for c in application.call.criteria.all()}
    with pytest.raises(ServiceError):
        services.save_review(application=application, handler=handler, scores=criteria, recommendation="approve")
    with pytest.raises(ServiceError):
        decide(application=application, by=handler, outcome="approved", granted_amount=1, reasoning="R")


@pytest.mark.parametrize(
    ("state", "act"),
    [
        (
            S.IN_REVIEW,
            lambda a, h: services.request_completion(application=a, by=h, message="Komplettera", reply_by=reply_date()),
        ),
        (S.FINAL_REPORT_SUBMITTED, lambda a, h: services.accept_final_report(application=a, by=h)),
        (
            S.FINAL_REPORT_SUBMITTED,
            lambda a, h: services.request_report_completion(application=a, by=h, message="Fakturor"),
        ),
    ],
)
def test_handler_with_a_conflict_cannot_ask_for_completions_or_close(state, act):
    handler = make_handler()
    application = make_application(state=state)
    services.declare_conflict(handler=handler, application=application, reason="Min syster är kontaktperson")
    history = application.state_changes.count()
    with pytest.raises(ServiceError):
        act(application, handler)
    application.refresh_from_db()
    assert application.state == state and application.state_changes.count() == history


def test_declare_conflict_requires_reason():
    with pytest.raises(ServiceError):
        services.declare_conflict(handler=make_handler(), application=make_application(state=S.IN_REVIEW), reason=" ")


def test_save_review_computes_weighted_score_and_replaces():
    handler = make_handler()
    application = make_application(state=S.IN_REVIEW)
    first, second = application.call.criteria.all()  # weights 3 and 1
    review = services.save_review(
        application=application,
        handler=handler,
        scores={first.pk: (5, "Bra"), second.pk: (1, "")},
        recommendation="approve",
    )
    assert str(review.weighted_score) == "4.00"
    services.save_review(
        application=application,
        handler=handler,
        scores={first.pk: (1, ""), second.pk: (5, "")},
        recommendation="unsure",
    )
    assert Review.objects.get().weighted_score == 2
    other = make_handler()
    services.save_review(
        application=application, handler=other, scores={first.pk: (3, ""), second.pk: (3, "")}, recommendation="reject"
    )
    assert selectors.average_score(application) == pytest.approx(2.5)


def test_save_review_needs_every_criterion_and_scores_1_to_5():
    handler = make_handler()
    application = make_application(state=S.IN_REVIEW)
    first, second = application.call.criteria.all()
    with pytest.raises(ServiceError):
        services.save_review(
            application=application, handler=handler, scores={first.pk: (3, "")}, recommendation="approve"
        )
    with pytest.raises(ServiceError):
        services.save_review(
            application=application,
            handler=handler,
            scores={first.pk: (6, ""), second.pk: (3, "")},
            recommendation="approve",
        )


def test_completion_request_and_resubmission():
    handler = make_handler()
    application = make_application(state=S.IN_REVIEW)
    services.request_completion(application=application, by=handler, message="Bifoga offerten.", reply_by=reply_date())
    application.refresh_from_db()
    assert application.state == S.COMPLETION_REQUESTED
    assert application.state_changes.last().message == "Bifoga offerten."
    services.resubmit_application(application=application, by=application.contact, message="Klart")
    application.refresh_from_db()
    assert application.state == S.IN_REVIEW
    with pytest.raises(InvalidTransition):
        services.resubmit_application(application=application, by=application.contact)


def test_completion_request_needs_a_message():
    with pytest.raises(ServiceError):
        services.request_completion(
            application=make_application(state=S.IN_REVIEW), by=make_handler(), message="", reply_by=reply_date()
        )


# --- decisions ----------------------------------------------------------------------------------------------------


def test_approve_records_decision_and_orders_letter():
    handler = make_handler()
    application = make_application(state=S.IN_REVIEW, amount=150_000)
    decision = decide(application=application, by=handler, outcome="approved", granted_amount=120_000, reasoning="Bra")
    application.refresh_from_db()
    assert application.state == S.APPROVED and decision.granted_amount == 120_000
    assert DecisionLetter.objects.filter(application=application).count() == 1
    assert selectors.budget_granted(application.call) == 120_000


def test_a_decision_is_one_audit_event_with_the_state_change_and_amount():
    handler = make_handler()
    application = make_application(state=S.IN_REVIEW, amount=150_000)
    decide(application=application, by=handler, outcome="approved", granted_amount=120_000, reasoning="Bra")
    entry = AuditEntry.objects.get(object_id=str(application.pk), actor=handler)
    assert entry.action == AuditAction.DECISION_APPROVED
    assert entry.details == {"from": "in_review", "to": "approved", "amount": 120_000}
    with translation.override("sv"):
        assert entry.rendered_description() == "Under granskning → Beviljad, 120\u00a0000\u00a0kr"


@pytest.mark.parametrize(
    ("granted", "field_message"),
    [(160_000, "requested"), (0, "granted amount")],
)
def test_approve_refuses_amount_above_requested_or_empty(granted, field_message):
    application = make_application(state=S.IN_REVIEW, amount=150_000)
    with pytest.raises(ServiceError) as error:
        decide(application=application, by=make_handler(), outcome="approved", granted_amount=granted, reasoning="R")
    assert error.value.field == "granted_amount"
    application.refresh_from_db()
    assert application.state == S.IN_REVIEW


def test_approve_refuses_amount_above_cap():
    application = make_application(state=S.IN_REVIEW, amount=150_000)
    Application.objects.filter(pk=application.pk).update(requested_amount=250_000)
    application.refresh_from_db()
    with translation.override("en"), pytest.raises(ServiceError, match="cap"):
        decide(application=application, by=make_handler(), outcome="approved", granted_amount=210_000, reasoning="R")


def test_approve_refuses_more_than_budget_left():
    call = make_call(total_budget=250_000)
    make_application(call=call, state=S.APPROVED, amount=200_000)
    application = make_application(call=call, state=S.IN_REVIEW, amount=100_000)
    with pytest.raises(ServiceError, match="50"):
        decide(application=application, by=make_handler(), outcome="approved", granted_amount=100_000, reasoning="R")
    decision = decide(
        application=application, by=make_handler(), outcome="approved", granted_amount=50_000, reasoning="R"
    )
    assert decision.granted_amount == 50_000
    assert selectors.budget_granted(call) == call.total_budget


def test_reject_needs_reasoning_and_grants_nothing():
    application = make_application(state=S.IN_REVIEW)
    with pytest.raises(ServiceError):
        decide(application=application, by=make_handler(), outcome="rejected", reasoning="")
    decision = decide(application=application, by=make_handler(), outcome="rejected", reasoning="Nej")
    assert decision.granted_amount == 0


def test_decide_outside_review_is_refused():
    application = make_application(state=S.SUBMITTED)
    with pytest.raises(InvalidTransition):
        decide(application=application, by=make_handler(), outcome="rejected", reasoning="R")


def test_decision_letter_is_rendered_and_mailed_as_attachment(django_capture_on_commit_callbacks):
    buyer = make_buyer(language="en")
    application = make_application(buyer=buyer, state=S.IN_REVIEW, amount=150_000)
    with django_capture_on_commit_callbacks(execute=True):
        decide(
            application=application,
            by=make_handler(),
            outcome="approved",
            granted_amount=150_000,
            reasoning="Well argued",
        )
    letter = DecisionLetter.objects.get(application=application)
    assert letter.is_ready and letter.mailed_at is not None and letter.language == "en"
    with letter.file.open("rb") as handle:
        assert handle.read(5) == b"%PDF-"
    letter_mails = [m for m in mail.outbox if m.attachments]
    assert len(letter_mails) == 1
    name, content, mimetype = letter_mails[0].attachments[0]
    assert name.startswith(f"beslut-{application.reference}") and mimetype == "application/pdf"
    assert letter_services.mail_decision_letter(letter_id=letter.pk) is False  # idempotent


def test_decision_letter_text_has_the_terms():
    from pypdf import PdfReader

    application = make_application(state=S.IN_REVIEW, amount=150_000)
    decide(
        application=application, by=make_handler(), outcome="approved", granted_amount=140_000, reasoning="Tydlig plan"
    )
    from portal.documents import render_document

    letter = render_document(kind="checks.decision_letter", document_id=DecisionLetter.objects.get().pk)
    with letter.file.open("rb") as handle:
        text = " ".join(page.extract_text() for page in PdfReader(handle).pages)
    assert application.reference in text
    assert "140" in text and "Tydlig plan" in text
    assert application.final_report_due.isoformat() in text
    # Applicant, call, track and period are on the letter too.
    assert application.organisation.name in text and application.organisation.org_number in text
    assert application.call.reference_number in text and application.track.name in text
    assert application.period_start.isoformat() in text and application.period_end.isoformat() in text


# --- final report ---------------------------------------------------------------------------------------------


def test_final_report_flow():
    handler = make_handler()
    application = make_application(state=S.APPROVED)
    line = application.budget_lines.get()
    services.submit_final_report(
        application=application,
        by=application.contact,
        results="R",
        outcome="O",
        procurement_started=True,
        procedure="open",
        actual_costs={line.pk: 140_000},
    )
    application.refresh_from_db()
    line.refresh_from_db()
    assert application.state == S.FINAL_REPORT_SUBMITTED and line.actual_amount == 140_000
    services.request_report_completion(application=application, by=handler, message="Bifoga fakturor")
    application.refresh_from_db()
    assert application.state == S.APPROVED
    services.submit_final_report(
        application=application,
        by=application.contact,
        results="R2",
        outcome="O",
        procurement_started=True,
        procedure="open",
        actual_costs={line.pk: 150_000},
    )
    services.accept_final_report(application=application, by=handler)
    application.refresh_from_db()
    assert application.state == S.CLOSED and application.final_report.accepted_by == handler


def test_final_report_only_when_approved():
    application = make_application(state=S.IN_REVIEW)
    with pytest.raises(InvalidTransition):
        services.submit_final_report(
            application=application,
            by=application.contact,
            results="R",
            outcome="O",
            procurement_started=False,
            procedure="not_started",
            actual_costs={},
        )


def test_final_report_due_the_calls_number_of_days_after_the_period():
    application = make_application(call=make_call(final_report_days=30))
    application.period_end = datetime.date(2026, 12, 31)
    assert application.final_report_due == datetime.date(2027, 1, 30)
    assert application.final_report_opens_on == datetime.date(2027, 1, 1)


def test_save_call_refuses_a_total_budget_below_the_sum_granted():
    call = make_call(total_budget=1_000_000)
    make_application(call=call, state=S.APPROVED, amount=150_000, granted=120_000)
    call.total_budget = 100_000
    with pytest.raises(ServiceError) as error:
        services.save_call(call=call, by=UserFactory(), tracks=[], criteria=[])
    assert error.value.field == "total_budget" and "120000" in error.value.message
    call.refresh_from_db()
    assert call.total_budget == 1_000_000
    call.total_budget = 120_000
    services.save_call(call=call, by=UserFactory(), tracks=[], criteria=[])
    call.refresh_from_db()
    assert call.total_budget == 120_000


def test_a_criterion_weight_cannot_change_once_applications_are_scored():
    application = make_application(state=S.IN_REVIEW)
    call = application.call
    heavy, light = call.criteria.order_by("position")  # weights 3 and 1
    services.save_review(
        application=application,
        handler=make_handler(),
        scores={heavy.pk: (5, ""), light.pk: (1, "")},
        recommendation="approve",
    )
    assert Review.objects.get().weighted_score == Decimal("4.00")  # (15 + 1) / 4
    rows = [
        {"id": c.pk, "name": c.name, "description": "", "weight": 1, "position": c.position, "row": i}
        for i, c in enumerate((heavy, light))
    ]
    with pytest.raises(ServiceError) as error:
        services.save_call(call=call, by=UserFactory(), tracks=[], criteria=rows)
    assert error.value.field == "criteria-0-weight"
    assert Review.objects.get().weighted_score == Decimal("4.00")
    assert sorted(call.criteria.values_list("weight", flat=True)) == [1, 3]
