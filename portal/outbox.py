"""The transactional outbox: a queued task is a row written in the same transaction as the change behind it.

`enqueue(task, **kwargs)` writes an `OutboxMessage`; once the transaction commits the relay tries to send
that row at once. If the broker (Redis) is down the row stays unsent and a later relay sends it: Celery beat
every 30 seconds (`portal/schedule.py`), every worker when it starts, and `manage.py relay_outbox`. Nothing a
user saved loses its mail or document because Redis was away. Tasks must be safe to run twice: a relay that
dies between sending and stamping `sent_at` sends the row again.

With `CELERY_TASK_ALWAYS_EAGER` (no Redis) the relay runs the task in-process at commit, as `.delay` did.
"""

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from .models import OutboxMessage

logger = logging.getLogger(__name__)

BATCH_SIZE = 100
KEEP_SENT_DAYS = 7


def _task_name(task) -> str:
    return task if isinstance(task, str) else task.name


def enqueue(task, **kwargs) -> OutboxMessage:
    """Queue Celery `task` (a task or its name) with keyword `kwargs` (JSON values) as part of this transaction.

    Side effects: an `OutboxMessage` row; after commit, an attempt to send it (a broker error is logged and
    left to the periodic relay, never raised to the caller).
    """
    message = OutboxMessage.objects.create(task=_task_name(task), kwargs=kwargs)
    message_id = message.pk
    transaction.on_commit(lambda: _relay_quietly(message_id))
    return message


def _relay_quietly(message_id: int) -> None:
    try:
        relay_outbox(ids=[message_id])
    except Exception:  # noqa: BLE001 - the row stays unsent; the periodic relay tries again
        logger.warning("Outbox message %s not relayed now; the periodic relay will retry.", message_id, exc_info=True)


def _send(message: OutboxMessage) -> None:
    from .celery import app

    task = app.tasks.get(message.task)
    if task is None:
        app.send_task(message.task, kwargs=message.kwargs)
    else:
        task.apply_async(kwargs=message.kwargs)


def relay_outbox(*, ids: list[int] | None = None, limit: int = BATCH_SIZE) -> int:
    """Send unsent outbox rows (only `ids` if given) to Celery; returns how many were sent.

    Rows are locked with SKIP LOCKED, so relays running at the same time never send a row twice. A row
    whose send fails keeps `sent_at` empty, with `attempts` and `last_error` updated. In eager mode the
    rows are stamped first and their tasks run in-process after the lock is released (a task failing
    in-process is the task's own business, as with `.delay`).
    """
    from .celery import app

    eager = bool(app.conf.task_always_eager)
    sent = 0
    with transaction.atomic():
        rows = OutboxMessage.objects.select_for_update(skip_locked=True).filter(sent_at__isnull=True)
        if ids is not None:
            rows = rows.filter(pk__in=ids)
        messages = list(rows.order_by("id")[:limit])
        now = timezone.now()
        for message in messages:
            message.attempts += 1
            if eager:
                message.sent_at = now
            else:
                try:
                    _send(message)
                except Exception as error:  # noqa: BLE001 - broker down: keep the row for the next relay
                    message.last_error = f"{type(error).__name__}: {error}"[:2000]
                    message.save(update_fields=["attempts", "last_error"])
                    logger.warning("Outbox message %s (%s) not sent: %s", message.pk, message.task, error)
                    # The broker is likely down for the rest too: leave them for the next relay.
                    break
                message.sent_at = now
                message.last_error = ""
            message.save(update_fields=["attempts", "sent_at", "last_error"])
            sent += 1
    if eager:
        for message in messages:
            _send(message)
    return sent


def prune_sent(*, days: int = KEEP_SENT_DAYS) -> int:
    """Delete rows sent more than `days` days ago; returns how many. Unsent rows are never deleted."""
    cutoff = timezone.now() - timedelta(days=days)
    deleted, _ = OutboxMessage.objects.filter(sent_at__lt=cutoff).delete()
    return deleted
