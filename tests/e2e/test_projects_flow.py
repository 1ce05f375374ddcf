"""Browser flows of the projects app (DESIGN.md flows 1 and 2), with axe on every page:
a buyer registers a need, assesses it and publishes a call; a company with a matching profile gets the mail,
asks a question and submits a response; the buyer answers the question and reads the responses.
"""

import re
from datetime import timedelta

from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from projects.cpv import load_divisions
from projects.models import Call, MarketGapAssessment, Need, Question, Response
from tests.e2e.labels import label
from tests.factories import make_buyer, make_company_user, organisation_of
from tests.projects.factories import profile

PASSWORD = "test-password-123"


def _login(ui, user):
    page = ui.goto("/accounts/login/")
    page.locator("#id_login").fill(user.email)
    page.locator("#id_password").fill(PASSWORD)
    ui.submit(page.get_by_role("button", name="Logga in", exact=True))
    return page


def _logout(ui):
    ui.submit(ui.page.get_by_role("button", name="Logga ut"))


def _local(delta):
    return (timezone.localtime() + delta).strftime("%Y-%m-%dT%H:%M")


def test_buyer_publishes_a_call_company_responds_buyer_reads(ui, tmp_path):
    load_divisions()
    buyer = make_buyer(email="kopare@kommun.example.se")
    company = make_company_user(email="salj@foretag.example.se")
    company_org = organisation_of(company)
    profile(company_org, categories=["energi"])

    # 1. The buyer registers a need.
    page = _login(ui, buyer)
    ui.goto("/needs/new/")
    ui.fill("Titel", "Solceller på förskolor")
    ui.fill("Sammanfattning", "Egen el på förskolornas tak.")
    ui.fill("Problembeskrivning", "Taken är små och skuggade.")
    page.get_by_label("Hållbarhet").check()
    page.get_by_label(label("Kategori")).select_option(label="Energi")
    ui.fill("CPV-koder", "09000000")
    ui.submit(page.get_by_role("button", name="Spara", exact=True))
    need = Need.objects.get(title="Solceller på förskolor")
    expect(page.get_by_role("heading", level=1)).to_have_text("Solceller på förskolor")
    assert need.visibility == "draft"

    # ... assesses the market gap, sees the suggestion, saves ...
    ui.submit(page.get_by_role("link", name="Gör en marknadsanalys"))
    page.get_by_label("Lösningar finns på en annan marknad (behöver anpassas)").check()
    ui.fill("Underlag", "Lätta paneler används i Tyskland.")
    page.get_by_label(label("Bedömd TRL")).select_option("7")
    ui.submit(page.get_by_role("button", name="Visa föreslaget förfarande"))
    expect(page.get_by_role("status").first).to_contain_text("Upphandling med funktionskrav")
    ui.submit(page.get_by_role("button", name="Spara marknadsanalysen"))
    assessment = MarketGapAssessment.objects.get(need=need)
    assert (assessment.conclusion, assessment.trl, assessment.chosen_procedure) == ("other_market", 7, "functional")

    # ... publishes the need and a call from it.
    ui.submit(page.get_by_role("button", name="Publicera behovet"))
    ui.submit(page.get_by_role("link", name="Skapa en förfrågan till marknaden"))
    page.get_by_label("Informationsförfrågan (RFI)").check()
    ui.fill("Titel", "RFI: solceller för små tak")
    ui.fill("Beskrivning", "Vi vill veta vad marknaden kan erbjuda.")
    ui.fill("Frågor till marknaden", "Vilken lösning?\nVilken TRL?")
    ui.fill("Öppnar", _local(-timedelta(minutes=5)))
    ui.fill("Stänger", _local(timedelta(days=10)))
    ui.submit(page.get_by_role("button", name="Spara", exact=True))
    mail.outbox.clear()
    ui.submit(page.get_by_role("button", name="Publicera förfrågan"))
    call = Call.objects.get()
    assert call.status == Call.Status.OPEN
    expect(page.locator(".status").first).to_contain_text("Öppen")
    _logout(ui)

    # 2. The company with a matching profile gets the mail ...
    alerts = [m for m in mail.outbox if m.to == [company.email]]
    assert len(alerts) == 1 and call.title in alerts[0].subject
    path = re.search(r"https?://[^/\s]+(/calls/\d+/)", alerts[0].body).group(1)
    _login(ui, company)
    ui.goto(path)
    # ... asks a question ...
    ui.fill("Din fråga", "Hur stora är taken?")
    ui.submit(page.get_by_role("button", name="Skicka frågan"))
    expect(page.locator("body")).to_contain_text("Hur stora är taken?")
    # ... and submits a response.
    ui.submit(page.get_by_role("link", name="Svara på förfrågan"))
    ui.fill("Sammanfattning av lösningen", "Lätta paneler som limmas på taket.")
    page.get_by_label(label("Er lösnings TRL")).select_option("7")
    pdf = tmp_path / "losning.pdf"
    pdf.write_bytes(b"%PDF-1.4\n" + b"0" * 200)
    page.get_by_label("Bilagor").set_input_files(str(pdf))
    ui.submit(page.get_by_role("button", name="Skicka in svaret"))
    response = Response.objects.get()
    assert response.status == Response.Status.SUBMITTED and response.organisation == company_org
    expect(page.locator("body")).to_contain_text("Inskickat")
    expect(page.get_by_role("link", name="losning.pdf")).to_be_visible()
    _logout(ui)

    # 3. The buyer moderates the question (public wording, answer, publish) and reads the responses.
    _login(ui, buyer)
    ui.goto(f"/calls/{call.pk}/")
    ui.submit(page.get_by_role("link", name=re.compile(r"Granska frågorna \(1 väntar\)")))
    expect(page.locator("body")).not_to_contain_text(company_org.name)  # the asker stays anonymous
    ui.submit(page.get_by_role("link", name="Besvara frågan"))
    ui.fill("Offentlig formulering", "Hur stora är taken ungefär?")
    ui.fill("Svar", "Cirka 200 kvadratmeter.")
    ui.submit(page.get_by_role("button", name="Spara", exact=True))
    question = Question.objects.get()
    assert question.answer == "Cirka 200 kvadratmeter." and question.is_pending
    page.get_by_label("Publicera frågan och svaret").check()
    ui.submit(page.get_by_role("button", name="Publicera valda"))
    assert Question.objects.get().is_published
    ui.goto(f"/calls/{call.pk}/")
    expect(page.locator("body")).to_contain_text("Hur stora är taken ungefär?")
    expect(page.locator("body")).to_contain_text("Cirka 200 kvadratmeter.")
    ui.submit(page.get_by_role("link", name=re.compile(r"Läs svaret")))
    row = page.get_by_role("row", name=re.compile(company_org.name))
    expect(row).to_contain_text("Lätta paneler")
    expect(page.get_by_role("link", name="Ladda ner som CSV")).to_be_visible()
    # ... and opens the response with its attachment.
    ui.submit(page.get_by_role("link", name=company_org.name))
    with page.expect_download() as download:
        page.get_by_role("link", name="losning.pdf").click()
    assert download.value.suggested_filename == "losning.pdf"


def test_visitor_searches_and_filters_the_catalogue(ui):
    buyer = make_buyer()
    org = organisation_of(buyer)
    for n in range(3):
        Need.objects.create(
            organisation=org,
            title=f"Solceller {n}",
            summary="Sol.",
            category="energi",
            themes=["hallbarhet"],
            visibility="published",
            published_at=timezone.now(),
        )
    Need.objects.create(organisation=org, title="Hemlig plan", summary="Utkast.", visibility="draft")
    page = ui.goto("/needs/")
    expect(page.locator("body")).not_to_contain_text("Hemlig plan")
    page.get_by_label("Kategori").select_option(label="Energi")
    ui.submit(page.get_by_role("button", name="Filtrera"))
    assert "category=energi" in page.url
    expect(page.get_by_role("link", name="Solceller 0")).to_be_visible()
    ui.goto("/calls/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Förfrågningar till marknaden")
