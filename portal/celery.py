"""The Celery application. Tasks live in each app's tasks.py and are found by autodiscovery.

Periodic tasks: each app may have `<app>/schedule.py` with a `BEAT_SCHEDULE`
dict (Celery's beat_schedule format, task names as strings); they are merged here.
"""

import logging
import os

from celery import Celery
from celery.signals import worker_ready
from django.conf import settings

from .extensions import optional_module

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

beat_schedule: dict = {}
# The project's own apps (a plain package name in INSTALLED_APPS; Django is not set up yet, so not the registry).
for _app in (name for name in settings.INSTALLED_APPS if "." not in name):
    _module = optional_module(_app, "schedule")
    if _module is not None:
        beat_schedule.update(_module.BEAT_SCHEDULE)
app.conf.beat_schedule = beat_schedule


@worker_ready.connect
def _relay_outbox_on_start(**kwargs):
    """A worker that starts sends what was left in the outbox while the broker or the workers were away."""
    from .outbox import relay_outbox

    try:
        relay_outbox()
    except Exception:  # noqa: BLE001 - the periodic relay tries again
        logging.getLogger(__name__).warning("Outbox relay at worker start failed.", exc_info=True)
