"""The call page's one query (projects.selectors.call_page_for): who sees the call, what it shows of the reader's
own (response, questions, following, the meeting offer), and how many queries the page makes."""

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects import selectors
from projects.following.services import follow_call
from projects.models import Question, Response
from tests.factories import make_buyer, make_company_user, organisation_of

from .factories import CallFactory, NeedFactory, QuestionFactory, ResponseFactory
from .meetings_helpers import offer, slot

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("uncached_pages")]


def test_who_sees_the_call_is_as_get_call_for():
    from django.contrib.auth.models import AnonymousUser

    buyer, company = make_buyer(), make_company_user()
    draft = CallFactory(draft=True, need=NeedFactory(organisation=organisation_of(buyer)))
    published = CallFactory()
    for user in (buyer, company, AnonymousUser()):
        assert selectors.call_page_for(user, published.pk).call == published
    assert selectors.call_page_for(buyer, draft.pk).call == draft
    for user in (company, AnonymousUser()):
        with pytest.raises(Http404):
            selectors.call_page_for(user, draft.pk)
        with pytest.raises(Http404):
            selectors.get_call_for(user, draft.pk)
    for pk in (999999, "x", None):
        with pytest.raises(Http404):
            selectors.call_page_for(buyer, pk)


def test_the_readers_own_response_questions_and_following():
    company, other = make_company_user(), make_company_user()
    call = CallFactory()
    response = ResponseFactory(call=call, organisation=organisation_of(company), status=Response.Status.DRAFT)
    ResponseFactory(call=call, organisation=organisation_of(other))
    pending = QuestionFactory(call=call, organisation=organisation_of(company))
    QuestionFactory(call=call, organisation=organisation_of(other))
    QuestionFactory(call=call, organisation=organisation_of(company), published=True)
    follow_call(call=call, user=company)

    page = selectors.call_page_for(company, call.pk)
    assert page.own_response == response == selectors.response_of(organisation_of(company), call)
    assert page.own_questions == [pending] == selectors.own_questions(call, company)
    assert page.follows is True

    for reader in (other, make_company_user()):
        page = selectors.call_page_for(reader, call.pk)
        assert page.own_response == selectors.response_of(organisation_of(reader), call)
        assert page.own_questions == selectors.own_questions(call, reader)
        assert page.follows is False
    assert selectors.call_page_for(make_buyer(), call.pk).own_questions == []


def test_the_buyer_gets_no_company_state_of_its_own_call():
    buyer = make_buyer()
    call = CallFactory(need=NeedFactory(organisation=organisation_of(buyer)))
    QuestionFactory(call=call, organisation=organisation_of(buyer), status=Question.Status.PENDING)
    page = selectors.call_page_for(buyer, call.pk)
    assert (page.own_response, page.own_questions, page.follows) == (None, [], False)


def test_the_meeting_offer_is_known_from_the_query(client):
    company = make_company_user()
    call = CallFactory()
    url = reverse("projects:call_detail", args=[call.pk])
    client.force_login(company)
    assert selectors.call_page_for(company, call.pk).call.offers_meetings is False
    assert 'id="meetings"' not in client.get(url).content.decode()
    offer(call)
    assert selectors.call_page_for(company, call.pk).call.offers_meetings is False  # no slot offered yet
    assert 'id="meetings"' not in client.get(url).content.decode()
    slot(call)
    assert selectors.call_page_for(company, call.pk).call.offers_meetings is True
    page = client.get(url).content.decode()
    assert 'id="meetings"' in page and reverse("projects:meeting_book", args=[call.pk]) in page


def _queries(client, url) -> list[str]:
    for _ in range(2):  # its fragments stored (the first time under the generation the factories' writes end)
        client.get(url)
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return [query["sql"] for query in context.captured_queries]


def test_queries_of_the_call_page(client):
    """From its fragments: the call (with the reader's own state) and, signed in, the user; the response (and the
    amendments, to say whether the call changed since it was saved) and the questions only where there are some."""
    call = CallFactory()
    url = reverse("projects:call_detail", args=[call.pk])
    [visitor] = _queries(client, url)
    assert 'FROM "projects_call"' in visitor

    company = make_company_user()
    client.force_login(company)
    user, page = _queries(client, url)
    assert 'FROM "portal_user"' in user and 'FROM "projects_call"' in page
    follow_call(call=call, user=company)
    assert len(_queries(client, url)) == 2

    ResponseFactory(call=call, organisation=organisation_of(company), status=Response.Status.DRAFT)
    QuestionFactory(call=call, organisation=organisation_of(company))
    queries = _queries(client, url)
    # And the call's amendments: a response in the dialogue is told of one made after it was last saved.
    assert len(queries) == 5, queries
    for table in ("projects_response", "projects_question", "projects_amendment"):
        assert any(f'FROM "{table}"' in sql for sql in queries), table
