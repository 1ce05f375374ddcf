"""Signing a browser in without the sign-in form (which tests/e2e/test_signup.py drives)."""

from django.conf import settings
from django.test import Client


def sign_in(context, base_url, user):
    """Make the Playwright browser `context` signed in as `user` on `base_url`, and nobody else."""
    client = Client()
    client.force_login(user)
    context.clear_cookies()
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": base_url,
            }
        ]
    )
