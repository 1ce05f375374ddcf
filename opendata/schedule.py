"""Periodic tasks of the open-data app, merged into Celery beat by portal/celery.py."""

BEAT_SCHEDULE = {
    "opendata-sync-ocds-releases": {
        "task": "opendata.tasks.sync_ocds_releases",
        # Every five minutes: a change (a call closing by the clock too) is published as a release within minutes.
        "schedule": 5 * 60.0,
    },
}
