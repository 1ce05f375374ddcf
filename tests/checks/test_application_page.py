"""The applicant's application page: state, history, completion requests and decision; never the handlers' scores,
comments, recommendations or conflicts of interest. Built through the services, as in real handling."""

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from checks import services
from checks.models import Application, Decision, Review
from checks.templatetags.checks_tags import sek
from tests.factories import make_buyer, make_company_user, make_handler, make_portal_admin, organisation_of

from .factories import decide, make_application, reply_date

pytestmark = pytest.mark.django_db
S = Application.State

COMMENT = "INTERN KOMMENTAR: leverantören verkar svag"
CONFLICT = "HEMLIG JÄVSORSAK: min bror arbetar där"
COMPLETION = "Bifoga offerten från testbädden."
RESUBMIT = "Offerten ligger nu som bilaga."
REASONING = "Ansökan motiverar väl varför testbädden behövs."


def handled(*, decided: bool = True) -> tuple[Application, list]:
    """An application submitted, reviewed with comments, sent back for completion, completed and (maybe) approved."""
    application = make_application(state=S.DRAFT, amount=150_000)
    applicant = application.contact
    services.submit_application(application=application, by=applicant)
    handler = make_handler(first_name="Hanna", last_name="Handläggare")
    services.assign_application(application=application, handler=handler, by=handler)
    # Innovationshöjd (weight 3) 5, Genomförbarhet (weight 1) 2: weighted (15 + 2) / 4 = 4.25.
    values = iter([5, 2])
    scores = {c.pk: (next(values), COMMENT) for c in application.call.criteria.order_by("position")}
    services.save_review(application=application, handler=handler, scores=scores, recommendation="unsure")
    services.declare_conflict(handler=make_handler(), reason=CONFLICT, organisation=application.organisation)
    services.request_completion(application=application, by=handler, message=COMPLETION, reply_by=reply_date())
    services.resubmit_application(application=application, by=applicant, message=RESUBMIT)
    if decided:
        decide(application=application, by=handler, outcome="approved", reasoning=REASONING, granted_amount=120_000)
    application.refresh_from_db()
    return application, [handler]


def get_page(client, user, application, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.force_login(user)
    return client.get(reverse("checks:application_detail", args=[application.pk]))


def assert_nothing_internal(page: str, language: str) -> None:
    assert COMMENT not in page
    assert CONFLICT not in page
    assert "4,25" not in page and "4.25" not in page  # the weighted score in either locale's format
    with translation.override(language):
        assert str(Review.Recommendation.UNSURE.label) not in page
        assert str(Review._meta.get_field("weighted_score").verbose_name).capitalize() not in page


@pytest.mark.parametrize("language", ["sv", "en"])
def test_applicant_sees_state_history_completion_request_and_decision(client, language):
    application, _handlers = handled()

    response = get_page(client, application.contact, application, language)

    assert response.status_code == 200
    page = response.content.decode()
    assert application.reference in page
    with translation.override(language):
        for state in (S.SUBMITTED, S.IN_REVIEW, S.COMPLETION_REQUESTED, S.APPROVED):
            assert str(state.label) in page, state  # every step of the history
        assert str(Decision.Outcome.APPROVED.label) in page
    assert [change.to_state for change in response.context["history"]] == [
        S.SUBMITTED,
        S.IN_REVIEW,
        S.COMPLETION_REQUESTED,
        S.IN_REVIEW,
        S.APPROVED,
    ]
    assert COMPLETION in page and RESUBMIT in page  # the handler's request and the applicant's answer
    assert 'id="decision-heading"' in page
    assert sek(120_000) in page and REASONING in page
    assert application.final_report_due.isoformat() in page
    assert_nothing_internal(page, language)


@pytest.mark.parametrize("language", ["sv", "en"])
def test_applicant_sees_the_open_completion_request_but_no_scores(client, language):
    application = make_application(state=S.DRAFT)
    services.submit_application(application=application, by=application.contact)
    handler = make_handler()
    services.assign_application(application=application, handler=handler, by=handler)
    values = iter([5, 2])
    scores = {c.pk: (next(values), COMMENT) for c in application.call.criteria.order_by("position")}
    services.save_review(application=application, handler=handler, scores=scores, recommendation="unsure")
    services.declare_conflict(handler=make_handler(), reason=CONFLICT, application=application)
    services.request_completion(application=application, by=handler, message=COMPLETION, reply_by=reply_date())

    response = get_page(client, application.contact, application, language)

    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="completion-heading"' in page
    # A Swedish application's request is marked Swedish on the English page (WCAG 3.1.2).
    marked = ' lang="sv"' if language == "en" else ""
    assert f"<blockquote{marked}>{COMPLETION}</blockquote>" in page
    assert response.context["can_edit"] and response.context["can_resubmit"]
    assert_nothing_internal(page, language)


def test_handlers_see_what_the_applicant_does_not(client):
    """The applicant's page hides these because they are hidden, not because they are missing."""
    application, (handler,) = handled(decided=False)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "sv"
    client.force_login(handler)

    page = client.get(reverse("checks:review_detail", args=[application.pk])).content.decode()

    assert COMMENT in page and "4,25" in page
    with translation.override("sv"):
        assert str(Review.Recommendation.UNSURE.label) in page


def test_a_colleague_in_the_applicants_organisation_sees_the_page_without_internal_parts(client):
    application, _handlers = handled()
    colleague = make_buyer(organisation=organisation_of(application.contact), role="member")

    response = get_page(client, colleague, application, "sv")

    assert response.status_code == 200
    assert REASONING in response.content.decode()
    assert_nothing_internal(response.content.decode(), "sv")


@pytest.mark.parametrize("make_user", [make_buyer, make_company_user], ids=["other-buyer", "company"])
def test_another_organisations_user_gets_404_and_sees_nothing(client, make_user):
    application, _handlers = handled()

    response = get_page(client, make_user(), application, "sv")

    assert response.status_code == 404
    page = response.content.decode()
    for secret in (COMMENT, CONFLICT, REASONING, COMPLETION, application.reference):
        assert secret not in page


def test_visitor_is_sent_to_log_in(client):
    application, _handlers = handled()

    response = client.get(reverse("checks:application_detail", args=[application.pk]))

    assert response.status_code == 302 and response["Location"].startswith(reverse(settings.LOGIN_URL))


def test_portal_admin_uses_the_review_page_not_the_applicants(client):
    application, _handlers = handled()

    response = get_page(client, make_portal_admin(), application, "sv")

    assert response.status_code == 404
