"""The meeting lists make as many queries for one slot as for many."""

from datetime import timedelta

import pytest
from django.urls import reverse

from tests.factories import make_buyer, make_company_user, organisation_of
from tests.test_query_counts import _assert_flat

from .factories import CallFactory, NeedFactory
from .meetings_helpers import booking, offer, slot

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("uncached_pages")]


def _add_slots(call, first_day=20):
    def add():
        for day in range(first_day, first_day + 10):
            booked = slot(call, starts_in=timedelta(days=day))
            booking(booked, organisation_of(make_company_user()))
            slot(call, starts_in=timedelta(days=day, hours=2))

    return add


def test_buyers_slot_list(client):
    buyer = make_buyer()
    call = CallFactory(need=NeedFactory(organisation=organisation_of(buyer)))
    offer(call)
    booking(slot(call), organisation_of(make_company_user()))
    client.force_login(buyer)
    _assert_flat(client, reverse("projects:meeting_manage", args=[call.pk]), _add_slots(call))


def test_companys_booking_page(client):
    user = make_company_user()
    call = CallFactory()
    offer(call)
    booking(slot(call), organisation_of(user), by=user)
    slot(call, starts_in=timedelta(days=15))
    client.force_login(user)
    _assert_flat(client, reverse("projects:meeting_book", args=[call.pk]), _add_slots(call))
