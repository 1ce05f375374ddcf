"""Celery tasks of the checks app. Keyword-only ids; the work is done by services.

Autodiscovery looks in <app>/tasks.py only, so the document kinds' tasks are imported here.
"""

from celery import shared_task

from .decision_letters.tasks import mail_decision_letter_task  # noqa: F401


@shared_task
def send_handler_digests() -> int:
    """Mail each handler in digest mode the day's waiting notices (once per handler and day)."""
    from .notifications import send_handler_digests as send

    return send()


@shared_task
def send_applicant_reminders() -> int:
    """Remind applicants of a completion's reply date and of the final report's due date (once each)."""
    from .notifications import send_applicant_reminders as send

    return send()
