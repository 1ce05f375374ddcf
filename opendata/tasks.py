"""Celery tasks of the open-data app: keyword-only arguments in, the service does the work."""

from celery import shared_task

from . import ocds_services


@shared_task
def sync_ocds_releases() -> int:
    """Store a new OCDS release for every published need whose public facts changed (idempotent)."""
    return ocds_services.sync_releases()
