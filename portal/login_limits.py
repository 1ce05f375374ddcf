"""Known devices: a browser that signed in to an account keeps its own count of failed sign-ins for it.

allauth counts failed sign-ins per client address and per account ("login_failed" in ACCOUNT_RATE_LIMITS);
once an account has had too many, even the right password is refused for a few minutes. Anyone who knows an
address can cause that, so a browser that completed a sign-in to the account before (it holds a signed
`portal_device` cookie naming the account) is counted apart ("login_failed_known_device", keyed on the
account and the device): an attacker's failures elsewhere do not lock the owner out of their own browser.
This is OWASP's "device cookie" defence against lockout. The cookie holds a random device id and keyed
hashes of up to five accounts' ids, is signed with SECRET_KEY, is HttpOnly and lives 180 days; it is a
security cookie the user asked for by signing in (no consent needed, see docs/architecture.md).
"""

import secrets

from allauth.account.utils import filter_users_by_email
from django.conf import settings
from django.core import signing
from django.utils.crypto import salted_hmac

COOKIE_NAME = "portal_device"
MAX_AGE = 180 * 24 * 60 * 60
MAX_ACCOUNTS = 5
KNOWN_DEVICE_ACTION = "login_failed_known_device"
_SALT = "portal.login_limits.device"


def _account_tag(pk) -> str:
    return salted_hmac("portal.login_limits.account", str(pk), algorithm="sha256").hexdigest()[:20]


def _read(request) -> dict | None:
    value = request.COOKIES.get(COOKIE_NAME)
    if not value:
        return None
    try:
        data = signing.loads(value, salt=_SALT, max_age=MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("d"), str) or not isinstance(data.get("a"), list):
        return None
    return data


def known_device(request, email: str) -> str | None:
    """The device id if this browser signed in before to the account with this email address, else None."""
    data = _read(request)
    if data is None or not email:
        return None
    tags = set(data["a"])
    for user in filter_users_by_email(email):
        if _account_tag(user.pk) in tags:
            return data["d"]
    return None


def remember_device(request, response, user) -> None:
    """Set (or renew) the device cookie on `response`, naming `user`'s account first."""
    data = _read(request) or {"d": secrets.token_urlsafe(16), "a": []}
    tag = _account_tag(user.pk)
    accounts = [tag, *(other for other in data["a"] if other != tag)][:MAX_ACCOUNTS]
    response.set_cookie(
        COOKIE_NAME,
        signing.dumps({"d": data["d"], "a": accounts}, salt=_SALT),
        max_age=MAX_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
