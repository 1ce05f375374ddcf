from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from portal.audit import AuditAction
from portal.models import AuditEntry, Organisation
from portal.services import InvalidTransition, ServiceError
from projects import services
from projects.cpv import load_divisions
from projects.models import Call, CallAlert, CpvCode, Need, Response
from tests.factories import OrganisationFactory, make_buyer, make_company_user, make_member, organisation_of

from .factories import CallFactory, NeedFactory, QuestionFactory, ResponseFactory, closed_call, draft_call, profile

pytestmark = pytest.mark.django_db

NEED_DATA = {"title": "Solceller", "summary": "Kort.", "category": "energi", "themes": ["hallbarhet"], "stage": "behov"}


def _call_data(**overrides):
    now = timezone.now()
    data = {
        "kind": "rfi",
        "title": "RFI",
        "description": "Beskrivning.",
        "questions_to_market": "",
        "opens_at": now + timedelta(days=1),
        "closes_at": now + timedelta(days=10),
    }
    data.update(overrides)
    return data


# --- needs -------------------------------------------------------------------------------------------------------


def test_create_need_saves_a_draft_with_codes_and_audit(buyer, buyer_org):
    load_divisions()
    code = CpvCode.objects.get(code="09000000")
    need = services.create_need(organisation=buyer_org, by=buyer, **NEED_DATA, cpv_codes=[code])
    assert need.visibility == Need.Visibility.DRAFT
    assert list(need.cpv_codes.all()) == [code]
    assert AuditEntry.objects.filter(action=AuditAction.NEED_CREATED, object_id=str(need.pk)).exists()


def test_create_need_refuses_an_unverified_public_body():
    user = make_member(status=Organisation.Status.PENDING)
    with pytest.raises(ServiceError):
        services.create_need(organisation=organisation_of(user), by=user, **NEED_DATA, cpv_codes=[])


def test_create_need_refuses_a_company(company_user, company_org):
    with pytest.raises(ServiceError):
        services.create_need(organisation=company_org, by=company_user, **NEED_DATA, cpv_codes=[])


def test_update_need_records_a_stage_change(buyer, buyer_org):
    need = NeedFactory(organisation=buyer_org)
    services.update_need(need=need, by=buyer, **{**NEED_DATA, "stage": "dialog"}, cpv_codes=[])
    need.refresh_from_db()
    assert need.stage == "dialog"
    assert AuditEntry.objects.get(action=AuditAction.NEED_UPDATED).details == {"from": "behov", "to": "dialog"}


def test_publish_and_unpublish_need(buyer, buyer_org):
    need = NeedFactory(organisation=buyer_org, visibility="draft")
    services.set_need_visibility(need=need, by=buyer, visibility="published")
    need.refresh_from_db()
    assert need.is_published and need.published_at
    with pytest.raises(InvalidTransition):
        services.set_need_visibility(need=need, by=buyer, visibility="published")
    services.set_need_visibility(need=need, by=buyer, visibility="draft")
    need.refresh_from_db()
    assert not need.is_published


def test_a_need_with_published_calls_cannot_become_draft(buyer, buyer_org):
    need = NeedFactory(organisation=buyer_org)
    CallFactory(need=need)
    with pytest.raises(InvalidTransition):
        services.set_need_visibility(need=need, by=buyer, visibility="draft")


def test_delete_need_only_for_drafts_without_calls(buyer, buyer_org):
    draft = NeedFactory(organisation=buyer_org, visibility="draft")
    services.delete_need(need=draft, by=buyer)
    assert not Need.objects.filter(pk=draft.pk).exists()
    published = NeedFactory(organisation=buyer_org)
    with pytest.raises(InvalidTransition):
        services.delete_need(need=published, by=buyer)


def test_deleting_a_draft_need_deletes_its_decision_documents_files(
    buyer, buyer_org, django_capture_on_commit_callbacks
):
    from portal.documents import render_document
    from projects.decision_support.models import DECISION_SUPPORT_KIND
    from projects.decision_support.services import order_decision_document

    draft = NeedFactory(organisation=buyer_org, visibility="draft")
    document, _created = order_decision_document(need=draft, by=buyer, language="sv")
    document = render_document(kind=DECISION_SUPPORT_KIND, document_id=document.pk)
    storage, name = document.file.storage, document.file.name
    assert storage.exists(name)

    with django_capture_on_commit_callbacks(execute=True):
        services.delete_need(need=draft, by=buyer)

    assert not Need.objects.filter(pk=draft.pk).exists()
    assert not storage.exists(name)


# --- assessments -------------------------------------------------------------------------------------------------

ASSESSMENT = {"conclusion": "new_development", "trl": 3, "evidence": "Ingen lösning finns.", "chosen_procedure": ""}


def test_record_assessment_keeps_versions_and_stores_the_suggestion(buyer, buyer_org):
    need = NeedFactory(organisation=buyer_org)
    first = services.record_assessment(need=need, by=buyer, **ASSESSMENT)
    second = services.record_assessment(
        need=need,
        by=buyer,
        **{**ASSESSMENT, "conclusion": "available", "trl": 9, "chosen_procedure": "functional", "rationale": "X"},
    )
    need.refresh_from_db()
    assert (first.version, second.version) == (1, 2)
    assert first.suggested_procedure == first.chosen_procedure == "pcp"
    assert (second.suggested_procedure, second.chosen_procedure) == ("ordinary", "functional")
    assert need.current_assessment == second
    assert need.assessments.count() == 2
    assert need.stage == Need.Stage.MARKET_ANALYSIS


def test_record_assessment_requires_the_number_of_suppliers(buyer, buyer_org):
    need = NeedFactory(organisation=buyer_org)
    with pytest.raises(ServiceError) as error:
        services.record_assessment(need=need, by=buyer, **{**ASSESSMENT, "source_suppliers": True})
    assert error.value.field == "suppliers_consulted"


# --- calls -------------------------------------------------------------------------------------------------------


def test_create_call_needs_a_published_need(buyer, buyer_org):
    need = NeedFactory(organisation=buyer_org, visibility="draft")
    with pytest.raises(ServiceError):
        services.create_call(need=need, by=buyer, **_call_data())


def test_create_call_rejects_close_before_open(buyer, buyer_org):
    need = NeedFactory(organisation=buyer_org)
    now = timezone.now()
    with pytest.raises(ServiceError) as error:
        services.create_call(need=need, by=buyer, **_call_data(opens_at=now, closes_at=now - timedelta(hours=1)))
    assert error.value.field == "closes_at"
    assert not Call.objects.exists()


def test_publish_call_with_future_opening_is_scheduled_then_opened_by_the_periodic_task(buyer, buyer_org):
    need = NeedFactory(organisation=buyer_org)
    call = services.create_call(need=need, by=buyer, **_call_data())
    call = services.publish_call(call=call, by=buyer)
    assert call.status == Call.Status.DRAFT and call.is_scheduled
    assert services.update_call_states()["opened"] == 0
    result = services.update_call_states(now=call.opens_at + timedelta(minutes=1))
    call.refresh_from_db()
    assert result["opened"] == 1
    assert call.status == Call.Status.OPEN and call.opened_at


def test_publish_call_opens_at_once_when_its_time_has_come_and_moves_need_to_dialogue(buyer, buyer_org):
    need = NeedFactory(organisation=buyer_org)
    call = draft_call(need=need, opens_at=timezone.now() - timedelta(minutes=5))
    call = services.publish_call(call=call, by=buyer)
    need.refresh_from_db()
    assert call.status == Call.Status.OPEN
    assert need.stage == Need.Stage.DIALOGUE
    with pytest.raises(InvalidTransition):
        services.publish_call(call=call, by=buyer)


def test_publish_call_refuses_a_passed_closing_time(buyer, buyer_org):
    call = draft_call(
        need=NeedFactory(organisation=buyer_org),
        opens_at=timezone.now() - timedelta(days=3),
        closes_at=timezone.now() - timedelta(days=1),
    )
    with pytest.raises(ServiceError):
        services.publish_call(call=call, by=buyer)


def test_periodic_task_closes_calls_whose_time_has_passed():
    call = CallFactory(closes_at=timezone.now() + timedelta(minutes=1))
    other = CallFactory()
    result = services.update_call_states(now=timezone.now() + timedelta(minutes=2))
    call.refresh_from_db()
    other.refresh_from_db()
    assert result["closed"] == 1
    assert call.status == Call.Status.CLOSED and call.closed_at
    assert other.status == Call.Status.OPEN


def test_a_call_whose_closing_time_was_moved_later_is_not_closed_by_a_task_that_read_it_before(monkeypatch):
    """The periodic task reads the calls due, then locks each one: an amendment that moved the closing time later
    in between (the call's row was locked by it) wins; the call stays open."""
    call = CallFactory(closes_at=timezone.now() + timedelta(minutes=1))
    later = timezone.now() + timedelta(days=7)
    real = services.transition_call

    def amended_first(**kwargs):
        Call.objects.filter(pk=kwargs["call"].pk).update(closes_at=later)
        return real(**kwargs)

    monkeypatch.setattr(services, "transition_call", amended_first)
    result = services.update_call_states(now=timezone.now() + timedelta(minutes=2))
    call.refresh_from_db()
    assert result["closed"] == 0
    assert (call.status, call.closes_at) == (Call.Status.OPEN, later)
    with pytest.raises(InvalidTransition, match="Förfrågans sista svarstid har inte passerat."):
        real(call=call, to=Call.State.CLOSED)


def test_update_call_states_task_runs_the_service():
    from projects.tasks import update_call_states

    call = CallFactory(opens_at=timezone.now() - timedelta(days=2), closes_at=timezone.now() - timedelta(seconds=1))
    assert update_call_states.delay().get() == {"opened": 0, "closed": 1, "alerts_requeued": 0}
    call.refresh_from_db()
    assert call.status == Call.Status.CLOSED


def test_the_schedule_runs_the_state_task_every_minute():
    from projects.schedule import BEAT_SCHEDULE

    entry = BEAT_SCHEDULE["projects-update-call-states"]
    assert entry["task"] == "projects.tasks.update_call_states"
    assert entry["schedule"] <= 300


def test_cancel_call_needs_a_reason_and_is_final(buyer, buyer_org):
    call = CallFactory(need=NeedFactory(organisation=buyer_org))
    with pytest.raises(ServiceError):
        services.cancel_call(call=call, by=buyer, reason="  ")
    services.cancel_call(call=call, by=buyer, reason="Behovet har ändrats.")
    call.refresh_from_db()
    assert call.status == Call.Status.CANCELLED and call.cancel_reason == "Behovet har ändrats."
    with pytest.raises(InvalidTransition):
        services.transition_call(call=call, to=Call.Status.OPEN, by=buyer)


@pytest.mark.parametrize(
    ("start", "target"),
    [("draft", "closed"), ("closed", "open"), ("closed", "cancelled"), ("cancelled", "closed"), ("open", "draft")],
)
def test_invalid_call_transitions_are_refused(buyer, start, target):
    call = CallFactory(status=start)
    with pytest.raises(InvalidTransition):
        services.transition_call(call=call, to=target, by=buyer)


@pytest.mark.parametrize(
    "status_in_database",
    [Call.Status.OPEN, Call.Status.DRAFT],  # the periodic task has not closed it yet (draft: published, scheduled)
)
def test_a_call_whose_closing_time_has_passed_cannot_be_cancelled(buyer, buyer_org, status_in_database):
    call = CallFactory(
        need=NeedFactory(organisation=buyer_org),
        status=status_in_database,
        opens_at=timezone.now() - timedelta(days=10),
        closes_at=timezone.now() - timedelta(minutes=1),
    )
    assert call.effective_status == Call.Status.CLOSED
    with pytest.raises(InvalidTransition):
        services.cancel_call(call=call, by=buyer, reason="För sent.")
    call.refresh_from_db()
    assert call.status == status_in_database and call.cancel_reason == ""
    assert services.update_call_states() == {
        "opened": int(status_in_database == "draft"),
        "closed": 1,
        "alerts_requeued": 0,
    }
    call.refresh_from_db()
    assert call.status == Call.Status.CLOSED


def test_update_call_only_before_it_opens(buyer, buyer_org):
    need = NeedFactory(organisation=buyer_org)
    call = draft_call(need=need)
    services.update_call(call=call, by=buyer, **_call_data(title="Ny titel", verified_companies_only=False))
    call.refresh_from_db()
    assert call.title == "Ny titel"
    with pytest.raises(InvalidTransition):
        services.update_call(
            call=CallFactory(need=need), by=buyer, **_call_data(title="X", verified_companies_only=False)
        )


def test_effective_status_never_shows_a_passed_call_as_open():
    call = CallFactory(closes_at=timezone.now() - timedelta(seconds=1), opens_at=timezone.now() - timedelta(days=1))
    assert call.status == Call.Status.OPEN
    assert call.effective_status == Call.Status.CLOSED
    assert not call.is_open


# --- responses ---------------------------------------------------------------------------------------------------

RESPONSE = {"summary": "Vår lösning", "trl": 6}


def test_save_response_creates_a_draft_then_submits(company_user, company_org):
    call = CallFactory()
    response = services.save_response(call=call, organisation=company_org, by=company_user, **RESPONSE)
    assert response.status == Response.Status.DRAFT
    same = services.save_response(
        call=call, organisation=company_org, by=company_user, **{**RESPONSE, "summary": "Ändrad"}, submit=True
    )
    assert same.pk == response.pk
    assert same.status == Response.Status.SUBMITTED and same.submitted_at
    assert Response.objects.count() == 1


def test_submitting_mails_the_buyer_organisation(company_user, company_org):
    buyer = make_buyer()
    call = CallFactory(need=NeedFactory(organisation=organisation_of(buyer)))
    with_commit = services.save_response(call=call, organisation=company_org, by=company_user, **RESPONSE)
    mail.outbox.clear()
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        services.transition_response(response=with_commit, to="submitted", by=company_user)
    # The receipt to the submitter (projects.response_history), then the notice to the buyer.
    assert [m.to for m in mail.outbox] == [[company_user.email], [buyer.email]]


def test_withdraw_and_resubmit_while_open(company_user, company_org):
    response = ResponseFactory(organisation=company_org)
    services.transition_response(response=response, to="withdrawn", by=company_user)
    response.refresh_from_db()
    assert response.status == "withdrawn"
    services.transition_response(response=response, to="submitted", by=company_user)
    response.refresh_from_db()
    assert response.status == "submitted"


@pytest.mark.parametrize("make_call", [closed_call, draft_call, lambda: CallFactory(status="cancelled")])
def test_responses_to_calls_that_are_not_open_are_refused(company_user, company_org, make_call):
    with pytest.raises(InvalidTransition):
        services.save_response(call=make_call(), organisation=company_org, by=company_user, **RESPONSE)
    assert not Response.objects.exists()


def test_an_edit_after_the_deadline_is_refused_and_nothing_is_lost(company_user, company_org):
    response = ResponseFactory(organisation=company_org, summary="Original")
    Call.objects.filter(pk=response.call_id).update(closes_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(InvalidTransition):
        services.save_response(
            call=response.call, organisation=company_org, by=company_user, **{**RESPONSE, "summary": "Sent"}
        )
    with pytest.raises(InvalidTransition):
        services.transition_response(response=response, to="withdrawn", by=company_user)
    response.refresh_from_db()
    assert response.summary == "Original" and response.status == "submitted"


def test_one_response_per_company_and_call_is_a_database_constraint(company_org):
    from django.db import IntegrityError, transaction

    response = ResponseFactory(organisation=company_org)
    with pytest.raises(IntegrityError), transaction.atomic():
        ResponseFactory(call=response.call, organisation=company_org)


def test_a_second_response_racing_the_first_gets_a_message_and_changes_nothing(company_user, company_org, monkeypatch):
    from django.utils import translation

    existing = ResponseFactory(organisation=company_org, summary="Först")
    # As if another request saved `existing` just after this one looked for the company's response.
    monkeypatch.setattr(Response.objects, "select_for_update", lambda: Response.objects.none())
    with translation.override("en"), pytest.raises(ServiceError, match="already answered this call"):
        services.save_response(
            call=existing.call, organisation=company_org, by=company_user, **{**RESPONSE, "summary": "Andra"}
        )
    existing.refresh_from_db()
    assert existing.summary == "Först" and Response.objects.count() == 1


def test_a_public_body_cannot_respond(buyer, buyer_org):
    with pytest.raises(ServiceError):
        services.save_response(call=CallFactory(), organisation=buyer_org, by=buyer, **RESPONSE)


@pytest.mark.parametrize(
    ("start", "target"), [("draft", "draft"), ("submitted", "submitted"), ("withdrawn", "withdrawn")]
)
def test_invalid_response_transitions_are_refused(company_user, company_org, start, target):
    response = ResponseFactory(organisation=company_org, status=start)
    with pytest.raises(InvalidTransition):
        services.transition_response(response=response, to=target, by=company_user)


# --- questions ---------------------------------------------------------------------------------------------------


def test_ask_answer_and_publish_a_question_mails_buyer_and_asker(
    company_user, company_org, django_capture_on_commit_callbacks
):
    buyer = make_buyer()
    call = CallFactory(need=NeedFactory(organisation=organisation_of(buyer)))
    with django_capture_on_commit_callbacks(execute=True):
        question = services.ask_question(call=call, organisation=company_org, by=company_user, text="Hur många?")
    assert mail.outbox[-1].to == [buyer.email]
    sent = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        services.answer_question(question=question, by=buyer, answer="Tjugo.")
    question.refresh_from_db()
    assert question.is_answered and question.answer == "Tjugo." and question.is_pending
    assert len(mail.outbox) == sent  # an answer that is not published tells nobody
    with django_capture_on_commit_callbacks(execute=True):
        services.publish_answers(call=call, questions=[question], by=buyer)
    asker_mail = [m for m in mail.outbox[sent:] if "har besvarats" in m.subject]
    assert [m.to for m in asker_mail] == [[company_user.email]]
    assert "Tjugo." in asker_mail[0].body


def test_questions_only_on_open_calls(company_user, company_org):
    with pytest.raises(InvalidTransition):
        services.ask_question(call=closed_call(), organisation=company_org, by=company_user, text="?")


def test_an_empty_answer_is_refused(buyer):
    with pytest.raises(ServiceError):
        services.answer_question(question=QuestionFactory(), by=buyer, answer=" ")


# --- interest profiles and alerts --------------------------------------------------------------------------------


def test_save_interest_profile_replaces_the_profile(company_user, company_org):
    load_divisions()
    code = CpvCode.objects.get(code="45000000")
    services.save_interest_profile(
        organisation=company_org, by=company_user, cpv_codes=[code], categories=["energi"], themes=[], keywords="sol"
    )
    saved = services.save_interest_profile(
        organisation=company_org, by=company_user, cpv_codes=[], categories=[], themes=["resiliens"], keywords=""
    )
    assert saved.themes == ["resiliens"] and saved.categories == [] and not saved.cpv_codes.exists()


def test_opening_a_call_mails_matching_company_members_once(django_capture_on_commit_callbacks):
    load_divisions()
    parent = CpvCode.objects.get(code="45000000")
    child = CpvCode.objects.create(code="45210000", check_digit="2", label="Building construction work")
    matching_user = make_company_user()
    colleague = make_member(organisation=organisation_of(matching_user), role="member")
    profile(organisation_of(matching_user), codes=[parent])
    other = make_company_user()
    profile(organisation_of(other), codes=[CpvCode.objects.get(code="72000000")])
    buyer = make_buyer()
    need = NeedFactory(organisation=organisation_of(buyer), themes=[], category="ovrigt")
    need.cpv_codes.set([child])
    call = draft_call(need=need, opens_at=timezone.now() - timedelta(minutes=1))

    with django_capture_on_commit_callbacks(execute=True):
        services.publish_call(call=call, by=buyer)
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == sorted([matching_user.email, colleague.email])
    assert call.title in mail.outbox[0].subject
    assert f"/calls/{call.pk}/" in mail.outbox[0].body

    mail.outbox.clear()
    call.refresh_from_db()
    assert services.send_call_alerts(call=call) == 0
    assert mail.outbox == []
    assert CallAlert.objects.filter(call=call).count() == 2


@pytest.mark.parametrize(
    ("profile_kwargs", "matches"),
    [
        ({"categories": ["energi"]}, True),
        ({"categories": ["it"]}, False),
        ({"themes": ["hallbarhet"]}, True),
        ({"themes": ["sakerhet"]}, False),
        ({"keywords": "Solceller, batteri"}, True),
        ({"keywords": "vägbelysning"}, False),
        ({}, False),
    ],
)
def test_profile_matching_by_category_theme_and_keyword(profile_kwargs, matches):
    from projects.selectors import profiles_matching

    company = OrganisationFactory(kind="company")
    profile(company, **profile_kwargs)
    need = NeedFactory(category="energi", themes=["hallbarhet"], title="Solceller på taken")
    call = CallFactory(need=need)
    assert (company.pk in [p.organisation_id for p in profiles_matching(call)]) is matches


def test_alerts_are_not_sent_for_a_call_that_is_not_open():
    company = make_company_user()
    profile(organisation_of(company), categories=["energi"])
    call = closed_call(need=NeedFactory(category="energi"))
    assert services.send_call_alerts(call=call) == 0
    assert mail.outbox == []


def test_the_beat_schedule_of_the_celery_app_includes_the_call_state_task():
    from portal.celery import app

    tasks = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert "projects.tasks.update_call_states" in tasks


def test_a_call_opened_by_the_periodic_task_sends_alerts(django_capture_on_commit_callbacks):
    company = make_company_user()
    profile(organisation_of(company), keywords="solceller")
    call = CallFactory(
        status="draft", opens_at=timezone.now() - timedelta(minutes=1), need=NeedFactory(title="Solceller på tak")
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.update_call_states()
    assert [m.to for m in mail.outbox] == [[company.email]]
    call.refresh_from_db()
    assert call.alerts_sent_at is not None


def test_mails_are_plain_text_without_html_escaping(company_user, company_org, django_capture_on_commit_callbacks):
    buyer = make_buyer()
    call = CallFactory(need=NeedFactory(organisation=organisation_of(buyer)), title="Sol & vind <2026>")
    with django_capture_on_commit_callbacks(execute=True):
        services.ask_question(call=call, organisation=company_org, by=company_user, text="Gäller det 'små' tak?")
    assert "Sol & vind <2026>" in mail.outbox[-1].subject
    assert "&amp;" not in mail.outbox[-1].body


def test_a_failing_mail_server_leaves_no_alert_row_so_a_retry_mails_that_person(
    monkeypatch, django_capture_on_commit_callbacks
):
    import smtplib

    company = make_company_user()
    profile(organisation_of(company), categories=["energi"])
    call = CallFactory(need=NeedFactory(category="energi"))

    def broken(*args, **kwargs):
        raise smtplib.SMTPServerDisconnected("down")

    monkeypatch.setattr("projects.services.send_mail_to", broken)
    with pytest.raises(smtplib.SMTPServerDisconnected):
        services.send_call_alerts(call=call)
    assert not CallAlert.objects.exists()
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_call_alerts(call=call) == 1
    assert [m.to for m in mail.outbox] == [[company.email]]


def test_periodic_task_catches_up_on_alerts_that_were_never_sent(django_capture_on_commit_callbacks):
    from unittest import mock

    opened_long_ago = CallFactory(opened_at=timezone.now() - timedelta(hours=1))
    CallFactory(opened_at=timezone.now())  # its first run may still be under way
    CallFactory(opened_at=timezone.now() - timedelta(hours=1), alerts_sent_at=timezone.now())  # done
    with (
        mock.patch("projects.tasks.send_call_alerts.apply_async") as send,
        django_capture_on_commit_callbacks(execute=True),
    ):
        result = services.update_call_states()
    assert result["alerts_requeued"] == 1
    send.assert_called_once_with(kwargs={"call_id": opened_long_ago.pk})


def test_an_alert_run_with_no_matching_company_is_still_marked_done():
    call = CallFactory(opened_at=timezone.now() - timedelta(hours=1))
    assert services.send_call_alerts(call=call) == 0
    call.refresh_from_db()
    assert call.alerts_sent_at is not None
