import threading
from datetime import timedelta

import pytest
from django.db import connection

from portal.services import ServiceError
from projects.meetings.models import MeetingBooking
from projects.meetings.services import book_meeting
from tests.factories import make_buyer, make_company_user, organisation_of

from .factories import CallFactory, NeedFactory
from .meetings_helpers import offer, slot


def _race(targets):
    barrier = threading.Barrier(len(targets))
    results, errors = [], []

    def run(target):
        from django.db import connections

        try:
            barrier.wait()
            results.append(target())
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(target,)) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results, errors


@pytest.mark.django_db(transaction=True)
def test_two_companies_booking_the_last_slot_at_once_one_gets_it():
    if connection.vendor != "postgresql":
        pytest.skip("Row locks need PostgreSQL (SQLite serialises writers anyway).")
    buyer = make_buyer()
    call = CallFactory(need=NeedFactory(organisation=organisation_of(buyer)))
    offer(call)
    last = slot(call, created_by=buyer)
    companies = [make_company_user(), make_company_user()]

    def book(user):
        return lambda: book_meeting(call=call, slot_id=last.pk, organisation=organisation_of(user), by=user)

    results, errors = _race([book(user) for user in companies])

    assert len(results) == 1
    assert len(errors) == 1 and isinstance(errors[0], ServiceError)
    assert errors[0].field == "slot"
    assert MeetingBooking.objects.filter(slot=last, status="booked").count() == 1


@pytest.mark.django_db(transaction=True)
def test_one_company_booking_two_slots_at_once_gets_one():
    if connection.vendor != "postgresql":
        pytest.skip("Row locks need PostgreSQL (SQLite serialises writers anyway).")
    buyer = make_buyer()
    call = CallFactory(need=NeedFactory(organisation=organisation_of(buyer)))
    offer(call)
    first, second = slot(call, created_by=buyer), slot(call, created_by=buyer, starts_in=timedelta(days=20))
    user = make_company_user()
    colleague = make_company_user(organisation=organisation_of(user))
    organisation = organisation_of(user)

    results, errors = _race(
        [
            lambda: book_meeting(call=call, slot_id=first.pk, organisation=organisation, by=user),
            lambda: book_meeting(call=call, slot_id=second.pk, organisation=organisation, by=colleague),
        ]
    )

    assert len(results) == 1
    assert len(errors) == 1 and isinstance(errors[0], ServiceError)
    assert MeetingBooking.objects.filter(call=call, organisation=organisation, status="booked").count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_database_refuses_a_second_active_booking_of_a_slot():
    """The constraint holds also for a writer that skips the service's lock."""
    from django.db import IntegrityError, transaction

    call = CallFactory()
    taken = slot(call)
    MeetingBooking.objects.create(call=call, slot=taken, organisation=organisation_of(make_company_user()))
    with pytest.raises(IntegrityError), transaction.atomic():
        MeetingBooking.objects.create(call=call, slot=taken, organisation=organisation_of(make_company_user()))
