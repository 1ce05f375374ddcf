"""Periodic tasks of the portal core, merged into Celery beat by portal/celery.py."""

BEAT_SCHEDULE = {
    "portal-relay-outbox": {
        "task": "portal.tasks.relay_outbox_task",
        "schedule": 30.0,  # rows left unsent while the broker was down go out within half a minute of its return
    },
    "portal-sweep-lost-jobs": {
        "task": "portal.tasks.sweep_lost_jobs_task",
        # Documents and mails pending long past their timeout (their job was lost, e.g. Redis restarted empty)
        # are queued again; the timeouts (portal.documents / portal.mail STALE_AFTER) decide, not this interval.
        "schedule": 5 * 60.0,
    },
    "portal-prune-submission-tokens": {
        "task": "portal.tasks.prune_submission_tokens_task",
        "schedule": 24 * 60 * 60.0,  # tokens only matter for minutes; two days are kept
    },
    "portal-discard-expired-uploads": {
        "task": "portal.tasks.discard_expired_uploads_task",
        # Files kept for a form that was never saved are deleted a day after they were chosen
        # (portal.files.HELD_UPLOAD_TTL); hourly, so none stays much longer.
        "schedule": 60 * 60.0,
    },
}
