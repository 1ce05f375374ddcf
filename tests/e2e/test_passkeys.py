"""Passkeys in Chromium with its virtual authenticator (the DevTools WebAuthn domain): a platform authenticator that
keeps discoverable credentials and verifies the user, as a phone or laptop with a fingerprint reader does.

The server side is not mocked: allauth and python-fido2 verify what the browser's WebAuthn API returns. The harness
(conftest.py) runs axe-core on every page and fails on anything the Content-Security-Policy refuses, so allauth's
script must work from our own origin without inline script.
"""

from allauth.mfa.models import Authenticator
from django.urls import reverse
from playwright.sync_api import expect

from tests.factories import UserFactory, make_handler

PASSWORD = "test-password-123"  # tests/factories.py


def _virtual_authenticator(page) -> tuple:
    """A platform authenticator (CTAP2, internal transport) with resident keys and user verification, on `page`."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable", {"enableUI": False})
    answer = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return cdp, answer["authenticatorId"]


def _credentials(cdp, authenticator_id) -> list:
    return cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})["credentials"]


def _sign_in_with_password(ui, email):
    page = ui.goto("/accounts/login/")
    ui.fill("E-postadress", email)
    ui.fill("Lösenord", PASSWORD)
    ui.submit(page.get_by_role("button", name="Logga in", exact=True))
    return page


def _confirm_password(ui):
    """allauth asks for the password again before the account's sign-in methods change."""
    page = ui.page
    assert "/accounts/reauthenticate/" in page.url
    ui.fill("Lösenord", PASSWORD)
    ui.submit(page.get_by_role("button", name="Verifiera"))


def _add_passkey(ui, name):
    page = ui.page
    assert page.url.endswith(reverse("mfa_add_webauthn"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Lägg till en passkey")
    expect(page.get_by_text("behövs JavaScript")).to_be_visible()
    ui.fill("Namn på passkeyn", name)
    expect(page.get_by_label("Låt mig logga in med enbart den här passkeyn, utan mitt lösenord")).to_be_checked()
    ui.submit(page.get_by_role("button", name="Lägg till passkeyn"))


def test_a_user_adds_a_passkey_signs_in_with_it_alone_and_removes_it(ui):
    user = UserFactory(email="nyckel@example.org")
    page = ui.page
    cdp, authenticator_id = _virtual_authenticator(page)

    _sign_in_with_password(ui, user.email)
    ui.goto("/accounts/2fa/")
    expect(page.get_by_text("Du har inte lagt till någon passkey.")).to_be_visible()
    ui.submit(page.get_by_role("link", name="Lägg till en passkey"))
    _confirm_password(ui)
    _add_passkey(ui, "Jobbdatorn")

    # allauth shows the recovery codes it made with the first second factor.
    assert page.url.endswith(reverse("mfa_view_recovery_codes"))
    passkey = Authenticator.objects.get(user=user, type=Authenticator.Type.WEBAUTHN)
    assert passkey.wrap().name == "Jobbdatorn"
    assert passkey.wrap().is_passwordless is True
    [credential] = _credentials(cdp, authenticator_id)
    assert credential["isResidentCredential"] is True

    ui.submit(page.get_by_role("button", name="Logga ut"))
    page = ui.goto("/accounts/login/")
    expect(page.get_by_role("heading", name="Logga in med passkey")).to_be_visible()
    # No email address and no password: the passkey alone.
    ui.submit(page.get_by_role("button", name="Logga in med passkey"))
    assert page.url.endswith(reverse("portal:dashboard"))
    expect(page.locator(".who")).to_contain_text(user.email)
    passkey.refresh_from_db()
    assert passkey.last_used_at is not None

    ui.goto("/accounts/2fa/")
    table = page.get_by_role("table", name="Dina passkeys")
    expect(table).to_contain_text("Jobbdatorn")
    expect(table).to_contain_text("Utan lösenord")
    ui.submit(page.get_by_role("link", name="Byt namn Jobbdatorn"))
    _confirm_password(ui)
    ui.fill("Namn på passkeyn", "Bärbara datorn")
    ui.submit(page.get_by_role("button", name="Spara"))
    expect(page.get_by_role("table", name="Dina passkeys")).to_contain_text("Bärbara datorn")

    ui.submit(page.get_by_role("link", name="Ta bort Bärbara datorn"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Ta bort passkeyn")
    ui.submit(page.get_by_role("button", name="Ta bort passkeyn"))
    expect(page.get_by_text("Du har inte lagt till någon passkey.")).to_be_visible()
    assert not Authenticator.objects.filter(user=user, type=Authenticator.Type.WEBAUTHN).exists()

    # The passkey left on the device no longer signs anyone in.
    ui.submit(page.get_by_role("button", name="Logga ut"))
    page = ui.goto("/accounts/login/")
    ui.submit(page.get_by_role("button", name="Logga in med passkey"))
    assert page.url.endswith(reverse("account_login"))
    expect(page.locator("[data-messages]")).to_contain_text("Den passkeyn kunde inte logga in dig")
    expect(page.get_by_role("button", name="Logga ut")).to_have_count(0)


def test_a_handler_without_totp_adds_a_passkey_and_reaches_the_handler_pages(ui):
    handler = make_handler(email="handlaggare@example.org", mfa=False)
    page = ui.page
    _virtual_authenticator(page)

    _sign_in_with_password(ui, handler.email)
    # The staff rule sends a handler without a second factor to set one up (allauth confirms the password first).
    _confirm_password(ui)
    assert page.url.endswith(reverse("mfa_activate_totp"))
    ui.goto(reverse("checks:queue"))
    assert page.url.endswith(reverse("mfa_activate_totp"))

    ui.submit(page.get_by_role("link", name="lägga till en passkey"))
    _add_passkey(ui, "Telefonen")
    assert Authenticator.objects.filter(user=handler, type=Authenticator.Type.WEBAUTHN).exists()
    assert not Authenticator.objects.filter(user=handler, type=Authenticator.Type.TOTP).exists()

    page = ui.goto(reverse("checks:queue"))
    assert page.url.endswith(reverse("checks:queue"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Granskningskö")

    # Next time, after the password, the passkey is the second step (offered before the code form).
    ui.submit(page.get_by_role("button", name="Logga ut"))
    page = _sign_in_with_password(ui, handler.email)
    assert page.url.endswith(reverse("mfa_authenticate"))
    expect(page.get_by_role("heading", level=2).first).to_have_text("Använd din passkey")
    ui.submit(page.get_by_role("button", name="Använd passkeyn"))
    page = ui.goto(reverse("checks:queue"))
    assert page.url.endswith(reverse("checks:queue"))

    # And the passkey alone signs the handler in as well.
    ui.submit(page.get_by_role("button", name="Logga ut"))
    page = ui.goto("/accounts/login/")
    ui.submit(page.get_by_role("button", name="Logga in med passkey"))
    page = ui.goto(reverse("checks:queue"))
    assert page.url.endswith(reverse("checks:queue"))


def test_without_javascript_the_login_page_says_passkeys_need_it_and_the_password_still_works(ui, browser):
    user = UserFactory(email="utan-js@example.org")
    ui.goto("/accounts/login/")  # the same page with JavaScript, checked by axe

    context = browser.new_context(locale="sv-SE", java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(ui.base_url + "/accounts/login/")
        expect(page.get_by_text("Passkeys kräver JavaScript. Utan JavaScript loggar du in med")).to_be_visible()
        # Pressed anyway, the passkey button says what is missing instead of failing.
        page.get_by_role("button", name="Logga in med passkey").click()
        page.wait_for_url("**/accounts/login/")
        expect(page.locator("[data-messages]")).to_contain_text("Passkeys kräver JavaScript")
        page.get_by_label("E-postadress").fill(user.email)
        page.get_by_label("Lösenord").fill(PASSWORD)
        page.get_by_role("button", name="Logga in", exact=True).click()
        page.wait_for_url("**" + reverse("portal:dashboard"))
        expect(page.locator(".who")).to_contain_text(user.email)
    finally:
        context.close()
