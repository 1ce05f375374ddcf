BEAT_SCHEDULE = {
    "webinars-send-reminders": {
        "task": "webinars.tasks.send_webinar_reminders",
        # Every 15 minutes: a reminder goes out 24 h to 23 h 45 min before the start.
        "schedule": 15 * 60.0,
    },
}
