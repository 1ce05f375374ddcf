"""Celery tasks of the checks app. Keyword-only ids; the work is done by services.

Autodiscovery looks in <app>/tasks.py only, so the document kinds' tasks are imported here.
"""

from .decision_letters.tasks import mail_decision_letter_task  # noqa: F401
