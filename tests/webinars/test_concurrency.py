"""Two people cancelling at the same moment: each freed seat goes to one person on the waiting list, once."""

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from portal.services import InvalidTransition
from webinars import services
from webinars.models import Registration

from .factories import RegistrationFactory, WebinarFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite serialises all writers and has no row locks: the race can only be tested on PostgreSQL.",
    ),
]


def _run_together(*calls):
    """Run the calls in separate threads (each with its own database connection), released at the same moment."""
    barrier = threading.Barrier(len(calls))
    errors: list[BaseException] = []

    def run(call):
        try:
            barrier.wait(timeout=10)
            call()
        except InvalidTransition as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return errors


def _full_webinar_with_queue(capacity: int, waiting: int):
    webinar = WebinarFactory(capacity=capacity)
    now = timezone.now()
    seats = [RegistrationFactory(webinar=webinar, email=f"seat{i}@example.org") for i in range(capacity)]
    queue = [
        RegistrationFactory(
            webinar=webinar,
            email=f"wait{i}@example.org",
            status=Registration.Status.WAITLISTED,
            confirmed_at=None,
            queued_at=now + timedelta(seconds=i),
        )
        for i in range(waiting)
    ]
    return webinar, seats, queue


def _mails_to(prefix):
    return sorted(m.to[0] for m in mail.outbox if m.to[0].startswith(prefix))


def test_two_cancellations_at_once_promote_the_first_two_waiting_once_each():
    webinar, seats, queue = _full_webinar_with_queue(capacity=2, waiting=3)
    errors = _run_together(
        lambda: services.cancel_registration(registration=seats[0]),
        lambda: services.cancel_registration(registration=seats[1]),
    )
    assert not errors
    statuses = dict(Registration.objects.filter(webinar=webinar).values_list("email", "status"))
    assert statuses["wait0@example.org"] == "confirmed"
    assert statuses["wait1@example.org"] == "confirmed"
    assert statuses["wait2@example.org"] == "waitlisted"
    assert Registration.objects.filter(webinar=webinar, status="confirmed").count() == 2
    assert _mails_to("wait") == ["wait0@example.org", "wait1@example.org"]


def test_the_same_registration_cancelled_twice_at_once_promotes_one_person_once():
    webinar, seats, queue = _full_webinar_with_queue(capacity=1, waiting=2)
    errors = _run_together(
        lambda: services.cancel_registration(registration=seats[0]),
        lambda: services.cancel_registration(registration=seats[0]),
    )
    assert len(errors) == 1  # the second one finds it already cancelled
    statuses = dict(Registration.objects.filter(webinar=webinar).values_list("email", "status"))
    assert statuses == {
        "seat0@example.org": "cancelled",
        "wait0@example.org": "confirmed",
        "wait1@example.org": "waitlisted",
    }
    assert _mails_to("wait") == ["wait0@example.org"]
    assert _mails_to("seat") == ["seat0@example.org"]  # one cancellation receipt


def test_registrations_racing_for_the_last_seat_give_it_to_one():
    webinar = WebinarFactory(capacity=1)
    errors = _run_together(
        *[
            (lambda i=i: services.register(webinar=webinar, name=f"P{i}", email=f"p{i}@example.org", consent=True))
            for i in range(3)
        ]
    )
    assert not errors
    assert Registration.objects.filter(webinar=webinar, status="confirmed").count() == 1
    assert Registration.objects.filter(webinar=webinar, status="waitlisted").count() == 2


def test_reminder_job_running_twice_at_once_sends_each_reminder_once():
    webinar = WebinarFactory(starts_at=timezone.now() + timedelta(hours=3))
    RegistrationFactory.create_batch(3, webinar=webinar)
    _run_together(services.send_due_reminders, services.send_due_reminders)
    assert len(mail.outbox) == 3
    assert not Registration.objects.filter(reminder_sent_at__isnull=True).exists()
