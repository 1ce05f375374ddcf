"""Decisions under förvaltningslagen (2017:900) and four eyes: a handler proposes (föredragande), another handler
with the right to decide (beslutsfattare) decides after a confirmation page with the letter's preview; a decision is
corrected (rättelse, 36 §) only by a new decision that refers to it, and the old one stays in the history."""

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone, translation

from checks import rules, services
from checks.decision_letters.selectors import DEFAULT_APPEAL_TEXT, decision_context, letter_context
from checks.models import Application, Decision, DecisionLetter, DecisionProposal
from portal.audit import AuditAction
from portal.models import AuditEntry
from portal.services import InvalidTransition, ServiceError
from tests.factories import make_handler, make_portal_admin

from .factories import decide, make_application, make_call, make_decider, reply_date

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def swedish():
    # The services' messages are compared in Swedish, whatever language an earlier test left active.
    with translation.override("sv"):
        yield


S = Application.State


def proposed(*, amount=100_000, outcome="approved", presenter=None, call=None):
    application = make_application(call=call or make_call(), state=S.IN_REVIEW, amount=amount)
    presenter = presenter or make_handler()
    proposal = services.propose_decision(
        application=application,
        by=presenter,
        outcome=outcome,
        reasoning="Väl motiverad ansökan.",
        granted_amount=amount if outcome == "approved" else None,
    )
    return Application.objects.get(pk=application.pk), proposal, presenter


# --- the services -------------------------------------------------------------------------------------------------


def test_a_proposal_decides_nothing_and_mails_nobody(mailoutbox):
    application, proposal, presenter = proposed()
    assert proposal.status == DecisionProposal.Status.PENDING
    assert application.state == S.IN_REVIEW
    assert Decision.objects.count() == 0
    assert AuditEntry.objects.filter(action=AuditAction.DECISION_PROPOSED, actor=presenter).count() == 1
    assert mailoutbox == []


def test_a_decider_decides_and_the_decision_names_both():
    application, proposal, presenter = proposed()
    decider = make_decider()
    decision = services.decide_proposal(application=application, by=decider, proposal_id=proposal.pk)
    application.refresh_from_db()
    proposal.refresh_from_db()
    assert application.state == S.APPROVED
    assert (decision.decided_by, decision.presented_by, decision.granted_amount) == (decider, presenter, 100_000)
    assert (proposal.status, proposal.decision) == (DecisionProposal.Status.DECIDED, decision)
    assert AuditEntry.objects.filter(action=AuditAction.DECISION_APPROVED, actor=decider).count() == 1
    assert DecisionLetter.objects.get(application=application).decision == decision


def test_the_presenter_cannot_decide_their_own_proposal():
    presenter = make_decider()
    application, proposal, _ = proposed(presenter=presenter)
    with translation.override("sv"), pytest.raises(ServiceError) as raised:
        services.decide_proposal(application=application, by=presenter, proposal_id=proposal.pk)
    assert raised.value.message == (
        "Du är föredragande för förslaget, så en annan handläggare måste fatta beslutet (fyraögonprincipen)."
    )
    assert Decision.objects.count() == 0


def test_a_handler_without_the_right_to_decide_cannot_decide():
    application, proposal, _ = proposed()
    with translation.override("sv"), pytest.raises(ServiceError) as raised:
        services.decide_proposal(application=application, by=make_handler(), proposal_id=proposal.pk)
    assert raised.value.message == "Du har inte beslutsrätt. En portaladministratör kan ge dig den."


def test_deciding_without_a_proposal_is_refused():
    application = make_application(state=S.IN_REVIEW)
    with translation.override("sv"), pytest.raises(InvalidTransition) as raised:
        services.decide_proposal(application=application, by=make_decider())
    assert raised.value.message == (
        "Det finns inget förslag att besluta om. En handläggare måste först lämna ett beslutsförslag."
    )


def test_a_new_proposal_replaces_the_pending_one_and_the_old_id_is_refused():
    application, first, _ = proposed()
    second = services.propose_decision(application=application, by=make_handler(), outcome="rejected", reasoning="Nej")
    first.refresh_from_db()
    assert first.status == DecisionProposal.Status.REPLACED
    with translation.override("en"), pytest.raises(InvalidTransition, match="replaced by a later one"):
        services.decide_proposal(application=application, by=make_decider(), proposal_id=first.pk)
    decision = services.decide_proposal(application=application, by=make_decider(), proposal_id=second.pk)
    assert decision.outcome == "rejected"


def test_the_budget_is_checked_again_when_deciding():
    call = make_call(total_budget=150_000)
    application, proposal, _ = proposed(call=call, amount=100_000)
    decide(
        application=make_application(call=call, state=S.IN_REVIEW, amount=100_000),
        by=make_decider(),
        outcome="approved",
        reasoning="R",
        granted_amount=100_000,
    )
    with pytest.raises(ServiceError) as raised:
        services.decide_proposal(application=application, by=make_decider(), proposal_id=proposal.pk)
    assert raised.value.field == "granted_amount"


# --- correction (rättelse, FL 36 §) ----------------------------------------------------------------------------------


def test_a_correction_is_a_new_decision_that_refers_to_the_old_one():
    application = make_application(state=S.APPROVED, amount=100_000, granted=100_000)
    old = application.decision
    with translation.override("sv"), pytest.raises(ServiceError) as raised:
        services.propose_correction(application=application, by=make_handler(), reason=" ", reasoning="R")
    assert (raised.value.field, raised.value.message) == ("reason", "Ange vad som rättas och varför.")
    proposal = services.propose_correction(
        application=application, by=make_handler(), reason="Fel belopp.", reasoning="Rättad.", granted_amount=90_000
    )
    decider = make_decider()
    new = services.decide_proposal(application=application, by=decider, proposal_id=proposal.pk)
    old.refresh_from_db()
    application = Application.objects.get(pk=application.pk)
    assert application.decision == new and application.state == S.APPROVED
    assert (new.corrects, new.correction_reason, new.granted_amount) == (old, "Fel belopp.", 90_000)
    assert old.is_corrected and old.for_application == application
    assert [d.pk for d in application.decisions.all()] == [new.pk, old.pk]
    assert AuditEntry.objects.filter(action=AuditAction.DECISION_CORRECTED, actor=decider).count() == 1
    letters = DecisionLetter.objects.filter(application=application).order_by("version")
    assert [letter.decision for letter in letters] == [old, new]
    # The old letter still states the old decision; the new one refers to it.
    assert letter_context(letters[0])["decision"] == old
    assert letter_context(letters[1])["corrects"] == old


def test_a_correction_after_the_final_report_is_refused():
    application = make_application(state=S.FINAL_REPORT_SUBMITTED)
    with pytest.raises(InvalidTransition):
        services.propose_correction(application=application, by=make_handler(), reason="Fel.", reasoning="R")


# --- the letter -----------------------------------------------------------------------------------------------------


@override_settings(AGENCY_NAME="Verket för test", AGENCY_ORG_NUMBER="202100-1234", AGENCY_EMAIL="reg@verket.se")
def test_the_letter_names_the_authority_the_people_and_how_to_appeal():
    application, proposal, presenter = proposed()
    decider = make_decider()
    decision = services.decide_proposal(application=application, by=decider, proposal_id=proposal.pk)
    context = decision_context(application, decision)
    assert context["agency"]["name"] == "Verket för test"
    assert context["appeal_text"] == str(DEFAULT_APPEAL_TEXT)
    call = application.call
    call.appeal_text = "Beslutet kan överklagas till förvaltningsrätten."
    call.save()
    assert decision_context(application, decision)["appeal_text"] == "Beslutet kan överklagas till förvaltningsrätten."


# --- the pages ------------------------------------------------------------------------------------------------------


def test_confirmation_page_shows_recipients_amount_and_the_letter_preview(client):
    application, proposal, presenter = proposed()
    decider = make_decider()
    client.force_login(decider)
    page = client.get(reverse("checks:decide", args=[application.pk])).content.decode()
    assert application.contact.email in page
    assert "100 000" in page or "100\xa0000" in page
    assert "Förhandsvisning av beslutsbrevet" in page
    assert "Väl motiverad ansökan." in page
    assert "Detta beslut får inte överklagas" in page
    assert Decision.objects.count() == 0  # the page decides nothing
    response = client.post(reverse("checks:decide", args=[application.pk]), {"proposal": proposal.pk})
    assert response.status_code == 302
    assert Decision.objects.get().decided_by == decider


def test_the_presenter_is_not_offered_the_decide_button_and_is_told_why(client):
    presenter = make_decider()
    application, proposal, _ = proposed(presenter=presenter)
    client.force_login(presenter)
    page = client.get(reverse("checks:review_detail", args=[application.pk])).content.decode()
    assert reverse("checks:decide", args=[application.pk]) not in page
    assert "Du är föredragande för det här förslaget" in page
    response = client.post(reverse("checks:decide", args=[application.pk]), {"proposal": proposal.pk}, follow=True)
    assert "en annan handläggare måste fatta beslutet" in response.content.decode()
    assert Decision.objects.count() == 0


@pytest.mark.parametrize(("role", "offered"), [("handler", False), ("decider", True), ("admin", False)])
def test_the_decide_button_per_role(client, role, offered):
    application, _proposal, _ = proposed()
    user = {"handler": make_handler, "decider": make_decider, "admin": make_portal_admin}[role]()
    client.force_login(user)
    page = client.get(reverse("checks:review_detail", args=[application.pk])).content.decode()
    assert (reverse("checks:decide", args=[application.pk]) in page) is offered


def test_a_stale_confirmation_is_refused_with_a_message(client):
    application, proposal, _ = proposed()
    services.decide_proposal(application=application, by=make_decider(), proposal_id=proposal.pk)
    client.force_login(make_decider())
    response = client.post(reverse("checks:decide", args=[application.pk]), {"proposal": proposal.pk}, follow=True)
    assert "Det finns inget förslag att besluta om." in response.content.decode()
    assert Decision.objects.count() == 1


def test_correction_form_requires_the_reason_and_keeps_what_was_typed(client):
    application = make_application(state=S.APPROVED, amount=100_000, granted=100_000)
    client.force_login(make_handler())
    response = client.post(
        reverse("checks:correct", args=[application.pk]), {"reason": "", "granted_amount": "90000", "reasoning": "Ny"}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["reason"]
    assert 'value="90000"' in response.content.decode()


def test_applicant_sees_the_corrected_decision_and_its_letter_in_the_history(client):
    application = make_application(state=S.APPROVED, amount=100_000, granted=100_000)
    old = application.decision
    decide_correction = services.propose_correction(
        application=application, by=make_handler(), reason="Fel belopp.", reasoning="Rättad.", granted_amount=90_000
    )
    services.decide_proposal(application=application, by=make_decider(), proposal_id=decide_correction.pk)
    client.force_login(application.contact)
    page = client.get(reverse("checks:application_detail", args=[application.pk])).content.decode()
    assert f"Rättat beslut från {timezone.localtime(old.decided_at):%Y-%m-%d}" in page  # the day in Sweden
    assert "Fel belopp." in page


# --- the right to decide (portal admins) ----------------------------------------------------------------------------


def test_admin_gives_and_takes_away_the_right_to_decide_audited(client):
    admin = make_portal_admin()
    handler = make_handler(first_name="Hanna", last_name="Handläggare")
    client.force_login(admin)
    page = client.get(reverse("checks:deciders")).content.decode()
    assert "Ge Hanna Handläggare beslutsrätt" in page
    response = client.post(reverse("checks:decider_toggle", args=[handler.pk]), {"allowed": "1"}, follow=True)
    assert "Hanna Handläggare får nu fatta beslut." in response.content.decode()
    handler = type(handler).objects.get(pk=handler.pk)
    assert rules.is_decider(handler)
    assert AuditEntry.objects.filter(action=AuditAction.DECIDE_RIGHT_GRANTED, actor=admin).count() == 1
    client.post(reverse("checks:decider_toggle", args=[handler.pk]), {"allowed": "0"})
    handler = type(handler).objects.get(pk=handler.pk)
    assert not rules.is_decider(handler)
    assert AuditEntry.objects.filter(action=AuditAction.DECIDE_RIGHT_REVOKED, actor=admin).count() == 1


def test_only_handlers_get_the_right_to_decide(client):
    client.force_login(make_portal_admin())
    buyer = make_application().contact
    response = client.post(reverse("checks:decider_toggle", args=[buyer.pk]), {"allowed": "1"})
    assert response.status_code == 404
    with translation.override("en"), pytest.raises(ServiceError, match="Only handlers"):
        services.set_decide_right(user=buyer, allowed=True, by=make_portal_admin())


@pytest.mark.parametrize(("role", "status"), [("handler", 403), ("decider", 403), ("admin", 200)])
def test_the_deciders_page_per_role(client, role, status):
    user = {"handler": make_handler, "decider": make_decider, "admin": make_portal_admin}[role]()
    client.force_login(user)
    assert client.get(reverse("checks:deciders")).status_code == status
    response = client.post(reverse("checks:decider_toggle", args=[make_handler().pk]), {"allowed": "1"})
    assert response.status_code == (302 if role == "admin" else 403)


def test_a_proposal_waiting_while_the_applicant_completes_cannot_be_decided(client):
    application, proposal, _ = proposed()
    services.request_completion(
        application=application, by=make_handler(), message="Komplettera.", reply_by=reply_date()
    )
    decider = make_decider()
    client.force_login(decider)
    response = client.get(reverse("checks:decide", args=[application.pk]), follow=True)
    assert "Det går inte med nuvarande status." in response.content.decode()
    with pytest.raises(InvalidTransition):
        services.decide_proposal(application=application, by=decider, proposal_id=proposal.pk)
    assert Decision.objects.count() == 0
