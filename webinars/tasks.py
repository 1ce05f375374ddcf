"""Celery tasks: keyword-only ids in, the service does the work."""

from celery import shared_task


@shared_task(autoretry_for=(ConnectionError, TimeoutError), retry_backoff=True, max_retries=5)
def send_registration_mail(*, registration_id: int, kind: str) -> int:
    from .models import Registration
    from .services import send_registration_mail as send

    registration = Registration.objects.select_related("webinar").filter(pk=registration_id).first()
    if registration is None:
        return 0
    return send(registration=registration, kind=kind)


@shared_task(autoretry_for=(ConnectionError, TimeoutError), retry_backoff=True, max_retries=5)
def notify_webinar_cancelled(*, webinar_id: int) -> int:
    from .models import Webinar
    from .services import notify_registrants

    return notify_registrants(webinar=Webinar.objects.get(pk=webinar_id), kind="webinar_cancelled")


@shared_task(autoretry_for=(ConnectionError, TimeoutError), retry_backoff=True, max_retries=5)
def notify_webinar_rescheduled(*, webinar_id: int) -> int:
    from .models import Webinar
    from .services import notify_registrants

    return notify_registrants(webinar=Webinar.objects.get(pk=webinar_id), kind="rescheduled")


@shared_task(autoretry_for=(ConnectionError, TimeoutError), retry_backoff=True, max_retries=5)
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
