"""Sign-in limits behind the production proxy: one attacker must not lock everyone, or one user, out.

The requests come as nginx forwards them (docker compose, TRUSTED_PROXY_COUNT=1): every connection from the
proxy's address, the client's address appended to X-Forwarded-For.
"""

import pytest
from allauth.core.internal import ratelimit
from django.test import Client
from django.urls import reverse

from portal.login_limits import COOKIE_NAME
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PROXY = "172.18.0.9"
PASSWORD = "test-password-123"
TOO_MANY = "För många misslyckade inloggningsförsök"


@pytest.fixture(autouse=True)
def _behind_the_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1


def _sign_in(client, email, password, address, *, sent_by_client=""):
    forwarded = f"{sent_by_client}, {address}" if sent_by_client else address
    return client.post(
        reverse("account_login"),
        {"login": email, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded,
    )


def _signed_in(response, client) -> bool:
    return response.status_code == 302 and "_auth_user_id" in client.session


def test_failures_for_made_up_accounts_behind_the_proxy_do_not_block_another_user():
    UserFactory(email="riktig@example.org")
    attacker = Client()
    for i in range(11):
        # Whatever the attacker puts in X-Forwarded-For, the proxy's last entry is the address that counts.
        _sign_in(attacker, f"finns-inte-{i}@example.org", "gissning", "203.0.113.7", sent_by_client=f"10.0.0.{i}")
    refused = _sign_in(attacker, "finns-inte-99@example.org", "gissning", "203.0.113.7", sent_by_client="10.1.1.1")
    assert TOO_MANY in refused.content.decode()  # the attacker's own address is limited

    user = Client()
    response = _sign_in(user, "riktig@example.org", PASSWORD, "198.51.100.20")

    assert _signed_in(response, user)


def test_an_attacker_hammering_one_account_cannot_lock_its_owner_out_of_a_device_used_before():
    UserFactory(email="agare@example.org")
    owner = Client()
    assert _signed_in(_sign_in(owner, "agare@example.org", PASSWORD, "198.51.100.20"), owner)
    assert owner.cookies[COOKIE_NAME]["httponly"]
    owner.post(reverse("account_logout"), REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.20")

    attacker = Client()
    for i in range(12):
        _sign_in(attacker, "agare@example.org", "gissning", f"203.0.113.{i}")

    # A new device gets the short back-off ...
    newcomer = Client()
    assert TOO_MANY in _sign_in(newcomer, "agare@example.org", PASSWORD, "198.51.100.21").content.decode()
    # ... but the owner's browser, which signed in to this account before, signs in with the right password.
    response = _sign_in(owner, "agare@example.org", PASSWORD, "198.51.100.20")
    assert _signed_in(response, owner)


def test_the_back_off_for_an_account_ends_after_five_minutes(monkeypatch):
    UserFactory(email="paus@example.org")
    attacker, user = Client(), Client()
    for i in range(5):
        _sign_in(attacker, "paus@example.org", "gissning", f"203.0.113.{i}")
    assert TOO_MANY in _sign_in(user, "paus@example.org", PASSWORD, "198.51.100.20").content.decode()

    now = ratelimit.time.time()
    monkeypatch.setattr(ratelimit.time, "time", lambda: now + 5 * 60 + 1)

    assert _signed_in(_sign_in(user, "paus@example.org", PASSWORD, "198.51.100.20"), user)


def test_a_known_device_is_still_limited_for_its_own_failures():
    UserFactory(email="egen@example.org")
    device = Client()
    assert _signed_in(_sign_in(device, "egen@example.org", PASSWORD, "198.51.100.20"), device)
    device.post(reverse("account_logout"), REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.20")

    for i in range(5):
        _sign_in(device, "egen@example.org", "gissning", f"198.51.100.{30 + i}")

    assert TOO_MANY in _sign_in(device, "egen@example.org", PASSWORD, "198.51.100.20").content.decode()
    # The account's other devices are not affected by this one's failures.
    other = Client()
    assert _signed_in(_sign_in(other, "egen@example.org", PASSWORD, "198.51.100.40"), other)


def test_a_device_known_for_one_account_is_unknown_for_another():
    UserFactory(email="min@example.org")
    UserFactory(email="annans@example.org")
    device = Client()
    assert _signed_in(_sign_in(device, "min@example.org", PASSWORD, "198.51.100.20"), device)
    device.post(reverse("account_logout"), REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.20")
    attacker = Client()
    for i in range(5):
        _sign_in(attacker, "annans@example.org", "gissning", f"203.0.113.{i}")

    response = _sign_in(device, "annans@example.org", PASSWORD, "198.51.100.20")

    assert TOO_MANY in response.content.decode()


def test_a_forged_device_cookie_counts_as_an_unknown_device():
    UserFactory(email="falsk@example.org")
    attacker = Client()
    for i in range(5):
        _sign_in(attacker, "falsk@example.org", "gissning", f"203.0.113.{i}")
    forger = Client()
    forger.cookies[COOKIE_NAME] = "eyJkIjoiYWJjIiwiYSI6W119:forged:signature"

    assert TOO_MANY in _sign_in(forger, "falsk@example.org", PASSWORD, "198.51.100.20").content.decode()
