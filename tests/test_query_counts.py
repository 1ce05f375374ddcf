"""Pages that show lists make at most 15 queries, and as many for one row as for many.

The list pages of each app have their own tests beside their views (catalogue, call list, responses, my needs,
review queue, my applications, grant-call lists, CSV exports, webinar lists, verification queue, audit log,
organisation page). This module covers the remaining pages that list things: the home page, a need's page
with its calls and assessments, a call's page with its questions, both dashboards, a grant call's page and
overview, and an application's page for the applicant and for a handler. The page cache is off here: the
queries counted are the page's own.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from checks import services as check_services
from checks.models import Application
from checks.selectors import QUEUE_VIEWS
from tests.checks.factories import make_application, make_call
from tests.factories import make_buyer, make_company_user, make_handler, make_portal_admin, organisation_of
from tests.projects.factories import AssessmentFactory, CallFactory, NeedFactory, QuestionFactory, ResponseFactory
from tests.webinars.factories import SpeakerFactory, WebinarFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("uncached_pages")]
MAX_QUERIES = 15
S = Application.State


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(context.captured_queries)


def _assert_flat(client, url, add) -> None:
    """The page's queries with one row, then after `add()` put in many more: equal, and within the limit."""
    client.get(url)  # once first: what a process loads once (content types, translations) is not the page's
    one = _count(client, url)
    add()
    many = _count(client, url)
    assert many == one, f"{url}: {one} queries with one row, {many} with many"
    assert many <= MAX_QUERIES, f"{url}: {many} queries"


def test_home_page(client):
    NeedFactory()
    WebinarFactory()

    def add():
        for _ in range(10):
            CallFactory()
            SpeakerFactory(webinar=WebinarFactory())

    _assert_flat(client, reverse("portal:home"), add)


def test_need_page_with_its_calls_and_assessments(client):
    buyer = make_buyer()
    need = NeedFactory(organisation=organisation_of(buyer))
    CallFactory(need=need)
    AssessmentFactory(need=need)
    client.force_login(buyer)  # members also see the earlier versions of the assessment

    def add():
        for _ in range(8):
            call = CallFactory(need=need)
            ResponseFactory(call=call)
            AssessmentFactory(need=need)

    _assert_flat(client, reverse("projects:need_detail", args=[need.pk]), add)


def test_call_page_with_answered_questions(client):
    buyer = make_buyer()
    call = CallFactory(need=NeedFactory(organisation=organisation_of(buyer)))
    QuestionFactory(call=call, published=True, answered_by=buyer)

    def add():
        for _ in range(10):
            QuestionFactory(call=call, published=True, answered_by=buyer)

    _assert_flat(client, reverse("projects:call_detail", args=[call.pk]), add)


def test_question_moderation_page(client):
    buyer = make_buyer()
    call = CallFactory(need=NeedFactory(organisation=organisation_of(buyer)))
    QuestionFactory(call=call)
    client.force_login(buyer)

    def add():
        for _ in range(4):
            QuestionFactory(call=call)
            QuestionFactory(call=call, answered=True)
            QuestionFactory(call=call, published=True)
            QuestionFactory(call=call, rejected=True)

    _assert_flat(client, reverse("projects:question_moderation", args=[call.pk]), add)


def test_buyers_dashboard(client):
    buyer = make_buyer()
    organisation = organisation_of(buyer)
    grant_call = make_call()
    CallFactory(need=NeedFactory(organisation=organisation))
    make_application(call=grant_call, buyer=buyer)
    client.force_login(buyer)

    def add():
        for _ in range(8):
            call = CallFactory(need=NeedFactory(organisation=organisation))
            ResponseFactory(call=call)
            QuestionFactory(call=call)
            make_application(call=grant_call, buyer=buyer, state=S.SUBMITTED)

    _assert_flat(client, reverse("portal:dashboard"), add)


def test_companys_dashboard(client):
    company_user = make_company_user()
    company = organisation_of(company_user)
    ResponseFactory(organisation=company)
    client.force_login(company_user)

    def add():
        for _ in range(8):
            ResponseFactory(organisation=company)
            CallFactory()

    _assert_flat(client, reverse("portal:dashboard"), add)


def test_grant_call_page_and_overview(client):
    handler = make_handler()
    call = make_call()
    make_application(call=call, state=S.SUBMITTED)
    client.force_login(handler)

    def add():
        for _ in range(8):
            make_application(call=call, state=S.SUBMITTED)

    _assert_flat(client, reverse("checks:call_detail", args=[call.pk]), add)
    _assert_flat(client, reverse("checks:call_overview", args=[call.pk]), add)


def test_application_page_for_the_applicant_and_the_handler(client):
    buyer, handler = make_buyer(), make_handler()
    call = make_call()
    application = make_application(call=call, buyer=buyer, state=S.IN_REVIEW, assigned_to=handler)
    scores = {criterion.pk: (4, "Bra.") for criterion in call.criteria.all()}

    def add():
        for _ in range(4):
            check_services.save_review(
                application=application, handler=make_handler(), scores=scores, recommendation="approve"
            )

    client.force_login(buyer)
    _assert_flat(client, reverse("checks:application_detail", args=[application.pk]), add)
    client.force_login(handler)
    _assert_flat(client, reverse("checks:review_detail", args=[application.pk]), add)


def test_deciders_page(client):
    from checks.services import set_decide_right

    admin = make_portal_admin()
    make_handler()

    def add():
        for _ in range(4):
            set_decide_right(user=make_handler(), allowed=True, by=admin)

    client.force_login(admin)
    _assert_flat(client, reverse("checks:deciders"), add)


def _full_application(handler):
    """An approved application with everything the handler's page lists: a linked need, a completion sent back
    (the page compares the versions), reviews by two handlers, the applicant's attachments, a decision with its
    letter, a pending correction proposal and a thread with an attachment."""
    from checks.messages import services as message_services
    from portal.files import attach_bytes
    from tests.checks.factories import decide, make_decider

    call = make_call()
    application = make_application(call=call, state=S.COMPLETION_REQUESTED, assigned_to=handler)
    check_services.resubmit_application(application=application, by=application.contact, message="Kompletterad")
    Application.objects.filter(pk=application.pk).update(need=NeedFactory(organisation=application.organisation))
    scores = {criterion.pk: (4, "Bra.") for criterion in call.criteria.all()}
    for reviewer in (handler, make_handler()):
        check_services.save_review(application=application, handler=reviewer, scores=scores, recommendation="approve")
    attach_bytes(owner=application, content=PDF, filename="offert.pdf", purpose=check_services.APPLICANT_FILES)
    decide(
        application=application,
        by=make_decider(),
        presenter=handler,
        outcome="approved",
        reasoning="Motivering.",
        granted_amount=application.requested_amount,
    )
    check_services.propose_correction(
        application=application, by=handler, reason="Fel belopp.", reasoning="Motivering.", granted_amount=100_000
    )
    message = message_services.post_message(application=application, by=application.contact, body="Fråga")
    attach_bytes(owner=message, content=PDF, filename="bilaga.pdf")
    return application


PDF = b"%PDF-1.4\n" + b"x" * 100


def _add_messages(application, handler, count):
    from checks.messages import services as message_services
    from portal.files import attach_bytes

    for number in range(count):
        message = message_services.post_message(application=application, by=handler, body=f"Svar {number}")
        attach_bytes(owner=message, content=PDF, filename=f"svar{number}.pdf")
        message_services.post_message(application=application, by=handler, body=f"Anteckning {number}", internal=True)


def test_handlers_application_page_with_messages_reviews_proposal_and_decision(client):
    """1 message and 10: the same queries, within the limit (the page lists the thread, files, reviews, the
    decision with its letter, the pending correction proposal, conflicts and the history)."""
    handler = make_handler()
    application = _full_application(handler)
    client.force_login(handler)
    _assert_flat(
        client, reverse("checks:review_detail", args=[application.pk]), lambda: _add_messages(application, handler, 9)
    )


def test_handlers_and_applicants_pages_after_a_correction(client):
    """A decided correction (FL 36 §): the corrected decision and its letter stay on both pages."""
    from tests.checks.factories import make_decider

    handler = make_handler()
    application = _full_application(handler)
    check_services.decide_proposal(application=application, by=make_decider())
    client.force_login(handler)
    _assert_flat(
        client, reverse("checks:review_detail", args=[application.pk]), lambda: _add_messages(application, handler, 9)
    )
    client.force_login(application.contact)
    _assert_flat(
        client,
        reverse("checks:application_detail", args=[application.pk]),
        lambda: _add_messages(application, handler, 3),
    )


def test_message_thread_page_for_the_handler_and_the_applicant(client):
    handler = make_handler()
    application = _full_application(handler)
    url = reverse("checks:messages", args=[application.pk])
    client.force_login(handler)
    _assert_flat(client, url, lambda: _add_messages(application, handler, 9))
    client.force_login(application.contact)
    _assert_flat(client, url, lambda: _add_messages(application, handler, 3))


def _cold_and_warm(client, url) -> tuple[int, int]:
    """The page's queries with its fragments rendered (after a write) and then with them stored."""
    from portal.cache import invalidate_public_pages

    invalidate_public_pages()
    client.get(url)  # the write's second invalidation comes when this request ends
    return _count(client, url), _count(client, url)


@pytest.mark.parametrize("query", ["", "?view=all&sort=waiting", "?view=all&q=a", *(f"?view={v}" for v in QUEUE_VIEWS)])
def test_handler_queue_tabs(client, query):
    """Every tab of the queue, the sort by days waiting and a search: as many queries for 1 row as for 9, with the
    rows' cells, filters and batch form rendered and with them stored (fewer: no grant calls, tracks or handlers
    read)."""
    handler = make_handler()
    call = make_call()
    scores = {criterion.pk: (3, "") for criterion in call.criteria.all()}

    def add():
        application = make_application(call=call, state=S.IN_REVIEW, assigned_to=handler)
        check_services.save_review(application=application, handler=handler, scores=scores, recommendation="approve")
        Application.objects.filter(pk=application.pk).update(waiting_since=timezone.now() - timedelta(days=60))

    add()
    client.force_login(handler)
    url = reverse("checks:queue") + query
    client.get(url)
    few = _cold_and_warm(client, url)
    for _ in range(8):
        add()
    many = _cold_and_warm(client, url)
    assert many == few, f"{url}: {few} queries (rendered, stored) with one row, {many} with nine"
    cold, warm = many
    assert cold <= MAX_QUERIES and warm < cold, f"{url}: {cold} rendered, {warm} stored"


def test_dashboards_with_their_panels_stored(client):
    """A dashboard whose panels are stored reads none of their rows: fewer queries for the buyer, the company and
    the handler than when the panels are rendered."""
    buyer, company_user, handler = make_buyer(), make_company_user(), make_handler()
    organisation = organisation_of(buyer)
    for _ in range(3):
        call = CallFactory(need=NeedFactory(organisation=organisation))
        ResponseFactory(call=call)
        ResponseFactory(organisation=organisation_of(company_user))
        make_application(state=S.IN_REVIEW, assigned_to=handler)
    url = reverse("portal:dashboard")
    for user in (buyer, company_user, handler):
        client.force_login(user)
        client.get(url)
        cold, warm = _cold_and_warm(client, url)
        assert warm < cold <= MAX_QUERIES, f"{user}: {cold} rendered, {warm} stored"
