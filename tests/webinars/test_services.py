from datetime import timedelta

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from portal.audit import AuditAction
from portal.models import AuditEntry
from portal.services import InvalidTransition, ServiceError
from tests.factories import make_portal_admin
from webinars import services
from webinars.models import Registration, Webinar

from .factories import RegistrationFactory, SeriesFactory, SpeakerFactory, WebinarFactory

pytestmark = pytest.mark.django_db


def _register(webinar, email, **kwargs):
    kwargs.setdefault("name", "Eva Exempel")
    kwargs.setdefault("consent", True)
    return services.register(webinar=webinar, email=email, **kwargs)


def _commit(django_capture_on_commit_callbacks, fn, **kwargs):
    with django_capture_on_commit_callbacks(execute=True):
        return fn(**kwargs)


# Webinars and their states --------------------------------------------------------------------------------------


def test_create_webinar_is_a_draft_with_speakers_and_audit():
    admin = make_portal_admin()
    starts = timezone.now() + timedelta(days=3)
    webinar = services.create_webinar(
        by=admin,
        series=SeriesFactory(),
        title="Solceller",
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        speakers=[{"name": "Anna", "title": "Expert", "organisation": "Region"}, {"name": "Bo"}],
    )
    assert webinar.status == Webinar.Status.DRAFT
    assert [s.name for s in webinar.speakers.all()] == ["Anna", "Bo"]
    assert AuditEntry.objects.filter(action=AuditAction.WEBINAR_CREATED, object_id=str(webinar.pk)).exists()


def test_create_webinar_ending_before_start_is_refused():
    starts = timezone.now() + timedelta(days=3)
    with pytest.raises(ServiceError) as error:
        services.create_webinar(by=make_portal_admin(), title="x", starts_at=starts, ends_at=starts)
    assert error.value.field == "ends_at"


def test_publish_draft_writes_audit_and_raises_sequence():
    admin = make_portal_admin()
    webinar = WebinarFactory(status=Webinar.Status.DRAFT)
    webinar = services.publish_webinar(webinar=webinar, by=admin)
    assert webinar.status == Webinar.Status.PUBLISHED
    assert webinar.published_at is not None
    assert webinar.sequence == 1
    entry = AuditEntry.objects.get(action=AuditAction.WEBINAR_PUBLISHED)
    assert entry.actor == admin and entry.details == {"from": "draft", "to": "published"}
    with translation.override("en"):
        assert entry.rendered_description() == "Draft → Published"


@pytest.mark.parametrize(
    ("current", "target", "allowed"),
    [
        ("draft", "published", True),
        ("draft", "cancelled", True),
        ("published", "cancelled", True),
        ("published", "published", False),
        ("published", "draft", False),
        ("cancelled", "published", False),
        ("cancelled", "draft", False),
        ("cancelled", "cancelled", False),
    ],
)
def test_webinar_transitions(current, target, allowed):
    webinar = WebinarFactory(status=current)
    call = lambda: services.set_webinar_status(webinar=webinar, status=target, by=make_portal_admin(), message="m")  # noqa: E731
    if allowed:
        assert call().status == target
    else:
        with pytest.raises(InvalidTransition):
            call()


def test_cancel_webinar_needs_a_message():
    with pytest.raises(ServiceError) as error:
        services.cancel_webinar(webinar=WebinarFactory(), by=make_portal_admin(), message="  ")
    assert error.value.field == "message"


def test_cancel_past_webinar_is_refused():
    webinar = WebinarFactory(starts_at=timezone.now() - timedelta(days=2), ends_at=timezone.now() - timedelta(days=1))
    with pytest.raises(InvalidTransition):
        services.cancel_webinar(webinar=webinar, by=make_portal_admin(), message="Sorry")


def test_cancel_webinar_mails_confirmed_and_waiting_registrants(django_capture_on_commit_callbacks):
    webinar = WebinarFactory(capacity=1)
    RegistrationFactory(webinar=webinar, email="seat@example.org")
    RegistrationFactory(webinar=webinar, email="wait@example.org", status=Registration.Status.WAITLISTED)
    RegistrationFactory(webinar=webinar, email="gone@example.org", status=Registration.Status.CANCELLED)
    _commit(
        django_capture_on_commit_callbacks,
        services.cancel_webinar,
        webinar=webinar,
        by=make_portal_admin(),
        message="The speaker is ill.",
    )
    assert sorted(m.to[0] for m in mail.outbox) == ["seat@example.org", "wait@example.org"]
    assert all("The speaker is ill." in m.body for m in mail.outbox)
    assert AuditEntry.objects.filter(
        action=AuditAction.WEBINAR_CANCELLED, details__message__icontains="The speaker is ill."
    ).exists()


def test_a_failed_cancellation_mail_is_retried_for_that_registrant_alone(
    django_capture_on_commit_callbacks, monkeypatch
):
    # One mail per task: a retry after a network error must not mail those who already got it.
    webinar = WebinarFactory()
    for name in ("a", "b", "c"):
        RegistrationFactory(webinar=webinar, email=f"{name}@example.org")
    send, failed = services.send_registration_mail, []

    def flaky(*, registration, kind):
        if registration.email == "b@example.org" and not failed:
            failed.append(registration.email)
            raise ConnectionError("smtp went away")
        return send(registration=registration, kind=kind)

    monkeypatch.setattr(services, "send_registration_mail", flaky)
    _commit(django_capture_on_commit_callbacks, services.cancel_webinar, webinar=webinar, by=None, message="Ill.")
    assert failed == ["b@example.org"]
    assert sorted(m.to[0] for m in mail.outbox) == ["a@example.org", "b@example.org", "c@example.org"]


def test_add_recording_mails_registrants_once(django_capture_on_commit_callbacks):
    webinar = WebinarFactory(starts_at=timezone.now() - timedelta(hours=2), ends_at=timezone.now() - timedelta(hours=1))
    RegistrationFactory(webinar=webinar, email="seat@example.org")
    RegistrationFactory(webinar=webinar, email="gone@example.org", status=Registration.Status.CANCELLED)
    admin = make_portal_admin()
    url = "https://video.example.org/rec"
    _commit(django_capture_on_commit_callbacks, services.add_recording, webinar=webinar, by=admin, recording_url=url)
    _commit(
        django_capture_on_commit_callbacks, services.add_recording, webinar=webinar, by=admin, recording_url=url + "2"
    )
    assert [m.to[0] for m in mail.outbox] == ["seat@example.org"]
    assert url in mail.outbox[0].body
    webinar.refresh_from_db()
    assert webinar.recording_url == url + "2"
    assert AuditEntry.objects.filter(action=AuditAction.WEBINAR_RECORDING_ADDED).count() == 2


def test_add_recording_before_start_is_refused():
    with pytest.raises(InvalidTransition):
        services.add_recording(webinar=WebinarFactory(), by=make_portal_admin(), recording_url="https://x.example.org")


def test_update_webinar_lower_capacity_than_seats_taken_is_refused():
    webinar = WebinarFactory(capacity=5)
    RegistrationFactory.create_batch(3, webinar=webinar)
    with pytest.raises(ServiceError) as error:
        services.update_webinar(webinar=webinar, by=make_portal_admin(), capacity=2)
    assert error.value.field == "capacity"


def test_webinar_with_zero_capacity_is_refused():
    admin = make_portal_admin()
    starts = timezone.now() + timedelta(days=3)
    with pytest.raises(ServiceError) as error:
        services.create_webinar(by=admin, title="T", starts_at=starts, ends_at=starts + timedelta(hours=1), capacity=0)
    assert error.value.field == "capacity"
    with pytest.raises(ServiceError):
        services.update_webinar(webinar=WebinarFactory(), by=admin, capacity=0)


def test_update_webinar_larger_capacity_promotes_waiting(django_capture_on_commit_callbacks):
    webinar = WebinarFactory(capacity=1)
    RegistrationFactory(webinar=webinar)
    waiting = RegistrationFactory(webinar=webinar, status=Registration.Status.WAITLISTED, email="w@example.org")
    _commit(
        django_capture_on_commit_callbacks, services.update_webinar, webinar=webinar, by=make_portal_admin(), capacity=2
    )
    waiting.refresh_from_db()
    assert waiting.status == Registration.Status.CONFIRMED
    assert [m.to[0] for m in mail.outbox] == ["w@example.org"]


def test_update_webinar_time_raises_sequence_and_replaces_speakers():
    webinar = WebinarFactory()
    SpeakerFactory(webinar=webinar, name="Old")
    webinar = services.update_webinar(
        webinar=webinar,
        by=make_portal_admin(),
        starts_at=webinar.starts_at + timedelta(hours=1),
        ends_at=webinar.ends_at + timedelta(hours=1),
        speakers=[{"name": "New"}],
    )
    assert webinar.sequence == 1
    assert [s.name for s in webinar.speakers.all()] == ["New"]


def test_update_cancelled_webinar_is_refused():
    with pytest.raises(InvalidTransition):
        services.update_webinar(webinar=WebinarFactory(status="cancelled"), by=make_portal_admin(), title="x")


# Registrations --------------------------------------------------------------------------------------------------


def test_register_gives_a_seat_and_mails_ics_with_join_link(django_capture_on_commit_callbacks):
    webinar = WebinarFactory(capacity=2)
    outcome = _commit(django_capture_on_commit_callbacks, _register, webinar=webinar, email="eva@example.org")
    assert outcome.registration.status == Registration.Status.CONFIRMED
    assert not outcome.already_registered
    message = mail.outbox[0]
    assert message.to == ["eva@example.org"]
    assert webinar.join_url in message.body
    assert "/webinars/registration/" in message.body
    assert message.attachments[0][0] == "webinar.ics"


def test_register_when_full_puts_on_waiting_list_without_join_link(django_capture_on_commit_callbacks):
    webinar = WebinarFactory(capacity=1)
    RegistrationFactory(webinar=webinar)
    outcome = _commit(django_capture_on_commit_callbacks, _register, webinar=webinar, email="late@example.org")
    assert outcome.registration.status == Registration.Status.WAITLISTED
    assert webinar.join_url not in mail.outbox[0].body
    assert not mail.outbox[0].attachments


def test_register_same_email_other_case_changes_nothing_and_mails_the_address(django_capture_on_commit_callbacks):
    webinar = WebinarFactory()
    first = _register(webinar, "Eva@Example.org").registration
    mail.outbox.clear()
    outcome = _commit(
        django_capture_on_commit_callbacks, _register, webinar=webinar, email="eva@example.ORG", name="Someone else"
    )
    assert outcome.already_registered
    assert outcome.registration.pk == first.pk
    assert Registration.objects.filter(webinar=webinar).count() == 1
    first.refresh_from_db()
    assert first.name == "Eva Exempel"
    assert mail.outbox[0].to == ["Eva@Example.org"]
    assert mail.outbox[0].subject.startswith("Du är redan anmäld")


def test_calendar_file_is_mailed_only_with_a_seat(django_capture_on_commit_callbacks):
    # The personal .ics is for a seat (its download is 404 on the waiting list): no mail to the waiting list carries it.
    webinar = WebinarFactory(capacity=1)
    RegistrationFactory(webinar=webinar, email="seat@example.org")
    RegistrationFactory(webinar=webinar, email="wait@example.org", status="waitlisted", confirmed_at=None)
    _commit(django_capture_on_commit_callbacks, _register, webinar=webinar, email="WAIT@example.org")
    _commit(
        django_capture_on_commit_callbacks,
        services.update_webinar,
        webinar=webinar,
        by=make_portal_admin(),
        starts_at=webinar.starts_at + timedelta(days=1),
        ends_at=webinar.ends_at + timedelta(days=1),
    )
    subjects = {(m.to[0], m.subject.split(":")[0]): bool(m.attachments) for m in mail.outbox}
    assert subjects == {
        ("wait@example.org", "Du är redan anmäld"): False,
        ("seat@example.org", "Ny tid"): True,
        ("wait@example.org", "Ny tid"): False,
    }


def test_database_refuses_two_registrations_with_same_email_in_other_case():
    webinar = WebinarFactory()
    RegistrationFactory(webinar=webinar, email="a@example.org")
    with pytest.raises(IntegrityError), transaction.atomic():
        RegistrationFactory(webinar=webinar, email="A@EXAMPLE.ORG")


def test_same_email_may_register_for_two_webinars():
    _register(WebinarFactory(), "eva@example.org")
    assert not _register(WebinarFactory(), "eva@example.org").already_registered


@pytest.mark.parametrize(
    ("status", "hours", "message"),
    [
        ("draft", 7 * 24, "not open for registration"),
        ("cancelled", 7 * 24, "is cancelled"),
        ("published", -30 * 24, "has already taken place"),
        ("published", -0.5, "has already started"),  # running now: ends in half an hour
    ],
)
def test_register_for_draft_cancelled_or_past_webinar_is_refused(status, hours, message):
    starts = timezone.now() + timedelta(hours=hours)
    webinar = WebinarFactory(status=status, starts_at=starts, ends_at=starts + timedelta(hours=1))
    with pytest.raises(ServiceError) as error, translation.override("en"):
        _register(webinar, "eva@example.org")
    with translation.override("en"):
        assert message in str(error.value.message)
    assert not Registration.objects.exists()


def test_register_without_consent_is_refused():
    with pytest.raises(ServiceError) as error:
        _register(WebinarFactory(), "eva@example.org", consent=False)
    assert error.value.field == "consent"


def test_register_again_after_cancelling_gets_a_new_link():
    webinar = WebinarFactory()
    registration = _register(webinar, "eva@example.org").registration
    old_secret = registration.secret
    services.cancel_registration(registration=registration)
    again = _register(webinar, "eva@example.org").registration
    assert again.pk == registration.pk
    assert again.status == Registration.Status.CONFIRMED
    assert again.secret != old_secret


def test_cancel_registration_promotes_first_waiting_once(django_capture_on_commit_callbacks):
    webinar = WebinarFactory(capacity=1)
    seat = RegistrationFactory(webinar=webinar, email="seat@example.org")
    now = timezone.now()
    first = RegistrationFactory(
        webinar=webinar, status="waitlisted", confirmed_at=None, queued_at=now, email="first@example.org"
    )
    second = RegistrationFactory(
        webinar=webinar,
        status="waitlisted",
        confirmed_at=None,
        queued_at=now + timedelta(seconds=1),
        email="second@example.org",
    )
    _commit(django_capture_on_commit_callbacks, services.cancel_registration, registration=seat)
    with pytest.raises(InvalidTransition):
        services.cancel_registration(registration=seat)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == Registration.Status.CONFIRMED
    assert second.status == Registration.Status.WAITLISTED
    assert sorted(m.to[0] for m in mail.outbox) == ["first@example.org", "seat@example.org"]
    promoted_mail = next(m for m in mail.outbox if m.to == ["first@example.org"])
    assert webinar.join_url in promoted_mail.body
    assert AuditEntry.objects.filter(action=AuditAction.WEBINAR_REGISTRATION_PROMOTED).count() == 1


def test_cancel_waiting_registration_promotes_nobody():
    webinar = WebinarFactory(capacity=1)
    RegistrationFactory(webinar=webinar)
    waiting = RegistrationFactory(webinar=webinar, status="waitlisted", confirmed_at=None)
    other = RegistrationFactory(webinar=webinar, status="waitlisted", confirmed_at=None)
    services.cancel_registration(registration=waiting)
    other.refresh_from_db()
    assert other.status == Registration.Status.WAITLISTED


def test_cancel_registration_after_start_is_refused():
    webinar = WebinarFactory(starts_at=timezone.now() - timedelta(minutes=5))
    registration = RegistrationFactory(webinar=webinar)
    with pytest.raises(InvalidTransition):
        services.cancel_registration(registration=registration)


# Reminders ------------------------------------------------------------------------------------------------------


def test_reminders_are_sent_once_to_confirmed_registrants_within_24_hours(django_capture_on_commit_callbacks):
    soon = WebinarFactory(starts_at=timezone.now() + timedelta(hours=20))
    later = WebinarFactory(starts_at=timezone.now() + timedelta(hours=30))
    cancelled_webinar = WebinarFactory(starts_at=timezone.now() + timedelta(hours=20), status="cancelled")
    due = RegistrationFactory(webinar=soon, email="due@example.org")
    RegistrationFactory(webinar=soon, status="waitlisted", confirmed_at=None)
    RegistrationFactory(webinar=soon, status="cancelled")
    RegistrationFactory(webinar=later)
    RegistrationFactory(webinar=cancelled_webinar)
    with django_capture_on_commit_callbacks(execute=True):  # the mails are sent from the queue after commit
        assert services.send_due_reminders() == 1
        assert services.send_due_reminders() == 0
    assert [m.to[0] for m in mail.outbox] == ["due@example.org"]
    assert soon.join_url in mail.outbox[0].body
    due.refresh_from_db()
    assert due.reminder_sent_at is not None


def test_reminder_subject_gives_the_start_instead_of_saying_tomorrow(django_capture_on_commit_callbacks):
    # Someone who registers on the day itself is reminded the same day: "starts tomorrow" would be wrong.
    from django.utils.dateformat import format as date_format

    starts = timezone.localtime().replace(microsecond=0) + timedelta(hours=2)
    registration = RegistrationFactory(webinar=WebinarFactory(title="Solceller", starts_at=starts))
    with django_capture_on_commit_callbacks(execute=True):
        services.send_reminder(registration_id=registration.pk)
    with translation.override("sv"):
        when = date_format(starts, "l j F \\k\\l. H.i")
    assert mail.outbox[0].subject == f"Påminnelse: Solceller, {when}"
    assert "i morgon" not in mail.outbox[0].subject


def test_send_reminder_twice_for_the_same_registration_sends_once(django_capture_on_commit_callbacks):
    registration = RegistrationFactory(webinar=WebinarFactory(starts_at=timezone.now() + timedelta(hours=2)))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_reminder(registration_id=registration.pk) is True
        assert services.send_reminder(registration_id=registration.pk) is False
    assert len(mail.outbox) == 1


def test_reminder_claim_is_released_when_sending_fails(monkeypatch):
    registration = RegistrationFactory(webinar=WebinarFactory(starts_at=timezone.now() + timedelta(hours=2)))

    def broken(**kwargs):
        raise ConnectionError("smtp down")

    monkeypatch.setattr(services, "send_registration_mail", broken)
    with pytest.raises(ConnectionError):
        services.send_reminder(registration_id=registration.pk)
    registration.refresh_from_db()
    assert registration.reminder_sent_at is None


def test_a_reminder_that_fails_does_not_hold_up_the_others(monkeypatch, django_capture_on_commit_callbacks):
    # An address the mail server refuses must not stop everyone after it from being reminded, run after run.
    webinar = WebinarFactory(starts_at=timezone.now() + timedelta(hours=2))
    refused = RegistrationFactory(webinar=webinar, email="refused@example.org")
    fine = RegistrationFactory(webinar=webinar, email="fine@example.org")
    send = services.send_registration_mail

    def refusing(*, registration, kind):
        if registration.email == "refused@example.org":
            raise ConnectionError("550 mailbox unavailable")
        return send(registration=registration, kind=kind)

    monkeypatch.setattr(services, "send_registration_mail", refusing)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_due_reminders() == 1
    assert [m.to[0] for m in mail.outbox] == ["fine@example.org"]
    refused.refresh_from_db()
    fine.refresh_from_db()
    assert refused.reminder_sent_at is None and fine.reminder_sent_at is not None


def test_reminder_task_runs_the_service():
    from webinars.tasks import send_webinar_reminders

    RegistrationFactory(webinar=WebinarFactory(starts_at=timezone.now() + timedelta(hours=2)))
    assert send_webinar_reminders.delay().get() == 1
    assert send_webinar_reminders.delay().get() == 0


def test_beat_schedule_contains_the_reminder_task():
    from portal.celery import app

    assert any(entry["task"] == "webinars.tasks.send_webinar_reminders" for entry in app.conf.beat_schedule.values())


def test_new_time_of_published_webinar_mails_registrants_and_rearms_reminders(django_capture_on_commit_callbacks):
    webinar = WebinarFactory()
    registration = RegistrationFactory(webinar=webinar, email="r@example.org", reminder_sent_at=timezone.now())
    RegistrationFactory(webinar=webinar, email="gone@example.org", status="cancelled")
    _commit(
        django_capture_on_commit_callbacks,
        services.update_webinar,
        webinar=webinar,
        by=make_portal_admin(),
        starts_at=webinar.starts_at + timedelta(days=1),
        ends_at=webinar.ends_at + timedelta(days=1),
    )
    assert [m.to[0] for m in mail.outbox] == ["r@example.org"]
    assert mail.outbox[0].subject.startswith("Ny tid")
    assert mail.outbox[0].attachments
    registration.refresh_from_db()
    assert registration.reminder_sent_at is None


def test_other_changes_do_not_mail_registrants(django_capture_on_commit_callbacks):
    webinar = WebinarFactory()
    RegistrationFactory(webinar=webinar)
    _commit(
        django_capture_on_commit_callbacks,
        services.update_webinar,
        webinar=webinar,
        by=make_portal_admin(),
        title="New title",
    )
    assert mail.outbox == []


def test_personal_data_is_removed_a_year_after_the_webinar(settings):
    settings.WEBINARS_REGISTRATION_RETENTION_DAYS = 365
    long_ago = timezone.now() - timedelta(days=400)
    old = WebinarFactory(starts_at=long_ago, ends_at=long_ago + timedelta(hours=1))
    recent = WebinarFactory(starts_at=timezone.now() - timedelta(days=30), ends_at=timezone.now() - timedelta(days=30))
    gone = RegistrationFactory(webinar=old, name="Eva", email="eva@example.org", organisation="Kommunen")
    kept = RegistrationFactory(webinar=recent, name="Bo", email="bo@example.org")
    assert services.anonymise_old_registrations() == 1
    assert services.anonymise_old_registrations() == 0
    gone.refresh_from_db()
    kept.refresh_from_db()
    assert (gone.name, gone.organisation, gone.anonymised_at is not None) == ("", "", True)
    assert "eva" not in gone.email
    assert gone.status == Registration.Status.CONFIRMED  # counts are kept
    assert kept.email == "bo@example.org"
    assert AuditEntry.objects.filter(
        action=AuditAction.WEBINAR_REGISTRATIONS_ANONYMISED, object_id=str(old.pk), details={"count": 1}
    ).exists()


def test_removed_personal_data_is_not_kept_in_the_audit_log(settings):
    # The audit log never names the registrant, so removing the personal data leaves its rows untouched.
    settings.WEBINARS_REGISTRATION_RETENTION_DAYS = 365
    long_ago = timezone.now() - timedelta(days=400)
    old = WebinarFactory(starts_at=long_ago, ends_at=long_ago + timedelta(hours=1), capacity=1)
    recent = WebinarFactory()
    gone = RegistrationFactory(webinar=old, name="Eva Exempel", email="eva@example.org")
    waiting = RegistrationFactory(webinar=old, name="Bo Exempel", email="bo@example.org", status="waitlisted")
    kept = _register(recent, "karin@example.org", name="Karin Kvar").registration
    soon = timezone.now() + timedelta(days=1)
    Webinar.objects.filter(pk=old.pk).update(starts_at=soon, ends_at=soon + timedelta(hours=1))
    services.cancel_registration(registration=gone)  # audit rows: cancelled (Eva), promoted (Bo)
    Webinar.objects.filter(pk=old.pk).update(starts_at=long_ago, ends_at=long_ago + timedelta(hours=1))
    columns = ("id", "actor", "action", "content_type", "object_id", "object_repr", "description", "details")
    before = list(AuditEntry.objects.order_by("id").values_list(*columns))
    assert AuditEntry.objects.filter(object_id=str(gone.pk), action=AuditAction.WEBINAR_REGISTRATION_CANCELLED).exists()

    services.anonymise_old_registrations()

    after = list(AuditEntry.objects.order_by("id").values_list(*columns))
    assert after[: len(before)] == before  # untouched
    assert [row[2] for row in after[len(before) :]] == [AuditAction.WEBINAR_REGISTRATIONS_ANONYMISED]
    for text in ("Eva", "eva@example.org", "Bo Exempel", "bo@example.org", "Karin", "karin@example.org"):
        for row in AuditEntry.objects.values_list("object_repr", "description", "details"):
            assert text not in str(row)
    assert AuditEntry.objects.filter(
        object_id=str(waiting.pk), action=AuditAction.WEBINAR_REGISTRATION_PROMOTED
    ).exists()
    entry = AuditEntry.objects.get(object_id=str(kept.pk), action=AuditAction.WEBINAR_REGISTERED)
    with translation.override("en"):
        assert entry.object_label() == f"Registration #{kept.pk}"


def test_new_time_is_saved_even_when_the_mails_cannot_be_queued(django_capture_on_commit_callbacks, monkeypatch):
    from kombu.exceptions import OperationalError

    from webinars import tasks

    def fail(**kwargs):
        raise OperationalError("Connection refused.")

    from portal.celery import app as celery_app

    celery_app.conf.task_always_eager = False  # a broker that is down (tests/conftest.py restores this)
    monkeypatch.setattr(tasks.notify_webinar_rescheduled, "apply_async", fail)
    webinar = WebinarFactory()
    RegistrationFactory(webinar=webinar)
    starts = webinar.starts_at + timedelta(days=1)
    _commit(
        django_capture_on_commit_callbacks,
        services.update_webinar,
        webinar=webinar,
        by=make_portal_admin(),
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
    )
    webinar.refresh_from_db()
    assert webinar.starts_at == starts
