from datetime import timedelta

import pytest

from projects.notifications import call_participants
from tests.factories import CompanyUserFactory, MembershipFactory, UserFactory, organisation_of

from .factories import CallFactory, QuestionFactory, ResponseFactory
from .meetings_helpers import booking, slot

pytestmark = pytest.mark.django_db


def test_call_participants_are_members_of_responding_and_asking_companies():
    call = CallFactory()
    drafting, submitting, withdrawn, asking, bystander = (CompanyUserFactory() for _ in range(5))
    ResponseFactory(call=call, organisation=organisation_of(drafting), status="draft")
    ResponseFactory(call=call, organisation=organisation_of(submitting), status="submitted")
    ResponseFactory(call=call, organisation=organisation_of(withdrawn), status="withdrawn")
    QuestionFactory(call=call, organisation=organisation_of(asking))
    colleague = UserFactory()
    MembershipFactory(user=colleague, organisation=organisation_of(asking))
    inactive = UserFactory(is_active=False)
    MembershipFactory(user=inactive, organisation=organisation_of(asking))

    assert set(call_participants(call)) == {drafting, submitting, asking, colleague}


def test_call_participants_of_another_call_are_not_included():
    call, other = CallFactory(), CallFactory()
    user = CompanyUserFactory()
    ResponseFactory(call=other, organisation=organisation_of(user), status="submitted")

    assert list(call_participants(call)) == []


def test_call_participants_include_companies_with_a_booked_meeting_only_while_booked():
    call = CallFactory()
    booked, cancelled = CompanyUserFactory(), CompanyUserFactory()
    booking(slot(call), organisation_of(booked))
    booking(slot(call, starts_in=timedelta(days=15)), organisation_of(cancelled), status="cancelled")

    assert list(call_participants(call)) == [booked]
