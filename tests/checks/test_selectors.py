import pytest
from django.http import Http404

from checks import selectors, services
from checks.models import Application, ConflictOfInterest
from tests.factories import make_buyer, make_handler, make_portal_admin, organisation_of

from .factories import make_application, make_call

pytestmark = pytest.mark.django_db
S = Application.State


def test_applications_for_returns_only_the_active_organisations():
    buyer = make_buyer()
    own = make_application(buyer=buyer)
    make_application()
    assert list(selectors.applications_for(buyer)) == [own]
    assert list(selectors.applications_for(make_handler())) == []


def test_get_application_for_gives_404_for_another_organisation_and_missing():
    application = make_application()
    assert selectors.get_application_for(application.contact, application.pk) == application
    with pytest.raises(Http404):
        selectors.get_application_for(make_buyer(), application.pk)
    with pytest.raises(Http404):
        selectors.get_application_for(application.contact, 999_999)


def test_get_application_for_staff_hides_drafts_and_refuses_buyers():
    draft = make_application()
    submitted = make_application(state=S.SUBMITTED)
    handler = make_handler()
    assert selectors.get_application_for_staff(handler, submitted.pk) == submitted
    assert selectors.get_application_for_staff(make_portal_admin(), submitted.pk) == submitted
    with pytest.raises(Http404):
        selectors.get_application_for_staff(handler, draft.pk)
    with pytest.raises(Http404):
        selectors.get_application_for_staff(submitted.contact, submitted.pk)


def test_calls_for_shows_drafts_to_admins_only():
    published, draft = make_call(), make_call(published=False)
    assert set(selectors.calls_for(make_buyer())) == {published}
    assert set(selectors.calls_for(make_portal_admin())) == {published, draft}
    with pytest.raises(Http404):
        selectors.get_call_for(make_handler(), draft.pk)


def test_review_queue_never_lists_drafts():
    make_application()
    submitted = make_application(state=S.SUBMITTED)
    assert list(selectors.review_queue(make_handler())) == [submitted]


def test_conflict_for_matches_application_or_organisation():
    handler = make_handler()
    first, second = make_application(state=S.IN_REVIEW), make_application(state=S.IN_REVIEW)
    other = make_application(state=S.IN_REVIEW)
    ConflictOfInterest.objects.create(handler=handler, application=first, reason="A")
    ConflictOfInterest.objects.create(handler=handler, organisation=organisation_of(second.contact), reason="B")
    assert selectors.conflict_for(handler, first).reason == "A"
    assert selectors.conflict_for(handler, second).reason == "B"
    assert selectors.conflict_for(handler, other) is None
    assert selectors.conflict_for(make_handler(), first) is None


def test_call_overview_sums_and_counts():
    call = make_call(total_budget=500_000)
    make_application(call=call, state=S.APPROVED, amount=150_000, granted=100_000)
    make_application(call=call, state=S.CLOSED, amount=50_000)
    make_application(call=call, state=S.REJECTED, amount=80_000)
    make_application(call=call, state=S.WITHDRAWN, amount=70_000)
    make_application(call=call)
    overview = selectors.call_overview(call)
    counts = dict(overview.counts)
    assert counts[S.APPROVED.label] == 1 and counts[S.DRAFT.label] == 1 and counts[S.IN_REVIEW.label] == 0
    assert overview.requested == 280_000  # submitted and not withdrawn
    assert overview.granted == 150_000 and overview.left == 350_000
    assert overview.used_width == "120.0"


def test_export_rows_excludes_drafts():
    call = make_call()
    make_application(call=call)
    submitted = make_application(call=call, state=S.SUBMITTED)
    assert list(selectors.export_rows(call)) == [submitted]


def test_report_completion_request_only_while_the_report_is_to_be_sent_again():
    application = make_application(state=S.FINAL_REPORT_SUBMITTED)
    assert selectors.report_completion_request(application) is None
    services.request_report_completion(application=application, by=make_handler(), message="Mer")
    application.refresh_from_db()
    assert selectors.report_completion_request(application).message == "Mer"
    services.submit_final_report(
        application=application,
        by=application.contact,
        results="R",
        outcome="O",
        procurement_started=False,
        procedure="not_started",
        actual_costs={},
    )
    application.refresh_from_db()
    assert selectors.report_completion_request(application) is None


def test_review_queue_under_handling_leaves_out_decided_and_finished_applications():
    call = make_call()
    by_state = {state: make_application(call=call, state=state) for state in S.values}
    listed = set(selectors.review_queue(make_handler(), call=call.pk, state=selectors.UNDER_HANDLING))
    expected = {S.SUBMITTED, S.IN_REVIEW, S.COMPLETION_REQUESTED, S.FINAL_REPORT_SUBMITTED}
    assert listed == {by_state[state] for state in expected}
