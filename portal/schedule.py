"""Periodic tasks of the portal core, merged into Celery beat by portal/celery.py."""

BEAT_SCHEDULE = {
    "portal-relay-outbox": {
        "task": "portal.tasks.relay_outbox_task",
        "schedule": 30.0,  # rows left unsent while the broker was down go out within half a minute of its return
    },
}
