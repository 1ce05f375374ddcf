"""The sweep (portal.tasks.sweep_lost_jobs): work whose job was lost is queued again, and nothing else."""

from datetime import timedelta
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.utils import timezone

from checks.models import DecisionLetter
from portal import documents
from portal import mail as portal_mail
from portal.celery import app
from portal.documents import DocumentStatus
from portal.mail import Recipient, send_mail_to
from portal.models import Mail, OutboxMessage
from portal.tasks import sweep_lost_jobs
from tests.checks.factories import decide, make_application
from tests.factories import make_handler
from tests.projects.factories import NeedFactory

pytestmark = pytest.mark.django_db

LONG_AGO = timezone.now() - timedelta(hours=1)
# By name: projects' document modules may move; the sweep only knows the registry.
DecisionDocument = apps.get_model("projects", "DecisionDocument")


@pytest.fixture(autouse=True)
def _installed_kinds_only(monkeypatch):
    """Only the apps' document kinds: tests/portal/sample_document.py registers one whose table may not exist."""
    kinds = {name: kind for name, kind in documents._KINDS.items() if not name.startswith("tests.")}
    monkeypatch.setattr(documents, "_KINDS", kinds)


def _jobs(task: str) -> list[dict]:
    return [message.kwargs for message in OutboxMessage.objects.filter(task=task).order_by("id")]


def _document(status: str, *, updated_at=LONG_AGO, **fields) -> DecisionDocument:
    document = DecisionDocument.objects.create(
        need=NeedFactory(), version=1, status=status, **fields
    )  # its create queues no job: only create_document does
    DecisionDocument.objects.filter(pk=document.pk).update(updated_at=updated_at)
    return document


def _mail(*, status=Mail.Status.QUEUED, updated_at=LONG_AGO) -> Mail:
    send_mail_to([Recipient(email="a@example.org")], template="portal/mail/invitation", context={})
    row = Mail.objects.latest("id")
    Mail.objects.filter(pk=row.pk).update(status=status, updated_at=updated_at)
    OutboxMessage.objects.all().delete()  # the job the broker lost
    return row


def test_documents_queued_or_rendering_past_the_timeout_are_queued_again_and_nothing_else():
    lost_queued = _document(DocumentStatus.QUEUED)
    lost_rendering = _document(DocumentStatus.RENDERING, attempts=1)
    _document(DocumentStatus.QUEUED, updated_at=timezone.now() - documents.STALE_AFTER + timedelta(minutes=1))
    _document(DocumentStatus.READY, file="x.pdf")
    _document(DocumentStatus.FAILED, error="boom")

    assert sweep_lost_jobs()["documents"] == 2

    kind = documents.kind_for(lost_queued).name
    assert _jobs("portal.tasks.render_document_task") == [
        {"kind": kind, "document_id": lost_queued.pk},
        {"kind": kind, "document_id": lost_rendering.pk},
    ]
    lost_rendering.refresh_from_db()
    assert lost_rendering.status == DocumentStatus.QUEUED and lost_rendering.attempts == 1
    assert lost_rendering.updated_at > timezone.now() - timedelta(minutes=1)


def test_the_sweep_is_idempotent_a_second_run_queues_nothing_more():
    _document(DocumentStatus.QUEUED)
    _mail()
    assert sweep_lost_jobs() == {"documents": 1, "mails": 1}
    assert sweep_lost_jobs() == {"documents": 0, "mails": 0}
    assert OutboxMessage.objects.count() == 2


def test_mails_queued_past_the_timeout_are_queued_again_and_nothing_else():
    lost = _mail()
    _mail(updated_at=timezone.now() - portal_mail.STALE_AFTER + timedelta(minutes=1))  # a retry may be waiting
    _mail(status=Mail.Status.SENT)
    _mail(status=Mail.Status.FAILED)

    assert sweep_lost_jobs()["mails"] == 1
    assert _jobs("portal.tasks.send_mail") == [{"mail_id": lost.pk}]


def test_older_than_overrides_the_timeouts():
    _document(DocumentStatus.QUEUED, updated_at=timezone.now() - timedelta(seconds=30))
    _mail(updated_at=timezone.now() - timedelta(seconds=30))
    assert sweep_lost_jobs() == {"documents": 0, "mails": 0}
    assert sweep_lost_jobs(older_than=timedelta(seconds=10)) == {"documents": 1, "mails": 1}


def test_a_swept_mail_is_sent_once_even_with_its_old_job_still_around(django_capture_on_commit_callbacks):
    from django.core import mail

    row = _mail()
    with django_capture_on_commit_callbacks(execute=True):
        sweep_lost_jobs()
    with django_capture_on_commit_callbacks(execute=True):
        sweep_lost_jobs(older_than=timedelta(0))  # a sent mail is not swept
    from portal.tasks import send_mail

    send_mail.apply(kwargs={"mail_id": row.pk})  # the old job turns up after all
    row.refresh_from_db()
    assert row.status == Mail.Status.SENT
    assert len(mail.outbox) == 1


def test_a_ready_decision_letter_never_mailed_is_mailed_by_the_sweep(django_capture_on_commit_callbacks):
    application = make_application(state="in_review", amount=100_000)
    decide(application=application, by=make_handler(), outcome="approved", granted_amount=100_000, reasoning="Bra")
    letter = DecisionLetter.objects.get(application=application)
    documents.render_document(kind="checks.decision_letter", document_id=letter.pk)  # on_ready's job is lost
    OutboxMessage.objects.all().delete()
    assert sweep_lost_jobs()["documents"] == 0  # just rendered: its mail job may still be on its way

    DecisionLetter.objects.filter(pk=letter.pk).update(rendered_at=LONG_AGO)
    app.conf.task_always_eager = False  # only look at what is queued (tests/conftest.py restores it)
    assert sweep_lost_jobs()["documents"] == 1
    assert _jobs("checks.tasks.mail_decision_letter_task") == [{"letter_id": letter.pk}]

    DecisionLetter.objects.filter(pk=letter.pk).update(mailed_at=timezone.now())
    assert sweep_lost_jobs()["documents"] == 0


def test_sweep_jobs_command_and_beat_schedule():
    _document(DocumentStatus.QUEUED, updated_at=timezone.now())
    out = StringIO()
    call_command("sweep_jobs", "--older-than", "0", stdout=out)
    assert "1 document job(s), 0 mail(s)" in out.getvalue()
    assert any(entry["task"] == "portal.tasks.sweep_lost_jobs_task" for entry in app.conf.beat_schedule.values())
