"""Celery tasks of the checks app. Keyword-only ids; the work is done by services."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from . import services


@shared_task(
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
