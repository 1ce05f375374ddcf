"""Periodic tasks of the checks app, merged into Celery beat by portal/celery.py."""

BEAT_SCHEDULE = {
    "checks-send-handler-digests": {
        "task": "checks.tasks.send_handler_digests",
        # Every hour: the day's digest goes out at the first run from 07:00 Swedish time; once per handler and day.
        "schedule": 60 * 60.0,
    },
    "checks-send-applicant-reminders": {
        "task": "checks.tasks.send_applicant_reminders",
        # Every hour: a reminder goes out on the first run of its day; once each (the mail's key).
        "schedule": 60 * 60.0,
    },
}
