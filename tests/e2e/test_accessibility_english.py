"""Issue 17's items on the English pages too (the Swedish ones are walked in the other accessibility tests), with
axe on every page (the `ui` harness) and the raw HTML validated at the end of the run: the password rules are the
password field's description (WCAG 1.3.1, 3.3.2), the message after a saved form takes focus (4.1.3, 2.4.3), and
the two-factor key is text with a copy button and the QR code has a meaningful alternative (1.1.1)."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from checks.models import Application
from tests.checks.factories import make_application
from tests.e2e.labels import label
from tests.e2e.sessions import sign_in
from tests.factories import UserFactory, make_handler

RULES = {
    "sv": "Ditt lösenord måste innehålla minst 10 tecken.",
    "en": "Your password must contain at least 10 characters.",
}


@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_password_rules_are_the_description_of_the_password_field(ui, language):
    page = ui.goto(reverse("account_signup"))
    if language == "en":
        ui.submit(page.get_by_role("button", name="English"))
    expect(page.locator("#id_password1")).to_have_accessible_description(re.compile(re.escape(RULES[language])))
    # The rules are inside the element the field points to, not beside it.
    expect(page.locator("#id_password1_helptext")).to_contain_text(RULES[language])


def test_the_message_after_a_saved_form_takes_focus_in_english(ui, settings):
    settings.REQUIRE_STAFF_MFA = False
    application = make_application(state=Application.State.IN_REVIEW)
    sign_in(ui.page.context, ui.base_url, make_handler())
    page = ui.goto(reverse("checks:propose", args=[application.pk]))
    ui.submit(page.get_by_role("button", name="English"))
    page.locator("#id_outcome_0").check()
    page.get_by_label(label("Reasoning")).fill("Meets the criteria.")
    ui.submit(page.get_by_role("button", name="Save the proposal"))

    message = page.locator("[data-messages]")
    expect(message).to_be_focused()
    expect(message).to_have_text("Your proposal is saved. Another handler with the right to decide must now decide it.")


def test_the_two_factor_key_is_text_and_the_qr_code_has_an_alternative_in_english(ui):
    user = UserFactory(email="two-step@example.org")
    page = ui.page
    sign_in(page.context, ui.base_url, user)
    ui.goto("/accounts/2fa/totp/activate/")
    ui.fill("Lösenord", "test-password-123")
    ui.submit(page.get_by_role("button", name="Verifiera"))
    ui.submit(page.get_by_role("button", name="English"))
    assert page.url.endswith("/accounts/2fa/totp/activate/")
    expect(page.get_by_role("img")).to_have_attribute(
        "alt", "QR code to add the account to an authenticator app; enter the key below if you cannot scan it"
    )
    key = page.locator("code#totp-secret")
    secret = key.get_attribute("data-copy-value")
    assert key.inner_text().replace(" ", "").replace("\n", "") == secret
    expect(page.get_by_role("button", name="Copy the key")).to_be_visible()
