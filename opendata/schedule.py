"""Periodic tasks of the open-data app, merged into Celery beat by portal/celery.py."""

from celery.schedules import crontab

BEAT_SCHEDULE = {
    "opendata-sync-ocds-releases": {
        "task": "opendata.tasks.sync_ocds_releases",
        # Every five minutes: a change (a call closing by the clock too) is published as a release within minutes;
        # it reads only what changed since the previous run.
        "schedule": 5 * 60.0,
    },
    "opendata-sync-all-ocds-releases": {
        "task": "opendata.tasks.sync_all_ocds_releases",
        # Nightly at 03:40 Swedish time (CELERY_TIMEZONE), a quiet hour: every need rebuilt, so that nothing the
        # periodic run cannot see (a deleted file or question) stays unpublished for more than a day.
        "schedule": crontab(hour=3, minute=40),
    },
}
