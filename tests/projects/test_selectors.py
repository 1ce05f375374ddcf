from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.http import Http404
from django.utils import timezone

from projects import selectors, services
from projects.cpv import load_divisions
from projects.models import CpvCode
from tests.factories import OrganisationFactory, make_buyer, make_company_user, make_handler, organisation_of

from .factories import CallFactory, NeedFactory, QuestionFactory, ResponseFactory, closed_call, draft_call, profile

pytestmark = pytest.mark.django_db


def test_published_needs_exclude_drafts():
    published = NeedFactory()
    NeedFactory(visibility="draft")
    assert list(selectors.published_needs()) == [published]


def test_get_need_for_hides_drafts_from_other_organisations():
    owner = make_buyer()
    draft = NeedFactory(organisation=organisation_of(owner), visibility="draft")
    assert selectors.get_need_for(owner, draft.pk) == draft
    for outsider in (make_buyer(), make_company_user(), make_handler()):
        with pytest.raises(Http404):
            selectors.get_need_for(outsider, draft.pk)
    with pytest.raises(Http404):
        selectors.get_need_for(owner, 999999)


def test_get_own_need_requires_the_acting_organisation():
    owner = make_buyer()
    need = NeedFactory(organisation=organisation_of(owner))
    assert selectors.get_own_need(owner, need.pk) == need
    with pytest.raises(Http404):
        selectors.get_own_need(make_buyer(), need.pk)


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"theme": "resiliens"}, ["b"]),
        ({"theme": "hallbarhet"}, ["a"]),
        ({"category": "it"}, ["b"]),
        ({"stage": "dialog"}, ["a"]),
        ({"cpv_division": "45"}, ["a"]),
        ({"calls": "open"}, ["a"]),
        ({"calls": "closed"}, ["b"]),
        ({"q": "Tunnlar"}, ["b"]),
        ({}, ["a", "b"]),
    ],
)
def test_filter_needs(filters, expected):
    load_divisions()
    a = NeedFactory(title="a Solceller", themes=["hallbarhet"], category="energi", stage="dialog")
    a.cpv_codes.set([CpvCode.objects.get(code="45000000")])
    b = NeedFactory(title="b Tunnlar", themes=["resiliens", "sakerhet"], category="it", summary="Tunnlar svämmar över")
    b.cpv_codes.set([CpvCode.objects.get(code="72000000")])
    CallFactory(need=a)
    closed_call(need=b)
    for need in (a, b):
        services.update_search_vectors(need=need)
    titles = sorted(n.title[0] for n in selectors.filter_needs(selectors.published_needs(), filters))
    assert titles == expected


def test_filter_needs_by_organisation():
    org = OrganisationFactory()
    mine = NeedFactory(organisation=org)
    NeedFactory()
    assert list(selectors.filter_needs(selectors.published_needs(), {"organisation": org})) == [mine]


def test_needs_of_organisation_include_drafts_and_count_calls():
    org = OrganisationFactory()
    draft = NeedFactory(organisation=org, visibility="draft")
    published = NeedFactory(organisation=org)
    CallFactory(need=published)
    draft_call(need=published)
    NeedFactory()
    assert {n.pk: n.call_count for n in selectors.needs_of_organisation(org)} == {draft.pk: 0, published.pk: 2}


def test_publishers_are_the_organisations_with_published_needs():
    publisher = NeedFactory().organisation
    NeedFactory(visibility="draft")
    assert list(selectors.publishers()) == [publisher]


def test_full_text_search_finds_inflected_swedish_words():
    need = NeedFactory(title="Solceller på förskolornas tak", summary="Egen el.")
    NeedFactory(title="Hemtjänstens planering", summary="Schema.")
    services.update_search_vectors(need=need)
    call = CallFactory(need=need, title="Lätta solpaneler", description="Vi söker solceller för små tak.")
    services.update_search_vectors(call=call)
    assert list(selectors.filter_needs(selectors.published_needs(), {"q": "solcell"})) == [need]
    assert list(selectors.filter_calls(selectors.public_calls(), {"q": "solcell"})) == [call]


def test_search_ranks_by_the_stored_weights_a_title_match_first():
    in_problem = NeedFactory(title="Planering av skolskjuts", summary="Rutter.", problem="Solceller saknas på taken.")
    in_title = NeedFactory(title="Solceller på idrottshallen", summary="Egen el.", problem="Taket är stort.")
    for need in (in_problem, in_title):
        services.update_search_vectors(need=need)
    ranked = list(selectors.filter_needs(selectors.published_needs(), {"q": "solcell"}))
    assert ranked == [in_title, in_problem]
    # The same word and count in both: only the weight (title A, problem C) can order them.
    assert ranked[0].rank > ranked[1].rank


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the GIN indexes exist only on PostgreSQL")
def test_search_vectors_have_gin_indexes():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE indexname LIKE 'projects_%_search_gin'")
        rows = dict(cursor.fetchall())
    assert set(rows) == {"projects_need_search_gin", "projects_call_search_gin"}
    assert all("USING gin" in definition for definition in rows.values())


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the FTS5 tables exist only on SQLite")
def test_search_uses_fts5_tables_on_sqlite():
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, sql FROM sqlite_master WHERE name LIKE 'projects_%_fts'")
        rows = dict(cursor.fetchall())
    assert set(rows) == {"projects_need_fts", "projects_call_fts"}
    assert all("fts5" in definition for definition in rows.values())


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ("open", {"open", "stale"}),
        ("upcoming", {"upcoming"}),
        ("closed", {"closed", "passed"}),
        ("cancelled", {"cancelled"}),
        ("all", {"open", "stale", "upcoming", "closed", "passed", "cancelled"}),
    ],
)
def test_filter_calls_by_effective_state(state, expected):
    now = timezone.now()
    CallFactory(title="open")
    # Published and due to open, but the periodic task has not run yet: already open to visitors.
    CallFactory(title="stale", status="draft", opens_at=now - timedelta(minutes=1))
    CallFactory(title="upcoming", status="draft", opens_at=now + timedelta(days=1))
    closed_call(title="closed")
    # Still "open" in the table but its time has passed: shown as closed.
    CallFactory(title="passed", opens_at=now - timedelta(days=3), closes_at=now - timedelta(seconds=1))
    CallFactory(title="cancelled", status="cancelled")
    draft_call(title="unpublished")
    CallFactory(title="hidden need", need=NeedFactory(visibility="draft"))
    found = {c.title for c in selectors.filter_calls(selectors.public_calls(), {"state": state})}
    assert found == expected


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"kind": "idea_competition"}, ["b"]),
        ({"theme": "resiliens"}, ["b"]),
        ({"theme": "hallbarhet"}, ["a"]),
        ({"category": "it"}, ["b"]),
        ({"stage": "dialog"}, ["a"]),
        ({"cpv_division": "45"}, ["a"]),
        ({"q": "Tunnlar"}, ["b"]),
        ({}, ["a", "b"]),
    ],
)
def test_filter_calls(filters, expected):
    load_divisions()
    need_a = NeedFactory(title="Solceller", themes=["hallbarhet"], category="energi", stage="dialog")
    need_a.cpv_codes.set([CpvCode.objects.get(code="45000000")])
    need_b = NeedFactory(title="Tunnlar", themes=["resiliens", "sakerhet"], category="it")
    need_b.cpv_codes.set([CpvCode.objects.get(code="72000000")])
    a = CallFactory(need=need_a, title="a Solceller på tak", kind="rfi")
    b = CallFactory(need=need_b, title="b Tunnlar som svämmar över", kind="idea_competition")
    for call in (a, b):
        services.update_search_vectors(call=call)
    titles = sorted(c.title[0] for c in selectors.filter_calls(selectors.public_calls(), filters))
    assert titles == expected


def test_filter_calls_by_organisation():
    org = OrganisationFactory()
    mine = CallFactory(need=NeedFactory(organisation=org))
    CallFactory()
    assert list(selectors.filter_calls(selectors.public_calls(), {"organisation": org})) == [mine]


def test_calls_of_organisation_count_submitted_responses_and_unanswered_questions():
    org = OrganisationFactory()
    call = CallFactory(need=NeedFactory(organisation=org))
    for status in ("submitted", "submitted", "draft", "withdrawn"):
        ResponseFactory(call=call, status=status)
    QuestionFactory(call=call)
    QuestionFactory(call=call, answered=True)  # answered but not published: still awaits moderation
    QuestionFactory(call=call, published=True)
    QuestionFactory(call=call, rejected=True)
    quiet = draft_call(need=NeedFactory(organisation=org))
    CallFactory()
    counts = {c.pk: (c.submitted_count, c.unanswered_count) for c in selectors.calls_of_organisation(org)}
    assert counts == {call.pk: (2, 2), quiet.pk: (0, 0)}


def test_get_call_for_hides_unpublished_calls():
    owner = make_buyer()
    call = draft_call(need=NeedFactory(organisation=organisation_of(owner)))
    assert selectors.get_call_for(owner, call.pk) == call
    with pytest.raises(Http404):
        selectors.get_call_for(make_company_user(), call.pk)


def test_buyer_sees_only_submitted_responses():
    call = CallFactory()
    submitted = ResponseFactory(call=call)
    ResponseFactory(call=call, status="draft")
    ResponseFactory(call=call, status="withdrawn")
    assert list(selectors.submitted_responses(call)) == [submitted]


def test_get_response_for_company_and_buyer_scopes():
    buyer = make_buyer()
    call = CallFactory(need=NeedFactory(organisation=organisation_of(buyer)))
    company = make_company_user()
    other_company = make_company_user()
    draft = ResponseFactory(call=call, organisation=organisation_of(company), status="draft")
    assert selectors.get_response_for(company, draft.pk) == draft
    for user in (buyer, other_company, make_buyer()):
        with pytest.raises(Http404):
            selectors.get_response_for(user, draft.pk)
    submitted = ResponseFactory(call=call, organisation=organisation_of(other_company))
    assert selectors.get_response_for(buyer, submitted.pk) == submitted
    with pytest.raises(Http404):
        selectors.get_response_for(company, submitted.pk)


def test_questions_for_shows_published_to_all_and_each_company_its_own():
    buyer = make_buyer()
    call = CallFactory(need=NeedFactory(organisation=organisation_of(buyer)))
    asker = make_company_user()
    other = make_company_user()
    mine = QuestionFactory(call=call, organisation=organisation_of(asker), answered=True)
    mine_rejected = QuestionFactory(call=call, organisation=organisation_of(asker), rejected=True)
    published = QuestionFactory(call=call, organisation=organisation_of(other), published=True)
    QuestionFactory(call=call, organisation=organisation_of(other))
    assert selectors.questions_for(call, asker) == {
        "published": [published],
        "own": [mine, mine_rejected],
        "pending_count": 0,
    }
    assert selectors.questions_for(call, other)["own"] == [
        question for question in call.questions.filter(status="pending", organisation=organisation_of(other))
    ]
    assert selectors.questions_for(call, AnonymousUser()) == {"published": [published], "own": [], "pending_count": 0}
    assert selectors.questions_for(call, buyer) == {"published": [published], "own": [], "pending_count": 2}


def test_questions_to_moderate_groups_every_question_of_the_call_by_state():
    call = CallFactory()
    pending, published, rejected = (
        QuestionFactory(call=call),
        QuestionFactory(call=call, published=True),
        QuestionFactory(call=call, rejected=True),
    )
    QuestionFactory()  # another call's
    assert selectors.questions_to_moderate(call) == {
        "pending": [pending],
        "published": [published],
        "rejected": [rejected],
    }


def test_get_questions_of_own_call_is_404_for_any_question_of_another_call():
    call = CallFactory()
    mine = QuestionFactory(call=call)
    foreign = QuestionFactory()
    assert selectors.get_questions_of_own_call(None, call, [str(mine.pk)]) == [mine]
    for pks in ([str(mine.pk), str(foreign.pk)], ["x"], [str(foreign.pk)]):
        with pytest.raises(Http404):
            selectors.get_questions_of_own_call(None, call, pks)
    with pytest.raises(Http404):
        selectors.get_question_of_own_call(None, call, foreign.pk)


def test_matching_open_calls_for_a_company():
    company = make_company_user()
    org = organisation_of(company)
    assert selectors.matching_open_calls(org) == []
    profile(org, categories=["energi"])
    match = CallFactory(need=NeedFactory(category="energi"))
    CallFactory(need=NeedFactory(category="it", themes=[]))
    closed_call(need=NeedFactory(category="energi"))
    assert selectors.matching_open_calls(org) == [match]
