"""The dashboard's "Your webinar registrations" panel and the organisation panel read their rows with queries
compiled once per process (portal.compiled): the same rows as the ORM selectors they stand for."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.selectors import memberships_for, memberships_list
from tests.factories import MembershipFactory, make_buyer
from webinars import selectors
from webinars.models import Registration

from .factories import RegistrationFactory, WebinarFactory

pytestmark = pytest.mark.django_db


def test_the_panels_registrations_are_the_users_active_ones_for_webinars_not_ended(client):
    user = make_buyer()
    soon = WebinarFactory(title="Snart")
    later = WebinarFactory(title="Senare", starts_at=timezone.now() + timedelta(days=20))
    ended = WebinarFactory(
        title="Förbi", starts_at=timezone.now() - timedelta(days=2), ends_at=timezone.now() - timedelta(days=2)
    )
    cancelled = WebinarFactory(title="Avbokad")
    mine = [
        RegistrationFactory(webinar=later, email=user.email.upper()),  # the address in another case is the same
        RegistrationFactory(webinar=soon, email=user.email, status=Registration.Status.WAITLISTED),
    ]
    RegistrationFactory(webinar=ended, email=user.email)
    RegistrationFactory(webinar=cancelled, email=user.email, status=Registration.Status.CANCELLED)
    RegistrationFactory(webinar=soon)  # somebody else

    assert selectors.dashboard_registrations(user) == [mine[1], mine[0]]
    assert selectors.dashboard_registrations(user) == list(selectors.registrations_of_user(user))
    assert selectors.dashboard_registrations(make_buyer()) == []

    client.force_login(user)
    page = client.get(reverse("portal:dashboard")).content.decode()
    assert "Snart" in page and "Senare" in page
    assert "Förbi" not in page and "Avbokad" not in page


def test_the_panel_shows_at_most_ten():
    user = make_buyer()
    for _ in range(12):
        RegistrationFactory(email=user.email)
    assert len(selectors.dashboard_registrations(user)) == 10


def test_the_organisation_panels_memberships_are_memberships_for():
    user = make_buyer()
    MembershipFactory(user=user)
    MembershipFactory(user=user)
    assert memberships_list(user) == list(memberships_for(user))
    assert len(memberships_list(user)) == 3
    assert [m.organisation.name for m in memberships_list(user)] == sorted(
        m.organisation.name for m in memberships_list(user)
    )
