"""Periodic tasks of the projects app, merged into Celery beat by portal/celery.py."""

BEAT_SCHEDULE = {
    "projects-update-call-states": {
        "task": "projects.tasks.update_call_states",
        "schedule": 60.0,  # every minute: pages compute the state from the dates meanwhile
    },
    "projects-send-deadline-reminders": {
        "task": "projects.tasks.send_deadline_reminders",
        "schedule": 15 * 60.0,  # a call closing within a day is reminded of within 15 minutes; once per person
    },
}
