"""Language of parts (WCAG 3.1.2) and the accessibility statement in a browser, with axe on every page.

On English pages the texts users wrote in Swedish (a need, a call, an innovation-check application on the
applicant's and the handler's page, an innovation-check grant call on its public page) carry lang="sv"; a need
written in English carries lang="en" on the Swedish page. The statement (/tillganglighet/) in both languages:
the compliance status, Digg's reporting link, the address for reports from the settings, and the recordings
without captions."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from checks.models import Application
from tests.checks.factories import make_application, make_call
from tests.e2e.sessions import sign_in
from tests.factories import make_buyer, make_handler
from tests.projects.factories import CallFactory, NeedFactory
from tests.webinars.factories import WebinarFactory

PURPOSE = "Att testa sensorer i en testbädd innan upphandlingen."


def switch_to(ui, language: str):
    """Switch the interface language with the header's button, as a reader does; the page comes back in it."""
    page = ui.page
    if page.locator("html").get_attribute("lang") != language:
        ui.submit(page.get_by_role("button", name={"en": "English", "sv": "Svenska"}[language]))
    expect(page.locator("html")).to_have_attribute("lang", language)
    return page


def following_text(page, heading: str):
    """The element right after the section heading `heading` (the text it introduces)."""
    return page.get_by_role("heading", name=heading, exact=True).locator("xpath=following-sibling::*[1]")


def test_swedish_texts_on_english_pages_and_an_english_need_on_swedish_pages_carry_their_language(ui):
    need = NeedFactory(
        title="Smartare ventilation i skolor",
        summary="Klassrummen blir för varma på eftermiddagen.",
        problem="Ventilationen går på fasta scheman.",
    )
    call = CallFactory(need=need, title="Förfrågan om ventilation", description="Vi vill veta vad som finns.")
    english_need = NeedFactory(title="Cleaner air in schools", summary="Classrooms are too warm.", language="en")

    # The need and the call in the English interface: their Swedish texts carry lang="sv".
    page = ui.goto(reverse("projects:need_detail", args=[need.pk]))
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    switch_to(ui, "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Smartare ventilation i skolor")
    expect(page.get_by_role("heading", level=1)).to_have_attribute("lang", "sv")
    expect(page.get_by_text("Ventilationen går på fasta scheman.", exact=True)).to_have_attribute("lang", "sv")
    ui.goto(reverse("projects:call_detail", args=[call.pk]))
    expect(page.get_by_role("heading", level=1)).to_have_attribute("lang", "sv")
    expect(page.get_by_text("Vi vill veta vad som finns.", exact=True)).to_have_attribute("lang", "sv")

    # A need written in English, in the Swedish interface: lang="en"; in the English one nothing to mark.
    ui.goto(reverse("projects:need_detail", args=[english_need.pk]))
    expect(page.get_by_role("heading", level=1)).not_to_have_attribute("lang", "en")
    switch_to(ui, "sv")
    expect(page.get_by_role("heading", level=1)).to_have_text("Cleaner air in schools")
    expect(page.get_by_role("heading", level=1)).to_have_attribute("lang", "en")
    expect(page.get_by_text("Classrooms are too warm.", exact=True)).to_have_attribute("lang", "en")

    # An application written in Swedish, on the applicant's and the handler's English pages.
    buyer = make_buyer(email="kopare@kommun.example.se")
    application = make_application(buyer=buyer, state=Application.State.IN_REVIEW)
    Application.objects.filter(pk=application.pk).update(purpose=PURPOSE)
    sign_in(page.context, ui.base_url, buyer)
    ui.goto(reverse("checks:application_detail", args=[application.pk]))
    switch_to(ui, "en")
    expect(page.get_by_role("heading", level=1)).to_contain_text(application.title)
    expect(page.get_by_role("heading", level=1).locator("span")).to_have_attribute("lang", "sv")
    expect(following_text(page, "Purpose")).to_have_attribute("lang", "sv")
    expect(following_text(page, "Purpose")).to_have_text(PURPOSE)
    expect(following_text(page, "Background")).to_have_attribute("lang", "sv")

    sign_in(page.context, ui.base_url, make_handler(email="handlaggare@verket.example.se"))
    ui.goto(reverse("checks:review_detail", args=[application.pk]))
    switch_to(ui, "en")
    expect(following_text(page, "Purpose")).to_have_attribute("lang", "sv")
    expect(following_text(page, "Purpose")).to_have_text(PURPOSE)
    expect(following_text(page, "Expected results")).to_have_attribute("lang", "sv")


def test_the_public_grant_call_page_in_english_marks_the_swedish_call_texts(ui):
    call = make_call(name="Innovationscheckar 2027", description="Checkar för extern expertis före upphandlingen.")

    page = ui.goto(reverse("checks:call_detail", args=[call.pk]))
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    expect(page.get_by_role("heading", level=1)).not_to_have_attribute("lang", "sv")
    switch_to(ui, "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Innovationscheckar 2027")
    expect(page.get_by_role("heading", level=1)).to_have_attribute("lang", "sv")
    expect(following_text(page, "About the call")).to_have_attribute("lang", "sv")
    expect(following_text(page, "About the call")).to_have_text("Checkar för extern expertis före upphandlingen.")
    expect(page.get_by_role("heading", name="Beslutsunderlag", exact=True)).to_have_attribute("lang", "sv")
    expect(page.get_by_role("cell", name="Innovationshöjd", exact=True)).to_have_attribute("lang", "sv")


def test_the_accessibility_statement_in_swedish_and_english(ui, settings):
    settings.ACCESSIBILITY_CONTACT_EMAIL = "tillganglighet@verket.example.se"
    now = timezone.now()
    recording = WebinarFactory(
        title="Innovationsvänlig upphandling",
        starts_at=now - timedelta(days=3),
        ends_at=now - timedelta(days=3) + timedelta(hours=1),
        recording_url="https://video.example.org/recent",
        recording_published_at=now - timedelta(days=2),
    )

    page = ui.goto(reverse("portal:accessibility"))
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    expect(page.get_by_role("heading", level=1)).to_have_text("Tillgänglighetsredogörelse")
    # The recording without captions is the one shortcoming, so the portal is partially compliant.
    expect(
        page.get_by_text(
            "Portalen är delvis förenlig med lagen om tillgänglighet till digital offentlig service, på grund av de "
            "brister som beskrivs nedan.",
            exact=True,
        )
    ).to_be_visible()
    expect(page.get_by_role("link", name="Anmäl brister i digital offentlig service till Digg")).to_have_attribute(
        "href", "https://www.digg.se/tdosanmalan"
    )
    expect(page.get_by_role("link", name="tillganglighet@verket.example.se").first).to_have_attribute(
        "href", "mailto:tillganglighet@verket.example.se"
    )
    row = page.locator("tr.uncaptioned-recording")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Inspelningen av webbinariet Innovationsvänlig upphandling saknar undertexter.")
    expect(row.get_by_role("link", name="Innovationsvänlig upphandling")).to_have_attribute(
        "href", reverse("webinars:detail", args=[recording.pk])
    )
    expect(page.locator("tr.known-defect")).to_have_count(0)

    switch_to(ui, "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Accessibility statement")
    expect(
        page.get_by_text(
            "The portal is partially compliant with the law on accessibility to digital public services, because "
            "of the shortcomings described below.",
            exact=True,
        )
    ).to_be_visible()
    expect(page.get_by_role("link", name="Report shortcomings in digital public services to Digg")).to_have_attribute(
        "href", "https://www.digg.se/tdosanmalan"
    )
    expect(page.get_by_role("link", name="tillganglighet@verket.example.se").first).to_have_attribute(
        "href", "mailto:tillganglighet@verket.example.se"
    )
    expect(page.locator("tr.uncaptioned-recording")).to_contain_text(
        "The recording of the webinar Innovationsvänlig upphandling has no captions."
    )
    # The webinar's Swedish title is marked on the English statement.
    expect(row.get_by_role("link", name="Innovationsvänlig upphandling").locator("span")).to_have_attribute(
        "lang", "sv"
    )


def test_with_every_recording_captioned_the_statement_says_fully_compliant(ui):
    page = ui.goto(reverse("portal:accessibility"))
    expect(
        page.get_by_text(
            "Portalen är helt förenlig med lagen om tillgänglighet till digital offentlig service.", exact=True
        )
    ).to_be_visible()
    expect(
        page.get_by_text("Vi känner inte till något innehåll som inte uppfyller kraven.", exact=True)
    ).to_be_visible()
    switch_to(ui, "en")
    expect(
        page.get_by_text(
            "The portal is fully compliant with the law on accessibility to digital public services.", exact=True
        )
    ).to_be_visible()
    expect(page.get_by_text("We know of no content that fails the requirements.", exact=True)).to_be_visible()
