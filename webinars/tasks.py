"""Celery tasks: keyword-only ids in, the service does the work.

None of them talks to the mail server: they render and queue mails (portal/mail.py), which
`portal.tasks.send_mail` sends with the portal's one retry policy.
"""

from celery import shared_task
from django.db import InterfaceError, OperationalError

# Worth another try: the database or the network away for a moment.
TRANSIENT = (ConnectionError, TimeoutError, OperationalError, InterfaceError)


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, max_retries=5)
def send_registration_mail(*, registration_id: int, kind: str) -> int:
    """Queue a registrant's mail. Services now queue these mails themselves; this task serves jobs queued
    before that change (an outbox row may outlive a deployment)."""
    from .models import Registration
    from .services import send_registration_mail as send

    registration = Registration.objects.select_related("webinar").filter(pk=registration_id).first()
    if registration is None:
        return 0
    return send(registration=registration, kind=kind)


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, max_retries=5)
def notify_webinar_cancelled(*, webinar_id: int) -> int:
    from .models import Webinar
    from .services import notify_registrants

    return notify_registrants(webinar=Webinar.objects.get(pk=webinar_id), kind="webinar_cancelled")


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, max_retries=5)
def notify_webinar_rescheduled(*, webinar_id: int) -> int:
    from .models import Webinar
    from .services import notify_registrants

    return notify_registrants(webinar=Webinar.objects.get(pk=webinar_id), kind="rescheduled")


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, max_retries=5)
def notify_recording_published(*, webinar_id: int) -> int:
    from .models import Webinar
    from .services import notify_registrants

    return notify_registrants(webinar=Webinar.objects.get(pk=webinar_id), kind="recording")


@shared_task
def send_webinar_reminders() -> int:
    """Periodic (see schedule.py): reminders about 24 hours before start, once per registration."""
    from .services import send_due_reminders

    return send_due_reminders()


@shared_task
def anonymise_old_registrations() -> int:
    """Periodic (see schedule.py): remove registrants' personal data a while after the webinar."""
    from .services import anonymise_old_registrations as anonymise

    return anonymise()
