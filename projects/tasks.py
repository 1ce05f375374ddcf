"""Celery tasks of the projects app: keyword-only ids in, the service does the work."""

import smtplib

from celery import shared_task
from django.db import OperationalError

from . import services
from .models import Call


# Transient failures (mail server, database connection) are retried; each person's alert row is written in the
# same transaction as their mail is sent, so a retry never mails anyone twice.
@shared_task(
    autoretry_for=(ConnectionError, TimeoutError, smtplib.SMTPException, OperationalError),
    retry_backoff=True,
    max_retries=5,
)
def send_call_alerts(*, call_id: int) -> int:
    """Mail the companies whose interest profile matches a call that has opened (once per person and call)."""
    call = Call.objects.filter(pk=call_id).first()
    if call is None:
        return 0
    return services.send_call_alerts(call=call)


@shared_task
def update_call_states() -> dict[str, int]:
    """Open calls whose opening time has come and close those whose closing time has passed."""
    return services.update_call_states()


@shared_task
def send_deadline_reminders() -> int:
    """Remind the people involved in each open call the day before it closes (once per person and call)."""
    from .following.services import send_deadline_reminders as send

    return send()
