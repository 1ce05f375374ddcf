"""The Celery application. Tasks live in each app's tasks.py and are found by autodiscovery.

Periodic tasks: each app may have `<app>/schedule.py` with a `BEAT_SCHEDULE`
dict (Celery's beat_schedule format, task names as strings); they are merged here.
"""

import os
from importlib import import_module

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

beat_schedule: dict = {}
for _app in ("portal", "projects", "checks", "webinars"):
    try:
        beat_schedule.update(import_module(f"{_app}.schedule").BEAT_SCHEDULE)
    except ModuleNotFoundError as error:
        if error.name != f"{_app}.schedule":
            raise
app.conf.beat_schedule = beat_schedule
