"""Signing in with e-legitimation in Chromium, through the local OpenID provider (tests/idp/oidc_provider.mjs).

The provider's page is a "test BankID": the tester types a personal identity number and picks a level.
axe checks every page, the provider's included.
"""

import re
from urllib.parse import unquote

from playwright.sync_api import expect

from portal.eid import personal_number_hash
from portal.models import EidIdentity, Membership, User
from tests.e2e.sessions import sign_in
from tests.factories import HandlerFactory, UserFactory

PIN = "198507152391"
PASSWORD = "Ett-langt-losenord-2026"
BUTTON = "Logga in med e-legitimation"


def identify(ui, *, pin=PIN, loa="loa3", email="", verified=True):
    """On the provider's page: type the number, pick the level, optionally give an address, confirm."""
    page = ui.page
    expect(page.get_by_role("heading", name="Test-BankID")).to_be_visible()
    page.get_by_label("Personnummer (12 siffror)").fill(pin)
    page.get_by_label(re.compile(f"^{loa}")).check()
    if email:
        page.get_by_label("E-postadress (valfri)").fill(email)
    if not verified:
        page.get_by_label("E-postadressen är verifierad").uncheck()
    return ui.submit(page.get_by_role("button", name="Legitimera"))


def press_the_button(ui, path="/accounts/login/"):
    page = ui.goto(path)
    return ui.submit(page.get_by_role("button", name=re.compile(BUTTON)))


def test_the_first_sign_in_creates_an_account_and_the_second_finds_it(ui, eid_oidc):
    press_the_button(ui)
    page = identify(ui, email="anna.andersson@kommun.example.se")

    assert page.url.endswith("/dashboard/")
    user = User.objects.get(email="anna.andersson@kommun.example.se")
    assert EidIdentity.objects.get(user=user).personal_number_hash == personal_number_hash(PIN)
    assert not Membership.objects.filter(user=user).exists()

    ui.submit(page.get_by_role("button", name="Logga ut"))
    press_the_button(ui)
    page = identify(ui)  # no address this time: the number alone finds the account

    assert page.url.endswith("/dashboard/")
    assert User.objects.count() == 1
    expect(page.get_by_text("anna.andersson@kommun.example.se").first).to_be_visible()


def test_the_button_is_on_the_sign_up_page_too(ui, eid_oidc):
    page = press_the_button(ui, "/accounts/signup/")
    expect(page.get_by_role("heading", name="Test-BankID")).to_be_visible()
    identify(ui, email="ny@foretag.example.se")
    assert User.objects.filter(email="ny@foretag.example.se").exists()


def test_without_a_verified_address_the_person_gives_one_and_confirms_it(ui, eid_oidc):
    press_the_button(ui)
    page = identify(ui, email="overifierad@example.se", verified=False)

    expect(page.get_by_role("heading", level=1)).to_have_text("Skapa ett konto med e-legitimation")
    ui.fill("E-postadress", "vald@foretag.example.se")
    page = ui.submit(page.get_by_role("button", name="Skapa kontot"))

    assert page.url.endswith("/accounts/confirm-email/")
    user = User.objects.get(email="vald@foretag.example.se")
    assert EidIdentity.objects.get().user == user
    assert not User.objects.filter(email="overifierad@example.se").exists()


def test_an_existing_accounts_address_is_linked_only_with_its_password(ui, eid_oidc):
    owner = UserFactory(email="befintlig@kommun.example.se", password=PASSWORD)
    press_the_button(ui)
    page = identify(ui, email="befintlig@kommun.example.se")

    expect(page.get_by_role("heading", level=1)).to_have_text("Koppla din e-legitimation till ditt konto")
    ui.fill("Kontots lösenord", "fel-losenord-123")
    page = ui.submit(page.get_by_role("button", name="Koppla e-legitimationen"))

    expect(page.locator(".error-summary")).to_contain_text("Lösenordet är fel")
    assert not EidIdentity.objects.exists()

    ui.fill("Kontots lösenord", PASSWORD)
    page = ui.submit(page.get_by_role("button", name="Koppla e-legitimationen"))

    assert page.url.endswith("/dashboard/")
    assert EidIdentity.objects.get().user == owner
    assert User.objects.count() == 1


def _handler_with_eid():
    handler = HandlerFactory(mfa=False)
    EidIdentity.objects.create(personal_number_hash=personal_number_hash(PIN), user=handler, provider="eid")
    return handler


def test_a_handler_at_an_accepted_level_reaches_the_handler_pages_without_totp(ui, eid_oidc):
    _handler_with_eid()
    press_the_button(ui)
    identify(ui, loa="loa3")

    page = ui.goto("/checks/queue/")

    assert page.url.endswith("/checks/queue/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def test_a_handler_at_a_lower_level_is_sent_to_totp(ui, eid_oidc):
    _handler_with_eid()
    press_the_button(ui)
    identify(ui, loa="loa2")

    page = ui.goto("/checks/queue/")

    # To setting up TOTP (allauth first asks for the account's password again, then goes on there).
    assert "/accounts/2fa/totp/activate/" in unquote(page.url)
    assert not page.url.endswith("/checks/queue/")


def test_a_missing_number_is_told_on_a_page_with_the_way_back(ui, eid_oidc):
    press_the_button(ui)
    page = identify(ui, pin="")

    expect(page.get_by_role("alert")).to_contain_text("personnummer")
    page = ui.submit(page.get_by_role("link", name="Tillbaka till inloggningen"))
    assert page.url.endswith("/accounts/login/")
    assert not User.objects.exists()


def test_the_button_is_absent_when_e_legitimation_is_not_configured(ui):
    for path in ["/accounts/login/", "/accounts/signup/"]:
        page = ui.goto(path)
        expect(page.get_by_role("button", name=re.compile(BUTTON))).to_have_count(0)


def test_a_signed_in_person_links_an_e_id_from_the_dashboard(ui, eid_oidc):
    user = UserFactory(email="inloggad@foretag.example.se")
    sign_in(ui.page.context, ui.base_url, user)
    page = ui.goto("/dashboard/")
    page = ui.submit(page.get_by_role("link", name="E-legitimation"))
    expect(page.get_by_text("Ingen e-legitimation är kopplad till kontot.")).to_be_visible()

    ui.submit(page.get_by_role("button", name=re.compile("Koppla en e-legitimation")))
    page = identify(ui)

    assert EidIdentity.objects.get().user == user
    expect(page.get_by_role("group", name="Kopplade e-legitimationer")).to_be_visible()
