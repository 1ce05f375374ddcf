"""Mail: one way out (portal/mail.py). Every mail is a row and an outbox job; the task sends it once."""

import smtplib
import threading
import time
from unittest import mock

import pytest
from celery.exceptions import Retry
from django.core import mail
from django.db import connection
from django.urls import reverse

from portal import mail as portal_mail
from portal.celery import app
from portal.mail import Recipient, deliver_mail, is_transient, send_mail_to
from portal.models import Mail, Organisation, OutboxMessage
from portal.tasks import send_mail
from tests.factories import OrganisationFactory, make_buyer, make_portal_admin

pytestmark = pytest.mark.django_db

LOCMEM_SEND = "django.core.mail.backends.locmem.EmailBackend.send_messages"


def _queue(**kwargs) -> Mail:
    send_mail_to(
        [Recipient(email="a@example.org", language=kwargs.pop("language", "en"))],
        template="portal/mail/organisation_verified",
        context={"organisation": OrganisationFactory(name="Solkommunen")},
        **kwargs,
    )
    return Mail.objects.latest("id")


def test_send_mail_to_queues_a_rendered_row_and_a_job_and_sends_nothing_before_commit(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        row = _queue(language="sv", attachments=[("a.ics", b"BEGIN:VCALENDAR", "text/calendar")])
    assert mail.outbox == []
    assert (row.status, row.to, row.language, row.attempts) == (Mail.Status.QUEUED, "a@example.org", "sv", 0)
    assert "Solkommunen" in row.subject and row.body
    assert OutboxMessage.objects.filter(task="portal.tasks.send_mail", kwargs={"mail_id": row.pk}).exists()

    for callback in callbacks:
        callback()

    row.refresh_from_db()
    assert row.status == Mail.Status.SENT and row.sent_at is not None and row.attempts == 1
    [sent] = mail.outbox
    assert sent.to == ["a@example.org"] and sent.subject == row.subject
    assert sent.attachments[0][:1] == ("a.ics",) and sent.attachments[0][1] in ("BEGIN:VCALENDAR", b"BEGIN:VCALENDAR")


def test_a_mail_is_rendered_in_the_recipients_language():
    english = _queue(language="en")
    swedish = _queue(language="sv")
    assert english.subject != swedish.subject


def test_a_job_delivered_again_after_the_mail_was_sent_sends_nothing():
    # The worker sent the mail and committed "sent"; the broker delivers the job again (e.g. the worker died
    # before acknowledging it): the row says sent, so nothing goes out twice.
    row = _queue()
    assert send_mail.apply(kwargs={"mail_id": row.pk}).get() == "sent"
    assert send_mail.apply(kwargs={"mail_id": row.pk}).get() == "sent"
    assert len(mail.outbox) == 1
    row.refresh_from_db()
    assert row.attempts == 1


def test_a_worker_killed_after_smtp_accepted_and_the_job_redelivered_sends_one_mail():
    # The mail server accepted the mail, then the worker was killed before it recorded "sent"; the broker
    # delivers the job again. The row was marked "sending" before the mail server was called, so the second
    # delivery sends nothing.
    row = _queue()

    class WorkerKilled(BaseException):
        pass

    real_send = mail.backends.locmem.EmailBackend.send_messages

    def accept_then_die(self, messages):
        real_send(self, messages)
        raise WorkerKilled

    with mock.patch(LOCMEM_SEND, accept_then_die), pytest.raises(WorkerKilled):
        deliver_mail(mail_id=row.pk)
    row.refresh_from_db()
    assert row.status == Mail.Status.SENDING and row.attempts == 1

    assert send_mail.apply(kwargs={"mail_id": row.pk}).get() == "sending"
    assert len(mail.outbox) == 1


def test_the_sweep_settles_a_mail_left_sending_as_failed_without_sending_it_again():
    from datetime import timedelta

    from django.utils import timezone

    row = _queue()
    Mail.objects.filter(pk=row.pk).update(
        status=Mail.Status.SENDING, attempts=1, updated_at=timezone.now() - timedelta(minutes=20)
    )
    fresh = _queue()
    Mail.objects.filter(pk=fresh.pk).update(status=Mail.Status.SENDING, attempts=1)

    portal_mail.sweep_stale_mails()

    row.refresh_from_db()
    fresh.refresh_from_db()
    assert row.status == Mail.Status.FAILED and row.last_error == portal_mail.UNCERTAIN
    assert fresh.status == Mail.Status.SENDING  # still within a send's time: left alone
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (ConnectionRefusedError("refused"), True),
        (TimeoutError("timed out"), True),
        (smtplib.SMTPServerDisconnected("gone"), True),
        (smtplib.SMTPResponseException(421, b"try later"), True),
        (smtplib.SMTPSenderRefused(451, b"local error", "noreply@example.org"), True),
        (smtplib.SMTPRecipientsRefused({"a@example.org": (450, b"busy"), "b@example.org": (452, b"full")}), True),
        (smtplib.SMTPRecipientsRefused({"a@example.org": (450, b"busy"), "b@example.org": (550, b"no")}), False),
        (smtplib.SMTPRecipientsRefused({"a@example.org": (550, b"no such user")}), False),
        (smtplib.SMTPResponseException(554, b"rejected"), False),
        (smtplib.SMTPAuthenticationError(535, b"bad credentials"), False),
        (smtplib.SMTPException("unknown"), False),
        (ValueError("bad header"), False),
    ],
)
def test_which_smtp_errors_are_retried(error, transient):
    assert is_transient(error) is transient


def _refusing(code: int):
    def send_messages(self, messages):
        raise smtplib.SMTPRecipientsRefused({messages[0].to[0]: (code, b"refused")})

    return send_messages


def test_a_4xx_reply_is_retried_by_the_task_and_the_row_stays_queued(monkeypatch):
    row = _queue()
    scheduled = []
    monkeypatch.setattr(send_mail, "apply_async", lambda *args, **kwargs: scheduled.append(kwargs))
    send_mail.push_request(called_directly=False, is_eager=False, retries=0, id="job-1", delivery_info={})
    try:
        with mock.patch(LOCMEM_SEND, _refusing(451)), pytest.raises(Retry):
            send_mail.run(mail_id=row.pk)
    finally:
        send_mail.pop_request()
    row.refresh_from_db()
    assert row.status == Mail.Status.QUEUED and row.attempts == 1 and "451" in row.last_error
    # The first retry waits up to 30 s (backoff with jitter, which may draw 0).
    assert len(scheduled) == 1 and 0 <= scheduled[0]["countdown"] <= 30

    assert send_mail.apply(kwargs={"mail_id": row.pk}).get() == "sent"  # the retry goes through
    assert len(mail.outbox) == 1


def test_a_5xx_reply_is_not_retried_and_the_row_is_failed(monkeypatch):
    row = _queue()
    scheduled = []
    monkeypatch.setattr(send_mail, "apply_async", lambda *args, **kwargs: scheduled.append(kwargs))
    send_mail.push_request(called_directly=False, is_eager=False, retries=0, id="job-2", delivery_info={})
    try:
        with mock.patch(LOCMEM_SEND, _refusing(550)):
            assert send_mail.run(mail_id=row.pk) == "failed"
    finally:
        send_mail.pop_request()
    row.refresh_from_db()
    assert row.status == Mail.Status.FAILED and row.attempts == 1 and "550" in row.last_error
    assert scheduled == []
    assert send_mail.apply(kwargs={"mail_id": row.pk}).get() == "failed"  # a failed mail is not tried again
    assert mail.outbox == []


def test_a_transient_failure_on_the_last_attempt_marks_the_row_failed():
    row = _queue()
    Mail.objects.filter(pk=row.pk).update(attempts=portal_mail.MAX_ATTEMPTS - 1)
    with mock.patch(LOCMEM_SEND, _refusing(451)):
        assert deliver_mail(mail_id=row.pk) == "failed"
    row.refresh_from_db()
    assert row.status == Mail.Status.FAILED and row.attempts == portal_mail.MAX_ATTEMPTS


def test_a_request_never_waits_on_the_mail_server(client, django_capture_on_commit_callbacks, monkeypatch):
    # A worker (not in-process) sends mail: the request only writes the row and hands its job to the broker.
    published = []
    app.conf.task_always_eager = False  # tests/conftest.py restores it
    monkeypatch.setattr(send_mail, "apply_async", lambda *args, **kwargs: published.append(kwargs))
    calls = []

    def blocking(self, messages):
        calls.append(messages)
        time.sleep(30)
        raise smtplib.SMTPServerDisconnected("never answers")

    pending = OrganisationFactory(status=Organisation.Status.PENDING)
    make_buyer(organisation=pending, email="owner@example.org")
    client.force_login(make_portal_admin())
    started = time.monotonic()
    with mock.patch(LOCMEM_SEND, blocking), django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("portal:organisation_verify", args=[pending.pk]))
    assert response.status_code == 302
    assert time.monotonic() - started < 10
    assert calls == []
    row = Mail.objects.get(to="owner@example.org")
    assert row.status == Mail.Status.QUEUED
    assert published == [{"kwargs": {"mail_id": row.pk}}]


def test_in_process_a_failing_mail_server_leaves_the_row_queued_and_the_request_succeeds(
    client, django_capture_on_commit_callbacks
):
    pending = OrganisationFactory(status=Organisation.Status.PENDING)
    make_buyer(organisation=pending, email="owner@example.org")
    client.force_login(make_portal_admin())
    with mock.patch(LOCMEM_SEND, _refusing(451)), django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("portal:organisation_verify", args=[pending.pk]))
    assert response.status_code == 302
    row = Mail.objects.get(to="owner@example.org")
    # Without a broker the task is not retried at once (the request would wait): the sweep queues it again.
    assert (row.status, row.attempts) == (Mail.Status.QUEUED, 1)
    assert "451" in row.last_error


def test_a_mail_with_a_key_is_queued_once():
    assert send_mail_to([Recipient(email="a@example.org")], template="portal/mail/invitation", context={}, key="k")
    assert not send_mail_to([Recipient(email="A@example.org")], template="portal/mail/invitation", context={}, key="k")
    assert Mail.objects.count() == 1


def test_allauth_mails_are_queued_not_sent_during_the_request(client):
    client.post(reverse("account_reset_password"), {"email": make_buyer(email="glomsk@example.org").email})
    row = Mail.objects.get(to="glomsk@example.org")
    assert row.status == Mail.Status.QUEUED and "/accounts/password/reset/key/" in row.body
    assert mail.outbox == []  # on_commit never fires inside the test's transaction: nothing left yet


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite serialises all writers and has no row locks: the race can only be tested on PostgreSQL.",
)
def test_a_job_delivered_twice_at_the_same_moment_sends_one_mail():
    row = _queue()  # autocommit: its job ran in-process already and sent it; queue it again for the race
    Mail.objects.filter(pk=row.pk).update(status=Mail.Status.QUEUED, attempts=0, sent_at=None)
    mail.outbox.clear()
    real_send = mail.backends.locmem.EmailBackend.send_messages

    def slow_send(self, messages):
        time.sleep(0.5)  # the second delivery reaches the row while the first is talking to the server
        return real_send(self, messages)

    barrier = threading.Barrier(2)
    results = []

    def deliver():
        try:
            barrier.wait(timeout=10)
            results.append(deliver_mail(mail_id=row.pk))
        finally:
            connection.close()

    with mock.patch(LOCMEM_SEND, slow_send):
        threads = [threading.Thread(target=deliver) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    # The second delivery found the row already being sent by the first and sent nothing.
    assert sorted(results) == ["sending", "sent"]
    assert len(mail.outbox) == 1
    row.refresh_from_db()
    assert row.status == Mail.Status.SENT and row.attempts == 1
