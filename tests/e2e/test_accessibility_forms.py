"""Forms with a keyboard and a screen reader's focus (docs/accessibility.md, "Forms").

An error on a radio group links to its first radio (WCAG 2.4.3, 3.3.1); the message after a saved form takes
focus, and so does the heading of a page reached by a form without a message (WCAG 4.1.3, 2.4.3).
"""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from checks.models import Application
from tests.checks.factories import make_application
from tests.e2e.sessions import sign_in
from tests.factories import make_handler


@pytest.fixture
def handler_on_the_proposal_form(ui, settings):
    settings.REQUIRE_STAFF_MFA = False
    application = make_application(state=Application.State.IN_REVIEW)
    sign_in(ui.page.context, ui.base_url, make_handler())
    return ui.goto(reverse("checks:propose", args=[application.pk]))


TEXTS = {
    "sv": {
        "reasoning": "Motivering",
        "save": "Spara förslaget",
        "link": "Beslut: Detta fält måste fyllas i.",
        "group": "Beslut (obligatoriskt)",
        "error": "Detta fält måste fyllas i.",
    },
    "en": {
        "reasoning": "Reasoning",
        "save": "Save the proposal",
        "link": "Decision: This field is required.",
        "group": "Decision (required)",
        "error": "This field is required.",
    },
}


@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_error_summary_link_of_a_radio_group_focuses_its_first_radio(ui, handler_on_the_proposal_form, language):
    page, text = handler_on_the_proposal_form, TEXTS[language]
    if language == "en":
        ui.submit(page.get_by_role("button", name="English"))
    ui.fill(text["reasoning"], "Stämmer med kriterierna.")
    ui.submit(page.get_by_role("button", name=text["save"]))

    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    summary.get_by_role("link", name=text["link"]).click()
    expect(page.locator("#id_outcome_0")).to_be_focused()
    # The radio is announced with its group (the legend) and the group's error.
    expect(page.get_by_role("group", name=text["group"])).to_be_visible()
    expect(page.locator("#id_outcome_0")).to_have_accessible_description(text["error"])


def test_the_message_after_a_saved_form_takes_focus(ui, handler_on_the_proposal_form):
    page = handler_on_the_proposal_form
    page.locator("#id_outcome_0").check()
    ui.fill("Motivering", "Stämmer med kriterierna.")
    ui.submit(page.get_by_role("button", name="Spara förslaget"))

    message = page.locator("[data-messages]")
    expect(message).to_be_focused()
    expect(message).to_have_text(
        "Ditt förslag är sparat. Nu måste en annan handläggare med beslutsrätt fatta beslutet."
    )
    expect(message).to_have_attribute("role", "alert")


def test_a_page_reached_by_a_form_without_a_message_focuses_its_heading(ui):
    page = ui.goto("/webinars/")
    ui.submit(page.get_by_role("button", name="English"))

    expect(page.get_by_role("heading", level=1)).to_be_focused()


REGISTRATION = {
    "sv": {
        "note": "Fält markerade med (obligatoriskt) måste fyllas i.",
        "required": ["Namn (obligatoriskt)", "E-postadress (obligatoriskt)"],
        "optional": "Organisation",
    },
    "en": {
        "note": "Fields marked (required) must be filled in.",
        "required": ["Name (required)", "Email address (required)"],
        "optional": "Organisation",
    },
}


@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_webinar_registration_marks_required_fields_and_names_the_purpose_of_personal_fields(ui, language):
    """WCAG 3.3.2: required fields marked in text, the optional organisation not; WCAG 1.3.5: autocomplete tokens."""
    from tests.webinars.factories import WebinarFactory

    webinar = WebinarFactory()
    page = ui.goto(reverse("webinars:detail", args=[webinar.pk]))
    if language == "en":
        ui.submit(page.get_by_role("button", name="English"))
    text = REGISTRATION[language]
    form = page.locator("form", has=page.locator("#id_name"))
    expect(form).to_contain_text(text["note"])
    for name, token in zip(text["required"], ["name", "email"], strict=True):
        field = page.get_by_role("textbox", name=name, exact=True)
        expect(field).to_have_attribute("autocomplete", token)
    organisation = page.get_by_role("textbox", name=text["optional"], exact=True)
    expect(organisation).to_have_attribute("autocomplete", "organization")
    expect(page.locator("label[for=id_organisation] .field-marker")).to_have_count(0)
