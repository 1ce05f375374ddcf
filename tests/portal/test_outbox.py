import threading
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from portal import documents
from portal.celery import app
from portal.models import OutboxMessage
from portal.outbox import enqueue, prune_sent, relay_outbox
from portal.tasks import render_document_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker(monkeypatch):
    """A broker (not eager): records what is published; `broker.down = True` makes publishing fail."""

    class Broker:
        down = False
        published: list = []

        def apply_async(self, kwargs=None, **options):
            if self.down:
                raise ConnectionRefusedError("Error 111 connecting to 127.0.0.1:6390. Connection refused.")
            self.published.append(kwargs)

    fake = Broker()
    fake.published = []
    app.conf.task_always_eager = False  # tests/conftest.py restores it after each test
    monkeypatch.setattr(render_document_task, "apply_async", fake.apply_async)
    return fake


def test_enqueue_writes_a_row_and_sends_it_at_commit(broker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        message = enqueue(render_document_task, kind="checks.decision_letter", document_id=7)
    assert broker.published == []  # nothing leaves before the commit

    for callback in callbacks:
        callback()

    message.refresh_from_db()
    assert message.task == "portal.tasks.render_document_task"
    assert message.kwargs == {"kind": "checks.decision_letter", "document_id": 7}
    assert message.sent_at is not None and message.attempts == 1
    assert broker.published == [{"kind": "checks.decision_letter", "document_id": 7}]


def test_enqueue_in_a_rolled_back_transaction_leaves_no_row_and_sends_nothing(
    broker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                enqueue(render_document_task, kind="checks.decision_letter", document_id=7)
                raise RuntimeError("the change failed")

    assert not OutboxMessage.objects.exists()
    assert broker.published == []


def test_broker_down_at_commit_keeps_the_row_and_a_later_relay_sends_it(broker, django_capture_on_commit_callbacks):
    broker.down = True
    with django_capture_on_commit_callbacks(execute=True):
        message = enqueue(render_document_task, kind="checks.decision_letter", document_id=7)

    message.refresh_from_db()
    assert message.sent_at is None and message.attempts == 1
    assert "Connection refused" in message.last_error

    assert relay_outbox() == 0  # still down
    broker.down = False
    assert relay_outbox() == 1

    message.refresh_from_db()
    assert message.sent_at is not None and message.attempts == 3 and message.last_error == ""
    assert broker.published == [{"kind": "checks.decision_letter", "document_id": 7}]
    assert relay_outbox() == 0  # sent once only


def test_eager_mode_runs_the_task_in_process_at_commit(monkeypatch, django_capture_on_commit_callbacks):
    rendered = []
    monkeypatch.setattr(documents, "render_document", lambda **kwargs: rendered.append(kwargs) or _Ready())

    with django_capture_on_commit_callbacks(execute=True):
        enqueue(render_document_task, kind="checks.decision_letter", document_id=7)

    assert rendered == [{"kind": "checks.decision_letter", "document_id": 7}]
    assert OutboxMessage.objects.get().sent_at is not None


class _Ready:
    status = "ready"


def test_prune_deletes_old_sent_rows_only():
    now = timezone.now()
    old_sent = OutboxMessage.objects.create(task="t", sent_at=now - timedelta(days=8))
    recent_sent = OutboxMessage.objects.create(task="t", sent_at=now - timedelta(days=1))
    unsent = OutboxMessage.objects.create(task="t")
    OutboxMessage.objects.filter(pk=unsent.pk).update(created=now - timedelta(days=30))

    assert prune_sent(days=7) == 1

    assert set(OutboxMessage.objects.values_list("pk", flat=True)) == {recent_sent.pk, unsent.pk}
    assert not OutboxMessage.objects.filter(pk=old_sent.pk).exists()


def test_relay_outbox_command_sends_pending_rows(broker):
    OutboxMessage.objects.create(task=render_document_task.name, kwargs={"kind": "k", "document_id": 1})
    OutboxMessage.objects.create(task=render_document_task.name, kwargs={"kind": "k", "document_id": 2})
    out = StringIO()

    call_command("relay_outbox", stdout=out)

    assert "Sent 2 outbox message(s)" in out.getvalue()
    assert [kwargs["document_id"] for kwargs in broker.published] == [1, 2]
    assert not OutboxMessage.objects.filter(sent_at__isnull=True).exists()


def test_the_relay_runs_from_celery_beat_every_30_seconds():
    entry = app.conf.beat_schedule["portal-relay-outbox"]
    assert entry["task"] == "portal.tasks.relay_outbox_task"
    assert entry["schedule"] <= 30


def test_periodic_task_relays_and_prunes(broker):
    OutboxMessage.objects.create(task=render_document_task.name, kwargs={"kind": "k", "document_id": 1})
    OutboxMessage.objects.create(task="t", sent_at=timezone.now() - timedelta(days=30))
    from portal.tasks import relay_outbox_task

    assert relay_outbox_task() == {"sent": 1, "pruned": 1}


def test_no_call_site_queues_a_task_around_the_outbox():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    offenders = [
        f"{path.relative_to(root)}:{number}"
        for app_dir in ("portal", "projects", "checks", "webinars")
        for path in (root / app_dir).rglob("*.py")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if ".delay(" in line
    ]
    assert offenders == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="SKIP LOCKED needs PostgreSQL (DATABASE_URL)")
def test_a_row_another_relay_holds_is_skipped_not_sent_twice(broker):
    message = OutboxMessage.objects.create(task=render_document_task.name, kwargs={"kind": "k", "document_id": 1})
    locked, release = threading.Event(), threading.Event()

    def other_relay():
        with transaction.atomic():
            OutboxMessage.objects.select_for_update().get(pk=message.pk)
            locked.set()
            release.wait(10)
        connection.close()

    thread = threading.Thread(target=other_relay)
    thread.start()
    try:
        assert locked.wait(10)
        assert relay_outbox() == 0  # does not wait for the lock, does not send the row
    finally:
        release.set()
        thread.join()

    assert relay_outbox() == 1
    assert broker.published == [{"kind": "k", "document_id": 1}]
