import re
import time

import pytest
from django.core import mail
from django.urls import reverse

from portal.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "Ett-langt-losenord-2026"


def test_signup_requires_email_verification(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # allauth's mails are queued (portal/mail.py)
        response = client.post(
            reverse("account_signup"),
            {"email": "ny@kommun.example.se", "password1": PASSWORD, "password2": PASSWORD},
        )
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    user = User.objects.get(email="ny@kommun.example.se")
    assert not user.emailaddress_set.get().verified
    assert "/accounts/confirm-email/" in mail.outbox[0].body
    # Not signed in until the address is verified:
    assert client.get(reverse("portal:dashboard")).status_code == 302


def test_signup_with_an_email_already_registered_changes_nothing_and_tells_the_owner(
    client, django_capture_on_commit_callbacks
):
    UserFactory(email="finns@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("account_signup"),
            {"email": "Finns@example.org", "password1": PASSWORD, "password2": PASSWORD},
        )
    # The page does not reveal whether the address has an account; the mail to the address says so clearly.
    assert response.status_code == 302
    assert User.objects.filter(email__iexact="finns@example.org").count() == 1
    assert mail.outbox[0].to == ["finns@example.org"]
    assert "Men det finns redan ett konto med den epost-adressen." in mail.outbox[0].body


def test_signup_with_mismatched_passwords_shows_errors_and_keeps_email(client):
    response = client.post(
        reverse("account_signup"),
        {"email": "behall@example.org", "password1": "Ett-langt-losenord-2026", "password2": "annat"},
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert 'value="behall@example.org"' in content
    assert 'class="error-summary"' in content
    assert not User.objects.filter(email="behall@example.org").exists()


def test_login_is_rate_limited_after_repeated_failures(client):
    UserFactory(email="mal@example.org")
    for _ in range(5):
        client.post(reverse("account_login"), {"login": "mal@example.org", "password": "fel-losenord"})
    # Even the right password is refused now, with a clear message.
    response = client.post(reverse("account_login"), {"login": "mal@example.org", "password": "test-password-123"})
    assert response.status_code == 200
    assert "För många misslyckade inloggningsförsök" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_with_correct_password_reaches_dashboard(client):
    UserFactory(email="ratt@example.org")
    response = client.post(reverse("account_login"), {"login": "ratt@example.org", "password": "test-password-123"})
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:dashboard")


def test_password_reset_mails_a_link(client, django_capture_on_commit_callbacks):
    UserFactory(email="glomsk@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_reset_password"), {"email": "glomsk@example.org"})
    assert response.status_code == 302
    assert "/accounts/password/reset/key/" in mail.outbox[0].body


def test_login_page_in_swedish_links_to_sign_up_with_the_right_words(client):
    content = client.get(reverse("account_login")).content.decode()
    assert f'<a href="{reverse("account_signup")}">Skapa ett konto</a>' in content
    assert "Har du redan ett konto" not in content


def test_allauth_pages_use_the_portals_swedish_spelling(client):
    pages = [
        reverse("account_reset_password"),
        reverse("account_email_verification_sent"),
        reverse("account_confirm_email", args=["forged-key"]),
        reverse("account_reset_password_from_key", kwargs={"uidb36": "1", "key": "forged"}),
    ]
    for page in pages:
        content = client.get(page).content.decode()
        assert "epost" not in content.lower(), page
        assert "verification" not in content, page
        assert "Vänligen" not in content, page


@pytest.mark.parametrize("url_name", ["account_login", "account_signup", "account_reset_password"])
def test_allauth_forms_leave_validation_to_the_server_so_the_error_summary_shows(client, url_name):
    content = client.get(reverse(url_name)).content.decode()
    forms = re.findall(r"<form\b[^>]*>", content)
    stacked = [form for form in forms if "stacked-form" in form]
    assert stacked and all("novalidate" in form for form in stacked)


def test_allauth_link_buttons_look_like_buttons(client):
    user = UserFactory()
    client.force_login(user)
    content = client.get(reverse("mfa_index")).content.decode()
    assert f'<a class="button secondary" href="{reverse("mfa_activate_totp")}"' in content


def test_account_mails_name_the_portal_not_the_host(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_signup"), {"email": "ny@example.se", "password1": PASSWORD, "password2": PASSWORD})
    body = mail.outbox[0].body
    assert "Hej från Innovationsupphandlingsportalen!" in body
    assert "testserver" not in body.replace("http://testserver/", "")


def test_two_factor_is_called_the_same_on_the_dashboard_and_on_its_page(client):
    client.force_login(UserFactory())
    dashboard = client.get(reverse("portal:dashboard")).content.decode()
    page = client.get(reverse("mfa_index")).content.decode()
    assert "Tvåfaktorsautentisering</a>" in dashboard
    assert "<h1>" in page and "Tvåfaktorsautentisering" in page
    assert "tvåsteg" not in (dashboard + page).lower()


def _log_in(client, email, password):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def test_signed_in_user_changes_password_then_only_the_new_one_works(client):
    UserFactory(email="byter@example.org")
    assert _log_in(client, "byter@example.org", "test-password-123").status_code == 302

    wrong = client.post(
        reverse("account_change_password"),
        {"oldpassword": "inte-mitt-losenord", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert wrong.status_code == 200
    assert 'class="error-summary"' in wrong.content.decode()
    assert User.objects.get(email="byter@example.org").check_password("test-password-123")

    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": "test-password-123", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    assert "_auth_user_id" in client.session  # still signed in after the change
    client.post(reverse("account_logout"))

    assert _log_in(client, "byter@example.org", "test-password-123").status_code == 200
    assert "_auth_user_id" not in client.session
    assert _log_in(client, "byter@example.org", PASSWORD)["Location"] == reverse("portal:dashboard")
    assert "_auth_user_id" in client.session


def _totp_code(secret: str, *, offset: int = 0) -> str:
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    # A code is valid for its 30-second period only (no tolerance): near the period's end, wait for the next
    # one, so that the server checks the code in the period it was made for even on a slow machine.
    remaining = 30 - time.time() % 30
    if offset == 0 and remaining < 5:
        time.sleep(remaining + 0.1)
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30 + offset))


def _set_up_totp(client, email) -> str:
    """Turn TOTP on through allauth's own page, as a user would; return the secret the page showed."""
    assert _log_in(client, email, "test-password-123").status_code == 302
    page = client.get(reverse("mfa_activate_totp"))
    # allauth asks for the password again before a change of security settings.
    assert page["Location"].startswith(reverse("account_reauthenticate"))
    client.post(page["Location"], {"password": "test-password-123"})
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    secret = client.session["mfa.totp.secret"]
    assert secret in page.content.decode()  # the page shows the key for entering it by hand
    response = client.post(reverse("mfa_activate_totp"), {"code": _totp_code(secret)})
    assert response.status_code == 302
    client.post(reverse("account_logout"))
    return secret


def _second_step(client, email, code):
    """Password, then the code; the Location the code step answers with (or the page's status)."""
    response = _log_in(client, email, "test-password-123")
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session  # the password alone does not sign in
    return client.post(reverse("mfa_authenticate"), {"code": code})


def test_sign_in_with_totp_needs_a_current_code_and_each_code_works_once(client):
    from allauth.mfa.models import Authenticator

    UserFactory(email="totp@example.org")
    secret = _set_up_totp(client, "totp@example.org")
    assert Authenticator.objects.filter(user__email="totp@example.org", type="totp").exists()

    current = {_totp_code(secret, offset=offset) for offset in (-1, 0, 1)}
    wrong = next(code for code in (f"{n:06d}" for n in range(1000)) if code not in current)
    refused = _second_step(client, "totp@example.org", wrong)
    assert refused.status_code == 200
    assert "_auth_user_id" not in client.session

    code = _totp_code(secret)
    response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:dashboard")
    assert client.session["_auth_user_id"] == str(User.objects.get(email="totp@example.org").pk)

    client.post(reverse("account_logout"))
    again = _second_step(client, "totp@example.org", code)  # someone who saw the code reuses it
    assert again.status_code == 200
    assert "_auth_user_id" not in client.session


def test_sign_in_with_a_recovery_code_works_once_per_code(client):
    from allauth.mfa.models import Authenticator
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    UserFactory(email="reserv@example.org")
    _set_up_totp(client, "reserv@example.org")
    codes = RecoveryCodes(
        Authenticator.objects.get(user__email="reserv@example.org", type=Authenticator.Type.RECOVERY_CODES)
    ).get_unused_codes()
    assert len(codes) >= 2

    response = _second_step(client, "reserv@example.org", codes[0])
    assert response["Location"] == reverse("portal:dashboard")
    assert "_auth_user_id" in client.session
    client.post(reverse("account_logout"))

    reused = _second_step(client, "reserv@example.org", codes[0])
    assert reused.status_code == 200
    assert "_auth_user_id" not in client.session

    response = client.post(reverse("mfa_authenticate"), {"code": codes[1]})  # another unused code still works
    assert response["Location"] == reverse("portal:dashboard")
