"""Celery tasks of the open-data app: keyword-only arguments in, the service does the work."""

from celery import shared_task

from . import ocds_services


@shared_task
def sync_ocds_releases() -> int:
    """Store a new OCDS release for each published need whose public facts changed since the previous run."""
    return ocds_services.sync_changed_releases()


@shared_task
def sync_all_ocds_releases() -> int:
    """Rebuild every published need's release and store those that changed (the nightly safety net)."""
    return ocds_services.sync_releases()
