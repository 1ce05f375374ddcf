"""Passkeys (allauth's WebAuthn) as the server sees them: a software passkey (tests/passkeys.py) answers the
challenges allauth hands out, and allauth and python-fido2 verify the answers for real. The browser flow, with
Chromium's virtual authenticator, is tests/e2e/test_passkeys.py."""

import json

import pytest
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from fido2.utils import websafe_decode

from portal.audit import AuditAction
from portal.models import AuditEntry
from portal.selectors import signed_in_context
from tests.factories import AuthenticatorFactory, UserFactory, make_handler
from tests.passkeys import SoftPasskey, add_passkey, challenge_of

pytestmark = pytest.mark.django_db
PASSWORD = "test-password-123"  # tests/factories.py


def _sign_in_with_password(client, user):
    """Sign in, then confirm the password as allauth asks before anything is changed about the second factor."""
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302 and "_auth_user_id" in client.session
    confirmed = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert confirmed.status_code == 302


def _request_options(client) -> dict:
    """What allauth's script fetches when "Sign in with a passkey" is pressed."""
    response = client.get(reverse("mfa_login_webauthn"), HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    return response.json()["request_options"]


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def _audited(user, action) -> list[str]:
    return [row.details.get("type") for row in AuditEntry.objects.filter(actor=user, action=action)]


def test_a_signed_in_user_adds_a_passkey_and_gets_recovery_codes(client, django_capture_on_commit_callbacks):
    user = UserFactory(email="nyckel@example.org")
    _sign_in_with_password(client, user)
    page = client.get(reverse("mfa_add_webauthn"))
    assert page.status_code == 200
    options = page.context["js_data"]["creation_options"]
    key = SoftPasskey(user_handle=websafe_decode(options["publicKey"]["user"]["id"]))
    credential = key.register(challenge_of(options))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("mfa_add_webauthn"),
            {"name": "Jobbdatorn", "passwordless": "on", "credential": json.dumps(credential)},
        )

    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_view_recovery_codes")
    passkey = Authenticator.objects.get(user=user, type=Authenticator.Type.WEBAUTHN)
    assert passkey.wrap().name == "Jobbdatorn"
    assert passkey.wrap().is_passwordless is True
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.RECOVERY_CODES).exists()
    assert "webauthn" in _audited(user, AuditAction.ACCOUNT_MFA_ADDED)  # portal/account_events.py


def test_a_passkey_answer_for_another_challenge_is_refused_with_a_clear_message(client):
    user = UserFactory()
    _sign_in_with_password(client, user)
    client.get(reverse("mfa_add_webauthn"))
    credential = SoftPasskey(user_handle=b"x").register("bm90LXRoZS1jaGFsbGVuZ2U")

    response = client.post(reverse("mfa_add_webauthn"), {"name": "", "credential": json.dumps(credential)})

    assert response.status_code == 200
    assert "kunde inte läggas till" in response.content.decode()
    assert not Authenticator.objects.filter(user=user).exists()


def test_adding_a_passkey_without_javascript_says_that_passkeys_need_it(client):
    user = UserFactory()
    _sign_in_with_password(client, user)

    response = client.post(reverse("mfa_add_webauthn"), {"name": "Telefon", "passwordless": "on"})

    assert response.status_code == 200
    content = response.content.decode()
    assert "Passkeys kräver JavaScript" in content
    assert "Credential:" not in content  # no error for the hidden field in the summary
    assert not Authenticator.objects.filter(user=user).exists()


def test_a_passkey_alone_signs_in_and_records_its_use(client):
    user = UserFactory(email="utan-losenord@example.org")
    passkey, key = add_passkey(user)

    options = _request_options(client)
    assert options["publicKey"]["userVerification"] == "required"
    response = client.post(
        reverse("mfa_login_webauthn"), {"credential": json.dumps(key.assert_(challenge_of(options)))}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("portal:dashboard")
    assert client.session["_auth_user_id"] == str(user.pk)
    passkey.refresh_from_db()
    assert passkey.last_used_at is not None


def test_a_passkey_answer_made_for_another_site_does_not_sign_in(client):
    user = UserFactory()
    _passkey, key = add_passkey(user)

    options = _request_options(client)
    forged = key.assert_(challenge_of(options), origin="https://portal.example.com")
    response = client.post(reverse("mfa_login_webauthn"), {"credential": json.dumps(forged)})

    assert response.status_code == 302
    assert response["Location"] == reverse("account_login")
    assert "_auth_user_id" not in client.session
    assert any("kunde inte logga in dig" in message for message in _messages(response))


def test_a_passkey_alone_without_user_verification_does_not_sign_in(client):
    """Only a verified user (PIN, fingerprint, face) makes the passkey two factors: the device's UV flag is required."""
    user = UserFactory()
    _passkey, key = add_passkey(user)

    options = _request_options(client)
    unverified = key.assert_(challenge_of(options), user_verified=False)
    response = client.post(reverse("mfa_login_webauthn"), {"credential": json.dumps(unverified)})

    assert response["Location"] == reverse("account_login")
    assert "_auth_user_id" not in client.session


def test_a_handler_who_removes_the_only_passkey_must_set_up_a_second_factor_again(client):
    handler = make_handler(mfa=False)
    passkey, _key = add_passkey(handler)
    client.force_login(handler)
    assert client.get(reverse("checks:queue")).status_code == 200

    passkey.delete()

    response = client.get(reverse("checks:queue"))
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")


def test_an_unknown_passkey_does_not_sign_in(client):
    user = UserFactory()
    stranger = SoftPasskey(user_handle=str(user.pk).encode())  # never registered

    options = _request_options(client)
    response = client.post(
        reverse("mfa_login_webauthn"), {"credential": json.dumps(stranger.assert_(challenge_of(options)))}
    )

    assert response["Location"] == reverse("account_login")
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("credential", ["", "{not json", '{"id": "x"}'])
def test_a_passkey_sign_in_without_a_usable_answer_explains_and_signs_nobody_in(client, credential):
    client.get(reverse("account_login"))
    response = client.post(reverse("mfa_login_webauthn"), {"credential": credential})

    assert response.status_code == 302
    assert response["Location"] == reverse("account_login")
    assert "_auth_user_id" not in client.session
    assert _messages(response)


def test_the_login_page_offers_the_passkey_and_says_it_needs_javascript(client):
    content = client.get(reverse("account_login")).content.decode()
    assert 'id="passkey_login"' in content
    assert 'id="mfa_login"' in content
    assert "Logga in med passkey" in content
    assert "kräver JavaScript" in content
    # allauth's script comes from our own origin; the page has no inline script (only JSON data blocks).
    assert '<script src="/static/mfa/js/webauthn.js">' in content
    assert "<script>" not in content


def test_a_handler_whose_only_second_factor_is_a_passkey_reaches_the_handler_pages(client):
    handler = make_handler(mfa=False)
    add_passkey(handler)
    client.force_login(handler)

    response = client.get(reverse("checks:queue"))

    assert response.status_code == 200
    assert signed_in_context(handler).has_second_factor is True


def test_the_second_step_of_a_user_without_a_passkey_offers_no_passkey(client):
    user = UserFactory()
    AuthenticatorFactory(user=user)  # TOTP
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})

    content = client.get(reverse("mfa_authenticate")).content.decode()

    assert "Använd din passkey" not in content
    assert 'name="code"' in content


def test_a_refused_passkey_at_the_second_step_says_so_and_does_not_sign_in(client):
    user = UserFactory()
    _passkey, key = add_passkey(user)
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    client.get(reverse("mfa_authenticate"))

    response = client.post(reverse("mfa_authenticate"), {"credential": json.dumps(key.assert_("b3RoZXI"))})

    assert response.status_code == 200
    assert "Passkeyn godtogs inte" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_passkey_as_second_factor_costs_no_query_more_than_totp(client):
    """The staff rule reads the second factor in the one signed-in query (tests/test_query_counts.py pins it)."""
    with_totp, with_passkey = make_handler(), make_handler(mfa=False)
    add_passkey(with_passkey)
    counts = []
    for handler in (with_totp, with_passkey):
        client.force_login(handler)
        client.get(reverse("checks:queue"))  # the first request warms per-process caches
        cache.clear()  # and the page cache must not answer the measured one
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("checks:queue")).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] and counts[0] > 3, counts  # the page rendered, not served from its cache


def test_recovery_codes_alone_are_not_a_second_factor_for_staff(client):
    handler = make_handler(mfa=False)
    AuthenticatorFactory(user=handler, type=Authenticator.Type.RECOVERY_CODES, data={"seed": "00"})
    client.force_login(handler)

    response = client.get(reverse("checks:queue"))

    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")
    assert signed_in_context(handler).has_second_factor is False


def test_the_two_factor_page_lists_the_passkeys_with_rename_and_remove(client):
    user = UserFactory()
    passkey, _key = add_passkey(user, name="Min telefon")
    client.force_login(user)

    content = client.get(reverse("mfa_index")).content.decode()

    assert "Min telefon" in content
    assert reverse("mfa_edit_webauthn", kwargs={"pk": passkey.pk}) in content
    assert reverse("mfa_remove_webauthn", kwargs={"pk": passkey.pk}) in content
    assert reverse("mfa_add_webauthn") in content
    assert "Inte använd än" in content


def test_a_user_renames_and_removes_their_passkey(client, django_capture_on_commit_callbacks):
    user = UserFactory()
    passkey, key = add_passkey(user, name="Gammal")
    _sign_in_with_password_then_passkey(client, user, key)

    edit = reverse("mfa_edit_webauthn", kwargs={"pk": passkey.pk})
    assert client.get(edit).status_code == 200
    response = client.post(edit, {"name": "Ny dator"})
    assert response["Location"] == reverse("mfa_list_webauthn")
    passkey.refresh_from_db()
    assert passkey.wrap().name == "Ny dator"

    too_long = client.post(edit, {"name": "x" * 101})
    assert too_long.status_code == 200
    passkey.refresh_from_db()
    assert passkey.wrap().name == "Ny dator"

    remove = reverse("mfa_remove_webauthn", kwargs={"pk": passkey.pk})
    assert "Ny dator" in client.get(remove).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(remove)
    assert response.status_code == 302
    assert not Authenticator.objects.filter(pk=passkey.pk).exists()
    assert "webauthn" in _audited(user, AuditAction.ACCOUNT_MFA_REMOVED)


def _sign_in_with_password_then_passkey(client, user, key):
    """A user with a passkey who types the password is asked for the passkey as the second step."""
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")
    page = client.get(reverse("mfa_authenticate"))
    assert "Använd din passkey" in page.content.decode()
    options = page.context["js_data"]["request_options"]
    response = client.post(reverse("mfa_authenticate"), {"credential": json.dumps(key.assert_(challenge_of(options)))})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
    # Renaming and removing ask to confirm who it is first: here with the passkey again.
    page = client.get(reverse("mfa_reauthenticate_webauthn"))
    options = page.context["js_data"]["request_options"]
    response = client.post(
        reverse("mfa_reauthenticate_webauthn"), {"credential": json.dumps(key.assert_(challenge_of(options)))}
    )
    assert response.status_code == 302


@pytest.mark.parametrize("url_name", ["mfa_edit_webauthn", "mfa_remove_webauthn"])
def test_nobody_reaches_another_users_passkey(client, url_name):
    owner, other = UserFactory(), UserFactory()
    passkey, _key = add_passkey(owner)
    _sign_in_with_password(client, other)

    url = reverse(url_name, kwargs={"pk": passkey.pk})
    assert client.get(url).status_code == 404
    assert client.post(url, {"name": "Kapad"}).status_code == 404
    passkey.refresh_from_db()
    assert passkey.wrap().name == "Telefon"


def test_passkeys_may_be_used_on_the_portals_own_pages_only(client):
    header = client.get(reverse("account_login"))["Permissions-Policy"]
    features = dict(item.strip().split("=", 1) for item in header.split(","))
    assert features["publickey-credentials-get"] == "(self)"
    assert features["publickey-credentials-create"] == "(self)"
    assert features["camera"] == "()"


def test_webauthn_never_accepts_an_answer_for_any_origin():
    # allauth's switch would accept an assertion made for another site; python-fido2 allows http://localhost itself.
    assert settings.MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN is False
    assert settings.MFA_PASSKEY_LOGIN_ENABLED is True
    assert "webauthn" in settings.MFA_SUPPORTED_TYPES


def test_the_privacy_page_says_what_a_passkey_keeps_and_for_how_long(client):
    content = client.get(reverse("portal:privacy")).content.decode()
    assert "den publika nyckeln (den privata nyckeln lämnar aldrig din enhet)" in content
    assert "Tills du tar bort passkeyn eller kontot avslutas" in content


def test_the_accessibility_statement_says_passkeys_need_javascript_and_names_the_alternatives(client):
    content = client.get(reverse("portal:accessibility")).content.decode()
    assert "Inloggning med passkey kräver JavaScript" in content
    assert "loggar du in med e-postadress och lösenord" in content
