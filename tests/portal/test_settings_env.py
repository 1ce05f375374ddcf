"""Settings read from the environment: optional values left empty (as in .env.example) count as unset."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRINT = (
    "from django.conf import settings; "
    "print(settings.CELERY_BROKER_TRANSPORT_OPTIONS['visibility_timeout'], settings.WEBINARS_REGISTRATIONS_PER_HOUR, "
    "settings.LOG_FORMAT, settings.LOGGING['root']['level'])"
)


def _settings(**overrides):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings", "SECRET_KEY": "s" * 50, **overrides}
    return subprocess.run([sys.executable, "-c", PRINT], cwd=ROOT, env=env, capture_output=True, text=True)


def test_empty_values_mean_the_defaults():
    result = _settings(CELERY_VISIBILITY_TIMEOUT="", WEBINARS_REGISTRATIONS_PER_HOUR=" ", LOG_FORMAT="", LOG_LEVEL="")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["3600", "10", "json", "INFO"]


def test_given_values_are_used():
    result = _settings(
        CELERY_VISIBILITY_TIMEOUT="60", WEBINARS_REGISTRATIONS_PER_HOUR="3", LOG_FORMAT="Text", LOG_LEVEL="warning"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["60", "3", "text", "WARNING"]


def test_a_number_that_is_not_one_stops_start_up_with_its_name():
    result = _settings(CELERY_VISIBILITY_TIMEOUT="an hour")
    assert result.returncode != 0
    assert "CELERY_VISIBILITY_TIMEOUT must be a whole number, not 'an hour'." in result.stderr
