BEAT_SCHEDULE = {
    "webinars-send-reminders": {
        "task": "webinars.tasks.send_webinar_reminders",
        # Every 15 minutes: a reminder goes out 24 h to 23 h 45 min before the start.
        "schedule": 15 * 60.0,
    },
    "webinars-anonymise-old-registrations": {
        "task": "webinars.tasks.anonymise_old_registrations",
        "schedule": 24 * 60 * 60.0,
    },
}
