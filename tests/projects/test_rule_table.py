"""Every rule of the projects app, per state of its object and per role, as one table each.

The permissions are the ones views check and templates ask with `{% has_perm %}`; the states are those of the
models' state machines (a call's derived "scheduled" state included). Also: a call's state at a moment is the
same in Python (`Call.state_at`) and in SQL (`call_state_expression`, `calls_in_state_q`).
"""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from projects.models import Call, CallState, Response, call_state_expression, calls_in_state_q
from tests.factories import make_buyer, make_company_user, make_handler, organisation_of

from .factories import CallFactory, NeedFactory, ResponseFactory, closed_call, draft_call

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "owner_buyer", "other_buyer", "company", "other_company", "handler"]
ALL = set(ROLES)
OWNER = {"owner_buyer"}
NONE = set()


@pytest.fixture
def world():
    owner = make_buyer()
    company = make_company_user()
    return {
        "anonymous": AnonymousUser(),
        "owner_buyer": owner,
        "other_buyer": make_buyer(),
        "company": company,
        "other_company": make_company_user(),
        "handler": make_handler(),
        "org": organisation_of(owner),
        "company_org": organisation_of(company),
    }


def _allowed(world, perm, obj):
    return {role for role in ROLES if world[role].has_perm(perm, obj)}


# --- needs -------------------------------------------------------------------------------------------------------

NEED_STATES = ["draft", "draft_with_call", "published", "published_with_call"]
NEED_TABLE = {
    #                        draft   draft+call  published  published+published call
    "projects.view_need": [OWNER, OWNER, ALL, ALL],
    "projects.change_need": [OWNER, OWNER, OWNER, OWNER],
    "projects.assess_need": [OWNER, OWNER, OWNER, OWNER],
    "projects.publish_need": [OWNER, OWNER, NONE, NONE],
    "projects.unpublish_need": [NONE, NONE, OWNER, NONE],
    "projects.delete_need": [OWNER, NONE, NONE, NONE],
    "projects.create_call_need": [NONE, NONE, OWNER, OWNER],
}


def _need(world, state):
    visibility = "draft" if state.startswith("draft") else "published"
    need = NeedFactory(organisation=world["org"], visibility=visibility)
    if state == "draft_with_call":
        draft_call(need=need)
    if state == "published_with_call":
        CallFactory(need=need)
    return need


@pytest.mark.parametrize("perm", NEED_TABLE)
@pytest.mark.parametrize("state", NEED_STATES)
def test_need_rules(world, perm, state):
    need = _need(world, state)
    assert _allowed(world, perm, need) == NEED_TABLE[perm][NEED_STATES.index(state)]


# --- calls -------------------------------------------------------------------------------------------------------

CALL_STATES = ["draft", "scheduled", "open", "passed", "closed", "cancelled"]
COMPANIES = {"company", "other_company"}
CALL_TABLE = {
    #                     draft  scheduled open  passed (open, closing time gone)  closed  cancelled
    "projects.view_call": [OWNER, ALL, ALL, ALL, ALL, ALL],
    "projects.manage_call": [OWNER, OWNER, OWNER, OWNER, OWNER, OWNER],
    "projects.change_call": [OWNER, OWNER, NONE, NONE, NONE, NONE],
    "projects.publish_call": [OWNER, NONE, NONE, NONE, NONE, NONE],
    "projects.cancel_call": [OWNER, OWNER, OWNER, NONE, NONE, NONE],
    "projects.respond_call": [NONE, NONE, COMPANIES, NONE, NONE, NONE],
    "projects.ask_call": [NONE, NONE, COMPANIES, NONE, NONE, NONE],
    "projects.view_responses_call": [OWNER, OWNER, OWNER, OWNER, OWNER, OWNER],
    "projects.read_responses_call": [OWNER, OWNER, OWNER, OWNER, OWNER, OWNER],
    "projects.manage_attachments": [OWNER, OWNER, OWNER, OWNER, OWNER, OWNER],
}


def _call(world, state):
    need = NeedFactory(organisation=world["org"])
    now = timezone.now()
    if state == "draft":
        return draft_call(need=need)
    if state == "scheduled":
        return CallFactory(need=need, status="draft", opens_at=now + timedelta(days=1))
    if state == "passed":
        return CallFactory(need=need, opens_at=now - timedelta(days=2), closes_at=now - timedelta(seconds=1))
    if state == "closed":
        return closed_call(need=need)
    return CallFactory(need=need, status=state)


@pytest.mark.parametrize("perm", CALL_TABLE)
@pytest.mark.parametrize("state", CALL_STATES)
def test_call_rules(world, perm, state):
    call = _call(world, state)
    assert _allowed(world, perm, call) == CALL_TABLE[perm][CALL_STATES.index(state)]


# --- responses ---------------------------------------------------------------------------------------------------

OWN_COMPANY = {"company"}
RESPONSE_CASES = [  # (response state, call open), the buyer is "owner_buyer"
    ("draft", True),
    ("submitted", True),
    ("withdrawn", True),
    ("draft", False),
    ("submitted", False),
    ("withdrawn", False),
]
RESPONSE_TABLE = {
    #                           open: draft  submitted  withdrawn        closed: draft  submitted  withdrawn
    "projects.view_response": [
        OWN_COMPANY,
        OWN_COMPANY | OWNER,
        OWN_COMPANY,
        OWN_COMPANY,
        OWN_COMPANY | OWNER,
        OWN_COMPANY,
    ],
    "projects.change_response": [OWN_COMPANY, OWN_COMPANY, OWN_COMPANY, NONE, NONE, NONE],
    "projects.submit_response": [OWN_COMPANY, NONE, OWN_COMPANY, NONE, NONE, NONE],
    "projects.withdraw_response": [OWN_COMPANY, OWN_COMPANY, NONE, NONE, NONE, NONE],
    "projects.manage_attachments": [OWN_COMPANY, OWN_COMPANY, OWN_COMPANY, OWN_COMPANY, OWN_COMPANY, OWN_COMPANY],
}


@pytest.mark.parametrize("perm", RESPONSE_TABLE)
@pytest.mark.parametrize("case", RESPONSE_CASES)
def test_response_rules(world, perm, case):
    state, call_open = case
    need = NeedFactory(organisation=world["org"])
    call = CallFactory(need=need) if call_open else closed_call(need=need)
    response = ResponseFactory(call=call, organisation=world["company_org"], status=state)
    assert _allowed(world, perm, response) == RESPONSE_TABLE[perm][RESPONSE_CASES.index(case)]


def test_every_response_state_is_in_the_machine():
    assert set(Response.TRANSITIONS) == set(Response.Status.values)


def test_every_call_state_is_in_the_machine_and_publishing_schedules():
    assert set(Call.TRANSITIONS) == set(CallState.values)
    assert set(Call.Status.values) < set(CallState.values)  # stored ones, and the derived "scheduled"
    assert Call.TRANSITIONS[CallState.DRAFT] == {CallState.SCHEDULED, CallState.CANCELLED}


# --- a call's state at a moment: one definition, in Python and in SQL ------------------------------------------

STORED = ["draft", "scheduled", "open", "closed", "cancelled"]
MOMENTS = ["before_opening", "while_open", "after_closing"]
# The state at each moment, per stored state.
EXPECTED_STATE = {
    "draft": ["draft", "draft", "draft"],
    "scheduled": ["published", "open", "closed"],
    "open": ["open", "open", "closed"],
    "closed": ["closed", "closed", "closed"],
    "cancelled": ["cancelled", "cancelled", "cancelled"],
}


@pytest.mark.parametrize("stored", STORED)
@pytest.mark.parametrize("moment", MOMENTS)
def test_call_state_at_is_the_same_in_python_and_sql(stored, moment):
    opens = timezone.now().replace(microsecond=0) + timedelta(days=10)
    closes = opens + timedelta(days=10)
    now = {"before_opening": opens - timedelta(seconds=1), "while_open": opens, "after_closing": closes}[moment]
    status = "draft" if stored == "scheduled" else stored
    published_at = None if stored == "draft" else opens - timedelta(days=1)
    call = CallFactory(status=status, opens_at=opens, closes_at=closes, published_at=published_at)
    expected = EXPECTED_STATE[stored][MOMENTS.index(moment)]

    assert call.state_at(now) == expected
    assert Call.objects.annotate(state_now=call_state_expression(now)).get(pk=call.pk).state_now == expected
    matching = {state for state in CallState if Call.objects.filter(calls_in_state_q(state, now), pk=call.pk).exists()}
    assert matching == {expected}


# --- sealed responses (projects.response_history) ----------------------------------------------------------------

SEALED_CASES = ["open", "passed", "closed", "cancelled"]  # of a call that keeps its responses sealed
SEALED_CALL_TABLE = {
    #                            open   passed (closing time gone)  closed  cancelled (before its closing time)
    "projects.view_responses_call": [OWNER, OWNER, OWNER, OWNER],  # the number received, never the content
    "projects.read_responses_call": [NONE, OWNER, OWNER, NONE],
}
SEALED_RESPONSE_TABLE = {
    "projects.view_response": [OWN_COMPANY, OWN_COMPANY | OWNER, OWN_COMPANY | OWNER, OWN_COMPANY],
    "projects.change_response": [OWN_COMPANY, NONE, NONE, NONE],
}


def _sealed_call(world, state):
    call = _call(world, state)
    Call.objects.filter(pk=call.pk).update(responses_sealed=True)
    call.refresh_from_db()
    return call


@pytest.mark.parametrize("perm", SEALED_CALL_TABLE)
@pytest.mark.parametrize("state", SEALED_CASES)
def test_sealed_call_rules(world, perm, state):
    call = _sealed_call(world, state)
    assert _allowed(world, perm, call) == SEALED_CALL_TABLE[perm][SEALED_CASES.index(state)]


@pytest.mark.parametrize("perm", SEALED_RESPONSE_TABLE)
@pytest.mark.parametrize("state", SEALED_CASES)
def test_sealed_response_rules(world, perm, state):
    call = _sealed_call(world, state)
    response = ResponseFactory(call=call, organisation=world["company_org"], status="submitted")
    assert _allowed(world, perm, response) == SEALED_RESPONSE_TABLE[perm][SEALED_CASES.index(state)]
