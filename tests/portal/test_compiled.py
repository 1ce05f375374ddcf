"""portal.compiled: a queryset built and compiled once, run with each request's values in its marks' places, gives
what the ORM gives."""

import pytest
from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import BigIntegerField, Case, Count, Exists, OuterRef, Value, When
from django.test.utils import CaptureQueriesContext

from portal.compiled import CompiledQuery
from portal.models import Membership
from projects.models import Call, Question
from tests.factories import make_buyer, make_company_user, organisation_of
from tests.projects.factories import CallFactory, NeedFactory, QuestionFactory

pytestmark = pytest.mark.django_db


def _calls(organisation_id):
    return (
        Call.objects.select_related("need__organisation")
        .filter(need__organisation_id=organisation_id)
        .annotate(
            question_count=Count("questions"),
            asked_by_me=Exists(Question.objects.filter(call=OuterRef("pk"), organisation_id=organisation_id)),
        )
        .order_by("pk")
    )


def test_instances_are_the_orms_with_their_related_objects_and_annotations():
    first, second = make_buyer(), make_buyer()
    calls = [CallFactory(need=NeedFactory(organisation=organisation_of(first))) for _ in range(2)]
    CallFactory(need=NeedFactory(organisation=organisation_of(second)))
    QuestionFactory(call=calls[0])
    QuestionFactory(call=calls[0])
    compiled = CompiledQuery(_calls, "organisation_id")
    for organisation in (organisation_of(first), organisation_of(second)):
        expected = list(_calls(organisation.pk))
        found = compiled.instances(organisation_id=organisation.pk)
        assert [call.pk for call in found] == [call.pk for call in expected]
        for ours, theirs in zip(found, expected, strict=True):
            assert ours.__dict__.keys() - {"_state"} == theirs.__dict__.keys() - {"_state"}
            assert (ours.title, ours.opens_at, ours.question_count, ours.asked_by_me) == (
                theirs.title,
                theirs.opens_at,
                theirs.question_count,
                theirs.asked_by_me,
            )
            with CaptureQueriesContext(connection) as context:
                assert ours.need.organisation == organisation  # came with the row
            assert not context.captured_queries
    assert compiled.instances(organisation_id=-1) == []


def test_the_queryset_is_built_once_and_each_run_is_one_query():
    built = []

    def build(organisation_id):
        built.append(organisation_id)
        return _calls(organisation_id)

    compiled = CompiledQuery(build, "organisation_id")
    organisation = organisation_of(make_buyer())
    CallFactory(need=NeedFactory(organisation=organisation))
    for _ in range(3):
        with CaptureQueriesContext(connection) as context:
            assert len(compiled.instances(organisation_id=organisation.pk)) == 1
        assert len(context.captured_queries) == 1
    assert len(built) == 2  # once for the model's database, once to compile; never with a request's value
    assert all(value < -(2**61) for value in built)


def test_rows_of_a_values_queryset_with_wrapped_values_and_arrays():
    """A `Value` in a CASE comes back from the compiler wrapped (psycopg's Int4): its place is found all the same."""
    user = make_company_user()
    organisation = organisation_of(user)

    def build(user_id, fallback):
        member = Exists(Membership.objects.filter(user_id=OuterRef("pk")))
        return (
            type(user)
            .objects.filter(pk=user_id)
            .annotate(
                chosen=Case(When(member, then=Value(fallback)), default=Value(0), output_field=BigIntegerField()),
                organisations=ArraySubquery(Membership.objects.filter(user_id=OuterRef("pk")).values("organisation")),
            )
            .values("email", "chosen", "organisations")
        )

    compiled = CompiledQuery(build, "user_id", "fallback")
    assert compiled.rows(user_id=user.pk, fallback=7) == [
        {"email": user.email, "chosen": 7, "organisations": [organisation.pk]}
    ]
    assert compiled.rows(user_id=user.pk, fallback=8)[0]["chosen"] == 8
    assert compiled.rows(user_id=-5, fallback=8) == []
    assert list(build(user.pk, 9)) == compiled.rows(user_id=user.pk, fallback=9)


def test_a_mark_the_query_does_not_use_and_wrong_values_are_refused():
    unused = CompiledQuery(lambda organisation_id, other: _calls(organisation_id), "organisation_id", "other")
    with pytest.raises(ValueError, match="other"):
        unused.instances(organisation_id=1, other=2)
    compiled = CompiledQuery(_calls, "organisation_id")
    with pytest.raises(TypeError):
        compiled.instances(organisation=1)
    with pytest.raises(TypeError):
        compiled.rows(organisation_id=1)  # a model queryset gives instances
