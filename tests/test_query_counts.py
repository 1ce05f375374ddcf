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
from portal.cache import invalidate_public_pages
from portal.files import attach_bytes
from tests.checks.factories import make_application, make_call
from tests.factories import make_buyer, make_company_user, make_handler, make_portal_admin, organisation_of
from tests.projects.factories import (
    AssessmentFactory,
    CallFactory,
    NeedFactory,
    QuestionFactory,
    ResponseFactory,
    cpv,
    with_questions,
)
from tests.webinars.factories import RegistrationFactory, SpeakerFactory, WebinarFactory

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


@pytest.mark.parametrize("who", ["visitor", "company"])
def test_home_page(client, who):
    NeedFactory()
    WebinarFactory()
    if who == "company":
        client.force_login(make_company_user())

    def add():
        for _ in range(10):
            CallFactory()
            SpeakerFactory(webinar=WebinarFactory())

    _assert_flat(client, reverse("portal:home"), add)


def _assert_flat_with_fragments(client, url, add) -> None:
    """For a page with cached fragments: the queries when it is rendered (its fragments stale) and when it is served
    from its fragments, each equal for one row and for many, within the limit, and fewer from the fragments."""
    client.get(url)

    def counts():
        invalidate_public_pages()  # as a write does: every fragment is rendered again
        client.get("/healthz")  # and again when the writing request ends
        return _count(client, url), _count(client, url)

    rendered_one, cached_one = counts()
    add()
    rendered_many, cached_many = counts()
    assert rendered_many == rendered_one, f"{url}: {rendered_one} queries with one row, {rendered_many} with many"
    assert cached_many == cached_one, f"{url} from its fragments: {cached_one} queries with one row, {cached_many}"
    assert cached_one < rendered_one <= MAX_QUERIES, f"{url}: {rendered_one} rendered, {cached_one} from fragments"


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

    _assert_flat_with_fragments(client, reverse("projects:need_detail", args=[need.pk]), add)


def _need_with_rows(need, buyer):
    def add():
        for number in range(8):
            call = CallFactory(need=need)
            QuestionFactory(call=call, published=True, answered_by=buyer)
            AssessmentFactory(need=need, public_summary=f"Sammanfattning {number}.")
            need.cpv_codes.add(cpv(f"4531{number}000"))

    return add


@pytest.mark.parametrize("who", ["visitor", "company"])
def test_need_page_for_a_visitor_and_a_company(client, who):
    buyer = make_buyer()
    need = NeedFactory(organisation=organisation_of(buyer))
    CallFactory(need=need)
    need.cpv_codes.add(cpv("45300000"))
    if who == "company":
        client.force_login(make_company_user())
    _assert_flat_with_fragments(client, reverse("projects:need_detail", args=[need.pk]), _need_with_rows(need, buyer))


def test_call_page_with_answered_questions(client):
    buyer = make_buyer()
    call = CallFactory(need=NeedFactory(organisation=organisation_of(buyer)))
    QuestionFactory(call=call, published=True, answered_by=buyer)

    def add():
        for _ in range(10):
            QuestionFactory(call=call, published=True, answered_by=buyer)

    _assert_flat_with_fragments(client, reverse("projects:call_detail", args=[call.pk]), add)


@pytest.mark.parametrize("who", ["visitor", "company", "buyer"])
def test_call_page_with_questions_amendments_and_files(client, who):
    from projects.amendments.services import amend_call

    buyer = make_buyer()
    company_user = make_company_user()
    call = CallFactory(need=NeedFactory(organisation=organisation_of(buyer)))
    with_questions(call, "Hur stor?")
    QuestionFactory(call=call, published=True, answered_by=buyer)
    QuestionFactory(call=call, organisation=organisation_of(company_user))
    amend_call(call=call, by=buyer, text="Ändring 1.")
    attach_bytes(owner=call, content=PDF, filename="bilaga.pdf")
    ResponseFactory(call=call, organisation=organisation_of(company_user))
    if who != "visitor":
        client.force_login({"company": company_user, "buyer": buyer}[who])

    def add():
        for number in range(5):
            QuestionFactory(call=call, published=True, answered_by=buyer)
            QuestionFactory(call=call, organisation=organisation_of(company_user))
            amend_call(call=call, by=buyer, text=f"Ändring {number + 2}.")
            attach_bytes(owner=call, content=PDF, filename=f"bilaga{number}.pdf")
        with_questions(call, *(f"Fråga {number}?" for number in range(6)))

    _assert_flat_with_fragments(client, reverse("projects:call_detail", args=[call.pk]), add)


@pytest.mark.parametrize("who", ["visitor", "company"])
def test_open_calls(client, who):
    CallFactory()
    if who == "company":
        client.force_login(make_company_user())

    def add():
        for _ in range(30):  # more than a page
            CallFactory(need=NeedFactory(organisation=make_buyer().memberships.first().organisation))

    _assert_flat_with_fragments(client, reverse("projects:call_list"), add)


@pytest.mark.parametrize("who", ["visitor", "company"])
def test_webinar_page(client, who):
    webinar = WebinarFactory(capacity=100)
    SpeakerFactory(webinar=webinar)
    if who == "company":
        client.force_login(make_company_user())

    def add():
        for _ in range(8):
            SpeakerFactory(webinar=webinar)
            RegistrationFactory(webinar=webinar)

    _assert_flat_with_fragments(client, reverse("webinars:detail", args=[webinar.pk]), add)


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


@pytest.mark.parametrize("role", ["buyer", "company", "handler"])
def test_a_signed_in_page_from_the_page_cache_makes_one_query(client, settings, role):
    """The user's row with the organisation acted for, the groups, the second factor and the memberships
    (portal.selectors.signed_in_user); nothing of the page's own."""
    settings.PUBLIC_PAGE_CACHE = True
    user = {"buyer": make_buyer, "company": make_company_user, "handler": make_handler}[role]()
    url = reverse("checks:queue") if role == "handler" else reverse("portal:dashboard")
    client.force_login(user)
    for _ in range(2):  # rendered and stored (the first under the generation the factories' writes end, at its end)
        client.get(url)
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    queries = [query["sql"] for query in context.captured_queries]
    assert len(queries) == 1, queries
    assert 'FROM "portal_user"' in queries[0], queries


# --- the needs catalogue and its search, rendered (issue 20) --------------------------------------------------------
# The catalogue keeps its organisations, counts and rows under the data's version (projects/catalogue.py): counted
# here both rendered from scratch (a write to the needs has just made them stale) and from the kept parts.


def _needs_with_calls(organisation=None, n=1, title="Solceller på taket"):
    from projects import services as need_services

    owner = {"organisation": organisation} if organisation is not None else {}
    for _ in range(n):
        need = NeedFactory(title=title, category="energi", themes=["hallbarhet"], **owner)
        CallFactory(need=need)
        need_services.update_search_vectors(need=need)


def _rendered_and_kept(client, url) -> tuple[int, int]:
    from portal.cache import invalidate_families

    invalidate_families(frozenset({"needs"}))
    client.get("/healthz")  # the end of a request makes the written families stale once more
    rendered = _count(client, url)
    client.get("/healthz")
    return rendered, _count(client, url)


def _assert_catalogue_flat(client, url, add) -> None:
    client.get(url)
    one = _rendered_and_kept(client, url)
    add()
    many = _rendered_and_kept(client, url)
    assert many == one, f"{url}: {one} queries (rendered, kept) with one row, {many} with many"
    assert many[0] <= MAX_QUERIES, f"{url}: {many} queries"


@pytest.mark.parametrize("who", ["visitor", "company"])
@pytest.mark.parametrize(
    "query",
    [
        "",
        "?q=solcell",
        "?q=solcell&category=energi&theme=hallbarhet&sort=newest&page=2",
        "?organisation=ORG&calls=open",
    ],
)
def test_needs_catalogue_and_search(client, who, query):
    buyer_org = organisation_of(make_buyer())
    _needs_with_calls(buyer_org)
    if who == "company":
        client.force_login(make_company_user())
        company_queries = 1  # the signed-in user with their organisation, groups, 2FA and memberships
    else:
        company_queries = 0
    url = "/needs/" + query.replace("ORG", str(buyer_org.pk))

    def add():
        _needs_with_calls(buyer_org, n=25)
        _needs_with_calls(n=10)  # other organisations

    _assert_catalogue_flat(client, url, add)
    assert _rendered_and_kept(client, url)[1] == company_queries  # nothing of the page itself once kept


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
