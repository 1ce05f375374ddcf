from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from tests.factories import make_buyer, make_company_user, make_handler, make_member, organisation_of

from .factories import CallFactory, NeedFactory, ResponseFactory, closed_call, draft_call

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "owner_buyer", "other_buyer", "unverified_owner", "company", "other_company", "handler"]


@pytest.fixture
def world():
    owner = make_buyer()
    org = organisation_of(owner)
    company = make_company_user()
    return {
        "anonymous": AnonymousUser(),
        "owner_buyer": owner,
        "other_buyer": make_buyer(),
        "unverified_owner": None,
        "company": company,
        "other_company": make_company_user(),
        "handler": make_handler(),
        "org": org,
        "company_org": organisation_of(company),
    }


def _user(world, role):
    return world[role]


@pytest.mark.parametrize(
    ("visibility", "role", "allowed"),
    [
        ("published", "anonymous", True),
        ("published", "company", True),
        ("published", "other_buyer", True),
        ("draft", "anonymous", False),
        ("draft", "company", False),
        ("draft", "other_buyer", False),
        ("draft", "owner_buyer", True),
        ("draft", "handler", False),
    ],
)
def test_view_need(world, visibility, role, allowed):
    need = NeedFactory(organisation=world["org"], visibility=visibility)
    assert world[role].has_perm("projects.view_need", need) is allowed


@pytest.mark.parametrize(
    ("role", "allowed"),
    [("anonymous", False), ("owner_buyer", True), ("other_buyer", False), ("company", False), ("handler", False)],
)
def test_change_need_and_create_call(world, role, allowed):
    need = NeedFactory(organisation=world["org"])
    assert world[role].has_perm("projects.change_need", need) is allowed
    assert world[role].has_perm("projects.create_call_need", need) is allowed


def test_unverified_public_body_may_not_edit_its_needs():
    user = make_member(status="pending")
    need = NeedFactory(organisation=organisation_of(user))
    assert not user.has_perm("projects.change_need", need)
    assert not user.has_perm("projects.create_need")


def test_create_call_needs_a_published_need(world):
    need = NeedFactory(organisation=world["org"], visibility="draft")
    assert not world["owner_buyer"].has_perm("projects.create_call_need", need)


@pytest.mark.parametrize(
    ("state", "public"),
    [("open", True), ("closed", True), ("cancelled", True), ("scheduled", True), ("draft", False)],
)
@pytest.mark.parametrize("role", ["anonymous", "company", "other_buyer", "owner_buyer"])
def test_view_call_by_state(world, state, public, role):
    need = NeedFactory(organisation=world["org"])
    if state == "draft":
        call = draft_call(need=need)
    elif state == "scheduled":
        call = CallFactory(need=need, status="draft", opens_at=timezone.now() + timedelta(days=1))
    else:
        call = CallFactory(need=need, status=state)
    expected = public or role == "owner_buyer"
    assert world[role].has_perm("projects.view_call", call) is expected


@pytest.mark.parametrize(
    ("state", "role", "allowed"),
    [
        ("open", "company", True),
        ("open", "owner_buyer", False),
        ("open", "anonymous", False),
        ("closed", "company", False),
        ("cancelled", "company", False),
        ("passed", "company", False),
    ],
)
def test_respond_and_ask(world, state, role, allowed):
    if state == "closed":
        call = closed_call()
    elif state == "passed":
        call = CallFactory(closes_at=timezone.now() - timedelta(seconds=1))
    else:
        call = CallFactory(status=state)
    assert world[role].has_perm("projects.respond_call", call) is allowed
    assert world[role].has_perm("projects.ask_call", call) is allowed


@pytest.mark.parametrize("only_verified", [False, True])
@pytest.mark.parametrize(
    ("company_status", "role"),
    [
        ("verified", "company"),
        ("pending", "company"),
        ("rejected", "company"),
        ("verified", "owner_buyer"),
        ("verified", "anonymous"),
        ("verified", "handler"),
    ],
)
def test_respond_to_a_call_for_verified_companies_only(world, only_verified, company_status, role):
    from portal.models import Organisation

    Organisation.objects.filter(pk=world["company_org"].pk).update(status=company_status)
    user = type(world["company"]).objects.get(pk=world["company"].pk) if role == "company" else world[role]
    call = CallFactory(verified_companies_only=only_verified)
    expected = role == "company" and (company_status == "verified" or not only_verified)
    assert user.has_perm("projects.respond_call", call) is expected
    # Asking questions does not depend on verification.
    assert user.has_perm("projects.ask_call", call) is (role == "company")


@pytest.mark.parametrize(
    ("status", "role", "allowed"),
    [
        ("submitted", "company", True),
        ("draft", "company", True),
        ("withdrawn", "company", True),
        ("submitted", "owner_buyer", True),
        ("draft", "owner_buyer", False),
        ("withdrawn", "owner_buyer", False),
        ("submitted", "other_company", False),
        ("submitted", "other_buyer", False),
        ("submitted", "anonymous", False),
        ("submitted", "handler", False),
    ],
)
def test_view_response(world, status, role, allowed):
    call = CallFactory(need=NeedFactory(organisation=world["org"]))
    response = ResponseFactory(call=call, organisation=world["company_org"], status=status)
    assert world[role].has_perm("projects.view_response", response) is allowed


@pytest.mark.parametrize(
    ("call_open", "role", "allowed"),
    [(True, "company", True), (False, "company", False), (True, "other_company", False), (True, "owner_buyer", False)],
)
def test_change_response_only_while_open_and_own(world, call_open, role, allowed):
    call = CallFactory() if call_open else closed_call()
    response = ResponseFactory(call=call, organisation=world["company_org"])
    assert world[role].has_perm("projects.change_response", response) is allowed


@pytest.mark.parametrize(("role", "allowed"), [("owner_buyer", True), ("other_buyer", False), ("company", False)])
def test_read_responses_and_manage_call(world, role, allowed):
    call = CallFactory(need=NeedFactory(organisation=world["org"]))
    assert world[role].has_perm("projects.view_responses_call", call) is allowed
    assert world[role].has_perm("projects.manage_call", call) is allowed


@pytest.mark.parametrize(
    ("status", "opens_in", "published", "allowed"),
    [("draft", 1, False, True), ("draft", 1, True, True), ("draft", -1, True, False), ("open", -1, True, False)],
)
def test_change_call_only_before_it_opens(world, status, opens_in, published, allowed):
    call = CallFactory(
        need=NeedFactory(organisation=world["org"]),
        status=status,
        opens_at=timezone.now() + timedelta(days=opens_in),
        published_at=timezone.now() if published else None,
    )
    assert world["owner_buyer"].has_perm("projects.change_call", call) is allowed


@pytest.mark.parametrize(("role", "allowed"), [("company", True), ("owner_buyer", False), ("anonymous", False)])
def test_interest_profile_is_for_companies(world, role, allowed):
    assert world[role].has_perm("projects.edit_interest_profile") is allowed
