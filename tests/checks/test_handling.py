"""Handling details of issue 5 not covered elsewhere: caps by number of external competences at the decision,
mails in each recipient's language with the handler's message, assignment of another handler through the queue's
form, and queue filters that are not valid."""

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import translation

from checks import services
from checks.models import Application, Decision, DecisionLetter
from portal.models import Membership
from portal.services import ServiceError
from tests.factories import UserFactory, make_buyer, make_handler, organisation_of

from .factories import decide, make_application, make_call, reply_date

pytestmark = pytest.mark.django_db
S = Application.State


# --- caps per number of external competences -------------------------------------------------------------------


def test_two_external_competences_may_be_granted_up_to_the_higher_cap():
    application = make_application(state=S.IN_REVIEW, amount=400_000, competences=2, track_index=1)

    decision = decide(
        application=application, by=make_handler(), outcome="approved", granted_amount=400_000, reasoning="R"
    )

    assert decision.granted_amount == 400_000


def test_one_external_competence_on_the_same_track_is_held_to_the_lower_cap():
    application = make_application(state=S.IN_REVIEW, amount=200_000, competences=1, track_index=1)
    Application.objects.filter(pk=application.pk).update(requested_amount=300_000)
    application.refresh_from_db()

    with translation.override("en"), pytest.raises(ServiceError, match="cap") as raised:
        decide(application=application, by=make_handler(), outcome="approved", granted_amount=250_000, reasoning="R")

    assert raised.value.field == "granted_amount"
    assert Decision.objects.count() == 0
    application.refresh_from_db()
    assert application.state == S.IN_REVIEW


# --- mails in the recipient's language --------------------------------------------------------------------------


def people_with_languages():
    contact = make_buyer(language="en")
    owner = UserFactory(language="sv")
    Membership.objects.create(user=owner, organisation=organisation_of(contact), role="owner")
    return contact, owner


def test_completion_request_mail_carries_the_message_in_each_recipients_language(django_capture_on_commit_callbacks):
    contact, owner = people_with_languages()
    application = make_application(buyer=contact, state=S.IN_REVIEW)

    with django_capture_on_commit_callbacks(execute=True):
        services.request_completion(
            application=application, by=make_handler(), message="Bifoga offerten.", reply_by=reply_date()
        )

    by_address = {message.to[0]: message for message in mail.outbox}
    assert set(by_address) == {contact.email, owner.email}
    english, swedish = by_address[contact.email], by_address[owner.email]
    assert application.reference in english.subject and "Completion requested" in english.subject
    assert "Komplettering begärd" in swedish.subject
    assert "The handler asks you to complete the application." in english.body
    assert "Handläggaren ber er komplettera ansökan." in " ".join(swedish.body.split())
    assert "Bifoga offerten." in english.body and "Bifoga offerten." in swedish.body


COMPLETE_APPLICATION = "The handler asks you to complete the application."
COMPLETE_REPORT = "The handler asks you to complete the final report and submit it again."
LETTER_FOLLOWS = "The decision letter follows in a separate mail."


@pytest.mark.parametrize(
    ("state", "move", "says"),
    [
        (S.IN_REVIEW, "request_completion", COMPLETE_APPLICATION),
        (S.FINAL_REPORT_SUBMITTED, "request_report_completion", COMPLETE_REPORT),
        (S.IN_REVIEW, "approve", LETTER_FOLLOWS),
        (S.IN_REVIEW, "reject", LETTER_FOLLOWS),
        (S.FINAL_REPORT_SUBMITTED, "accept_final_report", None),
        (S.COMPLETION_REQUESTED, "resubmit_application", None),
    ],
)
def test_state_change_mail_says_what_the_move_asks_of_the_applicant(
    django_capture_on_commit_callbacks, state, move, says
):
    contact = make_buyer(language="en")
    application = make_application(buyer=contact, state=state, amount=150_000)
    handler = make_handler()
    moves = {
        "request_completion": lambda: services.request_completion(
            application=application, by=handler, message="M", reply_by=reply_date()
        ),
        "request_report_completion": lambda: services.request_report_completion(
            application=application, by=handler, message="M"
        ),
        "approve": lambda: decide(
            application=application, by=handler, outcome="approved", granted_amount=100_000, reasoning="R"
        ),
        "reject": lambda: decide(application=application, by=handler, outcome="rejected", reasoning="R"),
        "accept_final_report": lambda: services.accept_final_report(application=application, by=handler),
        "resubmit_application": lambda: services.resubmit_application(application=application, by=contact),
    }
    with django_capture_on_commit_callbacks(execute=True):
        moves[move]()

    body = next(message.body for message in mail.outbox if message.to == [contact.email] and not message.attachments)
    notices = {COMPLETE_APPLICATION, COMPLETE_REPORT, LETTER_FOLLOWS}
    assert [notice for notice in notices if notice in body] == ([says] if says else [])


def test_decision_letter_mail_is_in_each_recipients_language_and_the_pdf_in_the_contacts(
    django_capture_on_commit_callbacks,
):
    contact, owner = people_with_languages()
    application = make_application(buyer=contact, state=S.IN_REVIEW, amount=150_000)

    with django_capture_on_commit_callbacks(execute=True):
        decide(application=application, by=make_handler(), outcome="rejected", reasoning="Utanför utlysningens syfte.")

    letter = DecisionLetter.objects.get(application=application)
    assert letter.language == "en"
    letters = {message.to[0]: message for message in mail.outbox if message.attachments}
    assert set(letters) == {contact.email, owner.email}
    assert letters[contact.email].subject == f"Decision on innovation check {application.reference}"
    assert letters[owner.email].subject == f"Beslut om innovationscheck {application.reference}"
    for message in letters.values():
        name, content, mimetype = message.attachments[0]
        assert mimetype == "application/pdf" and content.startswith(b"%PDF-")


# --- assignment through the queue's form ------------------------------------------------------------------------


def test_a_handler_assigns_another_handler_and_unassigns(client):
    handler, colleague = make_handler(), make_handler()
    application = make_application(state=S.SUBMITTED)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "sv"
    client.force_login(handler)
    url = reverse("checks:assign", args=[application.pk])

    response = client.post(url, {"handler": colleague.pk}, follow=True)

    application.refresh_from_db()
    assert application.assigned_to == colleague and application.state == S.IN_REVIEW
    assert "Tilldelningen är sparad." in response.content.decode()
    client.post(url, {"handler": ""})
    application.refresh_from_db()
    assert application.assigned_to is None and application.state == S.IN_REVIEW


def test_assigning_a_handler_with_a_conflict_is_refused_with_a_message(client):
    handler, conflicted = make_handler(), make_handler()
    application = make_application(state=S.SUBMITTED)
    services.declare_conflict(handler=conflicted, reason="Min bror arbetar där", organisation=application.organisation)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "sv"
    client.force_login(handler)

    response = client.post(reverse("checks:assign", args=[application.pk]), {"handler": conflicted.pk}, follow=True)

    assert response.status_code == 200
    assert "Handläggaren har anmält jäv för ansökan." in response.content.decode()
    application.refresh_from_db()
    assert application.assigned_to is None and application.state == S.SUBMITTED


def test_assigning_someone_who_is_not_a_handler_is_refused(client):
    handler = make_handler()
    application = make_application(state=S.SUBMITTED)
    client.force_login(handler)

    response = client.post(reverse("checks:assign", args=[application.pk]), {"handler": make_buyer().pk}, follow=True)

    assert response.status_code == 200
    application.refresh_from_db()
    assert application.assigned_to is None


@pytest.mark.parametrize("query", ["?call=abc", "?track=-1", "?state=nonsense", "?assigned=everyone", "?sort=drop"])
def test_queue_with_bad_filters_answers_without_an_error(client, query):
    make_application(call=make_call(), state=S.SUBMITTED)
    client.force_login(make_handler())

    response = client.get(reverse("checks:queue") + query)

    assert response.status_code == 200
    assert len(response.context["applications"]) == 1


@pytest.mark.parametrize("page", ["999", "abc", "%00"])
def test_queue_page_out_of_range_or_not_a_number_shows_a_page_not_an_error(client, page):
    # As the catalogue: past the end is the last page, not a number is the first (portal.query).
    make_application(call=make_call(), state=S.SUBMITTED)
    client.force_login(make_handler())

    response = client.get(reverse("checks:queue") + f"?page={page}")

    assert response.status_code == 200
    assert len(response.context["applications"]) == 1


# --- the CSV export -----------------------------------------------------------------------------------------------


def test_csv_export_neutralises_a_title_typed_as_a_formula_and_is_for_staff_only(client):
    call = make_call()
    application = make_application(call=call, state=S.SUBMITTED)
    Application.objects.filter(pk=application.pk).update(title='=HYPERLINK("http://evil.example","klicka")')
    url = reverse("checks:call_export", args=[call.pk])
    client.force_login(make_handler())

    text = client.get(url).content.decode("utf-8-sig")

    row = next(line for line in text.splitlines() if application.reference in line)
    assert "'=HYPERLINK" in row and ";=HYPERLINK" not in row
    client.force_login(application.contact)
    assert client.get(url).status_code == 403
