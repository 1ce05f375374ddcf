"""Each state rule of the core, per state and role: the one predicate that services, views and templates ask."""

import pytest
from django.contrib.auth.models import AnonymousUser

from portal.models import IdentityDispute, JoinRequest, Membership, Organisation
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory, make_handler, make_portal_admin

pytestmark = pytest.mark.django_db

PENDING, VERIFIED, REJECTED = Organisation.Status.PENDING, Organisation.Status.VERIFIED, Organisation.Status.REJECTED
ROLES = ("anonymous", "outsider", "member", "owner", "handler", "admin")


def _user(role, organisation):
    if role == "anonymous":
        return AnonymousUser()
    if role == "handler":
        return make_handler()
    if role == "admin":
        return make_portal_admin()
    user = UserFactory()
    if role in ("member", "owner"):
        MembershipFactory(user=user, organisation=organisation, role=role)
    return user


def _allowed(perm, obj) -> set[str]:
    organisation = obj if isinstance(obj, Organisation) else obj.organisation
    return {role for role in ROLES if _user(role, organisation).has_perm(perm, obj)}


# (permission, state) -> the roles that have it
ORGANISATION_RULES = [
    ("portal.view_organisation", PENDING, {"member", "owner", "admin"}),
    ("portal.view_organisation", VERIFIED, {"member", "owner", "admin"}),
    ("portal.view_organisation", REJECTED, {"member", "owner", "admin"}),
    ("portal.change_organisation", PENDING, {"owner"}),
    ("portal.change_organisation", VERIFIED, {"owner"}),
    ("portal.change_organisation", REJECTED, {"owner"}),
    ("portal.invite_organisation", PENDING, {"owner"}),
    ("portal.invite_organisation", VERIFIED, {"owner"}),
    ("portal.invite_organisation", REJECTED, {"owner"}),
    # Asking to be verified again: a rejected organisation's owners only.
    ("portal.resubmit_organisation", PENDING, set()),
    ("portal.resubmit_organisation", VERIFIED, set()),
    ("portal.resubmit_organisation", REJECTED, {"owner"}),
    # Rejecting: a portal admin, only while the organisation awaits verification.
    ("portal.reject_organisation", PENDING, {"admin"}),
    ("portal.reject_organisation", VERIFIED, set()),
    ("portal.reject_organisation", REJECTED, set()),
    # Asking to join: anyone signed in who is not a member yet.
    ("portal.ask_to_join_organisation", PENDING, {"outsider", "handler", "admin"}),
    ("portal.ask_to_join_organisation", VERIFIED, {"outsider", "handler", "admin"}),
    ("portal.ask_to_join_organisation", REJECTED, {"outsider", "handler", "admin"}),
    # Disputing the number: only an unverified holder's, and not by its members.
    ("portal.dispute_organisation", PENDING, {"outsider", "handler", "admin"}),
    ("portal.dispute_organisation", VERIFIED, set()),
    ("portal.dispute_organisation", REJECTED, {"outsider", "handler", "admin"}),
]


@pytest.mark.parametrize(("perm", "status", "roles"), ORGANISATION_RULES)
def test_organisation_rules_per_state_and_role(perm, status, roles):
    organisation = OrganisationFactory(status=status)

    assert _allowed(perm, organisation) == roles


@pytest.mark.parametrize(
    ("status", "roles"),
    [
        (JoinRequest.Status.PENDING, {"owner"}),
        (JoinRequest.Status.ACCEPTED, set()),
        (JoinRequest.Status.DECLINED, set()),
    ],
)
def test_only_the_owners_answer_a_request_to_join_and_only_while_it_is_pending(status, roles):
    join_request = JoinRequest.objects.create(organisation=OrganisationFactory(), user=UserFactory(), status=status)

    assert _allowed("portal.decide_joinrequest", join_request) == roles
    assert _allowed("portal.view_joinrequest", join_request) == {"owner"}  # and the one who asked
    assert UserFactory.build(pk=join_request.user_id).has_perm("portal.view_joinrequest", join_request)


@pytest.mark.parametrize(
    ("status", "roles"),
    [
        (IdentityDispute.Status.OPEN, {"admin"}),
        (IdentityDispute.Status.UPHELD, set()),
        (IdentityDispute.Status.REJECTED, set()),
    ],
)
def test_only_a_portal_admin_decides_a_dispute_and_only_while_it_is_open(status, roles):
    holder = OrganisationFactory(status=PENDING)
    dispute = IdentityDispute.objects.create(
        organisation=holder,
        org_number=holder.org_number,
        raised_by=UserFactory(),
        kind=Organisation.Kind.COMPANY,
        name="Den riktiga",
        statement="Numret är vårt.",
        status=status,
    )

    assert _allowed("portal.decide_identitydispute", dispute) == roles
    assert _allowed("portal.view_identitydispute", dispute) == {"admin"}


def test_the_predicates_are_the_models_own_state_rules():
    assert Organisation(status=PENDING).awaits_verification and not Organisation(status=REJECTED).awaits_verification
    assert Organisation(status=REJECTED).is_rejected and not Organisation(status=PENDING).is_rejected
    assert JoinRequest(status=JoinRequest.Status.PENDING).is_pending
    assert not JoinRequest(status=JoinRequest.Status.ACCEPTED).is_pending
    assert IdentityDispute(status=IdentityDispute.Status.OPEN).is_open
    assert not IdentityDispute(status=IdentityDispute.Status.UPHELD).is_open
    assert Membership.Role.OWNER == "owner"  # the role value the predicates read (portal.rules.is_org_owner)
