"""The one query every signed-in request makes besides the user's (portal.selectors.signed_in_context) reads what the
separate queries read: the organisation acted for, the user's groups and whether they have a second factor."""

import pytest
from django.urls import reverse

from portal.middleware import ACTIVE_ORG_SESSION_KEY
from portal.models import Organisation
from portal.rules import group_names
from portal.selectors import default_organisation_for, organisation_for_user, signed_in_context
from tests.factories import MembershipFactory, OrganisationFactory, make_buyer, make_handler, make_portal_admin

pytestmark = pytest.mark.django_db


def _same_row(organisation, expected) -> None:
    assert organisation is not None and expected is not None
    assert type(organisation) is Organisation
    fields = [field.attname for field in Organisation._meta.concrete_fields]
    assert {name: getattr(organisation, name) for name in fields} == {name: getattr(expected, name) for name in fields}
    assert not organisation._state.adding and organisation.get_deferred_fields() == set()


@pytest.fixture
def buyer_of_three():
    """A buyer of "Mellersta" whose other memberships sort before and after it by name; a fourth body exists."""
    user = make_buyer(organisation=OrganisationFactory(name="Mellersta kommun", kind=Organisation.Kind.PUBLIC_BODY))
    first = OrganisationFactory(name="Alingsås kommun", kind=Organisation.Kind.PUBLIC_BODY)
    last = OrganisationFactory(name="Östra region", kind=Organisation.Kind.COMPANY)
    MembershipFactory(user=user, organisation=last)
    MembershipFactory(user=user, organisation=first)
    stranger = OrganisationFactory(name="Annan kommun")
    return user, first, last, stranger


def test_the_default_organisation_is_the_first_by_name_with_every_field(buyer_of_three):
    user, first, _last, _stranger = buyer_of_three
    context = signed_in_context(user)
    _same_row(context.organisation, default_organisation_for(user))
    assert context.organisation.pk == first.pk
    assert context.chosen_is_member
    assert context.has_second_factor is False
    assert context.group_names in (None, set())


def test_a_chosen_organisation_is_used_while_the_user_belongs_to_it(buyer_of_three):
    user, _first, last, _stranger = buyer_of_three
    for chosen in (last.pk, str(last.pk)):  # the session keeps it as it was posted
        context = signed_in_context(user, chosen)
        assert context.chosen_is_member
        _same_row(context.organisation, organisation_for_user(user, chosen))


@pytest.mark.parametrize("chosen", ["stranger", "missing", "abc", "1.5"])
def test_a_chosen_organisation_the_user_does_not_belong_to_falls_back_to_the_default(buyer_of_three, chosen):
    user, first, _last, stranger = buyer_of_three
    value = {"stranger": stranger.pk, "missing": 10**9}.get(chosen, chosen)
    assert organisation_for_user(user, value) is None
    context = signed_in_context(user, value)
    assert not context.chosen_is_member
    assert context.organisation.pk == first.pk


def test_staff_without_an_organisation_get_their_groups_and_second_factor():
    handler, without_mfa, admin = make_handler(), make_handler(mfa=False), make_portal_admin()
    for user, has_second_factor in ((handler, True), (without_mfa, False), (admin, True)):
        context = signed_in_context(user)
        assert context.organisation is None
        assert context.has_second_factor is has_second_factor
        fresh = type(user).objects.get(pk=user.pk)
        assert context.group_names in (None, group_names(fresh))


def test_the_middleware_drops_an_organisation_the_user_left_with_a_message(client, buyer_of_three):
    user, first, last, _stranger = buyer_of_three
    client.force_login(user)
    session = client.session
    session[ACTIVE_ORG_SESSION_KEY] = last.pk
    session.save()
    user.memberships.filter(organisation=last).delete()
    response = client.get(reverse("portal:dashboard"))
    assert response.status_code == 200
    assert response.wsgi_request.user.active_organisation.pk == first.pk
    assert ACTIVE_ORG_SESSION_KEY not in client.session
    assert [str(message) for message in response.context["messages"]]


def test_a_handler_without_a_second_factor_is_still_sent_to_set_one_up(client):
    client.force_login(make_handler(mfa=False))
    response = client.get(reverse("checks:queue"))
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")
