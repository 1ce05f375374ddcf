"""Public records and secrecy in a browser: the company asks for secrecy for a passage, the buyer sees it,
produces a release copy with the passage redacted and downloads the PDF. axe-core checks every page."""

import io

from django.urls import reverse
from playwright.sync_api import expect
from pypdf import PdfReader

from projects.records.models import RecordRelease
from tests.e2e.sessions import sign_in
from tests.factories import make_buyer, make_company_user, organisation_of
from tests.projects.factories import CallFactory, NeedFactory, ResponseFactory

SECRET = "patenterad värmeväxlare"


def test_company_asks_for_secrecy_and_buyer_releases_a_redacted_copy(ui):
    buyer = make_buyer(email="registrator@kommun.example.se")
    company = make_company_user(email="vd@foretag.example.se")
    call = CallFactory(need=NeedFactory(organisation=organisation_of(buyer)))
    response = ResponseFactory(
        call=call,
        organisation=organisation_of(company),
        summary="Värmeåtervinning för skolkök.",
        description=f"Lösningen bygger på en {SECRET} och ett öppet gränssnitt.",
    )

    sign_in(ui.page.context, ui.base_url, company)
    page = ui.goto(reverse("projects:response_edit", args=[call.pk]))
    expect(page.locator("body")).to_contain_text("Ert svar blir en allmän handling")
    ui.submit(page.get_by_role("link", name="Begär sekretess för delar av ert svar"))
    page.get_by_label("Del av svaret").select_option("description")
    ui.fill("Textavsnitt (frivilligt)", SECRET)
    ui.submit(page.get_by_role("button", name="Spara begäran om sekretess"))
    # Without a reason: the message is next to the field, the passage is kept.
    expect(page.locator(".error-summary")).to_contain_text("Ange varför delen bör hållas hemlig")
    expect(ui.field("Textavsnitt (frivilligt)")).to_have_value(SECRET)
    ui.fill("Varför bör uppgiften hållas hemlig?", "Konstruktionen är vår affärshemlighet.")
    ui.submit(page.get_by_role("button", name="Spara begäran om sekretess"))
    expect(page.locator("table")).to_contain_text("Konstruktionen är vår affärshemlighet.")

    page.context.clear_cookies()
    sign_in(ui.page.context, ui.base_url, buyer)
    page = ui.goto(reverse("projects:response_detail", args=[response.pk]))
    expect(page.locator("#secrecy mark")).to_have_text(SECRET)
    ui.submit(page.get_by_role("link", name="Ta fram en kopia för utlämnande"))
    ui.fill("Begäran inkom", "2026-11-30")
    ui.fill("Diarienummer för begäran", "KS 2026/123")
    page.get_by_label("Den som begär handlingen är anonym").check()
    page.get_by_label("Maskera (sekretess gäller)").check()
    ui.submit(page.get_by_role("button", name="Ta fram kopian för utlämnande"))
    releases = page.locator("#record-releases")
    expect(releases).to_contain_text("Anonym")
    expect(releases).to_contain_text("KS 2026/123")
    release = RecordRelease.objects.get()
    with page.expect_download() as download_info:
        releases.get_by_role("link", name=f"PDF, utlämnande nr {release.pk}").click()
    with open(download_info.value.path(), "rb") as handle:
        text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(handle.read())).pages)
    assert SECRET not in text and "[Sekretess – OSL 31:16]" in text and "öppet gränssnitt" in text
