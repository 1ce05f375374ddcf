"""Celery task of decision letters. checks/tasks.py imports it, so that the worker's autodiscovery finds it."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from . import services


@shared_task(
    # The name it had in checks/tasks.py: rows already in the outbox or the broker carry it.
    name="checks.tasks.mail_decision_letter_task",
    bind=True,
    acks_late=True,
    autoretry_for=(services.LetterNotReady, OperationalError, InterfaceError, OSError),
    retry_backoff=2,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=8,
)
def mail_decision_letter_task(self, *, letter_id: int) -> bool:
    """Mail the decision letter once its PDF is ready (retried with backoff while it is being rendered)."""
    return services.mail_decision_letter(letter_id=letter_id)
